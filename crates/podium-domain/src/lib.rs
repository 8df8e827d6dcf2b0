//! podium's domain: conferences, rooms, tracks, the day grid, talks, speakers, schedule versions
//! and placements, users and roles. Pure types and rules: no I/O, no async, no SQL.

pub mod cfp;
pub mod id;
pub mod program;
pub mod text;
pub mod time;

pub use cfp::*;
pub use id::*;
pub use program::*;
pub use text::{Slug, TextError};
