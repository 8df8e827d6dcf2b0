//! The conference program: what is stored (`Program`, read side) and what is created in one go
//! (`NewProgram`, write side, with cross-references by caller-chosen keys).

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::id::*;
use crate::text::Slug;
use crate::time;

/// A conference on this install.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conference {
    /// Key.
    pub id: ConferenceId,
    /// URL segment.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Venue name and address.
    pub venue: String,
    /// IANA time zone name; validated when the conference was created.
    pub timezone: String,
    /// First day (local).
    pub start_date: Date,
    /// Last day (local), inclusive.
    pub end_date: Date,
    /// Markdown description.
    pub description: String,
}

impl Conference {
    /// The conference's time zone (UTC if the stored name is somehow unknown).
    pub fn tz(&self) -> TimeZone {
        time::zone(&self.timezone).unwrap_or(TimeZone::UTC)
    }

    /// Every day from the first to the last, inclusive.
    pub fn days(&self) -> Vec<Date> {
        let mut days = Vec::new();
        let mut d = self.start_date;
        while d <= self.end_date {
            days.push(d);
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        days
    }
}

/// A room.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Room {
    /// Key.
    pub id: RoomId,
    /// Display name.
    pub name: String,
    /// Seats.
    pub capacity: i64,
    /// Features such as `recording` or `lab`.
    pub features: Vec<String>,
    /// Column order in the schedule grid (0 first).
    pub position: i64,
}

/// A topic track.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Track {
    /// Key.
    pub id: TrackId,
    /// Display name.
    pub name: String,
    /// CSS colour `#rrggbb`.
    pub colour: String,
    /// One or two sentences.
    pub description: String,
}

/// What kind of contribution a talk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TalkKind {
    /// A regular talk.
    Talk,
    /// A hands-on workshop.
    Workshop,
    /// A keynote.
    Keynote,
    /// Lightning talk(s).
    Lightning,
}

impl TalkKind {
    /// Lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TalkKind::Talk => "talk",
            TalkKind::Workshop => "workshop",
            TalkKind::Keynote => "keynote",
            TalkKind::Lightning => "lightning",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<TalkKind> {
        Some(match s {
            "talk" => TalkKind::Talk,
            "workshop" => TalkKind::Workshop,
            "keynote" => TalkKind::Keynote,
            "lightning" => TalkKind::Lightning,
            _ => return None,
        })
    }
}

/// Audience level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No prior knowledge needed.
    Beginner,
    /// Some experience expected.
    Intermediate,
    /// For experts.
    Advanced,
}

impl Level {
    /// Lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "beginner" => Level::Beginner,
            "intermediate" => Level::Intermediate,
            "advanced" => Level::Advanced,
            _ => return None,
        })
    }
}

/// A talk, workshop, keynote or lightning session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Talk {
    /// Key.
    pub id: TalkId,
    /// Stable GUID, kept across schedule versions and exports.
    pub guid: String,
    /// Title.
    pub title: String,
    /// Markdown abstract.
    pub abstract_md: String,
    /// Kind.
    pub kind: TalkKind,
    /// Audience level.
    pub level: Level,
    /// Minutes.
    pub duration_min: i64,
    /// Topic track, if any.
    pub track_id: Option<TrackId>,
    /// Language code such as `en`.
    pub language: String,
    /// Link to slides.
    pub slides_url: Option<String>,
    /// Link to the recording.
    pub video_url: Option<String>,
    /// Speakers in billing order.
    pub speaker_ids: Vec<SpeakerId>,
}

/// A speaker profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Speaker {
    /// Key.
    pub id: SpeakerId,
    /// Display name.
    pub name: String,
    /// Markdown biography.
    pub bio_md: String,
    /// Picture.
    pub avatar_url: Option<String>,
    /// Home page, code, social links.
    pub links: Vec<String>,
    /// Windows (unix seconds, start–end) in which they can speak, from their CFP profile;
    /// empty: any time. Private: never exported.
    #[serde(skip)]
    pub available: Vec<(i64, i64)>,
}

/// One room between two breaks: the unit that forms a topic track.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// Key.
    pub id: SessionId,
    /// Room.
    pub room_id: RoomId,
    /// Label such as "Morning".
    pub label: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End (exclusive).
    pub ends_at: Timestamp,
}

/// A slot of a session: where a talk may start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slot {
    /// Key.
    pub id: SlotId,
    /// Session.
    pub session_id: SessionId,
    /// Room.
    pub room_id: RoomId,
    /// Start.
    pub starts_at: Timestamp,
    /// End (exclusive).
    pub ends_at: Timestamp,
}

/// A break for every room: lunch, tea.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Break {
    /// Key.
    pub id: BreakId,
    /// "Lunch".
    pub label: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End (exclusive).
    pub ends_at: Timestamp,
}

/// A talk placed in a room at a time, within one schedule version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    /// The talk.
    pub talk_id: TalkId,
    /// The room.
    pub room_id: RoomId,
    /// Start; the end is the start plus the talk's duration.
    pub starts_at: Timestamp,
    /// The organizer fixed it here; the scheduler must not move it.
    pub pinned: bool,
}

/// A schedule version: the work-in-progress one (no name, not released) or a released one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleVersion {
    /// Key.
    pub id: VersionId,
    /// Name such as "1.0"; `None` for the work-in-progress version.
    pub name: Option<String>,
    /// When it was released; `None` for the work-in-progress version.
    pub released_at: Option<Timestamp>,
}

/// A person's role in one conference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the conference.
    Organizer,
    /// Scores proposals.
    Reviewer,
    /// Gives talks.
    Speaker,
    /// Attends.
    Attendee,
}

impl Role {
    /// Lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organizer => "organizer",
            Role::Reviewer => "reviewer",
            Role::Speaker => "speaker",
            Role::Attendee => "attendee",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "organizer" => Role::Organizer,
            "reviewer" => Role::Reviewer,
            "speaker" => Role::Speaker,
            "attendee" => Role::Attendee,
            _ => return None,
        })
    }
}

/// Everything the public site shows of one conference: its latest released schedule version
/// and the talks, speakers and rooms it refers to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Program {
    /// The conference.
    pub conference: Conference,
    /// Rooms in grid order.
    pub rooms: Vec<Room>,
    /// Tracks by name.
    pub tracks: Vec<Track>,
    /// Every talk of the conference.
    pub talks: Vec<Talk>,
    /// Every speaker of the conference.
    pub speakers: Vec<Speaker>,
    /// Grid sessions in time order.
    pub sessions: Vec<Session>,
    /// Grid slots in time order.
    pub slots: Vec<Slot>,
    /// Breaks in time order.
    pub breaks: Vec<Break>,
    /// The latest released version, if any.
    pub version: Option<ScheduleVersion>,
    /// Placements of that version, in time order.
    pub placements: Vec<Placement>,
    /// Attendees' public kudos that organizers approved, oldest first.
    pub kudos: Vec<Kudos>,
    /// Sponsors in the order organizers gave.
    pub sponsors: Vec<Sponsor>,
    /// Uploaded slide PDFs, by talk id (the records only; the bytes live in slide storage).
    pub slides: Vec<SlideFile>,
}

/// The uploaded PDF of a talk, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlideFile {
    /// The talk.
    pub talk: TalkId,
    /// Where the slide storage keeps the bytes (`slides/<guid>-<hash>.pdf`).
    pub storage_key: String,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// When it was uploaded, unix seconds.
    pub uploaded_at: i64,
}

/// A sponsor of the conference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sponsor {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its level ("Platinum"); empty for none.
    pub level: String,
    /// Its web site (http or https).
    pub url: String,
    /// Its logo (an http or https image), if given.
    pub logo_url: Option<String>,
    /// One line about it.
    pub blurb: String,
}

/// A sponsor to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSponsor {
    /// Its name, not blank, at most 100 characters.
    pub name: String,
    /// Its level, at most 50 characters; empty for none.
    pub level: String,
    /// Its web site: an absolute http(s) URL.
    pub url: String,
    /// Its logo: an absolute http(s) URL, if any.
    pub logo_url: Option<String>,
    /// One line, at most 200 characters.
    pub blurb: String,
}

fn web_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && text.len() > "https://".len()
        && !text.chars().any(char::is_whitespace)
}

impl NewSponsor {
    /// Checks every field; the message names the field.
    pub fn validate(&self) -> Result<(), ProgramError> {
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return Err(invalid("name: 1 to 100 characters"));
        }
        if self.level.chars().count() > 50 {
            return Err(invalid("level: at most 50 characters"));
        }
        if !web_url(&self.url) {
            return Err(invalid(
                "web site: an address starting with https:// or http://",
            ));
        }
        if self.logo_url.as_deref().is_some_and(|u| !web_url(u)) {
            return Err(invalid(
                "logo: an address starting with https:// or http://",
            ));
        }
        if self.blurb.chars().count() > 200 {
            return Err(invalid("line about the sponsor: at most 200 characters"));
        }
        Ok(())
    }
}

/// Public kudos for a talk, approved by an organizer. Anonymous.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kudos {
    /// The talk.
    pub talk_id: TalkId,
    /// What the attendee wrote (plain text).
    pub text: String,
}

impl Program {
    /// The talk with this id.
    pub fn talk(&self, id: TalkId) -> Option<&Talk> {
        self.talks.iter().find(|t| t.id == id)
    }

    /// The talk's uploaded slides, if any.
    pub fn slides_of(&self, talk: TalkId) -> Option<&SlideFile> {
        self.slides.iter().find(|s| s.talk == talk)
    }

    /// The speaker with this id.
    pub fn speaker(&self, id: SpeakerId) -> Option<&Speaker> {
        self.speakers.iter().find(|s| s.id == id)
    }

    /// The room with this id.
    pub fn room(&self, id: RoomId) -> Option<&Room> {
        self.rooms.iter().find(|r| r.id == id)
    }

    /// The track with this id.
    pub fn track(&self, id: TrackId) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    /// Where the talk is placed in the released version.
    pub fn placement(&self, talk: TalkId) -> Option<&Placement> {
        self.placements.iter().find(|p| p.talk_id == talk)
    }

    /// The end of a placement: its start plus the talk's duration.
    pub fn ends_at(&self, p: &Placement) -> Timestamp {
        let minutes = self.talk(p.talk_id).map_or(0, |t| t.duration_min);
        p.starts_at + jiff::SignedDuration::from_mins(minutes)
    }
}

/// Input to create a conference.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewConference {
    /// URL segment.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Venue.
    pub venue: String,
    /// IANA zone.
    pub timezone: String,
    /// First day.
    pub start_date: Date,
    /// Last day, inclusive.
    pub end_date: Date,
    /// Markdown.
    pub description: String,
}

/// A room to create; `key` is how other items refer to it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewRoom {
    /// Caller's reference.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Seats.
    pub capacity: i64,
    /// Features.
    pub features: Vec<String>,
}

/// A track to create.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewTrack {
    /// Caller's reference.
    pub key: String,
    /// Display name.
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// Short description.
    pub description: String,
}

/// A speaker to create.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NewSpeaker {
    /// Caller's reference.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Markdown.
    pub bio: String,
    /// Picture.
    pub avatar_url: Option<String>,
    /// Links.
    pub links: Vec<String>,
}

/// A talk to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTalk {
    /// Caller's reference.
    pub key: String,
    /// Stable GUID; derived from the conference slug and `key` when absent.
    pub guid: Option<String>,
    /// Title.
    pub title: String,
    /// Markdown.
    pub abstract_md: String,
    /// Kind.
    pub kind: TalkKind,
    /// Level.
    pub level: Level,
    /// Minutes.
    pub duration_min: i64,
    /// Track key.
    pub track: Option<String>,
    /// Language code.
    pub language: String,
    /// Speaker keys.
    pub speakers: Vec<String>,
    /// Slides link.
    pub slides_url: Option<String>,
    /// Video link.
    pub video_url: Option<String>,
}

/// A session of the grid, cut into slots of `slot_minutes`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// Room key.
    pub room: String,
    /// Label.
    pub label: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
    /// Slot length; the session length must be a multiple of it.
    pub slot_minutes: i64,
}

/// A break.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBreak {
    /// Label.
    pub label: String,
    /// Start.
    pub starts_at: Timestamp,
    /// End.
    pub ends_at: Timestamp,
}

/// A placement by keys.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlacement {
    /// Talk key.
    pub talk: String,
    /// Room key.
    pub room: String,
    /// Start.
    pub starts_at: Timestamp,
}

/// A whole conference program to create at once (demo data, imports, test fixtures).
#[derive(Debug, Clone, PartialEq)]
pub struct NewProgram {
    /// The conference.
    pub conference: NewConference,
    /// Rooms in grid order.
    pub rooms: Vec<NewRoom>,
    /// Tracks.
    pub tracks: Vec<NewTrack>,
    /// Speakers.
    pub speakers: Vec<NewSpeaker>,
    /// Talks.
    pub talks: Vec<NewTalk>,
    /// Grid sessions.
    pub sessions: Vec<NewSession>,
    /// Breaks.
    pub breaks: Vec<NewBreak>,
    /// Placements.
    pub placements: Vec<NewPlacement>,
    /// When set, the placements form a released version with this name; otherwise they go into
    /// the work-in-progress version.
    pub release: Option<String>,
}

impl NewTalk {
    /// The rules a talk obeys on its own: a title, a duration from 1 minute to a day.
    pub fn validate_alone(&self) -> Result<(), ProgramError> {
        if self.title.trim().is_empty() {
            return Err(invalid("title must not be empty"));
        }
        if !(1..=MAX_DURATION_MIN).contains(&self.duration_min) {
            return Err(invalid(format!(
                "duration must be between 1 and {MAX_DURATION_MIN} minutes"
            )));
        }
        Ok(())
    }
}

impl NewSession {
    /// The rules a session obeys on its own: it lasts a positive whole number of slots, at most
    /// a day.
    pub fn validate_alone(&self) -> Result<(), ProgramError> {
        let minutes = (self.ends_at - self.starts_at).as_mins();
        if minutes <= 0
            || minutes > MAX_DURATION_MIN
            || self.slot_minutes <= 0
            || minutes % self.slot_minutes != 0
        {
            return Err(invalid(format!(
                "its length ({minutes} min) must be a positive multiple of its slot length ({} min), at most a day",
                self.slot_minutes
            )));
        }
        Ok(())
    }
}

/// The longest talk or session we accept: one day.
pub const MAX_DURATION_MIN: i64 = 24 * 60;

/// Why a `NewProgram` was rejected. Each message names the item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// Some field is invalid.
    #[error("{0}")]
    Invalid(String),
}

fn invalid(msg: impl Into<String>) -> ProgramError {
    ProgramError::Invalid(msg.into())
}

fn overlaps(a: (Timestamp, Timestamp), b: (Timestamp, Timestamp)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl NewProgram {
    /// Checks that every reference resolves and that the placements form a valid schedule:
    /// each talk starts on a slot of its room's session and ends within it, no room holds two
    /// talks at once, no speaker gives two talks at once.
    pub fn validate(&self) -> Result<(), ProgramError> {
        let c = &self.conference;
        time::zone(&c.timezone).map_err(|e| invalid(format!("conference: {e}")))?;
        if c.name.trim().is_empty() {
            return Err(invalid("conference: name must not be empty"));
        }
        if c.end_date < c.start_date {
            return Err(invalid(format!(
                "conference: end date {} is before start date {}",
                c.end_date, c.start_date
            )));
        }
        let rooms = unique_keys(self.rooms.iter().map(|r| r.key.as_str()), "room")?;
        let tracks = unique_keys(self.tracks.iter().map(|t| t.key.as_str()), "track")?;
        let speakers = unique_keys(self.speakers.iter().map(|s| s.key.as_str()), "speaker")?;
        unique_keys(self.talks.iter().map(|t| t.key.as_str()), "talk")?;
        for r in &self.rooms {
            if r.capacity < 0 {
                return Err(invalid(format!(
                    "room {}: capacity must not be negative",
                    r.key
                )));
            }
        }
        for t in &self.tracks {
            if !is_hex_colour(&t.colour) {
                return Err(invalid(format!(
                    "track {}: colour {:?} must look like #1f6f5c",
                    t.key, t.colour
                )));
            }
        }
        let by_key: HashMap<&str, &NewTalk> =
            self.talks.iter().map(|t| (t.key.as_str(), t)).collect();
        for t in &self.talks {
            t.validate_alone()
                .map_err(|ProgramError::Invalid(why)| invalid(format!("talk {}: {why}", t.key)))?;
            if let Some(tr) = &t.track
                && !tracks.contains(tr.as_str())
            {
                return Err(invalid(format!(
                    "talk {}: track {tr} is not defined",
                    t.key
                )));
            }
            for s in &t.speakers {
                if !speakers.contains(s.as_str()) {
                    return Err(invalid(format!(
                        "talk {}: speaker {s} is not defined",
                        t.key
                    )));
                }
            }
        }
        for s in &self.sessions {
            if !rooms.contains(s.room.as_str()) {
                return Err(invalid(format!(
                    "session {}: room {} is not defined",
                    s.label, s.room
                )));
            }
            s.validate_alone().map_err(|ProgramError::Invalid(why)| {
                invalid(format!(
                    "session {} in room {} at {}: {why}",
                    s.label, s.room, s.starts_at
                ))
            })?;
        }
        let mut seen = HashSet::new();
        let mut room_busy: HashMap<&str, Vec<(Timestamp, Timestamp, &str)>> = HashMap::new();
        let mut speaker_busy: HashMap<&str, Vec<(Timestamp, Timestamp, &str)>> = HashMap::new();
        for p in &self.placements {
            let talk = by_key
                .get(p.talk.as_str())
                .ok_or_else(|| invalid(format!("placement: talk {} is not defined", p.talk)))?;
            if !seen.insert(p.talk.as_str()) {
                return Err(invalid(format!("talk {} is placed twice", p.talk)));
            }
            if !rooms.contains(p.room.as_str()) {
                return Err(invalid(format!(
                    "talk {}: room {} is not defined",
                    p.talk, p.room
                )));
            }
            let end = p.starts_at + jiff::SignedDuration::from_mins(talk.duration_min);
            let fits = self.sessions.iter().any(|s| {
                s.room == p.room
                    && s.starts_at <= p.starts_at
                    && end <= s.ends_at
                    && (p.starts_at - s.starts_at).as_mins() % s.slot_minutes == 0
            });
            if !fits {
                return Err(invalid(format!(
                    "talk {}: {} in room {} does not start on a slot of a session of that room or runs past its end",
                    p.talk, p.starts_at, p.room
                )));
            }
            let busy = room_busy.entry(p.room.as_str()).or_default();
            if let Some(other) = busy
                .iter()
                .find(|b| overlaps((b.0, b.1), (p.starts_at, end)))
            {
                return Err(invalid(format!(
                    "talks {} and {} overlap in room {}",
                    other.2, p.talk, p.room
                )));
            }
            busy.push((p.starts_at, end, p.talk.as_str()));
            for s in &talk.speakers {
                let busy = speaker_busy.entry(s.as_str()).or_default();
                if let Some(other) = busy
                    .iter()
                    .find(|b| overlaps((b.0, b.1), (p.starts_at, end)))
                {
                    return Err(invalid(format!(
                        "speaker {s} is in talks {} and {} at once",
                        other.2, p.talk
                    )));
                }
                busy.push((p.starts_at, end, p.talk.as_str()));
            }
        }
        Ok(())
    }
}

fn unique_keys<'a>(
    keys: impl Iterator<Item = &'a str>,
    what: &str,
) -> Result<HashSet<&'a str>, ProgramError> {
    let mut set = HashSet::new();
    for k in keys {
        if k.is_empty() {
            return Err(invalid(format!("every {what} needs a key")));
        }
        if !set.insert(k) {
            return Err(invalid(format!("{what} key {k} is used twice")));
        }
    }
    Ok(set)
}

/// `#rrggbb` with hex digits.
pub fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A stable GUID (UUID-shaped) for a talk, derived from the conference slug and the talk key,
/// so that re-creating the same program yields the same GUIDs.
pub fn derive_guid(slug: &str, key: &str) -> String {
    // Two FNV-1a 64-bit hashes with different offsets give 128 bits; not cryptographic, only
    // stable and well spread.
    let hash = |seed: u64| {
        let mut h = seed;
        for b in slug.bytes().chain([0u8]).chain(key.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    let (a, b) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    let x = (u128::from(a) << 64) | u128::from(b);
    let hex = format!("{x:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn program() -> NewProgram {
        NewProgram {
            conference: NewConference {
                slug: Slug::parse("c").unwrap(),
                name: "C".into(),
                venue: "V".into(),
                timezone: "UTC".into(),
                start_date: "2027-01-01".parse().unwrap(),
                end_date: "2027-01-01".parse().unwrap(),
                description: String::new(),
            },
            rooms: vec![NewRoom {
                key: "r".into(),
                name: "R".into(),
                capacity: 10,
                features: vec![],
            }],
            tracks: vec![],
            speakers: vec![NewSpeaker {
                key: "s".into(),
                name: "S".into(),
                bio: String::new(),
                avatar_url: None,
                links: vec![],
            }],
            talks: ["a", "b"]
                .iter()
                .map(|k| NewTalk {
                    key: (*k).into(),
                    guid: None,
                    title: k.to_uppercase(),
                    abstract_md: String::new(),
                    kind: TalkKind::Talk,
                    level: Level::Beginner,
                    duration_min: 30,
                    track: None,
                    language: "en".into(),
                    speakers: vec!["s".into()],
                    slides_url: None,
                    video_url: None,
                })
                .collect(),
            sessions: vec![NewSession {
                room: "r".into(),
                label: "Morning".into(),
                starts_at: ts("2027-01-01T10:00:00Z"),
                ends_at: ts("2027-01-01T11:00:00Z"),
                slot_minutes: 30,
            }],
            breaks: vec![],
            placements: vec![],
            release: None,
        }
    }

    #[test]
    fn valid_program_passes() {
        let mut p = program();
        p.placements = vec![NewPlacement {
            talk: "a".into(),
            room: "r".into(),
            starts_at: ts("2027-01-01T10:00:00Z"),
        }];
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn speaker_in_two_places_is_rejected() {
        let mut p = program();
        p.rooms.push(NewRoom {
            key: "q".into(),
            name: "Q".into(),
            capacity: 5,
            features: vec![],
        });
        p.sessions.push(NewSession {
            room: "q".into(),
            ..p.sessions[0].clone()
        });
        p.placements = vec![
            NewPlacement {
                talk: "a".into(),
                room: "r".into(),
                starts_at: ts("2027-01-01T10:00:00Z"),
            },
            NewPlacement {
                talk: "b".into(),
                room: "q".into(),
                starts_at: ts("2027-01-01T10:00:00Z"),
            },
        ];
        assert_eq!(
            p.validate(),
            Err(invalid("speaker s is in talks a and b at once"))
        );
    }

    #[test]
    fn placement_off_the_grid_is_rejected() {
        let mut p = program();
        p.placements = vec![NewPlacement {
            talk: "a".into(),
            room: "r".into(),
            starts_at: ts("2027-01-01T10:40:00Z"),
        }];
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("does not start on a slot")
        );
    }

    #[test]
    fn unknown_speaker_is_named() {
        let mut p = program();
        p.talks[0].speakers = vec!["ghost".into()];
        assert_eq!(
            p.validate(),
            Err(invalid("talk a: speaker ghost is not defined"))
        );
    }

    #[test]
    fn guids_are_stable_and_distinct() {
        assert_eq!(derive_guid("c", "a"), derive_guid("c", "a"));
        assert_ne!(derive_guid("c", "a"), derive_guid("c", "b"));
        assert_eq!(derive_guid("c", "a").len(), 36);
    }
}

/// What happened to one talk between two schedule versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Change {
    /// Newly in the schedule.
    Added {
        /// The talk.
        talk: TalkId,
        /// Where and when it is now.
        to: (RoomId, Timestamp),
    },
    /// Moved to another room or time.
    Moved {
        /// The talk.
        talk: TalkId,
        /// Where and when it was.
        from: (RoomId, Timestamp),
        /// Where and when it is now.
        to: (RoomId, Timestamp),
    },
    /// No longer in the schedule (cancelled or unscheduled).
    Removed {
        /// The talk.
        talk: TalkId,
        /// Where and when it was.
        from: (RoomId, Timestamp),
    },
}

/// The changes from one version's placements to the next, in the new version's time order
/// (removed talks last, in their old time order).
pub fn changes(old: &[Placement], new: &[Placement]) -> Vec<Change> {
    let before: HashMap<TalkId, (RoomId, Timestamp)> = old
        .iter()
        .map(|p| (p.talk_id, (p.room_id, p.starts_at)))
        .collect();
    let after: HashMap<TalkId, (RoomId, Timestamp)> = new
        .iter()
        .map(|p| (p.talk_id, (p.room_id, p.starts_at)))
        .collect();
    let mut out: Vec<(Timestamp, Change)> = Vec::new();
    for p in new {
        let to = (p.room_id, p.starts_at);
        match before.get(&p.talk_id) {
            None => out.push((
                p.starts_at,
                Change::Added {
                    talk: p.talk_id,
                    to,
                },
            )),
            Some(&from) if from != to => {
                out.push((
                    p.starts_at,
                    Change::Moved {
                        talk: p.talk_id,
                        from,
                        to,
                    },
                ));
            }
            Some(_) => {}
        }
    }
    out.sort_by_key(|(t, _)| *t);
    let mut removed: Vec<(Timestamp, Change)> = old
        .iter()
        .filter(|p| !after.contains_key(&p.talk_id))
        .map(|p| {
            (
                p.starts_at,
                Change::Removed {
                    talk: p.talk_id,
                    from: (p.room_id, p.starts_at),
                },
            )
        })
        .collect();
    removed.sort_by_key(|(t, _)| *t);
    out.into_iter().chain(removed).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod change_tests {
    use super::*;

    fn at(talk: i64, room: i64, hour: i64) -> Placement {
        Placement {
            talk_id: TalkId(talk),
            room_id: RoomId(room),
            starts_at: Timestamp::from_second(hour * 3600).unwrap(),
            pinned: false,
        }
    }

    #[test]
    fn changes_name_moves_additions_and_removals() {
        let old = vec![at(1, 1, 10), at(2, 1, 11), at(3, 2, 10)];
        let new = vec![at(1, 1, 10), at(2, 2, 14), at(4, 1, 11)];
        assert_eq!(
            changes(&old, &new),
            vec![
                Change::Added {
                    talk: TalkId(4),
                    to: (RoomId(1), at(4, 1, 11).starts_at)
                },
                Change::Moved {
                    talk: TalkId(2),
                    from: (RoomId(1), at(2, 1, 11).starts_at),
                    to: (RoomId(2), at(2, 2, 14).starts_at)
                },
                Change::Removed {
                    talk: TalkId(3),
                    from: (RoomId(2), at(3, 2, 10).starts_at)
                },
            ]
        );
        assert_eq!(changes(&new, &new), vec![]);
    }
}
