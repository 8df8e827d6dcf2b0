//! Inviting people to a conference's team: an organizer names an email and a role (organizer
//! or reviewer); the invitation mail's link lets whoever holds it accept while logged in, which
//! grants the role. The link is the secret (only its hash is stored), as in pretalx: the
//! invitee may accept with an account under another address.

use podium_domain::{Conference, Role, UserId};
use podium_store::{Invitation, NewInvitation, Store, StoreError};

use crate::account::{AccountError, MIN_PASSWORD, SignUp};
use crate::mail;

/// How long an invitation link works.
pub const LINK_DAYS: i64 = 14;

/// The invite form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct InviteForm {
    /// Where to send it.
    #[serde(default)]
    pub email: String,
    /// `organizer` or `reviewer`.
    #[serde(default)]
    pub role: String,
}

/// The roles an organizer can invite to, with how mails and pages name them.
pub const ROLES: [(Role, &str); 2] = [
    (Role::Organizer, "a co-organizer"),
    (Role::Reviewer, "a reviewer"),
];

/// How an invitation names its role ("a reviewer").
pub fn role_phrase(role: Role) -> &'static str {
    ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map_or("a team member", |(_, phrase)| phrase)
}

/// Sends an invitation from `inviter` (an organizer of `conference`: the caller checked) and
/// returns its id; `Invalid` for a bad address or role.
pub async fn invite(
    store: &dyn Store,
    public_url: &str,
    conference: &Conference,
    inviter: UserId,
    form: &InviteForm,
) -> Result<i64, AccountError> {
    let email = form.email.trim().to_lowercase();
    // The sign-up form's rule for addresses, so an invitee can sign up with this one.
    let mut problems: Vec<_> = SignUp {
        name: "-".to_owned(),
        email: email.clone(),
        password: "-".repeat(MIN_PASSWORD),
    }
    .problems()
    .into_iter()
    .filter(|(field, _)| *field == "email")
    .collect();
    let role = Role::parse(form.role.trim()).filter(|r| ROLES.iter().any(|(x, _)| x == r));
    if role.is_none() {
        problems.push(("role", "Choose organizer or reviewer.".to_owned()));
    }
    let Some(role) = role.filter(|_| problems.is_empty()) else {
        return Err(AccountError::Invalid(problems));
    };
    let inviter_name = store.account(inviter).await?.name;
    let (token, token_hash) = mail::new_link_token()?;
    let link = mail::link(public_url, &format!("/invitations/{token}"));
    let days = LINK_DAYS.to_string();
    let mut mail = mail::compose(
        mail::INVITATION,
        "invitation",
        (&email, ""),
        &[
            ("inviter", &inviter_name),
            ("conference", &conference.name),
            ("role", role_phrase(role)),
            ("link", &link),
            ("days", &days),
            ("site", mail::site(public_url)),
        ],
    );
    // Shown on the conference's outbox page, so organizers can see it went out.
    mail.conference = Some(conference.id);
    let invitation = NewInvitation {
        conference: conference.id,
        email,
        role,
        token_hash,
        invited_by: inviter,
        expires_at: jiff::Timestamp::now().as_second() + LINK_DAYS * 86_400,
    };
    let id = store.create_invitation(&invitation, &mail).await?;
    tracing::info!(conference.slug = %conference.slug, invitation.id = id, role = role.as_str(), "invitation queued");
    Ok(id)
}

/// The pending, unexpired invitation behind a link, if any.
pub async fn find(store: &dyn Store, token: &str) -> Result<Option<Invitation>, AccountError> {
    let now = jiff::Timestamp::now().as_second();
    match store.invitation(&mail::link_token_hash(token), now).await {
        Ok(i) => Ok(Some(i)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Accepts the invitation behind a link for `user`, granting its role; `None` for a dead link.
pub async fn accept(
    store: &dyn Store,
    token: &str,
    user: UserId,
) -> Result<Option<Invitation>, AccountError> {
    let now = jiff::Timestamp::now().as_second();
    match store
        .accept_invitation(&mail::link_token_hash(token), user, now)
        .await
    {
        Ok(i) => {
            tracing::info!(invitation.id = i.id, user.id = %user, role = i.role.as_str(), "invitation accepted");
            Ok(Some(i))
        }
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
