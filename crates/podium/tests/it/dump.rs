//! Backup and move: a conference dumped on one backend and restored on the other dumps again
//! to the same document; a dump holds no password hash, session or token; a restore never
//! overwrites; `podium move` copies a whole SQLite install to PostgreSQL (passwords and
//! sessions still work there) — through the store and through the binary.

use std::process::Command;

use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_REVIEWER, DEMO_SLUG, DEMO_SPEAKER};
use podium_domain::*;
use podium_store::{
    ConferenceDump, CountDelta, DumpError, KudosState, NewFeedback, NewSlideFile, SqlStore, Store,
};
use podium_testkit::{Backend, TestApp, csrf_of, fresh_database};

/// The demo conference with something in every table a dump holds: the open CFP with
/// comments (a thread), votes, a review, assignments, a conflict, a reviewer team, settings
/// that name tracks, an accepted and confirmed proposal, feedback, a sponsor, wants, slides
/// and view counts, a cancelled talk — plus an API token and sessions, which it must not hold.
/// Returns the secrets a dump must not contain.
pub(crate) async fn populate(app: &TestApp) -> Vec<String> {
    demo::load(&*app.store).await.unwrap();
    demo::load_cfp(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let cfp = app.store.cfp();
    let program = app.store.program(conf.id).await.unwrap();
    let mut settings = cfp.settings(conf.id).await.unwrap();
    let now = jiff::Timestamp::now().as_second();
    settings.opens_at = Some(now - 86_400);
    settings.closes_at = Some(now + 30 * 86_400);
    settings.tracks = program.tracks.iter().take(2).map(|t| t.id).collect();
    cfp.save_settings(conf.id, &settings).await.unwrap();

    let user = |email: &'static str| {
        let store = app.store.clone();
        async move { store.credentials(email).await.unwrap().user }
    };
    let speaker = user(DEMO_SPEAKER.0).await;
    let reviewer = user(DEMO_REVIEWER.0).await;
    let organizer = user(DEMO_ORGANIZER.0).await;
    let fan_cookie = app.sign_up("fan@example.org").await;
    let fan = user("fan@example.org").await;
    let proposals = cfp.proposals(conf.id).await.unwrap();
    let (p1, p2) = (proposals[0].id, proposals[1].id);

    let top = cfp.add_comment(p1, fan, None, "Great idea").await.unwrap();
    cfp.add_comment(p1, speaker, Some(top), "Thanks!")
        .await
        .unwrap();
    cfp.vote(p1, fan, Some(1)).await.unwrap();
    cfp.vote(p2, fan, Some(1)).await.unwrap();
    cfp.save_review(&Review {
        proposal: p1,
        reviewer,
        scores: vec![("content".into(), 3), ("fit".into(), 2)],
        text: "Solid.".into(),
        abstain: false,
        updated_at: now,
    })
    .await
    .unwrap();
    cfp.add_assignments(&[(p1, reviewer), (p2, reviewer)])
        .await
        .unwrap();
    cfp.set_conflict(p2, organizer, true).await.unwrap();
    cfp.set_reviewer_tracks(conf.id, reviewer, &[program.tracks[0].id])
        .await
        .unwrap();
    cfp.stage(conf.id, &[p1], Some(Decision::Accepted))
        .await
        .unwrap();
    podium_app::cfp::release_decisions(&*app.store, &conf, "https://podium.test")
        .await
        .unwrap();
    let owner = cfp.proposal(p1).await.unwrap().owner;
    cfp.confirm(p1, owner, true).await.unwrap().expect("a talk");

    let talk = program.talks[0].id;
    app.store
        .save_feedback(&NewFeedback {
            talk,
            user: fan,
            rating: 5,
            comment: "Clear.".into(),
            kudos: "Loved it".into(),
        })
        .await
        .unwrap();
    let feedback = app.store.feedback_of(conf.id).await.unwrap();
    app.store
        .moderate_kudos(conf.id, feedback[0].id, KudosState::Approved)
        .await
        .unwrap();
    app.store
        .add_sponsor(
            conf.id,
            &NewSponsor {
                name: "Acme".into(),
                level: "Gold".into(),
                url: "https://acme.example".into(),
                logo_url: None,
                blurb: "Rockets.".into(),
            },
        )
        .await
        .unwrap();
    app.store.set_interest(fan, talk, true).await.unwrap();
    app.store
        .set_interest(fan, program.talks[1].id, true)
        .await
        .unwrap();
    app.store
        .replace_talk_slides(
            conf.id,
            talk,
            &NewSlideFile {
                storage_key: "slides/deck.pdf".into(),
                sha256: "ab".repeat(32),
                size_bytes: 1234,
            },
        )
        .await
        .unwrap();
    app.store
        .add_talk_counts(&[CountDelta {
            talk,
            day: now.div_euclid(86_400) * 86_400,
            views: 7,
            downloads: 2,
        }])
        .await
        .unwrap();
    app.store
        .set_talk_cancelled(conf.id, program.talks[2].id, true)
        .await
        .unwrap();

    // Secrets: the organizer's session, its form token, an API token's hash, password hashes.
    let organizer_cookie = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (_, html) = app
        .get_with_cookie(&format!("/{DEMO_SLUG}/organizer/api"), &organizer_cookie)
        .await;
    let r = app
        .post_form(
            &format!("/{DEMO_SLUG}/organizer/api"),
            &[("csrf", &csrf_of(&html)), ("name", "script")],
            Some(&organizer_cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    let mut secrets = vec![
        organizer_cookie
            .trim_start_matches("podium_session=")
            .to_owned(),
        fan_cookie.trim_start_matches("podium_session=").to_owned(),
        csrf_of(&html),
        "$argon2".to_owned(),
    ];
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 1);
    pool.close().await;
    secrets.extend(hashes);
    secrets
}

/// The dump with `slug` where the original had another (a restore under a new name).
fn renamed(mut dump: ConferenceDump, slug: &str) -> ConferenceDump {
    dump.conference = slug.to_owned();
    for row in dump.tables.get_mut("conferences").unwrap() {
        row.insert("slug".into(), slug.into());
    }
    dump
}

async fn dump_then_restore_elsewhere(from: Backend, to: Backend) {
    let source = TestApp::spawn(from).await;
    let secrets = populate(&source).await;
    let dump = source.store.dump_conference(DEMO_SLUG).await.unwrap();

    // Everything is there, and nothing secret.
    let n = |t: &str| dump.tables[t].len();
    assert_eq!(n("conferences"), 1);
    assert_eq!(n("talks"), 81, "80 demo talks and the confirmed proposal");
    assert_eq!(n("proposals"), 4);
    assert_eq!(n("proposal_comments"), 2);
    assert_eq!(n("proposal_votes"), 2);
    assert_eq!(n("reviews"), 1);
    assert_eq!(n("review_conflicts"), 1);
    assert_eq!(n("reviewer_tracks"), 1);
    assert_eq!(n("feedback"), 1);
    assert_eq!(n("sponsors"), 1);
    assert_eq!(n("interests"), 2);
    assert_eq!(n("talk_slides"), 1);
    assert_eq!(n("talk_counts"), 1);
    assert_eq!(n("talk_cancellations"), 1);
    assert_eq!(n("cfp_settings"), 1);
    for absent in [
        "users",
        "web_sessions",
        "api_tokens",
        "feed_tokens",
        "account_tokens",
        "invitations",
        "outbox",
        "changes",
    ] {
        assert!(!dump.tables.contains_key(absent), "{absent} is dumped");
    }
    let emails: Vec<&str> = dump.users.iter().map(|u| u.email.as_str()).collect();
    assert!(emails.contains(&"fan@example.org") && emails.contains(&DEMO_ORGANIZER.0));
    let json = serde_json::to_string(&dump).unwrap();
    for secret in &secrets {
        assert!(!json.contains(secret.as_str()), "the dump holds {secret}");
    }
    // The settings' track ids are the dump's own.
    let settings: serde_json::Value =
        serde_json::from_str(dump.tables["cfp_settings"][0]["settings"].as_str().unwrap()).unwrap();
    let conf = source.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let program = source.store.program(conf.id).await.unwrap();
    let offered: Vec<serde_json::Value> = program.tracks[..2]
        .iter()
        .map(|t| {
            dump.tables["tracks"]
                .iter()
                .find(|row| row["name"] == t.name.as_str())
                .unwrap()["id"]
                .clone()
        })
        .collect();
    assert_eq!(settings["tracks"], serde_json::Value::Array(offered));

    // Restored on the other backend, it dumps to the same document.
    let target = TestApp::spawn(to).await;
    target
        .store
        .restore_conference(&dump, DEMO_SLUG)
        .await
        .unwrap();
    let again = target.store.dump_conference(DEMO_SLUG).await.unwrap();
    assert_eq!(again, dump);
    // And it is a working conference: its pages, its CFP, its organizer (who has no password
    // here yet, so asks for a reset).
    let (status, html) = target.get(&format!("/{DEMO_SLUG}/schedule")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Lunch"), "{html}");
    let restored = target.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let commented = target
        .store
        .cfp()
        .proposals(restored.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.title == dump.tables["proposals"][0]["title"])
        .unwrap();
    let (status, html) = target
        .get(&format!("/{DEMO_SLUG}/proposals/{}", commented.id))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Great idea") && html.contains("Thanks!"),
        "{html}"
    );
    let organizer = target.store.credentials(DEMO_ORGANIZER.0).await.unwrap();
    assert_eq!(organizer.password_hash, None);

    // Never over an existing conference, on either side.
    let taken = target.store.restore_conference(&dump, DEMO_SLUG).await;
    assert!(matches!(taken, Err(DumpError::SlugTaken(ref s)) if s == DEMO_SLUG));
    let taken = source.store.restore_conference(&dump, DEMO_SLUG).await;
    assert!(matches!(taken, Err(DumpError::SlugTaken(_))));
    assert_eq!(
        source.store.dump_conference(DEMO_SLUG).await.unwrap(),
        dump,
        "a refused restore changes nothing"
    );
    // Under another slug on the same install: users are shared, ids are new, the content
    // is the same.
    source
        .store
        .restore_conference(&dump, "pyconf-copy")
        .await
        .unwrap();
    let copy = source.store.dump_conference("pyconf-copy").await.unwrap();
    assert_eq!(renamed(copy, DEMO_SLUG), dump);
    let before = source.store.dump_conference(DEMO_SLUG).await.unwrap();
    assert_eq!(before, dump, "the original is untouched");
}

#[tokio::test]
async fn a_dump_restored_on_postgres_dumps_the_same() {
    dump_then_restore_elsewhere(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test]
async fn a_dump_restored_on_sqlite_dumps_the_same() {
    dump_then_restore_elsewhere(Backend::Postgres, Backend::Sqlite).await;
}

#[tokio::test]
async fn move_copies_a_whole_sqlite_install_to_postgres() {
    let source = TestApp::spawn(Backend::Sqlite).await;
    populate(&source).await;
    let fan = source.sign_up("second@example.org").await;
    let before = source.store.dump_conference(DEMO_SLUG).await.unwrap();

    let target = TestApp::spawn(Backend::Postgres).await;
    let report = source.store.move_install(&target.store).await.unwrap();
    assert_eq!(report.conferences, vec![DEMO_SLUG.to_owned()]);
    assert_eq!(
        report.rows["users"], 5,
        "the demo's three, the fan and one more"
    );
    assert_eq!(
        target.store.dump_conference(DEMO_SLUG).await.unwrap(),
        before
    );
    // The same install: passwords, sessions and ids still work there.
    target.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (status, html) = target.get_with_cookie("/account", &fan).await;
    assert_eq!(status, 200);
    assert!(html.contains("second@example.org"), "{html}");
    // New rows get fresh ids (the identity sequences moved past the copied ids).
    target.sign_up("new@example.org").await;
    let r = target.store.restore_conference(&before, "copy").await;
    assert!(r.is_ok(), "{r:?}");

    // The target is no longer empty: a second move is refused and changes nothing.
    let again = source.store.move_install(&target.store).await;
    assert!(
        matches!(again, Err(DumpError::TargetNotEmpty(_))),
        "{again:?}"
    );
}

fn podium() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podium"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("PODIUM_DATA_DIR")
        .env("RUST_LOG", "warn");
    cmd
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn dump_restore_and_move_through_the_binary() {
    // An install in a data directory, as `podium serve` makes it.
    let data = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        data.path().join("podium.db").display()
    );
    {
        let store = SqlStore::connect(&url).await.unwrap();
        demo::load(&store).await.unwrap();
        demo::load_cfp(&store).await.unwrap();
        store.close().await;
    }
    let out = podium()
        .args(["dump", "--conference", DEMO_SLUG])
        .env("PODIUM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("dumped pyconf-2027: 80 talks"),
        "{}",
        stderr(&out)
    );
    let file = data.path().join("pyconf.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let dumped: ConferenceDump = serde_json::from_slice(&out.stdout).unwrap();

    let out = podium()
        .args(["dump", "--conference", "nope"])
        .env("PODIUM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no conference \"nope\""),
        "{}",
        stderr(&out)
    );

    // Restored into PostgreSQL; a second restore into the same slug is refused plainly.
    let (pg, _keep) = fresh_database(Backend::Postgres).await;
    let restore = |slug: Option<&str>| {
        let mut cmd = podium();
        cmd.arg("restore").arg(&file).env("DATABASE_URL", &pg);
        if let Some(s) = slug {
            cmd.args(["--conference", s]);
        }
        cmd.output().unwrap()
    };
    let out = restore(None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = restore(None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a conference \"pyconf-2027\" exists already"),
        "{}",
        stderr(&out)
    );
    let out = restore(Some("Not A Slug!"));
    assert_eq!(out.status.code(), Some(2));
    let pg_store = SqlStore::connect(&pg).await.unwrap();
    assert_eq!(pg_store.dump_conference(DEMO_SLUG).await.unwrap(), dumped);
    pg_store.close().await;

    // The whole install moved to another, empty PostgreSQL database, and checked.
    let (pg2, _keep2) = fresh_database(Backend::Postgres).await;
    let out = podium()
        .args(["move", "--to", &pg2])
        .env("PODIUM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("moved 1 conferences (pyconf-2027)"),
        "{}",
        stderr(&out)
    );
    let moved = SqlStore::connect(&pg2).await.unwrap();
    assert_eq!(moved.dump_conference(DEMO_SLUG).await.unwrap(), dumped);
    let organizer = moved.credentials(DEMO_ORGANIZER.0).await.unwrap();
    assert!(
        organizer
            .password_hash
            .is_some_and(|h| h.starts_with("$argon2")),
        "password hashes move along"
    );
    moved.close().await;
    // Moving into a database that has data is refused.
    let out = podium()
        .args(["move", "--to", &pg2])
        .env("PODIUM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
}
