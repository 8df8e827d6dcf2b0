//! The call for proposals over HTTP, speaker and community side: a failed submit keeps every
//! field, a double submit makes one proposal, co-speakers join by emailed link, the community
//! comments (the proposer gets a mail) and votes, staged decisions stay invisible until
//! released, the acceptance mail waits in the outbox, and a confirmed proposal becomes a
//! schedulable talk with its speaker's availability.

use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::{HeldMails, Store};
use podium_testkit::{TestApp, csrf_of};

/// Opens the demo conference's CFP (a day ago, for a month) with the given tweaks.
pub(crate) async fn open_cfp(app: &TestApp, tweak: impl FnOnce(&mut CfpSettings)) -> Conference {
    demo::load(&*app.store).await.unwrap();
    let conference = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let now = jiff::Timestamp::now().as_second();
    let mut settings = CfpSettings {
        opens_at: Some(now - 86_400),
        closes_at: Some(now + 30 * 86_400),
        review_phases: vec![ReviewPhase {
            blind: false,
            ..ReviewPhase::default()
        }],
        ..CfpSettings::default()
    };
    tweak(&mut settings);
    app.store
        .cfp()
        .save_settings(conference.id, &settings)
        .await
        .unwrap();
    conference
}

fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn post(
    app: &TestApp,
    path: &str,
    fields: &[(String, String)],
    cookie: &str,
) -> reqwest::Response {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(path, &refs, Some(cookie), &[]).await
}

fn location(r: &reqwest::Response) -> String {
    podium_testkit::header_of(r, "location")
}

on_both_backends!(a_proposal_goes_from_form_to_schedulable_talk, |app| {
    let conference = open_cfp(&app, |_| {}).await;
    let slug = DEMO_SLUG;
    let speaker = app.sign_up("ada@example.org").await;

    // A submit without abstract, type or level: 422, every typed field kept, problems named.
    let (status, form_html) = app
        .get_with_cookie(&format!("/{slug}/speaker/proposals/new"), &speaker)
        .await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&form_html);
    let token_start = form_html.find(r#"name="form_token" value=""#).unwrap() + 26;
    let form_token = &form_html[token_start..token_start + 64];
    let mut fields = owned(&[
        ("csrf", &csrf),
        ("form_token", form_token),
        ("title", "Async Rust <in> practice"),
        ("notes", "I can bring my own adapter"),
        ("language", "en"),
        ("submit", "1"),
    ]);
    let r = post(
        &app,
        &format!("/{slug}/speaker/proposals/new"),
        &fields,
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Write an abstract"), "{html}");
    assert!(html.contains("Choose a submission type"));
    assert!(html.contains(r#"value="Async Rust &lt;in&gt; practice""#));
    assert!(html.contains("I can bring my own adapter"));
    assert!(
        app.store
            .cfp()
            .proposals(conference.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Fixed and sent twice (a double click): one proposal.
    fields.extend(owned(&[
        ("abstract_md", "How **futures** really work."),
        ("submission_type", "talk"),
        ("level", "intermediate"),
    ]));
    for _ in 0..2 {
        let r = post(
            &app,
            &format!("/{slug}/speaker/proposals/new"),
            &fields,
            &speaker,
        )
        .await;
        assert_eq!(r.status(), 303);
        assert!(location(&r).contains("done=submitted"), "{}", location(&r));
    }
    let proposals = app.store.cfp().proposals(conference.id).await.unwrap();
    assert_eq!(proposals.len(), 1);
    let p = &proposals[0];
    assert_eq!(p.state, ProposalState::Submitted);
    let page = format!("/{slug}/speaker/proposals/{}", p.id);

    // A co-speaker is invited by mail and joins through the link.
    let r = post(
        &app,
        &format!("{page}/speakers"),
        &owned(&[("csrf", &csrf), ("email", "grace@example.org")]),
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 303);
    let mail = app.wait_for_mail("grace@example.org", "co-present").await;
    let join = mail.link("http");
    assert!(
        join.starts_with(&format!("/{slug}/speaker/join/")),
        "{join}"
    );
    let grace = app.sign_up("grace@example.org").await;
    let (_, join_html) = app.get_with_cookie(&join, &grace).await;
    let r = post(
        &app,
        &join,
        &owned(&[("csrf", &csrf_of(&join_html))]),
        &grace,
    )
    .await;
    assert_eq!(r.status(), 303);
    let p = app.store.cfp().proposal(p.id).await.unwrap();
    assert_eq!(p.speakers.iter().filter(|s| s.confirmed).count(), 2);
    // The same link again is refused with a reason.
    let r = post(
        &app,
        &join,
        &owned(&[("csrf", &csrf_of(&join_html))]),
        &grace,
    )
    .await;
    assert_eq!(r.status(), 422);

    // The community: the list shows it; another user comments and votes; the speakers get a
    // mail about the comment.
    let (status, list) = app.get(&format!("/{slug}/proposals")).await;
    assert_eq!(status, 200);
    assert!(list.contains("Async Rust &lt;in&gt; practice"));
    assert!(list.contains("<strong>futures</strong>"));
    let fan = app.sign_up("fan@example.org").await;
    let public_page = format!("/{slug}/proposals/{}", p.id);
    let (_, html) = app.get_with_cookie(&public_page, &fan).await;
    let fan_csrf = csrf_of(&html);
    let r = post(
        &app,
        &format!("{public_page}/comments"),
        &owned(&[
            ("csrf", &fan_csrf),
            ("body", "Would love a *demo*! <script>alert(1)</script>"),
        ]),
        &fan,
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get(&public_page).await;
    assert!(html.contains("<em>demo</em>"), "{html}");
    assert!(!html.contains("<script>alert(1)"), "comments are sanitized");
    app.wait_for_mail("ada@example.org", "New comment").await;
    let r = post(
        &app,
        &format!("{public_page}/vote"),
        &owned(&[("csrf", &fan_csrf), ("value", "1")]),
        &fan,
    )
    .await;
    assert_eq!(r.status(), 303);
    // Positive-only voting: a down vote is refused; the speaker cannot vote for themself.
    let r = post(
        &app,
        &format!("{public_page}/vote"),
        &owned(&[("csrf", &fan_csrf), ("value", "-1")]),
        &fan,
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        &format!("{public_page}/vote"),
        &owned(&[("csrf", &csrf), ("value", "1")]),
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 403);
    let votes = app.store.cfp().votes(conference.id).await.unwrap();
    assert_eq!(votes.len(), 1);
    let (_, html) = app.get(&public_page).await;
    assert!(
        html.contains(r#"<span class="count">1</span> want to see this"#),
        "{html}"
    );

    // The speaker says when they can speak: only the first conference day, 10:00–12:00.
    let (_, profile) = app
        .get_with_cookie(&format!("/{slug}/speaker/profile"), &speaker)
        .await;
    let day = conference.start_date.to_string();
    let r = post(
        &app,
        &format!("/{slug}/speaker/profile"),
        &owned(&[
            ("csrf", &csrf_of(&profile)),
            ("name", "Ada Lovelace"),
            ("bio_md", "Writes the first programs."),
            ("links", "https://ada.example"),
            ("availability", "windows"),
            (&format!("day_{day}"), "on"),
            (&format!("from_{day}"), "10:00"),
            (&format!("to_{day}"), "12:00"),
        ]),
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 303);

    // The organizer stages an acceptance: the speaker still sees "Submitted".
    app.store
        .cfp()
        .stage(conference.id, &[p.id], Some(Decision::Accepted))
        .await
        .unwrap();
    let (_, html) = app.get_with_cookie(&page, &speaker).await;
    assert!(
        html.contains(r#"<strong class="proposal-state">Submitted</strong>"#),
        "{html}"
    );
    assert!(
        !html.to_lowercase().contains("accepted"),
        "staged decisions are invisible"
    );

    // Released: the acceptance mails wait, held, in the outbox until the organizer sends them.
    let released =
        podium_app::cfp::release_decisions(&*app.store, &conference, "http://podium.test")
            .await
            .unwrap();
    assert_eq!(released, 1);
    let outbox = app.store.outbox(conference.id).await.unwrap();
    let held: Vec<_> = outbox.iter().filter(|m| m.kind == "cfp.accepted").collect();
    assert_eq!(held.len(), 2, "one per speaker: {outbox:?}");
    app.store
        .send_held(conference.id, HeldMails::All)
        .await
        .unwrap();
    let accepted = app.wait_for_mail("ada@example.org", "is accepted").await;
    assert!(
        accepted
            .body()
            .contains(&format!("/{slug}/speaker/proposals/{}", p.id))
    );

    // The speaker confirms: a talk with both speakers, unplaced, and Ada's window reaches the
    // engine as unavailability outside 10:00–12:00 of day one.
    let (_, html) = app.get_with_cookie(&page, &speaker).await;
    assert!(html.contains("Confirm: I will give this talk"));
    let r = post(
        &app,
        &format!("{page}/confirm"),
        &owned(&[("csrf", &csrf), ("answer", "confirm")]),
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 303);
    let p = app.store.cfp().proposal(p.id).await.unwrap();
    assert_eq!(p.state, ProposalState::Confirmed);
    let talk = p.talk.expect("a talk");
    let program = app.store.program(conference.id).await.unwrap();
    let t = program.talks.iter().find(|t| t.id == talk).unwrap();
    assert_eq!(t.title, "Async Rust <in> practice");
    assert_eq!(t.duration_min, 30);
    assert_eq!(t.speaker_ids.len(), 2);
    let ada = program
        .speakers
        .iter()
        .find(|s| s.name == "Ada Lovelace")
        .unwrap();
    assert!(t.speaker_ids.contains(&ada.id));
    assert_eq!(ada.available.len(), 1);
    let prepared = podium_app::schedule::prepare(&*app.store, conference.id, Default::default())
        .await
        .unwrap();
    let engine_ada = prepared
        .instance
        .speakers
        .iter()
        .find(|s| s.name == "Ada Lovelace")
        .unwrap();
    assert!(!engine_ada.unavailable.is_empty());
    assert!(
        engine_ada
            .unavailable
            .iter()
            .any(|w| w.end.ends_with("T10:00")),
        "{:?}",
        engine_ada.unavailable
    );
    // The fan's positive vote is now a want for that talk.
    let wants = app.store.wants(conference.id).await.unwrap();
    assert!(wants.iter().any(|(_, talks)| talks.contains(&talk)));
    // Withdrawing a confirmed talk is not offered.
    let r = post(
        &app,
        &format!("{page}/withdraw"),
        &owned(&[("csrf", &csrf)]),
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 422);
});

on_both_backends!(closed_cfp_keeps_drafts_and_refuses_submissions, |app| {
    let conference = open_cfp(&app, |s| {
        let now = jiff::Timestamp::now().as_second();
        s.opens_at = Some(now + 86_400);
        s.closes_at = Some(now + 2 * 86_400);
    })
    .await;
    let slug = DEMO_SLUG;
    let speaker = app.sign_up("early@example.org").await;
    let (_, html) = app
        .get_with_cookie(&format!("/{slug}/speaker/proposals/new"), &speaker)
        .await;
    let csrf = csrf_of(&html);
    let base = owned(&[
        ("csrf", &csrf),
        ("form_token", "t1"),
        ("title", "Early bird"),
        ("abstract_md", "Ready before the CFP opens."),
        ("submission_type", "talk"),
        ("level", "beginner"),
    ]);
    let mut submit = base.clone();
    submit.push(("submit".into(), "1".into()));
    let r = post(
        &app,
        &format!("/{slug}/speaker/proposals/new"),
        &submit,
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("opens on"), "{html}");
    assert!(html.contains("Ready before the CFP opens."));
    let mut draft = base.clone();
    draft.push(("draft".into(), "1".into()));
    let r = post(
        &app,
        &format!("/{slug}/speaker/proposals/new"),
        &draft,
        &speaker,
    )
    .await;
    assert_eq!(r.status(), 303);
    let proposals = app.store.cfp().proposals(conference.id).await.unwrap();
    assert_eq!(proposals[0].state, ProposalState::Draft);
    // Drafts are not public, and other users cannot open them.
    let (_, list) = app.get(&format!("/{slug}/proposals")).await;
    assert!(!list.contains("Early bird"));
    let (status, _) = app
        .get(&format!("/{slug}/proposals/{}", proposals[0].id))
        .await;
    assert_eq!(status, 404);
    let other = app.sign_up("other@example.org").await;
    let (status, _) = app
        .get_with_cookie(
            &format!("/{slug}/speaker/proposals/{}", proposals[0].id),
            &other,
        )
        .await;
    assert_eq!(status, 404);
    // The organizer's account sees the CFP page say when it opens.
    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let (_, html) = app
        .get_with_cookie(&format!("/{slug}/cfp"), &organizer)
        .await;
    assert!(html.contains("opens on"), "{html}");
});

on_both_backends!(blind_and_random_voting, |app| {
    let conference = open_cfp(&app, |s| {
        s.blind_votes = true;
        s.random_order = true;
        s.voting = VotingMode::Updown;
        s.review_phases[0].blind = true;
    })
    .await;
    let owner = app.sign_up("owner@example.org").await;
    let owner_id = app
        .store
        .credentials("owner@example.org")
        .await
        .unwrap()
        .user;
    for i in 0..12 {
        app.store
            .cfp()
            .create_proposal(&podium_store::NewProposal {
                conference: conference.id,
                owner: owner_id,
                owner_email: "owner@example.org".into(),
                form: ProposalForm {
                    title: format!("Proposal number {i:02}"),
                    abstract_md: "Abstract".into(),
                    submission_type: "talk".into(),
                    level: "beginner".into(),
                    ..Default::default()
                },
                submit: true,
                form_token: format!("tok{i}"),
            })
            .await
            .unwrap();
    }
    let _ = owner;
    let order = |html: &str| -> Vec<usize> {
        (0..12)
            .map(|i| html.find(&format!("Proposal number {i:02}")).unwrap())
            .collect()
    };
    let a = app.sign_up("a@example.org").await;
    let b = app.sign_up("b@example.org").await;
    let (_, list_a) = app
        .get_with_cookie(&format!("/{DEMO_SLUG}/proposals"), &a)
        .await;
    let (_, list_a2) = app
        .get_with_cookie(&format!("/{DEMO_SLUG}/proposals"), &a)
        .await;
    let (_, list_b) = app
        .get_with_cookie(&format!("/{DEMO_SLUG}/proposals"), &b)
        .await;
    assert_eq!(order(&list_a), order(&list_a2), "stable per voter");
    assert_ne!(
        order(&list_a),
        order(&list_b),
        "each voter has their own order"
    );
    // Blind: a down vote is allowed (±1 mode) and no counts show while voting is open.
    let p = app.store.cfp().proposals(conference.id).await.unwrap()[0].id;
    let r = post(
        &app,
        &format!("/{DEMO_SLUG}/proposals/{p}/vote"),
        &owned(&[("csrf", &csrf_of(&list_a)), ("value", "-1")]),
        &a,
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.get(&format!("/{DEMO_SLUG}/proposals/{p}")).await;
    assert!(!page.contains(r#"class="count""#), "blind: no counts");
    // Blind review hides the speaker's name from the public pages too.
    assert!(
        !list_a.contains("Att Endee"),
        "no speaker names in blind mode"
    );
});
