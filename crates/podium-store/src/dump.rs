//! Backup and move. [`SqlStore::dump_conference`] writes everything of one conference as one
//! JSON document; [`SqlStore::restore_conference`] reads it back into an empty slug of any
//! install (either backend), with new ids; [`SqlStore::move_install`] copies a whole install,
//! ids and password hashes included, into an empty database of another backend and checks the
//! copy by comparing every conference's dump on both sides.
//!
//! Table-driven: [`TABLES`] lists every table with its columns and how each refers to others.
//! A dump or move first compares that list with the database's real schema and refuses to run
//! when the database has a table or column it does not know, so a migration that adds one
//! cannot be silently left out of backups (add it here).
//!
//! A conference dump never holds password hashes, sessions, API or feed tokens, one-time
//! links, the mail outbox or the changes feed; users appear only as email and name.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use podium_domain::ConferenceId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::backend::{self, Backend};
use crate::{SqlStore, StoreError};

/// The `format` of a conference dump.
pub const DUMP_FORMAT: &str = "podium.dump/1";

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Text,
}

/// How a column relates to other rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// A value.
    Value,
    /// The row's own id, given by the database (renumbered in dumps).
    Id,
    /// The id of a row of the named table (renumbered with it).
    Ref(&'static str),
    /// A user's id (a dump refers to its list of users).
    User,
    /// The CFP settings document, whose `tracks` list holds track ids.
    CfpSettings,
}

#[derive(Debug)]
struct Column {
    name: &'static str,
    ty: Ty,
    nullable: bool,
    link: Link,
}

/// Which rows of a table belong to a conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The row's `column` is the conference's id.
    Conference(&'static str),
    /// The row's `column` is the id of a row of `parent`, whose `conference_id` is the
    /// conference's.
    Through {
        column: &'static str,
        parent: &'static str,
    },
    /// Not part of a conference dump (users, credentials, mail, the changes feed): only a
    /// whole-install move copies it.
    Install,
}

#[derive(Debug)]
struct Table {
    name: &'static str,
    scope: Scope,
    columns: &'static [Column],
}

impl Table {
    fn id_column(&self) -> Option<&'static str> {
        self.columns
            .iter()
            .find(|c| c.link == Link::Id)
            .map(|c| c.name)
    }

    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// An order that is the same on both backends: the id, or every column.
    fn order_by(&self) -> String {
        self.id_column()
            .map_or_else(|| self.column_list(), str::to_owned)
    }
}

const fn c(name: &'static str, ty: Ty, nullable: bool, link: Link) -> Column {
    Column {
        name,
        ty,
        nullable,
        link,
    }
}
const fn id(name: &'static str) -> Column {
    c(name, Ty::Int, false, Link::Id)
}
const fn int(name: &'static str) -> Column {
    c(name, Ty::Int, false, Link::Value)
}
const fn opt_int(name: &'static str) -> Column {
    c(name, Ty::Int, true, Link::Value)
}
const fn text(name: &'static str) -> Column {
    c(name, Ty::Text, false, Link::Value)
}
const fn opt_text(name: &'static str) -> Column {
    c(name, Ty::Text, true, Link::Value)
}
const fn to(name: &'static str, table: &'static str) -> Column {
    c(name, Ty::Int, false, Link::Ref(table))
}
const fn opt_to(name: &'static str, table: &'static str) -> Column {
    c(name, Ty::Int, true, Link::Ref(table))
}
const fn user(name: &'static str) -> Column {
    c(name, Ty::Int, false, Link::User)
}
const fn opt_user(name: &'static str) -> Column {
    c(name, Ty::Int, true, Link::User)
}

const CONF: Scope = Scope::Conference("conference_id");
const fn through(column: &'static str, parent: &'static str) -> Scope {
    Scope::Through { column, parent }
}

/// Every table, parents before children (the order rows are written in).
const TABLES: &[Table] = &[
    Table {
        name: "users",
        scope: Scope::Install,
        columns: &[
            id("id"),
            text("email"),
            text("name"),
            opt_text("password_hash"),
            int("created_at"),
            opt_int("email_verified_at"),
        ],
    },
    Table {
        name: "conferences",
        scope: Scope::Conference("id"),
        columns: &[
            id("id"),
            text("slug"),
            text("name"),
            text("venue"),
            text("timezone"),
            text("start_date"),
            text("end_date"),
            text("description"),
            int("revision"),
            int("created_at"),
        ],
    },
    Table {
        name: "conference_roles",
        scope: CONF,
        columns: &[
            user("user_id"),
            to("conference_id", "conferences"),
            text("role"),
        ],
    },
    Table {
        name: "rooms",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            text("name"),
            int("capacity"),
            text("features"),
            int("position"),
        ],
    },
    Table {
        name: "tracks",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            text("name"),
            text("colour"),
            text("description"),
        ],
    },
    Table {
        name: "speakers",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            opt_user("user_id"),
            text("name"),
            text("bio"),
            opt_text("avatar_url"),
            text("links"),
            text("available"),
        ],
    },
    Table {
        name: "talks",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            text("guid"),
            text("title"),
            text("abstract"),
            text("kind"),
            text("level"),
            int("duration_min"),
            opt_to("track_id", "tracks"),
            text("language"),
            opt_text("slides_url"),
            opt_text("video_url"),
        ],
    },
    Table {
        name: "talk_speakers",
        scope: through("talk_id", "talks"),
        columns: &[
            to("talk_id", "talks"),
            to("speaker_id", "speakers"),
            int("position"),
        ],
    },
    Table {
        name: "talk_cancellations",
        scope: through("talk_id", "talks"),
        columns: &[to("talk_id", "talks"), int("cancelled_at")],
    },
    Table {
        name: "grid_sessions",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            to("room_id", "rooms"),
            text("label"),
            int("starts_at"),
            int("ends_at"),
        ],
    },
    Table {
        name: "slots",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            to("session_id", "grid_sessions"),
            to("room_id", "rooms"),
            int("starts_at"),
            int("ends_at"),
        ],
    },
    Table {
        name: "breaks",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            text("label"),
            int("starts_at"),
            int("ends_at"),
        ],
    },
    Table {
        name: "schedule_versions",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            opt_text("name"),
            opt_int("released_at"),
            int("created_at"),
        ],
    },
    Table {
        name: "placements",
        scope: through("version_id", "schedule_versions"),
        columns: &[
            to("version_id", "schedule_versions"),
            to("talk_id", "talks"),
            to("room_id", "rooms"),
            int("starts_at"),
            int("pinned"),
        ],
    },
    Table {
        name: "interests",
        scope: through("talk_id", "talks"),
        columns: &[user("user_id"), to("talk_id", "talks"), int("created_at")],
    },
    Table {
        name: "web_sessions",
        scope: Scope::Install,
        columns: &[
            text("token"),
            user("user_id"),
            text("csrf_token"),
            int("created_at"),
            int("expires_at"),
        ],
    },
    Table {
        name: "feed_tokens",
        scope: Scope::Install,
        columns: &[user("user_id"), text("token")],
    },
    Table {
        name: "api_tokens",
        scope: Scope::Install,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            user("user_id"),
            text("name"),
            text("token_hash"),
            int("created_at"),
        ],
    },
    Table {
        name: "changes",
        scope: Scope::Install,
        columns: &[
            id("seq"),
            to("conference_id", "conferences"),
            text("doc_type"),
            int("doc_id"),
            int("at"),
        ],
    },
    Table {
        name: "talk_slides",
        scope: through("talk_id", "talks"),
        columns: &[
            to("talk_id", "talks"),
            text("storage_key"),
            text("sha256"),
            int("size_bytes"),
            int("uploaded_at"),
        ],
    },
    Table {
        name: "talk_counts",
        scope: through("talk_id", "talks"),
        columns: &[
            to("talk_id", "talks"),
            int("day"),
            int("views"),
            int("downloads"),
        ],
    },
    Table {
        name: "feedback",
        scope: through("talk_id", "talks"),
        columns: &[
            id("id"),
            to("talk_id", "talks"),
            user("user_id"),
            int("rating"),
            text("comment"),
            text("kudos"),
            text("kudos_state"),
            int("created_at"),
            int("updated_at"),
        ],
    },
    Table {
        name: "sponsors",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            text("name"),
            text("level"),
            text("url"),
            opt_text("logo_url"),
            text("blurb"),
            int("position"),
        ],
    },
    Table {
        name: "outbox",
        scope: Scope::Install,
        columns: &[
            id("id"),
            opt_to("conference_id", "conferences"),
            text("kind"),
            text("to_address"),
            text("to_name"),
            text("subject"),
            text("body_text"),
            text("attachments"),
            text("status"),
            int("created_at"),
            int("send_after"),
            int("attempts"),
            opt_int("locked_until"),
            opt_int("sent_at"),
            opt_text("last_error"),
            text("message_id"),
        ],
    },
    Table {
        name: "account_tokens",
        scope: Scope::Install,
        columns: &[
            id("id"),
            user("user_id"),
            text("purpose"),
            text("token_hash"),
            int("created_at"),
            int("expires_at"),
            opt_int("used_at"),
        ],
    },
    Table {
        name: "invitations",
        scope: Scope::Install,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            text("email"),
            text("role"),
            text("token_hash"),
            opt_user("invited_by"),
            int("created_at"),
            int("expires_at"),
            opt_int("accepted_at"),
            opt_user("accepted_by"),
        ],
    },
    Table {
        name: "cfp_settings",
        scope: CONF,
        columns: &[
            to("conference_id", "conferences"),
            c("settings", Ty::Text, false, Link::CfpSettings),
        ],
    },
    Table {
        name: "proposals",
        scope: CONF,
        columns: &[
            id("id"),
            to("conference_id", "conferences"),
            user("owner_id"),
            text("title"),
            text("abstract"),
            text("description"),
            text("notes"),
            text("submission_type"),
            opt_to("track_id", "tracks"),
            text("level"),
            text("language"),
            text("answers"),
            text("state"),
            opt_text("pending"),
            opt_to("talk_id", "talks"),
            text("form_token"),
            int("created_at"),
            int("updated_at"),
            opt_int("submitted_at"),
        ],
    },
    Table {
        name: "proposal_speakers",
        scope: through("proposal_id", "proposals"),
        columns: &[
            to("proposal_id", "proposals"),
            text("email"),
            opt_user("user_id"),
            // A hash of a pending co-speaker link: useless without the mailed link, and
            // without it the invited co-speaker could not join a restored proposal.
            opt_text("invite_hash"),
            int("position"),
        ],
    },
    Table {
        name: "speaker_profiles",
        scope: CONF,
        columns: &[
            user("user_id"),
            to("conference_id", "conferences"),
            text("name"),
            text("bio"),
            text("links"),
            opt_text("avatar_url"),
            text("available"),
            text("answers"),
        ],
    },
    Table {
        name: "proposal_comments",
        scope: through("proposal_id", "proposals"),
        columns: &[
            id("id"),
            to("proposal_id", "proposals"),
            user("user_id"),
            opt_to("parent_id", "proposal_comments"),
            text("body"),
            int("created_at"),
            opt_int("edited_at"),
            int("deleted"),
            int("hidden"),
            int("spam"),
        ],
    },
    Table {
        name: "proposal_votes",
        scope: through("proposal_id", "proposals"),
        columns: &[
            to("proposal_id", "proposals"),
            user("user_id"),
            int("value"),
            int("created_at"),
        ],
    },
    Table {
        name: "reviews",
        scope: through("proposal_id", "proposals"),
        columns: &[
            to("proposal_id", "proposals"),
            user("user_id"),
            text("scores"),
            text("body"),
            int("abstain"),
            int("updated_at"),
        ],
    },
    Table {
        name: "review_assignments",
        scope: through("proposal_id", "proposals"),
        columns: &[to("proposal_id", "proposals"), user("user_id")],
    },
    Table {
        name: "review_conflicts",
        scope: through("proposal_id", "proposals"),
        columns: &[to("proposal_id", "proposals"), user("user_id")],
    },
    Table {
        name: "reviewer_tracks",
        scope: CONF,
        columns: &[
            to("conference_id", "conferences"),
            user("user_id"),
            to("track_id", "tracks"),
        ],
    },
];

/// Tables that are neither dumped nor moved, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "instances",
        "running processes register there; a new install has its own",
    ),
    (
        "proposal_vote_counts",
        "counted from proposal_votes by triggers: restoring the votes counts them again",
    ),
    (
        "review_revisions",
        "moved by triggers on reviews: restoring the reviews moves them again",
    ),
];

/// What can go wrong when dumping, restoring or moving.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    /// No conference has this slug.
    #[error("there is no conference {0:?}")]
    NoConference(String),
    /// A restore would overwrite a conference.
    #[error(
        "a conference {0:?} exists already; restore never overwrites one: restore into another slug, or into an install without it"
    )]
    SlugTaken(String),
    /// The database has tables or columns this version of podium cannot back up.
    #[error(
        "the database has {0}, which podium's dump does not know (a newer schema?): refusing to leave data behind"
    )]
    UnknownSchema(String),
    /// The dump is not one podium can read.
    #[error("not a podium dump: {0}")]
    Format(String),
    /// A move's target holds data.
    #[error("the target database is not empty ({0}); podium move fills only an empty database")]
    TargetNotEmpty(String),
    /// A moved install reads back differently.
    #[error("the copy differs from the original: {0}")]
    Mismatch(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DumpError {
    fn from(e: sqlx::Error) -> Self {
        DumpError::Store(e.into())
    }
}

/// One conference, whole: `tables` maps a table name to its rows (column name to value). Ids
/// are the dump's own, 1, 2, 3… per table in the order of the original ids; user columns hold
/// the `id` of an entry of `users` (numbered in email order). So two dumps of the same data
/// are equal whatever ids the databases gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConferenceDump {
    /// [`DUMP_FORMAT`].
    pub format: String,
    /// The conference's slug when it was dumped.
    pub conference: String,
    /// Every user a row refers to: email and name only.
    pub users: Vec<DumpUser>,
    /// Rows per table.
    pub tables: BTreeMap<String, Vec<BTreeMap<String, Value>>>,
}

/// A user as a dump carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpUser {
    /// The dump's id of the user.
    pub id: i64,
    /// Email address (the account's login).
    pub email: String,
    /// Display name.
    pub name: String,
}

/// What a move copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveReport {
    /// Conferences, each checked by comparing its dump on both sides.
    pub conferences: Vec<String>,
    /// Rows copied per table.
    pub rows: BTreeMap<&'static str, u64>,
}

/// A column value as read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    fn to_json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::from(*i),
            Cell::Text(s) => Value::from(s.as_str()),
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            _ => None,
        }
    }
}

type Rows = Vec<Vec<Cell>>;

fn read_row(table: &Table, row: &sqlx::any::AnyRow) -> Result<Vec<Cell>, StoreError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            Ok(match col.ty {
                Ty::Int => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Cell::Null, Cell::Int),
                Ty::Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Cell::Null, Cell::Text),
            })
        })
        .collect()
}

fn bind_cells<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    table: &Table,
    cells: &[(usize, Cell)],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for (i, cell) in cells {
        q = match (table.columns[*i].ty, cell) {
            (Ty::Int, Cell::Int(v)) => q.bind(Some(*v)),
            (Ty::Int, _) => q.bind(None::<i64>),
            (Ty::Text, Cell::Text(v)) => q.bind(Some(v.clone())),
            (Ty::Text, _) => q.bind(None::<String>),
        };
    }
    q
}

/// Compares [`TABLES`] and [`SKIPPED`] with the database's schema; names what does not match.
async fn check_schema(conn: &mut AnyConnection, backend: Backend) -> Result<(), DumpError> {
    let actual = backend::schema_columns(conn, backend).await?;
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in actual {
        found.entry(table).or_default().insert(column);
    }
    let mut problems = Vec::new();
    for (table, columns) in &found {
        if SKIPPED.iter().any(|(t, _)| t == table) {
            continue;
        }
        let Some(known) = TABLES.iter().find(|t| t.name == table) else {
            problems.push(format!("table {table}"));
            continue;
        };
        for column in columns {
            if !known.columns.iter().any(|c| c.name == column) {
                problems.push(format!("column {table}.{column}"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(DumpError::UnknownSchema(problems.join(", ")));
    }
    // The other way round: a table or column we expect but the database lacks (an old schema,
    // which connecting would have migrated) fails in the queries themselves.
    Ok(())
}

async fn rows_of(
    conn: &mut AnyConnection,
    table: &Table,
    conference: Option<i64>,
) -> Result<Rows, DumpError> {
    let columns = table.column_list();
    let order = table.order_by();
    let sql = match (table.scope, conference) {
        (_, None) => format!("SELECT {columns} FROM {} ORDER BY {order}", table.name),
        (Scope::Conference(col), Some(_)) => format!(
            "SELECT {columns} FROM {} WHERE {col} = $1 ORDER BY {order}",
            table.name
        ),
        (Scope::Through { column, parent }, Some(_)) => format!(
            "SELECT {columns} FROM {} WHERE {column} IN (SELECT id FROM {parent} WHERE conference_id = $1) ORDER BY {order}",
            table.name
        ),
        (Scope::Install, Some(_)) => return Ok(Vec::new()),
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(c) = conference {
        q = q.bind(c);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    Ok(rows
        .iter()
        .map(|r| read_row(table, r))
        .collect::<Result<_, _>>()?)
}

/// The tables a conference dump holds.
fn conference_tables() -> impl Iterator<Item = &'static Table> {
    TABLES.iter().filter(|t| t.scope != Scope::Install)
}

/// Renumbers the CFP settings' track ids with `map` (ids no longer there are dropped).
fn remap_settings(text: &str, map: &HashMap<i64, i64>) -> Result<String, DumpError> {
    let mut doc: Value = serde_json::from_str(text)
        .map_err(|e| DumpError::Format(format!("CFP settings are not JSON: {e}")))?;
    if let Some(tracks) = doc.get_mut("tracks").and_then(Value::as_array_mut) {
        *tracks = tracks
            .iter()
            .filter_map(|t| {
                t.as_i64()
                    .and_then(|t| map.get(&t))
                    .map(|&t| Value::from(t))
            })
            .collect();
    }
    serde_json::to_string(&doc).map_err(|e| DumpError::Format(e.to_string()))
}

async fn dump_with(
    conn: &mut AnyConnection,
    backend: Backend,
    slug: &str,
) -> Result<ConferenceDump, DumpError> {
    check_schema(conn, backend).await?;
    let conference: Option<i64> = sqlx::query_scalar("SELECT id FROM conferences WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await?;
    let conference = conference.ok_or_else(|| DumpError::NoConference(slug.to_owned()))?;
    let mut raw: Vec<(&Table, Rows)> = Vec::new();
    for table in conference_tables() {
        raw.push((table, rows_of(conn, table, Some(conference)).await?));
    }

    // Users: every one a row refers to, numbered in email order.
    let mut user_ids = BTreeSet::new();
    for (table, rows) in &raw {
        for (i, col) in table.columns.iter().enumerate() {
            if col.link == Link::User {
                user_ids.extend(rows.iter().filter_map(|r| r[i].int()));
            }
        }
    }
    let all_users: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, email, name FROM users ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    let mut users: Vec<(i64, String, String)> = all_users
        .into_iter()
        .filter(|(id, _, _)| user_ids.contains(id))
        .collect();
    users.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let user_map: HashMap<i64, i64> = users.iter().zip(1..).map(|(u, n)| (u.0, n)).collect();

    // Every table's ids, renumbered 1, 2, 3… in the order of the original ids.
    let mut maps: HashMap<&str, HashMap<i64, i64>> = HashMap::new();
    for (table, rows) in &raw {
        if let Some(idx) = table.columns.iter().position(|c| c.link == Link::Id) {
            let mut ids: Vec<i64> = rows.iter().filter_map(|r| r[idx].int()).collect();
            ids.sort_unstable();
            maps.insert(table.name, ids.into_iter().zip(1..).collect());
        }
    }
    let mut tables = BTreeMap::new();
    for (table, rows) in &raw {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut obj = BTreeMap::new();
            for (col, cell) in table.columns.iter().zip(row) {
                let value = match (col.link, cell) {
                    (_, Cell::Null) => Value::Null,
                    (Link::Value, c) => c.to_json(),
                    (Link::Id, c) => Value::from(lookup(&maps, table.name, c, table.name)?),
                    (Link::Ref(to), c) => Value::from(lookup(&maps, to, c, table.name)?),
                    (Link::User, c) => {
                        let id = c.int().unwrap_or_default();
                        Value::from(*user_map.get(&id).ok_or_else(|| {
                            DumpError::Format(format!("{}: user {id} is missing", table.name))
                        })?)
                    }
                    (Link::CfpSettings, Cell::Text(s)) => {
                        let tracks = maps.get("tracks").cloned().unwrap_or_default();
                        Value::from(remap_settings(s, &tracks)?)
                    }
                    (Link::CfpSettings, c) => c.to_json(),
                };
                obj.insert(col.name.to_owned(), value);
            }
            out.push(obj);
        }
        if table.id_column().is_none() {
            // No id to keep the order by: sort by content, the same on every backend.
            out.sort_by_cached_key(|row| serde_json::to_string(row).unwrap_or_default());
        }
        tables.insert(table.name.to_owned(), out);
    }
    Ok(ConferenceDump {
        format: DUMP_FORMAT.to_owned(),
        conference: slug.to_owned(),
        users: users
            .into_iter()
            .zip(1..)
            .map(|((_, email, name), id)| DumpUser { id, email, name })
            .collect(),
        tables,
    })
}

fn lookup(
    maps: &HashMap<&str, HashMap<i64, i64>>,
    table: &str,
    cell: &Cell,
    from: &str,
) -> Result<i64, DumpError> {
    let id = cell.int().unwrap_or_default();
    maps.get(table)
        .and_then(|m| m.get(&id))
        .copied()
        .ok_or_else(|| {
            DumpError::Format(format!(
                "{from} refers to {table} {id}, which is not the conference's"
            ))
        })
}

/// A dump's value as the column's cell, checked against the column's type.
fn cell_of(table: &Table, col: &Column, value: Option<&Value>) -> Result<Cell, DumpError> {
    let bad = |what: &str| DumpError::Format(format!("{}.{}: {what}", table.name, col.name));
    match (value, col.ty) {
        (None | Some(Value::Null), _) if col.nullable => Ok(Cell::Null),
        (None | Some(Value::Null), _) => Err(bad("missing")),
        (Some(v), Ty::Int) => v
            .as_i64()
            .map(Cell::Int)
            .ok_or_else(|| bad("not an integer")),
        (Some(v), Ty::Text) => v
            .as_str()
            .map(|s| Cell::Text(s.to_owned()))
            .ok_or_else(|| bad("not text")),
    }
}

async fn restore_with(
    conn: &mut AnyConnection,
    dump: &ConferenceDump,
    slug: &str,
) -> Result<ConferenceId, DumpError> {
    let now = jiff::Timestamp::now().as_second();
    // Users: the account with the address when there is one, else a new account without a
    // password (its owner sets one through "forgot your password").
    let mut users: HashMap<i64, i64> = HashMap::new();
    for u in &dump.users {
        let email = u.email.trim().to_lowercase();
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *conn)
            .await?;
        let id = match existing {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, NULL, $3) RETURNING id",
                )
                .bind(&email)
                .bind(&u.name)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?
            }
        };
        users.insert(u.id, id);
    }
    let mut maps: HashMap<&str, HashMap<i64, i64>> = HashMap::new();
    let mut conference = None;
    for table in conference_tables() {
        let Some(rows) = dump.tables.get(table.name) else {
            return Err(DumpError::Format(format!(
                "table {} is missing",
                table.name
            )));
        };
        let id_col = table.id_column();
        let mut ordered: Vec<&BTreeMap<String, Value>> = rows.iter().collect();
        if let Some(id_col) = id_col {
            ordered.sort_by_key(|r| r.get(id_col).and_then(Value::as_i64));
        }
        for row in ordered {
            if let Some(unknown) = row
                .keys()
                .find(|k| !table.columns.iter().any(|c| c.name == k.as_str()))
            {
                return Err(DumpError::Format(format!(
                    "{}.{unknown} is not a column podium knows",
                    table.name
                )));
            }
            let mut cells = Vec::new();
            let mut own_id = None;
            for (i, col) in table.columns.iter().enumerate() {
                let cell = cell_of(table, col, row.get(col.name))?;
                let cell = match (col.link, cell) {
                    (Link::Id, cell) => {
                        own_id = cell.int();
                        continue;
                    }
                    (_, Cell::Null) => Cell::Null,
                    (Link::Value, _) if table.name == "conferences" && col.name == "slug" => {
                        Cell::Text(slug.to_owned())
                    }
                    (Link::Value, cell) => cell,
                    (Link::Ref(to), cell) => {
                        let old = cell.int().unwrap_or_default();
                        Cell::Int(*maps.get(to).and_then(|m| m.get(&old)).ok_or_else(|| {
                            DumpError::Format(format!(
                                "{}.{} refers to {to} {old}, which the dump lacks",
                                table.name, col.name
                            ))
                        })?)
                    }
                    (Link::User, cell) => {
                        let old = cell.int().unwrap_or_default();
                        Cell::Int(*users.get(&old).ok_or_else(|| {
                            DumpError::Format(format!(
                                "{}.{} refers to user {old}, whom the dump lacks",
                                table.name, col.name
                            ))
                        })?)
                    }
                    (Link::CfpSettings, Cell::Text(s)) => {
                        let tracks = maps.get("tracks").cloned().unwrap_or_default();
                        Cell::Text(remap_settings(&s, &tracks)?)
                    }
                    (Link::CfpSettings, cell) => cell,
                };
                cells.push((i, cell));
            }
            let names: Vec<&str> = cells.iter().map(|(i, _)| table.columns[*i].name).collect();
            let params: Vec<String> = (1..=cells.len()).map(|n| format!("${n}")).collect();
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                table.name,
                names.join(", "),
                params.join(", ")
            );
            match (id_col, own_id) {
                (Some(id_col), Some(old)) => {
                    sql.push_str(&format!(" RETURNING {id_col}"));
                    let q = bind_cells(sqlx::query(sqlx::AssertSqlSafe(sql)), table, &cells);
                    let new: i64 = q.fetch_one(&mut *conn).await?.try_get(0)?;
                    maps.entry(table.name).or_default().insert(old, new);
                    if table.name == "conferences" {
                        conference = Some(new);
                    }
                }
                (Some(_), None) => {
                    return Err(DumpError::Format(format!(
                        "{}: a row without id",
                        table.name
                    )));
                }
                (None, _) => {
                    bind_cells(sqlx::query(sqlx::AssertSqlSafe(sql)), table, &cells)
                        .execute(&mut *conn)
                        .await?;
                }
            }
        }
    }
    conference
        .map(ConferenceId)
        .ok_or_else(|| DumpError::Format("the dump has no conference".into()))
}

impl SqlStore {
    /// Everything of the conference `slug` as one document (see [`ConferenceDump`]), read in
    /// one snapshot.
    pub async fn dump_conference(&self, slug: &str) -> Result<ConferenceDump, DumpError> {
        let mut tx = self.pool.begin().await?;
        backend::snapshot_reads(&mut tx, self.backend).await?;
        let dump = dump_with(&mut tx, self.backend, slug).await?;
        tx.rollback().await?;
        Ok(dump)
    }

    /// Writes `dump` as the new conference `slug`, in one transaction, with ids of this
    /// database; users are matched by email (new ones get no password). Refuses when `slug` is
    /// taken: a restore never overwrites.
    pub async fn restore_conference(
        &self,
        dump: &ConferenceDump,
        slug: &str,
    ) -> Result<ConferenceId, DumpError> {
        if dump.format != DUMP_FORMAT {
            return Err(DumpError::Format(format!(
                "format {:?}, expected {DUMP_FORMAT:?}",
                dump.format
            )));
        }
        let mut tx = backend::begin(&self.pool).await?;
        check_schema(&mut tx, self.backend).await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM conferences WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(DumpError::SlugTaken(slug.to_owned()));
        }
        let id = match restore_with(&mut tx, dump, slug).await {
            Ok(id) => id,
            // Two restores into one slug at once: the unique slug decides.
            Err(DumpError::Store(StoreError::Conflict { constraint }))
                if constraint.contains("slug") =>
            {
                return Err(DumpError::SlugTaken(slug.to_owned()));
            }
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Copies this whole install (every conference and user, password hashes, sessions,
    /// tokens and mail included) into `target`, which must be empty, keeping every id; then
    /// checks the copy: each conference's dump and every table's row count must be the same on
    /// both sides. Reads one snapshot of this database; writes the target in one transaction.
    pub async fn move_install(&self, target: &SqlStore) -> Result<MoveReport, DumpError> {
        let mut source = self.pool.begin().await?;
        backend::snapshot_reads(&mut source, self.backend).await?;
        check_schema(&mut source, self.backend).await?;
        let mut dest = backend::begin(&target.pool).await?;
        check_schema(&mut dest, target.backend).await?;
        let mut filled = Vec::new();
        for table in TABLES {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {}",
                table.name
            )))
            .fetch_one(&mut *dest)
            .await?;
            if n > 0 {
                filled.push(format!("{} rows in {}", n, table.name));
            }
        }
        if !filled.is_empty() {
            return Err(DumpError::TargetNotEmpty(filled.join(", ")));
        }
        let mut report = MoveReport {
            conferences: Vec::new(),
            rows: BTreeMap::new(),
        };
        for table in TABLES {
            let rows = rows_of(&mut source, table, None).await?;
            let names = table.column_list();
            let params: Vec<String> = (1..=table.columns.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "INSERT INTO {} ({names}) VALUES ({})",
                table.name,
                params.join(", ")
            );
            for row in &rows {
                let cells: Vec<(usize, Cell)> = row.iter().cloned().enumerate().collect();
                bind_cells(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), table, &cells)
                    .execute(&mut *dest)
                    .await?;
            }
            if let Some(id_col) = table.id_column() {
                backend::reset_identity(&mut dest, target.backend, table.name, id_col).await?;
            }
            report.rows.insert(table.name, rows.len() as u64);
        }
        dest.commit().await?;

        // Check: every conference dumps the same on both sides, every table has as many rows.
        let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM conferences ORDER BY id")
            .fetch_all(&mut *source)
            .await?;
        for slug in &slugs {
            let before = dump_with(&mut source, self.backend, slug).await?;
            let after = target.dump_conference(slug).await?;
            if before != after {
                return Err(DumpError::Mismatch(format!("conference {slug}")));
            }
        }
        let mut check = target.pool.acquire().await?;
        for table in TABLES {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {}",
                table.name
            )))
            .fetch_one(&mut *check)
            .await?;
            if u64::try_from(n).ok() != report.rows.get(table.name).copied() {
                return Err(DumpError::Mismatch(format!("rows of {}", table.name)));
            }
        }
        let users = "SELECT id, email, name, password_hash, created_at, email_verified_at FROM users ORDER BY id";
        type UserRow = (i64, String, String, Option<String>, i64, Option<i64>);
        let before: Vec<UserRow> = sqlx::query_as(users).fetch_all(&mut *source).await?;
        let after: Vec<UserRow> = sqlx::query_as(users).fetch_all(&mut *check).await?;
        if before != after {
            return Err(DumpError::Mismatch("users".into()));
        }
        source.rollback().await?;
        report.conferences = slugs;
        Ok(report)
    }
}
