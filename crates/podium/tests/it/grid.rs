//! The slot grid builder: a day template applied to chosen days and rooms, all or nothing.

use podium_store::Store;
use podium_testkit::csrf_of;
use podium_testkit::fixture::two_day_program;

const PAGE: &str = "/grid/organizer/grid";

on_both_backends!(organizers_build_the_grid_from_a_day_template, |app| {
    let new = two_day_program("grid", "Europe/Berlin", "2027-03-27", "A", "B");
    let id = app.store.create_program(&new).await.unwrap();
    let cookie = app.sign_up("org@example.org").await;
    let user = app.store.credentials("org@example.org").await.unwrap().user;
    app.store
        .grant_role(user, id, podium_domain::Role::Organizer)
        .await
        .unwrap();
    let (status, html) = app.get_with_cookie(PAGE, &cookie).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let post = |path: &'static str, fields: Vec<(String, String)>| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            app.post_form(path, &refs, Some(&cookie), &[]).await
        }
    };
    let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut v = vec![("csrf".to_owned(), csrf.clone())];
        v.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        v
    };

    // A room with its seats and features.
    let r = post(
        "/grid/organizer/grid/rooms",
        f(&[
            ("room_name", "Annex"),
            ("room_capacity", "40"),
            ("room_features", "projector, step-free"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let p = app.store.program(id).await.unwrap();
    let annex = p.rooms.iter().find(|r| r.name == "Annex").unwrap();
    assert_eq!((annex.capacity, annex.features.len()), (40, 2));
    let hall = p.rooms.iter().find(|r| r.name == "Hall").unwrap();
    let room_annex = format!("room_{}", annex.id);
    let room_hall = format!("room_{}", hall.id);
    let sessions_before = p.sessions.len();

    // Too little hallway time: refused, with the reason and everything typed kept.
    let r = post(
        PAGE,
        f(&[
            ("day_2027-03-27", "on"),
            (&room_annex, "on"),
            ("sessions", "13:00-14:00\n14:15-15:00"),
            ("breaks", "14:00-14:15 Coffee"),
            ("slot_minutes", "15"),
            ("hallway", "30"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("only 15 minutes between 14:00 and 14:15"),
        "{html}"
    );
    assert!(
        html.contains("13:00-14:00\n14:15-15:00"),
        "the template is kept"
    );

    // A good template: two sessions cut into 15-minute slots, and the break.
    let r = post(
        PAGE,
        f(&[
            ("day_2027-03-27", "on"),
            (&room_annex, "on"),
            ("sessions", "13:00-14:00\n14:15-15:00"),
            ("breaks", "14:00-14:15 Coffee"),
            ("slot_minutes", "15"),
            ("hallway", "15"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let p = app.store.program(id).await.unwrap();
    assert_eq!(p.sessions.len(), sessions_before + 2);
    let new: Vec<_> = p
        .sessions
        .iter()
        .filter(|s| s.room_id == annex.id)
        .collect();
    let slots: usize = new
        .iter()
        .map(|s| p.slots.iter().filter(|x| x.session_id == s.id).count())
        .sum();
    assert_eq!(slots, 4 + 3);
    assert!(p.breaks.iter().any(|b| b.label == "Coffee"));
    assert_eq!(
        new[0].starts_at.to_string(),
        "2027-03-27T12:00:00Z",
        "13:00 in Berlin, a day before summer time starts"
    );

    // Overlapping the fixture's 10:00–12:00 session in the Hall: nothing is added, not even
    // the Annex sessions of the same template.
    let r = post(
        PAGE,
        f(&[
            ("day_2027-03-28", "on"),
            (&room_annex, "on"),
            (&room_hall, "on"),
            ("sessions", "11:00-12:00"),
            ("slot_minutes", "30"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Nothing was added: Hall already has a session"),
        "{html}"
    );
    assert_eq!(
        app.store.program(id).await.unwrap().sessions.len(),
        sessions_before + 2
    );

    // A per-room exception: remove one session.
    let r = post(
        "/grid/organizer/grid/remove",
        f(&[("session", &new[1].id.to_string())]),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.program(id).await.unwrap().sessions.len(),
        sessions_before + 1
    );

    let other = app.sign_up("att@example.org").await;
    let (status, _) = app.get_with_cookie(PAGE, &other).await;
    assert_eq!(status, 403);
});
