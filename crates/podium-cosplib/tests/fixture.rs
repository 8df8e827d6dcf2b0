//! A tiny hand-made CoSPLib instance, generated as an .xlsx in the test, exercising the reader,
//! every evaluator term, the solver and the writer without ../shared (a bare clone runs these).

use podium_cosplib::xlsx::{Cell, SheetData, workbook};
use podium_cosplib::{
    Instance, Penalty, Solution, SolveOptions, evaluate, lower_bound, solution_workbook, solve,
};

fn row(cells: &[&str]) -> Vec<Cell> {
    cells.iter().map(|c| Cell::from(*c)).collect()
}

fn sheet(name: &str, rows: Vec<Vec<Cell>>) -> SheetData {
    SheetData {
        name: name.to_owned(),
        rows,
    }
}

/// Three sessions of two slots, two rooms, tracks A (chaired by Carol), B and C.
/// a1 is attended by Bob, who presents b1; c1 is attended by Carol, who chairs track A.
/// b1 needs two slots and presents from GMT+12. Every weight is 1.
fn fixture_sheets() -> Vec<SheetData> {
    let mut parameters = vec![row(&["Sessions", "", "", "Weights", ""])];
    let column_b = [
        "GMT+0", "", "09:30", "21:30", "", "07:00", "23:00", "1", "", "10", "", "", "", "", "", "",
    ];
    for (k, b) in column_b.iter().enumerate() {
        let mut r = row(&["", b, "", "weight"]);
        if k == 7 || k == 9 {
            r[1] = Cell::Int(b.parse().expect("number"));
        }
        r.push(Cell::Int(1));
        parameters.push(r);
    }
    vec![
        sheet("parameters", parameters),
        sheet(
            "submissions",
            vec![
                row(&[
                    "Reference",
                    "Track",
                    "Required Timeslots",
                    "Order",
                    "Time Zone",
                    "Presenters",
                    "Attendees",
                    "S1",
                    "S2",
                    "S3",
                    "R1",
                    "R2",
                ]),
                submission("a1", "A", 1, 1, "GMT+0", "Ann", "Bob", [7, 0, 0], [0, 0]),
                submission("a2", "A", 1, 2, "GMT+0", "Al", "", [0, 0, 0], [0, 0]),
                submission("b1", "B", 2, 0, "GMT+12", "Bob", "", [0, 0, 0], [0, 0]),
                submission("c1", "C", 1, 0, "GMT+0", "Cy", "Carol", [0, 0, 0], [6, 0]),
            ],
        ),
        sheet(
            "tracks",
            vec![
                row(&["Tracks", "Chairs"]),
                row(&["A", "Carol"]),
                row(&["B", ""]),
                row(&["C", ""]),
            ],
        ),
        sheet(
            "sessions",
            vec![
                row(&[
                    "Sessions",
                    "Max Number of Timeslots",
                    "Date",
                    "Start Time",
                    "End Time",
                ]),
                vec![
                    "S1".into(),
                    Cell::Int(2),
                    "2021-07-28".into(),
                    "09:30".into(),
                    "10:30".into(),
                ],
                vec![
                    "S2".into(),
                    Cell::Int(2),
                    "2021-07-28".into(),
                    "11:00".into(),
                    "12:00".into(),
                ],
                vec![
                    "S3".into(),
                    Cell::Int(2),
                    "2021-07-28".into(),
                    "13:00".into(),
                    "14:00".into(),
                ],
            ],
        ),
        sheet("rooms", vec![row(&["Rooms"]), row(&["R1"]), row(&["R2"])]),
        sheet(
            "tracks_sessions|penalty",
            matrix(
                &["S1", "S2", "S3"],
                &[("A", &[0, 0, 0]), ("B", &[0, 0, 0]), ("C", &[0, 5, 0])],
            ),
        ),
        sheet(
            "tracks_rooms|penalty",
            matrix(
                &["R1", "R2"],
                &[("A", &[0, 0]), ("B", &[0, 3]), ("C", &[0, 0])],
            ),
        ),
        sheet(
            "similar tracks",
            matrix(
                &["A", "B", "C"],
                &[("A", &[0, 4, 0]), ("B", &[4, 0, 0]), ("C", &[0, 0, 0])],
            ),
        ),
        sheet(
            "sessions_rooms|penalty",
            matrix(
                &["R1", "R2"],
                &[("S1", &[0, 2]), ("S2", &[0, 0]), ("S3", &[0, 0])],
            ),
        ),
    ]
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row of the submissions sheet"
)]
fn submission(
    name: &str,
    track: &str,
    slots: i64,
    order: i64,
    zone: &str,
    presenters: &str,
    attendees: &str,
    sessions: [i64; 3],
    rooms: [i64; 2],
) -> Vec<Cell> {
    let mut r = row(&[name, track]);
    r.push(Cell::Int(slots));
    r.push(Cell::Int(order));
    r.extend(row(&[zone, presenters, attendees]));
    // Zero penalties are left blank, as in the authors' workbooks: blank reads as 0.
    for p in sessions.iter().chain(&rooms) {
        r.push(if *p == 0 { Cell::Empty } else { Cell::Int(*p) });
    }
    r
}

fn matrix(columns: &[&str], rows: &[(&str, &[i64])]) -> Vec<Vec<Cell>> {
    let mut out = vec![
        std::iter::once(Cell::Empty)
            .chain(columns.iter().map(|c| Cell::from(*c)))
            .collect::<Vec<_>>(),
    ];
    for (name, values) in rows {
        let mut r = vec![Cell::from(*name)];
        r.extend(values.iter().map(|v| Cell::Int(*v)));
        out.push(r);
    }
    out
}

fn fixture() -> Instance {
    let bytes = workbook(&fixture_sheets()).expect("fixture builds");
    Instance::from_bytes(&bytes, "fixture").expect("fixture reads")
}

/// A schedule from `(session, room, track, slots)` blocks, by name.
fn schedule(instance: &Instance, blocks: &[(usize, usize, &str, [&str; 2])]) -> Solution {
    let mut solution = Solution::empty(instance);
    let track = |n: &str| instance.tracks.iter().position(|t| t.name == n);
    let sub = |n: &str| instance.submissions.iter().position(|s| s.name == n);
    for (s, r, t, slots) in blocks {
        solution.tracks[*s][*r] = track(t);
        for (ts, name) in slots.iter().enumerate() {
            solution.slots[*s][*r][ts] = sub(name);
        }
    }
    solution
}

/// Every track in one block, in order, every submission placed.
fn good_schedule(instance: &Instance) -> Solution {
    schedule(
        instance,
        &[
            (0, 0, "A", ["a1", "a2"]),
            (0, 1, "B", ["b1", "b1"]),
            (1, 0, "C", ["c1", ""]),
        ],
    )
}

fn counts(instance: &Instance, solution: &Solution) -> Vec<(Penalty, i64)> {
    evaluate(instance, solution)
        .terms
        .iter()
        .filter(|t| t.value != 0)
        .map(|t| (t.penalty, t.value))
        .collect()
}

#[test]
fn reader_derives_conflicts_and_time_zone_penalties() {
    let instance = fixture();
    assert_eq!(instance.sessions.len(), 3);
    assert_eq!(instance.rooms, vec!["R1", "R2"]);
    assert_eq!(instance.weights.as_array(), [1; 16]);
    // a1 (attended by Bob) ~ b1 (presented by Bob); c1 (attended by Carol) ~ track A.
    assert_eq!(
        instance.attendee_conflicts,
        vec![vec![2, 3], vec![3], vec![0], vec![0, 1]]
    );
    // b1 presents from GMT+12: S1 is 21:30-22:30 there (less suitable), S2 23:00-00:00
    // and S3 01:00-02:00 (unsuitable).
    assert_eq!(instance.submission_timezone[2], vec![1, 10, 10]);
    assert_eq!(instance.submission_timezone[0], vec![0, 0, 0]);
    assert_eq!(instance.track_track[0][1], 4);
    assert_eq!(instance.submission_session[0], vec![7, 0, 0]);
    assert_eq!(instance.submission_room[3], vec![6, 0]);
}

#[test]
fn a_good_schedule_pays_only_its_soft_penalties() {
    let instance = fixture();
    let solution = good_schedule(&instance);
    let evaluation = evaluate(&instance, &solution);
    assert!(evaluation.all_scheduled && evaluation.valid);
    assert_eq!(
        counts(&instance, &solution),
        vec![
            (Penalty::TracksSessions, 5),
            (Penalty::TracksRooms, 3),
            (Penalty::SessionsRooms, 2),
            (Penalty::SimilarTracks, 4),
            (Penalty::SubmissionsTimezones, 2),
            (Penalty::SubmissionsSessions, 7),
            (Penalty::SubmissionsRooms, 6),
            (Penalty::AttendeesConflicts, 1),
            (Penalty::AttendeesConflictsTimeslot, 1),
        ]
    );
    assert_eq!(evaluation.total, 31);
}

#[test]
fn a_scattered_schedule_pays_rooms_order_consecutiveness_and_split_blocks() {
    let instance = fixture();
    let solution = schedule(
        &instance,
        &[
            (0, 0, "A", ["a2", ""]),
            (0, 1, "B", ["b1", ""]),
            (1, 0, "C", ["c1", ""]),
            (1, 1, "A", ["a1", ""]),
            (2, 1, "B", ["", "b1"]),
        ],
    );
    let evaluation = evaluate(&instance, &solution);
    assert!(evaluation.all_scheduled && evaluation.valid);
    assert_eq!(
        counts(&instance, &solution),
        vec![
            (Penalty::TracksSessions, 5),
            (Penalty::TracksRooms, 6),
            (Penalty::SessionsRooms, 2),
            (Penalty::SimilarTracks, 4),
            (Penalty::RoomsPerTrack, 1),
            (Penalty::ConsecutiveTracks, 1),
            (Penalty::SubmissionsTimezones, 11),
            (Penalty::SubmissionsOrder, 2),
            (Penalty::SubmissionsRooms, 6),
            (Penalty::AttendeesConflicts, 1),
            (Penalty::AttendeesConflictsTimeslot, 1),
            // b1 is split over two blocks; its slot numbers 0 and 1 still look consecutive
            // to the checker, so only the per-block penalty applies.
            (
                Penalty::MultiSlotSubmissions,
                2 * podium_cosplib::SPLIT_BLOCK_PENALTY
            ),
        ]
    );
}

#[test]
fn parallel_blocks_of_one_track_and_same_slot_orders_are_penalised() {
    let instance = fixture();
    let solution = schedule(
        &instance,
        &[
            (0, 0, "A", ["a1", ""]),
            (0, 1, "A", ["a2", ""]),
            (1, 0, "B", ["b1", "b1"]),
            (2, 0, "C", ["c1", ""]),
        ],
    );
    let terms = counts(&instance, &solution);
    assert!(terms.contains(&(Penalty::ParallelTracks, 1)));
    assert!(terms.contains(&(Penalty::RoomsPerTrack, 1)));
    // a1 and a2 (both ordered) share slot 0 of S1: one same-slot pair, positions match.
    assert!(terms.contains(&(Penalty::SubmissionsOrder, 1)));
}

#[test]
fn lower_bound_counts_the_rooms_and_parallel_blocks_a_big_track_forces() {
    // Track A grows to four 2-slot submissions: four blocks in three sessions, so some
    // session holds two (one parallel block) and A uses two rooms (one extra room).
    let mut sheets = fixture_sheets();
    sheets[1].rows[1][2] = Cell::Int(2);
    sheets[1].rows[2][2] = Cell::Int(2);
    for name in ["a3", "a4"] {
        let row = submission(name, "A", 2, 0, "GMT+0", "Al", "", [0, 0, 0], [0, 0]);
        sheets[1].rows.push(row);
    }
    let instance =
        Instance::from_bytes(&workbook(&sheets).expect("builds"), "big A").expect("reads");
    // b1's 2 (as before) + one extra room + one parallel block.
    assert_eq!(lower_bound(&instance), 4);
    let options = SolveOptions {
        seed: 1,
        time_limit: None,
        max_iterations: Some(50_000),
        threads: 1,
    };
    let result = solve(&instance, &options);
    assert!(result.feasible);
    assert_eq!(result.model_objective, result.objective);
    assert!(result.objective >= 4);
}

#[test]
fn a_missing_multi_slot_submission_costs_the_checker_constant_alone() {
    let instance = fixture();
    let evaluation = evaluate(&instance, &Solution::empty(&instance));
    assert!(!evaluation.all_scheduled);
    assert_eq!(evaluation.total, podium_cosplib::SPLIT_SLOTS_PENALTY);
}

#[test]
fn a_submission_outside_its_track_is_invalid() {
    let instance = fixture();
    let solution = schedule(&instance, &[(0, 0, "A", ["c1", "a1"])]);
    assert!(!evaluate(&instance, &solution).valid);
}

#[test]
fn solution_workbooks_round_trip() {
    let instance = fixture();
    let solution = good_schedule(&instance);
    let bytes = solution_workbook(&instance, &solution).expect("writes");
    let back = Solution::from_bytes(&instance, &bytes).expect("reads");
    assert_eq!(back, solution);
}

#[test]
fn malformed_workbooks_name_the_sheet_and_cell() {
    let mut sheets = fixture_sheets();
    sheets[1].rows[3][1] = Cell::from("Z");
    let err = Instance::from_bytes(&workbook(&sheets).expect("builds"), "bad")
        .expect_err("unknown track is rejected");
    assert_eq!(
        err.to_string(),
        "sheet `submissions`, cell B4: unknown track `Z`"
    );

    let mut sheets = fixture_sheets();
    sheets.retain(|s| s.name != "rooms");
    let err = Instance::from_bytes(&workbook(&sheets).expect("builds"), "bad")
        .expect_err("missing sheet is rejected");
    assert_eq!(err.to_string(), "sheet `rooms`: missing");

    let mut sheets = fixture_sheets();
    sheets[3].rows[2][3] = Cell::from("noon");
    let err = Instance::from_bytes(&workbook(&sheets).expect("builds"), "bad")
        .expect_err("bad time is rejected");
    assert_eq!(
        err.to_string(),
        "sheet `sessions`, cell D3: start time must be a time like 09:30"
    );
}

#[test]
fn solver_schedules_everything_and_its_objective_is_the_checker_value() {
    let instance = fixture();
    let options = SolveOptions {
        seed: 7,
        time_limit: None,
        max_iterations: Some(20_000),
        threads: 1,
    };
    let result = solve(&instance, &options);
    let evaluation = evaluate(&instance, &result.solution);
    assert!(evaluation.all_scheduled && evaluation.valid);
    assert_eq!(result.objective, evaluation.total);
    // The optimum, by hand: b1 can only pay 1 per slot (S1; S2 and S3 are unsuitable from
    // GMT+12), in R1 (track B in R2 costs 3, S1/R2 costs 2). A then goes to S2 (a1 in S1
    // costs 7 and would meet b1's presenter) in a1, a2 order, and C to S3/R2 (C in S2 costs 5,
    // c1 in R1 costs 6, c1 beside track A's chair conflicts): total 2.
    assert_eq!(result.objective, 2);
    // The bound proves it: b1 pays at least 1 per slot wherever it goes.
    assert_eq!(lower_bound(&instance), 2);
    assert_eq!(result.lower_bound, 2);
    let bytes = solution_workbook(&instance, &result.solution).expect("writes");
    let back = Solution::from_bytes(&instance, &bytes).expect("reads");
    assert_eq!(evaluate(&instance, &back).total, result.objective);
}

#[test]
fn solver_is_deterministic_for_a_seed_and_iteration_budget() {
    let instance = fixture();
    let options = SolveOptions {
        seed: 3,
        time_limit: None,
        max_iterations: Some(5_000),
        threads: 1,
    };
    assert_eq!(
        solve(&instance, &options).solution,
        solve(&instance, &options).solution
    );
}
