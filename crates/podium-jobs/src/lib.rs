//! podium's background jobs. Today: the mail worker, which sends the store's outbox.
//!
//! The worker claims one due mail at a time from the store (`Store::claim_mail`, atomic across
//! workers and instances), hands it to SMTP or writes it as an `.eml` file, and records the
//! outcome. It holds no state of its own: a worker that dies leaves its claimed mail to be
//! claimed again when the lease runs out. It never builds mail texts; those come from
//! `podium-app`.

pub mod mail;

pub use mail::{
    DEFAULT_FROM, Delivered, LEASE_SECONDS, MailSettings, MailWorker, Mailer, SendError,
    deliver_due, eml_file_name, retry_delay,
};
