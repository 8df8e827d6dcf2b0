//! SQL injection strings in every parameter: each path segment and query parameter of every
//! GET route (as an organizer, who reaches every page, and as a visitor), every form field of
//! every state-changing route (with a valid form token, so the handler really reads them) and
//! the API's JSON fields. Never a 500, never markup reflected into a page, and the data is
//! intact afterwards: every table is still there (a dump reads them all), no account appeared
//! or vanished, the organizer still logs in, and text that was stored is stored verbatim.

use std::collections::BTreeSet;
use std::path::Path;

use podium_app::demo::DEMO_ORGANIZER;
use podium_store::Store;
use podium_testkit::Backend;
use serde_json::json;

use super::{SLUG, Site, routes, unsafe_markup};

/// Classic injection strings, a NUL byte (PostgreSQL refuses it in text), numbers that
/// overflow, and markup for reflected XSS.
const INJECTIONS: &[&str] = &[
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    "1' UNION SELECT password_hash, email FROM users --",
    "\" OR \"\"=\"",
    "1 OR 1=1",
    "1; DELETE FROM conferences",
    "%' AND 1=0 UNION SELECT NULL --",
    "' || (SELECT slug FROM conferences LIMIT 1) || '",
    "\\'; SELECT pg_sleep(0); --",
    "$1",
    "-1",
    "9223372036854775808",
    "a\u{0}b",
    "\"><script>alert('q')</script>",
];

/// Query parameters podium reads somewhere. Some are numbers in one handler: a wrong one
/// refuses the whole query there, so each of those is also sent alone.
const QUERY: &[&str] = &[
    "day", "wanted", "track", "level", "kind", "q", "error", "page", "per_page", "room", "since",
    "limit", "saved", "done", "conflict", "state", "staged", "released", "assigned", "team",
    "view", "sort", "back",
];
const NUMERIC_QUERY: &[&str] = &[
    "track", "room", "page", "per_page", "since", "limit", "staged", "released", "assigned",
];

/// The strings sent in path segments (typed ids mostly, refused at once): a few classics,
/// a NUL and markup.
fn in_paths() -> impl Iterator<Item = &'static &'static str> {
    INJECTIONS
        .iter()
        .filter(|i| i.contains("OR") || i.contains('\u{0}') || i.contains('<') || **i == "-1")
}

/// Pages only logged-in people see (a visitor is sent to log in before any parameter is read).
fn private(template: &str) -> bool {
    [
        "/organizer/",
        "/review",
        "/speaker/",
        "/account",
        "/agenda/stars",
    ]
    .iter()
    .any(|p| template.contains(p))
}

/// Percent-encodes everything but unreserved characters.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Form field names podium-web reads: `field(&f, "name")` calls and the fields of its
/// `Deserialize` structs, plus the prefixed ones (answers, scores).
fn form_fields() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = [
        "description_md",
        "notes",
        "bio_md",
        "links",
        "avatar_url",
        "availability",
        "q_why",
        "score_content",
        "score_fit",
        "abstain",
        "id",
        "ids",
        "settings",
        "proposal",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut files = Vec::new();
    for dir in ["../podium-web/src", "../podium-app/src"] {
        collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    }
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for pattern in ["field(&f, \"", "field(&fields, \"", "has(&fields, \""] {
            for piece in text.split(pattern).skip(1) {
                if let Some(name) = piece.split('"').next() {
                    names.insert(name.to_owned());
                }
            }
        }
        let mut in_struct = false;
        let mut derives = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with("#[derive(") {
                derives = t.contains("Deserialize");
            } else if t.contains("struct ") && t.ends_with('{') {
                in_struct = derives;
            } else if t == "}" {
                in_struct = false;
            } else if in_struct && !t.starts_with("//") && !t.starts_with('#') {
                let t = t
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                if let Some((name, _)) = t.split_once(':')
                    && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                {
                    names.insert(name.to_owned());
                }
            }
        }
    }
    names
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The template with one placeholder replaced by `value` (already encoded), the others by
/// the site's values.
fn with_placeholder(site: &Site, template: &str, placeholder: &str, value: &str) -> String {
    site.path(&template.replace(placeholder, "\u{1}"))
        .replace('\u{1}', value)
}

fn placeholders(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|p| p.split('}').next())
        .map(|p| format!("{{{p}}}"))
        .collect()
}

async fn injection_strings_break_nothing(backend: Backend) {
    let site = Site::new(backend).await;
    let app = &site.app;
    let users = || async {
        let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    };
    sqlx::any::install_default_drivers();
    let users_before = users().await;
    let mut wrong = Vec::new();

    // Reads: every path segment and query parameter of every GET route.
    let reads: Vec<String> = routes::reads()
        .into_iter()
        // A stream that never ends (server-sent events): its parameters are the slug only,
        // checked by every other route.
        .filter(|r| !r.ends_with("/events"))
        .collect();
    let mut get = async |path: String, cookie: Option<&str>| {
        let mut request = app.client.get(format!("{}{path}", app.base_url));
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let html = podium_testkit::header_of(&r, "content-type").starts_with("text/html");
        let body = r.text().await.unwrap_or_default();
        if status >= 500 {
            wrong.push(format!("GET {path}: {status}"));
        }
        if html {
            for p in unsafe_markup(&body) {
                wrong.push(format!("GET {path} reflects markup: {p}"));
            }
        }
    };
    // Reading a page for the first time may write on purpose: the organizer's desk makes the
    // work-in-progress version. Read everything once, then keep what the data is.
    for template in &reads {
        get(site.path(template), Some(&site.organizer.cookie)).await;
    }
    let before = app.store.dump_conference(SLUG).await.unwrap();
    for template in &reads {
        for placeholder in placeholders(template) {
            for inj in in_paths() {
                let path = with_placeholder(&site, template, &placeholder, &enc(inj));
                get(path.clone(), Some(&site.organizer.cookie)).await;
                if !private(template) {
                    get(path, None).await;
                }
            }
        }
        let base = site.path(template);
        for inj in INJECTIONS {
            let query: Vec<String> = QUERY.iter().map(|q| format!("{q}={}", enc(inj))).collect();
            get(
                format!("{base}?{}", query.join("&")),
                Some(&site.organizer.cookie),
            )
            .await;
        }
        for q in NUMERIC_QUERY {
            get(
                format!("{base}?{q}={}", enc(INJECTIONS[0])),
                Some(&site.organizer.cookie),
            )
            .await;
        }
    }
    let read = app.store.dump_conference(SLUG).await.unwrap();
    let changed: Vec<&String> = before
        .tables
        .keys()
        // Page views are counted, anonymously, on purpose.
        .filter(|t| *t != "talk_counts" && before.tables[*t] != read.tables[*t])
        .collect();
    assert!(changed.is_empty(), "reading changed {changed:?}");

    // Writes: every field podium reads, in every state-changing form, with a valid token.
    let fields = form_fields();
    let state_changing = routes::state_changing();
    // Log-out last (it ends the session the rest use); engine runs are left out (they only
    // take numbers, which the API part below sends as text, and would spend a core each).
    let mut posts: Vec<&(String, String)> = state_changing
        .iter()
        .filter(|(_, p)| !p.ends_with("/run") && p != "/logout" && !p.starts_with("/api/"))
        .collect();
    posts.sort();
    for inj in INJECTIONS {
        for (method, template) in &posts {
            let who = if template.contains("/organizer/") {
                &site.organizer
            } else if template.contains("/review/") {
                &site.reviewer
            } else if template.contains("/speaker/") || template.contains("/comments/") {
                &site.speaker
            } else {
                &site.attendee
            };
            let mut form: Vec<(&str, &str)> = fields
                .iter()
                .filter(|f| *f != "csrf")
                .map(|f| (f.as_str(), *inj))
                .collect();
            form.push(("csrf", &who.csrf));
            let mut paths = vec![site.path(template)];
            if in_paths().any(|i| i == inj) {
                for placeholder in placeholders(template) {
                    paths.push(with_placeholder(&site, template, &placeholder, &enc(inj)));
                }
            }
            for path in paths {
                let request = app
                    .client
                    .request(method.parse().unwrap(), format!("{}{path}", app.base_url))
                    .header("cookie", &who.cookie);
                let request = if template.ends_with("/import") || template.ends_with("/slides") {
                    const B: &str = "injection-boundary";
                    let mut body = String::new();
                    for (name, value) in &form {
                        body.push_str(&format!(
                            "--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                        ));
                    }
                    body.push_str(&format!(
                        "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{inj}.xml\"\r\n\r\n{inj}\r\n--{B}--\r\n"
                    ));
                    request
                        .header("content-type", format!("multipart/form-data; boundary={B}"))
                        .body(body)
                } else if template.ends_with("/agenda/merge") {
                    request.json(
                        &json!({ "csrf": who.csrf, "changes": [{ "talk": inj, "star": inj }] }),
                    )
                } else {
                    request.form(&form)
                };
                let r = request.send().await.unwrap();
                let status = r.status().as_u16();
                let content_type = podium_testkit::header_of(&r, "content-type");
                let body = r.text().await.unwrap_or_default();
                if status >= 500 {
                    wrong.push(format!("{method} {path} with {inj:?}: {status}"));
                }
                // Text and JSON (a rejected path, with nosniff) are never read as markup.
                if content_type.starts_with("text/html") {
                    for p in unsafe_markup(&body) {
                        wrong.push(format!("{method} {path} with {inj:?} reflects markup: {p}"));
                    }
                } else if body.contains("<script")
                    && !content_type.starts_with("application/")
                    && !content_type.starts_with("text/plain")
                {
                    wrong.push(format!(
                        "{method} {path} with {inj:?}: markup as {content_type}"
                    ));
                }
            }
        }
    }

    // The API: every string field, and numbers given as text.
    let talk = site.talk.0;
    for inj in INJECTIONS {
        for (method, path, body) in [
            (
                "POST",
                format!("/api/v1/conferences/{SLUG}/talks"),
                json!({ "title": inj, "abstract": inj, "track": inj, "language": inj, "speakers": [inj] }),
            ),
            (
                "PATCH",
                format!("/api/v1/conferences/{SLUG}/talks/{talk}"),
                json!({ "title": inj, "slides_url": inj }),
            ),
            (
                "POST",
                format!("/api/v1/conferences/{SLUG}/rooms"),
                json!({ "name": inj, "features": [inj] }),
            ),
            (
                "POST",
                format!("/api/v1/conferences/{SLUG}/sessions"),
                json!({ "room_id": inj, "label": inj, "starts_at": inj, "ends_at": inj }),
            ),
            (
                "PUT",
                format!("/api/v1/conferences/{SLUG}/talks/{talk}/placement"),
                json!({ "room_id": 1, "starts_at": inj }),
            ),
            (
                "POST",
                format!("/api/v1/conferences/{SLUG}/schedule/run"),
                json!({ "seconds": inj }),
            ),
            (
                "PATCH",
                format!("/api/v1/conferences/{}/talks/{}", enc(inj), enc(inj)),
                json!({ "title": "x" }),
            ),
        ] {
            let r = app
                .client
                .request(method.parse().unwrap(), format!("{}{path}", app.base_url))
                .header("authorization", format!("Bearer {}", site.api_token))
                .json(&body)
                .send()
                .await
                .unwrap();
            if r.status().as_u16() >= 500 {
                wrong.push(format!("{method} {path} with {inj:?}: {}", r.status()));
            }
        }
        // (A NUL or a line break cannot be sent in a header at all.)
        let Ok(bearer) = reqwest::header::HeaderValue::from_str(&format!("Bearer {inj}")) else {
            continue;
        };
        let r = app
            .client
            .get(format!("{}/api/v1/conferences/{SLUG}/talks", app.base_url))
            .header("authorization", bearer)
            .send()
            .await
            .unwrap();
        if r.status().as_u16() >= 500 {
            wrong.push(format!("a bearer token {inj:?}: {}", r.status()));
        }
    }
    // Cookies are parameters too.
    for inj in INJECTIONS {
        let r = app
            .client
            .get(format!("{}/account", app.base_url))
            .header("cookie", format!("podium_session={}", enc(inj)))
            .send()
            .await
            .unwrap();
        if r.status().as_u16() >= 500 {
            wrong.push(format!("a session cookie {inj:?}: {}", r.status()));
        }
    }
    let r = app
        .post_form(
            "/logout",
            &[("csrf", INJECTIONS[1])],
            Some(&site.attendee.cookie),
            &[],
        )
        .await;
    assert!(r.status().as_u16() < 500);
    assert!(
        wrong.is_empty(),
        "{} requests failed:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Intact: every table (a dump reads them all), the same accounts, the organizer's
    // password, the conferences; text stored verbatim.
    let r = app
        .post_form(
            &format!("/{SLUG}/organizer/sponsors"),
            &[
                ("csrf", &site.organizer.csrf),
                ("name", INJECTIONS[1]),
                ("url", "https://sponsor.example"),
                ("blurb", INJECTIONS[2]),
            ],
            Some(&site.organizer.cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let after = app.store.dump_conference(SLUG).await.unwrap();
    assert_eq!(users().await, users_before, "accounts appeared or vanished");
    // (Through podium-app: the log-in form's budget for this client is spent by now.)
    podium_app::account::check_password(&*app.store, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1)
        .await
        .expect("the organizer's password still works");
    let slugs: Vec<String> = app
        .store
        .list_conferences()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.slug.as_str().to_owned())
        .collect();
    assert_eq!(slugs, vec![SLUG.to_owned()]);
    assert!(after.tables["talks"].len() >= before.tables["talks"].len());
    assert!(
        after.tables["sponsors"]
            .iter()
            .any(|c| { c["name"] == INJECTIONS[1] && c["blurb"] == INJECTIONS[2] }),
        "the sponsor is stored verbatim"
    );
}

#[tokio::test]
async fn injection_strings_break_nothing_sqlite() {
    injection_strings_break_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn injection_strings_break_nothing_postgres() {
    injection_strings_break_nothing(Backend::Postgres).await;
}
