//! The texts of podium's emails: small templates with `{placeholder}`s, filled here and put in
//! the outbox by the use cases (`verification`, `password`, `invitation`). Links use the
//! configured public URL. Also the one-time link tokens mails carry: only a hash is stored.
//!
//! Plain text only: no HTML part to keep in step, nothing for a mail client to block.

use podium_store::NewMail;

use crate::account::{AccountError, api_token_hash, random_token};

/// A mail's text before its placeholders are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Subject line.
    pub subject: &'static str,
    /// Body (plain text).
    pub body: &'static str,
}

/// Sent on sign-up and on "resend": `{name}`, `{link}`, `{site}`.
pub const VERIFY_EMAIL: Template = Template {
    subject: "Please confirm your email address",
    body: "Hello {name},\n\
\n\
please confirm that this is your email address by opening this link within 48 hours:\n\
\n\
{link}\n\
\n\
If you did not create an account at {site}, ignore this mail: nothing happens without the link.\n\
\n\
-- \n\
podium at {site}\n",
};

/// Sent on "forgot password": `{name}`, `{link}`, `{site}`.
pub const RESET_PASSWORD: Template = Template {
    subject: "Set a new password",
    body: "Hello {name},\n\
\n\
someone, hopefully you, asked to reset the password of your account at {site}.\n\
Choose a new password within an hour with this link (it works once):\n\
\n\
{link}\n\
\n\
If it was not you, ignore this mail: your password stays as it is.\n\
\n\
-- \n\
podium at {site}\n",
};

/// Sent by an organizer from the team page: `{inviter}`, `{conference}`, `{role}`, `{link}`,
/// `{days}`, `{site}`.
pub const INVITATION: Template = Template {
    subject: "{inviter} invites you to {conference} as {role}",
    body: "Hello,\n\
\n\
{inviter} invites you to join {conference} on {site} as {role}.\n\
\n\
To accept, open this link within {days} days and log in or create an account:\n\
\n\
{link}\n\
\n\
If you do not want to join, ignore this mail.\n\
\n\
-- \n\
podium at {site}\n",
};

/// Sent to speakers when a schedule version is released and their talks are new, moved or
/// cancelled: `{name}`, `{conference}`, `{version}`, `{changes}` (one line per talk),
/// `{zone}`, `{talks}` (their talks in this version), `{schedule}` (link), `{site}`.
pub const SCHEDULE_CHANGED: Template = Template {
    subject: "{conference} schedule {version}: your talks",
    body: "Hello {name},\n\
\n\
{conference} has published version {version} of its schedule. What changes for your talks\n\
(times in {zone}):\n\
\n\
{changes}\n\
\n\
Your talks in this version:\n\
\n\
{talks}\n\
\n\
The attached calendar file holds them (and marks cancelled ones as cancelled), for your\n\
calendar. The whole schedule: {schedule}\n\
\n\
-- \n\
podium at {site}\n",
};

/// Replaces each `{key}` in `text` by its value. Values are inserted as they are (plain text
/// mail needs no escaping) and are not searched for placeholders again.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let known = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (close, *v))
        });
        match known {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The site's name in mails: the public URL without its scheme (`conf.example`).
pub fn site(public_url: &str) -> &str {
    let url = public_url.trim_end_matches('/');
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// An absolute link to `path` (which starts with `/`) on the public site.
pub fn link(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

/// A fresh token for an emailed link and the hash to store for it. Tokens are 256 random bits,
/// so a fast hash is enough (a leaked table does not reveal live links).
pub fn new_link_token() -> Result<(String, String), AccountError> {
    let token = random_token()?;
    let hash = link_token_hash(&token);
    Ok((token, hash))
}

/// The stored form of a link token (BLAKE2b-512, hex).
pub fn link_token_hash(token: &str) -> String {
    api_token_hash(token)
}

/// A filled template as a mail to queue (not held: account mails go out at once).
pub fn compose(
    template: Template,
    kind: &str,
    to: (&str, &str),
    values: &[(&str, &str)],
) -> NewMail {
    let (to_address, to_name) = to;
    NewMail {
        conference: None,
        kind: kind.to_owned(),
        to_address: to_address.to_owned(),
        to_name: to_name.to_owned(),
        subject: fill(template.subject, values),
        body_text: fill(template.body, values),
        attachments: Vec::new(),
        hold: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill(
                "Hi {name}, see {link} {unknown} {",
                &[("name", "{link}"), ("link", "L")]
            ),
            "Hi {link}, see L {unknown} {"
        );
    }

    #[test]
    fn every_placeholder_of_the_templates_is_known() {
        let values = [
            ("name", "N"),
            ("link", "L"),
            ("site", "S"),
            ("inviter", "I"),
            ("conference", "C"),
            ("role", "R"),
            ("days", "D"),
        ];
        for t in [VERIFY_EMAIL, RESET_PASSWORD, INVITATION] {
            for text in [t.subject, t.body] {
                assert!(!fill(text, &values).contains('{'), "{text}");
            }
        }
    }

    #[test]
    fn links_use_the_public_url() {
        assert_eq!(
            link("https://conf.example/", "/verify/abc"),
            "https://conf.example/verify/abc"
        );
        assert_eq!(site("https://conf.example/"), "conf.example");
    }
}
