//! Hostile files: entity expansion, external entities, deep nesting and 50 MB inputs are
//! refused or read in bounded memory, with a clear error naming the problem. (The CLI refuses
//! files over 100 MB before reading them; see crates/podium/tests/it/cli.rs.)

use podium_formats::{Format, ImportError, ImportOptions, csv, frab_json, frab_xml, ical};

/// Peak resident memory of this process in MB (Linux), to show the 50 MB inputs stay bounded.
/// Only under nextest, which runs each test in its own process, is this the test's own peak;
/// under `cargo test` the tests share a process, so there is no number to check.
fn peak_rss_mb() -> Option<u64> {
    if std::env::var("NEXTEST_EXECUTION_MODE").as_deref() != Ok("process-per-test") {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

const FIFTY_MB: usize = 50_000_000;

/// A frab schedule around `inner` (placed in one event's `<title>`).
fn schedule_with_title(doctype: &str, title: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
{doctype}
<schedule><conference><title>Conf</title><time_zone_name>UTC</time_zone_name></conference>
<day index="1" date="2027-01-01"><room name="A">
<event id="1"><date>2027-01-01T10:00:00Z</date><duration>00:30</duration><title>{title}</title></event>
</room></day></schedule>"#
    )
}

#[test]
fn billion_laughs_is_never_expanded() {
    let mut doctype = String::from("<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        doctype.push_str(&format!("<!ENTITY lol{i} \"{refs}\">\n"));
    }
    doctype.push_str("]>");
    let imported =
        frab_xml::import(&schedule_with_title(&doctype, "&lol9;")).expect("imports without it");
    let titles: Vec<&str> = imported
        .program
        .talks
        .iter()
        .map(|t| t.title.as_str())
        .collect();
    // 10^9 "lol"s would be 3 GB; the reference stays as text and is reported.
    assert_eq!(titles, vec!["&lol9;"]);
    assert!(
        imported
            .warnings
            .contains(&"line 16: unknown entity &lol9; kept as text".to_owned()),
        "{:?}",
        imported.warnings
    );
}

#[test]
fn external_entities_are_never_fetched_or_read() {
    let dir = tempfile_dir();
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, "TOP SECRET").expect("write");
    let doctype = format!(
        "<!DOCTYPE s [<!ENTITY xxe SYSTEM \"file://{}\"><!ENTITY net SYSTEM \"http://127.0.0.1:9/x\">]>",
        secret.display()
    );
    let imported = frab_xml::import(&schedule_with_title(&doctype, "&xxe;&net;")).expect("import");
    let title = &imported.program.talks[0].title;
    assert_eq!(title, "&xxe;&net;");
    assert!(!format!("{imported:?}").contains("TOP SECRET"));
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn ten_thousand_deep_nesting_is_refused_naming_the_limit() {
    let xml = format!(
        "<schedule>\n{}{}</schedule>",
        "<day>".repeat(10_000),
        "</day>".repeat(10_000)
    );
    let err = frab_xml::import(&xml).expect_err("too deep");
    assert!(matches!(err, ImportError::NotASchedule(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "not a schedule: line 2: elements nest deeper than 64 levels"
    );
    // JSON: serde_json's own recursion limit (128) refuses it before any tree is built.
    let json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = frab_json::import(&json).expect_err("too deep");
    assert!(
        err.to_string().contains("recursion limit exceeded"),
        "{err}"
    );
    // iCalendar: 10,000 nested BEGIN blocks are just lines; nothing recurses, and the
    // events without a start leave nothing to place.
    let ics = format!(
        "BEGIN:VCALENDAR\r\n{}{}END:VCALENDAR\r\n",
        "BEGIN:VEVENT\r\n".repeat(10_000),
        "END:VEVENT\r\n".repeat(10_000)
    );
    let err = ical::import(ics.as_bytes()).expect_err("nothing placed");
    assert_eq!(
        err.to_string(),
        "not a schedule: no conference dates and no placed events"
    );
}

#[test]
fn a_50_mb_xml_title_is_read_in_bounded_memory() {
    let xml = schedule_with_title("", &"a".repeat(FIFTY_MB));
    let result = frab_xml::import(&xml);
    drop(xml);
    match result {
        Ok(imported) => assert_eq!(imported.program.talks[0].title.len(), FIFTY_MB),
        Err(e) => assert!(e.to_string().contains("title"), "{e}"),
    }
    if let Some(mb) = peak_rss_mb() {
        eprintln!("peak memory: {mb} MB");
        assert!(mb < 1_000, "peak memory {mb} MB for a 50 MB file");
    }
}

#[test]
fn a_50_mb_csv_with_an_unclosed_quote_is_an_error_naming_its_line() {
    let mut text = String::from("title,start,duration_min\nA,2027-01-01 10:00,30\n\"B");
    text.push_str(&"x,".repeat(FIFTY_MB / 2));
    let err = csv::import(text.as_bytes()).expect_err("unclosed");
    assert_eq!(
        err.to_string(),
        "CSV syntax error at line 3: a quoted field is never closed"
    );
    if let Some(mb) = peak_rss_mb() {
        assert!(mb < 1_000, "peak memory {mb} MB for a 50 MB file");
    }
}

#[test]
fn a_50_mb_file_of_many_rows_imports_or_fails_in_every_format() {
    // 50 MB of junk lines that each format must scan once: no quadratic step, bounded memory.
    let junk = "x".repeat(99) + "\n";
    let body = junk.repeat(FIFTY_MB / junk.len());
    let inputs = [
        (Format::FrabXml, format!("<schedule>{body}")),
        (
            Format::FrabJson,
            format!("{{\"schedule\": \"{}\"}}", body.replace('\n', " ")),
        ),
        (
            Format::ICal,
            format!("BEGIN:VCALENDAR\r\n{body}END:VCALENDAR\r\n"),
        ),
        (Format::Csv, format!("title,room\n{body}")),
    ];
    for (format, text) in inputs {
        let result = format.import(text.as_bytes(), &ImportOptions::default());
        match format {
            // A CSV row per line: 500,000 unplaced talks and no dates.
            Format::Csv => assert_eq!(
                result.expect_err("no dates").to_string(),
                "not a schedule: none of the 500000 rows has a start time, so the conference dates must be given"
            ),
            Format::FrabXml | Format::FrabJson => {
                let err = result.expect_err("no schedule inside");
                eprintln!("{format:?}: {err}");
                assert!(matches!(err, ImportError::NotASchedule(_)), "{err:?}");
            }
            Format::ICal => assert_eq!(
                result.expect_err("no events").to_string(),
                "not a schedule: no conference dates and no placed events"
            ),
        }
    }
    if let Some(mb) = peak_rss_mb() {
        eprintln!("peak memory: {mb} MB");
        assert!(mb < 1_500, "peak memory {mb} MB for 50 MB files");
    }
}
