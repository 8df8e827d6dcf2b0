//! The email outbox: every email podium sends is first a row here, written in the same
//! transaction as the change that causes it (the transactional outbox), then sent by the mail
//! worker (`podium-jobs`). This module only stores and hands out rows; it never talks SMTP.
//!
//! A row's life: `held` (waits for an organizer) or `queued` → `sending` (claimed by a worker
//! until its lease ends) → `sent`, or back to `queued` with a later `send_after` after a failed
//! attempt, or `failed` once [`MAX_MAIL_ATTEMPTS`] attempts failed or the error is permanent.
//! A `sending` row whose lease expired (its worker died) is claimed again.

use base64::Engine;
use podium_domain::ConferenceId;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;

/// Attempts after which a mail that keeps failing is given up (`failed`).
pub const MAX_MAIL_ATTEMPTS: i64 = 8;

/// The text kept instead of the body of a sent mail whose kind starts with `account.`: those
/// carry one-time links (verification, password reset) whose tokens are otherwise stored only
/// as hashes.
pub const BODY_NOT_KEPT: &str = "(Not kept after sending: it contained a one-time link.)";

/// A mail to put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// The conference it belongs to (shown on its organizers' outbox page); `None` for account
    /// mails.
    pub conference: Option<ConferenceId>,
    /// What it is for, such as `account.verify` or `invitation`; kinds starting with
    /// `account.` have their body dropped once sent.
    pub kind: String,
    /// Recipient address.
    pub to_address: String,
    /// Recipient display name ('' when unknown).
    pub to_name: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// Files sent along.
    pub attachments: Vec<MailAttachment>,
    /// Hold it until an organizer sends it (`send_held`) instead of queueing it now.
    pub hold: bool,
}

/// A file attached to a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// File name shown to the recipient.
    pub filename: String,
    /// MIME type, such as `text/calendar` or `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub body: Vec<u8>,
}

/// Where a mail is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    /// Waits for an organizer to send it.
    Held,
    /// Due at `send_after`.
    Queued,
    /// Claimed by a worker (until `locked_until`).
    Sending,
    /// Handed to the SMTP server or written as a file.
    Sent,
    /// Given up; `last_error` says why.
    Failed,
}

impl MailStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Held => "held",
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<MailStatus, StoreError> {
        Ok(match s {
            "held" => MailStatus::Held,
            "queued" => MailStatus::Queued,
            "sending" => MailStatus::Sending,
            "sent" => MailStatus::Sent,
            "failed" => MailStatus::Failed,
            other => {
                return Err(StoreError::Corrupt {
                    table: "outbox",
                    detail: format!("unknown status {other:?}"),
                });
            }
        })
    }
}

/// A mail as stored, with everything needed to send or show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Its id.
    pub id: i64,
    /// The conference, if any.
    pub conference: Option<ConferenceId>,
    /// What it is for.
    pub kind: String,
    /// Recipient address.
    pub to_address: String,
    /// Recipient name ('' when unknown).
    pub to_name: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body ([`BODY_NOT_KEPT`] for sent account mails).
    pub body_text: String,
    /// Attached files.
    pub attachments: Vec<MailAttachment>,
    /// Where it is in its life.
    pub status: MailStatus,
    /// When it was put in the outbox, unix seconds.
    pub created_at: i64,
    /// Not sent before this, unix seconds.
    pub send_after: i64,
    /// Sending attempts so far (a claim counts as one).
    pub attempts: i64,
    /// When it was sent, unix seconds.
    pub sent_at: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The RFC 5322 Message-ID with its angle brackets, fixed when it was queued.
    pub message_id: String,
}

/// One line of a conference's outbox list (no body or attachments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSummary {
    /// Its id.
    pub id: i64,
    /// What it is for.
    pub kind: String,
    /// Recipient address.
    pub to_address: String,
    /// Recipient name.
    pub to_name: String,
    /// Subject line.
    pub subject: String,
    /// Where it is in its life.
    pub status: MailStatus,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub sent_at: Option<i64>,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// Which held mails of a conference to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldMails<'a> {
    /// Every held mail of the conference.
    All,
    /// These ids (ids of other conferences or of mails not held are skipped).
    Ids(&'a [i64]),
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAttachment {
    filename: String,
    content_type: String,
    body: String,
}

fn attachments_json(attachments: &[MailAttachment]) -> Result<String, StoreError> {
    let stored: Vec<StoredAttachment> = attachments
        .iter()
        .map(|a| StoredAttachment {
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            body: base64::engine::general_purpose::STANDARD.encode(&a.body),
        })
        .collect();
    serde_json::to_string(&stored).map_err(|e| StoreError::Corrupt {
        table: "outbox",
        detail: format!("attachments: {e}"),
    })
}

fn attachments_of(json: &str) -> Result<Vec<MailAttachment>, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        table: "outbox",
        detail,
    };
    let stored: Vec<StoredAttachment> =
        serde_json::from_str(json).map_err(|e| corrupt(format!("attachments: {e}")))?;
    stored
        .into_iter()
        .map(|a| {
            Ok(MailAttachment {
                body: base64::engine::general_purpose::STANDARD
                    .decode(a.body.as_bytes())
                    .map_err(|e| corrupt(format!("attachment {}: {e}", a.filename)))?,
                filename: a.filename,
                content_type: a.content_type,
            })
        })
        .collect()
}

/// A fresh Message-ID: 128 random bits. The right-hand side is fixed rather than the sender's
/// domain because the From address is the worker's setting, unknown here, and the id must not
/// change between a crashed attempt and its retry.
fn new_message_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Corrupt {
        table: "outbox",
        detail: format!("no randomness for a Message-ID: {e}"),
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("<{hex}@podium.outbox>"))
}

/// Puts a mail in the outbox on `conn`, which may be inside the caller's transaction: the mail
/// then exists if and only if the caller's change commits. Returns the mail's id.
pub(crate) async fn enqueue(conn: &mut AnyConnection, mail: &NewMail) -> Result<i64, StoreError> {
    let now = jiff::Timestamp::now().as_second();
    let status = if mail.hold {
        MailStatus::Held
    } else {
        MailStatus::Queued
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (conference_id, kind, to_address, to_name, subject, body_text, attachments, \
         status, created_at, send_after, attempts, message_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11) RETURNING id",
    )
    .bind(mail.conference.map(|c| c.0))
    .bind(&mail.kind)
    .bind(mail.to_address.trim())
    .bind(&mail.to_name)
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .bind(attachments_json(&mail.attachments)?)
    .bind(status.as_str())
    .bind(now)
    .bind(now)
    .bind(new_message_id()?)
    .fetch_one(&mut *conn)
    .await?;
    tracing::debug!(mail.id = id, mail.kind = %mail.kind, "mail queued");
    Ok(id)
}

/// The columns `mail_of` reads, as a literal so queries stay `&'static str`.
macro_rules! columns {
    () => {
        "id, conference_id, kind, to_address, to_name, subject, body_text, attachments, status, \
         created_at, send_after, attempts, sent_at, last_error, message_id"
    };
}

fn mail_of(row: &sqlx::any::AnyRow) -> Result<Mail, StoreError> {
    let attachments: String = row.try_get("attachments")?;
    let status: String = row.try_get("status")?;
    Ok(Mail {
        id: row.try_get("id")?,
        conference: row
            .try_get::<Option<i64>, _>("conference_id")?
            .map(ConferenceId),
        kind: row.try_get("kind")?,
        to_address: row.try_get("to_address")?,
        to_name: row.try_get("to_name")?,
        subject: row.try_get("subject")?,
        body_text: row.try_get("body_text")?,
        attachments: attachments_of(&attachments)?,
        status: MailStatus::parse(&status)?,
        created_at: row.try_get("created_at")?,
        send_after: row.try_get("send_after")?,
        attempts: row.try_get("attempts")?,
        sent_at: row.try_get("sent_at")?,
        last_error: row.try_get("last_error")?,
        message_id: row.try_get("message_id")?,
    })
}

pub(crate) async fn queue(pool: &AnyPool, mail: &NewMail) -> Result<i64, StoreError> {
    let mut conn = pool.acquire().await?;
    enqueue(&mut conn, mail).await
}

pub(crate) async fn of_conference(
    pool: &AnyPool,
    conference: ConferenceId,
) -> Result<Vec<MailSummary>, StoreError> {
    sqlx::query(
        "SELECT id, kind, to_address, to_name, subject, status, created_at, sent_at, attempts, last_error \
         FROM outbox WHERE conference_id = $1 ORDER BY id DESC",
    )
    .bind(conference.0)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let status: String = r.try_get("status")?;
        Ok(MailSummary {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            to_address: r.try_get("to_address")?,
            to_name: r.try_get("to_name")?,
            subject: r.try_get("subject")?,
            status: MailStatus::parse(&status)?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            attempts: r.try_get("attempts")?,
            last_error: r.try_get("last_error")?,
        })
    })
    .collect()
}

pub(crate) async fn one(
    pool: &AnyPool,
    conference: Option<ConferenceId>,
    id: i64,
) -> Result<Mail, StoreError> {
    // `conference_id = NULL` is never true, so account mails need their own condition.
    let query = match conference {
        Some(c) => sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM outbox WHERE id = $1 AND conference_id = $2"
        ))
        .bind(id)
        .bind(c.0),
        None => sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM outbox WHERE id = $1 AND conference_id IS NULL"
        ))
        .bind(id),
    };
    let row = query
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("mail"))?;
    mail_of(&row)
}

pub(crate) async fn send_held(
    pool: &AnyPool,
    conference: ConferenceId,
    which: HeldMails<'_>,
) -> Result<u64, StoreError> {
    let now = jiff::Timestamp::now().as_second();
    match which {
        HeldMails::All => Ok(sqlx::query(
            "UPDATE outbox SET status = 'queued', send_after = $1 \
             WHERE conference_id = $2 AND status = 'held'",
        )
        .bind(now)
        .bind(conference.0)
        .execute(pool)
        .await?
        .rows_affected()),
        HeldMails::Ids(ids) => {
            let mut tx = crate::backend::begin(pool).await?;
            let mut moved = 0;
            for id in ids {
                moved += sqlx::query(
                    "UPDATE outbox SET status = 'queued', send_after = $1 \
                     WHERE conference_id = $2 AND status = 'held' AND id = $3",
                )
                .bind(now)
                .bind(conference.0)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(moved)
        }
    }
}

/// Claims one due mail with a single conditional `UPDATE … RETURNING`, which both backends run
/// atomically: on PostgreSQL a second worker racing for the same row waits for the first one's
/// commit, re-checks the condition on the updated row and gets nothing; SQLite runs one writer
/// at a time. Queued mail is taken in `send_after` order.
pub(crate) async fn claim(
    pool: &AnyPool,
    now: i64,
    lease_seconds: i64,
) -> Result<Option<Mail>, StoreError> {
    // A mail whose worker died during every attempt (a crash it causes, say) stops here.
    sqlx::query(
        "UPDATE outbox SET status = 'failed', locked_until = NULL, \
         last_error = COALESCE(last_error, 'the worker stopped during every attempt') \
         WHERE status = 'sending' AND locked_until <= $1 AND attempts >= $2",
    )
    .bind(now)
    .bind(MAX_MAIL_ATTEMPTS)
    .execute(pool)
    .await?;
    macro_rules! due {
        () => {
            "((status = 'queued' AND send_after <= $1) OR (status = 'sending' AND locked_until <= $1))"
        };
    }
    let row = sqlx::query(concat!(
        "UPDATE outbox SET status = 'sending', locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM outbox WHERE ",
        due!(),
        " ORDER BY send_after, id LIMIT 1) AND ",
        due!(),
        " RETURNING ",
        columns!()
    ))
    .bind(now)
    .bind(now + lease_seconds)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(mail_of).transpose()
}

pub(crate) async fn mark_sent(pool: &AnyPool, id: i64, now: i64) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = NULL, \
         body_text = CASE WHEN kind LIKE 'account.%' THEN $2 ELSE body_text END \
         WHERE id = $3 AND status = 'sending'",
    )
    .bind(now)
    .bind(BODY_NOT_KEPT)
    .bind(id)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("mail being sent"));
    }
    Ok(())
}

pub(crate) async fn mark_failed(
    pool: &AnyPool,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<MailStatus, StoreError> {
    // A retry only while attempts are left; `retry_at` None means the error is permanent.
    let status: Option<String> = sqlx::query_scalar(
        "UPDATE outbox SET locked_until = NULL, last_error = $1, \
         status = CASE WHEN $2 = 1 AND attempts < $3 THEN 'queued' ELSE 'failed' END, \
         send_after = CASE WHEN $2 = 1 AND attempts < $3 THEN $4 ELSE send_after END \
         WHERE id = $5 AND status = 'sending' RETURNING status",
    )
    .bind(error)
    .bind(i64::from(retry_at.is_some()))
    .bind(MAX_MAIL_ATTEMPTS)
    .bind(retry_at.unwrap_or(0))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    MailStatus::parse(&status.ok_or(StoreError::NotFound("mail being sent"))?)
}
