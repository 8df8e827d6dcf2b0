//! `podium cosplib`: solve a CoSPLib benchmark instance (.xlsx) and write a solution workbook in
//! the authors' layout, or score a solution workbook exactly as the authors' checker does.
//! The model, evaluator and search live in podium-cosplib; design in docs/scheduler.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use podium_cosplib::{
    Evaluation, Instance, Solution, SolveOptions, evaluate, solve, write_solution,
};

/// Arguments of `podium cosplib`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CosplibArgs {
    #[command(subcommand)]
    pub command: Option<CosplibCommand>,
    /// Instance workbook (CoSPLib .xlsx).
    #[arg(required = true)]
    pub instance: Option<PathBuf>,
    /// Where to write the solution workbook (sheets `sol` and `violations`).
    #[arg(short = 'o', long = "output", required = true)]
    pub output: Option<PathBuf>,
    /// Search time limit in seconds.
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Iterations per thread; with it the result is reproducible for a seed (the search stops
    /// at whichever of this and the time limit comes first).
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Independent search threads (the best wins).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// Subcommands of `podium cosplib`.
#[derive(Debug, clap::Subcommand)]
pub enum CosplibCommand {
    /// Score a solution workbook as the authors' current checker does, with the breakdown.
    Evaluate {
        /// Instance workbook.
        instance: PathBuf,
        /// Solution workbook (its first sheet is read, as the checker does).
        solution: PathBuf,
    },
}

/// Exit code for malformed input, as `podium schedule` uses.
const MALFORMED: u8 = 2;

/// Runs the command; exit code 2 for malformed input (one error line on stderr).
pub fn run(args: CosplibArgs) -> anyhow::Result<ExitCode> {
    let malformed = |msg: String| {
        eprintln!("error: {msg}");
        Ok(ExitCode::from(MALFORMED))
    };
    if let Some(CosplibCommand::Evaluate { instance, solution }) = &args.command {
        let instance = match Instance::read(instance) {
            Ok(i) => i,
            Err(e) => return malformed(format!("{}: {e}", instance.display())),
        };
        let read = match Solution::read(&instance, solution) {
            Ok(s) => s,
            Err(e) => return malformed(format!("{}: {e}", solution.display())),
        };
        print_evaluation(&evaluate(&instance, &read));
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(path), Some(output)) = (&args.instance, &args.output) else {
        return malformed("an instance and -o SOLUTION.xlsx are required".to_owned());
    };
    if !(args.time_limit.is_finite() && args.time_limit >= 0.0) {
        return malformed(format!(
            "--time-limit: {} is not a number of seconds",
            args.time_limit
        ));
    }
    let instance = match Instance::read(path) {
        Ok(i) => i,
        Err(e) => return malformed(format!("{}: {e}", path.display())),
    };
    println!(
        "instance {}: {} tracks, {} sessions, {} rooms, {} submissions",
        instance.name,
        instance.tracks.len(),
        instance.sessions.len(),
        instance.rooms.len(),
        instance.submissions.len()
    );
    let options = SolveOptions {
        seed: args.seed,
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        max_iterations: args.iterations,
        threads: args.threads.max(1),
    };
    let result = solve(&instance, &options);
    let evaluation = evaluate(&instance, &result.solution);
    print_evaluation(&evaluation);
    println!("lower bound {}", result.lower_bound);
    println!(
        "first feasible after {:.3} s; {} iterations on {} threads",
        result.time_to_feasible.as_secs_f64(),
        result.iterations,
        options.threads
    );
    let improvements: Vec<String> = result
        .trace
        .iter()
        .map(|(t, v)| format!("{:.3}s {v}", t.as_secs_f64()))
        .collect();
    println!("improvements: {}", improvements.join(", "));
    write(&instance, &result.solution, output)?;
    println!("wrote {}", output.display());
    Ok(ExitCode::SUCCESS)
}

fn write(instance: &Instance, solution: &Solution, output: &Path) -> anyhow::Result<()> {
    write_solution(instance, solution, output)
        .with_context(|| format!("writing {}", output.display()))
}

fn print_evaluation(evaluation: &Evaluation) {
    println!(
        "objective {} (all submissions scheduled: {}, valid: {})",
        evaluation.total, evaluation.all_scheduled, evaluation.valid
    );
    for term in evaluation.terms.iter().filter(|t| t.value != 0) {
        println!(
            "  {}: {} x {} = {}",
            term.penalty.label(),
            term.weight,
            term.count,
            term.value
        );
    }
}
