//! Real Chromium (Debian's, driven by chromedriver) against the real server: what an organizer
//! clicks through. Screenshots go to `target/screenshots/`. `./test.sh` installs chromium and
//! chromium-driver when they are missing.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use podium_app::demo::{self, DEMO_ORGANIZER};
use podium_store::Store;
use thirtyfour::prelude::*;

/// A headless Chromium session with its own chromedriver and empty profile.
pub(crate) struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start() -> Browser {
        Browser::start_as(None).await
    }

    /// A session whose User-Agent is `user_agent` when given (headless Chromium's own names it
    /// as headless, which the view counters rightly ignore).
    pub(crate) async fn start_as(user_agent: Option<&str>) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (./test.sh installs Debian's chromium-driver)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary("/usr/bin/chromium").unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,1000",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .unwrap();
        if let Some(agent) = user_agent {
            caps.add_arg(&format!("--user-agent={agent}")).unwrap();
        }
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .expect("a Chromium session");
        Browser {
            driver: Some(driver),
            chromedriver,
            _profile: profile,
        }
    }

    pub(crate) fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the session is open")
    }

    pub(crate) async fn screenshot(&self, name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        self.driver()
            .screenshot(&dir.join(format!("{name}.png")))
            .await
            .unwrap();
    }

    /// Waits (up to `secs`) until the page source contains `text`, reloading as the page
    /// itself does; returns the source.
    pub(crate) async fn wait_for(&self, text: &str, secs: u64) -> String {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(secs);
        loop {
            let source = self.driver().source().await.unwrap();
            if source.contains(text) {
                eprintln!(
                    "browser: {text:?} after {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                return source;
            }
            if Instant::now() >= deadline {
                self.screenshot("failure").await;
                panic!("{text:?} did not appear within {secs} s; page: {source}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub(crate) async fn quit(mut self) {
        if let Some(d) = self.driver.take() {
            let _ = d.quit().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

on_both_backends!(
    an_organizer_runs_reviews_adjusts_and_publishes_in_chromium,
    |app| {
        demo::load(&*app.store).await.unwrap();
        // An attendee who wants two talks that run at the same time: the engine has work to
        // do (a clash-free demo is proven optimal at once, with no progress to watch).
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        let program = app.store.program(conf.id).await.unwrap();
        let a = &program.placements[1];
        let clash = program
            .placements
            .iter()
            .find(|p| p.talk_id != a.talk_id && p.starts_at == a.starts_at)
            .unwrap();
        let user = app
            .store
            .create_user(&podium_store::NewUser {
                email: "att@example.org".into(),
                name: "Att".into(),
                password_hash: None,
            })
            .await
            .unwrap();
        for t in [a.talk_id, clash.talk_id] {
            app.store.set_interest(user, t, true).await.unwrap();
        }
        let b = Browser::start().await;
        let d = b.driver();
        let base = &app.base_url;

        // Log in with the form.
        b.submit_account_form(
            format!("{base}/login"),
            &[("email", DEMO_ORGANIZER.0), ("password", DEMO_ORGANIZER.1)],
        )
        .await;

        // Run the engine: the progress bar shows, then the proposal.
        d.goto(format!("{base}/pyconf-2027/organizer/schedule"))
            .await
            .unwrap();
        d.find(By::Css("#seconds option[value='2']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        d.find(By::XPath(
            "//button[text()='Re-schedule with minimal changes']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        b.wait_for("<progress", 10).await;
        b.screenshot("desk-running").await;
        let proposal = b.wait_for("<h2>Proposal</h2>", 60).await;
        assert!(proposal.contains("Talks not placed"));
        b.screenshot("desk-proposal").await;
        d.find(By::XPath(
            "//button[text()='Accept into the work-in-progress version']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        b.wait_for("Current work-in-progress version", 10).await;

        // Open a talk from the grid and move it to the best conflict-free place.
        d.find(By::Css(".grid a.talk"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.wait_for("<h2>Move to</h2>", 10).await;
        b.screenshot("adjust-talk").await;
        d.find(By::XPath(
            "//tr[td[4][text()='none']]//button[text()='Move here']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        b.wait_for("Current work-in-progress version", 10).await;

        // Publish, and the public schedule says so.
        d.find(By::XPath(
            "//button[text()='Publish the work-in-progress version']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        b.wait_for("Published: version 1.1.", 10).await;
        d.goto(format!("{base}/pyconf-2027/schedule"))
            .await
            .unwrap();
        let public = b.wait_for("version 1.1", 10).await;
        assert!(public.contains("what changed"));
        b.screenshot("public-schedule").await;
        d.goto(format!("{base}/pyconf-2027/changelog"))
            .await
            .unwrap();
        b.wait_for("Version 1.1", 10).await;
        b.screenshot("changelog").await;
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        assert_eq!(app.store.released_versions(conf.id).await.unwrap().len(), 2);
        b.quit().await;
    }
);

impl Browser {
    /// Clicks the button whose text is `text`.
    async fn click_button(&self, text: &str) {
        self.driver()
            .find(By::XPath(format!("//button[text()='{text}']")))
            .await
            .unwrap_or_else(|e| panic!("a button “{text}”: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Drags the element `from` onto the element `to` (CSS selectors) with the mouse.
    async fn drag(&self, from: &str, to: &str) {
        let d = self.driver();
        let source = d.find(By::Css(from)).await.unwrap();
        let target = d.find(By::Css(to)).await.unwrap();
        d.action_chain()
            .move_to_element_center(&source)
            .click_and_hold()
            .move_by_offset(12, 12)
            .move_to_element_center(&target)
            .release()
            .perform()
            .await
            .unwrap();
    }

    /// The text of the element with this id (empty when hidden or missing).
    async fn text_of(&self, id: &str) -> String {
        self.eval(&format!(
            "var e = document.getElementById('{id}'); return e && !e.hidden ? e.textContent : '';"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }
}

/// How the desk and the preview say a number: `+2`, `−1`, `0`.
fn signed(n: f64) -> String {
    if n > 0.0 {
        format!("+{n}")
    } else if n < 0.0 {
        format!("−{}", -n)
    } else {
        "0".to_owned()
    }
}

on_both_backends!(
    the_whole_schedule_flow_from_an_empty_grid_to_version_two_in_chromium,
    |app| {
        use podium_app::schedule;
        use podium_domain::{TalkId, TalkKind};

        // A conference with talks, speakers and rooms but no grid and nothing placed: the
        // demo's program without its sessions, breaks and placements.
        let mut new = demo::program().unwrap();
        new.sessions.clear();
        new.breaks.clear();
        new.placements.clear();
        new.release = None;
        let conf = app.store.create_program(&new).await.unwrap();
        app.sign_up("org@example.org").await;
        let org = app.store.credentials("org@example.org").await.unwrap().user;
        app.store
            .grant_role(org, conf, podium_domain::Role::Organizer)
            .await
            .unwrap();
        let program = app.store.program(conf).await.unwrap();
        let title = |t: TalkId| program.talk(t).unwrap().title.clone();
        // Attendees' wants (the interest marks): a third of the talks each, different thirds,
        // so that some clashes cannot be avoided and the engine searches its whole time.
        let n = program.talks.len();
        for i in 0..20 {
            let user = app
                .store
                .create_user(&podium_store::NewUser {
                    email: format!("att{i}@example.org"),
                    name: format!("Attendee {i}"),
                    password_hash: None,
                })
                .await
                .unwrap();
            for (k, talk) in program.talks.iter().enumerate() {
                if (k * 7 + i * 13) % 3 == 0 {
                    app.store.set_interest(user, talk.id, true).await.unwrap();
                }
            }
        }
        // Two speakers with an account, each giving one talk that is theirs alone.
        let mut linked: Vec<(TalkId, String)> = Vec::new();
        for talk in &program.talks {
            let [speaker] = talk.speaker_ids[..] else {
                continue;
            };
            let alone = program
                .talks
                .iter()
                .filter(|t| t.speaker_ids.contains(&speaker))
                .count()
                == 1;
            if !alone || talk.kind != TalkKind::Talk {
                continue;
            }
            let email = format!("speaker{}@example.org", linked.len());
            let user = app
                .store
                .create_user(&podium_store::NewUser {
                    email: email.clone(),
                    name: "Speaker".into(),
                    password_hash: None,
                })
                .await
                .unwrap();
            app.store.link_speaker(conf, speaker, user).await.unwrap();
            linked.push((talk.id, email));
            if linked.len() == 2 {
                break;
            }
        }

        let b = Browser::start().await;
        let d = b.driver();
        let base = &app.base_url;
        let desk = format!("{base}/pyconf-2027/organizer/schedule");
        b.submit_account_form(
            format!("{base}/login"),
            &[
                ("email", "org@example.org"),
                ("password", "just an attendee"),
            ],
        )
        .await;

        // The grid from the day template (four sessions a day, 15-minute slots, tea and
        // lunch), for every day and room as the form proposes.
        d.goto(format!("{base}/pyconf-2027/organizer/grid"))
            .await
            .unwrap();
        b.wait_for("Add sessions from a day template", 10).await;
        b.click_button("Add these sessions").await;
        b.wait_for("09:30–11:00 · 6 slots", 10).await;
        b.screenshot("flow-grid").await;
        let program = app.store.program(conf).await.unwrap();
        assert_eq!(
            program.sessions.len(),
            3 * 4 * 4,
            "3 days, 4 rooms, 4 sessions"
        );

        // The formats compared, with numbers.
        d.goto(format!("{base}/pyconf-2027/organizer/formats"))
            .await
            .unwrap();
        let seconds = d.find(By::Id("fmt-seconds")).await.unwrap();
        seconds.clear().await.unwrap();
        seconds.send_keys("1").await.unwrap();
        b.click_button("Compare the formats").await;
        let formats = b.wait_for("(best)", 90).await;
        assert!(formats.contains("Single track") && formats.contains("<svg"));
        b.screenshot("flow-formats").await;

        // Run the engine with the progress bar to completion, then accept its proposal.
        d.goto(desk.clone()).await.unwrap();
        d.find(By::Css("#seconds option[value='5']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.click_button("Run the scheduler").await;
        b.wait_for("<progress", 10).await;
        b.wait_for("Best objective so far", 10).await;
        b.screenshot("flow-run").await;
        let proposal = b.wait_for("<h2>Proposal</h2>", 90).await;
        assert!(proposal.contains("Talks not placed"));
        b.screenshot("flow-proposal").await;
        b.click_button("Accept into the work-in-progress version")
            .await;
        b.wait_for("Re-schedule with minimal changes", 10).await;
        let (_, wip) = app.store.wip(conf).await.unwrap();
        assert!(wip.len() >= n - 2, "the engine placed {} of {n}", wip.len());

        // Drag a talk by hand. A talk that can swap with a keynote (which then runs beside
        // other talks: a hard conflict) and, without conflict, with another talk of its day.
        let tz = program.conference.tz();
        let day = |ts: jiff::Timestamp| ts.to_zoned_datetime(tz.clone()).date();
        let prepared = schedule::prepare(&*app.store, conf, Default::default())
            .await
            .unwrap();
        let kind = |t: TalkId| program.talk(t).unwrap().kind;
        let (talk, bad, good) = wip
            .iter()
            .filter(|p| kind(p.talk_id) == TalkKind::Talk)
            .find_map(|p| {
                let options = schedule::move_options(&prepared, p.talk_id);
                let same_day = |o: &&schedule::MoveOption| day(o.starts_at) == day(p.starts_at);
                let bad = options.iter().filter(same_day).find(|o| {
                    !o.conflicts.is_empty()
                        && o.swap_with.is_some_and(|t| kind(t) == TalkKind::Keynote)
                })?;
                let good = options.iter().filter(same_day).find(|o| {
                    o.conflicts.is_empty() && o.swap_with.is_some_and(|t| kind(t) == TalkKind::Talk)
                })?;
                Some((p.talk_id, bad.clone(), good.clone()))
            })
            .expect("a talk that can swap with a keynote and with another talk");
        let when = |o: &schedule::MoveOption| {
            format!(
                "{} · {}",
                o.starts_at
                    .to_zoned_datetime(tz.clone())
                    .strftime("%a %-d %b %H:%M"),
                program.room(o.room).unwrap().name
            )
        };
        d.set_window_rect(0, 0, 1400, 2600).await.unwrap();
        d.goto(desk.clone()).await.unwrap();
        b.wait_for("Or drag a talk onto another slot", 10).await;
        let cell = |t: TalkId| format!(".desk-grid .cell[data-talk='{t}']");
        b.eval(&format!(
            "document.querySelector(\"{}\").scrollIntoView({{block: 'center'}}); return true;",
            cell(talk)
        ))
        .await;
        b.drag(&cell(talk), &cell(bad.swap_with.unwrap())).await;
        b.wait_until(
            "the preview of the conflicting move",
            "var p = document.getElementById('move-preview'); return !p.hidden && p.textContent.includes('Save the move');",
            15,
        )
        .await;
        let preview = b.text_of("move-preview").await;
        b.screenshot("flow-drag-conflict").await;
        assert!(
            preview.contains(&format!("Move “{}” to {}?", title(talk), when(&bad))),
            "{preview}"
        );
        assert!(
            preview.contains("This move breaks a hard rule:"),
            "{preview}"
        );
        for c in &bad.conflicts {
            assert!(
                preview.contains(&schedule::humanize(c, &program)),
                "{c} in {preview}"
            );
        }
        assert!(
            preview.contains(&format!(
                "Missed talks: {} (objective {})",
                signed(bad.missed_delta as f64),
                signed(bad.objective_delta)
            )),
            "{preview}"
        );
        // Saving needs the explicit override: the box is required, so nothing is sent.
        assert_eq!(
            b.eval("var c = document.querySelector('#move-preview input[name=confirm_conflicts]'); return c.required && !c.checked;")
                .await,
            serde_json::Value::Bool(true)
        );
        b.click_button("Save the move").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(app.store.wip(conf).await.unwrap().1, wip, "nothing moved");
        b.click_button("Cancel").await;
        assert_eq!(b.text_of("move-preview").await, "");

        // The conflict-free swap: its cost, then saved through the talk's move form.
        b.drag(&cell(talk), &cell(good.swap_with.unwrap())).await;
        b.wait_until(
            "the preview of the free move",
            "var p = document.getElementById('move-preview'); return !p.hidden && p.textContent.includes('Conflicts: none.');",
            15,
        )
        .await;
        let preview = b.text_of("move-preview").await;
        assert!(
            preview.contains(&format!("Move “{}” to {}?", title(talk), when(&good))),
            "{preview}"
        );
        assert!(preview.contains(&format!(
            "It swaps places with “{}”.",
            title(good.swap_with.unwrap())
        )));
        assert!(
            preview.contains(&format!(
                "Missed talks: {}",
                signed(good.missed_delta as f64)
            )),
            "{preview}"
        );
        b.screenshot("flow-drag-preview").await;
        b.click_button("Save the move").await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, wip) = app.store.wip(conf).await.unwrap();
            let now = wip.iter().find(|p| p.talk_id == talk).unwrap();
            if (now.room_id, now.starts_at) == (good.room, good.starts_at) {
                break;
            }
            assert!(Instant::now() < deadline, "the move was saved");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        b.wait_for("Re-schedule with minimal changes", 10).await;
        d.set_window_rect(0, 0, 1280, 1000).await.unwrap();

        // Version 1.0, and the speakers with an account hear of their slots.
        b.click_button("Publish the work-in-progress version").await;
        b.wait_for("Published: version 1.0.", 10).await;
        for (t, email) in &linked {
            let mail = app.wait_for_mail(email, "schedule 1.0: your talks").await;
            assert!(
                mail.body()
                    .contains(&format!("“{}”: new in the schedule:", title(*t)))
            );
            assert!(mail.raw.contains("text/calendar"));
        }

        // A talk is cancelled; the engine re-schedules with minimal changes.
        let (cancelled, cancelled_email) = linked[1].clone();
        d.goto(format!("{desk}/talks/{cancelled}")).await.unwrap();
        b.click_button("Cancel this talk").await;
        b.wait_for("<h2>Cancelled talks</h2>", 10).await;
        d.find(By::Css("#seconds option[value='2']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.click_button("Re-schedule with minimal changes").await;
        b.wait_for("<h2>Proposal</h2>", 60).await;
        b.click_button("Accept into the work-in-progress version")
            .await;
        b.wait_for("Re-schedule with minimal changes", 10).await;
        let (_, wip) = app.store.wip(conf).await.unwrap();
        assert!(!wip.iter().any(|p| p.talk_id == cancelled), "it stays out");
        b.click_button("Publish the work-in-progress version").await;
        b.wait_for("Published: version 1.1.", 10).await;

        // The public changelog, and the cancelled talk's speaker is told.
        d.goto(format!("{base}/pyconf-2027/changelog"))
            .await
            .unwrap();
        let changelog = b.wait_for("Version 1.1", 10).await;
        assert!(
            changelog.contains(&format!(
                r#"Cancelled: <a href="/pyconf-2027/talks/{cancelled}">"#
            )),
            "{changelog}"
        );
        b.screenshot("flow-changelog").await;
        let mail = app
            .wait_for_mail(&cancelled_email, "schedule 1.1: your talks")
            .await;
        assert!(
            mail.body()
                .contains(&format!("“{}”: cancelled (was", title(cancelled))),
            "{}",
            mail.body()
        );
        let versions = app.store.released_versions(conf).await.unwrap();
        assert_eq!(versions.len(), 2);
        b.quit().await;
    }
);

on_both_backends!(the_schedule_reads_on_a_phone_in_chromium, |app| {
    demo::load(&*app.store).await.unwrap();
    let b = Browser::start().await;
    let d = b.driver();
    d.set_window_rect(0, 0, 390, 900).await.unwrap();
    d.goto(format!("{}/pyconf-2027/schedule", app.base_url))
        .await
        .unwrap();
    // On a narrow screen the grid hides and the list shows.
    let grid = d.find(By::Css(".grid-scroll")).await.unwrap();
    let list = d.find(By::Css(".list")).await.unwrap();
    assert!(!grid.is_displayed().await.unwrap());
    assert!(list.is_displayed().await.unwrap());
    b.screenshot("phone-schedule").await;
    b.quit().await;
});

on_both_backends!(after_one_visit_the_conference_opens_offline, |app| {
    let mut app = app;
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let p = app.store.program(conf.id).await.unwrap();
    let b = Browser::start().await;
    let d = b.driver();
    d.goto(format!("{}/pyconf-2027/schedule", app.base_url))
        .await
        .unwrap();
    // The service worker keeps every page of the conference, then tells the page.
    b.wait_for("data-offline-ready", 30).await;
    let banner = d.find(By::Id("offline-banner")).await.unwrap();
    assert!(
        !banner.is_displayed().await.unwrap(),
        "no banner while online"
    );

    // The wi-fi dies: the server is gone.
    app.stop_server();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        reqwest::get(format!("{}/healthz", app.base_url))
            .await
            .is_err(),
        "the server is down"
    );
    // A talk page never opened before, a speaker page and the schedule all open.
    let talk = p
        .talks
        .iter()
        .rev()
        .find(|t| t.video_url.is_none())
        .unwrap();
    d.goto(format!("{}/pyconf-2027/talks/{}", app.base_url, talk.id))
        .await
        .unwrap();
    let source = b.wait_for("offline — data from", 15).await;
    assert!(
        source.contains(&format!("<h1>{}</h1>", talk.title.replace('\'', "&#x27;"))),
        "the talk page itself"
    );
    b.screenshot("offline-talk").await;
    let speaker = &p.speakers[3];
    d.goto(format!(
        "{}/pyconf-2027/speakers/{}",
        app.base_url, speaker.id
    ))
    .await
    .unwrap();
    b.wait_for(&format!("<h1>{}</h1>", speaker.name), 15).await;
    d.goto(format!(
        "{}/pyconf-2027/schedule?day=2027-09-26",
        app.base_url
    ))
    .await
    .unwrap();
    b.wait_for("offline — data from", 15).await;

    // Starring still works offline, and the agenda (never opened) shows it.
    d.goto(format!("{}/pyconf-2027/talks/{}", app.base_url, talk.id))
        .await
        .unwrap();
    b.wait_for("offline — data from", 15).await;
    b.star_this_talk().await;
    b.wait_for("Saved on this device.", 10).await;
    d.goto(format!("{}/pyconf-2027/agenda", app.base_url))
        .await
        .unwrap();
    b.wait_for("offline — data from", 15).await;
    b.wait_until(
        "the starred talk on the offline agenda",
        &format!(
            "var li = document.querySelector('li[data-talk=\"{}\"]'); return !!li && !li.hidden && document.querySelector('[data-agenda-empty]').hidden",
            talk.id
        ),
        10,
    )
    .await;
    b.screenshot("offline-agenda").await;
    b.quit().await;
});

impl Browser {
    /// Runs `script` (a function body) in the page and returns its value.
    pub(crate) async fn eval(&self, script: &str) -> serde_json::Value {
        self.driver()
            .execute(script, Vec::new())
            .await
            .unwrap()
            .json()
            .clone()
    }

    /// Waits (up to `secs`) until `script` returns true in the page.
    pub(crate) async fn wait_until(&self, what: &str, script: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.eval(script).await != serde_json::Value::Bool(true) {
            if Instant::now() >= deadline {
                self.screenshot("failure").await;
                let source = self.driver().source().await.unwrap();
                panic!("{what} did not happen within {secs} s; page: {source}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Opens a log-in or sign-up form at `url`, types `fields` (by input id) and sends it; the
    /// browser is then logged in on /account.
    pub(crate) async fn submit_account_form(&self, url: String, fields: &[(&str, &str)]) {
        let d = self.driver();
        d.goto(url).await.unwrap();
        for (field, value) in fields {
            d.find(By::Id(*field))
                .await
                .unwrap()
                .send_keys(*value)
                .await
                .unwrap();
        }
        d.find(By::Css("form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.wait_for("Signed in as", 10).await;
    }

    /// Creates an account with the sign-up form; the browser is then logged in on /account.
    pub(crate) async fn sign_up(&self, base: &str, email: &str) {
        self.submit_account_form(
            format!("{base}/signup"),
            &[
                ("name", "Star Gazer"),
                ("email", email),
                ("password", "stars all the way"),
            ],
        )
        .await;
    }

    /// Clicks the star form of the talk page that is open.
    async fn star_this_talk(&self) {
        self.driver()
            .find(By::Css("form[data-star-form] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Switches DevTools network emulation: `offline` or back to normal.
    pub(crate) async fn set_offline(&self, offline: bool) {
        let cdp = self.driver().cdp();
        cdp.send_raw("Network.enable", serde_json::json!({}))
            .await
            .unwrap();
        cdp.send_raw(
            "Network.emulateNetworkConditions",
            serde_json::json!({
                "offline": offline, "latency": 0,
                "downloadThroughput": -1, "uploadThroughput": -1
            }),
        )
        .await
        .unwrap();
    }
}

/// The user's wants, waiting (up to 15 s) until they equal `expected`.
async fn wants_become(
    app: &podium_testkit::TestApp,
    email: &str,
    expected: &[podium_domain::TalkId],
) {
    let user = app.store.credentials(email).await.unwrap().user;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut wants = app.store.interests_of(user).await.unwrap();
        wants.sort();
        if wants == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "wants are {wants:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

on_both_backends!(
    stars_without_an_account_show_on_the_agenda_and_merge_at_log_in,
    |app| {
        demo::load(&*app.store).await.unwrap();
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        let p = app.store.program(conf.id).await.unwrap();
        // Two talks at the same time: the agenda warns.
        let (a, b) = crate::agenda::overlapping(&p);
        let starred = vec![a, b];
        let base = &app.base_url;
        let browser = Browser::start().await;
        let d = browser.driver();

        // Anonymous: star two talks; a reload keeps the star.
        for t in &starred {
            d.goto(format!("{base}/pyconf-2027/talks/{t}"))
                .await
                .unwrap();
            browser.star_this_talk().await;
            browser
                .wait_for(
                    "Saved on this device. Log in to keep it on all your devices.",
                    10,
                )
                .await;
        }
        d.refresh().await.unwrap();
        browser
        .wait_until(
            "the star survives a reload",
            "return document.querySelector('form[data-star-form] button').getAttribute('aria-pressed') === 'true'",
            10,
        )
        .await;
        browser.screenshot("talk-starred").await;

        // The agenda shows both, and that they overlap.
        d.goto(format!("{base}/pyconf-2027/agenda")).await.unwrap();
        let title = |t: podium_domain::TalkId| p.talk(t).unwrap().title.clone();
        browser
            .wait_until(
                "the overlap warning",
                "return !document.querySelector('[data-overlaps]').hidden",
                10,
            )
            .await;
        let warning = d
            .find(By::Css("[data-overlap-list] li"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            warning.starts_with(&format!("“{}” (", title(starred[0])))
                && warning.contains(&format!(") and “{}” (", title(starred[1])))
                && warning.ends_with(") overlap."),
            "{warning}"
        );
        let shown = browser
        .eval("return Array.from(document.querySelectorAll('li[data-talk]:not([hidden])')).map(li => Number(li.dataset.talk))")
        .await;
        assert_eq!(shown, serde_json::json!([starred[0].0, starred[1].0]));
        browser.screenshot("agenda").await;
        d.set_window_rect(0, 0, 390, 900).await.unwrap();
        browser.screenshot("agenda-phone").await;
        // The schedule marks them too, on the phone's list and the desktop's grid.
        d.goto(format!("{base}/pyconf-2027/schedule?day=2027-09-24"))
            .await
            .unwrap();
        let pressed = "return document.querySelectorAll('.list .card-star[aria-pressed=true]').length === 2 && document.querySelectorAll('.grid .card-star[aria-pressed=true]').length === 2";
        browser
            .wait_until("the schedule's stars", pressed, 10)
            .await;
        browser.screenshot("schedule-starred-phone").await;
        d.set_window_rect(0, 0, 1280, 1000).await.unwrap();
        browser.screenshot("schedule-starred").await;

        // Log in (a new account): the stars move into the account, the local copy goes.
        browser.sign_up(base, "gazer@example.org").await;
        wants_become(&app, "gazer@example.org", &starred).await;
        browser
            .wait_for(&title(starred[0]).replace('\'', "&#x27;"), 10)
            .await;
        assert_eq!(
            browser
                .eval("return localStorage.getItem('podium:stars:pyconf-2027')")
                .await,
            serde_json::Value::Null
        );
        // Before a schedule is made, these are the attendee's wants for the scheduler.
        let wants = app.store.wants(conf.id).await.unwrap();
        assert_eq!(wants.len(), 1);
        assert_eq!(wants[0].1, starred);

        // From now on the account is the truth: unstar on the agenda page's card.
        d.goto(format!("{base}/pyconf-2027/agenda")).await.unwrap();
        let button = format!("[data-star-talk='{}'] .card-star", starred[1]);
        browser
        .wait_until(
            "the account's stars on the agenda",
            &format!("var b = document.querySelector(\"{button}\"); return !!b && b.getAttribute('aria-pressed') === 'true'"),
            10,
        )
        .await;
        d.find(By::Css(&button))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wants_become(&app, "gazer@example.org", &starred[..1]).await;
        browser.quit().await;
    }
);

on_both_backends!(
    a_star_made_offline_waits_and_syncs_when_the_network_returns,
    |app| {
        demo::load(&*app.store).await.unwrap();
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        let p = app.store.program(conf.id).await.unwrap();
        let (first, second) = (p.talks[2].id, p.talks[4].id);
        let base = &app.base_url;
        let browser = Browser::start().await;
        let d = browser.driver();
        browser.sign_up(base, "phone@example.org").await;
        d.goto(format!("{base}/pyconf-2027/talks/{first}"))
            .await
            .unwrap();
        // The page has learnt that this browser is logged in.
        browser
            .wait_until(
                "the account's stars are known",
                "return localStorage.getItem('podium:account:pyconf-2027') !== null && document.querySelector('[data-login-hint]').hidden",
                10,
            )
            .await;
        browser.star_this_talk().await;
        browser.wait_for("Saved in your agenda.", 10).await;
        wants_become(&app, "phone@example.org", &[first]).await;

        // The wi-fi dies: unstar this one and star another.
        browser.set_offline(true).await;
        browser.star_this_talk().await;
        browser
            .wait_for(
                "Removed on this device, will sync when you are back online.",
                10,
            )
            .await;
        d.execute(
            &format!("location.href = '/pyconf-2027/talks/{second}'"),
            Vec::new(),
        )
        .await
        .unwrap();
        browser.wait_for(&format!("/talks/{second}/want"), 15).await;
        browser.star_this_talk().await;
        let banner = d.find(By::Id("sync-banner")).await.unwrap();
        browser
            .wait_until(
                "the sync banner",
                "return !document.getElementById('sync-banner').hidden",
                10,
            )
            .await;
        assert_eq!(
            banner.text().await.unwrap(),
            "2 star changes saved on this device, will sync when you are back online."
        );
        browser.screenshot("star-offline").await;
        assert_eq!(
            app.store
                .interests_of(
                    app.store
                        .credentials("phone@example.org")
                        .await
                        .unwrap()
                        .user
                )
                .await
                .unwrap(),
            vec![first],
            "nothing reached the server yet"
        );

        // Back online: both changes arrive, in order, and the banner goes.
        browser.set_offline(false).await;
        wants_become(&app, "phone@example.org", &[second]).await;
        browser
        .wait_until(
            "the banner to go",
            "return document.getElementById('sync-banner').hidden && localStorage.getItem('podium:queue:pyconf-2027') === null",
            10,
        )
        .await;
        browser.quit().await;
    }
);

on_both_backends!(
    the_service_worker_pulls_only_what_changed_through_the_feed,
    |app| {
        let mut app = app;
        demo::load(&*app.store).await.unwrap();
        let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
        let p = app.store.program(conf.id).await.unwrap();
        let base = app.base_url.clone();
        let browser = Browser::start().await;
        let d = browser.driver();
        // First visit: every page is kept.
        d.goto(format!("{base}/pyconf-2027/schedule"))
            .await
            .unwrap();
        browser.wait_for("data-offline-ready", 30).await;
        let all = browser
            .eval("return Number(document.documentElement.dataset.offlineReady)")
            .await
            .as_i64()
            .unwrap();

        // The organizers rename a talk (the feed records it).
        let talk = p.talk(p.placements[3].talk_id).unwrap();
        let renamed = "Renamed after the first visit";
        let new = podium_domain::NewTalk {
            key: talk.id.to_string(),
            guid: Some(talk.guid.clone()),
            title: renamed.to_owned(),
            abstract_md: talk.abstract_md.clone(),
            kind: talk.kind,
            level: talk.level,
            duration_min: talk.duration_min,
            track: talk
                .track_id
                .and_then(|t| p.track(t))
                .map(|t| t.name.clone()),
            language: talk.language.clone(),
            speakers: talk
                .speaker_ids
                .iter()
                .filter_map(|s| p.speaker(*s))
                .map(|s| s.name.clone())
                .collect(),
            slides_url: talk.slides_url.clone(),
            video_url: talk.video_url.clone(),
        };
        app.store
            .save_talk(conf.id, Some(talk.id), &new)
            .await
            .unwrap();

        // The next page opened online: the worker asks the feed and fetches only the pages
        // that show that talk (its page, its speakers, the schedule days, rooms, tracks…).
        d.goto(format!("{base}/pyconf-2027/")).await.unwrap();
        browser.wait_for("data-synced", 30).await;
        let fetched = browser
            .eval("return Number(document.documentElement.dataset.synced)")
            .await
            .as_i64()
            .unwrap();
        let listing = 1 // conference page
            + 1 // schedule
            + 1 // changelog
            + 1 // agenda
            + p.conference.days().len()
            + p.rooms.len()
            + p.tracks.len();
        assert_eq!(
            fetched,
            (1 + talk.speaker_ids.len() + listing) as i64,
            "of {all} pages"
        );
        assert!(fetched < all / 2, "{fetched} of {all} pages");

        // Offline, the talk page (never opened) and the schedule show the new title.
        app.stop_server();
        tokio::time::sleep(Duration::from_millis(300)).await;
        d.goto(format!("{base}/pyconf-2027/talks/{}", talk.id))
            .await
            .unwrap();
        browser.wait_for("offline — data from", 15).await;
        browser.wait_for(&format!("<h1>{renamed}</h1>"), 5).await;
        let day = p.placements[3]
            .starts_at
            .to_zoned_datetime(p.conference.tz())
            .date();
        d.goto(format!("{base}/pyconf-2027/schedule?day={day}"))
            .await
            .unwrap();
        browser.wait_for(renamed, 15).await;
        browser.quit().await;
    }
);
