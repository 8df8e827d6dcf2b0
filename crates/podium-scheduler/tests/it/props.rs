//! Property tests: on random small instances the solver never breaks a hard constraint (checked
//! by our own `evaluate`), reports exactly the metrics `evaluate` computes, is deterministic for
//! a seed and an iteration budget, and on tiny instances its exact search matches brute force
//! while the lower bound stays below the optimum.

use std::sync::atomic::AtomicBool;

use podium_scheduler::{
    Assignment, Instance, Problem, Solution, SolveOptions, evaluate, lower_bound_of, solve,
};
use proptest::prelude::*;

use crate::random::{Size, instance};

fn options(seed: u64, threads: usize, iterations: u64, exact: bool) -> SolveOptions {
    SolveOptions {
        seed,
        threads,
        time_limit: None,
        iterations: Some(iterations),
        keep: None,
        move_weight: 0.0,
        exact,
        temperatures: None,
    }
}

fn run(instance: &Instance, options: &SolveOptions) -> Solution {
    solve(instance, options, &AtomicBool::new(false), &|_| {})
        .expect("generated instances are valid")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_instances_never_break_a_hard_constraint_and_metrics_match(
        seed in any::<u64>(),
        rooms in 1usize..4,
        sessions in 1usize..4,
        slots_per_session in 1usize..4,
        talks in 1usize..14,
        attendees in 0usize..12,
    ) {
        let inst = instance(seed, Size { rooms, sessions, slots_per_session, talks, attendees, rich: true });
        let solution = run(&inst, &options(seed, 1, 1500, false));
        let report = evaluate(&inst, &solution.assignments).expect("valid instance");
        prop_assert!(report.feasible, "{:?}", report.violations);
        prop_assert_eq!(&report.metrics, &solution.metrics);
        let mut covered: Vec<String> = solution.assignments.iter().map(|a| a.talk.clone())
            .chain(solution.unscheduled.iter().map(|u| u.talk.clone())).collect();
        covered.sort();
        let mut all: Vec<String> = inst.talks.iter().map(|t| t.id.clone()).collect();
        all.sort();
        prop_assert_eq!(covered, all);
        prop_assert!(solution.unscheduled.iter().all(|u| !u.reason.is_empty()));
        prop_assert!(solution.solver.lower_bound <= solution.metrics.objective + 1e-9);
    }

    #[test]
    fn same_seed_and_iteration_budget_give_the_same_solution(seed in any::<u64>(), talks in 2usize..12) {
        let inst = instance(seed, Size { rooms: 2, sessions: 2, slots_per_session: 3, talks, attendees: 10, rich: true });
        let opts = options(seed, 2, 800, false);
        let mut a = run(&inst, &opts);
        let mut b = run(&inst, &opts);
        a.solver.seconds = 0.0;
        b.solver.seconds = 0.0;
        prop_assert_eq!(a, b);
    }
}

/// Every complete feasible schedule of a tiny instance, by brute force over start slots.
fn brute_force_optimum(inst: &Instance) -> Option<f64> {
    let n = inst.talks.len();
    let m = inst.slots.len();
    let mut best: Option<f64> = None;
    let mut choice = vec![0usize; n];
    loop {
        let assignments: Vec<Assignment> = (0..n)
            .map(|t| Assignment {
                talk: inst.talks[t].id.clone(),
                slot: inst.slots[choice[t]].id.clone(),
            })
            .collect();
        let report = evaluate(inst, &assignments).expect("valid instance");
        if report.feasible && best.is_none_or(|b| report.metrics.objective < b) {
            best = Some(report.metrics.objective);
        }
        // Next choice vector (odometer).
        let mut i = 0;
        loop {
            if i == n {
                return best;
            }
            choice[i] += 1;
            if choice[i] < m {
                break;
            }
            choice[i] = 0;
            i += 1;
        }
    }
}

#[test]
fn exact_search_matches_brute_force_and_bound_stays_below_optimum() {
    let mut proven = 0;
    for seed in 0..12u64 {
        let inst = instance(
            seed,
            Size {
                rooms: 2,
                sessions: 1,
                slots_per_session: 3,
                talks: 4,
                attendees: 12,
                rich: false,
            },
        );
        let Some(optimum) = brute_force_optimum(&inst) else {
            continue;
        };
        let solution = run(&inst, &options(seed, 1, 300, true));
        assert_eq!(solution.metrics.unscheduled, 0, "seed {seed}");
        assert!(solution.solver.proven_optimal, "seed {seed}");
        assert!(
            (solution.metrics.objective - optimum).abs() < 1e-9,
            "seed {seed}: {} vs {optimum}",
            solution.metrics.objective
        );
        let problem = Problem::build(&inst).expect("valid");
        let bound = lower_bound_of(&inst).expect("valid").complete(&problem);
        assert!(
            bound <= optimum + 1e-9,
            "seed {seed}: bound {bound} above optimum {optimum}"
        );
        proven += 1;
    }
    assert!(
        proven >= 8,
        "only {proven} of 12 random instances had a complete schedule"
    );
}
