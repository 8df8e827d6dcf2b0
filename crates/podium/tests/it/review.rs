//! Review and selection over HTTP: the organizer's CFP settings form, reviewer assignment with
//! teams and conflicts, blind review, the review form, other reviews per phase, the ranking,
//! staging and releasing decisions into the outbox, the CSV export, and who is refused.

use std::sync::Arc;

use podium_domain::*;
use podium_store::{MailStatus, NewProposal, NewUser, Store};
use podium_testkit::fixture::two_day_program;
use podium_testkit::{TestApp, csrf_of};

const SLUG: &str = "revconf";

/// A conference with tracks "Web" and "Data", and its organizer's session.
struct World {
    conf: ConferenceId,
    web: TrackId,
    data: TrackId,
    organizer: String,
}

/// A user with a session (made through the store: no log-in form, no rate limit).
async fn person(app: &TestApp, email: &str, name: &str) -> (UserId, String) {
    let user = app
        .store
        .create_user(&NewUser {
            email: email.to_owned(),
            name: name.to_owned(),
            password_hash: None,
        })
        .await
        .unwrap();
    let store: Arc<dyn Store> = app.store.clone();
    let token = podium_app::account::Sessions::new(store, None)
        .start(user)
        .await
        .unwrap();
    (user, format!("podium_session={token}"))
}

async fn world(app: &TestApp, slug: &str) -> World {
    let mut program = two_day_program(slug, "Europe/Berlin", "2027-03-27", "A", "B");
    program.tracks.push(NewTrack {
        key: "data".to_owned(),
        name: "Data".to_owned(),
        colour: "#aa3300".to_owned(),
        description: "Data things.".to_owned(),
    });
    let conf = app.store.create_program(&program).await.unwrap();
    let tracks = app.store.program(conf).await.unwrap().tracks;
    let id = |name: &str| tracks.iter().find(|t| t.name == name).unwrap().id;
    let (org, organizer) = person(app, &format!("org@{slug}.example"), "Olga Organizer").await;
    app.store
        .grant_role(org, conf, Role::Organizer)
        .await
        .unwrap();
    World {
        conf,
        web: id("Web"),
        data: id("Data"),
        organizer,
    }
}

async fn reviewer(app: &TestApp, w: &World, email: &str, name: &str) -> (UserId, String) {
    let (u, cookie) = person(app, email, name).await;
    app.store
        .grant_role(u, w.conf, Role::Reviewer)
        .await
        .unwrap();
    (u, cookie)
}

/// A submitted proposal by `owner`.
async fn propose(
    app: &TestApp,
    w: &World,
    owner: (UserId, &str),
    title: &str,
    track: Option<TrackId>,
) -> ProposalId {
    let (id, created) = app
        .store
        .cfp()
        .create_proposal(&NewProposal {
            conference: w.conf,
            owner: owner.0,
            owner_email: owner.1.to_owned(),
            form: ProposalForm {
                title: title.to_owned(),
                abstract_md: format!("All about *{title}*."),
                description_md: "A longer description.".to_owned(),
                notes: String::new(),
                submission_type: "talk".to_owned(),
                track,
                level: "beginner".to_owned(),
                language: "en".to_owned(),
                answers: Vec::new(),
            },
            submit: true,
            form_token: format!("token-{title}"),
        })
        .await
        .unwrap();
    assert!(created);
    id
}

async fn settings(app: &TestApp, w: &World, change: impl FnOnce(&mut CfpSettings)) {
    let cfp = app.store.cfp();
    let mut s = cfp.settings(w.conf).await.unwrap();
    change(&mut s);
    cfp.save_settings(w.conf, &s).await.unwrap();
}

async fn post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post_form(path, fields, Some(cookie), &[]).await
}

fn location(r: &reqwest::Response) -> String {
    podium_testkit::header_of(r, "location")
}

/// Every field of the settings form, as the settings page would send them.
fn settings_fields(csrf: &str, web: TrackId) -> Vec<(String, String)> {
    let web = web.0.to_string();
    [
        ("csrf", csrf),
        ("opens_at", "2027-01-10T09:00"),
        ("closes_at", "2027-02-15 23:59"),
        ("voting_closes_at", ""),
        (
            "submission_types",
            "talk | Talk | 30 | 2027-02-01 12:00\nworkshop | Workshop | 90",
        ),
        ("levels", "newcomer, expert"),
        ("tracks", &web),
        ("required_fields", "description"),
        ("required_fields", "track"),
        (
            "questions",
            "tshirt | T-shirt size | choice | speaker | optional | S, M, L",
        ),
        (
            "score_categories",
            "depth | Depth | 3 | 1=shallow, 2=fine, 3=deep\nclarity | Clarity | 1 | 0=no, 1=yes",
        ),
        ("voting", "updown"),
        ("blind_votes", "1"),
        ("comments", "team"),
        ("review_text_required", "1"),
        // Two phases and the spare empty row, as the browser sends them.
        ("phase_0_name", "Review"),
        ("phase_0_starts_at", "2027-02-16T00:00"),
        ("phase_0_can_review", "1"),
        ("phase_0_see_others", "after_own"),
        ("phase_0_blind", "1"),
        ("phase_1_name", "Selection"),
        ("phase_1_starts_at", "2027-03-01 10:00"),
        ("phase_1_see_others", "never"),
        ("phase_2_name", ""),
        ("phase_2_starts_at", ""),
        ("phase_2_can_review", "1"),
        ("phase_2_see_others", "after_own"),
        ("phase_2_blind", "1"),
        ("reviewers_per_proposal", "2"),
        ("community_weight", "0.4"),
        ("accepted_subject", "Yes: {title}"),
        ("accepted_body", "Dear {speaker},\nconfirm at {confirm_url}"),
        ("rejected_subject", "No: {title}"),
        ("rejected_body", "Sorry {speaker}."),
        ("waitlisted_subject", "Maybe: {title}"),
        ("waitlisted_body", "Wait, {speaker}."),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

on_both_backends!(
    cfp_settings_round_trip_and_a_bad_form_keeps_what_was_typed,
    |app| {
        let w = world(&app, SLUG).await;
        let page = "/revconf/organizer/cfp";
        let (status, html) = app.get_with_cookie(page, &w.organizer).await;
        assert_eq!(status, 200);
        // The defaults are shown as lines.
        assert!(html.contains("talk | Talk (30 min) | 30"), "{html}");
        let csrf = csrf_of(&html);

        let fields = settings_fields(&csrf, w.web);
        let r = post(&app, page, &w.organizer, &refs(&fields)).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/revconf/organizer/cfp?saved=1");
        let s = app.store.cfp().settings(w.conf).await.unwrap();
        let berlin = |d: &str| {
            let dt: jiff::civil::DateTime = d.parse().unwrap();
            let tz = time::zone("Europe/Berlin").unwrap();
            time::instant(dt.date(), dt.time(), &tz)
                .unwrap()
                .as_second()
        };
        assert_eq!(s.opens_at, Some(berlin("2027-01-10T09:00")));
        assert_eq!(s.closes_at, Some(berlin("2027-02-15T23:59")));
        assert_eq!(s.voting_closes_at, None);
        assert_eq!(
            s.submission_types,
            vec![
                SubmissionType {
                    key: "talk".into(),
                    name: "Talk".into(),
                    duration_min: 30,
                    deadline: Some(berlin("2027-02-01T12:00")),
                },
                SubmissionType {
                    key: "workshop".into(),
                    name: "Workshop".into(),
                    duration_min: 90,
                    deadline: None,
                },
            ]
        );
        assert_eq!(s.levels, vec!["newcomer", "expert"]);
        assert_eq!(s.tracks, vec![w.web]);
        assert_eq!(s.required_fields, vec!["description", "track"]);
        assert_eq!(
            s.questions,
            vec![Question {
                key: "tshirt".into(),
                label: "T-shirt size".into(),
                kind: QuestionKind::Choice,
                options: vec!["S".into(), "M".into(), "L".into()],
                scope: QuestionScope::Speaker,
                required: false,
            }]
        );
        assert_eq!(s.score_categories.len(), 2);
        assert_eq!(s.score_categories[0].weight, 3.0);
        assert_eq!(
            s.score_categories[1].values,
            vec![
                ScoreValue {
                    value: 0,
                    label: "no".into()
                },
                ScoreValue {
                    value: 1,
                    label: "yes".into()
                },
            ]
        );
        assert_eq!(s.voting, VotingMode::Updown);
        assert!(s.blind_votes && !s.random_order && !s.attendees_only);
        assert_eq!(s.comments, CommentVisibility::Team);
        assert!(s.review_text_required && !s.share_reviews);
        assert_eq!(
            s.review_phases,
            vec![
                ReviewPhase {
                    name: "Review".into(),
                    starts_at: Some(berlin("2027-02-16T00:00")),
                    can_review: true,
                    see_others: SeeOthers::AfterOwn,
                    blind: true,
                },
                ReviewPhase {
                    name: "Selection".into(),
                    starts_at: Some(berlin("2027-03-01T10:00")),
                    can_review: false,
                    see_others: SeeOthers::Never,
                    blind: false,
                },
            ]
        );
        assert_eq!(s.reviewers_per_proposal, 2);
        assert_eq!(s.community_weight, 0.4);
        assert_eq!(s.templates.accepted.subject, "Yes: {title}");
        assert_eq!(
            s.templates.accepted.body,
            "Dear {speaker},\nconfirm at {confirm_url}"
        );

        // The page shows them back as saved, on the conference's clock.
        let (_, html) = app
            .get_with_cookie(&format!("{page}?saved=1"), &w.organizer)
            .await;
        assert!(html.contains("Settings saved."));
        assert!(html.contains(r#"value="2027-01-10T09:00""#), "{html}");
        assert!(html.contains("talk | Talk | 30 | 2027-02-01 12:00"));
        assert!(
            html.contains(
                r#"<input name="phase_1_starts_at" type="datetime-local" value="2027-03-01T10:00""#
            ),
            "{html}"
        );
        assert!(html.contains(r#"<input name="phase_2_name" size="14" value="""#));

        // A bad form: nothing saved, every typed value kept, each problem beside its field.
        let mut bad = settings_fields(&csrf, w.web);
        for (k, v) in &mut bad {
            match k.as_str() {
                "opens_at" => *v = "2027-03-10T09:00".into(),
                "closes_at" => *v = "2027-03-01T09:00".into(),
                "submission_types" => *v = "talk | Talk | thirty\nworkshop | Workshop | 90".into(),
                "community_weight" => *v = "2".into(),
                "rejected_body" => *v = "Sorry {speakr}.".into(),
                "levels" => *v = "newcomer, guru".into(),
                _ => {}
            }
        }
        let r = post(&app, page, &w.organizer, &refs(&bad)).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        for expected in [
            "Line 1: “thirty” is not a number of minutes.",
            "The CFP must close after it opens.",
            "The weight of votes must be between 0 and 1.",
            "Unknown placeholder {speakr}",
            "talk | Talk | thirty\nworkshop | Workshop | 90",
            r#"value="newcomer, guru""#,
            r#"value="2027-03-10T09:00""#,
            "Sorry {speakr}.",
            r#"id="community_weight" name="community_weight" inputmode="decimal" size="6" value="2" aria-invalid="true""#,
        ] {
            assert!(html.contains(expected), "{expected} missing in {html}");
        }
        assert_eq!(app.store.cfp().settings(w.conf).await.unwrap(), s);
    }
);

on_both_backends!(
    review_assignment_gives_n_reviewers_within_teams_and_conflicts,
    |app| {
        let w = world(&app, SLUG).await;
        settings(&app, &w, |s| s.reviewers_per_proposal = 2).await;
        let (speaker, _) = person(&app, "speaker@example.org", "Sam Speaker").await;
        let sp = (speaker, "speaker@example.org");
        let web_a = propose(&app, &w, sp, "Web A", Some(w.web)).await;
        let web_b = propose(&app, &w, sp, "Web B", Some(w.web)).await;
        let data_c = propose(&app, &w, sp, "Data C", Some(w.data)).await;
        let data_d = propose(&app, &w, sp, "Data D", Some(w.data)).await;
        let (r1, r1_cookie) = reviewer(&app, &w, "r1@example.org", "Rita One").await;
        let (r2, _) = reviewer(&app, &w, "r2@example.org", "Rob Two").await;
        let (r3, r3_cookie) = reviewer(&app, &w, "r3@example.org", "Ria Three").await;
        let (r4, _) = reviewer(&app, &w, "r4@example.org", "Rex Four").await;

        // Ria reviews the Data track only (set on the ranking page's team editor).
        let (status, html) = app
            .get_with_cookie("/revconf/organizer/proposals", &w.organizer)
            .await;
        assert_eq!(status, 200);
        let csrf = csrf_of(&html);
        let r = post(
            &app,
            "/revconf/organizer/proposals/teams",
            &w.organizer,
            &[
                ("csrf", &csrf),
                ("reviewer", &r3.0.to_string()),
                ("tracks", &w.data.0.to_string()),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(
            app.store.cfp().reviewer_tracks(w.conf).await.unwrap(),
            vec![(r3, w.data)]
        );

        // Rita declares a conflict with Web A: it leaves her list, and its page refuses her.
        let (_, html) = app
            .get_with_cookie(&format!("/revconf/review/{web_a}"), &r1_cookie)
            .await;
        let r1_csrf = csrf_of(&html);
        let r = post(
            &app,
            &format!("/revconf/review/{web_a}/conflict"),
            &r1_cookie,
            &[("csrf", &r1_csrf)],
        )
        .await;
        assert_eq!(r.status(), 303);
        let (status, html) = app
            .get_with_cookie(&format!("/revconf/review/{web_a}"), &r1_cookie)
            .await;
        assert_eq!(status, 403);
        assert!(
            html.contains("You declared a conflict of interest"),
            "{html}"
        );
        let (_, list) = app.get_with_cookie("/revconf/review", &r1_cookie).await;
        assert!(!list.contains("Web A") && list.contains("Web B"), "{list}");
        // Ria's team keeps her off the Web track.
        let (status, html) = app
            .get_with_cookie(&format!("/revconf/review/{web_b}"), &r3_cookie)
            .await;
        assert_eq!(status, 403);
        assert!(html.contains("outside your review team"));

        let r = post(
            &app,
            "/revconf/organizer/proposals/assign",
            &w.organizer,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/revconf/organizer/proposals?assigned=8");
        let (_, html) = app.get_with_cookie(&location(&r), &w.organizer).await;
        assert!(html.contains("8 new assignments made."));

        let assignments = app.store.cfp().assignments(w.conf).await.unwrap();
        let of = |p: ProposalId| -> Vec<UserId> {
            assignments
                .iter()
                .filter(|(x, _)| *x == p)
                .map(|(_, u)| *u)
                .collect()
        };
        // Web A: not Rita (conflict), not Ria (team): the other two.
        assert_eq!(of(web_a), vec![r2, r4]);
        for p in [web_b, data_c, data_d] {
            assert_eq!(of(p).len(), 2, "{p}: {assignments:?}");
        }
        assert!(!of(web_b).contains(&r3));
        // Load is balanced: each reviewer gets two.
        for u in [r1, r2, r3, r4] {
            assert_eq!(assignments.iter().filter(|(_, x)| *x == u).count(), 2);
        }
        // Again: nothing more to assign.
        let r = post(
            &app,
            "/revconf/organizer/proposals/assign",
            &w.organizer,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(location(&r), "/revconf/organizer/proposals?assigned=0");

        // "Next" sends Ria to one of her assigned Data proposals.
        let r = app
            .client
            .get(format!("{}/revconf/review/next", app.base_url))
            .header("cookie", &r3_cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(of(data_c).contains(&r3) && of(data_d).contains(&r3));
        assert_eq!(location(&r), format!("/revconf/review/{data_c}"));
    }
);

/// Everything that could name the speaker of [`zebulons_proposal`].
const ZEBULON: [&str; 5] = [
    "Zebulon",
    "Quartermain",
    "Zeb Account",
    "zebulon@example.org",
    "tall ships",
];

/// A proposal whose speaker has a profile name, a bio and an account name of their own
/// ([`ZEBULON`]): what blind review must hide. Returns the speaker and the proposal.
async fn zebulons_proposal(app: &TestApp, w: &World) -> (UserId, ProposalId) {
    let (speaker, _) = person(app, "zebulon@example.org", "Zeb Account").await;
    app.store
        .cfp()
        .save_profile(
            speaker,
            w.conf,
            &SpeakerProfile {
                name: "Zebulon Quartermain".to_owned(),
                bio_md: "Sails *tall ships* for a living.".to_owned(),
                ..SpeakerProfile::default()
            },
        )
        .await
        .unwrap();
    let p = propose(
        app,
        w,
        (speaker, "zebulon@example.org"),
        "Rust on the high seas",
        Some(w.web),
    )
    .await;
    (speaker, p)
}

on_both_backends!(blind_review_shows_no_speaker_anywhere_in_the_page, |app| {
    let w = world(&app, SLUG).await;
    let (_, p) = zebulons_proposal(&app, &w).await;
    let (_, cookie) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
    assert!(
        app.store
            .cfp()
            .settings(w.conf)
            .await
            .unwrap()
            .review_phases[0]
            .blind
    );

    let page = format!("/revconf/review/{p}");
    for path in [page.as_str(), "/revconf/review"] {
        let (status, html) = app.get_with_cookie(path, &cookie).await;
        assert_eq!(status, 200);
        assert!(html.contains("Rust on the high seas"));
        for secret in ZEBULON {
            assert!(!html.contains(secret), "{secret} leaks into {path}: {html}");
        }
    }
    // Organizers too: in blind mode the review page names nobody.
    let (_, html) = app.get_with_cookie(&page, &w.organizer).await;
    assert!(!html.contains("Zebulon") && !html.contains("zebulon@"));

    settings(&app, &w, |s| s.review_phases[0].blind = false).await;
    let (_, html) = app.get_with_cookie(&page, &cookie).await;
    assert!(html.contains("<h3>Zebulon Quartermain</h3>"), "{html}");
    assert!(html.contains("<em>tall ships</em>"));
    assert!(!html.contains("zebulon@example.org"), "emails never show");
});

on_both_backends!(
    review_form_keeps_what_was_typed_and_goes_to_the_next,
    |app| {
        let w = world(&app, SLUG).await;
        settings(&app, &w, |s| s.review_text_required = true).await;
        let (speaker, _) = person(&app, "speaker@example.org", "Sam Speaker").await;
        let first = propose(&app, &w, (speaker, "speaker@example.org"), "First", None).await;
        let second = propose(&app, &w, (speaker, "speaker@example.org"), "Second", None).await;
        let (me, cookie) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
        let page = format!("/revconf/review/{first}");
        let (status, html) = app.get_with_cookie(&page, &cookie).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("<legend>Content <span class=\"muted\">(weight 2)</span></legend>"),
            "{html}"
        );
        assert!(html.contains(r#"<input type="radio" name="score_fit" value="3">"#));
        let csrf = csrf_of(&html);

        // Missing a score and the required text: 422, the chosen score and typed words kept.
        let r = post(
            &app,
            &page,
            &cookie,
            &[("csrf", &csrf), ("score_content", "2"), ("text", "")],
        )
        .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains(r#"name="score_content" value="2" checked"#),
            "{html}"
        );
        assert!(html.contains("Choose a score for “Fit for the audience”, or abstain."));
        assert!(html.contains("this conference asks for a review text"));
        assert!(html.contains(r#"aria-describedby="score_fit-error""#));
        let r = post(
            &app,
            &page,
            &cookie,
            &[
                ("csrf", &csrf),
                ("score_content", "2"),
                ("text", "Half <b>done</b>"),
            ],
        )
        .await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Half &lt;b&gt;done&lt;/b&gt;</textarea>"),
            "{html}"
        );
        assert!(html.contains(r#"name="score_content" value="2" checked"#));
        assert!(app.store.cfp().reviews(w.conf).await.unwrap().is_empty());

        // A complete review is saved and the next proposal comes.
        let r = post(
            &app,
            &page,
            &cookie,
            &[
                ("csrf", &csrf),
                ("score_content", "3"),
                ("score_fit", "1"),
                ("text", "Clear and useful."),
            ],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), format!("/revconf/review/{second}?saved=1"));
        let (_, html) = app.get_with_cookie(&location(&r), &cookie).await;
        assert!(html.contains("Review saved. Here is the next proposal."));
        let reviews = app.store.cfp().reviews(w.conf).await.unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].reviewer, me);
        assert_eq!(
            reviews[0].scores,
            vec![("content".to_owned(), 3), ("fit".to_owned(), 1)]
        );
        assert_eq!(reviews[0].text, "Clear and useful.");

        // Abstaining needs no scores; with nothing left, back to the list.
        let r = post(
            &app,
            &format!("/revconf/review/{second}"),
            &cookie,
            &[("csrf", &csrf), ("abstain", "1")],
        )
        .await;
        assert_eq!(location(&r), "/revconf/review?saved=1&done=1");
        let (_, list) = app.get_with_cookie("/revconf/review", &cookie).await;
        assert!(
            list.contains("You have reviewed <strong>2</strong> of the 2 proposals"),
            "{list}"
        );
        assert!(list.contains("<td>abstained</td>") && list.contains("<td>reviewed</td>"));

        // A phase without reviewing leaves a saved review as it was (the page and the refusal
        // are checked in review_phase_without_reviewing_refuses_and_keeps_the_typed_review).
        settings(&app, &w, |s| s.review_phases[0].can_review = false).await;
        let (_, html) = app.get_with_cookie(&page, &cookie).await;
        assert!(html.contains("<li>Content: excellent (3)</li>"), "{html}");
        let r = post(
            &app,
            &page,
            &cookie,
            &[
                ("csrf", &csrf),
                ("score_content", "0"),
                ("score_fit", "0"),
                ("text", "x"),
            ],
        )
        .await;
        assert_eq!(r.status(), 403);
        assert_eq!(
            app.store.cfp().reviews(w.conf).await.unwrap()[0].scores,
            vec![("content".to_owned(), 3), ("fit".to_owned(), 1)]
        );
    }
);

on_both_backends!(review_of_others_shows_only_after_ones_own, |app| {
    let w = world(&app, SLUG).await;
    let (speaker, _) = person(&app, "speaker@example.org", "Sam Speaker").await;
    let p = propose(&app, &w, (speaker, "speaker@example.org"), "Talk", None).await;
    let (_, one) = reviewer(&app, &w, "r1@example.org", "Rita One").await;
    let (_, two) = reviewer(&app, &w, "r2@example.org", "Rob Two").await;
    assert_eq!(
        app.store
            .cfp()
            .settings(w.conf)
            .await
            .unwrap()
            .review_phases[0]
            .see_others,
        SeeOthers::AfterOwn
    );
    let page = format!("/revconf/review/{p}");
    let (_, html) = app.get_with_cookie(&page, &two).await;
    let r = post(
        &app,
        &page,
        &two,
        &[
            ("csrf", &csrf_of(&html)),
            ("score_content", "1"),
            ("score_fit", "2"),
            ("text", "Needs a sharper outline."),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    let (_, html) = app.get_with_cookie(&page, &one).await;
    assert!(!html.contains("Needs a sharper outline."), "{html}");
    assert!(html.contains("once you have reviewed it yourself"));
    let r = post(
        &app,
        &page,
        &one,
        &[
            ("csrf", &csrf_of(&html)),
            ("score_content", "3"),
            ("score_fit", "3"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_with_cookie(&page, &one).await;
    assert!(html.contains("Needs a sharper outline."));
    assert!(html.contains("<h3>Reviewer 1 — 4.4 / 10</h3>"), "{html}");
    assert!(!html.contains("Rob Two"), "reviewers see no names");
    // Organizers see every review with its author.
    let (_, html) = app.get_with_cookie(&page, &w.organizer).await;
    assert!(html.contains("<h3>Rob Two — 4.4 / 10</h3>"), "{html}");
    assert!(html.contains("<h3>Rita One — 10.0 / 10</h3>"));

    // "never": not even after one's own.
    settings(&app, &w, |s| {
        s.review_phases[0].see_others = SeeOthers::Never
    })
    .await;
    let (_, html) = app.get_with_cookie(&page, &one).await;
    assert!(!html.contains("Needs a sharper outline."));
    assert!(html.contains("Reviewers do not see each other"));
});

/// A review by `user` of `p` through the store.
async fn review(app: &TestApp, p: ProposalId, user: UserId, content: i64, fit: i64) {
    app.store
        .cfp()
        .save_review(&Review {
            proposal: p,
            reviewer: user,
            scores: vec![("content".into(), content), ("fit".into(), fit)],
            text: String::new(),
            abstain: false,
            updated_at: 0,
        })
        .await
        .unwrap();
}

on_both_backends!(
    review_ranking_orders_by_combined_score_and_exports_safe_csv,
    |app| {
        let w = world(&app, SLUG).await;
        settings(&app, &w, |s| s.community_weight = 0.5).await;
        let (speaker, _) = person(&app, "speaker@example.org", "Sam Speaker").await;
        let sp = (speaker, "speaker@example.org");
        let low = propose(&app, &w, sp, "Low scorer", Some(w.web)).await;
        let voted = propose(
            &app,
            &w,
            sp,
            "=HYPERLINK(\"https://evil.example\")",
            Some(w.data),
        )
        .await;
        let top = propose(&app, &w, sp, "Top scorer", Some(w.web)).await;
        let (r1, _) = reviewer(&app, &w, "r1@example.org", "Rita One").await;
        review(&app, low, r1, 1, 0).await; // 2.22, one vote of three: combined 2.78
        review(&app, top, r1, 3, 3).await; // 10, no votes: combined 5
        for i in 0..3 {
            let (voter, _) = person(&app, &format!("v{i}@example.org"), "Voter").await;
            // No review, the most votes: combined 5.
            app.store.cfp().vote(voted, voter, Some(1)).await.unwrap();
            if i == 0 {
                app.store.cfp().vote(low, voter, Some(1)).await.unwrap();
            }
        }

        let (status, html) = app
            .get_with_cookie("/revconf/organizer/proposals", &w.organizer)
            .await;
        assert_eq!(status, 200);
        let pos = |t: &str| html.find(t).unwrap_or_else(|| panic!("{t} in {html}"));
        // Top and the voted one tie at 5.00 (lower id first), then the low one.
        assert!(pos("=HYPERLINK") < pos("Top scorer") && pos("Top scorer") < pos("Low scorer"));
        assert!(html.contains(&format!(
            r#"<a href="/revconf/review/{top}">Top scorer</a>"#
        )));
        assert!(html.contains("<td>+3 / −0</td>"));
        // Filtered to the Web track, the voted Data proposal is gone.
        let (_, html) = app
            .get_with_cookie(
                &format!("/revconf/organizer/proposals?track={}", w.web),
                &w.organizer,
            )
            .await;
        assert!(!html.contains("HYPERLINK") && html.contains("Top scorer"));
        assert!(html.contains("2 of 3 proposals"));

        let (status, csv) = app
            .get_with_cookie("/revconf/organizer/proposals.csv", &w.organizer)
            .await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "rank,id,title,type,track,state,staged,score,reviews,abstentions,votes_up,votes_down,combined"
        );
        assert_eq!(
            lines[1],
            format!(
                r#"1,{voted},"'=HYPERLINK(""https://evil.example"")","Talk (30 min)","Data",submitted,,,0,0,3,0,5.00"#
            )
        );
        assert_eq!(
            lines[2],
            format!(r#"2,{top},"Top scorer","Talk (30 min)","Web",submitted,,10.00,1,0,0,0,5.00"#)
        );
        assert_eq!(lines.len(), 4);
    }
);

on_both_backends!(
    review_decisions_are_staged_then_released_with_held_mails,
    |app| {
        let w = world(&app, SLUG).await;
        let (ada, _) = person(&app, "ada@example.org", "Ada Lovelace").await;
        let (bob, _) = person(&app, "bob@example.org", "Bob Builder").await;
        let (cy, _) = person(&app, "cy@example.org", "Cy Coauthor").await;
        let accepted = propose(&app, &w, (ada, "ada@example.org"), "Engines", None).await;
        let rejected = propose(&app, &w, (bob, "bob@example.org"), "Bridges", None).await;
        let untouched = propose(&app, &w, (bob, "bob@example.org"), "Cranes", None).await;
        // Cy co-presents "Engines".
        let cfp = app.store.cfp();
        cfp.invite_speaker(accepted, "cy@example.org", "hash-cy")
            .await
            .unwrap();
        cfp.accept_speaker_invite("hash-cy", cy).await.unwrap();

        let (_, html) = app
            .get_with_cookie("/revconf/organizer/proposals", &w.organizer)
            .await;
        let csrf = csrf_of(&html);
        assert!(html.contains("Release 0 staged decisions"));
        let stage = |ids: Vec<ProposalId>, decision: &'static str| {
            let csrf = csrf.clone();
            let app = &app;
            let cookie = w.organizer.clone();
            async move {
                let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
                let mut fields = vec![("csrf", csrf.as_str()), ("decision", decision)];
                fields.extend(ids.iter().map(|i| ("ids", i.as_str())));
                post(app, "/revconf/organizer/proposals/stage", &cookie, &fields).await
            }
        };
        let r = stage(vec![accepted, rejected], "reject").await;
        assert_eq!(location(&r), "/revconf/organizer/proposals?staged=2");
        let r = stage(vec![accepted], "accept").await;
        assert_eq!(location(&r), "/revconf/organizer/proposals?staged=1");

        // Staged: states unchanged, nothing in the outbox, the ranking shows it.
        let state = |id: ProposalId| {
            let app = &app;
            async move {
                let p = app.store.cfp().proposal(id).await.unwrap();
                (p.state, p.pending)
            }
        };
        assert_eq!(
            state(accepted).await,
            (ProposalState::Submitted, Some(Decision::Accepted))
        );
        assert_eq!(
            state(rejected).await,
            (ProposalState::Submitted, Some(Decision::Rejected))
        );
        assert!(app.store.outbox(w.conf).await.unwrap().is_empty());
        let (_, html) = app
            .get_with_cookie("/revconf/organizer/proposals?state=staged", &w.organizer)
            .await;
        assert!(html.contains("Release 2 staged decisions"));
        assert!(
            html.contains("<strong>accepted</strong>")
                && html.contains("<strong>rejected</strong>")
        );
        assert!(!html.contains("Cranes"), "filtered to staged ones");
        // Reviewers never see staged decisions.
        let (_, rev) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
        for path in [
            "/revconf/review".to_owned(),
            format!("/revconf/review/{accepted}"),
        ] {
            let (_, html) = app.get_with_cookie(&path, &rev).await;
            assert!(
                !html.contains("accepted") && !html.contains("rejected"),
                "{html}"
            );
        }

        let r = post(
            &app,
            "/revconf/organizer/proposals/release",
            &w.organizer,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(location(&r), "/revconf/organizer/proposals?released=2");
        let (_, html) = app.get_with_cookie(&location(&r), &w.organizer).await;
        assert!(html.contains(
        r#"2 decisions released. Their emails are held in the <a href="/revconf/organizer/outbox">outbox</a>"#
    ), "{html}");
        assert_eq!(state(accepted).await, (ProposalState::Accepted, None));
        assert_eq!(state(rejected).await, (ProposalState::Rejected, None));
        assert_eq!(state(untouched).await, (ProposalState::Submitted, None));

        let mut mails: Vec<(String, String, MailStatus)> = app
            .store
            .outbox(w.conf)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.to_address, m.kind, m.status))
            .collect();
        mails.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        assert_eq!(
            mails,
            vec![
                (
                    "ada@example.org".into(),
                    "cfp.accepted".into(),
                    MailStatus::Held
                ),
                (
                    "bob@example.org".into(),
                    "cfp.rejected".into(),
                    MailStatus::Held
                ),
                (
                    "cy@example.org".into(),
                    "cfp.accepted".into(),
                    MailStatus::Held
                ),
            ]
        );
        let (_, outbox) = app
            .get_with_cookie("/revconf/organizer/outbox", &w.organizer)
            .await;
        assert!(
            outbox.contains("Your proposal &quot;Engines&quot; is accepted"),
            "{outbox}"
        );
        // Releasing again does nothing.
        let r = post(
            &app,
            "/revconf/organizer/proposals/release",
            &w.organizer,
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(location(&r), "/revconf/organizer/proposals?released=0");
        assert_eq!(app.store.outbox(w.conf).await.unwrap().len(), 3);
    }
);

on_both_backends!(review_and_selection_routes_refuse_outsiders, |app| {
    let w = world(&app, SLUG).await;
    let other = world(&app, "otherconf").await;
    let (speaker, speaker_cookie) = person(&app, "speaker@example.org", "Sam Speaker").await;
    app.store
        .grant_role(speaker, w.conf, Role::Speaker)
        .await
        .unwrap();
    let p = propose(&app, &w, (speaker, "speaker@example.org"), "Mine", None).await;
    let (_, foreign) = reviewer(&app, &other, "foreign@example.org", "Fay Foreign").await;
    let (_, own_reviewer) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
    // The speaker becomes a reviewer too: still not of their own proposal.
    let (_, html) = app
        .get_with_cookie("/revconf/review", &speaker_cookie)
        .await;
    assert!(html.contains("Only reviewers and organizers"), "{html}");

    let review_gets = [
        "/revconf/review".to_owned(),
        "/revconf/review/next".to_owned(),
        format!("/revconf/review/{p}"),
    ];
    let organizer_gets = [
        "/revconf/organizer/cfp".to_owned(),
        "/revconf/organizer/proposals".to_owned(),
        "/revconf/organizer/proposals.csv".to_owned(),
    ];
    let review_posts = [
        format!("/revconf/review/{p}"),
        format!("/revconf/review/{p}/conflict"),
    ];
    let organizer_posts = [
        "/revconf/organizer/cfp".to_owned(),
        "/revconf/organizer/proposals/stage".to_owned(),
        "/revconf/organizer/proposals/release".to_owned(),
        "/revconf/organizer/proposals/assign".to_owned(),
        "/revconf/organizer/proposals/teams".to_owned(),
    ];
    let refused = |cookies: Vec<&String>| cookies.into_iter().cloned().collect::<Vec<_>>();
    for (gets, posts, outsiders) in [
        (
            &review_gets[..],
            &review_posts[..],
            refused(vec![&speaker_cookie, &foreign]),
        ),
        (
            &organizer_gets[..],
            &organizer_posts[..],
            refused(vec![&speaker_cookie, &foreign, &own_reviewer]),
        ),
    ] {
        for path in gets {
            let r = app.get_response(path).await;
            assert_eq!(r.status(), 303, "anonymous GET {path}");
            assert_eq!(location(&r), "/login");
            for cookie in &outsiders {
                let (status, _) = app.get_with_cookie(path, cookie).await;
                assert_eq!(status, 403, "GET {path}");
            }
        }
        for path in posts {
            let r = app.post_form(path, &[("csrf", "x")], None, &[]).await;
            assert_eq!(r.status(), 303, "anonymous POST {path}");
            assert_eq!(location(&r), "/login");
            for cookie in &outsiders {
                let r = post(&app, path, cookie, &[("csrf", "x")]).await;
                assert_eq!(r.status(), 403, "POST {path}");
            }
        }
    }
    // The speaker, made a reviewer, may still not review their own proposal.
    app.store
        .grant_role(speaker, w.conf, Role::Reviewer)
        .await
        .unwrap();
    let (status, html) = app
        .get_with_cookie(&format!("/revconf/review/{p}"), &speaker_cookie)
        .await;
    assert_eq!(status, 403);
    assert!(
        html.contains("one of this proposal&#x27;s speakers"),
        "{html}"
    );
    assert!(app.store.cfp().reviews(w.conf).await.unwrap().is_empty());
    assert!(
        app.store
            .cfp()
            .assignments(w.conf)
            .await
            .unwrap()
            .is_empty()
    );
});

/// A review phase for the tests.
fn phase(
    name: &str,
    starts_at: Option<i64>,
    can_review: bool,
    see_others: SeeOthers,
    blind: bool,
) -> ReviewPhase {
    ReviewPhase {
        name: name.to_owned(),
        starts_at,
        can_review,
        see_others,
        blind,
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

on_both_backends!(
    review_phases_switch_by_date_and_set_who_sees_other_reviews,
    |app| {
        let w = world(&app, SLUG).await;
        let day = 86_400;
        // "Review" has started; "Discussion" starts tomorrow; "Selection" waits for a click.
        settings(&app, &w, |s| {
            s.review_phases = vec![
                phase("Review", Some(now() - day), true, SeeOthers::AfterOwn, true),
                phase(
                    "Discussion",
                    Some(now() + day),
                    true,
                    SeeOthers::Always,
                    true,
                ),
                phase("Selection", None, false, SeeOthers::Never, false),
            ];
        })
        .await;
        let (speaker, _) = person(&app, "speaker@example.org", "Sam Speaker").await;
        let p = propose(&app, &w, (speaker, "speaker@example.org"), "Talk", None).await;
        let (two, _) = reviewer(&app, &w, "r2@example.org", "Rob Two").await;
        let (_, one) = reviewer(&app, &w, "r1@example.org", "Rita One").await;
        app.store
            .cfp()
            .save_review(&Review {
                proposal: p,
                reviewer: two,
                scores: vec![("content".into(), 1), ("fit".into(), 2)],
                text: "Needs a sharper outline.".into(),
                abstain: false,
                updated_at: 0,
            })
            .await
            .unwrap();
        let page = format!("/revconf/review/{p}");

        // Phase 1 of 3, "after own": Rita has not reviewed, so she does not see Rob's review.
        let (_, list) = app.get_with_cookie("/revconf/review", &one).await;
        assert!(
            list.contains("Review phase 1 of 3: <strong>Review</strong> — you may write and change reviews, you see the other reviews of a proposal once you have reviewed it, speakers are not shown (blind review). “Discussion” starts "),
            "{list}"
        );
        assert!(list.contains(r#"href="/revconf/review/next""#));
        let (_, html) = app.get_with_cookie(&page, &one).await;
        assert!(!html.contains("Needs a sharper outline."), "{html}");
        assert!(html.contains("once you have reviewed it yourself"));

        // Discussion's start passes: "always", without a review of her own.
        settings(&app, &w, |s| {
            s.review_phases[1].starts_at = Some(now() - 60)
        })
        .await;
        let (_, html) = app.get_with_cookie(&page, &one).await;
        assert!(
            html.contains("Review phase 2 of 3: <strong>Discussion</strong> — you may write and change reviews, you see the other reviews, speakers are not shown (blind review).</p>"),
            "{html}"
        );
        assert!(html.contains("Needs a sharper outline."), "{html}");
        assert!(html.contains("<h3>Reviewer 1 — 4.4 / 10</h3>"));
        assert!(html.contains(r#"<input type="radio" name="score_fit" value="3">"#));

        // Selection (started by date here): "never", and reviews are read-only.
        settings(&app, &w, |s| {
            s.review_phases[2].starts_at = Some(now() - 30)
        })
        .await;
        let (_, html) = app.get_with_cookie(&page, &one).await;
        assert!(html.contains("Review phase 3 of 3: <strong>Selection</strong> — reviews are read-only, you do not see other reviews, speakers&#x27; names and bios are shown."), "{html}");
        assert!(!html.contains("Needs a sharper outline."));
        assert!(html.contains("Reviewers do not see each other"));
        assert!(!html.contains(r#"type="radio""#));
        let (_, list) = app.get_with_cookie("/revconf/review", &one).await;
        assert!(!list.contains(r#"href="/revconf/review/next""#), "{list}");
        // Organizers see every review in every phase.
        let (_, html) = app.get_with_cookie(&page, &w.organizer).await;
        assert!(html.contains("<h3>Rob Two — 4.4 / 10</h3>"), "{html}");

        // A start in the future does not count yet: back to Discussion.
        settings(&app, &w, |s| {
            s.review_phases[2].starts_at = Some(now() + day)
        })
        .await;
        let (_, html) = app.get_with_cookie(&page, &one).await;
        assert!(html.contains("<strong>Discussion</strong>"), "{html}");
        assert!(html.contains("Needs a sharper outline."));
    }
);

on_both_backends!(
    review_phase_without_reviewing_refuses_and_keeps_the_typed_review,
    |app| {
        let w = world(&app, SLUG).await;
        settings(&app, &w, |s| {
            s.review_phases = vec![
                phase("Review", None, true, SeeOthers::AfterOwn, true),
                phase("Selection", None, false, SeeOthers::Always, false),
            ];
        })
        .await;
        let (speaker, _) = person(&app, "speaker@example.org", "Sam Speaker").await;
        let p = propose(&app, &w, (speaker, "speaker@example.org"), "Talk", None).await;
        let (_, cookie) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
        let page = format!("/revconf/review/{p}");
        // The reviewer opens the form; then Selection starts.
        let (_, html) = app.get_with_cookie(&page, &cookie).await;
        let csrf = csrf_of(&html);
        settings(&app, &w, |s| {
            s.review_phases[1].starts_at = Some(now() - 60)
        })
        .await;
        let (status, html) = app.get_with_cookie(&page, &cookie).await;
        assert_eq!(status, 200);
        let closed = "Reviewing is closed in the “Selection” phase: reviews can be read, not written or changed.";
        assert!(html.contains(closed), "{html}");
        assert!(!html.contains(r#"type="radio""#));

        // The form sent anyway: refused, nothing saved, and what was typed comes back to copy.
        let r = post(
            &app,
            &page,
            &cookie,
            &[
                ("csrf", &csrf),
                ("score_content", "3"),
                ("score_fit", "2"),
                ("text", "Great <i>talk</i>, long thoughts."),
            ],
        )
        .await;
        assert_eq!(r.status(), 403);
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!(
                "{closed} Your review was not saved; here is what you typed, to keep."
            )),
            "{html}"
        );
        assert!(html.contains("Great &lt;i&gt;talk&lt;/i&gt;, long thoughts.</textarea>"));
        assert!(html.contains("<li>Content: excellent (3)</li>"));
        assert!(html.contains("<li>Fit for the audience: good (2)</li>"));
        assert!(app.store.cfp().reviews(w.conf).await.unwrap().is_empty());

        // Back in "Review", the same form is saved.
        settings(&app, &w, |s| s.review_phases[1].starts_at = None).await;
        let r = post(
            &app,
            &page,
            &cookie,
            &[("csrf", &csrf), ("score_content", "3"), ("score_fit", "2")],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.store.cfp().reviews(w.conf).await.unwrap().len(), 1);
    }
);

on_both_backends!(
    review_phase_blindness_hides_speakers_from_pages_source_and_api,
    |app| {
        let w = world(&app, SLUG).await;
        settings(&app, &w, |s| {
            s.review_phases = vec![
                phase("Review", None, true, SeeOthers::AfterOwn, true),
                phase("Selection", None, false, SeeOthers::Always, false),
            ];
        })
        .await;
        let (speaker, p) = zebulons_proposal(&app, &w).await;
        // The speaker answers a question on the public proposal page.
        app.store
            .cfp()
            .add_comment(p, speaker, None, "Yes, with slides.")
            .await
            .unwrap();
        let (_, cookie) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
        let review_page = format!("/revconf/review/{p}");
        let public_page = format!("/revconf/proposals/{p}");
        let pages = [
            review_page.as_str(),
            "/revconf/review",
            "/revconf/proposals",
            public_page.as_str(),
            "/api/v1/conferences/revconf/speakers",
            "/api/v1/conferences/revconf/talks",
        ];

        // Blind "Review": no name in any page's source, nor in the API.
        for path in pages {
            let (status, body) = app.get_with_cookie(path, &cookie).await;
            assert_eq!(status, 200, "{path}");
            for secret in ZEBULON {
                assert!(!body.contains(secret), "{secret} leaks into {path}: {body}");
            }
        }
        let (_, html) = app.get_with_cookie(&public_page, &cookie).await;
        assert!(
            html.contains("<strong>A speaker of this proposal</strong>"),
            "{html}"
        );

        // The organizer starts "Selection" (not blind) with its button: names show.
        let (_, settings_page) = app
            .get_with_cookie("/revconf/organizer/cfp", &w.organizer)
            .await;
        assert!(
            settings_page.contains(r#"<button type="submit" form="start-phase-1" class="button secondary">Start now</button>"#),
            "{settings_page}"
        );
        let r = post(
            &app,
            "/revconf/organizer/cfp/phases/start",
            &w.organizer,
            &[("csrf", &csrf_of(&settings_page)), ("phase", "Selection")],
        )
        .await;
        assert_eq!(r.status(), 303);
        let (_, html) = app.get_with_cookie(&review_page, &cookie).await;
        assert!(html.contains("<h3>Zebulon Quartermain</h3>"), "{html}");
        assert!(html.contains("<em>tall ships</em>"));
        assert!(!html.contains("zebulon@example.org"), "emails never show");
        let (_, html) = app.get_with_cookie(&public_page, &cookie).await;
        assert!(html.contains("Zebulon Quartermain"), "{html}");
        assert!(html.contains("<strong>Zeb Account</strong>"));
    }
);

on_both_backends!(
    review_phases_form_refuses_bad_rows_keeps_them_and_starts_a_phase_now,
    |app| {
        let w = world(&app, SLUG).await;
        let page = "/revconf/organizer/cfp";
        let (_, html) = app.get_with_cookie(page, &w.organizer).await;
        // The default: one phase, current, and the spare row.
        assert!(
            html.contains(r#"<input name="phase_0_name" size="14" value="Review""#),
            "{html}"
        );
        assert!(html.contains("<td><strong>Current</strong></td>"));
        let csrf = csrf_of(&html);
        let before = app.store.cfp().settings(w.conf).await.unwrap();

        // Two rows named alike (case aside) and a later row starting earlier.
        let mut fields = settings_fields(&csrf, w.web);
        fields.retain(|(k, _)| !k.starts_with("phase_"));
        for (k, v) in [
            ("phase_0_name", "Review"),
            ("phase_0_starts_at", "2027-03-01T10:00"),
            ("phase_0_can_review", "1"),
            ("phase_0_see_others", "after_own"),
            ("phase_1_name", "review"),
            ("phase_1_starts_at", ""),
            ("phase_1_see_others", "always"),
            ("phase_2_name", "Selection"),
            ("phase_2_starts_at", "2027-02-20T10:00"),
            ("phase_2_see_others", "never"),
            ("phase_2_blind", "1"),
        ] {
            fields.push((k.to_owned(), v.to_owned()));
        }
        let r = post(&app, page, &w.organizer, &refs(&fields)).await;
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        for expected in [
            "Review phase names must differ: “review” is used twice.",
            "“Selection” must start after “Review”: phases start in the order they are listed.",
            r#"<input name="phase_0_name" size="14" value="Review""#,
            r#"<input name="phase_0_starts_at" type="datetime-local" value="2027-03-01T10:00""#,
            r#"<input name="phase_1_name" size="14" value="review""#,
            r#"<input name="phase_2_starts_at" type="datetime-local" value="2027-02-20T10:00""#,
            r#"<input type="checkbox" name="phase_2_blind" value="1" checked"#,
            r#"<option value="never" selected>Never</option>"#,
            // The spare row comes after the typed ones.
            r#"<input name="phase_3_name" size="14" value="""#,
        ] {
            assert!(html.contains(expected), "{expected} missing in {html}");
        }
        // No "start now" for rows that are not saved.
        assert!(!html.contains(r#"form="start-phase-"#), "{html}");
        assert_eq!(app.store.cfp().settings(w.conf).await.unwrap(), before);

        // Fixed (the duplicate removed with its box, Selection after Review): saved.
        for (k, v) in &mut fields {
            if k == "phase_2_starts_at" {
                *v = "2027-03-05T10:00".into();
            }
        }
        fields.push(("phase_1_remove".to_owned(), "1".to_owned()));
        let r = post(&app, page, &w.organizer, &refs(&fields)).await;
        assert_eq!(r.status(), 303);
        let names: Vec<String> = app
            .store
            .cfp()
            .settings(w.conf)
            .await
            .unwrap()
            .review_phases
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["Review", "Selection"]);

        // "Start now" on Selection: it starts at this instant and is current.
        let (_, html) = app.get_with_cookie(page, &w.organizer).await;
        let start = now();
        let r = post(
            &app,
            "/revconf/organizer/cfp/phases/start",
            &w.organizer,
            &[("csrf", &csrf_of(&html)), ("phase", "Selection")],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/revconf/organizer/cfp?started=1");
        let s = app.store.cfp().settings(w.conf).await.unwrap();
        let started = s.review_phases[1].starts_at.unwrap();
        assert!((start..=now()).contains(&started), "{started}");
        // Review's start (still to come) was dropped to keep the order.
        assert_eq!(s.review_phases[0].starts_at, None);
        assert_eq!(s.phase(jiff::Timestamp::now()).name, "Selection");
        let (_, html) = app.get_with_cookie(&location(&r), &w.organizer).await;
        assert!(
            html.contains("The review phase “Selection” has started."),
            "{html}"
        );
        // An unknown phase is not found; a reviewer may not start one.
        let r = post(
            &app,
            "/revconf/organizer/cfp/phases/start",
            &w.organizer,
            &[("csrf", &csrf_of(&html)), ("phase", "Nope")],
        )
        .await;
        assert_eq!(r.status(), 404);
        let (_, rev) = reviewer(&app, &w, "rev@example.org", "Rae Viewer").await;
        let r = post(
            &app,
            "/revconf/organizer/cfp/phases/start",
            &rev,
            &[("csrf", "x"), ("phase", "Review")],
        )
        .await;
        assert_eq!(r.status(), 403);
    }
);
