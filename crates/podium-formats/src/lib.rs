//! podium's interchange formats: the frab "Fahrplan" schedule XML and JSON
//! (<https://c3voc.de/wiki/schedule>), iCalendar (RFC 5545) and CSV (RFC 4180) exports of a
//! released program, and lenient importers that turn real-world frab/pretalx/Pentabarf XML,
//! frab/pretalx JSON and iCalendar files into a [`NewProgram`].
//!
//! Pure: no I/O, no async, no database. Exporters take a [`Program`] and return text; importers
//! take text (or bytes) and return a [`NewProgram`] that passes [`NewProgram::validate`], plus
//! warnings for everything they had to guess, drop or adjust.
//!
//! | format | export | import |
//! |---|---|---|
//! | frab XML (`schedule.xml`) | [`frab_xml::export`] | [`frab_xml::import`] |
//! | frab JSON (`schedule.json`) | [`frab_json::export`] | [`frab_json::import`] |
//! | iCalendar (`.ics`) | [`ical::export`], [`ical::export_filtered`] | [`ical::import`] |
//! | CSV | [`csv::export`] | — |
//!
//! Exports cover the placements of `program.version` (the released version the caller
//! loaded); unplaced talks are left out. Days and local times are in the conference's zone.
//! The import rules (what is adjusted so the result validates) are listed in [`import`].

pub mod csv;
pub mod frab_json;
pub mod frab_xml;
pub mod ical;
pub mod import;

mod grid;

mod xml_tree;

use jiff::Timestamp;
use podium_domain::{NewProgram, Program};

pub use grid::room_guid;

/// What every exporter needs besides the program.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// Public origin of the site, such as `https://podium.example.org` (no trailing slash
    /// needed). Talk URLs are `{base_url}/{slug}/talks/{id}`. frab XML only emits URLs when
    /// this starts with `http://` or `https://`, as its XSD requires.
    pub base_url: String,
    /// When the export was made: iCalendar's DTSTAMP. Passed in so output is reproducible.
    pub generated_at: Timestamp,
}

impl ExportOptions {
    /// The public URL of a talk page.
    pub fn talk_url(&self, program: &Program, talk: podium_domain::TalkId) -> String {
        format!(
            "{}/{}/talks/{}",
            self.base_url.trim_end_matches('/'),
            program.conference.slug,
            talk
        )
    }

    /// The conference's public URL.
    pub fn conference_url(&self, program: &Program) -> String {
        format!(
            "{}/{}",
            self.base_url.trim_end_matches('/'),
            program.conference.slug
        )
    }
}

/// The result of a lenient import: a program ready for `NewProgram::validate` and the store,
/// plus one human-readable warning per guess, dropped item or adjustment, each naming the
/// element, line or event it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The program to create. Always passes [`NewProgram::validate`].
    pub program: NewProgram,
    /// What the importer had to guess, adjust or leave out.
    pub warnings: Vec<String>,
}

/// Why an import failed outright. Lenient importers only fail when the input is not the
/// format at all (broken XML or JSON syntax, no schedule inside) or when nothing usable is left.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The XML is not well-formed.
    #[error("XML syntax error at line {line}: {source}")]
    Xml {
        /// 1-based line of the error.
        line: usize,
        /// The parser's error.
        #[source]
        source: quick_xml::Error,
    },
    /// The JSON is not well-formed.
    #[error("JSON syntax error: {0}")]
    Json(#[from] serde_json::Error),
    /// The document parsed but is not a schedule of this format.
    #[error("not a schedule: {0}")]
    NotASchedule(String),
    /// The imported program still breaks a domain rule (a bug in the importer: it must adjust
    /// the data so that this does not happen).
    #[error("imported program is invalid: {0}")]
    Invalid(#[from] podium_domain::ProgramError),
}
