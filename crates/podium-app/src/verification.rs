//! Email verification: on sign-up (and on "resend") a mail with a one-time link goes to the
//! user's address; following it marks the address verified. Unverified users can still log in;
//! features that need a real address (submitting a proposal) ask [`is_verified`].

use podium_domain::UserId;
use podium_store::{NewAccountToken, Store, StoreError, TokenPurpose};

use crate::account::AccountError;
use crate::mail;

/// How long a verification link works.
pub const LINK_HOURS: i64 = 48;

/// Queues a verification mail to the user (nothing if they are verified already).
pub async fn send(store: &dyn Store, public_url: &str, user: UserId) -> Result<(), AccountError> {
    let account = store.account(user).await?;
    if account.verified() {
        return Ok(());
    }
    let (token, token_hash) = mail::new_link_token()?;
    let link = mail::link(public_url, &format!("/verify/{token}"));
    let mail = mail::compose(
        mail::VERIFY_EMAIL,
        "account.verify",
        (&account.email, &account.name),
        &[
            ("name", &account.name),
            ("link", &link),
            ("site", mail::site(public_url)),
        ],
    );
    let token = NewAccountToken {
        user,
        purpose: TokenPurpose::VerifyEmail,
        token_hash,
        expires_at: jiff::Timestamp::now().as_second() + LINK_HOURS * 3600,
    };
    store.create_account_token(&token, &mail).await?;
    tracing::info!(user.id = %user, "verification mail queued");
    Ok(())
}

/// Follows a verification link: the user whose address it verified, or `None` for an unknown,
/// used or expired link.
pub async fn verify(store: &dyn Store, token: &str) -> Result<Option<UserId>, AccountError> {
    let now = jiff::Timestamp::now().as_second();
    match store.verify_email(&mail::link_token_hash(token), now).await {
        Ok(user) => {
            tracing::info!(user.id = %user, "email verified");
            Ok(Some(user))
        }
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether the user verified their address.
pub async fn is_verified(store: &dyn Store, user: UserId) -> Result<bool, AccountError> {
    Ok(store.account(user).await?.verified())
}
