//! A CoSPLib solution: which track holds each (session, room) block and which submission holds
//! each time slot, read from the `sol` sheet exactly as the checker's `load_solution` reads it.

use std::path::Path;

use crate::error::ReadError;
use crate::instance::Instance;
use crate::sheet::Book;

/// A (possibly partial or invalid) schedule, in the checker's direct representation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// `tracks[session][room]`: the track of that block, if any.
    pub tracks: Vec<Vec<Option<usize>>>,
    /// `slots[session][room][slot]`: the submission in that time slot, if any; every room of a
    /// session has the session's `max_slots` slots.
    pub slots: Vec<Vec<Vec<Option<usize>>>>,
}

impl Solution {
    /// The empty schedule of `instance`.
    pub fn empty(instance: &Instance) -> Solution {
        let rooms = instance.room_count();
        Solution {
            tracks: vec![vec![None; rooms]; instance.session_count()],
            slots: instance
                .sessions
                .iter()
                .map(|s| vec![vec![None; s.max_slots]; rooms])
                .collect(),
        }
    }

    /// Reads the solution workbook at `path` for `instance`.
    pub fn read(instance: &Instance, path: &Path) -> Result<Solution, ReadError> {
        Solution::from_book(instance, &Book::open(path)?)
    }

    /// Reads a solution workbook held in memory.
    pub fn from_bytes(instance: &Instance, bytes: &[u8]) -> Result<Solution, ReadError> {
        Solution::from_book(instance, &Book::from_bytes(bytes)?)
    }

    /// `load_solution`: the first sheet holds a header row, one row per session with track
    /// names per room column, one spacer row, then one row per (session, slot) with
    /// submission names. Columns beyond the instance's rooms are an error, missing ones empty.
    fn from_book(instance: &Instance, book: &Book) -> Result<Solution, ReadError> {
        let sheet = book.sheets.first().ok_or_else(|| ReadError::Sheet {
            sheet: "sol".to_owned(),
            message: "the workbook has no sheets".to_owned(),
        })?;
        let mut solution = Solution::empty(instance);
        let width = sheet.width();
        if width > instance.room_count() + 1 {
            return Err(sheet.error(
                0,
                width - 1,
                format!(
                    "more room columns than the instance's {} rooms",
                    instance.room_count()
                ),
            ));
        }
        let track_of = |name: &str| instance.tracks.iter().position(|t| t.name == name);
        let mut sub_index = std::collections::HashMap::new();
        for (i, s) in instance.submissions.iter().enumerate() {
            sub_index.insert(s.name.as_str(), i);
        }
        let sessions = instance.session_count();
        let need_row = |row: usize| {
            if row < sheet.height() {
                Ok(())
            } else {
                Err(sheet.error(row, 0, "row missing: the sheet ends too early"))
            }
        };
        for s in 0..sessions {
            need_row(s + 1)?;
            for col in 1..width {
                let name = sheet.text(s + 1, col);
                if !name.is_empty() {
                    let t = track_of(&name).ok_or_else(|| {
                        sheet.error(s + 1, col, format!("unknown track `{name}`"))
                    })?;
                    solution.tracks[s][col - 1] = Some(t);
                }
            }
        }
        let mut row = sessions + 2;
        for (s, session) in instance.sessions.iter().enumerate() {
            for ts in 0..session.max_slots {
                need_row(row + ts)?;
                for col in 1..width {
                    let name = sheet.text(row + ts, col);
                    if !name.is_empty() {
                        let sub = *sub_index.get(name.as_str()).ok_or_else(|| {
                            sheet.error(row + ts, col, format!("unknown submission `{name}`"))
                        })?;
                        solution.slots[s][col - 1][ts] = Some(sub);
                    }
                }
            }
            row += session.max_slots;
        }
        Ok(solution)
    }
}
