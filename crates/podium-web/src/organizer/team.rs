//! The organizer's team page: who has which role in the conference, invitations by email
//! (organizer or reviewer) and withdrawing those not accepted yet.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_app::account::AccountError;
use podium_app::invitation::{self, InviteForm};
use podium_domain::Conference;
use serde::Deserialize;

use super::organizer;
use crate::auth::{check_form_token, current_login};
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// Team routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/team", get(show_team).post(invite))
        .route(
            "/{slug}/organizer/team/invitations/{id}/revoke",
            post(revoke_invitation),
        )
}

#[derive(Deserialize)]
struct TeamForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    invite: InviteForm,
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// Unix seconds as the conference's wall clock.
pub(super) fn local_time(conference: &Conference, seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|ts| {
            podium_domain::time::local(ts, &conference.tz())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

async fn page(
    state: &AppState,
    conference: &Conference,
    csrf: &str,
    form: &InviteForm,
    errors: HashMap<&str, String>,
) -> Result<Response, AppError> {
    let members: Vec<_> = state
        .store
        .team(conference.id)
        .await?
        .into_iter()
        .map(|m| {
            let roles: Vec<&str> = m.roles.iter().map(|r| r.as_str()).collect();
            context! { name => m.name, email => m.email, roles => roles.join(", ") }
        })
        .collect();
    let now = jiff::Timestamp::now().as_second();
    let invitations: Vec<_> = state
        .store
        .pending_invitations(conference.id)
        .await?
        .into_iter()
        .map(|i| {
            context! {
                id => i.id,
                email => i.email,
                role => i.role.as_str(),
                inviter => i.invited_by,
                sent => local_time(conference, i.created_at),
                expired => i.expires_at <= now,
            }
        })
        .collect();
    let roles: Vec<_> = invitation::ROLES
        .iter()
        .map(|(r, phrase)| context! { value => r.as_str(), label => *phrase })
        .collect();
    let conf = context! { name => &conference.name, slug => conference.slug.as_str() };
    render(
        state,
        "organizer_team.html",
        context! {
            conf, csrf, members, invitations, roles => ser(roles), errors => ser(errors),
            values => context! { email => &form.email, role => &form.role },
        },
    )
}

async fn show_team(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    page(
        &state,
        &conference,
        &csrf,
        &InviteForm::default(),
        HashMap::new(),
    )
    .await
}

async fn invite(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TeamForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let inviter = current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?
        .user;
    match invitation::invite(
        &*state.store,
        &state.config.public_url,
        &conference,
        inviter,
        &form.invite,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/{slug}/organizer/team")).into_response()),
        Err(AccountError::Invalid(problems)) => {
            let errors = problems.into_iter().collect();
            let mut response = page(&state, &conference, &csrf, &form.invite, errors).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_invitation(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    state.store.revoke_invitation(conference.id, id).await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/team")).into_response())
}
