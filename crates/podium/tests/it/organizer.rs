//! The organizer's schedule desk: run the engine on the WIP version, accept, release.

use std::time::{Duration, Instant};

use podium_app::demo::{self, DEMO_ORGANIZER};
use podium_store::Store;
use podium_testkit::{TestApp, csrf_of};

async fn log_in(app: &TestApp, email: &str, password: &str) -> String {
    app.log_in(email, password).await
}

/// Whether text holds an engine id such as `t12`, `p3` or `s40` as a word.
fn has_engine_id(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        w.len() > 1
            && matches!(&w[..1], "t" | "p" | "s" | "r")
            && w[1..].bytes().all(|b| b.is_ascii_digit())
    })
}

const DESK: &str = "/pyconf-2027/organizer/schedule";

on_both_backends!(only_organizers_reach_the_desk, |app| {
    demo::load(&*app.store).await.unwrap();
    let (status, _) = app.get(DESK).await;
    assert_eq!(status, 303, "anonymous visitors are sent to log in");
    let cookie = app.sign_up("att@example.org").await;
    let (status, html) = app.get_with_cookie(DESK, &cookie).await;
    assert_eq!(status, 403);
    assert!(html.contains("Only organizers of this conference"));
    let (_, html) = app.get_with_cookie("/account", &cookie).await;
    let r = app
        .post_form(
            &format!("{DESK}/release"),
            &[("csrf", &csrf_of(&html))],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 403, "nor can they release");
    assert_eq!(
        app.store
            .released_versions(
                app.store
                    .conference_by_slug("pyconf-2027")
                    .await
                    .unwrap()
                    .id
            )
            .await
            .unwrap()
            .len(),
        1
    );
});

on_both_backends!(
    the_engine_builds_a_schedule_from_scratch_and_it_is_released,
    |app| {
        demo::load(&*app.store).await.unwrap();
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        // Start from an empty work-in-progress version: every talk needs a place.
        app.store.replace_wip(conf.id, &[]).await.unwrap();
        let cookie = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
        let (status, html) = app.get_with_cookie(DESK, &cookie).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<th scope=\"row\">Talks not placed</th><td>80</td>"),
            "{html}"
        );
        let csrf = csrf_of(&html);

        let r = app
            .post_form(
                &format!("{DESK}/run"),
                &[("csrf", &csrf), ("seconds", "2"), ("w_topic_mix", "abc")],
                Some(&cookie),
                &[],
            )
            .await;
        assert_eq!(r.status(), 422, "a weight that is not a number is refused");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("The weight for topic mix must be a number from 0 to 1000")
        );
        let r = app
            .post_form(
                &format!("{DESK}/run"),
                &[("csrf", &csrf), ("seconds", "2"), ("w_topic_mix", "25")],
                Some(&cookie),
                &[],
            )
            .await;
        assert_eq!(r.status(), 303);
        // The run happens in the background; the page refreshes itself until the proposal is in.
        let deadline = Instant::now() + Duration::from_secs(120);
        let html = loop {
            let (_, html) = app.get_with_cookie(DESK, &cookie).await;
            if html.contains("<h2>Proposal</h2>") {
                break html;
            }
            assert!(html.contains("The scheduler is running"), "{html}");
            assert!(html.contains(r#"<meta http-equiv="refresh" content="1">"#));
            assert!(Instant::now() < deadline, "no proposal after 120 s");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert!(
            html.contains(
                "<th scope=\"row\">Talks not placed</th><td>80</td><td class=\"better\">0</td>"
            ),
            "{html}"
        );

        // The proposal is shown as a grid with every moved talk highlighted (all 80 are new).
        assert_eq!(html.matches(r#"<div class="cell moved""#).count(), 80);
        let r = app
            .post_form(
                &format!("{DESK}/accept"),
                &[("csrf", &csrf)],
                Some(&cookie),
                &[],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, wip) = app.store.wip(conf.id).await.unwrap();
        assert_eq!(wip.len(), 80, "every talk placed in the WIP version");
        // The accepted schedule breaks no hard rule, by the engine's own evaluator.
        let program = app.store.program(conf.id).await.unwrap();
        let prepared = podium_app::schedule::instance(&program, &wip, &[], Default::default());
        let report = podium_scheduler::evaluate(&prepared.instance, &prepared.current).unwrap();
        assert!(report.feasible, "{:?}", report.violations);
        assert_eq!(report.metrics.unscheduled, 0);

        // Publishing makes it the public schedule, as version 1.1 (the cached 1.0 page goes stale).
        let (_, public) = app.get("/pyconf-2027/schedule").await;
        assert!(public.contains("version 1.0"));
        let r = app
            .post_form(
                &format!("{DESK}/release"),
                &[("csrf", &csrf)],
                Some(&cookie),
                &[],
            )
            .await;
        assert_eq!(r.status(), 303);
        let names: Vec<_> = app
            .store
            .released_versions(conf.id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|v| v.name)
            .collect();
        assert_eq!(names, vec!["1.1", "1.0"]);
        let (_, public) = app.get("/pyconf-2027/schedule").await;
        assert!(public.contains("version 1.1"));
        let published = app.store.program_by_slug("pyconf-2027").await.unwrap();
        let mut a: Vec<_> = published
            .placements
            .iter()
            .map(|p| (p.talk_id, p.room_id, p.starts_at))
            .collect();
        let mut b: Vec<_> = wip
            .iter()
            .map(|p| (p.talk_id, p.room_id, p.starts_at))
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "the public program is the accepted WIP version");
    }
);

on_both_backends!(desk_forms_need_the_session_token, |app| {
    demo::load(&*app.store).await.unwrap();
    let cookie = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let r = app
        .post_form(
            &format!("{DESK}/release"),
            &[("csrf", "stale")],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 403);
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    assert_eq!(
        app.store.released_versions(conf.id).await.unwrap().len(),
        1,
        "nothing released"
    );
});

on_both_backends!(wants_drive_the_missed_talks_metric, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    // Two talks that run at the same time in the demo schedule.
    let first = &program.placements[1];
    let clash = program
        .placements
        .iter()
        .find(|p| p.talk_id != first.talk_id && p.starts_at == first.starts_at)
        .unwrap();
    let cookie = app.sign_up("att@example.org").await;
    for talk in [first.talk_id, clash.talk_id] {
        let r = app
            .post_form(
                &format!("/pyconf-2027/talks/{talk}/want"),
                &[],
                Some(&cookie),
                &[],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers().get("location").unwrap().to_str().unwrap(),
            format!("/pyconf-2027/talks/{talk}?wanted=1")
        );
    }
    // Marking twice changes nothing; anonymous visitors are asked to log in.
    app.post_form(
        &format!("/pyconf-2027/talks/{}/want", first.talk_id),
        &[],
        Some(&cookie),
        &[],
    )
    .await;
    let r = app
        .post_form(
            &format!("/pyconf-2027/talks/{}/want", first.talk_id),
            &[],
            None,
            &[],
        )
        .await;
    assert_eq!(r.headers().get("location").unwrap(), "/login");
    let wants = app.store.wants(conf.id).await.unwrap();
    assert_eq!(wants.len(), 1);
    let mut marked = wants[0].1.clone();
    marked.sort();
    let mut expected = vec![first.talk_id, clash.talk_id];
    expected.sort();
    assert_eq!(marked, expected);

    // The attendee sees their list; nobody else's.
    let (_, account) = app.get_with_cookie("/account", &cookie).await;
    assert_eq!(account.matches("class=\"wanted\"").count(), 2);

    // The organizer sees demand and the clash as one missed talk.
    let org = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (_, desk) = app.get_with_cookie(DESK, &org).await;
    assert!(
        desk.contains("1 attendees marked talks they want to see."),
        "{desk}"
    );
    assert!(
        desk.contains("<th scope=\"row\">Missed talks (sum over attendees)</th><td>1</td>"),
        "{desk}"
    );
    assert!(
        !desk.contains("att@example.org"),
        "organizers see counts, not people"
    );
    // Who pays: the anonymous attendee and the costly pair.
    let (ta, tb) = (
        program.talk(first.talk_id).unwrap(),
        program.talk(clash.talk_id).unwrap(),
    );
    let pair_ab = format!(
        "“{}” and “{}” run at the same time: 1 attendees wanted both",
        ta.title, tb.title
    );
    let pair_ba = format!(
        "“{}” and “{}” run at the same time: 1 attendees wanted both",
        tb.title, ta.title
    );
    assert!(desk.contains(&pair_ab) || desk.contains(&pair_ba), "{desk}");
    assert!(desk.contains("Attendee a1 misses 1: "));

    // Removing one from the account page needs the session token.
    let csrf = csrf_of(&account);
    let r = app
        .post_form(
            &format!("/pyconf-2027/talks/{}/unwant", clash.talk_id),
            &[("csrf", &csrf)],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.wants(conf.id).await.unwrap()[0].1,
        vec![first.talk_id]
    );
});

on_both_backends!(moving_a_talk_by_hand_shows_its_cost_first, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    let a = &program.placements[1];
    let b = program
        .placements
        .iter()
        .find(|p| p.talk_id != a.talk_id && p.starts_at == a.starts_at)
        .unwrap();
    let att = app.sign_up("att@example.org").await;
    for talk in [a.talk_id, b.talk_id] {
        app.post_form(
            &format!("/pyconf-2027/talks/{talk}/want"),
            &[],
            Some(&att),
            &[],
        )
        .await;
    }
    let org = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let page = format!("{DESK}/talks/{}", a.talk_id);
    let (status, html) = app.get_with_cookie(&page, &org).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<td class="better">-1</td>"#),
        "some move removes the clash: {html}"
    );
    let csrf = csrf_of(&html);

    // A conflict-free move that removes the clash, chosen the way the page ranks them.
    let prepared = podium_app::schedule::prepare(&*app.store, conf.id, Default::default())
        .await
        .unwrap();
    let options = podium_app::schedule::move_options(&prepared, a.talk_id);
    let best = &options[0];
    assert_eq!((best.missed_delta, best.conflicts.is_empty()), (-1, true));
    let r = app
        .post_form(
            &format!("{page}/move"),
            &[("csrf", &csrf), ("slot", &best.slot)],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, wip) = app.store.wip(conf.id).await.unwrap();
    let moved = wip.iter().find(|p| p.talk_id == a.talk_id).unwrap();
    assert_eq!(
        (moved.room_id, moved.starts_at),
        (best.room, best.starts_at)
    );
    assert_eq!(wip.len(), 80, "a swap keeps every talk placed");
    let (_, desk) = app.get_with_cookie(DESK, &org).await;
    assert!(desk.contains("<th scope=\"row\">Missed talks (sum over attendees)</th><td>0</td>"));

    // A move that breaks a hard rule needs an explicit confirmation, then stays flagged.
    let prepared = podium_app::schedule::prepare(&*app.store, conf.id, Default::default())
        .await
        .unwrap();
    let (talk, bad) = program
        .talks
        .iter()
        .find_map(|t| {
            podium_app::schedule::move_options(&prepared, t.id)
                .into_iter()
                .find(|o| !o.conflicts.is_empty())
                .map(|o| (t.id, o))
        })
        .expect("some move conflicts");
    let url = format!("{DESK}/talks/{talk}/move");
    let r = app
        .post_form(
            &url,
            &[("csrf", &csrf), ("slot", &bad.slot)],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("breaks a hard rule"));
    let r = app
        .post_form(
            &url,
            &[
                ("csrf", &csrf),
                ("slot", &bad.slot),
                ("confirm_conflicts", "1"),
            ],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, desk) = app.get_with_cookie(DESK, &org).await;
    assert!(
        desk.contains("The work-in-progress schedule breaks hard rules"),
        "{desk}"
    );
    let warnings = desk
        .split("breaks hard rules")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    assert!(
        !has_engine_id(warnings),
        "messages use titles, not engine ids: {warnings}"
    );

    // Pinning.
    let r = app
        .post_form(
            &format!("{page}/pin"),
            &[("csrf", &csrf), ("pinned", "1")],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, wip) = app.store.wip(conf.id).await.unwrap();
    assert!(wip.iter().find(|p| p.talk_id == a.talk_id).unwrap().pinned);
    let r = app
        .post_form(
            &format!("{page}/move"),
            &[("csrf", &csrf), ("slot", "s999999")],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 422, "unknown slots are refused");
});

on_both_backends!(an_organizer_of_one_conference_cannot_touch_another, |app| {
    demo::load(&*app.store).await.unwrap();
    app.store
        .create_program(&podium_testkit::fixture::two_day_program(
            "other",
            "UTC",
            "2027-05-01",
            "A",
            "B",
        ))
        .await
        .unwrap();
    let org = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (status, _) = app.get_with_cookie("/other/organizer/schedule", &org).await;
    assert_eq!(status, 403);
    let (_, desk) = app.get_with_cookie(DESK, &org).await;
    let csrf = csrf_of(&desk);
    let r = app
        .post_form(
            "/other/organizer/schedule/release",
            &[("csrf", &csrf)],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 403);
    let other = app.store.conference_by_slug("other").await.unwrap();
    assert_eq!(
        app.store.released_versions(other.id).await.unwrap().len(),
        1
    );
});

on_both_backends!(the_public_changelog_lists_moves_and_cancellations, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    let tz = conf.tz();
    let label = |room: podium_domain::RoomId, at: jiff::Timestamp| {
        format!(
            "{}, {}",
            program.room(room).unwrap().name,
            at.to_zoned_datetime(tz.clone()).strftime("%a %-d %b %H:%M")
        )
    };
    let org = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (_, desk) = app.get_with_cookie(DESK, &org).await;
    let csrf = csrf_of(&desk);

    // Version 1.1: one talk moves to a free-of-conflict slot (a swap moves two).
    let talk = &program.talks[3];
    let prepared = podium_app::schedule::prepare(&*app.store, conf.id, Default::default())
        .await
        .unwrap();
    let option = podium_app::schedule::move_options(&prepared, talk.id)
        .into_iter()
        .find(|o| o.conflicts.is_empty())
        .unwrap();
    let before = program.placement(talk.id).unwrap().clone();
    let r = app
        .post_form(
            &format!("{DESK}/talks/{}/move", talk.id),
            &[("csrf", &csrf), ("slot", &option.slot)],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.post_form(
        &format!("{DESK}/release"),
        &[("csrf", &csrf)],
        Some(&org),
        &[],
    )
    .await;

    // Version 1.2: a talk is cancelled.
    let (_, mut wip) = app.store.wip(conf.id).await.unwrap();
    let cancelled = program
        .talks
        .iter()
        .find(|t| t.id != talk.id && Some(t.id) != option.swap_with)
        .unwrap();
    let was = wip
        .iter()
        .find(|p| p.talk_id == cancelled.id)
        .unwrap()
        .clone();
    wip.retain(|p| p.talk_id != cancelled.id);
    app.store.replace_wip(conf.id, &wip).await.unwrap();
    app.post_form(
        &format!("{DESK}/release"),
        &[("csrf", &csrf)],
        Some(&org),
        &[],
    )
    .await;

    let (status, html) = app.get("/pyconf-2027/changelog").await;
    assert_eq!(status, 200);
    let moved = format!(
        r#"<a href="/pyconf-2027/talks/{}">{}</a>: {} → {}"#,
        talk.id,
        talk.title,
        label(before.room_id, before.starts_at),
        label(option.room, option.starts_at)
    );
    assert!(html.contains(&moved), "expected {moved} in {html}");
    let gone = format!(
        r#"Cancelled: <a href="/pyconf-2027/talks/{}">{}</a> (was {})"#,
        cancelled.id,
        cancelled.title,
        label(was.room_id, was.starts_at)
    );
    assert!(html.contains(&gone), "expected {gone}");
    assert!(html.contains("First release: 80 talks."));
    let order: Vec<usize> = ["Version 1.2", "Version 1.1", "Version 1.0"]
        .iter()
        .map(|v| html.find(v).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "newest first");
    let (_, schedule) = app.get("/pyconf-2027/schedule").await;
    assert!(
        schedule.contains(r#"version 1.2 · <a href="/pyconf-2027/changelog">what changed</a>"#)
    );
});

/// The value of a hidden form field in a page.
fn hidden(html: &str, name: &str) -> String {
    html.split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a hidden {name} field in {html}"))
        .to_owned()
}

on_both_backends!(an_organizer_imports_a_file_with_a_preview_first, |app| {
    demo::load(&*app.store).await.unwrap();
    let id = app
        .store
        .conference_by_slug("pyconf-2027")
        .await
        .unwrap()
        .id;
    let before = app.store.program(id).await.unwrap();
    let cookie = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let page = "/pyconf-2027/organizer/import";
    let (status, html) = app.get_with_cookie(page, &cookie).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);

    // The organizer's spreadsheet: the published CSV, one title edited, one talk added.
    let (_, csv) = app.get("/pyconf-2027/schedule.csv").await;
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let old_title = before
        .talks
        .iter()
        .find(|t| lines[1].contains(&t.guid))
        .unwrap()
        .title
        .clone();
    lines[1] = lines[1].replacen(&old_title, "Renamed in the spreadsheet", 1);
    lines.push(",A talk added in the spreadsheet,,,,,30,New Speaker,talk,beginner,en,".into());
    let file = lines.join("\r\n");

    // Garbage first: the form comes back with the reason and the typed zone.
    let r = app
        .post_multipart(
            page,
            &[("csrf", &csrf), ("timezone", "Asia/Kolkata")],
            ("file", "notes.txt", b"hello there"),
            &cookie,
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("not a schedule podium can read"), "{html}");
    assert!(html.contains(r#"value="Asia/Kolkata""#));

    // A forged form is refused.
    let r = app
        .post_multipart(
            page,
            &[("csrf", "forged")],
            ("file", "s.csv", file.as_bytes()),
            &cookie,
        )
        .await;
    assert_eq!(r.status(), 403);

    // The preview says what would change and changes nothing.
    let r = app
        .post_multipart(
            page,
            &[("csrf", &csrf), ("timezone", "Asia/Kolkata")],
            ("file", "schedule.csv", file.as_bytes()),
            &cookie,
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Preview of schedule.csv"), "{html}");
    assert!(html.contains("1 new, 1 updated"), "{html}");
    assert!(html.contains("Renamed in the spreadsheet: title"), "{html}");
    assert_eq!(app.store.program(id).await.unwrap().talks, before.talks);

    // Applying the previewed file does exactly that.
    let r = app
        .post_form(
            "/pyconf-2027/organizer/import/apply",
            &[
                ("csrf", &csrf),
                ("file_name", &hidden(&html, "file_name")),
                ("timezone", &hidden(&html, "timezone")),
                ("data", &hidden(&html, "data")),
            ],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Imported schedule.csv"));
    let after = app.store.program(id).await.unwrap();
    assert_eq!(after.talks.len(), before.talks.len() + 1);
    assert!(
        after
            .talks
            .iter()
            .any(|t| t.title == "Renamed in the spreadsheet")
    );
    assert!(!after.talks.iter().any(|t| t.title == old_title));
    let renamed = after
        .talks
        .iter()
        .find(|t| t.title == "Renamed in the spreadsheet")
        .unwrap();
    let was = before.talks.iter().find(|t| t.id == renamed.id).unwrap();
    assert_eq!(
        renamed.abstract_md, was.abstract_md,
        "a file without abstracts does not wipe them"
    );
    let (_, talk_page) = app.get(&format!("/pyconf-2027/talks/{}", renamed.id)).await;
    assert!(
        talk_page.contains("Renamed in the spreadsheet"),
        "public pages show it at once"
    );
});

on_both_backends!(only_organizers_import, |app| {
    demo::load(&*app.store).await.unwrap();
    let cookie = app.sign_up("att@example.org").await;
    let (status, _) = app
        .get_with_cookie("/pyconf-2027/organizer/import", &cookie)
        .await;
    assert_eq!(status, 403);
    let r = app
        .post_form(
            "/pyconf-2027/organizer/import/apply",
            &[("csrf", "x"), ("file_name", "a.csv"), ("data", "")],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 403);
});

on_both_backends!(the_desk_shows_hallway_minutes, |app| {
    demo::load(&*app.store).await.unwrap();
    let id = app
        .store
        .conference_by_slug("pyconf-2027")
        .await
        .unwrap()
        .id;
    let program = app.store.program(id).await.unwrap();
    let (_, wip) = app.store.wip(id).await.unwrap();
    let expected = podium_app::schedule::hallway_minutes(&program, &wip);
    assert!(expected > 0, "the demo has breaks between sessions");
    let cookie = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (_, html) = app.get_with_cookie(DESK, &cookie).await;
    let row = html.split("Hallway minutes").nth(1).expect("a hallway row");
    assert!(
        row[..row.find("</tr>").unwrap()].contains(&format!("<td>{expected}</td>")),
        "{row}"
    );
});

async fn release(app: &TestApp, csrf: &str, org: &str) {
    let r = app
        .post_form(
            &format!("{DESK}/release"),
            &[("csrf", csrf)],
            Some(org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
}

/// The conference's `schedule.changed` mails as (to, subject), sorted.
async fn schedule_mails(app: &TestApp, conf: podium_domain::ConferenceId) -> Vec<(String, String)> {
    let mut mails: Vec<(String, String)> = app
        .store
        .outbox(conf)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "schedule.changed")
        .map(|m| (m.to_address, m.subject))
        .collect();
    mails.sort();
    mails
}

/// The mail to `to` about schedule `version`, in full.
async fn mail_to(
    app: &TestApp,
    conf: podium_domain::ConferenceId,
    to: &str,
    version: &str,
) -> podium_store::Mail {
    let summary = app
        .store
        .outbox(conf)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.to_address == to && m.subject.contains(&format!("schedule {version}:")))
        .unwrap_or_else(|| panic!("a mail to {to} about version {version}"));
    app.store.outbox_mail(Some(conf), summary.id).await.unwrap()
}

/// Talks with one speaker who gives no other talk, one per speaker.
fn single_speaker_talks(program: &podium_domain::Program) -> Vec<&podium_domain::Talk> {
    let mut seen = std::collections::HashSet::new();
    program
        .talks
        .iter()
        .filter(|t| t.speaker_ids.len() == 1)
        .filter(|t| {
            // A speaker with one talk only, so "their talks" is exactly this one.
            program
                .talks
                .iter()
                .filter(|o| o.speaker_ids.contains(&t.speaker_ids[0]))
                .count()
                == 1
        })
        .filter(|t| seen.insert(t.speaker_ids[0]))
        .collect()
}

on_both_backends!(releases_mail_the_speakers_whose_talks_changed, |app| {
    // The demo program, placed but never released: version 1.0 is the organizer's first.
    let mut new = demo::program().unwrap();
    new.release = None;
    let conf = app.store.create_program(&new).await.unwrap();
    let org = app.sign_up("org@example.org").await;
    let org_user = app.store.credentials("org@example.org").await.unwrap().user;
    app.store
        .grant_role(org_user, conf, podium_domain::Role::Organizer)
        .await
        .unwrap();
    let program = app.store.program(conf).await.unwrap();
    let (_, wip) = app.store.wip(conf).await.unwrap();
    assert_eq!(wip.len(), program.talks.len());
    let talks = single_speaker_talks(&program);
    let (moved, cancelled, steady) = (talks[0], talks[1], talks[2]);
    let mut emails = Vec::new();
    for (i, talk) in [moved, cancelled, steady].iter().enumerate() {
        let email = format!("speaker{i}@example.org");
        let user = app
            .store
            .create_user(&podium_store::NewUser {
                email: email.clone(),
                name: format!("Speaker {i}"),
                password_hash: None,
            })
            .await
            .unwrap();
        app.store
            .link_speaker(conf, talk.speaker_ids[0], user)
            .await
            .unwrap();
        emails.push(email);
    }
    let tz = program.conference.tz();
    let label = |room: podium_domain::RoomId, at: jiff::Timestamp| {
        format!(
            "{}, {}",
            program.room(room).unwrap().name,
            at.to_zoned_datetime(tz.clone()).strftime("%a %-d %b %H:%M")
        )
    };
    let (_, desk) = app.get_with_cookie(DESK, &org).await;
    let csrf = csrf_of(&desk);
    // Version 1.0: every linked speaker with a talk gets their slot and a calendar.
    release(&app, &csrf, &org).await;
    let subject = |v: &str| format!("PyConf India 2027 schedule {v}: your talks");
    assert_eq!(
        schedule_mails(&app, conf).await,
        emails
            .iter()
            .map(|e| (e.clone(), subject("1.0")))
            .collect::<Vec<_>>()
    );
    let first = mail_to(&app, conf, &emails[0], "1.0").await;
    let placed = wip.iter().find(|p| p.talk_id == moved.id).unwrap();
    assert_eq!(first.status, podium_store::MailStatus::Queued);
    assert!(
        first.body_text.contains(&format!(
            "- “{}”: new in the schedule: {}",
            moved.title,
            label(placed.room_id, placed.starts_at)
        )),
        "{}",
        first.body_text
    );
    assert_eq!(first.attachments.len(), 1);
    let ics = String::from_utf8(first.attachments[0].body.clone()).unwrap();
    assert_eq!(first.attachments[0].content_type, "text/calendar");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    assert!(ics.contains(&format!(
        "SUMMARY:{}",
        podium_formats::ical::escape_text(&moved.title)
    )));
    // The worker delivers it: an .eml with the calendar as a part.
    let eml = app.wait_for_mail(&emails[0], "schedule 1.0").await;
    assert!(eml.raw.contains("text/calendar"), "{}", eml.raw);
    assert!(eml.raw.contains("pyconf-2027.ics"));

    // Version 1.1: one talk moves (swapping with a talk whose speakers have no account);
    // only its speaker hears of it.
    let prepared = podium_app::schedule::prepare(&*app.store, conf, Default::default())
        .await
        .unwrap();
    let option = podium_app::schedule::move_options(&prepared, moved.id)
        .into_iter()
        .find(|o| {
            o.conflicts.is_empty()
                && o.swap_with != Some(cancelled.id)
                && o.swap_with != Some(steady.id)
        })
        .unwrap();
    let r = app
        .post_form(
            &format!("{DESK}/talks/{}/move", moved.id),
            &[("csrf", &csrf), ("slot", &option.slot)],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    release(&app, &csrf, &org).await;
    let mails = schedule_mails(&app, conf).await;
    assert_eq!(
        mails.iter().filter(|m| m.1 == subject("1.1")).count(),
        1,
        "{mails:?}"
    );
    let second = mail_to(&app, conf, &emails[0], "1.1").await;
    let moved_line = format!(
        "- “{}”: moved: {} → {}",
        moved.title,
        label(placed.room_id, placed.starts_at),
        label(option.room, option.starts_at)
    );
    assert!(
        second.body_text.contains(&moved_line),
        "{moved_line} in {}",
        second.body_text
    );

    // Version 1.2: a talk is cancelled; its speaker is told, and their calendar says so.
    let was = wip.iter().find(|p| p.talk_id == cancelled.id).unwrap();
    let r = app
        .post_form(
            &format!("{DESK}/talks/{}/cancel", cancelled.id),
            &[("csrf", &csrf)],
            Some(&org),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.cancelled_talks(conf).await.unwrap(),
        vec![cancelled.id]
    );
    let (_, page) = app
        .get_with_cookie(&format!("{DESK}/talks/{}", cancelled.id), &org)
        .await;
    assert!(page.contains("Cancelled: out of the work-in-progress version."));
    release(&app, &csrf, &org).await;
    let mails = schedule_mails(&app, conf).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.1 == subject("1.2"))
            .map(|m| m.0.clone())
            .collect::<Vec<_>>(),
        vec![emails[1].clone()]
    );
    let third = mail_to(&app, conf, &emails[1], "1.2").await;
    assert!(third.body_text.contains(&format!(
        "- “{}”: cancelled (was {})",
        cancelled.title,
        label(was.room_id, was.starts_at)
    )));
    assert!(
        third
            .body_text
            .contains("Your talks in this version:\n\n(none)")
    );
    let ics = String::from_utf8(third.attachments[0].body.clone()).unwrap();
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
    // The engine leaves a cancelled talk out.
    let prepared = podium_app::schedule::prepare(&*app.store, conf, Default::default())
        .await
        .unwrap();
    assert!(
        !prepared
            .instance
            .talks
            .iter()
            .any(|t| t.id == format!("t{}", cancelled.id))
    );
    app.wait_for_mail(&emails[1], "schedule 1.2").await;
});

on_both_backends!(
    the_drag_and_drop_preview_says_what_the_move_form_says,
    |app| {
        demo::load(&*app.store).await.unwrap();
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        let program = app.store.program(conf.id).await.unwrap();
        let talk = &program.talks[5];
        let prepared = podium_app::schedule::prepare(&*app.store, conf.id, Default::default())
            .await
            .unwrap();
        let options = podium_app::schedule::move_options(&prepared, talk.id);
        let with_conflict = options.iter().find(|o| !o.conflicts.is_empty()).unwrap();
        let url = |slot: &str| format!("{DESK}/talks/{}/preview?slot={slot}", talk.id);

        let (status, _) = app.get(&url(&with_conflict.slot)).await;
        assert_eq!(status, 303, "anonymous visitors are sent to log in");
        let org = log_in(&app, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
        let (status, body) = app.get_with_cookie(&url(&with_conflict.slot), &org).await;
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["fits"], true);
        assert_eq!(json["title"], talk.title.as_str());
        assert_eq!(json["slot"], with_conflict.slot.as_str());
        assert_eq!(json["missed_delta"], with_conflict.missed_delta);
        assert_eq!(
            json["conflicts"],
            serde_json::json!(
                with_conflict
                    .conflicts
                    .iter()
                    .map(|c| podium_app::schedule::humanize(c, &program))
                    .collect::<Vec<_>>()
            )
        );
        assert_eq!(
            json["action"],
            format!("{DESK}/talks/{}/move", talk.id).as_str()
        );
        // Its own slot, or one that does not exist, is no place to go.
        let here = prepared
            .mapping
            .slot_at(
                program.placement(talk.id).unwrap().room_id,
                program.placement(talk.id).unwrap().starts_at,
            )
            .unwrap()
            .to_owned();
        for slot in [here.as_str(), "s999999"] {
            let (_, body) = app.get_with_cookie(&url(slot), &org).await;
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["fits"], false, "{slot}");
        }
        // The desk's grid carries what the script needs; the script itself is served.
        let (_, desk) = app.get_with_cookie(DESK, &org).await;
        assert!(desk.contains(r#"<script src="/static/desk.js" defer></script>"#));
        assert!(desk.contains(&format!(r#"data-talk="{}" data-slot="{here}""#, talk.id)));
        assert!(desk.contains(&format!(
            r#"class="slot-target" data-slot="{}""#,
            with_conflict.slot
        )));
        let (status, script) = app.get("/static/desk.js").await;
        assert_eq!(status, 200);
        assert!(script.contains("/preview?slot="));
    }
);
