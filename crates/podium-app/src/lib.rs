//! podium's use cases. Every write goes through here, so HTML forms, the JSON API and the CLI
//! behave the same. Reads that need no rules go straight to the store.

pub mod account;
pub mod cfp;
pub mod cluster;
pub mod demo;
pub mod import;
pub mod invitation;
pub mod mail;
pub mod password;
pub mod review;
pub mod schedule;
pub mod verification;
