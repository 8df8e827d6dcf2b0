//! Proven lower bounds on the objective, computed before search. Each part bounds one metric
//! from below over *all* schedules (see docs/scheduler.md for the proofs):
//!
//! - missed: attendee `a` sees at most `min(#wanted talks that can be placed anywhere,
//!   max number of pairwise disjoint intervals among all places their wanted talks could take)`
//!   talks, so misses at least `|wants| −` that. Valid for every schedule, complete or not.
//! - missed, second argument (complete schedules only): talks starting at the same moment
//!   overlap, so attendee `a` misses at least `Σ_p (n_ap − 1)⁺`, `n_ap` = wanted talks starting
//!   at moment `p`; and `n − 1 ≥ 2·C(n, 2)/r` when `n ≤ r` (r = most slots starting at one
//!   moment). Summed over attendees this is `(2/r)·Σ w_ij` over pairs of talks starting together,
//!   `w_ij` = attendees wanting both. Every complete schedule starts at least `M` pairs together
//!   (`M` = the least `Σ_p C(s_p, 2)` with `s_p ≤ slots starting at p`, `Σ s_p = #talks`, found
//!   by filling evenly), so `Σ w_ij ≥` the sum of the `M` smallest pair weights.
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
    /// Bound on `missed` of complete schedules (at least `missed`).
    pub missed_complete: u64,
    /// Bound on `overflow` (complete schedules).
    pub overflow: u64,
    /// Bound on `topic_mix` (complete schedules).
    pub topic_mix: u64,
}

impl LowerBound {
    /// Weighted bound on the objective of any complete schedule.
    pub fn complete(&self, p: &Problem) -> f64 {
        p.objective(
            self.missed_complete as i64,
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
    let missed = missed_bound(p);
    LowerBound {
        missed,
        missed_complete: missed.max(pair_bound(p)),
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

/// Largest number of talks for which the pair weights are tabulated (N² / 2 counters).
const PAIR_BOUND_MAX_TALKS: usize = 3000;

fn pair_bound(p: &Problem) -> u64 {
    let n = p.talks.len();
    if !(2..=PAIR_BOUND_MAX_TALKS).contains(&n) {
        return 0;
    }
    // Slots starting at each moment.
    let mut starts: Vec<i64> = p.slots.iter().map(|s| s.start).collect();
    starts.sort_unstable();
    let mut caps: Vec<usize> = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        if i > 0 && starts[i - 1] == s {
            *caps.last_mut().expect("pushed before") += 1;
        } else {
            caps.push(1);
        }
    }
    if caps.iter().sum::<usize>() < n {
        return 0; // no complete schedule exists
    }
    let r_max = *caps.iter().max().expect("slots exist") as f64;
    // Fill evenly: the next talk joins the smallest group that still has room.
    let mut sizes = vec![0usize; caps.len()];
    for _ in 0..n {
        let k = (0..caps.len())
            .filter(|&k| sizes[k] < caps[k])
            .min_by_key(|&k| sizes[k])
            .expect("enough room checked above");
        sizes[k] += 1;
    }
    let pairs_together: usize = sizes.iter().map(|&s| s * s.saturating_sub(1) / 2).sum();
    // Pair weights: attendees wanting both talks.
    let mut weight = vec![0u32; n * (n - 1) / 2];
    let index = |i: usize, j: usize| -> usize {
        let (i, j) = if i < j { (i, j) } else { (j, i) };
        i * (2 * n - i - 1) / 2 + (j - i - 1)
    };
    for wants in &p.wants {
        for (x, &i) in wants.iter().enumerate() {
            for &j in &wants[x + 1..] {
                weight[index(i as usize, j as usize)] += 1;
            }
        }
    }
    let m = pairs_together.min(weight.len());
    if m == 0 {
        return 0;
    }
    weight.select_nth_unstable(m - 1);
    let smallest: u64 = weight[..m].iter().map(|&w| u64::from(w)).sum();
    (2.0 * smallest as f64 / r_max).ceil() as u64
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

#[cfg(test)]
mod tests {
    use crate::instance::Instance;
    use crate::problem::Problem;

    #[test]
    fn pair_bound_is_tight_when_four_wanted_talks_share_two_moments() {
        let text = r#"{"format":"podium.schedule.instance/1",
          "rooms":[{"id":"A"},{"id":"B"}],
          "slots":[
            {"id":"A1","room":"A","start":"2024-01-01T10:00","end":"2024-01-01T10:30","session":"s"},
            {"id":"A2","room":"A","start":"2024-01-01T10:30","end":"2024-01-01T11:00","session":"s"},
            {"id":"B1","room":"B","start":"2024-01-01T10:00","end":"2024-01-01T10:30","session":"s"},
            {"id":"B2","room":"B","start":"2024-01-01T10:30","end":"2024-01-01T11:00","session":"s"}],
          "talks":[{"id":"T1","duration":30},{"id":"T2","duration":30},
                   {"id":"T3","duration":30},{"id":"T4","duration":30}],
          "attendees":[{"id":"X","wants":["T1","T2","T3","T4"]}]}"#;
        let p = Problem::build(&Instance::from_json(text).expect("parses")).expect("valid");
        let bound = super::lower_bound(&p);
        // Per attendee: 4 wants, 2 disjoint moments → at least 2 missed, any schedule.
        assert_eq!(bound.missed, 2);
        // Pairs: 2 moments × 2 rooms → at least 2 pairs start together, each wanted by X:
        // (2 / 2 rooms) · 2 = 2.
        assert_eq!(super::pair_bound(&p), 2);
        assert_eq!(bound.missed_complete, 2);
        assert_eq!(bound.overflow, 0);
        assert_eq!(bound.topic_mix, 0);
    }
}
