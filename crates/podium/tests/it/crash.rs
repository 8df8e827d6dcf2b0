//! Crash safety: a burst of proposal submissions, comments and votes against the real binary,
//! killed with SIGKILL in the middle, then restarted on the same database. Every request that
//! was answered with success is there exactly once, nothing is there twice, and the site works
//! on (SQLite and PostgreSQL). The burst and the check are shared with the Redis restart test
//! in `redis.rs`.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use podium_app::demo::DEMO_SLUG;
use podium_domain::{ConferenceId, Proposal, UserId};
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

/// What the server answered with success during a burst.
#[derive(Default)]
pub(crate) struct Acknowledged {
    /// (submitter's email, title).
    pub(crate) proposals: Vec<(String, String)>,
    /// (author's email, body).
    pub(crate) comments: Vec<(String, String)>,
    /// (voter's email, proposal).
    pub(crate) votes: Vec<(String, i64)>,
}

/// One person of a burst: account `p{n}@example.org` and the current session.
pub(crate) struct Person {
    n: usize,
    cookie: String,
    csrf: String,
}

const PASSWORD: &str = "a long password";

fn email(n: usize) -> String {
    format!("p{n}@example.org")
}

/// The session cookie and its form token, from a log-in or sign-up answer; None if it failed.
async fn session_of(
    client: &reqwest::Client,
    base: &str,
    r: reqwest::Response,
) -> Option<(String, String)> {
    if r.status() != 303 {
        return None;
    }
    let cookie = cookie_of(&r);
    let page = client
        .get(format!("{base}/{DEMO_SLUG}/speaker/profile"))
        .header("cookie", &cookie)
        .send()
        .await
        .ok()?;
    if page.status() != 200 {
        return None;
    }
    let html = page.text().await.ok()?;
    Some((cookie, csrf_of(&html)))
}

/// Signs up `count` people on `base`, each logged in with a form token.
pub(crate) async fn sign_up(client: &reqwest::Client, base: &str, count: usize) -> Vec<Person> {
    let mut people = Vec::new();
    for n in 0..count {
        let r = client
            .post(format!("{base}/signup"))
            .form(&[
                ("name", format!("Person {n}")),
                ("email", email(n)),
                ("password", PASSWORD.into()),
            ])
            .send()
            .await
            .unwrap();
        let (cookie, csrf) = session_of(client, base, r).await.expect("sign-up");
        people.push(Person { n, cookie, csrf });
    }
    people
}

/// Logs person `n` in on `base` again; None if that failed.
pub(crate) async fn log_in(client: &reqwest::Client, base: &str, n: usize) -> Option<Person> {
    let r = client
        .post(format!("{base}/login"))
        .form(&[("email", email(n).as_str()), ("password", PASSWORD)])
        .send()
        .await
        .ok()?;
    let (cookie, csrf) = session_of(client, base, r).await?;
    Some(Person { n, cookie, csrf })
}

impl Person {
    /// POSTs a form with this person's session and form token; whether it succeeded (a
    /// redirect, not to the log-in page).
    pub(crate) async fn post(
        &self,
        client: &reqwest::Client,
        url: &str,
        form: &[(&str, &str)],
    ) -> bool {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(form);
        let Ok(r) = client
            .post(url)
            .header("cookie", &self.cookie)
            .form(&all)
            .send()
            .await
        else {
            return false;
        };
        r.status() == 303 && !podium_testkit::header_of(&r, "location").starts_with("/login")
    }
}

/// What a person does when a request is not answered with success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFailure {
    /// The server was killed: a refused connection ends the person's burst; any answer but
    /// success is a bug.
    Stop,
    /// Something behind the servers is out (Redis): go on with the next item, logging in
    /// again when the session was lost.
    CarryOn,
}

/// A burst: every person submits a proposal, comments on a seed proposal and votes for it, over
/// and over, each request to the next of `bases` in turn, until `stop` is set (or, with
/// `OnFailure::Stop`, the server is gone).
pub(crate) struct Burst {
    pub(crate) client: reqwest::Client,
    pub(crate) bases: Vec<String>,
    /// The seed proposals commented on and voted for.
    pub(crate) targets: Vec<i64>,
    pub(crate) on_failure: OnFailure,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) acked: Arc<Mutex<Acknowledged>>,
    /// Requests not answered with success, and log-ins again after a lost session.
    pub(crate) failed: Arc<AtomicUsize>,
    pub(crate) logged_in_again: Arc<AtomicUsize>,
}

impl Burst {
    pub(crate) fn new(bases: Vec<String>, targets: Vec<i64>, on_failure: OnFailure) -> Arc<Burst> {
        Arc::new(Burst {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            bases,
            targets,
            on_failure,
            stop: Arc::default(),
            acked: Arc::default(),
            failed: Arc::default(),
            logged_in_again: Arc::default(),
        })
    }

    /// Starts one task per person.
    pub(crate) fn start(self: &Arc<Self>, people: Vec<Person>) -> Vec<tokio::task::JoinHandle<()>> {
        people
            .into_iter()
            .map(|person| tokio::spawn(self.clone().run(person)))
            .collect()
    }

    async fn run(self: Arc<Self>, mut person: Person) {
        let i = person.n;
        let mut k = 0;
        for n in 0.. {
            for step in 0..3 {
                if self.stop.load(Ordering::Relaxed) {
                    return;
                }
                let base = &self.bases[k % self.bases.len()];
                k += 1;
                let target = self.targets[n % self.targets.len()];
                let csrf = person.csrf.clone();
                let title = format!("crash-{i}-{n}");
                let body = format!("comment-{i}-{n}");
                let (path, form): (String, Vec<(&str, &str)>) = match step {
                    0 => (
                        format!("/{DEMO_SLUG}/speaker/proposals/new"),
                        vec![
                            ("csrf", csrf.as_str()),
                            ("form_token", title.as_str()),
                            ("title", title.as_str()),
                            ("abstract_md", "Written during a crash test."),
                            ("submission_type", "talk"),
                            ("level", "beginner"),
                            ("submit", "1"),
                        ],
                    ),
                    1 => (
                        format!("/{DEMO_SLUG}/proposals/{target}/comments"),
                        vec![("csrf", csrf.as_str()), ("body", body.as_str())],
                    ),
                    _ => (
                        format!("/{DEMO_SLUG}/proposals/{target}/vote"),
                        vec![("csrf", csrf.as_str()), ("value", "1")],
                    ),
                };
                let sent = self
                    .client
                    .post(format!("{base}{path}"))
                    .header("cookie", &person.cookie)
                    .form(&form)
                    .send()
                    .await;
                // Success is a redirect to the result, not to the log-in page.
                let answer = sent.map(|r| {
                    let to_login = podium_testkit::header_of(&r, "location").starts_with("/login");
                    (r.status(), to_login)
                });
                match (answer, self.on_failure) {
                    (Ok((status, false)), _) if status == 303 => {
                        let mut acked = self.acked.lock().unwrap();
                        match step {
                            0 => acked.proposals.push((email(i), title)),
                            1 => acked.comments.push((email(i), body)),
                            _ => acked.votes.push((email(i), target)),
                        }
                    }
                    (Err(_), OnFailure::Stop) => return,
                    (Ok(answer), OnFailure::Stop) => panic!("POST {path}: {answer:?}"),
                    (_, OnFailure::CarryOn) => {
                        self.failed.fetch_add(1, Ordering::Relaxed);
                        self.recover(&mut person, base).await;
                    }
                }
            }
        }
    }

    /// After a failed request: logs in again if the session is gone, else waits a moment.
    async fn recover(&self, person: &mut Person, base: &str) {
        let account = self
            .client
            .get(format!("{base}/account"))
            .header("cookie", &person.cookie)
            .send()
            .await;
        if account.is_ok_and(|r| r.status() == 303)
            && let Some(again) = log_in(&self.client, base, person.n).await
        {
            *person = again;
            self.logged_in_again.fetch_add(1, Ordering::Relaxed);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every acknowledged submission, comment and vote is in the database exactly once, by its
/// author, and no submission or comment of the burst is there twice.
pub(crate) async fn check_acknowledged(
    store: &dyn Store,
    conference: ConferenceId,
    seed: &[Proposal],
    acked: &Acknowledged,
) {
    let user = |email: String| async move { store.credentials(&email).await.unwrap().user };
    let proposals = store.cfp().proposals(conference).await.unwrap();
    let mut titles: HashMap<&str, Vec<&Proposal>> = HashMap::new();
    for p in &proposals {
        titles.entry(p.title.as_str()).or_default().push(p);
    }
    let twice: Vec<_> = titles
        .iter()
        .filter(|(_, p)| p.len() > 1)
        .map(|(t, _)| t)
        .collect();
    assert!(twice.is_empty(), "proposals stored twice: {twice:?}");
    for (email, t) in &acked.proposals {
        let stored = titles
            .get(t.as_str())
            .unwrap_or_else(|| panic!("acknowledged {t} is missing"));
        assert_eq!(stored[0].owner, user(email.clone()).await, "{t}'s owner");
        assert_eq!(stored[0].abstract_md, "Written during a crash test.");
    }
    let mut comments: HashMap<String, Vec<UserId>> = HashMap::new();
    for p in seed {
        for c in store.cfp().comments(p.id).await.unwrap() {
            comments.entry(c.body_md).or_default().push(c.user);
        }
    }
    let twice: Vec<_> = comments
        .iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(b, _)| b)
        .collect();
    assert!(twice.is_empty(), "comments stored twice: {twice:?}");
    for (email, c) in &acked.comments {
        assert_eq!(
            comments.get(c),
            Some(&vec![user(email.clone()).await]),
            "acknowledged {c} is missing or not by {email}"
        );
    }
    let votes = store.cfp().votes(conference).await.unwrap();
    for (email, target) in &acked.votes {
        let user = user(email.clone()).await;
        assert!(
            votes
                .iter()
                .any(|(p, u, v)| p.0 == *target && *u == user && *v == 1),
            "acknowledged vote of {email} on {target} is missing"
        );
    }
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

    let burst = Burst::new(
        vec![base.clone()],
        seed.iter().map(|p| p.id.0).collect(),
        OnFailure::Stop,
    );
    let people = sign_up(&burst.client, &base, 6).await;
    let tasks = burst.start(people);
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
    let acked = std::mem::take(&mut *burst.acked.lock().unwrap());
    assert!(
        acked.proposals.len() >= 6,
        "the burst ran before the kill: {}",
        acked.proposals.len()
    );
    check_acknowledged(&store, conference.id, &seed, &acked).await;
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
