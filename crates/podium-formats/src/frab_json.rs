//! frab/voc schedule JSON (`schedule.json`): export valid against the c3voc JSON schema
//! (<https://c3voc.de/schedule/schema.json>, draft-06, shipped in
//! `shared/data/formats/schedule.schema.json`) and a lenient import of frab and pretalx
//! exports of it. The "schedule2" flat-event variant (38C3 hub) is read too. Pure: no I/O.

use jiff::Timestamp;
use podium_domain::Program;
use serde_json::{Map, Value, json};

use crate::frab_xml::{links, parse_duration, version_name};
use crate::grid::{self, Entry};
use crate::import::{RawEvent, RawPerson, RawSchedule};
use crate::{ExportOptions, ImportError, Imported};

/// The schema's `time_zone_name` pattern `^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$` (unanchored
/// alternatives, as JSON Schema patterns search): zones that do not match it, such as
/// `Etc/GMT+5`, are left out rather than making the document invalid.
fn zone_matches_schema(z: &str) -> bool {
    let word = |w: &str| {
        let mut b = w.bytes();
        b.next().is_some_and(|c| c.is_ascii_uppercase())
            && w.len() >= 2
            && w.as_bytes()[1].is_ascii_lowercase()
    };
    z.ends_with("UTC")
        || {
            let mut parts = z.split('/');
            matches!((parts.next(), parts.next()), (Some(a), Some(b))
            if a.len() >= 2 && a.bytes().skip(1).all(|c| c.is_ascii_lowercase()) && word(a) && word(b))
        }
}

/// Exports the program's released placements as frab schedule JSON.
///
/// Same days, rooms, identifiers and URLs as [`crate::frab_xml::export`]. Persons are written
/// in frab's shape (`id`, `public_name`, `guid`): the schema's `oneOf` between frab and pretalx
/// persons rejects a person that has both `public_name` and `name`.
pub fn export(program: &Program, options: &ExportOptions) -> String {
    let c = &program.conference;
    let acronym = grid::acronym(program);
    let days = grid::days(program);
    let mut rooms: Vec<_> = program.rooms.iter().collect();
    rooms.sort_by_key(|r| (r.position, r.id));
    let mut conference = Map::new();
    conference.insert("acronym".into(), json!(acronym));
    conference.insert("title".into(), json!(c.name));
    conference.insert(
        "start".into(),
        json!(days.first().map_or(c.start_date, |d| d.date).to_string()),
    );
    conference.insert(
        "end".into(),
        json!(days.last().map_or(c.end_date, |d| d.date).to_string()),
    );
    conference.insert("daysCount".into(), json!(days.len()));
    conference.insert(
        "timeslot_duration".into(),
        json!(grid::hhmm(grid::timeslot_minutes(program))),
    );
    if zone_matches_schema(&c.timezone) {
        conference.insert("time_zone_name".into(), json!(c.timezone));
    }
    conference.insert("url".into(), json!(options.conference_url(program)));
    conference.insert(
        "tracks".into(),
        Value::Array(
            program
                .tracks
                .iter()
                .map(|t| {
                    let mut o = Map::new();
                    o.insert("name".into(), json!(t.name));
                    if let Some(s) = grid::track_slug(t) {
                        o.insert("slug".into(), json!(s));
                    }
                    o.insert("color".into(), json!(t.colour));
                    Value::Object(o)
                })
                .collect(),
        ),
    );
    conference.insert(
        "rooms".into(),
        Value::Array(
            rooms
                .iter()
                .map(|r| {
                    json!({
                        "name": r.name,
                        "guid": grid::room_guid(program, r),
                        "capacity": r.capacity,
                    })
                })
                .collect(),
        ),
    );
    conference.insert(
        "days".into(),
        Value::Array(
            days.iter()
                .map(|day| {
                    let mut by_room = Map::new();
                    for room in &rooms {
                        let events: Vec<Value> = day
                            .entries
                            .iter()
                            .filter(|e| e.room.id == room.id)
                            .map(|e| event(program, options, &acronym, e))
                            .collect();
                        by_room.insert(room.name.clone(), Value::Array(events));
                    }
                    json!({
                        "index": day.index,
                        "date": day.date.to_string(),
                        "day_start": grid::iso_offset(&day.start),
                        "day_end": grid::iso_offset(&day.end),
                        "rooms": by_room,
                    })
                })
                .collect(),
        ),
    );
    let doc = json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": { "name": "podium", "version": env!("CARGO_PKG_VERSION") },
        "schedule": {
            "version": version_name(program),
            "base_url": options.conference_url(program),
            "conference": conference,
        }
    });
    let mut out =
        serde_json::to_string_pretty(&doc).expect("a serde_json::Value always serializes");
    out.push('\n');
    out
}

fn event(program: &Program, options: &ExportOptions, acronym: &str, e: &Entry<'_>) -> Value {
    json!({
        "guid": e.guid,
        "id": e.event_id,
        "date": grid::iso_offset(&e.start),
        "start": e.start.strftime("%H:%M").to_string(),
        "end": grid::iso_offset(&e.end),
        "duration": grid::hhmm(e.talk.duration_min),
        "room": e.room.name,
        "slug": grid::event_slug(acronym, e),
        "url": options.talk_url(program, e.talk.id),
        "title": e.talk.title,
        "subtitle": "",
        "track": e.track.map(|t| t.name.clone()),
        "type": e.talk.kind.as_str(),
        "language": e.talk.language,
        "abstract": e.talk.abstract_md,
        "description": "",
        "persons": e.speakers.iter().map(|s| json!({
            "id": s.id.0,
            "guid": grid::speaker_guid(program, s),
            "public_name": s.name,
        })).collect::<Vec<_>>(),
        "links": links(e).into_iter().map(|(url, title, kind)| json!({
            "url": url, "title": title, "type": kind,
        })).collect::<Vec<_>>(),
        "attachments": [],
    })
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => o
            .get("en")
            .or_else(|| o.values().next())
            .and_then(|v| text(Some(v))),
        _ => None,
    }
}

/// Imports frab/pretalx schedule JSON leniently (the schedule.json layout with
/// `conference.days[].rooms{name: [events]}`, or the flat `schedule.events` of "schedule2").
pub fn import(json: &str) -> Result<Imported, ImportError> {
    let doc: Value = serde_json::from_str(json.strip_prefix('\u{feff}').unwrap_or(json))?;
    let schedule = doc.get("schedule").unwrap_or(&doc);
    let conf = schedule
        .get("conference")
        .ok_or_else(|| ImportError::NotASchedule("no \"conference\" object".into()))?;
    let mut warnings = Vec::new();
    let mut raw = RawSchedule {
        title: text(conf.get("title")),
        acronym: text(conf.get("acronym")),
        timezone: text(conf.get("time_zone_name")),
        start: text(conf.get("start")),
        end: text(conf.get("end")),
        description: text(conf.get("description")),
        version: text(schedule.get("version")),
        base_url: text(schedule.get("base_url")).or_else(|| text(conf.get("base_url"))),
        ..RawSchedule::default()
    };
    for r in conf
        .get("rooms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = text(r.get("name")) {
            if let Some(c) = r.get("capacity").and_then(Value::as_i64) {
                raw.capacities.insert(n.clone(), c);
            }
            raw.rooms.push(n);
        }
    }
    for t in conf
        .get("tracks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = text(t.get("name")) {
            raw.tracks.push((n, text(t.get("color"))));
        }
    }
    let mut n = 0;
    for day in conf
        .get("days")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(rooms) = day.get("rooms").and_then(Value::as_object) else {
            continue;
        };
        for (room, events) in rooms {
            raw.rooms.push(room.clone());
            for ev in events.as_array().into_iter().flatten() {
                n += 1;
                raw.events
                    .push(read_event(ev, Some(room), n, &mut warnings));
            }
        }
    }
    // schedule2: a flat list of events next to the conference.
    for ev in schedule
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        n += 1;
        raw.events.push(read_event(ev, None, n, &mut warnings));
    }
    if n == 0 {
        warnings.push("the schedule has no events".into());
    }
    raw.into_imported(warnings)
}

fn read_event(ev: &Value, room: Option<&str>, n: usize, warnings: &mut Vec<String>) -> RawEvent {
    let id = text(ev.get("id")).or_else(|| text(ev.get("code")));
    let title = text(ev.get("title")).unwrap_or_default();
    let label = format!(
        "event {} ({title:?}, #{n} in the file)",
        id.as_deref().unwrap_or("?")
    );
    // schedule.json has `date` (and a local `start`); schedule2 has an ISO `start` and `end`.
    let start = text(ev.get("date"))
        .or_else(|| text(ev.get("start")))
        .and_then(|d| d.parse::<Timestamp>().ok());
    if start.is_none() && ev.get("date").is_some() {
        warnings.push(format!("{label}: \"date\" does not parse"));
    }
    let duration_min = text(ev.get("duration"))
        .and_then(|d| parse_duration(&d))
        .or_else(|| {
            let end = text(ev.get("end")).and_then(|e| e.parse::<Timestamp>().ok())?;
            Some((end - start?).as_mins())
        });
    let room = named(ev.get("room"))
        .filter(|r| !grid::is_uuid(r))
        .or_else(|| room.map(str::to_owned))
        .or_else(|| named(ev.get("room")));
    let persons = ev
        .get("persons")
        .or_else(|| ev.get("participants"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| RawPerson {
            id: text(p.get("id"))
                .or_else(|| text(p.get("code")))
                .or_else(|| text(p.get("guid"))),
            name: text(p.get("public_name"))
                .or_else(|| text(p.get("name")))
                .unwrap_or_default(),
            bio: text(p.get("biography")),
            // pretalx: a URL string; schedule2: `{"url": …}`.
            avatar: text(p.get("avatar"))
                .or_else(|| p.get("avatar").and_then(|a| text(a.get("url")))),
        })
        .collect();
    let links = ev
        .get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some((
                text(l.get("url"))?,
                text(l.get("title"))
                    .or_else(|| text(l.get("type")))
                    .unwrap_or_default(),
            ))
        })
        .collect();
    RawEvent {
        label,
        guid: text(ev.get("guid")),
        id,
        title,
        subtitle: text(ev.get("subtitle")),
        abstract_: text(ev.get("abstract")),
        description: text(ev.get("description")),
        room,
        track: named(ev.get("track")),
        kind: text(ev.get("type")),
        level: None,
        language: text(ev.get("language")),
        start,
        duration_min,
        persons,
        links,
    }
}

/// A name given as a string or as an object with `name` (or `slug`), as schedule2 does.
fn named(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => text(o.get("name")).or_else(|| text(o.get("slug"))),
        other => text(Some(other)),
    }
}
