//! podium's storage: the `Store` trait with use-case shaped methods, implemented once over
//! sqlx's `AnyPool` with one set of queries that SQLite and PostgreSQL both understand.
//!
//! Rules that keep one query set portable: `$1` placeholders, integers as BIGINT (decoded as
//! `i64`), instants as unix seconds, lists as JSON text, booleans as 0/1. Backend-specific SQL
//! lives in `backend.rs` only.
//!
//! Every write that bumps a conference's `revision` (a public change) is announced after its
//! commit on [`Store::watch_changes`], so the web layer learns of it without polling. Such a
//! write must go through a `SqlStore` method that calls `self.changed(conference)`.

mod account_token;
mod backend;
mod cfp;
mod dump;
mod edit;
mod feed;
mod feedback;
mod instance;
mod interest;
mod invitation;
mod merge;
mod outbox;
mod program;
mod session;
mod slides;
mod token;
mod user;
mod version;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use podium_domain::{
    Conference, ConferenceId, NewBreak, NewProgram, NewSession, NewSponsor, NewTalk, Placement,
    Program, ProgramError, Role, RoomId, ScheduleVersion, SessionId, SpeakerId, TalkId, UserId,
    VersionId,
};

pub use account_token::{Account, NewAccountToken, TokenPurpose};
pub use backend::{Backend, redact_url};
pub use cfp::{CfpStore, NewProposal};
pub use dump::{ConferenceDump, DUMP_FORMAT, DumpError, DumpUser, MoveReport};
pub use feed::{ChangeRow, doc};
pub use feedback::{Feedback, KudosState, NewFeedback};
pub use instance::Instance;
pub use invitation::{Invitation, NewInvitation, TeamMember};
pub use merge::ImportReport;
pub use outbox::{
    BODY_NOT_KEPT, HeldMails, MAX_MAIL_ATTEMPTS, Mail, MailAttachment, MailStatus, MailSummary,
    NewMail,
};
pub use podium_domain::SlideFile;
pub use session::{Credentials, Login, NewLogin};
pub use slides::{CountDelta, NewSlideFile, TalkCounts};
pub use token::ApiToken;
pub use user::NewUser;
pub use version::{ReleaseMails, ReleasedVersion};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness or reference rule refused the write; `constraint` names it.
    #[error("conflict on {constraint}")]
    Conflict {
        /// The constraint's name (PostgreSQL) or SQLite's description of it.
        constraint: String,
    },
    /// The input broke a domain rule.
    #[error(transparent)]
    Invalid(#[from] ProgramError),
    /// Stored data that cannot be read back (a bug or a hand-edited database).
    #[error("corrupt data in {table}: {detail}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
}

impl StoreError {
    /// True for `Conflict`.
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }

    /// True when PostgreSQL refused text it cannot store: a NUL character (SQLSTATE 22021,
    /// "invalid byte sequence"), which a client can send in any form field or URL (`%00`).
    /// The input's fault, not the server's: callers answer 422, never 500.
    pub fn is_unstorable_text(&self) -> bool {
        matches!(self, StoreError::Other(sqlx::Error::Database(db))
            if matches!(db.code().as_deref(), Some("22021" | "22P05")))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("row"),
            sqlx::Error::Database(db)
                if matches!(
                    db.kind(),
                    sqlx::error::ErrorKind::UniqueViolation
                        | sqlx::error::ErrorKind::ForeignKeyViolation
                ) =>
            {
                StoreError::Conflict {
                    constraint: db
                        .constraint()
                        .map_or_else(|| db.message().to_owned(), str::to_owned),
                }
            }
            _ => StoreError::Other(e),
        }
    }
}

/// Everything podium reads and writes. One implementation serves SQLite and PostgreSQL.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// The call for proposals: settings, proposals, comments, votes, reviews, decisions.
    fn cfp(&self) -> &dyn CfpStore;

    /// Every conference, newest first.
    async fn list_conferences(&self) -> Result<Vec<Conference>, StoreError>;

    /// The conference with this slug, or `NotFound`.
    async fn conference_by_slug(&self, slug: &str) -> Result<Conference, StoreError>;

    /// The conference's public program: its latest released schedule version.
    async fn program(&self, conference: ConferenceId) -> Result<Program, StoreError>;

    /// The public program of the conference with this slug, served from memory. A cached
    /// program is trusted without asking the database until this store writes a public change
    /// (announced on [`Store::watch_changes`]), [`Store::changed_elsewhere`] is called, or
    /// [`TRUST_CACHE_FOR`] has passed; then one small query compares the conference's
    /// `revision` and the program is read again only when it moved. So public traffic does not
    /// touch the database, and a change made elsewhere without a signal (another process
    /// writing the same database, a lost Redis message) shows within that interval.
    async fn program_by_slug(&self, slug: &str) -> Result<Arc<Program>, StoreError>;

    /// Tells the store that a conference's public program may have changed through another
    /// process (another instance, heard of through Redis): its cached program is checked
    /// against the database on next use.
    fn changed_elsewhere(&self);

    /// Creates a conference with its rooms, tracks, speakers, talks, grid and placements, in one
    /// transaction: all or nothing. The program is validated first.
    async fn create_program(&self, program: &NewProgram) -> Result<ConferenceId, StoreError>;

    /// Adds a sponsor at the end of the conference's list (validated first).
    async fn add_sponsor(
        &self,
        conference: ConferenceId,
        sponsor: &NewSponsor,
    ) -> Result<i64, StoreError>;

    /// Removes one of the conference's sponsors.
    async fn remove_sponsor(&self, conference: ConferenceId, id: i64) -> Result<(), StoreError>;

    /// Saves (or replaces) one attendee's feedback on a talk.
    async fn save_feedback(&self, feedback: &NewFeedback) -> Result<(), StoreError>;

    /// Every feedback of the conference, by talk, newest first.
    async fn feedback_of(&self, conference: ConferenceId) -> Result<Vec<Feedback>, StoreError>;

    /// One attendee's feedback on a talk.
    async fn my_feedback(&self, talk: TalkId, user: UserId)
    -> Result<Option<Feedback>, StoreError>;

    /// Approves or hides the public kudos of one feedback of the conference.
    async fn moderate_kudos(
        &self,
        conference: ConferenceId,
        feedback: i64,
        state: KudosState,
    ) -> Result<(), StoreError>;

    /// Links a speaker of the conference to a user account.
    async fn link_speaker(
        &self,
        conference: ConferenceId,
        speaker: SpeakerId,
        user: UserId,
    ) -> Result<(), StoreError>;

    /// The conference's speakers linked to `user`.
    async fn speakers_of(
        &self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<SpeakerId>, StoreError>;

    /// The conference's revision: it moves with every change to its public program.
    async fn conference_revision(&self, conference: ConferenceId) -> Result<i64, StoreError>;

    /// Conferences whose revision this store has just moved, each announced after the write
    /// committed (writes by other processes are not seen here). A receiver that falls more than
    /// [`CHANGE_BACKLOG`] behind gets `Lagged` and should re-read what it watches.
    fn watch_changes(&self) -> tokio::sync::broadcast::Receiver<ConferenceId>;

    /// The changes feed: rows after `since` (at most `limit`, oldest first) and the
    /// conference's last seq.
    async fn changes_since(
        &self,
        conference: ConferenceId,
        since: i64,
        limit: i64,
    ) -> Result<(Vec<ChangeRow>, i64), StoreError>;

    /// Stores an API token's hash for an organizer of `conference`; returns the token's id.
    async fn create_api_token(
        &self,
        conference: ConferenceId,
        user: UserId,
        name: &str,
        hash: &str,
    ) -> Result<i64, StoreError>;

    /// The conference's API tokens, oldest first.
    async fn api_tokens(&self, conference: ConferenceId) -> Result<Vec<ApiToken>, StoreError>;

    /// Deletes one of the conference's API tokens.
    async fn revoke_api_token(&self, conference: ConferenceId, id: i64) -> Result<(), StoreError>;

    /// The conference and user a token hash belongs to.
    async fn api_token_owner(&self, hash: &str) -> Result<(ConferenceId, UserId), StoreError>;

    /// Creates (`id` None) or replaces every field of one talk; track and speakers are found by
    /// name (case-insensitive) and created when missing. One transaction.
    async fn save_talk(
        &self,
        conference: ConferenceId,
        id: Option<TalkId>,
        talk: &NewTalk,
    ) -> Result<TalkId, StoreError>;

    /// Adds one session to the day grid in `room` (its `room` key is ignored), cut into slots;
    /// `Conflict` when it overlaps another session of that room.
    async fn add_session(
        &self,
        conference: ConferenceId,
        room: RoomId,
        session: &NewSession,
    ) -> Result<SessionId, StoreError> {
        let ids = self
            .add_grid(conference, &[(room, session.clone())], &[])
            .await?;
        ids.into_iter()
            .next()
            .ok_or(StoreError::NotFound("session"))
    }

    /// Adds sessions (each in its room, cut into slots) and breaks to the grid, all or nothing
    /// (each validated first); `Conflict` naming the room and time on an overlap.
    async fn add_grid(
        &self,
        conference: ConferenceId,
        sessions: &[(RoomId, NewSession)],
        breaks: &[NewBreak],
    ) -> Result<Vec<SessionId>, StoreError>;

    /// Removes one session (with its slots) or one break of the grid.
    async fn remove_grid_item(
        &self,
        conference: ConferenceId,
        session: Option<SessionId>,
        break_id: Option<i64>,
    ) -> Result<(), StoreError>;

    /// Re-imports `program` into an existing conference: updates talks matched by GUID (or a
    /// unique title), adds what is new, never duplicates (rules in the `merge` module). One
    /// transaction; with `dry_run` it reports what it would do and changes nothing.
    async fn import_into(
        &self,
        conference: ConferenceId,
        program: &NewProgram,
        dry_run: bool,
    ) -> Result<ImportReport, StoreError>;

    /// Creates a user account; `Conflict { constraint: "users_email_key" }` if the email is taken.
    async fn create_user(&self, user: &NewUser) -> Result<UserId, StoreError>;

    /// Gives a user a role in a conference (idempotent).
    async fn grant_role(
        &self,
        user: UserId,
        conference: ConferenceId,
        role: Role,
    ) -> Result<(), StoreError>;

    /// The user's roles in a conference.
    async fn roles(&self, user: UserId, conference: ConferenceId) -> Result<Vec<Role>, StoreError>;

    /// The account with this email (case-insensitive), for logging in; `NotFound` if none.
    async fn credentials(&self, email: &str) -> Result<Credentials, StoreError>;

    /// Records a new log-in session.
    async fn create_login(&self, login: &NewLogin) -> Result<(), StoreError>;

    /// The unexpired session with this token (`now` in unix seconds), or `NotFound`.
    async fn login(&self, token: &str, now: i64) -> Result<Login, StoreError>;

    /// The `Login` of a session kept outside the database (in Redis): the user's email and
    /// name with the session's form token; `NotFound` if the user is gone.
    async fn login_of(&self, user: UserId, csrf_token: &str) -> Result<Login, StoreError>;

    /// Ends every session of the user kept in the database (idempotent).
    async fn delete_logins_of(&self, user: UserId) -> Result<(), StoreError>;

    /// Ends a session (idempotent).
    async fn delete_login(&self, token: &str) -> Result<(), StoreError>;

    /// The work-in-progress schedule version and its placements. Created on first use as a
    /// copy of the latest released version, so organizers start from what is published.
    async fn wip(
        &self,
        conference: ConferenceId,
    ) -> Result<(ScheduleVersion, Vec<Placement>), StoreError>;

    /// Replaces the WIP version's placements (one transaction). Placements naming a talk or
    /// room of another conference are skipped.
    async fn replace_wip(
        &self,
        conference: ConferenceId,
        placements: &[Placement],
    ) -> Result<(), StoreError>;

    /// Publishes a copy of the WIP version as a released version named `name`.
    async fn release(&self, conference: ConferenceId, name: &str) -> Result<VersionId, StoreError>;

    /// Releases the WIP version under `name` like [`Store::release`] and, in the same
    /// transaction, puts in the outbox the mails `mails` makes from what was released (the
    /// transactional outbox: both commit or neither does).
    async fn release_and_mail(
        &self,
        conference: ConferenceId,
        name: &str,
        mails: &ReleaseMails<'_>,
    ) -> Result<VersionId, StoreError>;

    /// The conference's cancelled talks (see [`Store::set_talk_cancelled`]).
    async fn cancelled_talks(&self, conference: ConferenceId) -> Result<Vec<TalkId>, StoreError>;

    /// Cancels a talk (it leaves the WIP version in the same transaction, and stays out of
    /// the engine's instances) or restores it, unplaced. Idempotent; `NotFound` if the talk is
    /// not the conference's. Released versions are untouched until the next release.
    async fn set_talk_cancelled(
        &self,
        conference: ConferenceId,
        talk: TalkId,
        cancelled: bool,
    ) -> Result<(), StoreError>;

    /// Released versions, newest first.
    async fn released_versions(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<ScheduleVersion>, StoreError>;

    /// Every released version with its placements, oldest first (for the changelog).
    async fn release_history(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ScheduleVersion, Vec<Placement>)>, StoreError>;

    /// Marks (or unmarks) a talk as one the user wants to see (idempotent).
    async fn set_interest(
        &self,
        user: UserId,
        talk: TalkId,
        wanted: bool,
    ) -> Result<(), StoreError>;

    /// The talks a user wants to see, across conferences.
    async fn interests_of(&self, user: UserId) -> Result<Vec<TalkId>, StoreError>;

    /// The user's private agenda-feed token; `fresh` becomes it if they have none yet.
    async fn feed_token(&self, user: UserId, fresh: &str) -> Result<String, StoreError>;

    /// Whose agenda feed this token opens, or `NotFound`.
    async fn feed_owner(&self, token: &str) -> Result<UserId, StoreError>;

    /// Every attendee's wanted talks in a conference, by user.
    async fn wants(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(UserId, Vec<TalkId>)>, StoreError>;

    /// The talk's uploaded PDF, if any.
    async fn talk_slides(&self, talk: TalkId) -> Result<Option<SlideFile>, StoreError>;

    /// Records a stored PDF as the talk's slides (replacing any earlier one, which is
    /// returned so its bytes can be deleted). A public change: bumps the revision and writes
    /// the changes feed. `NotFound` if the talk is not the conference's.
    async fn replace_talk_slides(
        &self,
        conference: ConferenceId,
        talk: TalkId,
        file: &NewSlideFile,
    ) -> Result<Option<SlideFile>, StoreError>;

    /// Forgets the talk's uploaded PDF; returns it so its bytes can be deleted.
    async fn remove_talk_slides(
        &self,
        conference: ConferenceId,
        talk: TalkId,
    ) -> Result<Option<SlideFile>, StoreError>;

    /// Sets (or clears) the talk's slides link (`talks.slides_url`); a public change.
    async fn set_slides_link(
        &self,
        conference: ConferenceId,
        talk: TalkId,
        link: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Whether the user is linked (`speakers.user_id`) to a speaker of the talk.
    async fn is_speaker_of(&self, user: UserId, talk: TalkId) -> Result<bool, StoreError>;

    /// Adds views and downloads to the per-talk, per-day counters (one transaction; counts
    /// of talks deleted meanwhile are dropped).
    async fn add_talk_counts(&self, deltas: &[CountDelta]) -> Result<(), StoreError>;

    /// Every talk of the conference with its total views and downloads, by talk id.
    async fn talk_counts(&self, conference: ConferenceId) -> Result<Vec<TalkCounts>, StoreError>;

    /// Puts a mail in the outbox (queued, or held when `mail.hold`); returns its id. Code
    /// inside the store that changes something and mails about it uses `outbox::enqueue` on
    /// its own transaction instead, so both commit or neither does.
    async fn queue_mail(&self, mail: &NewMail) -> Result<i64, StoreError>;

    /// The conference's outbox, newest first (account mails have no conference and are not
    /// listed).
    async fn outbox(&self, conference: ConferenceId) -> Result<Vec<MailSummary>, StoreError>;

    /// One mail in full: of `conference`, or an account mail when `None`; `NotFound` otherwise.
    async fn outbox_mail(
        &self,
        conference: Option<ConferenceId>,
        id: i64,
    ) -> Result<Mail, StoreError>;

    /// Queues held mails of the conference (due now); returns how many were held.
    async fn send_held(
        &self,
        conference: ConferenceId,
        which: HeldMails<'_>,
    ) -> Result<u64, StoreError>;

    /// Claims one due mail for `lease_seconds` (`now` in unix seconds): a queued mail whose
    /// `send_after` has come, or one whose previous claim's lease ran out (its worker died).
    /// Atomic across workers and instances; counts an attempt. `None` when nothing is due.
    async fn claim_mail(&self, now: i64, lease_seconds: i64) -> Result<Option<Mail>, StoreError>;

    /// Records a claimed mail as sent at `now`; `NotFound` unless it is being sent.
    async fn mark_sent(&self, id: i64, now: i64) -> Result<(), StoreError>;

    /// Records a failed attempt of a claimed mail: queued again at `retry_at` while fewer than
    /// [`MAX_MAIL_ATTEMPTS`] attempts were made, else (or with `retry_at` None, a permanent
    /// error) `Failed`. Returns the new status.
    async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<MailStatus, StoreError>;

    /// The user's account (email, name, whether the address is verified).
    async fn account(&self, user: UserId) -> Result<Account, StoreError>;

    /// Records a one-time link's token hash and queues the mail carrying the link, in one
    /// transaction. Returns the mail's id.
    async fn create_account_token(
        &self,
        token: &NewAccountToken,
        mail: &NewMail,
    ) -> Result<i64, StoreError>;

    /// The user of a live (unused, unexpired at `now`) token; `NotFound` otherwise.
    async fn account_token_user(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: i64,
    ) -> Result<UserId, StoreError>;

    /// Uses a live verification token: the user's address counts as verified from `now` (or
    /// from earlier, if it was). `NotFound` for an unknown, used or expired token.
    async fn verify_email(&self, token_hash: &str, now: i64) -> Result<UserId, StoreError>;

    /// Uses a live password-reset token: sets the new password hash, voids the user's other
    /// reset links and ends all their sessions, in one transaction. `NotFound` for an unknown,
    /// used or expired token.
    async fn reset_password(
        &self,
        token_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> Result<UserId, StoreError>;

    /// Records an invitation and queues its mail, in one transaction; returns its id.
    async fn create_invitation(
        &self,
        invitation: &NewInvitation,
        mail: &NewMail,
    ) -> Result<i64, StoreError>;

    /// The conference's invitations not accepted yet (expired ones included), newest first.
    async fn pending_invitations(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<Invitation>, StoreError>;

    /// Withdraws a pending invitation of the conference; `NotFound` if there is none.
    async fn revoke_invitation(&self, conference: ConferenceId, id: i64) -> Result<(), StoreError>;

    /// The pending, unexpired invitation with this token hash; `NotFound` otherwise.
    async fn invitation(&self, token_hash: &str, now: i64) -> Result<Invitation, StoreError>;

    /// Accepts an invitation for `user`: grants its role (and counts the user's address as
    /// verified when the invitation went to it), in one transaction. `NotFound` for an
    /// unknown, accepted or expired invitation.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        user: UserId,
        now: i64,
    ) -> Result<Invitation, StoreError>;

    /// People with roles in the conference, by name.
    async fn team(&self, conference: ConferenceId) -> Result<Vec<TeamMember>, StoreError>;
}

/// Programs kept in memory, by slug, with the revision they were read at.
type ProgramCache = RwLock<ProgramMap>;

/// Slug → the cached program.
type ProgramMap = HashMap<String, CachedProgram>;

/// How long a cached program is served without asking the database, when no change has been
/// signalled meanwhile.
pub const TRUST_CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// A program kept in memory and when it was last known to be current.
#[derive(Debug)]
struct CachedProgram {
    conference: ConferenceId,
    revision: i64,
    program: Arc<Program>,
    /// When the revision was last read from the database...
    checked: std::time::Instant,
    /// ...and the store's change epoch just before that read.
    epoch: u64,
}

/// Per-conference data kept in memory with the revision it was read at.
#[derive(Debug)]
pub(crate) struct RevisionCache<T> {
    entries: std::sync::Mutex<HashMap<ConferenceId, (i64, Arc<T>)>>,
}

impl<T> Default for RevisionCache<T> {
    fn default() -> Self {
        RevisionCache {
            entries: std::sync::Mutex::default(),
        }
    }
}

impl<T> RevisionCache<T> {
    /// The conference's data if it was kept at exactly `revision`.
    pub(crate) fn cached(&self, conference: ConferenceId, revision: i64) -> Option<Arc<T>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(&conference)
            .filter(|(r, _)| *r == revision)
            .map(|(_, data)| data.clone())
    }

    /// Keeps the conference's data as read at `revision`.
    pub(crate) fn keep(&self, conference: ConferenceId, revision: i64, data: Arc<T>) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(conference, (revision, data));
    }
}

/// How many announced changes a slow [`Store::watch_changes`] receiver may fall behind.
pub const CHANGE_BACKLOG: usize = 256;

/// The `Store` over a sqlx `AnyPool`.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: sqlx::AnyPool,
    backend: Backend,
    programs: Arc<ProgramCache>,
    /// Moves with every change signalled to this store (its own writes and
    /// [`Store::changed_elsewhere`]); a cached program read at an older epoch is re-checked.
    epoch: Arc<std::sync::atomic::AtomicU64>,
    /// Each conference's reviews, by review revision.
    reviews: Arc<RevisionCache<Vec<podium_domain::Review>>>,
    changes: tokio::sync::broadcast::Sender<ConferenceId>,
}

impl SqlStore {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`) and runs the migrations
    /// of that backend.
    pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
        let (pool, backend) = backend::connect(url).await?;
        let store = SqlStore {
            pool,
            backend,
            programs: Arc::default(),
            epoch: Arc::default(),
            reviews: Arc::default(),
            changes: tokio::sync::broadcast::channel(CHANGE_BACKLOG).0,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Runs pending migrations (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        backend::migrate(&self.pool, self.backend).await
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, ProgramMap> {
        // A panic while holding the lock cannot leave the map half-written (inserts are single
        // calls), so a poisoned lock is still safe to read.
        self.programs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Announces that `conference`'s revision moved (call after the commit).
    fn changed(&self, conference: ConferenceId) {
        self.bump_epoch();
        // No receiver is fine: nobody is listening (the CLI, or before the server starts).
        let _ = self.changes.send(conference);
    }

    fn bump_epoch(&self) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Passes `result` through, announcing `conference`'s change when it is `Ok`.
    fn announce<T>(
        &self,
        conference: ConferenceId,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if result.is_ok() {
            self.changed(conference);
        }
        result
    }

    /// Records this process in the `instances` table (and prunes long-dead rows).
    pub async fn register_instance(&self, me: &Instance) -> Result<(), StoreError> {
        instance::register(&self.pool, me).await
    }

    /// Refreshes this process's `seen_at` to `now` (unix seconds).
    pub async fn instance_heartbeat(&self, id: &str, now: i64) -> Result<(), StoreError> {
        instance::heartbeat(&self.pool, id, now).await
    }

    /// Other processes whose last heartbeat is at or after `seen_since`, latest first.
    pub async fn other_instances(
        &self,
        id: &str,
        seen_since: i64,
    ) -> Result<Vec<Instance>, StoreError> {
        instance::others(&self.pool, id, seen_since).await
    }

    /// Removes this process's row (at a clean stop).
    pub async fn remove_instance(&self, id: &str) -> Result<(), StoreError> {
        instance::remove(&self.pool, id).await
    }
}

#[async_trait]
impl Store for SqlStore {
    fn cfp(&self) -> &dyn CfpStore {
        self
    }

    fn backend(&self) -> Backend {
        self.backend
    }

    async fn list_conferences(&self) -> Result<Vec<Conference>, StoreError> {
        program::list_conferences(&self.pool).await
    }

    async fn conference_by_slug(&self, slug: &str) -> Result<Conference, StoreError> {
        program::conference_by_slug(&self.pool, slug).await
    }

    async fn program(&self, conference: ConferenceId) -> Result<Program, StoreError> {
        program::load(&mut *self.pool.acquire().await?, conference).await
    }

    async fn program_by_slug(&self, slug: &str) -> Result<Arc<Program>, StoreError> {
        let epoch = self.epoch.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(c) = self.read_cache().get(slug)
            && c.epoch == epoch
            && c.checked.elapsed() < TRUST_CACHE_FOR
        {
            return Ok(c.program.clone());
        }
        // The epoch is taken before the revision is read: a change committed in between moves
        // it, so the entry written below is checked again on next use.
        let checked = std::time::Instant::now();
        let (id, revision) = program::revision(&self.pool, slug).await?;
        let cached = self
            .read_cache()
            .get(slug)
            .filter(|c| (c.conference, c.revision) == (id, revision))
            .map(|c| c.program.clone());
        let (revision, program) = match cached {
            Some(p) => (revision, p),
            None => {
                // One snapshot for the revision and every row of the program, so a write
                // committed meanwhile (by any process) cannot leave it half old, half new
                // under either revision.
                let mut tx = self.pool.begin().await?;
                backend::snapshot_reads(&mut tx, self.backend).await?;
                let (_, revision) = program::revision(&mut *tx, slug).await?;
                let p = program::load(&mut tx, id).await?;
                tx.commit().await?;
                (revision, Arc::new(p))
            }
        };
        self.programs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(
                slug.to_owned(),
                CachedProgram {
                    conference: id,
                    revision,
                    program: program.clone(),
                    checked,
                    epoch,
                },
            );
        Ok(program)
    }

    fn changed_elsewhere(&self) {
        self.bump_epoch();
    }

    async fn create_program(&self, new: &NewProgram) -> Result<ConferenceId, StoreError> {
        new.validate()?;
        let id = program::create(&self.pool, new).await?;
        self.changed(id);
        Ok(id)
    }

    async fn add_sponsor(
        &self,
        conference: ConferenceId,
        sponsor: &NewSponsor,
    ) -> Result<i64, StoreError> {
        sponsor.validate()?;
        let result = program::add_sponsor(&self.pool, conference, sponsor).await;
        self.announce(conference, result)
    }

    async fn remove_sponsor(&self, conference: ConferenceId, id: i64) -> Result<(), StoreError> {
        let result = program::remove_sponsor(&self.pool, conference, id).await;
        self.announce(conference, result)
    }

    async fn save_feedback(&self, feedback: &NewFeedback) -> Result<(), StoreError> {
        if let Some(conference) = feedback::save(&self.pool, feedback).await? {
            self.changed(conference);
        }
        Ok(())
    }

    async fn feedback_of(&self, conference: ConferenceId) -> Result<Vec<Feedback>, StoreError> {
        feedback::of_conference(&self.pool, conference).await
    }

    async fn my_feedback(
        &self,
        talk: TalkId,
        user: UserId,
    ) -> Result<Option<Feedback>, StoreError> {
        feedback::mine(&self.pool, talk, user).await
    }

    async fn moderate_kudos(
        &self,
        conference: ConferenceId,
        feedback: i64,
        state: KudosState,
    ) -> Result<(), StoreError> {
        let result = feedback::moderate(&self.pool, conference, feedback, state).await;
        self.announce(conference, result)
    }

    async fn link_speaker(
        &self,
        conference: ConferenceId,
        speaker: SpeakerId,
        user: UserId,
    ) -> Result<(), StoreError> {
        feedback::link_speaker(&self.pool, conference, speaker, user).await
    }

    async fn speakers_of(
        &self,
        conference: ConferenceId,
        user: UserId,
    ) -> Result<Vec<SpeakerId>, StoreError> {
        feedback::speakers_of(&self.pool, conference, user).await
    }

    async fn conference_revision(&self, conference: ConferenceId) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT revision FROM conferences WHERE id = $1")
            .bind(conference.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("conference"))
    }

    async fn changes_since(
        &self,
        conference: ConferenceId,
        since: i64,
        limit: i64,
    ) -> Result<(Vec<ChangeRow>, i64), StoreError> {
        feed::since(&self.pool, conference, since, limit).await
    }

    fn watch_changes(&self) -> tokio::sync::broadcast::Receiver<ConferenceId> {
        self.changes.subscribe()
    }

    async fn create_api_token(
        &self,
        conference: ConferenceId,
        user: UserId,
        name: &str,
        hash: &str,
    ) -> Result<i64, StoreError> {
        token::create(&self.pool, conference, user, name, hash).await
    }

    async fn api_tokens(&self, conference: ConferenceId) -> Result<Vec<ApiToken>, StoreError> {
        token::list(&self.pool, conference).await
    }

    async fn revoke_api_token(&self, conference: ConferenceId, id: i64) -> Result<(), StoreError> {
        token::revoke(&self.pool, conference, id).await
    }

    async fn api_token_owner(&self, hash: &str) -> Result<(ConferenceId, UserId), StoreError> {
        token::owner(&self.pool, hash).await
    }

    async fn save_talk(
        &self,
        conference: ConferenceId,
        id: Option<TalkId>,
        talk: &NewTalk,
    ) -> Result<TalkId, StoreError> {
        talk.validate_alone()?;
        let result = edit::save_talk(&self.pool, conference, id, talk).await;
        self.announce(conference, result)
    }

    async fn add_grid(
        &self,
        conference: ConferenceId,
        sessions: &[(RoomId, NewSession)],
        breaks: &[NewBreak],
    ) -> Result<Vec<SessionId>, StoreError> {
        for (_, session) in sessions {
            session.validate_alone()?;
        }
        for b in breaks {
            if b.ends_at <= b.starts_at {
                return Err(StoreError::Invalid(ProgramError::Invalid(format!(
                    "break {}: it must end after it starts",
                    b.label
                ))));
            }
        }
        let result = edit::add_grid(&self.pool, conference, sessions, breaks).await;
        self.announce(conference, result)
    }

    async fn remove_grid_item(
        &self,
        conference: ConferenceId,
        session: Option<SessionId>,
        break_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let result = edit::remove_grid_item(&self.pool, conference, session, break_id).await;
        self.announce(conference, result)
    }

    async fn import_into(
        &self,
        conference: ConferenceId,
        new: &NewProgram,
        dry_run: bool,
    ) -> Result<ImportReport, StoreError> {
        let result = merge::merge(&self.pool, conference, new, dry_run).await;
        if dry_run {
            return result;
        }
        self.announce(conference, result)
    }

    async fn create_user(&self, new: &NewUser) -> Result<UserId, StoreError> {
        user::create(&self.pool, new).await
    }

    async fn grant_role(
        &self,
        user: UserId,
        conference: ConferenceId,
        role: Role,
    ) -> Result<(), StoreError> {
        user::grant_role(&self.pool, user, conference, role).await
    }

    async fn roles(&self, user: UserId, conference: ConferenceId) -> Result<Vec<Role>, StoreError> {
        user::roles(&self.pool, user, conference).await
    }

    async fn credentials(&self, email: &str) -> Result<Credentials, StoreError> {
        session::credentials(&self.pool, email).await
    }

    async fn create_login(&self, login: &NewLogin) -> Result<(), StoreError> {
        session::create(&self.pool, login).await
    }

    async fn login(&self, token: &str, now: i64) -> Result<Login, StoreError> {
        session::find(&self.pool, token, now).await
    }

    async fn login_of(&self, user: UserId, csrf_token: &str) -> Result<Login, StoreError> {
        session::login_of(&self.pool, user, csrf_token).await
    }

    async fn delete_logins_of(&self, user: UserId) -> Result<(), StoreError> {
        session::delete_of_user(&self.pool, user).await
    }

    async fn delete_login(&self, token: &str) -> Result<(), StoreError> {
        session::delete(&self.pool, token).await
    }

    async fn wip(
        &self,
        conference: ConferenceId,
    ) -> Result<(ScheduleVersion, Vec<Placement>), StoreError> {
        version::wip(&self.pool, conference).await
    }

    async fn replace_wip(
        &self,
        conference: ConferenceId,
        placements: &[Placement],
    ) -> Result<(), StoreError> {
        version::replace_wip(&self.pool, conference, placements).await
    }

    async fn release(&self, conference: ConferenceId, name: &str) -> Result<VersionId, StoreError> {
        let result = version::release(&self.pool, conference, name).await;
        self.announce(conference, result)
    }

    async fn release_and_mail(
        &self,
        conference: ConferenceId,
        name: &str,
        mails: &ReleaseMails<'_>,
    ) -> Result<VersionId, StoreError> {
        let result = version::release_and_mail(&self.pool, conference, name, mails).await;
        self.announce(conference, result)
    }

    async fn cancelled_talks(&self, conference: ConferenceId) -> Result<Vec<TalkId>, StoreError> {
        version::cancelled(&self.pool, conference).await
    }

    async fn set_talk_cancelled(
        &self,
        conference: ConferenceId,
        talk: TalkId,
        cancelled: bool,
    ) -> Result<(), StoreError> {
        version::set_cancelled(&self.pool, conference, talk, cancelled).await
    }

    async fn released_versions(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<ScheduleVersion>, StoreError> {
        version::released(&self.pool, conference).await
    }

    async fn release_history(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(ScheduleVersion, Vec<Placement>)>, StoreError> {
        version::history(&self.pool, conference).await
    }

    async fn feed_token(&self, user: UserId, fresh: &str) -> Result<String, StoreError> {
        interest::feed_token(&self.pool, user, fresh).await
    }

    async fn feed_owner(&self, token: &str) -> Result<UserId, StoreError> {
        interest::feed_owner(&self.pool, token).await
    }

    async fn set_interest(
        &self,
        user: UserId,
        talk: TalkId,
        wanted: bool,
    ) -> Result<(), StoreError> {
        interest::set(&self.pool, user, talk, wanted).await
    }

    async fn interests_of(&self, user: UserId) -> Result<Vec<TalkId>, StoreError> {
        interest::of_user(&self.pool, user).await
    }

    async fn wants(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<(UserId, Vec<TalkId>)>, StoreError> {
        interest::of_conference(&self.pool, conference).await
    }

    async fn talk_slides(&self, talk: TalkId) -> Result<Option<SlideFile>, StoreError> {
        slides::of_talk(&self.pool, talk).await
    }

    async fn replace_talk_slides(
        &self,
        conference: ConferenceId,
        talk: TalkId,
        file: &NewSlideFile,
    ) -> Result<Option<SlideFile>, StoreError> {
        let result = slides::replace(&self.pool, conference, talk, file).await;
        self.announce(conference, result)
    }

    async fn remove_talk_slides(
        &self,
        conference: ConferenceId,
        talk: TalkId,
    ) -> Result<Option<SlideFile>, StoreError> {
        let result = slides::remove(&self.pool, conference, talk).await;
        self.announce(conference, result)
    }

    async fn set_slides_link(
        &self,
        conference: ConferenceId,
        talk: TalkId,
        link: Option<&str>,
    ) -> Result<(), StoreError> {
        let result = slides::set_link(&self.pool, conference, talk, link).await;
        self.announce(conference, result)
    }

    async fn is_speaker_of(&self, user: UserId, talk: TalkId) -> Result<bool, StoreError> {
        slides::is_speaker_of(&self.pool, user, talk).await
    }

    async fn add_talk_counts(&self, deltas: &[CountDelta]) -> Result<(), StoreError> {
        slides::add_counts(&self.pool, deltas).await
    }

    async fn talk_counts(&self, conference: ConferenceId) -> Result<Vec<TalkCounts>, StoreError> {
        slides::counts(&self.pool, conference).await
    }

    async fn queue_mail(&self, mail: &NewMail) -> Result<i64, StoreError> {
        outbox::queue(&self.pool, mail).await
    }

    async fn outbox(&self, conference: ConferenceId) -> Result<Vec<MailSummary>, StoreError> {
        outbox::of_conference(&self.pool, conference).await
    }

    async fn outbox_mail(
        &self,
        conference: Option<ConferenceId>,
        id: i64,
    ) -> Result<Mail, StoreError> {
        outbox::one(&self.pool, conference, id).await
    }

    async fn send_held(
        &self,
        conference: ConferenceId,
        which: HeldMails<'_>,
    ) -> Result<u64, StoreError> {
        outbox::send_held(&self.pool, conference, which).await
    }

    async fn claim_mail(&self, now: i64, lease_seconds: i64) -> Result<Option<Mail>, StoreError> {
        outbox::claim(&self.pool, now, lease_seconds).await
    }

    async fn mark_sent(&self, id: i64, now: i64) -> Result<(), StoreError> {
        outbox::mark_sent(&self.pool, id, now).await
    }

    async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<MailStatus, StoreError> {
        outbox::mark_failed(&self.pool, id, error, retry_at).await
    }

    async fn account(&self, user: UserId) -> Result<Account, StoreError> {
        account_token::account(&self.pool, user).await
    }

    async fn create_account_token(
        &self,
        token: &NewAccountToken,
        mail: &NewMail,
    ) -> Result<i64, StoreError> {
        account_token::create(&self.pool, token, mail).await
    }

    async fn account_token_user(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        now: i64,
    ) -> Result<UserId, StoreError> {
        account_token::user_of(&self.pool, purpose, token_hash, now).await
    }

    async fn verify_email(&self, token_hash: &str, now: i64) -> Result<UserId, StoreError> {
        account_token::verify_email(&self.pool, token_hash, now).await
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        now: i64,
        password_hash: &str,
    ) -> Result<UserId, StoreError> {
        account_token::reset_password(&self.pool, token_hash, now, password_hash).await
    }

    async fn create_invitation(
        &self,
        new: &NewInvitation,
        mail: &NewMail,
    ) -> Result<i64, StoreError> {
        invitation::create(&self.pool, new, mail).await
    }

    async fn pending_invitations(
        &self,
        conference: ConferenceId,
    ) -> Result<Vec<Invitation>, StoreError> {
        invitation::pending(&self.pool, conference).await
    }

    async fn revoke_invitation(&self, conference: ConferenceId, id: i64) -> Result<(), StoreError> {
        invitation::revoke(&self.pool, conference, id).await
    }

    async fn invitation(&self, token_hash: &str, now: i64) -> Result<Invitation, StoreError> {
        invitation::by_token(&self.pool, token_hash, now).await
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        user: UserId,
        now: i64,
    ) -> Result<Invitation, StoreError> {
        invitation::accept(&self.pool, token_hash, user, now).await
    }

    async fn team(&self, conference: ConferenceId) -> Result<Vec<TeamMember>, StoreError> {
        invitation::team(&self.pool, conference).await
    }
}
