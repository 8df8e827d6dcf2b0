//! "Forgot your password?": ask for a reset link by email (`/password/forgot`), then choose a
//! new password through it (`/password/reset/{token}`). The answer to asking is the same
//! whether or not the address has an account; both steps count against the log-in rate limit.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use podium_app::account::AccountError;
use podium_app::password;
use serde::Deserialize;

use super::render;
use super::verification::{keep_private, notice};
use crate::auth::{client_ip, session_cookie};
use crate::{AppError, AppState};

/// Password reset routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(show_forgot).post(ask_for_link))
        .route(
            "/password/reset/{token}",
            get(show_reset).post(reset_password),
        )
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

fn forgot_page(state: &AppState, email: &str, sent: bool) -> Result<Response, AppError> {
    let mut response = render(state, "password_forgot.html", context! { email, sent })?;
    keep_private(&mut response);
    Ok(response)
}

async fn show_forgot(State(state): State<AppState>) -> Result<Response, AppError> {
    forgot_page(&state, "", false)
}

async fn ask_for_link(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    state
        .limiter
        .check(client_ip(&state, peer.ip(), &headers))
        .await?;
    password::request_reset(&*state.store, &state.config.public_url, &form.email).await?;
    // The same page whether or not a mail went out.
    forgot_page(&state, form.email.trim(), true)
}

fn dead_link(state: &AppState) -> Result<Response, AppError> {
    notice(
        state,
        StatusCode::GONE,
        "This link no longer works",
        &["Password reset links work once, for an hour. Ask for a new one."],
        &[("/password/forgot", "Ask for a new link")],
    )
}

fn reset_page(
    state: &AppState,
    status: StatusCode,
    token: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let mut response = render(state, "password_reset.html", context! { token, error })?;
    *response.status_mut() = status;
    keep_private(&mut response);
    Ok(response)
}

async fn show_reset(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if password::link_works(&*state.store, &token).await? {
        reset_page(&state, StatusCode::OK, &token, None)
    } else {
        dead_link(&state)
    }
}

async fn reset_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    // Hashing a password is deliberately expensive: limit it like log-in.
    state
        .limiter
        .check(client_ip(&state, peer.ip(), &headers))
        .await?;
    match password::reset(&*state.store, &token, &form.password).await {
        Ok(Some(user)) => {
            // Every session of the account was ended (in the database by the reset itself; in
            // Redis, when sessions live there, here); this browser gets a fresh one.
            state.sessions.end_all_of(user).await?;
            let session = state.sessions.start(user).await?;
            let mut response = Redirect::to("/account").into_response();
            if let Ok(cookie) = HeaderValue::from_str(&session_cookie(&state, &session)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        Ok(None) => dead_link(&state),
        Err(AccountError::Invalid(problems)) => {
            let message = problems
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" ");
            reset_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &token,
                Some(&message),
            )
        }
        Err(e) => Err(e.into()),
    }
}
