//! Infeasibility diagnoses before search, and for every talk left unplaced a reason a person
//! understands. Pure: no I/O.

use std::collections::BTreeSet;

use crate::instance::format_minutes;
use crate::problem::{Problem, overlaps};
use crate::state::State;

/// Findings that make a complete schedule impossible (or suspicious), in words.
pub(crate) fn diagnose(p: &Problem) -> Vec<String> {
    let mut out = Vec::new();
    let slot_minutes = |pred: &dyn Fn(usize) -> bool| -> i64 {
        p.slots
            .iter()
            .filter(|s| pred(s.room))
            .map(|s| s.end - s.start)
            .sum()
    };

    // Features.
    let features: BTreeSet<&String> = p.talks.iter().flat_map(|t| t.needs.iter()).collect();
    for f in features {
        let rooms: Vec<usize> = (0..p.rooms.len())
            .filter(|&r| p.rooms[r].features.contains(f))
            .collect();
        let needing: Vec<&crate::problem::TalkInfo> =
            p.talks.iter().filter(|t| t.needs.contains(f)).collect();
        if rooms.is_empty() {
            let ids: Vec<&str> = needing.iter().map(|t| t.id.as_str()).collect();
            out.push(format!(
                "no room has feature `{f}`, needed by {}",
                ids.join(", ")
            ));
            continue;
        }
        let need: i64 = needing.iter().map(|t| i64::from(t.duration)).sum();
        let have = slot_minutes(&|r| rooms.contains(&r));
        if need > have {
            out.push(format!(
                "talks needing `{f}` take {need} minutes but rooms with `{f}` have only {have} minutes of slots"
            ));
        }
    }
    let need: i64 = p.talks.iter().map(|t| i64::from(t.duration)).sum();
    let have = slot_minutes(&|_| true);
    if need > have {
        out.push(format!(
            "talks take {need} minutes but all slots together have only {have} minutes"
        ));
    }

    // Pins.
    for (t, talk) in p.talks.iter().enumerate() {
        if let Some(s) = talk.pin
            && let Some(reason) = pin_problem(p, t, s)
        {
            out.push(format!("talk {}: {reason}", talk.id));
        }
    }
    let mut pinned: Vec<(usize, usize)> = p
        .talks
        .iter()
        .enumerate()
        .filter_map(|(t, talk)| talk.pin.map(|s| (s, t)))
        .collect();
    pinned.sort_unstable();
    for pair in pinned.windows(2) {
        if pair[0].0 == pair[1].0 {
            out.push(format!(
                "talks {} and {} are both pinned to slot {}",
                p.talks[pair[0].1].id, p.talks[pair[1].1].id, p.slots[pair[0].0].id
            ));
        }
    }

    // Speakers: more talk minutes than available slot time.
    let mut spans: Vec<(i64, i64)> = p.slots.iter().map(|s| (s.start, s.end)).collect();
    spans.sort_unstable();
    let mut union: Vec<(i64, i64)> = Vec::new();
    for (s, e) in spans {
        match union.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => union.push((s, e)),
        }
    }
    for sp in &p.speakers {
        let need: i64 = sp
            .talks
            .iter()
            .map(|&t| i64::from(p.talks[t].duration))
            .sum();
        if need == 0 {
            continue;
        }
        let mut free = 0;
        for &(s, e) in &union {
            // Subtract unavailable windows from [s, e) minute by interval arithmetic.
            let mut pieces = vec![(s, e)];
            for &w in &sp.unavailable {
                pieces = pieces
                    .into_iter()
                    .flat_map(|(a, b)| {
                        let mut v = Vec::new();
                        if !overlaps((a, b), w) {
                            v.push((a, b));
                        } else {
                            if a < w.0 {
                                v.push((a, w.0));
                            }
                            if w.1 < b {
                                v.push((w.1, b));
                            }
                        }
                        v
                    })
                    .collect();
            }
            free += pieces.iter().map(|(a, b)| b - a).sum::<i64>();
        }
        if need > free {
            out.push(format!(
                "speaker {} has {need} minutes of talks but is available for only {free} minutes of slot time",
                sp.id
            ));
        }
    }

    for (t, talk) in p.talks.iter().enumerate() {
        if p.cands[t].is_empty() && talk.pin.is_none() {
            out.push(format!("talk {}: {}", talk.id, no_place_reason(p, t)));
        }
    }
    out
}

/// Why talk `t` cannot start in its pinned slot `s`, if it cannot.
fn pin_problem(p: &Problem, t: usize, s: usize) -> Option<String> {
    let talk = &p.talks[t];
    let slot = &p.slots[s];
    let (_, _, fits) = p.cover(s, talk.duration);
    if !fits {
        return Some(format!(
            "pinned slot {} is too short for {} minutes",
            slot.id, talk.duration
        ));
    }
    let missing: Vec<&String> = talk
        .needs
        .iter()
        .filter(|f| !p.rooms[slot.room].features.contains(f))
        .collect();
    if let Some(f) = missing.first() {
        return Some(format!(
            "pinned slot {} is in room {}, which has no `{f}`",
            slot.id, p.rooms[slot.room].id
        ));
    }
    let end = slot.start + i64::from(talk.duration);
    if let Some(sp) = p.unavailable_speaker(t, slot.start, end) {
        return Some(format!(
            "speaker {} is unavailable at pinned slot {} ({})",
            p.speakers[sp].id,
            slot.id,
            format_minutes(slot.start)
        ));
    }
    None
}

/// Why talk `t` has no candidate at all.
fn no_place_reason(p: &Problem, t: usize) -> String {
    let talk = &p.talks[t];
    if let Some(s) = talk.pin {
        return pin_problem(p, t, s).unwrap_or_else(|| "its pinned slot cannot hold it".into());
    }
    for f in &talk.needs {
        if !p.rooms.iter().any(|r| r.features.contains(f)) {
            return format!("no room has feature `{f}`");
        }
    }
    let rooms: Vec<usize> = (0..p.rooms.len()).filter(|&r| p.room_fits(t, r)).collect();
    let long_enough: Vec<usize> = (0..p.slots.len())
        .filter(|&s| rooms.contains(&p.slots[s].room) && p.cover(s, talk.duration).2)
        .collect();
    let with = if talk.needs.is_empty() {
        String::new()
    } else {
        format!(
            " of a room with {}",
            talk.needs
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        )
    };
    if long_enough.is_empty() {
        return format!(
            "no slot{with} starts a run of {} minutes within one session",
            talk.duration
        );
    }
    // Every long-enough slot is blocked by some speaker's unavailability.
    let sp = long_enough
        .iter()
        .find_map(|&s| {
            let start = p.slots[s].start;
            p.unavailable_speaker(t, start, start + i64::from(talk.duration))
        })
        .map_or_else(
            || "a speaker".to_string(),
            |s| format!("speaker {}", p.speakers[s].id),
        );
    format!(
        "{sp} is unavailable in every slot{with} long enough for {} minutes",
        talk.duration
    )
}

/// Why unplaced talk `t` is not in the final schedule `state`.
pub(crate) fn unplaced_reason(state: &State, t: usize) -> String {
    let p = state.p;
    if p.cands[t].is_empty() {
        return no_place_reason(p, t);
    }
    let mut taken = BTreeSet::new();
    let mut speaker_clash = BTreeSet::new();
    let mut plenary = BTreeSet::new();
    let mut scratch = Vec::new();
    for c in 0..p.cands[t].len() {
        state.occupants(t, c, &mut scratch);
        taken.extend(scratch.iter().map(|&o| p.talks[o as usize].id.clone()));
        let cand = &p.cands[t][c];
        for &o in &p.talks[t].co_talks {
            if state
                .interval(o as usize)
                .is_some_and(|iv| overlaps(iv, (cand.start, cand.end)))
            {
                speaker_clash.insert(p.talks[o as usize].id.clone());
            }
        }
        for o in 0..p.talks.len() {
            if o != t
                && (p.talks[o].plenary || p.talks[t].plenary)
                && state
                    .interval(o)
                    .is_some_and(|iv| overlaps(iv, (cand.start, cand.end)))
            {
                plenary.insert(p.talks[o].id.clone());
            }
        }
    }
    let list = |s: &BTreeSet<String>| -> String {
        let v: Vec<&str> = s.iter().take(5).map(String::as_str).collect();
        let more = if s.len() > 5 { ", ..." } else { "" };
        format!("{}{more}", v.join(", "))
    };
    let mut parts = Vec::new();
    if !taken.is_empty() {
        parts.push(format!("{} in the slots", list(&taken)));
    }
    if !speaker_clash.is_empty() {
        parts.push(format!("{} sharing a speaker", list(&speaker_clash)));
    }
    if !plenary.is_empty() {
        if p.talks[t].plenary {
            parts.push(format!(
                "{} running at that time (a plenary talk runs alone)",
                list(&plenary)
            ));
        } else {
            parts.push(format!("plenary {} running at that time", list(&plenary)));
        }
    }
    let places = match p.cands[t].len() {
        1 => "the only place where it fits is blocked".to_string(),
        n => format!("all {n} places where it fits are blocked"),
    };
    format!("{places} by: {}", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use crate::instance::Instance;
    use crate::problem::Problem;

    fn instance(json: &str) -> Instance {
        Instance::from_json(json).expect("test instance parses")
    }

    const BASE: &str = r#"{"format":"podium.schedule.instance/1","name":"d",
      "rooms":[{"id":"R1","capacity":10,"features":["recording"]}],
      "slots":[{"id":"X","room":"R1","start":"2024-01-01T10:00","end":"2024-01-01T10:30","session":"a"},
               {"id":"Y","room":"R1","start":"2024-01-01T10:30","end":"2024-01-01T11:00","session":"a"}],
      "speakers":[{"id":"S1","unavailable":[{"start":"2024-01-01T09:00","end":"2024-01-01T12:00"}]},
                  {"id":"S2"}],
      "talks":TALKS, "attendees":[]}"#;

    fn diagnose(talks: &str) -> Vec<String> {
        let p = Problem::build(&instance(&BASE.replace("TALKS", talks))).expect("valid");
        super::diagnose(&p)
    }

    #[test]
    fn missing_feature_is_named() {
        let d = diagnose(r#"[{"id":"T1","duration":30,"needs":["lab"],"speakers":["S2"]}]"#);
        assert_eq!(
            d,
            vec![
                "no room has feature `lab`, needed by T1".to_string(),
                "talk T1: no room has feature `lab`".to_string()
            ]
        );
    }

    #[test]
    fn short_pin_and_unavailable_speaker_are_named() {
        let d = diagnose(
            r#"[{"id":"T1","duration":90,"speakers":["S2"],"pin":{"slot":"Y"}},
                {"id":"T2","duration":30,"speakers":["S1"]}]"#,
        );
        assert_eq!(
            d,
            vec![
                "talks take 120 minutes but all slots together have only 60 minutes".to_string(),
                "talk T1: pinned slot Y is too short for 90 minutes".to_string(),
                "speaker S1 has 30 minutes of talks but is available for only 0 minutes of slot time"
                    .to_string(),
                "speaker S2 has 90 minutes of talks but is available for only 60 minutes of slot time"
                    .to_string(),
                "talk T2: speaker S1 is unavailable in every slot long enough for 30 minutes"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn a_blocked_talk_names_what_blocks_it() {
        let p = Problem::build(&instance(&BASE.replace(
            "TALKS",
            r#"[{"id":"T1","duration":30,"speakers":["S2"],"plenary":true,"pin":{"slot":"X"}},
                {"id":"T2","duration":30,"speakers":["S2"]},
                {"id":"T3","duration":60,"speakers":["S2"]}]"#,
        )))
        .expect("valid");
        let mut state = crate::state::State::new(&p, Vec::new(), 0.0);
        state.place(1, p.cand_index(1, 0).expect("T2 fits in X"));
        assert_eq!(
            super::unplaced_reason(&state, 0),
            "the only place where it fits is blocked by: T2 in the slots; T2 sharing a speaker; \
             T2 running at that time (a plenary talk runs alone)"
        );
        assert_eq!(
            super::unplaced_reason(&state, 2),
            "the only place where it fits is blocked by: T2 in the slots; T2 sharing a speaker"
        );
    }
}
