//! podium's web layer: axum routes split by audience (`public`, `speaker`, `reviewer`,
//! `organizer`, `api`), each exposing one `routes()`; they are merged here and nowhere else.
//! Handlers are thin: extract, call the store or `podium-app`, render.

mod auth;
mod bus;
pub mod error;
pub mod render;

mod api;
mod organizer;
mod public;
mod reviewer;
mod speaker;
mod templates;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use podium_store::Store;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use auth::RateLimiter;
pub use error::AppError;
pub use jiff::Timestamp;
pub use speaker::slide_storage::{DEFAULT_MAX_SLIDES_BYTES, S3Config, SlidesConfig, StorageConfig};

/// Where "now" comes from: the system clock, or a fixed instant in tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Settings the web layer needs, parsed once by the binary.
#[derive(Clone)]
pub struct WebConfig {
    /// The site's public origin, used in canonical and OpenGraph URLs (`https://conf.example`).
    pub public_url: String,
    /// The clock for "now" markers.
    pub clock: Clock,
    /// Log-in and sign-up attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Take the client's address from `X-Forwarded-For` (only behind a reverse proxy that
    /// sets it, such as Heroku's router; otherwise clients could pick their own address).
    pub trust_proxy: bool,
    /// Slide uploads: size limit and storage.
    pub slides: SlidesConfig,
    /// Redis shared by every instance of the site (`REDIS_URL`): sessions, log-in rate limits
    /// and live updates go through it. None: all of them stay in this process and the database.
    pub redis: Option<podium_app::cluster::Redis>,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("public_url", &self.public_url)
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Settings.
    pub config: WebConfig,
    /// Log-in sessions (database or Redis).
    pub sessions: podium_app::account::Sessions,
    templates: Arc<minijinja::Environment<'static>>,
    limiter: Arc<RateLimiter>,
    runs: Arc<organizer::Runs>,
    exports: Arc<public::export::ExportCache>,
    live: Arc<public::live::Hub>,
    bus: Arc<bus::Bus>,
    comparisons: Arc<organizer::formats::Comparisons>,
    slides: Arc<dyn speaker::slide_storage::SlideStorage>,
    tally: Arc<public::slides::Tally>,
}

impl AppState {
    /// State over a store.
    pub fn new(store: Arc<dyn Store>, config: WebConfig) -> AppState {
        let slides = speaker::slide_storage::open(&config.slides.storage);
        let redis = config.redis.clone();
        AppState {
            sessions: podium_app::account::Sessions::new(store.clone(), redis.clone()),
            store,
            limiter: Arc::new(
                RateLimiter::new(config.login_attempts_per_minute, Duration::from_secs(60))
                    .shared_through(redis.clone()),
            ),
            config,
            templates: Arc::new(templates::environment()),
            runs: Arc::default(),
            exports: Arc::default(),
            live: Arc::new(public::live::Hub::new(redis.is_some())),
            bus: Arc::new(bus::Bus::new(redis)),
            comparisons: Arc::default(),
            slides,
            tally: Arc::default(),
        }
    }
}

/// Every route of the site.
pub fn router(state: AppState) -> Router {
    let csp = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
               script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
               frame-ancestors 'none'; \
               frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://slides.com \
               https://speakerdeck.com https://www.slideshare.net";
    // Browsers ignore HSTS over plain http, and sending it from a site that is not on https
    // would say nothing true; a site whose public URL is https asks to be reached only so.
    let hsts = state.config.public_url.starts_with("https://");
    let router = Router::new()
        .merge(public::routes())
        .merge(speaker::routes())
        .merge(reviewer::routes())
        .merge(organizer::routes())
        .merge(api::routes())
        .fallback(public::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        .with_state(state);
    let router = if hsts {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    };
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        // PDFs are compressed inside already; compressing them again costs CPU for nothing.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/pdf")),
        ))
        .layer(TraceLayer::new_for_http())
}

/// How long in-flight requests may take to finish once shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves the site on an already bound listener until `shutdown` resolves; then lets in-flight
/// requests finish for at most [`SHUTDOWN_GRACE`]. Live updates are wired up (and, with Redis,
/// subscribed) before the first request is accepted.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut background = state.bus.start(state.store.clone()).await;
    let (hub, signals, store) = (
        state.live.clone(),
        state.bus.subscribe(),
        state.store.clone(),
    );
    background.push(tokio::spawn(async move { hub.run(store, signals).await }));
    if state.bus.uses_redis() {
        tracing::info!("live updates, sessions and log-in rate limits go through Redis");
    }
    let started = Arc::new(tokio::sync::Notify::new());
    let notify = started.clone();
    let runs = state.runs.clone();
    let comparisons = state.comparisons.clone();
    let (tally, store) = (state.tally.clone(), state.store.clone());
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        organizer::cancel_all(&runs);
        organizer::formats::cancel_all(&comparisons);
        notify.notify_one();
    });
    let result = tokio::select! {
        result = server => result,
        () = async {
            started.notified().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            tracing::warn!(grace.seconds = SHUTDOWN_GRACE.as_secs(), "requests still running after the grace period; stopping anyway");
            Ok(())
        }
    };
    for task in background {
        task.abort();
    }
    public::slides::flush_at_exit(&tally, &*store).await;
    result
}
