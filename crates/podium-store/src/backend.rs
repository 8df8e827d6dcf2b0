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
