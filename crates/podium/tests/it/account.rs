//! Accounts: sign up, log in and out, CSRF protection, rate limiting.

use podium_store::Store;
use podium_testkit::TestApp;

/// The `name=value` part of the session cookie a response sets.
fn session_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get("set-cookie")
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"),
        "{set}"
    );
    podium_testkit::cookie_of(response)
}

async fn sign_up(app: &TestApp, email: &str) -> String {
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", "Ada Lovelace"),
                ("email", email),
                ("password", "analytical engine"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").unwrap(), "/account");
    session_cookie(&r)
}

on_both_backends!(sign_up_logs_you_in, |app| {
    let cookie = sign_up(&app, "Ada@Example.org").await;
    let (status, html) = app.get_with_cookie("/account", &cookie).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Signed in as <strong>Ada Lovelace</strong> (ada@example.org)"),
        "{html}"
    );
    let (status, _) = app.get("/account").await;
    assert_eq!(status, 303, "no cookie, no account page");
});

on_both_backends!(a_refused_sign_up_keeps_what_was_typed, |app| {
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", "Ada Lovelace"),
                ("email", "ada-at-example"),
                ("password", "short-pw"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"value="Ada Lovelace""#) && html.contains(r#"value="ada-at-example""#),
        "{html}"
    );
    assert!(html.contains("This does not look like an email address."));
    assert!(html.contains("Use at least 10 characters"));
    assert!(!html.contains("short-pw"), "the password is never echoed");

    sign_up(&app, "ada@example.org").await;
    let r = app
        .post_form(
            "/signup",
            &[
                ("name", "Other"),
                ("email", "ADA@example.org"),
                ("password", "another long one"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("An account with this email exists already.")
    );
});

on_both_backends!(log_in_and_out, |app| {
    sign_up(&app, "ada@example.org").await;
    let r = app
        .post_form(
            "/login",
            &[("email", "ada@example.org"), ("password", "wrong password")],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Email or password is wrong.") && html.contains(r#"value="ada@example.org""#)
    );
    let r = app
        .post_form(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "wrong password"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(
        r.status(),
        401,
        "unknown emails look the same as wrong passwords"
    );

    let r = app
        .post_form(
            "/login",
            &[
                ("email", "ADA@example.org"),
                ("password", "analytical engine"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let cookie = session_cookie(&r);
    let (status, html) = app.get_with_cookie("/account", &cookie).await;
    assert_eq!(status, 200);
    let csrf = podium_testkit::csrf_of(&html);

    let r = app
        .post_form("/logout", &[("csrf", "forged")], Some(&cookie), &[])
        .await;
    assert_eq!(r.status(), 403, "log-out needs the session's form token");
    let (status, _) = app.get_with_cookie("/account", &cookie).await;
    assert_eq!(status, 200, "still logged in");

    let r = app
        .post_form("/logout", &[("csrf", &csrf)], Some(&cookie), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _) = app.get_with_cookie("/account", &cookie).await;
    assert_eq!(status, 303, "the session is gone on the server too");
});

on_both_backends!(cross_site_posts_are_refused, |app| {
    let fields = [
        ("name", "Eve"),
        ("email", "eve@example.org"),
        ("password", "long enough pw"),
    ];
    let r = app
        .post_form(
            "/signup",
            &fields,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            "/signup",
            &fields,
            None,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(matches!(
        app.store.credentials("eve@example.org").await,
        Err(podium_store::StoreError::NotFound(_))
    ));
    let r = app
        .post_form(
            "/signup",
            &fields,
            None,
            &[
                ("origin", "https://podium.test"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "our own origin is fine");
});

on_both_backends!(log_in_attempts_are_rate_limited, |app| {
    for i in 0..10 {
        let r = app
            .post_form(
                "/login",
                &[("email", "x@example.org"), ("password", "wrong password")],
                None,
                &[],
            )
            .await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = app
        .post_form(
            "/login",
            &[("email", "x@example.org"), ("password", "wrong password")],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers().get("retry-after").unwrap(), "60");
});
