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
        d.find(By::XPath("//button[text()='Run the scheduler']"))
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
