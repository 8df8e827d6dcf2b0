//! A proven lower bound on the checker's objective, from relaxations that drop all interaction
//! between tracks: every submission pays at least its cheapest (session, room) per-slot
//! penalties, every track at least its cheapest blocks (with the rooms and parallel blocks
//! their number forces), and clashing wanted orders cost at least their surplus. Pure and fast.

use crate::instance::Instance;

/// A lower bound on [`crate::evaluate`]'s total for any complete, valid schedule.
///
/// Valid because the terms bounded here are disjoint parts of the objective and each is
/// bounded by its own minimum: per-slot submission penalties (time zone, session, room),
/// per-block track penalties (track–session, track–room, session–room; a track needs at
/// least `ceil(slots / largest session)` blocks) together with the extra rooms and parallel
/// blocks that many blocks force (see `track_blocks_bound`), and order mismatches forced by the wanted
/// orders themselves (two submissions wanting the same position, or a position beyond the
/// track's size, or a blank order, which never matches).
pub fn lower_bound(instance: &Instance) -> i64 {
    let w = instance.weights.as_array().map(|x| x.max(0));
    let (w_ts, w_tr, w_sr, w_rooms, w_par) = (w[0], w[1], w[2], w[4], w[5]);
    let (w_tz, w_ord, w_ss, w_sroom) = (w[7], w[8], w[9], w[10]);
    let sessions = instance.sessions.len();
    let rooms = instance.rooms.len();
    let largest = instance
        .sessions
        .iter()
        .map(|s| s.max_slots)
        .max()
        .unwrap_or(0);
    let mut bound = 0;
    for (x, sub) in instance.submissions.iter().enumerate() {
        let cheapest = (0..sessions)
            .filter(|&s| instance.sessions[s].max_slots >= sub.required_slots)
            .flat_map(|s| (0..rooms).map(move |r| (s, r)))
            .map(|(s, r)| {
                w_tz * instance.submission_timezone[x][s]
                    + w_ss * instance.submission_session[x][s]
                    + w_sroom * instance.submission_room[x][r]
            })
            .min()
            .unwrap_or(0);
        bound += sub.required_slots as i64 * cheapest;
    }
    for (t, track) in instance.tracks.iter().enumerate() {
        let slots: usize = track
            .submissions
            .iter()
            .map(|&x| instance.submissions[x].required_slots)
            .sum();
        let blocks = if largest == 0 {
            0
        } else {
            slots.div_ceil(largest)
        };
        bound += track_blocks_bound(instance, t, blocks, [w_ts, w_tr, w_sr, w_rooms, w_par]);
        let mut wanted: Vec<Option<i64>> = track
            .submissions
            .iter()
            .map(|&x| instance.submissions[x].order)
            .filter(|o| *o != Some(0))
            .collect();
        wanted.sort_unstable();
        let size = track.submissions.len() as i64;
        let mut forced = 0;
        for (i, order) in wanted.iter().enumerate() {
            match order {
                None => forced += 1,
                Some(o) if *o < 1 || *o > size => forced += 1,
                Some(_) if i > 0 && wanted[i - 1] == *order => forced += 1,
                Some(_) => {}
            }
        }
        bound += w_ord * forced;
    }
    bound
}

/// The cheapest way for track `t` to hold `blocks` blocks, counting only its own block
/// penalties, extra rooms and parallel blocks. With at most `m` blocks in any session the track
/// needs at least `m` rooms, and every block after a session's first runs in parallel; so for
/// each `m` take the `blocks` cheapest of: per session, its cheapest block cost once, then up
/// to `m - 1` more at that cost plus the parallel weight. The minimum over `m` bounds every
/// schedule, and more blocks only cost more (penalties are non-negative in CoSPLib).
fn track_blocks_bound(instance: &Instance, t: usize, blocks: usize, w: [i64; 5]) -> i64 {
    let [w_ts, w_tr, w_sr, w_rooms, w_par] = w;
    let (sessions, rooms) = (instance.sessions.len(), instance.rooms.len());
    if blocks == 0 || sessions == 0 || rooms == 0 {
        return 0;
    }
    let cheapest: Vec<i64> = (0..sessions)
        .map(|s| {
            (0..rooms)
                .map(|r| {
                    w_ts * instance.track_session[t][s]
                        + w_tr * instance.track_room[t][r]
                        + w_sr * instance.session_room[s][r]
                })
                .min()
                .unwrap_or(0)
        })
        .collect();
    let mut best = i64::MAX;
    for m in blocks.div_ceil(sessions).max(1)..=blocks.min(rooms) {
        let mut costs: Vec<i64> = cheapest
            .iter()
            .flat_map(|&c| std::iter::once(c).chain(std::iter::repeat_n(c + w_par, m - 1)))
            .collect();
        costs.sort_unstable();
        let cost = w_rooms * (m as i64 - 1) + costs.iter().take(blocks).sum::<i64>();
        best = best.min(cost);
    }
    if best == i64::MAX {
        // More blocks than cells: the capacity check rejects such instances; bound nothing.
        0
    } else {
        best
    }
}
