//! Integration tests: the real server on 127.0.0.1:0 over a fresh database, on SQLite and on
//! PostgreSQL. One test binary (one link) with a module per area.

#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot go on should fail right there"
)]

/// Declares `mod $name { fn sqlite(); fn postgres(); }` running the same async body on both
/// backends; the body gets a started `TestApp`.
macro_rules! on_both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($app: podium_testkit::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                body(podium_testkit::TestApp::spawn(podium_testkit::Backend::Sqlite).await).await
            }

            #[tokio::test]
            async fn postgres() {
                body(podium_testkit::TestApp::spawn(podium_testkit::Backend::Postgres).await).await
            }
        }
    };
}

mod account;
mod agenda;
mod api;
mod browser;
mod cfp;
mod cfp_browser;
mod cli;
mod crash;
mod dump;
mod exports;
mod feedback;
mod formats;
mod grid;
mod live;
mod mail;
mod organizer;
mod public_site;
mod queries;
mod redis;
mod reimport;
mod review;
mod roles;
mod schedule_cli;
mod security;
mod slides;
mod sponsors;
mod store;
