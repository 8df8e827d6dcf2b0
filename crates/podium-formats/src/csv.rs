//! CSV (RFC 4180, <https://www.rfc-editor.org/rfc/rfc4180>): export of a released program, one
//! row per placed talk, for spreadsheets and signage; and a lenient import of a talk list that
//! a spreadsheet or form export maps onto. Pure: no I/O.
//!
//! Export header: `guid,title,track,room,start,end,duration_min,speakers,kind,level,language,url`.
//! `start`/`end` are local wall times in the conference's zone (`YYYY-MM-DD HH:MM`),
//! `duration_min` is minutes, `speakers` are names joined by `; `. Rows are in start order.
//!
//! Import reads every column the export writes (so an export imports again unchanged) plus the
//! aliases in [`COLUMNS`]; see [`import_with`] for the rules.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use podium_domain::{Level, Program, time};

use crate::import::{RawEvent, RawPerson, RawSchedule};
use crate::{ExportOptions, ImportError, ImportOptions, Imported, grid};

/// The header line's columns, in order.
pub const HEADER: [&str; 12] = [
    "guid",
    "title",
    "track",
    "room",
    "start",
    "end",
    "duration_min",
    "speakers",
    "kind",
    "level",
    "language",
    "url",
];

/// Quotes a field when it holds `,`, `"`, CR or LF (doubling quotes). Text that a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`) gets a leading `'`, as OWASP
/// advises against CSV injection; numbers and times never start that way.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Exports one row per placed talk under [`HEADER`], with CRLF line ends.
pub fn export(program: &Program, options: &ExportOptions) -> String {
    let mut out = HEADER.join(",");
    out.push_str("\r\n");
    for e in grid::entries(program) {
        let speakers: Vec<&str> = e.speakers.iter().map(|s| s.name.as_str()).collect();
        let row = [
            field(&e.guid),
            field(&e.talk.title),
            field(e.track.map_or("", |t| t.name.as_str())),
            field(&e.room.name),
            e.start.strftime("%Y-%m-%d %H:%M").to_string(),
            e.end.strftime("%Y-%m-%d %H:%M").to_string(),
            e.talk.duration_min.to_string(),
            field(&speakers.join("; ")),
            e.talk.kind.as_str().to_owned(),
            e.talk.level.as_str().to_owned(),
            field(&e.talk.language),
            field(&options.talk_url(program, e.talk.id)),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The columns [`import_with`] reads: the name the export writes, then the other header names
/// that mean the same. Headers match case-insensitively after [`normalize_header`], so
/// `Duration (min)` is `duration_min` and `Start Time` is `start_time`.
pub const COLUMNS: &[(&str, &[&str])] = &[
    ("guid", &["uuid"]),
    ("id", &["code", "talk_id", "submission_id"]),
    ("title", &["talk", "talk_title", "session_title", "summary"]),
    ("subtitle", &[]),
    ("abstract", &["teaser"]),
    ("description", &["long_description", "details"]),
    ("track", &["category", "theme", "topic"]),
    ("room", &["location", "stage"]),
    ("date", &["day"]),
    (
        "start",
        &["start_time", "starts", "starts_at", "begin", "time"],
    ),
    ("end", &["end_time", "ends", "ends_at"]),
    (
        "duration_min",
        &["duration", "duration_minutes", "minutes", "length"],
    ),
    (
        "speakers",
        &[
            "speaker",
            "speaker_s",
            "speaker_names",
            "persons",
            "person",
            "presenters",
            "presenter",
            "authors",
            "author",
        ],
    ),
    (
        "kind",
        &["type", "format", "session_type", "submission_type"],
    ),
    ("level", &["difficulty", "audience_level"]),
    ("language", &["lang"]),
    ("url", &["link", "website"]),
    ("slides", &["slides_url"]),
    ("video", &["video_url", "recording"]),
];

/// A header cell as compared with [`COLUMNS`]: lowercase, every run of characters other than
/// letters and digits turned into one `_`, none at either end.
pub fn normalize_header(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// The canonical column a normalized header names.
fn canonical(normalized: &str) -> Option<&'static str> {
    COLUMNS
        .iter()
        .find(|(name, aliases)| *name == normalized || aliases.contains(&normalized))
        .map(|(name, _)| *name)
}

/// Imports a CSV talk list with no options: local times are read as UTC (with a warning).
/// See [`import_with`].
pub fn import(bytes: &[u8]) -> Result<Imported, ImportError> {
    import_with(bytes, &ImportOptions::default())
}

/// Imports a CSV talk list leniently: one talk per row under a header line naming the columns
/// ([`COLUMNS`]; unknown columns are ignored with one warning).
///
/// - Required: `title`, and either `start` with `end` or `duration_min` (placed talks), or no
///   `start` at all (unplaced talks; then [`ImportOptions::dates`] must give the conference
///   days). A missing column is [`ImportError::MissingColumn`], naming it.
/// - `start`/`end`: `YYYY-MM-DD HH:MM` (as exported; also `T` between, seconds, `YYYY/MM/DD`,
///   `DD.MM.YYYY`) on the wall clock of [`ImportOptions::timezone`] (UTC with a warning when
///   `None`), or an instant with `Z` or an offset. With a `date` column they may be just
///   `HH:MM`. An `end` with only a time that is not after the start is on the next day.
///   When `end` and `duration_min` disagree, the end wins (with a warning).
/// - `duration_min`: minutes (`45`, `45 min`) or `H:MM`.
/// - `speakers`: names separated by `;` or line breaks; the same name is the same speaker.
/// - `kind` as frab `type` (keywords), `level` beginner/intermediate/advanced (also
///   novice/basic, expert); `url`, `slides`, `video` become links.
/// - RFC 4180 quoting (separators, line breaks and doubled quotes inside quotes), a UTF-8
///   BOM, UTF-16 with a BOM, and files that are not UTF-8 (read as Windows-1252, with a
///   warning naming the first bad line). The separator is `,`, `;` or tab, whichever the
///   header line uses most. The `'` the exporter puts before `=`, `+`, `-`, `@` is removed.
/// - A cell that cannot be read is a warning naming its line and column, and the talk is
///   imported without it (unplaced when the start is unreadable). Everything else follows the
///   shared rules in [`crate::import`].
///
/// Errors: a missing column, an unknown [`ImportOptions::timezone`], a quoted field that is
/// never closed (the rest of the file would be lost), no rows.
pub fn import_with(bytes: &[u8], options: &ImportOptions) -> Result<Imported, ImportError> {
    let mut warnings = Vec::new();
    let (zone_name, tz) = match options.timezone.as_deref().map(str::trim) {
        Some(z) if !z.is_empty() => (
            z.to_owned(),
            time::zone(z).map_err(|_| ImportError::UnknownZone(z.to_owned()))?,
        ),
        _ => {
            warnings.push("no time zone given: the file's local times are read as UTC".into());
            ("UTC".to_owned(), TimeZone::UTC)
        }
    };
    let text = decode(bytes, &mut warnings);
    let delimiter = sniff_delimiter(&text);
    let mut rows = records(&text, delimiter)?
        .into_iter()
        .filter(|r| r.fields.iter().any(|f| !f.trim().is_empty()));
    let header = rows
        .next()
        .ok_or_else(|| ImportError::NotASchedule("the CSV file is empty".into()))?;
    let columns = Columns::from_header(&header, &mut warnings)?;
    let mut events = Vec::new();
    for row in rows {
        events.push(columns.event(&row, &tz, &mut warnings));
    }
    if events.is_empty() {
        return Err(ImportError::NotASchedule(format!(
            "the CSV file has a header line (line {}) but no rows",
            header.line
        )));
    }
    if options.dates.is_none() && events.iter().all(|e| e.start.is_none()) {
        return Err(ImportError::NotASchedule(format!(
            "none of the {} rows has a start time, so the conference dates must be given",
            events.len()
        )));
    }
    let raw = RawSchedule {
        title: options.title.clone(),
        timezone: Some(zone_name),
        start: options.dates.map(|d| d.0.to_string()),
        end: options.dates.map(|d| d.1.to_string()),
        events,
        ..RawSchedule::default()
    };
    raw.into_imported(warnings)
}

/// Windows-1252's characters for bytes 0x80–0x9F (the rest are Latin-1); the five bytes it
/// leaves undefined map to the C1 control of the same value, as browsers decode them.
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The file's text: UTF-8 (BOM removed), UTF-16 when it starts with a UTF-16 BOM (Excel's
/// "Unicode text"), else Windows-1252, which is what Excel writes as "CSV" on Windows.
fn decode(bytes: &[u8], warnings: &mut Vec<String>) -> String {
    let utf16 = |big_endian: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if bytes.starts_with(b"\xff\xfe") {
        return utf16(false);
    }
    if bytes.starts_with(b"\xfe\xff") {
        return utf16(true);
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            warnings.push(format!(
                "line {line}: the file is not UTF-8: read as Windows-1252 (save it as \"CSV UTF-8\" if names look wrong)"
            ));
            bytes
                .iter()
                .map(|&b| match b {
                    0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
                    _ => char::from(b),
                })
                .collect()
        }
    }
}

/// `,`, `;` or tab: whichever occurs most often outside quotes on the first non-empty line
/// (ties go to `,`). European spreadsheets write `;` because `,` is their decimal mark.
fn sniff_delimiter(text: &str) -> char {
    const CANDIDATES: [char; 3] = [',', ';', '\t'];
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.trim_start_matches(['\r', '\n']).chars() {
        match c {
            '"' => quoted = !quoted,
            '\r' | '\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = CANDIDATES.iter().position(|&d| d == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// One record: the 1-based line it starts on and its fields.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Splits the text into records (RFC 4180): a field that starts with `"` (after spaces) runs
/// to the next lone `"`, `""` inside is one `"`, and separators and line breaks inside are
/// text. Line ends may be CRLF, LF or CR; inside a field they become LF. A `"` inside an
/// unquoted field is kept as text. A quoted field that never closes is an error: the rest of
/// the file would silently become one cell.
fn records(text: &str, delimiter: char) -> Result<Vec<Record>, ImportError> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut in_quotes = false;
    let mut was_quoted = false;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if !was_quoted && field.chars().all(|c| c == ' ') => {
                field.clear();
                in_quotes = true;
                was_quoted = true;
                quote_line = line;
            }
            c if c == delimiter => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                fields.push(std::mem::take(&mut field));
                out.push(Record {
                    line: record_line,
                    fields: std::mem::take(&mut fields),
                });
                was_quoted = false;
                line += 1;
                record_line = line;
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(ImportError::Csv {
            line: quote_line,
            message: "a quoted field is never closed".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(out)
}

/// Removes the `'` that the exporter (and OWASP's advice) puts before a cell a spreadsheet
/// would run as a formula. A `'` before anything else is the cell's own text.
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Where each known column is, and how the file spells its header.
struct Columns {
    index: Vec<(&'static str, usize)>,
    headers: Vec<String>,
    width: usize,
}

impl Columns {
    fn from_header(header: &Record, warnings: &mut Vec<String>) -> Result<Columns, ImportError> {
        let mut index: Vec<(&'static str, usize)> = Vec::new();
        let mut unknown = Vec::new();
        for (i, raw) in header.fields.iter().enumerate() {
            let normalized = normalize_header(raw);
            match canonical(&normalized) {
                Some(name) if index.iter().any(|(n, _)| *n == name) => warnings.push(format!(
                    "line {}: column {} ({:?}) names {name:?} again: ignored",
                    header.line,
                    i + 1,
                    raw.trim()
                )),
                Some(name) => index.push((name, i)),
                None if normalized.is_empty() => {}
                None => unknown.push(format!("{:?}", raw.trim())),
            }
        }
        if !unknown.is_empty() {
            warnings.push(format!(
                "line {}: unknown column{} {} ignored",
                header.line,
                if unknown.len() == 1 { "" } else { "s" },
                unknown.join(", ")
            ));
        }
        let has = |name: &str| index.iter().any(|(n, _)| *n == name);
        let missing = |column: &'static str, detail: String| {
            Err(ImportError::MissingColumn { column, detail })
        };
        if !has("title") {
            let found: Vec<String> = header
                .fields
                .iter()
                .map(|f| format!("{:?}", f.trim()))
                .collect();
            return missing(
                "title",
                format!(
                    "the header line (line {}) has {}",
                    header.line,
                    found.join(", ")
                ),
            );
        }
        if has("start") && !has("end") && !has("duration_min") {
            return missing(
                "end",
                "a \"start\" column needs \"end\" or \"duration_min\"".into(),
            );
        }
        if !has("start") && has("end") {
            return missing("start", "an \"end\" column needs a \"start\" column".into());
        }
        if !has("start") && has("date") {
            return missing(
                "start",
                "a \"date\" column needs a \"start\" column with the time of day".into(),
            );
        }
        Ok(Columns {
            index,
            headers: header.fields.iter().map(|h| h.trim().to_owned()).collect(),
            width: header.fields.len(),
        })
    }

    /// The cell of a column, formula guard removed; `""` when the column or cell is absent.
    fn cell<'a>(&self, row: &'a Record, name: &str) -> &'a str {
        self.index
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, i)| row.fields.get(*i))
            .map_or("", |c| unguard(c))
    }

    /// The trimmed cell, `None` when empty.
    fn text(&self, row: &Record, name: &str) -> Option<String> {
        Some(self.cell(row, name).trim().to_owned()).filter(|s| !s.is_empty())
    }

    /// `line 7, column "Start"`: how warnings name a cell, with the file's own header.
    fn at(&self, row: &Record, name: &str) -> String {
        let header = self
            .index
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, i)| self.headers.get(*i))
            .map_or(name, String::as_str);
        format!("line {}, column {header:?}", row.line)
    }

    fn event(&self, row: &Record, tz: &TimeZone, warnings: &mut Vec<String>) -> RawEvent {
        let title = self.cell(row, "title").trim().to_owned();
        let extra = row.fields.iter().skip(self.width);
        if extra.clone().any(|f| !f.trim().is_empty()) {
            warnings.push(format!(
                "line {}: {} cells but the header has {}: the extra ones are ignored",
                row.line,
                row.fields.len(),
                self.width
            ));
        }

        let mut day_unreadable = false;
        let day = self.text(row, "date").and_then(|d| {
            let parsed = parse_date(&d);
            if parsed.is_none() {
                day_unreadable = true;
                warnings.push(format!(
                    "{}: {d:?} is not a date (YYYY-MM-DD or DD.MM.YYYY): imported unplaced",
                    self.at(row, "date")
                ));
            }
            parsed
        });
        let duration = self.text(row, "duration_min").and_then(|d| {
            let m = parse_minutes(&d);
            if m.is_none() {
                warnings.push(format!(
                    "{}: {d:?} is not a number of minutes: ignored",
                    self.at(row, "duration_min")
                ));
            }
            m
        });
        let start = self.text(row, "start").and_then(|s| {
            let at = self.at(row, "start");
            match parse_when(&s) {
                Some(When::Instant(t)) => Some(t),
                Some(When::Local(Some(d), clock)) => local(d, clock, tz, &at, &s, warnings),
                Some(When::Local(None, clock)) => match day {
                    Some(d) => local(d, clock, tz, &at, &s, warnings),
                    None => {
                        if !day_unreadable {
                            warnings.push(format!(
                                "{at}: {s:?} has no date (write YYYY-MM-DD HH:MM or add a \"date\" column): imported unplaced"
                            ));
                        }
                        None
                    }
                },
                None => {
                    warnings.push(format!(
                        "{at}: {s:?} is not a date and time (YYYY-MM-DD HH:MM): imported unplaced"
                    ));
                    None
                }
            }
        });
        let end = start.and_then(|start| {
            let e = self.text(row, "end")?;
            let at = self.at(row, "end");
            let end = match parse_when(&e) {
                Some(When::Instant(t)) => Some(t),
                Some(When::Local(Some(d), clock)) => local(d, clock, tz, &at, &e, warnings),
                Some(When::Local(None, clock)) => {
                    // A bare end time is on the start's day, or the next one after midnight.
                    let d = day.unwrap_or_else(|| start.to_zoned_datetime(tz.clone()).date());
                    local(d, clock, tz, &at, &e, warnings).and_then(|t| {
                        if t > start {
                            Some(t)
                        } else {
                            d.tomorrow()
                                .ok()
                                .and_then(|d| local(d, clock, tz, &at, &e, warnings))
                        }
                    })
                }
                None => {
                    warnings.push(format!(
                        "{at}: {e:?} is not a date and time (YYYY-MM-DD HH:MM): ignored"
                    ));
                    None
                }
            }?;
            if end <= start {
                warnings.push(format!("{at}: {e:?} is not after the start: ignored"));
                return None;
            }
            Some(end)
        });
        let duration_min = match (start, end) {
            (Some(s), Some(e)) => {
                let from_end = (e - s).as_mins();
                if let Some(d) = duration.filter(|d| *d != from_end) {
                    warnings.push(format!(
                        "line {}: the end says {from_end} minutes, \"duration_min\" says {d}: using the end",
                        row.line
                    ));
                }
                Some(from_end)
            }
            _ => duration,
        };

        let level = self.text(row, "level").and_then(|l| {
            let parsed = match l.to_lowercase().as_str() {
                "novice" | "basic" | "introductory" => Some(Level::Beginner),
                "expert" => Some(Level::Advanced),
                other => Level::parse(other),
            };
            if parsed.is_none() {
                warnings.push(format!(
                    "{}: {l:?} is not beginner, intermediate or advanced: using intermediate",
                    self.at(row, "level")
                ));
            }
            parsed
        });
        let persons = self
            .cell(row, "speakers")
            .split([';', '\n'])
            .map(|n| unguard(n.trim()).trim())
            .filter(|n| !n.is_empty())
            .map(|name| RawPerson {
                name: name.to_owned(),
                ..RawPerson::default()
            })
            .collect();
        let links = [("url", "Web"), ("slides", "Slides"), ("video", "Video")]
            .into_iter()
            .filter_map(|(col, what)| self.text(row, col).map(|u| (u, what.to_owned())))
            .collect();
        let id = self.text(row, "id");
        RawEvent {
            label: match &id {
                Some(id) => format!("line {} (id {id}, {title:?})", row.line),
                None => format!("line {} ({title:?})", row.line),
            },
            guid: self.text(row, "guid"),
            id,
            title,
            subtitle: self.text(row, "subtitle"),
            abstract_: self.text(row, "abstract"),
            description: self.text(row, "description"),
            room: self.text(row, "room"),
            track: self.text(row, "track"),
            kind: self.text(row, "kind"),
            level,
            language: self.text(row, "language"),
            start,
            duration_min,
            persons,
            links,
        }
    }
}

/// The instant of a wall time, or a warning naming the cell.
fn local(
    date: Date,
    clock: Time,
    tz: &TimeZone,
    at: &str,
    cell: &str,
    warnings: &mut Vec<String>,
) -> Option<Timestamp> {
    match time::instant(date, clock, tz) {
        Ok(t) => Some(t),
        Err(e) => {
            warnings.push(format!("{at}: {cell:?}: {e}: ignored"));
            None
        }
    }
}

/// A start or end cell.
enum When {
    /// It named its offset (`Z`, `+02:00`).
    Instant(Timestamp),
    /// A wall time, with the date when the cell has one.
    Local(Option<Date>, Time),
}

fn parse_when(s: &str) -> Option<When> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(When::Instant(t));
    }
    match s.split_once([' ', 'T']) {
        Some((d, t)) => Some(When::Local(Some(parse_date(d)?), parse_clock(t)?)),
        None => parse_clock(s).map(|t| When::Local(None, t)),
    }
}

/// `YYYY-MM-DD`, `YYYY/MM/DD` or `DD.MM.YYYY` (the day first, as Europe writes it; the
/// ambiguous `MM/DD/YYYY` vs `DD/MM/YYYY` is refused rather than guessed).
fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let number = |p: &str| -> Option<i16> {
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let ymd = |y: &str, m: &str, d: &str| -> Option<Date> {
        if y.len() != 4 {
            return None;
        }
        let (m, d) = (
            i8::try_from(number(m)?).ok()?,
            i8::try_from(number(d)?).ok()?,
        );
        Date::new(number(y)?, m, d).ok()
    };
    for sep in ['-', '/'] {
        let parts: Vec<&str> = s.split(sep).collect();
        if let [y, m, d] = parts[..] {
            return ymd(y, m, d);
        }
    }
    let parts: Vec<&str> = s.split('.').collect();
    match parts[..] {
        [d, m, y] => ymd(y, m, d),
        _ => None,
    }
}

/// `H:MM`, `HH:MM` or `HH:MM:SS`.
fn parse_clock(s: &str) -> Option<Time> {
    let parts: Vec<&str> = s.trim().split(':').collect();
    let number = |p: &str| -> Option<i8> {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    match parts[..] {
        [h, m] => Time::new(number(h)?, number(m)?, 0, 0).ok(),
        [h, m, s] => Time::new(number(h)?, number(m)?, number(s)?, 0).ok(),
        _ => None,
    }
}

/// Minutes: `45`, `45.0` (a spreadsheet's number), `45 min`, or `H:MM`.
fn parse_minutes(s: &str) -> Option<i64> {
    let s = s.trim().to_lowercase();
    let s = s
        .strip_suffix("minutes")
        .or_else(|| s.strip_suffix("mins"))
        .or_else(|| s.strip_suffix("min"))
        .or_else(|| s.strip_suffix('m'))
        .unwrap_or(&s)
        .trim();
    if let Some((h, m)) = s.split_once(':') {
        let h: i64 = h.parse().ok()?;
        let m: i64 = m.parse().ok().filter(|m| (0..60).contains(m))?;
        return h.checked_mul(60)?.checked_add(m);
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let f: f64 = s.parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e9).then_some(f as i64)
}
