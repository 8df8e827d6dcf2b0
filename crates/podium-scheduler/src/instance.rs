//! The schedule instance of `/shared/scheduling/FORMAT.md` (`podium.schedule.instance/1`) as Rust
//! types, plus the wall-clock time parsing it needs. Pure: no I/O; the caller reads the file.

use serde::{Deserialize, Serialize};

use crate::error::InstanceError;

/// The `format` tag every instance file carries.
pub const INSTANCE_FORMAT: &str = "podium.schedule.instance/1";

/// A conference to schedule: rooms, their slots, the talks, speakers and attendee wishes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Must be [`INSTANCE_FORMAT`].
    pub format: String,
    /// A label, copied into the solution's `instance` field.
    #[serde(default)]
    pub name: String,
    /// IANA time zone the wall-clock times hang in (informational only here).
    #[serde(default)]
    pub timezone: String,
    /// Rooms with their seats and features.
    #[serde(default)]
    pub rooms: Vec<Room>,
    /// Time slots; slots of one room never overlap.
    #[serde(default)]
    pub slots: Vec<Slot>,
    /// Talks to place.
    #[serde(default)]
    pub talks: Vec<Talk>,
    /// Speakers and when they cannot speak.
    #[serde(default)]
    pub speakers: Vec<Speaker>,
    /// Attendees and the talks they want to see.
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    /// Weights of the objective.
    #[serde(default)]
    pub weights: Weights,
}

/// A room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    /// Unique id, e.g. `R1`.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Seats.
    #[serde(default)]
    pub capacity: u32,
    /// Features such as `recording` or `lab`.
    #[serde(default)]
    pub features: Vec<String>,
}

/// A slot of one room: `[start, end)` in local wall-clock time, part of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Unique id.
    pub id: String,
    /// Room id.
    pub room: String,
    /// Start, `YYYY-MM-DDTHH:MM`.
    pub start: String,
    /// End, `YYYY-MM-DDTHH:MM`; after `start`.
    pub end: String,
    /// Session id; the key of a session is (room, session). Required, as validate.py does.
    pub session: String,
}

/// A talk to place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Talk {
    /// Unique id.
    pub id: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Length in minutes; positive.
    pub duration: u32,
    /// Topic (track); `None` counts as a topic of its own, as in validate.py.
    #[serde(default)]
    pub topic: Option<String>,
    /// Audience level (informational).
    #[serde(default)]
    pub level: String,
    /// Speaker ids; each must be defined in `speakers`.
    #[serde(default)]
    pub speakers: Vec<String>,
    /// `talk`, `workshop`, `keynote`, ... (informational).
    #[serde(default)]
    pub kind: String,
    /// Room features the talk requires.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Expected audience (people).
    #[serde(default)]
    pub demand: u32,
    /// True: nothing else may run while it runs.
    #[serde(default)]
    pub plenary: bool,
    /// Must start in this slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<Pin>,
}

/// A pin: the talk must start in `slot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    /// Slot id.
    pub slot: String,
}

/// A speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Windows in which the speaker cannot speak.
    #[serde(default)]
    pub unavailable: Vec<Window>,
}

/// A `[start, end)` window of local wall-clock time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Start, `YYYY-MM-DDTHH:MM`.
    pub start: String,
    /// End, `YYYY-MM-DDTHH:MM`.
    pub end: String,
}

/// An attendee and the talks they want to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    /// Id (not required to be unique by the format; used in reports).
    #[serde(default)]
    pub id: String,
    /// Talk ids; unknown ids and repeats are ignored, as in validate.py.
    #[serde(default)]
    pub wants: Vec<String>,
}

/// Weights of the objective `missed·missed + topic_mix·topic_mix + overflow·overflow`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Per missed wanted talk (default 1.0).
    #[serde(default = "default_missed")]
    pub missed: f64,
    /// Per extra topic in a room session (default 20.0).
    #[serde(default = "default_topic_mix")]
    pub topic_mix: f64,
    /// Per person over a room's capacity (default 0.05).
    #[serde(default = "default_overflow")]
    pub overflow: f64,
}

fn default_missed() -> f64 {
    1.0
}
fn default_topic_mix() -> f64 {
    20.0
}
fn default_overflow() -> f64 {
    0.05
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            missed: default_missed(),
            topic_mix: default_topic_mix(),
            overflow: default_overflow(),
        }
    }
}

impl Instance {
    /// Parses an instance from JSON text. Only syntax and field types are checked here;
    /// [`crate::Problem::build`] (called by `solve` and `evaluate`) checks the rest.
    pub fn from_json(text: &str) -> Result<Instance, InstanceError> {
        serde_json::from_str(text).map_err(|source| InstanceError::Json {
            what: "instance",
            source,
        })
    }
}

/// Minutes since 1970-01-01T00:00 for a local time `YYYY-MM-DDTHH:MM` (optionally `:SS` with
/// seconds `00`). Returns `None` when the text is not such a time. Uses the proleptic Gregorian
/// calendar, as Python's `datetime` does.
pub fn parse_minutes(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if !(b.len() == 16 || (b.len() == 19 && &b[16..] == b":00")) {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = &b[range];
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 1440 + hour * 60 + minute)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats minutes since the epoch back to `YYYY-MM-DDTHH:MM` (for messages).
pub fn format_minutes(minutes: i64) -> String {
    let days = minutes.div_euclid(1440);
    let rest = minutes.rem_euclid(1440);
    // Inverse of days_from_civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}",
        rest / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_is_zero_and_known_dates_match_python() {
        assert_eq!(parse_minutes("1970-01-01T00:00"), Some(0));
        // python: (datetime(2013,8,30,9,30)-datetime(1970,1,1)).total_seconds()/60
        assert_eq!(parse_minutes("2013-08-30T09:30"), Some(22_964_250));
        assert_eq!(parse_minutes("2000-02-29T23:59"), Some(15_864_479));
        assert_eq!(parse_minutes("2013-08-30T09:30:00"), Some(22_964_250));
    }

    #[test]
    fn malformed_times_are_rejected() {
        for bad in [
            "2013-8-30T09:30",
            "2013-02-29T09:30",
            "2013-08-30 09:30",
            "2013-08-30T24:00",
            "2013-08-30T09:30+01:00",
            "",
        ] {
            assert_eq!(parse_minutes(bad), None, "{bad}");
        }
    }

    #[test]
    fn format_is_the_inverse_of_parse() {
        for text in [
            "1970-01-01T00:00",
            "2013-08-30T09:30",
            "2000-02-29T23:59",
            "1899-12-31T12:05",
        ] {
            let m = parse_minutes(text).expect("valid");
            assert_eq!(format_minutes(m), text);
        }
    }
}
