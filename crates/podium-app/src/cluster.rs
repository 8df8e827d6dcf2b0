//! The Redis that several instances of one site share (`REDIS_URL`): one handle with an
//! auto-reconnecting connection and a key prefix. Sessions (`account`), rate limits and live
//! updates (the web layer) build on it. The database stays the truth: Redis holds nothing that
//! cannot be lost (sessions end, counters restart, a missed update is re-read from the database).

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Default key prefix; tests and several sites on one Redis use their own.
pub const DEFAULT_PREFIX: &str = "podium:";

/// How long one Redis command or connection attempt may take before it counts as failed.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Why Redis cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The URL is not a Redis URL.
    #[error("REDIS_URL {url} is not a Redis URL (redis://host:port/db): {source}")]
    Url {
        /// The URL, password hidden.
        url: String,
        /// What the client said.
        #[source]
        source: redis::RedisError,
    },
    /// Nobody answers there.
    #[error("cannot reach Redis at {url} (REDIS_URL): {source}")]
    Unreachable {
        /// The URL, password hidden.
        url: String,
        /// What the client said.
        #[source]
        source: redis::RedisError,
    },
}

/// A connected Redis: cheap to clone, shared by every request of the process.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    connection: ConnectionManager,
    prefix: Arc<str>,
    shown_url: Arc<str>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("url", &self.shown_url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Connects to `url` and checks that Redis answers (PING), so a wrong or unreachable
    /// `REDIS_URL` stops the start instead of failing requests later. Every key and channel
    /// name starts with `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<Redis, ClusterError> {
        let shown_url = podium_store::redact_url(url);
        let client = redis::Client::open(url).map_err(|source| ClusterError::Url {
            url: shown_url.clone(),
            source,
        })?;
        let unreachable = |source| ClusterError::Unreachable {
            url: shown_url.clone(),
            source,
        };
        // Reconnects on its own after Redis restarts (each command waits at most TIMEOUT, so
        // requests fail fast while Redis is away rather than hang).
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let mut connection = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unreachable)?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map_err(unreachable)?;
        Ok(Redis {
            client,
            connection,
            prefix: prefix.into(),
            shown_url: shown_url.into(),
        })
    }

    /// `name` under this site's prefix (`podium:session:…`).
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The shared, auto-reconnecting connection (clone it per use; clones are cheap).
    pub fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// The client, for connections of their own (a pub/sub subscriber).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The URL with its password hidden, for logs.
    pub fn shown_url(&self) -> &str {
        &self.shown_url
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}
