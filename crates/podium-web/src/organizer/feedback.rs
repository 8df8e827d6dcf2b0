//! The organizer's feedback page: per-talk aggregates (count, mean, histogram), the private
//! comments, kudos to approve or hide, a CSV export, and linking a speaker to the account that
//! should read their feedback.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_domain::{SpeakerId, Talk};
use podium_store::{KudosState, StoreError};
use serde::Deserialize;

use super::organizer;
use crate::auth::check_form_token;
use crate::public::feedback::by_talk;
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// Feedback routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/feedback", get(show))
        .route("/{slug}/organizer/feedback.csv", get(export))
        .route("/{slug}/organizer/feedback/{id}/{verdict}", post(moderate))
        .route("/{slug}/organizer/feedback/link", post(link))
}

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    speaker: String,
    #[serde(default)]
    email: String,
}

async fn page(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(state, headers, slug).await?;
    let p = state.store.program(conference.id).await?;
    let feedback = state.store.feedback_of(conference.id).await?;
    let mut talks: Vec<&Talk> = p.talks.iter().collect();
    talks.sort_by(|a, b| a.title.cmp(&b.title));
    let rows = by_talk(&p, &feedback, &talks);
    let pending: usize = rows
        .iter()
        .flat_map(|r| &r.kudos)
        .filter(|k| k.state == KudosState::Pending.as_str())
        .count();
    let speakers: Vec<_> = p
        .speakers
        .iter()
        .map(|s| context! { id => s.id.0, name => &s.name })
        .collect();
    let failed = error.is_some();
    let mut response = render(
        state,
        "organizer_feedback.html",
        context! {
            conf => context! { name => &conference.name, slug => conference.slug.as_str() },
            csrf,
            rows => ser(rows),
            total => feedback.len(),
            pending,
            speakers,
            notice,
            error,
        },
    )?;
    if failed {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &slug, &headers, None, None).await
}

async fn moderate(
    State(state): State<AppState>,
    Path((slug, id, verdict)): Path<(String, i64, String)>,
    headers: HeaderMap,
    Form(form): Form<TokenOnly>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let state_to = match verdict.as_str() {
        "approve" => KudosState::Approved,
        "hide" => KudosState::Hidden,
        _ => return Err(AppError::NotFound),
    };
    state
        .store
        .moderate_kudos(conference.id, id, state_to)
        .await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/feedback")).into_response())
}

async fn link(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let Ok(speaker) = form.speaker.trim().parse::<i64>() else {
        return page(
            &state,
            &slug,
            &headers,
            None,
            Some("Choose a speaker.".into()),
        )
        .await;
    };
    let email = form.email.trim().to_lowercase();
    let user = match state.store.credentials(&email).await {
        Ok(c) => c.user,
        Err(StoreError::NotFound(_)) => {
            let why = format!(
                "No account uses {email}. Ask the speaker to sign up with it first, then link it here."
            );
            return page(&state, &slug, &headers, None, Some(why)).await;
        }
        Err(e) => return Err(e.into()),
    };
    state
        .store
        .link_speaker(conference.id, SpeakerId(speaker), user)
        .await?;
    page(
        &state,
        &slug,
        &headers,
        Some(format!(
            "Linked: {email} now sees this speaker's feedback at /{slug}/speaker/feedback."
        )),
        None,
    )
    .await
}

/// A CSV cell, quoted; text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets
/// a leading `'` so that spreadsheets do not run it as a formula (OWASP's list: some
/// spreadsheets skip a leading tab or CR and then read the formula).
pub(super) fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// Every feedback as CSV (one row each, no names): talk, rating, comment, kudos, kudos state.
async fn export(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, _) = organizer(&state, &headers, &slug).await?;
    let p = state.store.program(conference.id).await?;
    let feedback = state.store.feedback_of(conference.id).await?;
    let mut out = String::from("talk_guid,talk_title,rating,comment,kudos,kudos_state\r\n");
    for f in &feedback {
        let Some(t) = p.talk(f.talk) else { continue };
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            csv_cell(&t.guid),
            csv_cell(&t.title),
            f.rating,
            csv_cell(&f.comment),
            csv_cell(&f.kudos),
            f.kudos_state.as_str()
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-feedback.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}
