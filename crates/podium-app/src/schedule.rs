//! Scheduling a stored conference: its grid, talks and speakers become an engine `Instance`;
//! the engine's proposal becomes placements of the work-in-progress version; releasing
//! publishes that version. The engine itself is `podium-scheduler` (pure).

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use podium_domain::{ConferenceId, Placement, Program, RoomId, TalkId, TalkKind};
use podium_scheduler as engine;
use podium_store::{MailAttachment, NewMail, ReleaseMails, ReleasedVersion, Store, StoreError};

use crate::mail;

/// Engine ids back to podium's.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    talks: HashMap<String, TalkId>,
    slots: HashMap<String, (RoomId, Timestamp)>,
    pinned: HashSet<TalkId>,
}

impl Mapping {
    /// The engine id of the slot of `room` starting at `starts_at`, if the grid has one.
    pub fn slot_at(&self, room: RoomId, starts_at: Timestamp) -> Option<&str> {
        self.slots
            .iter()
            .find(|(_, (r, at))| *r == room && *at == starts_at)
            .map(|(key, _)| key.as_str())
    }
}

/// The engine id of a grid slot (`s12`): what the move form posts as `slot`.
pub fn slot_key(slot: podium_domain::SlotId) -> String {
    format!("s{slot}")
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

/// The windows of `span` (unix seconds) outside a speaker's `available` windows: what the
/// engine calls unavailable. No windows means available any time.
pub fn unavailable_windows(available: &[(i64, i64)], span: (i64, i64)) -> Vec<(i64, i64)> {
    if available.is_empty() || span.0 >= span.1 {
        return Vec::new();
    }
    let mut windows: Vec<(i64, i64)> = available.iter().copied().filter(|(s, e)| s < e).collect();
    windows.sort_unstable();
    let mut out = Vec::new();
    let mut free_from = span.0;
    for (start, end) in windows {
        if start > free_from {
            out.push((free_from, start.min(span.1)));
        }
        free_from = free_from.max(end);
        if free_from >= span.1 {
            break;
        }
    }
    if free_from < span.1 {
        out.push((free_from, span.1));
    }
    out.retain(|(s, e)| s < e);
    out
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
            let id = slot_key(s.id);
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
    let span = (
        program
            .slots
            .iter()
            .map(|s| s.starts_at.as_second())
            .min()
            .unwrap_or(0),
        program
            .slots
            .iter()
            .map(|s| s.ends_at.as_second())
            .max()
            .unwrap_or(0),
    );
    let speakers = program
        .speakers
        .iter()
        .map(|s| engine::Speaker {
            id: format!("p{}", s.id),
            name: s.name.clone(),
            unavailable: unavailable_windows(&s.available, span)
                .into_iter()
                .filter_map(|(start, end)| {
                    Some(engine::Window {
                        start: wall_clock(Timestamp::from_second(start).ok()?, &tz),
                        end: wall_clock(Timestamp::from_second(end).ok()?, &tz),
                    })
                })
                .collect(),
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

/// Loads a conference's program and WIP version and prepares the engine's instance (without
/// the cancelled talks).
pub async fn prepare(
    store: &dyn Store,
    conference: ConferenceId,
    weights: engine::Weights,
) -> Result<Prepared, StoreError> {
    let program = schedulable(store, conference).await?;
    let (_, wip) = store.wip(conference).await?;
    let wants = attendee_wants(store, conference).await?;
    Ok(instance(&program, &wip, &wants, weights))
}

/// The conference's program without its cancelled talks: what the engine schedules.
pub async fn schedulable(
    store: &dyn Store,
    conference: ConferenceId,
) -> Result<Program, StoreError> {
    let mut program = store.program(conference).await?;
    let cancelled: HashSet<TalkId> = store
        .cancelled_talks(conference)
        .await?
        .into_iter()
        .collect();
    program.talks.retain(|t| !cancelled.contains(&t.id));
    Ok(program)
}

/// Cancels a talk: it leaves the WIP version and the engine no longer places it. The public
/// site still shows it where the latest release put it until the next release, whose
/// changelog lists it as cancelled and whose mail tells its speakers.
pub async fn cancel(
    store: &dyn Store,
    conference: ConferenceId,
    talk: TalkId,
) -> Result<(), StoreError> {
    store.set_talk_cancelled(conference, talk, true).await
}

/// Takes a cancelled talk back: unplaced, for the engine or a hand move to place.
pub async fn restore(
    store: &dyn Store,
    conference: ConferenceId,
    talk: TalkId,
) -> Result<(), StoreError> {
    store.set_talk_cancelled(conference, talk, false).await
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
/// "1.0"); returns the name. Mails nobody: what organizers do is [`release_and_notify`]; this
/// is for tools and tests that publish without speakers to tell.
pub async fn release(store: &dyn Store, conference: ConferenceId) -> Result<String, StoreError> {
    release_with(store, conference, None).await
}

/// Releases the WIP version like [`release`] and tells the speakers: each address of a
/// speaker (linked to an account) with a talk that is new, moved or cancelled since the
/// previous release gets one `schedule.changed` mail saying what changed, with a calendar of
/// their talks in this release (see [`release_mails`]). The mails are written in the release's
/// own transaction (the transactional outbox), so a release never goes out without its mails
/// nor mails without the release. `site` is the public URL for links.
pub async fn release_and_notify(
    store: &dyn Store,
    conference: ConferenceId,
    site: &str,
) -> Result<String, StoreError> {
    // Titles, rooms and speakers as of now; the placements come from inside the transaction.
    let program = store.program(conference).await?;
    let generated_at = Timestamp::now();
    let mails = |released: &ReleasedVersion| release_mails(&program, released, site, generated_at);
    release_with(store, conference, Some(&mails)).await
}

async fn release_with(
    store: &dyn Store,
    conference: ConferenceId,
    mails: Option<&ReleaseMails<'_>>,
) -> Result<String, StoreError> {
    // Two organizers publishing at the same moment: the unique name index refuses the second
    // "1.1", which then takes the next name.
    let mut attempts = 0;
    loop {
        let latest = store
            .released_versions(conference)
            .await?
            .into_iter()
            .find_map(|v| v.name);
        let name = next_version(latest.as_deref());
        let result = match mails {
            Some(mails) => store.release_and_mail(conference, &name, mails).await,
            None => store.release(conference, &name).await,
        };
        match result {
            Ok(_) => return Ok(name),
            Err(StoreError::Conflict { .. }) if attempts < 3 => attempts += 1,
            Err(e) => return Err(e),
        }
    }
}

/// The mails of a release: one per speaker address whose talks are new, moved or cancelled
/// compared with the previous release (every talk is new in the first), kind
/// `schedule.changed`, queued (not held). The body says what changed in words, times in the
/// conference's zone ("Room 2, Fri 24 Sep 10:00 → Room 1, Fri 24 Sep 14:00"), and lists their
/// talks in this release; the attached `text/calendar` file holds those talks, plus their
/// cancelled ones marked `STATUS:CANCELLED`. Pure.
pub fn release_mails(
    program: &Program,
    released: &ReleasedVersion,
    site: &str,
    generated_at: Timestamp,
) -> Vec<NewMail> {
    let tz = program.conference.tz();
    let previous = released.previous.as_deref().unwrap_or_default();
    let changes = podium_domain::changes(previous, &released.placements);
    if changes.is_empty() {
        return Vec::new();
    }
    let at = |(room, ts): (RoomId, Timestamp)| {
        let room = program.room(room).map_or("?", |r| r.name.as_str());
        format!(
            "{room}, {}",
            ts.to_zoned_datetime(tz.clone()).strftime("%a %-d %b %H:%M")
        )
    };
    let options = podium_formats::ExportOptions {
        base_url: site.to_owned(),
        generated_at,
    };
    let now_placed = Program {
        placements: released.placements.clone(),
        ..program.clone()
    };
    let removed: HashSet<TalkId> = changes
        .iter()
        .filter_map(|c| match c {
            podium_domain::Change::Removed { talk, .. } => Some(*talk),
            _ => None,
        })
        .collect();
    let last_placed = Program {
        placements: previous
            .iter()
            .filter(|p| removed.contains(&p.talk_id))
            .cloned()
            .collect(),
        ..program.clone()
    };
    // One mail per address, even when an account is linked to several speakers.
    let mut by_address: std::collections::BTreeMap<&str, Vec<podium_domain::SpeakerId>> =
        std::collections::BTreeMap::new();
    for (speaker, email) in &released.speaker_emails {
        if !email.trim().is_empty() {
            by_address.entry(email.as_str()).or_default().push(*speaker);
        }
    }
    let mut out = Vec::new();
    for (address, speakers) in by_address {
        let theirs = |talk: TalkId| {
            program
                .talk(talk)
                .is_some_and(|t| t.speaker_ids.iter().any(|s| speakers.contains(s)))
        };
        let lines: Vec<String> = changes
            .iter()
            .filter_map(|c| {
                let (talk, text) = match c {
                    podium_domain::Change::Added { talk, to } => {
                        (*talk, format!("new in the schedule: {}", at(*to)))
                    }
                    podium_domain::Change::Moved { talk, from, to } => {
                        (*talk, format!("moved: {} → {}", at(*from), at(*to)))
                    }
                    podium_domain::Change::Removed { talk, from } => {
                        (*talk, format!("cancelled (was {})", at(*from)))
                    }
                };
                let title = &program.talk(talk).filter(|_| theirs(talk))?.title;
                Some(format!("- “{title}”: {text}"))
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let talks: Vec<TalkId> = program
            .talks
            .iter()
            .filter(|t| theirs(t.id))
            .map(|t| t.id)
            .collect();
        let mut placed: Vec<&Placement> = released
            .placements
            .iter()
            .filter(|p| talks.contains(&p.talk_id))
            .collect();
        placed.sort_by_key(|p| p.starts_at);
        let listed: Vec<String> = placed
            .iter()
            .filter_map(|p| {
                let t = program.talk(p.talk_id)?;
                let end = p.starts_at + jiff::SignedDuration::from_mins(t.duration_min);
                Some(format!(
                    "- “{}”: {}–{}\n  {}",
                    t.title,
                    at((p.room_id, p.starts_at)),
                    end.to_zoned_datetime(tz.clone()).strftime("%H:%M"),
                    options.talk_url(program, t.id)
                ))
            })
            .collect();
        let listed = if listed.is_empty() {
            "(none)".to_owned()
        } else {
            listed.join("\n")
        };
        let name = speakers
            .iter()
            .find_map(|s| program.speaker(*s))
            .map_or_else(String::new, |s| s.name.clone());
        let calendar = podium_formats::ical::export_with_cancelled(
            &now_placed,
            Some(&last_placed),
            &options,
            &podium_formats::ical::Filter::Talks(talks),
        );
        let changed = lines.join("\n");
        let schedule = format!("{}/schedule", options.conference_url(program));
        let values: [(&str, &str); 8] = [
            ("name", if name.is_empty() { "speaker" } else { &name }),
            ("conference", &program.conference.name),
            ("version", &released.name),
            ("changes", &changed),
            ("zone", &program.conference.timezone),
            ("talks", &listed),
            ("schedule", &schedule),
            ("site", mail::site(site)),
        ];
        let template = mail::SCHEDULE_CHANGED;
        let subject = mail::fill(template.subject, &values);
        let body_text = mail::fill(template.body, &values);
        out.push(NewMail {
            conference: Some(program.conference.id),
            kind: "schedule.changed".to_owned(),
            to_address: address.to_owned(),
            to_name: name,
            subject,
            body_text,
            attachments: vec![MailAttachment {
                filename: format!("{}.ics", program.conference.slug),
                content_type: "text/calendar".to_owned(),
                body: calendar.into_bytes(),
            }],
            hold: false,
        });
    }
    out
}

/// The version name after `latest`.
pub fn next_version(latest: Option<&str>) -> String {
    let Some(latest) = latest else {
        return "1.0".to_owned();
    };
    let bump = |n: &str| n.parse::<u64>().ok().and_then(|n| n.checked_add(1));
    match latest.rsplit_once('.') {
        Some((head, tail)) => {
            bump(tail).map_or_else(|| format!("{latest}.1"), |n| format!("{head}.{n}"))
        }
        None => bump(latest).map_or_else(|| format!("{latest}.1"), |n| n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_is_the_span_outside_the_available_windows() {
        assert_eq!(unavailable_windows(&[], (0, 100)), []);
        assert_eq!(
            unavailable_windows(&[(10, 20), (15, 30), (50, 60)], (0, 100)),
            [(0, 10), (30, 50), (60, 100)]
        );
        assert_eq!(unavailable_windows(&[(0, 100)], (0, 100)), []);
        assert_eq!(unavailable_windows(&[(200, 300)], (0, 100)), [(0, 100)]);
    }

    #[test]
    fn version_names_count_up() {
        assert_eq!(next_version(None), "1.0");
        assert_eq!(next_version(Some("1.0")), "1.1");
        assert_eq!(next_version(Some("1.9")), "1.10");
        assert_eq!(next_version(Some("2")), "3");
        assert_eq!(next_version(Some("final")), "final.1");
        assert_eq!(
            next_version(Some("18446744073709551615")),
            "18446744073709551615.1"
        );
    }
}

/// One place a talk could move to, with what the move would cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MoveOption {
    /// Engine slot id (`s12`).
    pub slot: String,
    /// Room of the slot.
    pub room: RoomId,
    /// Start of the slot.
    pub starts_at: Timestamp,
    /// The talk now in that slot, which would take the moved talk's place (a swap).
    pub swap_with: Option<TalkId>,
    /// Change in missed talks (negative is better).
    pub missed_delta: i64,
    /// Change in the objective (negative is better).
    pub objective_delta: f64,
    /// Hard rules the move would break (in engine ids; see `humanize`).
    pub conflicts: Vec<String>,
}

/// Every slot where `talk` can start, with the change in missed talks and objective and the
/// hard conflicts each move would add. Moving onto an occupied slot swaps the two talks.
/// Slots the talk does not fit into (the session ends first) are left out.
pub fn move_options(prepared: &Prepared, talk: TalkId) -> Vec<MoveOption> {
    let Ok(base) = engine::evaluate(&prepared.instance, &prepared.current) else {
        return Vec::new();
    };
    let mut options: Vec<MoveOption> = prepared
        .instance
        .slots
        .iter()
        .filter_map(|slot| option_at(prepared, &base, talk, &slot.id))
        .collect();
    options.sort_by(|a, b| {
        (!a.conflicts.is_empty(), a.missed_delta)
            .cmp(&(!b.conflicts.is_empty(), b.missed_delta))
            .then(a.objective_delta.total_cmp(&b.objective_delta))
            .then(a.starts_at.cmp(&b.starts_at))
    });
    options
}

/// The move of `talk` to the slot `slot` (engine id, `s12`) as [`move_options`] lists it, or
/// `None` when it is not a place the talk can move to (unknown slot, its current slot, or one
/// it does not fit into). One evaluation instead of one per slot: the drag-and-drop preview.
pub fn move_option(prepared: &Prepared, talk: TalkId, slot: &str) -> Option<MoveOption> {
    let base = engine::evaluate(&prepared.instance, &prepared.current).ok()?;
    option_at(prepared, &base, talk, slot)
}

fn option_at(
    prepared: &Prepared,
    base: &engine::Report,
    talk: TalkId,
    slot: &str,
) -> Option<MoveOption> {
    let key = format!("t{talk}");
    let from = prepared
        .current
        .iter()
        .find(|a| a.talk == key)
        .map(|a| a.slot.clone());
    if from.as_deref() == Some(slot) {
        return None;
    }
    let &(room, starts_at) = prepared.mapping.slots.get(slot)?;
    let occupant = prepared
        .current
        .iter()
        .find(|a| a.slot == slot && a.talk != key);
    let mut trial: Vec<engine::Assignment> = prepared
        .current
        .iter()
        .filter(|a| a.talk != key && Some(*a) != occupant)
        .cloned()
        .collect();
    trial.push(engine::Assignment {
        talk: key.clone(),
        slot: slot.to_owned(),
    });
    if let (Some(o), Some(f)) = (occupant, &from) {
        trial.push(engine::Assignment {
            talk: o.talk.clone(),
            slot: f.clone(),
        });
    }
    let report = engine::evaluate(&prepared.instance, &trial).ok()?;
    if report
        .violations
        .iter()
        .any(|v| v.starts_with(&format!("talk {key} (")) && v.contains("does not fit"))
    {
        return None;
    }
    let conflicts: Vec<String> = report
        .violations
        .into_iter()
        .filter(|v| !base.violations.contains(v))
        .collect();
    Some(MoveOption {
        slot: slot.to_owned(),
        room,
        starts_at,
        swap_with: occupant.and_then(|o| prepared.mapping.talks.get(&o.talk).copied()),
        missed_delta: report.metrics.missed as i64 - base.metrics.missed as i64,
        objective_delta: engine::round6(report.metrics.objective - base.metrics.objective),
        conflicts,
    })
}

/// Moves `talk` to the slot `slot` in the WIP version (swapping with the talk there, if any),
/// keeping every other placement. Returns false when the slot is unknown.
pub async fn move_talk(
    store: &dyn Store,
    conference: ConferenceId,
    prepared: &Prepared,
    talk: TalkId,
    slot: &str,
) -> Result<bool, StoreError> {
    let Some(option) = move_options_for_slot(prepared, talk, slot) else {
        return Ok(false);
    };
    let (_, mut wip) = store.wip(conference).await?;
    let old = wip
        .iter()
        .find(|p| p.talk_id == talk)
        .map(|p| (p.room_id, p.starts_at));
    let pinned = wip
        .iter()
        .find(|p| p.talk_id == talk)
        .is_some_and(|p| p.pinned);
    wip.retain(|p| p.talk_id != talk);
    if let Some(other) = option.swap_with {
        let other_pinned = wip
            .iter()
            .find(|p| p.talk_id == other)
            .is_some_and(|p| p.pinned);
        wip.retain(|p| p.talk_id != other);
        if let Some((room, starts_at)) = old {
            wip.push(Placement {
                talk_id: other,
                room_id: room,
                starts_at,
                pinned: other_pinned,
            });
        }
    }
    wip.push(Placement {
        talk_id: talk,
        room_id: option.room,
        starts_at: option.starts_at,
        pinned,
    });
    store.replace_wip(conference, &wip).await?;
    Ok(true)
}

fn move_options_for_slot(prepared: &Prepared, talk: TalkId, slot: &str) -> Option<MoveOption> {
    let &(room, starts_at) = prepared.mapping.slots.get(slot)?;
    let key = format!("t{talk}");
    let occupant = prepared
        .current
        .iter()
        .find(|a| a.slot == slot && a.talk != key)
        .and_then(|o| prepared.mapping.talks.get(&o.talk).copied());
    Some(MoveOption {
        slot: slot.to_owned(),
        room,
        starts_at,
        swap_with: occupant,
        missed_delta: 0,
        objective_delta: 0.0,
        conflicts: Vec::new(),
    })
}

/// Pins or unpins a talk where it is in the WIP version (the engine will not move a pinned talk).
pub async fn pin(
    store: &dyn Store,
    conference: ConferenceId,
    talk: TalkId,
    pinned: bool,
) -> Result<(), StoreError> {
    let (_, mut wip) = store.wip(conference).await?;
    for p in wip.iter_mut().filter(|p| p.talk_id == talk) {
        p.pinned = pinned;
    }
    store.replace_wip(conference, &wip).await
}

/// Engine messages in people's words: `t12` becomes the talk's title, `p3` the speaker's name,
/// `r2` the room's name, `s40` the room and time of the slot.
pub fn humanize(message: &str, program: &Program) -> String {
    let tz = program.conference.tz();
    let mut out = String::with_capacity(message.len());
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let (core, trail) = match word.find(|c: char| !c.is_ascii_alphanumeric()) {
            Some(cut) => word.split_at(cut),
            None => (word, ""),
        };
        let replaced = core.split_at_checked(1).and_then(|(kind, digits)| {
            let id: i64 = digits.parse().ok()?;
            match kind {
                "t" => program.talk(TalkId(id)).map(|t| format!("“{}”", t.title)),
                "p" => program
                    .speaker(podium_domain::SpeakerId(id))
                    .map(|s| s.name.clone()),
                "r" => program.room(RoomId(id)).map(|r| r.name.clone()),
                "s" => program.slots.iter().find(|s| s.id.0 == id).map(|s| {
                    let room = program.room(s.room_id).map_or("?", |r| r.name.as_str());
                    let at = s
                        .starts_at
                        .to_zoned_datetime(tz.clone())
                        .strftime("%a %H:%M");
                    format!("{room} {at}")
                }),
                _ => None,
            }
        });
        out.push_str(&replaced.unwrap_or_else(|| core.to_owned()));
        out.push_str(trail);
    }
    out
}

/// Two talks at the same time that attendees wanted both of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CostlyPair {
    /// One talk.
    pub a: TalkId,
    /// The other, overlapping it.
    pub b: TalkId,
    /// Attendees who wanted both.
    pub attendees: usize,
}

/// A room session holding talks of several topics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MixedSession {
    /// Room.
    pub room: RoomId,
    /// Session start.
    pub starts_at: Timestamp,
    /// The topics (track names) in it.
    pub topics: Vec<String>,
}

/// "Who pays" for a schedule: the attendees who miss the most (anonymous ids), the parallel
/// pairs of talks that cost the most missed talks, and the sessions that mix topics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Up to 10 attendees with the most misses: (anonymous id, talks they miss).
    pub unhappiest: Vec<(String, Vec<TalkId>)>,
    /// Up to 10 costliest overlapping pairs.
    pub costly_pairs: Vec<CostlyPair>,
    /// Sessions with more than one topic.
    pub mixed_sessions: Vec<MixedSession>,
}

/// Explains the WIP schedule of `prepared` (see [`Explanation`]).
pub fn explain(program: &Program, prepared: &Prepared) -> Explanation {
    let placements = placements(&prepared.mapping, &prepared.current);
    let unhappiest = engine::evaluate(&prepared.instance, &prepared.current)
        .map(|r| {
            r.unhappiest
                .into_iter()
                .filter(|a| !a.talks.is_empty())
                .take(10)
                .map(|a| {
                    let talks = a
                        .talks
                        .iter()
                        .filter_map(|t| prepared.mapping.talks.get(t).copied())
                        .collect();
                    (a.attendee, talks)
                })
                .collect()
        })
        .unwrap_or_default();

    let ends = |p: &Placement| {
        p.starts_at
            + jiff::SignedDuration::from_mins(program.talk(p.talk_id).map_or(0, |t| t.duration_min))
    };
    let wanted_by: HashMap<String, HashSet<&str>> =
        prepared
            .instance
            .attendees
            .iter()
            .fold(HashMap::new(), |mut m, a| {
                for t in &a.wants {
                    m.entry(t.clone()).or_default().insert(a.id.as_str());
                }
                m
            });
    let mut costly_pairs = Vec::new();
    for (i, x) in placements.iter().enumerate() {
        for y in &placements[i + 1..] {
            if x.starts_at < ends(y) && y.starts_at < ends(x) {
                let (wx, wy) = (
                    wanted_by.get(&format!("t{}", x.talk_id)),
                    wanted_by.get(&format!("t{}", y.talk_id)),
                );
                if let (Some(wx), Some(wy)) = (wx, wy) {
                    let both = wx.intersection(wy).count();
                    if both > 0 {
                        costly_pairs.push(CostlyPair {
                            a: x.talk_id,
                            b: y.talk_id,
                            attendees: both,
                        });
                    }
                }
            }
        }
    }
    costly_pairs.sort_by(|p, q| {
        q.attendees
            .cmp(&p.attendees)
            .then((p.a, p.b).cmp(&(q.a, q.b)))
    });
    costly_pairs.truncate(10);

    let mut sessions: std::collections::BTreeMap<
        (Timestamp, RoomId),
        std::collections::BTreeSet<String>,
    > = std::collections::BTreeMap::new();
    for p in &placements {
        let Some(talk) = program.talk(p.talk_id) else {
            continue;
        };
        if talk.kind == TalkKind::Keynote {
            continue;
        }
        let Some(session) = program.sessions.iter().find(|s| {
            s.room_id == p.room_id && s.starts_at <= p.starts_at && p.starts_at < s.ends_at
        }) else {
            continue;
        };
        let topic = talk
            .track_id
            .and_then(|t| program.track(t))
            .map_or_else(|| "no track".to_owned(), |t| t.name.clone());
        sessions
            .entry((session.starts_at, session.room_id))
            .or_default()
            .insert(topic);
    }
    let mixed_sessions = sessions
        .into_iter()
        .filter(|(_, topics)| topics.len() > 1)
        .map(|((starts_at, room), topics)| MixedSession {
            room,
            starts_at,
            topics: topics.into_iter().collect(),
        })
        .collect();
    Explanation {
        unhappiest,
        costly_pairs,
        mixed_sessions,
    }
}

/// The venue the formats comparison plans on: the conference's rooms and days, its daily
/// session windows (from the grid's sessions, by local time; a working day of four sessions
/// when there is no grid yet) and the grid's common step as the slot length.
pub fn venue_of(program: &Program, prepared: &Prepared) -> engine::Venue {
    let tz = program.conference.tz();
    let local = |ts: Timestamp| {
        ts.to_zoned_datetime(tz.clone())
            .strftime("%H:%M")
            .to_string()
    };
    let mut windows: Vec<(String, String)> = program
        .sessions
        .iter()
        .map(|s| (local(s.starts_at), local(s.ends_at)))
        .filter(|(a, b)| a < b)
        .collect();
    windows.sort();
    windows.dedup();
    // Overlapping windows (rooms with different hours) merge into one.
    let mut merged: Vec<(String, String)> = Vec::new();
    for (a, b) in windows {
        match merged.last_mut() {
            Some(last) if a < last.1 => {
                if b > last.1 {
                    last.1 = b;
                }
            }
            _ => merged.push((a, b)),
        }
    }
    if merged.is_empty() {
        merged = [
            ("09:30", "11:00"),
            ("11:30", "13:00"),
            ("14:00", "15:30"),
            ("16:00", "17:30"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    }
    // The grid's common step: every slot length and session length is a multiple of it, so
    // every talk that fits the real grid fits the planned ones (talks span consecutive slots).
    fn gcd(a: i64, b: i64) -> i64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let step = program
        .slots
        .iter()
        .map(|s| (s.ends_at - s.starts_at).as_mins())
        .chain(
            program
                .sessions
                .iter()
                .map(|s| (s.ends_at - s.starts_at).as_mins()),
        )
        .filter(|m| *m > 0)
        .fold(0, gcd);
    let slot_minutes = u32::try_from(step).ok().filter(|m| *m > 0).unwrap_or(15);
    engine::Venue {
        format: engine::VENUE_FORMAT.to_owned(),
        name: program.conference.slug.to_string(),
        rooms: prepared.instance.rooms.clone(),
        days: program
            .conference
            .days()
            .iter()
            .map(ToString::to_string)
            .collect(),
        sessions: merged
            .into_iter()
            .map(|(start, end)| engine::SessionTimes { start, end })
            .collect(),
        slot_minutes,
    }
}

/// One format's outcome in a comparison.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FormatOutcome {
    /// `single-track`, `multi-track` or `mixed`.
    pub format: &'static str,
    /// Slots its grid offers.
    pub slots: usize,
    /// The best schedule's metrics.
    pub metrics: engine::Metrics,
}

/// Schedules the same talks and wishes on each format's grid for `seconds` each (blocking:
/// run it on a blocking thread). Stops early when `cancel` is set.
pub fn compare_formats(
    venue: &engine::Venue,
    talks: &engine::Instance,
    seconds: f64,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Vec<FormatOutcome>, String> {
    let options = engine::SolveOptions {
        threads: 2,
        time_limit: Some(std::time::Duration::from_secs_f64(seconds)),
        ..engine::SolveOptions::default()
    };
    engine::Format::ALL
        .iter()
        .map(|&format| {
            let instance = venue.instance(talks, format).map_err(|e| e.to_string())?;
            let solution =
                engine::solve(&instance, &options, cancel, &|_| {}).map_err(|e| e.to_string())?;
            Ok(FormatOutcome {
                format: format.name(),
                slots: instance.slots.len(),
                metrics: solution.metrics,
            })
        })
        .collect()
}

/// Hallway minutes: within each day's span (first start to last end), the minutes in which no
/// talk runs in any room — the shared free time in which people meet between sessions. More is
/// better for a community conference.
pub fn hallway_minutes(program: &Program, placements: &[Placement]) -> i64 {
    let tz = program.conference.tz();
    let mut by_day: HashMap<jiff::civil::Date, Vec<(Timestamp, Timestamp)>> = HashMap::new();
    for p in placements {
        let Some(talk) = program.talk(p.talk_id) else {
            continue;
        };
        let end = p.starts_at + jiff::SignedDuration::from_mins(talk.duration_min);
        by_day
            .entry(p.starts_at.to_zoned_datetime(tz.clone()).date())
            .or_default()
            .push((p.starts_at, end));
    }
    by_day
        .into_values()
        .map(|mut spans| {
            spans.sort();
            let mut free = 0;
            let mut busy_until = spans[0].1;
            for &(start, end) in &spans[1..] {
                if start > busy_until {
                    free += (start - busy_until).as_mins();
                }
                busy_until = busy_until.max(end);
            }
            free
        })
        .sum()
}

#[cfg(test)]
mod hallway_tests {
    use podium_domain::{Placement, RoomId, TalkId};

    use super::hallway_minutes;

    #[test]
    fn hallway_minutes_count_time_when_no_room_has_a_talk() {
        // The fixture's talks are 30 minutes long.
        let new = podium_domain_fixture();
        let at = |h: i8, m: i8| {
            podium_domain::time::instant(
                new.conference.start_date,
                jiff::civil::Time::constant(h, m, 0, 0),
                &new.conference.tz(),
            )
            .expect("instant")
        };
        let place = |talk: i64, room: i64, h: i8, m: i8| Placement {
            talk_id: TalkId(talk),
            room_id: RoomId(room),
            starts_at: at(h, m),
            pinned: false,
        };
        // 10:00–10:30 in room 1 and 10:15–10:45 in room 2 overlap; the next talk starts at
        // 11:00: 15 free minutes. A talk on its own is no hallway time.
        let placements = [place(1, 1, 10, 0), place(2, 2, 10, 15), place(3, 1, 11, 0)];
        assert_eq!(hallway_minutes(&new, &placements), 15);
        assert_eq!(hallway_minutes(&new, &placements[..1]), 0);
        assert_eq!(hallway_minutes(&new, &[]), 0);
    }

    fn podium_domain_fixture() -> podium_domain::Program {
        use podium_domain::*;
        let talk = |id: i64| Talk {
            id: TalkId(id),
            guid: format!("g{id}"),
            title: format!("Talk {id}"),
            abstract_md: String::new(),
            kind: TalkKind::Talk,
            level: Level::Beginner,
            duration_min: 30,
            track_id: None,
            language: "en".into(),
            slides_url: None,
            video_url: None,
            speaker_ids: vec![],
        };
        Program {
            conference: Conference {
                id: ConferenceId(1),
                slug: Slug::parse("h").expect("slug"),
                name: "H".into(),
                venue: String::new(),
                timezone: "Europe/Berlin".into(),
                start_date: "2027-03-01".parse().expect("date"),
                end_date: "2027-03-01".parse().expect("date"),
                description: String::new(),
            },
            rooms: vec![],
            tracks: vec![],
            talks: vec![talk(1), talk(2), talk(3)],
            speakers: vec![],
            sessions: vec![],
            slots: vec![],
            breaks: vec![],
            version: None,
            placements: vec![],
            kudos: vec![],
            sponsors: vec![],
            slides: vec![],
        }
    }
}
