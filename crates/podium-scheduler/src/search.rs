//! The heuristic search: a greedy constructive start (most constrained talks first, each at its
//! cheapest place, which groups topics into sessions), then simulated annealing over three moves
//! (relocate a talk, possibly swapping with the one talk in the way; swap two whole room
//! sessions of the same shape; ruin and recreate a few related talks). Every move is evaluated
//! incrementally by [`State`]. Pure: reads the clock for the time limit, nothing else.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::problem::Problem;
use crate::rng::Rng;
use crate::state::{NONE, State};

/// Progress of a running solve, reported through the callback.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Seconds since the solve started.
    pub seconds: f64,
    /// Talks not placed in the best schedule so far.
    pub unscheduled: u64,
    /// Objective of the best schedule so far (FORMAT.md's, without move penalties).
    pub objective: f64,
    /// Proven lower bound on the objective of a complete schedule.
    pub lower_bound: f64,
    /// Search iterations done so far by the reporting worker.
    pub iterations: u64,
}

/// When a worker stops.
pub(crate) struct Budget<'a> {
    pub temperatures: Option<(f64, f64)>,
    pub start: Instant,
    pub time_limit: Option<Duration>,
    pub iterations: Option<u64>,
    pub cancel: &'a AtomicBool,
}

impl Budget<'_> {
    /// Fraction of the budget used (0..1), by iterations when given, else by time.
    fn fraction(&self, iteration: u64) -> f64 {
        if let Some(n) = self.iterations {
            return (iteration as f64 / n.max(1) as f64).min(1.0);
        }
        match self.time_limit {
            Some(limit) => {
                (self.start.elapsed().as_secs_f64() / limit.as_secs_f64().max(1e-9)).min(1.0)
            }
            None => 1.0,
        }
    }

    fn exhausted(&self, iteration: u64) -> bool {
        if self.iterations.is_some_and(|n| iteration >= n) {
            return true;
        }
        if self.cancel.load(Ordering::Relaxed) {
            return true;
        }
        self.time_limit
            .is_some_and(|limit| self.start.elapsed() >= limit)
    }
}

/// Shared between workers: the best so far, for progress reports only (results never depend
/// on it, so the outcome stays deterministic).
pub(crate) struct Shared<'a> {
    pub best: Mutex<(i64, f64)>,
    pub last_emit: Mutex<Option<Instant>>,
    pub lower_bound: f64,
    pub progress: &'a (dyn Fn(&Progress) + Sync),
}

impl Shared<'_> {
    fn offer(&self, start: Instant, unplaced: i64, objective: f64, iterations: u64) {
        let mut best = self.best.lock().unwrap_or_else(|e| e.into_inner());
        if (unplaced, objective) >= *best && best.0 != i64::MAX {
            return;
        }
        *best = (unplaced, objective);
        let mut last = self.last_emit.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.is_some_and(|l| now.duration_since(l) < Duration::from_millis(100)) {
            return;
        }
        *last = Some(now);
        (self.progress)(&Progress {
            seconds: start.elapsed().as_secs_f64(),
            unscheduled: unplaced as u64,
            objective: crate::evaluate::round6(objective),
            lower_bound: self.lower_bound,
            iterations,
        });
    }
}

/// Static helpers for moves: sessions of equal shape (same slot offsets and lengths).
pub(crate) struct Neighbourhood {
    pub partners: Vec<Vec<u32>>,
    pub movable: Vec<u32>,
    /// Per talk: the other movable talks of its topic.
    pub same_topic: Vec<Vec<u32>>,
}

impl Neighbourhood {
    pub fn new(p: &Problem) -> Neighbourhood {
        let shape = |s: usize| -> Vec<(i64, i64)> {
            let run = &p.sessions[s].slots;
            let base = p.slots[run[0]].start;
            run.iter()
                .map(|&x| (p.slots[x].start - base, p.slots[x].end - base))
                .collect()
        };
        let shapes: Vec<Vec<(i64, i64)>> = (0..p.sessions.len()).map(shape).collect();
        let partners = (0..p.sessions.len())
            .map(|a| {
                (0..p.sessions.len())
                    .filter(|&b| b != a && shapes[b] == shapes[a])
                    .map(|b| b as u32)
                    .collect()
            })
            .collect();
        let movable: Vec<u32> = (0..p.talks.len())
            .filter(|&t| {
                p.cands[t].len() > 1 || (p.talks[t].pin.is_none() && !p.cands[t].is_empty())
            })
            .map(|t| t as u32)
            .collect();
        let same_topic = (0..p.talks.len())
            .map(|t| {
                movable
                    .iter()
                    .copied()
                    .filter(|&u| u as usize != t && p.talks[u as usize].topic == p.talks[t].topic)
                    .collect()
            })
            .collect();
        Neighbourhood {
            partners,
            movable,
            same_topic,
        }
    }
}

/// Places the talks that can keep their previous slot (keep mode), in talk order.
pub(crate) fn place_anchors(state: &mut State, anchors: &[u32]) {
    let p = state.p;
    for t in 0..p.talks.len() {
        let a = anchors.get(t).copied().unwrap_or(NONE);
        if a == NONE {
            continue;
        }
        if let Some(c) = p.cand_index(t, a as usize)
            && state.is_free(t, c)
            && state.is_compatible(t, c)
        {
            state.place(t, c);
        }
    }
}

/// Candidates scored per talk during construction (all of them when a talk has fewer):
/// enough for a good start, and it keeps a 740-talk start near one second.
const CONSTRUCT_SAMPLE: usize = 120;

/// Greedy construction: places every unplaced talk, most constrained first, at its cheapest
/// free place (ties broken by `rng`). Talks with no free place stay unplaced.
pub(crate) fn construct(state: &mut State, rng: &mut Rng) {
    let p = state.p;
    let mut order: Vec<usize> = (0..p.talks.len())
        .filter(|&t| state.at[t] == NONE && !p.cands[t].is_empty())
        .collect();
    order.sort_by_key(|&t| {
        let talk = &p.talks[t];
        (
            !(talk.pin.is_some() || talk.plenary),
            p.cands[t].len(),
            std::cmp::Reverse(talk.duration),
            std::cmp::Reverse(talk.wanters.len()),
        )
    });
    for t in order {
        insert_best(state, t, rng, CONSTRUCT_SAMPLE);
    }
}

/// Places unplaced `t` at its cheapest free, compatible candidate among at most `sample`
/// (all when there are fewer). Returns whether it was placed.
fn insert_best(state: &mut State, t: usize, rng: &mut Rng, sample: usize) -> bool {
    let n = state.p.cands[t].len();
    let mut best: Option<(f64, usize)> = None;
    let mut consider = |state: &mut State, c: usize, rng: &mut Rng| {
        if !state.is_free(t, c) || !state.is_compatible(t, c) {
            return;
        }
        // A tiny random tie-break so that equal places are chosen fairly.
        let d = state.insertion_delta(t, c) + rng.unit() * 1e-6;
        if best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    };
    if n <= sample {
        for c in 0..n {
            consider(state, c, rng);
        }
    } else {
        for _ in 0..sample {
            let c = rng.below(n);
            consider(state, c, rng);
        }
    }
    match best {
        Some((_, c)) => {
            state.place(t, c);
            true
        }
        None => false,
    }
}

/// Move mix of the annealing (the rest is ruin and recreate).
const P_RELOCATE: f64 = 0.45;
const P_SWAP_TOPIC: f64 = 0.30;
const P_SWAP_SESSIONS: f64 = 0.245;

/// Draws per relocate to find a place on the talk's topic before settling for any.
const RELOCATE_TRIES: usize = 4;

/// Result of one worker.
pub(crate) struct WorkerResult {
    pub at: Vec<u32>,
    pub unplaced: i64,
    pub cost: f64,
    pub iterations: u64,
}

/// Simulated annealing from the current state. Returns the best placement seen.
pub(crate) fn anneal(
    state: &mut State,
    hood: &Neighbourhood,
    rng: &mut Rng,
    budget: &Budget,
    shared: &Shared,
) -> WorkerResult {
    let p = state.p;
    let mut best = WorkerResult {
        at: state.at.clone(),
        unplaced: state.unplaced,
        cost: state.cost(),
        iterations: 0,
    };
    shared.offer(budget.start, state.unplaced, state.objective(), 0);
    if hood.movable.is_empty() {
        return best;
    }
    // Temperatures in objective units: early on a few missed talks or a mixed session are
    // accepted; at the end only improvements.
    let scale = p.weights.missed.max(p.weights.topic_mix / 20.0).max(1e-3);
    let (t0, t1) = budget.temperatures.unwrap_or((8.0 * scale, 0.1 * scale));
    let mut changes: Vec<(u32, u32)> = Vec::with_capacity(32);
    let mut saved: Vec<(u32, u32)> = Vec::with_capacity(32);
    let mut occupants: Vec<u32> = Vec::with_capacity(8);
    let mut iteration: u64 = 0;
    let mut temp = t0;
    loop {
        if iteration.is_multiple_of(128) {
            // A complete schedule at the proven lower bound cannot be beaten: stop early
            // (deterministic, since it depends only on this worker's own trajectory).
            if budget.exhausted(iteration)
                || (best.unplaced == 0 && best.cost <= shared.lower_bound + 1e-9)
            {
                break;
            }
            let f = budget.fraction(iteration);
            temp = t0 * (t1 / t0).powf(f);
        }
        iteration += 1;
        let r = rng.unit();
        let accepted = if r < P_RELOCATE {
            relocate(
                state,
                hood,
                rng,
                temp,
                &mut changes,
                &mut saved,
                &mut occupants,
            )
        } else if r < P_RELOCATE + P_SWAP_TOPIC {
            swap_same_topic(state, hood, rng, temp, &mut changes, &mut saved)
        } else if r < P_RELOCATE + P_SWAP_TOPIC + P_SWAP_SESSIONS {
            swap_sessions(state, hood, rng, temp, &mut changes, &mut saved)
        } else {
            ruin_recreate(state, hood, rng, temp)
        };
        if accepted {
            let cost = state.cost();
            if cost < best.cost - 1e-9 {
                best.cost = cost;
                best.unplaced = state.unplaced;
                best.at.clone_from(&state.at);
                shared.offer(budget.start, state.unplaced, state.objective(), iteration);
            }
        }
    }
    best.iterations = iteration;
    best
}

fn accept_delta(delta: f64, temp: f64, rng: &mut Rng) -> bool {
    delta <= 0.0 || rng.unit() < (-delta / temp).exp()
}

fn try_changes(
    state: &mut State,
    changes: &[(u32, u32)],
    saved: &mut Vec<(u32, u32)>,
    temp: f64,
    rng: &mut Rng,
) -> bool {
    match state.apply(changes, saved) {
        None => false,
        Some(delta) => {
            if accept_delta(delta, temp, rng) {
                state.accept();
                true
            } else {
                state.revert(saved);
                false
            }
        }
    }
}

fn relocate(
    state: &mut State,
    hood: &Neighbourhood,
    rng: &mut Rng,
    temp: f64,
    changes: &mut Vec<(u32, u32)>,
    saved: &mut Vec<(u32, u32)>,
    occupants: &mut Vec<u32>,
) -> bool {
    let p = state.p;
    let mut t = hood.movable[rng.below(hood.movable.len())] as usize;
    if state.unplaced > 0 && rng.unit() < 0.3 {
        let unplaced: Vec<u32> = hood
            .movable
            .iter()
            .copied()
            .filter(|&u| state.at[u as usize] == NONE)
            .collect();
        if !unplaced.is_empty() {
            t = unplaced[rng.below(unplaced.len())] as usize;
        }
    }
    let n = p.cands[t].len();
    // Prefer places whose session is empty or already on the talk's topic: elsewhere the move
    // nearly always costs a mixed session and is rejected after a full evaluation.
    let mut c = rng.below(n);
    for _ in 0..RELOCATE_TRIES {
        if state.session_welcomes(p.cands[t][c].session as usize, p.talks[t].topic) {
            break;
        }
        c = rng.below(n);
    }
    if state.at[t] == c as u32 {
        return false;
    }
    state.occupants(t, c, occupants);
    changes.clear();
    match occupants.len() {
        0 => changes.push((t as u32, c as u32)),
        1 => {
            let u = occupants[0] as usize;
            match state.start_slot(t) {
                Some(old) => {
                    let Some(c2) = p.cand_index(u, old) else {
                        return false;
                    };
                    changes.push((t as u32, c as u32));
                    changes.push((u as u32, c2 as u32));
                }
                None => return evict_and_reinsert(state, t, c, u, rng, temp),
            }
        }
        _ => return false,
    }
    try_changes(state, changes, saved, temp, rng)
}

/// Places unplaced `t` at `c` in place of its one occupant `u`, then re-inserts `u` at its
/// cheapest free place (an ejection chain of length one). Accepted by the annealing rule on the
/// total change; reverted otherwise.
fn evict_and_reinsert(
    state: &mut State,
    t: usize,
    c: usize,
    u: usize,
    rng: &mut Rng,
    temp: f64,
) -> bool {
    if state.p.talks[u].pin.is_some() {
        return false;
    }
    let Some(old_u) = state.at.get(u).copied().filter(|&x| x != NONE) else {
        return false;
    };
    let before = state.cost();
    state.remove(u);
    if !state.is_free(t, c) || !state.is_compatible(t, c) {
        state.place(u, old_u as usize);
        return false;
    }
    state.place(t, c);
    insert_best(state, u, rng, 120);
    if accept_delta(state.cost() - before, temp, rng) {
        return true;
    }
    if state.at[u] != NONE {
        state.remove(u);
    }
    state.remove(t);
    state.place(u, old_u as usize);
    false
}

/// After construction: for every unplaced talk, the best single eviction that places it and
/// re-inserts the evicted talk elsewhere, applied when it lowers the cost.
pub(crate) fn repair(state: &mut State, rng: &mut Rng) {
    let p = state.p;
    let mut occupants = Vec::new();
    for t in 0..p.talks.len() {
        if state.at[t] != NONE || p.cands[t].is_empty() {
            continue;
        }
        let mut done = false;
        for c in 0..p.cands[t].len() {
            state.occupants(t, c, &mut occupants);
            if occupants.len() == 1
                && evict_and_reinsert(state, t, c, occupants[0] as usize, rng, 1e-12)
            {
                done = true;
            }
            if done {
                break;
            }
        }
    }
}

/// Swaps the start slots of two placed talks of the same topic (keeps sessions clean while
/// changing which talks run in parallel).
fn swap_same_topic(
    state: &mut State,
    hood: &Neighbourhood,
    rng: &mut Rng,
    temp: f64,
    changes: &mut Vec<(u32, u32)>,
    saved: &mut Vec<(u32, u32)>,
) -> bool {
    let p = state.p;
    let t = hood.movable[rng.below(hood.movable.len())] as usize;
    let others = &hood.same_topic[t];
    if others.is_empty() {
        return false;
    }
    let u = others[rng.below(others.len())] as usize;
    let (Some(st), Some(su)) = (state.start_slot(t), state.start_slot(u)) else {
        return false;
    };
    let (Some(ct), Some(cu)) = (p.cand_index(t, su), p.cand_index(u, st)) else {
        return false;
    };
    changes.clear();
    changes.push((t as u32, ct as u32));
    changes.push((u as u32, cu as u32));
    try_changes(state, changes, saved, temp, rng)
}

fn swap_sessions(
    state: &mut State,
    hood: &Neighbourhood,
    rng: &mut Rng,
    temp: f64,
    changes: &mut Vec<(u32, u32)>,
    saved: &mut Vec<(u32, u32)>,
) -> bool {
    let p = state.p;
    let a = rng.below(p.sessions.len());
    if hood.partners[a].is_empty() {
        return false;
    }
    let b = hood.partners[a][rng.below(hood.partners[a].len())] as usize;
    changes.clear();
    for (from, to) in [(a, b), (b, a)] {
        let run_from = &p.sessions[from].slots;
        let run_to = &p.sessions[to].slots;
        for (pos, &s) in run_from.iter().enumerate() {
            let t = state.occ[s];
            if t == NONE || state.start_slot(t as usize) != Some(s) {
                continue;
            }
            let Some(c) = p.cand_index(t as usize, run_to[pos]) else {
                return false;
            };
            changes.push((t, c as u32));
        }
    }
    if changes.is_empty() {
        return false;
    }
    try_changes(state, changes, saved, temp, rng)
}

fn ruin_recreate(state: &mut State, hood: &Neighbourhood, rng: &mut Rng, temp: f64) -> bool {
    let p = state.p;
    let k = 2 + rng.below(6);
    let mut ruined: Vec<u32> = Vec::with_capacity(k);
    let seed_talk = hood.movable[rng.below(hood.movable.len())] as usize;
    match rng.below(3) {
        0 => {
            // Talks running at the same time as a random placed talk.
            if let Some(iv) = state.interval(seed_talk) {
                ruined.push(seed_talk as u32);
                let mut parallel: Vec<u32> = hood
                    .movable
                    .iter()
                    .copied()
                    .filter(|&o| {
                        o as usize != seed_talk
                            && state
                                .interval(o as usize)
                                .is_some_and(|x| crate::problem::overlaps(x, iv))
                    })
                    .collect();
                while ruined.len() < k && !parallel.is_empty() {
                    let i = rng.below(parallel.len());
                    ruined.push(parallel.swap_remove(i));
                }
            }
        }
        1 => {
            // The wanted talks of an attendee of the seed talk.
            let wanters = &p.talks[seed_talk].wanters;
            if !wanters.is_empty() {
                let a = wanters[rng.below(wanters.len())] as usize;
                let mut wants: Vec<u32> = p.wants[a]
                    .iter()
                    .copied()
                    .filter(|&t| p.cands[t as usize].len() > 1)
                    .collect();
                while ruined.len() < k && !wants.is_empty() {
                    let i = rng.below(wants.len());
                    ruined.push(wants.swap_remove(i));
                }
            }
        }
        _ => {
            while ruined.len() < k {
                let t = hood.movable[rng.below(hood.movable.len())];
                if !ruined.contains(&t) {
                    ruined.push(t);
                }
                if ruined.len() >= hood.movable.len() {
                    break;
                }
            }
        }
    }
    ruined.retain(|&t| p.cands[t as usize].len() > 1 || state.at[t as usize] == NONE);
    if ruined.is_empty() {
        return false;
    }
    let before = state.cost();
    let original: Vec<(u32, u32)> = ruined.iter().map(|&t| (t, state.at[t as usize])).collect();
    for &t in &ruined {
        if state.at[t as usize] != NONE {
            state.remove(t as usize);
        }
    }
    // Recreate, most constrained first with random ties.
    let mut order = ruined.clone();
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    order.sort_by_key(|&t| p.cands[t as usize].len());
    for &t in &order {
        insert_best(state, t as usize, rng, 80);
    }
    let delta = state.cost() - before;
    if accept_delta(delta, temp, rng) {
        return true;
    }
    for &t in &ruined {
        if state.at[t as usize] != NONE {
            state.remove(t as usize);
        }
    }
    for &(t, c) in &original {
        if c != NONE {
            state.place(t as usize, c as usize);
        }
    }
    false
}
