//! Attendees' feedback on talks: ratings and private comments for speakers, public kudos that
//! organizers moderate.

use podium_domain::{ConferenceId, SpeakerId, TalkId, UserId};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;

/// What an attendee sends about a talk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    /// The talk.
    pub talk: TalkId,
    /// Who sends it.
    pub user: UserId,
    /// 1 to 5.
    pub rating: i64,
    /// Private comment for the speaker ('' for none).
    pub comment: String,
    /// Public kudos ('' for none); shown once an organizer approves it.
    pub kudos: String,
}

/// Where public kudos stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KudosState {
    /// No kudos given.
    None,
    /// Waiting for an organizer.
    Pending,
    /// Shown on the talk page.
    Approved,
    /// Not shown (spam, unkind, private data).
    Hidden,
}

impl KudosState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            KudosState::None => "none",
            KudosState::Pending => "pending",
            KudosState::Approved => "approved",
            KudosState::Hidden => "hidden",
        }
    }

    fn parse(s: &str) -> Result<KudosState, StoreError> {
        Ok(match s {
            "none" => KudosState::None,
            "pending" => KudosState::Pending,
            "approved" => KudosState::Approved,
            "hidden" => KudosState::Hidden,
            other => {
                return Err(StoreError::Corrupt {
                    table: "feedback",
                    detail: format!("kudos state {other:?}"),
                });
            }
        })
    }
}

/// One attendee's stored feedback (no name: speakers see it anonymously).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// Its id.
    pub id: i64,
    /// The talk.
    pub talk: TalkId,
    /// Who sent it (for their own form; never shown to speakers).
    pub user: UserId,
    /// 1 to 5.
    pub rating: i64,
    /// Private comment.
    pub comment: String,
    /// Public kudos text.
    pub kudos: String,
    /// Its moderation state.
    pub kudos_state: KudosState,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

fn row(r: &sqlx::any::AnyRow) -> Result<Feedback, StoreError> {
    Ok(Feedback {
        id: r.try_get("id")?,
        talk: TalkId(r.try_get("talk_id")?),
        user: UserId(r.try_get("user_id")?),
        rating: r.try_get("rating")?,
        comment: r.try_get("comment")?,
        kudos: r.try_get("kudos")?,
        kudos_state: KudosState::parse(&r.try_get::<String, _>("kudos_state")?)?,
        updated_at: r.try_get("updated_at")?,
    })
}

macro_rules! select_feedback {
    ($rest:literal) => {
        concat!(
            "SELECT f.id, f.talk_id, f.user_id, f.rating, f.comment, f.kudos, f.kudos_state, f.updated_at \
             FROM feedback f JOIN talks t ON t.id = f.talk_id ",
            $rest
        )
    };
}

/// Saves (or replaces) one attendee's feedback. Changed kudos wait for moderation again;
/// unchanged kudos keep their state. Approved kudos that are changed or cleared leave the talk
/// page at once: the conference's revision moves, and its id is returned for the announcement.
pub(crate) async fn save(
    pool: &AnyPool,
    new: &NewFeedback,
) -> Result<Option<ConferenceId>, StoreError> {
    let now = jiff::Timestamp::now().as_second();
    let mut tx = crate::backend::begin(pool).await?;
    let existing: Option<(String, String)> =
        sqlx::query("SELECT kudos, kudos_state FROM feedback WHERE talk_id = $1 AND user_id = $2")
            .bind(new.talk.0)
            .bind(new.user.0)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("kudos")?, r.try_get("kudos_state")?)))
            .transpose()?;
    let state = match &existing {
        _ if new.kudos.trim().is_empty() => KudosState::None.as_str().to_owned(),
        Some((kudos, state)) if *kudos == new.kudos => state.clone(),
        _ => KudosState::Pending.as_str().to_owned(),
    };
    if existing.is_some() {
        sqlx::query(
            "UPDATE feedback SET rating = $1, comment = $2, kudos = $3, kudos_state = $4, updated_at = $5 \
             WHERE talk_id = $6 AND user_id = $7",
        )
        .bind(new.rating)
        .bind(&new.comment)
        .bind(&new.kudos)
        .bind(&state)
        .bind(now)
        .bind(new.talk.0)
        .bind(new.user.0)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO feedback (talk_id, user_id, rating, comment, kudos, kudos_state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(new.talk.0)
        .bind(new.user.0)
        .bind(new.rating)
        .bind(&new.comment)
        .bind(&new.kudos)
        .bind(&state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let was_public = existing
        .as_ref()
        .is_some_and(|(_, s)| s == KudosState::Approved.as_str());
    let changed = if was_public && state != KudosState::Approved.as_str() {
        let conference: i64 = sqlx::query_scalar("SELECT conference_id FROM talks WHERE id = $1")
            .bind(new.talk.0)
            .fetch_one(&mut *tx)
            .await?;
        bump_revision(&mut tx, conference).await?;
        Some(ConferenceId(conference))
    } else {
        None
    };
    tx.commit().await?;
    Ok(changed)
}

/// Moves the conference's revision (talk pages show approved kudos and are cached per revision).
async fn bump_revision(conn: &mut AnyConnection, conference: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(conference)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every feedback of the conference, by talk then newest first.
pub(crate) async fn of_conference(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<Feedback>, StoreError> {
    sqlx::query(select_feedback!(
        "WHERE t.conference_id = $1 ORDER BY f.talk_id, f.updated_at DESC, f.id DESC"
    ))
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(row)
    .collect()
}

/// One attendee's feedback on a talk.
pub(crate) async fn mine(
    pool: &AnyPool,
    talk: TalkId,
    user: UserId,
) -> Result<Option<Feedback>, StoreError> {
    sqlx::query(select_feedback!("WHERE f.talk_id = $1 AND f.user_id = $2"))
        .bind(talk.0)
        .bind(user.0)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(row)
        .transpose()
}

/// Sets the kudos state of one feedback of the conference.
pub(crate) async fn moderate(
    pool: &AnyPool,
    conference: ConferenceId,
    id: i64,
    state: KudosState,
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let done = sqlx::query(
        "UPDATE feedback SET kudos_state = $1 WHERE id = $2 AND kudos <> '' \
         AND talk_id IN (SELECT id FROM talks WHERE conference_id = $3)",
    )
    .bind(state.as_str())
    .bind(id)
    .bind(conference.0)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("kudos"));
    }
    bump_revision(&mut tx, conference.0).await?;
    tx.commit().await?;
    Ok(())
}

/// Links a speaker to a user account (the speaker then sees their feedback).
pub(crate) async fn link_speaker(
    pool: &AnyPool,
    conference: ConferenceId,
    speaker: SpeakerId,
    user: UserId,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE speakers SET user_id = $1 WHERE id = $2 AND conference_id = $3")
        .bind(user.0)
        .bind(speaker.0)
        .bind(conference.0)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("speaker"));
    }
    Ok(())
}

/// The conference's speakers linked to `user`.
pub(crate) async fn speakers_of(
    pool: &AnyPool,
    conference: ConferenceId,
    user: UserId,
) -> Result<Vec<SpeakerId>, StoreError> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM speakers WHERE conference_id = $1 AND user_id = $2")
            .bind(conference.0)
            .bind(user.0)
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().map(SpeakerId).collect())
}
