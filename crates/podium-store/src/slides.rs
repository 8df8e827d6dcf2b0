//! Slides of talks: the uploaded PDF's record (the bytes live in the web layer's slide storage,
//! never in the database), the link in `talks.slides_url`, and anonymous per-day counters of
//! talk page views and slide downloads. Nothing here knows who asked: no addresses, cookies or
//! user ids are stored with the counts.

use podium_domain::{ConferenceId, SlideFile, TalkId, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;
use crate::feed::{doc, record};

/// A just-stored PDF to record for a talk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlideFile {
    /// Where the slide storage put the bytes.
    pub storage_key: String,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
}

/// Views and downloads to add to one talk's counters for one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountDelta {
    /// The talk.
    pub talk: TalkId,
    /// The UTC day, as the unix second of its midnight.
    pub day: i64,
    /// Talk page views to add.
    pub views: i64,
    /// Slide downloads to add.
    pub downloads: i64,
}

/// A talk's totals over all days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkCounts {
    /// The talk.
    pub talk: TalkId,
    /// Talk page views.
    pub views: i64,
    /// Slide downloads.
    pub downloads: i64,
    /// Whether a PDF is uploaded.
    pub has_pdf: bool,
}

/// Bumps the conference's revision (locking its row, so feed rows commit in order) after
/// checking that the talk is one of its own; `NotFound` otherwise.
async fn touch_talk(
    conn: &mut AnyConnection,
    conference: ConferenceId,
    talk: TalkId,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(conference.0)
        .execute(&mut *conn)
        .await?;
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM talks WHERE id = $1 AND conference_id = $2")
            .bind(talk.0)
            .bind(conference.0)
            .fetch_optional(&mut *conn)
            .await?;
    if found.is_none() {
        return Err(StoreError::NotFound("talk"));
    }
    record(conn, conference.0, &[(doc::TALK, talk.0)]).await
}

fn slide_file(r: &sqlx::any::AnyRow) -> Result<SlideFile, StoreError> {
    Ok(SlideFile {
        talk: TalkId(r.try_get("talk_id")?),
        storage_key: r.try_get("storage_key")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

/// The slide records of a conference's talks, by talk id.
pub(crate) async fn of_conference(
    conn: &mut AnyConnection,
    conference: ConferenceId,
) -> Result<Vec<SlideFile>, StoreError> {
    sqlx::query(
        "SELECT s.talk_id, s.storage_key, s.sha256, s.size_bytes, s.uploaded_at FROM talk_slides s \
         JOIN talks t ON t.id = s.talk_id WHERE t.conference_id = $1 ORDER BY s.talk_id",
    )
    .bind(conference.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(slide_file)
    .collect()
}

async fn find(conn: &mut AnyConnection, talk: TalkId) -> Result<Option<SlideFile>, StoreError> {
    sqlx::query(
        "SELECT talk_id, storage_key, sha256, size_bytes, uploaded_at FROM talk_slides WHERE talk_id = $1",
    )
    .bind(talk.0)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(slide_file)
    .transpose()
}

pub(crate) async fn of_talk(pool: &AnyPool, talk: TalkId) -> Result<Option<SlideFile>, StoreError> {
    find(&mut *pool.acquire().await?, talk).await
}

pub(crate) async fn replace(
    pool: &AnyPool,
    conference: ConferenceId,
    talk: TalkId,
    new: &NewSlideFile,
) -> Result<Option<SlideFile>, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    touch_talk(&mut tx, conference, talk).await?;
    let previous = find(&mut tx, talk).await?;
    sqlx::query(
        "INSERT INTO talk_slides (talk_id, storage_key, sha256, size_bytes, uploaded_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (talk_id) DO UPDATE SET storage_key = excluded.storage_key, sha256 = excluded.sha256, \
         size_bytes = excluded.size_bytes, uploaded_at = excluded.uploaded_at",
    )
    .bind(talk.0)
    .bind(&new.storage_key)
    .bind(&new.sha256)
    .bind(new.size_bytes)
    .bind(jiff::Timestamp::now().as_second())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(previous)
}

pub(crate) async fn remove(
    pool: &AnyPool,
    conference: ConferenceId,
    talk: TalkId,
) -> Result<Option<SlideFile>, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    touch_talk(&mut tx, conference, talk).await?;
    let previous = find(&mut tx, talk).await?;
    sqlx::query("DELETE FROM talk_slides WHERE talk_id = $1")
        .bind(talk.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(previous)
}

pub(crate) async fn set_link(
    pool: &AnyPool,
    conference: ConferenceId,
    talk: TalkId,
    link: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    touch_talk(&mut tx, conference, talk).await?;
    sqlx::query("UPDATE talks SET slides_url = $1 WHERE id = $2")
        .bind(link)
        .bind(talk.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn is_speaker_of(
    pool: &AnyPool,
    user: UserId,
    talk: TalkId,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT ts.speaker_id FROM talk_speakers ts JOIN speakers s ON s.id = ts.speaker_id \
         WHERE ts.talk_id = $1 AND s.user_id = $2 LIMIT 1",
    )
    .bind(talk.0)
    .bind(user.0)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

pub(crate) async fn add_counts(pool: &AnyPool, deltas: &[CountDelta]) -> Result<(), StoreError> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut tx = crate::backend::begin(pool).await?;
    for d in deltas {
        // A talk deleted since the count was taken would fail the reference: skip it.
        sqlx::query(
            "INSERT INTO talk_counts (talk_id, day, views, downloads) \
             SELECT id, CAST($2 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS BIGINT) FROM talks WHERE id = $1 \
             ON CONFLICT (talk_id, day) DO UPDATE SET views = talk_counts.views + excluded.views, \
             downloads = talk_counts.downloads + excluded.downloads",
        )
        .bind(d.talk.0)
        .bind(d.day)
        .bind(d.views)
        .bind(d.downloads)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn counts(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<TalkCounts>, StoreError> {
    // SUM of BIGINT is NUMERIC on PostgreSQL, which the Any driver cannot decode: cast back.
    sqlx::query(
        "SELECT t.id, \
         CAST(COALESCE((SELECT SUM(c.views) FROM talk_counts c WHERE c.talk_id = t.id), 0) AS BIGINT) AS views, \
         CAST(COALESCE((SELECT SUM(c.downloads) FROM talk_counts c WHERE c.talk_id = t.id), 0) AS BIGINT) AS downloads, \
         (SELECT COUNT(*) FROM talk_slides s WHERE s.talk_id = t.id) AS pdfs \
         FROM talks t WHERE t.conference_id = $1 ORDER BY t.id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(TalkCounts {
            talk: TalkId(r.try_get("id")?),
            views: r.try_get("views")?,
            downloads: r.try_get("downloads")?,
            has_pdf: r.try_get::<i64, _>("pdfs")? > 0,
        })
    })
    .collect()
}
