//! Organizer pages. Today: the schedule desk — run the engine on the work-in-progress (WIP)
//! version in the background, watch its progress, compare its proposal with the current WIP,
//! accept or discard it, move talks (a form per talk; drag and drop with `desk.js` on top,
//! previewed through a small JSON endpoint), cancel and restore talks, and release the WIP
//! version to the public site, mailing the speakers whose talks changed. Works without
//! JavaScript: a running job's page refreshes itself every second.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use podium_app::schedule::{self, Prepared};
use podium_domain::{Conference, ConferenceId, Program, Role};
use podium_scheduler as engine;
use serde::{Deserialize, Serialize};

use crate::auth::session_token;

mod cfp;
mod feedback;
pub(crate) mod formats;
mod grid;
mod import;
mod outbox;
mod proposals;
mod sponsors;
mod team;
mod tokens;
use crate::public::{Views, render, ser};
use crate::{AppError, AppState};

/// Organizer routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{slug}/organizer/schedule", get(show_desk))
        .route("/{slug}/organizer/schedule/run", post(start_run))
        .route("/{slug}/organizer/schedule/cancel", post(cancel_run))
        .route("/{slug}/organizer/schedule/accept", post(accept_proposal))
        .route("/{slug}/organizer/schedule/discard", post(discard_proposal))
        .route("/{slug}/organizer/schedule/release", post(release_wip))
        .route("/{slug}/organizer/schedule/talks/{id}", get(show_adjust))
        .route(
            "/{slug}/organizer/schedule/talks/{id}/move",
            post(move_talk),
        )
        .route("/{slug}/organizer/schedule/talks/{id}/pin", post(pin_talk))
        .route(
            "/{slug}/organizer/schedule/talks/{id}/preview",
            get(preview_move),
        )
        .route(
            "/{slug}/organizer/schedule/talks/{id}/cancel",
            post(cancel_talk),
        )
        .route(
            "/{slug}/organizer/schedule/talks/{id}/restore",
            post(restore_talk),
        )
        .route("/static/desk.js", get(desk_script))
        .merge(import::routes())
        .merge(tokens::routes())
        .merge(feedback::routes())
        .merge(sponsors::routes())
        .merge(formats::routes())
        .merge(grid::routes())
        .merge(team::routes())
        .merge(outbox::routes())
        .merge(cfp::routes())
        .merge(proposals::routes())
}

/// Best result so far of a running job.
#[derive(Debug, Clone, Copy, Default)]
struct Best {
    objective: f64,
    lower_bound: f64,
    unscheduled: u64,
}

/// One engine run for one conference. Kept in this instance's memory.
pub(crate) struct Run {
    started: Instant,
    limit: Duration,
    cancel: AtomicBool,
    best: Mutex<Option<Best>>,
    outcome: Mutex<Option<Result<engine::Solution, String>>>,
    prepared: Prepared,
}

/// Runs by conference.
pub(crate) type Runs = Mutex<HashMap<ConferenceId, Arc<Run>>>;

/// Stops every running engine job (at shutdown): each returns its best schedule so far.
pub(crate) fn cancel_all(runs: &Runs) {
    for run in runs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .values()
    {
        run.cancel.store(true, Ordering::Relaxed);
    }
}

fn runs_of(state: &AppState) -> std::sync::MutexGuard<'_, HashMap<ConferenceId, Arc<Run>>> {
    state
        .runs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The logged-in organizer of the conference `slug`, with the form token of their session.
async fn organizer(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<(Conference, String), AppError> {
    let conference = state.store.conference_by_slug(slug).await?;
    let login = match session_token(headers) {
        Some(token) => state.sessions.current(&token).await?,
        None => None,
    };
    let login = login.ok_or(AppError::LoginRequired)?;
    let roles = state.store.roles(login.user, conference.id).await?;
    if !roles.contains(&Role::Organizer) {
        return Err(AppError::Forbidden(
            "Only organizers of this conference can open this page.",
        ));
    }
    Ok((conference, login.csrf_token))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    seconds: Option<u64>,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    confirm_conflicts: Option<String>,
    #[serde(default)]
    pinned: Option<String>,
    #[serde(default)]
    w_missed: Option<String>,
    #[serde(default)]
    w_topic_mix: Option<String>,
    #[serde(default)]
    w_overflow: Option<String>,
}

impl TokenForm {
    /// The run's weights: each a number from 0 to 1000, defaults where left empty.
    fn weights(&self) -> Result<engine::Weights, AppError> {
        let d = engine::Weights::default();
        let read = |text: &Option<String>, default: f64, name: &str| -> Result<f64, AppError> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(t) => t
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && (0.0..=1000.0).contains(v))
                    .ok_or_else(|| {
                        AppError::Invalid(format!(
                            "The weight for {name} must be a number from 0 to 1000, not “{t}”."
                        ))
                    }),
            }
        };
        Ok(engine::Weights {
            missed: read(&self.w_missed, d.missed, "missed talks")?,
            topic_mix: read(&self.w_topic_mix, d.topic_mix, "topic mix")?,
            overflow: read(&self.w_overflow, d.overflow, "overflow")?,
        })
    }
}

fn check_token(expected: &str, form: &TokenForm) -> Result<(), AppError> {
    crate::auth::check_form_token(expected, &form.csrf)
}

fn back(slug: &str) -> Response {
    Redirect::to(&format!("/{slug}/organizer/schedule")).into_response()
}

#[derive(Serialize)]
struct MetricRow {
    label: &'static str,
    current: String,
    proposed: Option<String>,
    better: Option<bool>,
}

/// Reads one number out of the metrics.
type MetricOf = fn(&engine::Metrics) -> f64;

/// The engine's metrics, then the hallway minutes (`current`, `proposed`; more is better).
fn metric_rows(
    current: &engine::Metrics,
    proposed: Option<&engine::Metrics>,
    hallway: (i64, Option<i64>),
) -> Vec<MetricRow> {
    let fields: [(&'static str, MetricOf); 8] = [
        ("Talks not placed", |m| m.unscheduled as f64),
        ("Missed talks (sum over attendees)", |m| m.missed as f64),
        ("Attendees who miss something", |m| {
            m.attendees_missing_any as f64
        }),
        ("Worst attendee's misses", |m| {
            m.worst_attendee_missed as f64
        }),
        ("Topic mix (extra topics in sessions)", |m| {
            m.topic_mix as f64
        }),
        ("Mixed sessions", |m| m.mixed_sessions as f64),
        ("Overflow (people without a seat)", |m| m.overflow as f64),
        ("Objective (lower is better)", |m| m.objective),
    ];
    let mut rows: Vec<MetricRow> = fields
        .iter()
        .map(|(label, get)| {
            let c = get(current);
            let p = proposed.map(get);
            MetricRow {
                label,
                current: format!("{c}"),
                proposed: p.map(|v| format!("{v}")),
                better: p.map(|v| v < c),
            }
        })
        .collect();
    rows.push(MetricRow {
        label: "Hallway minutes (no talk in any room; more is better)",
        current: hallway.0.to_string(),
        proposed: hallway.1.map(|v| v.to_string()),
        better: hallway.1.map(|v| v > hallway.0),
    });
    rows
}

async fn show_desk(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let program = state.store.program(conference.id).await?;
    let schedulable = schedule::schedulable(&*state.store, conference.id).await?;
    let cancelled: Vec<_> = program
        .talks
        .iter()
        .filter(|t| schedulable.talk(t.id).is_none())
        .map(|t| context! { id => t.id.0, title => t.title.clone() })
        .collect();
    let (_, wip) = state.store.wip(conference.id).await?;
    let wants = schedule::attendee_wants(&*state.store, conference.id).await?;
    let prepared = schedule::instance(&schedulable, &wip, &wants, engine::Weights::default());
    let mut demand: Vec<(usize, String)> = program
        .talks
        .iter()
        .map(|t| {
            (
                wants.iter().filter(|(_, w)| w.contains(&t.id)).count(),
                t.title.clone(),
            )
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    demand.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    demand.truncate(15);
    let current = engine::evaluate(&prepared.instance, &prepared.current)
        .map_err(|e| AppError::Internal(format!("evaluating the WIP version: {e}")))?;
    let released = state.store.released_versions(conference.id).await?;

    let run = runs_of(&state).get(&conference.id).cloned();
    let mut running = None;
    let mut proposal = None;
    let mut failure = None;
    let mut proposal_days: Vec<minijinja::Value> = Vec::new();
    if let Some(run) = &run {
        match &*run
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            None => {
                let best = *run
                    .best
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let elapsed = run.started.elapsed().as_secs_f64();
                running = Some(context! {
                    elapsed => format!("{elapsed:.0}"),
                    limit => run.limit.as_secs(),
                    percent => ((elapsed / run.limit.as_secs_f64()) * 100.0).min(100.0).round(),
                    objective => best.map(|b| format!("{:.1}", b.objective)),
                    lower_bound => best.map(|b| format!("{:.1}", b.lower_bound)),
                    unscheduled => best.map(|b| b.unscheduled),
                });
            }
            Some(Ok(solution)) => {
                let proposed = schedule::placements(&run.prepared.mapping, &solution.assignments);
                // Compare under the run's own weights and wants.
                let baseline = engine::evaluate(&run.prepared.instance, &run.prepared.current)
                    .map(|r| r.metrics)
                    .unwrap_or_else(|_| current.metrics.clone());
                let moved_ids: std::collections::HashSet<podium_domain::TalkId> = proposed
                    .iter()
                    .filter(|p| {
                        !wip.iter().any(|w| {
                            w.talk_id == p.talk_id
                                && w.room_id == p.room_id
                                && w.starts_at == p.starts_at
                        })
                    })
                    .map(|p| p.talk_id)
                    .collect();
                let proposal_program = Program {
                    placements: proposed.clone(),
                    ..program.clone()
                };
                let pv = Views::for_organizer(&proposal_program);
                let now = (state.config.clock)();
                proposal_days = conference
                    .days()
                    .into_iter()
                    .map(|d| context! { label => crate::render::long_date(d), grid => ser(pv.grid_marked(d, now, &moved_ids)) })
                    .collect();
                let moved: Vec<String> = proposed
                    .iter()
                    .filter(|p| {
                        !wip.iter().any(|w| {
                            w.talk_id == p.talk_id
                                && w.room_id == p.room_id
                                && w.starts_at == p.starts_at
                        })
                    })
                    .filter_map(|p| program.talk(p.talk_id).map(|t| t.title.clone()))
                    .collect();
                proposal = Some(context! {
                    rows => ser(metric_rows(
                        &baseline,
                        Some(&solution.metrics),
                        (
                            schedule::hallway_minutes(&program, &wip),
                            Some(schedule::hallway_minutes(&program, &proposed)),
                        ),
                    )),
                    moved => moved,
                    unscheduled => ser(&solution.unscheduled),
                    seconds => format!("{:.1}", solution.solver.seconds),
                    lower_bound => solution.solver.lower_bound,
                    gap => format!("{:.1}", solution.solver.gap * 100.0),
                    diagnostics => ser(&solution.solver.diagnostics),
                });
            }
            Some(Err(e)) => failure = Some(e.clone()),
        }
    }

    let explanation = schedule::explain(&program, &prepared);
    let title = |t: podium_domain::TalkId| {
        program
            .talk(t)
            .map_or_else(String::new, |t| t.title.clone())
    };
    let tz = conference.tz();
    let explain = context! {
        unhappiest => explanation.unhappiest.iter().map(|(who, talks)| context! {
            who => who.clone(),
            talks => talks.iter().map(|t| title(*t)).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
        pairs => explanation.costly_pairs.iter().map(|p| context! {
            a => title(p.a), b => title(p.b), n => p.attendees,
        }).collect::<Vec<_>>(),
        mixed => explanation.mixed_sessions.iter().map(|m| context! {
            room => program.room(m.room).map(|r| r.name.clone()),
            at => m.starts_at.to_zoned_datetime(tz.clone()).strftime("%a %-d %b %H:%M").to_string(),
            topics => m.topics.join(", "),
        }).collect::<Vec<_>>(),
    };
    let hallway_now = schedule::hallway_minutes(&program, &wip);
    let wip_program = Program {
        placements: wip,
        ..program.clone()
    };
    let views = Views::for_organizer(&wip_program);
    let now = (state.config.clock)();
    let days: Vec<_> = conference
        .days()
        .into_iter()
        .map(|d| context! { label => crate::render::long_date(d), grid => ser(views.desk_grid(d, now)) })
        .collect();
    let placed = !wip_program.placements.is_empty();
    let mut response = render(
        &state,
        "organizer_schedule.html",
        context! {
            conf => ser(crate::public::conference_view(&conference)),
            csrf,
            rows => ser(metric_rows(&current.metrics, None, (hallway_now, None))),
            feasible => current.feasible,
            violations => current.violations.iter().map(|v| schedule::humanize(v, &program)).collect::<Vec<_>>(),
            published => released.first().and_then(|v| v.name.clone()),
            running, proposal, failure, explain,
            proposal_days,
            weights => ser(engine::Weights::default()),
            attendees => wants.len(),
            cancelled,
            placed,
            demand => demand.into_iter().map(|(n, title)| context! { n, title }).collect::<Vec<_>>(),
            days,
        },
    )?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn start_run(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let weights = form.weights()?;
    let seconds = form.seconds.unwrap_or(10);
    // One run at a time per conference; a double click starts one.
    launch(&state, &conference, seconds, weights).await?;
    Ok(back(&slug))
}

/// Starts the engine on the conference's WIP version in the background (`seconds` clamped to
/// 1..=600). Returns false, starting nothing, when a run of this conference is still going.
pub(crate) async fn launch(
    state: &AppState,
    conference: &Conference,
    seconds: u64,
    weights: engine::Weights,
) -> Result<bool, podium_store::StoreError> {
    let busy = |runs: &HashMap<ConferenceId, Arc<Run>>| {
        runs.get(&conference.id).is_some_and(|run| {
            run.outcome
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_none()
        })
    };
    if busy(&runs_of(state)) {
        return Ok(false);
    }
    let prepared = schedule::prepare(&*state.store, conference.id, weights).await?;
    let seconds = seconds.clamp(1, 600);
    let run = Arc::new(Run {
        started: Instant::now(),
        limit: Duration::from_secs(seconds),
        cancel: AtomicBool::new(false),
        best: Mutex::new(None),
        outcome: Mutex::new(None),
        prepared,
    });
    {
        // Check again under the lock: another request may have started a run while this one
        // prepared its instance.
        let mut runs = runs_of(state);
        if busy(&runs) {
            return Ok(false);
        }
        runs.insert(conference.id, run.clone());
    }
    tracing::info!(conference.slug = %conference.slug, run.seconds = seconds, "scheduler run started");
    let running = run.clone();
    let started = spawn_engine_thread("podium-scheduler", move || {
        let run = running;
        let options = engine::SolveOptions {
            time_limit: Some(run.limit),
            threads: 2,
            keep: Some(run.prepared.current.clone()).filter(|c| !c.is_empty()),
            ..engine::SolveOptions::default()
        };
        let progress = |p: &engine::Progress| {
            *run.best
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Best {
                objective: p.objective,
                lower_bound: p.lower_bound,
                unscheduled: p.unscheduled,
            });
        };
        let result = engine::solve(&run.prepared.instance, &options, &run.cancel, &progress)
            .map_err(|e| e.to_string());
        *run.outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
    });
    if let Err(e) = started {
        tracing::error!(error = %e, "could not start a scheduler thread");
        *run.outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Err(format!("could not start the scheduler: {e}")));
    }
    Ok(true)
}

/// Runs an engine job on a thread of its own at the lowest CPU priority (on Linux, nice 19,
/// which the engine's worker threads inherit), so that while it searches the operating system
/// serves requests first: a 60-second run does not delay pages (docs/benchmarks.md, "Engine
/// runs and page latency"). A thread of its own, not tokio's blocking pool, because the pool
/// reuses its threads and the lowered priority would stay with them.
pub(crate) fn spawn_engine_thread(
    name: &str,
    work: impl FnOnce() + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            lower_this_threads_priority();
            work();
        })
        .map(drop)
}

#[cfg(target_os = "linux")]
fn lower_this_threads_priority() {
    // Linux keeps the nice value per thread: `None` (0) is the calling thread only, and threads
    // it starts inherit it. Best effort: without it the run still works, it only competes.
    if let Err(e) = rustix::process::setpriority_process(None, 19) {
        tracing::warn!(error = %e, "could not lower the scheduler thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_this_threads_priority() {
    // Elsewhere setpriority(PRIO_PROCESS, 0) would lower the whole server: leave it alone.
}

/// Where a conference's engine run stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct RunStatus {
    /// `running`, `done` (a proposal waits to be accepted or discarded) or `failed`.
    pub state: &'static str,
    /// Seconds since it started.
    pub elapsed_s: f64,
    /// Its time limit in seconds.
    pub limit_s: u64,
    /// Best objective so far (lower is better), once there is a schedule.
    pub objective: Option<f64>,
    /// Proven lower bound on the objective.
    pub lower_bound: Option<f64>,
    /// Talks the best schedule leaves unplaced.
    pub unscheduled: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
}

/// The conference's current or last run, if any.
pub(crate) fn run_status(state: &AppState, conference: ConferenceId) -> Option<RunStatus> {
    let run = runs_of(state).get(&conference).cloned()?;
    let outcome = run
        .outcome
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let best = *run
        .best
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut status = RunStatus {
        state: "running",
        elapsed_s: run.started.elapsed().as_secs_f64(),
        limit_s: run.limit.as_secs(),
        objective: best.map(|b| b.objective),
        lower_bound: best.map(|b| b.lower_bound),
        unscheduled: best.map(|b| b.unscheduled),
        error: None,
    };
    match outcome {
        None => {}
        Some(Ok(solution)) => {
            status.state = "done";
            status.objective = Some(solution.metrics.objective);
            status.lower_bound = Some(solution.solver.lower_bound);
            status.unscheduled = Some(solution.metrics.unscheduled);
        }
        Some(Err(e)) => {
            status.state = "failed";
            status.error = Some(e);
        }
    }
    Some(status)
}

/// Accepts the finished run's proposal into the WIP version. False when there is none.
pub(crate) async fn accept_run(
    state: &AppState,
    conference: ConferenceId,
) -> Result<bool, podium_store::StoreError> {
    let Some(run) = runs_of(state).get(&conference).cloned() else {
        return Ok(false);
    };
    let solution = run
        .outcome
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let Some(Ok(solution)) = solution else {
        return Ok(false);
    };
    schedule::accept(&*state.store, conference, &run.prepared.mapping, &solution).await?;
    runs_of(state).remove(&conference);
    Ok(true)
}

async fn cancel_run(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    if let Some(run) = runs_of(&state).get(&conference.id) {
        run.cancel.store(true, Ordering::Relaxed);
    }
    Ok(back(&slug))
}

async fn accept_proposal(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    accept_run(&state, conference.id).await?;
    Ok(back(&slug))
}

async fn discard_proposal(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let mut runs = runs_of(&state);
    if let Some(run) = runs.get(&conference.id) {
        run.cancel.store(true, Ordering::Relaxed);
    }
    runs.remove(&conference.id);
    Ok(back(&slug))
}

async fn release_wip(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let name = schedule::release_and_notify(&*state.store, conference.id, &state.config.public_url)
        .await?;
    tracing::info!(conference.slug = %slug, version = %name, "schedule released");
    Ok(back(&slug))
}

/// The organizer's view of one talk: where it is, every place it could go with the change in
/// missed talks and the conflicts each move would add, and pin/unpin.
async fn show_adjust(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let talk_id: podium_domain::TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    let prepared =
        schedule::prepare(&*state.store, conference.id, engine::Weights::default()).await?;
    let program = state.store.program(conference.id).await?;
    let talk = program.talk(talk_id).ok_or(AppError::NotFound)?;
    let (_, wip) = state.store.wip(conference.id).await?;
    let placed = wip.iter().find(|p| p.talk_id == talk_id);
    let cancelled = state
        .store
        .cancelled_talks(conference.id)
        .await?
        .contains(&talk_id);
    let when = |room, at| slot_words(&program, room, at);
    let options: Vec<_> = schedule::move_options(&prepared, talk_id)
        .into_iter()
        .map(|o| {
            context! {
                slot => o.slot,
                when => when(o.room, o.starts_at),
                swap_with => o.swap_with.and_then(|t| program.talk(t)).map(|t| t.title.clone()),
                missed_delta => o.missed_delta,
                objective_delta => o.objective_delta,
                conflicts => o.conflicts.iter().map(|c| schedule::humanize(c, &program)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let mut response = render(
        &state,
        "organizer_talk.html",
        context! {
            conf => ser(crate::public::conference_view(&conference)),
            csrf,
            title => talk.title.clone(),
            public_url => format!("/{slug}/talks/{talk_id}"),
            action => format!("/{slug}/organizer/schedule/talks/{talk_id}"),
            desk => format!("/{slug}/organizer/schedule"),
            placed => placed.map(|p| when(p.room_id, p.starts_at)),
            pinned => placed.is_some_and(|p| p.pinned),
            cancelled,
            options,
        },
    )?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn move_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let talk_id: podium_domain::TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    let prepared =
        schedule::prepare(&*state.store, conference.id, engine::Weights::default()).await?;
    let option = schedule::move_options(&prepared, talk_id)
        .into_iter()
        .find(|o| o.slot == form.slot);
    let Some(option) = option else {
        return Err(AppError::Invalid(
            "That slot is not a place this talk can move to.".to_owned(),
        ));
    };
    if !option.conflicts.is_empty() && form.confirm_conflicts.is_none() {
        return Err(AppError::Invalid(
            "This move breaks a hard rule. Tick “move anyway” to confirm; the conflict stays listed on the desk.".to_owned(),
        ));
    }
    schedule::move_talk(
        &*state.store,
        conference.id,
        &prepared,
        talk_id,
        &option.slot,
    )
    .await?;
    Ok(back(&slug))
}

async fn pin_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let talk_id: podium_domain::TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    schedule::pin(
        &*state.store,
        conference.id,
        talk_id,
        form.pinned.as_deref() == Some("1"),
    )
    .await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/schedule/talks/{talk_id}")).into_response())
}

/// Room and time of a slot in words: `Fri 24 Sep 10:00 · Room 2`.
fn slot_words(program: &Program, room: podium_domain::RoomId, at: jiff::Timestamp) -> String {
    let room = program.room(room).map_or("?", |r| r.name.as_str());
    format!(
        "{} · {room}",
        at.to_zoned_datetime(program.conference.tz())
            .strftime("%a %-d %b %H:%M")
    )
}

#[derive(Deserialize)]
struct PreviewQuery {
    #[serde(default)]
    slot: String,
}

/// What moving a talk onto one slot would do, as JSON for the desk's drag and drop: the same
/// change in missed talks and the same conflicts the talk's move form lists, and where that
/// form posts. `fits: false` when the talk cannot go there (it does not fit before the
/// session ends, or it is there already).
async fn preview_move(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<PreviewQuery>,
) -> Result<Response, AppError> {
    let (conference, _) = organizer(&state, &headers, &slug).await?;
    let talk_id: podium_domain::TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    let prepared =
        schedule::prepare(&*state.store, conference.id, engine::Weights::default()).await?;
    let program = state.store.program(conference.id).await?;
    let talk = program.talk(talk_id).ok_or(AppError::NotFound)?;
    let action = format!("/{slug}/organizer/schedule/talks/{talk_id}/move");
    let body = match schedule::move_option(&prepared, talk_id, &query.slot) {
        Some(o) => serde_json::json!({
            "fits": true,
            "title": talk.title,
            "slot": o.slot,
            "when": slot_words(&program, o.room, o.starts_at),
            "swap_with": o.swap_with.and_then(|t| program.talk(t)).map(|t| t.title.clone()),
            "missed_delta": o.missed_delta,
            "objective_delta": o.objective_delta,
            "conflicts": o.conflicts.iter().map(|c| schedule::humanize(c, &program)).collect::<Vec<_>>(),
            "action": action,
        }),
        None => serde_json::json!({
            "fits": false,
            "title": talk.title,
            "slot": query.slot,
            "message": format!("“{}” cannot go there: it does not fit before the session ends, it is there already, or it is cancelled.", talk.title),
            "action": action,
        }),
    };
    let mut response = axum::Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn cancel_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let talk_id: podium_domain::TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    schedule::cancel(&*state.store, conference.id, talk_id).await?;
    tracing::info!(conference.slug = %slug, talk.id = %talk_id, "talk cancelled");
    Ok(back(&slug))
}

async fn restore_talk(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_token(&csrf, &form)?;
    let talk_id: podium_domain::TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    schedule::restore(&*state.store, conference.id, talk_id).await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/schedule/talks/{talk_id}")).into_response())
}

/// The desk's drag and drop (progressive enhancement: the move forms work without it).
async fn desk_script() -> Response {
    crate::public::asset(
        "text/javascript; charset=utf-8",
        "public, max-age=3600",
        include_str!("../../static/desk.js"),
    )
}
