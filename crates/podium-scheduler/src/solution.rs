//! The solve entry point and the solution document (`podium.schedule.solution/1`): runs the
//! diagnoses, the lower bound, the multi-start search on `threads` workers
//! (`std::thread::scope`), the exact proof on tiny instances, and assembles the result.
//! Pure: no I/O; reads the clock only for the time limit and the reported seconds.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::bound::lower_bound;
use crate::diagnose::{diagnose, unplaced_reason};
use crate::error::InstanceError;
use crate::evaluate::{Assignment, Metrics, evaluate_problem, round6};
use crate::exact::solve_exact;
use crate::instance::Instance;
use crate::problem::Problem;
use crate::rng::{Rng, splitmix64};
use crate::search::{
    Budget, Neighbourhood, Progress, Shared, anneal, construct, place_anchors, repair,
};
use crate::state::{NONE, State};

/// The `format` tag every solution carries.
pub const SOLUTION_FORMAT: &str = "podium.schedule.solution/1";

/// Largest instance the exact search is tried on (talks), and its node budget.
const EXACT_MAX_TALKS: usize = 16;
const EXACT_NODE_LIMIT: u64 = 20_000_000;
/// Annealing iterations per worker before the exact search, when no budget is given.
const EXACT_INCUMBENT_ITERATIONS: u64 = 20_000;

/// How to solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Base seed; worker `i` uses a seed derived from it.
    pub seed: u64,
    /// Search workers (independent multi-start); 0 is treated as 1.
    pub threads: usize,
    /// Wall-clock limit for the search. With it, the result may depend on machine speed.
    pub time_limit: Option<Duration>,
    /// Iterations per worker. When the search stops on this budget (not on the time limit or
    /// the cancel flag), the result is a function of (instance, options) only.
    pub iterations: Option<u64>,
    /// Keep mode: the previous schedule to stay close to.
    pub keep: Option<Vec<Assignment>>,
    /// Keep mode: objective penalty per talk moved off its previous slot.
    pub move_weight: f64,
    /// Try to prove optimality by branch and bound on tiny instances (≤ 16 talks).
    pub exact: bool,
    /// Annealing start and end temperatures, in objective units (one missed talk at weight 1
    /// is 1.0); `None` picks them from the weights.
    pub temperatures: Option<(f64, f64)>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            seed: 1,
            threads: 1,
            time_limit: Some(Duration::from_secs(3)),
            iterations: None,
            keep: None,
            move_weight: 30.0,
            exact: true,
            temperatures: None,
        }
    }
}

/// A talk that could not be placed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unscheduled {
    /// Talk id.
    pub talk: String,
    /// A reason a person understands.
    pub reason: String,
}

/// A talk whose start slot differs from the previous schedule (keep mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovedTalk {
    /// Talk id.
    pub talk: String,
    /// Previous slot.
    pub from: String,
    /// New slot, or `None` when it is no longer scheduled.
    pub to: Option<String>,
}

/// Free-form solver facts (FORMAT.md's `solver`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SolverInfo {
    /// Wall-clock seconds spent.
    pub seconds: f64,
    /// Base seed.
    pub seed: u64,
    /// Workers used.
    pub threads: usize,
    /// Iterations done, summed over workers.
    pub iterations: u64,
    /// Proven lower bound on the objective (of a complete schedule when `unscheduled` is 0;
    /// otherwise the part valid for any schedule).
    pub lower_bound: f64,
    /// `(objective − lower_bound) / max(objective, 1)`.
    pub gap: f64,
    /// True when the exact search proved this schedule optimal.
    pub proven_optimal: bool,
    /// Nodes of the exact search (0 when it did not run).
    pub exact_nodes: u64,
    /// Infeasibility findings made before search.
    pub diagnostics: Vec<String>,
    /// Keep mode: talks moved off their previous slot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<MovedTalk>,
}

/// A schedule with its metrics (`podium.schedule.solution/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    /// Must be [`SOLUTION_FORMAT`].
    pub format: String,
    /// The instance's name.
    #[serde(default)]
    pub instance: String,
    /// Placed talks, in talk order.
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    /// Talks not placed, with reasons.
    #[serde(default)]
    pub unscheduled: Vec<Unscheduled>,
    /// Metrics exactly as validate.py computes them.
    #[serde(default)]
    pub metrics: Metrics,
    /// Solver facts.
    #[serde(default)]
    pub solver: SolverInfo,
}

impl Solution {
    /// Parses a solution (e.g. the previous one for keep mode) and checks its format.
    pub fn from_json(text: &str) -> Result<Solution, InstanceError> {
        let s: Solution = serde_json::from_str(text).map_err(|source| InstanceError::Json {
            what: "previous solution",
            source,
        })?;
        if s.format != SOLUTION_FORMAT {
            return Err(InstanceError::PreviousFormat {
                expected: SOLUTION_FORMAT,
                found: s.format,
            });
        }
        Ok(s)
    }
}

/// Schedules `instance`. Never breaks a hard constraint: talks that cannot be placed are listed
/// in `unscheduled` with reasons. `cancel` stops the search early (the best so far is returned);
/// `progress` is called from worker threads, at most every 100 ms, when the best improves.
/// Errors only for invalid input.
pub fn solve(
    instance: &Instance,
    options: &SolveOptions,
    cancel: &AtomicBool,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Solution, InstanceError> {
    let start = Instant::now();
    let p = Problem::build(instance)?;
    let diagnostics = diagnose(&p);
    let bound = lower_bound(&p);

    let anchors: Vec<u32> = match &options.keep {
        Some(previous) => {
            let mut a = vec![NONE; p.talks.len()];
            for asg in previous {
                if let (Some(&t), Some(&s)) =
                    (p.talk_index.get(&asg.talk), p.slot_index.get(&asg.slot))
                {
                    a[t] = s as u32;
                }
            }
            a
        }
        None => Vec::new(),
    };
    let move_weight = if options.keep.is_some() {
        options.move_weight.max(0.0)
    } else {
        0.0
    };

    let threads = options.threads.max(1);
    let shared = Shared {
        best: Mutex::new((i64::MAX, f64::INFINITY)),
        last_emit: Mutex::new(None),
        lower_bound: round6(bound.complete(&p)),
        progress,
    };
    // On tiny instances the exact search settles the answer; the annealing only needs to hand
    // it a good incumbent, so it gets a short iteration budget.
    let exact_applies = options.exact && options.keep.is_none() && p.talks.len() <= EXACT_MAX_TALKS;
    let budget = Budget {
        temperatures: options.temperatures,
        start,
        time_limit: options.time_limit,
        iterations: options
            .iterations
            .or(exact_applies.then_some(EXACT_INCUMBENT_ITERATIONS)),
        cancel,
    };
    let hood = Neighbourhood::new(&p);
    let mut seed_state = options.seed;
    let seeds: Vec<u64> = (0..threads).map(|_| splitmix64(&mut seed_state)).collect();

    let run = |worker_seed: u64| {
        let mut rng = Rng::new(worker_seed);
        let mut state = State::new(&p, anchors.clone(), move_weight);
        if !anchors.is_empty() {
            place_anchors(&mut state, &anchors);
        }
        construct(&mut state, &mut rng);
        repair(&mut state, &mut rng);
        anneal(&mut state, &hood, &mut rng, &budget, &shared)
    };
    let results = if threads == 1 {
        vec![run(seeds[0])]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = seeds
                .iter()
                .map(|&s| {
                    let run = &run;
                    scope.spawn(move || run(s))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a search worker panicked"))
                .collect::<Vec<_>>()
        })
    };
    let iterations: u64 = results.iter().map(|r| r.iterations).sum();
    // Deterministic merge: lowest cost, ties by worker index (the first in `seeds`).
    let best = results
        .into_iter()
        .reduce(|a, b| if b.cost < a.cost - 1e-9 { b } else { a })
        .expect("at least one worker");

    let mut state = State::new(&p, anchors.clone(), move_weight);
    for (t, &c) in best.at.iter().enumerate() {
        if c != NONE {
            state.place_raw(t, c as usize);
        }
    }
    let dm = state.missed_delta(&(0..p.talks.len() as u32).collect::<Vec<_>>());
    state.commit_missed(dm);

    // Exact proof on tiny instances.
    let mut proven = false;
    let mut exact_nodes = 0;
    if exact_applies && state.unplaced == 0 {
        let result = solve_exact(&p, state.objective(), EXACT_NODE_LIMIT, cancel);
        if let Some(at) = result.improved {
            let mut better = State::new(&p, Vec::new(), 0.0);
            for (t, &c) in at.iter().enumerate() {
                better.place(t, c as usize);
            }
            state = better;
        }
        proven = result.proven;
        exact_nodes = result.nodes;
    }

    Ok(assemble(
        &p,
        &state,
        &anchors,
        Assembly {
            start,
            seed: options.seed,
            threads,
            iterations,
            bound: if state.unplaced == 0 {
                bound.complete(&p)
            } else {
                bound.any(&p)
            },
            proven,
            exact_nodes,
            diagnostics,
        },
    ))
}

struct Assembly {
    start: Instant,
    seed: u64,
    threads: usize,
    iterations: u64,
    bound: f64,
    proven: bool,
    exact_nodes: u64,
    diagnostics: Vec<String>,
}

fn assemble(p: &Problem, state: &State, anchors: &[u32], a: Assembly) -> Solution {
    let assignments: Vec<Assignment> = (0..p.talks.len())
        .filter_map(|t| {
            state.start_slot(t).map(|s| Assignment {
                talk: p.talks[t].id.clone(),
                slot: p.slots[s].id.clone(),
            })
        })
        .collect();
    let unscheduled = (0..p.talks.len())
        .filter(|&t| state.at[t] == NONE)
        .map(|t| Unscheduled {
            talk: p.talks[t].id.clone(),
            reason: unplaced_reason(state, t),
        })
        .collect();
    let report = evaluate_problem(p, &assignments);
    debug_assert!(report.feasible, "{:?}", report.violations);
    debug_assert_eq!(report.metrics.missed as i64, state.missed);
    debug_assert_eq!(report.metrics.topic_mix as i64, state.topic_mix);
    let metrics = report.metrics;
    let moved = anchors
        .iter()
        .enumerate()
        .filter(|&(t, &s)| s != NONE && state.start_slot(t) != Some(s as usize))
        .map(|(t, &s)| MovedTalk {
            talk: p.talks[t].id.clone(),
            from: p.slots[s as usize].id.clone(),
            to: state.start_slot(t).map(|n| p.slots[n].id.clone()),
        })
        .collect();
    debug_assert!(
        a.bound <= metrics.objective + 1e-6,
        "bound above a found objective"
    );
    let lower_bound = if a.proven {
        metrics.objective
    } else {
        round6(a.bound)
    };
    let gap = if metrics.objective > 0.0 {
        round6((metrics.objective - lower_bound) / metrics.objective.max(1.0))
    } else {
        0.0
    };
    Solution {
        format: SOLUTION_FORMAT.to_string(),
        instance: p.name.clone(),
        assignments,
        unscheduled,
        metrics,
        solver: SolverInfo {
            seconds: round6(a.start.elapsed().as_secs_f64()),
            seed: a.seed,
            threads: a.threads,
            iterations: a.iterations,
            lower_bound,
            gap,
            proven_optimal: a.proven,
            exact_nodes: a.exact_nodes,
            diagnostics: a.diagnostics,
            moved,
        },
    }
}
