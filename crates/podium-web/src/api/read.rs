//! Public read endpoints: conferences, talks, speakers, rooms, tracks, released versions. No
//! token needed; talks carry their place in the latest released version.

use axum::Json;
use axum::extract::State;
use podium_domain::{Program, Talk, time};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ApiPath, ApiQuery, Problem};
use crate::AppState;

/// Largest page size.
const MAX_PER_PAGE: u32 = 200;

/// A conference.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConferenceOut {
    slug: String,
    name: String,
    venue: String,
    /// IANA zone of the conference's local times.
    timezone: String,
    /// First day, `YYYY-MM-DD`.
    start_date: String,
    /// Last day, `YYYY-MM-DD`.
    end_date: String,
    /// Markdown.
    description: String,
}

impl From<&podium_domain::Conference> for ConferenceOut {
    fn from(c: &podium_domain::Conference) -> Self {
        ConferenceOut {
            slug: c.slug.to_string(),
            name: c.name.clone(),
            venue: c.venue.clone(),
            timezone: c.timezone.clone(),
            start_date: c.start_date.to_string(),
            end_date: c.end_date.to_string(),
            description: c.description.clone(),
        }
    }
}

/// Where a talk is in the latest released version.
#[derive(Serialize, ToSchema)]
pub(crate) struct PlacementOut {
    room_id: i64,
    /// RFC 3339 with the conference's UTC offset.
    starts_at: String,
    /// RFC 3339 with the conference's UTC offset.
    ends_at: String,
}

/// A talk.
#[derive(Serialize, ToSchema)]
pub(crate) struct TalkOut {
    id: i64,
    /// Stable across versions and exports.
    guid: String,
    title: String,
    /// Markdown.
    #[serde(rename = "abstract")]
    abstract_md: String,
    /// `talk`, `workshop`, `keynote` or `lightning`.
    kind: String,
    /// `beginner`, `intermediate` or `advanced`.
    level: String,
    duration_min: i64,
    track_id: Option<i64>,
    language: String,
    slides_url: Option<String>,
    video_url: Option<String>,
    speaker_ids: Vec<i64>,
    /// The talk's public page.
    url: String,
    /// `null` when the latest released version does not place it.
    placement: Option<PlacementOut>,
}

/// A speaker.
#[derive(Serialize, ToSchema)]
pub(crate) struct SpeakerOut {
    id: i64,
    name: String,
    /// Markdown.
    bio: String,
    avatar_url: Option<String>,
    links: Vec<String>,
    talk_ids: Vec<i64>,
}

/// A room.
#[derive(Serialize, ToSchema)]
pub(crate) struct RoomOut {
    id: i64,
    name: String,
    capacity: i64,
    features: Vec<String>,
}

impl From<&podium_domain::Room> for RoomOut {
    fn from(r: &podium_domain::Room) -> Self {
        RoomOut {
            id: r.id.0,
            name: r.name.clone(),
            capacity: r.capacity,
            features: r.features.clone(),
        }
    }
}

/// A track.
#[derive(Serialize, ToSchema)]
pub(crate) struct TrackOut {
    id: i64,
    name: String,
    /// `#rrggbb`.
    colour: String,
    description: String,
}

/// A session of the day grid: one room between two breaks, cut into slots.
#[derive(Serialize, ToSchema)]
pub(crate) struct SessionOut {
    id: i64,
    room_id: i64,
    label: String,
    /// RFC 3339 with the conference's UTC offset.
    starts_at: String,
    /// RFC 3339 with the conference's UTC offset.
    ends_at: String,
    /// Where talks can start: each slot's start.
    slot_starts: Vec<String>,
}

pub(crate) fn session_out(p: &Program, s: &podium_domain::Session) -> SessionOut {
    let zone = time::zone(&p.conference.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    SessionOut {
        id: s.id.0,
        room_id: s.room_id.0,
        label: s.label.clone(),
        starts_at: rfc3339(s.starts_at, &zone),
        ends_at: rfc3339(s.ends_at, &zone),
        slot_starts: p
            .slots
            .iter()
            .filter(|slot| slot.session_id == s.id)
            .map(|slot| rfc3339(slot.starts_at, &zone))
            .collect(),
    }
}

/// A released schedule version.
#[derive(Serialize, ToSchema)]
pub(crate) struct VersionOut {
    name: Option<String>,
    /// RFC 3339, UTC.
    released_at: Option<String>,
}

impl From<podium_domain::ScheduleVersion> for VersionOut {
    fn from(v: podium_domain::ScheduleVersion) -> Self {
        VersionOut {
            name: v.name,
            released_at: v.released_at.map(|t| t.to_string()),
        }
    }
}

/// Paging: `page` from 1, `per_page` up to 200 (default 50).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Paging {
    /// Page number, from 1 to 100000.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Items per page, 1 to 200.
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u32>,
}

impl Paging {
    fn cut<T>(&self, items: Vec<T>) -> Result<Paged<T>, ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=100_000).contains(&page) {
            return Err(ApiError::invalid("page must be from 1 to 100000"));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::invalid(format!(
                "per_page must be between 1 and {MAX_PER_PAGE}"
            )));
        }
        let total = items.len();
        let start = (page as usize - 1).saturating_mul(per_page as usize);
        let items = items
            .into_iter()
            .skip(start)
            .take(per_page as usize)
            .collect();
        Ok(Paged {
            items,
            page,
            per_page,
            total,
        })
    }
}

/// One page of a list.
pub(crate) struct Paged<T> {
    items: Vec<T>,
    page: u32,
    per_page: u32,
    total: usize,
}

macro_rules! page_type {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Serialize, ToSchema)]
        pub(crate) struct $name {
            items: Vec<$item>,
            /// This page's number, from 1.
            page: u32,
            per_page: u32,
            /// Items in all pages.
            total: usize,
        }

        impl From<Paged<$item>> for $name {
            fn from(p: Paged<$item>) -> Self {
                $name {
                    items: p.items,
                    page: p.page,
                    per_page: p.per_page,
                    total: p.total,
                }
            }
        }
    };
}

page_type!(ConferencePage, ConferenceOut, "A page of conferences.");
page_type!(TalkPage, TalkOut, "A page of talks.");
page_type!(SpeakerPage, SpeakerOut, "A page of speakers.");

pub(crate) fn rfc3339(ts: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> String {
    time::local(ts, zone)
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

pub(crate) fn talk_out(state: &AppState, program: &Program, t: &Talk) -> TalkOut {
    let zone = time::zone(&program.conference.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let placement = program
        .placements
        .iter()
        .find(|p| p.talk_id == t.id)
        .map(|p| PlacementOut {
            room_id: p.room_id.0,
            starts_at: rfc3339(p.starts_at, &zone),
            ends_at: rfc3339(
                p.starts_at + jiff::SignedDuration::from_mins(t.duration_min),
                &zone,
            ),
        });
    TalkOut {
        id: t.id.0,
        guid: t.guid.clone(),
        title: t.title.clone(),
        abstract_md: t.abstract_md.clone(),
        kind: t.kind.as_str().to_owned(),
        level: t.level.as_str().to_owned(),
        duration_min: t.duration_min,
        track_id: t.track_id.map(|x| x.0),
        language: t.language.clone(),
        // Only web links, as the pages show them: a client puts these in an href.
        slides_url: web(&t.slides_url),
        video_url: web(&t.video_url),
        speaker_ids: t.speaker_ids.iter().map(|s| s.0).collect(),
        url: format!(
            "{}/{}/talks/{}",
            state.config.public_url.trim_end_matches('/'),
            program.conference.slug,
            t.id
        ),
        placement,
    }
}

/// The URL if it is an http(s) link; stored data from before input was checked (or written
/// by hand) never reaches a client as a `javascript:` or `data:` URL.
fn web(url: &Option<String>) -> Option<String> {
    url.clone().filter(|u| crate::render::is_web_link(u))
}

pub(crate) fn speaker_out(p: &Program, s: &podium_domain::Speaker) -> SpeakerOut {
    SpeakerOut {
        id: s.id.0,
        name: s.name.clone(),
        bio: s.bio_md.clone(),
        avatar_url: web(&s.avatar_url),
        links: s
            .links
            .iter()
            .filter(|l| crate::render::is_web_link(l))
            .cloned()
            .collect(),
        talk_ids: p
            .talks
            .iter()
            .filter(|t| t.speaker_ids.contains(&s.id))
            .map(|t| t.id.0)
            .collect(),
    }
}

pub(crate) async fn program(
    state: &AppState,
    slug: &str,
) -> Result<std::sync::Arc<Program>, ApiError> {
    Ok(state.store.program_by_slug(slug).await?)
}

/// Every conference on this site.
#[utoipa::path(get, path = "/api/v1/conferences", tag = "read", params(Paging),
    responses((status = 200, body = ConferencePage), (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_conferences(
    State(state): State<AppState>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<ConferencePage>, ApiError> {
    let list = state.store.list_conferences().await?;
    let items = list.iter().map(ConferenceOut::from).collect();
    Ok(Json(paging.cut(items)?.into()))
}

/// One conference.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    responses((status = 200, body = ConferenceOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_conference(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<ConferenceOut>, ApiError> {
    let p = program(&state, &slug).await?;
    Ok(Json(ConferenceOut::from(&p.conference)))
}

/// Filters for the talk list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TalkFilter {
    /// Only talks of this track.
    track: Option<i64>,
    /// Only talks placed in this room (latest released version).
    room: Option<i64>,
    /// Only talks of this kind.
    kind: Option<String>,
    /// Only talks whose title or abstract contains this text (case-insensitive).
    q: Option<String>,
}

/// A conference's talks, in title order, with their place in the latest released version.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/talks", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment"), TalkFilter, Paging),
    responses((status = 200, body = TalkPage), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_talks(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(filter): ApiQuery<TalkFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<TalkPage>, ApiError> {
    let p = program(&state, &slug).await?;
    let q = filter.q.as_deref().map(str::to_lowercase);
    let mut talks: Vec<&Talk> = p
        .talks
        .iter()
        .filter(|t| {
            filter
                .track
                .is_none_or(|tr| t.track_id.map(|x| x.0) == Some(tr))
        })
        .filter(|t| filter.kind.as_deref().is_none_or(|k| t.kind.as_str() == k))
        .filter(|t| {
            filter.room.is_none_or(|r| {
                p.placements
                    .iter()
                    .any(|pl| pl.talk_id == t.id && pl.room_id.0 == r)
            })
        })
        .filter(|t| {
            q.as_deref().is_none_or(|q| {
                t.title.to_lowercase().contains(q) || t.abstract_md.to_lowercase().contains(q)
            })
        })
        .collect();
    talks.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let items = talks.into_iter().map(|t| talk_out(&state, &p, t)).collect();
    Ok(Json(paging.cut(items)?.into()))
}

/// One talk.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/talks/{id}", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment"), ("id" = i64, Path, description = "Talk id")),
    responses((status = 200, body = TalkOut), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_talk(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<(String, i64)>,
) -> Result<Json<TalkOut>, ApiError> {
    let (slug, id) = path;
    let p = program(&state, &slug).await?;
    let t = p
        .talks
        .iter()
        .find(|t| t.id.0 == id)
        .ok_or_else(|| ApiError::not_found("talk"))?;
    Ok(Json(talk_out(&state, &p, t)))
}

/// A conference's speakers, in name order.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/speakers", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment"), Paging),
    responses((status = 200, body = SpeakerPage), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_speakers(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<SpeakerPage>, ApiError> {
    let p = program(&state, &slug).await?;
    let mut speakers: Vec<SpeakerOut> = p.speakers.iter().map(|s| speaker_out(&p, s)).collect();
    speakers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(Json(paging.cut(speakers)?.into()))
}

/// A conference's rooms, in grid order.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/rooms", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    responses((status = 200, body = Vec<RoomOut>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_rooms(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<RoomOut>>, ApiError> {
    let p = program(&state, &slug).await?;
    Ok(Json(p.rooms.iter().map(RoomOut::from).collect()))
}

/// A conference's tracks.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/tracks", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    responses((status = 200, body = Vec<TrackOut>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_tracks(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<TrackOut>>, ApiError> {
    let p = program(&state, &slug).await?;
    Ok(Json(
        p.tracks
            .iter()
            .map(|t| TrackOut {
                id: t.id.0,
                name: t.name.clone(),
                colour: t.colour.clone(),
                description: t.description.clone(),
            })
            .collect(),
    ))
}

/// The day grid: sessions and their slots, by start.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/sessions", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    responses((status = 200, body = Vec<SessionOut>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_sessions(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<SessionOut>>, ApiError> {
    let p = program(&state, &slug).await?;
    let mut sessions: Vec<&podium_domain::Session> = p.sessions.iter().collect();
    sessions.sort_by_key(|s| (s.starts_at, s.room_id));
    Ok(Json(
        sessions.into_iter().map(|s| session_out(&p, s)).collect(),
    ))
}

/// Released schedule versions, newest first.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/versions", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment")),
    responses((status = 200, body = Vec<VersionOut>), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_versions(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Vec<VersionOut>>, ApiError> {
    let c = state.store.conference_by_slug(&slug).await?;
    let versions = state.store.released_versions(c.id).await?;
    Ok(Json(versions.into_iter().map(VersionOut::from).collect()))
}
