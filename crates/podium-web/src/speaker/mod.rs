//! Speaker pages: proposals, profile, availability, confirmation.
//! Routes arrive with the CFP work; none exist yet.

use axum::Router;

use crate::AppState;

/// Speaker routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
