//! `podium schedule`: read a podium.schedule.instance/1 file, run the engine, write a solution,
//! and print a summary (metrics, lower bound, unplaced and moved talks, unhappiest attendees).
//! Design of the engine: docs/scheduler.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::Context;
use podium_scheduler::{Instance, Progress, Solution, SolveOptions, evaluate, solve};

/// Arguments of `podium schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Instance file (podium.schedule.instance/1).
    pub instance: PathBuf,
    /// Where to write the solution (podium.schedule.solution/1).
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Search time limit in seconds.
    #[arg(long, default_value_t = 5.0)]
    pub time_limit: f64,
    /// Iterations per worker; with it the result is reproducible for a seed (the search stops
    /// at whichever of this and the time limit comes first).
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Search workers (independent starts, merged deterministically).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// A previous solution to stay close to: re-optimize moving as few talks as possible.
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// With --keep: objective penalty per moved talk (in units of one missed talk).
    #[arg(long, default_value_t = 30.0)]
    pub move_weight: f64,
}

/// Exit code for malformed input, as validate.py uses.
const MALFORMED: u8 = 2;

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs the command; exit code 2 for malformed input (one error line on stderr).
pub fn run(args: ScheduleArgs) -> anyhow::Result<ExitCode> {
    let malformed = |msg: String| {
        eprintln!("error: {msg}");
        Ok(ExitCode::from(MALFORMED))
    };
    let text = match read(&args.instance) {
        Ok(t) => t,
        Err(e) => return malformed(e),
    };
    let instance = match Instance::from_json(&text) {
        Ok(i) => i,
        Err(e) => return malformed(format!("{}: {e}", args.instance.display())),
    };
    let keep = match &args.keep {
        Some(path) => {
            let text = match read(path) {
                Ok(t) => t,
                Err(e) => return malformed(e),
            };
            match Solution::from_json(&text) {
                Ok(s) => Some(s.assignments),
                Err(e) => return malformed(format!("{}: {e}", path.display())),
            }
        }
        None => None,
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
        iterations: args.iterations,
        keep,
        move_weight: args.move_weight,
        exact: true,
        temperatures: None,
    };

    let cancel = AtomicBool::new(false);
    let last_line = Mutex::new(None::<Instant>);
    let progress = |p: &Progress| {
        let mut last = last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|l| l.elapsed() < Duration::from_millis(500)) {
            return;
        }
        *last = Some(Instant::now());
        eprintln!(
            "[{:6.2}s] best {:.2} ({} unscheduled)  lower bound {:.2}  gap {}",
            p.seconds,
            p.objective,
            p.unscheduled,
            p.lower_bound,
            gap_text(p.objective, p.lower_bound),
        );
    };
    let solution = match solve(&instance, &options, &cancel, &progress) {
        Ok(s) => s,
        Err(e) => return malformed(format!("{}: {e}", args.instance.display())),
    };

    let json = serde_json::to_string_pretty(&solution).context("serializing the solution")?;
    std::fs::write(&args.output, json + "\n")
        .with_context(|| format!("writing {}", args.output.display()))?;

    print_summary(&instance, &solution)?;
    eprintln!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

fn gap_text(objective: f64, bound: f64) -> String {
    if objective <= 0.0 {
        "0.0%".to_string()
    } else {
        format!("{:.1}%", 100.0 * (objective - bound) / objective.max(1.0))
    }
}

fn print_summary(instance: &Instance, s: &Solution) -> anyhow::Result<()> {
    let m = &s.metrics;
    let rows: [(&str, String); 13] = [
        ("unscheduled", m.unscheduled.to_string()),
        ("missed", m.missed.to_string()),
        ("attendees", m.attendees.to_string()),
        ("attendees missing any", m.attendees_missing_any.to_string()),
        ("worst attendee missed", m.worst_attendee_missed.to_string()),
        ("topic mix", m.topic_mix.to_string()),
        ("sessions", m.sessions.to_string()),
        ("mixed sessions", m.mixed_sessions.to_string()),
        ("overflow", m.overflow.to_string()),
        ("objective", format!("{:.6}", m.objective)),
        (
            "lower bound",
            format!(
                "{:.6}{}",
                s.solver.lower_bound,
                if s.solver.proven_optimal {
                    " (proven optimal)"
                } else {
                    ""
                }
            ),
        ),
        ("gap", gap_text(m.objective, s.solver.lower_bound)),
        (
            "seconds",
            format!(
                "{:.2} ({} iterations, {} threads)",
                s.solver.seconds, s.solver.iterations, s.solver.threads
            ),
        ),
    ];
    println!("{:<24} value", "metric");
    for (k, v) in rows {
        println!("{k:<24} {v}");
    }
    for d in &s.solver.diagnostics {
        println!("diagnostic: {d}");
    }
    for u in &s.unscheduled {
        println!("unscheduled {}: {}", u.talk, u.reason);
    }
    if !s.solver.moved.is_empty() {
        println!("moved talks ({}):", s.solver.moved.len());
        for mv in &s.solver.moved {
            println!(
                "  {}: {} -> {}",
                mv.talk,
                mv.from,
                mv.to.as_deref().unwrap_or("(unscheduled)")
            );
        }
    }
    let report = evaluate(instance, &s.assignments).context("re-evaluating the solution")?;
    if !report.unhappiest.is_empty() {
        println!("unhappiest attendees (misses: talks):");
        for a in report.unhappiest.iter().take(10) {
            println!(
                "  {:<10} {}: {}",
                a.attendee,
                a.talks.len(),
                a.talks.join(", ")
            );
        }
    }
    Ok(())
}
