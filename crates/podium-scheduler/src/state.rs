//! The search state with incremental (delta) evaluation: which candidate each talk uses, slot
//! occupancy, per-session topic counts, overflow, and a per-attendee cache of missed talks.
//! A move removes and re-places a few talks; only the attendees wanting a moved talk are
//! recomputed (earliest-end-first interval scheduling over their wanted talks), which is exact
//! even when talks span several slots. Pure: no I/O.

use crate::problem::{Problem, overlaps};

/// Marker for "no talk" / "not placed".
pub(crate) const NONE: u32 = u32::MAX;

/// Mutable search state over a [`Problem`].
#[derive(Clone)]
pub(crate) struct State<'p> {
    pub p: &'p Problem,
    /// Talk → candidate index, or `NONE`.
    pub at: Vec<u32>,
    /// Slot → talk occupying it, or `NONE`.
    pub occ: Vec<u32>,
    /// Per session: (topic, count) of non-plenary talks.
    topic_counts: Vec<Vec<(u32, u32)>>,
    /// Per attendee: current missed count.
    pub att_missed: Vec<u32>,
    pub missed: i64,
    pub topic_mix: i64,
    pub overflow: i64,
    pub unplaced: i64,
    /// Placed plenary talks.
    plenary_placed: Vec<u32>,
    /// Keep mode: talk → previous start slot (or `NONE`), and the count of talks moved off it.
    anchor: Vec<u32>,
    pub moved: i64,
    pub move_weight: f64,
    /// Penalty per unplaced talk: above any possible objective, so fewer unplaced always wins.
    pub big: f64,
    // Scratch for missed recomputation.
    stamp: Vec<u32>,
    generation: u32,
    pending: Vec<(u32, u32)>,
    /// Per attendee, the intervals of their placed wanted talks as sorted keys
    /// `(end − t0) << 32 | (start − t0)`, in `keys[span[a].0..span[a].0 + span[a].1]`. Kept sorted
    /// on every place/remove so that recomputing an attendee is one linear greedy pass.
    span: Vec<(u32, u32)>,
    keys: Vec<u64>,
    t0: i64,
    scratch_talks: Vec<u32>,
    pending_delta: i64,
}

impl<'p> State<'p> {
    /// An empty schedule. `anchor` (per talk, previous start slot or `NONE`) is empty when not
    /// in keep mode.
    pub fn new(p: &'p Problem, anchor: Vec<u32>, move_weight: f64) -> State<'p> {
        let att_missed: Vec<u32> = p.wants.iter().map(|w| w.len() as u32).collect();
        let missed = att_missed.iter().map(|&m| i64::from(m)).sum();
        let total_wants: f64 = missed as f64;
        let total_demand: f64 = p.talks.iter().map(|t| f64::from(t.demand)).sum();
        let n = p.talks.len() as f64;
        let big = 1.0
            + p.weights.missed * total_wants
            + p.weights.topic_mix * n
            + p.weights.overflow * total_demand
            + move_weight * n;
        let anchor = if anchor.is_empty() {
            vec![NONE; p.talks.len()]
        } else {
            anchor
        };
        let mut offset = Vec::with_capacity(p.wants.len());
        let mut total_keys = 0usize;
        for w in &p.wants {
            offset.push(total_keys as u32);
            total_keys += w.len();
        }
        let t0 = p.slots.iter().map(|s| s.start).min().unwrap_or(0);
        let moved = anchor.iter().filter(|&&a| a != NONE).count() as i64;
        State {
            p,
            at: vec![NONE; p.talks.len()],
            occ: vec![NONE; p.slots.len()],
            topic_counts: vec![Vec::new(); p.sessions.len()],
            att_missed,
            missed,
            topic_mix: 0,
            overflow: 0,
            unplaced: p.talks.len() as i64,
            plenary_placed: Vec::new(),
            anchor,
            moved,
            move_weight,
            big,
            stamp: vec![0; p.wants.len()],
            generation: 0,
            pending: Vec::new(),
            span: offset.iter().map(|&o| (o, 0)).collect(),
            keys: vec![0; total_keys],
            t0,
            scratch_talks: Vec::new(),
            pending_delta: 0,
        }
    }

    /// The objective of FORMAT.md (without the unplaced and move penalties).
    pub fn objective(&self) -> f64 {
        self.p.objective(self.missed, self.topic_mix, self.overflow)
    }

    /// What the search minimizes: objective + big·unplaced + move_weight·moved.
    pub fn cost(&self) -> f64 {
        self.objective() + self.big * self.unplaced as f64 + self.move_weight * self.moved as f64
    }

    /// Cost without the missed term (which is settled separately by `missed_delta`).
    fn cost_static(&self) -> f64 {
        self.p.weights.topic_mix * self.topic_mix as f64
            + self.p.weights.overflow * self.overflow as f64
            + self.big * self.unplaced as f64
            + self.move_weight * self.moved as f64
    }

    /// Whether room session `session` is empty or already holds a non-plenary talk of `topic`
    /// (placing such a talk there cannot raise topic_mix).
    pub fn session_welcomes(&self, session: usize, topic: u32) -> bool {
        let counts = &self.topic_counts[session];
        counts.is_empty() || counts.iter().any(|&(k, _)| k == topic)
    }

    /// The interval of a placed talk.
    pub fn interval(&self, t: usize) -> Option<(i64, i64)> {
        let c = self.at[t];
        (c != NONE).then(|| {
            let cand = &self.p.cands[t][c as usize];
            (cand.start, cand.end)
        })
    }

    /// Start slot of a placed talk.
    pub fn start_slot(&self, t: usize) -> Option<usize> {
        let c = self.at[t];
        (c != NONE).then(|| self.p.cands[t][c as usize].slot as usize)
    }

    fn is_moved(&self, t: usize) -> bool {
        let a = self.anchor[t];
        a != NONE && self.start_slot(t) != Some(a as usize)
    }

    /// Talks (other than `t`) occupying the slots candidate `c` of `t` would cover.
    pub fn occupants(&self, t: usize, c: usize, out: &mut Vec<u32>) {
        out.clear();
        let cand = &self.p.cands[t][c];
        let run = &self.p.sessions[cand.session as usize].slots;
        for &s in &run[cand.first as usize..=cand.last as usize] {
            let o = self.occ[s];
            if o != NONE && o as usize != t && !out.contains(&o) {
                out.push(o);
            }
        }
    }

    /// Whether the slots of candidate `c` are free (or held by `t` itself).
    pub fn is_free(&self, t: usize, c: usize) -> bool {
        let cand = &self.p.cands[t][c];
        let run = &self.p.sessions[cand.session as usize].slots;
        run[cand.first as usize..=cand.last as usize]
            .iter()
            .all(|&s| self.occ[s] == NONE || self.occ[s] as usize == t)
    }

    /// Whether `t` at `c` clashes with no placed talk through a shared speaker or a plenary.
    pub fn is_compatible(&self, t: usize, c: usize) -> bool {
        let cand = &self.p.cands[t][c];
        let iv = (cand.start, cand.end);
        for &o in &self.p.talks[t].co_talks {
            if let Some(other) = self.interval(o as usize)
                && overlaps(iv, other)
            {
                return false;
            }
        }
        if self.p.talks[t].plenary {
            for o in 0..self.p.talks.len() {
                if o != t
                    && let Some(other) = self.interval(o)
                    && overlaps(iv, other)
                {
                    return false;
                }
            }
        } else {
            for &o in &self.plenary_placed {
                if o as usize != t
                    && let Some(other) = self.interval(o as usize)
                    && overlaps(iv, other)
                {
                    return false;
                }
            }
        }
        true
    }

    /// Places unplaced talk `t` at candidate `c` without any check and without updating the
    /// missed cache (see `missed_delta`).
    pub fn place_raw(&mut self, t: usize, c: usize) {
        self.place_slots(t, c);
        let key = self.cand_key(t, c as u32);
        self.replace_keys(t, None, key);
    }

    /// Removes placed talk `t` (no missed update; see `missed_delta`).
    pub fn remove_raw(&mut self, t: usize) {
        let key = self.cand_key(t, self.at[t]);
        self.remove_slots(t);
        self.replace_keys(t, key, None);
    }

    /// The interval key of candidate `c` of `t`, `None` for `NONE`.
    fn cand_key(&self, t: usize, c: u32) -> Option<u64> {
        (c != NONE).then(|| {
            let cand = &self.p.cands[t][c as usize];
            self.key(cand.start, cand.end)
        })
    }

    /// `place_raw` without touching the attendees' interval keys.
    fn place_slots(&mut self, t: usize, c: usize) {
        debug_assert_eq!(self.at[t], NONE);
        let was_moved = self.is_moved(t);
        self.at[t] = c as u32;
        let cand = self.p.cands[t][c];
        let run = &self.p.sessions[cand.session as usize].slots;
        for &s in &run[cand.first as usize..=cand.last as usize] {
            debug_assert_eq!(self.occ[s], NONE);
            self.occ[s] = t as u32;
        }
        self.overflow += i64::from(cand.overflow);
        self.unplaced -= 1;
        let talk = &self.p.talks[t];
        if talk.plenary {
            self.plenary_placed.push(t as u32);
        } else {
            let counts = &mut self.topic_counts[cand.session as usize];
            match counts.iter_mut().find(|(k, _)| *k == talk.topic) {
                Some(entry) => entry.1 += 1,
                None => {
                    if !counts.is_empty() {
                        self.topic_mix += 1;
                    }
                    counts.push((talk.topic, 1));
                }
            }
        }
        self.moved += i64::from(self.is_moved(t)) - i64::from(was_moved);
    }

    /// `remove_raw` without touching the attendees' interval keys.
    fn remove_slots(&mut self, t: usize) {
        let c = self.at[t];
        debug_assert_ne!(c, NONE);
        let was_moved = self.is_moved(t);
        let cand = self.p.cands[t][c as usize];
        let run = &self.p.sessions[cand.session as usize].slots;
        for &s in &run[cand.first as usize..=cand.last as usize] {
            self.occ[s] = NONE;
        }
        self.at[t] = NONE;
        self.overflow -= i64::from(cand.overflow);
        self.unplaced += 1;
        let talk = &self.p.talks[t];
        if talk.plenary {
            self.plenary_placed.retain(|&o| o as usize != t);
        } else {
            let counts = &mut self.topic_counts[cand.session as usize];
            let i = counts
                .iter()
                .position(|(k, _)| *k == talk.topic)
                .expect("a placed talk's topic is counted in its session");
            counts[i].1 -= 1;
            if counts[i].1 == 0 {
                counts.swap_remove(i);
                if !counts.is_empty() {
                    self.topic_mix -= 1;
                }
            }
        }
        self.moved += i64::from(self.is_moved(t)) - i64::from(was_moved);
    }

    /// Missed count of attendee `a` under the current placement: earliest-end-first greedy over
    /// the attendee's sorted interval keys.
    fn attendee_missed(&self, a: usize) -> u32 {
        let (off, n) = self.span[a];
        let keys = &self.keys[off as usize..(off + n) as usize];
        let mut seen = 0u32;
        let mut free_from = 0u64;
        for &k in keys {
            if k & 0xFFFF_FFFF >= free_from {
                seen += 1;
                free_from = k >> 32;
            }
        }
        self.p.wants[a].len() as u32 - seen
    }

    fn key(&self, start: i64, end: i64) -> u64 {
        (((end - self.t0) as u64) << 32) | (start - self.t0) as u64
    }

    /// Replaces key `old` by `new` (either may be absent) in the sorted key lists of the
    /// attendees wanting `t`.
    fn replace_keys(&mut self, t: usize, old: Option<u64>, new: Option<u64>) {
        if old == new {
            return;
        }
        let p = self.p;
        for &a in &p.talks[t].wanters {
            let a = a as usize;
            let (off, mut n) = self.span[a];
            let list = &mut self.keys[off as usize..off as usize + p.wants[a].len()];
            // Manual shifts: the lists are short (a person's wanted talks), where a loop beats
            // a memmove call.
            if let Some(old) = old {
                let mut i = list[..n as usize]
                    .iter()
                    .position(|&k| k == old)
                    .expect("a placed talk's interval is listed for its wanters");
                while i + 1 < n as usize {
                    list[i] = list[i + 1];
                    i += 1;
                }
                n -= 1;
            }
            if let Some(new) = new {
                let mut i = n as usize;
                while i > 0 && list[i - 1] > new {
                    list[i] = list[i - 1];
                    i -= 1;
                }
                list[i] = new;
                n += 1;
            }
            self.span[a].1 = n;
        }
    }

    /// Recomputes the attendees wanting any of `talks` under the current placement and
    /// returns the change of total missed. The new values wait in `pending` until
    /// [`State::commit_missed`] (or are dropped by the next call).
    pub fn missed_delta(&mut self, talks: &[u32]) -> i64 {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.pending.clear();
        let mut delta = 0i64;
        for &t in talks {
            for i in 0..self.p.talks[t as usize].wanters.len() {
                let a = self.p.talks[t as usize].wanters[i] as usize;
                if self.stamp[a] == self.generation {
                    continue;
                }
                self.stamp[a] = self.generation;
                let m = self.attendee_missed(a);
                delta += i64::from(m) - i64::from(self.att_missed[a]);
                self.pending.push((a as u32, m));
            }
        }
        delta
    }

    /// Stores the values computed by the last `missed_delta`.
    pub fn commit_missed(&mut self, delta: i64) {
        for &(a, m) in &self.pending {
            self.att_missed[a as usize] = m;
        }
        self.missed += delta;
    }

    /// Applies a move: every talk in `changes` goes to its new candidate (or `NONE`: unplaced).
    /// Returns `None` (state unchanged) when the result breaks a hard constraint, else the cost
    /// change and leaves the move applied but the missed cache pending; the caller then calls
    /// [`State::accept`] or [`State::revert`] with `saved`.
    pub fn apply(&mut self, changes: &[(u32, u32)], saved: &mut Vec<(u32, u32)>) -> Option<f64> {
        saved.clear();
        let before = self.cost_static();
        for &(t, _) in changes {
            saved.push((t, self.at[t as usize]));
            if self.at[t as usize] != NONE {
                self.remove_slots(t as usize);
            }
        }
        for (i, &(t, c)) in changes.iter().enumerate() {
            if c == NONE {
                continue;
            }
            let (t, c) = (t as usize, c as usize);
            if !self.is_free(t, c) || !self.is_compatible(t, c) {
                for &(t2, c2) in &changes[..i] {
                    if c2 != NONE {
                        self.remove_slots(t2 as usize);
                    }
                }
                for &(t2, c2) in saved.iter() {
                    if c2 != NONE {
                        self.place_slots(t2 as usize, c2 as usize);
                    }
                }
                return None;
            }
            self.place_slots(t, c);
        }
        // Settle the interval keys once per talk (old → new), then recompute the attendees.
        for (&(t, c), &(_, old)) in changes.iter().zip(saved.iter()) {
            let (from, to) = (self.cand_key(t as usize, old), self.cand_key(t as usize, c));
            self.replace_keys(t as usize, from, to);
        }
        self.scratch_talks.clear();
        self.scratch_talks.extend(changes.iter().map(|&(t, _)| t));
        let talks = std::mem::take(&mut self.scratch_talks);
        let dm = self.missed_delta(&talks);
        self.scratch_talks = talks;
        self.pending_delta = dm;
        Some(self.cost_static() - before + self.p.weights.missed * dm as f64)
    }

    /// Keeps the move applied by the last `apply`.
    pub fn accept(&mut self) {
        self.commit_missed(self.pending_delta);
    }

    /// Undoes the move applied by the last `apply` (`saved` as `apply` filled it).
    pub fn revert(&mut self, saved: &[(u32, u32)]) {
        let mut keys: Vec<(Option<u64>, Option<u64>)> = Vec::with_capacity(saved.len());
        for &(t, old) in saved {
            let t = t as usize;
            keys.push((self.cand_key(t, self.at[t]), self.cand_key(t, old)));
            if self.at[t] != NONE {
                self.remove_slots(t);
            }
        }
        for &(t, old) in saved {
            if old != NONE {
                self.place_slots(t as usize, old as usize);
            }
        }
        for (&(t, _), &(from, to)) in saved.iter().zip(keys.iter()) {
            self.replace_keys(t as usize, from, to);
        }
        self.pending.clear();
    }

    /// Places `t` at `c` (which must be free and compatible) and settles missed.
    pub fn place(&mut self, t: usize, c: usize) {
        self.place_raw(t, c);
        let dm = self.missed_delta(&[t as u32]);
        self.commit_missed(dm);
    }

    /// Removes `t` and settles missed.
    pub fn remove(&mut self, t: usize) {
        self.remove_raw(t);
        let dm = self.missed_delta(&[t as u32]);
        self.commit_missed(dm);
    }

    /// Cost change of placing unplaced `t` at `c` (free and compatible), leaving state unchanged.
    pub fn insertion_delta(&mut self, t: usize, c: usize) -> f64 {
        let before = self.cost_static();
        self.place_raw(t, c);
        let dm = self.missed_delta(&[t as u32]);
        let delta = self.cost_static() - before + self.p.weights.missed * dm as f64;
        self.remove_raw(t);
        self.pending.clear();
        delta
    }
}
