//! The JSON API under `/api/v1`, its OpenAPI 3 document (generated from the handlers'
//! annotations, so it cannot drift from the code) and browsable docs rendered on the server
//! from that document (no script or style from elsewhere), plus the load balancers' health
//! check. Errors are RFC 9457 problem details (`problem`).

mod feed;
mod problem;
mod read;
mod write;

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use minijinja::context;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::public::{render, ser};
use crate::{AppError, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "podium API",
        description = "Conference programs: read the public program without a token; organizers \
            write with a per-conference API token (`Authorization: Bearer podium_…`, made on the \
            conference's organizer API page). Errors are RFC 9457 problem details with a stable `code`."
    ),
    tags(
        (name = "read", description = "Public data, no token"),
        (name = "write", description = "Organizers, with an API token of the conference")
    ),
    components(schemas(problem::Problem))
)]
struct ApiDoc;

/// The routes with their OpenAPI paths.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(read::list_conferences))
        .routes(routes!(read::get_conference))
        .routes(routes!(read::list_talks, write::create_talk))
        .routes(routes!(read::get_talk, write::update_talk))
        .routes(routes!(read::list_speakers))
        .routes(routes!(read::list_rooms, write::create_room))
        .routes(routes!(read::list_tracks))
        .routes(routes!(read::list_sessions, write::create_session))
        .routes(routes!(read::list_versions))
        .routes(routes!(write::place_talk))
        .routes(routes!(write::start_run, write::get_run))
        .routes(routes!(write::accept))
        .routes(routes!(write::release))
        .routes(routes!(feed::changes))
}

/// The OpenAPI document, built once.
fn document() -> Arc<utoipa::openapi::OpenApi> {
    static DOC: OnceLock<Arc<utoipa::openapi::OpenApi>> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, mut doc) = api().split_for_parts();
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "token",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some("An organizer's API token of the conference"))
                        .build(),
                ),
            );
        Arc::new(doc)
    })
    .clone()
}

/// API routes.
pub(crate) fn routes() -> Router<AppState> {
    let (router, _) = api().split_for_parts();
    router
        .route("/healthz", get(health))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(docs))
}

/// Liveness and database reachability.
async fn health(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state.store.list_conferences().await?;
    Ok("ok")
}

async fn openapi_json() -> Response {
    let mut response = Json(&*document()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// One operation as the docs page lists it.
#[derive(serde::Serialize)]
struct Operation {
    method: String,
    path: String,
    /// Plain text, for the index.
    summary_text: String,
    /// Sanitized HTML from the doc comment's Markdown.
    summary: String,
    description: String,
    token: bool,
    params: Vec<(String, String, bool, String)>,
    body: Option<String>,
    responses: Vec<(String, String)>,
}

/// The API's reference, rendered from the OpenAPI document.
async fn docs(State(state): State<AppState>) -> Result<Response, AppError> {
    let doc = serde_json::to_value(&*document())
        .map_err(|e| AppError::Internal(format!("serializing the OpenAPI document: {e}")))?;
    let mut operations = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(methods) = item.as_object() else {
                continue;
            };
            for (method, op) in methods {
                let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
                let params = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        (
                            text(&p["name"]),
                            text(&p["in"]),
                            p["required"].as_bool().unwrap_or(false),
                            text(&p["description"]),
                        )
                    })
                    .collect();
                let body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned());
                let responses = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(status, r)| (status.clone(), text(&r["description"])))
                    .collect();
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary_text: text(&op["summary"]).replace('`', ""),
                    summary: crate::render::markdown(&text(&op["summary"])),
                    description: crate::render::markdown(&text(&op["description"])),
                    token: op.get("security").is_some(),
                    params,
                    body,
                    responses,
                });
            }
        }
    }
    let schemas: Vec<(String, String)> = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| {
            (
                name.clone(),
                serde_json::to_string_pretty(schema).unwrap_or_default(),
            )
        })
        .collect();
    render(
        &state,
        "api_docs.html",
        context! { operations => ser(operations), schemas => ser(schemas) },
    )
}
