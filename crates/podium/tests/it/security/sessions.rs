//! Sessions: a session token planted before log-in is never the one after (fixation); the
//! cookie is HttpOnly, SameSite and Secure with enough randomness; log-out ends the session on
//! the server, so a copied cookie stops working; a password reset ends every other session.

use podium_store::Store;
use podium_testkit::{TestApp, cookie_of};

use super::csrf;

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get("set-cookie")
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn log_in_with(app: &TestApp, email: &str, password: &str, cookie: Option<&str>) -> String {
    let r = app
        .post_form(
            "/login",
            &[("email", email), ("password", password)],
            cookie,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303, "log-in as {email}");
    cookie_of(&r)
}

/// Whether `cookie` is a live session of `email` (its account page names it).
async fn works_as(app: &TestApp, cookie: &str, email: &str) -> bool {
    let (status, html) = app.get_with_cookie("/account", cookie).await;
    status == 200 && html.contains(email)
}

on_both_backends!(a_session_planted_before_log_in_is_not_kept, |app| {
    app.sign_up("victim@example.org").await;
    let attacker = app.sign_up("attacker@example.org").await;

    // A token the attacker made up, set in the victim's browser before they log in.
    let planted = format!("podium_session={}", "ab".repeat(32));
    assert!(!works_as(&app, &planted, "@").await);
    let after = log_in_with(
        &app,
        "victim@example.org",
        "just an attendee",
        Some(&planted),
    )
    .await;
    assert_ne!(after, planted);
    assert!(works_as(&app, &after, "victim@example.org").await);
    assert!(
        !works_as(&app, &planted, "victim@example.org").await,
        "the planted token did not become the victim's session"
    );

    // The attacker's own live session, planted: log-in makes a new one, and the attacker's
    // stays the attacker's.
    let after = log_in_with(
        &app,
        "victim@example.org",
        "just an attendee",
        Some(&attacker),
    )
    .await;
    assert_ne!(after, attacker);
    assert!(works_as(&app, &after, "victim@example.org").await);
    assert!(works_as(&app, &attacker, "attacker@example.org").await);
    assert!(!works_as(&app, &attacker, "victim@example.org").await);
});

on_both_backends!(session_cookies_are_private_and_random, |app| {
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", "Ada"),
                ("email", "ada@example.org"),
                ("password", "a long enough password"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let cookie = set_cookie(&r);
    let parts: Vec<&str> = cookie.split("; ").collect();
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(parts.contains(&flag), "{flag} in {cookie}");
    }
    let token = parts[0].trim_start_matches("podium_session=");
    assert!(
        token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "at least 128 random bits: {token}"
    );
    let second = log_in_with(&app, "ada@example.org", "a long enough password", None).await;
    assert_ne!(second, parts[0], "every log-in gets its own token");
});

on_both_backends!(log_out_ends_the_session_on_the_server, |app| {
    let cookie = app.sign_up("ada@example.org").await;
    let copy = cookie.clone();
    let token = csrf(&app, &cookie).await;
    let r = app
        .post_form("/logout", &[("csrf", &token)], Some(&cookie), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        set_cookie(&r).contains("Max-Age=0"),
        "the browser forgets it"
    );
    // A copy of the cookie (another tab, a stolen one) no longer works anywhere.
    let (status, _) = app.get_with_cookie("/account", &copy).await;
    assert_eq!(status, 303, "sent to log in");
    let r = app
        .post_form("/account/verify", &[("csrf", &token)], Some(&copy), &[])
        .await;
    assert_eq!(
        r.status(),
        303,
        "a form of the ended session asks to log in"
    );
    assert_eq!(r.headers()["location"], "/login");
    let token_only = copy.trim_start_matches("podium_session=");
    assert!(
        app.store
            .login(token_only, jiff::Timestamp::now().as_second())
            .await
            .is_err(),
        "the session is gone from the database"
    );
});

on_both_backends!(a_password_reset_ends_every_other_session, |app| {
    let first = app.sign_up("ada@example.org").await;
    let second = log_in_with(&app, "ada@example.org", "just an attendee", None).await;
    let r = app
        .post_form(
            "/password/forgot",
            &[("email", "ada@example.org")],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    let mail = app.wait_for_mail("ada@example.org", "password").await;
    let link = mail.link("https://podium.test/password/reset/");
    let r = app
        .post_form(&link, &[("password", "a brand new password")], None, &[])
        .await;
    assert_eq!(r.status(), 303);
    let fresh = cookie_of(&r);
    assert!(works_as(&app, &fresh, "ada@example.org").await);
    for old in [&first, &second] {
        assert!(
            !works_as(&app, old, "ada@example.org").await,
            "an old session survived the reset"
        );
    }
    // The old password is gone, the new one works, and the link works once.
    let r = app
        .post_form(
            "/login",
            &[
                ("email", "ada@example.org"),
                ("password", "just an attendee"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 401);
    log_in_with(&app, "ada@example.org", "a brand new password", None).await;
    let r = app
        .post_form(&link, &[("password", "yet another password")], None, &[])
        .await;
    assert_eq!(r.status(), 410);
});
