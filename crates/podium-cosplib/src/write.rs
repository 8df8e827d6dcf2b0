//! Solution workbooks in the authors' layout: a `sol` sheet exactly as their checker's
//! `load_solution` reads it (and as their `to_excel` writes it), then a `violations` sheet
//! with podium's per-penalty breakdown.

use std::path::Path;

use crate::error::WriteError;
use crate::evaluate::evaluate;
use crate::instance::Instance;
use crate::solution::Solution;
use crate::xlsx::{Cell, SheetData, workbook};

/// The .xlsx bytes of `solution`: sheet `sol` (room names across row 1, one row per session
/// with track names, a blank row, one row per (session, slot) with submission names) and sheet
/// `violations` (objective, then weight, count and value of every penalty).
pub fn solution_workbook(instance: &Instance, solution: &Solution) -> Result<Vec<u8>, WriteError> {
    let mut sol: Vec<Vec<Cell>> = Vec::new();
    let mut header = vec![Cell::Empty];
    header.extend(instance.rooms.iter().map(|r| Cell::from(r.as_str())));
    sol.push(header);
    for (s, session) in instance.sessions.iter().enumerate() {
        let mut row = vec![Cell::from(session.name.as_str())];
        row.extend(solution.tracks[s].iter().map(|t| match t {
            Some(t) => Cell::from(instance.tracks[*t].name.as_str()),
            None => Cell::Empty,
        }));
        sol.push(row);
    }
    sol.push(Vec::new());
    for (s, session) in instance.sessions.iter().enumerate() {
        for ts in 0..session.max_slots {
            let mut row = vec![Cell::from(session.name.as_str())];
            row.extend(solution.slots[s].iter().map(|slots| match slots[ts] {
                Some(x) => Cell::from(instance.submissions[x].name.as_str()),
                None => Cell::Empty,
            }));
            sol.push(row);
        }
    }

    let evaluation = evaluate(instance, solution);
    let mut violations = vec![
        vec![
            Cell::from("Obj"),
            Cell::from(format!("Final Objective = {}", evaluation.total)),
        ],
        vec![
            Cell::from("All submissions scheduled"),
            Cell::from(if evaluation.all_scheduled {
                "True"
            } else {
                "False"
            }),
        ],
        vec![
            Cell::from("Valid"),
            Cell::from(if evaluation.valid { "True" } else { "False" }),
        ],
        Vec::new(),
        vec![
            Cell::from("Penalty"),
            Cell::from("Weight"),
            Cell::from("Count"),
            Cell::from("Value"),
        ],
    ];
    for term in &evaluation.terms {
        violations.push(vec![
            Cell::from(term.penalty.label()),
            Cell::Int(term.weight),
            Cell::Int(term.count),
            Cell::Int(term.value),
        ]);
    }
    workbook(&[
        SheetData {
            name: "sol".to_owned(),
            rows: sol,
        },
        SheetData {
            name: "violations".to_owned(),
            rows: violations,
        },
    ])
}

/// Writes [`solution_workbook`] to `path`.
pub fn write_solution(
    instance: &Instance,
    solution: &Solution,
    path: &Path,
) -> Result<(), WriteError> {
    let bytes = solution_workbook(instance, solution)?;
    std::fs::write(path, bytes).map_err(|source| WriteError::Io {
        path: path.display().to_string(),
        source,
    })
}
