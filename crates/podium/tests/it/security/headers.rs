//! Security headers on every kind of response — public, speaker, reviewer and organizer
//! pages, error pages, exports, the API and static files: a Content-Security-Policy whose
//! scripts come only from the site (no `unsafe-inline`, no `unsafe-eval`) and that no other
//! site may frame, `X-Content-Type-Options: nosniff`, a `Referrer-Policy`, and HSTS exactly
//! when the public URL is https.

use std::sync::Arc;

use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_SLUG};
use podium_store::Store;
use podium_testkit::Backend;

/// The directives of a CSP header, by name.
fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

/// What is wrong with a response's headers.
fn header_problems(path: &str, h: &reqwest::header::HeaderMap, https: bool) -> Vec<String> {
    let mut out = Vec::new();
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match get("content-security-policy") {
        None => out.push(format!("{path}: no Content-Security-Policy")),
        Some(csp) => {
            let d = directives(&csp);
            let find = |n: &str| d.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let scripts = find("script-src").or_else(|| find("default-src"));
            match scripts {
                None => out.push(format!("{path}: scripts unrestricted: {csp}")),
                Some(s) => {
                    for bad in [
                        "'unsafe-inline'",
                        "'unsafe-eval'",
                        "*",
                        "data:",
                        "https:",
                        "http:",
                    ] {
                        if s.iter().any(|w| w == bad) {
                            out.push(format!("{path}: script-src allows {bad}"));
                        }
                    }
                }
            }
            if find("frame-ancestors") != Some(vec!["'none'".to_owned()]) {
                out.push(format!("{path}: other sites may frame it: {csp}"));
            }
            if find("object-src") != Some(vec!["'none'".to_owned()]) {
                out.push(format!("{path}: object-src is not 'none'"));
            }
            if find("base-uri").is_none() {
                out.push(format!("{path}: no base-uri"));
            }
        }
    }
    if get("x-content-type-options").as_deref() != Some("nosniff") {
        out.push(format!("{path}: no X-Content-Type-Options: nosniff"));
    }
    match get("referrer-policy").as_deref() {
        Some(
            "strict-origin-when-cross-origin" | "same-origin" | "no-referrer" | "strict-origin",
        ) => {}
        other => out.push(format!("{path}: Referrer-Policy {other:?}")),
    }
    let hsts = get("strict-transport-security");
    match (https, hsts) {
        (true, Some(v)) => {
            let age: u64 = v
                .split(';')
                .find_map(|p| p.trim().strip_prefix("max-age="))
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            if age < 15_552_000 {
                out.push(format!("{path}: HSTS for less than 180 days: {v}"));
            }
        }
        (true, None) => out.push(format!(
            "{path}: no Strict-Transport-Security on an https site"
        )),
        (false, Some(v)) => out.push(format!("{path}: HSTS on a plain-http site: {v}")),
        (false, None) => {}
    }
    out
}

async fn get(app_base: &str, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut r = client.get(format!("{app_base}{path}"));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    r.send().await.unwrap()
}

fn paths(talk: i64) -> Vec<String> {
    let s = DEMO_SLUG;
    vec![
        "/".into(),
        format!("/{s}/"),
        format!("/{s}/schedule"),
        format!("/{s}/talks/{talk}"),
        format!("/{s}/live"),
        format!("/{s}/cfp"),
        format!("/{s}/proposals"),
        format!("/{s}/speaker/proposals"),
        format!("/{s}/review"),
        format!("/{s}/organizer/schedule"),
        format!("/{s}/organizer/proposals"),
        format!("/{s}/organizer/proposals.csv"),
        format!("/{s}/schedule.xml"),
        format!("/{s}/schedule.json"),
        format!("/{s}/schedule.ics"),
        format!("/{s}/schedule.csv"),
        format!("/api/v1/conferences/{s}/talks"),
        "/api/v1/conferences/nope".into(),
        "/api/v1/openapi.json".into(),
        "/api/v1/docs".into(),
        "/login".into(),
        "/account".into(),
        "/no/such/page".into(),
        format!("/{s}/talks/999999"),
        "/static/podium.css".into(),
        "/static/podium.js".into(),
        "/sw.js".into(),
        "/healthz".into(),
    ]
}

on_both_backends!(every_response_carries_the_security_headers, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let talk = app.store.program(conf.id).await.unwrap().talks[0].id.0;
    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let mut problems = Vec::new();
    for path in paths(talk) {
        for cookie in [None, Some(organizer.as_str())] {
            let r = get(&app.base_url, &path, cookie).await;
            problems.extend(header_problems(&path, r.headers(), true));
        }
    }
    // Refusals and errors too: a forbidden post, a refused form, a too-large body.
    let r = app
        .post_form(
            "/logout",
            &[("csrf", "x")],
            Some(&organizer),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status(), 403);
    problems.extend(header_problems("a refused post", r.headers(), true));
    let r = app.post_form("/signup", &[("email", "x")], None, &[]).await;
    assert_eq!(r.status(), 422);
    problems.extend(header_problems("a refused form", r.headers(), true));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
});

/// A server of its own whose public URL is plain http (a laptop, or behind a proxy that
/// terminates nothing).
#[tokio::test]
async fn no_hsts_when_the_public_url_is_http() {
    let (url, dir) = podium_testkit::fresh_database(Backend::Sqlite).await;
    let store = Arc::new(podium_store::SqlStore::connect(&url).await.unwrap());
    demo::load(&*store).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = podium_web::AppState::new(
        store,
        podium_web::WebConfig {
            public_url: "http://localhost:8000".to_owned(),
            clock: Arc::new(jiff::Timestamp::now),
            login_attempts_per_minute: 10,
            trust_proxy: false,
            slides: podium_web::SlidesConfig {
                max_bytes: podium_web::DEFAULT_MAX_SLIDES_BYTES,
                storage: podium_web::StorageConfig::Disk(dir.path().join("data")),
            },
            redis: None,
        },
    );
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(podium_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    let mut problems = Vec::new();
    for path in paths(1) {
        let r = get(&base, &path, None).await;
        problems.extend(header_problems(&path, r.headers(), false));
    }
    // Nor is the session cookie marked Secure, which a plain-http site could not set back.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/signup"))
        .form(&[
            ("name", "Ada"),
            ("email", "ada@example.org"),
            ("password", "a long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_inline_scripts_and_framing() {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'"
            .parse()
            .unwrap(),
    );
    h.insert("x-content-type-options", "nosniff".parse().unwrap());
    h.insert(
        "referrer-policy",
        "strict-origin-when-cross-origin".parse().unwrap(),
    );
    let problems = header_problems("x", &h, false);
    assert_eq!(problems.len(), 2, "{problems:?}");
}
