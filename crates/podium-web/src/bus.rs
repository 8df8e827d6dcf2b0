//! The change bus: tells this instance's live listeners (`public::live::Hub`) that a
//! conference's public program moved.
//!
//! The store announces every committed revision-bumping write (`Store::watch_changes`). Without
//! Redis the bus hands those to the local listeners. With Redis each instance PUBLISHes its
//! store's changes on `<prefix>changes` and forwards everything it hears there, its own changes
//! included, to its listeners, so an organizer's change on one instance reaches the SSE clients
//! of every instance at once. Messages can be lost (Redis restarting); the database is the
//! truth, so after a reconnect the listeners re-read their revisions ([`Signal::Resync`]).
//! It must not carry data: only "conference N is now at revision R".

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use podium_app::cluster::Redis;
use podium_domain::ConferenceId;
use podium_store::Store;
use redis::AsyncTypedCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// What a listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The conference's public program is now at `revision`.
    Changed {
        /// The conference.
        conference: ConferenceId,
        /// Its revision after the change.
        revision: i64,
    },
    /// Signals may have been missed: re-read every watched revision from the database.
    Resync,
}

/// A message on the Redis channel.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Message {
    conference: i64,
    revision: i64,
}

/// How often the subscriber checks that its Redis connection is still alive; a dead one is
/// replaced (half-open TCP connections otherwise go unnoticed for minutes).
const PING_EVERY: Duration = Duration::from_secs(10);

/// How long to wait for Redis before counting an attempt as failed.
const REDIS_TIMEOUT: Duration = Duration::from_secs(3);

/// Longest pause between attempts to subscribe again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The bus of one instance.
pub(crate) struct Bus {
    local: broadcast::Sender<Signal>,
    redis: Option<Redis>,
}

impl Bus {
    /// A bus over Redis when there is one, else in-process only.
    pub(crate) fn new(redis: Option<Redis>) -> Bus {
        Bus {
            local: broadcast::channel(podium_store::CHANGE_BACKLOG).0,
            redis,
        }
    }

    /// Whether changes travel through Redis.
    pub(crate) fn uses_redis(&self) -> bool {
        self.redis.is_some()
    }

    /// Signals for this instance's listeners.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.local.subscribe()
    }

    fn deliver(&self, signal: Signal) {
        // No receiver: nobody listens yet, fine.
        let _ = self.local.send(signal);
    }

    /// Starts the background tasks: forwarding the store's changes, and with Redis the
    /// subscriber, whose first subscription is in place when this returns (so a change made
    /// right after start-up is not missed). Abort the handles at shutdown.
    pub(crate) async fn start(self: &Arc<Self>, store: Arc<dyn Store>) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        if let Some(redis) = self.redis.clone() {
            let channel = redis.key("changes");
            let first = subscribe(&redis, &channel).await;
            if let Err(e) = &first {
                tracing::warn!(error = %e, "cannot subscribe to live updates in Redis yet; retrying");
            }
            let bus = self.clone();
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                bus.listen(&*store, redis, channel, first.ok()).await;
            }));
        }
        let bus = self.clone();
        tasks.push(tokio::spawn(async move { bus.forward(store).await }));
        tasks
    }

    /// Passes the store's changes on: published on Redis, or straight to the local listeners.
    async fn forward(&self, store: Arc<dyn Store>) {
        let mut changes = store.watch_changes();
        loop {
            let conference = match changes.recv().await {
                Ok(c) => c,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "live updates fell behind; re-reading revisions");
                    self.deliver(Signal::Resync);
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let revision = match store.conference_revision(conference).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, conference.id = %conference, "cannot read a changed conference's revision");
                    continue;
                }
            };
            let signal = Signal::Changed {
                conference,
                revision,
            };
            let Some(redis) = &self.redis else {
                self.deliver(signal);
                continue;
            };
            let message = serde_json::to_string(&Message {
                conference: conference.0,
                revision,
            })
            .expect("two numbers always serialize");
            if let Err(e) = redis
                .connection()
                .publish(redis.key("changes"), message)
                .await
            {
                // This instance's listeners still hear of it; the others re-read their
                // revisions on their own (their safety poll, or a resync after reconnecting).
                tracing::warn!(error = %e, "cannot publish a live update to Redis");
                self.deliver(signal);
            }
        }
    }

    /// Forwards messages from the Redis channel to the local listeners, subscribing again
    /// whenever the connection is lost (Redis restarted, network cut). Each message first
    /// makes the store re-check its cached programs, so a page served after the listeners
    /// heard of a change shows it.
    async fn listen(
        &self,
        store: &dyn Store,
        redis: Redis,
        channel: String,
        mut pubsub: Option<redis::aio::PubSub>,
    ) {
        let mut backoff = Duration::from_millis(100);
        let mut lost = pubsub.is_none();
        loop {
            let Some(current) = pubsub.take() else {
                tokio::time::sleep(backoff).await;
                match subscribe(&redis, &channel).await {
                    Ok(p) => {
                        tracing::info!(redis = %redis.shown_url(), "subscribed to live updates in Redis again");
                        pubsub = Some(p);
                        backoff = Duration::from_millis(100);
                        // Whatever was published meanwhile is lost: read the database instead.
                        store.changed_elsewhere();
                        self.deliver(Signal::Resync);
                    }
                    Err(e) => {
                        if !lost {
                            tracing::warn!(error = %e, "cannot subscribe to live updates in Redis; retrying");
                        }
                        lost = true;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
                continue;
            };
            lost = false;
            self.pump(store, current).await;
            tracing::warn!(redis = %redis.shown_url(), "lost the Redis subscription for live updates; reconnecting");
        }
    }

    /// Forwards messages until the connection is gone.
    async fn pump(&self, store: &dyn Store, pubsub: redis::aio::PubSub) {
        let (mut sink, mut stream) = pubsub.split();
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ping.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(message) = message else { return };
                    match parse(message.get_payload_bytes()) {
                        Some(signal) => {
                            store.changed_elsewhere();
                            self.deliver(signal);
                        }
                        None => tracing::warn!("ignoring an unreadable live update from Redis"),
                    }
                }
                _ = ping.tick() => {
                    let alive = tokio::time::timeout(REDIS_TIMEOUT, sink.ping::<String>()).await;
                    if !matches!(alive, Ok(Ok(_))) {
                        return;
                    }
                }
            }
        }
    }
}

/// A fresh subscriber connection listening on `channel`.
async fn subscribe(redis: &Redis, channel: &str) -> Result<redis::aio::PubSub, redis::RedisError> {
    let attempt = async {
        let mut pubsub = redis.client().get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok(pubsub)
    };
    match tokio::time::timeout(REDIS_TIMEOUT, attempt).await {
        Ok(result) => result,
        Err(_) => Err(redis::RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "Redis did not answer in time",
        ))),
    }
}

/// The signal in a channel message, if it is one.
fn parse(payload: &[u8]) -> Option<Signal> {
    let m: Message = serde_json::from_slice(payload).ok()?;
    Some(Signal::Changed {
        conference: ConferenceId(m.conference),
        revision: m.revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_conference_and_revision() {
        let text = serde_json::to_string(&Message {
            conference: 7,
            revision: 42,
        })
        .unwrap();
        assert_eq!(text, r#"{"conference":7,"revision":42}"#);
        assert_eq!(
            parse(text.as_bytes()),
            Some(Signal::Changed {
                conference: ConferenceId(7),
                revision: 42
            })
        );
        assert_eq!(parse(b"not json"), None);
    }
}
