//! Our exports read by independent implementations, as real clients would: check-jsonschema
//! (PyPI) validates the JSON, Python's `icalendar` parses the iCal and must see every talk's
//! UID and start and end instants, and c3voc-schedule-tools (the C3 VOC's own library, PyPI)
//! loads the JSON and must see the same events. Run on the fixture program and on the
//! re-export of every real schedule in shared/data/schedules. The tools come from the venv
//! that test.sh builds; without it (or without ../shared for the schema and the real files)
//! the tests print a note and skip.

use std::collections::BTreeSet;

use podium_domain::Program;
use podium_formats::{Format, ImportOptions, frab_json, ical};
use serde_json::Value;

use crate::support::{
    options, placed_talks, program, run_venv_tool, shared_dir, shared_schedules, to_program,
};

/// Per placed talk: GUID, start and end (unix seconds), room, title, sorted speaker names.
type Event = (String, i64, i64, String, String, Vec<String>);

fn expected(p: &Program) -> BTreeSet<Event> {
    placed_talks(p)
        .into_iter()
        .map(|t| {
            (
                t.guid,
                t.start,
                t.start + 60 * t.duration_min,
                t.room,
                t.title,
                t.persons,
            )
        })
        .collect()
}

/// The fixture program and, when ../shared is there, every real schedule imported.
fn programs() -> Vec<(String, Program)> {
    let mut out = vec![("fixture".to_owned(), program())];
    for path in ["xml", "json", "ics"]
        .into_iter()
        .flat_map(shared_schedules)
    {
        let name = path
            .file_stem()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("read");
        let format = Format::detect(&path.to_string_lossy(), &bytes).expect("format");
        let imported = format
            .import(&bytes, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((name, to_program(&imported.program)));
    }
    out
}

#[test]
fn check_jsonschema_accepts_every_json_export_and_rejects_the_invalid_example() {
    let Some(shared) = shared_dir() else {
        eprintln!("note: ../shared is absent: no schema to check against");
        return;
    };
    let schema = shared.join("data/formats/schedule.schema.json");
    let schema = schema.to_string_lossy();
    let files: Vec<(String, String)> = programs()
        .iter()
        .map(|(name, p)| (format!("cj-{name}.json"), frab_json::export(p, &options())))
        .collect();
    let Some((ok, output)) = run_venv_tool(
        "check_jsonschema",
        "check-jsonschema",
        &["--schemafile", &schema],
        &files,
    ) else {
        return;
    };
    assert!(ok, "check-jsonschema rejected an export:\n{output}");
    eprintln!("check-jsonschema: {} JSON exports valid", files.len());
    // And it is a real check: the known-invalid example fails.
    let bad = std::fs::read_to_string(shared.join("data/schedules/invalid-example.json"))
        .expect("read invalid example");
    let (ok, output) = run_venv_tool(
        "check_jsonschema",
        "check-jsonschema",
        &["--schemafile", &schema],
        &[("cj-invalid-example.json".to_owned(), bad)],
    )
    .expect("ran above");
    assert!(
        !ok,
        "check-jsonschema accepted the invalid example:\n{output}"
    );
}

const READ_ICAL_PY: &str = r#"
import json, sys
from icalendar import Calendar
out = []
for path in sys.argv[1:]:
    cal = Calendar.from_ical(open(path, "rb").read())
    events = []
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        assert start.tzinfo is not None and end.tzinfo is not None, "floating time"
        events.append([str(ev["UID"]), int(start.timestamp()), int(end.timestamp()),
                       str(ev.get("LOCATION", "")), str(ev["SUMMARY"])])
    out.append(events)
print(json.dumps(out))
"#;

/// The last line of a tool's stdout as JSON (libraries may log above it).
fn last_json_line(output: &str) -> Value {
    let line = output
        .lines()
        .rev()
        .find(|l| l.starts_with('['))
        .unwrap_or_else(|| panic!("no JSON in the output:\n{output}"));
    serde_json::from_str(line).expect("JSON from the script")
}

#[test]
fn python_icalendar_sees_every_uid_and_instant_of_the_ical_exports() {
    let programs = programs();
    let files: Vec<(String, String)> = programs
        .iter()
        .map(|(name, p)| (format!("ics-{name}.ics"), ical::export(p, &options())))
        .collect();
    let Some((ok, output)) = run_venv_tool("icalendar", "python", &["-c", READ_ICAL_PY], &files)
    else {
        return;
    };
    assert!(ok, "icalendar failed:\n{output}");
    let parsed = last_json_line(&output);
    for ((name, p), events) in programs.iter().zip(parsed.as_array().expect("list")) {
        let got: BTreeSet<(String, i64, i64, String, String)> = events
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                (
                    e[0].as_str().expect("uid").to_owned(),
                    e[1].as_i64().expect("start"),
                    e[2].as_i64().expect("end"),
                    e[3].as_str().expect("location").to_owned(),
                    e[4].as_str().expect("summary").to_owned(),
                )
            })
            .collect();
        let want: BTreeSet<(String, i64, i64, String, String)> = expected(p)
            .into_iter()
            .map(|(guid, start, end, room, title, _)| {
                (format!("{guid}@podium"), start, end, room, title)
            })
            .collect();
        assert_eq!(got.len(), p.placements.len(), "{name}: a UID twice?");
        let missing: Vec<_> = want.difference(&got).take(3).collect();
        let extra: Vec<_> = got.difference(&want).take(3).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: icalendar misses {missing:?}, sees extra {extra:?}"
        );
    }
    eprintln!("icalendar: {} iCal exports agree", programs.len());
}

// c3voc-schedule-tools 1.1.0 reads the frab duration "00:30" as 30 *seconds*
// (`voc.tools.str2timedelta` takes the last part as seconds), so the end is taken from the
// event's `end` field (which the schema prefers: `duration` is deprecated there).
const READ_C3VOC_PY: &str = r#"
import json, sys
import dateutil.parser
from voc.schedule import Schedule
out = []
for path in sys.argv[1:]:
    s = Schedule.from_file(path)
    events = []
    def collect(e):
        events.append([e["guid"], int(e.start.timestamp()),
                       int(dateutil.parser.parse(e["end"]).timestamp()),
                       e["room"], e["title"], sorted(e.persons())])
    s.foreach_event(collect)
    out.append({"version": s.version(), "events": events})
print(json.dumps(out))
"#;

#[test]
fn c3voc_schedule_tools_load_every_json_export_with_the_same_events() {
    let programs = programs();
    let files: Vec<(String, String)> = programs
        .iter()
        .map(|(name, p)| {
            (
                format!("c3voc-{name}.json"),
                frab_json::export(p, &options()),
            )
        })
        .collect();
    let Some((ok, output)) =
        run_venv_tool("voc.schedule", "python", &["-c", READ_C3VOC_PY], &files)
    else {
        return;
    };
    assert!(ok, "c3voc-schedule-tools failed:\n{output}");
    let parsed = last_json_line(&output);
    for ((name, p), schedule) in programs.iter().zip(parsed.as_array().expect("list")) {
        assert_eq!(
            schedule["version"].as_str(),
            Some(
                p.version
                    .as_ref()
                    .and_then(|v| v.name.as_deref())
                    .unwrap_or("unreleased")
            ),
            "{name}"
        );
        let got: BTreeSet<Event> = schedule["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| {
                (
                    e[0].as_str().expect("guid").to_owned(),
                    e[1].as_i64().expect("start"),
                    e[2].as_i64().expect("end"),
                    e[3].as_str().expect("room").to_owned(),
                    e[4].as_str().expect("title").to_owned(),
                    e[5].as_array()
                        .expect("persons")
                        .iter()
                        .map(|n| n.as_str().expect("name").to_owned())
                        .collect(),
                )
            })
            .collect();
        let want = expected(p);
        let missing: Vec<_> = want.difference(&got).take(3).collect();
        let extra: Vec<_> = got.difference(&want).take(3).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name}: c3voc misses {missing:?}, sees extra {extra:?}"
        );
    }
    eprintln!(
        "c3voc-schedule-tools: {} JSON exports agree",
        programs.len()
    );
}
