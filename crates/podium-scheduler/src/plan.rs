//! Format planning: from a venue description (`podium.venue/1`, docs/venue-format.md), build the
//! slot grids of the three classic conference formats (single track, multi track, mixed), so
//! the same talks and wishes can be scheduled on each and the outcomes compared. Pure: no I/O.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::instance::{Instance, Room, Slot, parse_minutes};

/// The `format` tag of a venue file.
pub const VENUE_FORMAT: &str = "podium.venue/1";

/// A venue: rooms, days and the daily sessions between breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Venue {
    /// Must be [`VENUE_FORMAT`].
    pub format: String,
    /// A label.
    #[serde(default)]
    pub name: String,
    /// Rooms, as in an instance.
    pub rooms: Vec<Room>,
    /// Conference days, `YYYY-MM-DD`.
    pub days: Vec<String>,
    /// Daily sessions, `HH:MM` to `HH:MM`, in time order; the gaps between them are breaks.
    pub sessions: Vec<SessionTimes>,
    /// Slot length in minutes; a session holds as many whole slots as fit.
    pub slot_minutes: u32,
}

/// One daily session window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionTimes {
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
}

/// A conference format to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Everything in the largest room, one talk at a time.
    SingleTrack,
    /// Every room in every session.
    MultiTrack,
    /// The first session of each day in the largest room only (plenary style), every room in
    /// the other sessions.
    Mixed,
}

impl Format {
    /// All formats, in the order they are reported.
    pub const ALL: [Format; 3] = [Format::SingleTrack, Format::MultiTrack, Format::Mixed];

    /// A short name (`single-track`, `multi-track`, `mixed`).
    pub fn name(self) -> &'static str {
        match self {
            Format::SingleTrack => "single-track",
            Format::MultiTrack => "multi-track",
            Format::Mixed => "mixed",
        }
    }
}

/// Why a venue cannot be used. Messages name the field and the value.
#[derive(Debug, Error, PartialEq)]
pub enum VenueError {
    /// Wrong `format` tag.
    #[error("format: expected `{VENUE_FORMAT}`, found `{0}`")]
    Format(String),
    /// No rooms.
    #[error("rooms: at least one room is needed")]
    NoRooms,
    /// A day is not `YYYY-MM-DD`.
    #[error("days: `{0}` is not a date YYYY-MM-DD")]
    BadDay(String),
    /// A session time is not `HH:MM` or ends before it starts.
    #[error("sessions[{index}]: `{start}`–`{end}` is not a window HH:MM–HH:MM")]
    BadSession {
        /// Position in `sessions`.
        index: usize,
        /// Start text.
        start: String,
        /// End text.
        end: String,
    },
    /// Slot length 0.
    #[error("slot_minutes: must be at least 1")]
    ZeroSlot,
    /// Duplicate room id.
    #[error("room {0}: duplicate id")]
    DuplicateRoom(String),
}

impl Venue {
    /// Parses a venue from JSON text.
    pub fn from_json(text: &str) -> Result<Venue, serde_json::Error> {
        serde_json::from_str(text)
    }

    fn check(&self) -> Result<(), VenueError> {
        if self.format != VENUE_FORMAT {
            return Err(VenueError::Format(self.format.clone()));
        }
        if self.rooms.is_empty() {
            return Err(VenueError::NoRooms);
        }
        for (i, r) in self.rooms.iter().enumerate() {
            if self.rooms[..i].iter().any(|o| o.id == r.id) {
                return Err(VenueError::DuplicateRoom(r.id.clone()));
            }
        }
        if self.slot_minutes == 0 {
            return Err(VenueError::ZeroSlot);
        }
        for d in &self.days {
            if parse_minutes(&format!("{d}T00:00")).is_none() {
                return Err(VenueError::BadDay(d.clone()));
            }
        }
        for (index, s) in self.sessions.iter().enumerate() {
            let day = "2000-01-01";
            let (a, b) = (
                parse_minutes(&format!("{day}T{}", s.start)),
                parse_minutes(&format!("{day}T{}", s.end)),
            );
            if !matches!((a, b), (Some(a), Some(b)) if a < b) {
                return Err(VenueError::BadSession {
                    index,
                    start: s.start.clone(),
                    end: s.end.clone(),
                });
            }
        }
        Ok(())
    }

    /// The slots of `format`. Slot ids are `d{day}-s{session}-{room}-{k}`; session ids
    /// `d{day}-s{session}`.
    pub fn grid(&self, format: Format) -> Result<Vec<Slot>, VenueError> {
        self.check()?;
        let largest = self
            .rooms
            .iter()
            .max_by_key(|r| r.capacity)
            .expect("checked: at least one room");
        let mut slots = Vec::new();
        for (d, day) in self.days.iter().enumerate() {
            for (s, window) in self.sessions.iter().enumerate() {
                let rooms: Vec<&Room> = match format {
                    Format::SingleTrack => vec![largest],
                    Format::Mixed if s == 0 => vec![largest],
                    _ => self.rooms.iter().collect(),
                };
                let start = hhmm(&window.start);
                let end = hhmm(&window.end);
                for room in rooms {
                    let mut k = 0;
                    let mut t = start;
                    while t + self.slot_minutes <= end {
                        k += 1;
                        slots.push(Slot {
                            id: format!("d{}-s{}-{}-{k}", d + 1, s + 1, room.id),
                            room: room.id.clone(),
                            start: format!("{day}T{}", clock(t)),
                            end: format!("{day}T{}", clock(t + self.slot_minutes)),
                            session: format!("d{}-s{}", d + 1, s + 1),
                        });
                        t += self.slot_minutes;
                    }
                }
            }
        }
        Ok(slots)
    }

    /// `talks` (an instance supplying talks, speakers, attendees and weights) placed on the
    /// grid of `format`. Pins are dropped: they name slots of another grid.
    pub fn instance(&self, talks: &Instance, format: Format) -> Result<Instance, VenueError> {
        let slots = self.grid(format)?;
        let mut out = talks.clone();
        out.name = format!("{}-{}", self.name, format.name());
        out.rooms = self.rooms.clone();
        out.slots = slots;
        for t in &mut out.talks {
            t.pin = None;
        }
        Ok(out)
    }
}

fn hhmm(text: &str) -> u32 {
    let m = parse_minutes(&format!("2000-01-01T{text}")).expect("checked session time");
    (m.rem_euclid(1440)) as u32
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue() -> Venue {
        Venue::from_json(
            r#"{"format":"podium.venue/1","name":"v",
                "rooms":[{"id":"A","capacity":50},{"id":"B","capacity":300}],
                "days":["2027-05-01"],
                "sessions":[{"start":"09:00","end":"10:00"},{"start":"10:30","end":"11:45"}],
                "slot_minutes":30}"#,
        )
        .expect("venue parses")
    }

    #[test]
    fn grids_follow_the_format() {
        let v = venue();
        let single = v.grid(Format::SingleTrack).expect("valid");
        let ids: Vec<&str> = single.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["d1-s1-B-1", "d1-s1-B-2", "d1-s2-B-1", "d1-s2-B-2"]);
        assert_eq!(single[3].start, "2027-05-01T11:00");
        assert_eq!(single[3].end, "2027-05-01T11:30");
        assert_eq!(v.grid(Format::MultiTrack).expect("valid").len(), 8);
        let mixed = v.grid(Format::Mixed).expect("valid");
        let ids: Vec<&str> = mixed.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "d1-s1-B-1",
                "d1-s1-B-2",
                "d1-s2-A-1",
                "d1-s2-A-2",
                "d1-s2-B-1",
                "d1-s2-B-2"
            ]
        );
    }

    #[test]
    fn bad_venues_name_the_field() {
        let mut v = venue();
        v.sessions[1].end = "10:00".into();
        assert_eq!(
            v.grid(Format::Mixed).expect_err("bad").to_string(),
            "sessions[1]: `10:30`–`10:00` is not a window HH:MM–HH:MM"
        );
        let mut v = venue();
        v.days.push("2027-13-01".into());
        assert_eq!(
            v.grid(Format::Mixed).expect_err("bad").to_string(),
            "days: `2027-13-01` is not a date YYYY-MM-DD"
        );
    }
}
