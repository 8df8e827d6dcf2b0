//! `podium plan`: compare single-track, multi-track and mixed formats for one venue. It builds
//! each format's slot grid from VENUE.json (docs/venue-format.md), schedules the talks and
//! wishes of an instance file on every grid, and prints the metrics side by side.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use podium_scheduler::{Format, Instance, SolveOptions, Venue, solve};

/// Arguments of `podium plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Venue file (podium.venue/1): rooms, days, daily sessions, slot length.
    pub venue: PathBuf,
    /// Instance file whose talks, speakers, attendees and weights are planned (its rooms,
    /// slots and pins are ignored).
    #[arg(long)]
    pub talks: PathBuf,
    /// Search time limit per format, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub time_limit: f64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Search workers per format.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// Runs the command; exit code 2 for malformed input (one error line on stderr).
pub fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let malformed = |msg: String| {
        eprintln!("error: {msg}");
        Ok(ExitCode::from(2))
    };
    let venue = match std::fs::read_to_string(&args.venue)
        .map_err(|e| e.to_string())
        .and_then(|t| Venue::from_json(&t).map_err(|e| format!("venue JSON: {e}")))
    {
        Ok(v) => v,
        Err(e) => return malformed(format!("{}: {e}", args.venue.display())),
    };
    let talks = match std::fs::read_to_string(&args.talks)
        .map_err(|e| e.to_string())
        .and_then(|t| Instance::from_json(&t).map_err(|e| e.to_string()))
    {
        Ok(i) => i,
        Err(e) => return malformed(format!("{}: {e}", args.talks.display())),
    };
    if !(args.time_limit.is_finite() && args.time_limit >= 0.0) {
        return malformed(format!(
            "--time-limit: {} is not a number of seconds",
            args.time_limit
        ));
    }
    let options = SolveOptions {
        seed: args.seed,
        threads: args.threads.max(1),
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        ..SolveOptions::default()
    };
    // Build every grid first, so a bad venue fails before any output.
    let mut instances = Vec::new();
    for format in Format::ALL {
        match venue.instance(&talks, format) {
            Ok(i) => instances.push((format, i)),
            Err(e) => return malformed(format!("{}: {e}", args.venue.display())),
        }
    }
    println!(
        "{:<13} {:>6} {:>11} {:>6} {:>7} {:>8} {:>9} {:>9} {:>11}",
        "format",
        "slots",
        "unscheduled",
        "missed",
        "missing",
        "topic_mix",
        "overflow",
        "objective",
        "lower_bound"
    );
    for (format, instance) in instances {
        let solution = match solve(&instance, &options, &AtomicBool::new(false), &|_| {}) {
            Ok(s) => s,
            Err(e) => return malformed(format!("{}: {e}", args.talks.display())),
        };
        let m = &solution.metrics;
        println!(
            "{:<13} {:>6} {:>11} {:>6} {:>7} {:>8} {:>9} {:>9.2} {:>11.2}",
            format.name(),
            instance.slots.len(),
            m.unscheduled,
            m.missed,
            m.attendees_missing_any,
            m.topic_mix,
            m.overflow,
            m.objective,
            solution.solver.lower_bound
        );
    }
    println!(
        "(objectives compare only between formats with equal unscheduled; missing = attendees missing at least one wanted talk)"
    );
    Ok(ExitCode::SUCCESS)
}
