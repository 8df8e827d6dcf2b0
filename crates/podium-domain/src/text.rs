//! Validated text values.

use serde::{Deserialize, Serialize};

/// Why a piece of text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The slug is empty, too long, or has characters other than `a-z`, `0-9` and `-`.
    #[error(
        "slug {0:?} must be 1 to 64 characters of lowercase letters, digits and '-', not starting or ending with '-'"
    )]
    BadSlug(String),
}

/// A conference's URL segment: `pyconf-2027` in `/pyconf-2027/schedule`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Words that are routes of their own at the top level and so cannot name a conference.
const RESERVED: &[&str] = &[
    "static", "api", "healthz", "login", "logout", "signup", "admin",
];

impl Slug {
    /// Accepts `a-z`, `0-9` and inner `-`, 1 to 64 characters, not a reserved word.
    pub fn parse(s: &str) -> Result<Slug, TextError> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !RESERVED.contains(&s);
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(TextError::BadSlug(s.to_owned()))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_accepts_lowercase_digits_and_dashes() {
        assert_eq!(
            Slug::parse("pyconf-2027").map(|s| s.0),
            Ok("pyconf-2027".into())
        );
    }

    #[test]
    fn slug_rejects_bad_text() {
        for bad in [
            "",
            "-a",
            "a-",
            "Py",
            "a b",
            "static",
            "a/b",
            &"x".repeat(65),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
