//! Reviewer pages: scoring and commenting on proposals.
//! Routes arrive with the CFP work; none exist yet.

use axum::Router;

use crate::AppState;

/// Reviewer routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
