//! Errors for invalid input. Infeasible schedules are not errors: they come back as
//! unscheduled talks with reasons and as diagnostics in the solution.

use thiserror::Error;

/// Why an instance (or a previous solution given to `keep`) cannot be used.
/// Every message names the field and the id involved.
#[derive(Debug, Error)]
pub enum InstanceError {
    /// The JSON text does not parse into the expected shape.
    #[error("{what} JSON: {source}")]
    Json {
        /// Which document (`instance`, `previous solution`).
        what: &'static str,
        /// The parser's error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// The `format` field is not the one we read.
    #[error("format: expected `{expected}`, found `{found}`")]
    Format {
        /// The format we read.
        expected: &'static str,
        /// What the file says.
        found: String,
    },
    /// An id is empty.
    #[error("{kind} #{index}: id is empty")]
    EmptyId {
        /// `room`, `slot`, `talk` or `speaker`.
        kind: &'static str,
        /// Position in its list (0-based).
        index: usize,
    },
    /// Two items of one kind share an id.
    #[error("{kind} {id}: duplicate id")]
    DuplicateId {
        /// `room`, `slot`, `talk` or `speaker`.
        kind: &'static str,
        /// The repeated id.
        id: String,
    },
    /// A time is not `YYYY-MM-DDTHH:MM`.
    #[error("{kind} {id}: {field} `{value}` is not a local time YYYY-MM-DDTHH:MM")]
    BadTime {
        /// `slot` or `speaker`.
        kind: &'static str,
        /// Its id.
        id: String,
        /// `start`, `end`, `unavailable.start`, ...
        field: &'static str,
        /// The text found.
        value: String,
    },
    /// A slot or window ends at or before its start.
    #[error("{kind} {id}: {field} ends before it starts")]
    EndBeforeStart {
        /// `slot` or `speaker`.
        kind: &'static str,
        /// Its id.
        id: String,
        /// `start/end` or `unavailable`.
        field: &'static str,
    },
    /// A slot names a room that is not defined.
    #[error("slot {slot}: names unknown room {room}")]
    UnknownRoom {
        /// Slot id.
        slot: String,
        /// The unknown room id.
        room: String,
    },
    /// Two slots of one room session overlap.
    #[error("slot {first}: overlaps slot {second} in session {session} of room {room}")]
    OverlappingSlots {
        /// Earlier slot id.
        first: String,
        /// Later slot id.
        second: String,
        /// Room id.
        room: String,
        /// Session id.
        session: String,
    },
    /// A talk names a speaker that is not defined.
    #[error("talk {talk}: speaker {speaker} is not defined")]
    UnknownSpeaker {
        /// Talk id.
        talk: String,
        /// The unknown speaker id.
        speaker: String,
    },
    /// A talk is pinned to a slot that is not defined.
    #[error("talk {talk}: pin.slot names unknown slot {slot}")]
    UnknownPinSlot {
        /// Talk id.
        talk: String,
        /// The unknown slot id.
        slot: String,
    },
    /// A talk has duration 0.
    #[error("talk {talk}: duration must be at least 1 minute")]
    ZeroDuration {
        /// Talk id.
        talk: String,
    },
    /// A weight is negative or not finite.
    #[error("weights.{field}: must be a finite number ≥ 0, found {value}")]
    BadWeight {
        /// `missed`, `topic_mix` or `overflow`.
        field: &'static str,
        /// The value found.
        value: f64,
    },
    /// A previous solution (for `keep`) has the wrong `format`. Unknown talk or slot ids in it
    /// are dropped, not errors: the instance may have changed since.
    #[error("previous solution: format: expected `{expected}`, found `{found}`")]
    PreviousFormat {
        /// The format we read.
        expected: &'static str,
        /// What the file says.
        found: String,
    },
}
