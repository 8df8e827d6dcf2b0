//! The shared examples and fresh gen.py instances, solved and checked by the reference
//! validate.py (exit 0 and identical metrics). Skipped with a note when ../shared is absent.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use podium_scheduler::{Instance, SolveOptions, evaluate, solve};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/scheduling");
    if dir.join("validate.py").exists() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent; skipping the validate.py checks",
            dir.display()
        );
        None
    }
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("podium-scheduler-{}-{name}", std::process::id()))
}

/// Solves `instance_path`, writes the solution, runs validate.py and compares metrics.
fn solve_and_validate(
    shared: &Path,
    instance_path: &Path,
    iterations: u64,
) -> podium_scheduler::Solution {
    let text = std::fs::read_to_string(instance_path).expect("instance readable");
    let inst = Instance::from_json(&text).expect("instance parses");
    let options = SolveOptions {
        seed: 11,
        threads: 2,
        time_limit: None,
        iterations: Some(iterations),
        ..SolveOptions::default()
    };
    let solution = solve(&inst, &options, &AtomicBool::new(false), &|_| {}).expect("valid");
    let ours = evaluate(&inst, &solution.assignments).expect("valid");
    assert!(ours.feasible, "{:?}", ours.violations);
    assert_eq!(ours.metrics, solution.metrics);

    let name = instance_path
        .file_name()
        .expect("file name")
        .to_string_lossy()
        .to_string();
    let out = temp_path(&format!("solution-{name}"));
    std::fs::write(&out, serde_json::to_string(&solution).expect("serializes")).expect("write");
    let result = Command::new("python3")
        .arg(shared.join("validate.py"))
        .arg(instance_path)
        .arg(&out)
        .arg("--quiet")
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&out);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert_eq!(
        result.status.code(),
        Some(0),
        "validate.py on {name}: {stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("validate.py prints JSON");
    let theirs: podium_scheduler::Metrics =
        serde_json::from_value(report["metrics"].clone()).expect("metrics shape");
    assert_eq!(theirs, solution.metrics, "metrics differ on {name}");
    solution
}

#[test]
fn shared_examples_pass_the_reference_validator() {
    let Some(shared) = shared() else { return };
    let tiny = solve_and_validate(&shared, &shared.join("examples/tiny-1.json"), 2_000);
    assert!(tiny.solver.proven_optimal);
    assert_eq!(tiny.solver.gap, 0.0);
    for name in ["pycon-1", "europython-1"] {
        let s = solve_and_validate(&shared, &shared.join(format!("examples/{name}.json")), 300);
        assert_eq!(s.metrics.unscheduled, 0, "{name}");
        assert!(s.solver.lower_bound <= s.metrics.objective);
    }
}

#[test]
fn generated_instances_pass_the_reference_validator() {
    let Some(shared) = shared() else { return };
    for (shape, seed, iterations) in [("tiny", 5, 2_000), ("tiny", 9, 2_000), ("pycon", 7, 300)] {
        let output = Command::new("python3")
            .arg(shared.join("gen.py"))
            .arg(shape)
            .arg(seed.to_string())
            .output()
            .expect("python3 runs gen.py");
        assert!(output.status.success());
        let path = temp_path(&format!("{shape}-{seed}.json"));
        std::fs::write(&path, &output.stdout).expect("write instance");
        let s = solve_and_validate(&shared, &path, iterations);
        let _ = std::fs::remove_file(&path);
        assert_eq!(s.metrics.unscheduled, 0, "{shape}-{seed}");
        if shape == "tiny" {
            assert!(s.solver.proven_optimal, "{shape}-{seed}");
        }
    }
}
