//! Importing a schedule file into podium, the same way from the command line and from the
//! organizer's web page: read the file with the right importer, then create the conference
//! or, when it exists, update it in place (by GUID, never duplicating).

use podium_domain::{ConferenceId, NewProgram, Slug};
use podium_formats::{Format, ImportOptions, Imported};
use podium_store::{ImportReport, Store, StoreError};

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not a format podium reads.
    #[error(
        "{0}: not a schedule podium can read (expected frab/pretalx XML or JSON, iCalendar, or CSV)"
    )]
    UnknownFormat(String),
    /// The importer refused it.
    #[error("{file}: {source}")]
    Unreadable {
        /// The file's name.
        file: String,
        /// What was wrong.
        source: podium_formats::ImportError,
    },
    /// The database refused it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a file with the importer its name or first bytes call for.
pub fn read(
    file_name: &str,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let format = Format::detect(file_name, bytes)
        .ok_or_else(|| ImportError::UnknownFormat(file_name.to_owned()))?;
    format
        .import(bytes, options)
        .map_err(|source| ImportError::Unreadable {
            file: file_name.to_owned(),
            source,
        })
}

/// What an import did, or for a dry run would do.
#[derive(Debug)]
pub enum Outcome {
    /// A new conference (`None` id on a dry run).
    Created {
        /// The new conference.
        id: Option<ConferenceId>,
        /// One line describing what it holds.
        summary: String,
    },
    /// An existing conference, updated in place.
    Updated {
        /// The conference.
        id: ConferenceId,
        /// What changed.
        report: Box<ImportReport>,
    },
}

impl Outcome {
    /// Lines a person reads: what was (or would be) created and changed.
    pub fn describe(&self) -> Vec<String> {
        match self {
            Outcome::Created { summary, .. } => vec![format!("new conference: {summary}")],
            Outcome::Updated { report, .. } => describe(report),
        }
    }
}

/// One line about a program: rooms, tracks, speakers, talks and placements.
pub fn summary(p: &NewProgram) -> String {
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

/// Lines about a re-import: counts first, then the details.
pub fn describe(r: &ImportReport) -> Vec<String> {
    if r.is_empty() {
        let mut lines = vec!["nothing to change: the conference already matches the file".into()];
        lines.extend(r.notes.iter().cloned());
        return lines;
    }
    let mut lines = vec![format!(
        "talks: {} new, {} updated, {} unchanged, {} not in the file (left alone); {} placements changed",
        r.talks_created.len(),
        r.talks_updated.len(),
        r.talks_unchanged,
        r.talks_not_in_file.len(),
        r.placements_changed
    )];
    let mut list = |label: &str, items: &[String]| {
        if !items.is_empty() {
            lines.push(format!("{label}: {}", items.join("; ")));
        }
    };
    list("new rooms", &r.rooms_created);
    list("new tracks", &r.tracks_created);
    list("new speakers", &r.speakers_created);
    list("updated speakers", &r.speakers_updated);
    list("new talks", &r.talks_created);
    list("updated talks", &r.talks_updated);
    if r.grid_replaced {
        lines.push("the day grid (sessions, slots, breaks) is replaced by the file's".into());
    }
    if let Some(v) = &r.released {
        lines.push(format!("released as version {v}"));
    }
    lines.extend(r.notes.iter().cloned());
    lines
}

/// Imports `imported` as conference `slug`: creates it, or updates it when it exists.
pub async fn apply(
    store: &dyn Store,
    slug: &Slug,
    mut imported: Imported,
    dry_run: bool,
) -> Result<Outcome, ImportError> {
    imported.program.conference.slug = slug.clone();
    let program = imported.program;
    match store.conference_by_slug(slug.as_str()).await {
        Ok(existing) => {
            let report = store.import_into(existing.id, &program, dry_run).await?;
            Ok(Outcome::Updated {
                id: existing.id,
                report: Box::new(report),
            })
        }
        Err(StoreError::NotFound(_)) => {
            program.validate().map_err(StoreError::from)?;
            let id = if dry_run {
                None
            } else {
                Some(store.create_program(&program).await?)
            };
            Ok(Outcome::Created {
                id,
                summary: summary(&program),
            })
        }
        Err(e) => Err(e.into()),
    }
}
