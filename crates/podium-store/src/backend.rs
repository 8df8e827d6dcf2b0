//! The only place that knows which database is behind the pool: connecting, migrations and
//! backend-specific pragmas.

use std::str::FromStr;

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

use crate::StoreError;

/// The database behind the store, decided once from the URL scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (single instance).
    Sqlite,
    /// PostgreSQL server (one or many instances).
    Postgres,
}

impl Backend {
    /// The backend a URL names, if podium supports it.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{path}")
            } else {
                format!("{scheme}://{user}@{host}{path}")
            }
        }
        None => url.to_owned(),
    }
}

pub(crate) async fn connect(url: &str) -> Result<(AnyPool, Backend), StoreError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url).ok_or_else(|| {
        StoreError::Other(sqlx::Error::Configuration(
            "the URL must start with sqlite: or postgres://".into(),
        ))
    })?;
    let options = AnyConnectOptions::from_str(url).map_err(StoreError::Other)?;
    let pool = match backend {
        // SQLite serializes writers anyway; a few readers in WAL mode are plenty.
        Backend::Sqlite => AnyPoolOptions::new().max_connections(4),
        Backend::Postgres => AnyPoolOptions::new().max_connections(10),
    }
    .acquire_timeout(std::time::Duration::from_secs(5))
    .connect_with(options)
    .await
    .map_err(StoreError::Other)?;
    if backend == Backend::Sqlite {
        // WAL lets readers go on while a write commits; the setting is stored in the file.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await
            .map_err(StoreError::Other)?;
    }
    Ok((pool, backend))
}

pub(crate) async fn migrate(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    let result = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(pool).await,
        Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(pool).await,
    };
    result.map_err(|e| StoreError::Other(sqlx::Error::Migrate(Box::new(e))))
}

/// Begins a transaction that may write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): in WAL mode a transaction that reads first and writes later fails at its first
/// write with SQLITE_BUSY, without waiting, whenever another connection committed in between
/// (its read snapshot is stale and cannot be upgraded) — a 500 for whoever posted a form while
/// the mail worker or another visitor wrote. Taking the lock up front makes it wait its turn
/// (the busy timeout) instead. PostgreSQL's plain `BEGIN` has no such failure.
pub(crate) async fn begin(
    pool: &AnyPool,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        pool.begin_with("BEGIN IMMEDIATE").await
    } else {
        pool.begin().await
    }
}

/// Every table of the database (migration bookkeeping left out) with its column names, for
/// the dump's check that it knows the whole schema.
pub(crate) async fn schema_columns(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows: Vec<(String, String)> = match backend {
        Backend::Sqlite => {
            sqlx::query_as(
                "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                 ORDER BY m.name, c.cid",
            )
            .fetch_all(&mut *conn)
            .await?
        }
        Backend::Postgres => {
            sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    Ok(rows)
}

/// Makes the transaction that `conn` has just begun read one snapshot of the whole database
/// (PostgreSQL's default gives each statement its own; a SQLite read transaction already
/// keeps the snapshot of its first read).
pub(crate) async fn snapshot_reads(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// After rows were inserted with their ids given, moves the table's id generator past the
/// largest (PostgreSQL's identity columns do not notice given ids; SQLite's do).
pub(crate) async fn reset_identity(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    table: &'static str,
    column: &'static str,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             (SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/podium"),
            "postgres://app:***@db.example:5432/podium"
        );
        assert_eq!(
            redact_url("postgres://app@db/podium"),
            "postgres://app@db/podium"
        );
        assert_eq!(
            redact_url("sqlite://data/podium.db"),
            "sqlite://data/podium.db"
        );
    }
}
