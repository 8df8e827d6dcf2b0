//! The `podium` binary: command line and configuration. Everything else lives in the crates.

mod plan_cmd;
mod schedule_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "podium", version, about = "Conference program platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a schedule from an instance file.
    Schedule(schedule_cmd::ScheduleArgs),
    /// Compare single-track, multi-track and mixed formats for a venue.
    Plan(plan_cmd::PlanArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schedule(args) => schedule_cmd::run(args),
        Command::Plan(args) => plan_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
