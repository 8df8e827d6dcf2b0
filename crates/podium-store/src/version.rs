//! Schedule versions: the work-in-progress (WIP) version organizers edit, releasing it (with
//! its speaker mails in the same transaction), and cancelled talks, which stay out of it.

use podium_domain::*;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;
use crate::feed::{doc, record};
use crate::outbox::{NewMail, enqueue};

fn placement(r: &sqlx::any::AnyRow) -> Result<Placement, StoreError> {
    let secs: i64 = r.try_get("starts_at")?;
    Ok(Placement {
        talk_id: TalkId(r.try_get("talk_id")?),
        room_id: RoomId(r.try_get("room_id")?),
        starts_at: time::from_unix(secs).map_err(|e| StoreError::Corrupt {
            table: "placements",
            detail: e.to_string(),
        })?,
        pinned: r.try_get::<i64, _>("pinned")? != 0,
    })
}

/// The WIP version and its placements; created on first use as a copy of the latest release.
pub(crate) async fn wip(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<(ScheduleVersion, Vec<Placement>), StoreError> {
    let c = conference.0;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM schedule_versions WHERE conference_id = $1 AND released_at IS NULL",
    )
    .bind(c)
    .fetch_optional(pool)
    .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let mut tx = crate::backend::begin(pool).await?;
            match create_wip(&mut tx, c).await {
                Ok(id) => {
                    tx.commit().await?;
                    id
                }
                // Another request created it at the same moment.
                Err(e) if e.is_conflict() => {
                    drop(tx);
                    sqlx::query_scalar(
                        "SELECT id FROM schedule_versions WHERE conference_id = $1 AND released_at IS NULL",
                    )
                    .bind(c)
                    .fetch_one(pool)
                    .await?
                }
                Err(e) => return Err(e),
            }
        }
    };
    let placements = sqlx::query(
        "SELECT talk_id, room_id, starts_at, pinned FROM placements WHERE version_id = $1 ORDER BY starts_at, room_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(placement)
    .collect::<Result<Vec<_>, _>>()?;
    Ok((
        ScheduleVersion {
            id: VersionId(id),
            name: None,
            released_at: None,
        },
        placements,
    ))
}

/// Replaces every placement of the WIP version, in one transaction.
pub(crate) async fn replace_wip(
    pool: &AnyPool,
    conference: ConferenceId,
    placements: &[Placement],
) -> Result<(), StoreError> {
    let (version, _) = wip(pool, conference).await?;
    let mut tx = crate::backend::begin(pool).await?;
    sqlx::query("DELETE FROM placements WHERE version_id = $1")
        .bind(version.id.0)
        .execute(&mut *tx)
        .await?;
    for p in placements {
        sqlx::query(
            "INSERT INTO placements (version_id, talk_id, room_id, starts_at, pinned) \
             SELECT $1, t.id, r.id, $4, $5 FROM talks t JOIN rooms r ON r.id = $3 AND r.conference_id = t.conference_id \
             WHERE t.id = $2 AND t.conference_id = $6",
        )
        .bind(version.id.0)
        .bind(p.talk_id.0)
        .bind(p.room_id.0)
        .bind(p.starts_at.as_second())
        .bind(i64::from(p.pinned))
        .bind(conference.0)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Publishes a copy of the WIP version under `name`; bumps the conference's revision so every
/// cached public program refreshes.
pub(crate) async fn release(
    pool: &AnyPool,
    conference: ConferenceId,
    name: &str,
) -> Result<VersionId, StoreError> {
    let (wip, _) = wip(pool, conference).await?;
    let mut tx = crate::backend::begin(pool).await?;
    let id = publish(&mut tx, conference.0, wip.id.0, name).await?;
    tx.commit().await?;
    Ok(VersionId(id))
}

/// A release as its mails see it: what was published, what was published before, and who can
/// be written to.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasedVersion {
    /// The new version's name.
    pub name: String,
    /// The placements of the release before it; `None` for the conference's first release.
    pub previous: Option<Vec<Placement>>,
    /// The placements just released.
    pub placements: Vec<Placement>,
    /// The conference's speakers linked to an account, with the account's email address.
    pub speaker_emails: Vec<(SpeakerId, String)>,
}

/// Makes the mails of a release from what was released (called inside the release's
/// transaction: it must not block).
pub type ReleaseMails<'a> = dyn Fn(&ReleasedVersion) -> Vec<NewMail> + Send + Sync + 'a;

/// Publishes the WIP version under `name` like [`release`] and, in the same transaction, puts
/// in the outbox the mails `mails` makes from the release: both commit or neither does. The
/// mails are made from the rows just published, so they describe exactly what went public.
pub(crate) async fn release_and_mail(
    pool: &AnyPool,
    conference: ConferenceId,
    name: &str,
    mails: &ReleaseMails<'_>,
) -> Result<VersionId, StoreError> {
    let (wip, _) = wip(pool, conference).await?;
    let mut tx = crate::backend::begin(pool).await?;
    let id = publish(&mut tx, conference.0, wip.id.0, name).await?;
    let placements_of = |version: i64| {
        sqlx::query(
            "SELECT talk_id, room_id, starts_at, pinned FROM placements WHERE version_id = $1 \
             ORDER BY starts_at, room_id",
        )
        .bind(version)
    };
    let placements = placements_of(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(placement)
        .collect::<Result<Vec<_>, _>>()?;
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(id) FROM schedule_versions WHERE conference_id = $1 AND released_at IS NOT NULL AND id < $2",
    )
    .bind(conference.0)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let previous = match before {
        Some(v) => Some(
            placements_of(v)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(placement)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let speaker_emails = sqlx::query(
        "SELECT s.id, u.email FROM speakers s JOIN users u ON u.id = s.user_id \
         WHERE s.conference_id = $1 ORDER BY s.id",
    )
    .bind(conference.0)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| Ok((SpeakerId(r.try_get("id")?), r.try_get("email")?)))
    .collect::<Result<Vec<_>, StoreError>>()?;
    let released = ReleasedVersion {
        name: name.to_owned(),
        previous,
        placements,
        speaker_emails,
    };
    for mail in mails(&released) {
        enqueue(&mut tx, &mail).await?;
    }
    tx.commit().await?;
    Ok(VersionId(id))
}

/// The conference's cancelled talks, by id.
pub(crate) async fn cancelled(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<TalkId>, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT c.talk_id FROM talk_cancellations c JOIN talks t ON t.id = c.talk_id \
         WHERE t.conference_id = $1 ORDER BY c.talk_id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(TalkId).collect())
}

/// Cancels a talk of the conference (it leaves the WIP version, in the same transaction) or
/// restores it (unplaced). Idempotent; `NotFound` if the talk is not the conference's.
pub(crate) async fn set_cancelled(
    pool: &AnyPool,
    conference: ConferenceId,
    talk: TalkId,
    cancel: bool,
) -> Result<(), StoreError> {
    let (wip, _) = wip(pool, conference).await?;
    let mut tx = crate::backend::begin(pool).await?;
    let known: Option<i64> =
        sqlx::query_scalar("SELECT id FROM talks WHERE id = $1 AND conference_id = $2")
            .bind(talk.0)
            .bind(conference.0)
            .fetch_optional(&mut *tx)
            .await?;
    if known.is_none() {
        return Err(StoreError::NotFound("talk"));
    }
    if cancel {
        sqlx::query(
            "INSERT INTO talk_cancellations (talk_id, cancelled_at) SELECT $1, $2 \
             WHERE NOT EXISTS (SELECT 1 FROM talk_cancellations WHERE talk_id = $1)",
        )
        .bind(talk.0)
        .bind(jiff::Timestamp::now().as_second())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM placements WHERE version_id = $1 AND talk_id = $2")
            .bind(wip.id.0)
            .bind(talk.0)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("DELETE FROM talk_cancellations WHERE talk_id = $1")
            .bind(talk.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Creates conference `c`'s WIP version as a copy of its latest release; returns its id.
/// Fails with a conflict when another WIP version exists.
pub(crate) async fn create_wip(conn: &mut AnyConnection, c: i64) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO schedule_versions (conference_id, name, released_at, created_at) VALUES ($1, NULL, NULL, $2) RETURNING id",
    )
    .bind(c)
    .bind(jiff::Timestamp::now().as_second())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO placements (version_id, talk_id, room_id, starts_at, pinned) \
         SELECT $1, talk_id, room_id, starts_at, pinned FROM placements WHERE version_id = \
         (SELECT id FROM schedule_versions WHERE conference_id = $2 AND released_at IS NOT NULL \
          ORDER BY id DESC LIMIT 1)",
    )
    .bind(id)
    .bind(c)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Publishes a copy of WIP version `wip` under `name` and bumps the conference's revision, so
/// every cached public program refreshes. Returns the new version's id.
pub(crate) async fn publish(
    conn: &mut AnyConnection,
    c: i64,
    wip: i64,
    name: &str,
) -> Result<i64, StoreError> {
    let now = jiff::Timestamp::now().as_second();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO schedule_versions (conference_id, name, released_at, created_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(c)
    .bind(name)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO placements (version_id, talk_id, room_id, starts_at, pinned) \
         SELECT $1, talk_id, room_id, starts_at, pinned FROM placements WHERE version_id = $2",
    )
    .bind(id)
    .bind(wip)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(c)
        .execute(&mut *conn)
        .await?;
    // The changes feed: every talk whose place differs from the previous release's.
    let rows = sqlx::query(
        "SELECT version_id, talk_id, room_id, starts_at FROM placements WHERE version_id IN \
         ($1, (SELECT MAX(id) FROM schedule_versions WHERE conference_id = $2 AND released_at IS NOT NULL AND id < $1))",
    )
    .bind(id)
    .bind(c)
    .fetch_all(&mut *conn)
    .await?;
    let mut before = std::collections::HashMap::new();
    let mut after = std::collections::HashMap::new();
    for r in &rows {
        let version: i64 = r.try_get("version_id")?;
        let place: (i64, i64) = (r.try_get("room_id")?, r.try_get("starts_at")?);
        let side = if version == id {
            &mut after
        } else {
            &mut before
        };
        side.insert(r.try_get::<i64, _>("talk_id")?, place);
    }
    let mut moved: Vec<i64> = before
        .keys()
        .chain(after.keys())
        .copied()
        .filter(|t| before.get(t) != after.get(t))
        .collect();
    moved.sort_unstable();
    moved.dedup();
    let docs: Vec<(&'static str, i64)> = moved.into_iter().map(|t| (doc::PLACEMENT, t)).collect();
    record(conn, c, &docs).await?;
    Ok(id)
}

/// Names of released versions, newest first.
pub(crate) async fn released(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<ScheduleVersion>, StoreError> {
    sqlx::query(
        "SELECT id, name, released_at FROM schedule_versions WHERE conference_id = $1 AND released_at IS NOT NULL \
         ORDER BY id DESC",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let at: i64 = r.try_get("released_at")?;
        Ok(ScheduleVersion {
            id: VersionId(r.try_get("id")?),
            name: r.try_get("name")?,
            released_at: Some(time::from_unix(at).map_err(|e| StoreError::Corrupt {
                table: "schedule_versions",
                detail: e.to_string(),
            })?),
        })
    })
    .collect()
}

/// Every released version with its placements, oldest first.
pub(crate) async fn history(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(ScheduleVersion, Vec<Placement>)>, StoreError> {
    let mut versions = released(pool, conference).await?;
    versions.reverse();
    let rows = sqlx::query(
        "SELECT p.version_id, p.talk_id, p.room_id, p.starts_at, p.pinned FROM placements p \
         JOIN schedule_versions v ON v.id = p.version_id \
         WHERE v.conference_id = $1 AND v.released_at IS NOT NULL ORDER BY p.starts_at, p.room_id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?;
    let mut by_version: std::collections::HashMap<i64, Vec<Placement>> =
        std::collections::HashMap::new();
    for r in &rows {
        by_version
            .entry(r.try_get("version_id")?)
            .or_default()
            .push(placement(r)?);
    }
    Ok(versions
        .into_iter()
        .map(|v| {
            let placements = by_version.remove(&v.id.0).unwrap_or_default();
            (v, placements)
        })
        .collect())
}
