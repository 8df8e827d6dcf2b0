//! The route × role matrix of the call for proposals: each route, asked by each kind of
//! visitor (anonymous, attendee, the proposal's speaker, another speaker, a reviewer, an
//! organizer, an organizer of another conference), is allowed or denied exactly as intended.
//! Denied means 403, 404 or a redirect to the log-in page; allowed is anything else (a page,
//! a redirect after a write, or a 422 for an empty form that got past the door).

use podium_app::demo::{DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::{NewProposal, Store};
use podium_testkit::{TestApp, csrf_of};

use crate::cfp::open_cfp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Attendee,
    Speaker,
    OtherSpeaker,
    Reviewer,
    Organizer,
    OtherOrganizer,
}

use Who::*;

const EVERYONE: &[Who] = &[
    Anonymous,
    Attendee,
    Speaker,
    OtherSpeaker,
    Reviewer,
    Organizer,
    OtherOrganizer,
];
const LOGGED_IN: &[Who] = &[
    Attendee,
    Speaker,
    OtherSpeaker,
    Reviewer,
    Organizer,
    OtherOrganizer,
];

fn denied(status: u16, location: &str) -> bool {
    status == 403 || status == 404 || (status == 303 && location.starts_with("/login"))
}

async fn proposal(app: &TestApp, conference: ConferenceId, email: &str, title: &str) -> ProposalId {
    let user = app.store.credentials(email).await.unwrap().user;
    app.store
        .cfp()
        .create_proposal(&NewProposal {
            conference,
            owner: user,
            owner_email: email.into(),
            form: ProposalForm {
                title: title.into(),
                abstract_md: "An abstract.".into(),
                submission_type: "talk".into(),
                level: "beginner".into(),
                language: "en".into(),
                ..Default::default()
            },
            submit: true,
            form_token: title.into(),
        })
        .await
        .unwrap()
        .0
}

on_both_backends!(every_cfp_route_for_every_role, |app| {
    let conference = open_cfp(&app, |_| {}).await;
    let other = app
        .store
        .create_program(&podium_testkit::fixture::two_day_program(
            "other-2027",
            "Europe/Berlin",
            "2027-05-01",
            "",
            "",
        ))
        .await
        .unwrap();
    let mut cookies = Vec::new();
    for (who, email) in [
        (Attendee, "attendee@example.org"),
        (Speaker, "speaker@example.org"),
        (OtherSpeaker, "other-speaker@example.org"),
        (Reviewer, "reviewer@example.org"),
        (OtherOrganizer, "other-organizer@example.org"),
    ] {
        let cookie = app.sign_up(email).await;
        let user = app.store.credentials(email).await.unwrap().user;
        match who {
            Attendee => app
                .store
                .grant_role(user, conference.id, Role::Attendee)
                .await
                .unwrap(),
            Reviewer => app
                .store
                .grant_role(user, conference.id, Role::Reviewer)
                .await
                .unwrap(),
            OtherOrganizer => app
                .store
                .grant_role(user, other, Role::Organizer)
                .await
                .unwrap(),
            _ => {}
        }
        cookies.push((who, cookie));
    }
    cookies.push((
        Organizer,
        app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await,
    ));
    let p = proposal(
        &app,
        conference.id,
        "speaker@example.org",
        "The speaker's talk",
    )
    .await;
    proposal(
        &app,
        conference.id,
        "other-speaker@example.org",
        "Another talk",
    )
    .await;
    let s = DEMO_SLUG;

    let gets: Vec<(String, &[Who])> = vec![
        (format!("/{s}/cfp"), EVERYONE),
        (format!("/{s}/proposals"), EVERYONE),
        (format!("/{s}/proposals/{p}"), EVERYONE),
        (format!("/{s}/speaker/proposals"), LOGGED_IN),
        (format!("/{s}/speaker/proposals/new"), LOGGED_IN),
        (format!("/{s}/speaker/profile"), LOGGED_IN),
        (format!("/{s}/speaker/proposals/{p}"), &[Speaker]),
        (format!("/{s}/review"), &[Reviewer, Organizer]),
        (format!("/{s}/review/{p}"), &[Reviewer, Organizer]),
        (format!("/{s}/organizer/cfp"), &[Organizer]),
        (format!("/{s}/organizer/proposals"), &[Organizer]),
        (format!("/{s}/organizer/proposals.csv"), &[Organizer]),
        (format!("/{s}/organizer/outbox"), &[Organizer]),
        (format!("/{s}/organizer/team"), &[Organizer]),
    ];
    let mut wrong = Vec::new();
    for (path, allowed) in &gets {
        for who in EVERYONE {
            let r = match cookies.iter().find(|(w, _)| w == who) {
                Some((_, c)) => app
                    .client
                    .get(format!("{}{path}", app.base_url))
                    .header("cookie", c)
                    .send()
                    .await
                    .unwrap(),
                None => app
                    .client
                    .get(format!("{}{path}", app.base_url))
                    .send()
                    .await
                    .unwrap(),
            };
            let location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let is_denied = denied(r.status().as_u16(), &location);
            if is_denied == allowed.contains(who) {
                wrong.push(format!("GET {path} as {who:?}: {} {location}", r.status()));
            }
        }
    }

    // Writes, each with the visitor's own form token (the CSRF check is not what refuses).
    type Write = (String, Vec<(&'static str, &'static str)>, &'static [Who]);
    let posts: Vec<Write> = vec![
        (
            format!("/{s}/proposals/{p}/vote"),
            vec![("value", "1")],
            &[Attendee, OtherSpeaker, Reviewer, Organizer, OtherOrganizer],
        ),
        (
            format!("/{s}/proposals/{p}/comments"),
            vec![("body", "")],
            LOGGED_IN,
        ),
        (
            format!("/{s}/speaker/proposals/{p}"),
            vec![("title", "The speaker's talk"), ("draft", "1")],
            &[Speaker],
        ),
        (format!("/{s}/review/{p}"), vec![], &[Reviewer, Organizer]),
        (
            format!("/{s}/organizer/proposals/stage"),
            vec![("decision", "clear")],
            &[Organizer],
        ),
        (
            format!("/{s}/organizer/proposals/assign"),
            vec![],
            &[Organizer],
        ),
        (format!("/{s}/organizer/cfp"), vec![], &[Organizer]),
    ];
    for (path, fields, allowed) in &posts {
        for who in EVERYONE {
            let cookie = cookies
                .iter()
                .find(|(w, _)| w == who)
                .map(|(_, c)| c.clone());
            let csrf = match &cookie {
                Some(c) => csrf_of(
                    &app.get_with_cookie(&format!("/{s}/speaker/profile"), c)
                        .await
                        .1,
                ),
                None => String::new(),
            };
            let mut all = vec![("csrf", csrf.as_str())];
            all.extend(fields.iter().copied());
            let r = app.post_form(path, &all, cookie.as_deref(), &[]).await;
            let location = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let is_denied = denied(r.status().as_u16(), &location);
            if is_denied == allowed.contains(who) {
                wrong.push(format!("POST {path} as {who:?}: {} {location}", r.status()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the matrix is wrong at:\n{}",
        wrong.join("\n")
    );
});
