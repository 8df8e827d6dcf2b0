//! Every importer on hostile input: arbitrary bytes, token soup in each format's vocabulary,
//! and mutated fixtures and real schedules (byte flips, truncation, duplicated and deleted
//! spans, inserted syntax). An importer returns `Ok` or `Err`, never panics, and what it
//! returns passes `NewProgram::validate`. Hostile XML (entity expansion, external entities,
//! deep nesting) and 50 MB inputs come back promptly with a clear error or a bounded result.
//!
//! Case counts keep the whole podium-formats suite well under a minute in a debug build;
//! `PROPTEST_CASES=5000 cargo nextest run -p podium-formats fuzz` runs a longer campaign.

use podium_formats::{Format, ImportOptions, csv, frab_json, frab_xml, ical};
use proptest::prelude::*;

use crate::support::{fixture_path, options, program, shared_schedules};

const FORMATS: [Format; 4] = [Format::FrabXml, Format::FrabJson, Format::ICal, Format::Csv];

fn zone_options() -> ImportOptions {
    ImportOptions {
        timezone: Some("Europe/Berlin".into()),
        ..ImportOptions::default()
    }
}

/// Runs the importer; a panic fails the property, an `Ok` must validate.
fn check(format: Format, bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(imported) = format.import(bytes, &zone_options()) {
        prop_assert_eq!(imported.program.validate(), Ok(()), "{:?}", format);
    }
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    // PROPTEST_CASES overrides the default for a longer run.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Pieces of each format's syntax, so random sequences reach past the first syntax check.
fn tokens(format: Format) -> &'static [&'static str] {
    match format {
        Format::FrabXml => &[
            "<?xml version=\"1.0\"?>",
            "<schedule>",
            "</schedule>",
            "<conference><title>C</title><time_zone_name>Europe/Berlin</time_zone_name></conference>",
            "<day index=\"1\" date=\"2027-03-28\">",
            "</day>",
            "<room name=\"A\">",
            "</room>",
            "<event id=\"1\" guid=\"0b8e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4\">",
            "<event>",
            "</event>",
            "<date>2027-03-28T01:30:00+01:00</date>",
            "<start>02:30</start>",
            "<duration>01:30</duration>",
            "<duration>99:99</duration>",
            "<title>T</title>",
            "<persons><person id=\"1\">P</person></persons>",
            "<type>workshop</type>",
            "<links><link href=\"/x\">Slides</link></links>",
            "&amp;",
            "&unknown;",
            "<![CDATA[x]]>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]>",
            "\n",
            "<",
            "\"",
        ],
        Format::FrabJson => &[
            "{\"schedule\":{\"version\":\"1\",\"conference\":{",
            "\"title\":\"C\",",
            "\"time_zone_name\":\"Europe/Berlin\",",
            "\"days\":[{\"index\":1,\"date\":\"2027-03-28\",\"rooms\":{\"A\":[",
            "{\"guid\":\"0b8e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4\",\"id\":1,",
            "\"date\":\"2027-03-28T01:30:00+01:00\",",
            "\"start\":\"01:30\",\"duration\":\"01:30\",",
            "\"title\":\"T\",\"persons\":[{\"public_name\":\"P\"}]",
            "}",
            "]}}]",
            "}}}",
            ",",
            "null",
            "[",
        ],
        Format::ICal => &[
            "BEGIN:VCALENDAR\r\n",
            "X-WR-TIMEZONE:Europe/Berlin\r\n",
            "BEGIN:VEVENT\r\n",
            "END:VEVENT\r\n",
            "UID:0b8e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4@x\r\n",
            "DTSTART:20270328T013000Z\r\n",
            "DTSTART;TZID=Europe/Berlin:20270328T023000\r\n",
            "DTSTART;VALUE=DATE:20270328\r\n",
            "DTEND:20270328T040000\r\n",
            "DURATION:PT1H30M\r\n",
            "DURATION:P99999999W\r\n",
            "SUMMARY:T\\, t\r\n",
            "LOCATION:A\r\n",
            "ATTENDEE;CN=\"P\":mailto:p@x\r\n",
            "BEGIN:VALARM\r\n",
            "END:VALARM\r\n",
            " folded\r\n",
            "END:VCALENDAR\r\n",
            "\u{ff}",
        ],
        Format::Csv => &[
            "title,start,end,duration_min,room,speakers,date,level,kind\r\n",
            "title;start;duration_min\n",
            "T",
            ",",
            ";",
            "\t",
            "\"",
            "\"\"",
            "\r\n",
            "\n",
            "\r",
            "2027-03-28 02:30",
            "28.03.2027",
            "23:59",
            "00:00",
            "2027-03-28T02:30:00Z",
            "90",
            "-5",
            "99999999999999999999",
            "1:30",
            "'=",
            "beginner",
            "workshop",
            "\u{feff}",
        ],
    }
}

fn soup(format: Format) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(tokens(format)), 0..60)
        .prop_map(|parts| parts.concat().into_bytes())
}

/// One change to a file.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR a byte with a nonzero mask.
    Flip(usize, u8),
    /// Cut the file here.
    Truncate(usize),
    /// Repeat the span of this length starting here (repeated elements, rows, events).
    Duplicate(usize, usize),
    /// Remove the span of this length starting here.
    Delete(usize, usize),
    /// Insert a piece of syntax.
    Insert(usize, &'static str),
}

const NOISE: &[&str] = &[
    "<",
    ">",
    "</",
    "&",
    "&lt;",
    "\"",
    "'",
    ",",
    ";",
    ":",
    "\n",
    "\r\n",
    "{",
    "}",
    "[",
    "]",
    "\u{0}",
    "\u{fffd}",
    "\u{ff}",
    "-",
    "T",
    "99",
    "BEGIN:VEVENT\r\n",
    "<event>",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..400).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<usize>(), prop::sample::select(NOISE)).prop_map(|(at, s)| Mutation::Insert(at, s)),
    ]
}

fn mutate(input: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = input.to_vec();
    for m in mutations {
        let len = out.len();
        match *m {
            Mutation::Flip(at, mask) => {
                if len > 0 {
                    out[at % len] ^= mask;
                }
            }
            Mutation::Truncate(at) => out.truncate(at % (len + 1)),
            Mutation::Duplicate(at, n) => {
                let at = at % (len + 1);
                let piece = out[at..(at + n).min(len)].to_vec();
                out.splice(at..at, piece);
            }
            Mutation::Delete(at, n) => {
                let at = at % (len + 1);
                out.drain(at..(at + n).min(len));
            }
            Mutation::Insert(at, s) => {
                let at = at % (len + 1);
                out.splice(at..at, s.bytes());
            }
        }
    }
    out
}

/// podium's own small files in every format, and the fixture program's exports.
fn fixtures() -> Vec<(Format, Vec<u8>)> {
    let read = |name: &str| std::fs::read(fixture_path(name)).expect("fixture");
    let p = program();
    vec![
        (Format::FrabXml, read("pentabarf-small.xml")),
        (Format::FrabJson, read("frab-small.json")),
        (Format::ICal, read("small.ics")),
        (Format::Csv, read("spreadsheet.csv")),
        (
            Format::FrabXml,
            frab_xml::export(&p, &options()).into_bytes(),
        ),
        (
            Format::FrabJson,
            frab_json::export(&p, &options()).into_bytes(),
        ),
        (Format::ICal, ical::export(&p, &options()).into_bytes()),
        (Format::Csv, csv::export(&p, &options()).into_bytes()),
    ]
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn arbitrary_bytes_never_panic_any_importer(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for format in FORMATS {
            check(format, &bytes)?;
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn token_soup_never_panics_any_importer(
        xml in soup(Format::FrabXml),
        json in soup(Format::FrabJson),
        ics in soup(Format::ICal),
        csv in soup(Format::Csv),
    ) {
        check(Format::FrabXml, &xml)?;
        check(Format::FrabJson, &json)?;
        check(Format::ICal, &ics)?;
        check(Format::Csv, &csv)?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn mutated_fixtures_never_panic_and_what_imports_validates(
        which in 0usize..8,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (format, bytes) = fixtures().swap_remove(which);
        check(format, &mutate(&bytes, &mutations))?;
    }
}

proptest! {
    #![proptest_config(config(16))]

    /// The real schedules are a few MB each: fewer cases, several mutations each.
    #[test]
    fn mutated_real_schedules_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..10),
    ) {
        let files: Vec<_> = ["xml", "json", "ics"]
            .into_iter()
            .flat_map(shared_schedules)
            .collect();
        if files.is_empty() {
            return Ok(());
        }
        let path = which.get(&files);
        let bytes = std::fs::read(path).expect("read");
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let format = Format::detect(&name, &bytes).expect("known extension");
        check(format, &mutate(&bytes, &mutations))?;
    }
}

/// Cell text for the CSV property: separators, quotes, line breaks, Unicode.
fn cell() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(
            &[
                "a", "Z", "9", " ", ",", ";", "\t", "\"", "\n", "é", "日", "'", "=",
            ][..],
        ),
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config(128))]

    /// Whatever the separator and the text, a correctly quoted file reads back cell for cell.
    #[test]
    fn csv_quoting_reads_back_every_title_and_room(
        rows in prop::collection::vec((cell(), cell()), 1..8),
        separator in prop::sample::select(&[',', ';', '\t'][..]),
    ) {
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let sep = separator.to_string();
        let mut text = ["title", "room", "start", "duration_min"].join(&sep);
        text.push_str("\r\n");
        for (i, (title, room)) in rows.iter().enumerate() {
            // A leading letter keeps the title clear of the formula-guard rule.
            let line = [
                quote(&format!("T{title}")),
                quote(&format!("R{room}")),
                format!("2027-05-01 {:02}:00", 8 + i),
                "30".to_owned(),
            ];
            text.push_str(&line.join(&sep));
            text.push_str("\r\n");
        }
        let imported = csv::import_with(text.as_bytes(), &zone_options())
            .map_err(|e| TestCaseError::fail(format!("{e}: {text:?}")))?;
        let got: Vec<(String, String)> = imported
            .program
            .talks
            .iter()
            .map(|t| {
                let pl = imported.program.placements.iter().find(|p| p.talk == t.key).expect("placed");
                let room = imported.program.rooms.iter().find(|r| r.key == pl.room).expect("room");
                (t.title.clone(), room.name.clone())
            })
            .collect();
        let expected: Vec<(String, String)> = rows
            .iter()
            .map(|(t, r)| (format!("T{t}").trim().to_owned(), format!("R{r}").trim().to_owned()))
            .collect();
        prop_assert_eq!(got, expected);
    }
}
