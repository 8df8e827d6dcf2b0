//! Live now/next: a page per conference and per room (for screens outside the rooms) with the
//! current and next talks, kept up to date by server-sent events, with a banner for room
//! changes and new times from the latest release.
//!
//! Fan-out: each instance keeps one watch channel per conference with listeners. The change
//! bus (`crate::bus`: in-process, or Redis pub/sub across instances) moves it the moment a
//! change commits. As a safety net (writes by another process, such as `podium import`, or a
//! message lost while Redis restarts) a watcher also re-reads the conference's revision from the
//! database: every second without Redis, so instances on one database without Redis still
//! agree within about a second, and every half minute with Redis.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::Timestamp;
use minijinja::context;
use podium_domain::{ConferenceId, Program, RoomId};
use podium_store::Store;
use serde::Serialize;
use tokio::sync::watch;

use super::view::{self, Views};
use super::{load, render, ser};
use crate::{AppError, AppState};

/// How often a watcher reads a conference's revision without Redis.
const POLL: Duration = Duration::from_secs(1);

/// How often it does with Redis (a safety net only: changes arrive by pub/sub).
const POLL_WITH_REDIS: Duration = Duration::from_secs(30);

/// Live routes.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{slug}/live", get(show_conference))
        .route("/{slug}/rooms/{id}/live", get(show_room))
        // Under /api/: the service worker leaves it alone (it would try to keep the stream).
        .route("/api/v1/{slug}/events", get(events))
        .route("/static/live.js", get(script))
}

async fn script() -> Response {
    super::asset(
        "text/javascript; charset=utf-8",
        "public, max-age=3600",
        include_str!("../../static/live.js"),
    )
}

/// Per-conference watchers of this instance.
pub(crate) struct Hub {
    watchers: Mutex<HashMap<ConferenceId, watch::Sender<i64>>>,
    poll: Duration,
}

impl Hub {
    /// Watchers fed by the change bus; `redis` says whether the bus crosses instances.
    pub(crate) fn new(redis: bool) -> Hub {
        Hub {
            watchers: Mutex::default(),
            poll: if redis { POLL_WITH_REDIS } else { POLL },
        }
    }

    fn watched(&self) -> Vec<(ConferenceId, watch::Sender<i64>)> {
        self.watchers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|(_, tx)| !tx.is_closed())
            .map(|(c, tx)| (*c, tx.clone()))
            .collect()
    }

    /// Feeds the bus's signals to the watchers until the bus closes.
    pub(crate) async fn run(
        &self,
        store: Arc<dyn Store>,
        mut signals: tokio::sync::broadcast::Receiver<crate::bus::Signal>,
    ) {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match signals.recv().await {
                Ok(crate::bus::Signal::Changed {
                    conference,
                    revision,
                }) => {
                    let tx = self
                        .watchers
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .get(&conference)
                        .cloned();
                    if let Some(tx) = tx {
                        // Revisions only grow: an older message arriving late changes nothing.
                        tx.send_if_modified(|seen| {
                            let newer = revision > *seen;
                            if newer {
                                *seen = revision;
                            }
                            newer
                        });
                    }
                }
                Ok(crate::bus::Signal::Resync) | Err(RecvError::Lagged(_)) => {
                    for (conference, tx) in self.watched() {
                        read_revision(&*store, conference, &tx).await;
                    }
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    /// A receiver that changes whenever the conference's public program does.
    fn subscribe(
        &self,
        store: Arc<dyn Store>,
        conference: ConferenceId,
        revision: i64,
    ) -> watch::Receiver<i64> {
        let mut watchers = self
            .watchers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tx) = watchers.get(&conference)
            && !tx.is_closed()
        {
            return tx.subscribe();
        }
        let (tx, rx) = watch::channel(revision);
        watchers.insert(conference, tx.clone());
        let poll = self.poll;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // Stops when the last listener has gone.
            while !tx.is_closed() {
                tick.tick().await;
                read_revision(&*store, conference, &tx).await;
            }
        });
        rx
    }
}

/// Reads the conference's revision from the database and wakes its listeners if it moved.
/// A move found here may come from another process that sent no signal: the store's cached
/// program is re-checked first, so the page a woken listener reloads shows the change.
async fn read_revision(store: &dyn Store, conference: ConferenceId, tx: &watch::Sender<i64>) {
    match store.conference_revision(conference).await {
        Ok(now) => {
            if *tx.borrow() != now {
                store.changed_elsewhere();
            }
            tx.send_if_modified(|seen| {
                let moved = *seen != now;
                *seen = now;
                moved
            });
        }
        Err(e) => tracing::warn!(error = %e, "live watcher could not read the revision"),
    }
}

/// One room's now and next.
#[derive(Serialize)]
struct RoomNow {
    name: String,
    url: String,
    now: Option<view::Card>,
    next: Option<view::Card>,
    /// "in 12 min", "at 14:30 tomorrow"…
    next_when: Option<String>,
}

/// A change of the latest release that touches a talk still to come.
#[derive(Serialize)]
struct Notice {
    title: String,
    url: String,
    text: String,
}

fn rooms_now(p: &Program, v: &Views<'_>, now: Timestamp, only: Option<RoomId>) -> Vec<RoomNow> {
    p.rooms
        .iter()
        .filter(|r| only.is_none_or(|id| id == r.id))
        .map(|room| {
            let mut here: Vec<_> = p
                .placements
                .iter()
                .filter(|pl| pl.room_id == room.id)
                .collect();
            here.sort_by_key(|pl| pl.starts_at);
            let current = here
                .iter()
                .find(|pl| pl.starts_at <= now && now < p.ends_at(pl));
            let next = here.iter().find(|pl| pl.starts_at > now);
            let card = |pl: &podium_domain::Placement| p.talk(pl.talk_id).map(|t| v.card(t));
            RoomNow {
                name: room.name.clone(),
                url: format!("{}/rooms/{}/live", v.base(), room.id),
                now: current.and_then(|pl| card(pl)),
                next: next.and_then(|pl| card(pl)),
                next_when: next.map(|pl| when(pl.starts_at, now, v)),
            }
        })
        .collect()
}

fn when(at: Timestamp, now: Timestamp, v: &Views<'_>) -> String {
    let minutes = (at - now).as_mins();
    if minutes < 60 {
        format!("in {} min", minutes.max(1))
    } else if v.local_date(at) == v.local_date(now) {
        format!("at {}", crate::render::clock(at, &v.tz))
    } else {
        format!(
            "{} at {}",
            crate::render::long_day(at, &v.tz),
            crate::render::clock(at, &v.tz)
        )
    }
}

/// Changes in the latest release (against the one before) to talks that have not ended.
async fn notices(
    state: &AppState,
    p: &Program,
    v: &Views<'_>,
    now: Timestamp,
) -> Result<Vec<Notice>, AppError> {
    let history = state.store.release_history(p.conference.id).await?;
    let [.., (_, before), (_, after)] = history.as_slice() else {
        return Ok(Vec::new());
    };
    let room = |id: RoomId| p.room(id).map_or("?", |r| r.name.as_str()).to_owned();
    let mut out = Vec::new();
    for change in podium_domain::changes(before, after) {
        let (talk, text, at) = match change {
            podium_domain::Change::Moved { talk, from, to } => {
                let text = if from.0 != to.0 && from.1 == to.1 {
                    format!("room change: now in {} (was {})", room(to.0), room(from.0))
                } else if from.0 == to.0 {
                    format!(
                        "new time: {} (was {})",
                        crate::render::clock(to.1, &v.tz),
                        crate::render::clock(from.1, &v.tz)
                    )
                } else {
                    format!(
                        "moved to {}, {}",
                        room(to.0),
                        crate::render::clock(to.1, &v.tz)
                    )
                };
                (talk, text, to.1.max(from.1))
            }
            podium_domain::Change::Removed { talk, from } => (talk, "cancelled".to_owned(), from.1),
            podium_domain::Change::Added { talk, to } => (
                talk,
                format!(
                    "added: {}, {}",
                    room(to.0),
                    crate::render::clock(to.1, &v.tz)
                ),
                to.1,
            ),
        };
        let Some(t) = p.talk(talk) else { continue };
        // Only what still matters: the talk's (old or new) slot has not ended yet.
        if at + jiff::SignedDuration::from_mins(t.duration_min) <= now {
            continue;
        }
        out.push(Notice {
            title: t.title.clone(),
            url: v.talk_url(t),
            text,
        });
    }
    Ok(out)
}

/// Seconds until the next start or end on the page: the page refreshes itself then (and at
/// least every minute), so it is right even without events.
fn refresh_after(p: &Program, now: Timestamp, only: Option<RoomId>) -> i64 {
    p.placements
        .iter()
        .filter(|pl| only.is_none_or(|id| id == pl.room_id))
        .flat_map(|pl| [pl.starts_at, p.ends_at(pl)])
        .filter(|t| *t > now)
        .map(|t| (t - now).as_secs() + 1)
        .min()
        .unwrap_or(60)
        .clamp(5, 60)
}

async fn page(state: &AppState, slug: &str, only: Option<RoomId>) -> Result<Response, AppError> {
    let p = load(state, slug).await?;
    let v = Views::new(&p);
    let now = (state.config.clock)();
    let room_name = match only {
        Some(id) => Some(p.room(id).ok_or(AppError::NotFound)?.name.clone()),
        None => None,
    };
    let mut response = render(
        state,
        "live.html",
        context! {
            conf => ser(view::conference(&p.conference)),
            room_name,
            clock => crate::render::clock(now, &v.tz),
            day => crate::render::long_day(now, &v.tz),
            rooms => ser(rooms_now(&p, &v, now, only)),
            notices => ser(notices(state, &p, &v, now).await?),
            refresh => refresh_after(&p, now, only),
            events => format!("/api/v1/{}/events", p.conference.slug),
        },
    )?;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    Ok(response)
}

async fn show_conference(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    page(&state, &slug, None).await
}

async fn show_room(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let room: RoomId = super::id(&raw)?;
    page(&state, &slug, Some(room)).await
}

/// Server-sent events: `update` whenever the conference's public program changes.
async fn events(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let conference = state.store.conference_by_slug(&slug).await?;
    let revision = state.store.conference_revision(conference.id).await?;
    let rx = state
        .live
        .subscribe(state.store.clone(), conference.id, revision);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        let revision = *rx.borrow_and_update();
        let event = Event::default().event("update").data(revision.to_string());
        Some((Ok::<_, Infallible>(event), rx))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
