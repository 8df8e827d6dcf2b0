//! Managing a talk's slides: its speakers (users linked to one of its speakers) and the
//! conference's organizers upload a PDF or set a link; organizers see per-talk view and download
//! counts. The PDF is checked by its content, never by its name; its bytes go to the slide
//! storage first and are recorded in the database second, so the database never names a file
//! that is not there.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_domain::{Conference, Role, Talk, TalkId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::slide_storage::hex;
use crate::auth::{check_form_token, current_login};
use crate::public::{conference_view, render, ser, slides as public_slides};
use crate::{AppError, AppState};

/// Slides routes of speakers and organizers.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{slug}/speaker/talks/{id}/slides",
            get(show_slides).post(upload_slides),
        )
        .route("/{slug}/speaker/talks/{id}/slides/link", post(link_slides))
        .route(
            "/{slug}/speaker/talks/{id}/slides/remove",
            post(remove_slides),
        )
        .route("/{slug}/organizer/slides", get(show_counts))
        // The upload handler enforces the configured limit itself while reading, and answers
        // with a readable page instead of a bare 413.
        .layer(DefaultBodyLimit::disable())
}

/// A talk whose slides the logged-in user may manage, with the session's form token.
struct Managed {
    conference: Conference,
    talk: Talk,
    csrf: String,
}

/// Who may manage a talk's slides: its speakers and the conference's organizers.
async fn manager(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
    raw: &str,
) -> Result<Managed, AppError> {
    let conference = state.store.conference_by_slug(slug).await?;
    let talk_id: TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.program_by_slug(slug).await?;
    let talk = p.talk(talk_id).ok_or(AppError::NotFound)?.clone();
    let login = current_login(state, headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    let organizer = state
        .store
        .roles(login.user, conference.id)
        .await?
        .contains(&Role::Organizer);
    if !organizer && !state.store.is_speaker_of(login.user, talk.id).await? {
        return Err(AppError::Forbidden(
            "Only the talk's speakers and the conference's organizers can change its slides.",
        ));
    }
    Ok(Managed {
        conference,
        talk,
        csrf: login.csrf_token,
    })
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

/// The manage page, with a notice, an error and the link field as typed.
async fn page(
    state: &AppState,
    m: &Managed,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
    link: Option<&str>,
) -> Result<Response, AppError> {
    let (conference, talk, csrf) = (&m.conference, &m.talk, &m.csrf);
    let slug = conference.slug.to_string();
    let file = state.store.talk_slides(talk.id).await?;
    let max_mb = state.config.slides.max_bytes as f64 / 1_000_000.0;
    let mut response = render(
        state,
        "slides_edit.html",
        context! {
            conf => ser(conference_view(conference)),
            csrf,
            talk => context! {
                title => talk.title.clone(),
                url => format!("/{slug}/talks/{}", talk.id),
            },
            action => format!("/{slug}/speaker/talks/{}/slides", talk.id),
            pdf => file.map(|f| context! {
                url => public_slides::pdf_url(&slug, talk.id),
                size => public_slides::size_label(f.size_bytes),
                uploaded => jiff::Timestamp::from_second(f.uploaded_at)
                    .map(|t| t.strftime("%-d %B %Y %H:%M UTC").to_string())
                    .unwrap_or_default(),
            }),
            link => link.map(str::to_owned).or_else(|| talk.slides_url.clone()).unwrap_or_default(),
            max_size => format!("{max_mb:.0} MB"),
            notice,
            error,
        },
    )?;
    *response.status_mut() = status;
    Ok(response)
}

async fn show_slides(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    Query(q): Query<Done>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let m = manager(&state, &headers, &slug, &raw).await?;
    let notice = match q.done.as_deref() {
        Some("uploaded") => Some("Your PDF is on the talk page."),
        Some("linked") => Some("The slides link is saved."),
        Some("removed") => Some("The PDF is removed."),
        _ => None,
    };
    page(&state, &m, StatusCode::OK, notice, None, None).await
}

/// What a file looks like, by its first bytes, for a refusal people understand.
fn looks_like(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(512)];
    let text = String::from_utf8_lossy(head)
        .trim_start()
        .to_ascii_lowercase();
    if bytes.is_empty() {
        "an empty file"
    } else if head.starts_with(b"MZ") {
        "a Windows program (.exe)"
    } else if head.starts_with(b"\x7fELF") {
        "a Linux program"
    } else if head.starts_with(b"PK\x03\x04") {
        "a ZIP archive (PowerPoint, Keynote and LibreOffice files are ZIP archives: export your slides as PDF)"
    } else if head.starts_with(b"\xd0\xcf\x11\xe0") {
        "an old Microsoft Office file (.ppt): export your slides as PDF"
    } else if head.starts_with(b"\x89PNG") {
        "a PNG image"
    } else if head.starts_with(b"\xff\xd8\xff") {
        "a JPEG image"
    } else if head.starts_with(b"GIF8") {
        "a GIF image"
    } else if head.starts_with(b"%!PS") {
        "a PostScript file"
    } else if text.starts_with("<!doctype html")
        || text.starts_with("<html")
        || text.contains("<body")
    {
        "a web page (HTML)"
    } else if text.starts_with("<?xml") || text.starts_with("<svg") {
        "an XML or SVG file"
    } else if std::str::from_utf8(head).is_ok() {
        "a text file"
    } else {
        "an unknown kind of file"
    }
}

/// Checks that `bytes` are a whole PDF: the `%PDF-` header at the very start and the `%%EOF`
/// marker in the last kilobyte (PDF 2.0, ISO 32000-2, 7.5.2 and 7.5.5; readers tolerate a
/// little trailing junk, so the marker need not be the last bytes). The error is for people.
pub(crate) fn check_pdf(bytes: &[u8]) -> Result<(), String> {
    let header = bytes.starts_with(b"%PDF-") && bytes.get(5).is_some_and(u8::is_ascii_digit);
    if !header {
        return Err(format!(
            "This file is not a PDF: it looks like {}. Please upload your slides as a PDF.",
            looks_like(bytes)
        ));
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(
            "This PDF is cut off: its end marker (%%EOF) is missing, so the upload was probably interrupted. Please upload it again."
                .to_owned(),
        );
    }
    Ok(())
}

/// The storage key of a talk's PDF: the talk's GUID (only letters, digits, `-` and `_`) and the
/// start of the content's hash, so a new version gets a new name.
fn storage_key(talk: &Talk, sha256: &str) -> String {
    let guid: String = talk
        .guid
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let guid = if guid.is_empty() {
        format!("talk-{}", talk.id)
    } else {
        guid
    };
    format!("slides/{guid}-{}.pdf", &sha256[..16])
}

/// An upload: the form token and the file, or why the file was refused while reading.
struct Upload {
    csrf: String,
    file: Result<Bytes, String>,
}

/// Reads the form, keeping at most `max` bytes of the file; a larger file is read to its end
/// (so the browser gets the answer rather than a reset connection), up to a hard cap, and refused.
async fn read_upload(mut multipart: Multipart, max: u64) -> Result<Upload, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::Invalid(format!("The upload could not be read: {}", e.body_text()))
    };
    let mut upload = Upload {
        csrf: String::new(),
        file: Err("Please choose a PDF file to upload.".to_owned()),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "csrf" => upload.csrf = field.text().await.map_err(bad)?,
            "pdf" => {
                let mut bytes = Vec::new();
                let (mut seen, mut cut_off) = (0u64, false);
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    seen += chunk.len() as u64;
                    if seen <= max {
                        bytes.extend_from_slice(&chunk);
                    } else if seen > max.saturating_mul(2).saturating_add(8 << 20) {
                        cut_off = true;
                        break;
                    }
                }
                let label =
                    |n: u64| public_slides::size_label(i64::try_from(n).unwrap_or(i64::MAX));
                upload.file = if seen > max {
                    Err(format!(
                        "This file is too large: {}{}. Slides may be at most {}.",
                        if cut_off { "more than " } else { "" },
                        label(seen),
                        label(max)
                    ))
                } else if seen == 0 {
                    Err("Please choose a PDF file to upload.".to_owned())
                } else {
                    Ok(Bytes::from(bytes))
                };
                if seen > max {
                    break;
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// Stores an uploaded PDF and records it; the earlier file (if another) is deleted after.
async fn upload_slides(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let m = manager(&state, &headers, &slug, &raw).await?;
    let (conference, talk, csrf) = (&m.conference, &m.talk, &m.csrf);
    let upload = read_upload(multipart, state.config.slides.max_bytes).await?;
    check_form_token(csrf, &upload.csrf)?;
    let checked = upload
        .file
        .and_then(|bytes| check_pdf(&bytes).map(|()| bytes));
    let bytes = match checked {
        Ok(bytes) => bytes,
        Err(why) => {
            return page(
                &state,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
                None,
            )
            .await;
        }
    };
    let sha256 = hex(&Sha256::digest(&bytes));
    let key = storage_key(talk, &sha256);
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    state
        .slides
        .put(&key, bytes)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let recorded = state
        .store
        .replace_talk_slides(
            conference.id,
            talk.id,
            &podium_store::NewSlideFile {
                storage_key: key.clone(),
                sha256,
                size_bytes: size,
            },
        )
        .await;
    match recorded {
        Ok(Some(previous)) if previous.storage_key != key => {
            if let Err(e) = state.slides.delete(&previous.storage_key).await {
                tracing::warn!(error = %e, talk.id = %talk.id, "could not delete replaced slides");
            }
        }
        Ok(_) => {}
        Err(e) => {
            // Not recorded: drop the new file unless an earlier record already names it.
            let named = state
                .store
                .talk_slides(talk.id)
                .await
                .ok()
                .flatten()
                .is_some_and(|f| f.storage_key == key);
            if !named {
                let _ = state.slides.delete(&key).await;
            }
            return Err(e.into());
        }
    }
    tracing::info!(talk.id = %talk.id, slides.bytes = size, "slides uploaded");
    Ok(Redirect::to(&format!(
        "/{slug}/speaker/talks/{}/slides?done=uploaded",
        talk.id
    ))
    .into_response())
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
}

/// A slides link: an absolute http(s) URL with a host, at most 2,000 characters; empty clears.
pub(crate) fn parse_link(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let refuse = || {
        Err("The slides link must be a web address starting with https:// or http://.".to_owned())
    };
    if text.len() > 2000 {
        return Err("The slides link is too long (at most 2,000 characters).".to_owned());
    }
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
            Ok(Some(u.to_string()))
        }
        _ => refuse(),
    }
}

async fn link_slides(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LinkForm>,
) -> Result<Response, AppError> {
    let m = manager(&state, &headers, &slug, &raw).await?;
    let (conference, talk, csrf) = (&m.conference, &m.talk, &m.csrf);
    check_form_token(csrf, &form.csrf)?;
    match parse_link(&form.url) {
        Ok(link) => {
            state
                .store
                .set_slides_link(conference.id, talk.id, link.as_deref())
                .await?;
            Ok(Redirect::to(&format!(
                "/{slug}/speaker/talks/{}/slides?done=linked",
                talk.id
            ))
            .into_response())
        }
        Err(why) => {
            page(
                &state,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
                Some(&form.url),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

async fn remove_slides(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, AppError> {
    let m = manager(&state, &headers, &slug, &raw).await?;
    let (conference, talk, csrf) = (&m.conference, &m.talk, &m.csrf);
    check_form_token(csrf, &form.csrf)?;
    if let Some(old) = state
        .store
        .remove_talk_slides(conference.id, talk.id)
        .await?
        && let Err(e) = state.slides.delete(&old.storage_key).await
    {
        tracing::warn!(error = %e, talk.id = %talk.id, "could not delete removed slides");
    }
    Ok(Redirect::to(&format!(
        "/{slug}/speaker/talks/{}/slides?done=removed",
        talk.id
    ))
    .into_response())
}

#[derive(Serialize)]
struct CountRow {
    title: String,
    url: String,
    manage_url: String,
    views: i64,
    downloads: i64,
    slides: &'static str,
}

/// Per-talk views and downloads, for organizers. Counts still in this instance's memory are
/// written first, so the page is exact for this instance (others flush within seconds).
async fn show_counts(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let conference = state.store.conference_by_slug(&slug).await?;
    let login = current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    if !state
        .store
        .roles(login.user, conference.id)
        .await?
        .contains(&Role::Organizer)
    {
        return Err(AppError::Forbidden(
            "Only organizers of this conference can open this page.",
        ));
    }
    state.tally.flush(&*state.store).await?;
    let p = state.store.program_by_slug(&slug).await?;
    let mut rows: Vec<CountRow> = state
        .store
        .talk_counts(conference.id)
        .await?
        .into_iter()
        .filter_map(|c| {
            let talk = p.talk(c.talk)?;
            let link = talk.slides_url.is_some();
            Some(CountRow {
                title: talk.title.clone(),
                url: format!("/{slug}/talks/{}", talk.id),
                manage_url: format!("/{slug}/speaker/talks/{}/slides", talk.id),
                views: c.views,
                downloads: c.downloads,
                slides: match (c.has_pdf, link) {
                    (true, true) => "PDF and link",
                    (true, false) => "PDF",
                    (false, true) => "link",
                    (false, false) => "none",
                },
            })
        })
        .collect();
    rows.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.title.cmp(&b.title)));
    let totals = (
        rows.iter().map(|r| r.views).sum::<i64>(),
        rows.iter().map(|r| r.downloads).sum::<i64>(),
    );
    render(
        &state,
        "organizer_slides.html",
        context! {
            conf => ser(conference_view(&conference)),
            rows => ser(rows),
            total_views => totals.0,
            total_downloads => totals.1,
            flush_seconds => public_slides::FLUSH_EVERY.as_secs(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_pdfs_pass() {
        assert_eq!(
            check_pdf(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
            Ok(())
        );
        let exe = check_pdf(b"MZ\x90\x00\x03\x00\x00\x00").unwrap_err();
        assert!(exe.contains("looks like a Windows program (.exe)"), "{exe}");
        let html = check_pdf(b"\n<!DOCTYPE html><html><body>hi</body></html>").unwrap_err();
        assert!(html.contains("looks like a web page (HTML)"), "{html}");
        let cut = check_pdf(b"%PDF-1.7\n1 0 obj\n<<>>\n").unwrap_err();
        assert!(cut.contains("cut off"), "{cut}");
        assert!(check_pdf(b"").unwrap_err().contains("an empty file"));
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert_eq!(
            parse_link(" https://speakerdeck.com/ada/deck "),
            Ok(Some("https://speakerdeck.com/ada/deck".to_owned()))
        );
        assert_eq!(parse_link(""), Ok(None));
        for bad in ["javascript:alert(1)", "ftp://x/y", "slides.pdf", "https://"] {
            assert!(parse_link(bad).is_err(), "{bad}");
        }
    }
}
