//! iCalendar (RFC 5545, <https://www.rfc-editor.org/rfc/rfc5545>): export of a released program
//! as one VEVENT per placed talk (whole conference, or filtered to a room, a track or a personal
//! list of talks), and a lenient import of conference calendars. Times are exported in UTC
//! (`...Z`), so no VTIMEZONE is needed. Pure: no I/O.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use podium_domain::{Program, RoomId, TalkId, TrackId, time};

use crate::grid;
use crate::import::{RawEvent, RawPerson, RawSchedule};
use crate::{ExportOptions, ImportError, Imported};

/// Which placed talks a feed holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every placed talk.
    All,
    /// Talks placed in this room.
    Room(RoomId),
    /// Talks of this track.
    Track(TrackId),
    /// These talks (a personal agenda); unknown or unplaced ids are ignored.
    Talks(Vec<TalkId>),
}

/// Exports every placed talk of the program; see [`export_filtered`].
pub fn export(program: &Program, options: &ExportOptions) -> String {
    export_filtered(program, options, &Filter::All)
}

/// Exports the placed talks the filter selects as an RFC 5545 calendar: CRLF line ends, lines
/// folded at 75 octets, TEXT values escaped. Each VEVENT has UID `{talk guid}@podium`,
/// DTSTAMP `generated_at`, DTSTART/DTEND in UTC, SUMMARY, LOCATION (room), URL (talk page),
/// DESCRIPTION (the abstract as plain text, then the speakers) and CATEGORIES (track).
pub fn export_filtered(program: &Program, options: &ExportOptions, filter: &Filter) -> String {
    export_with_cancelled(program, None, options, filter)
}

/// Like [`export_filtered`], followed by the talks placed in `cancelled` (a program holding
/// the last placements of talks that have left the schedule) that the filter selects, each as
/// a VEVENT with `STATUS:CANCELLED` and the UID it was exported with, so a calendar that holds
/// it marks it cancelled. A speaker's mail after a release carries such a calendar.
pub fn export_with_cancelled(
    program: &Program,
    cancelled: Option<&Program>,
    options: &ExportOptions,
    filter: &Filter,
) -> String {
    let c = &program.conference;
    let mut name = c.name.clone();
    match filter {
        Filter::All | Filter::Talks(_) => {}
        Filter::Room(r) => {
            if let Some(room) = program.room(*r) {
                let _ = write!(name, " – {}", room.name);
            }
        }
        Filter::Track(t) => {
            if let Some(track) = program.track(*t) {
                let _ = write!(name, " – {}", track.name);
            }
        }
    }
    let mut out = String::new();
    let mut line = |s: &str| push_folded(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!(
        "PRODID:-//podium//podium-formats {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(&name)));
    line(&format!("X-WR-TIMEZONE:{}", c.timezone));
    let stamp = utc(options.generated_at);
    let kept = grid::entries(program).into_iter().map(|e| (e, false));
    let gone = cancelled
        .map(grid::entries)
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e, true));
    for (e, is_cancelled) in kept.chain(gone) {
        let keep = match filter {
            Filter::All => true,
            Filter::Room(r) => e.room.id == *r,
            Filter::Track(t) => e.talk.track_id == Some(*t),
            Filter::Talks(ids) => ids.contains(&e.talk.id),
        };
        if !keep {
            continue;
        }
        line("BEGIN:VEVENT");
        if is_cancelled {
            line("STATUS:CANCELLED");
        }
        line(&format!("UID:{}@podium", e.guid));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DTSTART:{}", utc(e.start.timestamp())));
        line(&format!("DTEND:{}", utc(e.end.timestamp())));
        line(&format!("SUMMARY:{}", escape_text(&e.talk.title)));
        line(&format!("LOCATION:{}", escape_text(&e.room.name)));
        line(&format!("URL:{}", options.talk_url(program, e.talk.id)));
        let mut description = plain_text(&e.talk.abstract_md);
        if !e.speakers.is_empty() {
            let names: Vec<&str> = e.speakers.iter().map(|s| s.name.as_str()).collect();
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            let _ = write!(description, "Speakers: {}", names.join(", "));
        }
        if !description.is_empty() {
            line(&format!("DESCRIPTION:{}", escape_text(&description)));
        }
        if let Some(t) = e.track {
            line(&format!("CATEGORIES:{}", escape_text(&t.name)));
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// `YYYYMMDDTHHMMSSZ`.
fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\` `;` `,` and newlines; CR is dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so no physical line exceeds 75 octets (§3.1): continuation
/// lines start with one space; a UTF-8 character is never split. Lines end in CRLF.
fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// Markdown to readable plain text: drops emphasis markers, heading hashes, inline-code ticks
/// and HTML tags, and turns `[text](url)` into `text (url)`. Not a full Markdown renderer: calendar
/// clients show text, so this only removes the markup that would be noise there.
pub fn plain_text(md: &str) -> String {
    let mut lines = Vec::new();
    for l in md.lines() {
        let l = l.trim_end();
        let l = l.trim_start_matches('#').trim_start_matches(' ');
        let mut out = String::new();
        let mut rest = l;
        while let Some(open) = rest.find('[') {
            let after = &rest[open + 1..];
            let Some(close) = after.find("](") else { break };
            let Some(end) = after[close + 2..].find(')') else {
                break;
            };
            out.push_str(&rest[..open]);
            let text = &after[..close];
            let url = &after[close + 2..close + 2 + end];
            let _ = write!(out, "{text} ({url})");
            rest = &after[close + 3 + end..];
        }
        out.push_str(rest);
        let out = out.replace("**", "").replace("__", "").replace('`', "");
        lines.push(strip_html(&out));
    }
    lines.join("\n").trim().to_owned()
}

/// Drops HTML tags (`<p>`, `</a>`, `<br/>`: a `<` followed by a letter, `/` or `!`, up to the
/// next `>`) and decodes the common entities; imported frab abstracts are often HTML. A `<`
/// that does not start a tag, as in `a < b`, is kept.
fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let is_tag = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(close) if is_tag => {
                out.push_str(&rest[..open]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// One content line: name, parameters, value and the line it started on.
struct Property {
    name: String,
    params: Vec<(String, String)>,
    value: String,
    line: usize,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Unfolds the bytes into logical lines, decoding each as UTF-8 (lossily, with a warning
/// naming the line), and splits them into properties.
fn properties(bytes: &[u8], warnings: &mut Vec<String>) -> Vec<Property> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut logical: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match (raw.first(), logical.last_mut()) {
            (Some(b' ' | b'\t'), Some((_, cur))) => cur.extend_from_slice(&raw[1..]),
            _ if raw.is_empty() => {}
            _ => logical.push((i + 1, raw.to_vec())),
        }
    }
    let mut props = Vec::new();
    for (line, raw) in logical {
        let text = match String::from_utf8(raw) {
            Ok(s) => s,
            Err(e) => {
                warnings.push(format!(
                    "line {line}: invalid UTF-8: replaced the bad bytes with U+FFFD"
                ));
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        // The value starts at the first ':' outside a quoted parameter value.
        let mut quoted = false;
        let Some(colon) = text.char_indices().find_map(|(i, c)| {
            if c == '"' {
                quoted = !quoted;
            }
            (c == ':' && !quoted).then_some(i)
        }) else {
            warnings.push(format!("line {line}: no ':' in the content line: ignored"));
            continue;
        };
        let (head, value) = (&text[..colon], &text[colon + 1..]);
        let mut parts = head.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_uppercase();
        let params = parts
            .filter_map(|p| {
                let (k, v) = p.split_once('=')?;
                Some((
                    k.trim().to_ascii_uppercase(),
                    v.trim_matches('"').to_owned(),
                ))
            })
            .collect();
        props.push(Property {
            name,
            params,
            value: value.to_owned(),
            line,
        });
    }
    props
}

/// Undoes TEXT escaping.
fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A DATE-TIME value: `...Z` is UTC, a TZID parameter names the zone, otherwise the calendar's
/// zone. `Err` carries a warning text; `Ok(None)` is an all-day DATE value.
fn date_time(p: &Property, default_tz: &TimeZone) -> Result<Option<Timestamp>, String> {
    let v = p.value.trim();
    let bad = || format!("line {}: {} {v:?} is not a date-time", p.line, p.name);
    if v.len() == 8 || p.param("VALUE") == Some("DATE") {
        return Ok(None);
    }
    let (date, rest) = v.split_once('T').ok_or_else(bad)?;
    let utc = rest.ends_with('Z');
    let digits = rest.trim_end_matches('Z');
    let num = |s: &str| s.parse::<i16>().map_err(|_| bad());
    if date.len() != 8 || digits.len() < 4 || !date.is_ascii() || !digits.is_ascii() {
        return Err(bad());
    }
    let d = Date::new(
        num(&date[..4])?,
        num(&date[4..6])? as i8,
        num(&date[6..8])? as i8,
    )
    .map_err(|_| bad())?;
    let secs = if digits.len() >= 6 {
        num(&digits[4..6])?
    } else {
        0
    };
    let t = Time::new(
        num(&digits[..2])? as i8,
        num(&digits[2..4])? as i8,
        secs as i8,
        0,
    )
    .map_err(|_| bad())?;
    let dt = DateTime::from_parts(d, t);
    let tz = if utc {
        TimeZone::UTC
    } else if let Some(name) = p.param("TZID") {
        time::zone(name.trim_start_matches('/')).unwrap_or_else(|_| default_tz.clone())
    } else {
        default_tz.clone()
    };
    tz.to_ambiguous_zoned_datetime(dt)
        .compatible()
        .map(|z| Some(z.timestamp()))
        .map_err(|_| bad())
}

/// An RFC 5545 DURATION such as `PT1H30M` or `P1D`, in minutes.
fn duration_minutes(s: &str) -> Option<i64> {
    let s = s.trim();
    let neg = s.starts_with('-');
    let s = s.trim_start_matches(['+', '-']).strip_prefix('P')?;
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' => num.push(c),
            'T' => {}
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                total += match c {
                    'W' => n * 7 * 24 * 3600,
                    'D' => n * 24 * 3600,
                    'H' => n * 3600,
                    'M' => n * 60,
                    _ => n,
                };
            }
            _ => return None,
        }
    }
    Some(if neg { -total } else { (total + 59) / 60 })
}

/// Imports an iCalendar file leniently: each VEVENT becomes a talk, placed at DTSTART for
/// DTEND − DTSTART (or DURATION) in the room named by LOCATION; CATEGORIES gives the track,
/// DESCRIPTION the abstract, ATTENDEE/ORGANIZER common names (CN) the speakers, UID the GUID
/// when UUID-shaped. The zone is X-WR-TIMEZONE, else the first TZID used, else UTC.
/// Invalid UTF-8 is replaced, with a warning naming the line.
pub fn import(bytes: &[u8]) -> Result<Imported, ImportError> {
    let mut warnings = Vec::new();
    let props = properties(bytes, &mut warnings);
    if !props
        .iter()
        .any(|p| p.name == "BEGIN" && p.value.trim().eq_ignore_ascii_case("VCALENDAR"))
    {
        return Err(ImportError::NotASchedule(
            "no BEGIN:VCALENDAR line".to_owned(),
        ));
    }
    let zone_name = props
        .iter()
        .find(|p| p.name == "X-WR-TIMEZONE")
        .map(|p| p.value.trim().to_owned())
        .or_else(|| {
            props.iter().find_map(|p| {
                p.param("TZID")
                    .map(|z| z.trim_start_matches('/').to_owned())
            })
        });
    let tz = zone_name
        .as_deref()
        .and_then(|z| time::zone(z).ok())
        .unwrap_or(TimeZone::UTC);
    let mut unknown_zones: Vec<&str> = props
        .iter()
        .filter_map(|p| p.param("TZID"))
        .filter(|z| time::zone(z.trim_start_matches('/')).is_err())
        .collect();
    unknown_zones.sort_unstable();
    unknown_zones.dedup();
    for z in unknown_zones {
        warnings.push(format!(
            "TZID {z:?} is not an IANA zone: its times are read in {}",
            tz.iana_name().unwrap_or("UTC")
        ));
    }
    let mut raw = RawSchedule {
        title: props
            .iter()
            .find(|p| p.name == "X-WR-CALNAME")
            .map(|p| unescape_text(p.value.trim())),
        description: props
            .iter()
            .find(|p| p.name == "X-WR-CALDESC")
            .map(|p| unescape_text(p.value.trim())),
        timezone: zone_name,
        ..RawSchedule::default()
    };
    let mut depth: Vec<String> = Vec::new();
    let mut current: Option<(RawEvent, Option<Timestamp>, Option<i64>)> = None;
    for p in &props {
        match p.name.as_str() {
            "BEGIN" => {
                let what = p.value.trim().to_ascii_uppercase();
                if what == "VEVENT" {
                    current = Some((RawEvent::default(), None, None));
                    if let Some((ev, _, _)) = current.as_mut() {
                        ev.label = format!("VEVENT at line {}", p.line);
                    }
                }
                depth.push(what);
                continue;
            }
            "END" => {
                let what = p.value.trim().to_ascii_uppercase();
                depth.pop();
                if what == "VEVENT"
                    && let Some((mut ev, end, duration)) = current.take()
                {
                    ev.duration_min = match (ev.start, end, duration) {
                        (Some(s), Some(e), _) => Some((e - s).as_mins()),
                        (_, _, Some(d)) => Some(d),
                        _ => None,
                    };
                    raw.events.push(ev);
                }
                continue;
            }
            _ => {}
        }
        // Only the VEVENT's own properties, not those of a nested VALARM.
        if depth.last().map(String::as_str) != Some("VEVENT") {
            continue;
        }
        let Some((ev, end, duration)) = current.as_mut() else {
            continue;
        };
        let value = unescape_text(p.value.trim());
        match p.name.as_str() {
            "UID" => {
                ev.id = Some(value.clone());
                let guid = value.split('@').next().unwrap_or("");
                if grid::is_uuid(guid) {
                    ev.guid = Some(guid.to_owned());
                }
                ev.label = format!("VEVENT {value} (line {})", p.line);
            }
            "SUMMARY" => ev.title = value,
            "DESCRIPTION" => ev.abstract_ = Some(value),
            "LOCATION" => ev.room = Some(value),
            "CATEGORIES" => {
                ev.track = p
                    .value
                    .split(',')
                    .map(|c| unescape_text(c.trim()))
                    .find(|c| !c.is_empty());
            }
            "DTSTART" | "DTEND" => match date_time(p, &tz) {
                Ok(Some(t)) if p.name == "DTSTART" => ev.start = Some(t),
                Ok(Some(t)) => *end = Some(t),
                Ok(None) => warnings.push(format!(
                    "line {}: {} is an all-day date: the event is imported unplaced",
                    p.line, p.name
                )),
                Err(w) => warnings.push(w),
            },
            "DURATION" => *duration = duration_minutes(&value),
            "ATTENDEE" | "ORGANIZER" => {
                if let Some(cn) = p.param("CN").filter(|c| !c.trim().is_empty()) {
                    ev.persons.push(RawPerson {
                        id: None,
                        name: cn.trim().to_owned(),
                        bio: None,
                        avatar: None,
                    });
                }
            }
            "URL" => ev.links.push((value, "Web".to_owned())),
            "LANGUAGE" => ev.language = Some(value),
            _ => {}
        }
    }
    // All-day or unparsable events have no start: keep them unplaced rather than guess.
    if raw.events.is_empty() {
        warnings.push("the calendar has no VEVENT".into());
    }
    raw.into_imported(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_markdown_and_html_markup() {
        assert_eq!(
            plain_text("## Hi\n<p>A **bold** [link](https://x.org) &amp; `code`</p>\na < b"),
            "Hi\nA bold link (https://x.org) & code\na < b"
        );
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        push_folded(&mut out, &format!("SUMMARY:{}", "é".repeat(80)));
        let lines: Vec<&str> = out.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.len() <= 75));
        assert_eq!(lines[0].len(), 74); // "SUMMARY:" + 33 two-octet characters
    }

    #[test]
    fn durations_parse_in_minutes() {
        assert_eq!(duration_minutes("PT1H30M"), Some(90));
        assert_eq!(duration_minutes("P1DT2H"), Some(26 * 60));
        assert_eq!(duration_minutes("PT90S"), Some(2));
        assert_eq!(duration_minutes("1H"), None);
    }
}
