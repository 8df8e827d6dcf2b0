//! Several instances as one site: sessions, log-in throttling and live updates shared through
//! Redis, and the refusal of multi-instance setups without it. Tests that need Redis skip with a
//! note when `PODIUM_TEST_REDIS` is not set (test.sh sets it).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use podium_app::demo::{self, DEMO_ORGANIZER};
use podium_store::Store;
use podium_testkit::{
    Backend, TestApp, cookie_of, csrf_of, free_port, fresh_database, fresh_redis_prefix,
};
use redis::AsyncTypedCommands;

use crate::crash;
use crate::live::wait_for;

const SLUG: &str = "pyconf-2027";

fn podium() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podium"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("PORT")
        .env_remove("REDIS_URL")
        .env_remove("PODIUM_REDIS_PREFIX")
        .env("RUST_LOG", "info");
    cmd
}

/// A `podium serve` process on `database_url`, with Redis when given (URL, prefix).
struct Instance {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
}

impl Instance {
    async fn start(database_url: &str, redis: Option<(&str, &str)>, demo: bool) -> Instance {
        Instance::start_with(database_url, redis, demo, &[]).await
    }

    /// As `start`, with more environment variables (overriding the defaults here).
    async fn start_with(
        database_url: &str,
        redis: Option<(&str, &str)>,
        demo: bool,
        env: &[(&str, &str)],
    ) -> Instance {
        let data = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = podium();
        cmd.args(["serve", "--bind", "127.0.0.1", "--port", &port.to_string()])
            .env("DATABASE_URL", database_url)
            .env("PODIUM_DATA_DIR", data.path())
            .env("PODIUM_LOGIN_RATE", "4")
            // Clients are told apart by X-Forwarded-For, so each part of a test has its own.
            .env("PODIUM_TRUST_PROXY", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if demo {
            cmd.arg("--demo");
        }
        if let Some((url, prefix)) = redis {
            cmd.env("REDIS_URL", url).env("PODIUM_REDIS_PREFIX", prefix);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if reqwest::get(format!("{base}/healthz")).await.is_ok() {
                break;
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
        Instance {
            child,
            base,
            _data: data,
        }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "podium did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn log_in(base: &str, email: &str, password: &str, from: &str) -> reqwest::Response {
    client()
        .post(format!("{base}/login"))
        .header("x-forwarded-for", from)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn get(base: &str, path: &str, cookie: &str) -> (u16, String) {
    let r = client()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(base: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> u16 {
    client()
        .post(format!("{base}{path}"))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Two `podium serve` processes on one PostgreSQL database and one Redis act as one site:
/// a log-in on A works on B, an organizer's change on A reaches B's live listeners within 2 s,
/// log-in attempts count across both, and logging out on B ends the session on A.
#[tokio::test]
async fn two_instances_share_sessions_live_updates_and_throttling() {
    let Some(redis) = podium_testkit::test_redis("two_instances_share_sessions_…") else {
        return;
    };
    let prefix = fresh_redis_prefix();
    let (database_url, _dir) = fresh_database(Backend::Postgres).await;
    let a = Instance::start(&database_url, Some((&redis, &prefix)), true).await;
    let b = Instance::start(&database_url, Some((&redis, &prefix)), false).await;

    // Log in on A; the organizer pages work on B with that cookie and its form token.
    let r = log_in(&a.base, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1, "192.0.2.1").await;
    assert_eq!(r.status(), 303);
    let cookie = cookie_of(&r);
    let sponsors = format!("/{SLUG}/organizer/sponsors");
    let (status, page) = get(&b.base, &sponsors, &cookie).await;
    assert_eq!(status, 200, "B knows A's session: {page}");
    let csrf = csrf_of(&page);

    // An organizer adds a sponsor through A; B's event stream hears of it within 2 s.
    let mut events = client()
        .get(format!("{}/api/v1/{SLUG}/events", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let added = post(
        &a.base,
        &sponsors,
        &cookie,
        &[
            ("csrf", csrf.as_str()),
            ("name", "Shared Cache Ltd"),
            ("level", "Gold"),
            ("url", "https://cache.example"),
        ],
    )
    .await;
    assert_eq!(added, 303);
    wait_for(&mut events, "event: update", Duration::from_secs(2)).await;
    let (_, home) = get(&b.base, &format!("/{SLUG}/"), "").await;
    assert!(home.contains("Shared Cache Ltd"), "B shows the new sponsor");

    // Log-in attempts from one client count on both instances together (4 per minute).
    for base in [&a.base, &b.base, &a.base, &b.base] {
        let r = log_in(base, DEMO_ORGANIZER.0, "wrong password", "198.51.100.7").await;
        assert_eq!(r.status(), 401, "attempts 1 to 4 are answered");
    }
    for base in [&a.base, &b.base] {
        let r = log_in(base, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1, "198.51.100.7").await;
        assert_eq!(
            r.status(),
            429,
            "the fifth attempt is refused on either instance"
        );
    }
    let r = log_in(&b.base, DEMO_ORGANIZER.0, "wrong password", "198.51.100.8").await;
    assert_eq!(r.status(), 401, "another client has its own budget");

    // Logging out on B ends the session on A too.
    let (_, account) = get(&b.base, "/account", &cookie).await;
    assert_eq!(
        post(&b.base, "/logout", &cookie, &[("csrf", &csrf_of(&account))]).await,
        303
    );
    let (status, _) = get(&a.base, "/account", &cookie).await;
    assert_eq!(status, 303, "logged out everywhere");

    assert!(b.stop().success());
    assert!(a.stop().success());
}

/// On PostgreSQL without Redis a second instance is refused with what to do; with Redis on
/// one side only, too. Once the first has stopped, a new one starts.
#[tokio::test]
async fn a_second_instance_without_redis_is_refused() {
    let (database_url, _dir) = fresh_database(Backend::Postgres).await;
    let first = Instance::start(&database_url, None, false).await;
    let out = podium()
        .args([
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
        ])
        .env("DATABASE_URL", &database_url)
        .env("PODIUM_DATA_DIR", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: another podium serve is running on this PostgreSQL database")
            && stderr.contains("set REDIS_URL=redis://... on every instance"),
        "{stderr}"
    );

    if let Some(redis) =
        podium_testkit::test_redis("the Redis half of a_second_instance_without_redis_is_refused")
    {
        let out = podium()
            .args([
                "serve",
                "--bind",
                "127.0.0.1",
                "--port",
                &free_port().to_string(),
            ])
            .env("DATABASE_URL", &database_url)
            .env("PODIUM_DATA_DIR", tempfile::tempdir().unwrap().path())
            .env("REDIS_URL", &redis)
            .env("PODIUM_REDIS_PREFIX", fresh_redis_prefix())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is running on this PostgreSQL database without Redis"),
            "{stderr}"
        );
    }

    assert!(first.stop().success());
    let again = Instance::start(&database_url, None, false).await;
    assert!(again.stop().success(), "a clean stop frees the place");
}

/// A wrong or unreachable REDIS_URL stops the start in one line, password hidden.
#[test]
fn unreachable_redis_stops_the_start() {
    // Port 1 (tcpmux) has no server on any machine we run on: connecting is refused at once.
    let out = podium()
        .args([
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
        ])
        .env("PODIUM_DATA_DIR", tempfile::tempdir().unwrap().path())
        .env("REDIS_URL", "redis://:s3cret@127.0.0.1:1/0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: cannot reach Redis at redis://:***@127.0.0.1:1/0 (REDIS_URL)"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");

    let out = podium()
        .args([
            "serve",
            "--bind",
            "127.0.0.1",
            "--port",
            &free_port().to_string(),
        ])
        .env("PODIUM_DATA_DIR", tempfile::tempdir().unwrap().path())
        .env("REDIS_URL", "http://cache.example")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a Redis URL"), "{stderr}");
}

/// Sessions live in Redis (not in `web_sessions`), with a TTL, and a log-out deletes them.
#[tokio::test]
async fn redis_sessions_have_a_ttl_and_end_at_logout() {
    let Some(a) = TestApp::spawn_with_redis(Backend::Postgres, "redis_sessions_…").await else {
        return;
    };
    let b = a.second_instance().await;
    let cookie = a.sign_up("ada@example.org").await;
    let token = cookie.trim_start_matches("podium_session=").to_owned();
    let (status, html) = b.get_with_cookie("/account", &cookie).await;
    assert_eq!(status, 200);
    assert!(html.contains("(ada@example.org)"), "{html}");

    let (url, prefix) = a.redis.clone().unwrap();
    let mut redis = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("{prefix}session:{token}");
    let ttl: i64 = redis::cmd("TTL")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    let thirty_days = podium_app::account::SESSION_DAYS * 86_400;
    assert!(
        (thirty_days - 60..=thirty_days).contains(&ttl),
        "TTL {ttl} s"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM web_sessions")
        .fetch_one(&connect(&a.database_url).await)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing in the database");

    let csrf = csrf_of(&html);
    let r = b
        .post_form("/logout", &[("csrf", csrf.as_str())], Some(&cookie), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        !redis.exists(&key).await.unwrap(),
        "the session key is gone"
    );
    let (status, _) = a.get_with_cookie("/account", &cookie).await;
    assert_eq!(status, 303);
}

async fn connect(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.unwrap()
}

/// A Redis of the test's own on a free port, stopped when dropped.
struct OwnRedis {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnRedis {
    fn start(port: u16, dir: tempfile::TempDir) -> OwnRedis {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnRedis { child, port, dir }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills it (as a crash would) and starts a new, empty one on the same port.
    fn restart(self) -> OwnRedis {
        let (port, dir) = self.kill();
        OwnRedis::start(port, dir)
    }

    /// Kills it (SIGKILL); returns its port and directory to start it again with.
    fn kill(mut self) -> (u16, tempfile::TempDir) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        (
            self.port,
            std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap()),
        )
    }

    /// Whether `redis-server` can be started here; prints a note skipping `test` if not.
    fn available(test: &str) -> bool {
        let found = Command::new("redis-server")
            .arg("--version")
            .output()
            .is_ok();
        if !found {
            eprintln!("note: redis-server is not installed; skipping {test}");
        }
        found
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// After Redis restarts, the instances subscribe again and changes reach the other instance's
/// listeners by pub/sub once more (well before the half-minute safety poll).
#[tokio::test]
async fn live_updates_resume_after_a_redis_restart() {
    if podium_testkit::test_redis("live_updates_resume_after_a_redis_restart").is_none() {
        return;
    }
    if !OwnRedis::available("live_updates_resume_after_a_redis_restart") {
        return;
    }
    let own = OwnRedis::start(free_port(), tempfile::tempdir().unwrap());
    let a = TestApp::spawn_on_redis(Backend::Postgres, own.url()).await;
    demo::load(&*a.store).await.unwrap();
    let b = a.second_instance().await;
    let id = a.store.conference_by_slug(SLUG).await.unwrap().id;
    let mut events = b
        .client
        .get(format!("{}/api/v1/{SLUG}/events", b.base_url))
        .send()
        .await
        .unwrap();

    let own = own.restart();
    // Redis is back; A's publishing connection and B's subscription reconnect on their own.
    // Keep changing until B hears of one (each change goes through A's store).
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut n = 0;
    loop {
        n += 1;
        let sponsor = podium_domain::NewSponsor {
            name: format!("Sponsor {n}"),
            level: "Gold".to_owned(),
            url: format!("https://sponsor-{n}.example"),
            logo_url: None,
            blurb: String::new(),
        };
        a.store.add_sponsor(id, &sponsor).await.unwrap();
        let heard = tokio::time::timeout(Duration::from_secs(1), events.chunk()).await;
        if let Ok(Ok(Some(bytes))) = heard
            && String::from_utf8_lossy(&bytes).contains("event: update")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no live update reached B within 15 s of the Redis restart"
        );
    }
    drop(own);
}

/// Ending all of a user's sessions (a password reset does) works the same with sessions in the
/// database and in Redis, and leaves other users logged in.
#[tokio::test]
async fn every_session_of_a_user_ends_together_in_redis_and_in_the_database() {
    use podium_app::account::Sessions;
    use std::sync::Arc;
    let app = TestApp::spawn(Backend::Postgres).await;
    let store: Arc<dyn Store> = app.store.clone();
    let mut kinds = vec![("database", Sessions::new(store.clone(), None))];
    if let Some(url) = podium_testkit::test_redis("the Redis half of every_session_of_a_user_…") {
        let redis = podium_app::cluster::Redis::connect(&url, &fresh_redis_prefix())
            .await
            .unwrap();
        kinds.push(("redis", Sessions::new(store.clone(), Some(redis))));
    }
    for (n, (kind, sessions)) in kinds.into_iter().enumerate() {
        let user = |who: &str| podium_store::NewUser {
            email: format!("{who}{n}@example.org"),
            name: who.to_owned(),
            password_hash: None,
        };
        let ada = store.create_user(&user("ada")).await.unwrap();
        let bob = store.create_user(&user("bob")).await.unwrap();
        let phone = sessions.start(ada).await.unwrap();
        let laptop = sessions.start(ada).await.unwrap();
        let bobs = sessions.start(bob).await.unwrap();
        let who = |login: Option<podium_store::Login>| login.map(|l| l.user);
        assert_eq!(
            who(sessions.current(&phone).await.unwrap()),
            Some(ada),
            "{kind}"
        );
        sessions.end_all_of(ada).await.unwrap();
        assert_eq!(who(sessions.current(&phone).await.unwrap()), None, "{kind}");
        assert_eq!(
            who(sessions.current(&laptop).await.unwrap()),
            None,
            "{kind}"
        );
        assert_eq!(
            who(sessions.current(&bobs).await.unwrap()),
            Some(bob),
            "{kind}"
        );
        sessions.end(&bobs).await.unwrap();
        assert_eq!(who(sessions.current(&bobs).await.unwrap()), None, "{kind}");
    }
}

/// A password reset ends the account's sessions kept in Redis too, on every instance; its mail is
/// sent once although both instances run a mail worker.
#[tokio::test]
async fn a_password_reset_ends_redis_sessions_everywhere() {
    let Some(a) = TestApp::spawn_with_redis(Backend::Postgres, "a_password_reset_ends_…").await
    else {
        return;
    };
    let b = a.second_instance().await;
    let phone = a.sign_up("ada@example.org").await;
    let laptop = b.log_in("ada@example.org", "just an attendee").await;
    let r = b
        .post_form(
            "/password/forgot",
            &[("email", "ada@example.org")],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    // A's mail worker or B's sends it; each instance writes to its own outbox folder.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mail = loop {
        let found = [&a, &b].into_iter().flat_map(|app| app.mails()).find(|m| {
            m.header("Subject")
                .is_some_and(|s| s.contains("Set a new password"))
        });
        if let Some(mail) = found {
            break mail;
        }
        assert!(Instant::now() < deadline, "no reset mail within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Both instances' mail workers poll the one outbox (every second): the mail goes out once.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let copies = [&a, &b]
        .into_iter()
        .flat_map(|app| app.mails())
        .filter(|m| {
            m.header("Subject")
                .is_some_and(|s| s.contains("Set a new password"))
        })
        .count();
    assert_eq!(copies, 1, "one mail, sent by one of the two workers");
    let link = mail.link("https://podium.test/password/reset/");
    let r = a
        .post_form(&link, &[("password", "a brand new password")], None, &[])
        .await;
    assert_eq!(r.status(), 303);
    let fresh = cookie_of(&r);
    for cookie in [&phone, &laptop] {
        assert_eq!(a.get_with_cookie("/account", cookie).await.0, 303);
        assert_eq!(b.get_with_cookie("/account", cookie).await.0, 303);
    }
    assert_eq!(b.get_with_cookie("/account", &fresh).await.0, 200);
}

/// Redis dies in the middle of a burst of proposal submissions, comments and votes sent to two
/// instances in turn, and comes back empty (no persistence: every session is gone). Requests
/// may fail meanwhile and people log in again, but every request answered with success is in
/// the database exactly once, and both instances serve normally once Redis is back.
#[tokio::test]
async fn a_redis_restart_mid_burst_loses_nothing_acknowledged() {
    const TEST: &str = "a_redis_restart_mid_burst_loses_nothing_acknowledged";
    if podium_testkit::test_redis(TEST).is_none() || !OwnRedis::available(TEST) {
        return;
    }
    let own = OwnRedis::start(free_port(), tempfile::tempdir().unwrap());
    let prefix = fresh_redis_prefix();
    let (database_url, _dir) = fresh_database(Backend::Postgres).await;
    // Everyone logs in from 127.0.0.1, again after the restart: no throttling in the way.
    let env = [("PODIUM_LOGIN_RATE", "100000")];
    let redis = Some((own.url(), prefix));
    let redis = redis.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
    let a = Instance::start_with(&database_url, redis, true, &env).await;
    let b = Instance::start_with(&database_url, redis, false, &env).await;
    let store = podium_store::SqlStore::connect(&database_url)
        .await
        .unwrap();
    let conference = store.conference_by_slug(SLUG).await.unwrap();
    let seed = store.cfp().proposals(conference.id).await.unwrap();
    assert!(!seed.is_empty(), "the demo opens its CFP with proposals");

    let burst = crash::Burst::new(
        vec![a.base.clone(), b.base.clone()],
        seed.iter().map(|p| p.id.0).collect(),
        crash::OnFailure::CarryOn,
    );
    let people = crash::sign_up(&burst.client, &a.base, 6).await;
    let tasks = burst.start(people);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (port, dir) = own.kill();
    let acked_before = burst.acked.lock().unwrap().proposals.len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let own = OwnRedis::start(port, dir);
    let acked_at_restart = burst.acked.lock().unwrap().proposals.len();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    burst.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = std::mem::take(&mut *burst.acked.lock().unwrap());
    let failed = burst.failed.load(std::sync::atomic::Ordering::Relaxed);
    let again = burst
        .logged_in_again
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        acked_before >= 6,
        "the burst ran before Redis died: {acked_before}"
    );
    assert!(
        acked.proposals.len() > acked_at_restart,
        "the burst went on after Redis came back: {} then {}",
        acked_at_restart,
        acked.proposals.len()
    );
    assert!(
        again >= 1,
        "the sessions were lost with Redis, so people logged in again"
    );
    crash::check_acknowledged(&store, conference.id, &seed, &acked).await;

    // Both instances serve normally: a log-in on each works on the other, and a submission
    // and a vote through each are stored.
    for (n, (here, there)) in [(&a.base, &b.base), (&b.base, &a.base)]
        .into_iter()
        .enumerate()
    {
        let person = crash::log_in(&burst.client, here, n)
            .await
            .unwrap_or_else(|| panic!("log-in on {here} after the restart"));
        let title = format!("after-restart-{n}");
        assert!(
            person
                .post(
                    &burst.client,
                    &format!("{there}/{SLUG}/speaker/proposals/new"),
                    &[
                        ("form_token", &title),
                        ("title", &title),
                        ("abstract_md", "Written after the restart."),
                        ("submission_type", "talk"),
                        ("level", "beginner"),
                        ("submit", "1"),
                    ],
                )
                .await,
            "a submission through {there} with a session from {here}"
        );
        // A burst proposal of someone else's: nobody voted for those yet.
        let target = store
            .cfp()
            .proposals(conference.id)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.title == "crash-5-0")
            .expect("person 5's first proposal")
            .id;
        assert!(
            person
                .post(
                    &burst.client,
                    &format!("{here}/{SLUG}/proposals/{target}/vote"),
                    &[("value", "1")],
                )
                .await,
            "a vote through {here}"
        );
        let user = store
            .credentials(&format!("p{n}@example.org"))
            .await
            .unwrap()
            .user;
        let mine = store.cfp().proposals_of(user).await.unwrap();
        assert_eq!(mine.iter().filter(|p| p.title == title).count(), 1);
        let votes = store.cfp().votes(conference.id).await.unwrap();
        assert!(
            votes.contains(&(target, user, 1)),
            "the vote through {here}"
        );
    }
    eprintln!(
        "redis restart: {} proposals, {} comments, {} votes acknowledged; {failed} requests failed, {again} log-ins again; all there once",
        acked.proposals.len(),
        acked.comments.len(),
        acked.votes.len()
    );
    store.close().await;
    assert!(b.stop().success());
    assert!(a.stop().success());
    drop(own);
}
