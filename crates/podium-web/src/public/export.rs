//! Schedule exports for conference apps and calendars: frab `schedule.xml` and `schedule.json`,
//! iCalendar (whole program, per room, per track) and CSV. Each is rendered once per state of
//! the released program and then served from memory, with an ETag (a hash of the body, so it
//! is the same on every instance) and Last-Modified (the release time), answering 304 to
//! clients that have it already.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use podium_domain::{Program, RoomId, TrackId};
use podium_formats::{ExportOptions, csv, frab_json, frab_xml, ical};

use super::{id, load};
use crate::{AppError, AppState};

/// One rendered export, valid while the program it was made from is the current one.
pub(crate) struct Rendered {
    program: Arc<Program>,
    body: Arc<str>,
    etag: String,
    content_type: &'static str,
}

/// Rendered exports by `slug/kind`.
pub(crate) type ExportCache = Mutex<HashMap<String, Arc<Rendered>>>;

/// An export format.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Xml,
    Json,
    Ics,
    Csv,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Xml => "xml",
            Kind::Json => "json",
            Kind::Ics => "ics",
            Kind::Csv => "csv",
        }
    }
}

fn fnv64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn render(
    state: &AppState,
    program: &Program,
    kind: Kind,
    filter: &ical::Filter,
) -> (String, &'static str) {
    let options = ExportOptions {
        base_url: state.config.public_url.clone(),
        // The release time, not "now": the same version always exports the same bytes.
        generated_at: program
            .version
            .as_ref()
            .and_then(|v| v.released_at)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    };
    match kind {
        Kind::Xml => (
            frab_xml::export(program, &options),
            "application/xml; charset=utf-8",
        ),
        Kind::Json => (frab_json::export(program, &options), "application/json"),
        Kind::Ics => (
            ical::export_filtered(program, &options, filter),
            "text/calendar; charset=utf-8",
        ),
        Kind::Csv => (csv::export(program, &options), "text/csv; charset=utf-8"),
    }
}

async fn serve(
    state: &AppState,
    slug: &str,
    key: String,
    kind: Kind,
    filter: ical::Filter,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let program = load(state, slug).await?;
    cached(state, key, &program, headers, || {
        let (body, content_type) = render(state, &program, kind, &filter);
        Ok((body, content_type))
    })
}

/// Serves `key` from memory while `program` is the current program, else renders it with
/// `make` (body, content type) and keeps it. Adds ETag and Last-Modified and answers 304 to a
/// matching `If-None-Match`. Exports and public HTML pages both go through here.
pub(crate) fn cached(
    state: &AppState,
    key: String,
    program: &Arc<Program>,
    headers: &HeaderMap,
    make: impl FnOnce() -> Result<(String, &'static str), AppError>,
) -> Result<Response, AppError> {
    let hit = state
        .exports
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
        .filter(|r| Arc::ptr_eq(&r.program, program))
        .cloned();
    let rendered = match hit {
        Some(r) => r,
        None => {
            let (body, content_type) = make()?;
            let etag = format!("\"{:016x}\"", fnv64(&body));
            let r = Arc::new(Rendered {
                program: program.clone(),
                body: body.into(),
                etag,
                content_type,
            });
            let mut cache = state
                .exports
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Entries of replaced programs are dropped as they are met; this bounds the map by
            // the number of pages of the current programs (plus a safety cap).
            if cache.len() > 50_000 {
                cache.clear();
            }
            cache.insert(key, r.clone());
            r
        }
    };
    let last_modified = program
        .version
        .as_ref()
        .and_then(|v| v.released_at)
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string());
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == rendered.etag || t.trim() == "*")
        }) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = rendered.body.to_string().into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(rendered.content_type),
        );
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&rendered.etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = last_modified.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(header::LAST_MODIFIED, v);
    }
    // Always revalidate (a cheap 304): a release must show at once, not after a max-age.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if rendered.content_type != HTML {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    Ok(response)
}

/// Content type of the public pages.
pub(crate) const HTML: &str = "text/html; charset=utf-8";

/// The whole released program in one format (`/{slug}/schedule.xml`, `.json`, `.ics`, `.csv`).
pub(crate) async fn whole_program(
    state: AppState,
    slug: String,
    headers: HeaderMap,
    kind: Kind,
) -> Result<Response, AppError> {
    let key = format!("{slug}/{}", kind.extension());
    serve(&state, &slug, key, kind, ical::Filter::All, &headers).await
}

pub(crate) async fn room_ics(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let room: RoomId = id(&raw)?;
    load(&state, &slug)
        .await?
        .room(room)
        .ok_or(AppError::NotFound)?;
    serve(
        &state,
        &slug,
        format!("{slug}/room/{room}"),
        Kind::Ics,
        ical::Filter::Room(room),
        &headers,
    )
    .await
}

pub(crate) async fn track_ics(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let track: TrackId = id(&raw)?;
    load(&state, &slug)
        .await?
        .track(track)
        .ok_or(AppError::NotFound)?;
    serve(
        &state,
        &slug,
        format!("{slug}/track/{track}"),
        Kind::Ics,
        ical::Filter::Track(track),
        &headers,
    )
    .await
}

/// A person's agenda (the talks they marked) as an iCal feed at a private URL
/// (`/{slug}/agenda/{token}.ics`). Not cached: it changes whenever they mark a talk.
pub(crate) async fn agenda_ics(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let user = state.store.feed_owner(token).await?;
    let program = load(&state, &slug).await?;
    let talks = state.store.interests_of(user).await?;
    let (body, content_type) = render(&state, &program, Kind::Ics, &ical::Filter::Talks(talks));
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(r)
}
