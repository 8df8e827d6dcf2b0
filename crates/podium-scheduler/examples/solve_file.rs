//! Solves an instance file with the library alone (no web crates needed), for benchmarking and
//! tuning: `cargo run --release -p podium-scheduler --example solve_file -- INSTANCE SECONDS
//! [SEED] [THREADS] [OUT] [T0 T1]`. Prints one line: objective, metrics, bound, iterations. The supported
//! command is `podium schedule`; this exists so the engine can be measured on its own.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use podium_scheduler::{Instance, SolveOptions, solve};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: solve_file INSTANCE SECONDS [SEED] [THREADS] [OUT]".into());
    }
    let instance = Instance::from_json(&std::fs::read_to_string(&args[1])?)?;
    let options = SolveOptions {
        seed: args.get(3).map_or(Ok(1), |s| s.parse())?,
        threads: args.get(4).map_or(Ok(2), |s| s.parse())?,
        time_limit: Some(Duration::from_secs_f64(args[2].parse()?)),
        temperatures: match (args.get(6), args.get(7)) {
            (Some(a), Some(b)) => Some((a.parse()?, b.parse()?)),
            _ => None,
        },
        ..SolveOptions::default()
    };
    let s = solve(&instance, &options, &AtomicBool::new(false), &|_| {})?;
    if let Some(out) = args.get(5) {
        std::fs::write(out, serde_json::to_string(&s)?)?;
    }
    let m = &s.metrics;
    println!(
        "{} objective {:.2} unscheduled {} missed {} topic_mix {} overflow {} bound {:.2} seconds {:.2} iterations {}",
        s.instance,
        m.objective,
        m.unscheduled,
        m.missed,
        m.topic_mix,
        m.overflow,
        s.solver.lower_bound,
        s.solver.seconds,
        s.solver.iterations
    );
    Ok(())
}
