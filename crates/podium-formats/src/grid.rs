//! The program as the schedule formats see it: placed talks grouped into conference days in the
//! conference's time zone, with the derived identifiers (event ids, slugs, acronym, room GUIDs)
//! that frab XML, frab JSON, iCalendar and CSV share. Pure: no I/O.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use podium_domain::{Placement, Program, Room, Speaker, Talk, Track, derive_guid};

/// One placed talk with everything the exporters print.
pub(crate) struct Entry<'a> {
    pub talk: &'a Talk,
    pub room: &'a Room,
    pub track: Option<&'a Track>,
    pub speakers: Vec<&'a Speaker>,
    pub start: ZonedDateTime,
    pub end: ZonedDateTime,
    /// Positive event id, unique within the export.
    pub event_id: i64,
    /// UUID-shaped GUID, unique within the export.
    pub guid: String,
}

/// One conference day (local date) and its entries in start order.
pub(crate) struct Day<'a> {
    pub index: usize,
    pub date: Date,
    pub entries: Vec<Entry<'a>>,
    /// Start of the day: the first talk's start, or local midnight for an empty day.
    pub start: ZonedDateTime,
    /// End of the day: the last talk's end, or the next local midnight for an empty day.
    pub end: ZonedDateTime,
}

/// `[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}`, the XSD's `uuid` type.
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The stable GUID the exports give a room: derived from the conference slug and the room id,
/// so it survives renames and is the same in every export of every schedule version.
pub fn room_guid(program: &Program, room: &Room) -> String {
    derive_guid(
        program.conference.slug.as_str(),
        &format!("room/{}", room.id),
    )
}

/// The stable GUID the exports give a speaker (frab `person guid`).
pub(crate) fn speaker_guid(program: &Program, speaker: &Speaker) -> String {
    derive_guid(
        program.conference.slug.as_str(),
        &format!("speaker/{}", speaker.id),
    )
}

/// The conference acronym: the slug with `-` turned into `_` (the JSON schema's acronym pattern
/// `^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$` allows no inner dash), padded to 4 characters.
pub(crate) fn acronym(program: &Program) -> String {
    let mut a = program.conference.slug.as_str().replace('-', "_");
    while a.len() < 4 {
        a.push('_');
    }
    a
}

/// Lowercase ASCII words joined by `-`, at most 48 characters, never empty.
pub(crate) fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "talk".to_owned()
    } else {
        out.to_owned()
    }
}

/// The event slug `{acronym}-{id}-{title}`: matches both the XSD's `voc-slug-new` and the JSON
/// schema's slug pattern, and is unique because the id is.
pub(crate) fn event_slug(acronym: &str, entry: &Entry<'_>) -> String {
    format!(
        "{acronym}-{}-{}",
        entry.event_id,
        slugify(&entry.talk.title)
    )
}

/// A track slug matching the XSD's `[a-z][a-z0-9-]+`, or `None` when the name has no usable
/// letters.
pub(crate) fn track_slug(track: &Track) -> Option<String> {
    let s = slugify(&track.name);
    (s != "talk" || track.name.eq_ignore_ascii_case("talk"))
        .then_some(s)
        .filter(|s| s.len() >= 2 && s.starts_with(|c: char| c.is_ascii_lowercase()))
}

/// `HH:MM` for a number of minutes (hours may exceed 23).
pub(crate) fn hhmm(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// ISO 8601 with the numeric offset, as frab prints `date`: `2027-03-28T10:00:00+02:00`.
pub(crate) fn iso_offset(z: &ZonedDateTime) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Local midnight at the start of `date` in `tz`.
fn midnight(date: Date, tz: &TimeZone) -> ZonedDateTime {
    date.to_zoned_datetime(tz.clone())
        .unwrap_or_else(|_| Timestamp::UNIX_EPOCH.to_zoned_datetime(tz.clone()))
}

/// The placed talks of the program (placements whose talk and room exist), in start order.
pub(crate) fn entries(program: &Program) -> Vec<Entry<'_>> {
    let tz = program.conference.tz();
    let ids_positive = program.talks.iter().all(|t| t.id.0 > 0);
    let mut placements: Vec<&Placement> = program.placements.iter().collect();
    placements.sort_by_key(|p| {
        (
            p.starts_at,
            program.room(p.room_id).map_or(i64::MAX, |r| r.position),
        )
    });
    let mut seen_guids = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, p) in placements.into_iter().enumerate() {
        let (Some(talk), Some(room)) = (program.talk(p.talk_id), program.room(p.room_id)) else {
            continue;
        };
        // Ids come from the store and are positive; a hand-built program might not have them.
        let event_id = if ids_positive {
            talk.id.0
        } else {
            i64::try_from(i).unwrap_or(i64::MAX - 1) + 1
        };
        let mut guid = if is_uuid(&talk.guid) {
            talk.guid.to_ascii_lowercase()
        } else {
            derive_guid(program.conference.slug.as_str(), &talk.guid)
        };
        if !seen_guids.insert(guid.clone()) {
            guid = derive_guid(
                program.conference.slug.as_str(),
                &format!("talk/{}", talk.id),
            );
            seen_guids.insert(guid.clone());
        }
        out.push(Entry {
            talk,
            room,
            track: talk.track_id.and_then(|t| program.track(t)),
            speakers: talk
                .speaker_ids
                .iter()
                .filter_map(|s| program.speaker(*s))
                .collect(),
            start: p.starts_at.to_zoned_datetime(tz.clone()),
            end: program.ends_at(p).to_zoned_datetime(tz.clone()),
            event_id,
            guid,
        });
    }
    out
}

/// Every conference day from the first to the last (extended to cover any talk placed outside
/// them), with the placed talks starting on that local date.
pub(crate) fn days(program: &Program) -> Vec<Day<'_>> {
    let tz = program.conference.tz();
    let entries = entries(program);
    let mut dates = program.conference.days();
    for e in &entries {
        let d = e.start.date();
        if !dates.contains(&d) {
            dates.push(d);
        }
    }
    dates.sort();
    let mut days: Vec<Day<'_>> = dates
        .into_iter()
        .enumerate()
        .map(|(i, date)| Day {
            index: i + 1,
            date,
            entries: Vec::new(),
            start: midnight(date, &tz),
            end: midnight(date.tomorrow().unwrap_or(date), &tz),
        })
        .collect();
    for e in entries {
        if let Some(day) = days.iter_mut().find(|d| d.date == e.start.date()) {
            day.entries.push(e);
        }
    }
    for day in &mut days {
        if let Some(first) = day.entries.iter().map(|e| &e.start).min() {
            day.start = first.clone();
        }
        if let Some(last) = day.entries.iter().map(|e| &e.end).max() {
            day.end = last.clone();
        }
    }
    days
}

/// The grid's time unit: the greatest common divisor of slot lengths, placement offsets from
/// local midnight and talk durations, in minutes (5 when there is nothing to measure).
pub(crate) fn timeslot_minutes(program: &Program) -> i64 {
    let mut g = 0;
    for s in &program.slots {
        g = gcd(g, (s.ends_at - s.starts_at).as_mins());
    }
    for e in entries(program) {
        g = gcd(g, e.talk.duration_min);
        g = gcd(g, i64::from(e.start.minute()));
    }
    if g <= 0 { 5 } else { g.min(60) }
}

/// Greatest common divisor of two non-negative numbers (`gcd(0, x) == x`).
pub(crate) fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}
