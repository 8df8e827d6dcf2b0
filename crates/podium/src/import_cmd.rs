//! `podium import FILE --conference SLUG [--dry-run]`: bring a schedule exported by another
//! system (frab or pretalx XML/JSON, Pentabarf-era XML, iCalendar, spreadsheet CSV) into
//! podium as a new conference with a released version. Lenient: what had to be guessed or
//! adjusted is printed as warnings. One transaction: it applies fully or not at all.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use podium_domain::{NewProgram, Slug};
use podium_formats::{Format, ImportOptions, Imported};
use podium_store::{SqlStore, Store, StoreError, redact_url};

use crate::config::DbArgs;

/// The largest file `podium import` reads.
const MAX_FILE_BYTES: u64 = 100_000_000;

/// Arguments of `podium import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file: frab/pretalx/Pentabarf `schedule.xml`, frab/pretalx `schedule.json`, `.ics`,
    /// or `.csv` (columns in docs/formats.md).
    pub file: PathBuf,
    /// URL segment of the conference to create (`/SLUG/schedule`).
    #[arg(long)]
    pub conference: String,
    /// CSV only: the IANA zone of the file's local times (default UTC, with a warning).
    #[arg(long)]
    pub timezone: Option<String>,
    /// CSV only: the conference days, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`; needed when no
    /// row has a start time.
    #[arg(long)]
    pub dates: Option<String>,
    /// Show what would be created, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Database settings.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Which importer reads the file: by extension, else by its first characters.
fn parse(
    path: &std::path::Path,
    bytes: &[u8],
    options: &ImportOptions,
) -> anyhow::Result<Imported> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let Some(format) = Format::detect(&name, bytes) else {
        anyhow::bail!(
            "{}: not a schedule podium can read (expected frab/pretalx XML or JSON, iCalendar or CSV)",
            path.display()
        );
    };
    format
        .import(bytes, options)
        .with_context(|| format!("{}: cannot import", path.display()))
}

fn summary(p: &NewProgram) -> String {
    let c = &p.conference;
    format!(
        "{} ({} to {}, {}): {} rooms, {} tracks, {} speakers, {} talks of which {} placed; version {}",
        c.name,
        c.start_date,
        c.end_date,
        c.timezone,
        p.rooms.len(),
        p.tracks.len(),
        p.speakers.len(),
        p.talks.len(),
        p.placements.len(),
        p.release.as_deref().unwrap_or("(none)")
    )
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
    let mut imported = match parse(&args.file, &bytes, &options) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    imported.program.conference.slug = slug.clone();
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    println!("{}", summary(&imported.program));
    if args.dry_run {
        println!("dry run: nothing was written");
        return Ok(ExitCode::SUCCESS);
    }
    let url = args.db.resolve()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let store = SqlStore::connect(&url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", redact_url(&url)))?;
        let result = store.create_program(&imported.program).await;
        store.close().await;
        match result {
            Ok(_) => {
                println!("imported into /{slug}/ ({} warnings)", imported.warnings.len());
                Ok(ExitCode::SUCCESS)
            }
            Err(StoreError::Conflict { .. }) => anyhow::bail!(
                "conference {slug} exists already; updating an existing conference from a file is not built yet, so choose another --conference"
            ),
            Err(e) => Err(e).context("writing the imported program"),
        }
    })
}
