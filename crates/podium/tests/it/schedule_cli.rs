//! `podium schedule` and `podium plan` as a user runs them: malformed input gives one error line
//! naming the field and id and exit code 2; good input gives a solution file and a summary (or
//! a format table).

use std::path::PathBuf;
use std::process::Command;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("podium-cli-{}-{name}", std::process::id()))
}

const INSTANCE: &str = r#"{"format":"podium.schedule.instance/1","name":"cli",
  "rooms":[{"id":"R1","capacity":50,"features":[]}],
  "slots":[{"id":"X1","room":"R1","start":"2024-01-01T10:00","end":"2024-01-01T10:30","session":"a"},
           {"id":"X2","room":"R1","start":"2024-01-01T10:30","end":"2024-01-01T11:00","session":"a"}],
  "talks":[{"id":"T1","duration":30,"topic":"web","speakers":["S1"],"demand":10},
           {"id":"T12","duration":30,"topic":"web","speakers":["SPEAKER"],"demand":70}],
  "speakers":[{"id":"S1"},{"id":"S2"}],
  "attendees":[{"id":"A1","wants":["T1","T12"]}]}"#;

fn schedule(instance: &str, name: &str) -> (Option<i32>, String, String, PathBuf) {
    let input = temp(&format!("{name}.json"));
    let output = temp(&format!("{name}-solution.json"));
    std::fs::write(&input, instance).expect("write instance");
    let out = Command::new(env!("CARGO_BIN_EXE_podium"))
        .args([
            "schedule",
            "--time-limit",
            "0.2",
            "--iterations",
            "500",
            "-o",
        ])
        .arg(&output)
        .arg(&input)
        .output()
        .expect("podium runs");
    let _ = std::fs::remove_file(&input);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        output,
    )
}

#[test]
fn unknown_speaker_exits_2_with_one_line_naming_talk_and_speaker() {
    let (code, stdout, stderr, output) =
        schedule(&INSTANCE.replace("SPEAKER", "S99"), "unknown-speaker");
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        lines[0].ends_with("talk T12: speaker S99 is not defined"),
        "{stderr}"
    );
    assert!(!output.exists());
}

#[test]
fn broken_json_exits_2() {
    let (code, _, stderr, _) = schedule("{\"format\": ", "broken");
    assert_eq!(code, Some(2));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("instance JSON: "), "{stderr}");
}

#[test]
fn good_instance_writes_a_solution_and_a_summary() {
    let (code, stdout, _, output) = schedule(&INSTANCE.replace("SPEAKER", "S2"), "good");
    assert_eq!(code, Some(0));
    let solution: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("solution written"))
            .expect("solution is JSON");
    let _ = std::fs::remove_file(&output);
    assert_eq!(solution["format"], "podium.schedule.solution/1");
    assert_eq!(solution["metrics"]["unscheduled"], 0);
    // One room: the two wanted talks run one after the other, so nothing is missed; T12 has 20
    // people more than seats: objective 0.05 · 20.
    assert_eq!(solution["metrics"]["missed"], 0);
    assert_eq!(solution["metrics"]["overflow"], 20);
    assert_eq!(solution["metrics"]["objective"], 1.0);
    assert!(
        stdout.contains("objective                1.000000"),
        "{stdout}"
    );
}

const VENUE: &str = r#"{"format":"podium.venue/1","name":"v",
  "rooms":[{"id":"A","capacity":50},{"id":"B","capacity":300}],
  "days":["2027-05-01"],
  "sessions":[{"start":"09:00","end":"10:00"},{"start":"10:30","end":"END"}],
  "slot_minutes":30}"#;

fn plan(venue: &str, name: &str) -> (Option<i32>, String, String) {
    let venue_path = temp(&format!("{name}-venue.json"));
    let talks_path = temp(&format!("{name}-talks.json"));
    std::fs::write(&venue_path, venue).expect("write venue");
    std::fs::write(&talks_path, INSTANCE.replace("SPEAKER", "S2")).expect("write talks");
    let out = Command::new(env!("CARGO_BIN_EXE_podium"))
        .args(["plan", "--time-limit", "0.1", "--talks"])
        .arg(&talks_path)
        .arg(&venue_path)
        .output()
        .expect("podium runs");
    let _ = std::fs::remove_file(&venue_path);
    let _ = std::fs::remove_file(&talks_path);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn plan_compares_the_three_formats() {
    let (code, stdout, stderr) = plan(&VENUE.replace("END", "11:30"), "plan-good");
    assert_eq!(code, Some(0), "{stderr}");
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip(1)
        .take(3)
        .map(|l| l.split_whitespace().collect())
        .collect();
    // format, slots, unscheduled, missed: two talks fit everywhere; only multi-track and mixed
    // have parallel rooms, and the one attendee's two talks never need to clash.
    assert_eq!(rows[0][..4], ["single-track", "4", "0", "0"]);
    assert_eq!(rows[1][..4], ["multi-track", "8", "0", "0"]);
    assert_eq!(rows[2][..4], ["mixed", "6", "0", "0"]);
}

#[test]
fn plan_with_a_bad_session_exits_2_naming_the_field() {
    let (code, stdout, stderr) = plan(&VENUE.replace("END", "10:00"), "plan-bad");
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.ends_with("sessions[1]: `10:30`–`10:00` is not a window HH:MM–HH:MM\n"),
        "{stderr}"
    );
}
