//! Email verification links (`/verify/{token}`) and "resend the link" on the account page.
//! Also the small page helpers the other emailed-link pages (password reset, invitations) use.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use podium_app::verification;
use serde::Deserialize;

use super::{render, ser};
use crate::auth::{check_form_token, client_ip, current_login};
use crate::{AppError, AppState};

/// Verification routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/verify/{token}", get(verify_email))
        .route("/account/verify", post(resend_link))
}

/// Keeps a page that carries a one-time token out of caches and history restores. (Links
/// followed from it leak no token: the site-wide Referrer-Policy sends only the origin to other
/// sites.)
pub(super) fn keep_private(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A short page: a heading, paragraphs and links (`(href, text)`), with a status.
pub(super) fn notice(
    state: &AppState,
    status: StatusCode,
    heading: &str,
    paragraphs: &[&str],
    links: &[(&str, &str)],
) -> Result<Response, AppError> {
    let mut response = render(
        state,
        "notice.html",
        context! { heading, paragraphs => ser(paragraphs), links => ser(links) },
    )?;
    *response.status_mut() = status;
    keep_private(&mut response);
    Ok(response)
}

async fn verify_email(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match verification::verify(&*state.store, &token).await? {
        Some(_) => notice(
            &state,
            StatusCode::OK,
            "Email address verified",
            &["Thank you: your email address is verified."],
            &[("/account", "Your account")],
        ),
        None => notice(
            &state,
            StatusCode::GONE,
            "This link no longer works",
            &[
                "Verification links work once, for 48 hours. If your address is not verified yet, \
                 ask for a new link on your account page.",
            ],
            &[("/account", "Your account")],
        ),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn resend_link(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let Some(login) = current_login(&state, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    check_form_token(&login.csrf_token, &form.csrf)?;
    // Each mail costs a row and a delivery: counted like log-in attempts.
    state
        .limiter
        .check(client_ip(&state, peer.ip(), &headers))
        .await?;
    verification::send(&*state.store, &state.config.public_url, login.user).await?;
    let sent = format!(
        "We sent a new link to {}. It works for 48 hours.",
        login.email
    );
    notice(
        &state,
        StatusCode::OK,
        "Check your mail",
        &[&sent],
        &[("/account", "Your account")],
    )
}
