//! Several `podium serve` processes on one PostgreSQL database: each one keeps a heartbeat row
//! in `instances`, and a starting process refuses to join others unless all of them share Redis
//! (without it each instance keeps its own sessions, log-in counts and live updates, so users
//! would be logged out at random and throttling would multiply). SQLite is guarded by a file
//! lock instead (`main::lock_sqlite`).

use std::time::Duration;

use anyhow::Context;
use podium_store::{Backend, Instance, SqlStore, Store};

/// How often a running instance refreshes its row.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// A row not refreshed for this long belongs to a process that is gone.
const STALE_AFTER_SECS: i64 = 20;

/// This process's row, kept fresh until [`Registration::leave`].
pub struct Registration {
    store: SqlStore,
    id: String,
    heartbeat: tokio::task::JoinHandle<()>,
}

/// Registers this process on a PostgreSQL database, or refuses with a message saying what to
/// do when other live instances make the setup unsafe. Nothing to do on SQLite.
pub async fn join(store: &SqlStore, uses_redis: bool) -> anyhow::Result<Option<Registration>> {
    if store.backend() != Backend::Postgres {
        return Ok(None);
    }
    let now = podium_web::Timestamp::now().as_second();
    let id = podium_app::account::random_token()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .chars()
        .take(16)
        .collect::<String>();
    let me = Instance {
        id: id.clone(),
        host: hostname(),
        pid: i64::from(std::process::id()),
        uses_redis,
        seen_at: now,
    };
    // Register first, then look: two instances starting at once both see each other.
    store
        .register_instance(&me)
        .await
        .context("registering this instance")?;
    let others = store
        .other_instances(&id, now - STALE_AFTER_SECS)
        .await
        .context("looking for other instances")?;
    let peers: Vec<Instance> = others
        .into_iter()
        .filter(|o| !is_dead_predecessor(o, &me, process_alive))
        .collect();
    if let Some(why) = refusal(uses_redis, &peers) {
        let _ = store.remove_instance(&id).await;
        anyhow::bail!(why);
    }
    let beat = store.clone();
    let beat_id = id.clone();
    let heartbeat = tokio::spawn(async move {
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.tick().await;
        loop {
            tick.tick().await;
            let now = podium_web::Timestamp::now().as_second();
            if let Err(e) = beat.instance_heartbeat(&beat_id, now).await {
                tracing::warn!(error = %e, "cannot refresh this instance's heartbeat");
            }
        }
    });
    Ok(Some(Registration {
        store: store.clone(),
        id,
        heartbeat,
    }))
}

impl Registration {
    /// Stops the heartbeat and removes the row (at a clean stop; after a crash the row goes
    /// stale on its own).
    pub async fn leave(self) {
        self.heartbeat.abort();
        if let Err(e) = self.store.remove_instance(&self.id).await {
            tracing::warn!(error = %e, "cannot remove this instance's row");
        }
    }
}

/// Why this process must not start next to `peers` (live instances on the same database),
/// or None when it may.
fn refusal(uses_redis: bool, peers: &[Instance]) -> Option<String> {
    let describe = |o: &Instance| format!("on host {} with pid {}", o.host, o.pid);
    if !uses_redis {
        let other = peers.first()?;
        return Some(format!(
            "another podium serve is running on this PostgreSQL database ({}). Several instances \
             must share Redis for sessions, log-in rate limits and live updates: set \
             REDIS_URL=redis://... on every instance, or stop the other one",
            describe(other)
        ));
    }
    let other = peers.iter().find(|o| !o.uses_redis)?;
    Some(format!(
        "another podium serve is running on this PostgreSQL database without Redis ({}): set \
         REDIS_URL on every instance, or stop that one first",
        describe(other)
    ))
}

/// A row left by a process of this host that no longer runs (a crash, a container restarted
/// with the same pid): not a peer, even while its heartbeat is recent.
fn is_dead_predecessor(other: &Instance, me: &Instance, alive: impl Fn(i64) -> bool) -> bool {
    other.host == me.host && (other.pid == me.pid || !alive(other.pid))
}

/// Whether a process with this pid runs on this host (Linux `/proc`; elsewhere assume so).
fn process_alive(pid: i64) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// This machine's name (containers: the container's), for the rows and the messages.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(host: &str, pid: i64, uses_redis: bool) -> Instance {
        Instance {
            id: format!("{host}-{pid}"),
            host: host.to_owned(),
            pid,
            uses_redis,
            seen_at: 0,
        }
    }

    #[test]
    fn alone_is_always_fine() {
        assert_eq!(refusal(false, &[]), None);
        assert_eq!(refusal(true, &[]), None);
    }

    #[test]
    fn a_second_instance_without_redis_is_refused_with_the_fix() {
        let why = refusal(false, &[instance("web-1", 42, false)]).unwrap();
        assert!(
            why.contains("another podium serve is running on this PostgreSQL database (on host web-1 with pid 42)"),
            "{why}"
        );
        assert!(
            why.contains("set REDIS_URL=redis://... on every instance"),
            "{why}"
        );
        // Also when the running one has Redis and this one has not.
        assert!(refusal(false, &[instance("web-1", 42, true)]).is_some());
    }

    #[test]
    fn instances_that_all_share_redis_may_run_together() {
        let peers = [instance("web-1", 42, true), instance("web-2", 7, true)];
        assert_eq!(refusal(true, &peers), None);
        let mixed = [instance("web-1", 42, true), instance("web-2", 7, false)];
        let why = refusal(true, &mixed).unwrap();
        assert!(
            why.contains("without Redis (on host web-2 with pid 7)"),
            "{why}"
        );
    }

    #[test]
    fn dead_processes_of_this_host_are_not_peers() {
        let me = instance("web-1", 100, false);
        let alive = |pid| pid == 200;
        assert!(is_dead_predecessor(
            &instance("web-1", 300, false),
            &me,
            alive
        ));
        assert!(
            is_dead_predecessor(&instance("web-1", 100, false), &me, alive),
            "same host and pid: this process's predecessor (a restarted container)"
        );
        assert!(!is_dead_predecessor(
            &instance("web-1", 200, false),
            &me,
            alive
        ));
        assert!(
            !is_dead_predecessor(&instance("web-2", 300, false), &me, alive),
            "another host's processes cannot be checked"
        );
    }
}
