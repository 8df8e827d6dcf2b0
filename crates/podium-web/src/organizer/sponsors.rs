//! The organizer's sponsors page: add sponsors (name, level, site, logo, one line) in the order
//! they should show, remove them. They appear on the conference page at once.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_domain::NewSponsor;
use podium_store::StoreError;
use serde::Deserialize;

use super::organizer;
use crate::auth::check_form_token;
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// Sponsor routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/sponsors", get(show).post(add))
        .route("/{slug}/organizer/sponsors/{id}/remove", post(remove))
}

#[derive(Deserialize, Default, serde::Serialize)]
struct SponsorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    logo_url: String,
    #[serde(default)]
    blurb: String,
}

async fn page(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    typed: Option<(&SponsorForm, String)>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(state, headers, slug).await?;
    let p = state.store.program(conference.id).await?;
    let empty = SponsorForm::default();
    let (form, error) = match typed {
        Some((f, e)) => (f, Some(e)),
        None => (&empty, None),
    };
    let failed = error.is_some();
    let mut response = render(
        state,
        "organizer_sponsors.html",
        context! {
            conf => context! { name => &conference.name, slug => conference.slug.as_str() },
            csrf,
            sponsors => ser(&p.sponsors),
            form => ser(form),
            error,
        },
    )?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &slug, &headers, None).await
}

async fn add(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<SponsorForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let logo = form.logo_url.trim();
    let sponsor = NewSponsor {
        name: form.name.trim().to_owned(),
        level: form.level.trim().to_owned(),
        url: form.url.trim().to_owned(),
        logo_url: (!logo.is_empty()).then(|| logo.to_owned()),
        blurb: form.blurb.trim().to_owned(),
    };
    match state.store.add_sponsor(conference.id, &sponsor).await {
        Ok(_) => Ok(Redirect::to(&format!("/{slug}/organizer/sponsors")).into_response()),
        Err(StoreError::Invalid(e)) => {
            let why = format!("Please check the {e}.");
            page(&state, &slug, &headers, Some((&form, why))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

async fn remove(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<TokenOnly>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    state.store.remove_sponsor(conference.id, id).await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/sponsors")).into_response())
}
