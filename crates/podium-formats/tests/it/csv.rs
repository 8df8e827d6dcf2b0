//! CSV export: exact text for the fixture program. CSV import: the export reads back
//! unchanged; a European spreadsheet (`;`, BOM, aliases, split date and time, quoted line
//! breaks, formula guards) imports with warnings naming line and column; missing columns are
//! errors naming the column.

use jiff::Timestamp;
use podium_domain::{Level, TalkKind, time};
use podium_formats::{Format, ImportError, ImportOptions, Imported, csv};

use crate::support::{
    berlin, fixture_path, imported_talk, options, placed_at, placed_talks, program, speaker_names,
    to_program,
};

#[test]
fn csv_export_has_one_quoted_row_per_placed_talk_in_local_time() {
    let p = program();
    let text = csv::export(&p, &options());
    let g = |i: usize| p.talks[i].guid.clone();
    let expected = [
        "guid,title,track,room,start,end,duration_min,speakers,kind,level,language,url".to_owned(),
        format!(
            "{},\"Opening: welcome, friends; enjoy \\ the show\",,Hall A,2027-03-27 09:00,2027-03-27 09:30,30,Zoë Ångström,keynote,beginner,en,https://podium.example.org/ptc-2027/talks/1",
            g(0)
        ),
        format!(
            "{},\"Ünïcödé & <markup> \"\"quoted\"\" 'talk'\",Rust & Systems,\"Room \"\"B\"\" & <C>\",2027-03-27 10:00,2027-03-27 10:45,45,\"Bob \"\"Tables\"\" <script>; 李小龙\",talk,beginner,de,https://podium.example.org/ptc-2027/talks/2",
            g(1)
        ),
        format!(
            "{},Night owls: across the clock change,Community,Salle Été,2027-03-28 01:30,2027-03-28 04:00,90,李小龙,lightning,beginner,en,https://podium.example.org/ptc-2027/talks/4",
            g(3)
        ),
        format!(
            "{},Rust workshop on the DST day,Community,Hall A,2027-03-28 10:00,2027-03-28 11:00,60,Zoë Ångström,workshop,advanced,en,https://podium.example.org/ptc-2027/talks/3",
            g(2)
        ),
    ];
    assert_eq!(text, expected.join("\r\n") + "\r\n");
}

#[test]
fn csv_export_defuses_spreadsheet_formulas() {
    let mut p = program();
    p.talks[0].title = "=HYPERLINK(\"x\")".into();
    let text = csv::export(&p, &options());
    assert!(text.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{text}");
}

fn berlin_options() -> ImportOptions {
    ImportOptions {
        timezone: Some("Europe/Berlin".into()),
        title: Some("Spreadsheet Conf".into()),
        dates: None,
    }
}

#[test]
fn csv_export_imports_again_unchanged() {
    let mut p = program();
    // A title the exporter guards against formula injection comes back without the guard.
    p.talks[0].title = "=HYPERLINK(\"x\")".into();
    let text = csv::export(&p, &options());
    let imported = csv::import_with(text.as_bytes(), &berlin_options()).expect("import");
    assert_eq!(imported.warnings, Vec::<String>::new());
    let again = to_program(&imported.program);
    // Level, kind and language too: the CSV is the one format that carries them all.
    assert_eq!(placed_talks(&again), placed_talks(&p));
    assert_eq!(again.talks.len(), 4, "only placed talks are exported");
    assert_eq!(again.conference.timezone, "Europe/Berlin");
    assert_eq!(again.conference.name, "Spreadsheet Conf");
    // And the re-export is the same file, byte for byte, apart from the talk URLs (ids).
    let strip_urls = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_owned())
            .collect()
    };
    assert_eq!(
        strip_urls(&csv::export(&again, &options())),
        strip_urls(&text)
    );
}

fn placed(imported: &Imported, title: &str) -> Option<(String, Timestamp, i64)> {
    let (room, start) = placed_at(imported, title)?;
    Some((room, start, imported_talk(imported, title).duration_min))
}

#[test]
fn a_european_spreadsheet_imports_with_warnings_naming_line_and_column() {
    let bytes = std::fs::read(fixture_path("spreadsheet.csv")).expect("fixture");
    let imported = csv::import_with(&bytes, &berlin_options()).expect("import");
    assert_eq!(
        imported.warnings,
        vec![
            "line 1: unknown column \"Notes\" ignored",
            "line 6, column \"Start Time\": \"25:00\" is not a date and time (YYYY-MM-DD HH:MM): imported unplaced",
            "line 7, column \"Difficulty\": \"guru\" is not beginner, intermediate or advanced: using intermediate",
            "line 6 (\"Bad time\"): no start time: imported unplaced",
            "line 9 (\"Unscheduled idea\"): no start time: imported unplaced",
        ]
    );
    let opening = imported_talk(&imported, "Opening; welcome");
    assert_eq!(
        opening.abstract_md,
        "First line\nsecond line with \"quotes\""
    );
    assert_eq!(opening.kind, TalkKind::Keynote);
    assert_eq!(opening.level, Level::Beginner);
    assert_eq!(
        placed(&imported, "Opening; welcome"),
        Some(("Main Hall".into(), berlin("2027-03-27", "09:00"), 30))
    );
    // The formula guard is removed from the title and from each speaker name.
    assert_eq!(speaker_names(&imported, "=SUM(A1)"), vec!["@bob", "Carla"]);
    assert_eq!(imported_talk(&imported, "=SUM(A1)").level, Level::Advanced);
    assert_eq!(
        imported_talk(&imported, "=SUM(A1)").track.as_deref(),
        Some("track-1")
    );
    // 23:30 to 00:30: the end is on the next day.
    assert_eq!(
        placed(&imported, "Late night hack"),
        Some(("Lab".into(), berlin("2027-03-27", "23:30"), 60))
    );
    assert_eq!(
        imported_talk(&imported, "Late night hack").kind,
        TalkKind::Workshop
    );
    assert_eq!(placed(&imported, "Bad time"), None);
    assert_eq!(
        imported_talk(&imported, "Bad level").kind,
        TalkKind::Lightning
    );
    assert_eq!(
        imported_talk(&imported, "Bad level").level,
        Level::Intermediate
    );
    assert_eq!(
        placed(&imported, "Bad level"),
        Some(("Lab".into(), berlin("2027-03-28", "10:00"), 60))
    );
    assert_eq!(placed(&imported, "Unscheduled idea"), None);
    let p = &imported.program;
    let tracks: Vec<&str> = p.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tracks, vec!["Security", "Hacking"]);
    assert_eq!(p.talks.len(), 6);
    assert_eq!(p.placements.len(), 4);
    assert_eq!(
        (p.conference.start_date, p.conference.end_date),
        (
            time::parse_date("2027-03-27").expect("date"),
            time::parse_date("2027-03-28").expect("date")
        )
    );
}

#[test]
fn a_missing_column_is_an_error_naming_it() {
    let cases = [
        (
            "name,start,end\nA,2027-01-01 10:00,2027-01-01 11:00\n",
            "the CSV file has no \"title\" column: the header line (line 1) has \"name\", \"start\", \"end\"",
        ),
        (
            "title,start\nA,2027-01-01 10:00\n",
            "the CSV file has no \"end\" column: a \"start\" column needs \"end\" or \"duration_min\"",
        ),
        (
            "title,end\nA,2027-01-01 10:00\n",
            "the CSV file has no \"start\" column: an \"end\" column needs a \"start\" column",
        ),
        (
            "title;date;duration\nA;2027-01-01;30\n",
            "the CSV file has no \"start\" column: a \"date\" column needs a \"start\" column with the time of day",
        ),
    ];
    for (text, message) in cases {
        let err = csv::import(text.as_bytes()).expect_err(text);
        assert!(matches!(err, ImportError::MissingColumn { .. }), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn an_unclosed_quote_is_an_error_naming_its_line() {
    let err = csv::import(
        b"title,start,duration_min\nA,2027-01-01 10:00,30\n\"B,2027-01-01 11:00,30\nC,x,y\n",
    )
    .expect_err("unclosed");
    assert_eq!(
        err.to_string(),
        "CSV syntax error at line 3: a quoted field is never closed"
    );
}

#[test]
fn without_a_zone_times_are_utc_with_a_warning_and_an_unknown_zone_is_an_error() {
    let text =
        b"Title,Start,Duration (min),Location\nA,2027-06-01 08:00,45,R\nB,2027-06-01T12:00:00+02:00,1:30,R\n";
    let imported = csv::import(text).expect("import");
    assert_eq!(
        imported.warnings,
        vec![
            "no time zone given: the file's local times are read as UTC",
            "no conference title: using \"Imported conference\"",
        ]
    );
    assert_eq!(
        placed(&imported, "A"),
        Some(("R".into(), "2027-06-01T08:00:00Z".parse().expect("ts"), 45))
    );
    // An explicit offset is an instant whatever the zone.
    assert_eq!(
        placed(&imported, "B"),
        Some(("R".into(), "2027-06-01T10:00:00Z".parse().expect("ts"), 90))
    );
    let err = csv::import_with(
        text,
        &ImportOptions {
            timezone: Some("Mars/Olympus".into()),
            ..ImportOptions::default()
        },
    )
    .expect_err("unknown zone");
    assert_eq!(
        err.to_string(),
        "unknown time zone \"Mars/Olympus\" (expected an IANA name such as Europe/Berlin)"
    );
}

#[test]
fn unplaced_talks_import_when_the_dates_are_given() {
    let text = b"title,abstract,speakers,duration\nIdea one,Why,\"Ann; Bo\",40\nIdea two,,Ann,\n";
    let err = csv::import(text).expect_err("no dates");
    assert_eq!(
        err.to_string(),
        "not a schedule: none of the 2 rows has a start time, so the conference dates must be given"
    );
    let day = time::parse_date("2027-09-01").expect("date");
    assert_eq!(ImportOptions::parse_dates("2027-09-01"), Ok((day, day)));
    assert_eq!(
        ImportOptions::parse_dates("2027-09-01..2027-09-03"),
        Ok((day, time::parse_date("2027-09-03").expect("date")))
    );
    assert_eq!(
        ImportOptions::parse_dates("2027-09-02..2027-09-01"),
        Err("2027-09-01 is before 2027-09-02".to_owned())
    );
    let imported = csv::import_with(
        text,
        &ImportOptions {
            dates: Some((day, day)),
            ..berlin_options()
        },
    )
    .expect("import");
    assert_eq!(imported.program.placements.len(), 0);
    assert_eq!(imported.program.conference.start_date, day);
    assert_eq!(imported_talk(&imported, "Idea one").duration_min, 40);
    assert_eq!(imported_talk(&imported, "Idea one").abstract_md, "Why");
    assert_eq!(imported_talk(&imported, "Idea two").duration_min, 15);
    assert_eq!(speaker_names(&imported, "Idea one"), vec!["Ann", "Bo"]);
    assert_eq!(speaker_names(&imported, "Idea two"), vec!["Ann"]);
}

#[test]
fn bad_cells_are_warnings_naming_line_and_column() {
    let text = "title,date,start,end,duration_min\n\
        A,2027-02-30,10:00,11:00,60\n\
        B,2027-03-01,10:00,10:30,abc\n\
        C,2027-03-01,11:00,11:30,45\n\
        D,2027-03-01,12:00,,\n\
        E,,09:00,,20\n";
    let imported = csv::import_with(text.as_bytes(), &berlin_options()).expect("import");
    assert_eq!(
        imported.warnings,
        vec![
            "line 2, column \"date\": \"2027-02-30\" is not a date (YYYY-MM-DD or DD.MM.YYYY): imported unplaced",
            "line 3, column \"duration_min\": \"abc\" is not a number of minutes: ignored",
            "line 4: the end says 30 minutes, \"duration_min\" says 45: using the end",
            "line 6, column \"start\": \"09:00\" has no date (write YYYY-MM-DD HH:MM or add a \"date\" column): imported unplaced",
            "line 2 (\"A\"): no start time: imported unplaced",
            "line 3 (\"B\"): no room: placed in \"(no room)\"",
            "line 4 (\"C\"): no room: placed in \"(no room)\"",
            "line 5 (\"D\"): no usable duration: using 15 minutes",
            "line 5 (\"D\"): no room: placed in \"(no room)\"",
            "line 6 (\"E\"): no start time: imported unplaced",
        ]
    );
    assert_eq!(imported_talk(&imported, "B").duration_min, 30);
    assert_eq!(imported_talk(&imported, "E").duration_min, 20);
}

#[test]
fn tabs_utf16_and_windows_1252_files_are_read() {
    // Excel's "Unicode text": UTF-16LE with a BOM, tab-separated.
    let tsv = "title\tstart\tduration_min\troom\nCafé\t2027-05-01 10:00\t30\tSalle Été\n";
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    let imported = csv::import_with(&utf16, &berlin_options()).expect("utf-16");
    assert_eq!(
        placed(&imported, "Café"),
        Some(("Salle Été".into(), berlin("2027-05-01", "10:00"), 30))
    );
    // Excel's "CSV" on Windows: Windows-1252 ("é" is 0xE9, "€" is 0x80).
    let cp1252 = b"title,start,duration_min,room\nCaf\xe9 \x80,2027-05-01 10:00,30,A\n";
    let imported = csv::import_with(cp1252, &berlin_options()).expect("cp1252");
    assert_eq!(
        imported.warnings,
        vec![
            "line 2: the file is not UTF-8: read as Windows-1252 (save it as \"CSV UTF-8\" if names look wrong)"
        ]
    );
    assert_eq!(imported_talk(&imported, "Café €").duration_min, 30);
}

#[test]
fn formats_are_detected_by_extension_then_by_content() {
    assert_eq!(Format::detect("talks.CSV", b"anything"), Some(Format::Csv));
    assert_eq!(Format::detect("x.tsv", b""), Some(Format::Csv));
    assert_eq!(Format::detect("x.ics", b""), Some(Format::ICal));
    assert_eq!(
        Format::detect("upload", "\u{feff}title;start\n".as_bytes()),
        Some(Format::Csv)
    );
    assert_eq!(
        Format::detect("upload", b"  <schedule>"),
        Some(Format::FrabXml)
    );
    assert_eq!(
        Format::detect("upload", b"{\"schedule\":1}"),
        Some(Format::FrabJson)
    );
    assert_eq!(
        Format::detect("upload", b"BEGIN:VCALENDAR\r\n"),
        Some(Format::ICal)
    );
    assert_eq!(Format::detect("notes.txt", b"hello"), None);
    // XML with a stray Latin-1 byte: read, with a warning naming the line.
    let xml = b"<schedule>\n<conference><title>Caf\xe9</title><start>2027-01-01</start></conference>\n</schedule>";
    let imported = Format::FrabXml
        .import(xml, &ImportOptions::default())
        .expect("import");
    assert_eq!(
        imported.warnings[0],
        "line 2: invalid UTF-8: replaced the bad bytes with U+FFFD"
    );
    assert_eq!(imported.program.conference.name, "Caf\u{fffd}");
    let csv_bytes = std::fs::read(fixture_path("spreadsheet.csv")).expect("fixture");
    let via_format = Format::Csv
        .import(&csv_bytes, &berlin_options())
        .expect("import");
    assert_eq!(
        via_format,
        csv::import_with(&csv_bytes, &berlin_options()).expect("import")
    );
}

#[test]
fn every_real_schedule_round_trips_through_csv() {
    let mut files = 0;
    for path in ["xml", "json", "ics"]
        .into_iter()
        .flat_map(crate::support::shared_schedules)
    {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("read");
        let first = Format::detect(&name, &bytes)
            .expect("format")
            .import(&bytes, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let first = to_program(&first.program);
        let text = csv::export(&first, &options());
        let again = csv::import_with(
            text.as_bytes(),
            &ImportOptions {
                timezone: Some(first.conference.timezone.clone()),
                ..ImportOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = to_program(&again.program);
        // A CSV names speakers only, so two people who share a name (merged feeds reuse names
        // across systems) become one, who may then be taken off a clashing talk: leave those
        // names out of the comparison.
        let mut seen = std::collections::HashSet::new();
        let shared_names: std::collections::HashSet<&str> = first
            .speakers
            .iter()
            .filter(|s| !seen.insert(s.name.as_str()))
            .map(|s| s.name.as_str())
            .collect();
        let comparable = |p: &podium_domain::Program| -> std::collections::BTreeSet<_> {
            placed_talks(p)
                .into_iter()
                .map(|mut t| {
                    t.persons.retain(|n| !shared_names.contains(n.as_str()));
                    t
                })
                .collect()
        };
        let (want, got) = (comparable(&first), comparable(&again));
        let missing: Vec<_> = want.difference(&got).take(2).collect();
        let extra: Vec<_> = got.difference(&want).take(2).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: lost {missing:?}, gained {extra:?}"
        );
        files += 1;
    }
    eprintln!("{files} real schedules round-tripped through CSV");
}
