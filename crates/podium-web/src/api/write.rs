//! Organizer write endpoints, authorized by a per-conference API token
//! (`Authorization: Bearer podium_…`, made on the organizer's API page): talks, rooms,
//! placements in the work-in-progress version, engine runs, releases.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use podium_app::account::api_token_hash;
use podium_app::schedule;
use podium_domain::{
    Conference, Level, NewConference, NewProgram, NewRoom, NewSession, NewTalk, Role, RoomId,
    TalkId, TalkKind,
};
use podium_scheduler as engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::problem::{ApiError, ApiJson, ApiPath, Problem};
use super::read::{RoomOut, SessionOut, TalkOut, VersionOut, session_out, talk_out};
use crate::AppState;
use crate::organizer::{RunStatus, accept_run, launch, run_status};

/// An organizer acting through an API token of the conference in the path.
pub(crate) struct TokenOrganizer {
    conference: Conference,
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
}

impl FromRequestParts<AppState> for TokenOrganizer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiPath(params) =
            ApiPath::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                .await?;
        let slug = params.get("slug").cloned().unwrap_or_default();
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                unauthorized("send an organizer's API token: Authorization: Bearer podium_…")
            })?;
        let (conference_id, user) = match state.store.api_token_owner(&api_token_hash(token)).await
        {
            Ok(owner) => owner,
            Err(podium_store::StoreError::NotFound(_)) => {
                return Err(unauthorized("this API token is unknown or was revoked"));
            }
            Err(e) => return Err(e.into()),
        };
        let conference = state.store.conference_by_slug(&slug).await?;
        if conference.id != conference_id {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this API token belongs to another conference",
            ));
        }
        if !state
            .store
            .roles(user, conference.id)
            .await?
            .contains(&Role::Organizer)
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "the token's owner is no longer an organizer of this conference",
            ));
        }
        Ok(TokenOrganizer { conference })
    }
}

/// A talk's kind.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub(crate) enum KindIn {
    Talk,
    Workshop,
    Keynote,
    Lightning,
}

/// A talk's level.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LevelIn {
    Beginner,
    Intermediate,
    Advanced,
}

/// The fields of a talk to change; those left out keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TalkIn {
    /// Not blank.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    title: Option<String>,
    /// Markdown.
    #[serde(rename = "abstract")]
    abstract_md: Option<String>,
    kind: Option<KindIn>,
    level: Option<LevelIn>,
    /// Minutes, 1 to 1440.
    #[schema(minimum = 1, maximum = 1440)]
    duration_min: Option<i64>,
    /// Track name; created when new; empty for none.
    track: Option<String>,
    language: Option<String>,
    /// Speaker names, in order; new names create speakers.
    speakers: Option<Vec<String>>,
    /// An http(s) URL, or empty for none.
    #[schema(pattern = r"^(https?://\S+)?$")]
    slides_url: Option<String>,
    /// An http(s) URL, or empty for none.
    #[schema(pattern = r"^(https?://\S+)?$")]
    video_url: Option<String>,
}

/// A talk to create: a title is required, the rest as in `TalkIn`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TalkCreate {
    /// Not blank.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    title: String,
    /// Markdown.
    #[serde(rename = "abstract")]
    abstract_md: Option<String>,
    kind: Option<KindIn>,
    level: Option<LevelIn>,
    /// Minutes, 1 to 1440 (default 30).
    #[schema(minimum = 1, maximum = 1440)]
    duration_min: Option<i64>,
    /// Track name; created when new.
    track: Option<String>,
    language: Option<String>,
    /// Speaker names, in order; new names create speakers.
    speakers: Option<Vec<String>>,
    /// An http(s) URL, or empty for none.
    #[schema(pattern = r"^(https?://\S+)?$")]
    slides_url: Option<String>,
    /// An http(s) URL, or empty for none.
    #[schema(pattern = r"^(https?://\S+)?$")]
    video_url: Option<String>,
}

impl From<TalkCreate> for TalkIn {
    fn from(c: TalkCreate) -> Self {
        TalkIn {
            title: Some(c.title),
            abstract_md: c.abstract_md,
            kind: c.kind,
            level: c.level,
            duration_min: c.duration_min,
            track: c.track,
            language: c.language,
            speakers: c.speakers,
            slides_url: c.slides_url,
            video_url: c.video_url,
        }
    }
}

fn url_field(name: &str, v: Option<String>) -> Result<Option<String>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(u) if (u.starts_with("https://") || u.starts_with("http://")) && u.len() > 8 => {
            Ok(Some(u.to_owned()))
        }
        Some(_) => Err(ApiError::invalid(format!("{name} must be an http(s) URL"))),
    }
}

impl TalkIn {
    /// Applies these fields over `base`.
    fn over(self, mut base: NewTalk) -> Result<NewTalk, ApiError> {
        if let Some(t) = self.title {
            if t.chars().count() > 300 {
                return Err(ApiError::invalid("title must be at most 300 characters"));
            }
            base.title = t.trim().to_owned();
        }
        if let Some(a) = self.abstract_md {
            base.abstract_md = a;
        }
        if let Some(k) = self.kind {
            base.kind = match k {
                KindIn::Talk => TalkKind::Talk,
                KindIn::Workshop => TalkKind::Workshop,
                KindIn::Keynote => TalkKind::Keynote,
                KindIn::Lightning => TalkKind::Lightning,
            };
        }
        if let Some(l) = self.level {
            base.level = match l {
                LevelIn::Beginner => Level::Beginner,
                LevelIn::Intermediate => Level::Intermediate,
                LevelIn::Advanced => Level::Advanced,
            };
        }
        if let Some(d) = self.duration_min {
            base.duration_min = d;
        }
        if let Some(t) = self.track {
            base.track = Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        }
        if let Some(l) = self.language {
            base.language = l;
        }
        if let Some(s) = self.speakers {
            base.speakers = s
                .into_iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
        }
        if self.slides_url.is_some() {
            base.slides_url = url_field("slides_url", self.slides_url)?;
        }
        if self.video_url.is_some() {
            base.video_url = url_field("video_url", self.video_url)?;
        }
        base.validate_alone().map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                e.to_string(),
            )
        })?;
        Ok(base)
    }
}

async fn talk_response(state: &AppState, slug: &str, id: TalkId) -> Result<TalkOut, ApiError> {
    let program = state.store.program_by_slug(slug).await?;
    let talk = program
        .talks
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("talk"))?;
    Ok(talk_out(state, &program, talk))
}

const PROBLEM: &str = "application/problem+json";

/// Creates a talk (unplaced). `title` is required.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/talks", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    request_body = TalkCreate, security(("token" = [])),
    responses((status = 201, body = TalkOut), (status = 400, body = Problem, content_type = PROBLEM),
        (status = 401, body = Problem, content_type = PROBLEM), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 415, body = Problem, content_type = PROBLEM),
        (status = 422, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn create_talk(
    State(state): State<AppState>,
    who: TokenOrganizer,
    ApiJson(input): ApiJson<TalkCreate>,
) -> Result<(StatusCode, Json<TalkOut>), ApiError> {
    let input = TalkIn::from(input);
    let base = NewTalk {
        key: "api".into(),
        guid: None,
        title: String::new(),
        abstract_md: String::new(),
        kind: TalkKind::Talk,
        level: Level::Intermediate,
        duration_min: 30,
        track: None,
        language: "en".into(),
        speakers: vec![],
        slides_url: None,
        video_url: None,
    };
    let mut talk = input.over(base)?;
    // A fresh GUID: the derived one would repeat for every talk created with key "api".
    talk.guid = Some(podium_domain::derive_guid(
        who.conference.slug.as_str(),
        &podium_app::account::random_token().map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })?,
    ));
    let id = state
        .store
        .save_talk(who.conference.id, None, &talk)
        .await?;
    let out = talk_response(&state, who.conference.slug.as_str(), id).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Changes the fields given; the others keep their value.
#[utoipa::path(patch, path = "/api/v1/conferences/{slug}/talks/{id}", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment"), ("id" = i64, Path, description = "Talk id")),
    request_body = TalkIn, security(("token" = [])),
    responses((status = 200, body = TalkOut), (status = 400, body = Problem, content_type = PROBLEM),
        (status = 401, body = Problem, content_type = PROBLEM), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 415, body = Problem, content_type = PROBLEM),
        (status = 422, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn update_talk(
    State(state): State<AppState>,
    who: TokenOrganizer,
    ApiPath(path): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<TalkIn>,
) -> Result<Json<TalkOut>, ApiError> {
    let (_, id) = path;
    let program = state.store.program(who.conference.id).await?;
    let talk = program
        .talks
        .iter()
        .find(|t| t.id.0 == id)
        .ok_or_else(|| ApiError::not_found("talk"))?;
    let name_of = |sid| {
        program
            .speakers
            .iter()
            .find(|s| s.id == sid)
            .map(|s| s.name.clone())
    };
    let base = NewTalk {
        key: format!("{id}"),
        guid: Some(talk.guid.clone()),
        title: talk.title.clone(),
        abstract_md: talk.abstract_md.clone(),
        kind: talk.kind,
        level: talk.level,
        duration_min: talk.duration_min,
        track: talk
            .track_id
            .and_then(|t| program.tracks.iter().find(|x| x.id == t))
            .map(|t| t.name.clone()),
        language: talk.language.clone(),
        speakers: talk
            .speaker_ids
            .iter()
            .filter_map(|&s| name_of(s))
            .collect(),
        slides_url: talk.slides_url.clone(),
        video_url: talk.video_url.clone(),
    };
    let new = input.over(base)?;
    state
        .store
        .save_talk(who.conference.id, Some(talk.id), &new)
        .await?;
    Ok(Json(
        talk_response(&state, who.conference.slug.as_str(), talk.id).await?,
    ))
}

/// A room to add.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoomIn {
    /// Not blank; unique in the conference.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    name: String,
    /// Seats, 0 to 1000000.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000000)]
    capacity: i64,
    /// Features such as `recording`, `projector`.
    #[serde(default)]
    features: Vec<String>,
}

/// Adds a room (a grid column). Room names are unique per conference.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/rooms", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    request_body = RoomIn, security(("token" = [])),
    responses((status = 201, body = RoomOut), (status = 400, body = Problem, content_type = PROBLEM),
        (status = 401, body = Problem, content_type = PROBLEM), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 409, body = Problem, content_type = PROBLEM),
        (status = 415, body = Problem, content_type = PROBLEM), (status = 422, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn create_room(
    State(state): State<AppState>,
    who: TokenOrganizer,
    ApiJson(input): ApiJson<RoomIn>,
) -> Result<(StatusCode, Json<RoomOut>), ApiError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || input.name.chars().count() > 200 {
        return Err(ApiError::invalid("name must be 1 to 200 characters"));
    }
    if !(0..=1_000_000).contains(&input.capacity) {
        return Err(ApiError::invalid("capacity must be from 0 to 1000000"));
    }
    let c = &who.conference;
    // A room is a one-room re-import: the same rules (match by name, create when new).
    let program = NewProgram {
        conference: NewConference {
            slug: c.slug.clone(),
            name: c.name.clone(),
            venue: c.venue.clone(),
            timezone: c.timezone.clone(),
            start_date: c.start_date,
            end_date: c.end_date,
            description: c.description.clone(),
        },
        rooms: vec![NewRoom {
            key: "room".into(),
            name: name.clone(),
            capacity: input.capacity,
            features: input.features,
        }],
        tracks: vec![],
        speakers: vec![],
        talks: vec![],
        sessions: vec![],
        breaks: vec![],
        placements: vec![],
        release: None,
    };
    let report = state.store.import_into(c.id, &program, false).await?;
    if report.rooms_created.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("a room named {name:?} exists already"),
        ));
    }
    let stored = state.store.program(c.id).await?;
    let room = stored
        .rooms
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| ApiError::not_found("room"))?;
    Ok((StatusCode::CREATED, Json(RoomOut::from(room))))
}

/// A session to add to the day grid.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionIn {
    room_id: i64,
    /// Shown in the grid ("Morning").
    #[serde(default)]
    #[schema(max_length = 100)]
    label: String,
    /// RFC 3339 with an offset.
    #[schema(format = DateTime)]
    starts_at: String,
    /// RFC 3339 with an offset; a whole number of slots after the start, at most a day.
    #[schema(format = DateTime)]
    ends_at: String,
    /// Minutes per slot, 1 to 1440.
    #[schema(minimum = 1, maximum = 1440)]
    slot_minutes: i64,
}

fn instant(name: &str, text: &str) -> Result<jiff::Timestamp, ApiError> {
    text.parse().map_err(|_| {
        ApiError::invalid(format!(
            "{name} must be an RFC 3339 time with an offset, such as 2027-09-24T09:30:00+05:30"
        ))
    })
}

/// Adds a session (one room between two breaks) to the day grid, cut into slots of
/// `slot_minutes`. Refused with `conflict` when it overlaps another session of the room.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sessions", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    request_body = SessionIn, security(("token" = [])),
    responses((status = 201, body = SessionOut), (status = 400, body = Problem, content_type = PROBLEM),
        (status = 401, body = Problem, content_type = PROBLEM), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 409, body = Problem, content_type = PROBLEM),
        (status = 415, body = Problem, content_type = PROBLEM), (status = 422, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn create_session(
    State(state): State<AppState>,
    who: TokenOrganizer,
    ApiJson(input): ApiJson<SessionIn>,
) -> Result<(StatusCode, Json<SessionOut>), ApiError> {
    if input.label.chars().count() > 100 {
        return Err(ApiError::invalid("label must be at most 100 characters"));
    }
    let session = NewSession {
        room: String::new(),
        label: input.label.trim().to_owned(),
        starts_at: instant("starts_at", &input.starts_at)?,
        ends_at: instant("ends_at", &input.ends_at)?,
        slot_minutes: input.slot_minutes,
    };
    let id = match state
        .store
        .add_session(who.conference.id, RoomId(input.room_id), &session)
        .await
    {
        Ok(id) => id,
        Err(podium_store::StoreError::Conflict { .. }) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "the room already has a session at that time",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let program = state.store.program(who.conference.id).await?;
    let stored = program
        .sessions
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found("session"))?;
    Ok((StatusCode::CREATED, Json(session_out(&program, stored))))
}

/// Where to put a talk in the work-in-progress version.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlacementIn {
    room_id: i64,
    /// RFC 3339 (`2027-09-24T09:30:00+05:30`); must be the start of one of the room's slots.
    #[schema(format = DateTime)]
    starts_at: String,
    /// Save even if the move breaks a hard rule (a speaker double-booked…).
    #[serde(default, rename = "override")]
    force: bool,
}

/// The result of a placement.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlacementResult {
    /// Change in missed talks (negative is better).
    missed_delta: i64,
    /// The talk that swapped places with this one, if the slot was taken.
    swapped_with: Option<i64>,
    /// Hard rules the move breaks (only with `override`).
    conflicts: Vec<String>,
}

/// Places (or moves) a talk in the work-in-progress version; an occupied slot swaps the two
/// talks. Refused with `placement_conflict` when it breaks a hard rule, unless `override`.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/talks/{id}/placement", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment"), ("id" = i64, Path, description = "Talk id")),
    request_body = PlacementIn, security(("token" = [])),
    responses((status = 200, body = PlacementResult), (status = 400, body = Problem, content_type = PROBLEM),
        (status = 401, body = Problem, content_type = PROBLEM), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 409, body = Problem, content_type = PROBLEM),
        (status = 415, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn place_talk(
    State(state): State<AppState>,
    who: TokenOrganizer,
    ApiPath(path): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<PlacementIn>,
) -> Result<Json<PlacementResult>, ApiError> {
    let (_, id) = path;
    let c = &who.conference;
    let starts_at: jiff::Timestamp = input.starts_at.parse().map_err(|_| {
        ApiError::invalid(
            "starts_at must be an RFC 3339 time with an offset, such as 2027-09-24T09:30:00+05:30",
        )
    })?;
    let program = state.store.program(c.id).await?;
    let talk = program
        .talks
        .iter()
        .find(|t| t.id.0 == id)
        .ok_or_else(|| ApiError::not_found("talk"))?;
    let prepared = schedule::prepare(&*state.store, c.id, engine::Weights::default()).await?;
    let slot = prepared
        .mapping
        .slot_at(podium_domain::RoomId(input.room_id), starts_at)
        .map(str::to_owned)
        .ok_or_else(|| {
            let zone = podium_domain::time::zone(&c.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "room {} has no slot starting at {}",
                    input.room_id,
                    super::read::rfc3339(starts_at, &zone)
                ),
            )
        })?;
    let option = schedule::move_options(&prepared, talk.id)
        .into_iter()
        .find(|o| o.slot == slot)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "placement_conflict",
                "the talk does not fit there: its session ends first",
            )
        })?;
    let conflicts: Vec<String> = option
        .conflicts
        .iter()
        .map(|c| schedule::humanize(c, &program))
        .collect();
    if !conflicts.is_empty() && !input.force {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "placement_conflict",
            format!(
                "{}; send \"override\": true to save it anyway",
                conflicts.join("; ")
            ),
        ));
    }
    schedule::move_talk(&*state.store, c.id, &prepared, talk.id, &slot).await?;
    Ok(Json(PlacementResult {
        missed_delta: option.missed_delta,
        swapped_with: option.swap_with.map(|t| t.0),
        conflicts,
    }))
}

/// Options of an engine run.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunIn {
    /// Time limit, 1 to 600 seconds (default 10).
    #[serde(default)]
    #[schema(value_type = Option<u64>, minimum = 1, maximum = 600)]
    seconds: Option<f64>,
    /// Weight of missed talks, 0 to 1000 (default 1).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    w_missed: Option<f64>,
    /// Weight of topic mix, 0 to 1000 (default as in the engine).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    w_topic_mix: Option<f64>,
    /// Weight of overflow, 0 to 1000 (default as in the engine).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    w_overflow: Option<f64>,
}

/// Starts the engine on the work-in-progress version in the background; poll
/// `GET …/schedule/run` for its progress. Pinned talks stay put.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/schedule/run", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    request_body = RunIn, security(("token" = [])),
    responses((status = 202, body = RunStatus), (status = 400, body = Problem, content_type = PROBLEM),
        (status = 401, body = Problem, content_type = PROBLEM), (status = 403, body = Problem, content_type = PROBLEM),
        (status = 404, body = Problem, content_type = PROBLEM), (status = 409, body = Problem, content_type = PROBLEM),
        (status = 415, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn start_run(
    State(state): State<AppState>,
    who: TokenOrganizer,
    ApiJson(input): ApiJson<RunIn>,
) -> Result<(StatusCode, Json<RunStatus>), ApiError> {
    let d = engine::Weights::default();
    let weight = |v: Option<f64>, default: f64, name: &str| match v {
        None => Ok(default),
        Some(v) if v.is_finite() && (0.0..=1000.0).contains(&v) => Ok(v),
        Some(_) => Err(ApiError::invalid(format!("{name} must be from 0 to 1000"))),
    };
    let weights = engine::Weights {
        missed: weight(input.w_missed, d.missed, "w_missed")?,
        topic_mix: weight(input.w_topic_mix, d.topic_mix, "w_topic_mix")?,
        overflow: weight(input.w_overflow, d.overflow, "w_overflow")?,
    };
    // JSON has no integer type: 30.0 is 30 seconds.
    let seconds = input.seconds.unwrap_or(10.0);
    if seconds.fract() != 0.0 || !(1.0..=600.0).contains(&seconds) {
        return Err(ApiError::invalid(
            "seconds must be a whole number from 1 to 600",
        ));
    }
    let seconds = seconds as u64;
    if !launch(&state, &who.conference, seconds, weights).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "run_in_progress",
            "a run of this conference is still going; wait for it or cancel it on the schedule desk",
        ));
    }
    let status = run_status(&state, who.conference.id).ok_or_else(|| ApiError::not_found("run"))?;
    Ok((StatusCode::ACCEPTED, Json(status)))
}

/// The current or last engine run (on the instance that started it).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/schedule/run", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    security(("token" = [])),
    responses((status = 200, body = RunStatus), (status = 401, body = Problem, content_type = PROBLEM),
        (status = 403, body = Problem, content_type = PROBLEM), (status = 404, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn get_run(
    State(state): State<AppState>,
    who: TokenOrganizer,
) -> Result<Json<RunStatus>, ApiError> {
    run_status(&state, who.conference.id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("run"))
}

/// Accepts the finished run's proposal into the work-in-progress version.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/schedule/run/accept", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    security(("token" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = PROBLEM),
        (status = 403, body = Problem, content_type = PROBLEM), (status = 404, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    who: TokenOrganizer,
) -> Result<StatusCode, ApiError> {
    if accept_run(&state, who.conference.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("finished run"))
    }
}

/// Publishes the work-in-progress version under the next version name (1.0, 1.1, …) and
/// mails the speakers whose talks are new, moved or cancelled (with a calendar file).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/schedule/release", tag = "write",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    security(("token" = [])),
    responses((status = 201, body = VersionOut), (status = 401, body = Problem, content_type = PROBLEM),
        (status = 403, body = Problem, content_type = PROBLEM), (status = 404, body = Problem, content_type = PROBLEM)))]
pub(crate) async fn release(
    State(state): State<AppState>,
    who: TokenOrganizer,
) -> Result<(StatusCode, Json<VersionOut>), ApiError> {
    let name =
        schedule::release_and_notify(&*state.store, who.conference.id, &state.config.public_url)
            .await?;
    let released = state.store.released_versions(who.conference.id).await?;
    let v = released
        .into_iter()
        .find(|v| v.name.as_deref() == Some(name.as_str()))
        .ok_or_else(|| ApiError::not_found("version"))?;
    Ok((StatusCode::CREATED, Json(VersionOut::from(v))))
}
