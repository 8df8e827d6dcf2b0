//! Slides: speakers and organizers upload a PDF (checked by content, size-limited, kept on
//! disk across restarts) or link slides; anyone downloads the PDF; talk page views and slide
//! downloads are counted for browsers, not for bots.

use std::path::Path;
use std::sync::Arc;

use podium_domain::{ConferenceId, Role, TalkId};
use podium_store::{SqlStore, Store};
use podium_testkit::fixture::two_day_program;
use podium_testkit::{TestApp, csrf_of};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const SLACKBOT: &str = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)";

/// A minimal valid PDF: one empty page with a correct cross-reference table, padded with a
/// binary comment to about `size` bytes (readers skip comments).
fn pdf(size: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 320 180] >>",
    ];
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    while out.len() + 200 < size {
        out.extend_from_slice(b"% padding \x00\xff\x10 so the file has the size the test wants\n");
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// The conference "slidesconf" with talks t1 and t2 by speaker Ada.
async fn conference(app: &TestApp) -> (ConferenceId, TalkId) {
    let id = app
        .store
        .create_program(&two_day_program(
            "slidesconf",
            "Europe/Brussels",
            "2027-03-01",
            "About things.",
            "Ada speaks.",
        ))
        .await
        .unwrap();
    let talk = app.store.program(id).await.unwrap().talks[0].id;
    (id, talk)
}

/// Signs up `email` and links the account to the speaker Ada; returns the session cookie.
async fn speaker(app: &TestApp, conference: ConferenceId, email: &str) -> String {
    let cookie = app.sign_up(email).await;
    let user = app.store.credentials(email).await.unwrap().user;
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE speakers SET user_id = $1 WHERE conference_id = $2")
        .bind(user.0)
        .bind(conference.0)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    cookie
}

fn manage(talk: TalkId) -> String {
    format!("/slidesconf/speaker/talks/{talk}/slides")
}

fn download(talk: TalkId) -> String {
    format!("/slidesconf/talks/{talk}/slides.pdf")
}

/// POSTs the upload form (token and file) to `base` as a browser does.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    talk: TalkId,
    cookie: &str,
    file_name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (_, html) = get_with_cookie(client, base, &manage(talk), cookie).await;
    let csrf = csrf_of(&html);
    const BOUNDARY: &str = "slides-test-boundary-4b1d";
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    client
        .post(format!("{base}{}", manage(talk)))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("cookie", cookie)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn get_with_cookie(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
) -> (u16, String) {
    let r = client
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get_as(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base_url));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

on_both_backends!(
    a_speaker_uploads_a_pdf_and_anyone_downloads_the_same_bytes,
    |app| {
        let (conf, talk) = conference(&app).await;
        let cookie = speaker(&app, conf, "ada@example.org").await;
        let bytes = pdf(30_000);
        let page = format!("/slidesconf/talks/{talk}");
        let (_, before) = app.get(&page).await;
        assert!(!before.contains("slides.pdf"), "no PDF yet");
        assert!(before.contains(&format!(
            "href=\"{}\" rel=\"nofollow\">Speaker or organizer? Add or replace the slides",
            manage(talk)
        )));

        let r = upload(
            &app.client,
            &app.base_url,
            talk,
            &cookie,
            "deck.pdf",
            &bytes,
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("{}?done=uploaded", manage(talk)).as_str()
        );

        // The talk page offers it, with its size and the offline button; the link stays.
        let (_, after) = app.get(&page).await;
        assert!(
            after.contains(&format!(
                "<a class=\"button\" href=\"{0}\" download=\"first-talk-slides.pdf\" type=\"application/pdf\" data-slides-pdf>Download the slides (PDF, 30 KB)</a>",
                download(talk)
            )),
            "{after}"
        );
        assert!(after.contains(&format!("data-keep-slides=\"{}\"", download(talk))));
        assert!(after.contains("https://slides.com/ada/deck"));

        let r = get_as(&app, &download(talk), &[("user-agent", FIREFOX)]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(
            r.headers()["content-disposition"],
            "inline; filename=\"first-talk-slides.pdf\""
        );
        let stored = app.store.talk_slides(talk).await.unwrap().unwrap();
        assert_eq!(stored.size_bytes, bytes.len() as i64);
        let etag = format!("\"{}\"", &stored.sha256[..32]);
        assert_eq!(r.headers()["etag"], etag.as_str());
        assert_eq!(r.headers()["cache-control"], "public, max-age=60");
        assert_eq!(
            r.bytes().await.unwrap().to_vec(),
            bytes,
            "the very same bytes"
        );

        let r = get_as(&app, &download(talk), &[("if-none-match", &etag)]).await;
        assert_eq!(
            r.status(),
            304,
            "a kept copy is revalidated, not sent again"
        );

        // The talk changed for offline copies: the changes feed names it.
        let (rows, _) = app.store.changes_since(conf, 0, 1000).await.unwrap();
        let last = rows.last().unwrap();
        assert_eq!((last.doc_type.as_str(), last.doc_id), ("talk", talk.0));

        let done = format!("{}?done=uploaded", manage(talk));
        let (_, page) = get_with_cookie(&app.client, &app.base_url, &done, &cookie).await;
        assert!(page.contains("Your PDF is on the talk page."), "{page}");
        assert!(page.contains("30 KB"), "{page}");
    }
);

on_both_backends!(a_file_that_is_not_a_pdf_is_refused_by_its_content, |app| {
    let (conf, talk) = conference(&app).await;
    let cookie = speaker(&app, conf, "ada@example.org").await;
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.";
    let r = upload(&app.client, &app.base_url, talk, &cookie, "slides.pdf", exe).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("This file is not a PDF: it looks like a Windows program (.exe)."),
        "{html}"
    );

    let page = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n%%EOF";
    let r = upload(
        &app.client,
        &app.base_url,
        talk,
        &cookie,
        "slides.pdf",
        page,
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("it looks like a web page (HTML)")
    );

    let mut cut = pdf(5_000);
    cut.truncate(3_000);
    let r = upload(
        &app.client,
        &app.base_url,
        talk,
        &cookie,
        "slides.pdf",
        &cut,
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("This PDF is cut off"));

    assert_eq!(app.store.talk_slides(talk).await.unwrap(), None);
    assert_eq!(get_as(&app, &download(talk), &[]).await.status(), 404);
});

on_both_backends!(
    only_the_talks_speakers_and_organizers_manage_its_slides,
    |app| {
        let (conf, talk) = conference(&app).await;
        let _ada = speaker(&app, conf, "ada@example.org").await;
        let (status, _) = app.get(&manage(talk)).await;
        assert_eq!(status, 303, "anonymous visitors are sent to log in");

        let other = app.sign_up("mallory@example.org").await;
        let (status, html) = app.get_with_cookie(&manage(talk), &other).await;
        assert_eq!(status, 403);
        assert!(
            html.contains("Only the talk&#x27;s speakers and the conference&#x27;s organizers")
        );
        // Their own form token, on a page they may open.
        let (_, account) = app.get_with_cookie("/account", &other).await;
        let csrf = csrf_of(&account);
        let r = app
            .post_multipart(
                &manage(talk),
                &[("csrf", &csrf)],
                ("pdf", "slides.pdf", &pdf(2_000)),
                &other,
            )
            .await;
        assert_eq!(r.status(), 403);
        let r = app
            .post_form(
                &format!("{}/link", manage(talk)),
                &[("csrf", &csrf), ("url", "https://evil.example/")],
                Some(&other),
                &[],
            )
            .await;
        assert_eq!(r.status(), 403);
        assert_eq!(app.store.talk_slides(talk).await.unwrap(), None);
        let p = app.store.program(conf).await.unwrap();
        assert_eq!(
            p.talk(talk).unwrap().slides_url.as_deref(),
            Some("https://slides.com/ada/deck")
        );

        // An organizer who is not a speaker may.
        let org = app.sign_up("org@example.org").await;
        let org_user = app.store.credentials("org@example.org").await.unwrap().user;
        app.store
            .grant_role(org_user, conf, Role::Organizer)
            .await
            .unwrap();
        let r = upload(
            &app.client,
            &app.base_url,
            talk,
            &org,
            "slides.pdf",
            &pdf(2_000),
        )
        .await;
        assert_eq!(r.status(), 303);
        let (_, html) = app.get_with_cookie(&manage(talk), &org).await;
        let r = app
            .post_form(
                &format!("{}/link", manage(talk)),
                &[("csrf", &csrf_of(&html)), ("url", "javascript:alert(1)")],
                Some(&org),
                &[],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("The slides link must be a web address")
        );
        let r = app
            .post_form(
                &format!("{}/link", manage(talk)),
                &[
                    ("csrf", &csrf_of(&html)),
                    ("url", "https://speakerdeck.com/ada/new-deck"),
                ],
                Some(&org),
                &[],
            )
            .await;
        assert_eq!(r.status(), 303);
        let p = app.store.program(conf).await.unwrap();
        assert_eq!(
            p.talk(talk).unwrap().slides_url.as_deref(),
            Some("https://speakerdeck.com/ada/new-deck")
        );
        assert_eq!(
            app.store
                .talk_slides(talk)
                .await
                .unwrap()
                .unwrap()
                .size_bytes,
            pdf(2_000).len() as i64
        );
    }
);

/// A request to send: method, path and headers.
type Request<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

on_both_backends!(
    views_and_downloads_are_counted_for_browsers_not_bots,
    |app| {
        let (conf, talk) = conference(&app).await;
        let cookie = speaker(&app, conf, "ada@example.org").await;
        let r = upload(
            &app.client,
            &app.base_url,
            talk,
            &cookie,
            "deck.pdf",
            &pdf(4_000),
        )
        .await;
        assert_eq!(r.status(), 303);
        let page = format!("/slidesconf/talks/{talk}");

        // Counted: two page views and one download by a browser; the service worker
        // forwarding a navigation is a view too.
        let pdf_path = download(talk);
        let browser = [("user-agent", FIREFOX)];
        let counted: Vec<Request> = vec![
            ("GET", &page, browser.to_vec()),
            ("GET", &pdf_path, browser.to_vec()),
            (
                "GET",
                &page,
                vec![
                    ("user-agent", FIREFOX),
                    ("sec-fetch-mode", "cors"),
                    ("x-podium-navigate", "1"),
                ],
            ),
        ];
        // Not counted: bots, scripts, no User-Agent, HEAD, prefetches, the service worker's
        // sync of every page.
        let mut ignored: Vec<Request> = Vec::new();
        for ua in [GOOGLEBOT, SLACKBOT, "curl/8.5.0", "facebookexternalhit/1.1"] {
            ignored.push(("GET", &page, vec![("user-agent", ua)]));
            ignored.push(("GET", &pdf_path, vec![("user-agent", ua)]));
        }
        ignored.push(("GET", &page, vec![]));
        ignored.push(("HEAD", &page, browser.to_vec()));
        ignored.push(("HEAD", &pdf_path, browser.to_vec()));
        ignored.push((
            "GET",
            &page,
            vec![("user-agent", FIREFOX), ("sec-purpose", "prefetch")],
        ));
        ignored.push((
            "GET",
            &page,
            vec![("user-agent", FIREFOX), ("sec-fetch-mode", "cors")],
        ));
        let requests = counted
            .into_iter()
            .chain(std::iter::once(("GET", page.as_str(), browser.to_vec())))
            .chain(ignored);
        for (method, path, headers) in requests {
            let mut request = app
                .client
                .request(method.parse().unwrap(), format!("{}{path}", app.base_url));
            for (name, value) in &headers {
                request = request.header(*name, *value);
            }
            let status = request.send().await.unwrap().status();
            assert_eq!(status, 200, "{method} {path} {headers:?}");
        }

        // Organizers see the counts (the page writes pending counts first).
        let org = app.sign_up("org@example.org").await;
        let (status, _) = app
            .get_with_cookie("/slidesconf/organizer/slides", &org)
            .await;
        assert_eq!(status, 403, "not an organizer yet");
        let org_user = app.store.credentials("org@example.org").await.unwrap().user;
        app.store
            .grant_role(org_user, conf, Role::Organizer)
            .await
            .unwrap();
        let (status, html) = app
            .get_with_cookie("/slidesconf/organizer/slides", &org)
            .await;
        assert_eq!(status, 200);
        assert!(
        html.contains(&format!(
            "<td><a href=\"/slidesconf/talks/{talk}\">First talk</a></td><td>3</td><td>1</td><td>PDF and link</td>"
        )),
        "{html}"
    );
        let counts = app.store.talk_counts(conf).await.unwrap();
        let mine = counts.iter().find(|c| c.talk == talk).unwrap();
        assert_eq!((mine.views, mine.downloads, mine.has_pdf), (3, 1, true));
        let other = counts.iter().find(|c| c.talk != talk).unwrap();
        assert_eq!((other.views, other.downloads, other.has_pdf), (0, 0, false));
    }
);

/// A server of our own on the test's database, with its own data directory and upload limit.
struct Server {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(app: &TestApp, data_dir: &Path, max_bytes: u64) -> Server {
    let store = Arc::new(SqlStore::connect(&app.database_url).await.unwrap());
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
                storage: podium_web::StorageConfig::Disk(data_dir.to_owned()),
            },
            redis: None,
        },
    );
    let (stop, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(podium_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Server { base, stop, task }
}

impl Server {
    async fn shut_down(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

on_both_backends!(
    a_file_over_the_limit_is_refused_and_nothing_is_stored,
    |app| {
        let (conf, talk) = conference(&app).await;
        let cookie = speaker(&app, conf, "ada@example.org").await;
        let data = tempfile::tempdir().unwrap();
        let server = start(&app, data.path(), 10_000).await;
        let client = no_redirects();

        let r = upload(
            &client,
            &server.base,
            talk,
            &cookie,
            "big.pdf",
            &pdf(25_000),
        )
        .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("This file is too large: 25 KB. Slides may be at most 10 KB."),
            "{html}"
        );
        assert_eq!(app.store.talk_slides(talk).await.unwrap(), None);
        assert_eq!(files_in(&data.path().join("slides")), Vec::<String>::new());

        // Just under the limit passes.
        let small = pdf(9_000);
        let r = upload(&client, &server.base, talk, &cookie, "small.pdf", &small).await;
        assert_eq!(r.status(), 303);
        assert_eq!(files_in(&data.path().join("slides")).len(), 1);
        server.shut_down().await;
    }
);

on_both_backends!(uploaded_slides_survive_a_server_restart, |app| {
    let (conf, talk) = conference(&app).await;
    let cookie = speaker(&app, conf, "ada@example.org").await;
    let data = tempfile::tempdir().unwrap();
    let bytes = pdf(50_000);

    let first = start(&app, data.path(), 1_000_000).await;
    let r = upload(
        &no_redirects(),
        &first.base,
        talk,
        &cookie,
        "deck.pdf",
        &bytes,
    )
    .await;
    assert_eq!(r.status(), 303);
    // A second version replaces the first file (no leftovers, no temporary files).
    let v2 = pdf(60_000);
    let r = upload(&no_redirects(), &first.base, talk, &cookie, "deck.pdf", &v2).await;
    assert_eq!(r.status(), 303);
    first.shut_down().await;

    let guid = app
        .store
        .program(conf)
        .await
        .unwrap()
        .talk(talk)
        .unwrap()
        .guid
        .clone();
    let sha256 = app.store.talk_slides(talk).await.unwrap().unwrap().sha256;
    assert_eq!(
        files_in(&data.path().join("slides")),
        vec![format!("{guid}-{}.pdf", &sha256[..16])]
    );

    let second = start(&app, data.path(), 1_000_000).await;
    let r = reqwest::get(format!("{}{}", second.base, download(talk)))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), v2);
    second.shut_down().await;
});

/// An ordinary desktop Chrome's User-Agent: headless Chrome's own names it as headless and is
/// not counted (docs/slides.md).
const CHROME_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

on_both_backends!(
    in_chromium_slides_are_kept_for_offline_and_the_counts_rise,
    |app| {
        use thirtyfour::prelude::*;
        let (conf, talk) = conference(&app).await;
        let cookie = speaker(&app, conf, "ada@example.org").await;
        let bytes = pdf(20_000);
        let r = upload(
            &app.client,
            &app.base_url,
            talk,
            &cookie,
            "deck.pdf",
            &bytes,
        )
        .await;
        assert_eq!(r.status(), 303);

        let browser = crate::browser::Browser::start_as(Some(CHROME_UA)).await;
        let d = browser.driver();
        d.goto(format!("{}/slidesconf/talks/{talk}", app.base_url))
            .await
            .unwrap();
        browser
            .wait_until(
                "the service worker controls the page",
                "return !!navigator.serviceWorker.controller",
                20,
            )
            .await;
        d.find(By::Css("[data-keep-slides]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait_until(
                "the slides are kept",
                "return document.querySelector('[data-keep-slides-status]').textContent === 'Kept for offline reading on this device.'",
                20,
            )
            .await;

        // The wi-fi dies: the PDF still opens, with the same bytes.
        browser.set_offline(true).await;
        let got = browser
            .eval(&format!(
                "return fetch('{}').then(async (r) => [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength])",
                download(talk)
            ))
            .await;
        assert_eq!(
            got,
            serde_json::json!([200, "application/pdf", bytes.len()])
        );
        browser.set_offline(false).await;
        browser.quit().await;

        // One view (the visit; the worker's copying of every page is not one) and one
        // download (the kept PDF; reading it offline is not one).
        let counts = {
            let org = app.sign_up("org@example.org").await;
            let user = app.store.credentials("org@example.org").await.unwrap().user;
            app.store
                .grant_role(user, conf, Role::Organizer)
                .await
                .unwrap();
            let (status, _) = app
                .get_with_cookie("/slidesconf/organizer/slides", &org)
                .await;
            assert_eq!(status, 200);
            app.store.talk_counts(conf).await.unwrap()
        };
        let mine = counts.iter().find(|c| c.talk == talk).unwrap();
        assert_eq!((mine.views, mine.downloads), (1, 1));
    }
);
