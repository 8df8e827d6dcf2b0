//! podium-scheduler: the conference schedule optimizer (design in docs/scheduler.md).
//!
//! Pure: no I/O, no async, no global state. Input is an [`Instance`] (FORMAT.md's
//! `podium.schedule.instance/1`), output a [`Solution`] (`podium.schedule.solution/1`).
//! [`solve`] is anytime (time limit, cancel flag, progress callback) and deterministic for a
//! seed when it stops on its iteration budget rather than on the clock or the cancel flag.
//! [`evaluate`] checks any schedule against every hard constraint and computes the metrics
//! exactly as the reference `validate.py` does.

#![warn(missing_docs)]

mod bound;
mod diagnose;
mod error;
mod evaluate;
mod exact;
mod instance;
mod plan;
mod problem;
mod rng;
mod search;
mod solution;
mod state;

pub use bound::{LowerBound, lower_bound_of};
pub use error::InstanceError;
pub use evaluate::{Assignment, AttendeeMisses, Metrics, Report, evaluate, round6};
pub use instance::{
    Attendee, INSTANCE_FORMAT, Instance, Pin, Room, Slot, Speaker, Talk, Weights, Window,
    format_minutes, parse_minutes,
};
pub use plan::{Format, SessionTimes, VENUE_FORMAT, Venue, VenueError};
pub use problem::Problem;
pub use rng::{Rng, splitmix64};
pub use search::Progress;
pub use solution::{
    MovedTalk, SOLUTION_FORMAT, Solution, SolveOptions, SolverInfo, Unscheduled, solve,
};
