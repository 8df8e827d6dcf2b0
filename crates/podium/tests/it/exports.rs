//! Schedule exports as conference apps and calendars fetch them.

use std::process::Command;

use podium_app::demo;
use podium_store::Store;

/// The shared XSD, when this checkout sits beside `shared/` and xmllint is installed.
fn xsd() -> Option<std::path::PathBuf> {
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/formats/schedule.xml.xsd");
    let has_xmllint = Command::new("xmllint").arg("--version").output().is_ok();
    if xsd.exists() && has_xmllint {
        Some(xsd)
    } else {
        eprintln!(
            "note: ../shared or xmllint is absent; skipping the XSD check (podium-formats tests cover the exporter)"
        );
        None
    }
}

on_both_backends!(exports_are_served_cached_and_revalidated, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let program = app.store.program(conf.id).await.unwrap();
    for (path, content_type, marker) in [
        (
            "/pyconf-2027/schedule.xml",
            "application/xml; charset=utf-8",
            "<schedule",
        ),
        (
            "/pyconf-2027/schedule.json",
            "application/json",
            "\"schedule\"",
        ),
        (
            "/pyconf-2027/schedule.ics",
            "text/calendar; charset=utf-8",
            "BEGIN:VCALENDAR",
        ),
        (
            "/pyconf-2027/schedule.csv",
            "text/csv; charset=utf-8",
            "guid,title",
        ),
    ] {
        let r = app.get_response(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers().get("content-type").unwrap(),
            content_type,
            "{path}"
        );
        let etag = r
            .headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(r.headers().get("last-modified").is_some());
        let body = r.text().await.unwrap();
        assert!(body.contains(marker), "{path}");
        // Every placed talk is in every export, by its stable GUID (iCal: in its UID).
        for t in &program.talks {
            assert!(body.contains(&t.guid), "{path} lacks talk {}", t.id);
        }
        let again = app
            .client
            .get(format!("{}{path}", app.base_url))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} revalidates");
    }
    let ics = app.get("/pyconf-2027/schedule.ics").await.1;
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 80);

    // A release changes the exports at once.
    let old = app
        .get_response("/pyconf-2027/schedule.xml")
        .await
        .headers()
        .get("etag")
        .unwrap()
        .clone();
    let (_, mut wip) = app.store.wip(conf.id).await.unwrap();
    wip.pop();
    app.store.replace_wip(conf.id, &wip).await.unwrap();
    app.store.release(conf.id, "1.1").await.unwrap();
    let r = app.get_response("/pyconf-2027/schedule.xml").await;
    assert_ne!(r.headers().get("etag").unwrap(), &old);
    assert!(r.text().await.unwrap().contains("<version>1.1</version>"));

    if let Some(xsd) = xsd() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("schedule.xml");
        std::fs::write(&file, app.get("/pyconf-2027/schedule.xml").await.1).unwrap();
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
});

on_both_backends!(room_and_track_feeds_hold_only_their_talks, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let p = app.store.program(conf.id).await.unwrap();
    let lab = p.rooms.iter().find(|r| r.name == "Lab").unwrap();
    let ics = app
        .get(&format!("/pyconf-2027/rooms/{}/schedule.ics", lab.id))
        .await
        .1;
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 6, "the six workshops");
    let web = p.tracks.iter().find(|t| t.name == "Web").unwrap();
    let n = p
        .talks
        .iter()
        .filter(|t| t.track_id == Some(web.id))
        .count();
    let ics = app
        .get(&format!("/pyconf-2027/tracks/{}/schedule.ics", web.id))
        .await
        .1;
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), n);
    let (status, _) = app.get("/pyconf-2027/rooms/999999/schedule.ics").await;
    assert_eq!(status, 404);
    let (_, html) = app.get(&format!("/pyconf-2027/tracks/{}", web.id)).await;
    assert!(html.contains(&format!(
        r#"<a href="/pyconf-2027/tracks/{}/schedule.ics">"#,
        web.id
    )));
});

on_both_backends!(a_personal_agenda_feed_follows_the_marked_talks, |app| {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug("pyconf-2027").await.unwrap();
    let p = app.store.program(conf.id).await.unwrap();
    let cookie = app.sign_up("att@example.org").await;
    let (_, account) = app.get_with_cookie("/account", &cookie).await;
    assert!(!account.contains("/agenda/"), "no feed before any mark");
    for t in &p.talks[..2] {
        app.post_form(
            &format!("/pyconf-2027/talks/{}/want", t.id),
            &[],
            Some(&cookie),
            &[],
        )
        .await;
    }
    let (_, account) = app.get_with_cookie("/account", &cookie).await;
    let url = account
        .split(r#"<code class="feed">"#)
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let path = url.strip_prefix("https://podium.test").unwrap();
    assert!(
        path.starts_with("/pyconf-2027/agenda/") && path.ends_with(".ics"),
        "{path}"
    );
    let (status, ics) = app.get(path).await;
    assert_eq!(status, 200);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    for t in &p.talks[..2] {
        assert!(ics.contains(&format!("UID:{}@podium", t.guid)));
    }
    // The same token on a second visit; a wrong one opens nothing.
    let (_, again) = app.get_with_cookie("/account", &cookie).await;
    assert!(again.contains(url));
    assert_eq!(app.get("/pyconf-2027/agenda/0123abcd.ics").await.0, 404);
    assert_eq!(app.get("/pyconf-2027/agenda/nothex.ics").await.0, 404);
});
