//! The JSON API under `/api/v1`, plus the health check used by load balancers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::{AppError, AppState};

/// API routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health))
        .route("/api/v1/conferences", get(list_conferences))
}

/// Liveness and database reachability.
async fn health(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store.list_conferences().await?;
    Ok("ok")
}

#[derive(Serialize)]
struct ConferenceSummary {
    slug: String,
    name: String,
    venue: String,
    timezone: String,
    start_date: String,
    end_date: String,
}

/// Every conference on this install.
async fn list_conferences(
    State(state): State<AppState>,
) -> Result<Json<Vec<ConferenceSummary>>, AppError> {
    let list = state.store.list_conferences().await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ConferenceSummary {
                slug: c.slug.to_string(),
                name: c.name,
                venue: c.venue,
                timezone: c.timezone,
                start_date: c.start_date.to_string(),
                end_date: c.end_date.to_string(),
            })
            .collect(),
    ))
}
