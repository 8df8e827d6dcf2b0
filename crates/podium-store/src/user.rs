//! Users and their per-conference roles.

use podium_domain::{ConferenceId, Role, UserId};
use sqlx::AnyPool;

use crate::StoreError;

/// Input to create a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Login and contact address (stored lowercased).
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
}

pub(crate) async fn create(pool: &AnyPool, new: &NewUser) -> Result<UserId, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(new.email.to_lowercase())
    .bind(&new.name)
    .bind(&new.password_hash)
    .bind(jiff::Timestamp::now().as_second())
    .fetch_one(pool)
    .await?;
    Ok(UserId(id))
}

pub(crate) async fn grant_role(
    pool: &AnyPool,
    user: UserId,
    conference: ConferenceId,
    role: Role,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO conference_roles (user_id, conference_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user.0)
    .bind(conference.0)
    .bind(role.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn roles(
    pool: &AnyPool,
    user: UserId,
    conference: ConferenceId,
) -> Result<Vec<Role>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT role FROM conference_roles WHERE user_id = $1 AND conference_id = $2 ORDER BY role",
    )
    .bind(user.0)
    .bind(conference.0)
    .fetch_all(pool)
    .await?;
    names
        .iter()
        .map(|n| {
            Role::parse(n).ok_or_else(|| StoreError::Corrupt {
                table: "conference_roles",
                detail: format!("unknown role {n:?}"),
            })
        })
        .collect()
}
