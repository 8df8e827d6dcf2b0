//! The `podium` binary: command line and configuration. Everything else lives in the crates.

mod config;
mod cosplib_cmd;
mod dump_cmd;
mod import_cmd;
mod instance;
mod plan_cmd;
mod schedule_cmd;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use podium_store::{SqlStore, Store, redact_url};

#[derive(Parser)]
#[command(name = "podium", version, about = "Conference program platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (runs pending migrations first).
    Serve(config::ServeArgs),
    /// Run pending database migrations and exit.
    Migrate(config::DbArgs),
    /// Import a schedule from frab/pretalx XML or JSON, or iCalendar, as a new conference.
    Import(import_cmd::ImportArgs),
    /// Build a schedule from an instance file.
    Schedule(schedule_cmd::ScheduleArgs),
    /// Compare single-track, multi-track and mixed formats for a venue.
    Plan(plan_cmd::PlanArgs),
    /// Solve or score a CoSPLib benchmark instance (.xlsx).
    Cosplib(cosplib_cmd::CosplibArgs),
    /// Write everything of one conference as JSON (no passwords or sessions).
    Dump(dump_cmd::DumpArgs),
    /// Read a dump back as a new conference (never overwrites one).
    Restore(dump_cmd::RestoreArgs),
    /// Copy the whole install into an empty database (SQLite to PostgreSQL) and check the copy.
    Move(dump_cmd::MoveArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => runtime().and_then(|rt| {
            let result = rt.block_on(serve(args));
            // Blocking work (an engine run, a password hash) gets a moment to notice the
            // cancellation; the process never hangs on it.
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
            result
        }),
        Command::Migrate(args) => runtime().and_then(|rt| rt.block_on(migrate(args))),
        Command::Import(args) => import_cmd::run(args),
        Command::Schedule(args) => schedule_cmd::run(args),
        Command::Plan(args) => plan_cmd::run(args),
        Command::Cosplib(args) => cosplib_cmd::run(args),
        Command::Dump(args) => dump_cmd::dump(args),
        Command::Restore(args) => dump_cmd::restore(args),
        Command::Move(args) => dump_cmd::move_install(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: log collectors (Heroku, journald) get plain lines.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(colours)
        .init();
}

async fn open_store(db: &config::DbArgs) -> anyhow::Result<SqlStore> {
    let url = db.resolve()?;
    SqlStore::connect(&url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", redact_url(&url)))
}

async fn migrate(args: config::DbArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    open_store(&args).await?;
    tracing::info!("migrations are up to date");
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: config::ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    let addr = std::net::SocketAddr::new(args.bind, args.port);
    // Bind first: a taken port is reported before any database work.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    // One instance per SQLite file: a second `podium serve` on it would corrupt nothing (SQLite
    // locks) but each would cache and rate-limit alone, so refuse it plainly.
    let _instance_lock = lock_sqlite(&args.db.resolve()?)?;
    // Mail settings are checked before anything is opened: a typo stops the start.
    let mailer = podium_jobs::Mailer::new(&args.mail.settings(&args.db.data_dir))
        .context("mail settings")?;
    let store = open_store(&args.db).await?;
    let redis = match args.redis_url() {
        Some(url) => Some(
            podium_app::cluster::Redis::connect(url, &args.redis_prefix)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    // Several instances on one PostgreSQL database must all share Redis.
    let registration = instance::join(&store, redis.is_some()).await?;
    if args.demo {
        podium_app::demo::load(&store)
            .await
            .context("loading the demo conference")?;
        podium_app::demo::load_cfp(&store)
            .await
            .context("opening the demo call for proposals")?;
    }
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://localhost:{}", args.port));
    let state = podium_web::AppState::new(
        Arc::new(store.clone()),
        podium_web::WebConfig {
            public_url,
            clock: Arc::new(jiff_now),
            login_attempts_per_minute: args.login_attempts_per_minute,
            trust_proxy: args.trust_proxy,
            slides: args.slides()?,
            redis: redis.clone(),
        },
    );
    tracing::info!(
        address = %addr,
        backend = ?store.backend(),
        redis = redis.as_ref().map(|r| r.shown_url()),
        "podium is listening on http://{addr}/"
    );
    let mail_worker = podium_jobs::MailWorker::spawn(Arc::new(store.clone()), mailer);
    let served = podium_web::serve(listener, state, shutdown_signal())
        .await
        .context("serving");
    // After the last request (which may have queued mail); a mail cut off is sent again later.
    mail_worker.stop(std::time::Duration::from_secs(5)).await;
    if let Some(registration) = registration {
        registration.leave().await;
    }
    served?;
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Takes an exclusive lock beside a SQLite database file for this process's lifetime; fails
/// with a clear message when another `podium serve` holds it. PostgreSQL needs none.
fn lock_sqlite(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(None);
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Ok(None);
    }
    let lock_path = format!("{path}.instance-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot create {lock_path}"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another podium serve is already using {path}: one SQLite file serves one instance. \
             To run several instances, use PostgreSQL (DATABASE_URL=postgres://...) and Redis (REDIS_URL=redis://...)"
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {lock_path}"))
        }
    }
}

fn jiff_now() -> podium_web::Timestamp {
    podium_web::Timestamp::now()
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what Heroku, Docker and systemd send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
