//! Attendees' "I want to see this" marks.

use std::collections::BTreeMap;

use podium_domain::{ConferenceId, TalkId, UserId};
use sqlx::{AnyPool, Row};

use crate::StoreError;

pub(crate) async fn set(
    pool: &AnyPool,
    user: UserId,
    talk: TalkId,
    wanted: bool,
) -> Result<(), StoreError> {
    if wanted {
        sqlx::query(
            "INSERT INTO interests (user_id, talk_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user.0)
        .bind(talk.0)
        .bind(jiff::Timestamp::now().as_second())
        .execute(pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM interests WHERE user_id = $1 AND talk_id = $2")
            .bind(user.0)
            .bind(talk.0)
            .execute(pool)
            .await?;
    }
    Ok(())
}

pub(crate) async fn of_user(pool: &AnyPool, user: UserId) -> Result<Vec<TalkId>, StoreError> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT talk_id FROM interests WHERE user_id = $1 ORDER BY talk_id")
            .bind(user.0)
            .fetch_all(pool)
            .await?;
    Ok(ids.into_iter().map(TalkId).collect())
}

pub(crate) async fn of_conference(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(UserId, Vec<TalkId>)>, StoreError> {
    let rows = sqlx::query(
        // Marks on talks, and positive CFP votes on proposals that became talks: both are
        // what the attendee wants to see.
        "SELECT i.user_id AS user_id, i.talk_id AS talk_id FROM interests i JOIN talks t ON t.id = i.talk_id \
         WHERE t.conference_id = $1 \
         UNION SELECT v.user_id, p.talk_id FROM proposal_votes v JOIN proposals p ON p.id = v.proposal_id \
         WHERE p.conference_id = $1 AND v.value > 0 AND p.talk_id IS NOT NULL \
         ORDER BY user_id, talk_id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?;
    let mut by_user: BTreeMap<i64, Vec<TalkId>> = BTreeMap::new();
    for r in rows {
        by_user
            .entry(r.try_get("user_id")?)
            .or_default()
            .push(TalkId(r.try_get("talk_id")?));
    }
    Ok(by_user.into_iter().map(|(u, t)| (UserId(u), t)).collect())
}

pub(crate) async fn feed_token(
    pool: &AnyPool,
    user: UserId,
    fresh: &str,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO feed_tokens (user_id, token) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user.0)
    .bind(fresh)
    .execute(pool)
    .await?;
    Ok(
        sqlx::query_scalar("SELECT token FROM feed_tokens WHERE user_id = $1")
            .bind(user.0)
            .fetch_one(pool)
            .await?,
    )
}

pub(crate) async fn feed_owner(pool: &AnyPool, token: &str) -> Result<UserId, StoreError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT user_id FROM feed_tokens WHERE token = $1")
        .bind(token)
        .fetch_optional(pool)
        .await?;
    id.map(UserId).ok_or(StoreError::NotFound("feed"))
}
