//! Speaker pages: proposals, profile, availability, confirmation.
//! A talk's slides (upload a PDF or link them), for its speakers and organizers.

mod proposals;
pub(crate) mod slide_storage;
mod slides;

use axum::Router;

use crate::AppState;

/// Speaker routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .merge(slides::routes())
        .merge(proposals::routes())
}
