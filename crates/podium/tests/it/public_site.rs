//! The public site as a visitor sees it.

use podium_app::demo;
use podium_store::Store;
use podium_testkit::fixture::{XSS, two_day_program};
use podium_testkit::{Backend, TestApp};

/// The part of a page between two markers (to look only inside the grid, say).
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in page"));
    let rest = &html[from..];
    let to = rest.find(end).unwrap_or(rest.len());
    &rest[..to]
}

on_both_backends!(home_lists_the_demo_conference, |app| {
    demo::load(&*app.store).await.expect("demo loads");
    let (status, html) = app.get("/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<a href="/pyconf-2027/"><strong>PyConf India 2027</strong></a>"#),
        "{html}"
    );
    assert!(html.contains("24–26 September 2027"));
});

on_both_backends!(demo_loads_once, |app| {
    let first = demo::load(&*app.store).await.expect("demo loads");
    let second = demo::load(&*app.store).await.expect("demo loads again");
    assert!(matches!(first, demo::Outcome::Created(_)));
    assert_eq!(second, demo::Outcome::AlreadyLoaded);
    assert_eq!(app.store.list_conferences().await.unwrap().len(), 1);
});

on_both_backends!(schedule_grid_shows_every_demo_talk_on_its_day, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(demo::DEMO_SLUG).await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    assert_eq!(program.placements.len(), program.talks.len());
    let tz = conf.tz();
    let mut seen = 0;
    for day in conf.days() {
        let (status, html) = app.get(&format!("/pyconf-2027/schedule?day={day}")).await;
        assert_eq!(status, 200);
        let grid = between(&html, r#"<div class="grid""#, r#"<section class="list""#);
        let list = between(&html, r#"<section class="list""#, "</section>");
        for p in &program.placements {
            let link = format!(r#"href="/pyconf-2027/talks/{}""#, p.talk_id);
            let on_this_day = p.starts_at.to_zoned_datetime(tz.clone()).date() == day;
            assert_eq!(
                grid.contains(&link),
                on_this_day,
                "talk {} on {day} (grid)",
                p.talk_id
            );
            assert_eq!(
                list.contains(&link),
                on_this_day,
                "talk {} on {day} (list)",
                p.talk_id
            );
            seen += usize::from(on_this_day);
        }
        // Tracks are colour-coded with a legend, rooms are columns, breaks are shown.
        assert!(html.contains(r#"<ul class="legend""#));
        for t in [
            "Newbies",
            "Web",
            "Language internals",
            "Scientific Python",
            "Python 3",
            "DevOps",
        ] {
            assert!(html.contains(t), "legend lacks {t}");
        }
        assert!(grid.contains(">Main Hall</a>") && grid.contains(">Lab</a>"));
        assert!(grid.contains(r#"class="break""#) && grid.contains("Lunch"));
        // Local times (Asia/Kolkata), not UTC.
        assert!(grid.contains(">09:15</div>") && grid.contains(">10:15</div>"));
    }
    assert_eq!(seen, program.placements.len());
});

on_both_backends!(
    talk_page_embeds_slides_and_video_from_the_allow_list,
    |app| {
        let id = app
            .store
            .create_program(&two_day_program(
                "embeds",
                "Europe/Berlin",
                "2027-06-10",
                "Intro",
                "Bio",
            ))
            .await
            .unwrap();
        let p = app.store.program(id).await.unwrap();
        let t1 = p.talks.iter().find(|t| t.title == "First talk").unwrap();
        let (status, html) = app.get(&format!("/embeds/talks/{}", t1.id)).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(r#"<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ""#),
            "{html}"
        );
        assert!(html.contains(r#"<iframe src="https://slides.com/ada/deck/embed""#));
        assert!(html.contains(r#"<meta property="og:title" content="First talk">"#));
        assert!(
            html.contains(r#"<meta property="og:url" content="https://podium.test/embeds/talks/"#)
        );
        assert!(html.contains(r#"<meta name="twitter:card" content="summary">"#));
        assert!(html.contains("Thursday 10 June 2027, 10:00–10:30 CEST"));
        assert!(html.contains(r#"<a href="/embeds/speakers/"#) && html.contains("Ada Test"));
    }
);

on_both_backends!(demo_talks_with_video_links_embed_them, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(demo::DEMO_SLUG).await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    let with_video: Vec<_> = program
        .talks
        .iter()
        .filter(|t| t.video_url.as_deref().is_some_and(|u| u.contains("youtu")))
        .collect();
    assert!(!with_video.is_empty());
    for t in with_video {
        let (_, html) = app.get(&format!("/pyconf-2027/talks/{}", t.id)).await;
        assert!(
            html.contains("<iframe src=\"https://www.youtube-nocookie.com/embed/"),
            "talk {}",
            t.id
        );
    }
});

on_both_backends!(local_times_are_right_across_a_dst_change, |app| {
    // Europe/Berlin leaves summer time on 2027-10-31 at 03:00.
    let id = app
        .store
        .create_program(&two_day_program(
            "dst",
            "Europe/Berlin",
            "2027-10-30",
            "A",
            "B",
        ))
        .await
        .unwrap();
    let p = app.store.program(id).await.unwrap();
    let starts: Vec<String> = p
        .placements
        .iter()
        .map(|pl| pl.starts_at.to_string())
        .collect();
    assert_eq!(starts, vec!["2027-10-30T08:00:00Z", "2027-10-31T09:00:00Z"]);
    for (title, expected) in [
        ("First talk", "Saturday 30 October 2027, 10:00–10:30 CEST"),
        ("Second talk", "Sunday 31 October 2027, 10:00–10:30 CET"),
    ] {
        let talk = p.talks.iter().find(|t| t.title == title).unwrap();
        let (_, html) = app.get(&format!("/dst/talks/{}", talk.id)).await;
        assert!(html.contains(expected), "{title}: expected {expected}");
    }
    let (_, html) = app.get("/dst/schedule?day=2027-10-31").await;
    assert!(
        html.contains(">10:00</div>"),
        "grid row label is local time"
    );
    assert!(
        html.contains(r#"<div class="corner" style="grid-row: 1; grid-column: 1">CET</div>"#),
        "zone of that day"
    );
    let (_, html) = app.get("/dst/schedule?day=2027-10-30").await;
    assert!(html.contains(r#"<div class="corner" style="grid-row: 1; grid-column: 1">CEST</div>"#));
    // Grid geometry: the day runs 10:00-13:00 in 15-minute rows (row 1 is the header).
    // The 30-minute talk at 10:00 fills rows 2-3; lunch 12:00-13:00 fills rows 10-13.
    assert!(
        html.contains(
            r#"<div class="cell" style="grid-row: 2 / span 2; grid-column: 2 / span 1">"#
        ),
        "{html}"
    );
    assert!(html.contains(
        r#"<div class="break" style="grid-row: 10 / span 4; grid-column: 2 / -1">Lunch"#
    ));
    assert!(html.contains(r#"--rooms: 1; --rows: 12"#));
});

on_both_backends!(hostile_markdown_renders_inert, |app| {
    let payload = XSS.join("\n\n");
    let id = app
        .store
        .create_program(&two_day_program(
            "xss",
            "UTC",
            "2027-05-01",
            &payload,
            &payload,
        ))
        .await
        .unwrap();
    let p = app.store.program(id).await.unwrap();
    let talk = p.talks.iter().find(|t| t.title == "First talk").unwrap();
    let speaker = &p.speakers[0];
    for path in [
        format!("/xss/talks/{}", talk.id),
        format!("/xss/speakers/{}", speaker.id),
    ] {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 200);
        let main = between(&html, "<main", "</main>");
        assert_eq!(
            podium_web::render::dangerous_markup(main),
            Vec::<String>::new(),
            "{path}"
        );
        // The text itself survives, escaped.
        assert!(
            html.contains("alert(&#x27;xss-1&#x27;)") || html.contains("&lt;script&gt;"),
            "{path}"
        );
    }
});

on_both_backends!(hostile_text_in_every_field_is_escaped, |app| {
    let bad = "<script>alert('xss')</script>";
    let mut new = two_day_program("xss2", "UTC", "2027-05-01", "A", "B");
    new.conference.name = format!("Conf {bad}");
    new.conference.venue = bad.to_owned();
    new.rooms[0].name = format!("Room {bad}");
    new.tracks[0].name = format!("Track {bad}");
    new.tracks[0].description = bad.to_owned();
    new.speakers[0].name = format!("Eve {bad}");
    new.speakers[0].avatar_url = Some("javascript:alert(1)".to_owned());
    new.breaks[0].label = bad.to_owned();
    for t in &mut new.talks {
        t.title = format!("Talk {bad}");
        t.slides_url = Some("javascript:alert(1)".to_owned());
        t.video_url = Some("data:text/html,<script>alert(1)</script>".to_owned());
    }
    let id = app.store.create_program(&new).await.unwrap();
    let p = app.store.program(id).await.unwrap();
    let pages = [
        "/".to_owned(),
        "/xss2/".to_owned(),
        "/xss2/schedule".to_owned(),
        format!("/xss2/talks/{}", p.talks[0].id),
        format!("/xss2/speakers/{}", p.speakers[0].id),
        format!("/xss2/tracks/{}", p.tracks[0].id),
        format!("/xss2/rooms/{}", p.rooms[0].id),
    ];
    for path in pages {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains(bad), "{path} shows the payload unescaped");
        assert!(
            html.contains("&lt;script&gt;"),
            "{path} shows the text, escaped"
        );
        for attr in [
            "href=\"javascript:",
            "src=\"javascript:",
            "href=\"data:",
            "src=\"data:",
            "content=\"javascript:",
        ] {
            assert!(!html.contains(attr), "{path} has {attr}");
        }
        let main = between(&html, "<main", "</main>");
        assert_eq!(
            podium_web::render::dangerous_markup(main),
            Vec::<String>::new(),
            "{path}"
        );
    }
});

on_both_backends!(unknown_things_get_a_404_page, |app| {
    let id = app
        .store
        .create_program(&two_day_program("known", "UTC", "2027-05-01", "A", "B"))
        .await
        .unwrap();
    let p = app.store.program(id).await.unwrap();
    let other_talk = p.talks[0].id.0 + 1000;
    for path in [
        "/nope/".to_owned(),
        "/nope/schedule".to_owned(),
        format!("/known/talks/{other_talk}"),
        "/known/talks/abc".to_owned(),
        "/known/speakers/99999".to_owned(),
        "/known/tracks/0".to_owned(),
        "/known/rooms/-1".to_owned(),
        "/known/no/such/page".to_owned(),
    ] {
        let (status, html) = app.get(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("<h1>Page not found</h1>"), "{path}");
        assert!(
            !html.to_lowercase().contains("panic") && !html.contains("StoreError"),
            "{path}"
        );
    }
});

on_both_backends!(track_room_and_speaker_pages_list_their_talks, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(demo::DEMO_SLUG).await.unwrap();
    let p = app.store.program(conf.id).await.unwrap();
    let track = p.tracks.iter().find(|t| t.name == "Newbies").unwrap();
    let (status, html) = app.get(&format!("/pyconf-2027/tracks/{}", track.id)).await;
    assert_eq!(status, 200);
    for t in p.talks.iter().filter(|t| t.track_id == Some(track.id)) {
        assert!(
            html.contains(&format!("/pyconf-2027/talks/{}\"", t.id)),
            "track page lacks {}",
            t.title
        );
    }
    let lab = p.rooms.iter().find(|r| r.name == "Lab").unwrap();
    let (_, html) = app.get(&format!("/pyconf-2027/rooms/{}", lab.id)).await;
    assert!(html.contains("60 seats · lab"));
    assert_eq!(html.matches("class=\"talk workshop\"").count(), 6);
    let speaker = &p.speakers[0];
    let (_, html) = app
        .get(&format!("/pyconf-2027/speakers/{}", speaker.id))
        .await;
    assert!(html.contains(&format!("<h1>{}</h1>", speaker.name)));
    for t in p
        .talks
        .iter()
        .filter(|t| t.speaker_ids.contains(&speaker.id))
    {
        assert!(html.contains(&format!("/pyconf-2027/talks/{}\"", t.id)));
    }
});

#[tokio::test]
async fn now_marker_shows_only_while_the_day_runs() {
    // 10:30 in Kolkata on the first demo day.
    let during = "2027-09-24T05:00:00Z".parse().unwrap();
    let app = TestApp::spawn_at(Backend::Sqlite, Some(during)).await;
    demo::load(&*app.store).await.unwrap();
    let (_, html) = app.get("/pyconf-2027/schedule").await;
    assert!(
        html.contains(r#"class="now""#),
        "marker while the event runs"
    );
    assert!(
        html.contains(r#"aria-current="page">Fri 24 Sep"#),
        "today is chosen"
    );
    let (_, html) = app.get("/pyconf-2027/schedule?day=2027-09-25").await;
    assert!(!html.contains(r#"class="now""#), "no marker on another day");

    let before = "2026-01-01T00:00:00Z".parse().unwrap();
    let app = TestApp::spawn_at(Backend::Sqlite, Some(before)).await;
    demo::load(&*app.store).await.unwrap();
    let (_, html) = app.get("/pyconf-2027/schedule").await;
    assert!(!html.contains(r#"class="now""#));
    assert!(
        html.contains(r#"aria-current="page">Fri 24 Sep"#),
        "first day by default"
    );
}

on_both_backends!(pages_are_compressed_and_carry_security_headers, |app| {
    demo::load(&*app.store).await.unwrap();
    let response = app
        .client
        .get(format!("{}/pyconf-2027/schedule", app.base_url))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers();
    assert_eq!(h.get("content-encoding").unwrap(), "gzip");
    assert!(
        h.get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-src https://www.youtube-nocookie.com")
    );
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    let (status, css) = app.get("/static/podium.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(".grid-scroll"));
    let (status, body) = app.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
});

on_both_backends!(a_thirty_room_grid_stays_one_scrollable_grid, |app| {
    let mut p = two_day_program("big", "UTC", "2027-05-01", "A", "B");
    let base = p.sessions[0].clone();
    let first = p.talks[0].clone();
    for i in 0..29 {
        let room = format!("r{i}");
        p.rooms.push(podium_domain::NewRoom {
            key: room.clone(),
            name: format!("Room {i}"),
            capacity: 50,
            features: vec![],
        });
        p.sessions.push(podium_domain::NewSession {
            room: room.clone(),
            ..base.clone()
        });
        let speaker = format!("s{i}");
        p.speakers.push(podium_domain::NewSpeaker {
            key: speaker.clone(),
            name: format!("Speaker {i}"),
            bio: String::new(),
            avatar_url: None,
            links: vec![],
        });
        let key = format!("x{i}");
        p.talks.push(podium_domain::NewTalk {
            key: key.clone(),
            title: format!("Parallel talk {i}"),
            speakers: vec![speaker],
            ..first.clone()
        });
        p.placements.push(podium_domain::NewPlacement {
            talk: key,
            room,
            starts_at: p.placements[0].starts_at,
        });
    }
    app.store.create_program(&p).await.unwrap();
    let (status, html) = app.get("/big/schedule?day=2027-05-01").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<div class="grid" style="--rooms: 30;"#),
        "one column per room"
    );
    assert_eq!(html.matches(r#"class="room-head""#).count(), 30);
    assert_eq!(
        html.matches("Parallel talk").count(),
        29 * 2,
        "each talk in the grid and in the list"
    );
    // The grid scrolls sideways inside its own region, with a sticky time column.
    assert!(html.contains(r#"<div class="grid-scroll" role="region""#));
    let (_, css) = app.get("/static/podium.css").await;
    assert!(css.contains(".time { position: sticky; left: 0;"));
});

on_both_backends!(pages_are_cached_per_release_and_revalidate, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(demo::DEMO_SLUG).await.unwrap();
    let p = app.store.program(conf.id).await.unwrap();
    let talk = &p.talks[5];
    let path = format!("/pyconf-2027/talks/{}", talk.id);
    let first = app.get_response(&path).await;
    let etag = first
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        first.headers().get("content-type").unwrap(),
        "text/html; charset=utf-8"
    );
    let again = app
        .client
        .get(format!("{}{path}", app.base_url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let schedule = app
        .get_response("/pyconf-2027/schedule?day=2027-09-25")
        .await;
    assert!(schedule.headers().get("etag").is_some());

    // Cancel the talk in a new release: the cached page is replaced at once.
    let (_, mut wip) = app.store.wip(conf.id).await.unwrap();
    wip.retain(|pl| pl.talk_id != talk.id);
    app.store.replace_wip(conf.id, &wip).await.unwrap();
    app.store.release(conf.id, "1.1").await.unwrap();
    let after = app
        .client
        .get(format!("{}{path}", app.base_url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200, "a new release is a new page");
    assert!(after.text().await.unwrap().contains("Not scheduled yet"));
});
