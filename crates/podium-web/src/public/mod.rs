//! The public site: conference list, conference page, schedule grid and list, track, room,
//! talk and speaker pages, the 404 page and the stylesheet. Server-rendered; no JavaScript.

mod account;
mod agenda;
pub(crate) mod export;
pub(crate) mod feedback;
mod invitation;
pub(crate) mod live;
mod password;
mod proposals;
pub(crate) mod slides;
mod verification;
mod view;

pub(crate) use view::Views;

/// A conference as pages show it (also for organizer pages).
pub(crate) fn conference_view(c: &podium_domain::Conference) -> impl Serialize + use<> {
    view::conference(c)
}

use axum::Router;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::value::Serde;
use minijinja::{Value, context};
use podium_domain::{Program, RoomId, SpeakerId, TalkId, TrackId};
use serde::{Deserialize, Serialize};

use crate::{AppError, AppState, render};

/// Public routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list_conferences))
        .route("/static/podium.css", get(stylesheet))
        .route("/static/podium.js", get(script))
        .route("/sw.js", get(service_worker))
        .route("/manifest.webmanifest", get(manifest))
        .route("/{slug}/offline.json", get(offline_pages))
        .route("/{slug}", get(show_conference))
        .route("/{slug}/", get(show_conference))
        .route("/{slug}/schedule", get(show_schedule))
        .route("/{slug}/changelog", get(show_changelog))
        .route(
            "/{slug}/schedule.xml",
            get(
                |State(s): State<AppState>, Path(slug): Path<String>, h: axum::http::HeaderMap| {
                    export::whole_program(s, slug, h, export::Kind::Xml)
                },
            ),
        )
        .route(
            "/{slug}/schedule.json",
            get(
                |State(s): State<AppState>, Path(slug): Path<String>, h: axum::http::HeaderMap| {
                    export::whole_program(s, slug, h, export::Kind::Json)
                },
            ),
        )
        .route(
            "/{slug}/schedule.ics",
            get(
                |State(s): State<AppState>, Path(slug): Path<String>, h: axum::http::HeaderMap| {
                    export::whole_program(s, slug, h, export::Kind::Ics)
                },
            ),
        )
        .route(
            "/{slug}/schedule.csv",
            get(
                |State(s): State<AppState>, Path(slug): Path<String>, h: axum::http::HeaderMap| {
                    export::whole_program(s, slug, h, export::Kind::Csv)
                },
            ),
        )
        .route("/{slug}/agenda/{file}", get(export::agenda_ics))
        .route("/{slug}/rooms/{id}/schedule.ics", get(export::room_ics))
        .route("/{slug}/tracks/{id}/schedule.ics", get(export::track_ics))
        .route("/{slug}/tracks/{id}", get(show_track))
        .route("/{slug}/rooms/{id}", get(show_room))
        .route("/{slug}/talks/{id}", get(show_talk))
        .route("/{slug}/talks/{id}/want", post(want_talk))
        .route("/{slug}/talks/{id}/unwant", post(unwant_talk))
        .route("/{slug}/speakers/{id}", get(show_speaker))
        .merge(account::routes())
        .merge(agenda::routes())
        .merge(live::routes())
        .merge(slides::routes())
        .merge(feedback::routes())
        .merge(proposals::routes())
        .merge(verification::routes())
        .merge(password::routes())
        .merge(invitation::routes())
}

/// The 404 page for every unknown address.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}

/// A serializable view model as a template value.
pub(crate) fn ser<T: Serialize>(v: T) -> Value {
    Value::from(Serde(v))
}

/// A template rendered to text (for pages kept in the page cache).
fn render_text(
    state: &AppState,
    name: &str,
    ctx: Value,
) -> Result<(String, &'static str), AppError> {
    Ok((
        state.templates.get_template(name)?.render(ctx)?,
        export::HTML,
    ))
}

pub(crate) fn render(state: &AppState, name: &str, ctx: Value) -> Result<Response, AppError> {
    let html = state.templates.get_template(name)?.render(ctx)?;
    Ok(Html(html).into_response())
}

async fn load(state: &AppState, slug: &str) -> Result<Arc<Program>, AppError> {
    Ok(state.store.program_by_slug(slug).await?)
}

fn canonical(state: &AppState, path: &str) -> String {
    format!("{}{}", state.config.public_url.trim_end_matches('/'), path)
}

/// An id from the URL; anything that is not a number is simply not found.
fn id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A file baked into the binary, with its type and caching rule.
pub(crate) fn asset(
    content_type: &'static str,
    cache: &'static str,
    body: &'static str,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        "public, max-age=3600",
        include_str!("../../static/podium.css"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        "public, max-age=3600",
        include_str!("../../static/podium.js"),
    )
}

/// The service worker; never cached by HTTP, so a new version reaches phones at once.
async fn service_worker() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        "no-cache",
        include_str!("../../static/sw.js"),
    )
}

async fn manifest() -> Response {
    asset(
        "application/manifest+json",
        "public, max-age=3600",
        r##"{"name":"podium","short_name":"podium","start_url":"/","scope":"/","display":"standalone","background_color":"#ffffff","theme_color":"#0b5cad"}"##,
    )
}

/// Every public page of a conference, for the service worker to keep after one visit, and the
/// changes feed's position they are at least as new as (`seq`: the worker asks the feed for
/// what changed since then on later visits).
async fn offline_pages(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let conference = state.store.conference_by_slug(&slug).await?;
    // The position first, then the pages: a change in between is fetched again next time.
    let (_, seq) = state
        .store
        .changes_since(conference.id, i64::MAX, 1)
        .await?;
    let p = load(&state, &slug).await?;
    let v = Views::new(&p);
    let base = v.base();
    let mut pages = vec![
        format!("{base}/"),
        format!("{base}/schedule"),
        format!("{base}/changelog"),
        format!("{base}/agenda"),
    ];
    pages.extend(
        p.conference
            .days()
            .iter()
            .map(|d| format!("{base}/schedule?day={d}")),
    );
    pages.extend(p.talks.iter().map(|t| v.talk_url(t)));
    pages.extend(
        p.speakers
            .iter()
            .map(|s| format!("{base}/speakers/{}", s.id)),
    );
    pages.extend(p.tracks.iter().map(|t| format!("{base}/tracks/{}", t.id)));
    pages.extend(p.rooms.iter().map(|r| v.room_url(r)));
    Ok(axum::Json(serde_json::json!({ "seq": seq, "pages": pages })).into_response())
}

#[derive(Serialize)]
struct ConferenceItem {
    slug: String,
    name: String,
    venue: String,
    dates: String,
}

async fn list_conferences(State(state): State<AppState>) -> Result<Response, AppError> {
    let conferences: Vec<ConferenceItem> = state
        .store
        .list_conferences()
        .await?
        .into_iter()
        .map(|c| ConferenceItem {
            dates: view::date_range(c.start_date, c.end_date),
            slug: c.slug.to_string(),
            name: c.name,
            venue: c.venue,
        })
        .collect();
    render(
        &state,
        "home.html",
        context! { conferences => ser(conferences) },
    )
}

#[derive(Serialize)]
struct DayLink {
    date: String,
    label: String,
    current: bool,
}

#[derive(Serialize)]
struct TrackLink {
    name: String,
    colour: String,
    description: String,
    url: String,
}

fn track_links(p: &Program) -> Vec<TrackLink> {
    p.tracks
        .iter()
        .map(|t| TrackLink {
            name: t.name.clone(),
            colour: t.colour.clone(),
            description: t.description.clone(),
            url: format!("/{}/tracks/{}", p.conference.slug, t.id),
        })
        .collect()
}

async fn show_conference(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let v = Views::new(&p);
    let days: Vec<DayLink> = p
        .conference
        .days()
        .into_iter()
        .map(|d| DayLink {
            date: d.to_string(),
            label: render::short_date(d),
            current: false,
        })
        .collect();
    let rooms: Vec<_> = p
        .rooms
        .iter()
        .map(|r| context! { name => r.name.clone(), url => v.room_url(r) })
        .collect();
    let key = format!("page/{slug}/conference");
    export::cached(&state, key, &p, &headers, || {
        render_text(
            &state,
            "conference.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{}/", v.base())),
                scheduled => !p.placements.is_empty(),
                days => ser(days),
                rooms,
                tracks => ser(track_links(&p)),
                sponsors => ser(sponsor_levels(&p)),
            },
        )
    })
}

/// Sponsors grouped by level, levels in the order their first sponsor was given.
fn sponsor_levels(p: &Program) -> Vec<(String, Vec<&podium_domain::Sponsor>)> {
    let mut levels: Vec<(String, Vec<&podium_domain::Sponsor>)> = Vec::new();
    for s in &p.sponsors {
        match levels.iter_mut().find(|(level, _)| *level == s.level) {
            Some((_, list)) => list.push(s),
            None => levels.push((s.level.clone(), vec![s])),
        }
    }
    levels
}

#[derive(Deserialize)]
struct ScheduleQuery {
    day: Option<String>,
}

async fn show_schedule(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ScheduleQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let v = Views::new(&p);
    let now = (state.config.clock)();
    let days = p.conference.days();
    // The asked-for day; else today while the conference runs; else the first day.
    let today = v.local_date(now);
    // While the conference runs, the page shows a "now" marker: keep one copy per minute.
    let minute = days.contains(&today).then(|| now.as_second() / 60);
    let day = q
        .day
        .as_deref()
        .and_then(|d| d.parse().ok())
        .filter(|d| days.contains(d))
        .or_else(|| days.contains(&today).then_some(today))
        .or_else(|| days.first().copied())
        .ok_or(AppError::NotFound)?;
    let day_links: Vec<DayLink> = days
        .iter()
        .map(|d| DayLink {
            date: d.to_string(),
            label: render::short_date(*d),
            current: *d == day,
        })
        .collect();
    // The zone's name on that day (CEST and CET differ across a DST change).
    let zone = v.placements_on(day).first().map_or_else(String::new, |pl| {
        render::zone_abbreviation(pl.starts_at, &v.tz)
    });
    let key = format!("page/{slug}/schedule/{day}/{minute:?}");
    export::cached(&state, key, &p, &headers, || {
        render_text(
            &state,
            "schedule.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{}/schedule?day={day}", v.base())),
                version => p.version.as_ref().and_then(|ver| ver.name.clone()),
                days => ser(day_links),
                day_label => render::short_date(day),
                legend => ser(track_links(&p)),
                grid => ser(v.grid(day, now)),
                list => ser(v.list(day)),
                zone,
            },
        )
    })
}

async fn show_track(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let track_id: TrackId = id(&raw)?;
    let track = p.track(track_id).ok_or(AppError::NotFound)?;
    let v = Views::new(&p);
    let talks: Vec<_> = p
        .talks
        .iter()
        .filter(|t| t.track_id == Some(track_id))
        .collect();
    let key = format!("page/{slug}/track/{}", track.id);
    export::cached(&state, key, &p, &headers, || {
        render_text(
            &state,
            "talks.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{}/tracks/{}", v.base(), track.id)),
                heading => track.name.clone(),
                feed => format!("{}/tracks/{}/schedule.ics", v.base(), track.id),
                colour => track.colour.clone(),
                intro => track.description.clone(),
                summary => track.description.clone(),
                days => ser(v.by_day(&talks)),
            },
        )
    })
}

async fn show_room(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let room_id: RoomId = id(&raw)?;
    let room = p.room(room_id).ok_or(AppError::NotFound)?;
    let v = Views::new(&p);
    let talks: Vec<_> = p
        .placements
        .iter()
        .filter(|pl| pl.room_id == room_id)
        .filter_map(|pl| p.talk(pl.talk_id))
        .collect();
    let mut intro = format!("{} seats", room.capacity);
    if !room.features.is_empty() {
        intro.push_str(&format!(" · {}", room.features.join(", ")));
    }
    let key = format!("page/{slug}/room/{}", room.id);
    export::cached(&state, key, &p, &headers, || {
        render_text(
            &state,
            "talks.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{}/rooms/{}", v.base(), room.id)),
                heading => room.name.clone(),
                feed => format!("{}/rooms/{}/schedule.ics", v.base(), room.id),
                summary => format!("{} at {}", room.name, p.conference.name),
                intro,
                days => ser(v.by_day(&talks)),
            },
        )
    })
}

#[derive(Serialize)]
struct SpeakerRef {
    name: String,
    url: String,
    bio_html: Value,
}

#[derive(Deserialize)]
struct TalkQuery {
    wanted: Option<String>,
}

async fn show_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    Query(q): Query<TalkQuery>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let talk = p.talk(id::<TalkId>(&raw)?).ok_or(AppError::NotFound)?;
    slides::count_view(&state, &method, &headers, talk.id);
    let key = format!("page/{slug}/talk/{}/{}", talk.id, q.wanted.is_some());
    // Everything below runs only when the page is not in the cache yet (Markdown rendering
    // and sanitizing included).
    export::cached(&state, key, &p, &headers, || {
        let slides_block = slides::talk_block(&p, talk);
        let v = Views::new(&p);
        let placement = p.placement(talk.id);
        let track = talk.track_id.and_then(|t| p.track(t));
        let room = placement.and_then(|pl| p.room(pl.room_id));
        let speakers: Vec<SpeakerRef> = talk
            .speaker_ids
            .iter()
            .filter_map(|sid| p.speaker(*sid))
            .map(|s| SpeakerRef {
                name: s.name.clone(),
                url: format!("{}/speakers/{}", v.base(), s.id),
                bio_html: Value::from_safe_string(render::markdown(&s.bio_md)),
            })
            .collect();
        let when = placement.map(|pl| {
            format!(
                "{}, {}–{} {}",
                render::long_day(pl.starts_at, &v.tz),
                render::clock(pl.starts_at, &v.tz),
                render::clock(p.ends_at(pl), &v.tz),
                render::zone_abbreviation(pl.starts_at, &v.tz),
            )
        });
        let web = |u: &Option<String>| u.as_ref().filter(|l| render::is_web_link(l)).cloned();
        let talk_ctx = context! {
            title => talk.title.clone(),
            summary => render::summary(&talk.abstract_md, 200),
            abstract_html => Value::from_safe_string(render::markdown(&talk.abstract_md)),
            kind => talk.kind.as_str(),
            level => talk.level.as_str(),
            language => talk.language.clone(),
            duration => talk.duration_min,
            colour => track.map_or("#59636e", |t| t.colour.as_str()),
            track => track.map(|t| t.name.clone()),
            track_url => track.map(|t| format!("{}/tracks/{}", v.base(), t.id)),
            when,
            start_iso => placement.map(|pl| pl.starts_at.to_string()),
            room => room.map(|r| r.name.clone()),
            room_url => room.map(|r| v.room_url(r)),
            speakers => ser(speakers),
            video_url => web(&talk.video_url),
            video_label => talk.video_url.as_deref().map(render::link_label),
            video_embed => ser(talk.video_url.as_deref().and_then(render::video_embed)),
            slides_url => web(&talk.slides_url),
            slides_label => talk.slides_url.as_deref().map(render::link_label),
            slides_embed => ser(talk.slides_url.as_deref().and_then(render::slides_embed)),
            kudos => p.kudos.iter().filter(|k| k.talk_id == talk.id).map(|k| k.text.clone()).collect::<Vec<_>>(),
            feedback_url => placement.map(|_| format!("{}/feedback", v.talk_url(talk))),
        };
        render_text(
            &state,
            "talk.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &v.talk_url(talk)),
                want_url => format!("{}/want", v.talk_url(talk)),
                wanted => q.wanted.is_some(),
                talk => talk_ctx,
                slides => ser(&slides_block),
            },
        )
    })
}

async fn show_speaker(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let speaker = p
        .speaker(id::<SpeakerId>(&raw)?)
        .ok_or(AppError::NotFound)?;
    let v = Views::new(&p);
    let talks: Vec<_> = p
        .talks
        .iter()
        .filter(|t| t.speaker_ids.contains(&speaker.id))
        .map(|t| v.card(t))
        .collect();
    let initials: String = speaker
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    let links: Vec<_> = speaker
        .links
        .iter()
        .map(|l| context! { url => l.clone(), web => render::is_web_link(l), label => render::link_label(l) })
        .collect();
    let key = format!("page/{slug}/speaker/{}", speaker.id);
    export::cached(&state, key, &p, &headers, || {
        render_text(
            &state,
            "speaker.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{}/speakers/{}", v.base(), speaker.id)),
                speaker => context! {
                    name => speaker.name.clone(),
                    summary => render::summary(&speaker.bio_md, 200),
                    bio_html => Value::from_safe_string(render::markdown(&speaker.bio_md)),
                    avatar_url => speaker.avatar_url.as_ref().filter(|u| render::is_web_link(u)),
                    initials,
                    links,
                },
                talks => ser(talks),
            },
        )
    })
}

/// Marks a talk as wanted by the logged-in user. The form carries no session token so talk
/// pages stay the same for everyone (and cacheable); the site-wide origin check stops other
/// sites from posting it, and the action is harmless and undoable.
async fn want_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let talk = p.talk(id::<TalkId>(&raw)?).ok_or(AppError::NotFound)?;
    let login = crate::auth::current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    state.store.set_interest(login.user, talk.id, true).await?;
    Ok(
        axum::response::Redirect::to(&format!("/{slug}/talks/{}?wanted=1", talk.id))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

/// Removes a talk from the logged-in user's list (from the account page, with its token).
async fn unwant_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let talk = p.talk(id::<TalkId>(&raw)?).ok_or(AppError::NotFound)?;
    let login = crate::auth::current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    crate::auth::check_form_token(&login.csrf_token, &form.csrf)?;
    state.store.set_interest(login.user, talk.id, false).await?;
    Ok(axum::response::Redirect::to("/account").into_response())
}

#[derive(Serialize)]
struct ChangeLine {
    what: &'static str,
    title: String,
    url: String,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize)]
struct VersionChanges {
    name: String,
    released: String,
    talks: usize,
    first: bool,
    changes: Vec<ChangeLine>,
}

/// What changed between releases: moved, new and cancelled talks, newest release first.
async fn show_changelog(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let history = state.store.release_history(p.conference.id).await?;
    let v = Views::new(&p);
    let at = |(room, ts): (RoomId, jiff::Timestamp)| {
        let room = p.room(room).map_or("?", |r| r.name.as_str());
        format!(
            "{room}, {}",
            ts.to_zoned_datetime(v.tz.clone())
                .strftime("%a %-d %b %H:%M")
        )
    };
    let mut versions = Vec::new();
    let mut previous: Option<&[podium_domain::Placement]> = None;
    for (version, placements) in &history {
        let changes = match previous {
            None => Vec::new(),
            Some(old) => podium_domain::changes(old, placements)
                .into_iter()
                .filter_map(|c| {
                    let (what, talk, from, to) = match c {
                        podium_domain::Change::Added { talk, to } => {
                            ("new", talk, None, Some(at(to)))
                        }
                        podium_domain::Change::Moved { talk, from, to } => {
                            ("moved", talk, Some(at(from)), Some(at(to)))
                        }
                        podium_domain::Change::Removed { talk, from } => {
                            ("cancelled", talk, Some(at(from)), None)
                        }
                    };
                    let t = p.talk(talk)?;
                    Some(ChangeLine {
                        what,
                        title: t.title.clone(),
                        url: v.talk_url(t),
                        from,
                        to,
                    })
                })
                .collect(),
        };
        versions.push(VersionChanges {
            name: version.name.clone().unwrap_or_default(),
            released: version
                .released_at
                .map(|r| {
                    r.to_zoned_datetime(v.tz.clone())
                        .strftime("%-d %B %Y %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            talks: placements.len(),
            first: previous.is_none(),
            changes,
        });
        previous = Some(placements);
    }
    versions.reverse();
    let key = format!("page/{slug}/changelog");
    export::cached(&state, key, &p, &headers, || {
        render_text(
            &state,
            "changelog.html",
            context! {
                conf => ser(view::conference(&p.conference)),
                canonical => canonical(&state, &format!("{}/changelog", v.base())),
                versions => ser(versions),
            },
        )
    })
}
