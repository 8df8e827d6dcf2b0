//! `podium plan`: compare single-track, multi-track and mixed formats for one venue.
//! (Owned by the scheduler work; see docs/venue-format.md.)

use std::process::ExitCode;

/// Arguments of `podium plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Venue file.
    pub venue: std::path::PathBuf,
}

/// Runs the command.
pub fn run(_args: PlanArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
