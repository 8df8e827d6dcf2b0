//! Import → Program → export → import again keeps events, rooms, tracks, instants, durations
//! and persons, and the re-export validates against the XSD and the JSON schema.

use std::collections::BTreeSet;

use podium_domain::Program;
use podium_formats::{Imported, frab_json, frab_xml, ical};

use crate::support::{
    assert_valid_json, assert_valid_xml, fixture_path, options, placed_talks, program,
    shared_schedules, to_program,
};

/// What must survive a round trip, per placed talk.
type Signature = (
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Vec<String>,
);

fn signatures(p: &Program) -> BTreeSet<Signature> {
    placed_talks(p)
        .into_iter()
        .map(|t| {
            (
                t.guid,
                t.title,
                t.room,
                t.track,
                t.start,
                t.duration_min,
                t.persons,
            )
        })
        .collect()
}

fn names<T>(items: &[T], f: impl Fn(&T) -> &str) -> BTreeSet<String> {
    items.iter().map(|i| f(i).to_owned()).collect()
}

/// Exports `imported` as XML and JSON, validates both, re-imports both and compares.
/// Returns the number of placed events compared.
fn round_trip(name: &str, imported: &Imported) -> usize {
    let first = to_program(&imported.program);
    let expected = signatures(&first);
    let xml = frab_xml::export(&first, &options());
    assert_valid_xml(&format!("rt-{name}.xml"), &xml);
    let json = frab_json::export(&first, &options());
    assert_valid_json(&format!("rt-{name}.json"), &json);
    for (format, again) in [
        ("xml", frab_xml::import(&xml).expect("re-import xml")),
        ("json", frab_json::import(&json).expect("re-import json")),
    ] {
        let second = to_program(&again.program);
        assert_eq!(
            again.program.placements.len(),
            first.placements.len(),
            "{name} via {format}: placements changed; warnings: {:?}",
            again.warnings
        );
        let got = signatures(&second);
        let missing: Vec<_> = expected.difference(&got).take(3).collect();
        let extra: Vec<_> = got.difference(&expected).take(3).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name} via {format}: lost {missing:?}, gained {extra:?}"
        );
        assert_eq!(
            names(&second.rooms, |r| &r.name),
            names(&first.rooms, |r| &r.name)
        );
        assert_eq!(
            names(&second.tracks, |t| &t.name),
            names(&first.tracks, |t| &t.name)
        );
        assert_eq!(
            second.conference.timezone, first.conference.timezone,
            "{name}"
        );
    }
    expected.len()
}

#[test]
fn own_fixtures_round_trip_through_xml_and_json() {
    let xml = std::fs::read_to_string(fixture_path("pentabarf-small.xml")).expect("fixture");
    let json = std::fs::read_to_string(fixture_path("frab-small.json")).expect("fixture");
    let ics = std::fs::read(fixture_path("small.ics")).expect("fixture");
    assert_eq!(
        round_trip("pentabarf-small", &frab_xml::import(&xml).expect("xml")),
        4
    );
    assert_eq!(
        round_trip("frab-small", &frab_json::import(&json).expect("json")),
        2
    );
    assert_eq!(
        round_trip("small-ics", &ical::import(&ics).expect("ics")),
        2
    );
}

#[test]
fn every_real_schedule_round_trips_through_xml_and_json() {
    let mut events = 0;
    let mut files = 0;
    for path in shared_schedules("xml")
        .into_iter()
        .chain(shared_schedules("json"))
        .chain(shared_schedules("ics"))
    {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let imported = match path.extension().and_then(|e| e.to_str()) {
            Some("xml") => frab_xml::import(&std::fs::read_to_string(&path).expect("read")),
            Some("json") => frab_json::import(&std::fs::read_to_string(&path).expect("read")),
            _ => ical::import(&std::fs::read(&path).expect("read")),
        }
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        events += round_trip(&name, &imported);
        files += 1;
    }
    eprintln!("{files} real schedules round-tripped, {events} placed events compared");
}

#[test]
fn the_fixture_program_round_trips_through_ical() {
    let p = program();
    let again = ical::import(ical::export(&p, &options()).as_bytes()).expect("import");
    let got: BTreeSet<(String, String, i64, i64)> = again
        .program
        .placements
        .iter()
        .map(|pl| {
            let t = again
                .program
                .talks
                .iter()
                .find(|t| t.key == pl.talk)
                .expect("talk");
            let room = again
                .program
                .rooms
                .iter()
                .find(|r| r.key == pl.room)
                .expect("room");
            (
                t.guid.clone().expect("guid kept from UID"),
                room.name.clone(),
                pl.starts_at.as_second(),
                t.duration_min,
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, i64, i64)> = p
        .placements
        .iter()
        .map(|pl| {
            let t = p.talk(pl.talk_id).expect("talk");
            (
                t.guid.clone(),
                p.room(pl.room_id).expect("room").name.clone(),
                pl.starts_at.as_second(),
                t.duration_min,
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(again.program.conference.timezone, "Europe/Berlin");
}
