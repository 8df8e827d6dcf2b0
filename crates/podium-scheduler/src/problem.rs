//! The validated, index-based form of an [`Instance`] that the engine searches over: times in
//! minutes, sessions as ordered slot runs, and for every talk the list of start slots where it
//! fits (length, features, pin, speaker availability). Pure: no I/O.

use std::collections::HashMap;

use crate::error::InstanceError;
use crate::instance::{INSTANCE_FORMAT, Instance, parse_minutes};

/// One room.
#[derive(Debug, Clone)]
pub(crate) struct RoomInfo {
    pub id: String,
    pub capacity: u32,
    pub features: Vec<String>,
}

/// One slot, with its place in its session run.
#[derive(Debug, Clone)]
pub(crate) struct SlotInfo {
    pub id: String,
    pub room: usize,
    pub start: i64,
    pub end: i64,
    /// Index into `Problem::sessions`.
    pub session: usize,
    /// Position within the session's time-ordered slot list.
    pub pos: usize,
}

/// A room session: the slots of one room between two breaks, in time order.
#[derive(Debug, Clone)]
pub(crate) struct SessionInfo {
    pub room: usize,
    pub id: String,
    pub slots: Vec<usize>,
}

/// A place where a talk can start: its start slot and the slots it occupies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cand {
    /// Start slot.
    pub slot: u32,
    /// Session index.
    pub session: u32,
    /// Occupied positions `first..=last` in the session run.
    pub first: u16,
    pub last: u16,
    /// Talk interval `[start, end)` in minutes.
    pub start: i64,
    pub end: i64,
    /// `max(0, demand − capacity)` for this room.
    pub overflow: u32,
}

/// One talk.
#[derive(Debug, Clone)]
pub(crate) struct TalkInfo {
    pub id: String,
    pub duration: u32,
    pub topic: u32,
    pub plenary: bool,
    pub speakers: Vec<usize>,
    pub needs: Vec<String>,
    pub demand: u32,
    pub pin: Option<usize>,
    /// Attendees wanting this talk (indices, each once).
    pub wanters: Vec<u32>,
    /// Other talks sharing a speaker.
    pub co_talks: Vec<u32>,
}

/// A speaker.
#[derive(Debug, Clone)]
pub(crate) struct SpeakerInfo {
    pub id: String,
    pub unavailable: Vec<(i64, i64)>,
    pub talks: Vec<usize>,
}

/// The validated, compiled instance.
#[derive(Debug, Clone)]
pub struct Problem {
    pub(crate) name: String,
    pub(crate) rooms: Vec<RoomInfo>,
    pub(crate) slots: Vec<SlotInfo>,
    pub(crate) sessions: Vec<SessionInfo>,
    pub(crate) talks: Vec<TalkInfo>,
    pub(crate) speakers: Vec<SpeakerInfo>,
    pub(crate) topics: Vec<Option<String>>,
    /// Per attendee: wanted talks (indices, each once, unknown ids dropped).
    pub(crate) wants: Vec<Vec<u32>>,
    pub(crate) attendee_ids: Vec<String>,
    pub(crate) weights: crate::Weights,
    /// Per talk: where it can start.
    pub(crate) cands: Vec<Vec<Cand>>,
    /// `cand_at[t * slots + s]`: index of the candidate of talk `t` starting at slot `s`, or
    /// `u32::MAX`.
    pub(crate) cand_at: Vec<u32>,
    pub(crate) slot_index: HashMap<String, usize>,
    pub(crate) talk_index: HashMap<String, usize>,
}

fn index_ids<'a>(
    kind: &'static str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, usize>, InstanceError> {
    let mut map = HashMap::new();
    for (index, id) in ids.enumerate() {
        if id.is_empty() {
            return Err(InstanceError::EmptyId { kind, index });
        }
        if map.insert(id.to_string(), index).is_some() {
            return Err(InstanceError::DuplicateId {
                kind,
                id: id.to_string(),
            });
        }
    }
    Ok(map)
}

fn time(
    kind: &'static str,
    id: &str,
    field: &'static str,
    value: &str,
) -> Result<i64, InstanceError> {
    parse_minutes(value).ok_or_else(|| InstanceError::BadTime {
        kind,
        id: id.to_string(),
        field,
        value: value.to_string(),
    })
}

/// Half-open intervals overlap when they share a moment.
pub(crate) fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl Problem {
    /// Validates `instance` and compiles it. Errors name the field and the id.
    pub fn build(instance: &Instance) -> Result<Problem, InstanceError> {
        if instance.format != INSTANCE_FORMAT {
            return Err(InstanceError::Format {
                expected: INSTANCE_FORMAT,
                found: instance.format.clone(),
            });
        }
        for (field, value) in [
            ("missed", instance.weights.missed),
            ("topic_mix", instance.weights.topic_mix),
            ("overflow", instance.weights.overflow),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(InstanceError::BadWeight { field, value });
            }
        }
        let room_index = index_ids("room", instance.rooms.iter().map(|r| r.id.as_str()))?;
        let slot_index = index_ids("slot", instance.slots.iter().map(|s| s.id.as_str()))?;
        let talk_index = index_ids("talk", instance.talks.iter().map(|t| t.id.as_str()))?;
        let speaker_index = index_ids("speaker", instance.speakers.iter().map(|s| s.id.as_str()))?;

        let rooms: Vec<RoomInfo> = instance
            .rooms
            .iter()
            .map(|r| RoomInfo {
                id: r.id.clone(),
                capacity: r.capacity,
                features: r.features.clone(),
            })
            .collect();

        // Slots and sessions.
        let mut slots = Vec::with_capacity(instance.slots.len());
        let mut session_index: HashMap<(usize, &str), usize> = HashMap::new();
        let mut sessions: Vec<SessionInfo> = Vec::new();
        for s in &instance.slots {
            let room = *room_index
                .get(&s.room)
                .ok_or_else(|| InstanceError::UnknownRoom {
                    slot: s.id.clone(),
                    room: s.room.clone(),
                })?;
            let start = time("slot", &s.id, "start", &s.start)?;
            let end = time("slot", &s.id, "end", &s.end)?;
            if end <= start {
                return Err(InstanceError::EndBeforeStart {
                    kind: "slot",
                    id: s.id.clone(),
                    field: "start/end",
                });
            }
            let next = sessions.len();
            let session = *session_index
                .entry((room, s.session.as_str()))
                .or_insert(next);
            if session == next {
                sessions.push(SessionInfo {
                    room,
                    id: s.session.clone(),
                    slots: Vec::new(),
                });
            }
            sessions[session].slots.push(slots.len());
            slots.push(SlotInfo {
                id: s.id.clone(),
                room,
                start,
                end,
                session,
                pos: 0,
            });
        }
        for session in &mut sessions {
            // Stable sort by start, as validate.py's `sort(key=start)`.
            session.slots.sort_by_key(|&s| slots[s].start);
            for (pos, &s) in session.slots.iter().enumerate() {
                slots[s].pos = pos;
            }
            for pair in session.slots.windows(2) {
                if slots[pair[1]].start < slots[pair[0]].end {
                    return Err(InstanceError::OverlappingSlots {
                        first: slots[pair[0]].id.clone(),
                        second: slots[pair[1]].id.clone(),
                        room: rooms[session.room].id.clone(),
                        session: session.id.clone(),
                    });
                }
            }
        }

        // Speakers.
        let mut speakers = Vec::with_capacity(instance.speakers.len());
        for sp in &instance.speakers {
            let mut unavailable = Vec::new();
            for w in &sp.unavailable {
                let start = time("speaker", &sp.id, "unavailable.start", &w.start)?;
                let end = time("speaker", &sp.id, "unavailable.end", &w.end)?;
                if end <= start {
                    return Err(InstanceError::EndBeforeStart {
                        kind: "speaker",
                        id: sp.id.clone(),
                        field: "unavailable",
                    });
                }
                unavailable.push((start, end));
            }
            speakers.push(SpeakerInfo {
                id: sp.id.clone(),
                unavailable,
                talks: Vec::new(),
            });
        }

        // Talks.
        let mut topics: Vec<Option<String>> = Vec::new();
        let mut topic_index: HashMap<Option<String>, u32> = HashMap::new();
        let mut talks = Vec::with_capacity(instance.talks.len());
        for (ti, t) in instance.talks.iter().enumerate() {
            if t.duration == 0 {
                return Err(InstanceError::ZeroDuration { talk: t.id.clone() });
            }
            let mut sp = Vec::new();
            for s in &t.speakers {
                let si = *speaker_index
                    .get(s)
                    .ok_or_else(|| InstanceError::UnknownSpeaker {
                        talk: t.id.clone(),
                        speaker: s.clone(),
                    })?;
                if !sp.contains(&si) {
                    sp.push(si);
                    speakers[si].talks.push(ti);
                }
            }
            let pin =
                match &t.pin {
                    Some(p) => Some(*slot_index.get(&p.slot).ok_or_else(|| {
                        InstanceError::UnknownPinSlot {
                            talk: t.id.clone(),
                            slot: p.slot.clone(),
                        }
                    })?),
                    None => None,
                };
            let next = topics.len() as u32;
            let topic = *topic_index.entry(t.topic.clone()).or_insert(next);
            if topic == next {
                topics.push(t.topic.clone());
            }
            talks.push(TalkInfo {
                id: t.id.clone(),
                duration: t.duration,
                topic,
                plenary: t.plenary,
                speakers: sp,
                needs: t.needs.clone(),
                demand: t.demand,
                pin,
                wanters: Vec::new(),
                co_talks: Vec::new(),
            });
        }
        for (ti, talk) in talks.iter_mut().enumerate() {
            let mut co: Vec<u32> = talk
                .speakers
                .iter()
                .flat_map(|&s| speakers[s].talks.iter().copied())
                .filter(|&o| o != ti)
                .map(|o| o as u32)
                .collect();
            co.sort_unstable();
            co.dedup();
            talk.co_talks = co;
        }

        // Attendees: dedupe wants and drop unknown ids, as validate.py does.
        let mut wants = Vec::with_capacity(instance.attendees.len());
        let mut attendee_ids = Vec::with_capacity(instance.attendees.len());
        for (ai, a) in instance.attendees.iter().enumerate() {
            let mut w: Vec<u32> = Vec::new();
            for id in &a.wants {
                if let Some(&t) = talk_index.get(id) {
                    let t = t as u32;
                    if !w.contains(&t) {
                        w.push(t);
                        talks[t as usize].wanters.push(ai as u32);
                    }
                }
            }
            wants.push(w);
            attendee_ids.push(a.id.clone());
        }

        let mut problem = Problem {
            name: instance.name.clone(),
            rooms,
            slots,
            sessions,
            talks,
            speakers,
            topics,
            wants,
            attendee_ids,
            weights: instance.weights,
            cands: Vec::new(),
            cand_at: Vec::new(),
            slot_index,
            talk_index,
        };
        problem.cands = (0..problem.talks.len())
            .map(|t| problem.candidates_of(t))
            .collect();
        let n_slots = problem.slots.len();
        problem.cand_at = vec![u32::MAX; problem.talks.len() * n_slots];
        for (t, cands) in problem.cands.iter().enumerate() {
            for (i, c) in cands.iter().enumerate() {
                problem.cand_at[t * n_slots + c.slot as usize] = i as u32;
            }
        }
        Ok(problem)
    }

    /// The slots a talk starting at `slot` occupies (as positions in its session) and whether
    /// the talk fits, following FORMAT.md's placement rule.
    pub(crate) fn cover(&self, slot: usize, duration: u32) -> (usize, usize, bool) {
        let s = &self.slots[slot];
        let run = &self.sessions[s.session].slots;
        let mut last = s.pos;
        let need = i64::from(duration);
        while self.slots[run[last]].end - s.start < need && last + 1 < run.len() {
            last += 1;
        }
        (s.pos, last, self.slots[run[last]].end - s.start >= need)
    }

    /// Whether room `room` has every feature talk `t` needs.
    pub(crate) fn room_fits(&self, t: usize, room: usize) -> bool {
        let features = &self.rooms[room].features;
        self.talks[t].needs.iter().all(|f| features.contains(f))
    }

    /// First speaker of `t` unavailable during `[start, end)`, if any.
    pub(crate) fn unavailable_speaker(&self, t: usize, start: i64, end: i64) -> Option<usize> {
        self.talks[t].speakers.iter().copied().find(|&s| {
            self.speakers[s]
                .unavailable
                .iter()
                .any(|&w| overlaps(w, (start, end)))
        })
    }

    fn candidates_of(&self, t: usize) -> Vec<Cand> {
        let talk = &self.talks[t];
        let mut out = Vec::new();
        for (si, slot) in self.slots.iter().enumerate() {
            if talk.pin.is_some_and(|p| p != si) {
                continue;
            }
            if !self.room_fits(t, slot.room) {
                continue;
            }
            let (first, last, fits) = self.cover(si, talk.duration);
            if !fits {
                continue;
            }
            let start = slot.start;
            let end = start + i64::from(talk.duration);
            if self.unavailable_speaker(t, start, end).is_some() {
                continue;
            }
            out.push(Cand {
                slot: si as u32,
                session: slot.session as u32,
                first: first as u16,
                last: last as u16,
                start,
                end,
                overflow: talk.demand.saturating_sub(self.rooms[slot.room].capacity),
            });
        }
        out
    }

    /// Candidate index of talk `t` starting at slot `s`, if it can start there.
    pub(crate) fn cand_index(&self, t: usize, s: usize) -> Option<usize> {
        let i = self.cand_at[t * self.slots.len() + s];
        (i != u32::MAX).then_some(i as usize)
    }

    /// Number of talks.
    pub fn talk_count(&self) -> usize {
        self.talks.len()
    }

    /// Weighted objective of metric values (before rounding).
    pub(crate) fn objective(&self, missed: i64, topic_mix: i64, overflow: i64) -> f64 {
        self.weights.missed * missed as f64
            + self.weights.topic_mix * topic_mix as f64
            + self.weights.overflow * overflow as f64
    }
}
