//! The shared second half of every importer: a format-neutral schedule (`RawSchedule`) turned
//! into a [`NewProgram`] that passes [`NewProgram::validate`]. Pure: no I/O.
//!
//! Rules, each reported as a warning naming the event when it applies:
//! - No or unknown time zone: `UTC`.
//! - No conference title: the acronym, else "Imported conference". Slug: the acronym (or title)
//!   slugified; "imported" when nothing usable is left.
//! - Conference dates: `start`/`end` when given, widened to cover every placed event's local date.
//! - An event without a title gets "(untitled)"; without a usable duration it gets 15 minutes;
//!   one longer than a day is cut to a day (the domain's limit); a start with seconds is cut
//!   to the minute.
//! - An event without a room goes into a room named "(no room)".
//! - An event without a start time is imported as an unplaced talk.
//! - Events that overlap in one room: the largest set of non-overlapping ones stays placed
//!   (earliest end first); the others stay unplaced talks. Nothing is moved.
//! - A speaker in two overlapping placed events stays on the earlier one and is taken off the
//!   later one (its placement is kept).
//! - A GUID used twice: the later event gets a derived one. GUIDs that are not UUID-shaped are
//!   replaced by derived ones (stable: from the slug and the event id).
//! - Links that are not absolute http(s) URLs are resolved against `base_url`, or left out.
//! - `type` maps to talk/workshop/keynote/lightning by keywords; anything else is a talk
//!   (one warning per unknown type). Level: CSV's `level` column, else `intermediate`.
//! - Persons are the same speaker when they share an id with the same name; without an id,
//!   when they share a name. (Merged feeds reuse ids across systems for different people.)
//! - Tracks get their own colour when it is a valid `#rrggbb` not yet taken, else the next
//!   unused one from a fixed palette (then generated hues), so colours are distinct.
//! - Sessions: one per room per local day, from its first event's start to its last event's
//!   end; `slot_minutes` is the gcd of the events' offsets from the session start and their
//!   durations, so every event starts on a slot and the session is a whole number of slots.
//!   A room-day longer than a day (events running past midnight) is cut into several sessions.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use podium_domain::{
    Level, NewConference, NewPlacement, NewProgram, NewRoom, NewSession, NewSpeaker, NewTalk,
    NewTrack, Slug, TalkKind, time,
};

use crate::grid::{gcd, is_uuid};
use crate::{ImportError, Imported};

/// Minutes given to an event whose duration is missing or not positive.
const DEFAULT_DURATION_MIN: i64 = 15;

/// The longest talk or session `NewProgram::validate` accepts.
const MAX_SPAN_MIN: i64 = podium_domain::MAX_DURATION_MIN;

/// Name of the room that collects events without one.
const NO_ROOM: &str = "(no room)";

/// Track colours handed out in order: distinct and readable on white.
const PALETTE: &[&str] = &[
    "#1f6f5c", "#c2410c", "#1d4ed8", "#a21caf", "#4d7c0f", "#b91c1c", "#0e7490", "#7c3aed",
    "#a16207", "#be185d", "#374151", "#15803d",
];

/// A person as a format gives it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawPerson {
    /// The format's person id (frab `id`, pretalx `code`, a GUID), if any.
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// Biography, if the format has one.
    pub bio: Option<String>,
    /// Picture URL, if the format has one.
    pub avatar: Option<String>,
}

/// An event as a format gives it; every field may be missing.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawEvent {
    /// How warnings name this event ("event 123 ("Title", line 40)").
    pub label: String,
    pub guid: Option<String>,
    pub id: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub abstract_: Option<String>,
    pub description: Option<String>,
    pub room: Option<String>,
    pub track: Option<String>,
    /// frab `type`.
    pub kind: Option<String>,
    /// Only CSV has a level column.
    pub level: Option<Level>,
    pub language: Option<String>,
    pub start: Option<Timestamp>,
    pub duration_min: Option<i64>,
    pub persons: Vec<RawPerson>,
    /// `(url, title)`.
    pub links: Vec<(String, String)>,
}

/// A schedule as a format gives it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawSchedule {
    pub title: Option<String>,
    pub acronym: Option<String>,
    pub timezone: Option<String>,
    /// `YYYY-MM-DD` or an ISO date-time.
    pub start: Option<String>,
    pub end: Option<String>,
    pub venue: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    /// Base for relative link URLs (frab `base_url`).
    pub base_url: Option<String>,
    /// Room names in the order the file lists them.
    pub rooms: Vec<String>,
    /// Seats per room name, where the format gives them.
    pub capacities: HashMap<String, i64>,
    /// `(name, colour)` in the order the file lists them.
    pub tracks: Vec<(String, Option<String>)>,
    pub events: Vec<RawEvent>,
}

/// `YYYY-MM-DD`, or the local date of an ISO date-time.
fn parse_day(s: &str, tz: &TimeZone) -> Option<Date> {
    let s = s.trim();
    if let Ok(d) = time::parse_date(s) {
        return Some(d);
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t.to_zoned_datetime(tz.clone()).date());
    }
    s.get(..10).and_then(|p| time::parse_date(p).ok())
}

/// Lowercase ASCII letters and digits joined by `-`, at most 64 characters.
fn slug_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(64);
    out.trim_matches('-').to_owned()
}

/// An absolute `http(s)` URL without whitespace, resolving a relative one against `base`.
pub(crate) fn absolute_url(url: &str, base: Option<&str>) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.contains(char::is_whitespace) {
        return None;
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Some(url.to_owned());
    }
    // Another scheme (`git:`, `ftp:`, `mailto:`, `ipns:`) is no web page: not ours to rewrite.
    if let Some((scheme, _)) = url.split_once(':')
        && !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let base = base.filter(|b| b.starts_with("http://") || b.starts_with("https://"))?;
    Some(format!(
        "{}/{}",
        base.trim().trim_end_matches('/'),
        url.trim_start_matches('/')
    ))
}

/// Maps frab's free-text `type` to a talk kind; `None` when no keyword matches.
pub(crate) fn kind_from_type(t: &str) -> Option<TalkKind> {
    let t = t.to_lowercase();
    if t.contains("workshop") || t.contains("hands-on") || t.contains("hands on") {
        Some(TalkKind::Workshop)
    } else if t.contains("keynote") {
        Some(TalkKind::Keynote)
    } else if t.contains("lightning") {
        Some(TalkKind::Lightning)
    } else if t.is_empty()
        || ["talk", "lecture", "presentation", "vortrag", "conférence"]
            .iter()
            .any(|k| t.contains(k))
    {
        Some(TalkKind::Talk)
    } else {
        None
    }
}

/// The i-th distinct colour after the palette: hues spread by the golden angle.
fn generated_colour(i: usize) -> String {
    let h = (i as f64 * 137.507_764) % 360.0;
    let l = [0.35, 0.45, 0.28][i % 3];
    let s = 0.65;
    let c = (1.0 - (2.0 * l - 1.0_f64).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", to(r), to(g), to(b))
}

struct Colours {
    used: HashSet<String>,
    next: usize,
}

impl Colours {
    fn pick(&mut self, wanted: Option<&str>) -> String {
        if let Some(w) = wanted.map(str::to_ascii_lowercase)
            && podium_domain::is_hex_colour(&w)
            && self.used.insert(w.clone())
        {
            return w;
        }
        loop {
            let c = PALETTE
                .get(self.next)
                .map_or_else(|| generated_colour(self.next), |c| (*c).to_owned());
            self.next += 1;
            if self.used.insert(c.clone()) {
                return c;
            }
        }
    }
}

impl RawSchedule {
    /// Builds the program, applying the module's rules; fails only if the result would still
    /// not validate (an importer bug).
    pub(crate) fn into_imported(self, mut warnings: Vec<String>) -> Result<Imported, ImportError> {
        let timezone = match self.timezone.as_deref().map(str::trim) {
            Some(z) if time::zone(z).is_ok() => z.to_owned(),
            Some(z) if !z.is_empty() => {
                warnings.push(format!("unknown time zone {z:?}: using UTC"));
                "UTC".to_owned()
            }
            _ => {
                warnings.push("no time zone given (time_zone_name): using UTC".to_owned());
                "UTC".to_owned()
            }
        };
        let tz = time::zone(&timezone).unwrap_or(TimeZone::UTC);

        let name = match (self.title.as_deref(), self.acronym.as_deref()) {
            (Some(t), _) if !t.trim().is_empty() => t.trim().to_owned(),
            (_, Some(a)) if !a.trim().is_empty() => {
                warnings.push("no conference title: using the acronym".to_owned());
                a.trim().to_owned()
            }
            _ => {
                warnings.push("no conference title: using \"Imported conference\"".to_owned());
                "Imported conference".to_owned()
            }
        };
        let slug_source = self
            .acronym
            .as_deref()
            .filter(|a| !slug_text(a).is_empty())
            .unwrap_or(&name);
        let slug = Slug::parse(&slug_text(slug_source))
            .or_else(|_| Slug::parse(&format!("{}-conf", slug_text(slug_source))))
            .or_else(|_| Slug::parse("imported"))
            .map_err(|e| ImportError::NotASchedule(e.to_string()))?;

        // Rooms and tracks in file order, then in order of first use.
        let mut room_keys: BTreeMap<String, String> = BTreeMap::new();
        let mut rooms = Vec::new();
        let mut add_room = |name: &str, rooms: &mut Vec<NewRoom>| -> String {
            room_keys
                .entry(name.to_owned())
                .or_insert_with(|| {
                    let key = format!("room-{}", rooms.len() + 1);
                    rooms.push(NewRoom {
                        key: key.clone(),
                        name: name.to_owned(),
                        capacity: self.capacities.get(name).copied().unwrap_or(0).max(0),
                        features: Vec::new(),
                    });
                    key
                })
                .clone()
        };
        for r in &self.rooms {
            if !r.trim().is_empty() {
                add_room(r.trim(), &mut rooms);
            }
        }
        let mut colours = Colours {
            used: HashSet::new(),
            next: 0,
        };
        let mut track_keys: HashMap<String, String> = HashMap::new();
        let mut tracks: Vec<NewTrack> = Vec::new();
        let mut add_track = |name: &str, colour: Option<&str>, tracks: &mut Vec<NewTrack>| {
            track_keys
                .entry(name.to_owned())
                .or_insert_with(|| {
                    let key = format!("track-{}", tracks.len() + 1);
                    tracks.push(NewTrack {
                        key: key.clone(),
                        name: name.to_owned(),
                        colour: colours.pick(colour),
                        description: String::new(),
                    });
                    key
                })
                .clone()
        };
        for (t, c) in &self.tracks {
            if !t.trim().is_empty() {
                add_track(t.trim(), c.as_deref(), &mut tracks);
            }
        }

        let mut speakers: Vec<NewSpeaker> = Vec::new();
        let mut speaker_by_id: HashMap<(String, String), String> = HashMap::new();
        let mut talks: Vec<NewTalk> = Vec::new();
        let mut talk_keys = HashSet::new();
        let mut guids = HashSet::new();
        let mut unknown_types: BTreeMap<String, usize> = BTreeMap::new();
        // (talk index, room key, start, end, label)
        let mut placed: Vec<(usize, String, Timestamp, Timestamp, String)> = Vec::new();

        for (index, ev) in self.events.into_iter().enumerate() {
            let label = &ev.label;
            let title = if ev.title.trim().is_empty() {
                warnings.push(format!("{label}: no title: using \"(untitled)\""));
                "(untitled)".to_owned()
            } else {
                ev.title.trim().to_owned()
            };
            let guid = match ev.guid.as_deref().map(str::trim) {
                Some(g) if is_uuid(g) => {
                    let g = g.to_ascii_lowercase();
                    if guids.insert(g.clone()) {
                        Some(g)
                    } else {
                        warnings.push(format!(
                            "{label}: GUID {g} is used by an earlier event: derived a new one"
                        ));
                        None
                    }
                }
                _ => None,
            };
            let mut key = guid
                .clone()
                .or_else(|| ev.id.as_ref().map(|id| format!("event-{id}")))
                .unwrap_or_else(|| format!("event-#{}", index + 1));
            if !talk_keys.insert(key.clone()) {
                key = format!("event-#{}", index + 1);
                talk_keys.insert(key.clone());
            }
            let kind_text = ev.kind.as_deref().unwrap_or("").trim();
            let kind = kind_from_type(kind_text).unwrap_or_else(|| {
                *unknown_types.entry(kind_text.to_owned()).or_default() += 1;
                TalkKind::Talk
            });
            let duration_min = match ev.duration_min {
                Some(d) if d > MAX_SPAN_MIN => {
                    warnings.push(format!(
                        "{label}: duration {d} min is longer than a day: cut to {MAX_SPAN_MIN}"
                    ));
                    MAX_SPAN_MIN
                }
                Some(d) if d > 0 => d,
                _ => {
                    // An unplaced event gets its own warning below; one is enough.
                    if ev.start.is_some() {
                        warnings.push(format!(
                            "{label}: no usable duration: using {DEFAULT_DURATION_MIN} minutes"
                        ));
                    }
                    DEFAULT_DURATION_MIN
                }
            };
            let track = ev
                .track
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| add_track(t, None, &mut tracks));
            let mut talk_speakers = Vec::new();
            for p in &ev.persons {
                let name = p.name.trim();
                if name.is_empty() {
                    warnings.push(format!("{label}: a person without a name is left out"));
                    continue;
                }
                let id = p.id.clone().unwrap_or_default();
                let key = speaker_by_id
                    .entry((id.clone(), name.to_owned()))
                    .or_insert_with(|| {
                        let key = format!("speaker-{}", speakers.len() + 1);
                        speakers.push(NewSpeaker {
                            key: key.clone(),
                            name: name.to_owned(),
                            bio: p.bio.clone().unwrap_or_default(),
                            avatar_url: p
                                .avatar
                                .as_deref()
                                .and_then(|a| absolute_url(a, self.base_url.as_deref())),
                            links: Vec::new(),
                        });
                        key
                    })
                    .clone();
                if !talk_speakers.contains(&key) {
                    talk_speakers.push(key);
                }
            }
            let mut abstract_md = Vec::new();
            if let Some(s) = ev
                .subtitle
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                abstract_md.push(format!("*{s}*"));
            }
            for part in [&ev.abstract_, &ev.description].into_iter().flatten() {
                let part = part.trim();
                if !part.is_empty() && !abstract_md.iter().any(|p| p == part) {
                    abstract_md.push(part.to_owned());
                }
            }
            let mut slides_url = None;
            let mut video_url = None;
            for (url, title) in &ev.links {
                let Some(url) = absolute_url(url, self.base_url.as_deref()) else {
                    warnings.push(format!(
                        "{label}: link {url:?} is not an absolute http(s) URL and there is no base_url: left out"
                    ));
                    continue;
                };
                let url = &url;
                let t = title.to_lowercase();
                if video_url.is_none()
                    && (t.contains("video")
                        || t.contains("recording")
                        || url.contains("media.ccc.de"))
                {
                    video_url = Some(url.clone());
                } else if slides_url.is_none() && t.contains("slide") {
                    slides_url = Some(url.clone());
                }
            }
            let room = ev.room.as_deref().map(str::trim).filter(|r| !r.is_empty());
            match ev.start {
                Some(start) => {
                    let room = match room {
                        Some(r) => add_room(r, &mut rooms),
                        None => {
                            warnings.push(format!("{label}: no room: placed in \"{NO_ROOM}\""));
                            add_room(NO_ROOM, &mut rooms)
                        }
                    };
                    let secs = start.as_second().rem_euclid(60);
                    let start = if secs != 0 || start.subsec_nanosecond() != 0 {
                        warnings.push(format!("{label}: start {start} cut to the minute"));
                        Timestamp::from_second(start.as_second() - secs).unwrap_or(start)
                    } else {
                        start
                    };
                    match start.checked_add(SignedDuration::from_mins(duration_min)) {
                        Ok(end) => placed.push((talks.len(), room, start, end, label.clone())),
                        Err(_) => warnings.push(format!(
                            "{label}: start {start} is too close to the end of time: imported unplaced"
                        )),
                    }
                }
                None => warnings.push(format!("{label}: no start time: imported unplaced")),
            }
            talks.push(NewTalk {
                key,
                guid,
                title,
                abstract_md: abstract_md.join("\n\n"),
                kind,
                level: ev.level.unwrap_or(Level::Intermediate),
                duration_min,
                track,
                language: ev.language.unwrap_or_default().trim().to_owned(),
                speakers: talk_speakers,
                slides_url,
                video_url,
            });
        }
        for (t, n) in unknown_types {
            warnings.push(format!(
                "type {t:?} ({n} event{}) is not talk/workshop/keynote/lightning: imported as talk",
                if n == 1 { "" } else { "s" }
            ));
        }

        // Room clashes: keep the largest set of non-overlapping events per room (earliest end
        // first, the classic interval-scheduling greedy), so a long umbrella event ("Lightning
        // Talks Day 2") gives way to the many talks inside it rather than the other way round.
        placed.sort_by_key(|p| (p.3, p.2, p.0));
        let mut last_in_room: HashMap<String, (Timestamp, String)> = HashMap::new();
        let mut kept_in_rooms = Vec::new();
        for p in placed {
            let (_, room, start, end, label) = &p;
            if let Some((last_end, other)) = last_in_room.get(room)
                && start < last_end
            {
                warnings.push(format!(
                    "{label}: overlaps {other} in the same room: imported unplaced"
                ));
                continue;
            }
            last_in_room.insert(room.clone(), (*end, label.clone()));
            kept_in_rooms.push(p);
        }
        // Speaker clashes in time order: the earlier event keeps the speaker.
        kept_in_rooms.sort_by_key(|p| (p.2, p.0));
        let mut speaker_busy: HashMap<String, Vec<(Timestamp, Timestamp, String)>> = HashMap::new();
        let mut placements: Vec<(usize, String, Timestamp, Timestamp)> = Vec::new();
        for (ti, room, start, end, label) in &kept_in_rooms {
            let talk = &mut talks[*ti];
            let mut kept = Vec::new();
            for s in std::mem::take(&mut talk.speakers) {
                let busy = speaker_busy.entry(s.clone()).or_default();
                if let Some(other) = busy.iter().find(|b| b.0 < *end && *start < b.1) {
                    let name = speakers
                        .iter()
                        .find(|x| x.key == s)
                        .map_or(s.as_str(), |x| x.name.as_str());
                    warnings.push(format!(
                        "{label}: speaker {name:?} is also in {} at the same time: taken off this event",
                        other.2
                    ));
                } else {
                    busy.push((*start, *end, label.clone()));
                    kept.push(s);
                }
            }
            talk.speakers = kept;
            placements.push((*ti, room.clone(), *start, *end));
        }

        // Sessions: one per room and local day.
        let mut groups: BTreeMap<(String, Date), Vec<(Timestamp, Timestamp)>> = BTreeMap::new();
        for (_, room, start, end) in &placements {
            let day = start.to_zoned_datetime(tz.clone()).date();
            groups
                .entry((room.clone(), day))
                .or_default()
                .push((*start, *end));
        }
        let mut sessions = Vec::new();
        for ((room, day), evs) in &groups {
            // A session may not span more than a day: cut a long room-day into several.
            let mut evs = evs.clone();
            evs.sort();
            let mut blocks: Vec<Vec<(Timestamp, Timestamp)>> = Vec::new();
            for ev in evs {
                match blocks.last_mut() {
                    Some(block)
                        if (block.iter().map(|e| e.1).max().unwrap_or(ev.1).max(ev.1)
                            - block[0].0)
                            .as_mins()
                            <= MAX_SPAN_MIN =>
                    {
                        block.push(ev);
                    }
                    _ => blocks.push(vec![ev]),
                }
            }
            for (i, block) in blocks.iter().enumerate() {
                let first = block[0].0;
                let last = block.iter().map(|e| e.1).max().unwrap_or(first);
                let mut slot = 0;
                for (s, e) in block {
                    slot = gcd(slot, (*s - first).as_mins());
                    slot = gcd(slot, (*e - *s).as_mins());
                }
                sessions.push(NewSession {
                    room: room.clone(),
                    label: if i == 0 {
                        day.to_string()
                    } else {
                        format!("{day} ({})", i + 1)
                    },
                    starts_at: first,
                    ends_at: last,
                    slot_minutes: slot.max(1),
                });
            }
        }

        // Dates: as given, widened to cover every placed event.
        let event_days: Vec<Date> = groups.keys().map(|(_, d)| *d).collect();
        let given_start = self.start.as_deref().and_then(|s| parse_day(s, &tz));
        let given_end = self.end.as_deref().and_then(|s| parse_day(s, &tz));
        let min_day = event_days.iter().min().copied();
        let max_day = event_days.iter().max().copied();
        let start_date = match (given_start, min_day) {
            (Some(g), Some(m)) if m < g => {
                warnings.push(format!(
                    "conference start {g} is after the first event ({m}): using {m}"
                ));
                m
            }
            (Some(g), _) => g,
            (None, Some(m)) => m,
            (None, None) => given_end.ok_or_else(|| {
                ImportError::NotASchedule("no conference dates and no placed events".into())
            })?,
        };
        let end_date = match (given_end, max_day) {
            (Some(g), Some(m)) if m > g => {
                warnings.push(format!(
                    "conference end {g} is before the last event ({m}): using {m}"
                ));
                m
            }
            (Some(g), _) if g >= start_date => g,
            (_, Some(m)) if m >= start_date => m,
            _ => start_date,
        };

        let program = NewProgram {
            conference: NewConference {
                slug,
                name,
                venue: self.venue.unwrap_or_default(),
                timezone,
                start_date,
                end_date,
                description: self.description.unwrap_or_default(),
            },
            rooms,
            tracks,
            speakers,
            placements: placements
                .iter()
                .map(|(ti, room, start, _)| NewPlacement {
                    talk: talks[*ti].key.clone(),
                    room: room.clone(),
                    starts_at: *start,
                })
                .collect(),
            talks,
            sessions,
            breaks: Vec::new(),
            release: Some(
                self.version
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "imported".to_owned()),
            ),
        };
        program.validate()?;
        Ok(Imported { program, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, room: &str, start: &str, minutes: i64, persons: &[&str]) -> RawEvent {
        RawEvent {
            label: format!("event {id}"),
            id: Some(id.into()),
            title: format!("Talk {id}"),
            room: Some(room.into()),
            start: Some(start.parse().expect("timestamp")),
            duration_min: Some(minutes),
            persons: persons
                .iter()
                .map(|n| RawPerson {
                    name: (*n).into(),
                    ..RawPerson::default()
                })
                .collect(),
            ..RawEvent::default()
        }
    }

    fn schedule(events: Vec<RawEvent>) -> RawSchedule {
        RawSchedule {
            title: Some("T".into()),
            timezone: Some("Europe/Berlin".into()),
            events,
            ..RawSchedule::default()
        }
    }

    #[test]
    fn an_umbrella_event_gives_way_to_the_talks_inside_it() {
        let imported = schedule(vec![
            event("umbrella", "R", "2027-06-01T10:00:00Z", 60, &[]),
            event("a", "R", "2027-06-01T10:00:00Z", 20, &[]),
            event("b", "R", "2027-06-01T10:20:00Z", 20, &[]),
            event("c", "R", "2027-06-01T10:40:00Z", 20, &[]),
        ])
        .into_imported(Vec::new())
        .expect("import");
        let placed: Vec<&str> = imported
            .program
            .placements
            .iter()
            .map(|p| p.talk.as_str())
            .collect();
        assert_eq!(placed, vec!["event-a", "event-b", "event-c"]);
        assert_eq!(
            imported.warnings,
            vec!["event umbrella: overlaps event b in the same room: imported unplaced"]
        );
        assert_eq!(imported.program.sessions[0].slot_minutes, 20);
    }

    #[test]
    fn slots_divide_every_offset_and_duration() {
        let imported = schedule(vec![
            event("a", "R", "2027-06-01T09:00:00Z", 45, &["Ann"]),
            event("b", "R", "2027-06-01T10:15:00Z", 30, &["Ann"]),
        ])
        .into_imported(Vec::new())
        .expect("import");
        let s = &imported.program.sessions[0];
        assert_eq!(s.slot_minutes, 15);
        assert_eq!((s.ends_at - s.starts_at).as_mins(), 105);
        assert_eq!(
            imported.program.conference.start_date.to_string(),
            "2027-06-01"
        );
    }

    #[test]
    fn types_map_to_kinds_by_keyword() {
        assert_eq!(kind_from_type("Hands-on"), Some(TalkKind::Workshop));
        assert_eq!(kind_from_type("Keynote"), Some(TalkKind::Keynote));
        assert_eq!(kind_from_type("Lightning Talk"), Some(TalkKind::Lightning));
        assert_eq!(kind_from_type("lecture"), Some(TalkKind::Talk));
        assert_eq!(kind_from_type(""), Some(TalkKind::Talk));
        assert_eq!(kind_from_type("djset"), None);
    }

    #[test]
    fn track_colours_stay_distinct_past_the_palette() {
        let mut colours = Colours {
            used: HashSet::new(),
            next: 0,
        };
        let picked: HashSet<String> = (0..300).map(|_| colours.pick(None)).collect();
        assert_eq!(picked.len(), 300);
        assert!(picked.iter().all(|c| podium_domain::is_hex_colour(c)));
        assert_eq!(colours.pick(Some("#ABCDEF")), "#abcdef");
        assert_eq!(
            colours.pick(Some("#abcdef")),
            generated_colour(colours.next - 1)
        );
    }

    #[test]
    fn relative_links_resolve_against_an_http_base_only() {
        assert_eq!(
            absolute_url("/a/b.pdf", Some("https://x.org/2026/")),
            Some("https://x.org/2026/a/b.pdf".into())
        );
        assert_eq!(absolute_url("a.pdf", None), None);
        assert_eq!(absolute_url("git://x.org/r", Some("https://x.org")), None);
        assert_eq!(absolute_url("mailto:a@x.org", Some("https://x.org")), None);
    }
}
