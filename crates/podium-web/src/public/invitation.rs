//! Accepting an invitation to a conference's team (`/invitations/{token}`). A visitor who is
//! not logged in gets the token kept in a short-lived cookie; after logging in or signing up,
//! the account page sends them back here (see [`pending`]), where they accept with one click.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use minijinja::context;
use podium_app::invitation;
use serde::Deserialize;

use super::render;
use super::verification::{keep_private, notice};
use crate::auth::{check_form_token, current_login};
use crate::{AppError, AppState};

/// The cookie that keeps an invitation's token through logging in or signing up.
const COOKIE: &str = "podium_invitation";

/// How long the cookie lasts: long enough to sign up and find the verification mail.
const COOKIE_SECONDS: i64 = 86_400;

/// Invitation routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(
        "/invitations/{token}",
        get(show_invitation).post(accept_invitation),
    )
}

/// The invitation token kept in the request's cookie, if any (hex only, so it is safe in a
/// `Location` header).
pub(crate) fn pending(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` that keeps `token`, or (None) forgets it.
fn cookie(state: &AppState, token: Option<&str>) -> Option<HeaderValue> {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let (value, age) = token.map_or(("", 0), |t| (t, COOKIE_SECONDS));
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}{secure}"
    ))
    .ok()
}

/// Adds the `Set-Cookie` that forgets a pending invitation.
pub(crate) fn forget(state: &AppState, response: &mut Response) {
    if let Some(c) = cookie(state, None) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
}

fn dead_link(state: &AppState) -> Result<Response, AppError> {
    notice(
        state,
        StatusCode::GONE,
        "This invitation no longer works",
        &[
            "It was accepted already, withdrawn, or it expired (invitations work for 14 days). \
             Ask the organizer who invited you for a new one.",
        ],
        &[("/", "All conferences")],
    )
}

async fn show_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let login = current_login(&state, &headers).await?;
    let Some(found) = invitation::find(&*state.store, &token).await? else {
        let mut response = dead_link(&state)?;
        forget(&state, &mut response);
        return Ok(response);
    };
    let view = context! {
        conference => found.conference_name,
        inviter => found.invited_by,
        role => invitation::role_phrase(found.role),
        email => found.email,
    };
    let login_view = login.as_ref().map(|l| {
        context! { name => &l.name, email => &l.email, csrf => &l.csrf_token }
    });
    let mut response = render(
        &state,
        "invitation.html",
        context! { invitation => view, login => login_view, token => &token },
    )?;
    keep_private(&mut response);
    let keep = if login.is_some() {
        None
    } else {
        Some(token.as_str())
    };
    if let Some(c) = cookie(&state, keep) {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let login = current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    check_form_token(&login.csrf_token, &form.csrf)?;
    let mut response = match invitation::accept(&*state.store, &token, login.user).await? {
        Some(accepted) => {
            let joined = format!(
                "You joined {} as {}.",
                accepted.conference_name,
                invitation::role_phrase(accepted.role)
            );
            let desk = format!("/{}/organizer/schedule", accepted.conference_slug);
            let home = format!("/{}/", accepted.conference_slug);
            let mut links = vec![(home.as_str(), accepted.conference_name.as_str())];
            if accepted.role == podium_domain::Role::Organizer {
                links.push((desk.as_str(), "The organizer desk"));
            }
            notice(
                &state,
                StatusCode::OK,
                "Welcome to the team",
                &[&joined],
                &links,
            )?
        }
        None => dead_link(&state)?,
    };
    forget(&state, &mut response);
    Ok(response)
}
