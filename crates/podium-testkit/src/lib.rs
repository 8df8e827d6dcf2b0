//! Test harness: `TestApp::spawn(backend)` starts the real server on `127.0.0.1:0` over a fresh
//! database (a temporary SQLite file, or a new PostgreSQL database on the server named by
//! `PODIUM_TEST_POSTGRES`), and talks to it over HTTP. `TestApp::spawn_with_redis` adds the
//! Redis named by `PODIUM_TEST_REDIS`, under a key prefix of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub mod fixture;

use jiff::Timestamp;
use podium_store::SqlStore;
use podium_web::{AppState, WebConfig};
use sqlx::Executor;

/// The environment variable naming the PostgreSQL server for tests, as an admin URL such as
/// `postgres://postgres@127.0.0.1:5432/postgres`. `./test.sh` sets it.
pub const POSTGRES_ENV: &str = "PODIUM_TEST_POSTGRES";

/// The environment variable naming the Redis for tests (`redis://127.0.0.1:6379`); `./test.sh`
/// sets it. Tests that need Redis are skipped, with a note, when it is absent.
pub const REDIS_ENV: &str = "PODIUM_TEST_REDIS";

/// The test Redis's URL, or None after printing a note that `test` is skipped.
pub fn test_redis(test: &str) -> Option<String> {
    match std::env::var(REDIS_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("note: {REDIS_ENV} is not set (test.sh sets it); skipping {test}");
            None
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for servers a test starts as processes).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port on 127.0.0.1")
        .local_addr()
        .expect("the bound address")
        .port()
}

/// A key prefix no other test uses, under the run's prefix (test.sh deletes the run's keys).
pub fn fresh_redis_prefix() -> String {
    let run = std::env::var("PODIUM_TEST_DB_PREFIX").unwrap_or_else(|_| "podium_t".to_owned());
    format!(
        "{run}_{}_{}:",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A new database on the test PostgreSQL server.
    Postgres,
}

/// A running server over its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The store the server uses, for arranging data and checking results.
    pub store: Arc<SqlStore>,
    /// The database URL (for tests that start the binary against the same database).
    pub database_url: String,
    /// The Redis URL and key prefix the server uses, if any.
    pub redis: Option<(String, String)>,
    /// An HTTP client that does not follow redirects.
    pub client: reqwest::Client,
    /// Where this server's mail worker writes `.eml` files (there is no SMTP in tests).
    pub outbox_dir: std::path::PathBuf,
    mail_worker: Option<podium_jobs::MailWorker>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty database URL of the given backend; the directory keeps SQLite files alive.
pub async fn fresh_database(backend: Backend) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = match backend {
        Backend::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("podium.db").display()
        ),
        Backend::Postgres => {
            let admin = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                panic!(
                    "{POSTGRES_ENV} is not set: run ./test.sh, which starts PostgreSQL, or set it to an admin URL like postgres://postgres@127.0.0.1:5432/postgres"
                )
            });
            // test.sh sets a per-run prefix so it drops only its own databases afterwards.
            let prefix =
                std::env::var("PODIUM_TEST_DB_PREFIX").unwrap_or_else(|_| "podium_t".to_owned());
            let name = format!(
                "{prefix}_{}_{}_{}",
                std::process::id(),
                Timestamp::now().as_microsecond(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {admin}: {e}"));
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
    };
    (url, dir)
}

impl TestApp {
    /// Starts the server over a fresh database of `backend`, with the system clock.
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_at(backend, None).await
    }

    /// Starts the server with its clock fixed at `now` (for "now" markers), if given.
    pub async fn spawn_at(backend: Backend, now: Option<Timestamp>) -> TestApp {
        let (database_url, dir) = fresh_database(backend).await;
        TestApp::start(database_url, dir, now, None).await
    }

    /// Starts the server over a fresh database with sessions, rate limits and live updates in
    /// the test Redis under a fresh key prefix; None (after a note) when there is no test Redis.
    pub async fn spawn_with_redis(backend: Backend, test: &str) -> Option<TestApp> {
        Some(TestApp::spawn_on_redis(backend, test_redis(test)?).await)
    }

    /// Starts the server over a fresh database with the Redis at `url` (a fresh key prefix).
    pub async fn spawn_on_redis(backend: Backend, url: String) -> TestApp {
        let (database_url, dir) = fresh_database(backend).await;
        TestApp::start(database_url, dir, None, Some((url, fresh_redis_prefix()))).await
    }

    /// A second server on this one's database (and Redis, if it uses one), as a second
    /// instance behind a load balancer would be (its own memory, caches and data directory).
    pub async fn second_instance(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        TestApp::start(self.database_url.clone(), dir, None, self.redis.clone()).await
    }

    async fn start(
        database_url: String,
        dir: tempfile::TempDir,
        now: Option<Timestamp>,
        redis: Option<(String, String)>,
    ) -> TestApp {
        let store = Arc::new(
            SqlStore::connect(&database_url)
                .await
                .expect("open test database"),
        );
        let shared = match &redis {
            Some((url, prefix)) => Some(
                podium_app::cluster::Redis::connect(url, prefix)
                    .await
                    .unwrap_or_else(|e| panic!("{e}")),
            ),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("bound address");
        let base_url = format!("http://{addr}");
        let clock: podium_web::Clock = match now {
            Some(t) => Arc::new(move || t),
            None => Arc::new(Timestamp::now),
        };
        let state = AppState::new(
            store.clone(),
            WebConfig {
                public_url: "https://podium.test".to_owned(),
                clock,
                login_attempts_per_minute: 10,
                trust_proxy: false,
                slides: podium_web::SlidesConfig {
                    max_bytes: podium_web::DEFAULT_MAX_SLIDES_BYTES,
                    storage: podium_web::StorageConfig::Disk(dir.path().join("data")),
                },
                redis: shared,
            },
        );
        let outbox_dir = dir.path().join("outbox");
        let mailer = podium_jobs::Mailer::new(&podium_jobs::MailSettings {
            smtp_url: None,
            from: "podium <podium@podium.test>".to_owned(),
            outbox_dir: outbox_dir.clone(),
        })
        .expect("test mail settings");
        let mail_worker = podium_jobs::MailWorker::spawn(store.clone(), mailer);
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(podium_web::serve(listener, state, async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        TestApp {
            base_url,
            store,
            database_url,
            redis,
            client,
            outbox_dir,
            mail_worker: Some(mail_worker),
            shutdown: Some(tx),
            _dir: dir,
        }
    }

    /// Stops the server (as if the conference wi-fi died); the database stays.
    pub fn stop_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// GETs a path and returns the status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.expect("response body"))
    }

    /// POSTs a form, with an optional `Cookie` header and extra headers; returns the response.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base_url))
            .form(fields);
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// POSTs a `multipart/form-data` form (text fields and one file) with a `Cookie` header, as
    /// a browser's file upload does.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
        cookie: &str,
    ) -> reqwest::Response {
        const BOUNDARY: &str = "podium-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (name, file_name, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        self.client
            .post(format!("{}{path}", self.base_url))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header("cookie", cookie)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// Creates an account through the sign-up form (name "Att Endee", a fixed password) and
    /// returns its session cookie (`podium_session=…`).
    pub async fn sign_up(&self, email: &str) -> String {
        let r = self
            .post_form(
                "/signup",
                &[
                    ("name", "Att Endee"),
                    ("email", email),
                    ("password", "just an attendee"),
                ],
                None,
                &[],
            )
            .await;
        assert_eq!(r.status(), 303, "sign-up as {email}");
        cookie_of(&r)
    }

    /// Logs in through the form and returns the session cookie.
    pub async fn log_in(&self, email: &str, password: &str) -> String {
        let r = self
            .post_form(
                "/login",
                &[("email", email), ("password", password)],
                None,
                &[],
            )
            .await;
        assert_eq!(r.status(), 303, "log-in as {email}");
        cookie_of(&r)
    }

    /// GETs a path with a `Cookie` header; returns the status and body.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.expect("response body"))
    }

    /// GETs a path and returns the whole response.
    pub async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(worker) = self.mail_worker.take() {
            worker.signal_stop();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An `.eml` file the test server's mail worker wrote.
#[derive(Debug, Clone)]
pub struct Eml {
    /// The file.
    pub path: std::path::PathBuf,
    /// Its text as written.
    pub raw: String,
}

impl Eml {
    /// The headers, unfolded (a line starting with white space continues the one before).
    pub fn headers(&self) -> String {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        head.replace("\r\n ", " ").replace("\r\n\t", " ")
    }

    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers().split("\r\n").find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// The plain-text body (of a single-part mail, or the first part of a multipart one),
    /// decoded from quoted-printable when so encoded.
    pub fn body(&self) -> String {
        let (head, body) = match self.header("Content-Type") {
            Some(t) if t.starts_with("multipart/") => {
                let part = self.raw.split("\r\n--").nth(1).expect("a first MIME part");
                let (h, b) = part.split_once("\r\n\r\n").expect("part headers");
                (h.to_owned(), b.to_owned())
            }
            _ => {
                let (h, b) = self.raw.split_once("\r\n\r\n").expect("mail headers");
                (h.to_owned(), b.to_owned())
            }
        };
        let head = head.to_ascii_lowercase();
        assert!(
            !head.contains("content-transfer-encoding: base64"),
            "base64 bodies are not decoded here"
        );
        if head.contains("content-transfer-encoding: quoted-printable") {
            decode_quoted_printable(&body)
        } else {
            body.replace("\r\n", "\n")
        }
    }

    /// The path of the first link in the body that starts with `public_prefix` (such as
    /// `https://podium.test/verify/`), without the origin: `/verify/…`.
    pub fn link(&self, public_prefix: &str) -> String {
        let body = self.body();
        let start = body
            .find(public_prefix)
            .unwrap_or_else(|| panic!("no link {public_prefix}… in:\n{body}"));
        let url: String = body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let origin_end = url.find("://").map_or(0, |i| i + 3);
        url[origin_end..]
            .find('/')
            .map(|i| url[origin_end + i..].to_owned())
            .expect("a path in the link")
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let soft = text.replace("=\r\n", "");
    let bytes = soft.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

impl TestApp {
    /// Every `.eml` file in the outbox folder now, by file name (the worker's temporary
    /// files start with a dot and are not `.eml`, so half-written mail is never seen).
    pub fn mails(&self) -> Vec<Eml> {
        let Ok(dir) = std::fs::read_dir(&self.outbox_dir) else {
            return Vec::new();
        };
        let mut mails: Vec<Eml> = dir
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .filter_map(|path| {
                let raw = std::fs::read_to_string(&path).ok()?;
                Some(Eml { path, raw })
            })
            .collect();
        mails.sort_by(|a, b| a.path.cmp(&b.path));
        mails
    }

    /// Waits (up to 20 s, polling) for an `.eml` to `to` whose subject contains `subject`,
    /// and returns it; panics with the folder's contents if none comes.
    pub async fn wait_for_mail(&self, to: &str, subject: &str) -> Eml {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let found = self.mails().into_iter().find(|m| {
                m.header("To").is_some_and(|t| t.contains(to))
                    && m.header("Subject").is_some_and(|s| s.contains(subject))
            });
            if let Some(mail) = found {
                return mail;
            }
            if std::time::Instant::now() > deadline {
                let seen: Vec<_> = self
                    .mails()
                    .iter()
                    .map(|m| (m.header("To"), m.header("Subject")))
                    .collect();
                panic!(
                    "no mail to {to} about {subject:?} in {}: {seen:?}",
                    self.outbox_dir.display()
                );
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The `name=value` part of the cookie a response sets.
pub fn cookie_of(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .expect("a Set-Cookie header")
        .to_str()
        .expect("an ASCII cookie");
    set.split(';').next().unwrap_or_default().to_owned()
}

/// A response header as text; empty when it is missing or not text.
pub fn header_of(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The session's form token in a page (`<input name="csrf" value="…">`).
pub fn csrf_of(html: &str) -> String {
    html.split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token in the page")
        .to_owned()
}
