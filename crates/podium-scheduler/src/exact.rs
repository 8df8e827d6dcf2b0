//! Exact branch and bound for small instances (e.g. `gen.py tiny`): proves a complete schedule
//! optimal or finds a better one. Depth-first over talks (most wanted first), each at every free,
//! compatible start slot. A node is pruned when its bound reaches the incumbent:
//!
//! - the partial objective with missed counted as `Σ_a (placed wanted − max disjoint placed
//!   wanted)`, which only grows as talks are added (topic_mix and overflow only grow too);
//! - plus, per unplaced talk, its cheapest overflow, and — when every two candidate intervals
//!   either coincide in a time "period" or are disjoint (aligned slots, where max disjoint =
//!   number of periods covered, a coverage function) — its cheapest missed increase given the
//!   periods already covered. Coverage makes `placed − covered` supermodular, so the sum of
//!   per-talk increases w.r.t. the current node never exceeds the true increase.
//!
//! Only complete schedules are searched: the caller runs this when the heuristic found one, so
//! the optimum is complete too. Pure: no I/O.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::problem::Problem;
use crate::state::{NONE, State};

/// Outcome of the exact search.
pub(crate) struct ExactResult {
    /// A better complete placement than the incumbent, if one was found.
    pub improved: Option<Vec<u32>>,
    /// True when the search finished: the best (incumbent or improved) is optimal.
    pub proven: bool,
    /// Nodes visited.
    pub nodes: u64,
}

struct Search<'p, 'c> {
    state: State<'p>,
    order: Vec<usize>,
    /// Per candidate (talk, cand): its period, when aligned.
    period: Option<Vec<Vec<u32>>>,
    /// covered[a * periods + q]: placed wanted talks of `a` in period `q`.
    covered: Vec<u32>,
    periods: usize,
    incumbent: f64,
    best: Option<Vec<u32>>,
    nodes: u64,
    node_limit: u64,
    aborted: bool,
    unplaced_wants: i64,
    cancel: &'c AtomicBool,
}

/// Periods when the candidate intervals are aligned: overlap is an equivalence relation.
fn periods(p: &Problem) -> Option<(Vec<Vec<u32>>, usize)> {
    let mut all: Vec<(i64, i64)> = p
        .cands
        .iter()
        .flat_map(|cs| cs.iter().map(|c| (c.start, c.end)))
        .collect();
    all.sort_unstable();
    all.dedup();
    // Sweep connected components; each must be a clique (max start < min end).
    let mut comps: Vec<(i64, i64)> = Vec::new(); // (component start, component end)
    let mut i = 0;
    while i < all.len() {
        let (mut max_start, mut min_end, mut reach) = (all[i].0, all[i].1, all[i].1);
        let first = all[i].0;
        let mut j = i + 1;
        while j < all.len() && all[j].0 < reach {
            max_start = max_start.max(all[j].0);
            min_end = min_end.min(all[j].1);
            reach = reach.max(all[j].1);
            j += 1;
        }
        if max_start >= min_end {
            return None;
        }
        comps.push((first, reach));
        i = j;
    }
    let period_of = |start: i64| -> u32 { comps.partition_point(|&(s, _)| s <= start) as u32 - 1 };
    let per = p
        .cands
        .iter()
        .map(|cs| cs.iter().map(|c| period_of(c.start)).collect())
        .collect();
    Some((per, comps.len()))
}

/// Runs branch and bound with `incumbent_cost` (objective of a known complete schedule).
pub(crate) fn solve_exact(
    p: &Problem,
    incumbent_cost: f64,
    node_limit: u64,
    cancel: &AtomicBool,
) -> ExactResult {
    let mut order: Vec<usize> = (0..p.talks.len()).collect();
    order.sort_by_key(|&t| {
        (
            p.talks[t].pin.is_none(),
            std::cmp::Reverse(p.talks[t].wanters.len()),
            p.cands[t].len(),
        )
    });
    let (period, periods) = match periods(p) {
        Some((per, n)) => (Some(per), n),
        None => (None, 0),
    };
    let unplaced_wants = p.wants.iter().map(|w| w.len() as i64).sum();
    let mut search = Search {
        state: State::new(p, Vec::new(), 0.0),
        order,
        period,
        covered: vec![0; p.wants.len() * periods.max(1)],
        periods,
        incumbent: incumbent_cost,
        best: None,
        nodes: 0,
        node_limit,
        aborted: false,
        unplaced_wants,
        cancel,
    };
    if p.cands.iter().any(|c| c.is_empty()) {
        return ExactResult {
            improved: None,
            proven: false,
            nodes: 0,
        };
    }
    search.dfs(0);
    ExactResult {
        improved: search.best,
        proven: !search.aborted,
        nodes: search.nodes,
    }
}

impl Search<'_, '_> {
    fn partial_bound(&self) -> f64 {
        let p = self.state.p;
        let missed = self.state.missed - self.unplaced_wants;
        p.objective(missed, self.state.topic_mix, self.state.overflow)
    }

    /// Σ over unplaced talks of the cheapest (overflow + missed increase) of a free place.
    fn rest_bound(&self, depth: usize) -> f64 {
        let p = self.state.p;
        let mut sum = 0.0;
        for &t in &self.order[depth..] {
            let mut cheapest = f64::INFINITY;
            for (ci, c) in p.cands[t].iter().enumerate() {
                if !self.state.is_free(t, ci) {
                    continue;
                }
                let mut cost = p.weights.overflow * f64::from(c.overflow);
                if let Some(period) = &self.period {
                    let q = period[t][ci] as usize;
                    let hits = p.talks[t]
                        .wanters
                        .iter()
                        .filter(|&&a| self.covered[a as usize * self.periods + q] > 0)
                        .count();
                    cost += p.weights.missed * hits as f64;
                }
                cheapest = cheapest.min(cost);
            }
            if cheapest.is_infinite() {
                return f64::INFINITY;
            }
            sum += cheapest;
        }
        sum
    }

    fn set_cover(&mut self, t: usize, ci: usize, add: bool) {
        if let Some(period) = &self.period {
            let q = period[t][ci] as usize;
            for &a in &self.state.p.talks[t].wanters {
                let cell = &mut self.covered[a as usize * self.periods + q];
                if add {
                    *cell += 1;
                } else {
                    *cell -= 1;
                }
            }
        }
    }

    fn dfs(&mut self, depth: usize) {
        self.nodes += 1;
        if self.nodes > self.node_limit
            || (self.nodes.is_multiple_of(4096) && self.cancel.load(Ordering::Relaxed))
        {
            self.aborted = true;
            return;
        }
        if self.aborted {
            return;
        }
        let p = self.state.p;
        if depth == self.order.len() {
            let cost = self.state.objective();
            if cost < self.incumbent - 1e-9 {
                self.incumbent = cost;
                self.best = Some(self.state.at.clone());
            }
            return;
        }
        if self.partial_bound() + self.rest_bound(depth) >= self.incumbent - 1e-9 {
            return;
        }
        let t = self.order[depth];
        // Children in order of their immediate cost, so good schedules come first.
        let mut children: Vec<(f64, usize)> = Vec::new();
        for c in 0..p.cands[t].len() {
            if self.state.is_free(t, c) && self.state.is_compatible(t, c) {
                children.push((self.state.insertion_delta(t, c), c));
            }
        }
        children.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, c) in children {
            self.state.place(t, c);
            self.unplaced_wants -= p.talks[t].wanters.len() as i64;
            self.set_cover(t, c, true);
            self.dfs(depth + 1);
            self.set_cover(t, c, false);
            self.unplaced_wants += p.talks[t].wanters.len() as i64;
            self.state.remove(t);
            if self.aborted {
                return;
            }
        }
        debug_assert!(self.state.at[t] == NONE);
    }
}
