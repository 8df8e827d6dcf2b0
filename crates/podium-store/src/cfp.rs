//! The call for proposals in the database: settings, proposals and their speakers, speaker
//! profiles, comments, votes, reviews, reviewer assignments and conflicts, staged decisions,
//! and confirmation (a confirmed proposal becomes a schedulable talk).
//!
//! Lists are read in a fixed number of queries whatever their length (no query per row): the
//! organizer's ranking of 2,000 proposals is four queries.

use std::collections::HashMap;

use podium_domain::*;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;
use crate::feed::{doc, record};
use crate::program::{insert_speaker, insert_talk, set_talk_speakers};

fn corrupt(table: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        detail: e.to_string(),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data always serializes")
}

fn from_json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    s: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| corrupt(table, e))
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A new proposal as the speaker's form sent it.
#[derive(Debug, Clone)]
pub struct NewProposal {
    /// Conference.
    pub conference: ConferenceId,
    /// Its first speaker.
    pub owner: UserId,
    /// The owner's email (the first row of its speakers).
    pub owner_email: String,
    /// The fields.
    pub form: ProposalForm,
    /// Submit now (else a draft).
    pub submit: bool,
    /// The form's one-time token: the same token twice makes one proposal.
    pub form_token: String,
}

/// The CFP settings of a conference (defaults when never saved).
pub(crate) async fn settings(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<CfpSettings, StoreError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT settings FROM cfp_settings WHERE conference_id = $1")
            .bind(conference.0)
            .fetch_optional(pool)
            .await?;
    match stored {
        Some(s) => from_json("cfp_settings", &s),
        None => Ok(CfpSettings::default()),
    }
}

pub(crate) async fn save_settings(
    pool: &AnyPool,
    conference: ConferenceId,
    settings: &CfpSettings,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cfp_settings (conference_id, settings) VALUES ($1, $2) \
         ON CONFLICT (conference_id) DO UPDATE SET settings = excluded.settings",
    )
    .bind(conference.0)
    .bind(to_json(settings))
    .execute(pool)
    .await?;
    Ok(())
}

/// Creates a proposal; the same form token again returns the first one's id and `false`.
pub(crate) async fn create_proposal(
    pool: &AnyPool,
    new: &NewProposal,
) -> Result<(ProposalId, bool), StoreError> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM proposals WHERE conference_id = $1 AND form_token = $2")
            .bind(new.conference.0)
            .bind(&new.form_token)
            .fetch_optional(pool)
            .await?;
    if let Some(id) = existing {
        return Ok((ProposalId(id), false));
    }
    let f = &new.form;
    let at = now();
    let state = if new.submit {
        ProposalState::Submitted
    } else {
        ProposalState::Draft
    };
    let mut tx = crate::backend::begin(pool).await?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO proposals (conference_id, owner_id, title, abstract, description, notes, submission_type, \
         track_id, level, language, answers, state, form_token, created_at, updated_at, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING id",
    )
    .bind(new.conference.0)
    .bind(new.owner.0)
    .bind(f.title.trim())
    .bind(&f.abstract_md)
    .bind(&f.description_md)
    .bind(&f.notes)
    .bind(&f.submission_type)
    .bind(f.track.map(|t| t.0))
    .bind(&f.level)
    .bind(&f.language)
    .bind(to_json(&f.answers))
    .bind(state.as_str())
    .bind(&new.form_token)
    .bind(at)
    .bind(new.submit.then_some(at))
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        // Two copies of one form raced: the other one won.
        Err(e) => {
            let e = StoreError::from(e);
            if e.is_conflict() {
                drop(tx);
                let id: i64 = sqlx::query_scalar(
                    "SELECT id FROM proposals WHERE conference_id = $1 AND form_token = $2",
                )
                .bind(new.conference.0)
                .bind(&new.form_token)
                .fetch_one(pool)
                .await?;
                return Ok((ProposalId(id), false));
            }
            return Err(e);
        }
    };
    sqlx::query(
        "INSERT INTO proposal_speakers (proposal_id, email, user_id, invite_hash, position) VALUES ($1, $2, $3, NULL, 0)",
    )
    .bind(id)
    .bind(new.owner_email.to_lowercase())
    .bind(new.owner.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((ProposalId(id), true))
}

/// Replaces a proposal's fields; `submit` turns a draft into a submission. Only drafts and
/// submissions can be edited.
pub(crate) async fn update_proposal(
    pool: &AnyPool,
    id: ProposalId,
    f: &ProposalForm,
    submit: bool,
) -> Result<(), StoreError> {
    let at = now();
    let done = sqlx::query(
        "UPDATE proposals SET title = $1, abstract = $2, description = $3, notes = $4, submission_type = $5, \
         track_id = $6, level = $7, language = $8, answers = $9, updated_at = $10, \
         state = CASE WHEN $11 = 1 THEN 'submitted' ELSE state END, \
         submitted_at = CASE WHEN $11 = 1 AND submitted_at IS NULL THEN $10 ELSE submitted_at END \
         WHERE id = $12 AND state IN ('draft', 'submitted')",
    )
    .bind(f.title.trim())
    .bind(&f.abstract_md)
    .bind(&f.description_md)
    .bind(&f.notes)
    .bind(&f.submission_type)
    .bind(f.track.map(|t| t.0))
    .bind(&f.level)
    .bind(&f.language)
    .bind(to_json(&f.answers))
    .bind(at)
    .bind(i64::from(submit))
    .bind(id.0)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("editable proposal"));
    }
    Ok(())
}

/// Moves a proposal from one of `from` to `to`; `NotFound` when it is in none of them.
pub(crate) async fn set_state(
    pool: &AnyPool,
    id: ProposalId,
    from: &[ProposalState],
    to: ProposalState,
) -> Result<(), StoreError> {
    let allowed: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM proposals WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    let Some(state) = state else {
        return Err(StoreError::NotFound("proposal"));
    };
    if !allowed.contains(&state.as_str()) {
        return Err(StoreError::NotFound("proposal in that state"));
    }
    let done = sqlx::query(
        "UPDATE proposals SET state = $1, pending = NULL, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.as_str())
    .bind(now())
    .bind(id.0)
    .bind(&state)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("proposal in that state"));
    }
    Ok(())
}

const PROPOSAL_COLUMNS: &str = "p.id, p.conference_id, p.owner_id, p.title, p.abstract, p.description, p.notes, \
     p.submission_type, p.track_id, p.level, p.language, p.answers, p.state, p.pending, p.talk_id, \
     p.created_at, p.submitted_at";

/// The columns of [`ProposalHead`], decoded.
fn head_row(r: &sqlx::any::AnyRow) -> Result<ProposalHead, StoreError> {
    let state: String = r.try_get("state")?;
    let pending: Option<String> = r.try_get("pending")?;
    Ok(ProposalHead {
        id: ProposalId(r.try_get("id")?),
        title: r.try_get("title")?,
        submission_type: r.try_get("submission_type")?,
        track: r.try_get::<Option<i64>, _>("track_id")?.map(TrackId),
        state: ProposalState::parse(&state)
            .ok_or_else(|| corrupt("proposals", format!("state {state:?}")))?,
        pending: pending
            .map(|p| {
                Decision::parse(&p).ok_or_else(|| corrupt("proposals", format!("pending {p:?}")))
            })
            .transpose()?,
    })
}

/// Every proposal of a conference, heads only, by id.
pub(crate) async fn proposal_heads(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<ProposalHead>, StoreError> {
    sqlx::query(
        "SELECT id, title, submission_type, track_id, state, pending FROM proposals \
         WHERE conference_id = $1 ORDER BY id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(head_row)
    .collect()
}

fn proposal_row(r: &sqlx::any::AnyRow) -> Result<Proposal, StoreError> {
    let head = head_row(r)?;
    Ok(Proposal {
        id: head.id,
        conference: ConferenceId(r.try_get("conference_id")?),
        owner: UserId(r.try_get("owner_id")?),
        title: head.title,
        abstract_md: r.try_get("abstract")?,
        description_md: r.try_get("description")?,
        notes: r.try_get("notes")?,
        submission_type: head.submission_type,
        track: head.track,
        level: r.try_get("level")?,
        language: r.try_get("language")?,
        answers: from_json("proposals", &r.try_get::<String, _>("answers")?)?,
        state: head.state,
        pending: head.pending,
        talk: r.try_get::<Option<i64>, _>("talk_id")?.map(TalkId),
        speakers: Vec::new(),
        created_at: r.try_get("created_at")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

/// Proposals selected by `filter` (a `WHERE` on `p`, binding `$1`), with their speakers, in
/// two queries.
async fn proposals_where(
    pool: &AnyPool,
    filter: &str,
    bind: i64,
) -> Result<Vec<Proposal>, StoreError> {
    let sql = format!("SELECT {PROPOSAL_COLUMNS} FROM proposals p WHERE {filter} ORDER BY p.id");
    let mut proposals: Vec<Proposal> = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(bind)
        .fetch_all(pool)
        .await?
        .iter()
        .map(proposal_row)
        .collect::<Result<_, _>>()?;
    let index: HashMap<i64, usize> = proposals
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.0, i))
        .collect();
    let sql = format!(
        "SELECT ps.proposal_id, ps.email, ps.user_id, ps.invite_hash, \
         COALESCE(sp.name, u.name, ps.email) AS name \
         FROM proposal_speakers ps JOIN proposals p ON p.id = ps.proposal_id \
         LEFT JOIN users u ON u.id = ps.user_id \
         LEFT JOIN speaker_profiles sp ON sp.user_id = ps.user_id AND sp.conference_id = p.conference_id \
         WHERE {filter} ORDER BY ps.proposal_id, ps.position"
    );
    for r in sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(bind)
        .fetch_all(pool)
        .await?
    {
        let id: i64 = r.try_get("proposal_id")?;
        if let Some(&i) = index.get(&id) {
            proposals[i].speakers.push(ProposalSpeaker {
                user: r.try_get::<Option<i64>, _>("user_id")?.map(UserId),
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                confirmed: r.try_get::<Option<String>, _>("invite_hash")?.is_none(),
            });
        }
    }
    Ok(proposals)
}

pub(crate) async fn proposal(pool: &AnyPool, id: ProposalId) -> Result<Proposal, StoreError> {
    proposals_where(pool, "p.id = $1", id.0)
        .await?
        .pop()
        .ok_or(StoreError::NotFound("proposal"))
}

pub(crate) async fn proposals(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<Proposal>, StoreError> {
    proposals_where(pool, "p.conference_id = $1", conference.0).await
}

/// Proposals where the user is a speaker (accepted or invited).
pub(crate) async fn proposals_of(
    pool: &AnyPool,
    user: UserId,
) -> Result<Vec<Proposal>, StoreError> {
    proposals_where(
        pool,
        "p.id IN (SELECT proposal_id FROM proposal_speakers WHERE user_id = $1)",
        user.0,
    )
    .await
}

/// Adds a co-speaker invitation (by email; `invite_hash` is the emailed token's hash).
pub(crate) async fn invite_speaker(
    pool: &AnyPool,
    proposal: ProposalId,
    email: &str,
    invite_hash: &str,
) -> Result<(), StoreError> {
    let position: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM proposal_speakers WHERE proposal_id = $1",
    )
    .bind(proposal.0)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO proposal_speakers (proposal_id, email, user_id, invite_hash, position) VALUES ($1, $2, NULL, $3, $4)",
    )
    .bind(proposal.0)
    .bind(email.to_lowercase())
    .bind(invite_hash)
    .bind(position)
    .execute(pool)
    .await?;
    Ok(())
}

/// Accepts a co-speaker invitation for `user`; returns the proposal.
pub(crate) async fn accept_speaker_invite(
    pool: &AnyPool,
    invite_hash: &str,
    user: UserId,
) -> Result<ProposalId, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE proposal_speakers SET user_id = $1, invite_hash = NULL WHERE invite_hash = $2 RETURNING proposal_id",
    )
    .bind(user.0)
    .bind(invite_hash)
    .fetch_optional(pool)
    .await?;
    id.map(ProposalId).ok_or(StoreError::NotFound("invitation"))
}

/// Removes a speaker (or pending invitation) other than the owner.
pub(crate) async fn remove_speaker(
    pool: &AnyPool,
    proposal: ProposalId,
    email: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM proposal_speakers WHERE proposal_id = $1 AND email = $2 AND position > 0",
    )
    .bind(proposal.0)
    .bind(email.to_lowercase())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn profile(
    pool: &AnyPool,
    user: UserId,
    conference: ConferenceId,
) -> Result<Option<SpeakerProfile>, StoreError> {
    let row = sqlx::query(
        "SELECT name, bio, links, avatar_url, available, answers FROM speaker_profiles WHERE user_id = $1 AND conference_id = $2",
    )
    .bind(user.0)
    .bind(conference.0)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SpeakerProfile {
            name: r.try_get("name")?,
            bio_md: r.try_get("bio")?,
            links: from_json("speaker_profiles", &r.try_get::<String, _>("links")?)?,
            avatar_url: r.try_get("avatar_url")?,
            available: from_json("speaker_profiles", &r.try_get::<String, _>("available")?)?,
            answers: from_json("speaker_profiles", &r.try_get::<String, _>("answers")?)?,
        })
    })
    .transpose()
}

/// Saves a profile; when the speaker already has talks, their program speaker follows (so a
/// changed availability reaches the scheduler).
pub(crate) async fn save_profile(
    pool: &AnyPool,
    user: UserId,
    conference: ConferenceId,
    p: &SpeakerProfile,
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    sqlx::query(
        "INSERT INTO speaker_profiles (user_id, conference_id, name, bio, links, avatar_url, available, answers) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, conference_id) DO UPDATE SET \
         name = excluded.name, bio = excluded.bio, links = excluded.links, avatar_url = excluded.avatar_url, \
         available = excluded.available, answers = excluded.answers",
    )
    .bind(user.0)
    .bind(conference.0)
    .bind(&p.name)
    .bind(&p.bio_md)
    .bind(to_json(&p.links))
    .bind(&p.avatar_url)
    .bind(to_json(&p.available))
    .bind(to_json(&p.answers))
    .execute(&mut *tx)
    .await?;
    let speakers: Vec<i64> = sqlx::query_scalar(
        "UPDATE speakers SET name = $1, bio = $2, links = $3, avatar_url = $4, available = $5 \
         WHERE user_id = $6 AND conference_id = $7 RETURNING id",
    )
    .bind(&p.name)
    .bind(&p.bio_md)
    .bind(to_json(&p.links))
    .bind(&p.avatar_url)
    .bind(to_json(&p.available))
    .bind(user.0)
    .bind(conference.0)
    .fetch_all(&mut *tx)
    .await?;
    if !speakers.is_empty() {
        bump(&mut tx, conference.0).await?;
        let docs: Vec<_> = speakers.iter().map(|&s| (doc::SPEAKER, s)).collect();
        record(&mut tx, conference.0, &docs).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn bump(conn: &mut AnyConnection, conference: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
        .bind(conference)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const COMMENT_COLUMNS: &str = "c.id, c.proposal_id, c.user_id, u.name AS author, c.parent_id, c.body, \
     c.created_at, c.edited_at, c.deleted, c.hidden, c.spam";

fn comment_row(r: &sqlx::any::AnyRow) -> Result<Comment, StoreError> {
    let deleted = r.try_get::<i64, _>("deleted")? != 0;
    Ok(Comment {
        id: r.try_get("id")?,
        proposal: ProposalId(r.try_get("proposal_id")?),
        user: UserId(r.try_get("user_id")?),
        author: r.try_get("author")?,
        parent: r.try_get("parent_id")?,
        body_md: if deleted {
            String::new()
        } else {
            r.try_get("body")?
        },
        created_at: r.try_get("created_at")?,
        edited_at: r.try_get("edited_at")?,
        deleted,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        spam: r.try_get::<i64, _>("spam")? != 0,
    })
}

/// A proposal's comments, oldest first (threads are assembled by the caller).
pub(crate) async fn comments(
    pool: &AnyPool,
    proposal: ProposalId,
) -> Result<Vec<Comment>, StoreError> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM proposal_comments c JOIN users u ON u.id = c.user_id \
         WHERE c.proposal_id = $1 ORDER BY c.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(proposal.0)
        .fetch_all(pool)
        .await?
        .iter()
        .map(comment_row)
        .collect()
}

pub(crate) async fn comment(pool: &AnyPool, id: i64) -> Result<Comment, StoreError> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM proposal_comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("comment"))?;
    comment_row(&row)
}

pub(crate) async fn add_comment(
    pool: &AnyPool,
    proposal: ProposalId,
    user: UserId,
    parent: Option<i64>,
    body: &str,
) -> Result<i64, StoreError> {
    if let Some(parent) = parent {
        let same: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM proposal_comments WHERE id = $1 AND proposal_id = $2",
        )
        .bind(parent)
        .bind(proposal.0)
        .fetch_optional(pool)
        .await?;
        if same.is_none() {
            return Err(StoreError::NotFound("comment to answer"));
        }
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO proposal_comments (proposal_id, user_id, parent_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(proposal.0)
    .bind(user.0)
    .bind(parent)
    .bind(body)
    .bind(now())
    .fetch_one(pool)
    .await?)
}

/// Edits (Some) or deletes (None) the author's own comment.
pub(crate) async fn change_comment(
    pool: &AnyPool,
    id: i64,
    author: UserId,
    body: Option<&str>,
) -> Result<(), StoreError> {
    let done = match body {
        Some(body) => sqlx::query(
            "UPDATE proposal_comments SET body = $1, edited_at = $2 WHERE id = $3 AND user_id = $4 AND deleted = 0",
        )
        .bind(body)
        .bind(now())
        .bind(id)
        .bind(author.0)
        .execute(pool)
        .await?,
        None => sqlx::query(
            "UPDATE proposal_comments SET deleted = 1, body = '' WHERE id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(author.0)
        .execute(pool)
        .await?,
    };
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("your comment"));
    }
    Ok(())
}

pub(crate) async fn moderate_comment(
    pool: &AnyPool,
    id: i64,
    hidden: bool,
    spam: bool,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE proposal_comments SET hidden = $1, spam = $2 WHERE id = $3")
        .bind(i64::from(hidden))
        .bind(i64::from(spam))
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("comment"));
    }
    Ok(())
}

/// Sets (Some(±1)) or removes (None) a user's vote.
pub(crate) async fn vote(
    pool: &AnyPool,
    proposal: ProposalId,
    user: UserId,
    value: Option<i64>,
) -> Result<(), StoreError> {
    match value {
        Some(v) => {
            sqlx::query(
                "INSERT INTO proposal_votes (proposal_id, user_id, value, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (proposal_id, user_id) DO UPDATE SET value = excluded.value",
            )
            .bind(proposal.0)
            .bind(user.0)
            .bind(v.signum())
            .bind(now())
            .execute(pool)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM proposal_votes WHERE proposal_id = $1 AND user_id = $2")
                .bind(proposal.0)
                .bind(user.0)
                .execute(pool)
                .await?;
        }
    }
    Ok(())
}

/// Every vote of a conference: (proposal, voter, ±1).
pub(crate) async fn votes(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(ProposalId, UserId, i64)>, StoreError> {
    sqlx::query(
        "SELECT v.proposal_id, v.user_id, v.value FROM proposal_votes v JOIN proposals p ON p.id = v.proposal_id \
         WHERE p.conference_id = $1",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            ProposalId(r.try_get("proposal_id")?),
            UserId(r.try_get("user_id")?),
            r.try_get("value")?,
        ))
    })
    .collect()
}

/// Votes per proposal of a conference, as counted when they were cast (`proposal_vote_counts`,
/// kept by triggers): (proposal, up, down).
pub(crate) async fn vote_counts(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(ProposalId, i64, i64)>, StoreError> {
    sqlx::query(
        "SELECT v.proposal_id, v.up, v.down FROM proposal_vote_counts v \
         JOIN proposals p ON p.id = v.proposal_id \
         WHERE p.conference_id = $1 AND (v.up <> 0 OR v.down <> 0)",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            ProposalId(r.try_get("proposal_id")?),
            r.try_get("up")?,
            r.try_get("down")?,
        ))
    })
    .collect()
}

/// One user's votes in a conference: (proposal, ±1).
pub(crate) async fn votes_of(
    pool: &AnyPool,
    conference: ConferenceId,
    user: UserId,
) -> Result<Vec<(ProposalId, i64)>, StoreError> {
    sqlx::query(
        "SELECT v.proposal_id, v.value FROM proposal_votes v JOIN proposals p ON p.id = v.proposal_id \
         WHERE p.conference_id = $1 AND v.user_id = $2",
    )
    .bind(conference.0)
    .bind(user.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((ProposalId(r.try_get("proposal_id")?), r.try_get("value")?)))
    .collect()
}

pub(crate) async fn save_review(pool: &AnyPool, review: &Review) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO reviews (proposal_id, user_id, scores, body, abstain, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (proposal_id, user_id) DO UPDATE SET scores = excluded.scores, body = excluded.body, \
         abstain = excluded.abstain, updated_at = excluded.updated_at",
    )
    .bind(review.proposal.0)
    .bind(review.reviewer.0)
    .bind(to_json(&review.scores))
    .bind(&review.text)
    .bind(i64::from(review.abstain))
    .bind(now())
    .execute(pool)
    .await?;
    Ok(())
}

/// Every review of a conference.
pub(crate) async fn reviews(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<Review>, StoreError> {
    sqlx::query(
        "SELECT r.proposal_id, r.user_id, r.scores, r.body, r.abstain, r.updated_at FROM reviews r \
         JOIN proposals p ON p.id = r.proposal_id WHERE p.conference_id = $1 ORDER BY r.proposal_id, r.user_id",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Review {
            proposal: ProposalId(r.try_get("proposal_id")?),
            reviewer: UserId(r.try_get("user_id")?),
            scores: from_json("reviews", &r.try_get::<String, _>("scores")?)?,
            text: r.try_get("body")?,
            abstain: r.try_get::<i64, _>("abstain")? != 0,
            updated_at: r.try_get("updated_at")?,
        })
    })
    .collect()
}

/// The conference's review revision (`review_revisions`, moved by triggers on every review
/// change); 0 before the first review.
async fn review_revision(pool: &AnyPool, conference: ConferenceId) -> Result<i64, StoreError> {
    let revision: Option<i64> =
        sqlx::query_scalar("SELECT revision FROM review_revisions WHERE conference_id = $1")
            .bind(conference.0)
            .fetch_optional(pool)
            .await?;
    Ok(revision.unwrap_or(0))
}

/// Pairs (proposal, user) of one conference from a two-column table.
async fn pairs(
    pool: &AnyPool,
    table: &'static str,
    conference: ConferenceId,
) -> Result<Vec<(ProposalId, UserId)>, StoreError> {
    let sql = format!(
        "SELECT x.proposal_id, x.user_id FROM {table} x JOIN proposals p ON p.id = x.proposal_id \
         WHERE p.conference_id = $1 ORDER BY x.proposal_id, x.user_id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(conference.0)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                ProposalId(r.try_get("proposal_id")?),
                UserId(r.try_get("user_id")?),
            ))
        })
        .collect()
}

pub(crate) async fn assignments(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(ProposalId, UserId)>, StoreError> {
    pairs(pool, "review_assignments", conference).await
}

pub(crate) async fn conflicts(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(ProposalId, UserId)>, StoreError> {
    pairs(pool, "review_conflicts", conference).await
}

pub(crate) async fn add_assignments(
    pool: &AnyPool,
    new: &[(ProposalId, UserId)],
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    for (p, u) in new {
        sqlx::query(
            "INSERT INTO review_assignments (proposal_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(p.0)
        .bind(u.0)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Declares (or withdraws) a conflict of interest; declaring drops any assignment.
pub(crate) async fn set_conflict(
    pool: &AnyPool,
    proposal: ProposalId,
    user: UserId,
    conflict: bool,
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    if conflict {
        sqlx::query(
            "INSERT INTO review_conflicts (proposal_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(proposal.0)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM review_assignments WHERE proposal_id = $1 AND user_id = $2")
            .bind(proposal.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("DELETE FROM review_conflicts WHERE proposal_id = $1 AND user_id = $2")
            .bind(proposal.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Reviewer teams: (reviewer, track) rows.
pub(crate) async fn reviewer_tracks(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<(UserId, TrackId)>, StoreError> {
    sqlx::query("SELECT user_id, track_id FROM reviewer_tracks WHERE conference_id = $1")
        .bind(conference.0)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                UserId(r.try_get("user_id")?),
                TrackId(r.try_get("track_id")?),
            ))
        })
        .collect()
}

pub(crate) async fn set_reviewer_tracks(
    pool: &AnyPool,
    conference: ConferenceId,
    user: UserId,
    tracks: &[TrackId],
) -> Result<(), StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    sqlx::query("DELETE FROM reviewer_tracks WHERE conference_id = $1 AND user_id = $2")
        .bind(conference.0)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    for t in tracks {
        sqlx::query(
            "INSERT INTO reviewer_tracks (conference_id, user_id, track_id) \
             SELECT $1, $2, id FROM tracks WHERE id = $3 AND conference_id = $1",
        )
        .bind(conference.0)
        .bind(user.0)
        .bind(t.0)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Users holding a role in a conference: (id, name, email).
pub(crate) async fn people_with_role(
    pool: &AnyPool,
    conference: ConferenceId,
    role: Role,
) -> Result<Vec<(UserId, String, String)>, StoreError> {
    sqlx::query(
        "SELECT u.id, u.name, u.email FROM users u JOIN conference_roles r ON r.user_id = u.id \
         WHERE r.conference_id = $1 AND r.role = $2 ORDER BY u.id",
    )
    .bind(conference.0)
    .bind(role.as_str())
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok((
            UserId(r.try_get("id")?),
            r.try_get("name")?,
            r.try_get("email")?,
        ))
    })
    .collect()
}

/// Stages (Some) or clears (None) a decision on submitted or waitlisted proposals of the
/// conference; returns how many changed. Speakers see nothing of it until release.
pub(crate) async fn stage(
    pool: &AnyPool,
    conference: ConferenceId,
    ids: &[ProposalId],
    decision: Option<Decision>,
) -> Result<u64, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let mut changed = 0;
    for id in ids {
        changed += sqlx::query(
            "UPDATE proposals SET pending = $1 WHERE id = $2 AND conference_id = $3 \
             AND state IN ('submitted', 'waitlisted')",
        )
        .bind(decision.map(Decision::as_str))
        .bind(id.0)
        .bind(conference.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(changed)
}

/// Releases staged decisions: each listed proposal whose pending decision is still the given
/// one takes it as its state, and `mails` go into the outbox, in one transaction (a crash
/// leaves either both or neither). Returns the ids released.
pub(crate) async fn release(
    pool: &AnyPool,
    conference: ConferenceId,
    decisions: &[(ProposalId, Decision)],
    mails: &[crate::NewMail],
) -> Result<Vec<ProposalId>, StoreError> {
    let mut tx = crate::backend::begin(pool).await?;
    let mut released = Vec::new();
    for (id, d) in decisions {
        let done = sqlx::query(
            "UPDATE proposals SET state = $1, pending = NULL, updated_at = $2 \
             WHERE id = $3 AND conference_id = $4 AND pending = $1",
        )
        .bind(d.as_str())
        .bind(now())
        .bind(id.0)
        .bind(conference.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            released.push(*id);
        }
    }
    for mail in mails {
        crate::outbox::enqueue(&mut tx, mail).await?;
    }
    tx.commit().await?;
    Ok(released)
}

/// The speaker's answer to an acceptance. Confirming makes the proposal a talk of the program
/// (unplaced), its speakers program speakers (with their profiles and availability); returns
/// the talk. Declining returns None.
pub(crate) async fn confirm(
    pool: &AnyPool,
    proposal: ProposalId,
    user: UserId,
    accept: bool,
) -> Result<Option<TalkId>, StoreError> {
    let p = self::proposal(pool, proposal).await?;
    if !p.has_speaker(user) || p.state != ProposalState::Accepted {
        return Err(StoreError::NotFound("accepted proposal of yours"));
    }
    let c = p.conference.0;
    let mut tx = crate::backend::begin(pool).await?;
    let to = if accept {
        ProposalState::Confirmed
    } else {
        ProposalState::Declined
    };
    let done = sqlx::query(
        "UPDATE proposals SET state = $1, updated_at = $2 WHERE id = $3 AND state = 'accepted'",
    )
    .bind(to.as_str())
    .bind(now())
    .bind(proposal.0)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("accepted proposal of yours"));
    }
    if !accept {
        tx.commit().await?;
        return Ok(None);
    }
    let settings = {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT settings FROM cfp_settings WHERE conference_id = $1")
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?;
        match stored {
            Some(s) => from_json("cfp_settings", &s)?,
            None => CfpSettings::default(),
        }
    };
    let duration = settings
        .submission_type(&p.submission_type)
        .map_or(30, |t| t.duration_min);
    let talk = NewTalk {
        key: format!("proposal-{}", p.id),
        guid: None,
        title: p.title.clone(),
        abstract_md: p.abstract_md.clone(),
        kind: TalkKind::parse(&p.submission_type).unwrap_or(TalkKind::Talk),
        level: Level::parse(&p.level).unwrap_or(Level::Intermediate),
        duration_min: duration,
        track: None,
        language: if p.language.is_empty() {
            "en".into()
        } else {
            p.language.clone()
        },
        speakers: Vec::new(),
        slides_url: None,
        video_url: None,
    };
    let slug: String = sqlx::query_scalar("SELECT slug FROM conferences WHERE id = $1")
        .bind(c)
        .fetch_one(&mut *tx)
        .await?;
    let guid = format!("{slug}-proposal-{}", p.id);
    let talk_id = insert_talk(&mut tx, c, &guid, &talk, p.track.map(|t| t.0)).await?;
    let mut speaker_ids = Vec::new();
    let mut docs = vec![(doc::TALK, talk_id)];
    for s in p.speakers.iter().filter(|s| s.confirmed) {
        let Some(u) = s.user else { continue };
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM speakers WHERE conference_id = $1 AND user_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(c)
        .bind(u.0)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                let row = sqlx::query(
                    "SELECT name, bio, links, avatar_url, available FROM speaker_profiles WHERE user_id = $1 AND conference_id = $2",
                )
                .bind(u.0)
                .bind(c)
                .fetch_optional(&mut *tx)
                .await?;
                let (name, bio, links, avatar, available) = match row {
                    Some(r) => (
                        r.try_get::<String, _>("name")?,
                        r.try_get::<String, _>("bio")?,
                        from_json::<Vec<String>>(
                            "speaker_profiles",
                            &r.try_get::<String, _>("links")?,
                        )?,
                        r.try_get::<Option<String>, _>("avatar_url")?,
                        r.try_get::<String, _>("available")?,
                    ),
                    None => (s.name.clone(), String::new(), Vec::new(), None, "[]".into()),
                };
                let new = NewSpeaker {
                    key: format!("user-{u}"),
                    name,
                    bio,
                    avatar_url: avatar,
                    links,
                };
                let id = insert_speaker(&mut tx, c, &new).await?;
                sqlx::query("UPDATE speakers SET user_id = $1, available = $2 WHERE id = $3")
                    .bind(u.0)
                    .bind(available)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                docs.push((doc::SPEAKER, id));
                id
            }
        };
        speaker_ids.push(id);
    }
    set_talk_speakers(&mut tx, talk_id, &speaker_ids).await?;
    sqlx::query("UPDATE proposals SET talk_id = $1 WHERE id = $2")
        .bind(talk_id)
        .bind(proposal.0)
        .execute(&mut *tx)
        .await?;
    for s in p.speakers.iter().filter_map(|s| s.user) {
        sqlx::query(
            "INSERT INTO conference_roles (user_id, conference_id, role) VALUES ($1, $2, 'speaker') ON CONFLICT DO NOTHING",
        )
        .bind(s.0)
        .bind(c)
        .execute(&mut *tx)
        .await?;
    }
    bump(&mut tx, c).await?;
    record(&mut tx, c, &docs).await?;
    tx.commit().await?;
    Ok(Some(TalkId(talk_id)))
}

/// The call for proposals' part of the store (reached through [`crate::Store::cfp`]).
#[async_trait::async_trait]
pub trait CfpStore: Send + Sync {
    /// The conference's CFP settings (defaults when never saved).
    async fn settings(&self, conference: ConferenceId) -> Result<CfpSettings, StoreError>;
    /// Replaces them.
    async fn save_settings(
        &self,
        conference: ConferenceId,
        settings: &CfpSettings,
    ) -> Result<(), StoreError>;
    /// Creates a proposal (once per form token); `true` when it is new.
    async fn create_proposal(&self, new: &NewProposal) -> Result<(ProposalId, bool), StoreError>;
    /// Replaces a draft's or submission's fields, submitting it when `submit`.
    async fn update_proposal(
        &self,
        id: ProposalId,
        form: &ProposalForm,
        submit: bool,
    ) -> Result<(), StoreError>;
    /// Moves a proposal between states (`NotFound` when it is not in one of `from`).
    async fn set_state(
        &self,
        id: ProposalId,
        from: &[ProposalState],
        to: ProposalState,
    ) -> Result<(), StoreError>;
    /// One proposal with its speakers.
    async fn proposal(&self, id: ProposalId) -> Result<Proposal, StoreError>;
    /// All proposals of a conference, with speakers (two queries).
    async fn proposals(&self, conference: ConferenceId) -> Result<Vec<Proposal>, StoreError>;
    /// All proposals of a conference without texts or speakers (one narrow query), by id.
    async fn proposal_heads(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<ProposalHead>, StoreError>;
    /// The proposals a user speaks in or is invited to.
    async fn proposals_of(&self, user: UserId) -> Result<Vec<Proposal>, StoreError>;
    /// Invites a co-speaker by email.
    async fn invite_speaker(
        &self,
        proposal: ProposalId,
        email: &str,
        invite_hash: &str,
    ) -> Result<(), StoreError>;
    /// Accepts a co-speaker invitation.
    async fn accept_speaker_invite(
        &self,
        invite_hash: &str,
        user: UserId,
    ) -> Result<ProposalId, StoreError>;
    /// Removes a co-speaker or invitation.
    async fn remove_speaker(&self, proposal: ProposalId, email: &str) -> Result<(), StoreError>;
    /// A user's speaker profile for a conference.
    async fn profile(
        &self,
        user: UserId,
        conference: ConferenceId,
    ) -> Result<Option<SpeakerProfile>, StoreError>;
    /// Saves it (and updates their program speaker, if any).
    async fn save_profile(
        &self,
        user: UserId,
        conference: ConferenceId,
        profile: &SpeakerProfile,
    ) -> Result<(), StoreError>;
    /// A proposal's comments, oldest first.
    async fn comments(&self, proposal: ProposalId) -> Result<Vec<Comment>, StoreError>;
    /// One comment.
    async fn comment(&self, id: i64) -> Result<Comment, StoreError>;
    /// Adds a comment (answering `parent`).
    async fn add_comment(
        &self,
        proposal: ProposalId,
        user: UserId,
        parent: Option<i64>,
        body: &str,
    ) -> Result<i64, StoreError>;
    /// Edits (Some) or deletes (None) one's own comment.
    async fn change_comment(
        &self,
        id: i64,
        author: UserId,
        body: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Hides or marks a comment as spam.
    async fn moderate_comment(&self, id: i64, hidden: bool, spam: bool) -> Result<(), StoreError>;
    /// Sets or removes a vote.
    async fn vote(
        &self,
        proposal: ProposalId,
        user: UserId,
        value: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Every vote of a conference.
    async fn votes(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, UserId, i64)>, StoreError>;
    /// Votes per proposal, counted by the database: (proposal, up, down).
    async fn vote_counts(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, i64, i64)>, StoreError>;
    /// One user's votes in a conference.
    async fn votes_of(
        &self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<(ProposalId, i64)>, StoreError>;
    /// Saves a review (one per reviewer and proposal).
    async fn save_review(&self, review: &Review) -> Result<(), StoreError>;
    /// Every review of a conference.
    async fn reviews(&self, conference: ConferenceId) -> Result<Vec<Review>, StoreError>;
    /// Reviewer assignments.
    async fn assignments(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, UserId)>, StoreError>;
    /// Adds assignments.
    async fn add_assignments(&self, new: &[(ProposalId, UserId)]) -> Result<(), StoreError>;
    /// Declared conflicts of interest.
    async fn conflicts(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, UserId)>, StoreError>;
    /// Declares or withdraws a conflict.
    async fn set_conflict(
        &self,
        proposal: ProposalId,
        user: UserId,
        conflict: bool,
    ) -> Result<(), StoreError>;
    /// Reviewer teams (reviewer, track).
    async fn reviewer_tracks(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(UserId, TrackId)>, StoreError>;
    /// Sets a reviewer's tracks (none: all).
    async fn set_reviewer_tracks(
        &self,
        conference: ConferenceId,
        user: UserId,
        tracks: &[TrackId],
    ) -> Result<(), StoreError>;
    /// People with a role: (id, name, email).
    async fn people_with_role(
        &self,
        conference: ConferenceId,
        role: Role,
    ) -> Result<Vec<(UserId, String, String)>, StoreError>;
    /// Stages or clears decisions; returns how many changed.
    async fn stage(
        &self,
        conference: ConferenceId,
        ids: &[ProposalId],
        decision: Option<Decision>,
    ) -> Result<u64, StoreError>;
    /// Releases staged decisions and queues their emails, in one transaction.
    async fn release(
        &self,
        conference: ConferenceId,
        decisions: &[(ProposalId, Decision)],
        mails: &[crate::NewMail],
    ) -> Result<Vec<ProposalId>, StoreError>;
    /// A speaker confirms (a talk is created) or declines an acceptance.
    async fn confirm(
        &self,
        proposal: ProposalId,
        user: UserId,
        accept: bool,
    ) -> Result<Option<TalkId>, StoreError>;
}

#[async_trait::async_trait]
impl CfpStore for crate::SqlStore {
    async fn settings(&self, conference: ConferenceId) -> Result<CfpSettings, StoreError> {
        settings(&self.pool, conference).await
    }
    async fn save_settings(
        &self,
        conference: ConferenceId,
        s: &CfpSettings,
    ) -> Result<(), StoreError> {
        save_settings(&self.pool, conference, s).await
    }
    async fn create_proposal(&self, new: &NewProposal) -> Result<(ProposalId, bool), StoreError> {
        create_proposal(&self.pool, new).await
    }
    async fn update_proposal(
        &self,
        id: ProposalId,
        form: &ProposalForm,
        submit: bool,
    ) -> Result<(), StoreError> {
        update_proposal(&self.pool, id, form, submit).await
    }
    async fn set_state(
        &self,
        id: ProposalId,
        from: &[ProposalState],
        to: ProposalState,
    ) -> Result<(), StoreError> {
        set_state(&self.pool, id, from, to).await
    }
    async fn proposal(&self, id: ProposalId) -> Result<Proposal, StoreError> {
        proposal(&self.pool, id).await
    }
    async fn proposals(&self, conference: ConferenceId) -> Result<Vec<Proposal>, StoreError> {
        proposals(&self.pool, conference).await
    }
    async fn proposal_heads(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<ProposalHead>, StoreError> {
        proposal_heads(&self.pool, conference).await
    }
    async fn proposals_of(&self, user: UserId) -> Result<Vec<Proposal>, StoreError> {
        proposals_of(&self.pool, user).await
    }
    async fn invite_speaker(
        &self,
        proposal: ProposalId,
        email: &str,
        invite_hash: &str,
    ) -> Result<(), StoreError> {
        invite_speaker(&self.pool, proposal, email, invite_hash).await
    }
    async fn accept_speaker_invite(
        &self,
        invite_hash: &str,
        user: UserId,
    ) -> Result<ProposalId, StoreError> {
        accept_speaker_invite(&self.pool, invite_hash, user).await
    }
    async fn remove_speaker(&self, proposal: ProposalId, email: &str) -> Result<(), StoreError> {
        remove_speaker(&self.pool, proposal, email).await
    }
    async fn profile(
        &self,
        user: UserId,
        conference: ConferenceId,
    ) -> Result<Option<SpeakerProfile>, StoreError> {
        profile(&self.pool, user, conference).await
    }
    async fn save_profile(
        &self,
        user: UserId,
        conference: ConferenceId,
        p: &SpeakerProfile,
    ) -> Result<(), StoreError> {
        let result = save_profile(&self.pool, user, conference, p).await;
        self.announce(conference, result)
    }
    async fn comments(&self, proposal: ProposalId) -> Result<Vec<Comment>, StoreError> {
        comments(&self.pool, proposal).await
    }
    async fn comment(&self, id: i64) -> Result<Comment, StoreError> {
        comment(&self.pool, id).await
    }
    async fn add_comment(
        &self,
        proposal: ProposalId,
        user: UserId,
        parent: Option<i64>,
        body: &str,
    ) -> Result<i64, StoreError> {
        add_comment(&self.pool, proposal, user, parent, body).await
    }
    async fn change_comment(
        &self,
        id: i64,
        author: UserId,
        body: Option<&str>,
    ) -> Result<(), StoreError> {
        change_comment(&self.pool, id, author, body).await
    }
    async fn moderate_comment(&self, id: i64, hidden: bool, spam: bool) -> Result<(), StoreError> {
        moderate_comment(&self.pool, id, hidden, spam).await
    }
    async fn vote(
        &self,
        proposal: ProposalId,
        user: UserId,
        value: Option<i64>,
    ) -> Result<(), StoreError> {
        vote(&self.pool, proposal, user, value).await
    }
    async fn votes(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, UserId, i64)>, StoreError> {
        votes(&self.pool, conference).await
    }
    async fn vote_counts(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, i64, i64)>, StoreError> {
        vote_counts(&self.pool, conference).await
    }
    async fn votes_of(
        &self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<(ProposalId, i64)>, StoreError> {
        votes_of(&self.pool, conference, user).await
    }
    async fn save_review(&self, review: &Review) -> Result<(), StoreError> {
        save_review(&self.pool, review).await
    }
    async fn reviews(&self, conference: ConferenceId) -> Result<Vec<Review>, StoreError> {
        // The revision first, then the rows: a review saved in between makes the cached rows
        // newer than their revision, which only costs a re-read next time.
        let revision = review_revision(&self.pool, conference).await?;
        if let Some(cached) = self.reviews.cached(conference, revision) {
            return Ok(cached.as_ref().clone());
        }
        let fresh = reviews(&self.pool, conference).await?;
        self.reviews
            .keep(conference, revision, std::sync::Arc::new(fresh.clone()));
        Ok(fresh)
    }
    async fn assignments(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, UserId)>, StoreError> {
        assignments(&self.pool, conference).await
    }
    async fn add_assignments(&self, new: &[(ProposalId, UserId)]) -> Result<(), StoreError> {
        add_assignments(&self.pool, new).await
    }
    async fn conflicts(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ProposalId, UserId)>, StoreError> {
        conflicts(&self.pool, conference).await
    }
    async fn set_conflict(
        &self,
        proposal: ProposalId,
        user: UserId,
        conflict: bool,
    ) -> Result<(), StoreError> {
        set_conflict(&self.pool, proposal, user, conflict).await
    }
    async fn reviewer_tracks(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(UserId, TrackId)>, StoreError> {
        reviewer_tracks(&self.pool, conference).await
    }
    async fn set_reviewer_tracks(
        &self,
        conference: ConferenceId,
        user: UserId,
        tracks: &[TrackId],
    ) -> Result<(), StoreError> {
        set_reviewer_tracks(&self.pool, conference, user, tracks).await
    }
    async fn people_with_role(
        &self,
        conference: ConferenceId,
        role: Role,
    ) -> Result<Vec<(UserId, String, String)>, StoreError> {
        people_with_role(&self.pool, conference, role).await
    }
    async fn stage(
        &self,
        conference: ConferenceId,
        ids: &[ProposalId],
        decision: Option<Decision>,
    ) -> Result<u64, StoreError> {
        stage(&self.pool, conference, ids, decision).await
    }
    async fn release(
        &self,
        conference: ConferenceId,
        decisions: &[(ProposalId, Decision)],
        mails: &[crate::NewMail],
    ) -> Result<Vec<ProposalId>, StoreError> {
        release(&self.pool, conference, decisions, mails).await
    }
    async fn confirm(
        &self,
        proposal: ProposalId,
        user: UserId,
        accept: bool,
    ) -> Result<Option<TalkId>, StoreError> {
        let conference = self::proposal(&self.pool, proposal).await?.conference;
        let result = confirm(&self.pool, proposal, user, accept).await;
        self.announce(conference, result)
    }
}
