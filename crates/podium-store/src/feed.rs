//! The changes feed's rows: which public document of a conference changed, in `seq` order.
//! Writers call [`record`] after bumping the conference's revision in the same transaction
//! (see the migration's note on ordering); the `SqlStore` method then announces the change
//! after the commit (`SqlStore::changed`).

use podium_domain::ConferenceId;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;

/// Kinds of document in the feed.
pub mod doc {
    /// A talk's own fields.
    pub const TALK: &str = "talk";
    /// A speaker.
    pub const SPEAKER: &str = "speaker";
    /// A room.
    pub const ROOM: &str = "room";
    /// A talk's place in the released schedule (the id is the talk's).
    pub const PLACEMENT: &str = "placement";
}

/// One change: document `doc_type` with id `doc_id` changed at `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// Position in the feed.
    pub seq: i64,
    /// One of [`doc`]'s kinds.
    pub doc_type: String,
    /// The document's id.
    pub doc_id: i64,
}

/// Appends one row per changed document.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    conference: i64,
    docs: &[(&'static str, i64)],
) -> Result<(), StoreError> {
    let now = jiff::Timestamp::now().as_second();
    for (doc_type, id) in docs {
        sqlx::query(
            "INSERT INTO changes (conference_id, doc_type, doc_id, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(conference)
        .bind(*doc_type)
        .bind(*id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Rows after `since`, oldest first (at most `limit`), and the feed's last seq for the conference.
pub(crate) async fn since(
    pool: &AnyPool,
    conference: ConferenceId,
    since: i64,
    limit: i64,
) -> Result<(Vec<ChangeRow>, i64), StoreError> {
    let rows = sqlx::query(
        "SELECT seq, doc_type, doc_id FROM changes WHERE conference_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(conference.0)
    .bind(since)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(ChangeRow {
            seq: r.try_get("seq")?,
            doc_type: r.try_get("doc_type")?,
            doc_id: r.try_get("doc_id")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM changes WHERE conference_id = $1")
            .bind(conference.0)
            .fetch_one(pool)
            .await?;
    Ok((rows, last.unwrap_or(0)))
}
