//! `podium import FILE --conference SLUG [--dry-run]`: bring a schedule exported by another
//! system (frab or pretalx XML/JSON, Pentabarf-era XML, iCalendar, spreadsheet CSV) into
//! podium as a new conference, or update the conference of that slug in place (talks matched
//! by GUID, never duplicated; rules in podium-store's `merge` module). Lenient: what had to be guessed or
//! adjusted is printed as warnings. One transaction: it applies fully or not at all.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use podium_app::import;
use podium_domain::Slug;
use podium_formats::ImportOptions;
use podium_store::{SqlStore, StoreError, redact_url};

use crate::config::DbArgs;

/// The largest file `podium import` reads.
const MAX_FILE_BYTES: u64 = 100_000_000;

/// Arguments of `podium import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file: frab/pretalx/Pentabarf `schedule.xml`, frab/pretalx `schedule.json`, `.ics`,
    /// or `.csv` (columns in docs/formats.md).
    pub file: PathBuf,
    /// URL segment of the conference to create or update (`/SLUG/schedule`).
    #[arg(long)]
    pub conference: String,
    /// CSV only: the IANA zone of the file's local times (default UTC, with a warning).
    #[arg(long)]
    pub timezone: Option<String>,
    /// CSV only: the conference days, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`; needed when no
    /// row has a start time.
    #[arg(long)]
    pub dates: Option<String>,
    /// Show what would be created or changed, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs the command: exit 0 when imported (or a dry run succeeded), 2 for unusable input.
pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let slug = match Slug::parse(&args.conference) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: --conference: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    if size > MAX_FILE_BYTES {
        eprintln!(
            "error: {} is {} MB; schedules larger than {} MB are refused (the largest real ones are about 5 MB)",
            args.file.display(),
            size / 1_000_000,
            MAX_FILE_BYTES / 1_000_000
        );
        return Ok(ExitCode::from(2));
    }
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let dates = match args.dates.as_deref().map(ImportOptions::parse_dates) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            eprintln!("error: --dates: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let options = ImportOptions {
        timezone: args.timezone.clone(),
        title: None,
        dates,
    };
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let imported = match import::read(&name, &bytes, &options) {
        Ok(i) => i,
        Err(import::ImportError::Unreadable { source, .. }) => {
            eprintln!("error: {}: cannot import: {source}", args.file.display());
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    let warnings = imported.warnings.len();
    let url = args.db.resolve_existing();
    if args.dry_run && url.is_none() {
        // No database yet, so no conference to update: say what would be created.
        let mut program = imported.program;
        program.conference.slug = slug;
        println!("new conference: {}", import::summary(&program));
        println!("dry run: nothing was written");
        return Ok(ExitCode::SUCCESS);
    }
    let url = match url {
        Some(url) => url,
        None => args.db.resolve()?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = SqlStore::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", redact_url(&url)))?;
        let result = import::apply(&store, &slug, imported, args.dry_run).await;
        store.close().await;
        match result {
            Ok(outcome) => {
                for line in outcome.describe() {
                    println!("{line}");
                }
                if args.dry_run {
                    println!("dry run: nothing was written");
                } else {
                    println!("imported into /{slug}/ ({warnings} warnings)");
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(import::ImportError::Store(StoreError::Invalid(e))) => {
                eprintln!("error: {}: cannot import: {e}", args.file.display());
                Ok(ExitCode::from(2))
            }
            Err(e) => Err(e).context("writing the imported program"),
        }
    })
}
