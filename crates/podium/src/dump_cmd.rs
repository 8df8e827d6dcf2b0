//! Backup and move: `podium dump --conference SLUG > file.json`, `podium restore FILE` and
//! `podium move --to postgres://…`. The work is in podium-store's `dump` module; this reads the
//! arguments, opens the databases and says what happened.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use podium_domain::Slug;
use podium_store::{Backend, ConferenceDump, SqlStore, redact_url};

use crate::config::DbArgs;

/// The largest dump `podium restore` reads.
const MAX_DUMP_BYTES: u64 = 1_000_000_000;

/// Arguments of `podium dump`.
#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    /// The conference's slug.
    #[arg(long)]
    pub conference: String,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Arguments of `podium restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A file written by `podium dump`.
    pub file: PathBuf,
    /// The slug to restore as (default: the dumped conference's own). Must not exist yet.
    #[arg(long)]
    pub conference: Option<String>,
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Arguments of `podium move`.
#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    /// The empty database to move to: `postgres://user:pass@host/db` (or a `sqlite://` file).
    #[arg(long = "to", value_name = "DATABASE_URL", hide_env_values = true)]
    pub to: String,
    /// The install to move (its `DATABASE_URL`, or the SQLite file in the data directory).
    #[command(flatten)]
    pub db: DbArgs,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn open(url: &str) -> anyhow::Result<SqlStore> {
    SqlStore::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", redact_url(url)))
}

/// The existing database, or an error saying there is none.
fn existing(db: &DbArgs) -> anyhow::Result<String> {
    db.resolve_existing().ok_or_else(|| {
        anyhow::anyhow!(
            "there is no database: no DATABASE_URL, and no podium.db in {}",
            db.data_dir.display()
        )
    })
}

/// `podium dump`: exit 0 with the JSON written, 2 for an unknown or invalid slug.
pub fn dump(args: DumpArgs) -> anyhow::Result<ExitCode> {
    let url = existing(&args.db)?;
    let rt = runtime()?;
    let result = rt.block_on(async {
        let store = open(&url).await?;
        let dump = store.dump_conference(&args.conference).await;
        store.close().await;
        anyhow::Ok(dump)
    })?;
    let dump = match result {
        Ok(d) => d,
        Err(podium_store::DumpError::NoConference(slug)) => {
            eprintln!("error: there is no conference {slug:?} in this database");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e).context("dumping the conference"),
    };
    let mut json = serde_json::to_vec_pretty(&dump).context("writing the dump")?;
    json.push(b'\n');
    match &args.output {
        Some(path) => {
            std::fs::write(path, &json).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout()
            .lock()
            .write_all(&json)
            .context("writing to standard output")?,
    }
    eprintln!("{}", summary(&dump, "dumped"));
    Ok(ExitCode::SUCCESS)
}

/// "dumped pyconf-2027: 80 talks, 4 proposals, 12 users".
fn summary(dump: &ConferenceDump, verb: &str) -> String {
    let n = |t: &str| dump.tables.get(t).map_or(0, Vec::len);
    format!(
        "{verb} {}: {} talks, {} speakers, {} schedule versions, {} proposals, {} reviews, {} sponsors, {} feedback, {} users",
        dump.conference,
        n("talks"),
        n("speakers"),
        n("schedule_versions"),
        n("proposals"),
        n("reviews"),
        n("sponsors"),
        n("feedback"),
        dump.users.len()
    )
}

/// `podium restore`: exit 0 when restored, 2 when the file or slug cannot be used (a taken
/// slug included: nothing is ever overwritten).
pub fn restore(args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    if size > MAX_DUMP_BYTES {
        eprintln!(
            "error: {} is larger than {} MB",
            args.file.display(),
            MAX_DUMP_BYTES / 1_000_000
        );
        return Ok(ExitCode::from(2));
    }
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let dump: ConferenceDump = match serde_json::from_slice(&bytes) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {} is not a podium dump: {e}", args.file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let slug = args
        .conference
        .clone()
        .unwrap_or_else(|| dump.conference.clone());
    let slug = match Slug::parse(&slug) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --conference: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let url = args.db.resolve()?;
    let rt = runtime()?;
    let result = rt.block_on(async {
        let store = open(&url).await?;
        let r = store.restore_conference(&dump, slug.as_str()).await;
        store.close().await;
        anyhow::Ok(r)
    })?;
    match result {
        Ok(_) => {
            let mut shown = dump.clone();
            shown.conference = slug.as_str().to_owned();
            eprintln!("{}", summary(&shown, "restored"));
            if dump
                .tables
                .get("talk_slides")
                .is_some_and(|t| !t.is_empty())
            {
                eprintln!(
                    "note: uploaded slide PDFs are not in the dump; copy the slides/ folder of the old data directory (or the S3 bucket) along"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(
            e @ (podium_store::DumpError::SlugTaken(_)
            | podium_store::DumpError::Format(_)
            | podium_store::DumpError::UnknownSchema(_)),
        ) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context("restoring the conference"),
    }
}

/// `podium move`: copies the install into an empty database and checks the copy; exit 0 when
/// every conference reads back the same, 2 when the target is unusable.
pub fn move_install(args: MoveArgs) -> anyhow::Result<ExitCode> {
    let from = existing(&args.db)?;
    let to = args.to.trim().to_owned();
    if Backend::from_url(&to).is_none() {
        eprintln!("error: --to must be a postgres:// (or sqlite://) database URL");
        return Ok(ExitCode::from(2));
    }
    if to == from {
        eprintln!("error: --to names the database being moved");
        return Ok(ExitCode::from(2));
    }
    // No `podium serve` may write to the SQLite file while it is copied.
    let _lock = crate::lock_sqlite(&from)?;
    let rt = runtime()?;
    let result = rt.block_on(async {
        let source = open(&from).await?;
        let target = open(&to).await?;
        let r = source.move_install(&target).await;
        source.close().await;
        target.close().await;
        anyhow::Ok(r)
    })?;
    match result {
        Ok(report) => {
            let total: u64 = report.rows.values().sum();
            eprintln!(
                "moved {} conferences ({}), {} users and {total} rows from {} to {}; every conference's dump reads the same on both",
                report.conferences.len(),
                report.conferences.join(", "),
                report.rows.get("users").copied().unwrap_or_default(),
                redact_url(&from),
                redact_url(&to)
            );
            eprintln!(
                "next: set DATABASE_URL={} for podium serve (slide PDFs stay in the data directory or bucket they are in)",
                redact_url(&to)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ podium_store::DumpError::TargetNotEmpty(_)) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context("moving the install"),
    }
}
