//! The store's behaviour, identical on SQLite and PostgreSQL.

use podium_domain::Role;
use podium_store::{NewUser, Store, StoreError};
use podium_testkit::fixture::two_day_program;

on_both_backends!(program_round_trips, |app| {
    let new = two_day_program(
        "round",
        "Asia/Kolkata",
        "2027-02-01",
        "Abstract **md**",
        "Bio",
    );
    let id = app.store.create_program(&new).await.unwrap();
    let p = app.store.program(id).await.unwrap();
    assert_eq!(p.conference.slug.as_str(), "round");
    assert_eq!(p.conference.timezone, "Asia/Kolkata");
    assert_eq!(p.conference.start_date.to_string(), "2027-02-01");
    assert_eq!(
        p.rooms
            .iter()
            .map(|r| (r.name.as_str(), r.capacity, r.features.clone()))
            .collect::<Vec<_>>(),
        vec![("Hall", 100, vec!["recording".to_owned()])]
    );
    assert_eq!(p.talks.len(), 2);
    assert_eq!(p.talks[0].abstract_md, "Abstract **md**");
    assert_eq!(p.talks[0].speaker_ids, vec![p.speakers[0].id]);
    assert_eq!(p.talks[0].guid, podium_domain::derive_guid("round", "t1"));
    assert_eq!(
        p.speakers[0].links,
        vec!["https://ada.example", "javascript:alert(1)"]
    );
    assert_eq!(p.sessions.len(), 2);
    assert_eq!(p.slots.len(), 8, "two 2-hour sessions of 30-minute slots");
    assert_eq!(p.breaks.len(), 1);
    assert_eq!(
        p.version.as_ref().and_then(|v| v.name.clone()),
        Some("1.0".to_owned())
    );
    assert_eq!(p.placements.len(), 2);
    assert_eq!(
        p.placements[0].starts_at.to_string(),
        "2027-02-01T04:30:00Z"
    );
});

on_both_backends!(slug_is_unique, |app| {
    let new = two_day_program("dup", "UTC", "2027-02-01", "A", "B");
    app.store.create_program(&new).await.unwrap();
    let err = app.store.create_program(&new).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(app.store.list_conferences().await.unwrap().len(), 1);
});

on_both_backends!(a_failed_program_leaves_nothing_behind, |app| {
    let mut new = two_day_program("atomic", "UTC", "2027-02-01", "A", "B");
    // Same GUID twice passes validation but breaks a database constraint mid-way.
    new.talks[0].guid = Some("same".to_owned());
    new.talks[1].guid = Some("same".to_owned());
    let err = app.store.create_program(&new).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert!(
        app.store.list_conferences().await.unwrap().is_empty(),
        "rolled back"
    );
    assert!(matches!(
        app.store.conference_by_slug("atomic").await,
        Err(StoreError::NotFound(_))
    ));
});

on_both_backends!(invalid_programs_are_refused_before_writing, |app| {
    let mut new = two_day_program("bad", "UTC", "2027-02-01", "A", "B");
    new.conference.timezone = "Mars/Base".to_owned();
    let err = app.store.create_program(&new).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "conference: unknown time zone \"Mars/Base\" (use an IANA name such as Europe/Berlin)"
    );
    new.conference.timezone = "UTC".to_owned();
    new.placements[1].starts_at = new.placements[0].starts_at;
    let err = app.store.create_program(&new).await.unwrap_err();
    assert_eq!(err.to_string(), "talks t1 and t2 overlap in room hall");
    assert!(app.store.list_conferences().await.unwrap().is_empty());
});

on_both_backends!(users_and_roles, |app| {
    let conf = app
        .store
        .create_program(&two_day_program("roles", "UTC", "2027-02-01", "A", "B"))
        .await
        .unwrap();
    let user = NewUser {
        email: "Ada@Example.org".into(),
        name: "Ada".into(),
        password_hash: None,
    };
    let ada = app.store.create_user(&user).await.unwrap();
    let again = NewUser {
        email: "ada@example.org".into(),
        ..user
    };
    assert!(
        matches!(
            app.store.create_user(&again).await,
            Err(StoreError::Conflict { .. })
        ),
        "emails are case-insensitive"
    );
    app.store
        .grant_role(ada, conf, Role::Reviewer)
        .await
        .unwrap();
    app.store
        .grant_role(ada, conf, Role::Organizer)
        .await
        .unwrap();
    app.store
        .grant_role(ada, conf, Role::Organizer)
        .await
        .unwrap();
    assert_eq!(
        app.store.roles(ada, conf).await.unwrap(),
        vec![Role::Organizer, Role::Reviewer]
    );
});

on_both_backends!(unknown_conference_is_not_found, |app| {
    assert!(matches!(
        app.store.conference_by_slug("ghost").await,
        Err(StoreError::NotFound("conference"))
    ));
    assert!(matches!(
        app.store.program(podium_domain::ConferenceId(424242)).await,
        Err(StoreError::NotFound(_))
    ));
});

on_both_backends!(
    programs_are_cached_until_their_revision_changes_or_a_second_passes,
    |app| {
        app.store
            .create_program(&two_day_program("cached", "UTC", "2027-02-01", "A", "B"))
            .await
            .unwrap();
        let first = app.store.program_by_slug("cached").await.unwrap();
        let again = app.store.program_by_slug("cached").await.unwrap();
        assert!(
            std::sync::Arc::ptr_eq(&first, &again),
            "unchanged revision is served from memory"
        );

        // Another instance (here: plain SQL) changes the program and bumps the revision.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
        sqlx::query(
        "UPDATE conferences SET name = 'Renamed', revision = revision + 1 WHERE slug = 'cached'",
    )
    .execute(&pool)
    .await
    .unwrap();
        pool.close().await;
        // Told of it (as the Redis bus does), the store checks the revision on the next read.
        app.store.changed_elsewhere();
        let fresh = app.store.program_by_slug("cached").await.unwrap();
        assert_eq!(fresh.conference.name, "Renamed");
        let (_, html) = app.get("/cached/").await;
        assert!(html.contains("<h1>Renamed</h1>"));

        // Not told, it sees the change once the trust interval has passed.
        let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
        sqlx::query(
        "UPDATE conferences SET name = 'Renamed again', revision = revision + 1 WHERE slug = 'cached'",
    )
    .execute(&pool)
    .await
    .unwrap();
        pool.close().await;
        tokio::time::sleep(podium_store::TRUST_CACHE_FOR).await;
        let fresh = app.store.program_by_slug("cached").await.unwrap();
        assert_eq!(fresh.conference.name, "Renamed again");
        assert!(matches!(
            app.store.program_by_slug("nope").await,
            Err(StoreError::NotFound(_))
        ));
    }
);

// Writes that read first (feedback reads the earlier kudos before writing) run at the same
// time on SQLite: each waits for the write lock instead of failing with "database is locked"
// when another committed after it began (WAL cannot upgrade a stale read snapshot).
on_both_backends!(concurrent_read_then_write_transactions_all_succeed, |app| {
    let id = app
        .store
        .create_program(&two_day_program("busy", "UTC", "2027-02-01", "A", "B"))
        .await
        .unwrap();
    let talk = app.store.program(id).await.unwrap().talks[0].id;
    let mut users = Vec::new();
    for i in 0..24 {
        users.push(
            app.store
                .create_user(&NewUser {
                    email: format!("u{i}@example.org"),
                    name: format!("User {i}"),
                    password_hash: None,
                })
                .await
                .unwrap(),
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, user) in users.into_iter().enumerate() {
        let store = app.store.clone();
        tasks.spawn(async move {
            store
                .save_feedback(&podium_store::NewFeedback {
                    talk,
                    user,
                    rating: 1 + (i % 5) as i64,
                    comment: String::new(),
                    kudos: format!("kudos {i}"),
                })
                .await
        });
    }
    let results = tasks.join_all().await;
    let failed: Vec<_> = results.iter().filter(|r| r.is_err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(app.store.feedback_of(id).await.unwrap().len(), 24);
});

// Vote counts are kept by triggers as votes are cast, changed and taken back (and when rows
// arrive by plain SQL, as a restore or a bulk load writes them); a conference's reviews are
// kept in memory by review revision, so a review saved by another process shows at once.
on_both_backends!(vote_counts_and_cached_reviews_follow_every_write, |app| {
    use podium_domain::*;
    let conference = crate::cfp::open_cfp(&app, |_| {}).await.id;
    let mut users = Vec::new();
    for i in 0..4 {
        users.push(
            app.store
                .create_user(&NewUser {
                    email: format!("v{i}@example.org"),
                    name: format!("Voter {i}"),
                    password_hash: None,
                })
                .await
                .unwrap(),
        );
    }
    let cfp = app.store.cfp();
    let (proposal, _) = cfp
        .create_proposal(&podium_store::NewProposal {
            conference,
            owner: users[0],
            owner_email: "v0@example.org".into(),
            form: ProposalForm {
                title: "Counted".into(),
                abstract_md: "An abstract.".into(),
                submission_type: "talk".into(),
                level: "beginner".into(),
                ..Default::default()
            },
            submit: true,
            form_token: "counted".into(),
        })
        .await
        .unwrap();
    let counts = || async { cfp.vote_counts(conference).await.unwrap() };
    assert_eq!(counts().await, []);
    cfp.vote(proposal, users[1], Some(1)).await.unwrap();
    cfp.vote(proposal, users[2], Some(1)).await.unwrap();
    cfp.vote(proposal, users[3], Some(-1)).await.unwrap();
    assert_eq!(counts().await, [(proposal, 2, 1)]);
    cfp.vote(proposal, users[3], Some(1)).await.unwrap();
    assert_eq!(counts().await, [(proposal, 3, 0)], "a changed vote moves");
    cfp.vote(proposal, users[1], None).await.unwrap();
    assert_eq!(counts().await, [(proposal, 2, 0)], "a vote taken back");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("INSERT INTO proposal_votes (proposal_id, user_id, value, created_at) VALUES ($1, $2, -1, 0)")
        .bind(proposal.0)
        .bind(users[0].0)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(counts().await, [(proposal, 2, 1)], "a row written by SQL");
    sqlx::query("DELETE FROM proposal_votes WHERE proposal_id = $1")
        .bind(proposal.0)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(counts().await, [], "all gone");
    pool.close().await;

    let review = |scores: i64| Review {
        proposal,
        reviewer: users[1],
        scores: vec![("content".into(), scores), ("fit".into(), 1)],
        text: "Fine.".into(),
        abstain: false,
        updated_at: 0,
    };
    assert!(cfp.reviews(conference).await.unwrap().is_empty());
    let elsewhere = podium_store::SqlStore::connect(&app.database_url)
        .await
        .unwrap();
    elsewhere.cfp().save_review(&review(2)).await.unwrap();
    let seen = cfp.reviews(conference).await.unwrap();
    assert_eq!(seen.len(), 1, "another process's review shows at once");
    assert_eq!(seen[0].scores[0].1, 2);
    elsewhere.cfp().save_review(&review(3)).await.unwrap();
    assert_eq!(
        cfp.reviews(conference).await.unwrap()[0].scores[0].1,
        3,
        "and its change"
    );

    // A proposal deleted (by hand: the application never deletes one) takes its reviews and
    // votes along, and the cache notices; deleting the whole conference still works.
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("DELETE FROM proposals WHERE id = $1")
        .bind(proposal.0)
        .execute(&pool)
        .await
        .unwrap();
    assert!(cfp.reviews(conference).await.unwrap().is_empty());
    sqlx::query("DELETE FROM conferences WHERE id = $1")
        .bind(conference.0)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
});
