//! The CoSPLib solver: a dedicated neighbourhood search over the checker's block model, using
//! podium-scheduler's seeded [`Rng`] and late-acceptance hill climbing.
//!
//! Why not podium-scheduler's annealer directly: its model places single talks in (room, slot)
//! pairs, while CoSPLib places whole tracks in (session, room) blocks and orders submissions
//! inside them; the penalties (track–session, similar tracks in parallel, consecutive
//! sessions, per-track order) are about blocks. See docs/scheduler.md, "CoSPLib".
//!
//! Every state is feasible by construction: each submission sits in exactly one block of its
//! own track, packed in consecutive slots, and blocks never overflow their session. So the
//! checker's hard terms (multi-slot splits, validity) are always zero and the search only
//! trades soft penalties. The objective decomposes into per-session and per-track parts, so a
//! move that touches two blocks re-scores at most two sessions and two tracks (delta
//! evaluation). Pure: no I/O; deterministic for a seed when stopped by the iteration budget.

use std::time::{Duration, Instant};

use podium_scheduler::{Rng, splitmix64};

use crate::bound::lower_bound;
use crate::evaluate::evaluate;
use crate::instance::Instance;
use crate::solution::Solution;

/// How long and how to search.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Seed; equal seeds and an iteration budget give equal results.
    pub seed: u64,
    /// Wall-clock budget (`None`: only the iteration budget stops the search).
    pub time_limit: Option<Duration>,
    /// Iteration budget per thread (`None`: only the clock stops the search).
    pub max_iterations: Option<u64>,
    /// Independent search threads (at least 1); the best result wins.
    pub threads: usize,
}

impl Default for SolveOptions {
    fn default() -> SolveOptions {
        SolveOptions {
            seed: 1,
            time_limit: Some(Duration::from_secs(60)),
            max_iterations: None,
            threads: 2,
        }
    }
}

/// What [`solve`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveResult {
    /// The best schedule found.
    pub solution: Solution,
    /// Its objective under the checker ([`evaluate`]).
    pub objective: i64,
    /// The objective as the search's own decomposed model computed it; equals `objective`
    /// unless the checker's name-concatenation quirks pool two slots (never on CoSPLib's data).
    pub model_objective: i64,
    /// Whether every submission was placed (construction can fail only on near-full instances).
    pub feasible: bool,
    /// When the first complete schedule existed.
    pub time_to_feasible: Duration,
    /// Improvements of the best objective over time, `(elapsed, objective)`, across threads.
    pub trace: Vec<(Duration, i64)>,
    /// Iterations run, summed over threads.
    pub iterations: u64,
    /// [`lower_bound`] of the instance; `objective == lower_bound` proves optimality.
    pub lower_bound: i64,
}

/// Searches for a low-penalty schedule of `instance`.
pub fn solve(instance: &Instance, options: &SolveOptions) -> SolveResult {
    let start = Instant::now();
    let threads = options.threads.max(1);
    let mut seeds = options.seed;
    let seeds: Vec<u64> = (0..threads).map(|_| splitmix64(&mut seeds)).collect();
    let bound = lower_bound(instance);
    let runs: Vec<Run> = if threads == 1 {
        vec![run(instance, options, seeds[0], start, bound)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = seeds
                .iter()
                .map(|&seed| scope.spawn(move || run(instance, options, seed, start, bound)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("search threads do not panic"))
                .collect()
        })
    };
    let iterations = runs.iter().map(|r| r.iterations).sum();
    let time_to_feasible = runs
        .iter()
        .map(|r| r.time_to_feasible)
        .min()
        .unwrap_or_default();
    let mut trace: Vec<(Duration, i64)> = runs.iter().flat_map(|r| r.trace.clone()).collect();
    trace.sort();
    let mut best_so_far = i64::MAX;
    trace.retain(|(_, v)| {
        let better = *v < best_so_far;
        best_so_far = best_so_far.min(*v);
        better
    });
    let best = runs
        .into_iter()
        .min_by_key(|r| (!r.feasible, r.objective))
        .expect("at least one thread");
    let objective = evaluate(instance, &best.solution).total;
    SolveResult {
        solution: best.solution,
        objective,
        model_objective: best.objective,
        feasible: best.feasible,
        time_to_feasible,
        trace,
        iterations,
        lower_bound: bound,
    }
}

struct Run {
    solution: Solution,
    objective: i64,
    feasible: bool,
    time_to_feasible: Duration,
    trace: Vec<(Duration, i64)>,
    iterations: u64,
}

/// Late-acceptance history length. Tried on GECCO21Workshop, GECCO22(Workshop), GECCO23 and
/// OR60F3 with 15 s runs: 500 beat 100, 1,000, 2,000, 20,000 and 100,000. Long histories keep
/// accepting the early, heavily weighted states and do not converge within a minute.
const HISTORY: usize = 500;
/// Iterations without a new best before the walk restarts from the best state.
const RESTART_AFTER: u64 = 3_000_000;

fn run(instance: &Instance, options: &SolveOptions, seed: u64, start: Instant, bound: i64) -> Run {
    let mut rng = Rng::new(seed);
    let mut state = State::construct(instance, &mut rng);
    let time_to_feasible = start.elapsed();
    let feasible = state.unplaced == 0;
    let mut best = state.clone();
    let mut trace = vec![(start.elapsed(), state.total)];
    let mut history = vec![state.total; HISTORY];
    let mut iterations = 0u64;
    let mut since_best = 0u64;
    let out_of_time = |iterations: u64| {
        options.max_iterations.is_some_and(|m| iterations >= m)
            || (iterations.is_multiple_of(256)
                && options.time_limit.is_some_and(|t| start.elapsed() >= t))
            || (options.max_iterations.is_none() && options.time_limit.is_none())
    };
    // Nothing can beat the proven lower bound: stop there.
    while feasible && best.total > bound && !out_of_time(iterations) {
        iterations += 1;
        since_best += 1;
        let Some(undo) = state.random_move(&mut rng) else {
            continue;
        };
        let slot = (iterations as usize) % HISTORY;
        if state.total <= undo.old_total || state.total <= history[slot] {
            if state.total < best.total {
                best = state.clone();
                since_best = 0;
                trace.push((start.elapsed(), best.total));
            }
        } else {
            state.undo(undo);
        }
        if state.total < history[slot] {
            history[slot] = state.total;
        }
        if since_best >= RESTART_AFTER {
            state = best.clone();
            history.fill(state.total);
            since_best = 0;
        }
    }
    Run {
        solution: best.to_solution(),
        objective: best.total,
        feasible,
        time_to_feasible,
        trace,
        iterations,
    }
}

fn shuffle(items: &mut [usize], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// Weights as the checker applies them: a non-positive weight switches its term off.
#[derive(Debug, Clone, Copy)]
struct W {
    ts: i64,
    tr: i64,
    sr: i64,
    sim: i64,
    rooms: i64,
    par: i64,
    cons: i64,
    tz: i64,
    ord: i64,
    ss: i64,
    sroom: i64,
    att: i64,
    att_slot: i64,
}

impl W {
    fn of(instance: &Instance) -> W {
        let w = instance.weights.as_array().map(|x| x.max(0));
        W {
            ts: w[0],
            tr: w[1],
            sr: w[2],
            sim: w[3],
            rooms: w[4],
            par: w[5],
            cons: w[6],
            tz: w[7],
            ord: w[8],
            ss: w[9],
            sroom: w[10],
            att: w[12],
            att_slot: w[15],
        }
    }
}

/// What a move changed, to score or undo it: the old contents of the blocks it touched.
struct Undo {
    cells: Vec<(usize, Option<usize>, Vec<usize>)>,
    old_total: i64,
    old_session_cost: Vec<(usize, i64)>,
    old_track_cost: Vec<(usize, i64)>,
}

#[derive(Clone)]
struct State<'a> {
    inst: &'a Instance,
    w: W,
    rooms: usize,
    /// `[session * rooms + room]`: the block's track. Change it only through `set_track`.
    track: Vec<Option<usize>>,
    /// `[track]`: its blocks' cells in ascending order (session-major, then room: the
    /// checker's scan order).
    cells_of: Vec<Vec<usize>>,
    /// `[cell]`: submissions in slot order, packed from slot 0.
    subs: Vec<Vec<usize>>,
    /// `[cell]`: slots used.
    used: Vec<usize>,
    /// `[submission]`: its cell.
    cell_of: Vec<usize>,
    session_cost: Vec<i64>,
    track_cost: Vec<i64>,
    total: i64,
    unplaced: usize,
}

impl<'a> State<'a> {
    fn cap(&self, cell: usize) -> usize {
        self.inst.sessions[cell / self.rooms].max_slots
    }

    /// Randomised first-fit decreasing: multi-slot submissions first, each into a block of its
    /// track with room left or else the cheapest empty block that fits.
    fn construct(inst: &'a Instance, rng: &mut Rng) -> State<'a> {
        let rooms = inst.rooms.len();
        let cells = inst.sessions.len() * rooms;
        let w = W::of(inst);
        let mut best: Option<State<'a>> = None;
        for attempt in 0..200 {
            let mut state = State {
                inst,
                w,
                rooms,
                track: vec![None; cells],
                cells_of: vec![Vec::new(); inst.tracks.len()],
                subs: vec![Vec::new(); cells],
                used: vec![0; cells],
                cell_of: vec![usize::MAX; inst.submissions.len()],
                session_cost: vec![0; inst.sessions.len()],
                track_cost: vec![0; inst.tracks.len()],
                total: 0,
                unplaced: 0,
            };
            if attempt % 2 == 0 {
                let mut order: Vec<usize> = (0..inst.submissions.len()).collect();
                shuffle(&mut order, rng);
                order.sort_by_key(|&x| std::cmp::Reverse(inst.submissions[x].required_slots));
                for x in order {
                    if !state.place_greedily(x, rng) {
                        state.unplaced += 1;
                    }
                }
            } else {
                state.unplaced = state.fill_by_tracks(rng, attempt % 4 == 3);
            }
            // Submissions wanting an order go in that order within each block.
            for cell in 0..cells {
                let mut list = std::mem::take(&mut state.subs[cell]);
                list.sort_by_key(|&x| match inst.submissions[x].order {
                    Some(o) if o > 0 => o,
                    _ => i64::MAX,
                });
                state.subs[cell] = list;
            }
            state.rescore();
            let better = best
                .as_ref()
                .is_none_or(|b| (state.unplaced, state.total) < (b.unplaced, b.total));
            if better {
                best = Some(state);
            }
            if best.as_ref().is_some_and(|b| b.unplaced == 0) {
                break;
            }
        }
        best.expect("at least one attempt")
    }

    /// Track by track (largest first), open the empty block that best fits what the track
    /// still needs (an exact fit first, then the largest smaller block, then the smallest
    /// larger one) and pack its submissions first-fit decreasing. Succeeds on tight instances
    /// (N2OR needs every slot) where submission-by-submission placement fragments blocks.
    /// With `loose`, any smaller block is as good as the largest one, so retries explore other
    /// partitions of a track into blocks. Returns the number of submissions left unplaced.
    fn fill_by_tracks(&mut self, rng: &mut Rng, loose: bool) -> usize {
        let inst = self.inst;
        let mut tracks: Vec<usize> = (0..inst.tracks.len()).collect();
        shuffle(&mut tracks, rng);
        let slots_of = |t: usize| -> usize {
            inst.tracks[t]
                .submissions
                .iter()
                .map(|&x| inst.submissions[x].required_slots)
                .sum()
        };
        tracks.sort_by_key(|&t| std::cmp::Reverse(slots_of(t)));
        let mut unplaced = 0;
        for t in tracks {
            let mut left: Vec<usize> = inst.tracks[t].submissions.clone();
            shuffle(&mut left, rng);
            left.sort_by_key(|&x| std::cmp::Reverse(inst.submissions[x].required_slots));
            while !left.is_empty() {
                let need: usize = left
                    .iter()
                    .map(|&x| inst.submissions[x].required_slots)
                    .sum();
                let smallest = left
                    .iter()
                    .map(|&x| inst.submissions[x].required_slots)
                    .min()
                    .unwrap_or(1);
                let cell = (0..self.track.len())
                    .filter(|&c| self.track[c].is_none() && self.cap(c) >= smallest)
                    .min_by_key(|&c| {
                        let cap = self.cap(c);
                        let fit = if cap == need {
                            0
                        } else if cap < need {
                            if loose { 1 } else { 1 + need - cap }
                        } else {
                            1_000_000 + cap - need
                        };
                        (fit, rng.next_u64())
                    });
                let Some(cell) = cell else {
                    unplaced += left.len();
                    break;
                };
                self.set_track(cell, Some(t));
                let mut rest = Vec::new();
                for x in left {
                    let req = inst.submissions[x].required_slots;
                    if self.used[cell] + req <= self.cap(cell) {
                        self.subs[cell].push(x);
                        self.used[cell] += req;
                        self.cell_of[x] = cell;
                    } else {
                        rest.push(x);
                    }
                }
                left = rest;
            }
        }
        unplaced
    }

    fn place_greedily(&mut self, x: usize, rng: &mut Rng) -> bool {
        let inst = self.inst;
        let sub = &inst.submissions[x];
        let req = sub.required_slots;
        let t = sub.track;
        let own = (0..self.track.len())
            .filter(|&c| self.track[c] == Some(t) && self.used[c] + req <= self.cap(c))
            .min_by_key(|&c| (c / self.rooms, self.cap(c) - self.used[c] - req));
        let cell = own.or_else(|| {
            (0..self.track.len())
                .filter(|&c| self.track[c].is_none() && req <= self.cap(c))
                .min_by_key(|&c| {
                    let (s, r) = (c / self.rooms, c % self.rooms);
                    let w = &self.w;
                    let cost = w.ts * inst.track_session[t][s]
                        + w.tr * inst.track_room[t][r]
                        + w.sr * inst.session_room[s][r]
                        + req as i64
                            * (w.tz * inst.submission_timezone[x][s]
                                + w.ss * inst.submission_session[x][s]
                                + w.sroom * inst.submission_room[x][r]);
                    (cost, rng.next_u64())
                })
        });
        let Some(cell) = cell else {
            return false;
        };
        self.set_track(cell, Some(t));
        self.subs[cell].push(x);
        self.used[cell] += req;
        self.cell_of[x] = cell;
        true
    }

    fn rescore(&mut self) {
        for s in 0..self.inst.sessions.len() {
            self.session_cost[s] = self.score_session(s);
        }
        for t in 0..self.inst.tracks.len() {
            self.track_cost[t] = self.score_track(t);
        }
        self.total = self.session_cost.iter().sum::<i64>() + self.track_cost.iter().sum::<i64>();
    }

    /// Every term that depends only on one session's blocks.
    fn score_session(&self, s: usize) -> i64 {
        let inst = self.inst;
        let w = &self.w;
        let base = s * self.rooms;
        let mut cost = 0;
        let mut present: Vec<usize> = Vec::new();
        for r in 0..self.rooms {
            let Some(t) = self.track[base + r] else {
                continue;
            };
            cost += w.ts * inst.track_session[t][s]
                + w.tr * inst.track_room[t][r]
                + w.sr * inst.session_room[s][r];
            if w.sim > 0 {
                for r2 in r + 1..self.rooms {
                    if let Some(t2) = self.track[base + r2]
                        && t2 != t
                    {
                        cost += w.sim * inst.track_track[t][t2];
                    }
                }
            }
            present.push(t);
            for &x in &self.subs[base + r] {
                cost += inst.submissions[x].required_slots as i64
                    * (w.tz * inst.submission_timezone[x][s]
                        + w.ss * inst.submission_session[x][s]
                        + w.sroom * inst.submission_room[x][r]);
            }
        }
        if w.par > 0 {
            let n = present.len();
            present.sort_unstable();
            present.dedup();
            cost += w.par * (n - present.len()) as i64;
        }
        if w.att > 0 {
            let mut n = 0;
            for r in 0..self.rooms {
                for &a in &self.subs[base + r] {
                    if inst.attendee_conflicts[a].is_empty() {
                        continue;
                    }
                    for r2 in r + 1..self.rooms {
                        for &b in &self.subs[base + r2] {
                            if inst.conflicts(a, b) {
                                n += 1;
                            }
                        }
                    }
                }
            }
            cost += w.att * n;
        }
        if w.att_slot > 0 || w.ord > 0 {
            // (room, start, end) of each placement, to find submissions sharing a slot.
            let mut spans: Vec<(usize, usize, usize, usize)> = Vec::new();
            for r in 0..self.rooms {
                let mut at = 0;
                for &x in &self.subs[base + r] {
                    let req = inst.submissions[x].required_slots;
                    spans.push((x, r, at, at + req));
                    at += req;
                }
            }
            let mut same_slot_conflicts = 0;
            let mut same_slot_orders = 0;
            for (i, &(a, ra, sa, ea)) in spans.iter().enumerate() {
                for &(b, rb, sb, eb) in &spans[i + 1..] {
                    if ra == rb {
                        continue;
                    }
                    let overlap = ea.min(eb).saturating_sub(sa.max(sb)) as i64;
                    if overlap == 0 {
                        continue;
                    }
                    if inst.conflicts(a, b) {
                        same_slot_conflicts += overlap;
                    }
                    let (xa, xb) = (&inst.submissions[a], &inst.submissions[b]);
                    if xa.track == xb.track && xa.order != Some(0) && xb.order != Some(0) {
                        same_slot_orders += overlap;
                    }
                }
            }
            cost += w.att_slot * same_slot_conflicts + w.ord * same_slot_orders;
        }
        cost
    }

    /// Every term that depends only on one track's blocks.
    fn score_track(&self, t: usize) -> i64 {
        let inst = self.inst;
        let w = &self.w;
        let mut rooms_seen: Vec<usize> = Vec::new();
        let mut first_session = usize::MAX;
        let mut last_session = 0;
        let mut sessions = 0;
        let mut position = 0i64;
        let mut misplaced = 0i64;
        for &cell in &self.cells_of[t] {
            let (s, r) = (cell / self.rooms, cell % self.rooms);
            if !rooms_seen.contains(&r) {
                rooms_seen.push(r);
            }
            if sessions == 0 || s != last_session {
                first_session = first_session.min(s);
                last_session = s;
                sessions += 1;
            }
            for &x in &self.subs[cell] {
                position += 1;
                let order = inst.submissions[x].order;
                if order != Some(0) && order != Some(position) {
                    misplaced += 1;
                }
            }
        }
        let extra_rooms = rooms_seen.len().saturating_sub(1) as i64;
        let gaps = sessions > 1 && last_session - first_session + 1 != sessions;
        w.rooms * extra_rooms + w.cons * i64::from(gaps) + w.ord * misplaced
    }

    /// Applies one random move; returns how to undo it, or `None` if the drawn move was not
    /// possible (capacity) or changed nothing.
    fn random_move(&mut self, rng: &mut Rng) -> Option<Undo> {
        let n_subs = self.inst.submissions.len();
        let n_cells = self.track.len();
        match rng.below(12) {
            // Move one submission to another block of its track, or to a new block.
            0..=3 => {
                let x = rng.below(n_subs);
                let t = self.inst.submissions[x].track;
                let from = self.cell_of[x];
                let to = if rng.below(2) == 0 {
                    let own = &self.cells_of[t];
                    own[rng.below(own.len())]
                } else {
                    rng.below(n_cells)
                };
                let req = self.inst.submissions[x].required_slots;
                if to != from
                    && (self.track[to].is_some_and(|u| u != t)
                        || self.used[to] + req > self.cap(to))
                {
                    return None;
                }
                let mut undo = self.begin(&[from, to]);
                self.remove(x);
                let pos = rng.below(self.subs[to].len() + 1);
                self.insert(x, to, pos);
                self.finish(&mut undo);
                Some(undo)
            }
            // Swap two submissions of one track.
            4..=5 => {
                let x = rng.below(n_subs);
                let t = self.inst.submissions[x].track;
                let list = &self.inst.tracks[t].submissions;
                let y = list[rng.below(list.len())];
                if x == y {
                    return None;
                }
                let (cx, cy) = (self.cell_of[x], self.cell_of[y]);
                let (rx, ry) = (
                    self.inst.submissions[x].required_slots,
                    self.inst.submissions[y].required_slots,
                );
                if cx != cy
                    && (self.used[cx] - rx + ry > self.cap(cx)
                        || self.used[cy] - ry + rx > self.cap(cy))
                {
                    return None;
                }
                let mut undo = self.begin(&[cx, cy]);
                let px = self.subs[cx].iter().position(|&z| z == x)?;
                let py = self.subs[cy].iter().position(|&z| z == y)?;
                self.subs[cx][px] = y;
                self.subs[cy][py] = x;
                self.used[cx] = self.used[cx] - rx + ry;
                self.used[cy] = self.used[cy] - ry + rx;
                self.cell_of[x] = cy;
                self.cell_of[y] = cx;
                self.finish(&mut undo);
                Some(undo)
            }
            // Swap two blocks (or move a block to an empty cell).
            6..=8 => {
                let a = rng.below(n_cells);
                let b = rng.below(n_cells);
                if a == b
                    || (self.track[a].is_none() && self.track[b].is_none())
                    || self.used[a] > self.cap(b)
                    || self.used[b] > self.cap(a)
                {
                    return None;
                }
                let mut undo = self.begin(&[a, b]);
                self.swap_cells(a, b);
                self.finish(&mut undo);
                Some(undo)
            }
            // Gather a track's blocks into one room: swap each with whatever holds that room in
            // its session (always fits: rooms of a session have equal slots).
            9 => {
                let t = rng.below(self.inst.tracks.len());
                let room = rng.below(self.rooms);
                let mut pairs: Vec<(usize, usize)> = Vec::new();
                for &c in &self.cells_of[t] {
                    let target = c - c % self.rooms + room;
                    if self.track[target] != Some(t) && !pairs.iter().any(|&(_, b)| b == target) {
                        pairs.push((c, target));
                    }
                }
                if pairs.is_empty() {
                    return None;
                }
                let cells: Vec<usize> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
                let mut undo = self.begin(&cells);
                for (a, b) in pairs {
                    self.swap_cells(a, b);
                }
                self.finish(&mut undo);
                Some(undo)
            }
            // Swap two whole sessions, room by room.
            10 => {
                let sessions = self.inst.sessions.len();
                let (s1, s2) = (rng.below(sessions), rng.below(sessions));
                let (a0, b0) = (s1 * self.rooms, s2 * self.rooms);
                if s1 == s2
                    || (0..self.rooms).any(|r| {
                        self.used[a0 + r] > self.cap(b0 + r) || self.used[b0 + r] > self.cap(a0 + r)
                    })
                {
                    return None;
                }
                let cells: Vec<usize> = (0..self.rooms).flat_map(|r| [a0 + r, b0 + r]).collect();
                let mut undo = self.begin(&cells);
                for r in 0..self.rooms {
                    self.swap_cells(a0 + r, b0 + r);
                }
                self.finish(&mut undo);
                Some(undo)
            }
            // Merge a block into another of its track, or split a block's tail off.
            _ => {
                let a = rng.below(n_cells);
                let t = self.track[a]?;
                let b = rng.below(n_cells);
                if a == b {
                    return None;
                }
                if self.track[b] == Some(t) {
                    if self.used[a] + self.used[b] > self.cap(b) {
                        return None;
                    }
                    let mut undo = self.begin(&[a, b]);
                    let moved = std::mem::take(&mut self.subs[a]);
                    for &x in &moved {
                        self.cell_of[x] = b;
                    }
                    self.used[b] += self.used[a];
                    self.used[a] = 0;
                    self.set_track(a, None);
                    self.subs[b].extend(moved);
                    self.finish(&mut undo);
                    Some(undo)
                } else if self.track[b].is_none() && self.subs[a].len() > 1 {
                    let cut = 1 + rng.below(self.subs[a].len() - 1);
                    let need: usize = self.subs[a][cut..]
                        .iter()
                        .map(|&x| self.inst.submissions[x].required_slots)
                        .sum();
                    if need > self.cap(b) {
                        return None;
                    }
                    let mut undo = self.begin(&[a, b]);
                    let moved = self.subs[a].split_off(cut);
                    for &x in &moved {
                        self.cell_of[x] = b;
                    }
                    self.used[a] -= need;
                    self.used[b] = need;
                    self.set_track(b, Some(t));
                    self.subs[b] = moved;
                    self.finish(&mut undo);
                    Some(undo)
                } else {
                    None
                }
            }
        }
    }

    fn begin(&self, cells: &[usize]) -> Undo {
        let mut list: Vec<(usize, Option<usize>, Vec<usize>)> = Vec::with_capacity(cells.len());
        for &c in cells {
            if !list.iter().any(|(d, _, _)| *d == c) {
                list.push((c, self.track[c], self.subs[c].clone()));
            }
        }
        Undo {
            cells: list,
            old_total: self.total,
            old_session_cost: Vec::new(),
            old_track_cost: Vec::new(),
        }
    }

    /// Re-scores the sessions and tracks the move touched.
    fn finish(&mut self, undo: &mut Undo) {
        let mut sessions: Vec<usize> = Vec::new();
        let mut tracks: Vec<usize> = Vec::new();
        for (c, old_track, _) in &undo.cells {
            let s = c / self.rooms;
            if !sessions.contains(&s) {
                sessions.push(s);
            }
            for t in [*old_track, self.track[*c]].into_iter().flatten() {
                if !tracks.contains(&t) {
                    tracks.push(t);
                }
            }
        }
        for s in sessions {
            let new = self.score_session(s);
            undo.old_session_cost.push((s, self.session_cost[s]));
            self.total += new - self.session_cost[s];
            self.session_cost[s] = new;
        }
        for t in tracks {
            let new = self.score_track(t);
            undo.old_track_cost.push((t, self.track_cost[t]));
            self.total += new - self.track_cost[t];
            self.track_cost[t] = new;
        }
    }

    fn undo(&mut self, undo: Undo) {
        for (c, track, subs) in undo.cells {
            let used = subs
                .iter()
                .map(|&x| self.inst.submissions[x].required_slots)
                .sum();
            for &x in &subs {
                self.cell_of[x] = c;
            }
            self.set_track(c, track);
            self.subs[c] = subs;
            self.used[c] = used;
        }
        for (s, cost) in undo.old_session_cost {
            self.session_cost[s] = cost;
        }
        for (t, cost) in undo.old_track_cost {
            self.track_cost[t] = cost;
        }
        self.total = undo.old_total;
    }

    fn set_track(&mut self, cell: usize, track: Option<usize>) {
        let old = self.track[cell];
        if old == track {
            return;
        }
        if let Some(t) = old
            && let Ok(i) = self.cells_of[t].binary_search(&cell)
        {
            self.cells_of[t].remove(i);
        }
        if let Some(t) = track
            && let Err(i) = self.cells_of[t].binary_search(&cell)
        {
            self.cells_of[t].insert(i, cell);
        }
        self.track[cell] = track;
    }

    fn swap_cells(&mut self, a: usize, b: usize) {
        let (ta, tb) = (self.track[a], self.track[b]);
        self.set_track(a, tb);
        self.set_track(b, ta);
        self.subs.swap(a, b);
        self.used.swap(a, b);
        for c in [a, b] {
            for i in 0..self.subs[c].len() {
                let x = self.subs[c][i];
                self.cell_of[x] = c;
            }
        }
    }

    fn remove(&mut self, x: usize) {
        let c = self.cell_of[x];
        self.subs[c].retain(|&z| z != x);
        self.used[c] -= self.inst.submissions[x].required_slots;
        if self.subs[c].is_empty() {
            self.set_track(c, None);
        }
    }

    fn insert(&mut self, x: usize, cell: usize, pos: usize) {
        self.subs[cell].insert(pos, x);
        self.used[cell] += self.inst.submissions[x].required_slots;
        self.set_track(cell, Some(self.inst.submissions[x].track));
        self.cell_of[x] = cell;
    }

    fn to_solution(&self) -> Solution {
        let mut solution = Solution::empty(self.inst);
        for (cell, track) in self.track.iter().enumerate() {
            let (s, r) = (cell / self.rooms, cell % self.rooms);
            solution.tracks[s][r] = *track;
            let mut at = 0;
            for &x in &self.subs[cell] {
                for _ in 0..self.inst.submissions[x].required_slots {
                    solution.slots[s][r][at] = Some(x);
                    at += 1;
                }
            }
        }
        solution
    }
}
