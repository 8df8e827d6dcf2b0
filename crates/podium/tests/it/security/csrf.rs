//! Cross-site request forgery: every state-changing route, read from the routers' source, is
//! refused for a logged-in visitor who sends no form token or another session's, and refused
//! when the browser says the request comes from another site (`Origin`, `Sec-Fetch-Site`) —
//! with the message of that check, so the refusal is the CSRF check's and not another's; the
//! API never takes a session cookie in place of its token. Nothing changes: the conference
//! dumps the same before and after, and the sessions still work. A route this test does not
//! know fails it: add the route to `KNOWN` with who may use it.

use std::collections::BTreeSet;

use podium_store::Store;
use podium_testkit::Backend;

use super::{SLUG, Site, routes};

/// Who can use a route, so the refusal tested is the form token's and not the role check's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Organizer,
    Speaker,
    Reviewer,
    Attendee,
    /// Log-in, sign-up and password reset: there is no session yet, so no session token;
    /// only the cross-site checks apply (they stop log-in CSRF).
    NoSession,
    /// The JSON API: an organizer's bearer token, never a cookie.
    Api,
    /// A logged-in attendee, but the form carries no session token on purpose: the talk page
    /// that holds it is the same for everyone, so it can be cached (with JavaScript the star
    /// goes through the token-checked agenda merge instead). Only the cross-site checks
    /// protect it, and the worst a forged post could do is add a talk to someone's list.
    /// See docs/security.md.
    OriginChecked,
}

/// How the request body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Form,
    Multipart,
    /// JSON with the form token inside (the agenda's star merge).
    Json,
}

use Body::*;
use Who::*;

/// Every state-changing route: (method, path as in the source, who, body).
const KNOWN: &[(&str, &str, Who, Body)] = &[
    ("POST", "/signup", NoSession, Form),
    ("POST", "/login", NoSession, Form),
    ("POST", "/logout", Attendee, Form),
    ("POST", "/account/verify", Attendee, Form),
    ("POST", "/password/forgot", NoSession, Form),
    ("POST", "/password/reset/{token}", NoSession, Form),
    ("POST", "/invitations/{token}", Attendee, Form),
    ("POST", "/{slug}/agenda/merge", Attendee, Json),
    ("POST", "/{slug}/talks/{id}/want", OriginChecked, Form),
    ("POST", "/{slug}/talks/{id}/unwant", Attendee, Form),
    ("POST", "/{slug}/talks/{id}/feedback", Attendee, Form),
    ("POST", "/{slug}/proposals/{id}/vote", Attendee, Form),
    ("POST", "/{slug}/proposals/{id}/comments", Attendee, Form),
    (
        "POST",
        "/{slug}/proposals/{id}/comments/{cid}",
        Speaker,
        Form,
    ),
    ("POST", "/{slug}/speaker/proposals/new", Speaker, Form),
    ("POST", "/{slug}/speaker/proposals/{id}", Speaker, Form),
    (
        "POST",
        "/{slug}/speaker/proposals/{id}/withdraw",
        Speaker,
        Form,
    ),
    (
        "POST",
        "/{slug}/speaker/proposals/{id}/confirm",
        Speaker,
        Form,
    ),
    (
        "POST",
        "/{slug}/speaker/proposals/{id}/speakers",
        Speaker,
        Form,
    ),
    ("POST", "/{slug}/speaker/join/{token}", Speaker, Form),
    ("POST", "/{slug}/speaker/profile", Speaker, Form),
    (
        "POST",
        "/{slug}/speaker/talks/{id}/slides",
        Speaker,
        Multipart,
    ),
    (
        "POST",
        "/{slug}/speaker/talks/{id}/slides/link",
        Speaker,
        Form,
    ),
    (
        "POST",
        "/{slug}/speaker/talks/{id}/slides/remove",
        Speaker,
        Form,
    ),
    ("POST", "/{slug}/review/{id}", Reviewer, Form),
    ("POST", "/{slug}/review/{id}/conflict", Reviewer, Form),
    ("POST", "/{slug}/organizer/schedule/run", Organizer, Form),
    ("POST", "/{slug}/organizer/schedule/cancel", Organizer, Form),
    ("POST", "/{slug}/organizer/schedule/accept", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/schedule/discard",
        Organizer,
        Form,
    ),
    (
        "POST",
        "/{slug}/organizer/schedule/release",
        Organizer,
        Form,
    ),
    (
        "POST",
        "/{slug}/organizer/schedule/talks/{id}/move",
        Organizer,
        Form,
    ),
    (
        "POST",
        "/{slug}/organizer/schedule/talks/{id}/pin",
        Organizer,
        Form,
    ),
    (
        "POST",
        "/{slug}/organizer/schedule/talks/{id}/cancel",
        Organizer,
        Form,
    ),
    (
        "POST",
        "/{slug}/organizer/schedule/talks/{id}/restore",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/import", Organizer, Multipart),
    ("POST", "/{slug}/organizer/import/apply", Organizer, Form),
    ("POST", "/{slug}/organizer/api", Organizer, Form),
    ("POST", "/{slug}/organizer/api/{id}/revoke", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/feedback/{id}/{verdict}",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/feedback/link", Organizer, Form),
    ("POST", "/{slug}/organizer/sponsors", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/sponsors/{id}/remove",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/formats/run", Organizer, Form),
    ("POST", "/{slug}/organizer/grid", Organizer, Form),
    ("POST", "/{slug}/organizer/grid/rooms", Organizer, Form),
    ("POST", "/{slug}/organizer/grid/remove", Organizer, Form),
    ("POST", "/{slug}/organizer/team", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/team/invitations/{id}/revoke",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/outbox/send", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/outbox/{id}/send",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/cfp", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/cfp/phases/start",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/proposals/stage", Organizer, Form),
    (
        "POST",
        "/{slug}/organizer/proposals/release",
        Organizer,
        Form,
    ),
    (
        "POST",
        "/{slug}/organizer/proposals/assign",
        Organizer,
        Form,
    ),
    ("POST", "/{slug}/organizer/proposals/teams", Organizer, Form),
    ("POST", "/api/v1/conferences/{slug}/talks", Api, Json),
    ("PATCH", "/api/v1/conferences/{slug}/talks/{id}", Api, Json),
    ("POST", "/api/v1/conferences/{slug}/rooms", Api, Json),
    ("POST", "/api/v1/conferences/{slug}/sessions", Api, Json),
    (
        "PUT",
        "/api/v1/conferences/{slug}/talks/{id}/placement",
        Api,
        Json,
    ),
    ("POST", "/api/v1/conferences/{slug}/schedule/run", Api, Json),
    (
        "POST",
        "/api/v1/conferences/{slug}/schedule/run/accept",
        Api,
        Json,
    ),
    (
        "POST",
        "/api/v1/conferences/{slug}/schedule/release",
        Api,
        Json,
    ),
];

/// The routes of the source and of `KNOWN` agree (both ways, so the list stays true).
#[test]
fn every_state_changing_route_is_known() {
    let found = routes::state_changing();
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(m, p, _, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let unknown: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        unknown.is_empty() && gone.is_empty(),
        "state-changing routes the CSRF suite does not know (add them to security::csrf::KNOWN): {unknown:?}; \
         listed but no longer routed: {gone:?}"
    );
}

/// One attempt and what must come of it.
struct Attempt {
    label: &'static str,
    /// The form token sent (None: none at all).
    token: Option<String>,
    headers: Vec<(&'static str, &'static str)>,
    /// Words of the refusal page (the check that refused it).
    says: &'static [&'static str],
}

const OTHER_SITE: &[&str] = &["sent from another site"];
const OUT_OF_DATE: &[&str] = &["This form is out of date", "bad_form_token"];

async fn forged_requests_are_refused(backend: Backend) {
    let site = Site::new(backend).await;
    let app = &site.app;
    let before = app.store.dump_conference(SLUG).await.unwrap();
    let mut wrong = Vec::new();
    for (method, template, who, body) in KNOWN {
        let path = site.path(template);
        let visitor = match who {
            Organizer => Some(&site.organizer),
            Speaker => Some(&site.speaker),
            Reviewer => Some(&site.reviewer),
            Attendee | OriginChecked => Some(&site.attendee),
            NoSession | Api => None,
        };
        // Another logged-in visitor's valid token: a token, but not this session's.
        let foreign = if visitor.is_some_and(|v| v.user == site.attendee.user) {
            site.speaker.csrf.clone()
        } else {
            site.attendee.csrf.clone()
        };
        let own = visitor.map(|v| v.csrf.clone());
        let mut attempts = Vec::new();
        if visitor.is_some() && *who != OriginChecked {
            attempts.push(Attempt {
                label: "without a form token",
                token: None,
                headers: vec![],
                says: OUT_OF_DATE,
            });
            attempts.push(Attempt {
                label: "with another session's token",
                token: Some(foreign),
                headers: vec![],
                says: OUT_OF_DATE,
            });
        }
        for (label, headers) in [
            (
                "from another origin",
                vec![("origin", "https://evil.example")],
            ),
            ("from a null origin", vec![("origin", "null")]),
            (
                "marked cross-site by the browser",
                vec![("sec-fetch-site", "cross-site")],
            ),
            (
                "marked same-site (a sibling subdomain) by the browser",
                vec![
                    ("sec-fetch-site", "same-site"),
                    ("origin", "https://evil.podium.test"),
                ],
            ),
        ] {
            attempts.push(Attempt {
                label,
                token: own.clone(),
                headers,
                says: OTHER_SITE,
            });
        }
        for a in attempts {
            let url = format!("{}{path}", app.base_url);
            let mut request = app.client.request(method.parse().unwrap(), &url);
            if let Some(v) = visitor {
                request = request.header("cookie", &v.cookie);
            }
            for (name, value) in &a.headers {
                request = request.header(*name, *value);
            }
            let token = a.token.clone().unwrap_or_default();
            request = match body {
                Form => {
                    let mut fields = vec![
                        ("email", "someone@example.org"),
                        ("password", "a long enough password"),
                        ("name", "Someone"),
                    ];
                    if a.token.is_some() {
                        fields.push(("csrf", token.as_str()));
                    }
                    request.form(&fields)
                }
                Multipart => {
                    const B: &str = "csrf-test-boundary";
                    let mut text = String::new();
                    if a.token.is_some() {
                        text.push_str(&format!(
                            "--{B}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
                        ));
                    }
                    text.push_str(&format!(
                        "--{B}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xml\"\r\n\r\n<schedule/>\r\n--{B}--\r\n"
                    ));
                    request
                        .header("content-type", format!("multipart/form-data; boundary={B}"))
                        .body(text)
                }
                Json if *who == Api => request.json(&serde_json::json!({ "title": "Forged" })),
                Json => request.json(&serde_json::json!({
                    "csrf": token,
                    "changes": [{ "talk": site.talk.0, "star": true }]
                })),
            };
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            let refused = match who {
                // The API refuses a cookie without its token, and anything from another site.
                Api => matches!(status, 401 | 403),
                _ => status == 403 && a.says.iter().any(|w| text.contains(w)),
            };
            if !refused {
                wrong.push(format!(
                    "{method} {path} as {who:?} {}: {status} {}",
                    a.label,
                    text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    // The API with a session cookie and no token, from this very site.
    for (method, template, who, _) in KNOWN.iter().filter(|k| k.2 == Api) {
        let path = site.path(template);
        let r = app
            .client
            .request(method.parse().unwrap(), format!("{}{path}", app.base_url))
            .header("cookie", &site.organizer.cookie)
            .json(&serde_json::json!({ "title": "Forged" }))
            .send()
            .await
            .unwrap();
        if r.status() != 401 {
            wrong.push(format!(
                "{method} {path} as {who:?} with the organizer's cookie: {}",
                r.status()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} forged requests were not refused as such:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Nothing changed, and every session still works (log-out was refused too).
    assert_eq!(app.store.dump_conference(SLUG).await.unwrap(), before);
    for v in [
        &site.organizer,
        &site.speaker,
        &site.reviewer,
        &site.attendee,
    ] {
        let (status, html) = app.get_with_cookie("/account", &v.cookie).await;
        assert_eq!(status, 200);
        assert!(html.contains(&v.csrf), "the session still works");
    }
    assert!(
        app.store.credentials("someone@example.org").await.is_err(),
        "no account was made"
    );
}

#[tokio::test]
async fn forged_requests_are_refused_sqlite() {
    forged_requests_are_refused(Backend::Sqlite).await;
}

#[tokio::test]
async fn forged_requests_are_refused_postgres() {
    forged_requests_are_refused(Backend::Postgres).await;
}
