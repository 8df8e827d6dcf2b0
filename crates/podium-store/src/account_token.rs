//! One-time links emailed to a user (email verification, password reset) and what following
//! them changes. Only hashes of the tokens are stored; the caller hashes. Each token and the mail
//! carrying it are written in one transaction, so there is never a mail without its token or a
//! token nobody was sent.

use podium_domain::UserId;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::outbox::{NewMail, enqueue};

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Proves the user reads mail at their address.
    VerifyEmail,
    /// Lets the user set a new password.
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
        }
    }
}

/// A one-time link to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccountToken {
    /// Whose it is.
    pub user: UserId,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// Hash of the token (the token itself is only in the mail).
    pub token_hash: String,
    /// Unix seconds after which it no longer works.
    pub expires_at: i64,
}

/// A user account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user.
    pub id: UserId,
    /// Login and contact address (lowercase).
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the address was verified (unix seconds), if it was.
    pub email_verified_at: Option<i64>,
}

impl Account {
    /// Whether the user proved they read mail at their address.
    pub fn verified(&self) -> bool {
        self.email_verified_at.is_some()
    }
}

pub(crate) async fn account(pool: &AnyPool, user: UserId) -> Result<Account, StoreError> {
    let row = sqlx::query("SELECT id, email, name, email_verified_at FROM users WHERE id = $1")
        .bind(user.0)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    Ok(Account {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        email_verified_at: row.try_get("email_verified_at")?,
    })
}

pub(crate) async fn create(
    pool: &AnyPool,
    token: &NewAccountToken,
    mail: &NewMail,
) -> Result<i64, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    sqlx::query(
        "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token.user.0)
    .bind(token.purpose.as_str())
    .bind(&token.token_hash)
    .bind(jiff::Timestamp::now().as_second())
    .bind(token.expires_at)
    .execute(&mut *tx)
    .await?;
    let mail_id = enqueue(&mut tx, mail).await?;
    tx.commit().await?;
    Ok(mail_id)
}

pub(crate) async fn user_of(
    pool: &AnyPool,
    purpose: TokenPurpose,
    token_hash: &str,
    now: i64,
) -> Result<UserId, StoreError> {
    let user: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM account_tokens \
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await?;
    user.map(UserId).ok_or(StoreError::NotFound("link"))
}

/// Marks a live token used (a conditional update, so two clicks cannot both use it).
async fn use_token(
    conn: &mut sqlx::AnyConnection,
    purpose: TokenPurpose,
    token_hash: &str,
    now: i64,
) -> Result<UserId, StoreError> {
    let user: Option<i64> = sqlx::query_scalar(
        "UPDATE account_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
         RETURNING user_id",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    user.map(UserId).ok_or(StoreError::NotFound("link"))
}

pub(crate) async fn verify_email(
    pool: &AnyPool,
    token_hash: &str,
    now: i64,
) -> Result<UserId, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let user = use_token(&mut tx, TokenPurpose::VerifyEmail, token_hash, now).await?;
    sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2",
    )
    .bind(now)
    .bind(user.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn reset_password(
    pool: &AnyPool,
    token_hash: &str,
    now: i64,
    password_hash: &str,
) -> Result<UserId, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let user = use_token(&mut tx, TokenPurpose::ResetPassword, token_hash, now).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    // Other reset links of the same user stop working too: the password they were for is gone.
    sqlx::query(
        "UPDATE account_tokens SET used_at = $1 \
         WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user.0)
    .bind(TokenPurpose::ResetPassword.as_str())
    .execute(&mut *tx)
    .await?;
    // A new password ends every session of the account (whoever knew the old one is out).
    sqlx::query("DELETE FROM web_sessions WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(user)
}
