//! Upload limits: a slides PDF over the configured size, an import file over its limit, and
//! form or JSON bodies over the default limit are answered with a clear 413 or 422 — and
//! nothing is stored.

use std::sync::Arc;

use podium_app::demo::{self, DEMO_SLUG};
use podium_store::Store;
use podium_testkit::TestApp;

use super::{account, csrf};

/// A server of its own over `app`'s database with a slides limit of `max_bytes`; returns its
/// base URL, its data directory and the sender that stops it.
async fn server_with_limit(
    app: &TestApp,
    max_bytes: u64,
) -> (String, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    let store = Arc::new(
        podium_store::SqlStore::connect(&app.database_url)
            .await
            .unwrap(),
    );
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = podium_web::AppState::new(
        store,
        podium_web::WebConfig {
            public_url: "https://podium.test".to_owned(),
            clock: Arc::new(jiff::Timestamp::now),
            login_attempts_per_minute: 10,
            trust_proxy: false,
            slides: podium_web::SlidesConfig {
                max_bytes,
                storage: podium_web::StorageConfig::Disk(data.path().to_owned()),
            },
            redis: None,
        },
    );
    let (stop, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(podium_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (base, data, stop)
}

fn multipart(csrf: &str, field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    const B: &str = "upload-limit-boundary";
    let mut body = format!(
        "--{B}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{B}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{B}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={B}"), body)
}

fn pdf_of(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    out.resize(size.saturating_sub(6), b' ');
    out.extend_from_slice(b"%%EOF\n");
    out
}

on_both_backends!(oversized_uploads_are_refused_and_nothing_is_stored, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    let talk = &program.talks[0];
    let (user, speaker) = account(&app, "speaker@uploads.example", "Ada").await;
    app.store
        .link_speaker(conf.id, talk.speaker_ids[0], user)
        .await
        .unwrap();
    let token = csrf(&app, &speaker).await;
    let (base, data, stop) = server_with_limit(&app, 100_000).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Slides: over the limit (a little, and far beyond the point where reading stops).
    let slides = format!("{base}/{DEMO_SLUG}/speaker/talks/{}/slides", talk.id);
    for size in [150_000, 12_000_000] {
        let (content_type, body) = multipart(&token, "pdf", "deck.pdf", &pdf_of(size));
        let r = client
            .post(&slides)
            .header("cookie", &speaker)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        assert!(matches!(status, 413 | 422), "{size}: {status}");
        assert!(
            html.contains("This file is too large") && html.contains("at most 100 KB"),
            "{size}: {html}"
        );
    }
    assert_eq!(app.store.talk_slides(talk.id).await.unwrap(), None);
    let stored: Vec<_> = std::fs::read_dir(data.path().join("slides"))
        .map(|d| d.collect())
        .unwrap_or_default();
    assert!(stored.is_empty(), "no file was kept: {stored:?}");
    let _ = stop.send(());

    // An import over its 20 MB limit.
    let organizer = app
        .log_in(
            podium_app::demo::DEMO_ORGANIZER.0,
            podium_app::demo::DEMO_ORGANIZER.1,
        )
        .await;
    let org_token = csrf(&app, &organizer).await;
    let before = app.store.dump_conference(DEMO_SLUG).await.unwrap();
    let mut big = b"<schedule>".to_vec();
    big.resize(28_000_000, b' ');
    big.extend_from_slice(b"</schedule>");
    let (content_type, body) = multipart(&org_token, "file", "huge.xml", &big);
    let r = app
        .client
        .post(format!("{}/{DEMO_SLUG}/organizer/import", app.base_url))
        .header("cookie", &organizer)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert_eq!(status, 413, "{html}");
    assert!(html.contains("20 MB"), "{html}");
    // Just over the file limit but within the body limit: the page says so.
    let mut over = b"<schedule>".to_vec();
    over.resize(21_000_000, b' ');
    over.extend_from_slice(b"</schedule>");
    let (content_type, body) = multipart(&org_token, "file", "big.xml", &over);
    let r = app
        .client
        .post(format!("{}/{DEMO_SLUG}/organizer/import", app.base_url))
        .header("cookie", &organizer)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert!(matches!(status, 413 | 422), "{status}");
    assert!(html.contains("20 MB"), "{html}");
    assert_eq!(app.store.dump_conference(DEMO_SLUG).await.unwrap(), before);

    // Forms and JSON bodies over the 2 MB default.
    let long = "x".repeat(3_000_000);
    let r = app
        .post_form(
            &format!("/{DEMO_SLUG}/organizer/sponsors"),
            &[("csrf", &org_token), ("name", "Acme"), ("blurb", &long)],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 413);
    let (api_token, hash) = podium_app::account::new_api_token().unwrap();
    let org_user = app
        .store
        .credentials(podium_app::demo::DEMO_ORGANIZER.0)
        .await
        .unwrap()
        .user;
    app.store
        .create_api_token(conf.id, org_user, "t", &hash)
        .await
        .unwrap();
    let r = app
        .client
        .post(format!(
            "{}/api/v1/conferences/{DEMO_SLUG}/talks",
            app.base_url
        ))
        .header("authorization", format!("Bearer {api_token}"))
        .json(&serde_json::json!({ "title": "T", "abstract": long }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(app.store.dump_conference(DEMO_SLUG).await.unwrap(), before);
});
