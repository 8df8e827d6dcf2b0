//! The slot grid builder: a day template (session windows, slot length, breaks, a minimum
//! hallway block between sessions) applied to chosen days and rooms at once; per-room
//! exceptions by removing a session and adding another for that room alone; plenary slots by
//! choosing only the plenary room; rooms with capacity and features. The grid is what the
//! engine calls slots and sessions. Works without JavaScript.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::{Date, Time};
use minijinja::context;
use podium_domain::{
    NewBreak, NewConference, NewProgram, NewRoom, NewSession, Program, RoomId, SessionId, time,
};
use podium_store::StoreError;
use serde::Serialize;

use super::organizer;
use crate::auth::check_form_token;
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// Grid routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/grid", get(show).post(add))
        .route("/{slug}/organizer/grid/rooms", post(add_room))
        .route("/{slug}/organizer/grid/remove", post(remove))
}

/// A form as sent: checkbox names carry the day or room (`day_2027-09-24`, `room_3`).
type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.as_str())
}

#[derive(Serialize)]
struct DayView {
    date: String,
    label: String,
    checked: bool,
    rooms: Vec<RoomDay>,
    breaks: Vec<(i64, String)>,
}

#[derive(Serialize)]
struct RoomDay {
    name: String,
    sessions: Vec<(i64, String)>,
}

#[derive(Serialize)]
struct RoomView {
    id: i64,
    name: String,
    detail: String,
    checked: bool,
}

fn clock(ts: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    crate::render::clock(ts, tz)
}

fn days_view(p: &Program, typed: Option<&Fields>) -> Vec<DayView> {
    let tz = p.conference.tz();
    p.conference
        .days()
        .into_iter()
        .map(|d| {
            let on_day = |ts: jiff::Timestamp| time::local(ts, &tz).date() == d;
            let rooms = p
                .rooms
                .iter()
                .map(|r| RoomDay {
                    name: r.name.clone(),
                    sessions: p
                        .sessions
                        .iter()
                        .filter(|s| s.room_id == r.id && on_day(s.starts_at))
                        .map(|s| {
                            let slots = p.slots.iter().filter(|x| x.session_id == s.id).count();
                            (
                                s.id.0,
                                format!(
                                    "{}–{} · {} {}{}",
                                    clock(s.starts_at, &tz),
                                    clock(s.ends_at, &tz),
                                    slots,
                                    if slots == 1 { "slot" } else { "slots" },
                                    if s.label.is_empty() {
                                        String::new()
                                    } else {
                                        format!(" · {}", s.label)
                                    }
                                ),
                            )
                        })
                        .collect(),
                })
                .collect();
            let breaks = p
                .breaks
                .iter()
                .filter(|b| on_day(b.starts_at))
                .map(|b| {
                    (
                        b.id.0,
                        format!(
                            "{}–{} {}",
                            clock(b.starts_at, &tz),
                            clock(b.ends_at, &tz),
                            b.label
                        ),
                    )
                })
                .collect();
            DayView {
                date: d.to_string(),
                label: crate::render::long_date(d),
                checked: typed.is_none_or(|f| f.contains_key(&format!("day_{d}"))),
                rooms,
                breaks,
            }
        })
        .collect()
}

async fn page(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    typed: Option<&Fields>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(state, headers, slug).await?;
    let p = state.store.program(conference.id).await?;
    let rooms: Vec<RoomView> = p
        .rooms
        .iter()
        .map(|r| RoomView {
            id: r.id.0,
            name: r.name.clone(),
            detail: if r.features.is_empty() {
                format!("{} seats", r.capacity)
            } else {
                format!("{} seats · {}", r.capacity, r.features.join(", "))
            },
            checked: typed.is_none_or(|f| f.contains_key(&format!("room_{}", r.id))),
        })
        .collect();
    let value = |name: &str, default: &str| {
        typed.map_or_else(|| default.to_owned(), |f| field(f, name).to_owned())
    };
    let failed = error.is_some();
    let mut response = render(
        state,
        "organizer_grid.html",
        context! {
            conf => context! { name => &conference.name, slug => conference.slug.as_str(), timezone => &conference.timezone },
            csrf,
            days => ser(days_view(&p, typed)),
            rooms => ser(rooms),
            sessions_text => value("sessions", "09:30-11:00\n11:30-13:00\n14:00-15:30\n16:00-17:30"),
            breaks_text => value("breaks", "11:00-11:30 Tea\n13:00-14:00 Lunch\n15:30-16:00 Tea"),
            slot_minutes => value("slot_minutes", "15"),
            hallway => value("hallway", "15"),
            label => value("label", ""),
            room_name => value("room_name", ""),
            room_capacity => value("room_capacity", ""),
            room_features => value("room_features", ""),
            error,
        },
    )?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    page(&state, &slug, &headers, None, None).await
}

/// `HH:MM-HH:MM` (or with `–`), then an optional label.
fn window(line: &str) -> Option<(Time, Time, String)> {
    let line = line.trim();
    let (span, label) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let (a, b) = span.split_once(['-', '–'])?;
    let a = time::parse_time(a.trim()).ok()?;
    let b = time::parse_time(b.trim()).ok()?;
    (a < b).then(|| (a, b, label.trim().to_owned()))
}

fn mins(t: Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

/// The day template, checked: session windows in order, breaks, slot length.
struct Template {
    sessions: Vec<(Time, Time)>,
    breaks: Vec<(Time, Time, String)>,
    slot_minutes: i64,
}

fn template(f: &Fields) -> Result<Template, String> {
    let slot_minutes: i64 = field(f, "slot_minutes")
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=240).contains(m))
        .ok_or("Slot length: a number of minutes from 1 to 240.")?;
    let hallway: i64 = match field(f, "hallway").trim() {
        "" => 0,
        t => t
            .parse()
            .ok()
            .filter(|m| (0..=240).contains(m))
            .ok_or("Minimum hallway time: a number of minutes from 0 to 240.")?,
    };
    let mut sessions = Vec::new();
    for (i, line) in field(f, "sessions").lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (a, b, _) = window(line).ok_or_else(|| {
            format!(
                "Sessions, line {}: “{}” is not a time span like 09:30-11:00.",
                i + 1,
                line.trim()
            )
        })?;
        let minutes = mins(b) - mins(a);
        if minutes % slot_minutes != 0 {
            return Err(format!(
                "Sessions, line {}: {} minutes is not a whole number of {slot_minutes}-minute slots.",
                i + 1,
                minutes
            ));
        }
        sessions.push((a, b));
    }
    if sessions.is_empty() {
        return Err("Sessions: give at least one time span, one per line.".into());
    }
    sessions.sort();
    for pair in sessions.windows(2) {
        let gap = mins(pair[1].0) - mins(pair[0].1);
        if gap < 0 {
            return Err(format!(
                "Sessions: {}–{} overlaps the next one.",
                pair[0].0.strftime("%H:%M"),
                pair[0].1.strftime("%H:%M")
            ));
        }
        if gap < hallway {
            return Err(format!(
                "Sessions: only {gap} minutes between {} and {}; the minimum hallway time is {hallway} minutes.",
                pair[0].1.strftime("%H:%M"),
                pair[1].0.strftime("%H:%M")
            ));
        }
    }
    let mut breaks = Vec::new();
    for (i, line) in field(f, "breaks").lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (a, b, label) = window(line).ok_or_else(|| {
            format!(
                "Breaks, line {}: “{}” is not a time span like 13:00-14:00 Lunch.",
                i + 1,
                line.trim()
            )
        })?;
        breaks.push((
            a,
            b,
            if label.is_empty() {
                "Break".into()
            } else {
                label
            },
        ));
    }
    Ok(Template {
        sessions,
        breaks,
        slot_minutes,
    })
}

async fn add(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&f, "csrf"))?;
    let fail = |why: String| page(&state, &slug, &headers, Some(&f), Some(why));
    let t = match template(&f) {
        Ok(t) => t,
        Err(why) => return fail(why).await,
    };
    let days: Vec<Date> = conference
        .days()
        .into_iter()
        .filter(|d| f.contains_key(&format!("day_{d}")))
        .collect();
    let p = state.store.program(conference.id).await?;
    let rooms: Vec<RoomId> = p
        .rooms
        .iter()
        .filter(|r| f.contains_key(&format!("room_{}", r.id)))
        .map(|r| r.id)
        .collect();
    if days.is_empty() || rooms.is_empty() {
        return fail("Choose at least one day and one room.".into()).await;
    }
    let tz = conference.tz();
    let at = |d: Date, t: Time| {
        time::instant(d, t, &tz).map_err(|e| AppError::Invalid(format!("{d} {t}: {e}")))
    };
    let label = field(&f, "label").trim().to_owned();
    let mut sessions = Vec::new();
    let mut breaks = Vec::new();
    for &d in &days {
        for &(a, b) in &t.sessions {
            for &room in &rooms {
                sessions.push((
                    room,
                    NewSession {
                        room: String::new(),
                        label: label.clone(),
                        starts_at: at(d, a)?,
                        ends_at: at(d, b)?,
                        slot_minutes: t.slot_minutes,
                    },
                ));
            }
        }
        for (a, b, name) in &t.breaks {
            let (starts_at, ends_at) = (at(d, *a)?, at(d, *b)?);
            // A break the grid already has on that day is not added twice.
            if !p
                .breaks
                .iter()
                .any(|x| x.starts_at == starts_at && x.ends_at == ends_at)
            {
                breaks.push(NewBreak {
                    label: name.clone(),
                    starts_at,
                    ends_at,
                });
            }
        }
    }
    match state
        .store
        .add_grid(conference.id, &sessions, &breaks)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/{slug}/organizer/grid")).into_response()),
        Err(StoreError::Conflict { constraint }) => {
            let detail = constraint
                .split_once(": ")
                .map_or(constraint.as_str(), |(_, d)| d)
                .to_owned();
            fail(format!(
                "Nothing was added: {detail}. Remove that session first, or choose other rooms or days."
            ))
            .await
        }
        Err(StoreError::Invalid(e)) => fail(format!("Nothing was added: {e}.")).await,
        Err(e) => Err(e.into()),
    }
}

async fn add_room(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&f, "csrf"))?;
    let name = field(&f, "room_name").trim().to_owned();
    let capacity = field(&f, "room_capacity").trim();
    let capacity: Option<i64> = if capacity.is_empty() {
        Some(0)
    } else {
        capacity
            .parse()
            .ok()
            .filter(|c| (0..=1_000_000).contains(c))
    };
    let (Some(capacity), false) = (capacity, name.is_empty() || name.chars().count() > 200) else {
        let why = "Room: a name of 1 to 200 characters and a number of seats.".to_owned();
        return page(&state, &slug, &headers, Some(&f), Some(why)).await;
    };
    let features = field(&f, "room_features")
        .split(',')
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect();
    // A room is a one-room re-import: matched by name, created when new.
    let program = NewProgram {
        conference: NewConference {
            slug: conference.slug.clone(),
            name: conference.name.clone(),
            venue: conference.venue.clone(),
            timezone: conference.timezone.clone(),
            start_date: conference.start_date,
            end_date: conference.end_date,
            description: conference.description.clone(),
        },
        rooms: vec![NewRoom {
            key: "room".into(),
            name: name.clone(),
            capacity,
            features,
        }],
        tracks: vec![],
        speakers: vec![],
        talks: vec![],
        sessions: vec![],
        breaks: vec![],
        placements: vec![],
        release: None,
    };
    let report = state
        .store
        .import_into(conference.id, &program, false)
        .await?;
    if report.rooms_created.is_empty() {
        let why = format!("There is a room named “{name}” already.");
        return page(&state, &slug, &headers, Some(&f), Some(why)).await;
    }
    Ok(Redirect::to(&format!("/{slug}/organizer/grid")).into_response())
}

async fn remove(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&f, "csrf"))?;
    let session = field(&f, "session").parse().ok().map(SessionId);
    let break_id = field(&f, "break").parse().ok();
    state
        .store
        .remove_grid_item(conference.id, session, break_id)
        .await?;
    Ok(Redirect::to(&format!("/{slug}/organizer/grid")).into_response())
}
