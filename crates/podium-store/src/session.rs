//! Log-in sessions and the account data needed to log in.

use podium_domain::UserId;
use sqlx::{AnyPool, Row};

use crate::StoreError;

/// What logging in needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account.
    pub user: UserId,
    /// argon2id PHC string, if a password is set.
    pub password_hash: Option<String>,
}

/// A new log-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogin {
    /// Random token, the cookie's value.
    pub token: String,
    /// Who logged in.
    pub user: UserId,
    /// Random token that forms of this session must echo.
    pub csrf_token: String,
    /// Unix seconds after which the session is void.
    pub expires_at: i64,
}

/// A live session with its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The user.
    pub user: UserId,
    /// Their email.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// The session's form token.
    pub csrf_token: String,
}

pub(crate) async fn credentials(pool: &AnyPool, email: &str) -> Result<Credentials, StoreError> {
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email.to_lowercase())
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    Ok(Credentials {
        user: UserId(row.try_get("id")?),
        password_hash: row.try_get("password_hash")?,
    })
}

pub(crate) async fn create(pool: &AnyPool, new: &NewLogin) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO web_sessions (token, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&new.token)
    .bind(new.user.0)
    .bind(&new.csrf_token)
    .bind(jiff::Timestamp::now().as_second())
    .bind(new.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn find(pool: &AnyPool, token: &str, now: i64) -> Result<Login, StoreError> {
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf_token, u.email, u.name FROM web_sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token = $1 AND s.expires_at > $2",
    )
    .bind(token)
    .bind(now)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("session"))?;
    Ok(Login {
        user: UserId(row.try_get("user_id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        csrf_token: row.try_get("csrf_token")?,
    })
}

pub(crate) async fn delete(pool: &AnyPool, token: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM web_sessions WHERE token = $1")
        .bind(token)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn delete_of_user(pool: &AnyPool, user: UserId) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn login_of(
    pool: &AnyPool,
    user: UserId,
    csrf_token: &str,
) -> Result<Login, StoreError> {
    let row = sqlx::query("SELECT email, name FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    Ok(Login {
        user,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        csrf_token: csrf_token.to_owned(),
    })
}
