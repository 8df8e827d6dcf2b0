//! Signing up, logging in and out, and the account page. Forms work without JavaScript; a
//! refused form comes back with what was typed (never the password) and a message per field.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use podium_app::account::{self, AccountError, SignUp};
use serde::Deserialize;

use super::{render, ser};
use crate::auth::{clear_cookie, client_ip, session_cookie, session_token};
use crate::{AppError, AppState};

/// Account routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(show_sign_up).post(sign_up))
        .route("/login", get(show_log_in).post(log_in))
        .route("/logout", post(log_out))
        .route("/account", get(show_account))
}

fn form_page(
    state: &AppState,
    status: StatusCode,
    signup: bool,
    values: &SignUp,
    errors: HashMap<&str, String>,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let (heading, action) = if signup {
        ("Create an account", "/signup")
    } else {
        ("Log in", "/login")
    };
    let mut response = render(
        state,
        "account_form.html",
        context! {
            heading, action, signup, error,
            values => context! { name => values.name.clone(), email => values.email.clone() },
            errors => ser(errors),
        },
    )?;
    *response.status_mut() = status;
    no_store(&mut response);
    Ok(response)
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn logged_in(state: &AppState, token: &str) -> Response {
    let mut response = Redirect::to("/account").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&session_cookie(state, token)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn show_sign_up(State(state): State<AppState>) -> Result<Response, AppError> {
    form_page(
        &state,
        StatusCode::OK,
        true,
        &SignUp::default(),
        HashMap::new(),
        None,
    )
}

async fn show_log_in(State(state): State<AppState>) -> Result<Response, AppError> {
    form_page(
        &state,
        StatusCode::OK,
        false,
        &SignUp::default(),
        HashMap::new(),
        None,
    )
}

async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignUp>,
) -> Result<Response, AppError> {
    state
        .limiter
        .check(client_ip(&state, peer.ip(), &headers))
        .await?;
    match account::sign_up(&*state.store, &form).await {
        Ok(user) => {
            let token = state.sessions.start(user).await?;
            tracing::info!(user.id = %user, "account created");
            // The account exists either way; a mail that could not be queued is resent from
            // the account page.
            if let Err(e) =
                podium_app::verification::send(&*state.store, &state.config.public_url, user).await
            {
                tracing::error!(user.id = %user, error = %e, "cannot queue the verification mail");
            }
            Ok(logged_in(&state, &token))
        }
        Err(AccountError::Invalid(problems)) => {
            let errors = problems.into_iter().collect();
            form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                true,
                &form,
                errors,
                None,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn log_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignUp>,
) -> Result<Response, AppError> {
    state
        .limiter
        .check(client_ip(&state, peer.ip(), &headers))
        .await?;
    match account::check_password(&*state.store, &form.email, &form.password).await {
        Ok(user) => {
            let token = state.sessions.start(user).await?;
            Ok(logged_in(&state, &token))
        }
        Err(AccountError::BadCredentials) => form_page(
            &state,
            StatusCode::UNAUTHORIZED,
            false,
            &form,
            HashMap::new(),
            Some("Email or password is wrong."),
        ),
        Err(e) => Err(e.into()),
    }
}

async fn show_account(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let login = match session_token(&headers) {
        Some(token) => state.sessions.current(&token).await?,
        None => None,
    };
    let Some(login) = login else {
        return Ok(Redirect::to("/login").into_response());
    };
    // Back to an invitation that sent this visitor to log in or sign up.
    if let Some(token) = super::invitation::pending(&headers) {
        let mut response = Redirect::to(&format!("/invitations/{token}")).into_response();
        super::invitation::forget(&state, &mut response);
        return Ok(response);
    }
    let verified = podium_app::verification::is_verified(&*state.store, login.user).await?;
    let wanted = state.store.interests_of(login.user).await?;
    let mut talks = Vec::new();
    let mut feeds = Vec::new();
    if !wanted.is_empty() {
        let token = state
            .store
            .feed_token(login.user, &account::random_token()?)
            .await?;
        for c in state.store.list_conferences().await? {
            let p = state.store.program_by_slug(c.slug.as_str()).await?;
            let views = super::Views::new(&p);
            if p.talks.iter().any(|t| wanted.contains(&t.id)) {
                feeds.push(context! {
                    conference => c.name.clone(),
                    url => format!("{}/{}/agenda/{token}.ics", state.config.public_url.trim_end_matches('/'), c.slug),
                });
            }
            for t in p.talks.iter().filter(|t| wanted.contains(&t.id)) {
                talks.push(context! {
                    conference => c.name.clone(),
                    card => ser(views.card(t)),
                    unwant_url => format!("/{}/talks/{}/unwant", c.slug, t.id),
                });
            }
        }
    }
    let mut response = render(
        &state,
        "account.html",
        context! { name => login.name, email => login.email, csrf => login.csrf_token, talks, feeds, verified },
    )?;
    no_store(&mut response);
    Ok(response)
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn log_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    if let Some(token) = session_token(&headers)
        && let Some(login) = state.sessions.current(&token).await?
    {
        crate::auth::check_form_token(&login.csrf_token, &form.csrf)?;
        state.sessions.end(&token).await?;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&clear_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
