//! Accounts: signing up and logging in with email and password (argon2id), and log-in sessions
//! ([`Sessions`]: in the database, or in Redis when several instances share one site).
//! Password hashing runs on the blocking pool so it never stalls the web server's threads.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use podium_domain::UserId;
use podium_store::{Login, NewLogin, NewUser, Store, StoreError};
use redis::AsyncTypedCommands;

use crate::cluster::Redis;

/// How long a log-in lasts.
pub const SESSION_DAYS: i64 = 30;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask a little more).
pub const MIN_PASSWORD: usize = 10;

/// A sign-up form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SignUp {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Email.
    #[serde(default)]
    pub email: String,
    /// Password.
    #[serde(default)]
    pub password: String,
}

/// What went wrong, in words for the person at the form.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Fields to fix: (field name, message).
    #[error("please correct the form")]
    Invalid(Vec<(&'static str, String)>),
    /// Unknown email or wrong password (deliberately the same message for both).
    #[error("email or password is wrong")]
    BadCredentials,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed (should not happen).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Redis (which holds the sessions) failed or is away.
    #[error("session store (Redis): {0}")]
    Redis(#[from] redis::RedisError),
}

fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

impl SignUp {
    /// Every problem with the form at once, so the person fixes them in one go.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            problems.push(("name", "Please tell us your name.".to_owned()));
        } else if name.chars().count() > 100 {
            problems.push((
                "name",
                "Please keep your name under 100 characters.".to_owned(),
            ));
        }
        if !looks_like_email(self.email.trim()) {
            problems.push((
                "email",
                "This does not look like an email address.".to_owned(),
            ));
        }
        let length = self.password.chars().count();
        if length < MIN_PASSWORD {
            problems.push((
                "password",
                format!(
                    "Use at least {MIN_PASSWORD} characters (a few words make a good password)."
                ),
            ));
        } else if length > 1024 {
            problems.push(("password", "Use at most 1024 characters.".to_owned()));
        }
        problems
    }
}

/// A fresh random token (256 bits, hex).
pub fn random_token() -> Result<String, AccountError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Hashing(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

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

async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// Creates an account; a taken email is a field error, not a crash.
pub async fn sign_up(store: &dyn Store, form: &SignUp) -> Result<UserId, AccountError> {
    let problems = form.problems();
    if !problems.is_empty() {
        return Err(AccountError::Invalid(problems));
    }
    let password_hash = hash(form.password.clone()).await?;
    let user = NewUser {
        email: form.email.trim().to_lowercase(),
        name: form.name.trim().to_owned(),
        password_hash: Some(password_hash),
    };
    match store.create_user(&user).await {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict { .. }) => Err(AccountError::Invalid(vec![(
            "email",
            "An account with this email exists already. Log in instead?".to_owned(),
        )])),
        Err(e) => Err(e.into()),
    }
}

/// Checks an email and password. Unknown emails cost the same hashing time as wrong passwords,
/// so timing does not reveal which emails have accounts.
pub async fn check_password(
    store: &dyn Store,
    email: &str,
    password: &str,
) -> Result<UserId, AccountError> {
    // A valid hash of a random password, verified against when the email is unknown.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7h1UqO3Z3b0bVcTf2Lq9aJ1pWfGm2d6QyU1nP8b0k3Y";
    match store.credentials(email.trim()).await {
        Ok(c) => {
            let hash = c.password_hash.unwrap_or_else(|| DUMMY.to_owned());
            if verify(password.to_owned(), hash).await {
                Ok(c.user)
            } else {
                Err(AccountError::BadCredentials)
            }
        }
        Err(StoreError::NotFound(_)) => {
            verify(password.to_owned(), DUMMY.to_owned()).await;
            Err(AccountError::BadCredentials)
        }
        Err(e) => Err(e.into()),
    }
}

/// Where log-in sessions live; handlers only see `start`, `current`, `end` and `end_all_of`.
///
/// The cookie holds a random token either way. In Redis a session is the key
/// `<prefix>session:<token>` holding the user id, the form token and the expiry, with a Redis
/// TTL, so every instance of the site knows every session; the set `<prefix>user-sessions:<id>`
/// lists a user's tokens so that all of them can be ended at once.
#[derive(Clone)]
pub enum Sessions {
    /// Rows of `web_sessions` (one instance, or a site without Redis).
    Database(Arc<dyn Store>),
    /// Keys in Redis; the store still supplies the user's name and email.
    Redis {
        /// The store.
        store: Arc<dyn Store>,
        /// The shared Redis.
        redis: Redis,
    },
}

/// A session as kept in Redis.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSession {
    user: i64,
    csrf: String,
    /// Unix seconds.
    expires_at: i64,
}

impl Sessions {
    /// Sessions in Redis when there is one, else in the database.
    pub fn new(store: Arc<dyn Store>, redis: Option<Redis>) -> Sessions {
        match redis {
            Some(redis) => Sessions::Redis { store, redis },
            None => Sessions::Database(store),
        }
    }

    fn key(redis: &Redis, token: &str) -> String {
        redis.key(&format!("session:{token}"))
    }

    fn user_key(redis: &Redis, user: i64) -> String {
        redis.key(&format!("user-sessions:{user}"))
    }

    /// The session behind a token in Redis, if it is there and readable.
    async fn stored(redis: &Redis, token: &str) -> Result<Option<StoredSession>, AccountError> {
        let Some(value) = redis.connection().get(Self::key(redis, token)).await? else {
            return Ok(None);
        };
        let session = serde_json::from_str::<StoredSession>(&value);
        if session.is_err() {
            tracing::warn!("a session in Redis is unreadable; treating it as logged out");
        }
        Ok(session.ok())
    }

    /// Starts a session for `user`; returns the cookie token.
    pub async fn start(&self, user: UserId) -> Result<String, AccountError> {
        let token = random_token()?;
        let login = NewLogin {
            token: token.clone(),
            user,
            csrf_token: random_token()?,
            expires_at: jiff::Timestamp::now().as_second() + SESSION_DAYS * 86_400,
        };
        match self {
            Sessions::Database(store) => store.create_login(&login).await?,
            Sessions::Redis { redis, .. } => {
                let value = serde_json::to_string(&StoredSession {
                    user: login.user.0,
                    csrf: login.csrf_token,
                    expires_at: login.expires_at,
                })
                .expect("a struct of numbers and a string always serializes");
                let ttl = SESSION_DAYS * 86_400;
                let tokens = Self::user_key(redis, login.user.0);
                // One MULTI: the session and its entry in the user's list, both expiring (the
                // list lives as long as the user's newest session).
                redis::pipe()
                    .atomic()
                    .set_ex(Self::key(redis, &token), value, ttl.unsigned_abs())
                    .sadd(&tokens, &token)
                    .expire(&tokens, ttl)
                    .exec_async(&mut redis.connection())
                    .await?;
            }
        }
        Ok(token)
    }

    /// The live session behind a cookie token, if any.
    pub async fn current(&self, token: &str) -> Result<Option<Login>, AccountError> {
        let now = jiff::Timestamp::now().as_second();
        let found = match self {
            Sessions::Database(store) => store.login(token, now).await,
            Sessions::Redis { store, redis } => {
                let Some(session) = Self::stored(redis, token).await? else {
                    return Ok(None);
                };
                if session.expires_at <= now {
                    return Ok(None);
                }
                store.login_of(UserId(session.user), &session.csrf).await
            }
        };
        match found {
            Ok(l) => Ok(Some(l)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Ends a session (idempotent).
    pub async fn end(&self, token: &str) -> Result<(), AccountError> {
        match self {
            Sessions::Database(store) => store.delete_login(token).await?,
            Sessions::Redis { redis, .. } => {
                if let Some(session) = Self::stored(redis, token).await? {
                    redis
                        .connection()
                        .srem(Self::user_key(redis, session.user), token)
                        .await?;
                }
                redis.connection().del(Self::key(redis, token)).await?;
            }
        }
        Ok(())
    }

    /// Ends every session of `user`, on every device (after a password reset, say).
    pub async fn end_all_of(&self, user: UserId) -> Result<(), AccountError> {
        match self {
            Sessions::Database(store) => store.delete_logins_of(user).await?,
            Sessions::Redis { redis, .. } => {
                let tokens_key = Self::user_key(redis, user.0);
                let tokens: Vec<String> = redis::cmd("SMEMBERS")
                    .arg(&tokens_key)
                    .query_async(&mut redis.connection())
                    .await?;
                let mut keys: Vec<String> = tokens.iter().map(|t| Self::key(redis, t)).collect();
                keys.push(tokens_key);
                redis.connection().del(keys).await?;
            }
        }
        Ok(())
    }
}

/// Prefix of podium API tokens, so secret scanners and people can tell what one is.
pub const API_TOKEN_PREFIX: &str = "podium_";

/// A new API token (`podium_` + 256 random bits in hex) and the hash to store for it.
pub fn new_api_token() -> Result<(String, String), AccountError> {
    let token = format!("{API_TOKEN_PREFIX}{}", random_token()?);
    let hash = api_token_hash(&token);
    Ok((token, hash))
}

/// The stored form of an API token: BLAKE2b-512 in hex. Tokens are long random strings, so a
/// fast hash is enough (a leaked table does not reveal them); it keeps each API call cheap.
pub fn api_token_hash(token: &str) -> String {
    use blake2::{Blake2b512, Digest};
    Blake2b512::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported_at_once() {
        let form = SignUp {
            name: " ".into(),
            email: "nope".into(),
            password: "short".into(),
        };
        let fields: Vec<_> = form.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["name", "email", "password"]);
        let ok = SignUp {
            name: "Ada".into(),
            email: "ada@example.org".into(),
            password: "correct horse".into(),
        };
        assert!(ok.problems().is_empty());
    }

    #[test]
    fn email_shapes() {
        for good in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(looks_like_email(good), "{good}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a@b.", "a b@c.d"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
