//! Kudos and feedback: attendees rate a talk once it has started, speakers read it, organizers
//! see aggregates, moderate kudos and export — on SQLite and PostgreSQL.

use podium_app::demo::{self, DEMO_ORGANIZER};
use podium_domain::{Program, TalkId};
use podium_store::Store;
use podium_testkit::{Backend, TestApp, csrf_of};

const SLUG: &str = "pyconf-2027";

/// 12:00 in Bengaluru on the demo's first day: the morning's talks have started.
fn noon() -> jiff::Timestamp {
    "2027-09-24T12:00:00+05:30".parse().unwrap()
}

/// A talk that started before noon and one that starts after.
fn started_and_later(p: &Program) -> (TalkId, TalkId) {
    let started = p
        .placements
        .iter()
        .find(|pl| pl.starts_at < noon())
        .unwrap();
    let later = p
        .placements
        .iter()
        .find(|pl| pl.starts_at > noon())
        .unwrap();
    (started.talk_id, later.talk_id)
}

async fn send(app: &TestApp, talk: TalkId, cookie: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let page = format!("/{SLUG}/talks/{talk}/feedback");
    // The session's form token (the feedback page has no form while feedback is closed).
    let (_, html) = app.get_with_cookie("/account", cookie).await;
    let csrf = csrf_of(&html);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    let r = app.post_form(&page, &all, Some(cookie), &[]).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn feedback_flows(backend: Backend) {
    let app = TestApp::spawn_at(backend, Some(noon())).await;
    demo::load(&*app.store).await.unwrap();
    let id = app.store.conference_by_slug(SLUG).await.unwrap().id;
    let p = app.store.program(id).await.unwrap();
    let (started, later) = started_and_later(&p);

    // Anonymous visitors are asked to log in; nothing is stored.
    let page = format!("/{SLUG}/talks/{started}/feedback");
    let (status, html) = app.get(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("log in"), "{html}");
    let r = app
        .post_form(&page, &[("csrf", "x"), ("rating", "5")], None, &[])
        .await;
    assert_eq!(r.status(), 303, "to the log-in page");

    let ana = app.sign_up("ana@example.org").await;
    let ben = app.sign_up("ben@example.org").await;

    // Not before the talk starts.
    let (status, html) = send(&app, later, &ana, &[("rating", "5")]).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Feedback opens when the talk starts"),
        "{html}"
    );

    // A bad form keeps what was typed and says what is wrong.
    let (status, html) = send(
        &app,
        started,
        &ana,
        &[
            ("rating", ""),
            ("comment", "Great pacing, slides too small"),
            ("kudos", "Loved it"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Choose a rating from 1 to 5 stars."));
    assert!(
        html.contains("Great pacing, slides too small"),
        "the comment is kept"
    );
    assert!(html.contains(r#"value="Loved it""#), "the kudos are kept");
    let long = "x".repeat(281);
    let (status, _) = send(&app, started, &ana, &[("rating", "4"), ("kudos", &long)]).await;
    assert_eq!(status, 422);
    assert!(app.store.feedback_of(id).await.unwrap().is_empty());

    // Two attendees; sending again replaces, never duplicates.
    for (cookie, rating, comment, kudos) in [
        (&ana, "3", "first try", ""),
        (&ana, "4", "Great pacing, slides too small", "Loved it"),
        (&ben, "2", "", "=HYPERLINK(\"http://evil\")"),
    ] {
        let (status, _) = send(
            &app,
            started,
            cookie,
            &[("rating", rating), ("comment", comment), ("kudos", kudos)],
        )
        .await;
        assert_eq!(status, 303);
    }
    let all = app.store.feedback_of(id).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|f| f.kudos_state == podium_store::KudosState::Pending)
    );

    // Kudos show on the talk page only after an organizer approves them.
    let talk_page = format!("/{SLUG}/talks/{started}");
    let (_, html) = app.get(&talk_page).await;
    assert!(!html.contains("Loved it"));
    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let desk = format!("/{SLUG}/organizer/feedback");
    let (status, html) = app.get_with_cookie(&desk, &organizer).await;
    assert_eq!(status, 200);
    assert!(html.contains("2 kudos waiting for you"), "{html}");
    assert!(html.contains("3.0"), "the mean of 4 and 2");
    let ana_kudos = all.iter().find(|f| f.kudos == "Loved it").unwrap().id;
    let r = app
        .post_form(
            &format!("{desk}/{ana_kudos}/approve"),
            &[("csrf", &csrf_of(&html))],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get(&talk_page).await;
    assert!(html.contains("Loved it"), "approved kudos are public");
    assert!(!html.contains("HYPERLINK"), "pending kudos are not");
    assert!(
        !html.contains("slides too small"),
        "comments are never public"
    );
    // Ana takes her approved kudos back: they leave the (cached) talk page at once.
    let (status, _) = send(
        &app,
        started,
        &ana,
        &[
            ("rating", "4"),
            ("comment", "Great pacing, slides too small"),
            ("kudos", "Loved it, mostly"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = app.get(&talk_page).await;
    assert!(
        !html.contains("Loved it"),
        "changed kudos wait for moderation again"
    );

    // The export has every rating and defuses spreadsheet formulas.
    let r = app
        .client
        .get(format!("{}{desk}.csv", app.base_url))
        .header("cookie", &organizer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{csv}"
    );

    // Attendees cannot moderate or export.
    let (status, _) = app.get_with_cookie(&desk, &ben).await;
    assert_eq!(status, 403);

    // The speaker, once linked to an account, reads the feedback without names.
    let speaker = p.talk(started).unwrap().speaker_ids[0];
    let cara = app.sign_up("cara@example.org").await;
    let (_, mine) = app
        .get_with_cookie(&format!("/{SLUG}/speaker/feedback"), &cara)
        .await;
    assert!(mine.contains("not linked to a speaker"));
    let (_, html) = app.get_with_cookie(&desk, &organizer).await;
    let r = app
        .post_form(
            &format!("{desk}/link"),
            &[
                ("csrf", &csrf_of(&html)),
                ("speaker", &speaker.to_string()),
                ("email", "cara@example.org"),
            ],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, mine) = app
        .get_with_cookie(&format!("/{SLUG}/speaker/feedback"), &cara)
        .await;
    assert_eq!(status, 200);
    assert!(mine.contains("Great pacing, slides too small"), "{mine}");
    assert!(mine.contains("3.0"));
    assert!(!mine.contains("ana@example.org") && !mine.contains("Att Endee"));
}

#[tokio::test]
async fn feedback_on_sqlite() {
    feedback_flows(Backend::Sqlite).await;
}

#[tokio::test]
async fn feedback_on_postgres() {
    feedback_flows(Backend::Postgres).await;
}
