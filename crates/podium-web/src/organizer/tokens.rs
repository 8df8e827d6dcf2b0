//! The organizer's API page: make per-conference API tokens for scripts (each shown once, only
//! its hash is kept), see who made which, revoke them.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_domain::Conference;
use serde::Deserialize;

use super::organizer;
use crate::auth::check_form_token;
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// Token routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/api", get(show).post(create))
        .route("/{slug}/organizer/api/{id}/revoke", post(revoke))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

#[derive(serde::Serialize)]
struct Listed {
    id: i64,
    name: String,
    created: String,
}

async fn page(
    state: &AppState,
    conference: &Conference,
    csrf: &str,
    extra: minijinja::Value,
) -> Result<Response, AppError> {
    let tokens: Vec<Listed> = state
        .store
        .api_tokens(conference.id)
        .await?
        .into_iter()
        .map(|t| Listed {
            id: t.id,
            name: t.name,
            created: jiff::Timestamp::from_second(t.created_at)
                .map(|ts| {
                    podium_domain::time::local(ts, &conference.tz())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
        })
        .collect();
    let conf = context! { name => &conference.name, slug => conference.slug.as_str() };
    render(
        state,
        "organizer_api.html",
        context! { conf, csrf, tokens => ser(tokens), public_url => &state.config.public_url, ..extra },
    )
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    page(&state, &conference, &csrf, context! {}).await
}

async fn create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        let mut r = page(
            &state,
            &conference,
            &csrf,
            context! { error => "Give the token a name of 1 to 100 characters, such as “badge printer”.", name => &form.name },
        )
        .await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let login = crate::auth::session_token(&headers);
    let user = match login {
        Some(t) => state.sessions.current(&t).await?,
        None => None,
    }
    .ok_or(AppError::LoginRequired)?
    .user;
    let (token, hash) = podium_app::account::new_api_token()
        .map_err(|e| AppError::Internal(format!("making a token: {e}")))?;
    state
        .store
        .create_api_token(conference.id, user, name, &hash)
        .await?;
    let mut response = page(
        &state,
        &conference,
        &csrf,
        context! { token, token_name => name },
    )
    .await?;
    // The token is on this page only: keep it out of caches and history restores.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn revoke(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    state.store.revoke_api_token(conference.id, id).await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/api")).into_response())
}
