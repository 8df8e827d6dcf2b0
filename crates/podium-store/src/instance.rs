//! Running `podium serve` processes on one database (table `instances`), so a starting process
//! can refuse to join others in an unsafe setup. Only rows: which setups are unsafe is the
//! binary's decision.

use sqlx::{AnyPool, Row};

use crate::StoreError;

/// One running (or recently running) `podium serve` process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// Random id of the process.
    pub id: String,
    /// Host name it runs on.
    pub host: String,
    /// Its process id on that host.
    pub pid: i64,
    /// Whether it was started with Redis (shared sessions, rate limits and live updates).
    pub uses_redis: bool,
    /// Unix seconds of its last heartbeat.
    pub seen_at: i64,
}

/// Rows older than this (seconds) are pruned when an instance registers.
const PRUNE_AFTER: i64 = 86_400;

pub(crate) async fn register(pool: &AnyPool, me: &Instance) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM instances WHERE seen_at < $1")
        .bind(me.seen_at - PRUNE_AFTER)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO instances (id, host, pid, uses_redis, started_at, seen_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&me.id)
    .bind(&me.host)
    .bind(me.pid)
    .bind(i64::from(me.uses_redis))
    .bind(me.seen_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn heartbeat(pool: &AnyPool, id: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE instances SET seen_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn others(
    pool: &AnyPool,
    id: &str,
    seen_since: i64,
) -> Result<Vec<Instance>, StoreError> {
    sqlx::query(
        "SELECT id, host, pid, uses_redis, seen_at FROM instances WHERE id <> $1 AND seen_at >= $2 ORDER BY seen_at DESC",
    )
    .bind(id)
    .bind(seen_since)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Instance {
            id: r.try_get("id")?,
            host: r.try_get("host")?,
            pid: r.try_get("pid")?,
            uses_redis: r.try_get::<i64, _>("uses_redis")? != 0,
            seen_at: r.try_get("seen_at")?,
        })
    })
    .collect()
}

pub(crate) async fn remove(pool: &AnyPool, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM instances WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
