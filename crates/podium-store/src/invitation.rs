//! Invitations to join a conference's team (organizer or reviewer), sent by email, and the
//! team as it is: people with roles in the conference. Only hashes of invitation tokens are
//! stored; each invitation and its mail are written in one transaction.

use podium_domain::{ConferenceId, Role, UserId};
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::outbox::{NewMail, enqueue};

/// An invitation to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// The conference.
    pub conference: ConferenceId,
    /// Where it goes (stored lowercased).
    pub email: String,
    /// The role it grants.
    pub role: Role,
    /// Hash of the link's token.
    pub token_hash: String,
    /// The organizer who sent it.
    pub invited_by: UserId,
    /// Unix seconds after which it no longer works.
    pub expires_at: i64,
}

/// An invitation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: i64,
    /// The conference.
    pub conference: ConferenceId,
    /// The conference's name.
    pub conference_name: String,
    /// The conference's slug.
    pub conference_slug: String,
    /// Where it was sent.
    pub email: String,
    /// The role it grants.
    pub role: Role,
    /// Name of the organizer who sent it, if their account still exists.
    pub invited_by: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Someone with roles in a conference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// The user.
    pub user: UserId,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Their roles there, in `Role` order.
    pub roles: Vec<Role>,
}

fn role_of(name: &str, table: &'static str) -> Result<Role, StoreError> {
    Role::parse(name).ok_or_else(|| StoreError::Corrupt {
        table,
        detail: format!("unknown role {name:?}"),
    })
}

fn invitation_of(row: &sqlx::any::AnyRow) -> Result<Invitation, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(Invitation {
        id: row.try_get("id")?,
        conference: ConferenceId(row.try_get("conference_id")?),
        conference_name: row.try_get("conference_name")?,
        conference_slug: row.try_get("conference_slug")?,
        email: row.try_get("email")?,
        role: role_of(&role, "invitations")?,
        invited_by: row.try_get("inviter")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

const SELECT: &str = "SELECT i.id, i.conference_id, c.name AS conference_name, c.slug AS conference_slug, \
     i.email, i.role, u.name AS inviter, i.created_at, i.expires_at \
     FROM invitations i JOIN conferences c ON c.id = i.conference_id LEFT JOIN users u ON u.id = i.invited_by";

pub(crate) async fn create(
    pool: &AnyPool,
    new: &NewInvitation,
    mail: &NewMail,
) -> Result<i64, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations (conference_id, email, role, token_hash, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.conference.0)
    .bind(new.email.trim().to_lowercase())
    .bind(new.role.as_str())
    .bind(&new.token_hash)
    .bind(new.invited_by.0)
    .bind(jiff::Timestamp::now().as_second())
    .bind(new.expires_at)
    .fetch_one(&mut *tx)
    .await?;
    enqueue(&mut tx, mail).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn pending(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<Invitation>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.conference_id = $1 AND i.accepted_at IS NULL ORDER BY i.id DESC"
    )))
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(invitation_of)
    .collect()
}

pub(crate) async fn revoke(
    pool: &AnyPool,
    conference: ConferenceId,
    id: i64,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "DELETE FROM invitations WHERE conference_id = $1 AND id = $2 AND accepted_at IS NULL",
    )
    .bind(conference.0)
    .bind(id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("invitation"));
    }
    Ok(())
}

pub(crate) async fn by_token(
    pool: &AnyPool,
    token_hash: &str,
    now: i64,
) -> Result<Invitation, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2"
    )))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("invitation"))?;
    invitation_of(&row)
}

pub(crate) async fn accept(
    pool: &AnyPool,
    token_hash: &str,
    user: UserId,
    now: i64,
) -> Result<Invitation, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    // Conditional: of two clicks racing, one accepts and the other finds nothing.
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE invitations SET accepted_at = $1, accepted_by = $2 \
         WHERE token_hash = $3 AND accepted_at IS NULL AND expires_at > $1 RETURNING id",
    )
    .bind(now)
    .bind(user.0)
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or(StoreError::NotFound("invitation"))?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE i.id = $1")))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let invitation = invitation_of(&row)?;
    sqlx::query(
        "INSERT INTO conference_roles (user_id, conference_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user.0)
    .bind(invitation.conference.0)
    .bind(invitation.role.as_str())
    .execute(&mut *tx)
    .await?;
    // Following a link mailed to the account's own address proves the address, as the
    // verification link would.
    sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2 AND email = $3",
    )
    .bind(now)
    .bind(user.0)
    .bind(&invitation.email)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(invitation)
}

pub(crate) async fn team(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<TeamMember>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.name, u.email, r.role FROM conference_roles r JOIN users u ON u.id = r.user_id \
         WHERE r.conference_id = $1 ORDER BY u.name, u.id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?;
    let mut team: Vec<TeamMember> = Vec::new();
    for row in &rows {
        let user = UserId(row.try_get("id")?);
        let role: String = row.try_get("role")?;
        let role = role_of(&role, "conference_roles")?;
        match team.last_mut() {
            Some(last) if last.user == user => last.roles.push(role),
            _ => team.push(TeamMember {
                user,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                roles: vec![role],
            }),
        }
    }
    for member in &mut team {
        member.roles.sort_by_key(|r| *r as u8);
    }
    Ok(team)
}
