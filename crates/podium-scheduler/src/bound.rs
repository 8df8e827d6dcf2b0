//! Proven lower bounds on the objective, computed before search. Each part bounds one metric
//! from below over *all* schedules (see docs/scheduler.md for the proofs):
//!
//! - missed: attendee `a` sees at most `min(#wanted talks that can be placed anywhere,
//!   max number of pairwise disjoint intervals among all places their wanted talks could take)`
//!   talks, so misses at least `|wants| −` that. Valid for every schedule, complete or not.
//! - overflow (complete schedules only): every placed talk occupies a distinct slot, so the
//!   overflow is at least the cheapest injective matching of talk demands to slot capacities,
//!   which (cost convex in demand − capacity) is the sorted matching.
//! - topic_mix (complete schedules only): `topic_mix = Σ_topics (#sessions holding the topic) −
//!   #non-empty sessions ≥ Σ_topics k_min(topic) − #sessions`, where `k_min` is the fewest
//!   sessions whose slot counts and lengths can hold the topic's non-plenary talks.
//!
//! Pure: no I/O.

use crate::evaluate::max_non_overlapping;
use crate::problem::Problem;

/// A lower bound split by metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LowerBound {
    /// Bound on `missed` (any schedule).
    pub missed: u64,
    /// Bound on `overflow` (complete schedules).
    pub overflow: u64,
    /// Bound on `topic_mix` (complete schedules).
    pub topic_mix: u64,
}

impl LowerBound {
    /// Weighted bound on the objective of any complete schedule.
    pub fn complete(&self, p: &Problem) -> f64 {
        p.objective(
            self.missed as i64,
            self.topic_mix as i64,
            self.overflow as i64,
        )
    }

    /// Weighted bound valid for any schedule, complete or not (missed part only).
    pub fn any(&self, p: &Problem) -> f64 {
        p.objective(self.missed as i64, 0, 0)
    }
}

/// The proven lower bound of `instance`, split by metric. Errors for invalid input.
pub fn lower_bound_of(instance: &crate::Instance) -> Result<LowerBound, crate::InstanceError> {
    let p = Problem::build(instance)?;
    Ok(lower_bound(&p))
}

/// Computes the bound.
pub(crate) fn lower_bound(p: &Problem) -> LowerBound {
    LowerBound {
        missed: missed_bound(p),
        overflow: overflow_bound(p),
        topic_mix: topic_bound(p),
    }
}

fn missed_bound(p: &Problem) -> u64 {
    let mut total = 0u64;
    let mut intervals: Vec<(i64, i64, usize)> = Vec::new();
    for wants in &p.wants {
        intervals.clear();
        let mut placeable = 0usize;
        for &t in wants {
            let cands = &p.cands[t as usize];
            if !cands.is_empty() {
                placeable += 1;
            }
            intervals.extend(cands.iter().map(|c| (c.start, c.end, 0)));
        }
        intervals.sort_unstable();
        intervals.dedup();
        let disjoint = max_non_overlapping(&mut intervals).len();
        total += (wants.len() - placeable.min(disjoint)) as u64;
    }
    total
}

fn overflow_bound(p: &Problem) -> u64 {
    let mut demands: Vec<u32> = p.talks.iter().map(|t| t.demand).collect();
    let mut capacities: Vec<u32> = p.slots.iter().map(|s| p.rooms[s.room].capacity).collect();
    demands.sort_unstable_by(|a, b| b.cmp(a));
    capacities.sort_unstable_by(|a, b| b.cmp(a));
    demands
        .iter()
        .enumerate()
        .map(|(i, &d)| u64::from(d.saturating_sub(capacities.get(i).copied().unwrap_or(0))))
        .sum()
}

fn topic_bound(p: &Problem) -> u64 {
    let mut by_count: Vec<usize> = p.sessions.iter().map(|s| s.slots.len()).collect();
    let mut by_minutes: Vec<i64> = p
        .sessions
        .iter()
        .map(|s| {
            let first = s.slots[0];
            let last = *s.slots.last().expect("a session has at least one slot");
            p.slots[last].end - p.slots[first].start
        })
        .collect();
    by_count.sort_unstable_by(|a, b| b.cmp(a));
    by_minutes.sort_unstable_by(|a, b| b.cmp(a));
    let mut per_topic: Vec<(usize, i64)> = vec![(0, 0); p.topics.len()];
    for t in p.talks.iter().filter(|t| !t.plenary) {
        per_topic[t.topic as usize].0 += 1;
        per_topic[t.topic as usize].1 += i64::from(t.duration);
    }
    let fewest = |need: i64, caps: &mut dyn Iterator<Item = i64>| -> Option<usize> {
        let mut sum = 0;
        for (k, c) in caps.enumerate() {
            if sum >= need {
                return Some(k);
            }
            sum += c;
        }
        (sum >= need).then_some(by_count.len())
    };
    let mut sum_k = 0usize;
    for &(count, minutes) in &per_topic {
        if count == 0 {
            continue;
        }
        let k_count = fewest(count as i64, &mut by_count.iter().map(|&c| c as i64));
        let k_minutes = fewest(minutes, &mut by_minutes.iter().copied());
        match (k_count, k_minutes) {
            (Some(a), Some(b)) => sum_k += a.max(b),
            // The topic cannot fit at all: no complete schedule exists; the bound is vacuous.
            _ => return 0,
        }
    }
    sum_k.saturating_sub(p.sessions.len()) as u64
}
