//! podium-cosplib: the CoSPLib conference scheduling benchmark (Kheiri, Pylyavskyy & Jacko;
//! instances and the authors' checker at github.com/ahmedkheiri/CoSPLib).
//!
//! [`Instance::read`] reads an instance workbook, [`Solution::read`] a solution workbook,
//! [`evaluate`] scores a solution exactly as the authors' current checker does (with a
//! per-penalty breakdown), [`solve`] searches for a good schedule and [`write_solution`]
//! writes it in the authors' layout (`sol` and `violations` sheets).
//! Pure apart from reading and writing the workbook files; no async, no global state.

mod bound;
mod error;
mod evaluate;
mod instance;
mod search;
mod sheet;
mod solution;
mod write;
pub mod xlsx;

pub use bound::lower_bound;
pub use error::{ReadError, WriteError};
pub use evaluate::{Evaluation, Penalty, SPLIT_BLOCK_PENALTY, SPLIT_SLOTS_PENALTY, Term, evaluate};
pub use instance::{
    Instance, REQUIRED_SHEETS, Session, Submission, TimeZoneRules, Track, Weights, utc_offset_hours,
};
pub use search::{SolveOptions, SolveResult, solve};
pub use solution::Solution;
pub use write::{solution_workbook, write_solution};
