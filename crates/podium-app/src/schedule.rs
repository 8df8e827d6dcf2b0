//! Scheduling a stored conference: its grid, talks and speakers become an engine `Instance`;
//! the engine's proposal becomes placements of the work-in-progress version; releasing
//! publishes that version. The engine itself is `podium-scheduler` (pure).

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use podium_domain::{ConferenceId, Placement, Program, RoomId, TalkId, TalkKind};
use podium_scheduler as engine;
use podium_store::{Store, StoreError};

/// Engine ids back to podium's.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    talks: HashMap<String, TalkId>,
    slots: HashMap<String, (RoomId, Timestamp)>,
    pinned: HashSet<TalkId>,
}

/// What the engine needs, ready to solve, with the current WIP placements as assignments.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The instance (FORMAT.md).
    pub instance: engine::Instance,
    /// How to map the result back.
    pub mapping: Mapping,
    /// The WIP placements that fall on the grid, as engine assignments.
    pub current: Vec<engine::Assignment>,
}

fn wall_clock(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Builds the engine instance of a program whose WIP placements are `wip`. Keynotes are
/// plenary (nothing runs beside them); pinned placements become pins; a track is a topic.
/// `wants` are attendees' wanted talks (id, talk ids).
pub fn instance(
    program: &Program,
    wip: &[Placement],
    wants: &[(String, Vec<TalkId>)],
    weights: engine::Weights,
) -> Prepared {
    let tz = program.conference.tz();
    let mut mapping = Mapping::default();
    let rooms = program
        .rooms
        .iter()
        .map(|r| engine::Room {
            id: format!("r{}", r.id),
            name: r.name.clone(),
            capacity: u32::try_from(r.capacity).unwrap_or(0),
            features: r.features.clone(),
        })
        .collect();
    let mut slot_at: HashMap<(RoomId, Timestamp), String> = HashMap::new();
    let slots = program
        .slots
        .iter()
        .map(|s| {
            let id = format!("s{}", s.id);
            mapping.slots.insert(id.clone(), (s.room_id, s.starts_at));
            slot_at.insert((s.room_id, s.starts_at), id.clone());
            engine::Slot {
                id,
                room: format!("r{}", s.room_id),
                start: wall_clock(s.starts_at, &tz),
                end: wall_clock(s.ends_at, &tz),
                session: format!("g{}", s.session_id),
            }
        })
        .collect();
    let demand: HashMap<TalkId, u32> =
        wants
            .iter()
            .flat_map(|(_, w)| w.iter())
            .fold(HashMap::new(), |mut m, t| {
                *m.entry(*t).or_default() += 1;
                m
            });
    let mut current = Vec::new();
    let talks = program
        .talks
        .iter()
        .map(|t| {
            let id = format!("t{}", t.id);
            mapping.talks.insert(id.clone(), t.id);
            let placed = wip.iter().find(|p| p.talk_id == t.id);
            let slot = placed.and_then(|p| slot_at.get(&(p.room_id, p.starts_at)).cloned());
            if let Some(s) = &slot {
                current.push(engine::Assignment {
                    talk: id.clone(),
                    slot: s.clone(),
                });
            }
            let pin = match (placed, &slot) {
                (Some(p), Some(s)) if p.pinned => {
                    mapping.pinned.insert(t.id);
                    Some(engine::Pin { slot: s.clone() })
                }
                _ => None,
            };
            engine::Talk {
                id,
                title: t.title.clone(),
                duration: u32::try_from(t.duration_min).unwrap_or(0),
                topic: t
                    .track_id
                    .and_then(|tr| program.track(tr))
                    .map(|tr| tr.name.clone()),
                level: t.level.as_str().to_owned(),
                speakers: t.speaker_ids.iter().map(|s| format!("p{s}")).collect(),
                kind: t.kind.as_str().to_owned(),
                needs: Vec::new(),
                demand: demand.get(&t.id).copied().unwrap_or(0),
                plenary: t.kind == TalkKind::Keynote,
                pin,
            }
        })
        .collect();
    let speakers = program
        .speakers
        .iter()
        .map(|s| engine::Speaker {
            id: format!("p{}", s.id),
            name: s.name.clone(),
            unavailable: Vec::new(),
        })
        .collect();
    let attendees = wants
        .iter()
        .map(|(id, talks)| engine::Attendee {
            id: id.clone(),
            wants: talks.iter().map(|t| format!("t{t}")).collect(),
        })
        .collect();
    Prepared {
        instance: engine::Instance {
            format: engine::INSTANCE_FORMAT.to_owned(),
            name: program.conference.slug.to_string(),
            timezone: program.conference.timezone.clone(),
            rooms,
            slots,
            talks,
            speakers,
            attendees,
            weights,
        },
        mapping,
        current,
    }
}

/// The engine's assignments as placements (pins kept).
pub fn placements(mapping: &Mapping, assignments: &[engine::Assignment]) -> Vec<Placement> {
    assignments
        .iter()
        .filter_map(|a| {
            let talk = *mapping.talks.get(&a.talk)?;
            let (room, starts_at) = *mapping.slots.get(&a.slot)?;
            Some(Placement {
                talk_id: talk,
                room_id: room,
                starts_at,
                pinned: mapping.pinned.contains(&talk),
            })
        })
        .collect()
}

/// Loads a conference's program and WIP version and prepares the engine's instance.
pub async fn prepare(
    store: &dyn Store,
    conference: ConferenceId,
    weights: engine::Weights,
) -> Result<Prepared, StoreError> {
    let program = store.program(conference).await?;
    let (_, wip) = store.wip(conference).await?;
    let wants = attendee_wants(store, conference).await?;
    Ok(instance(&program, &wip, &wants, weights))
}

/// Attendees' wants in the engine's terms: anonymous ids (`a1`, `a2`, ...), never emails.
pub async fn attendee_wants(
    store: &dyn Store,
    conference: ConferenceId,
) -> Result<Vec<(String, Vec<TalkId>)>, StoreError> {
    Ok(store
        .wants(conference)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, (_, talks))| (format!("a{}", i + 1), talks))
        .collect())
}

/// Makes a proposal the WIP version.
pub async fn accept(
    store: &dyn Store,
    conference: ConferenceId,
    mapping: &Mapping,
    solution: &engine::Solution,
) -> Result<(), StoreError> {
    store
        .replace_wip(conference, &placements(mapping, &solution.assignments))
        .await
}

/// Releases the WIP version under the next version name ("1.0" → "1.1"; "2" → "3"; none →
/// "1.0"); returns the name.
pub async fn release(store: &dyn Store, conference: ConferenceId) -> Result<String, StoreError> {
    let latest = store
        .released_versions(conference)
        .await?
        .into_iter()
        .find_map(|v| v.name);
    let name = next_version(latest.as_deref());
    store.release(conference, &name).await?;
    Ok(name)
}

/// The version name after `latest`.
pub fn next_version(latest: Option<&str>) -> String {
    let Some(latest) = latest else {
        return "1.0".to_owned();
    };
    match latest.rsplit_once('.') {
        Some((head, tail)) => match tail.parse::<u64>() {
            Ok(n) => format!("{head}.{}", n + 1),
            Err(_) => format!("{latest}.1"),
        },
        None => match latest.parse::<u64>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) => format!("{latest}.1"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_count_up() {
        assert_eq!(next_version(None), "1.0");
        assert_eq!(next_version(Some("1.0")), "1.1");
        assert_eq!(next_version(Some("1.9")), "1.10");
        assert_eq!(next_version(Some("2")), "3");
        assert_eq!(next_version(Some("final")), "final.1");
    }
}
