//! Importing a schedule file from the organizer's browser: upload → preview (a dry run that
//! reports exactly what would change) → apply. The preview page carries the file back in the
//! confirm form, so no upload is kept on the server and any instance can apply it.

use axum::Form;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use minijinja::context;
use podium_app::import::{self, ImportError, Outcome};
use podium_domain::Conference;
use podium_formats::ImportOptions;
use serde::Deserialize;

use super::organizer;
use crate::auth::check_form_token;
use crate::public::render;
use crate::{AppError, AppState};

/// The largest file the page accepts. Real schedules are at most a few MB (FOSDEM: 5 MB).
const MAX_FILE_BYTES: usize = 20_000_000;

/// Import routes; the body limit allows the file, base64-encoded in the confirm form.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/import", get(show).post(preview))
        .route("/{slug}/organizer/import/apply", post(apply))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES * 4 / 3 + 64 * 1024))
}

/// What the organizer sent: the file and the options that apply to it.
#[derive(Default)]
struct Upload {
    csrf: String,
    file_name: String,
    bytes: Vec<u8>,
    timezone: String,
}

impl Upload {
    fn options(&self) -> ImportOptions {
        let zone = self.timezone.trim();
        ImportOptions {
            timezone: (!zone.is_empty()).then(|| zone.to_owned()),
            ..ImportOptions::default()
        }
    }
}

fn page(
    state: &AppState,
    conference: &Conference,
    csrf: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let conf = context! {
        name => &conference.name,
        slug => conference.slug.as_str(),
        timezone => &conference.timezone,
    };
    let mut response = render(
        state,
        "organizer_import.html",
        context! { conf, csrf, ..ctx },
    )?;
    *response.status_mut() = status;
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    page(&state, &conference, &csrf, StatusCode::OK, context! {})
}

fn bad_upload(e: axum::extract::multipart::MultipartError) -> AppError {
    // Over the body limit: say which limit, not how multipart parsing failed.
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::TooLarge(format!(
            "The file is larger than {} MB, the most an import takes.",
            MAX_FILE_BYTES / 1_000_000
        ));
    }
    AppError::Invalid(format!("The upload could not be read: {}", e.body_text()))
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(bad_upload)? {
        match field.name().unwrap_or_default() {
            "csrf" => upload.csrf = field.text().await.map_err(bad_upload)?,
            "timezone" => upload.timezone = field.text().await.map_err(bad_upload)?,
            "file" => {
                upload.file_name = field.file_name().unwrap_or("upload").to_owned();
                upload.bytes = field.bytes().await.map_err(bad_upload)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// Runs the import (a dry run for the preview) and renders what it did, or the form again with
/// the reason when the file cannot be used.
async fn run(
    state: &AppState,
    conference: &Conference,
    csrf: &str,
    upload: &Upload,
    dry_run: bool,
) -> Result<Response, AppError> {
    let retry = |error: String| {
        page(
            state,
            conference,
            csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { error, timezone => &upload.timezone },
        )
    };
    if upload.bytes.is_empty() {
        return retry("Choose a schedule file to import.".into());
    }
    if upload.bytes.len() > MAX_FILE_BYTES {
        return retry(format!(
            "{} is {} MB; files larger than {} MB are refused.",
            upload.file_name,
            upload.bytes.len() / 1_000_000,
            MAX_FILE_BYTES / 1_000_000
        ));
    }
    let imported = match import::read(&upload.file_name, &upload.bytes, &upload.options()) {
        Ok(i) => i,
        Err(e) => return retry(e.to_string()),
    };
    let warnings = imported.warnings.clone();
    let outcome = match import::apply(&*state.store, &conference.slug, imported, dry_run).await {
        Ok(o) => o,
        Err(ImportError::Store(e)) => return Err(e.into()),
        Err(e) => return retry(e.to_string()),
    };
    let changes = match &outcome {
        Outcome::Updated { report, .. } => import::describe(report),
        Outcome::Created { .. } => outcome.describe(),
    };
    let nothing = matches!(&outcome, Outcome::Updated { report, .. } if report.is_empty());
    page(
        state,
        conference,
        csrf,
        StatusCode::OK,
        context! {
            file_name => &upload.file_name,
            warnings,
            changes,
            nothing,
            dry_run,
            timezone => &upload.timezone,
            data => dry_run.then(|| BASE64.encode(&upload.bytes)),
        },
    )
}

async fn preview(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let upload = read_upload(multipart).await?;
    check_form_token(&csrf, &upload.csrf)?;
    run(&state, &conference, &csrf, &upload, true).await
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    data: String,
    #[serde(default)]
    timezone: String,
}

async fn apply(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let bytes = BASE64.decode(form.data.as_bytes()).map_err(|_| {
        AppError::Invalid(
            "The previewed file did not come back intact; please upload it again.".into(),
        )
    })?;
    let upload = Upload {
        csrf: form.csrf,
        file_name: form.file_name,
        bytes,
        timezone: form.timezone,
    };
    let response = run(&state, &conference, &csrf, &upload, false).await?;
    Ok(response.into_response())
}
