//! frab XML and JSON exports of the fixture program: validity against the shipped schemas and
//! the exact values consumers read.

use podium_formats::{frab_json, frab_xml};
use serde_json::Value;

use crate::support::{assert_valid_json, assert_valid_xml, json_schema_errors, options, program};

#[test]
fn frab_xml_export_is_valid_against_the_xsd() {
    let xml = frab_xml::export(&program(), &options());
    assert_valid_xml("fixture-schedule.xml", &xml);
}

#[test]
fn frab_xml_export_gives_local_times_with_offsets_across_the_dst_change() {
    let xml = frab_xml::export(&program(), &options());
    // Saturday is CET (+01:00), Sunday after 02:00 is CEST (+02:00).
    assert!(
        xml.contains("<date>2027-03-27T09:00:00+01:00</date>"),
        "{xml}"
    );
    assert!(xml.contains("<date>2027-03-28T10:00:00+02:00</date>"));
    assert!(xml.contains("<date>2027-03-28T01:30:00+01:00</date>"));
    assert!(xml.contains(
        "<day index=\"2\" date=\"2027-03-28\" start=\"2027-03-28T01:30:00+01:00\" end=\"2027-03-28T11:00:00+02:00\">"
    ));
    assert!(xml.contains("<start>10:00</start>"));
    assert!(xml.contains("<duration>01:30</duration>"));
    assert!(xml.contains("<time_zone_name>Europe/Berlin</time_zone_name>"));
    assert!(xml.contains("<version>1.0</version>"));
    assert!(xml.contains("<days>2</days>"));
}

#[test]
fn frab_xml_export_escapes_markup_and_keeps_unicode() {
    let xml = frab_xml::export(&program(), &options());
    assert!(xml.contains(
        "<title>Ünïcödé &amp; &lt;markup&gt; &quot;quoted&quot; &apos;talk&apos;</title>"
    ));
    assert!(xml.contains("<room name=\"Room &quot;B&quot; &amp; &lt;C&gt;\""));
    assert!(xml.contains(">Bob &quot;Tables&quot; &lt;script&gt;</person>"));
    assert!(xml.contains(">李小龙</person>"));
    assert!(
        xml.contains("<track name=\"Rust &amp; Systems\" color=\"#1f6f5c\" slug=\"rust-systems\">")
    );
    assert!(xml.contains("<url>https://podium.example.org/ptc-2027/talks/2</url>"));
    assert!(xml.contains("<slug>ptc_2027-2-n-c-d-markup-quoted-talk</slug>"));
    assert!(!xml.contains("Never placed"));
}

#[test]
fn frab_xml_export_keeps_talk_guids_and_derives_stable_room_guids() {
    let p = program();
    let xml = frab_xml::export(&p, &options());
    assert!(xml.contains(&format!("<event guid=\"{}\" id=\"1\">", p.talks[0].guid)));
    let room_guid = podium_formats::room_guid(&p, &p.rooms[0]);
    assert_eq!(room_guid, podium_formats::room_guid(&p, &p.rooms[0]));
    assert!(xml.contains(&format!("<room name=\"Hall A\" guid=\"{room_guid}\">")));
    assert_eq!(
        xml,
        frab_xml::export(&p, &options()),
        "export is deterministic"
    );
}

#[test]
fn frab_xml_export_of_an_empty_program_is_valid() {
    let mut p = program();
    p.placements.clear();
    p.version = None;
    let xml = frab_xml::export(&p, &options());
    assert!(xml.contains("<version>unreleased</version>"));
    assert_valid_xml("empty-schedule.xml", &xml);
}

#[test]
fn frab_json_export_is_valid_against_the_schema() {
    let json = frab_json::export(&program(), &options());
    assert_valid_json("fixture-schedule.json", &json);
}

#[test]
fn the_json_validator_rejects_the_known_invalid_example() {
    let Some(shared) = crate::support::shared_dir() else {
        return;
    };
    let bad = std::fs::read_to_string(shared.join("data/schedules/invalid-example.json"))
        .expect("read invalid example");
    if let Some(errors) = json_schema_errors("invalid-example.json", &bad) {
        assert!(
            !errors.is_empty(),
            "the validator accepted a known-invalid file"
        );
    }
}

#[test]
fn frab_json_export_has_days_rooms_and_events() {
    let json: Value =
        serde_json::from_str(&frab_json::export(&program(), &options())).expect("json");
    let conf = &json["schedule"]["conference"];
    assert_eq!(conf["acronym"], "ptc_2027");
    assert_eq!(conf["daysCount"], 2);
    assert_eq!(conf["time_zone_name"], "Europe/Berlin");
    assert_eq!(json["schedule"]["version"], "1.0");
    let day2 = &conf["days"][1];
    assert_eq!(day2["date"], "2027-03-28");
    let hall = day2["rooms"]["Hall A"].as_array().expect("room events");
    assert_eq!(hall.len(), 1);
    assert_eq!(hall[0]["date"], "2027-03-28T10:00:00+02:00");
    assert_eq!(hall[0]["end"], "2027-03-28T11:00:00+02:00");
    assert_eq!(hall[0]["type"], "workshop");
    assert_eq!(hall[0]["track"], "Community");
    assert_eq!(
        hall[0]["persons"][0]["public_name"],
        Value::from("Zoë Ångström")
    );
    let night = &day2["rooms"]["Salle Été"][0];
    assert_eq!(night["duration"], "01:30");
    assert_eq!(night["links"][0]["url"], "https://media.example.org/v/4");
    assert_eq!(day2["rooms"]["Room \"B\" & <C>"], Value::Array(vec![]));
}

/// The fixture program cut down to its first talk.
fn one_talk() -> podium_domain::Program {
    let mut p = program();
    p.placements
        .retain(|pl| pl.talk_id == podium_domain::TalkId(1));
    p.conference.end_date = p.conference.start_date;
    p
}

#[test]
fn frab_xml_export_of_one_talk_is_exact() {
    let xml = frab_xml::export(&one_talk(), &options());
    crate::support::assert_snapshot("expected-one-talk.xml", &xml);
}

#[test]
fn frab_json_export_of_one_talk_is_exact() {
    let json = frab_json::export(&one_talk(), &options());
    crate::support::assert_snapshot("expected-one-talk.json", &json);
}
