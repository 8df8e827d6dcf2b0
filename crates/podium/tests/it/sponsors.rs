//! Sponsors: organizers add and remove them; the conference page shows them by level.

use podium_app::demo::{self, DEMO_ORGANIZER};
use podium_store::Store;
use podium_testkit::csrf_of;

const PAGE: &str = "/pyconf-2027/organizer/sponsors";

on_both_backends!(organizers_add_sponsors_that_show_by_level, |app| {
    demo::load(&*app.store).await.unwrap();
    let cookie = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (status, html) = app.get_with_cookie(PAGE, &cookie).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let add = |fields: Vec<(&'static str, &'static str)>| {
        let mut all = vec![("csrf", csrf.clone())];
        all.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
        all
    };

    // A bad address: refused, everything typed is kept, nothing stored.
    let fields = add(vec![
        ("name", "Chai & Code"),
        ("level", "Gold"),
        ("url", "javascript:alert(1)"),
        ("blurb", "Tea for every attendee"),
    ]);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(PAGE, &refs, Some(&cookie), &[]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Please check the web site"), "{html}");
    assert!(html.contains(r#"value="Tea for every attendee""#));
    assert!(html.contains(r#"value="Chai &amp; Code""#));

    for (name, level, url) in [
        ("Chai & Code", "Gold", "https://chai.example"),
        ("Big Cloud", "Platinum", "https://cloud.example"),
        ("Local Meetup", "Gold", "https://meetup.example"),
    ] {
        let fields = add(vec![("name", name), ("level", level), ("url", url)]);
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.post_form(PAGE, &refs, Some(&cookie), &[]).await;
        assert_eq!(r.status(), 303);
    }
    let (_, page) = app.get("/pyconf-2027/").await;
    let gold = page.find("<h3>Gold</h3>").expect("a Gold heading");
    let platinum = page.find("<h3>Platinum</h3>").expect("a Platinum heading");
    assert!(gold < platinum, "levels in the order given");
    let chai = page.find("Chai &amp; Code").unwrap();
    let meetup = page.find("Local Meetup").unwrap();
    assert!(
        gold < chai && chai < meetup && meetup < platinum,
        "grouped by level"
    );
    assert!(page.contains(r#"href="https://cloud.example""#));

    // Removing one takes it off the page; attendees cannot manage sponsors.
    let id = app
        .store
        .program_by_slug("pyconf-2027")
        .await
        .unwrap()
        .sponsors
        .iter()
        .find(|s| s.name == "Big Cloud")
        .unwrap()
        .id;
    let r = app
        .post_form(
            &format!("{PAGE}/{id}/remove"),
            &[("csrf", &csrf)],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get("/pyconf-2027/").await;
    assert!(!page.contains("Big Cloud"));
    let attendee = app.sign_up("att@example.org").await;
    let (status, _) = app.get_with_cookie(PAGE, &attendee).await;
    assert_eq!(status, 403);
});
