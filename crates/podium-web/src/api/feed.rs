//! `GET /api/v1/{slug}/changes?since=SEQ`: the changes feed, in the spirit of CouchDB's
//! `_changes`. One entry per changed public document (talk, speaker, room, placement in the
//! released schedule) with its current content or `deleted`, and a `last_seq` to ask from next
//! time, so a phone pulls only what changed since its last visit. The sequence lives in the
//! database, so every instance serves the same feed.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use podium_domain::{Program, TalkId, time};
use podium_store::doc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiError, ApiPath, ApiQuery, Problem};
use super::read::{RoomOut, program, rfc3339, speaker_out, talk_out};
use crate::AppState;

/// Where to start and how much to return.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Since {
    /// The `last_seq` of the previous answer; 0 or absent: every current document.
    #[param(minimum = 0)]
    since: Option<i64>,
    /// At most this many changes (1 to 10000, default 1000); `pending` says whether more wait.
    #[param(minimum = 1, maximum = 10000)]
    limit: Option<i64>,
}

/// One changed document.
#[derive(Serialize, ToSchema)]
pub(crate) struct Change {
    /// Position in the feed.
    seq: i64,
    /// `talk`, `speaker`, `room` or `placement` (whose `id` is the talk's).
    #[serde(rename = "type")]
    kind: String,
    id: i64,
    /// True when the document no longer exists (a placement: the talk is not in the released
    /// schedule any more).
    deleted: bool,
    /// The document now (`TalkOut`, `SpeakerOut`, `RoomOut` or a placement), unless deleted.
    #[schema(value_type = Option<Object>)]
    doc: Option<serde_json::Value>,
}

/// A page of the feed.
#[derive(Serialize, ToSchema)]
pub(crate) struct Changes {
    results: Vec<Change>,
    /// Ask `since=last_seq` next time.
    last_seq: i64,
    /// More changes wait beyond `limit`: ask again at once.
    pending: bool,
}

fn json<T: Serialize>(v: T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

/// The current content of one document, or None when it is gone.
fn current(state: &AppState, p: &Program, kind: &str, id: i64) -> Option<serde_json::Value> {
    match kind {
        doc::TALK => p
            .talk(TalkId(id))
            .map(|t| talk_out(state, p, t))
            .and_then(json),
        doc::SPEAKER => p
            .speakers
            .iter()
            .find(|s| s.id.0 == id)
            .map(|s| speaker_out(p, s))
            .and_then(json),
        doc::ROOM => p
            .rooms
            .iter()
            .find(|r| r.id.0 == id)
            .map(RoomOut::from)
            .and_then(json),
        doc::PLACEMENT => {
            let talk = p.talk(TalkId(id))?;
            let place = p.placements.iter().find(|pl| pl.talk_id.0 == id)?;
            let zone = time::zone(&p.conference.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
            Some(serde_json::json!({
                "talk_id": id,
                "room_id": place.room_id.0,
                "starts_at": rfc3339(place.starts_at, &zone),
                "ends_at": rfc3339(place.starts_at + jiff::SignedDuration::from_mins(talk.duration_min), &zone),
            }))
        }
        _ => None,
    }
}

/// Changes to the conference's public documents since `since`.
#[utoipa::path(get, path = "/api/v1/{slug}/changes", tag = "read",
    params(("slug" = String, Path, description = "The conference's URL segment"), Since),
    responses((status = 200, body = Changes), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn changes(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<Since>,
) -> Result<Json<Changes>, ApiError> {
    let since = q.since.unwrap_or(0);
    let limit = q.limit.unwrap_or(1000);
    if since < 0 {
        return Err(ApiError::invalid("since must be 0 or more"));
    }
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::invalid("limit must be from 1 to 10000"));
    }
    // The feed first, then the documents: the documents are then at least as new as the
    // changes listed (a write in between shows up again next time, never goes missing).
    let conference = state.store.conference_by_slug(&slug).await?;
    let (rows, last) = state
        .store
        .changes_since(conference.id, since, limit)
        .await?;
    let p = program(&state, &slug).await?;
    if since == 0 {
        // Everything as it is now, at the feed's current position.
        let mut results = Vec::new();
        let mut add = |kind: &str, id: i64| {
            let doc = current(&state, &p, kind, id);
            results.push(Change {
                seq: last,
                kind: kind.to_owned(),
                id,
                deleted: doc.is_none(),
                doc,
            });
        };
        p.rooms.iter().for_each(|r| add(doc::ROOM, r.id.0));
        p.speakers.iter().for_each(|s| add(doc::SPEAKER, s.id.0));
        p.talks.iter().for_each(|t| add(doc::TALK, t.id.0));
        p.placements
            .iter()
            .for_each(|pl| add(doc::PLACEMENT, pl.talk_id.0));
        return Ok(Json(Changes {
            results,
            last_seq: last,
            pending: false,
        }));
    }
    let pending = rows.len() as i64 == limit;
    let last_seq = if pending {
        rows.last().map_or(since, |r| r.seq)
    } else {
        last.max(since)
    };
    // One entry per document: its latest change.
    let mut latest: HashMap<(String, i64), i64> = HashMap::new();
    for r in &rows {
        latest.insert((r.doc_type.clone(), r.doc_id), r.seq);
    }
    let mut entries: Vec<((String, i64), i64)> = latest.into_iter().collect();
    entries.sort_by_key(|(_, seq)| *seq);
    let results = entries
        .into_iter()
        .map(|((kind, id), seq)| {
            let doc = current(&state, &p, &kind, id);
            Change {
                seq,
                kind,
                id,
                deleted: doc.is_none(),
                doc,
            }
        })
        .collect();
    Ok(Json(Changes {
        results,
        last_seq,
        pending,
    }))
}
