//! Test helpers: the fixture program, NewProgram → Program conversion, and the external
//! validators (xmllint for the XSD, Python jsonschema and check-jsonschema for the JSON
//! schema) and readers (Python icalendar, c3voc-schedule-tools) from the test venv.

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;
use podium_domain::*;
use podium_formats::ExportOptions;

/// `shared/` next to the workspace, when this checkout has it.
pub fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.is_dir().then_some(p)
}

/// The real schedules in `shared/data/schedules`, or a note and nothing.
pub fn shared_schedules(ext: &str) -> Vec<PathBuf> {
    let Some(dir) = shared_dir() else {
        eprintln!("note: ../shared is absent: skipping the real-schedule part of this test");
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("data/schedules"))
        .expect("schedules dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .filter(|p| !p.ends_with("invalid-example.json"))
        .collect();
    files.sort();
    files
}

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn options() -> ExportOptions {
    ExportOptions {
        base_url: "https://podium.example.org/".into(),
        generated_at: "2027-03-01T12:00:00Z".parse().expect("timestamp"),
    }
}

/// A missing external validator fails the test in CI and is a printed note elsewhere.
fn tool_missing(what: &str) {
    let msg = format!("{what} is not installed (./test.sh installs it)");
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("note: {msg}: skipping this validation");
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

/// Validates XML against the shipped frab XSD with xmllint; returns whether it ran.
pub fn assert_valid_xml(name: &str, xml: &str) -> bool {
    let Some(shared) = shared_dir() else {
        eprintln!("note: ../shared is absent: skipping the XSD validation of {name}");
        return false;
    };
    let xsd = shared.join("data/formats/schedule.xml.xsd");
    let file = write_temp(name, xml);
    let out = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            tool_missing("xmllint");
            return false;
        }
    };
    assert!(
        out.status.success(),
        "{name} is not valid against the XSD:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

// Python's `jsonschema` is the reference implementation of JSON Schema and supports draft-06
// (the schema's draft); it costs no Rust build time, while the `jsonschema` crate would add
// regex, fancy-regex, idna, num and more to every test build on our 2-core machines.
const VALIDATE_PY: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc), key=str)
for e in errors[:20]:
    print(e.json_path, ":", e.message[:300])
sys.exit(1 if errors else 0)
"#;

fn python() -> String {
    std::env::var("PODIUM_FORMATS_PYTHON").unwrap_or_else(|_| {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/podium-formats-venv/bin/python");
        if venv.exists() {
            venv.display().to_string()
        } else {
            "python3".to_owned()
        }
    })
}

/// Writes `files` to the temp dir and runs a program from the test venv on them: `args` come
/// first, then the file paths. Returns whether it succeeded and its output (stdout, then
/// stderr), or `None` (with a note) when the venv lacks the Python `module` it needs.
pub fn run_venv_tool(
    module: &str,
    program: &str,
    args: &[&str],
    files: &[(String, String)],
) -> Option<(bool, String)> {
    let python = python();
    let has_module = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_module {
        tool_missing(&format!("Python {module}"));
        return None;
    }
    let mut cmd = if program == "python" {
        Command::new(&python)
    } else {
        // The venv's console scripts sit next to its python.
        Command::new(Path::new(&python).with_file_name(program))
    };
    cmd.args(args);
    for (name, text) in files {
        cmd.arg(write_temp(name, text));
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    Some((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// Runs the JSON schema validator; `None` when it is not available.
pub fn json_schema_errors(name: &str, json: &str) -> Option<String> {
    let Some(shared) = shared_dir() else {
        eprintln!("note: ../shared is absent: skipping the JSON schema validation of {name}");
        return None;
    };
    let schema = shared.join("data/formats/schedule.schema.json");
    let file = write_temp(name, json);
    let python = python();
    let has_module = Command::new(&python)
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_module {
        tool_missing("Python jsonschema");
        return None;
    }
    let out = Command::new(&python)
        .args(["-c", VALIDATE_PY])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("run python");
    Some(if out.status.success() {
        String::new()
    } else {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Validates JSON against the shipped schedule JSON schema; returns whether it ran.
pub fn assert_valid_json(name: &str, json: &str) -> bool {
    match json_schema_errors(name, json) {
        Some(errors) => {
            assert!(errors.is_empty(), "{name} is not valid:\n{errors}");
            true
        }
        None => false,
    }
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

/// The instant of a Berlin wall time.
pub fn berlin(date: &str, clock: &str) -> Timestamp {
    time::instant(
        time::parse_date(date).expect("date"),
        time::parse_time(clock).expect("time"),
        &time::zone("Europe/Berlin").expect("zone"),
    )
    .expect("instant")
}

pub fn talk(id: i64, title: &str, minutes: i64) -> Talk {
    Talk {
        id: TalkId(id),
        guid: derive_guid("ptc-2027", &format!("t{id}")),
        title: title.into(),
        abstract_md: String::new(),
        kind: TalkKind::Talk,
        level: Level::Beginner,
        duration_min: minutes,
        track_id: None,
        language: "en".into(),
        slides_url: None,
        video_url: None,
        speaker_ids: Vec::new(),
    }
}

pub fn speaker(id: i64, name: &str) -> Speaker {
    Speaker {
        id: SpeakerId(id),
        name: name.into(),
        bio_md: String::new(),
        avatar_url: None,
        links: Vec::new(),
        available: Vec::new(),
    }
}

pub fn room(id: i64, name: &str) -> Room {
    Room {
        id: RoomId(id),
        name: name.into(),
        capacity: 100,
        features: Vec::new(),
        position: id - 1,
    }
}

/// A two-day conference in Europe/Berlin across the 2027-03-28 DST change, with Unicode,
/// markup characters, a long abstract, an unplaced talk and a talk crossing the DST gap.
pub fn program() -> Program {
    let mut talks = vec![
        talk(1, "Opening: welcome, friends; enjoy \\ the show", 30),
        talk(2, "Ünïcödé & <markup> \"quoted\" 'talk'", 45),
        talk(3, "Rust workshop on the DST day", 60),
        talk(4, "Night owls: across the clock change", 90),
        talk(5, "Never placed", 30),
    ];
    talks[0].kind = TalkKind::Keynote;
    talks[0].speaker_ids = vec![SpeakerId(1)];
    talks[0].abstract_md = "A short **welcome**.".into();
    talks[1].speaker_ids = vec![SpeakerId(2), SpeakerId(3)];
    talks[1].track_id = Some(TrackId(1));
    talks[1].language = "de".into();
    talks[1].abstract_md = format!(
        "# Long abstract\n\nSee [the docs](https://example.org/docs?a=1&b=2), then:\n\n{}",
        "Lorem ipsum, dolor; sit \\ amet — ünïcödé ✓ 日本語. ".repeat(12)
    );
    talks[1].slides_url = Some("https://example.org/slides.pdf?x=1&y=2".into());
    talks[2].kind = TalkKind::Workshop;
    talks[2].level = Level::Advanced;
    talks[2].track_id = Some(TrackId(2));
    talks[2].speaker_ids = vec![SpeakerId(1)];
    talks[3].kind = TalkKind::Lightning;
    talks[3].track_id = Some(TrackId(2));
    talks[3].speaker_ids = vec![SpeakerId(3)];
    talks[3].video_url = Some("https://media.example.org/v/4".into());
    let place = |talk: i64, room: i64, starts_at| Placement {
        talk_id: TalkId(talk),
        room_id: RoomId(room),
        starts_at,
        pinned: false,
    };
    Program {
        conference: Conference {
            id: ConferenceId(1),
            slug: Slug::parse("ptc-2027").expect("slug"),
            name: "Podium Test Conf & <Friends>".into(),
            venue: "Kongresshaus".into(),
            timezone: "Europe/Berlin".into(),
            start_date: time::parse_date("2027-03-27").expect("date"),
            end_date: time::parse_date("2027-03-28").expect("date"),
            description: String::new(),
        },
        rooms: vec![
            room(1, "Hall A"),
            room(2, "Room \"B\" & <C>"),
            room(3, "Salle Été"),
        ],
        tracks: vec![
            Track {
                id: TrackId(1),
                name: "Rust & Systems".into(),
                colour: "#1f6f5c".into(),
                description: String::new(),
            },
            Track {
                id: TrackId(2),
                name: "Community".into(),
                colour: "#c2410c".into(),
                description: String::new(),
            },
        ],
        speakers: vec![
            speaker(1, "Zoë Ångström"),
            speaker(2, "Bob \"Tables\" <script>"),
            speaker(3, "李小龙"),
        ],
        talks,
        sessions: Vec::new(),
        slots: Vec::new(),
        breaks: Vec::new(),
        version: Some(ScheduleVersion {
            id: VersionId(1),
            name: Some("1.0".into()),
            released_at: Some(ts("2027-03-01T00:00:00Z")),
        }),
        placements: vec![
            place(1, 1, berlin("2027-03-27", "09:00")),
            place(2, 2, berlin("2027-03-27", "10:00")),
            // 01:30 CET + 90 min = 04:00 CEST (the 02:00 → 03:00 jump is inside).
            place(4, 3, berlin("2027-03-28", "01:30")),
            place(3, 1, berlin("2027-03-28", "10:00")),
        ],
        kudos: vec![],
        sponsors: vec![],
        slides: vec![],
    }
}

/// Turns an imported `NewProgram` into the `Program` the store would return: ids in order,
/// GUIDs derived as the store does, the release as the version.
pub fn to_program(p: &NewProgram) -> Program {
    let rooms: Vec<Room> = p
        .rooms
        .iter()
        .enumerate()
        .map(|(i, r)| Room {
            id: RoomId(i as i64 + 1),
            name: r.name.clone(),
            capacity: r.capacity,
            features: r.features.clone(),
            position: i as i64,
        })
        .collect();
    let room_id =
        |key: &str| RoomId(p.rooms.iter().position(|r| r.key == key).expect("room") as i64 + 1);
    let track_id =
        |key: &str| TrackId(p.tracks.iter().position(|t| t.key == key).expect("track") as i64 + 1);
    let speaker_id = |key: &str| {
        SpeakerId(
            p.speakers
                .iter()
                .position(|s| s.key == key)
                .expect("speaker") as i64
                + 1,
        )
    };
    let talk_id =
        |key: &str| TalkId(p.talks.iter().position(|t| t.key == key).expect("talk") as i64 + 1);
    Program {
        conference: Conference {
            id: ConferenceId(1),
            slug: p.conference.slug.clone(),
            name: p.conference.name.clone(),
            venue: p.conference.venue.clone(),
            timezone: p.conference.timezone.clone(),
            start_date: p.conference.start_date,
            end_date: p.conference.end_date,
            description: p.conference.description.clone(),
        },
        rooms,
        tracks: p
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| Track {
                id: TrackId(i as i64 + 1),
                name: t.name.clone(),
                colour: t.colour.clone(),
                description: t.description.clone(),
            })
            .collect(),
        talks: p
            .talks
            .iter()
            .enumerate()
            .map(|(i, t)| Talk {
                id: TalkId(i as i64 + 1),
                guid: t
                    .guid
                    .clone()
                    .unwrap_or_else(|| derive_guid(p.conference.slug.as_str(), &t.key)),
                title: t.title.clone(),
                abstract_md: t.abstract_md.clone(),
                kind: t.kind,
                level: t.level,
                duration_min: t.duration_min,
                track_id: t.track.as_deref().map(track_id),
                language: t.language.clone(),
                slides_url: t.slides_url.clone(),
                video_url: t.video_url.clone(),
                speaker_ids: t.speakers.iter().map(|s| speaker_id(s)).collect(),
            })
            .collect(),
        speakers: p
            .speakers
            .iter()
            .enumerate()
            .map(|(i, s)| Speaker {
                id: SpeakerId(i as i64 + 1),
                name: s.name.clone(),
                bio_md: s.bio.clone(),
                avatar_url: s.avatar_url.clone(),
                links: s.links.clone(),
                available: Vec::new(),
            })
            .collect(),
        sessions: Vec::new(),
        slots: Vec::new(),
        breaks: Vec::new(),
        version: Some(ScheduleVersion {
            id: VersionId(1),
            name: p.release.clone(),
            released_at: None,
        }),
        placements: p
            .placements
            .iter()
            .map(|pl| Placement {
                talk_id: talk_id(&pl.talk),
                room_id: room_id(&pl.room),
                starts_at: pl.starts_at,
                pinned: false,
            })
            .collect(),
        kudos: vec![],
        sponsors: vec![],
        slides: vec![],
    }
}

/// Compares with `tests/fixtures/{name}`; `PODIUM_FORMATS_BLESS=1` rewrites the file instead
/// (review the diff before committing it), as `insta` would without the dependency.
/// The crate version is stored as `@VERSION@`, so a version bump needs no re-blessing.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = fixture_path(name);
    let actual = actual.replace(env!("CARGO_PKG_VERSION"), "@VERSION@");
    if std::env::var_os("PODIUM_FORMATS_BLESS").is_some() {
        std::fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{name}: {e} (PODIUM_FORMATS_BLESS=1 writes it)"));
    if name.ends_with(".json") {
        // Key order depends on serde_json's `preserve_order`, which another crate's features
        // can switch on in a workspace build; JSON readers ignore it, so compare values.
        let a: serde_json::Value = serde_json::from_str(&actual).expect("export is JSON");
        let e: serde_json::Value = serde_json::from_str(&expected).expect("snapshot is JSON");
        assert_eq!(a, e, "{name} differs (PODIUM_FORMATS_BLESS=1 rewrites it)");
        return;
    }
    assert_eq!(
        actual, expected,
        "{name} differs (PODIUM_FORMATS_BLESS=1 rewrites it)"
    );
}

/// The imported talk with this title.
pub fn imported_talk<'a>(
    imported: &'a podium_formats::Imported,
    title: &str,
) -> &'a podium_domain::NewTalk {
    imported
        .program
        .talks
        .iter()
        .find(|t| t.title == title)
        .unwrap_or_else(|| panic!("no talk {title:?}"))
}

/// Room name and start of a placed talk.
pub fn placed_at(
    imported: &podium_formats::Imported,
    title: &str,
) -> Option<(String, jiff::Timestamp)> {
    let t = imported_talk(imported, title);
    let p = imported
        .program
        .placements
        .iter()
        .find(|p| p.talk == t.key)?;
    let room = imported
        .program
        .rooms
        .iter()
        .find(|r| r.key == p.room)
        .expect("room");
    Some((room.name.clone(), p.starts_at))
}

/// The speaker names of a talk, in order.
pub fn speaker_names(imported: &podium_formats::Imported, title: &str) -> Vec<String> {
    imported_talk(imported, title)
        .speakers
        .iter()
        .map(|k| {
            imported
                .program
                .speakers
                .iter()
                .find(|s| &s.key == k)
                .expect("speaker")
                .name
                .clone()
        })
        .collect()
}

/// One placed talk with what the exports carry; speaker names sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlacedTalk {
    pub guid: String,
    pub title: String,
    pub room: String,
    pub track: Option<String>,
    /// Unix seconds.
    pub start: i64,
    pub duration_min: i64,
    pub persons: Vec<String>,
    pub kind: &'static str,
    pub level: &'static str,
    pub language: String,
}

/// Every placed talk of the program.
pub fn placed_talks(p: &Program) -> std::collections::BTreeSet<PlacedTalk> {
    p.placements
        .iter()
        .map(|pl| {
            let t = p.talk(pl.talk_id).expect("talk");
            let mut persons: Vec<String> = t
                .speaker_ids
                .iter()
                .map(|s| p.speaker(*s).expect("speaker").name.clone())
                .collect();
            persons.sort();
            PlacedTalk {
                guid: t.guid.clone(),
                title: t.title.clone(),
                room: p.room(pl.room_id).expect("room").name.clone(),
                track: t
                    .track_id
                    .map(|id| p.track(id).expect("track").name.clone()),
                start: pl.starts_at.as_second(),
                duration_min: t.duration_min,
                persons,
                kind: t.kind.as_str(),
                level: t.level.as_str(),
                language: t.language.clone(),
            }
        })
        .collect()
}
