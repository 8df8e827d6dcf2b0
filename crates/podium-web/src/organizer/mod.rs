//! Organizer pages: conference settings, the slot grid, scheduling runs, releases.
//! Routes arrive with the CFP and scheduling work; none exist yet.

use axum::Router;

use crate::AppState;

/// Organizer routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
