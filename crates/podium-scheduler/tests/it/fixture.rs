//! Our committed fixture (tests/fixtures/small.json): exact optimum, validation messages, and
//! keep mode. Runs in a bare clone without ../shared.

use std::sync::atomic::AtomicBool;

use podium_scheduler::{Instance, InstanceError, SolveOptions, Window, evaluate, solve};

fn fixture() -> Instance {
    let text = include_str!("../fixtures/small.json");
    Instance::from_json(text).expect("fixture parses")
}

fn options() -> SolveOptions {
    SolveOptions {
        seed: 3,
        threads: 2,
        time_limit: None,
        iterations: Some(2_000),
        ..SolveOptions::default()
    }
}

#[test]
fn fixture_is_solved_to_a_proven_optimum() {
    let inst = fixture();
    let solution = solve(&inst, &options(), &AtomicBool::new(false), &|_| {}).expect("valid");
    assert!(solution.solver.proven_optimal);
    assert_eq!(solution.metrics.unscheduled, 0);
    assert_eq!(solution.metrics.missed, 2);
    assert_eq!(solution.metrics.topic_mix, 0);
    assert_eq!(solution.metrics.overflow, 13);
    assert_eq!(solution.metrics.objective, 2.65);
    assert_eq!(solution.solver.lower_bound, 2.65);
    assert_eq!(solution.solver.gap, 0.0);
    let report = evaluate(&inst, &solution.assignments).expect("valid");
    assert!(report.feasible, "{:?}", report.violations);
    assert_eq!(report.metrics, solution.metrics);
    // The keynote is pinned and plenary.
    assert!(
        solution
            .assignments
            .iter()
            .any(|a| a.talk == "K1" && a.slot == "kn")
    );
}

#[test]
fn keep_mode_moves_only_what_a_new_unavailability_forces() {
    let mut inst = fixture();
    let first = solve(&inst, &options(), &AtomicBool::new(false), &|_| {}).expect("valid");
    // The speaker of T4 can no longer make it at T4's time.
    let t4 = first
        .assignments
        .iter()
        .find(|a| a.talk == "T4")
        .expect("T4 placed");
    let slot = inst
        .slots
        .iter()
        .find(|s| s.id == t4.slot)
        .expect("known slot")
        .clone();
    let speaker = inst
        .talks
        .iter()
        .find(|t| t.id == "T4")
        .expect("T4")
        .speakers[0]
        .clone();
    inst.speakers
        .iter_mut()
        .find(|s| s.id == speaker)
        .expect("speaker")
        .unavailable
        .push(Window {
            start: slot.start.clone(),
            end: slot.end.clone(),
        });
    let opts = SolveOptions {
        keep: Some(first.assignments.clone()),
        move_weight: 30.0,
        ..options()
    };
    let second = solve(&inst, &opts, &AtomicBool::new(false), &|_| {}).expect("valid");
    let report = evaluate(&inst, &second.assignments).expect("valid");
    assert!(report.feasible, "{:?}", report.violations);
    assert_eq!(second.metrics.unscheduled, 0);
    let moved: Vec<&str> = second
        .solver
        .moved
        .iter()
        .map(|m| m.talk.as_str())
        .collect();
    assert!(moved.contains(&"T4"), "{moved:?}");
    assert!(moved.len() <= 2, "{moved:?}");
    // Every talk not reported as moved kept its slot.
    for a in &first.assignments {
        if !moved.contains(&a.talk.as_str()) {
            assert!(second.assignments.contains(a), "{} moved silently", a.talk);
        }
    }
}

fn error_of(edit: impl FnOnce(&mut Instance)) -> String {
    let mut inst = fixture();
    edit(&mut inst);
    let err: InstanceError = evaluate(&inst, &[]).expect_err("invalid instance");
    err.to_string()
}

#[test]
fn invalid_instances_are_named_by_field_and_id() {
    assert_eq!(
        error_of(|i| i.talks[1].speakers.push("S99".into())),
        "talk T1: speaker S99 is not defined"
    );
    assert_eq!(
        error_of(|i| i.slots[2].room = "R9".into()),
        "slot s1-R1-2: names unknown room R9"
    );
    assert_eq!(
        error_of(|i| i.talks[2].id = "T1".into()),
        "talk T1: duplicate id"
    );
    assert_eq!(
        error_of(|i| i.slots[1].end = i.slots[1].start.clone()),
        "slot s1-R1-1: start/end ends before it starts"
    );
    assert_eq!(
        error_of(|i| i.slots[2].start = "2024-03-01T10:15".into()),
        "slot s1-R1-1: overlaps slot s1-R1-2 in session s1 of room R1"
    );
    assert_eq!(
        error_of(|i| i.slots[0].start = "2024-03-01 09:00".into()),
        "slot kn: start `2024-03-01 09:00` is not a local time YYYY-MM-DDTHH:MM"
    );
    assert_eq!(
        error_of(|i| i.talks[3].pin = Some(podium_scheduler::Pin {
            slot: "nowhere".into()
        })),
        "talk T3: pin.slot names unknown slot nowhere"
    );
    assert_eq!(
        error_of(|i| i.format = "other/2".into()),
        "format: expected `podium.schedule.instance/1`, found `other/2`"
    );
}

#[test]
fn an_impossible_talk_is_unscheduled_with_a_reason_and_a_diagnosis() {
    let mut inst = fixture();
    inst.talks[7].needs = vec!["lab".into(), "stage".into()];
    let solution = solve(&inst, &options(), &AtomicBool::new(false), &|_| {}).expect("valid");
    assert_eq!(solution.metrics.unscheduled, 1);
    assert_eq!(solution.unscheduled[0].talk, "W1");
    assert_eq!(
        solution.unscheduled[0].reason,
        "no room has feature `stage`"
    );
    assert!(
        solution
            .solver
            .diagnostics
            .contains(&"no room has feature `stage`, needed by W1".to_string()),
        "{:?}",
        solution.solver.diagnostics
    );
    let report = evaluate(&inst, &solution.assignments).expect("valid");
    assert!(report.feasible);
    assert_eq!(report.metrics, solution.metrics);
}

#[test]
fn a_cancelled_solve_still_returns_a_complete_feasible_schedule() {
    let inst = fixture();
    let options = SolveOptions {
        time_limit: None,
        iterations: None,
        ..options()
    };
    let cancel = AtomicBool::new(true);
    let solution = solve(&inst, &options, &cancel, &|_| {}).expect("valid");
    assert_eq!(solution.solver.iterations, 0);
    assert_eq!(solution.metrics.unscheduled, 0);
    let report = evaluate(&inst, &solution.assignments).expect("valid");
    assert!(report.feasible, "{:?}", report.violations);
    assert_eq!(report.metrics, solution.metrics);
}

#[test]
fn progress_reports_the_best_objective_so_far() {
    let inst = fixture();
    let seen = std::sync::Mutex::new(Vec::new());
    let solution = solve(&inst, &options(), &AtomicBool::new(false), &|p| {
        seen.lock()
            .expect("not poisoned")
            .push((p.unscheduled, p.objective));
    })
    .expect("valid");
    let seen = seen.into_inner().expect("not poisoned");
    assert!(!seen.is_empty());
    // Reports never get worse, and none is better than the (proven optimal) final objective.
    assert!(seen.windows(2).all(|w| w[1] <= w[0]), "{seen:?}");
    assert!(
        seen.iter()
            .all(|&(u, o)| u > 0 || o >= solution.metrics.objective),
        "{seen:?}"
    );
}
