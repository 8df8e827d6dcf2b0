//! The one error type of the web layer. It maps to a status and an HTML page; internal details
//! are logged here, once, and never sent to the client.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use podium_store::StoreError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing here (unknown conference, talk, speaker, route).
    #[error("not found")]
    NotFound,
    /// The request is refused (a cross-site form post, a stale form token).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The request cannot be carried out as asked; the message says why, for a person.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The page needs a logged-in user: sends the browser to the log-in page.
    #[error("login required")]
    LoginRequired,
    /// Too many attempts from this address; try again later.
    #[error("too many requests")]
    TooManyRequests,
    /// The request body is over a limit; the message says which, for a person.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Something broke; the cause goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound,
            e if e.is_unstorable_text() => {
                AppError::Invalid("Text cannot contain NUL characters.".to_owned())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<podium_app::account::AccountError> for AppError {
    fn from(e: podium_app::account::AccountError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(format!("template: {e:#}"))
    }
}

/// The body of an error page; kept free of templates so it can never fail itself.
pub(crate) fn page(status: StatusCode, heading: &str, message: &str) -> Response {
    let (heading, message) = (escape(heading), escape(message));
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading} · podium</title><link rel=\"stylesheet\" href=\"/static/podium.css\"></head><body>\
         <header class=\"site\"><a class=\"brand\" href=\"/\">podium</a></header><main id=\"main\"><h1>{heading}</h1>\
         <p class=\"lead\">{message}</p><p><a href=\"/\">All conferences</a></p></main></body></html>"
    );
    (status, Html(html)).into_response()
}

/// HTML-escapes text for the template-free error pages.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. The talk or conference may have moved, or the link is mistyped.",
            ),
            AppError::Invalid(why) => {
                page(StatusCode::UNPROCESSABLE_ENTITY, "Cannot do that", &why)
            }
            AppError::LoginRequired => axum::response::Redirect::to("/login").into_response(),
            AppError::Forbidden(why) => page(StatusCode::FORBIDDEN, "Not allowed", why),
            AppError::TooLarge(why) => page(StatusCode::PAYLOAD_TOO_LARGE, "Too large", &why),
            AppError::TooManyRequests => {
                let mut r = page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    "Please wait a minute before trying again.",
                );
                r.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("60"),
                );
                r
            }
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not show this page. Please try again in a moment.",
                )
            }
        }
    }
}
