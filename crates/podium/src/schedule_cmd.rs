//! `podium schedule`: read a podium.schedule.instance/1 file, run the engine, write a solution.
//! (Owned by the scheduler work; see docs/scheduler.md.)

use std::process::ExitCode;

/// Arguments of `podium schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Instance file (podium.schedule.instance/1).
    pub instance: std::path::PathBuf,
}

/// Runs the command; the exit code follows FORMAT.md's conventions (2 for malformed input).
pub fn run(_args: ScheduleArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
