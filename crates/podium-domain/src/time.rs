//! Instants and the conference's wall clock.
//!
//! Instants are stored in UTC (unix seconds); people read them in the conference's IANA zone.
//! Conversions go through the bundled tz database, so they are right across DST changes.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// Why a time value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not a name in the IANA time zone database.
    #[error("unknown time zone {0:?} (use an IANA name such as Europe/Berlin)")]
    UnknownZone(String),
    /// A date, time or instant that does not parse.
    #[error("{what} {value:?} is not valid: expected {expected}")]
    Malformed {
        /// What was being parsed ("date", "time").
        what: &'static str,
        /// The text given.
        value: String,
        /// The expected shape.
        expected: &'static str,
    },
    /// The instant is outside the range we can store.
    #[error("time {0} is out of range")]
    OutOfRange(String),
}

/// Looks up an IANA zone name.
pub fn zone(name: &str) -> Result<TimeZone, TimeError> {
    TimeZone::get(name).map_err(|_| TimeError::UnknownZone(name.to_owned()))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, TimeError> {
    s.parse().map_err(|_| TimeError::Malformed {
        what: "date",
        value: s.to_owned(),
        expected: "YYYY-MM-DD",
    })
}

/// Parses `HH:MM`.
pub fn parse_time(s: &str) -> Result<Time, TimeError> {
    s.parse().map_err(|_| TimeError::Malformed {
        what: "time",
        value: s.to_owned(),
        expected: "HH:MM",
    })
}

/// The instant at which the wall clock in `tz` shows `date` `time`.
///
/// A wall time skipped by a DST change resolves to the instant after the gap, and a repeated one
/// to its first occurrence (RFC 5545's rule, also the `compatible` rule of Temporal).
pub fn instant(date: Date, time: Time, tz: &TimeZone) -> Result<Timestamp, TimeError> {
    let dt = DateTime::from_parts(date, time);
    tz.to_ambiguous_zoned_datetime(dt)
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|_| TimeError::OutOfRange(dt.to_string()))
}

/// An instant as unix seconds, the form the store keeps.
pub fn to_unix(ts: Timestamp) -> i64 {
    ts.as_second()
}

/// Unix seconds back to an instant.
pub fn from_unix(secs: i64) -> Result<Timestamp, TimeError> {
    Timestamp::from_second(secs).map_err(|_| TimeError::OutOfRange(secs.to_string()))
}

/// The instant on the conference's wall clock.
pub fn local(ts: Timestamp, tz: &TimeZone) -> ZonedDateTime {
    ts.to_zoned_datetime(tz.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_is_right_across_a_dst_change() {
        let berlin = zone("Europe/Berlin").expect("bundled");
        // 2027-03-28: clocks go from 02:00 CET to 03:00 CEST.
        let before = instant(
            parse_date("2027-03-27").unwrap(),
            parse_time("10:00").unwrap(),
            &berlin,
        )
        .unwrap();
        let after = instant(
            parse_date("2027-03-28").unwrap(),
            parse_time("10:00").unwrap(),
            &berlin,
        )
        .unwrap();
        assert_eq!(before.to_string(), "2027-03-27T09:00:00Z");
        assert_eq!(after.to_string(), "2027-03-28T08:00:00Z");
        // 23 hours apart in real time, 10:00 on both days on the wall.
        assert_eq!(after.as_second() - before.as_second(), 23 * 3600);
        assert_eq!(local(after, &berlin).time(), parse_time("10:00").unwrap());
    }

    #[test]
    fn skipped_wall_time_moves_past_the_gap() {
        let berlin = zone("Europe/Berlin").unwrap();
        let t = instant(
            parse_date("2027-03-28").unwrap(),
            parse_time("02:30").unwrap(),
            &berlin,
        )
        .unwrap();
        assert_eq!(t.to_string(), "2027-03-28T01:30:00Z"); // 03:30 CEST
    }

    #[test]
    fn unknown_zone_is_named() {
        assert_eq!(
            zone("Mars/Olympus").unwrap_err().to_string(),
            "unknown time zone \"Mars/Olympus\" (use an IANA name such as Europe/Berlin)"
        );
    }
}
