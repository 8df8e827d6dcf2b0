//! Edits one piece at a time, as organizers make them through the API and the grid builder:
//! saving one talk, adding grid sessions and breaks, removing one. Each is one transaction that
//! bumps the conference's revision first (so concurrent edits of one conference queue).

use std::collections::HashMap;

use podium_domain::*;
use sqlx::AnyPool;

use crate::StoreError;
use crate::feed::{doc, record};
use crate::program::{
    insert_session, insert_speaker, insert_talk, insert_track, resolve, set_talk_speakers,
};

/// Creates (`id` None) or replaces every field of one talk; its track and speakers are found
/// by name and created when missing. One transaction.
pub(crate) async fn save_talk(
    pool: &AnyPool,
    conference: ConferenceId,
    id: Option<TalkId>,
    talk: &NewTalk,
) -> Result<TalkId, StoreError> {
    let c = conference.0;
    let mut tx = crate::backend::begin(pool).await?;
    let slug: String = sqlx::query_scalar("SELECT slug FROM conferences WHERE id = $1")
        .bind(c)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("conference"))?;
    let mut tracks = HashMap::new();
    if let Some(name) = &talk.track {
        let found = id_by_name(
            &mut tx,
            "SELECT id FROM tracks WHERE conference_id = $1 AND lower(name) = lower($2) ORDER BY id LIMIT 1",
            c,
            name,
        )
        .await?;
        let id = match found {
            Some(id) => id,
            None => {
                let new = NewTrack {
                    key: name.clone(),
                    name: name.clone(),
                    colour: "#374151".into(),
                    description: String::new(),
                };
                insert_track(&mut tx, c, &new).await?
            }
        };
        tracks.insert(name.as_str(), id);
    }
    let mut speakers = HashMap::new();
    let mut created_speakers = Vec::new();
    for name in &talk.speakers {
        let found = id_by_name(
            &mut tx,
            "SELECT id FROM speakers WHERE conference_id = $1 AND lower(name) = lower($2) ORDER BY id LIMIT 1",
            c,
            name,
        )
        .await?;
        let id = match found {
            Some(id) => id,
            None => {
                let new = NewSpeaker {
                    key: name.clone(),
                    name: name.clone(),
                    bio: String::new(),
                    avatar_url: None,
                    links: vec![],
                };
                let id = insert_speaker(&mut tx, c, &new).await?;
                created_speakers.push(id);
                id
            }
        };
        speakers.insert(name.as_str(), id);
    }
    let (guid, track, speaker_ids) = resolve(talk, &slug, &tracks, &speakers)?;
    let id = match id {
        None => insert_talk(&mut tx, c, &guid, talk, track).await?,
        Some(id) => {
            let done = sqlx::query(
                "UPDATE talks SET title = $1, abstract = $2, kind = $3, level = $4, duration_min = $5, track_id = $6, \
                 language = $7, slides_url = $8, video_url = $9 WHERE id = $10 AND conference_id = $11",
            )
            .bind(&talk.title)
            .bind(&talk.abstract_md)
            .bind(talk.kind.as_str())
            .bind(talk.level.as_str())
            .bind(talk.duration_min)
            .bind(track)
            .bind(&talk.language)
            .bind(&talk.slides_url)
            .bind(&talk.video_url)
            .bind(id.0)
            .bind(c)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("talk"));
            }
            id.0
        }
    };
    set_talk_speakers(&mut tx, id, &speaker_ids).await?;
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(c)
        .execute(&mut *tx)
        .await?;
    let mut docs = vec![(doc::TALK, id)];
    docs.extend(created_speakers.iter().map(|&s| (doc::SPEAKER, s)));
    record(&mut tx, c, &docs).await?;
    tx.commit().await?;
    Ok(TalkId(id))
}

/// The id a `SELECT id … WHERE conference_id = $1 AND … $2` query finds for a name.
async fn id_by_name(
    conn: &mut sqlx::AnyConnection,
    sql: &'static str,
    conference: i64,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(sql)
        .bind(conference)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Adds sessions (each in its room, cut into slots) and breaks to the grid, all or nothing.
/// Refused with a conflict naming the room and time when a session overlaps another session of
/// its room (stored or in the same batch); `NotFound` for a room of another conference.
/// Returns the new sessions' ids in order.
pub(crate) async fn add_grid(
    pool: &AnyPool,
    conference: ConferenceId,
    sessions: &[(RoomId, NewSession)],
    breaks: &[NewBreak],
) -> Result<Vec<SessionId>, StoreError> {
    let c = conference.0;
    let mut tx = crate::backend::begin(pool).await?;
    // The conference row first: concurrent additions to one grid queue here, so the overlap
    // checks below cannot race.
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(c)
        .execute(&mut *tx)
        .await?;
    let mut ids = Vec::with_capacity(sessions.len());
    for (room, session) in sessions {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM rooms WHERE id = $1 AND conference_id = $2")
                .bind(room.0)
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(name) = name else {
            return Err(StoreError::NotFound("room"));
        };
        let overlapping: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM grid_sessions WHERE room_id = $1 AND starts_at < $2 AND ends_at > $3 LIMIT 1",
        )
        .bind(room.0)
        .bind(session.ends_at.as_second())
        .bind(session.starts_at.as_second())
        .fetch_optional(&mut *tx)
        .await?;
        if overlapping.is_some() {
            return Err(StoreError::Conflict {
                constraint: format!(
                    "grid_sessions_no_overlap: {name} already has a session at {}",
                    session.starts_at
                ),
            });
        }
        ids.push(SessionId(
            insert_session(&mut tx, c, room.0, session).await?,
        ));
    }
    for b in breaks {
        sqlx::query(
            "INSERT INTO breaks (conference_id, label, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(c)
        .bind(&b.label)
        .bind(b.starts_at.as_second())
        .bind(b.ends_at.as_second())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(ids)
}

/// Removes one session of the grid (its slots with it) or one break. Placements stay: talks
/// placed there show as off the grid on the schedule desk until moved.
pub(crate) async fn remove_grid_item(
    pool: &AnyPool,
    conference: ConferenceId,
    session: Option<SessionId>,
    break_id: Option<i64>,
) -> Result<(), StoreError> {
    let c = conference.0;
    let mut tx = crate::backend::begin(pool).await?;
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(c)
        .execute(&mut *tx)
        .await?;
    let mut removed = 0;
    if let Some(s) = session {
        sqlx::query("DELETE FROM slots WHERE session_id = $1 AND conference_id = $2")
            .bind(s.0)
            .bind(c)
            .execute(&mut *tx)
            .await?;
        removed += sqlx::query("DELETE FROM grid_sessions WHERE id = $1 AND conference_id = $2")
            .bind(s.0)
            .bind(c)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    if let Some(b) = break_id {
        removed += sqlx::query("DELETE FROM breaks WHERE id = $1 AND conference_id = $2")
            .bind(b)
            .bind(c)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    if removed == 0 {
        return Err(StoreError::NotFound("session or break"));
    }
    tx.commit().await?;
    Ok(())
}
