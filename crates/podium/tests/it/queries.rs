//! No page of the call for proposals issues a query per row: the organizer's ranking, the
//! public proposal list and the reviewer's list take as many SQL statements for 60 proposals
//! (with their reviews, votes and speakers) as for 5. Statements are counted from sqlx's own
//! `sqlx::query` log events, with the server running in this test's process.
//!
//! Public pages and exports, once warm, issue none at all.

use std::sync::atomic::{AtomicUsize, Ordering};

use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::{NewProposal, Store};
use podium_testkit::TestApp;
use tracing_subscriber::layer::SubscriberExt;

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

struct Counter;

impl<S> tracing_subscriber::Layer<S> for Counter
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        // Only statements issued while serving a request (tower-http's `request` span): the
        // server's background work (the mail worker's polls, heartbeats) is not counted.
        let in_request = ctx
            .event_scope(event)
            .is_some_and(|mut scope| scope.any(|span| span.name() == "request"));
        if event.metadata().target().starts_with("sqlx::query") && in_request {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn install_counter() {
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::filter::Targets::new()
                .with_target("sqlx", tracing::Level::TRACE)
                .with_target("tower_http", tracing::Level::DEBUG),
        )
        .with(Counter);
    // One subscriber per process: nextest runs each test in its own.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Statements one GET issues: the fewest seen over five requests, so that a once-a-second
/// check of the program cache that happens to fall on one request is not counted.
async fn statements_of(app: &TestApp, path: &str, cookie: &str) -> usize {
    // Warm the caches (program, settings) so both sizes are measured the same way.
    let (status, _) = app.get_with_cookie(path, cookie).await;
    assert_eq!(status, 200, "{path}");
    let mut fewest = usize::MAX;
    for _ in 0..5 {
        let before = STATEMENTS.load(Ordering::SeqCst);
        let (status, _) = app.get_with_cookie(path, cookie).await;
        assert_eq!(status, 200, "{path}");
        fewest = fewest.min(STATEMENTS.load(Ordering::SeqCst) - before);
    }
    fewest
}

async fn add_proposals(
    app: &TestApp,
    conference: ConferenceId,
    from: usize,
    to: usize,
    voters: &[UserId],
    reviewer: UserId,
) {
    let owner = app
        .store
        .credentials("owner@example.org")
        .await
        .unwrap()
        .user;
    let cfp = app.store.cfp();
    for i in from..to {
        let (id, _) = cfp
            .create_proposal(&NewProposal {
                conference,
                owner,
                owner_email: "owner@example.org".into(),
                form: ProposalForm {
                    title: format!("Proposal {i}"),
                    abstract_md: "Abstract".into(),
                    submission_type: "talk".into(),
                    level: "beginner".into(),
                    ..Default::default()
                },
                submit: true,
                form_token: format!("t{i}"),
            })
            .await
            .unwrap();
        for v in voters {
            cfp.vote(id, *v, Some(1)).await.unwrap();
        }
        cfp.save_review(&Review {
            proposal: id,
            reviewer,
            scores: vec![("content".into(), 2), ("fit".into(), 1)],
            text: "ok".into(),
            abstain: false,
            updated_at: 0,
        })
        .await
        .unwrap();
        cfp.invite_speaker(id, &format!("co{i}@example.org"), &format!("hash{i}"))
            .await
            .unwrap();
    }
}

on_both_backends!(cfp_pages_issue_no_query_per_row, |app| {
    if std::env::var_os("NEXTEST_RUN_ID").is_none() {
        eprintln!(
            "skipped: counting statements needs a process of its own (run with cargo nextest)"
        );
        return;
    }
    install_counter();
    let conference = crate::cfp::open_cfp(&app, |_| {}).await;
    app.sign_up("owner@example.org").await;
    let mut voters = Vec::new();
    for i in 0..3 {
        app.sign_up(&format!("voter{i}@example.org")).await;
        voters.push(
            app.store
                .credentials(&format!("voter{i}@example.org"))
                .await
                .unwrap()
                .user,
        );
    }
    let reviewer_cookie = app.sign_up("reviewer@example.org").await;
    let reviewer = app
        .store
        .credentials("reviewer@example.org")
        .await
        .unwrap()
        .user;
    app.store
        .grant_role(reviewer, conference.id, Role::Reviewer)
        .await
        .unwrap();
    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let pages = [
        (
            format!("/{DEMO_SLUG}/organizer/proposals"),
            organizer.clone(),
        ),
        (
            format!("/{DEMO_SLUG}/organizer/proposals.csv"),
            organizer.clone(),
        ),
        (format!("/{DEMO_SLUG}/proposals"), reviewer_cookie.clone()),
        (format!("/{DEMO_SLUG}/review"), reviewer_cookie.clone()),
    ];
    add_proposals(&app, conference.id, 0, 5, &voters, reviewer).await;
    let mut small = Vec::new();
    for (path, cookie) in &pages {
        small.push(statements_of(&app, path, cookie).await);
    }
    add_proposals(&app, conference.id, 5, 60, &voters, reviewer).await;
    for ((path, cookie), few) in pages.iter().zip(small) {
        let many = statements_of(&app, path, cookie).await;
        assert!(few > 0, "{path}: statements were counted");
        assert_eq!(
            many, few,
            "{path}: {few} statements for 5 proposals, {many} for 60"
        );
    }
});

// Public pages and exports are served from memory: once warm, a visitor's request issues no
// SQL at all. A change written by this server shows on the very next request; one written by
// another process (a second store on the same database, as `podium import` or another
// instance would) shows once the cache's trust interval has passed.
on_both_backends!(public_pages_do_not_touch_the_database, |app| {
    if std::env::var_os("NEXTEST_RUN_ID").is_none() {
        eprintln!(
            "skipped: counting statements needs a process of its own (run with cargo nextest)"
        );
        return;
    }
    install_counter();
    demo::load(&*app.store).await.unwrap();
    let conference = app.store.conference_by_slug(DEMO_SLUG).await.unwrap().id;
    let talk = app.store.program(conference).await.unwrap().talks[0].id.0;
    for path in [
        format!("/{DEMO_SLUG}/"),
        format!("/{DEMO_SLUG}/schedule"),
        format!("/{DEMO_SLUG}/talks/{talk}"),
        format!("/{DEMO_SLUG}/schedule.json"),
        format!("/{DEMO_SLUG}/schedule.xml"),
        format!("/{DEMO_SLUG}/schedule.ics"),
    ] {
        assert_eq!(statements_of(&app, &path, "").await, 0, "{path}");
    }

    let sponsor = |name: &str| NewSponsor {
        name: name.into(),
        level: "Gold".into(),
        url: "https://sponsor.example".into(),
        logo_url: None,
        blurb: String::new(),
    };
    let home = format!("/{DEMO_SLUG}/");
    app.store
        .add_sponsor(conference, &sponsor("Written Here Ltd"))
        .await
        .unwrap();
    let (_, page) = app.get(&home).await;
    assert!(
        page.contains("Written Here Ltd"),
        "the next request shows it"
    );

    let elsewhere = podium_store::SqlStore::connect(&app.database_url)
        .await
        .unwrap();
    elsewhere
        .add_sponsor(conference, &sponsor("Written Elsewhere Ltd"))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + podium_store::TRUST_CACHE_FOR * 5;
    loop {
        let (_, page) = app.get(&home).await;
        if page.contains("Written Elsewhere Ltd") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "another process's change shows within the trust interval"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
});
