//! Per-conference API tokens for organizers' scripts, stored as hashes.

use podium_domain::*;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// An API token as listed to organizers (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id.
    pub id: i64,
    /// What the organizer called it.
    pub name: String,
    /// Who made it.
    pub user: UserId,
    /// Unix seconds.
    pub created_at: i64,
}

pub(crate) async fn create(
    pool: &AnyPool,
    conference: ConferenceId,
    user: UserId,
    name: &str,
    hash: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (conference_id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(conference.0)
    .bind(user.0)
    .bind(name)
    .bind(hash)
    .bind(jiff::Timestamp::now().as_second())
    .fetch_one(pool)
    .await?)
}

pub(crate) async fn list(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<ApiToken>, StoreError> {
    sqlx::query(
        "SELECT id, name, user_id, created_at FROM api_tokens WHERE conference_id = $1 ORDER BY id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(ApiToken {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            user: UserId(r.try_get("user_id")?),
            created_at: r.try_get("created_at")?,
        })
    })
    .collect()
}

pub(crate) async fn revoke(
    pool: &AnyPool,
    conference: ConferenceId,
    id: i64,
) -> Result<(), StoreError> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE conference_id = $1 AND id = $2")
        .bind(conference.0)
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("API token"));
    }
    Ok(())
}

pub(crate) async fn owner(
    pool: &AnyPool,
    hash: &str,
) -> Result<(ConferenceId, UserId), StoreError> {
    let row = sqlx::query("SELECT conference_id, user_id FROM api_tokens WHERE token_hash = $1")
        .bind(hash)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("API token"))?;
    Ok((
        ConferenceId(row.try_get("conference_id")?),
        UserId(row.try_get("user_id")?),
    ))
}
