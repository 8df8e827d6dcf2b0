//! CSV export of a released program (RFC 4180, <https://www.rfc-editor.org/rfc/rfc4180>): one
//! row per placed talk, for spreadsheets and signage. Pure: no I/O.
//!
//! Header: `guid,title,track,room,start,end,duration_min,speakers,kind,level,language,url`.
//! `start`/`end` are local wall times in the conference's zone (`YYYY-MM-DD HH:MM`),
//! `duration_min` is minutes, `speakers` are names joined by `; `. Rows are in start order.

use podium_domain::Program;

use crate::{ExportOptions, grid};

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
