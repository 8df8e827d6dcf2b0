//! The `podium` binary as an operator runs it: start-up errors, the demo, graceful stop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use podium_testkit::{Backend, free_port, fresh_database};

fn podium() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podium"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("PORT")
        .env("RUST_LOG", "info");
    cmd
}

/// Polls until the server answers `/` (a separate process has no in-process readiness signal).
async fn wait_until_up(port: u16, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/")).await {
            return r.text().await.unwrap();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("podium exited early with {status}");
        }
        assert!(
            Instant::now() < deadline,
            "podium did not start within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "podium did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn unreachable_database_is_one_clear_line_with_the_password_hidden() {
    // Port 1 (tcpmux) has no server on any machine we run on: connecting is refused at once.
    // (A port that was free a moment ago may be taken by a parallel test's server.)
    let port = 1;
    let out = podium()
        .args([
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
        ])
        .env(
            "DATABASE_URL",
            format!("postgres://app:s3cret@127.0.0.1:{port}/podium"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "error: cannot open database postgres://app:***@127.0.0.1:{port}/podium:"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn malformed_database_url_is_refused() {
    let out = podium()
        .args([
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
        ])
        .env("DATABASE_URL", "mysql://root:pw@localhost/x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: cannot open database mysql://root:***@localhost/x: ")
            && stderr.contains("sqlite: or postgres://"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn port_in_use_is_one_clear_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let out = podium()
        .args(["serve", "--bind", "127.0.0.1", "--port", &port.to_string()])
        .env("PODIUM_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        format!("error: cannot listen on 127.0.0.1:{port}: Address already in use (os error 98)")
    );
}

#[test]
fn migrate_creates_the_embedded_database() {
    let dir = tempfile::tempdir().unwrap();
    let status = podium()
        .args(["migrate"])
        .env("PODIUM_DATA_DIR", dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(dir.path().join("podium.db").exists());
}

async fn serve_demo_then_stop(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = podium();
    cmd.args(["serve", "--demo", "--bind", "127.0.0.1"])
        .env("PORT", port.to_string())
        .env("PODIUM_DATA_DIR", dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().unwrap();
    let home = wait_until_up(port, &mut child).await;
    assert!(home.contains("PyConf India 2027"), "{home}");
    let schedule = reqwest::get(format!("http://127.0.0.1:{port}/pyconf-2027/schedule"))
        .await
        .unwrap();
    assert_eq!(schedule.status(), 200);
    let status = terminate(&mut child);
    assert!(status.success(), "graceful stop exits 0, got {status}");
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
    if database_url.is_none() {
        assert!(
            dir.path().join("podium.db").exists(),
            "default database lives in the data directory"
        );
    }
}

#[tokio::test]
async fn serve_demo_on_sqlite_and_stop_on_sigterm() {
    serve_demo_then_stop(None).await;
}

#[tokio::test]
async fn serve_demo_on_postgres_and_stop_on_sigterm() {
    let (url, _dir) = fresh_database(Backend::Postgres).await;
    serve_demo_then_stop(Some(url)).await;
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../podium-formats/tests/fixtures")
        .join(name)
}

#[test]
fn import_dry_run_changes_nothing_and_reports_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let out = podium()
        .args(["import", "--conference", "small-old", "--dry-run"])
        .arg(fixture("pentabarf-small.xml"))
        .env("PODIUM_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3 rooms, 2 tracks, 2 speakers, 5 talks of which 4 placed"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run: nothing was written"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: no time zone given"), "{stderr}");
    assert!(
        !dir.path().join("podium.db").exists(),
        "a dry run opens no database"
    );
}

async fn import_then_read(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let run = |file: &str, slug: &str| {
        let mut cmd = podium();
        cmd.args(["import", "--conference", slug])
            .arg(fixture(file))
            .env("PODIUM_DATA_DIR", dir.path());
        if let Some(url) = &database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    };
    for (file, slug) in [
        ("pentabarf-small.xml", "penta"),
        ("frab-small.json", "frab"),
        ("small.ics", "ics"),
    ] {
        let out = run(file, slug);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("imported into /{slug}/")));
    }
    // The same file again updates the conference in place: nothing to change, nothing duplicated.
    let out = run("frab-small.json", "frab");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("nothing to change"), "{stdout}");
    // Another file into an existing conference: its talks are added, a dry run first.
    let mut dry = podium();
    dry.args(["import", "--conference", "frab", "--dry-run"])
        .arg(fixture("pentabarf-small.xml"))
        .env("PODIUM_DATA_DIR", dir.path());
    if let Some(url) = &database_url {
        dry.env("DATABASE_URL", url);
    }
    let out = dry.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("talks: 5 new"), "{stdout}");
    assert!(stdout.contains("dry run: nothing was written"));

    let url = database_url.unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("podium.db").display()
        )
    });
    let store = podium_store::SqlStore::connect(&url).await.unwrap();
    use podium_store::Store;
    let slugs: Vec<String> = store
        .list_conferences()
        .await
        .unwrap()
        .iter()
        .map(|c| c.slug.to_string())
        .collect();
    assert_eq!(slugs.len(), 3, "{slugs:?}");
    let penta = store.program_by_slug("penta").await.unwrap();
    assert_eq!(
        (penta.rooms.len(), penta.talks.len(), penta.placements.len()),
        (3, 5, 4)
    );
    store.close().await;
}

#[tokio::test]
async fn import_creates_conferences_on_sqlite() {
    import_then_read(None).await;
}

#[tokio::test]
async fn import_creates_conferences_on_postgres() {
    let (url, _dir) = fresh_database(Backend::Postgres).await;
    import_then_read(Some(url)).await;
}

#[test]
fn import_refuses_unusable_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "hello").unwrap();
    let out = podium()
        .args(["import", "--conference", "x", "--dry-run"])
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a schedule podium can read"));
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, "<schedule><day></schedule>").unwrap();
    let out = podium()
        .args(["import", "--conference", "x", "--dry-run"])
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot import"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = podium()
        .args(["import", "--conference", "Bad Slug", "--dry-run"])
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--conference: slug"));
}

#[test]
fn a_real_fosdem_schedule_imports() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/schedules/fosdem-2026.xml");
    if !file.exists() {
        eprintln!(
            "note: ../shared is absent; skipping the FOSDEM import (the fixtures above cover the same code)"
        );
        return;
    }
    let out = podium()
        .args(["import", "--conference", "fosdem-2026", "--dry-run"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("30 rooms, 70 tracks, 927 speakers, 883 talks of which 883 placed")
    );
}

#[test]
fn import_refuses_huge_files_before_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.xml");
    // A sparse 500 MB file: no disk is used, and podium must not read it.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(500_000_000)
        .unwrap();
    let out = podium()
        .args(["import", "--conference", "x", "--dry-run"])
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("is 500 MB; schedules larger than 100 MB are refused")
    );
}

#[test]
fn a_csv_talk_list_imports_in_its_zone_and_a_missing_column_is_named() {
    let out = podium()
        .args(["import", "--conference", "sheet", "--dry-run"])
        .args(["--timezone", "Europe/Berlin"])
        .arg(fixture("spreadsheet.csv"))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("(2027-03-27 to 2027-03-28, Europe/Berlin): 2 rooms, 2 tracks, 4 speakers, 6 talks of which 4 placed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: line 6, column \"Start Time\": \"25:00\" is not a date and time"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("talks.csv");
    std::fs::write(
        &bad,
        "name,start,end\nA,2027-01-01 10:00,2027-01-01 11:00\n",
    )
    .unwrap();
    let out = podium()
        .args(["import", "--conference", "x", "--dry-run"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the CSV file has no \"title\" column"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Unplaced talks only: the days come from --dates.
    let ideas = dir.path().join("ideas.csv");
    std::fs::write(&ideas, "title;speakers\nIdea one;Ann\nIdea two;Bo\n").unwrap();
    let out = podium()
        .args(["import", "--conference", "ideas", "--dry-run"])
        .args(["--dates", "2027-09-01..2027-09-02"])
        .arg(&ideas)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("(2027-09-01 to 2027-09-02, UTC): 0 rooms, 0 tracks, 2 speakers, 2 talks of which 0 placed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_second_instance_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut first = podium()
        .args(["serve", "--bind", "127.0.0.1", "--port", &port.to_string()])
        .env("PODIUM_DATA_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until_up(port, &mut first).await;
    let out = podium()
        .args([
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
        ])
        .env("PODIUM_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another podium serve is already using")
            && stderr.contains("use PostgreSQL"),
        "{stderr}"
    );
    assert!(terminate(&mut first).success());
    // Once the first has stopped, the file is free again.
    let port = free_port();
    let mut again = podium()
        .args(["serve", "--bind", "127.0.0.1", "--port", &port.to_string()])
        .env("PODIUM_DATA_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until_up(port, &mut again).await;
    assert!(terminate(&mut again).success());
}
