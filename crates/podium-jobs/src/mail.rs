//! The mail worker: SMTP through lettre when `SMTP_URL` is set, else `.eml` files in an outbox
//! folder, so nothing is lost on a machine without a mail server.
//!
//! Delivery guarantees:
//! - **Files: exactly once.** A mail's file is named after its Message-ID, which the store fixed
//!   when the mail was queued, and written atomically (a temporary file renamed into place). A
//!   worker that dies after writing but before recording "sent" leaves the mail claimed; once
//!   the lease runs out another claim rewrites the *same* file, never a second one.
//! - **SMTP: at least once.** If the worker dies after the server accepted the mail but before
//!   "sent" is recorded, the mail goes out again after the lease. It carries the same
//!   Message-ID, so receiving systems and mail clients that de-duplicate by Message-ID show
//!   it once. No SMTP exchange can close this gap; the window is one database write.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use podium_store::{Mail, MailStatus, Store, redact_url};

/// How long a claimed mail stays with its worker before another may take it: longer than an
/// SMTP exchange may take (lettre's command timeout is set well below it).
pub const LEASE_SECONDS: i64 = 120;

/// The From address when `PODIUM_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "podium@localhost";

/// How often an idle worker looks for due mail.
const POLL: Duration = Duration::from_secs(1);

/// How long one SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest pause between two attempts of a failing mail.
const MAX_RETRY_DELAY: i64 = 3600;

/// The mail settings, as configured.
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://user:pass@host:port`, `smtps://…` or `None` to write `.eml` files.
    pub smtp_url: Option<String>,
    /// The From address, `podium@example.org` or `Conference team <team@example.org>`.
    pub from: String,
    /// Where `.eml` files go without SMTP.
    pub outbox_dir: PathBuf,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("from", &self.from)
            .field("outbox_dir", &self.outbox_dir)
            .finish()
    }
}

/// Where mail goes.
enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// What happened to a delivered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The SMTP server accepted it.
    Smtp,
    /// It was written to this file.
    File(PathBuf),
}

/// Why a mail could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Trying again will not help (a malformed address, a 5xx SMTP answer).
    #[error("{0}")]
    Permanent(String),
    /// Worth another try later (server unreachable, 4xx answer, disk full).
    #[error("{0}")]
    Transient(String),
}

/// Turns mails from the outbox into messages and delivers them.
pub struct Mailer {
    from: Mailbox,
    delivery: Delivery,
    description: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// The URL lettre should get for `SMTP_URL`. podium's one difference from lettre: a plain
/// `smtp://` URL to a host other than this machine means STARTTLS *required* (lettre would send
/// the password unencrypted); `?tls=none` asks for plain SMTP explicitly, and loopback hosts
/// (a local relay) get plain SMTP unless told otherwise.
fn lettre_url(url: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("SMTP_URL: {e}"))?;
    match parsed.scheme() {
        "smtps" => return Ok(url.to_owned()),
        "smtp" => {}
        other => anyhow::bail!("SMTP_URL must start with smtp:// or smtps://, not {other}://"),
    }
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    // `smtp:` is not a scheme the URL standard knows, so its host comes back as text even
    // when it is an address.
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => {
            d == "localhost"
                || d.trim_matches(|c| c == '[' || c == ']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => anyhow::bail!("SMTP_URL has no host"),
    };
    let others: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "tls")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let tls = match tls.as_deref() {
        Some("required" | "opportunistic") => tls,
        Some("none") => None,
        None if loopback => None,
        None => Some("required".to_owned()),
        Some(other) => {
            anyhow::bail!("SMTP_URL: tls={other} is not one of required, opportunistic or none")
        }
    };
    parsed.set_query(None);
    if !others.is_empty() || tls.is_some() {
        let mut q = parsed.query_pairs_mut();
        for (k, v) in &others {
            q.append_pair(k, v);
        }
        if let Some(t) = &tls {
            q.append_pair("tls", t);
        }
    }
    Ok(parsed.to_string())
}

impl Mailer {
    /// A mailer for the settings: SMTP when a URL is given, else files in `outbox_dir`.
    /// Checks the From address and the URL now, so a typo stops the start, not the first mail.
    /// Call it inside the tokio runtime (the SMTP connection pool starts a task).
    pub fn new(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("PODIUM_MAIL_FROM {:?}: {e}", settings.from))?;
        let (delivery, description) = match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url(url)?)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL {}: {e}", redact_url(url)))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                (
                    Delivery::Smtp(transport),
                    format!("SMTP via {}", redact_url(url)),
                )
            }
            None => (
                Delivery::Files(settings.outbox_dir.clone()),
                format!(".eml files in {}", settings.outbox_dir.display()),
            ),
        };
        Ok(Mailer {
            from,
            delivery,
            description,
        })
    }

    /// Where mail goes, for the log (passwords hidden).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The RFC 5322 message for a stored mail. Its Date is when the mail was queued, so a
    /// rewritten file says the same; attachments become parts of a `multipart/mixed` body.
    pub fn message(&self, mail: &Mail) -> Result<Message, SendError> {
        let address: Address = mail.to_address.parse().map_err(|e| {
            SendError::Permanent(format!("the recipient address is not valid: {e}"))
        })?;
        let name = Some(mail.to_name.trim().to_owned()).filter(|n| !n.is_empty());
        let date = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(mail.created_at).unwrap_or_default());
        let builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(name, address))
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .date(date);
        let text = SinglePart::plain(mail.body_text.clone());
        let built = if mail.attachments.is_empty() {
            builder.singlepart(text)
        } else {
            let mut parts = MultiPart::mixed().singlepart(text);
            for a in &mail.attachments {
                let content_type = ContentType::parse(&a.content_type).unwrap_or_else(|_| {
                    ContentType::parse("application/octet-stream")
                        .expect("a valid constant MIME type")
                });
                parts = parts.singlepart(
                    Attachment::new(a.filename.clone()).body(a.body.clone(), content_type),
                );
            }
            builder.multipart(parts)
        };
        let mut message = built.map_err(|e| SendError::Permanent(format!("building: {e}")))?;
        // RFC 3834: an automatic message; vacation responders should not answer it.
        message.headers_mut().insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
        Ok(message)
    }

    /// Delivers one mail: hands it to the SMTP server, or writes its `.eml` file.
    pub async fn deliver(&self, mail: &Mail) -> Result<Delivered, SendError> {
        let message = self.message(mail)?;
        match &self.delivery {
            Delivery::Smtp(transport) => match transport.send(message).await {
                Ok(_) => Ok(Delivered::Smtp),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("SMTP: {e}"))),
                Err(e) => Err(SendError::Transient(format!("SMTP: {e}"))),
            },
            Delivery::Files(dir) => write_eml(dir, &mail.message_id, &message.formatted())
                .await
                .map(Delivered::File)
                .map_err(|e| SendError::Transient(format!("{e:#}"))),
        }
    }
}

/// The file name of a mail's `.eml`: its Message-ID without the angle brackets, with any
/// character that does not belong in a file name replaced by `_`.
pub fn eml_file_name(message_id: &str) -> String {
    let id: String = message_id
        .trim_matches(|c| c == '<' || c == '>')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let id = id.trim_start_matches('.');
    format!("{}.eml", if id.is_empty() { "mail" } else { id })
}

/// Writes `bytes` as `<dir>/<eml_file_name>` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the final name. A reader sees the old file or the new
/// one, whole; a second write of the same mail replaces the first.
async fn write_eml(dir: &Path, message_id: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let (dir, name, bytes) = (dir.to_owned(), eml_file_name(message_id), bytes.to_vec());
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the outbox folder {}", dir.display()))?;
        let path = dir.join(&name);
        let mut salt = [0u8; 8];
        getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
        // Dot-prefixed, so tools that pick up `*.eml` never see a half-written file.
        let temp = dir.join(format!(".{name}.{salt}.tmp"));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&temp);
            return Err(e).with_context(|| format!("writing {}", path.display()));
        }
        Ok(path)
    })
    .await
    .context("the file writer stopped")?
}

/// The pause before the next attempt after `attempts` failed ones: 1, 2, 4 … minutes, at most
/// an hour.
pub fn retry_delay(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 7) - 1).unwrap_or(0);
    (60 * 2_i64.pow(doublings)).min(MAX_RETRY_DELAY)
}

/// Claims one due mail at `now` (unix seconds), delivers it and records the outcome. Returns
/// the mail's id and what happened, or `None` when nothing was due.
pub async fn deliver_due(
    store: &dyn Store,
    mailer: &Mailer,
    now: i64,
) -> anyhow::Result<Option<(i64, Result<Delivered, MailStatus>)>> {
    let Some(mail) = store
        .claim_mail(now, LEASE_SECONDS)
        .await
        .context("claiming due mail")?
    else {
        return Ok(None);
    };
    match mailer.deliver(&mail).await {
        Ok(delivered) => {
            store
                .mark_sent(mail.id, jiff::Timestamp::now().as_second())
                .await
                .context("recording a sent mail")?;
            match &delivered {
                Delivered::Smtp => {
                    tracing::info!(mail.id = mail.id, mail.kind = %mail.kind, "mail sent");
                }
                Delivered::File(path) => tracing::info!(
                    mail.id = mail.id,
                    mail.kind = %mail.kind,
                    path = %path.display(),
                    "mail written to a file (no SMTP_URL set)"
                ),
            }
            Ok(Some((mail.id, Ok(delivered))))
        }
        Err(e) => {
            let retry_at = match &e {
                SendError::Permanent(_) => None,
                SendError::Transient(_) => Some(now + retry_delay(mail.attempts)),
            };
            let status = store
                .mark_failed(mail.id, &e.to_string(), retry_at)
                .await
                .context("recording a failed mail")?;
            tracing::warn!(
                mail.id = mail.id,
                mail.attempts = mail.attempts,
                mail.status = status.as_str(),
                error = %e,
                "mail not sent"
            );
            Ok(Some((mail.id, Err(status))))
        }
    }
}

/// The running worker; stop it with [`MailWorker::stop`].
pub struct MailWorker {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl MailWorker {
    /// Starts the worker on the current tokio runtime.
    pub fn spawn(store: Arc<dyn Store>, mailer: Mailer) -> MailWorker {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        tracing::info!(delivery = mailer.description(), "mail worker started");
        let handle = tokio::spawn(async move {
            loop {
                if *stopped.borrow() {
                    break;
                }
                let now = jiff::Timestamp::now().as_second();
                match deliver_due(&*store, &mailer, now).await {
                    // Something was due: look again at once, there may be more.
                    Ok(Some(_)) => continue,
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "mail worker"),
                }
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    _ = stopped.changed() => {}
                }
            }
            tracing::info!("mail worker stopped");
        });
        MailWorker { stop, handle }
    }

    /// Asks the worker to stop after the mail in hand, without waiting (for `Drop`).
    pub fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops the worker after the mail in hand, if any, waiting at most `grace`. A mail cut
    /// off by the grace is claimed again after its lease.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let abort = self.handle.abort_handle();
        if tokio::time::timeout(grace, self.handle).await.is_err() {
            tracing::warn!("mail worker still busy after the grace period; stopping it");
            abort.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_message_id() {
        assert_eq!(
            eml_file_name("<0a1b@podium.outbox>"),
            "0a1b@podium.outbox.eml"
        );
        assert_eq!(eml_file_name("<../../etc/x y>"), "_.._etc_x_y.eml");
        assert_eq!(eml_file_name("<>"), "mail.eml");
    }

    #[test]
    fn plain_smtp_to_another_host_requires_starttls() {
        assert_eq!(
            lettre_url("smtp://u:p@mail.example:587").unwrap(),
            "smtp://u:p@mail.example:587?tls=required"
        );
        assert_eq!(
            lettre_url("smtp://mail.example:25?tls=none").unwrap(),
            "smtp://mail.example:25"
        );
        assert_eq!(
            lettre_url("smtp://127.0.0.1:2525").unwrap(),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            lettre_url("smtp://localhost?tls=opportunistic").unwrap(),
            "smtp://localhost?tls=opportunistic"
        );
        assert_eq!(
            lettre_url("smtps://u:p@mail.example").unwrap(),
            "smtps://u:p@mail.example"
        );
        assert!(lettre_url("http://mail.example").is_err());
        assert!(lettre_url("smtp://mail.example?tls=maybe").is_err());
        assert_eq!(lettre_url("smtp://[::1]:25").unwrap(), "smtp://[::1]:25");
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let delays: Vec<i64> = (1..=9).map(retry_delay).collect();
        assert_eq!(delays, vec![60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
    }

    #[tokio::test]
    async fn bad_settings_are_refused_at_start() {
        let settings = |smtp: Option<&str>, from: &str| MailSettings {
            smtp_url: smtp.map(str::to_owned),
            from: from.to_owned(),
            outbox_dir: PathBuf::from("/tmp/x"),
        };
        assert!(Mailer::new(&settings(None, "not an address")).is_err());
        assert!(Mailer::new(&settings(Some("ftp://x"), DEFAULT_FROM)).is_err());
        let ok = Mailer::new(&settings(
            Some("smtp://user:secret@mail.example:587"),
            "Team <team@conf.example>",
        ))
        .unwrap();
        assert!(!ok.description().contains("secret"), "{}", ok.description());
        assert!(!format!("{:?}", settings(Some("smtp://u:secret@h"), "a@b.c")).contains("secret"));
    }

    #[tokio::test]
    async fn a_rewrite_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_eml(dir.path(), "<x@y>", b"first").await.unwrap();
        let b = write_eml(dir.path(), "<x@y>", b"second").await.unwrap();
        assert_eq!(a, b);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["x@y.eml".to_owned()]);
        assert_eq!(std::fs::read(&b).unwrap(), b"second");
    }
}
