//! The organizer's outbox page: every mail of the conference with its status, each readable
//! in full, and sending what is held (one, or all at once). Sending itself is the mail
//! worker's job; "send" here only releases held mail to it.

use axum::Form;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_store::{HeldMails, MailStatus};
use serde::Deserialize;

use super::organizer;
use super::team::local_time;
use crate::auth::check_form_token;
use crate::public::render;
use crate::{AppError, AppState};

/// Outbox routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/outbox", get(list_mail))
        .route("/{slug}/organizer/outbox/send", post(send_all_held))
        .route("/{slug}/organizer/outbox/{id}", get(show_mail))
        .route("/{slug}/organizer/outbox/{id}/send", post(send_one))
        .route(
            "/{slug}/organizer/outbox/{id}/attachments/{n}",
            get(download_attachment),
        )
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

fn status_label(status: MailStatus) -> &'static str {
    match status {
        MailStatus::Held => "held",
        MailStatus::Queued => "queued",
        MailStatus::Sending => "sending",
        MailStatus::Sent => "sent",
        MailStatus::Failed => "failed",
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn list_mail(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let mails = state.store.outbox(conference.id).await?;
    let held = mails
        .iter()
        .filter(|m| m.status == MailStatus::Held)
        .count();
    let rows: Vec<_> = mails
        .into_iter()
        .map(|m| {
            context! {
                id => m.id,
                to => if m.to_name.is_empty() { m.to_address.clone() } else { format!("{} <{}>", m.to_name, m.to_address) },
                subject => m.subject,
                kind => m.kind,
                status => status_label(m.status),
                held => m.status == MailStatus::Held,
                created => local_time(&conference, m.created_at),
                sent => m.sent_at.map(|s| local_time(&conference, s)),
                error => m.last_error,
            }
        })
        .collect();
    let conf = context! { name => &conference.name, slug => conference.slug.as_str() };
    Ok(no_store(render(
        &state,
        "organizer_outbox.html",
        context! { conf, csrf, mails => rows, held },
    )?))
}

async fn show_mail(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let mail = state.store.outbox_mail(Some(conference.id), id).await?;
    let attachments: Vec<_> = mail
        .attachments
        .iter()
        .enumerate()
        .map(|(n, a)| context! { n, filename => &a.filename, content_type => &a.content_type, size => a.body.len() })
        .collect();
    let conf = context! { name => &conference.name, slug => conference.slug.as_str() };
    let view = context! {
        id => mail.id,
        to_address => mail.to_address,
        to_name => mail.to_name,
        subject => mail.subject,
        body => mail.body_text,
        kind => mail.kind,
        status => status_label(mail.status),
        held => mail.status == MailStatus::Held,
        created => local_time(&conference, mail.created_at),
        sent => mail.sent_at.map(|s| local_time(&conference, s)),
        attempts => mail.attempts,
        error => mail.last_error,
        message_id => mail.message_id,
        attachments,
    };
    Ok(no_store(render(
        &state,
        "organizer_mail.html",
        context! { conf, csrf, mail => view },
    )?))
}

async fn send_all_held(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let n = state.store.send_held(conference.id, HeldMails::All).await?;
    tracing::info!(conference.slug = %slug, mails = n, "held mail released");
    Ok(Redirect::to(&format!("/{slug}/organizer/outbox")).into_response())
}

async fn send_one(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    state
        .store
        .send_held(conference.id, HeldMails::Ids(&[id]))
        .await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/outbox/{id}")).into_response())
}

async fn download_attachment(
    State(state): State<AppState>,
    Path((slug, id, n)): Path<(String, i64, usize)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, _) = organizer(&state, &headers, &slug).await?;
    let mail = state.store.outbox_mail(Some(conference.id), id).await?;
    let file = mail
        .attachments
        .into_iter()
        .nth(n)
        .ok_or(AppError::NotFound)?;
    // Always a download, never rendered here: the bytes are whatever the mail carries.
    let name: String = file
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = Response::new(Body::from(file.body));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
