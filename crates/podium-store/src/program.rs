//! Conferences and their program: reading the public program, creating a whole program at once.

use std::collections::HashMap;

use jiff::Timestamp;
use podium_domain::time::from_unix;
use podium_domain::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;
use crate::feed::{doc, record};

/// `SELECT` of every conference column, followed by the rest of the query.
macro_rules! select_conference {
    ($rest:literal) => {
        concat!(
            "SELECT id, slug, name, venue, timezone, start_date, end_date, description FROM conferences ",
            $rest
        )
    };
}

fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: detail.to_string(),
    }
}

fn instant(table: &'static str, secs: i64) -> Result<Timestamp, StoreError> {
    from_unix(secs).map_err(|e| corrupt(table, e))
}

fn json_list(table: &'static str, text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(table, e))
}

fn conference_from_row(row: &AnyRow) -> Result<Conference, StoreError> {
    let slug: String = row.try_get("slug")?;
    let start: String = row.try_get("start_date")?;
    let end: String = row.try_get("end_date")?;
    Ok(Conference {
        id: ConferenceId(row.try_get("id")?),
        slug: Slug::parse(&slug).map_err(|e| corrupt("conferences", e))?,
        name: row.try_get("name")?,
        venue: row.try_get("venue")?,
        timezone: row.try_get("timezone")?,
        start_date: start.parse().map_err(|e| corrupt("conferences", e))?,
        end_date: end.parse().map_err(|e| corrupt("conferences", e))?,
        description: row.try_get("description")?,
    })
}

pub(crate) async fn list_conferences(pool: &AnyPool) -> Result<Vec<Conference>, StoreError> {
    let rows = sqlx::query(select_conference!("ORDER BY start_date DESC, id DESC"))
        .fetch_all(pool)
        .await?;
    rows.iter().map(conference_from_row).collect()
}

pub(crate) async fn conference_by_slug(
    pool: &AnyPool,
    slug: &str,
) -> Result<Conference, StoreError> {
    let row = sqlx::query(select_conference!("WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("conference"))?;
    conference_from_row(&row)
}

/// The conference's id and its program revision.
pub(crate) async fn revision<'c>(
    conn: impl sqlx::AnyExecutor<'c>,
    slug: &str,
) -> Result<(ConferenceId, i64), StoreError> {
    let row = sqlx::query("SELECT id, revision FROM conferences WHERE slug = $1")
        .bind(slug)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("conference"))?;
    Ok((ConferenceId(row.try_get("id")?), row.try_get("revision")?))
}

pub(crate) async fn load(
    conn: &mut AnyConnection,
    id: ConferenceId,
) -> Result<Program, StoreError> {
    let c = id.0;
    let row = sqlx::query(select_conference!("WHERE id = $1"))
        .bind(c)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("conference"))?;
    let conference = conference_from_row(&row)?;

    let rooms = sqlx::query(
        "SELECT id, name, capacity, features, position FROM rooms WHERE conference_id = $1 ORDER BY position, id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Room {
            id: RoomId(r.try_get("id")?),
            name: r.try_get("name")?,
            capacity: r.try_get("capacity")?,
            features: json_list("rooms", &r.try_get::<String, _>("features")?)?,
            position: r.try_get("position")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let tracks = sqlx::query(
        "SELECT id, name, colour, description FROM tracks WHERE conference_id = $1 ORDER BY id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Track {
            id: TrackId(r.try_get("id")?),
            name: r.try_get("name")?,
            colour: r.try_get("colour")?,
            description: r.try_get("description")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let speakers = sqlx::query(
        "SELECT id, name, bio, avatar_url, links, available FROM speakers WHERE conference_id = $1 ORDER BY id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Speaker {
            id: SpeakerId(r.try_get("id")?),
            name: r.try_get("name")?,
            bio_md: r.try_get("bio")?,
            avatar_url: r.try_get("avatar_url")?,
            links: json_list("speakers", &r.try_get::<String, _>("links")?)?,
            available: serde_json::from_str(&r.try_get::<String, _>("available")?).map_err(
                |e| StoreError::Corrupt {
                    table: "speakers",
                    detail: format!("available: {e}"),
                },
            )?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let mut talk_speakers: HashMap<i64, Vec<SpeakerId>> = HashMap::new();
    for r in sqlx::query(
        "SELECT ts.talk_id, ts.speaker_id FROM talk_speakers ts JOIN talks t ON t.id = ts.talk_id \
         WHERE t.conference_id = $1 ORDER BY ts.talk_id, ts.position",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    {
        talk_speakers
            .entry(r.try_get("talk_id")?)
            .or_default()
            .push(SpeakerId(r.try_get("speaker_id")?));
    }

    let talks = sqlx::query(
        "SELECT id, guid, title, abstract, kind, level, duration_min, track_id, language, slides_url, video_url \
         FROM talks WHERE conference_id = $1 ORDER BY id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.try_get("id")?;
        let kind: String = r.try_get("kind")?;
        let level: String = r.try_get("level")?;
        Ok(Talk {
            id: TalkId(id),
            guid: r.try_get("guid")?,
            title: r.try_get("title")?,
            abstract_md: r.try_get("abstract")?,
            kind: TalkKind::parse(&kind).ok_or_else(|| corrupt("talks", format!("kind {kind:?}")))?,
            level: Level::parse(&level).ok_or_else(|| corrupt("talks", format!("level {level:?}")))?,
            duration_min: r.try_get("duration_min")?,
            track_id: r.try_get::<Option<i64>, _>("track_id")?.map(TrackId),
            language: r.try_get("language")?,
            slides_url: r.try_get("slides_url")?,
            video_url: r.try_get("video_url")?,
            speaker_ids: talk_speakers.remove(&id).unwrap_or_default(),
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let sessions = sqlx::query(
        "SELECT id, room_id, label, starts_at, ends_at FROM grid_sessions WHERE conference_id = $1 ORDER BY starts_at, room_id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Session {
            id: SessionId(r.try_get("id")?),
            room_id: RoomId(r.try_get("room_id")?),
            label: r.try_get("label")?,
            starts_at: instant("grid_sessions", r.try_get("starts_at")?)?,
            ends_at: instant("grid_sessions", r.try_get("ends_at")?)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let slots = sqlx::query(
        "SELECT id, session_id, room_id, starts_at, ends_at FROM slots WHERE conference_id = $1 ORDER BY starts_at, room_id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Slot {
            id: SlotId(r.try_get("id")?),
            session_id: SessionId(r.try_get("session_id")?),
            room_id: RoomId(r.try_get("room_id")?),
            starts_at: instant("slots", r.try_get("starts_at")?)?,
            ends_at: instant("slots", r.try_get("ends_at")?)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let breaks = sqlx::query(
        "SELECT id, label, starts_at, ends_at FROM breaks WHERE conference_id = $1 ORDER BY starts_at",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Break {
            id: BreakId(r.try_get("id")?),
            label: r.try_get("label")?,
            starts_at: instant("breaks", r.try_get("starts_at")?)?,
            ends_at: instant("breaks", r.try_get("ends_at")?)?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let version = sqlx::query(
        "SELECT id, name, released_at FROM schedule_versions \
         WHERE conference_id = $1 AND released_at IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(c)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| {
        Ok::<_, StoreError>(ScheduleVersion {
            id: VersionId(r.try_get("id")?),
            name: r.try_get("name")?,
            released_at: r
                .try_get::<Option<i64>, _>("released_at")?
                .map(|s| instant("schedule_versions", s))
                .transpose()?,
        })
    })
    .transpose()?;

    let placements = match &version {
        None => Vec::new(),
        Some(v) => sqlx::query(
            "SELECT talk_id, room_id, starts_at, pinned FROM placements WHERE version_id = $1 ORDER BY starts_at, room_id",
        )
        .bind(v.id.0)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Placement {
                talk_id: TalkId(r.try_get("talk_id")?),
                room_id: RoomId(r.try_get("room_id")?),
                starts_at: instant("placements", r.try_get("starts_at")?)?,
                pinned: r.try_get::<i64, _>("pinned")? != 0,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?,
    };

    // Sorted here, not in SQL: PostgreSQL orders text by the server's locale, SQLite by bytes.
    let (mut tracks, mut speakers) = (tracks, speakers);
    tracks.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    speakers.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let kudos = sqlx::query(
        "SELECT f.talk_id, f.kudos FROM feedback f JOIN talks t ON t.id = f.talk_id \
         WHERE t.conference_id = $1 AND f.kudos_state = 'approved' ORDER BY f.updated_at, f.id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Kudos {
            talk_id: TalkId(r.try_get("talk_id")?),
            text: r.try_get("kudos")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let sponsors = sqlx::query(
        "SELECT id, name, level, url, logo_url, blurb FROM sponsors WHERE conference_id = $1 ORDER BY position, id",
    )
    .bind(c)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Sponsor {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            level: r.try_get("level")?,
            url: r.try_get("url")?,
            logo_url: r.try_get("logo_url")?,
            blurb: r.try_get("blurb")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Program {
        conference,
        rooms,
        tracks,
        talks,
        speakers,
        sessions,
        slots,
        breaks,
        version,
        placements,
        kudos,
        sponsors,
        slides: crate::slides::of_conference(&mut *conn, id).await?,
    })
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).expect("a list of strings always serializes")
}

pub(crate) async fn create(pool: &AnyPool, new: &NewProgram) -> Result<ConferenceId, StoreError> {
    let now = Timestamp::now().as_second();
    let mut tx = crate::backend::begin(pool).await?;
    let c = &new.conference;
    let conference: i64 = sqlx::query_scalar(
        "INSERT INTO conferences (slug, name, venue, timezone, start_date, end_date, description, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(c.slug.as_str())
    .bind(&c.name)
    .bind(&c.venue)
    .bind(&c.timezone)
    .bind(c.start_date.to_string())
    .bind(c.end_date.to_string())
    .bind(&c.description)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;

    let mut rooms = HashMap::new();
    for (position, r) in new.rooms.iter().enumerate() {
        let id = insert_room(&mut tx, conference, r, position).await?;
        rooms.insert(r.key.as_str(), id);
    }
    let mut tracks = HashMap::new();
    for t in &new.tracks {
        tracks.insert(t.key.as_str(), insert_track(&mut tx, conference, t).await?);
    }
    let mut speakers = HashMap::new();
    for s in &new.speakers {
        speakers.insert(
            s.key.as_str(),
            insert_speaker(&mut tx, conference, s).await?,
        );
    }
    let mut talks = HashMap::new();
    for t in &new.talks {
        let (guid, track, speaker_ids) = resolve(t, c.slug.as_str(), &tracks, &speakers)?;
        let id = insert_talk(&mut tx, conference, &guid, t, track).await?;
        set_talk_speakers(&mut tx, id, &speaker_ids).await?;
        talks.insert(t.key.as_str(), id);
    }
    insert_grid(&mut tx, conference, new, &rooms).await?;

    let version: i64 = sqlx::query_scalar(
        "INSERT INTO schedule_versions (conference_id, name, released_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conference)
    .bind(&new.release)
    .bind(new.release.as_ref().map(|_| now))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // The changes feed starts with every public document.
    let mut docs: Vec<(&'static str, i64)> = Vec::new();
    docs.extend(rooms.values().map(|&id| (doc::ROOM, id)));
    docs.extend(speakers.values().map(|&id| (doc::SPEAKER, id)));
    docs.extend(talks.values().map(|&id| (doc::TALK, id)));
    if new.release.is_some() {
        docs.extend(
            new.placements
                .iter()
                .filter_map(|p| talks.get(p.talk.as_str()))
                .map(|&id| (doc::PLACEMENT, id)),
        );
    }
    docs.sort_unstable();
    record(&mut tx, conference, &docs).await?;
    for p in &new.placements {
        let talk = talks
            .get(p.talk.as_str())
            .copied()
            .ok_or(StoreError::NotFound("talk"))?;
        let room = rooms
            .get(p.room.as_str())
            .copied()
            .ok_or(StoreError::NotFound("room"))?;
        sqlx::query(
            "INSERT INTO placements (version_id, talk_id, room_id, starts_at, pinned) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(version)
        .bind(talk)
        .bind(room)
        .bind(p.starts_at.as_second())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(ConferenceId(conference))
}

/// A file's talk resolved against the ids written so far: its GUID (the file's, or derived from
/// the conference slug and the talk's key), its track id and its speaker ids in order.
pub(crate) fn resolve(
    t: &NewTalk,
    slug: &str,
    tracks: &HashMap<&str, i64>,
    speakers: &HashMap<&str, i64>,
) -> Result<(String, Option<i64>, Vec<i64>), StoreError> {
    let guid = t.guid.clone().unwrap_or_else(|| derive_guid(slug, &t.key));
    let track = t.track.as_deref().and_then(|k| tracks.get(k).copied());
    let speaker_ids = t
        .speakers
        .iter()
        .map(|k| {
            speakers
                .get(k.as_str())
                .copied()
                .ok_or(StoreError::NotFound("speaker"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((guid, track, speaker_ids))
}

/// Inserts a room at grid column `position`.
pub(crate) async fn insert_room(
    conn: &mut AnyConnection,
    conference: i64,
    r: &NewRoom,
    position: usize,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO rooms (conference_id, name, capacity, features, position) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(conference)
    .bind(&r.name)
    .bind(r.capacity)
    .bind(json(&r.features))
    .bind(i64::try_from(position).unwrap_or(i64::MAX))
    .fetch_one(&mut *conn)
    .await?)
}

/// Inserts a track.
pub(crate) async fn insert_track(
    conn: &mut AnyConnection,
    conference: i64,
    t: &NewTrack,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tracks (conference_id, name, colour, description) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(conference)
    .bind(&t.name)
    .bind(&t.colour)
    .bind(&t.description)
    .fetch_one(&mut *conn)
    .await?)
}

/// Inserts a speaker.
pub(crate) async fn insert_speaker(
    conn: &mut AnyConnection,
    conference: i64,
    s: &NewSpeaker,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO speakers (conference_id, name, bio, avatar_url, links) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(conference)
    .bind(&s.name)
    .bind(&s.bio)
    .bind(&s.avatar_url)
    .bind(json(&s.links))
    .fetch_one(&mut *conn)
    .await?)
}

/// Inserts a talk (without its speakers: see [`set_talk_speakers`]).
pub(crate) async fn insert_talk(
    conn: &mut AnyConnection,
    conference: i64,
    guid: &str,
    t: &NewTalk,
    track: Option<i64>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO talks (conference_id, guid, title, abstract, kind, level, duration_min, track_id, language, slides_url, video_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(conference)
    .bind(guid)
    .bind(&t.title)
    .bind(&t.abstract_md)
    .bind(t.kind.as_str())
    .bind(t.level.as_str())
    .bind(t.duration_min)
    .bind(track)
    .bind(&t.language)
    .bind(&t.slides_url)
    .bind(&t.video_url)
    .fetch_one(&mut *conn)
    .await?)
}

/// Replaces a talk's speakers, in order.
pub(crate) async fn set_talk_speakers(
    conn: &mut AnyConnection,
    talk: i64,
    speakers: &[i64],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM talk_speakers WHERE talk_id = $1")
        .bind(talk)
        .execute(&mut *conn)
        .await?;
    for (position, speaker) in speakers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO talk_speakers (talk_id, speaker_id, position) VALUES ($1, $2, $3)",
        )
        .bind(talk)
        .bind(speaker)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Inserts one session in `room`, cut into its slots; returns the session's id.
pub(crate) async fn insert_session(
    conn: &mut AnyConnection,
    conference: i64,
    room: i64,
    s: &NewSession,
) -> Result<i64, StoreError> {
    let session: i64 = sqlx::query_scalar(
        "INSERT INTO grid_sessions (conference_id, room_id, label, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(conference)
    .bind(room)
    .bind(&s.label)
    .bind(s.starts_at.as_second())
    .bind(s.ends_at.as_second())
    .fetch_one(&mut *conn)
    .await?;
    let step = s.slot_minutes * 60;
    let mut start = s.starts_at.as_second();
    while start + step <= s.ends_at.as_second() {
        sqlx::query(
            "INSERT INTO slots (conference_id, session_id, room_id, starts_at, ends_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(conference)
        .bind(session)
        .bind(room)
        .bind(start)
        .bind(start + step)
        .execute(&mut *conn)
        .await?;
        start += step;
    }
    Ok(session)
}

/// Inserts `new`'s sessions (cut into slots) and breaks; `rooms` maps room keys to ids.
pub(crate) async fn insert_grid(
    conn: &mut AnyConnection,
    conference: i64,
    new: &NewProgram,
    rooms: &HashMap<&str, i64>,
) -> Result<(), StoreError> {
    for s in &new.sessions {
        let room = rooms
            .get(s.room.as_str())
            .copied()
            .ok_or(StoreError::NotFound("room"))?;
        insert_session(conn, conference, room, s).await?;
    }
    for b in &new.breaks {
        sqlx::query(
            "INSERT INTO breaks (conference_id, label, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(conference)
        .bind(&b.label)
        .bind(b.starts_at.as_second())
        .bind(b.ends_at.as_second())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds a sponsor at the end of the list; bumps the revision (pages show sponsors).
pub(crate) async fn add_sponsor(
    pool: &AnyPool,
    conference: ConferenceId,
    s: &NewSponsor,
) -> Result<i64, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(conference.0)
        .execute(&mut *tx)
        .await?;
    let next: Option<i64> =
        sqlx::query_scalar("SELECT MAX(position) FROM sponsors WHERE conference_id = $1")
            .bind(conference.0)
            .fetch_one(&mut *tx)
            .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sponsors (conference_id, name, level, url, logo_url, blurb, position) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(conference.0)
    .bind(s.name.trim())
    .bind(s.level.trim())
    .bind(s.url.trim())
    .bind(s.logo_url.as_deref().map(str::trim))
    .bind(s.blurb.trim())
    .bind(next.unwrap_or(0) + 1)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the conference's sponsors; bumps the revision.
pub(crate) async fn remove_sponsor(
    pool: &AnyPool,
    conference: ConferenceId,
    id: i64,
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let done = sqlx::query("DELETE FROM sponsors WHERE id = $1 AND conference_id = $2")
        .bind(id)
        .bind(conference.0)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("sponsor"));
    }
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(conference.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
