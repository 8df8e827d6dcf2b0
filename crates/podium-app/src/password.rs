//! Password reset by emailed link. Asking never reveals whether an account exists (the same
//! answer either way; only an existing account gets a mail); the link works once, for an hour;
//! setting the new password ends every session of the account.

use podium_domain::UserId;
use podium_store::{NewAccountToken, Store, StoreError, TokenPurpose};

use argon2::{Argon2, PasswordHasher};

use crate::account::{AccountError, SignUp};
use crate::mail;

/// How long a reset link works.
pub const LINK_MINUTES: i64 = 60;

/// Queues a reset mail if `email` belongs to an account; silently does nothing otherwise.
pub async fn request_reset(
    store: &dyn Store,
    public_url: &str,
    email: &str,
) -> Result<(), AccountError> {
    let user = match store.credentials(email.trim()).await {
        Ok(c) => c.user,
        Err(StoreError::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let account = store.account(user).await?;
    let (token, token_hash) = mail::new_link_token()?;
    let link = mail::link(public_url, &format!("/password/reset/{token}"));
    let mail = mail::compose(
        mail::RESET_PASSWORD,
        "account.reset",
        (&account.email, &account.name),
        &[
            ("name", &account.name),
            ("link", &link),
            ("site", mail::site(public_url)),
        ],
    );
    let token = NewAccountToken {
        user,
        purpose: TokenPurpose::ResetPassword,
        token_hash,
        expires_at: jiff::Timestamp::now().as_second() + LINK_MINUTES * 60,
    };
    store.create_account_token(&token, &mail).await?;
    tracing::info!(user.id = %user, "password reset mail queued");
    Ok(())
}

/// Whether a reset link still works (to show the form, or say it expired).
pub async fn link_works(store: &dyn Store, token: &str) -> Result<bool, AccountError> {
    let now = jiff::Timestamp::now().as_second();
    match store
        .account_token_user(
            TokenPurpose::ResetPassword,
            &mail::link_token_hash(token),
            now,
        )
        .await
    {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// argon2id with the default parameters, on the blocking pool: the same hashing as sign-up.
async fn hash(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

/// Sets a new password through a reset link and ends all the account's sessions. `Ok(None)`
/// for a dead link; `Invalid` for a password that breaks the sign-up rules.
pub async fn reset(
    store: &dyn Store,
    token: &str,
    new_password: &str,
) -> Result<Option<UserId>, AccountError> {
    if !link_works(store, token).await? {
        return Ok(None);
    }
    // The sign-up form's rule for passwords.
    let problems: Vec<_> = SignUp {
        name: "-".to_owned(),
        email: "someone@example.org".to_owned(),
        password: new_password.to_owned(),
    }
    .problems()
    .into_iter()
    .filter(|(field, _)| *field == "password")
    .collect();
    if !problems.is_empty() {
        return Err(AccountError::Invalid(problems));
    }
    let hash = hash(new_password.to_owned()).await?;
    let now = jiff::Timestamp::now().as_second();
    // This ends the sessions in the database; the caller ends those kept in Redis
    // (`Sessions::end_all_of`).
    match store
        .reset_password(&mail::link_token_hash(token), now, &hash)
        .await
    {
        Ok(user) => {
            tracing::info!(user.id = %user, "password reset; sessions ended");
            Ok(Some(user))
        }
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
