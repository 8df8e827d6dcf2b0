//! Brute force: log-in attempts are counted per client (10 a minute in tests); past the
//! budget even the right password is refused with 429 and `Retry-After`, a forged
//! `X-Forwarded-For` does not buy a fresh budget (the proxy is not trusted unless configured),
//! and sign-up, reset requests and reset links draw on the same budget. Across instances the
//! count is shared through Redis (tests/it/redis.rs).

use podium_store::Store;
use podium_testkit::TestApp;

async fn attempt(app: &TestApp, password: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(
        "/login",
        &[("email", "ada@example.org"), ("password", password)],
        None,
        headers,
    )
    .await
}

on_both_backends!(log_in_is_throttled_per_client, |app| {
    // Made without the form, so the budget is whole.
    podium_app::account::sign_up(
        &*app.store,
        &podium_app::account::SignUp {
            name: "Ada".into(),
            email: "ada@example.org".into(),
            password: "the right password".into(),
        },
    )
    .await
    .unwrap();
    for i in 0..10 {
        let r = attempt(&app, &format!("guess {i}"), &[]).await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = attempt(&app, "the right password", &[]).await;
    assert_eq!(r.status(), 429, "the right password, too late");
    assert_eq!(r.headers()["retry-after"], "60");
    let r = attempt(
        &app,
        "the right password",
        &[("x-forwarded-for", "203.0.113.7")],
    )
    .await;
    assert_eq!(r.status(), 429, "a forged X-Forwarded-For is no new client");
    for (path, fields) in [
        (
            "/signup",
            vec![
                ("name", "Eve"),
                ("email", "eve@example.org"),
                ("password", "whatever it is"),
            ],
        ),
        ("/password/forgot", vec![("email", "ada@example.org")]),
        (
            "/password/reset/0123456789abcdef",
            vec![("password", "a new password")],
        ),
    ] {
        let r = app.post_form(path, &fields, None, &[]).await;
        assert_eq!(r.status(), 429, "{path}");
    }
    assert!(app.store.credentials("eve@example.org").await.is_err());
});
