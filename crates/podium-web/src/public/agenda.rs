//! The personal agenda: `/{slug}/agenda` lists the talks someone starred, by day, and warns
//! when two of them overlap. Stars live in the browser (`localStorage`, see `podium.js`) until
//! the person logs in; then `POST /{slug}/agenda/merge` adds them to the account's wants (the
//! same `interests` rows the scheduler reads) and the account is the source of truth.
//!
//! The page is the same for every anonymous visitor (it carries every talk, hidden, and the
//! script shows the starred ones); for a logged-in visitor the server shows their wants, so it
//! also works without JavaScript. Nobody sees anyone else's choices.

use std::collections::HashSet;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_domain::{Program, TalkId};
use serde::{Deserialize, Serialize};

use super::{Views, canonical, export, load, render_text, ser, view};
use crate::{AppError, AppState, render};

/// Agenda routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{slug}/agenda", get(show_agenda))
        .route("/{slug}/agenda/stars", get(my_stars))
        .route("/{slug}/agenda/merge", post(merge_stars))
}

/// One talk of the agenda page (hidden unless starred).
#[derive(Serialize)]
struct Item {
    id: i64,
    /// Start and end in seconds since the epoch (for the script's overlap check); 0 when the
    /// talk is not scheduled yet.
    start: i64,
    end: i64,
    /// `10:00–10:45, Room 1`: how the overlap warning names the slot.
    when: String,
    title: String,
    shown: bool,
    card: view::Card,
}

#[derive(Serialize)]
struct Day {
    label: String,
    shown: bool,
    items: Vec<Item>,
}

/// Every talk of the program by local day (scheduled days in order, unscheduled talks last),
/// with `shown` set for the talks in `starred`.
fn days(p: &Program, starred: &HashSet<TalkId>) -> Vec<Day> {
    let v = Views::new(p);
    let mut talks: Vec<_> = p
        .talks
        .iter()
        .map(|t| (p.placement(t.id).map(|pl| (pl.starts_at, p.ends_at(pl))), t))
        .collect();
    // Scheduled first, by start time; unscheduled last, by title.
    talks.sort_by(|(a, ta), (b, tb)| match (a, b) {
        (Some(a), Some(b)) => a.cmp(b).then(ta.id.cmp(&tb.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => ta.title.cmp(&tb.title),
    });
    let mut out: Vec<Day> = Vec::new();
    for (slot, t) in talks {
        let label = slot.map_or_else(
            || "Not scheduled yet".to_owned(),
            |(s, _)| render::long_day(s, &v.tz),
        );
        let card = v.card(t);
        let room = p
            .placement(t.id)
            .and_then(|pl| p.room(pl.room_id))
            .map(|r| r.name.clone());
        let when = match (slot, room) {
            (Some((s, e)), Some(room)) => format!(
                "{}–{}, {room}",
                render::clock(s, &v.tz),
                render::clock(e, &v.tz)
            ),
            _ => "not scheduled yet".to_owned(),
        };
        let shown = starred.contains(&t.id);
        let item = Item {
            id: t.id.0,
            start: slot.map_or(0, |(s, _)| s.as_second()),
            end: slot.map_or(0, |(_, e)| e.as_second()),
            when,
            title: t.title.clone(),
            shown,
            card,
        };
        match out.last_mut() {
            Some(day) if day.label == label => {
                day.shown |= shown;
                day.items.push(item);
            }
            _ => out.push(Day {
                label,
                shown,
                items: vec![item],
            }),
        }
    }
    out
}

/// `“A” (10:00–10:45, Room 1) and “B” (10:30–11:15, Room 2) overlap.` for every pair of shown,
/// scheduled talks whose times intersect. `podium.js` writes the same sentence.
fn overlaps(days: &[Day]) -> Vec<String> {
    let shown: Vec<&Item> = days
        .iter()
        .flat_map(|d| &d.items)
        .filter(|i| i.shown && i.end > i.start)
        .collect();
    let mut out = Vec::new();
    for (n, a) in shown.iter().enumerate() {
        for b in &shown[n + 1..] {
            if a.start < b.end && b.start < a.end {
                out.push(format!(
                    "“{}” ({}) and “{}” ({}) overlap.",
                    a.title, a.when, b.title, b.when
                ));
            }
        }
    }
    out
}

/// The agenda page. Anonymous visitors get the shared copy (kept and revalidated like every
/// public page); a logged-in visitor gets their own, never stored by shared caches.
async fn show_agenda(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let login = crate::auth::current_login(&state, &headers).await?;
    let base = Views::new(&p).base();
    let page = |starred: &HashSet<TalkId>, feed: Option<String>| {
        let days = days(&p, starred);
        render_text(
            &state,
            "agenda.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{base}/agenda")),
                logged_in => feed.is_some(),
                feed,
                overlaps => overlaps(&days),
                any_shown => days.iter().any(|d| d.shown),
                days => ser(days),
            },
        )
    };
    let Some(login) = login else {
        let key = format!("page/{slug}/agenda");
        return export::cached(&state, key, &p, &headers, || page(&HashSet::new(), None));
    };
    let wanted: HashSet<TalkId> = state
        .store
        .interests_of(login.user)
        .await?
        .into_iter()
        .collect();
    let token = state
        .store
        .feed_token(login.user, &podium_app::account::random_token()?)
        .await?;
    let feed = format!(
        "{}{base}/agenda/{token}.ics",
        state.config.public_url.trim_end_matches('/')
    );
    let (html, content_type) = page(&wanted, Some(feed))?;
    let mut response = html.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    Ok(response)
}

/// A refusal the script can act on: a stable `code` and a sentence for people.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    talks: Vec<i64>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            talks: Vec::new(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.code, "message": self.message });
        if !self.talks.is_empty() {
            body["talks"] = serde_json::json!(self.talks);
        }
        no_store((self.status, Json(body)).into_response())
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        match e {
            AppError::NotFound => Refusal::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is no such conference.",
            ),
            AppError::Invalid(why) => {
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", why)
            }
            other => {
                // Logged once here; the body stays opaque.
                tracing::error!(error = %other, "agenda request failed");
                Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong; please try again in a moment.",
                )
            }
        }
    }
}

impl From<podium_store::StoreError> for Refusal {
    fn from(e: podium_store::StoreError) -> Refusal {
        AppError::from(e).into()
    }
}

/// The account's stars among this conference's talks, in id order.
async fn account_stars(
    state: &AppState,
    p: &Program,
    user: podium_domain::UserId,
) -> Result<Vec<i64>, Refusal> {
    let ours: HashSet<TalkId> = p.talks.iter().map(|t| t.id).collect();
    Ok(state
        .store
        .interests_of(user)
        .await?
        .into_iter()
        .filter(|t| ours.contains(t))
        .map(|t| t.0)
        .collect())
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /{slug}/agenda/stars`: whether the browser's session is logged in and, if so, the
/// account's stars in this conference plus the session's form token (for the merge). Readable
/// only by the site's own pages (no CORS header), never stored by a cache.
async fn my_stars(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let p = load(&state, &slug).await?;
    let body = match crate::auth::current_login(&state, &headers).await? {
        None => serde_json::json!({ "logged_in": false }),
        Some(login) => serde_json::json!({
            "logged_in": true,
            "csrf": login.csrf_token,
            "stars": account_stars(&state, &p, login.user).await?,
        }),
    };
    Ok(no_store(Json(body).into_response()))
}

/// Body of `POST /{slug}/agenda/merge`.
#[derive(Deserialize)]
struct Merge {
    /// The session's form token.
    #[serde(default)]
    csrf: String,
    /// Star (`true`) or unstar talks, applied in this order.
    changes: Vec<StarChange>,
}

#[derive(Deserialize)]
struct StarChange {
    talk: i64,
    star: bool,
}

/// More changes than anyone makes by hand; bounds the work of one request.
const MAX_CHANGES: usize = 2000;

/// `POST /{slug}/agenda/merge`: applies stars and unstars kept in the browser (made before
/// logging in, or while offline) to the account, in order, and answers the account's stars.
/// Idempotent (sending the same changes twice leaves the same wants). All or nothing: a talk
/// of another conference (or a deleted one) refuses the whole request with `unknown_talks`
/// naming the ids, so the script can drop them and send the rest.
async fn merge_stars(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Merge>, JsonRejection>,
) -> Result<Response, Refusal> {
    let p = load(&state, &slug).await?;
    let login = crate::auth::current_login(&state, &headers)
        .await?
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::UNAUTHORIZED,
                "login_required",
                "Log in to keep your agenda in your account.",
            )
        })?;
    let Json(merge) = body.map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!(
                "Send JSON like {{\"csrf\": \"…\", \"changes\": [{{\"talk\": 1, \"star\": true}}]}}: {}",
                e.body_text()
            ),
        )
    })?;
    crate::auth::check_form_token(&login.csrf_token, &merge.csrf).map_err(|_| {
        Refusal::new(
            StatusCode::FORBIDDEN,
            "bad_form_token",
            "This page's form token is out of date; reload and try again.",
        )
    })?;
    if merge.changes.len() > MAX_CHANGES {
        return Err(Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_changes",
            format!("Send at most {MAX_CHANGES} changes at once."),
        ));
    }
    let ours: HashSet<i64> = p.talks.iter().map(|t| t.id.0).collect();
    let mut unknown: Vec<i64> = merge
        .changes
        .iter()
        .map(|c| c.talk)
        .filter(|t| !ours.contains(t))
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        unknown.dedup();
        let list: Vec<String> = unknown.iter().map(i64::to_string).collect();
        let (noun, verb) = if unknown.len() == 1 {
            ("Talk", "is")
        } else {
            ("Talks", "are")
        };
        let mut r = Refusal::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_talks",
            format!(
                "{noun} {} {verb} not part of {}; nothing was changed.",
                list.join(", "),
                p.conference.name
            ),
        );
        r.talks = unknown;
        return Err(r);
    }
    for c in &merge.changes {
        state
            .store
            .set_interest(login.user, TalkId(c.talk), c.star)
            .await?;
    }
    tracing::info!(
        user.id = %login.user,
        conference.slug = %slug,
        changes = merge.changes.len(),
        "agenda merged"
    );
    let stars = account_stars(&state, &p, login.user).await?;
    Ok(no_store(
        Json(serde_json::json!({ "stars": stars })).into_response(),
    ))
}
