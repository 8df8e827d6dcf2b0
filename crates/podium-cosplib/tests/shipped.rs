//! The authors' shipped solutions, scored by podium, must equal what their current checker
//! prints (the numbers in issue 9). Skips when ../shared is absent (a bare clone).

use std::path::{Path, PathBuf};

use podium_cosplib::{Instance, Solution, SolveOptions, evaluate, solve};

fn cosplib_dir() -> Option<PathBuf> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/scheduling/cosplib");
    if dir.join("Dataset").is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} is absent; skipping", dir.display());
        None
    }
}

/// (model folder, instance, objective under the checker at repository HEAD).
const SHIPPED: [(&str, &str, i64); 12] = [
    ("ExactModel", "N2OR", 2),
    ("ExactModel", "GECCO19", 1_000_116),
    ("ExactModel", "GECCO20", 6298),
    ("ExactModel", "GECCO21", 11280),
    ("ExactModel", "OR60F", 1664),
    ("ExactModel", "OR60F2", 1660),
    ("ExactModel", "OR60F3", 1720),
    ("ExtendedModel", "N2OR", 2),
    ("ExtendedModel", "GECCO19", 2_000_007),
    ("ExtendedModel", "GECCO20", 7768),
    ("ExtendedModel", "GECCO21", 11130),
    ("ExtendedModel", "OR60F", 433),
];

/// The instance `name` and the authors' solution for it from `model`: a solution
/// `Solutions/<model>/<name>Solution.xlsx` is scored against `Dataset/<name>.xlsx`, with that
/// instance's own `parameters` sheet (both models are scored under the same weights).
fn load_shipped(dir: &Path, model: &str, name: &str) -> (Instance, Solution) {
    let instance =
        Instance::read(&dir.join(format!("Dataset/{name}.xlsx"))).expect("instance reads");
    let solution = Solution::read(
        &instance,
        &dir.join(format!("Solutions/{model}/{name}Solution.xlsx")),
    )
    .expect("solution reads");
    (instance, solution)
}

#[test]
fn shipped_solutions_score_as_the_checker() {
    let Some(dir) = cosplib_dir() else { return };
    let mut mismatches = Vec::new();
    for (model, name, expected) in SHIPPED {
        let (instance, solution) = load_shipped(&dir, model, name);
        let evaluation = evaluate(&instance, &solution);
        println!("{model} {name}: {} (expected {expected})", evaluation.total);
        for term in evaluation.terms.iter().filter(|t| t.value != 0) {
            println!(
                "    {}: {} x {} = {}",
                term.penalty.label(),
                term.weight,
                term.count,
                term.value
            );
        }
        // The bound must hold for every complete, valid schedule, the authors' included.
        assert!(
            podium_cosplib::lower_bound(&instance) <= evaluation.total,
            "{model} {name}"
        );
        if evaluation.total != expected {
            mismatches.push((model, name, evaluation.total, expected));
        }
    }
    assert_eq!(mismatches, vec![]);
}

#[test]
fn all_sixteen_instances_load() {
    let Some(dir) = cosplib_dir() else { return };
    let mut names: Vec<String> = std::fs::read_dir(dir.join("Dataset"))
        .expect("dataset lists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 16);
    for name in names {
        let instance = Instance::read(&dir.join("Dataset").join(&name)).expect("instance reads");
        let required: usize = instance.submissions.iter().map(|s| s.required_slots).sum();
        println!(
            "{name}: {} sessions, {} rooms, {} tracks, {} submissions ({required} slots)",
            instance.sessions.len(),
            instance.rooms.len(),
            instance.tracks.len(),
            instance.submissions.len()
        );
        assert!(!instance.submissions.is_empty());
        // The empty schedule is scored like the checker: nothing placed, so every multi-slot
        // submission is missing.
        let empty = evaluate(&instance, &Solution::empty(&instance));
        assert!(!empty.all_scheduled);
    }
}

#[test]
fn shipped_solutions_round_trip_through_our_writer() {
    let Some(dir) = cosplib_dir() else { return };
    for (model, name, expected) in SHIPPED {
        let (instance, solution) = load_shipped(&dir, model, name);
        let bytes = podium_cosplib::solution_workbook(&instance, &solution).expect("writes");
        let back = Solution::from_bytes(&instance, &bytes).expect("reads back");
        assert_eq!(back, solution, "{model} {name}");
        assert_eq!(evaluate(&instance, &back).total, expected);
    }
}

#[test]
fn solver_model_agrees_with_the_checker_on_every_instance() {
    let Some(dir) = cosplib_dir() else { return };
    for entry in std::fs::read_dir(dir.join("Dataset")).expect("dataset lists") {
        let path = entry.expect("entry").path();
        let instance = Instance::read(&path).expect("instance reads");
        // Several seeds: construction must find a complete schedule every time, also on N2OR,
        // which needs every one of its 36 slots.
        for seed in 0..6 {
            let options = SolveOptions {
                seed,
                time_limit: None,
                max_iterations: Some(20_000),
                threads: 1,
            };
            let result = solve(&instance, &options);
            let evaluation = evaluate(&instance, &result.solution);
            let name = format!("{} seed {seed}", instance.name);
            assert!(result.feasible, "{name}");
            assert!(evaluation.all_scheduled && evaluation.valid, "{name}");
            assert_eq!(result.model_objective, evaluation.total, "{name}");
            assert!(result.lower_bound <= result.objective, "{name}");
        }
    }
}

#[test]
fn a_solved_instance_round_trips_through_the_workbook() {
    let Some(dir) = cosplib_dir() else { return };
    let instance = Instance::read(&dir.join("Dataset/N2OR.xlsx")).expect("instance reads");
    let options = SolveOptions {
        seed: 1,
        time_limit: None,
        max_iterations: Some(200_000),
        threads: 1,
    };
    let result = solve(&instance, &options);
    let bytes = podium_cosplib::solution_workbook(&instance, &result.solution).expect("writes");
    let back = Solution::from_bytes(&instance, &bytes).expect("reads back");
    assert_eq!(back, result.solution);
    assert_eq!(evaluate(&instance, &back).total, result.objective);
    // The authors' exact and extended models both score 2 here.
    assert!(result.objective <= 2, "objective {}", result.objective);
}
