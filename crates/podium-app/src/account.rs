//! Accounts: signing up and logging in with email and password (argon2id), and log-in sessions.
//! Password hashing runs on the blocking pool so it never stalls the web server's threads.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use podium_domain::UserId;
use podium_store::{Login, NewLogin, NewUser, Store, StoreError};

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

/// Starts a session for `user`; returns the cookie token.
pub async fn start_session(store: &dyn Store, user: UserId) -> Result<String, AccountError> {
    let token = random_token()?;
    let login = NewLogin {
        token: token.clone(),
        user,
        csrf_token: random_token()?,
        expires_at: jiff::Timestamp::now().as_second() + SESSION_DAYS * 86_400,
    };
    store.create_login(&login).await?;
    Ok(token)
}

/// The live session behind a cookie token, if any.
pub async fn current(store: &dyn Store, token: &str) -> Result<Option<Login>, AccountError> {
    match store.login(token, jiff::Timestamp::now().as_second()).await {
        Ok(l) => Ok(Some(l)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Ends a session.
pub async fn log_out(store: &dyn Store, token: &str) -> Result<(), AccountError> {
    Ok(store.delete_login(token).await?)
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
