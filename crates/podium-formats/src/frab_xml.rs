//! frab "Fahrplan" schedule XML: export of a released program, valid against the c3voc XSD
//! (<https://c3voc.de/schedule/schema.xsd>, shipped in `shared/data/formats/schedule.xml.xsd`),
//! and a lenient import of Pentabarf-era, frab, pretalx and wafer exports
//! (<https://c3voc.de/wiki/schedule>). Pure: no I/O.

use std::fmt::Write as _;

use jiff::Timestamp;
use podium_domain::{Program, time};

use crate::grid::{self, Entry};
use crate::import::{RawEvent, RawPerson, RawSchedule};
use crate::xml_tree::{self, Element};
use crate::{ExportOptions, ImportError, Imported};

/// Escapes text for XML content and attribute values, dropping characters XML 1.0 cannot
/// carry (C0 controls other than tab, newline and carriage return).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// A `<name>text</name>` line.
fn element(out: &mut String, indent: &str, name: &str, text: &str) {
    let _ = writeln!(out, "{indent}<{name}>{}</{name}>", escape(text));
}

/// Exports the program's released placements as frab schedule XML.
///
/// Days run from the first to the last conference day in the conference's zone; every room
/// appears on every day in grid order (frab clients expect a stable column set). Talks that are
/// not placed are left out. Talk GUIDs are kept; rooms and persons get derived stable GUIDs.
pub fn export(program: &Program, options: &ExportOptions) -> String {
    let c = &program.conference;
    let acronym = grid::acronym(program);
    let http = is_http(&options.base_url);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schedule>\n");
    let _ = writeln!(
        out,
        "  <generator name=\"podium\" version=\"{}\"/>",
        env!("CARGO_PKG_VERSION")
    );
    if http {
        element(
            &mut out,
            "  ",
            "url",
            &format!("{}/schedule.xml", options.conference_url(program)),
        );
    }
    element(&mut out, "  ", "version", &version_name(program));
    out.push_str("  <conference>\n");
    let i = "    ";
    element(&mut out, i, "acronym", &acronym);
    element(&mut out, i, "title", &c.name);
    let days = grid::days(program);
    let first = days.first().map_or(c.start_date, |d| d.date);
    let last = days.last().map_or(c.end_date, |d| d.date);
    element(&mut out, i, "start", &first.to_string());
    element(&mut out, i, "end", &last.to_string());
    element(&mut out, i, "days", &days.len().to_string());
    element(
        &mut out,
        i,
        "timeslot_duration",
        &grid::hhmm(grid::timeslot_minutes(program)),
    );
    if http {
        element(&mut out, i, "base_url", &options.conference_url(program));
        element(&mut out, i, "url", &options.conference_url(program));
    }
    element(&mut out, i, "time_zone_name", &c.timezone);
    for t in &program.tracks {
        let slug = grid::track_slug(t)
            .map(|s| format!(" slug=\"{s}\""))
            .unwrap_or_default();
        let colour = if podium_domain::is_hex_colour(&t.colour) {
            format!(" color=\"{}\"", t.colour)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{i}<track name=\"{}\"{colour}{slug}>{}</track>",
            escape(&t.name),
            escape(&t.name)
        );
    }
    out.push_str("  </conference>\n");
    let mut rooms: Vec<_> = program.rooms.iter().collect();
    rooms.sort_by_key(|r| (r.position, r.id));
    for day in &days {
        let _ = writeln!(
            out,
            "  <day index=\"{}\" date=\"{}\" start=\"{}\" end=\"{}\">",
            day.index,
            day.date,
            grid::iso_offset(&day.start),
            grid::iso_offset(&day.end)
        );
        for room in &rooms {
            let _ = writeln!(
                out,
                "    <room name=\"{}\" guid=\"{}\">",
                escape(&room.name),
                grid::room_guid(program, room)
            );
            for e in day.entries.iter().filter(|e| e.room.id == room.id) {
                write_event(&mut out, program, options, &acronym, e);
            }
            out.push_str("    </room>\n");
        }
        out.push_str("  </day>\n");
    }
    out.push_str("</schedule>\n");
    out
}

/// The version string: the released version's name, or `unreleased`.
pub(crate) fn version_name(program: &Program) -> String {
    program
        .version
        .as_ref()
        .and_then(|v| v.name.clone())
        .unwrap_or_else(|| "unreleased".to_owned())
}

fn write_event(
    out: &mut String,
    program: &Program,
    options: &ExportOptions,
    acronym: &str,
    e: &Entry<'_>,
) {
    let i = "        ";
    let _ = writeln!(
        out,
        "      <event guid=\"{}\" id=\"{}\">",
        e.guid, e.event_id
    );
    element(out, i, "date", &grid::iso_offset(&e.start));
    element(out, i, "start", &e.start.strftime("%H:%M").to_string());
    element(out, i, "duration", &grid::hhmm(e.talk.duration_min));
    element(out, i, "room", &e.room.name);
    element(out, i, "slug", &grid::event_slug(acronym, e));
    let url = options.talk_url(program, e.talk.id);
    if is_http(&url) {
        element(out, i, "url", &url);
    }
    element(out, i, "title", &e.talk.title);
    element(out, i, "subtitle", "");
    element(out, i, "track", e.track.map_or("", |t| t.name.as_str()));
    element(out, i, "type", e.talk.kind.as_str());
    element(out, i, "language", &e.talk.language);
    element(out, i, "abstract", &e.talk.abstract_md);
    element(out, i, "description", "");
    if e.speakers.is_empty() {
        let _ = writeln!(out, "{i}<persons/>");
    } else {
        let _ = writeln!(out, "{i}<persons>");
    }
    for s in &e.speakers {
        let _ = writeln!(
            out,
            "{i}  <person id=\"{}\" guid=\"{}\">{}</person>",
            s.id,
            grid::speaker_guid(program, s),
            escape(&s.name)
        );
    }
    if !e.speakers.is_empty() {
        let _ = writeln!(out, "{i}</persons>");
    }
    let links = links(e);
    if links.is_empty() {
        let _ = writeln!(out, "{i}<links/>");
    } else {
        let _ = writeln!(out, "{i}<links>");
        for (url, title, kind) in links {
            let _ = writeln!(
                out,
                "{i}  <link href=\"{}\" type=\"{kind}\">{title}</link>",
                escape(url)
            );
        }
        let _ = writeln!(out, "{i}</links>");
    }
    let _ = writeln!(out, "{i}<attachments/>");
    out.push_str("      </event>\n");
}

/// The talk's links as `(url, title, frab reference type)`.
pub(crate) fn links<'a>(e: &Entry<'a>) -> Vec<(&'a str, &'static str, &'static str)> {
    // Both schemas want absolute URIs; anything else would make the document invalid.
    let usable = |u: &&str| crate::import::absolute_url(u, None).is_some();
    let mut v = Vec::new();
    if let Some(u) = e.talk.slides_url.as_deref().filter(usable) {
        v.push((u, "Slides", "slides"));
    }
    if let Some(u) = e.talk.video_url.as_deref().filter(usable) {
        v.push((u, "Video", "media"));
    }
    v
}

/// Imports frab schedule XML leniently.
///
/// Accepts the current layout (`<day><room name><event>` with `<date>`), the Pentabarf-era one
/// (`<event>` directly under `<day>`, local `<start>` only, `<room>` inside the event) and the
/// mixtures real generators produce. Unknown elements are reported once per element name; see
/// the [`crate::import`] rules for what is adjusted to satisfy `NewProgram::validate`.
pub fn import(xml: &str) -> Result<Imported, ImportError> {
    let (root, mut warnings) = xml_tree::parse(xml)?;
    if root.name != "schedule" {
        return Err(ImportError::NotASchedule(format!(
            "root element is <{}>, expected <schedule>",
            root.name
        )));
    }
    let mut raw = RawSchedule {
        version: root.child_text("version"),
        ..RawSchedule::default()
    };
    let mut day_change = None;
    if let Some(conf) = root.child("conference") {
        raw.title = conf.child_text("title");
        raw.acronym = conf.child_text("acronym");
        raw.timezone = conf.child_text("time_zone_name");
        raw.start = conf.child_text("start");
        raw.end = conf.child_text("end");
        raw.venue = conf.child_text("venue");
        raw.base_url = conf.child_text("base_url");
        raw.description = conf.child_text("subtitle");
        day_change = conf.child_text("day_change").and_then(|t| parse_clock(&t));
        for t in conf.children_named("track") {
            let name = t.attr("name").map(str::to_owned).or_else(|| t.text_opt());
            if let Some(name) = name {
                raw.tracks.push((name, t.attr("color").map(str::to_owned)));
            }
        }
    } else {
        warnings.push("<conference> is missing: title, dates and time zone are guessed".into());
    }
    if let Some(tracks) = root.child("tracks") {
        for t in tracks.children_named("track") {
            if let Some(name) = t.attr("name").map(str::to_owned).or_else(|| t.text_opt()) {
                raw.tracks.push((name, t.attr("color").map(str::to_owned)));
            }
        }
    }
    let tz_name = raw.timezone.clone().unwrap_or_default();
    let tz = time::zone(&tz_name).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut unknown = std::collections::BTreeMap::<String, usize>::new();
    for (pos, day) in root.children_named("day").enumerate() {
        let date = day.attr("date").and_then(|d| time::parse_date(d).ok());
        let day_label = format!(
            "<day index={}>",
            day.attr("index")
                .map_or_else(|| (pos + 1).to_string(), str::to_owned)
        );
        // The day's wall-clock start: events before it belong to the next calendar date.
        let day_start = day
            .attr("start")
            .and_then(|s| s.parse::<Timestamp>().ok())
            .map(|t| t.to_zoned_datetime(tz.clone()).time())
            .or(day_change);
        let ctx = DayContext {
            date,
            day_start,
            tz: &tz,
            label: &day_label,
        };
        for child in &day.children {
            match child.name.as_str() {
                "room" => {
                    let room = child.attr("name").map(str::to_owned);
                    if let Some(r) = &room {
                        raw.rooms.push(r.clone());
                    } else {
                        warnings.push(format!(
                            "{day_label}: a <room> without a name attribute; its events use their own <room> element"
                        ));
                    }
                    for ev in &child.children {
                        if ev.name == "event" {
                            raw.events.push(read_event(
                                ev,
                                room.as_deref(),
                                &ctx,
                                &mut warnings,
                                &mut unknown,
                            ));
                        } else {
                            *unknown.entry(format!("room/{}", ev.name)).or_default() += 1;
                        }
                    }
                }
                "event" => {
                    raw.events
                        .push(read_event(child, None, &ctx, &mut warnings, &mut unknown))
                }
                other => *unknown.entry(format!("day/{other}")).or_default() += 1,
            }
        }
    }
    for child in &root.children {
        if !matches!(
            child.name.as_str(),
            "version" | "conference" | "day" | "tracks" | "generator" | "url"
        ) {
            *unknown
                .entry(format!("schedule/{}", child.name))
                .or_default() += 1;
        }
    }
    for (name, n) in unknown {
        warnings.push(format!(
            "ignored unknown element <{name}> ({n} time{})",
            if n == 1 { "" } else { "s" }
        ));
    }
    raw.into_imported(warnings)
}

struct DayContext<'a> {
    date: Option<jiff::civil::Date>,
    day_start: Option<jiff::civil::Time>,
    tz: &'a jiff::tz::TimeZone,
    label: &'a str,
}

/// Event children that the importer reads or knowingly ignores.
const KNOWN_EVENT_CHILDREN: &[&str] = &[
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "url",
    "title",
    "subtitle",
    "track",
    "type",
    "language",
    "abstract",
    "description",
    "persons",
    "links",
    "attachments",
    "logo",
    "recording",
    "video",
    "end",
    "feedback_url",
    "origin_url",
    "video_download_url",
    "conf_url",
    "full_conf_url",
    "released",
    "answers",
    "tags",
    "do_not_record",
];

fn read_event(
    ev: &Element,
    room: Option<&str>,
    ctx: &DayContext<'_>,
    warnings: &mut Vec<String>,
    unknown: &mut std::collections::BTreeMap<String, usize>,
) -> RawEvent {
    let id = ev.attr("id").map(str::to_owned);
    let title = ev.child_text("title").unwrap_or_default();
    let label = format!(
        "event {} ({:?}, line {})",
        id.as_deref().unwrap_or("?"),
        title,
        ev.line
    );
    for c in &ev.children {
        if !KNOWN_EVENT_CHILDREN.contains(&c.name.as_str()) {
            *unknown.entry(format!("event/{}", c.name)).or_default() += 1;
        }
    }
    let own_room = ev.child_text("room");
    let room = match (room, own_room) {
        (Some(r), _) => Some(r.to_owned()),
        (None, Some(r)) => Some(r),
        (None, None) => None,
    };
    let mut start = ev
        .child_text("date")
        .and_then(|d| d.parse::<Timestamp>().ok());
    if start.is_none() {
        let clock = ev.child_text("start").and_then(|s| parse_clock(&s));
        if let (Some(date), Some(clock)) = (ctx.date, clock) {
            // Pentabarf-era files give only the local wall time; a time before the day's start
            // (frab's day_change, e.g. 02:00 in a day running 10:00–04:00) is on the next date.
            let date = match ctx.day_start {
                Some(ds) if clock < ds => date.tomorrow().unwrap_or(date),
                _ => date,
            };
            start = time::instant(date, clock, ctx.tz).ok();
        }
        if start.is_some() && ev.child("date").is_some() {
            warnings.push(format!(
                "{label}: <date> does not parse; used <start> on {}",
                ctx.label
            ));
        }
    }
    let duration_min = ev.child_text("duration").and_then(|d| parse_duration(&d));
    let persons = ev
        .child("persons")
        .map(|p| {
            p.children_named("person")
                .map(|p| RawPerson {
                    id: p.attr("id").or(p.attr("guid")).map(str::to_owned),
                    name: p.text(),
                    bio: None,
                    avatar: None,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut links = Vec::new();
    if let Some(l) = ev.child("links") {
        for link in l.children_named("link") {
            if let Some(href) = link.attr("href") {
                links.push((href.to_owned(), link.text()));
            }
        }
    }
    if let Some(v) = ev.child_text("video").filter(|v| is_http(v)) {
        links.push((v, "Video".to_owned()));
    }
    RawEvent {
        label,
        guid: ev.attr("guid").map(str::to_owned),
        id,
        title,
        subtitle: ev.child_text("subtitle"),
        abstract_: ev.child_text("abstract"),
        description: ev.child_text("description"),
        room,
        track: ev.child_text("track"),
        kind: ev.child_text("type"),
        level: None,
        language: ev.child_text("language"),
        start,
        duration_min,
        persons,
        links,
    }
}

/// `HH:MM` or `HH:MM:SS` as a wall-clock time.
fn parse_clock(s: &str) -> Option<jiff::civil::Time> {
    let mut parts = s.trim().split(':');
    let h: i8 = parts.next()?.trim().parse().ok()?;
    let m: i8 = parts.next()?.trim().parse().ok()?;
    let sec: i8 = parts.next().map_or(Some(0), |x| x.trim().parse().ok())?;
    jiff::civil::Time::new(h % 24, m, sec, 0).ok()
}

/// frab durations: `HH:MM`, `HH:MM:SS` or `D:HH:MM:SS`, in whole minutes (seconds round up).
pub(crate) fn parse_duration(s: &str) -> Option<i64> {
    let parts: Vec<i64> = s
        .trim()
        .split(':')
        .map(|p| p.trim().parse::<i64>().ok())
        .collect::<Option<_>>()?;
    let secs = match parts.as_slice() {
        [h, m] => h * 3600 + m * 60,
        [h, m, s] => h * 3600 + m * 60 + s,
        [d, h, m, s] => d * 86400 + h * 3600 + m * 60 + s,
        _ => return None,
    };
    Some((secs + 59) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_the_shapes_real_files_use() {
        assert_eq!(parse_duration("00:30"), Some(30));
        assert_eq!(parse_duration("01:30:00"), Some(90));
        assert_eq!(parse_duration("0:00:30:01"), Some(31));
        assert_eq!(parse_duration("1:02:00:00"), Some(26 * 60));
        assert_eq!(parse_duration("half an hour"), None);
    }

    #[test]
    fn escaping_drops_characters_xml_cannot_carry() {
        assert_eq!(escape("a\u{1}b\tc&<>\"'"), "ab\tc&amp;&lt;&gt;&quot;&apos;");
    }

    #[test]
    fn clock_times_wrap_hours_past_midnight() {
        assert_eq!(
            parse_clock("25:10"),
            jiff::civil::Time::new(1, 10, 0, 0).ok()
        );
        assert_eq!(
            parse_clock("09:05:30"),
            jiff::civil::Time::new(9, 5, 30, 0).ok()
        );
    }
}
