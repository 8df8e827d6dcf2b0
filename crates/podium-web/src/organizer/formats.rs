//! Formats compared: the engine schedules this conference's talks and wishes on a single-track,
//! a multi-track and a mixed grid of the same venue, in the background, and the organizer
//! decides the format with numbers — talks that do not fit, missed talks, attendees who miss
//! nothing, the worst-off attendee, topic mix — shown as a table and a small chart.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use podium_app::schedule::{self, FormatOutcome};
use podium_domain::ConferenceId;
use podium_scheduler as engine;
use serde::{Deserialize, Serialize};

use super::organizer;
use crate::auth::check_form_token;
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// One comparison run, in this instance's memory.
pub(crate) struct Comparison {
    started: Instant,
    seconds_each: f64,
    cancel: AtomicBool,
    outcome: Mutex<Option<Result<Vec<FormatOutcome>, String>>>,
}

/// Comparisons by conference.
pub(crate) type Comparisons = Mutex<HashMap<ConferenceId, Arc<Comparison>>>;

/// Format routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/formats", get(show))
        .route("/{slug}/organizer/formats/run", post(run))
}

#[derive(Deserialize)]
struct RunForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    seconds: Option<String>,
}

/// One row of the table, with bar widths for the chart.
#[derive(Serialize)]
struct Row {
    format: &'static str,
    label: &'static str,
    slots: usize,
    unscheduled: u64,
    missed: u64,
    happy_percent: u64,
    worst: u64,
    topic_mix: u64,
    missed_bar: u64,
    best: bool,
}

fn label(format: &str) -> &'static str {
    match format {
        "single-track" => "Single track: everyone in the largest room",
        "multi-track" => "Multi track: every room in every session",
        _ => "Mixed: plenary first session each day, then every room",
    }
}

fn rows(outcomes: &[FormatOutcome]) -> Vec<Row> {
    let most_missed = outcomes
        .iter()
        .map(|o| o.metrics.missed)
        .max()
        .unwrap_or(0)
        .max(1);
    // Best: everything placed first, then fewest missed talks.
    let best = outcomes
        .iter()
        .min_by_key(|o| (o.metrics.unscheduled, o.metrics.missed))
        .map(|o| o.format);
    outcomes
        .iter()
        .map(|o| {
            let m = &o.metrics;
            let happy = m.attendees.saturating_sub(m.attendees_missing_any);
            Row {
                format: o.format,
                label: label(o.format),
                slots: o.slots,
                unscheduled: m.unscheduled,
                missed: m.missed,
                happy_percent: (happy * 100).checked_div(m.attendees).unwrap_or(100),
                worst: m.worst_attendee_missed,
                topic_mix: m.topic_mix,
                missed_bar: m.missed * 100 / most_missed,
                best: Some(o.format) == best,
            }
        })
        .collect()
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let program = state.store.program(conference.id).await?;
    let (_, wip) = state.store.wip(conference.id).await?;
    let wants = schedule::attendee_wants(&*state.store, conference.id).await?;
    let prepared = schedule::instance(&program, &wip, &wants, engine::Weights::default());
    let venue = schedule::venue_of(&program, &prepared);
    let comparison = lock(&state).get(&conference.id).cloned();
    let (running, outcome) = match &comparison {
        None => (None, None),
        Some(c) => match &*c
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            None => (
                Some(context! {
                    elapsed => c.started.elapsed().as_secs(),
                    total => (c.seconds_each * 3.0).ceil() as u64,
                }),
                None,
            ),
            Some(result) => (None, Some(result.clone())),
        },
    };
    let (table, failure) = match outcome {
        Some(Ok(outcomes)) => (Some(rows(&outcomes)), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    render(
        &state,
        "organizer_formats.html",
        context! {
            conf => context! { name => &conference.name, slug => conference.slug.as_str() },
            csrf,
            running,
            table => ser(table),
            failure,
            talks => prepared.instance.talks.len(),
            attendees => prepared.instance.attendees.len(),
            rooms => program.rooms.iter().map(|r| format!("{} ({} seats)", r.name, r.capacity)).collect::<Vec<_>>(),
            days => venue.days.len(),
            sessions => venue.sessions.iter().map(|s| format!("{}–{}", s.start, s.end)).collect::<Vec<_>>(),
            slot_minutes => venue.slot_minutes,
        },
    )
}

fn lock(state: &AppState) -> std::sync::MutexGuard<'_, HashMap<ConferenceId, Arc<Comparison>>> {
    state
        .comparisons
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Stops every running comparison (at shutdown).
pub(crate) fn cancel_all(comparisons: &Comparisons) {
    for c in comparisons
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .values()
    {
        c.cancel.store(true, Ordering::Relaxed);
    }
}

async fn run(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RunForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, &form.csrf)?;
    let seconds = match form
        .seconds
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => 5.0,
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|s| (1.0..=120.0).contains(s))
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "The time per format must be a number of seconds from 1 to 120, not “{text}”."
                ))
            })?,
    };
    let busy = lock(&state).get(&conference.id).is_some_and(|c| {
        c.outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_none()
    });
    if !busy {
        let program = schedule::schedulable(&*state.store, conference.id).await?;
        let (_, wip) = state.store.wip(conference.id).await?;
        let wants = schedule::attendee_wants(&*state.store, conference.id).await?;
        let prepared = schedule::instance(&program, &wip, &wants, engine::Weights::default());
        let venue = schedule::venue_of(&program, &prepared);
        let comparison = Arc::new(Comparison {
            started: Instant::now(),
            seconds_each: seconds,
            cancel: AtomicBool::new(false),
            outcome: Mutex::new(None),
        });
        lock(&state).insert(conference.id, comparison.clone());
        let running = comparison.clone();
        let started = super::spawn_engine_thread("podium-formats", move || {
            let result =
                schedule::compare_formats(&venue, &prepared.instance, seconds, &running.cancel);
            *running
                .outcome
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
        });
        if let Err(e) = started {
            *comparison
                .outcome
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some(Err(format!("could not start the comparison: {e}")));
        }
    }
    Ok(Redirect::to(&format!("/{slug}/organizer/formats")).into_response())
}
