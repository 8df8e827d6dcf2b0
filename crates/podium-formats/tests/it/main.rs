//! podium-formats integration tests, one binary (see STYLE.md).

mod csv;
mod export;
mod fuzz;
mod hostile;
mod ical;
mod import;
mod roundtrip;
mod support;
mod tools;
