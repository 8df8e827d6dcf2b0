//! The route × role matrix of the call for proposals: each route, asked by each kind of
//! visitor (anonymous, attendee, the proposal's speaker, another speaker, a reviewer, an
//! organizer, an organizer of another conference), is allowed or denied exactly as intended.
//! Denied means 403, 404 or a redirect to the log-in page; allowed is anything else (a page,
//! a redirect after a write, or a 422 for an empty form that got past the door).
//!
//! The same for the JSON API (seven callers: no token, a garbage, revoked, other conference's
//! or former organizer's token, an organizer's cookie without a token, and an organizer's
//! token: only the last writes, everyone reads) and for every export (public ones for all,
//! organizers' files for their own conference, a private agenda feed by its token); no read
//! or public export shows a draft, a staged decision, a review, private feedback, an email
//! address or a change made only in the work-in-progress schedule.

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

/// GETs `path` with the session `cookie`, if any: status, `Location` and body.
async fn get_as(app: &TestApp, cookie: Option<&str>, path: &str) -> (u16, String, String) {
    let mut request = app.client.get(format!("{}{path}", app.base_url));
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let location = podium_testkit::header_of(&r, "location");
    (status, location, r.text().await.unwrap())
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

/// The demo conference with an open CFP, another conference, and a logged-in visitor of each
/// kind but the anonymous one (sessions by `Who`).
struct Cast {
    conference: Conference,
    other: ConferenceId,
    cookies: Vec<(Who, String)>,
    /// The speaker's submitted proposal.
    proposal: ProposalId,
}

impl Cast {
    fn cookie(&self, who: Who) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, c)| c.as_str())
    }
}

async fn cast(app: &TestApp) -> Cast {
    let conference = open_cfp(app, |_| {}).await;
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
    let speakers_proposal = proposal(
        app,
        conference.id,
        "speaker@example.org",
        "The speaker's talk",
    )
    .await;
    proposal(
        app,
        conference.id,
        "other-speaker@example.org",
        "Another talk",
    )
    .await;
    Cast {
        conference,
        other,
        cookies,
        proposal: speakers_proposal,
    }
}

on_both_backends!(every_cfp_route_for_every_role, |app| {
    let Cast {
        cookies,
        proposal: p,
        ..
    } = cast(&app).await;
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
            let cookie = cookies
                .iter()
                .find(|(w, _)| w == who)
                .map(|(_, c)| c.as_str());
            let (status, location, _) = get_as(&app, cookie, path).await;
            if denied(status, &location) == allowed.contains(who) {
                wrong.push(format!("GET {path} as {who:?}: {status} {location}"));
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
            let location = podium_testkit::header_of(&r, "location");
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

/// The marker in every piece of text that no public read or export may show: a draft, a
/// submitted proposal with a staged acceptance, a proposal's notes for the organizers, a
/// review, a private feedback note and kudos not approved yet.
const SECRET: &str = "zq7";

/// The cast's email addresses (no public read or export shows an account's address).
const EMAILS: &[&str] = &[
    "attendee@example.org",
    "speaker@example.org",
    "other-speaker@example.org",
    "reviewer@example.org",
    "other-organizer@example.org",
    DEMO_ORGANIZER.0,
];

/// A schedule change made only in the work-in-progress version.
struct Unreleased {
    /// A released placement; in the WIP version its talk is taken out of the schedule...
    moved: Placement,
    /// ...and this new talk (public, as every talk of the program is) takes its slot there.
    wip_only: TalkId,
    /// The changes feed's position before the WIP change.
    feed_before: i64,
}

async fn plant_secrets(app: &TestApp, cast: &Cast) -> Unreleased {
    let c = cast.conference.id;
    let user =
        |email: &'static str| async move { app.store.credentials(email).await.unwrap().user };
    app.store
        .cfp()
        .create_proposal(&NewProposal {
            conference: c,
            owner: user("speaker@example.org").await,
            owner_email: "speaker@example.org".into(),
            form: ProposalForm {
                title: format!("Draft proposal {SECRET}"),
                abstract_md: format!("A draft abstract {SECRET}."),
                notes: format!("Notes for the organizers {SECRET}"),
                submission_type: "talk".into(),
                level: "beginner".into(),
                language: "en".into(),
                ..Default::default()
            },
            submit: false,
            form_token: "draft".into(),
        })
        .await
        .unwrap();
    let staged = proposal(
        app,
        c,
        "other-speaker@example.org",
        &format!("Staged proposal {SECRET}"),
    )
    .await;
    app.store
        .cfp()
        .stage(c, &[staged, cast.proposal], Some(Decision::Accepted))
        .await
        .unwrap();
    app.store
        .cfp()
        .save_review(&Review {
            proposal: cast.proposal,
            reviewer: user("reviewer@example.org").await,
            scores: vec![],
            text: format!("Reviewer verdict {SECRET}"),
            abstain: false,
            updated_at: jiff::Timestamp::now().as_second(),
        })
        .await
        .unwrap();
    let program = app.store.program(c).await.unwrap();
    app.store
        .save_feedback(&podium_store::NewFeedback {
            talk: program.placements[1].talk_id,
            user: user("attendee@example.org").await,
            rating: 2,
            comment: format!("Private note {SECRET}"),
            kudos: format!("Kudos not approved yet {SECRET}"),
        })
        .await
        .unwrap();

    let (_, feed_before) = app.store.changes_since(c, i64::MAX, 1).await.unwrap();
    let (_, mut wip) = app.store.wip(c).await.unwrap();
    let moved = wip[0].clone();
    assert!(
        program.placements.contains(&moved),
        "the WIP version starts as a copy of the released one"
    );
    let wip_only = app
        .store
        .save_talk(
            c,
            None,
            &NewTalk {
                key: "wip-only".into(),
                guid: None,
                title: "Placed only in the WIP version".into(),
                abstract_md: String::new(),
                kind: TalkKind::Talk,
                level: Level::Beginner,
                duration_min: program.talk(moved.talk_id).unwrap().duration_min,
                track: None,
                language: "en".into(),
                speakers: vec![],
                slides_url: None,
                video_url: None,
            },
        )
        .await
        .unwrap();
    wip[0].talk_id = wip_only;
    app.store.replace_wip(c, &wip).await.unwrap();
    Unreleased {
        moved,
        wip_only,
        feed_before,
    }
}

/// Whether a response body shows something it must not: secret text or an email address.
fn leaks(body: &str) -> Option<String> {
    if body.contains(SECRET) {
        let at = body.find(SECRET).unwrap_or(0);
        let from = body[..at]
            .char_indices()
            .rev()
            .nth(60)
            .map_or(0, |(i, _)| i);
        return Some(format!("secret text: …{}…", &body[from..at + SECRET.len()]));
    }
    EMAILS
        .iter()
        .find(|e| body.contains(**e))
        .map(|e| format!("the address {e}"))
}

/// Who calls the API: no credentials, a garbage token, a revoked token, a token of another
/// conference's organizer, a token of someone no longer an organizer here, an organizer's
/// session cookie without a token, and a token of an organizer of this conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    NoToken,
    GarbageToken,
    RevokedToken,
    OtherConferenceToken,
    FormerOrganizerToken,
    OrganizerCookie,
    OrganizerToken,
}

const CALLERS: &[Caller] = &[
    Caller::NoToken,
    Caller::GarbageToken,
    Caller::RevokedToken,
    Caller::OtherConferenceToken,
    Caller::FormerOrganizerToken,
    Caller::OrganizerCookie,
    Caller::OrganizerToken,
];

/// A new API token of `email`'s for `conference`, as the organizer API page makes it; with
/// its id.
async fn api_token(app: &TestApp, conference: ConferenceId, email: &str) -> (String, i64) {
    let user = app.store.credentials(email).await.unwrap().user;
    let (token, hash) = podium_app::account::new_api_token().unwrap();
    let id = app
        .store
        .create_api_token(conference, user, "matrix", &hash)
        .await
        .unwrap();
    (token, id)
}

struct Credentials {
    tokens: Vec<(Caller, String)>,
    organizer_cookie: String,
}

/// One API request as `caller`: status, content type and body.
async fn api(
    app: &TestApp,
    credentials: &Credentials,
    caller: Caller,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, String, String) {
    let mut request = app
        .client
        .request(method.parse().unwrap(), format!("{}{path}", app.base_url));
    if let Some((_, token)) = credentials.tokens.iter().find(|(c, _)| *c == caller) {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if caller == Caller::OrganizerCookie {
        request = request.header("cookie", &credentials.organizer_cookie);
    }
    if let Some(b) = body {
        request = request.json(b);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let content_type = podium_testkit::header_of(&r, "content-type");
    // The live event stream never ends: its head is the answer.
    let body = if content_type.starts_with("text/event-stream") {
        String::new()
    } else {
        r.text().await.unwrap()
    };
    (status, content_type, body)
}

/// What a JSON read says about the WIP change that it must not: the WIP-only talk placed
/// anywhere, or the moved talk anywhere but its released slot.
fn wip_leaks(v: &serde_json::Value, u: &Unreleased, found: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::Array(items) => items.iter().for_each(|i| wip_leaks(i, u, found)),
        Value::Object(o) => {
            // A talk (`placement`) or a feed's placement document (`talk_id`, `room_id`).
            let placement = if o.contains_key("placement") {
                o.get("id")
                    .and_then(Value::as_i64)
                    .map(|id| (id, o["placement"].clone()))
            } else if o.contains_key("room_id") {
                o.get("talk_id")
                    .and_then(Value::as_i64)
                    .map(|id| (id, v.clone()))
            } else {
                None
            };
            if let Some((id, place)) = placement {
                let at = (
                    place["room_id"].as_i64(),
                    place["starts_at"]
                        .as_str()
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok()),
                );
                if id == u.wip_only.0 && !place.is_null() {
                    found.push(format!("the WIP-only talk placed: {place}"));
                }
                if id == u.moved.talk_id.0
                    && at != (Some(u.moved.room_id.0), Some(u.moved.starts_at))
                {
                    found.push(format!("the moved talk not at its released slot: {place}"));
                }
            }
            o.values().for_each(|i| wip_leaks(i, u, found));
        }
        _ => {}
    }
}

/// Waits (up to 60 s) until the engine run at `path` is done.
async fn wait_for_the_run(app: &TestApp, credentials: &Credentials, path: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, _, body) = api(app, credentials, Caller::OrganizerToken, "GET", path, None).await;
        let run: serde_json::Value = serde_json::from_str(&body).unwrap();
        if run["state"] == "done" {
            return;
        }
        assert_ne!(run["state"], "failed", "{run}");
        assert!(std::time::Instant::now() < deadline, "the run ends: {run}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

on_both_backends!(every_api_route_for_every_caller, |app| {
    let cast = cast(&app).await;
    let unreleased = plant_secrets(&app, &cast).await;
    let c = cast.conference.id;
    let s = DEMO_SLUG;

    let (organizer_token, _) = api_token(&app, c, DEMO_ORGANIZER.0).await;
    let (revoked, revoked_id) = api_token(&app, c, DEMO_ORGANIZER.0).await;
    app.store.revoke_api_token(c, revoked_id).await.unwrap();
    let (other, _) = api_token(&app, cast.other, "other-organizer@example.org").await;
    // An organizer who made a token and then left the team (no page removes one yet: the
    // row goes as such a page would delete it).
    app.sign_up("former-organizer@example.org").await;
    let former = app
        .store
        .credentials("former-organizer@example.org")
        .await
        .unwrap()
        .user;
    app.store
        .grant_role(former, c, Role::Organizer)
        .await
        .unwrap();
    let (former_token, _) = api_token(&app, c, "former-organizer@example.org").await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("DELETE FROM conference_roles WHERE user_id = $1 AND conference_id = $2")
        .bind(former.0)
        .bind(c.0)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(
        !app.store
            .roles(former, c)
            .await
            .unwrap()
            .contains(&Role::Organizer)
    );
    let credentials = Credentials {
        tokens: vec![
            (Caller::GarbageToken, "podium_0123456789abcdef".to_owned()),
            (Caller::RevokedToken, revoked),
            (Caller::OtherConferenceToken, other),
            (Caller::FormerOrganizerToken, former_token),
            (Caller::OrganizerToken, organizer_token.clone()),
        ],
        organizer_cookie: cast.cookie(Organizer).unwrap().to_owned(),
    };

    // Reads: everyone, whatever they send, gets the released program and nothing else.
    let program = app.store.program(c).await.unwrap();
    let (x, y) = (unreleased.moved.talk_id, unreleased.wip_only);
    let reads = [
        "/api/v1/conferences".to_owned(),
        format!("/api/v1/conferences/{s}"),
        format!("/api/v1/conferences/{s}/talks?per_page=200"),
        format!("/api/v1/conferences/{s}/talks/{x}"),
        format!("/api/v1/conferences/{s}/talks/{y}"),
        format!("/api/v1/conferences/{s}/speakers?per_page=200"),
        format!("/api/v1/conferences/{s}/rooms"),
        format!("/api/v1/conferences/{s}/tracks"),
        format!("/api/v1/conferences/{s}/sessions"),
        format!("/api/v1/conferences/{s}/versions"),
        format!("/api/v1/{s}/changes"),
        format!("/api/v1/{s}/changes?since={}", unreleased.feed_before),
        format!("/api/v1/{s}/events"),
        "/api/v1/openapi.json".to_owned(),
        "/api/v1/docs".to_owned(),
    ];
    // The check itself sees a leak: the WIP-only talk placed, the moved talk elsewhere.
    let mut found = Vec::new();
    wip_leaks(
        &serde_json::json!([
            {"id": y.0, "placement": {"room_id": 1, "starts_at": "2027-09-24T09:15:00+05:30"}},
            {"talk_id": x.0, "room_id": 2, "starts_at": "2027-09-24T09:15:00+05:30"},
        ]),
        &unreleased,
        &mut found,
    );
    assert_eq!(found.len(), 2, "{found:?}");
    let mut wrong = Vec::new();
    for path in &reads {
        for caller in CALLERS {
            let (status, content_type, body) =
                api(&app, &credentials, *caller, "GET", path, None).await;
            if status != 200 {
                wrong.push(format!("GET {path} as {caller:?}: {status} {body}"));
                continue;
            }
            if let Some(leak) = leaks(&body) {
                wrong.push(format!("GET {path} as {caller:?} shows {leak}"));
            }
            if content_type.starts_with("application/json") {
                let mut found = Vec::new();
                wip_leaks(
                    &serde_json::from_str(&body).unwrap(),
                    &unreleased,
                    &mut found,
                );
                for f in found {
                    wrong.push(format!("GET {path} as {caller:?} shows {f}"));
                }
            }
        }
    }
    // The checks look where they should: the moved talk is in the reads, placed.
    let (_, _, talk) = api(
        &app,
        &credentials,
        Caller::NoToken,
        "GET",
        &format!("/api/v1/conferences/{s}/talks/{x}"),
        None,
    )
    .await;
    let talk: serde_json::Value = serde_json::from_str(&talk).unwrap();
    assert_eq!(talk["placement"]["room_id"], unreleased.moved.room_id.0);

    // Writes: only a token of an organizer of this conference; everyone else is refused
    // with a problem document and nothing changes. The organizer goes last (the release
    // publishes the WIP version).
    let room = program.rooms[0].id;
    let wip_before = app.store.wip(c).await.unwrap();
    let writes: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        (
            "POST",
            format!("/api/v1/conferences/{s}/talks"),
            Some(serde_json::json!({"title": "Made through the API", "duration_min": 30})),
        ),
        (
            "PATCH",
            format!("/api/v1/conferences/{s}/talks/{x}"),
            Some(serde_json::json!({"abstract": "Patched through the API."})),
        ),
        (
            "POST",
            format!("/api/v1/conferences/{s}/rooms"),
            Some(serde_json::json!({"name": "API room", "capacity": 10})),
        ),
        (
            "POST",
            format!("/api/v1/conferences/{s}/sessions"),
            Some(serde_json::json!({"room_id": room.0, "label": "Late",
                "starts_at": "2027-09-24T22:00:00+05:30", "ends_at": "2027-09-24T23:00:00+05:30",
                "slot_minutes": 30})),
        ),
        (
            "PUT",
            format!("/api/v1/conferences/{s}/talks/{x}/placement"),
            Some(serde_json::json!({"room_id": unreleased.moved.room_id.0,
                "starts_at": unreleased.moved.starts_at.to_string(), "override": true})),
        ),
        (
            "POST",
            format!("/api/v1/conferences/{s}/schedule/run"),
            Some(serde_json::json!({"seconds": 1})),
        ),
        ("GET", format!("/api/v1/conferences/{s}/schedule/run"), None),
        (
            "POST",
            format!("/api/v1/conferences/{s}/schedule/run/accept"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/conferences/{s}/schedule/release"),
            None,
        ),
    ];
    for caller in CALLERS.iter().filter(|c| **c != Caller::OrganizerToken) {
        let expected = match caller {
            Caller::OtherConferenceToken | Caller::FormerOrganizerToken => (403, "forbidden"),
            _ => (401, "unauthorized"),
        };
        for (method, path, body) in &writes {
            let (status, content_type, text) =
                api(&app, &credentials, *caller, method, path, body.as_ref()).await;
            let code = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|p| p["code"].as_str().map(str::to_owned));
            if (status, code.as_deref()) != (expected.0, Some(expected.1))
                || content_type != "application/problem+json"
            {
                wrong.push(format!(
                    "{method} {path} as {caller:?}: {status} {content_type} {text}"
                ));
            }
        }
    }
    if app.store.program(c).await.unwrap() != program {
        wrong.push("a refused write changed the program".to_owned());
    }
    if app.store.wip(c).await.unwrap() != wip_before {
        wrong.push("a refused write changed the WIP version".to_owned());
    }
    let mut answered = Vec::new();
    for (method, path, body) in &writes {
        if path.ends_with("/run/accept") {
            wait_for_the_run(&app, &credentials, path.trim_end_matches("/accept")).await;
        }
        let (status, _, text) = api(
            &app,
            &credentials,
            Caller::OrganizerToken,
            method,
            path,
            body.as_ref(),
        )
        .await;
        if status == 401 || status == 403 || status >= 500 {
            wrong.push(format!(
                "{method} {path} as OrganizerToken: {status} {text}"
            ));
        }
        answered.push(format!("{method} {path}: {status}"));
    }
    // Another conference's talk or room, named through this conference's path: not found
    // (or invalid), and that conference unchanged.
    let theirs = app.store.program(cast.other).await.unwrap();
    let their_wip = app.store.wip(cast.other).await.unwrap();
    let (their_talk, their_room) = (theirs.talks[0].id, theirs.rooms[0].id);
    let at = unreleased.moved.starts_at.to_string();
    let crossing = [
        (
            "PATCH",
            format!("/api/v1/conferences/{s}/talks/{their_talk}"),
            serde_json::json!({"title": "Renamed from another conference"}),
        ),
        (
            "PUT",
            format!("/api/v1/conferences/{s}/talks/{their_talk}/placement"),
            serde_json::json!({"room_id": room.0, "starts_at": at, "override": true}),
        ),
        (
            "PUT",
            format!("/api/v1/conferences/{s}/talks/{x}/placement"),
            serde_json::json!({"room_id": their_room.0, "starts_at": at, "override": true}),
        ),
        (
            "POST",
            format!("/api/v1/conferences/{s}/sessions"),
            serde_json::json!({"room_id": their_room.0, "label": "Borrowed",
                "starts_at": "2027-05-01T20:00:00+02:00", "ends_at": "2027-05-01T21:00:00+02:00",
                "slot_minutes": 30}),
        ),
    ];
    for (method, path, body) in &crossing {
        let (status, _, text) = api(
            &app,
            &credentials,
            Caller::OrganizerToken,
            method,
            path,
            Some(body),
        )
        .await;
        if !matches!(status, 404 | 422) {
            wrong.push(format!("{method} {path} {body}: {status} {text}"));
        }
    }
    if app.store.program(cast.other).await.unwrap() != theirs
        || app.store.wip(cast.other).await.unwrap() != their_wip
    {
        wrong.push("another conference changed through this one's API".to_owned());
    }
    // The token opens its own conference only.
    let (status, _, _) = api(
        &app,
        &credentials,
        Caller::OrganizerToken,
        "POST",
        "/api/v1/conferences/other-2027/rooms",
        Some(&serde_json::json!({"name": "Not yours", "capacity": 1})),
    )
    .await;
    if status != 403 {
        wrong.push(format!(
            "POST another conference's room with our token: {status}"
        ));
    }
    assert!(
        wrong.is_empty(),
        "the API matrix is wrong at:\n{}",
        wrong.join("\n")
    );
    eprintln!("organizer's writes answered: {}", answered.join(", "));
    let after = app.store.program(c).await.unwrap();
    assert_eq!(
        after.talks.len(),
        program.talks.len() + 1,
        "the talk was made"
    );
    assert!(after.rooms.iter().any(|r| r.name == "API room"));
    assert_eq!(
        app.store.released_versions(c).await.unwrap().len(),
        2,
        "the organizer's release went through"
    );
});

on_both_backends!(every_export_for_every_role, |app| {
    let cast = cast(&app).await;
    let unreleased = plant_secrets(&app, &cast).await;
    let c = cast.conference.id;
    let s = DEMO_SLUG;
    let program = app.store.program(c).await.unwrap();
    let guid = |t: TalkId| program.talk(t).unwrap().guid.clone();
    let moved = guid(unreleased.moved.talk_id);
    let wip_only = guid(unreleased.wip_only);

    // The attendee and the speaker each marked a talk; their private feeds show their own.
    let mut feeds = Vec::new();
    for (email, talk) in [
        ("attendee@example.org", program.placements[2].talk_id),
        ("speaker@example.org", program.placements[3].talk_id),
    ] {
        let user = app.store.credentials(email).await.unwrap().user;
        app.store.set_interest(user, talk, true).await.unwrap();
        let token = app
            .store
            .feed_token(user, &podium_app::account::random_token().unwrap())
            .await
            .unwrap();
        feeds.push((token, guid(talk)));
    }
    // A held mail with a calendar file, in this conference's outbox and in the other's.
    let mail = |conference| podium_store::NewMail {
        conference: Some(conference),
        kind: "test".to_owned(),
        to_address: "speaker@example.org".to_owned(),
        to_name: "Speaker".to_owned(),
        subject: "Your talk moved".to_owned(),
        body_text: "It moved.\n".to_owned(),
        attachments: vec![podium_store::MailAttachment {
            filename: "talk.ics".to_owned(),
            content_type: "text/calendar".to_owned(),
            body: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
        }],
        hold: true,
    };
    let ours = app.store.queue_mail(&mail(c)).await.unwrap();
    let theirs = app.store.queue_mail(&mail(cast.other)).await.unwrap();

    const NOBODY: &[Who] = &[];
    let other_program = app.store.program(cast.other).await.unwrap();
    let (room, track) = (program.rooms[0].id, program.tracks[0].id);
    // Path, who may fetch it, what an allowed answer contains and must not contain.
    type Export = (String, &'static [Who], Vec<String>, Vec<String>);
    let mut exports: Vec<Export> = ["xml", "json", "ics", "csv"]
        .iter()
        .map(|ext| {
            (
                format!("/{s}/schedule.{ext}"),
                EVERYONE,
                vec![moved.clone()],
                vec![wip_only.clone()],
            )
        })
        .collect();
    exports.extend([
        (
            format!("/{s}/rooms/{room}/schedule.ics"),
            EVERYONE,
            vec![],
            vec![wip_only.clone()],
        ),
        (
            format!("/{s}/tracks/{track}/schedule.ics"),
            EVERYONE,
            vec![],
            vec![wip_only.clone()],
        ),
        // Another conference's room and track, through this conference's address.
        (
            format!("/{s}/rooms/{}/schedule.ics", other_program.rooms[0].id),
            NOBODY,
            vec![],
            vec![],
        ),
        (
            format!("/{s}/tracks/{}/schedule.ics", other_program.tracks[0].id),
            NOBODY,
            vec![],
            vec![],
        ),
        (
            format!("/{s}/offline.json"),
            EVERYONE,
            vec![format!("/{s}/schedule")],
            vec![],
        ),
        // A private feed opens with its token, whoever holds the URL, and shows that
        // person's marks only.
        (
            format!("/{s}/agenda/{}.ics", feeds[0].0),
            EVERYONE,
            vec![feeds[0].1.clone()],
            vec![feeds[1].1.clone()],
        ),
        (
            format!("/{s}/agenda/{}.ics", feeds[1].0),
            EVERYONE,
            vec![feeds[1].1.clone()],
            vec![feeds[0].1.clone()],
        ),
        (
            format!("/{s}/agenda/{}.ics", "0".repeat(64)),
            NOBODY,
            vec![],
            vec![],
        ),
        (
            format!("/{s}/organizer/proposals.csv"),
            &[Organizer],
            // The organizers' own files do have what the public ones must not.
            vec![format!("Staged proposal {SECRET}")],
            vec![],
        ),
        (
            format!("/{s}/organizer/feedback.csv"),
            &[Organizer],
            vec![format!("Private note {SECRET}")],
            vec![],
        ),
        (
            format!("/{s}/organizer/outbox/{ours}/attachments/0"),
            &[Organizer],
            vec!["BEGIN:VCALENDAR".to_owned()],
            vec![],
        ),
        // The other conference's mail, through this conference's outbox.
        (
            format!("/{s}/organizer/outbox/{theirs}/attachments/0"),
            NOBODY,
            vec![],
            vec![],
        ),
        (
            "/other-2027/organizer/proposals.csv".to_owned(),
            &[OtherOrganizer],
            vec![],
            vec![],
        ),
        (
            "/other-2027/organizer/feedback.csv".to_owned(),
            &[OtherOrganizer],
            vec![],
            vec![],
        ),
        (
            format!("/other-2027/organizer/outbox/{theirs}/attachments/0"),
            &[OtherOrganizer],
            vec![],
            vec![],
        ),
    ]);
    let mut wrong = Vec::new();
    for (path, allowed, contains, lacks) in &exports {
        let public = *allowed == EVERYONE;
        for who in EVERYONE {
            let (status, location, body) = get_as(&app, cast.cookie(*who), path).await;
            if !allowed.contains(who) {
                if !denied(status, &location) {
                    wrong.push(format!("GET {path} as {who:?}: {status} {location}"));
                }
                continue;
            }
            if status != 200 {
                wrong.push(format!("GET {path} as {who:?}: {status} {location}"));
                continue;
            }
            if public && let Some(leak) = leaks(&body) {
                wrong.push(format!("GET {path} as {who:?} shows {leak}"));
            }
            for c in contains {
                if !body.contains(c.as_str()) {
                    wrong.push(format!("GET {path} as {who:?} lacks {c}"));
                }
            }
            for l in lacks {
                if body.contains(l.as_str()) {
                    wrong.push(format!("GET {path} as {who:?} shows {l}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the export matrix is wrong at:\n{}",
        wrong.join("\n")
    );
});
