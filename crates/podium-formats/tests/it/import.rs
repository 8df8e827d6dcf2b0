//! Lenient importers on podium's own small fixtures (so they run in a bare clone) and on the
//! real schedules in shared/data/schedules.

use podium_domain::{TalkKind, time};
use podium_formats::{frab_json, frab_xml, ical};

use crate::support::{fixture_path, imported_talk, placed_at, shared_schedules, speaker_names, ts};

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture_path(name)).expect("fixture")
}

#[test]
fn pentabarf_xml_imports_with_named_warnings_for_every_adjustment() {
    let imported = frab_xml::import(&read("pentabarf-small.xml")).expect("import");
    assert_eq!(
        imported.warnings,
        vec![
            "ignored unknown element <event/sponsor> (1 time)",
            "no time zone given (time_zone_name): using UTC",
            "event 14 (\"No room, no duration\", line 50): no usable duration: using 15 minutes",
            "event 14 (\"No room, no duration\", line 50): no room: placed in \"(no room)\"",
            "type \"meeting\" (1 event) is not talk/workshop/keynote/lightning: imported as talk",
            "event 11 (\"Overlaps the first\", line 28): overlaps event 10 (\"First événement\", line 15) in the same room: imported unplaced",
            "event 12 (\"Ana again, at the same time\", line 35): speaker \"Ana\" is also in event 10 (\"First événement\", line 15) at the same time: taken off this event",
        ]
    );
    let p = &imported.program;
    assert_eq!(p.conference.name, "Small & Old Conf");
    assert_eq!(p.conference.slug.as_str(), "small-old-conf");
    assert_eq!(p.conference.timezone, "UTC");
    assert_eq!(p.release.as_deref(), Some("imported"));
    assert_eq!(
        placed_at(&imported, "First événement"),
        Some(("Aula".into(), ts("2027-10-30T10:00:00Z")))
    );
    assert_eq!(placed_at(&imported, "Overlaps the first"), None);
    // 01:00 is before the 04:00 day change, so it is the night after 30 October.
    assert_eq!(
        placed_at(&imported, "After midnight, before day_change"),
        Some(("Aula".into(), ts("2027-10-31T01:00:00Z")))
    );
    assert_eq!(
        speaker_names(&imported, "First événement"),
        vec!["Ana", "Ben"]
    );
    assert_eq!(
        speaker_names(&imported, "Ana again, at the same time"),
        Vec::<String>::new()
    );
    let first = imported_talk(&imported, "First événement");
    assert_eq!(first.abstract_md, "<p>HTML abstract</p>");
    assert_eq!(
        first.slides_url.as_deref(),
        Some("https://example.org/slides.pdf")
    );
    assert_eq!(first.language, "fr");
    assert_eq!(
        imported_talk(&imported, "Overlaps the first").kind,
        TalkKind::Workshop
    );
    assert_eq!(
        imported_talk(&imported, "No room, no duration").duration_min,
        15
    );
    let rooms: Vec<&str> = p.rooms.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(rooms, vec!["Aula", "Side room", "(no room)"]);
    let tracks: Vec<(&str, &str)> = p
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.colour.as_str()))
        .collect();
    assert_eq!(tracks, vec![("Main", "#1f6f5c"), ("Side", "#c2410c")]);
    let sessions: Vec<(&str, i64, i64)> = p
        .sessions
        .iter()
        .map(|s| {
            (
                s.room.as_str(),
                (s.ends_at - s.starts_at).as_mins(),
                s.slot_minutes,
            )
        })
        .collect();
    assert_eq!(
        sessions,
        vec![
            ("room-1", 30, 30),
            ("room-1", 60, 60),
            ("room-2", 20, 20),
            ("room-3", 15, 15)
        ]
    );
}

#[test]
fn frab_json_imports_persons_kinds_and_zone() {
    let imported = frab_json::import(&read("frab-small.json")).expect("import");
    assert_eq!(imported.warnings, Vec::<String>::new());
    let p = &imported.program;
    assert_eq!(p.conference.slug.as_str(), "jsonconf27");
    assert_eq!(p.conference.timezone, "America/New_York");
    assert_eq!(p.release.as_deref(), Some("0.3"));
    let hello = imported_talk(&imported, "Hello, \"JSON\"");
    assert_eq!(
        hello.guid.as_deref(),
        Some("0b8e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4")
    );
    assert_eq!(hello.kind, TalkKind::Keynote);
    assert_eq!(
        hello.abstract_md,
        "*A subtitle*\n\nAbstract.\n\nDescription."
    );
    assert_eq!(
        speaker_names(&imported, "Hello, \"JSON\""),
        vec!["Dana", "Eli"]
    );
    assert_eq!(speaker_names(&imported, "Hands-on workshop"), vec!["Dana"]);
    assert_eq!(p.speakers.len(), 2);
    assert_eq!(p.speakers[1].bio, "Bio.");
    let ws = imported_talk(&imported, "Hands-on workshop");
    assert_eq!(ws.kind, TalkKind::Workshop);
    assert_eq!(ws.duration_min, 90);
    assert_eq!(ws.track, None);
    assert_eq!(ws.video_url.as_deref(), Some("https://media.example.org/2"));
    assert_eq!(
        placed_at(&imported, "Hands-on workshop"),
        Some(("Main".into(), ts("2027-05-01T14:15:00Z")))
    );
    // 09:00 + 45 and 10:15 + 90: offsets 0 and 75, durations 45 and 90 → 15-minute slots.
    assert_eq!(p.sessions.len(), 1);
    assert_eq!(p.sessions[0].slot_minutes, 15);
    let rooms: Vec<(&str, i64)> = p
        .rooms
        .iter()
        .map(|r| (r.name.as_str(), r.capacity))
        .collect();
    assert_eq!(rooms, vec![("Main", 120), ("Empty room", 0)]);
    // Relative to the schedule's base_url.
    assert_eq!(
        p.speakers[1].avatar_url.as_deref(),
        Some("https://example.org/media/eli.png")
    );
}

#[test]
fn ical_imports_with_lossy_utf8_named_by_line() {
    let bytes = std::fs::read(fixture_path("small.ics")).expect("fixture");
    let imported = ical::import(&bytes).expect("import");
    assert_eq!(
        imported.warnings,
        vec![
            "line 18: invalid UTF-8: replaced the bad bytes with U+FFFD",
            "line 29: DTSTART is an all-day date: the event is imported unplaced",
            "VEVENT talk-3@example.org (line 27): no start time: imported unplaced",
        ]
    );
    let p = &imported.program;
    assert_eq!(p.conference.name, "ICS Conf");
    assert_eq!(p.conference.timezone, "Europe/Paris");
    let cafe = imported_talk(&imported, "Café, crème; brûlée");
    assert_eq!(cafe.duration_min, 60);
    assert_eq!(
        cafe.abstract_md,
        "Line one\nline two that is folded onto the next physical line of the file."
    );
    assert_eq!(
        placed_at(&imported, "Café, crème; brûlée"),
        Some(("Amphi A".into(), ts("2027-05-17T07:00:00Z")))
    );
    assert_eq!(
        speaker_names(&imported, "Café, crème; brûlée"),
        vec!["Chloé Martin"]
    );
    let tracks: Vec<&str> = p.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tracks, vec!["Food"]);
    let bad = imported_talk(&imported, "Bad byte \u{FFFD} here");
    assert_eq!(bad.duration_min, 45);
    assert_eq!(bad.abstract_md, "");
    assert_eq!(
        p.conference.start_date,
        time::parse_date("2027-05-17").expect("date")
    );
}

#[test]
fn broken_xml_is_an_error_naming_the_line() {
    let err = frab_xml::import("<schedule>\n<day>\n</schedule>").expect_err("broken");
    assert!(
        err.to_string().starts_with("XML syntax error at line 3"),
        "{err}"
    );
}

#[test]
fn every_real_schedule_imports_and_validates() {
    let mut count = 0;
    for path in shared_schedules("xml")
        .into_iter()
        .chain(shared_schedules("json"))
        .chain(shared_schedules("ics"))
    {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let result = match path.extension().and_then(|e| e.to_str()) {
            Some("xml") => frab_xml::import(&std::fs::read_to_string(&path).expect("read")),
            Some("json") => frab_json::import(&std::fs::read_to_string(&path).expect("read")),
            _ => ical::import(&std::fs::read(&path).expect("read")),
        };
        let imported = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(imported.program.validate(), Ok(()), "{name}");
        eprintln!(
            "{name}: {} talks, {} placed, {} rooms, {} tracks, {} speakers, {} warnings",
            imported.program.talks.len(),
            imported.program.placements.len(),
            imported.program.rooms.len(),
            imported.program.tracks.len(),
            imported.program.speakers.len(),
            imported.warnings.len()
        );
        if std::env::var_os("PODIUM_FORMATS_SHOW_WARNINGS").is_some() {
            for w in &imported.warnings {
                eprintln!("  {name}: {w}");
            }
        }
        count += 1;
    }
    eprintln!("{count} real schedules imported");
}

#[test]
fn ical_times_with_an_unknown_tzid_use_the_calendar_zone_with_a_warning() {
    let ics = "BEGIN:VCALENDAR\r\nX-WR-CALNAME:C\r\nX-WR-TIMEZONE:Europe/Berlin\r\nBEGIN:VEVENT\r\nUID:x\r\n\
        SUMMARY:T\r\nLOCATION:R\r\nDTSTART;TZID=W. Europe Standard Time:20270601T100000\r\n\
        DURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let imported = ical::import(ics.as_bytes()).expect("import");
    assert_eq!(
        imported.warnings,
        vec![
            "TZID \"W. Europe Standard Time\" is not an IANA zone: its times are read in Europe/Berlin"
        ]
    );
    assert_eq!(
        placed_at(&imported, "T"),
        Some(("R".into(), ts("2027-06-01T08:00:00Z")))
    );
}
