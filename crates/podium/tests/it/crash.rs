//! Crash safety: a burst of proposal submissions, comments and votes against the real binary,
//! killed with SIGKILL in the middle, then restarted on the same database. Every request that
//! was answered with success is there exactly once, nothing is there twice, and the site works
//! on (SQLite and PostgreSQL).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use podium_app::demo::DEMO_SLUG;
use podium_store::{SqlStore, Store};
use podium_testkit::{Backend, cookie_of, csrf_of, free_port, fresh_database};

fn start(url: &str, data: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_podium"))
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .env("DATABASE_URL", url)
        .env("PODIUM_DATA_DIR", data)
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_up(base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("podium exited early with {status}");
        }
        assert!(Instant::now() < deadline, "podium did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[derive(Default)]
struct Acknowledged {
    proposals: Vec<String>,
    comments: Vec<String>,
    votes: Vec<(String, i64)>,
}

async fn burst_then_kill(backend: Backend) {
    let (url, dir) = fresh_database(backend).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&url, dir.path(), port);
    wait_up(&base, &mut child).await;
    let store = SqlStore::connect(&url).await.unwrap();
    let conference = store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let seed = store.cfp().proposals(conference.id).await.unwrap();
    assert!(!seed.is_empty(), "the demo opens its CFP with proposals");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Six people, each logged in with their form token.
    let mut people = Vec::new();
    for i in 0..6 {
        let r = client
            .post(format!("{base}/signup"))
            .form(&[
                ("name", format!("Person {i}")),
                ("email", format!("p{i}@example.org")),
                ("password", "a long password".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let cookie = cookie_of(&r);
        let page = client
            .get(format!("{base}/{DEMO_SLUG}/speaker/profile"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        people.push((i, cookie, csrf_of(&page)));
    }

    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut tasks = Vec::new();
    for (i, cookie, csrf) in people {
        let (client, base, acked) = (client.clone(), base.clone(), acked.clone());
        let targets: Vec<i64> = seed.iter().map(|p| p.id.0).collect();
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                let title = format!("crash-{i}-{n}");
                let sent = client
                    .post(format!("{base}/{DEMO_SLUG}/speaker/proposals/new"))
                    .header("cookie", &cookie)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("form_token", &title),
                        ("title", &title),
                        ("abstract_md", "Written during a crash test."),
                        ("submission_type", "talk"),
                        ("level", "beginner"),
                        ("submit", "1"),
                    ])
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 303 => {
                        acked.lock().unwrap().proposals.push(title.clone())
                    }
                    Ok(r) => panic!("submission {title}: {}", r.status()),
                    Err(_) => return,
                }
                let target = targets[n % targets.len()];
                let body = format!("comment-{i}-{n}");
                let sent = client
                    .post(format!("{base}/{DEMO_SLUG}/proposals/{target}/comments"))
                    .header("cookie", &cookie)
                    .form(&[("csrf", csrf.as_str()), ("body", &body)])
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 303 => acked.lock().unwrap().comments.push(body),
                    Ok(r) => panic!("comment {body}: {}", r.status()),
                    Err(_) => return,
                }
                let sent = client
                    .post(format!("{base}/{DEMO_SLUG}/proposals/{target}/vote"))
                    .header("cookie", &cookie)
                    .form(&[("csrf", csrf.as_str()), ("value", "1")])
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 303 => acked
                        .lock()
                        .unwrap()
                        .votes
                        .push((format!("p{i}@example.org"), target)),
                    Ok(r) => panic!("vote: {}", r.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL: no graceful anything.
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    store.close().await;

    let mut child = start(&url, dir.path(), port);
    wait_up(&base, &mut child).await;
    let store = SqlStore::connect(&url).await.unwrap();
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.proposals.len() >= 6,
        "the burst ran before the kill: {}",
        acked.proposals.len()
    );
    let proposals = store.cfp().proposals(conference.id).await.unwrap();
    let mut titles: HashMap<&str, usize> = HashMap::new();
    for p in &proposals {
        *titles.entry(p.title.as_str()).or_default() += 1;
    }
    assert!(
        titles.values().all(|&n| n == 1),
        "a proposal stored twice: {titles:?}"
    );
    for t in &acked.proposals {
        assert_eq!(
            titles.get(t.as_str()),
            Some(&1),
            "acknowledged {t} is missing"
        );
    }
    let mut comments: HashMap<String, usize> = HashMap::new();
    for p in &seed {
        for c in store.cfp().comments(p.id).await.unwrap() {
            *comments.entry(c.body_md).or_default() += 1;
        }
    }
    assert!(comments.values().all(|&n| n == 1), "a comment stored twice");
    for c in &acked.comments {
        assert_eq!(comments.get(c), Some(&1), "acknowledged {c} is missing");
    }
    let votes = store.cfp().votes(conference.id).await.unwrap();
    for (email, target) in &acked.votes {
        let user = store.credentials(email).await.unwrap().user;
        assert!(
            votes
                .iter()
                .any(|(p, u, v)| p.0 == *target && *u == user && *v == 1),
            "acknowledged vote of {email} on {target} is missing"
        );
    }
    // The site works on: pages render and a new submission goes through.
    let (status, _) = {
        let r = reqwest::get(format!("{base}/{DEMO_SLUG}/proposals"))
            .await
            .unwrap();
        (r.status(), ())
    };
    assert_eq!(status, 200);
    assert!(store.program(conference.id).await.is_ok());
    child.kill().unwrap();
    child.wait().unwrap();
    store.close().await;
    eprintln!(
        "crash test: {} proposals, {} comments, {} votes acknowledged before SIGKILL, all there once",
        acked.proposals.len(),
        acked.comments.len(),
        acked.votes.len()
    );
}

#[tokio::test]
async fn sigkill_mid_burst_loses_nothing_acknowledged_sqlite() {
    burst_then_kill(Backend::Sqlite).await;
}

#[tokio::test]
async fn sigkill_mid_burst_loses_nothing_acknowledged_postgres() {
    if std::env::var_os("PODIUM_TEST_POSTGRES").is_none() {
        eprintln!("skipped: PODIUM_TEST_POSTGRES is not set (./test.sh sets it)");
        return;
    }
    burst_then_kill(Backend::Postgres).await;
}
