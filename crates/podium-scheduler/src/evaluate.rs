//! Our own validator: checks every hard constraint of FORMAT.md and computes every metric exactly
//! as `validate.py` does, from scratch and independently of the search's incremental bookkeeping
//! (tests compare the two). Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::InstanceError;
use crate::instance::Instance;
use crate::problem::{Problem, overlaps};

/// One placement: `talk` starts in `slot`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Assignment {
    /// Talk id.
    pub talk: String,
    /// Start slot id.
    pub slot: String,
}

/// The metrics of FORMAT.md, as `validate.py` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metrics {
    /// Talks not placed.
    pub unscheduled: u64,
    /// Σ over attendees of wanted talks they cannot see.
    pub missed: u64,
    /// Number of attendees.
    pub attendees: u64,
    /// Attendees who miss at least one wanted talk.
    pub attendees_missing_any: u64,
    /// Largest miss count of one attendee.
    pub worst_attendee_missed: u64,
    /// Σ over room sessions of (distinct topics of non-plenary talks − 1).
    pub topic_mix: u64,
    /// Room sessions holding at least one non-plenary talk.
    pub sessions: u64,
    /// Of those, sessions with more than one topic.
    pub mixed_sessions: u64,
    /// Σ max(0, demand − capacity) over placed talks.
    pub overflow: u64,
    /// `missed·w + topic_mix·w + overflow·w`, rounded to 6 decimals.
    pub objective: f64,
}

/// What one attendee misses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeMisses {
    /// Attendee id.
    pub attendee: String,
    /// Wanted talks they cannot see: unscheduled ones, then scheduled ones outside a largest
    /// non-overlapping set (the earliest-end-first choice).
    pub talks: Vec<String>,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// No hard constraint is broken.
    pub feasible: bool,
    /// Every broken hard constraint, in words.
    pub violations: Vec<String>,
    /// The metrics.
    pub metrics: Metrics,
    /// Attendees missing at least one talk, most misses first (ties by input order).
    pub unhappiest: Vec<AttendeeMisses>,
}

/// Rounds to 6 decimals as the reported objective is.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Largest number of pairwise non-overlapping intervals (earliest end first), plus which ones.
pub(crate) fn max_non_overlapping(intervals: &mut [(i64, i64, usize)]) -> Vec<usize> {
    intervals.sort_by_key(|&(s, e, _)| (e, s));
    let mut chosen = Vec::new();
    let mut free_from = i64::MIN;
    for &(s, e, id) in intervals.iter() {
        if s >= free_from {
            chosen.push(id);
            free_from = e;
        }
    }
    chosen
}

/// Checks `assignments` against every hard constraint and computes the metrics.
/// Errors only when the instance itself is invalid; unknown talks or slots in `assignments` are
/// violations, not errors.
pub fn evaluate(instance: &Instance, assignments: &[Assignment]) -> Result<Report, InstanceError> {
    let problem = Problem::build(instance)?;
    Ok(evaluate_problem(&problem, assignments))
}

struct Placed {
    room: usize,
    start: i64,
    end: i64,
    session: usize,
}

pub(crate) fn evaluate_problem(p: &Problem, assignments: &[Assignment]) -> Report {
    let mut violations = Vec::new();
    let mut placed: HashMap<usize, Placed> = HashMap::new();
    let mut slot_owner: HashMap<usize, usize> = HashMap::new();
    for a in assignments {
        let Some(&t) = p.talk_index.get(&a.talk) else {
            violations.push(format!("assignment names unknown talk {}", a.talk));
            continue;
        };
        let Some(&s) = p.slot_index.get(&a.slot) else {
            violations.push(format!(
                "talk {} is placed in unknown slot {}",
                a.talk, a.slot
            ));
            continue;
        };
        if placed.contains_key(&t) {
            violations.push(format!("talk {} is placed twice", a.talk));
            continue;
        }
        let talk = &p.talks[t];
        let slot = &p.slots[s];
        let (first, last, fits) = p.cover(s, talk.duration);
        if !fits {
            violations.push(format!(
                "talk {} ({} min) does not fit from slot {}",
                talk.id, talk.duration, slot.id
            ));
        }
        for pos in first..=last {
            let c = p.sessions[slot.session].slots[pos];
            if let Some(&other) = slot_owner.get(&c) {
                violations.push(format!(
                    "slot {} holds both {} and {}",
                    p.slots[c].id, p.talks[other].id, talk.id
                ));
            }
            slot_owner.insert(c, t);
        }
        let missing: BTreeSet<&String> = talk
            .needs
            .iter()
            .filter(|f| !p.rooms[slot.room].features.contains(f))
            .collect();
        if !missing.is_empty() {
            violations.push(format!(
                "talk {} needs {:?} which room {} lacks",
                talk.id, missing, p.rooms[slot.room].id
            ));
        }
        if let Some(pin) = talk.pin
            && pin != s
        {
            violations.push(format!(
                "talk {} is pinned to slot {} but placed in {}",
                talk.id, p.slots[pin].id, slot.id
            ));
        }
        placed.insert(
            t,
            Placed {
                room: slot.room,
                start: slot.start,
                end: slot.start + i64::from(talk.duration),
                session: slot.session,
            },
        );
    }

    // Speakers.
    for sp in &p.speakers {
        let items: Vec<usize> = sp
            .talks
            .iter()
            .copied()
            .filter(|t| placed.contains_key(t))
            .collect();
        for x in 0..items.len() {
            for y in x + 1..items.len() {
                let (a, b) = (&placed[&items[x]], &placed[&items[y]]);
                if overlaps((a.start, a.end), (b.start, b.end)) {
                    violations.push(format!(
                        "speaker {} is in {} and {} at once",
                        sp.id, p.talks[items[x]].id, p.talks[items[y]].id
                    ));
                }
            }
        }
        for &w in &sp.unavailable {
            for &t in &items {
                let q = &placed[&t];
                if overlaps((q.start, q.end), w) {
                    violations.push(format!(
                        "speaker {} is unavailable during {}",
                        sp.id, p.talks[t].id
                    ));
                }
            }
        }
    }

    // Plenary talks.
    let mut ordered: Vec<usize> = placed.keys().copied().collect();
    ordered.sort_unstable();
    for &t in &ordered {
        if p.talks[t].plenary {
            let a = &placed[&t];
            for &o in &ordered {
                let b = &placed[&o];
                if o != t && overlaps((a.start, a.end), (b.start, b.end)) {
                    violations.push(format!(
                        "plenary talk {} runs in parallel with {}",
                        p.talks[t].id, p.talks[o].id
                    ));
                }
            }
        }
    }

    // Missed.
    let mut missed = 0u64;
    let mut unhappy = 0u64;
    let mut worst = 0u64;
    let mut unhappiest = Vec::new();
    for (ai, wants) in p.wants.iter().enumerate() {
        let mut here: Vec<(i64, i64, usize)> = wants
            .iter()
            .filter_map(|&t| {
                placed
                    .get(&(t as usize))
                    .map(|q| (q.start, q.end, t as usize))
            })
            .collect();
        let seen = max_non_overlapping(&mut here);
        let m = (wants.len() - seen.len()) as u64;
        missed += m;
        if m > 0 {
            unhappy += 1;
            let mut talks: Vec<String> = wants
                .iter()
                .filter(|&&t| !placed.contains_key(&(t as usize)))
                .map(|&t| p.talks[t as usize].id.clone())
                .collect();
            talks.extend(
                wants
                    .iter()
                    .filter(|&&t| {
                        placed.contains_key(&(t as usize)) && !seen.contains(&(t as usize))
                    })
                    .map(|&t| p.talks[t as usize].id.clone()),
            );
            unhappiest.push(AttendeeMisses {
                attendee: p.attendee_ids[ai].clone(),
                talks,
            });
        }
        worst = worst.max(m);
    }
    unhappiest.sort_by_key(|a| std::cmp::Reverse(a.talks.len()));

    // Topic mix.
    let mut topics_in_session: BTreeMap<usize, BTreeSet<u32>> = BTreeMap::new();
    for (&t, q) in &placed {
        if !p.talks[t].plenary {
            topics_in_session
                .entry(q.session)
                .or_default()
                .insert(p.talks[t].topic);
        }
    }
    let topic_mix: u64 = topics_in_session.values().map(|s| s.len() as u64 - 1).sum();
    let mixed = topics_in_session.values().filter(|s| s.len() > 1).count() as u64;

    let overflow: u64 = placed
        .iter()
        .map(|(&t, q)| u64::from(p.talks[t].demand.saturating_sub(p.rooms[q.room].capacity)))
        .sum();

    let objective = round6(p.objective(missed as i64, topic_mix as i64, overflow as i64));
    Report {
        feasible: violations.is_empty(),
        violations,
        metrics: Metrics {
            unscheduled: (p.talks.len() - placed.len()) as u64,
            missed,
            attendees: p.wants.len() as u64,
            attendees_missing_any: unhappy,
            worst_attendee_missed: worst,
            topic_mix,
            sessions: topics_in_session.len() as u64,
            mixed_sessions: mixed,
            overflow,
            objective,
        },
        unhappiest,
    }
}
