//! podium's interchange formats: the frab "Fahrplan" schedule XML and JSON
//! (<https://c3voc.de/wiki/schedule>), iCalendar (RFC 5545) and CSV (RFC 4180) exports of a
//! released program, and lenient importers that turn real-world frab/pretalx/Pentabarf XML,
//! frab/pretalx JSON, iCalendar and spreadsheet CSV files into a [`NewProgram`].
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
//! | CSV | [`csv::export`] | [`csv::import`], [`csv::import_with`] |
//!
//! [`Format::detect`] picks the importer for a file and [`Format::import`] runs it, so the CLI
//! and the web UI read files the same way.
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
use jiff::civil::Date;
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

/// What an importer cannot read from the file itself. Only the CSV importer reads these: frab
/// XML/JSON and iCalendar files name their zone, title and dates themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    /// IANA zone of the file's local times (`Europe/Berlin`). `None`: UTC, with a warning.
    pub timezone: Option<String>,
    /// The conference's name. `None`: "Imported conference", with a warning.
    pub title: Option<String>,
    /// First and last day of the conference, widened to cover every placed talk. Needed when
    /// no talk has a start time.
    pub dates: Option<(Date, Date)>,
}

impl ImportOptions {
    /// Parses conference days written `YYYY-MM-DD` (one day) or `YYYY-MM-DD..YYYY-MM-DD`;
    /// `Err` says what is wrong.
    pub fn parse_dates(s: &str) -> Result<(Date, Date), String> {
        let (first, last) = s.split_once("..").unwrap_or((s, s));
        let day = |d: &str| podium_domain::time::parse_date(d.trim()).map_err(|e| e.to_string());
        let (first, last) = (day(first)?, day(last)?);
        if last < first {
            return Err(format!("{last} is before {first}"));
        }
        Ok((first, last))
    }
}

/// The file formats podium imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// frab / pretalx / Pentabarf `schedule.xml`.
    FrabXml,
    /// frab / pretalx `schedule.json`.
    FrabJson,
    /// iCalendar.
    ICal,
    /// A spreadsheet's CSV (`,`, `;` or tab separated).
    Csv,
}

impl Format {
    /// The reader for a file: by its name's extension (`xml`, `json`, `ics`/`ical`,
    /// `csv`/`tsv`), else by its first characters (`<`, `{`, `BEGIN:VCALENDAR`, or a first
    /// line holding `,`, `;` or a tab). `None` when neither fits.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "xml" => return Some(Format::FrabXml),
            "json" => return Some(Format::FrabJson),
            "ics" | "ical" | "ifb" => return Some(Format::ICal),
            "csv" | "tsv" => return Some(Format::Csv),
            _ => {}
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        let start = head.trim_start_matches('\u{feff}').trim_start();
        if start.starts_with("BEGIN:VCALENDAR") {
            Some(Format::ICal)
        } else if start.starts_with('{') {
            Some(Format::FrabJson)
        } else if start.starts_with('<') {
            Some(Format::FrabXml)
        } else if start
            .lines()
            .next()
            .is_some_and(|l| l.contains([',', ';', '\t']))
        {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// Runs this format's importer. XML and JSON that are not valid UTF-8 are read with the
    /// bad bytes replaced by U+FFFD and a first warning naming the line; iCalendar and CSV
    /// handle encodings themselves (see their `import`).
    pub fn import(self, bytes: &[u8], options: &ImportOptions) -> Result<Imported, ImportError> {
        let text = || {
            let text = String::from_utf8_lossy(bytes);
            let warning = std::str::from_utf8(bytes).err().map(|e| {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                format!("line {line}: invalid UTF-8: replaced the bad bytes with U+FFFD")
            });
            (text, warning)
        };
        let with_warning = |result: Result<Imported, ImportError>, warning: Option<String>| {
            result.map(|mut imported| {
                imported.warnings.splice(0..0, warning);
                imported
            })
        };
        match self {
            Format::FrabXml => {
                let (text, warning) = text();
                with_warning(frab_xml::import(&text), warning)
            }
            Format::FrabJson => {
                let (text, warning) = text();
                with_warning(frab_json::import(&text), warning)
            }
            Format::ICal => ical::import(bytes),
            Format::Csv => csv::import_with(bytes, options),
        }
    }
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
    /// A CSV file lacks a column the import needs.
    #[error("the CSV file has no {column:?} column: {detail}")]
    MissingColumn {
        /// The column's name as [`csv::COLUMNS`] spells it.
        column: &'static str,
        /// Why it is needed, or which columns the header has.
        detail: String,
    },
    /// A CSV file cannot be split into rows.
    #[error("CSV syntax error at line {line}: {message}")]
    Csv {
        /// 1-based line where the problem starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// [`ImportOptions::timezone`] is not an IANA zone name.
    #[error("unknown time zone {0:?} (expected an IANA name such as Europe/Berlin)")]
    UnknownZone(String),
    /// The document parsed but is not a schedule of this format.
    #[error("not a schedule: {0}")]
    NotASchedule(String),
    /// The imported program still breaks a domain rule (a bug in the importer: it must adjust
    /// the data so that this does not happen).
    #[error("imported program is invalid: {0}")]
    Invalid(#[from] podium_domain::ProgramError),
}
