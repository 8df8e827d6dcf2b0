//! Hostile text in every field a user controls — the talk's title and abstract (through the
//! API and through an uploaded import), speaker names, bios, links and pictures, proposal
//! fields and answers, comments, reviews, account names, sponsors, feedback and kudos, API
//! token and room names, CFP questions — is inert wherever it is shown: every HTML page a
//! crawl reaches as an organizer, a speaker, a reviewer and a visitor (and the forms shown
//! again after a refused post), the exports (XML, JSON, iCalendar, CSV, organizers' CSVs),
//! and the JSON API.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use base64::Engine as _;
use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::Store;
use podium_testkit::{Backend, TestApp};
use serde_json::{Value, json};

use super::{account, csrf, foreign_ical_lines, formula_cells, noon, unsafe_markup};

/// The corpus. Each carries a marker `xss-N`, so the test can show it reached a page.
pub(crate) const PAYLOADS: &[&str] = &[
    "<script>alert('xss-1')</script>",
    "\"><img src=x onerror=alert('xss-2')>",
    "'><svg onload=alert('xss-3')>",
    "javascript:alert('xss-4')",
    "[click](javascript:alert('xss-5'))",
    "[x](JaVaScRiPt:alert('xss-6'))",
    "[x](&#106;avascript:alert('xss-7'))",
    "</textarea><script>alert('xss-8')</script>",
    "</title><script>alert('xss-9')</script>",
    "<svg><script>alert('xss-10')</script></svg>",
    "<a href=\"jav&#x09;ascript:alert('xss-11')\">x</a>",
    "<iframe src=\"javascript:alert('xss-12')\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-13')>",
    "＜script＞alert('xss-14')＜/script＞",
    "<IMG SRC=\"jav\tascript:alert('xss-15');\">",
    "\u{202e}<a href=\"\u{1}javascript:alert('xss-16')\">gnp.exe</a>",
    "=HYPERLINK(\"https://evil.example/xss-17\",\"click\")",
    "+cmd|' /C calc'!A0 xss-18",
    "-2+3+cmd|' /C calc'!A0 xss-19",
    "@SUM(1+1)*cmd|' /C calc'!A0 xss-20",
    "xss-21\r\nATTACH:https://evil.example/xss-21\r\nBEGIN:VALARM",
    "<style>body{background:url(https://evil.example/xss-22)}</style>",
    "<base href=\"https://evil.example/xss-23/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss-24')\">",
    "<form action=\"https://evil.example/xss-25\"><button>go</button></form>",
    "{{ 7*7 }}{% if true %}xss-26{% endif %}",
    "![x](x\" onerror=\"alert('xss-27'))",
    "<div style=\"background:url(javascript:alert('xss-28'))\">x</div>",
    "<object title=\"xss-29\" data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== \"xss-30\")",
];

/// Every payload, one per paragraph (for the long Markdown fields).
fn all() -> String {
    PAYLOADS.join("\n\n")
}

/// Text cut to `n` characters.
fn cut(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

async fn post(app: &TestApp, path: &str, cookie: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = app.post_form(path, fields, Some(cookie), &[]).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// A JSON API call with a bearer token.
async fn api(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .request(method.parse().unwrap(), format!("{}{path}", app.base_url))
        .header("authorization", format!("Bearer {token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Everything a page shows that must be checked: refused markup, and whether it evaluated
/// the template payload.
fn audit(path: &str, html: &str, problems: &mut Vec<String>) {
    for p in unsafe_markup(html) {
        problems.push(format!("{path}: {p}"));
    }
    if html.contains("49xss-26") {
        problems.push(format!("{path}: user text was evaluated as a template"));
    }
}

/// Same-site links of a page (`href="/…"`), without fragments.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .map(|h| {
            h.split('#')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&")
        })
        .collect()
}

/// A URL's route: numbers and long tokens replaced, the query dropped.
fn template(path: &str) -> String {
    path.split('?')
        .next()
        .unwrap_or_default()
        .split('/')
        .map(|seg| {
            if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() {
                "{n}"
            } else if seg.len() >= 32 {
                "{token}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Crawls the site from `start` as the visitor with `cookie`, auditing every HTML page it
/// reaches (at most a few URLs per route, plus every URL in `must`). Returns the
/// concatenated text of the pages (to find the markers in) and the non-HTML URLs seen.
async fn crawl(
    app: &TestApp,
    who: &str,
    cookie: Option<&str>,
    start: &[String],
    problems: &mut Vec<String>,
) -> (String, BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    let mut per_route: BTreeMap<String, usize> = BTreeMap::new();
    let mut queue: VecDeque<String> = start.iter().cloned().collect();
    let mut text = String::new();
    let mut files = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || path.starts_with("/static/") {
            continue;
        }
        let bare = path.split('?').next().unwrap_or_default();
        if [
            ".ics",
            ".csv",
            ".xml",
            ".json",
            ".pdf",
            ".webmanifest",
            ".js",
        ]
        .iter()
        .any(|x| bare.ends_with(x))
        {
            files.insert(path);
            continue;
        }
        let route = template(&path);
        let count = per_route.entry(route).or_default();
        *count += 1;
        if *count > 4 && !start.contains(&path) {
            continue;
        }
        let mut request = app.client.get(format!("{}{path}", app.base_url));
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let html_page = podium_testkit::header_of(&r, "content-type").starts_with("text/html");
        let body = r.text().await.unwrap();
        if status >= 500 {
            problems.push(format!("GET {path} as {who}: {status}"));
        }
        if !html_page {
            continue;
        }
        audit(&format!("GET {path} as {who}"), &body, problems);
        for link in links(&body) {
            if !seen.contains(&link) {
                queue.push_back(link);
            }
        }
        text.push_str(&body);
    }
    (text, files)
}

async fn xss_everywhere(backend: Backend) {
    // A failure shows the server's log (the cause of a 500 is only there).
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = TestApp::spawn_at(backend, Some(noon())).await;
    let s = DEMO_SLUG;
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(s).await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    let now = noon().as_second();
    let cfp = app.store.cfp();
    let mut settings = CfpSettings {
        opens_at: Some(now - 86_400),
        closes_at: Some(now + 30 * 86_400),
        review_phases: vec![ReviewPhase {
            blind: false,
            ..ReviewPhase::default()
        }],
        share_reviews: true,
        ..CfpSettings::default()
    };
    // Organizers' own words are shown to everyone, so they are escaped like anyone's.
    settings.questions = vec![
        Question {
            key: "why".into(),
            label: PAYLOADS[0].into(),
            kind: QuestionKind::Text,
            options: vec![],
            scope: QuestionScope::Proposal,
            required: false,
        },
        Question {
            key: "shirt".into(),
            label: PAYLOADS[1].into(),
            kind: QuestionKind::Text,
            options: vec![],
            scope: QuestionScope::Speaker,
            required: false,
        },
    ];
    settings.submission_types[0].name = PAYLOADS[2].into();
    settings.score_categories[0].name = PAYLOADS[3].into();
    cfp.save_settings(conf.id, &settings).await.unwrap();
    let mut problems = Vec::new();

    // The organizer, and a speaker who signs up through the form with a hostile name.
    let org = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let org_csrf = csrf(&app, &org).await;
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", PAYLOADS[4]),
                ("email", "speaker@xss.example"),
                ("password", "a long enough password"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let speaker = podium_testkit::cookie_of(&r);
    let sp_csrf = csrf(&app, &speaker).await;
    // A refused sign-up shows the typed name again.
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", &all()[..90]),
                ("email", PAYLOADS[1]),
                ("password", "x"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 422);
    audit("refused sign-up", &r.text().await.unwrap(), &mut problems);

    // The speaker's profile: name, bio, links, picture and an answer, all hostile. A refused
    // one (a javascript: link) comes back with what was typed.
    let links = "https://ada.example/\"><script>alert('xss-l1')</script>\n\
                 https://ada.example/?q=<img/src=x/onerror=alert('xss-l2')>";
    let profile = format!("/{s}/speaker/profile");
    let bio = all();
    let mut fields = vec![
        ("csrf", sp_csrf.as_str()),
        ("name", PAYLOADS[5]),
        ("bio_md", bio.as_str()),
        ("links", "javascript:alert('xss-l3')"),
        (
            "avatar_url",
            "https://img.example/a.png\" onerror=\"alert('xss-a1')",
        ),
        ("availability", "any"),
        ("q_shirt", bio.as_str()),
    ];
    let (status, html) = post(&app, &profile, &speaker, &fields).await;
    assert_eq!(status, 422, "a javascript: link is refused");
    audit("refused profile", &html, &mut problems);
    fields[3] = ("links", links);
    let (status, _) = post(&app, &profile, &speaker, &fields).await;
    assert_eq!(status, 303);

    // One proposal per payload (titles are short), every long field holding all of them.
    let new = format!("/{s}/speaker/proposals/new");
    let (status, html) = post(
        &app,
        &new,
        &speaker,
        &[
            ("csrf", &sp_csrf),
            ("form_token", "xss-refused"),
            ("title", PAYLOADS[7]),
            ("notes", &bio),
            ("submit", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422, "no abstract");
    audit("refused proposal", &html, &mut problems);
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let token = format!("xss-form-{i}");
        let (status, html) = post(
            &app,
            &new,
            &speaker,
            &[
                ("csrf", &sp_csrf),
                ("form_token", &token),
                ("title", payload),
                ("abstract_md", &bio),
                ("description_md", &bio),
                ("notes", &bio),
                ("q_why", &bio),
                ("submission_type", "talk"),
                ("level", "beginner"),
                ("language", "en"),
                ("submit", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "proposal {i}: {html}");
    }
    let proposals = cfp.proposals(conf.id).await.unwrap();
    assert_eq!(proposals.len(), PAYLOADS.len());
    let first = proposals.iter().map(|p| p.id).min().unwrap();

    // A started talk, for feedback.
    let started = program
        .placements
        .iter()
        .find(|pl| pl.starts_at < noon())
        .unwrap()
        .talk_id;

    // One account per payload as its name: each comments (a thread), votes, and sends
    // feedback with the payload as kudos.
    let mut parent = String::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let (_, cookie) = account(&app, &format!("fan{i}@xss.example"), payload).await;
        let token = csrf(&app, &cookie).await;
        let mut fields = vec![("csrf", token.as_str()), ("body", payload)];
        if !parent.is_empty() {
            fields.push(("parent", parent.as_str()));
        }
        let (status, _) = post(
            &app,
            &format!("/{s}/proposals/{first}/comments"),
            &cookie,
            &fields,
        )
        .await;
        assert_eq!(status, 303, "comment {i}");
        if i % 5 == 0 {
            parent = cfp
                .comments(first)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .max()
                .unwrap()
                .to_string();
        }
        let p = proposals[i].id;
        let (status, _) = post(
            &app,
            &format!("/{s}/proposals/{p}/vote"),
            &cookie,
            &[("csrf", &token), ("value", "1")],
        )
        .await;
        assert_eq!(status, 303, "vote {i}");
        let (status, html) = post(
            &app,
            &format!("/{s}/talks/{started}/feedback"),
            &cookie,
            &[
                ("csrf", &token),
                ("rating", "4"),
                ("comment", &bio),
                ("kudos", payload),
            ],
        )
        .await;
        assert_eq!(status, 303, "feedback {i}: {html}");
        let (status, _) = post(
            &app,
            &format!("/{s}/talks/{}/want", program.talks[i].id),
            &cookie,
            &[("csrf", &token)],
        )
        .await;
        assert_eq!(status, 303, "want {i}");
        if i == 0 {
            // A refused feedback form shows what was typed.
            let (status, html) = post(
                &app,
                &format!("/{s}/talks/{started}/feedback"),
                &cookie,
                &[
                    ("csrf", &token),
                    ("rating", "9"),
                    ("comment", &bio),
                    ("kudos", payload),
                ],
            )
            .await;
            assert_eq!(status, 422);
            audit("refused feedback", &html, &mut problems);
        }
    }

    // A reviewer reviews with a hostile text.
    let (reviewer, rev) = account(&app, "reviewer@xss.example", PAYLOADS[6]).await;
    app.store
        .grant_role(reviewer, conf.id, Role::Reviewer)
        .await
        .unwrap();
    let rev_csrf = csrf(&app, &rev).await;
    let (status, html) = post(
        &app,
        &format!("/{s}/review/{first}"),
        &rev,
        &[
            ("csrf", &rev_csrf),
            ("score_content", "2"),
            ("score_fit", "1"),
            ("text", &bio),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");

    // The organizer: sponsors (a refused one comes back as typed), kudos approved, an API
    // token and rooms with hostile names.
    let sponsors = format!("/{s}/organizer/sponsors");
    let (status, html) = post(
        &app,
        &sponsors,
        &org,
        &[
            ("csrf", &org_csrf),
            ("name", PAYLOADS[0]),
            ("url", "javascript:alert('xss-u0')"),
            ("blurb", PAYLOADS[1]),
        ],
    )
    .await;
    assert_eq!(status, 422);
    audit("refused sponsor", &html, &mut problems);
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let url = format!("https://sponsor{i}.example/\"><svg/onload=alert('xss-u{i}')>");
        let logo = format!("https://logo.example/{i}.png\"onerror=\"alert('xss-g{i}')");
        let level = cut(payload, 50);
        let (status, html) = post(
            &app,
            &sponsors,
            &org,
            &[
                ("csrf", &org_csrf),
                ("name", &cut(payload, 100)),
                ("level", &level),
                ("url", &url),
                ("logo_url", &logo),
                ("blurb", payload),
            ],
        )
        .await;
        assert_eq!(status, 303, "sponsor {i}: {html}");
    }
    for f in app.store.feedback_of(conf.id).await.unwrap() {
        let (status, _) = post(
            &app,
            &format!("/{s}/organizer/feedback/{}/approve", f.id),
            &org,
            &[("csrf", &org_csrf)],
        )
        .await;
        assert_eq!(status, 303);
    }
    let (status, html) = post(
        &app,
        &format!("/{s}/organizer/api"),
        &org,
        &[("csrf", &org_csrf), ("name", PAYLOADS[2])],
    )
    .await;
    assert_eq!(status, 200);
    audit("new API token", &html, &mut problems);
    let token = format!(
        "podium_{}",
        html.split("value=\"podium_")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
    );
    for payload in &PAYLOADS[8..12] {
        let (status, _) = post(
            &app,
            &format!("/{s}/organizer/grid/rooms"),
            &org,
            &[
                ("csrf", &org_csrf),
                ("room_name", payload),
                ("room_capacity", "10"),
                ("room_features", payload),
            ],
        )
        .await;
        assert_eq!(status, 303, "room {payload}");
    }

    // Through the API: released talks get hostile titles, abstracts and speakers, and a room.
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let talk = if i == 0 { started } else { program.talks[i].id };
        let (status, body) = api(
            &app,
            "PATCH",
            &format!("/api/v1/conferences/{s}/talks/{talk}"),
            &token,
            json!({ "title": payload, "abstract": all(), "speakers": [payload] }),
        )
        .await;
        assert_eq!(status, 200, "talk {i}: {body}");
    }
    let (status, body) = api(
        &app,
        "POST",
        &format!("/api/v1/conferences/{s}/rooms"),
        &token,
        json!({ "name": PAYLOADS[12], "capacity": 5, "features": [PAYLOADS[13]] }),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // The accepted first proposal is confirmed through the form and put in the schedule, so
    // the speaker's profile (bio, links, picture) reaches the public pages.
    cfp.stage(conf.id, &[first], Some(Decision::Accepted))
        .await
        .unwrap();
    podium_app::cfp::release_decisions(&*app.store, &conf, "https://podium.test")
        .await
        .unwrap();
    let (status, html) = post(
        &app,
        &format!("/{s}/speaker/proposals/{first}/confirm"),
        &speaker,
        &[("csrf", &sp_csrf), ("answer", "confirm")],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let talk = cfp.proposal(first).await.unwrap().talk.unwrap();
    let (_, mut placements) = app.store.wip(conf.id).await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    let slot = placements
        .iter_mut()
        .find(|pl| {
            pl.talk_id != started
                && program
                    .talk(pl.talk_id)
                    .is_some_and(|t| t.duration_min == 30)
        })
        .unwrap();
    slot.talk_id = talk;
    app.store.replace_wip(conf.id, &placements).await.unwrap();
    app.store.release(conf.id, "1.1").await.unwrap();

    // An import uploaded by an organizer of another conference: hostile titles, abstracts,
    // people, rooms, tracks and link titles, and a hostile file name on the preview page.
    let other = app
        .store
        .create_program(&podium_testkit::fixture::two_day_program(
            "xss-import",
            "UTC",
            "2027-05-01",
            "A",
            "B",
        ))
        .await
        .unwrap();
    let org_user = app.store.credentials(DEMO_ORGANIZER.0).await.unwrap().user;
    app.store
        .grant_role(org_user, other, Role::Organizer)
        .await
        .unwrap();
    let mut events = String::new();
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let hour = 9 + i / 4;
        let minute = (i % 4) * 15;
        events.push_str(&format!(
            "<event id=\"{i}\"><date>2027-05-01T{hour:02}:{minute:02}:00+00:00</date><duration>00:15</duration>\
             <room>{room}</room><title>{t}</title><track>{track}</track><type>talk</type><language>en</language>\
             <abstract>{a}</abstract><description>{a}</description>\
             <persons><person id=\"{i}\">{t}</person></persons>\
             <links><link href=\"https://links.example/{i}\">{t}</link></links></event>",
            room = xml_escape(PAYLOADS[14]),
            track = xml_escape(PAYLOADS[15]),
            t = xml_escape(payload),
            a = xml_escape(&all()),
        ));
    }
    let xml = format!(
        "<?xml version=\"1.0\"?><schedule><conference><title>{}</title><time_zone_name>UTC</time_zone_name></conference>\
         <day index=\"1\" date=\"2027-05-01\"><room name=\"{}\">{events}</room></day></schedule>",
        xml_escape(PAYLOADS[16]),
        xml_escape(PAYLOADS[14])
    );
    let import = "/xss-import/organizer/import";
    let r = app
        .post_multipart(
            import,
            &[("csrf", &org_csrf), ("timezone", "")],
            (
                "file",
                "<img src=x onerror=alert('xss-f1')>.xml",
                xml.as_bytes(),
            ),
            &org,
        )
        .await;
    assert_eq!(r.status(), 200);
    let preview = r.text().await.unwrap();
    audit("import preview", &preview, &mut problems);
    assert!(
        preview.contains("xss-f1"),
        "the file name is shown: {preview}"
    );
    let data = preview
        .split("name=\"data\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the file in the confirm form");
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap(),
        xml.as_bytes()
    );
    let file_name = preview
        .split("name=\"file_name\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let (status, html) = post(
        &app,
        "/xss-import/organizer/import/apply",
        &org,
        &[
            ("csrf", &org_csrf),
            ("file_name", &file_name),
            ("data", data),
            ("timezone", ""),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    audit("import applied", &html, &mut problems);

    // Every HTML page, as each kind of visitor.
    let starts = |extra: &[String]| {
        let mut v = vec![
            "/".to_owned(),
            format!("/{s}/"),
            format!("/{s}/schedule"),
            format!("/{s}/proposals"),
            format!("/{s}/cfp"),
            format!("/{s}/live"),
            format!("/{s}/changelog"),
            format!("/{s}/agenda"),
            format!("/{s}/talks/{talk}"),
            format!("/{s}/talks/{started}"),
            format!("/{s}/talks/{started}/feedback"),
            format!("/{s}/proposals/{first}"),
            "/xss-import/".to_owned(),
            "/xss-import/schedule".to_owned(),
            "/account".to_owned(),
        ];
        for t in &program.talks[..PAYLOADS.len()] {
            v.push(format!("/{s}/talks/{}", t.id));
        }
        v.extend_from_slice(extra);
        v
    };
    let organizer_pages = starts(&[
        format!("/{s}/organizer/schedule"),
        format!("/{s}/organizer/schedule/talks/{talk}"),
        format!("/{s}/organizer/cfp"),
        format!("/{s}/organizer/proposals"),
        format!("/{s}/organizer/outbox"),
        format!("/{s}/organizer/team"),
        format!("/{s}/organizer/api"),
        format!("/{s}/organizer/feedback"),
        format!("/{s}/organizer/sponsors"),
        format!("/{s}/organizer/grid"),
        format!("/{s}/organizer/import"),
        format!("/{s}/organizer/formats"),
        format!("/{s}/organizer/slides"),
        format!("/{s}/review"),
        format!("/{s}/review/{first}"),
        "/api/v1/docs".to_owned(),
        "/xss-import/organizer/schedule".to_owned(),
    ]);
    let speaker_pages = starts(&[
        format!("/{s}/speaker/proposals"),
        format!("/{s}/speaker/proposals/{first}"),
        format!("/{s}/speaker/profile"),
        format!("/{s}/speaker/feedback"),
        format!("/{s}/speaker/talks/{talk}/slides"),
    ]);
    let reviewer_pages = starts(&[format!("/{s}/review"), format!("/{s}/review/{first}")]);
    let mut text = String::new();
    let mut files = BTreeSet::new();
    for (who, cookie, pages) in [
        ("the organizer", Some(org.as_str()), &organizer_pages),
        ("the speaker", Some(speaker.as_str()), &speaker_pages),
        ("a reviewer", Some(rev.as_str()), &reviewer_pages),
        ("a visitor", None, &starts(&[])),
    ] {
        let (t, f) = crawl(&app, who, cookie, pages, &mut problems).await;
        text.push_str(&t);
        files.extend(f);
    }
    // Every payload reached some page (so every one above was checked for real).
    let markers = (1..=PAYLOADS.len()).map(|i| format!("xss-{i}"));
    for marker in markers.chain(["xss-l1", "xss-a1", "xss-u1", "xss-g1"].map(String::from)) {
        if !text.contains(&marker) {
            problems.push(format!("no page shows {marker}, so it was not checked"));
        }
    }

    // Exports and organizers' CSVs: formulas defused, no smuggled calendar property, no
    // markup in XML, URLs only http(s).
    let feed = files
        .iter()
        .find(|f| f.contains("/agenda/") && f.ends_with(".ics"))
        .cloned();
    let mut exports: Vec<(String, Option<&str>)> = vec![
        (format!("/{s}/schedule.xml"), None),
        (format!("/{s}/schedule.json"), None),
        (format!("/{s}/schedule.ics"), None),
        (format!("/{s}/schedule.csv"), None),
        ("/xss-import/schedule.xml".into(), None),
        ("/xss-import/schedule.json".into(), None),
        ("/xss-import/schedule.ics".into(), None),
        ("/xss-import/schedule.csv".into(), None),
        (format!("/{s}/organizer/proposals.csv"), Some(org.as_str())),
        (format!("/{s}/organizer/feedback.csv"), Some(org.as_str())),
        (format!("/{s}/offline.json"), None),
        (format!("/{s}/agenda/stars"), Some(speaker.as_str())),
    ];
    let required = exports.len();
    for f in files
        .iter()
        .filter(|f| f.ends_with(".ics") || f.ends_with(".csv"))
    {
        exports.push((f.clone(), Some(org.as_str())));
    }
    if let Some(feed) = feed {
        exports.push((feed, None));
    }
    for (n, (path, cookie)) in exports.iter().enumerate() {
        let mut request = app.client.get(format!("{}{path}", app.base_url));
        if let Some(c) = cookie {
            request = request.header("cookie", *c);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let nosniff = r
            .headers()
            .get("x-content-type-options")
            .is_some_and(|v| v == "nosniff");
        if !nosniff {
            problems.push(format!("{path}: no X-Content-Type-Options: nosniff"));
        }
        let body = r.text().await.unwrap();
        let bare = path.split('?').next().unwrap_or_default();
        if bare.ends_with(".csv") {
            for cell in formula_cells(&body) {
                problems.push(format!("{path}: a spreadsheet would run {cell:?}"));
            }
        } else if bare.ends_with(".ics") {
            for line in foreign_ical_lines(&body) {
                problems.push(format!("{path}: smuggled iCalendar line {line:?}"));
            }
        } else if bare.ends_with(".xml") {
            let lower = body.to_ascii_lowercase();
            for tag in [
                "script", "img", "svg", "iframe", "style", "object", "base", "meta", "a",
            ] {
                let open = format!("<{tag}");
                let raw = lower.match_indices(&open).any(|(i, _)| {
                    lower[i + open.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
                });
                if raw {
                    problems.push(format!("{path}: a raw <{tag}> element in the XML"));
                }
            }
            check_xml_urls(path, &body, &mut problems);
        } else {
            let doc: Value =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
            check_json_urls(path, &doc, &mut problems);
        }
        // (The offline list and the stars hold only URLs and ids; exports found by the crawl
        // may be of the imported conference, which has no proposals or feedback.)
        let listed = n < required && !bare.ends_with("/offline.json") && !bare.ends_with("/stars");
        if listed && !body.contains("xss-") {
            problems.push(format!("{path} carries no payload, so it was not checked"));
        }
    }

    // The JSON API: data, never markup; URL fields only http(s).
    let api_paths = [
        "/api/v1/conferences".to_owned(),
        format!("/api/v1/conferences/{s}"),
        format!("/api/v1/conferences/{s}/talks?per_page=200"),
        format!("/api/v1/conferences/{s}/talks/{talk}"),
        format!("/api/v1/conferences/{s}/speakers?per_page=200"),
        format!("/api/v1/conferences/{s}/rooms"),
        format!("/api/v1/conferences/{s}/tracks"),
        format!("/api/v1/conferences/{s}/sessions"),
        format!("/api/v1/conferences/{s}/versions"),
        format!("/api/v1/{s}/changes"),
        "/api/v1/conferences/xss-import/talks?per_page=200".to_owned(),
        "/api/v1/conferences/xss-import/speakers?per_page=200".to_owned(),
    ];
    let mut api_text = String::new();
    for path in &api_paths {
        let r = app.get_response(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        let doc: Value = r.json().await.unwrap();
        check_json_urls(path, &doc, &mut problems);
        api_text.push_str(&doc.to_string());
    }
    // The text comes back exactly as given (escaping is the reader's job in JSON).
    let titles = serde_json::to_string(&PAYLOADS[16]).unwrap();
    assert!(api_text.contains(&titles), "the API changed a title");

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// `href="…"` values in XML that are not http(s).
fn check_xml_urls(path: &str, xml: &str, problems: &mut Vec<String>) {
    for url in xml
        .split("href=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
    {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            problems.push(format!("{path}: link {url:?}"));
        }
    }
    for url in xml
        .split("<url>")
        .skip(1)
        .filter_map(|r| r.split("</url>").next())
    {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            problems.push(format!("{path}: url {url:?}"));
        }
    }
}

/// URL-valued fields of a JSON document that are not http(s) or a path of this site.
fn check_json_urls(path: &str, doc: &Value, problems: &mut Vec<String>) {
    let ok = |u: &str| {
        u.is_empty()
            || u.starts_with("https://")
            || u.starts_with("http://")
            || (u.starts_with('/') && !u.starts_with("//"))
    };
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                let urlish = k == "url" || k.ends_with("_url") || k == "links" || k == "href";
                match v {
                    Value::String(u) if urlish && !ok(u) => {
                        problems.push(format!("{path}: {k} = {u:?}"));
                    }
                    Value::Array(items) if urlish => {
                        for item in items {
                            match item {
                                Value::String(u) if !ok(u) => {
                                    problems.push(format!("{path}: {k} holds {u:?}"));
                                }
                                other => check_json_urls(path, other, problems),
                            }
                        }
                    }
                    other => check_json_urls(path, other, problems),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                check_json_urls(path, item, problems);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn hostile_text_is_inert_everywhere_sqlite() {
    xss_everywhere(Backend::Sqlite).await;
}

#[tokio::test]
async fn hostile_text_is_inert_everywhere_postgres() {
    xss_everywhere(Backend::Postgres).await;
}
