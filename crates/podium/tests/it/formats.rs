//! Formats compared in the organizer's UI: single, multi and mixed grids of the same venue.

use std::time::{Duration, Instant};

use podium_app::demo::{self, DEMO_ORGANIZER};
use podium_testkit::csrf_of;

const PAGE: &str = "/pyconf-2027/organizer/formats";

on_both_backends!(organizers_compare_formats_with_numbers, |app| {
    demo::load(&*app.store).await.unwrap();
    let cookie = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (status, html) = app.get_with_cookie(PAGE, &cookie).await;
    assert_eq!(status, 200);
    assert!(html.contains("80 talks"), "{html}");
    assert!(html.contains("Compare the formats"));
    let csrf = csrf_of(&html);

    // A bad time limit is explained.
    let r = app
        .post_form(
            &format!("{PAGE}/run"),
            &[("csrf", &csrf), ("seconds", "lots")],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("from 1 to 120"));

    let r = app
        .post_form(
            &format!("{PAGE}/run"),
            &[("csrf", &csrf), ("seconds", "1")],
            Some(&cookie),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let deadline = Instant::now() + Duration::from_secs(60);
    let html = loop {
        let (_, html) = app.get_with_cookie(PAGE, &cookie).await;
        if html.contains("<table") {
            break html;
        }
        assert!(!html.contains("failed"), "{html}");
        assert!(Instant::now() < deadline, "the comparison ends");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    for label in ["Single track", "Multi track", "Mixed"] {
        assert!(html.contains(label), "{label} compared");
    }
    assert_eq!(
        html.matches("(best)").count(),
        1,
        "one format is marked best"
    );
    assert!(html.contains("<svg"), "a chart");

    let attendee = app.sign_up("att@example.org").await;
    let (status, _) = app.get_with_cookie(PAGE, &attendee).await;
    assert_eq!(status, 403);
});
