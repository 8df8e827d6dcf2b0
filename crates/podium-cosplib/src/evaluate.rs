//! The exact evaluator: scores a [`Solution`] term by term as `Solver/solution.py` of
//! ahmedkheiri/CoSPLib (repository HEAD) does, quirks included, so podium's numbers are the
//! checker's numbers. Each function mirrors one `evaluate_*` method; comments name the quirk
//! where the checker does something a cleaner model would not. Pure.

use std::collections::BTreeSet;

use crate::instance::Instance;
use crate::solution::Solution;

/// Penalty of a multi-slot submission split over blocks or slots (checker constant).
pub const SPLIT_BLOCK_PENALTY: i64 = 10_000_000;
/// Penalty of a multi-slot submission missing or not in consecutive slots (checker constant).
pub const SPLIT_SLOTS_PENALTY: i64 = 1_000_000_000;

/// Which penalty a [`Term`] is, in the checker's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    /// Track in a session it should avoid.
    TracksSessions,
    /// Track in a room it should avoid.
    TracksRooms,
    /// Room used in a session it should not be.
    SessionsRooms,
    /// Similar tracks in parallel.
    SimilarTracks,
    /// A track using more than one room.
    RoomsPerTrack,
    /// A track in two rooms of one session.
    ParallelTracks,
    /// A track's sessions not contiguous.
    ConsecutiveTracks,
    /// Presenters outside their suitable hours.
    SubmissionsTimezones,
    /// Submissions out of their wanted order.
    SubmissionsOrder,
    /// Submission in a session it should avoid.
    SubmissionsSessions,
    /// Submission in a room it should avoid.
    SubmissionsRooms,
    /// Presenter conflicts per session (never non-zero: the checker derives no such conflicts).
    PresentersConflicts,
    /// Attendee conflicts per session.
    AttendeesConflicts,
    /// Chair conflicts (never non-zero: the checker derives no such conflicts).
    ChairsConflicts,
    /// Presenter conflicts per time slot (never non-zero, as above).
    PresentersConflictsTimeslot,
    /// Attendee conflicts per time slot.
    AttendeesConflictsTimeslot,
    /// Multi-slot submissions split or missing (hard; weight 1, huge constants).
    MultiSlotSubmissions,
}

impl Penalty {
    /// All penalties in the checker's order.
    pub const ALL: [Penalty; 17] = [
        Penalty::TracksSessions,
        Penalty::TracksRooms,
        Penalty::SessionsRooms,
        Penalty::SimilarTracks,
        Penalty::RoomsPerTrack,
        Penalty::ParallelTracks,
        Penalty::ConsecutiveTracks,
        Penalty::SubmissionsTimezones,
        Penalty::SubmissionsOrder,
        Penalty::SubmissionsSessions,
        Penalty::SubmissionsRooms,
        Penalty::PresentersConflicts,
        Penalty::AttendeesConflicts,
        Penalty::ChairsConflicts,
        Penalty::PresentersConflictsTimeslot,
        Penalty::AttendeesConflictsTimeslot,
        Penalty::MultiSlotSubmissions,
    ];

    /// The label the checker prints in its violations breakdown.
    pub fn label(self) -> &'static str {
        match self {
            Penalty::TracksSessions => "Tracks_Sessions|Penalty",
            Penalty::TracksRooms => "Tracks_Rooms|Penalty",
            Penalty::SessionsRooms => "Sessions_Rooms|Penalty",
            Penalty::SimilarTracks => "Similar Tracks",
            Penalty::RoomsPerTrack => "Number of rooms per track",
            Penalty::ParallelTracks => "Parallel tracks",
            Penalty::ConsecutiveTracks => "Consecutive tracks",
            Penalty::SubmissionsTimezones => "Submissions timezones",
            Penalty::SubmissionsOrder => "Submissions order",
            Penalty::SubmissionsSessions => "Submissions_Sessions|Penalty",
            Penalty::SubmissionsRooms => "Submissions_Rooms|Penalty",
            Penalty::PresentersConflicts => "Presenters conflicts [Session Level]",
            Penalty::AttendeesConflicts => "Attendees conflicts [Session Level]",
            Penalty::ChairsConflicts => "Chairs conflicts",
            Penalty::PresentersConflictsTimeslot => "Presenters conflicts [Timeslot Level]",
            Penalty::AttendeesConflictsTimeslot => "Attendees conflicts [Timeslot Level]",
            Penalty::MultiSlotSubmissions => {
                "Submissions with multiple timeslots in different sessions"
            }
        }
    }

    /// This penalty's weight in `instance` (1 for the multi-slot term).
    pub fn weight(self, instance: &Instance) -> i64 {
        match Penalty::ALL.iter().position(|p| *p == self) {
            Some(i) if i < 16 => instance.weights.as_array()[i],
            _ => 1,
        }
    }
}

/// One line of the breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// Which penalty.
    pub penalty: Penalty,
    /// Its weight; a term whose weight is not positive is skipped by the checker (value 0).
    pub weight: i64,
    /// Unweighted count (or raw sum of penalty cells).
    pub count: i64,
    /// Contribution to the objective: `weight * count` when the weight is positive.
    pub value: i64,
}

/// The checker's verdict on a solution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// All 17 terms in the checker's order.
    pub terms: Vec<Term>,
    /// The objective (`evaluate_solution`): the sum of term values.
    pub total: i64,
    /// `evaluate_all_submissions_scheduled`: every submission appears exactly its required
    /// number of times.
    pub all_scheduled: bool,
    /// `validate_solution`: every placed submission belongs to its block's track.
    pub valid: bool,
}

impl Evaluation {
    /// The value of one penalty.
    pub fn value(&self, penalty: Penalty) -> i64 {
        self.terms
            .iter()
            .find(|t| t.penalty == penalty)
            .map_or(0, |t| t.value)
    }
}

/// Scores `solution` as the authors' current checker does.
pub fn evaluate(instance: &Instance, solution: &Solution) -> Evaluation {
    let terms: Vec<Term> = Penalty::ALL
        .iter()
        .map(|&penalty| {
            let weight = penalty.weight(instance);
            let count = if weight > 0 {
                count(instance, solution, penalty)
            } else {
                0
            };
            Term {
                penalty,
                weight,
                count,
                value: if weight > 0 { weight * count } else { 0 },
            }
        })
        .collect();
    Evaluation {
        total: terms.iter().map(|t| t.value).sum(),
        terms,
        all_scheduled: all_scheduled(instance, solution),
        valid: valid(instance, solution),
    }
}

fn count(instance: &Instance, solution: &Solution, penalty: Penalty) -> i64 {
    match penalty {
        Penalty::TracksSessions => blocks(solution)
            .map(|(s, _, t)| instance.track_session[t][s])
            .sum(),
        Penalty::TracksRooms => blocks(solution)
            .map(|(_, r, t)| instance.track_room[t][r])
            .sum(),
        Penalty::SessionsRooms => blocks(solution)
            .map(|(s, r, _)| instance.session_room[s][r])
            .sum(),
        Penalty::SimilarTracks => similar_tracks(instance, solution),
        Penalty::RoomsPerTrack => rooms_per_track(instance, solution),
        Penalty::ParallelTracks => parallel_tracks(instance, solution),
        Penalty::ConsecutiveTracks => consecutive_tracks(instance, solution),
        Penalty::SubmissionsTimezones => placements(solution)
            .map(|(s, _, _, x)| instance.submission_timezone[x][s])
            .sum(),
        Penalty::SubmissionsOrder => submissions_order(instance, solution),
        Penalty::SubmissionsSessions => placements(solution)
            .map(|(s, _, _, x)| instance.submission_session[x][s])
            .sum(),
        Penalty::SubmissionsRooms => placements(solution)
            .map(|(_, r, _, x)| instance.submission_room[x][r])
            .sum(),
        // The checker never fills presenter or chair conflict lists (problem.py only derives
        // attendee conflicts), so these loops find nothing.
        Penalty::PresentersConflicts
        | Penalty::ChairsConflicts
        | Penalty::PresentersConflictsTimeslot => 0,
        Penalty::AttendeesConflicts => attendees_conflicts_session(instance, solution),
        Penalty::AttendeesConflictsTimeslot => attendees_conflicts_slot(instance, solution),
        Penalty::MultiSlotSubmissions => multi_slot(instance, solution),
    }
}

/// Occupied blocks `(session, room, track)` in session-major order.
fn blocks(solution: &Solution) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    solution.tracks.iter().enumerate().flat_map(|(s, row)| {
        row.iter()
            .enumerate()
            .filter_map(move |(r, t)| t.map(|t| (s, r, t)))
    })
}

/// Filled slots `(session, room, slot, submission)` in session, room, slot order.
fn placements(solution: &Solution) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
    solution.slots.iter().enumerate().flat_map(|(s, rooms)| {
        rooms.iter().enumerate().flat_map(move |(r, slots)| {
            slots
                .iter()
                .enumerate()
                .filter_map(move |(ts, x)| x.map(|x| (s, r, ts, x)))
        })
    })
}

fn similar_tracks(instance: &Instance, solution: &Solution) -> i64 {
    let mut value = 0;
    for row in &solution.tracks {
        for (i, a) in row.iter().enumerate() {
            for b in &row[i..] {
                if let (Some(a), Some(b)) = (a, b)
                    && a != b
                {
                    value += instance.track_track[*a][*b];
                }
            }
        }
    }
    value
}

fn rooms_per_track(instance: &Instance, solution: &Solution) -> i64 {
    let mut rooms = vec![BTreeSet::new(); instance.tracks.len()];
    for (_, r, t) in blocks(solution) {
        rooms[t].insert(r);
    }
    rooms.iter().map(|set| (set.len() as i64 - 1).max(0)).sum()
}

fn parallel_tracks(instance: &Instance, solution: &Solution) -> i64 {
    let mut value = 0;
    for row in &solution.tracks {
        for t in 0..instance.tracks.len() {
            let n = row.iter().filter(|x| **x == Some(t)).count() as i64;
            value += (n - 1).max(0);
        }
    }
    value
}

/// `sum(range(first, last + 1))` as Python computes it (0 for an empty range).
fn range_sum(first: i64, last: i64) -> i64 {
    if last < first {
        0
    } else {
        (first + last) * (last - first + 1) / 2
    }
}

fn consecutive_tracks(instance: &Instance, solution: &Solution) -> i64 {
    let mut sessions: Vec<Vec<i64>> = vec![Vec::new(); instance.tracks.len()];
    for (s, _, t) in blocks(solution) {
        if !sessions[t].contains(&(s as i64)) {
            sessions[t].push(s as i64);
        }
    }
    sessions
        .iter()
        .filter(|list| {
            list.len() > 1 && list.iter().sum::<i64>() != range_sum(list[0], list[list.len() - 1])
        })
        .count() as i64
}

fn submissions_order(instance: &Instance, solution: &Solution) -> i64 {
    let mut per_track: Vec<Vec<usize>> = vec![Vec::new(); instance.tracks.len()];
    // Keyed by `session name + slot`: colliding keys pool their submissions.
    let mut per_slot: Vec<Vec<usize>> = vec![Vec::new(); instance.slot_keys];
    for (s, r, ts, x) in placements(solution) {
        // Only blocks with a track count, and a submission is filed under the block's track.
        let Some(t) = solution.tracks[s][r] else {
            continue;
        };
        if !per_track[t].contains(&x) {
            per_track[t].push(x);
        }
        let key = instance.slot_key[s][ts];
        if !per_slot[key].contains(&x) {
            per_slot[key].push(x);
        }
    }
    let nonzero = |x: usize| instance.submissions[x].order != Some(0);
    let mut value = 0;
    for list in &per_slot {
        for (i, &a) in list.iter().enumerate() {
            for &b in &list[i + 1..] {
                if instance.submissions[a].track == instance.submissions[b].track
                    && nonzero(a)
                    && nonzero(b)
                {
                    value += 1;
                }
            }
        }
    }
    for list in &per_track {
        for (position, &x) in list.iter().enumerate() {
            let order = instance.submissions[x].order;
            if order != Some(position as i64 + 1) && order != Some(0) {
                value += 1;
            }
        }
    }
    value
}

fn attendees_conflicts_session(instance: &Instance, solution: &Solution) -> i64 {
    let mut value = 0;
    for rooms in &solution.slots {
        // Distinct (submission, room) pairs of submissions that have any conflict.
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (r, slots) in rooms.iter().enumerate() {
            for x in slots.iter().flatten() {
                if !instance.attendee_conflicts[*x].is_empty() && !pairs.contains(&(*x, r)) {
                    pairs.push((*x, r));
                }
            }
        }
        for (i, &(a, ra)) in pairs.iter().enumerate() {
            for &(b, rb) in &pairs[i + 1..] {
                if instance.conflicts(a, b) && ra != rb {
                    value += 1;
                }
            }
        }
    }
    value
}

fn attendees_conflicts_slot(instance: &Instance, solution: &Solution) -> i64 {
    let mut per_slot: Vec<Vec<usize>> = vec![Vec::new(); instance.slot_keys];
    for (s, _, ts, x) in placements(solution) {
        let key = instance.slot_key[s][ts];
        if !instance.attendee_conflicts[x].is_empty() && !per_slot[key].contains(&x) {
            per_slot[key].push(x);
        }
    }
    let pairs = |list: &Vec<usize>| -> i64 {
        let mut n = 0;
        for (i, &a) in list.iter().enumerate() {
            for &b in &list[i + 1..] {
                if instance.conflicts(a, b) {
                    n += 1;
                }
            }
        }
        n
    };
    // The checker walks (session, slot) pairs, not keys: a colliding key is counted once per
    // pair that names it.
    let mut value = 0;
    for (s, session) in instance.sessions.iter().enumerate() {
        for ts in 0..session.max_slots {
            value += pairs(&per_slot[instance.slot_key[s][ts]]);
        }
    }
    value
}

fn multi_slot(instance: &Instance, solution: &Solution) -> i64 {
    let multi = |x: usize| instance.submissions[x].required_slots > 1;
    let mut per_cell: Vec<Vec<usize>> = vec![Vec::new(); instance.cell_keys];
    let mut slots_of: Vec<Vec<i64>> = vec![Vec::new(); instance.submissions.len()];
    for (s, r, ts, x) in placements(solution) {
        if multi(x) {
            per_cell[instance.cell_key[s][r]].push(x);
            slots_of[x].push(ts as i64);
        }
    }
    let mut value = 0;
    for list in &per_cell {
        let distinct: BTreeSet<usize> = list.iter().copied().collect();
        for x in distinct {
            let times = list.iter().filter(|y| **y == x).count();
            if instance.submissions[x].required_slots != times {
                value += SPLIT_BLOCK_PENALTY;
            }
        }
    }
    for (x, slots) in slots_of.iter().enumerate() {
        if !multi(x) {
            continue;
        }
        // The checker returns at once here, dropping what it has summed so far.
        let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
            return SPLIT_SLOTS_PENALTY;
        };
        if range_sum(*first, *last) != slots.iter().sum::<i64>() {
            value += SPLIT_SLOTS_PENALTY;
        }
    }
    value
}

fn all_scheduled(instance: &Instance, solution: &Solution) -> bool {
    let mut times = vec![0usize; instance.submissions.len()];
    for (_, _, _, x) in placements(solution) {
        times[x] += 1;
    }
    instance
        .submissions
        .iter()
        .zip(&times)
        .all(|(sub, n)| *n == sub.required_slots)
}

/// `validate_solution`: a submission in a block with a track must belong to that track
/// (submissions in blocks without a track are not checked, as in the checker).
fn valid(instance: &Instance, solution: &Solution) -> bool {
    placements(solution).all(|(s, r, _, x)| match solution.tracks[s][r] {
        Some(t) => instance.submissions[x].track == t,
        None => true,
    })
}
