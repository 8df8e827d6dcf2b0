//! No page of the call for proposals issues a query per row: the organizer's ranking, the
//! public proposal list and the reviewer's list take as many SQL statements for 60 proposals
//! (with their reviews, votes and speakers) as for 5. Statements are counted from sqlx's own
//! `sqlx::query` log events, with the server running in this test's process.

use std::sync::atomic::{AtomicUsize, Ordering};

use podium_app::demo::{DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::{NewProposal, Store};
use podium_testkit::TestApp;
use tracing_subscriber::layer::SubscriberExt;

static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

struct Counter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target().starts_with("sqlx::query") {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn install_counter() {
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::Targets::new().with_target("sqlx", tracing::Level::TRACE))
        .with(Counter);
    // One subscriber per process: nextest runs each test in its own.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Statements one GET issues: the fewest seen over five requests, so that the server's own
/// background work (the mail worker's polls, the live watcher) that happens to fall inside one
/// request's window is not counted.
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
