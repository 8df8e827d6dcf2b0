//! A CoSPLib instance: the nine sheets of the authors' workbook (parameters, submissions, tracks,
//! sessions, rooms and four penalty sheets) read into dense, index-based tables.
//!
//! Reading follows `Solver/domain/problem.py` of ahmedkheiri/CoSPLib (repository HEAD) step by
//! step, including its quirks, so that [`crate::evaluate`] scores exactly as the checker does:
//! penalties are looked up by concatenated names (`track + session`), blank penalty cells are 0,
//! lists are split on `", "`, and only attendee conflicts are ever derived (the checker weighs
//! presenter and chair conflicts but never fills their lists, so those terms are always 0).
//! Pure: no I/O beyond [`Instance::read`] opening the file.

use std::collections::HashMap;
use std::path::Path;

use crate::error::ReadError;
use crate::sheet::{Book, Sheet};

/// The sheets the checker requires (`config.REQUIRED_SHEETS`).
pub const REQUIRED_SHEETS: [&str; 9] = [
    "parameters",
    "submissions",
    "tracks",
    "sessions",
    "rooms",
    "tracks_sessions|penalty",
    "tracks_rooms|penalty",
    "similar tracks",
    "sessions_rooms|penalty",
];

/// Leading columns of the `submissions` sheet before the per-session and per-room penalties.
const SUBMISSION_COLUMNS: usize = 7;

/// A session: a block of consecutive equal time slots on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Name, e.g. `Mon1`.
    pub name: String,
    /// Number of time slots of every room in this session.
    pub max_slots: usize,
    /// Date as written in the workbook (informational).
    pub date: String,
    /// Start, minutes after local midnight.
    pub start: u32,
    /// End, minutes after local midnight.
    pub end: u32,
}

/// A track: a group of submissions scheduled together in (session, room) blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Name.
    pub name: String,
    /// Chairs (the `Chairs` cell split on `", "`; a blank cell gives one empty name).
    pub chairs: Vec<String>,
    /// Indices of its submissions, in sheet order.
    pub submissions: Vec<usize>,
}

/// A submission (talk, tutorial, workshop paper...).
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// Name (the `Reference` column).
    pub name: String,
    /// Index of its track.
    pub track: usize,
    /// Number of consecutive time slots it needs.
    pub required_slots: usize,
    /// Wanted position within its track (1-based); `Some(0)` means any. `None` is a blank
    /// cell, which the checker treats as a non-zero order that never matches.
    pub order: Option<i64>,
    /// Time zone as written (`GMT+2`).
    pub timezone: String,
    /// Presenters.
    pub presenters: Vec<String>,
    /// Attendees.
    pub attendees: Vec<String>,
}

/// The 16 weights of the `parameters` sheet (column E, in sheet order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Weights {
    /// Tracks_Sessions|Penalty.
    pub tracks_sessions: i64,
    /// Tracks_Rooms|Penalty.
    pub tracks_rooms: i64,
    /// Sessions_Rooms|Penalty.
    pub sessions_rooms: i64,
    /// Similar Tracks (in parallel).
    pub similar_tracks: i64,
    /// Number of Rooms per Track (beyond the first).
    pub rooms_per_track: i64,
    /// Parallel Tracks (a track in two rooms of one session).
    pub parallel_tracks: i64,
    /// Consecutive Tracks (a track's sessions not contiguous).
    pub consecutive_tracks: i64,
    /// Submissions_Timezones.
    pub submissions_timezones: i64,
    /// Submissions Order.
    pub submissions_order: i64,
    /// Submissions_Sessions|Penalty.
    pub submissions_sessions: i64,
    /// Submissions_Rooms|Penalty.
    pub submissions_rooms: i64,
    /// Presenters Conflicts (session level).
    pub presenters_conflicts: i64,
    /// Attendees Conflicts (session level).
    pub attendees_conflicts: i64,
    /// Chairs Conflicts.
    pub chairs_conflicts: i64,
    /// Presenters Conflicts Timeslot Level.
    pub presenters_conflicts_timeslot: i64,
    /// Attendees Conflicts Timeslot Level.
    pub attendees_conflicts_timeslot: i64,
}

impl Weights {
    /// The weights in sheet order.
    pub fn as_array(&self) -> [i64; 16] {
        [
            self.tracks_sessions,
            self.tracks_rooms,
            self.sessions_rooms,
            self.similar_tracks,
            self.rooms_per_track,
            self.parallel_tracks,
            self.consecutive_tracks,
            self.submissions_timezones,
            self.submissions_order,
            self.submissions_sessions,
            self.submissions_rooms,
            self.presenters_conflicts,
            self.attendees_conflicts,
            self.chairs_conflicts,
            self.presenters_conflicts_timeslot,
            self.attendees_conflicts_timeslot,
        ]
    }

    fn from_array(w: [i64; 16]) -> Weights {
        Weights {
            tracks_sessions: w[0],
            tracks_rooms: w[1],
            sessions_rooms: w[2],
            similar_tracks: w[3],
            rooms_per_track: w[4],
            parallel_tracks: w[5],
            consecutive_tracks: w[6],
            submissions_timezones: w[7],
            submissions_order: w[8],
            submissions_sessions: w[9],
            submissions_rooms: w[10],
            presenters_conflicts: w[11],
            attendees_conflicts: w[12],
            chairs_conflicts: w[13],
            presenters_conflicts_timeslot: w[14],
            attendees_conflicts_timeslot: w[15],
        }
    }
}

/// The time-zone settings of the `parameters` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeZoneRules {
    /// The conference's local zone, hours east of UTC.
    pub local_offset_hours: i32,
    /// Suitable local times for a presenter, minutes after midnight.
    pub suitable: (u32, u32),
    /// Less suitable local times.
    pub less_suitable: (u32, u32),
    /// Penalty for a session in less suitable time.
    pub small_penalty: i64,
    /// Penalty for a session in unsuitable time.
    pub big_penalty: i64,
}

/// A CoSPLib instance with every penalty resolved to dense tables (indices follow sheet order).
#[derive(Debug, Clone)]
pub struct Instance {
    /// File stem, e.g. `GECCO19`.
    pub name: String,
    /// Sessions in sheet order.
    pub sessions: Vec<Session>,
    /// Room names in sheet order.
    pub rooms: Vec<String>,
    /// Tracks in sheet order.
    pub tracks: Vec<Track>,
    /// Submissions in sheet order.
    pub submissions: Vec<Submission>,
    /// Objective weights.
    pub weights: Weights,
    /// Time-zone rules.
    pub time_zones: TimeZoneRules,
    /// `[track][session]` penalty.
    pub track_session: Vec<Vec<i64>>,
    /// `[track][room]` penalty.
    pub track_room: Vec<Vec<i64>>,
    /// `[track][track]` penalty for running in parallel.
    pub track_track: Vec<Vec<i64>>,
    /// `[session][room]` penalty.
    pub session_room: Vec<Vec<i64>>,
    /// `[submission][session]` penalty.
    pub submission_session: Vec<Vec<i64>>,
    /// `[submission][room]` penalty.
    pub submission_room: Vec<Vec<i64>>,
    /// `[submission][session]` time-zone penalty (derived from the rules).
    pub submission_timezone: Vec<Vec<i64>>,
    /// Attendee conflicts: for each submission, the sorted submissions it must not run beside.
    pub attendee_conflicts: Vec<Vec<usize>>,
    conflict_bits: Vec<u64>,
    /// `[session][slot]` → id of the checker's `session name + slot number` key; two slots
    /// share an id only when their keys collide (`s1`+`11` = `s11`+`1`).
    pub(crate) slot_key: Vec<Vec<usize>>,
    /// Number of distinct slot keys.
    pub(crate) slot_keys: usize,
    /// `[session][room]` → id of the checker's `session name + room name` key.
    pub(crate) cell_key: Vec<Vec<usize>>,
    /// Number of distinct cell keys.
    pub(crate) cell_keys: usize,
}

impl Instance {
    /// Reads the instance workbook at `path`.
    pub fn read(path: &Path) -> Result<Instance, ReadError> {
        let book = Book::open(path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Instance::from_book(&book, name)
    }

    /// Reads an instance workbook held in memory; `name` labels it.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Instance, ReadError> {
        Instance::from_book(&Book::from_bytes(bytes)?, name.to_owned())
    }

    /// Number of sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Number of rooms.
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Whether submissions `a` and `b` share an attendee (or an attendee of one presents or
    /// chairs the other), as the checker's `__set_conflicts` defines it.
    pub fn conflicts(&self, a: usize, b: usize) -> bool {
        let bit = a * self.submissions.len() + b;
        self.conflict_bits[bit / 64] >> (bit % 64) & 1 == 1
    }

    fn from_book(book: &Book, name: String) -> Result<Instance, ReadError> {
        for sheet in REQUIRED_SHEETS {
            book.sheet(sheet)?;
        }
        let sessions_sheet = book.sheet("sessions")?;
        let rooms_sheet = book.sheet("rooms")?;
        let tracks_sheet = book.sheet("tracks")?;
        let subs_sheet = book.sheet("submissions")?;

        let sessions = read_sessions(sessions_sheet)?;
        let session_index = index_names(sessions.iter().map(|s| s.name.as_str()), "sessions")?;
        let mut rooms = Vec::new();
        for row in 1..rooms_sheet.height() {
            rooms.push(rooms_sheet.name(row, 0, "room")?);
        }
        let room_index = index_names(rooms.iter().map(String::as_str), "rooms")?;

        let mut tracks = Vec::new();
        for row in 1..tracks_sheet.height() {
            tracks.push(Track {
                name: tracks_sheet.name(row, 0, "track")?,
                chairs: split_list(&tracks_sheet.text(row, 1)),
                submissions: Vec::new(),
            });
        }
        let track_index = index_names(tracks.iter().map(|t| t.name.as_str()), "tracks")?;

        let (submissions, submission_session, submission_room) = read_submissions(
            subs_sheet,
            &sessions,
            &rooms,
            &session_index,
            &room_index,
            &track_index,
        )?;
        index_names(submissions.iter().map(|s| s.name.as_str()), "submissions")?;
        for (i, sub) in submissions.iter().enumerate() {
            tracks[sub.track].submissions.push(i);
        }
        if let Some(empty) = tracks.iter().find(|t| t.submissions.is_empty()) {
            return Err(ReadError::Inconsistent(format!(
                "track `{}` has no submissions",
                empty.name
            )));
        }

        let track_names: Vec<&str> = tracks.iter().map(|t| t.name.as_str()).collect();
        let session_names: Vec<&str> = sessions.iter().map(|s| s.name.as_str()).collect();
        let room_names: Vec<&str> = rooms.iter().map(String::as_str).collect();
        let track_session = read_matrix(
            book.sheet("tracks_sessions|penalty")?,
            (&track_names, &track_index),
            (&session_names, &session_index),
        )?;
        let track_room = read_matrix(
            book.sheet("tracks_rooms|penalty")?,
            (&track_names, &track_index),
            (&room_names, &room_index),
        )?;
        let session_room = read_matrix(
            book.sheet("sessions_rooms|penalty")?,
            (&session_names, &session_index),
            (&room_names, &room_index),
        )?;
        let track_track =
            read_similar_tracks(book.sheet("similar tracks")?, &track_names, &track_index)?;

        let (weights, time_zones) = read_parameters(book.sheet("parameters")?)?;

        let available: usize = sessions.iter().map(|s| s.max_slots).sum::<usize>() * rooms.len();
        let required: usize = submissions.iter().map(|s| s.required_slots).sum();
        if available < required {
            return Err(ReadError::Inconsistent(format!(
                "infeasible: {required} time slots required but only {available} available"
            )));
        }

        let submission_timezone = timezone_penalties(&sessions, &submissions, &time_zones)?;
        let attendee_conflicts = derive_conflicts(&tracks, &submissions);
        let n = submissions.len();
        let mut conflict_bits = vec![0u64; (n * n).div_ceil(64)];
        for (a, list) in attendee_conflicts.iter().enumerate() {
            for &b in list {
                let bit = a * n + b;
                conflict_bits[bit / 64] |= 1 << (bit % 64);
            }
        }

        let mut slot_ids: HashMap<String, usize> = HashMap::new();
        let slot_key = sessions
            .iter()
            .map(|s| {
                (0..s.max_slots)
                    .map(|ts| intern(&mut slot_ids, format!("{}{ts}", s.name)))
                    .collect()
            })
            .collect();
        let mut cell_ids: HashMap<String, usize> = HashMap::new();
        let cell_key = sessions
            .iter()
            .map(|s| {
                rooms
                    .iter()
                    .map(|r| intern(&mut cell_ids, format!("{}{r}", s.name)))
                    .collect()
            })
            .collect();

        Ok(Instance {
            name,
            sessions,
            rooms,
            tracks,
            submissions,
            weights,
            time_zones,
            track_session,
            track_room,
            track_track,
            session_room,
            submission_session,
            submission_room,
            submission_timezone,
            attendee_conflicts,
            conflict_bits,
            slot_key,
            slot_keys: slot_ids.len(),
            cell_key,
            cell_keys: cell_ids.len(),
        })
    }
}

fn intern(ids: &mut HashMap<String, usize>, key: String) -> usize {
    let next = ids.len();
    *ids.entry(key).or_insert(next)
}

/// `str(cell).split(", ")` as the checker does: a blank cell is one empty name.
fn split_list(text: &str) -> Vec<String> {
    text.split(", ").map(str::to_owned).collect()
}

fn index_names<'a>(
    names: impl Iterator<Item = &'a str>,
    sheet: &str,
) -> Result<HashMap<String, usize>, ReadError> {
    let mut index = HashMap::new();
    for (i, name) in names.enumerate() {
        if index.insert(name.to_owned(), i).is_some() {
            return Err(ReadError::Inconsistent(format!(
                "sheet `{sheet}`: duplicate name `{name}`"
            )));
        }
    }
    Ok(index)
}

fn read_sessions(sheet: &Sheet) -> Result<Vec<Session>, ReadError> {
    let mut sessions = Vec::new();
    for row in 1..sheet.height() {
        let max_slots = sheet.int(row, 1, "max number of time slots", None)?;
        if max_slots < 0 {
            return Err(sheet.error(row, 1, "max number of time slots is negative"));
        }
        sessions.push(Session {
            name: sheet.name(row, 0, "session")?,
            max_slots: max_slots as usize,
            date: sheet.text(row, 2),
            start: sheet.clock(row, 3, "start time")?,
            end: sheet.clock(row, 4, "end time")?,
        });
    }
    Ok(sessions)
}

type SubmissionTables = (Vec<Submission>, Vec<Vec<i64>>, Vec<Vec<i64>>);

fn read_submissions(
    sheet: &Sheet,
    sessions: &[Session],
    rooms: &[String],
    session_index: &HashMap<String, usize>,
    room_index: &HashMap<String, usize>,
    track_index: &HashMap<String, usize>,
) -> Result<SubmissionTables, ReadError> {
    let width = sheet.width();
    let header: Vec<String> = (0..width).map(|c| sheet.text(0, c)).collect();
    for (c, name) in header.iter().enumerate() {
        if !name.is_empty() && header[..c].contains(name) {
            return Err(sheet.error(0, c, format!("duplicate column name `{name}`")));
        }
    }
    let (s_count, r_count) = (sessions.len(), rooms.len());
    if width.saturating_sub(SUBMISSION_COLUMNS) != s_count + r_count {
        return Err(ReadError::Sheet {
            sheet: sheet.name.clone(),
            message: format!(
                "expected {SUBMISSION_COLUMNS} columns then one per session and room ({} in all), found {width}",
                SUBMISSION_COLUMNS + s_count + r_count
            ),
        });
    }
    // Which session (room) each penalty column is, by header name.
    let mut session_of_column = Vec::new();
    for (c, name) in header
        .iter()
        .enumerate()
        .skip(SUBMISSION_COLUMNS)
        .take(s_count)
    {
        let s = session_index
            .get(name)
            .ok_or_else(|| sheet.error(0, c, format!("`{name}` is not a session")))?;
        session_of_column.push(*s);
    }
    let mut room_of_column = Vec::new();
    for (c, name) in header.iter().enumerate().skip(SUBMISSION_COLUMNS + s_count) {
        let r = room_index
            .get(name)
            .ok_or_else(|| sheet.error(0, c, format!("`{name}` is not a room")))?;
        room_of_column.push(*r);
    }

    let mut submissions = Vec::new();
    let mut by_session = Vec::new();
    let mut by_room = Vec::new();
    for row in 1..sheet.height() {
        let track_name = sheet.text(row, 1);
        let track = *track_index
            .get(&track_name)
            .ok_or_else(|| sheet.error(row, 1, format!("unknown track `{track_name}`")))?;
        let required = sheet.int(row, 2, "required time slots", None)?;
        if required < 1 {
            return Err(sheet.error(row, 2, "required time slots must be at least 1"));
        }
        let order = match sheet.get(row, 3) {
            crate::sheet::Value::Empty => None,
            _ => Some(sheet.int(row, 3, "order", None)?),
        };
        submissions.push(Submission {
            name: sheet.name(row, 0, "submission")?,
            track,
            required_slots: required as usize,
            order,
            timezone: sheet.text(row, 4),
            presenters: split_list(&sheet.text(row, 5)),
            attendees: split_list(&sheet.text(row, 6)),
        });
        let mut sessions_row = vec![0; s_count];
        for (k, &s) in session_of_column.iter().enumerate() {
            sessions_row[s] = sheet.int(row, SUBMISSION_COLUMNS + k, "penalty", Some(0))?;
        }
        let mut rooms_row = vec![0; r_count];
        for (k, &r) in room_of_column.iter().enumerate() {
            rooms_row[r] = sheet.int(row, SUBMISSION_COLUMNS + s_count + k, "penalty", Some(0))?;
        }
        by_session.push(sessions_row);
        by_room.push(rooms_row);
    }
    Ok((submissions, by_session, by_room))
}

/// A penalty sheet with row names down column A and column names across row 1, resolved the
/// checker's way: every cell is stored under the key `row name + column name` (later cells
/// overwrite earlier ones with the same key) and the table is then read back by key.
fn read_matrix(
    sheet: &Sheet,
    (row_names, row_index): (&[&str], &HashMap<String, usize>),
    (col_names, col_index): (&[&str], &HashMap<String, usize>),
) -> Result<Vec<Vec<i64>>, ReadError> {
    if !sheet.text(0, 0).is_empty() {
        return Err(sheet.error(0, 0, "the top-left cell must be blank"));
    }
    let (height, width) = (sheet.height(), sheet.width());
    if height != row_names.len() + 1 || width != col_names.len() + 1 {
        return Err(ReadError::Sheet {
            sheet: sheet.name.clone(),
            message: format!(
                "expected {} rows and {} columns with names, found {} and {}",
                row_names.len(),
                col_names.len(),
                height.saturating_sub(1),
                width.saturating_sub(1)
            ),
        });
    }
    let mut by_key: HashMap<String, i64> = HashMap::new();
    for row in 1..height {
        let name = sheet.text(row, 0);
        if !row_index.contains_key(&name) {
            return Err(sheet.error(row, 0, format!("unknown name `{name}`")));
        }
        for col in 1..width {
            let col_name = sheet.text(0, col);
            if !col_index.contains_key(&col_name) {
                return Err(sheet.error(0, col, format!("unknown name `{col_name}`")));
            }
            let value = sheet.int(row, col, "penalty", Some(0))?;
            by_key.insert(format!("{name}{col_name}"), value);
        }
    }
    row_names
        .iter()
        .map(|r| {
            col_names
                .iter()
                .map(|c| {
                    by_key
                        .get(&format!("{r}{c}"))
                        .copied()
                        .ok_or_else(|| ReadError::Sheet {
                            sheet: sheet.name.clone(),
                            message: format!("no penalty for `{r}` and `{c}`"),
                        })
                })
                .collect()
        })
        .collect()
}

/// The `similar tracks` sheet as the checker reads it: rows by name, columns by position, and
/// both `(i, y)` and `(y, i)` set from cell `[y][i]` in row-major loop order.
fn read_similar_tracks(
    sheet: &Sheet,
    track_names: &[&str],
    track_index: &HashMap<String, usize>,
) -> Result<Vec<Vec<i64>>, ReadError> {
    let n = sheet.height().saturating_sub(1);
    if n != track_names.len() || sheet.width() != n + 1 {
        return Err(ReadError::Sheet {
            sheet: sheet.name.clone(),
            message: format!(
                "expected {} tracks down and across, found {n} rows and {} columns",
                track_names.len(),
                sheet.width().saturating_sub(1)
            ),
        });
    }
    let mut names = Vec::new();
    for row in 1..=n {
        let name = sheet.text(row, 0);
        if !track_index.contains_key(&name) {
            return Err(sheet.error(row, 0, format!("unknown track `{name}`")));
        }
        names.push(name);
    }
    let mut by_key: HashMap<String, i64> = HashMap::new();
    for i in 0..n {
        for y in 0..n {
            if y != i {
                let value = sheet.int(y + 1, i + 1, "penalty", Some(0))?;
                by_key.insert(format!("{}{}", names[i], names[y]), value);
                by_key.insert(format!("{}{}", names[y], names[i]), value);
            }
        }
    }
    Ok(track_names
        .iter()
        .map(|a| {
            track_names
                .iter()
                // The diagonal is never looked up (a track is not similar to itself).
                .map(|b| by_key.get(&format!("{a}{b}")).copied().unwrap_or(0))
                .collect()
        })
        .collect())
}

fn read_parameters(sheet: &Sheet) -> Result<(Weights, TimeZoneRules), ReadError> {
    // pandas row i of the sheet (header excluded) is grid row i + 1.
    let mut w = [0i64; 16];
    for (k, slot) in w.iter_mut().enumerate() {
        // The checker keeps what precedes a ':' in the cell.
        let text = sheet.text(k + 1, 4);
        let head = text.split(':').next().unwrap_or_default().trim();
        *slot = head.parse().map_err(|_| {
            sheet.error(
                k + 1,
                4,
                format!("weight must be a whole number, found `{text}`"),
            )
        })?;
    }
    let local = sheet.text(1, 1);
    let local_offset_hours = utc_offset_hours(&local)
        .ok_or_else(|| sheet.error(1, 1, format!("unsupported time zone `{local}`")))?;
    let rules = TimeZoneRules {
        local_offset_hours,
        suitable: (
            sheet.clock(3, 1, "suitable from")?,
            sheet.clock(4, 1, "suitable to")?,
        ),
        less_suitable: (
            sheet.clock(6, 1, "less suitable from")?,
            sheet.clock(7, 1, "less suitable to")?,
        ),
        small_penalty: sheet.int(8, 1, "less suitable penalty", None)?,
        big_penalty: sheet.int(10, 1, "unsuitable penalty", None)?,
    };
    Ok((Weights::from_array(w), rules))
}

/// Hours east of UTC for the zones the checker understands: `GMT-12`..`GMT+12` (its
/// `TIMEZONE_MAPPING`), the `Etc/GMT±N` names they map to, and `UTC`/`GMT`.
pub fn utc_offset_hours(zone: &str) -> Option<i32> {
    let zone = zone.trim();
    if matches!(
        zone,
        "UTC" | "GMT" | "Etc/UTC" | "Etc/GMT" | "GMT0" | "GMT+0" | "GMT-0"
    ) {
        return Some(0);
    }
    // POSIX-style Etc names are inverted: Etc/GMT-2 is two hours east.
    let (rest, sign, limit) = if let Some(rest) = zone.strip_prefix("Etc/GMT") {
        (rest, -1, 14)
    } else if let Some(rest) = zone.strip_prefix("GMT") {
        (rest, 1, 12)
    } else {
        return None;
    };
    if !rest.starts_with(['+', '-']) {
        return None;
    }
    let hours: i32 = rest.parse().ok()?;
    (hours.abs() <= limit).then_some(sign * hours)
}

/// The checker's `__set_timezone_penalties`: convert the session's local start and end to the
/// presenter's zone, then grade them against the (less) suitable windows.
fn timezone_penalties(
    sessions: &[Session],
    submissions: &[Submission],
    rules: &TimeZoneRules,
) -> Result<Vec<Vec<i64>>, ReadError> {
    let (suitable_from, suitable_to) = rules.suitable;
    let (less_from, less_to) = rules.less_suitable;
    submissions
        .iter()
        .map(|sub| {
            let offset = utc_offset_hours(&sub.timezone).ok_or_else(|| {
                ReadError::Inconsistent(format!(
                    "submission `{}`: unsupported time zone `{}`",
                    sub.name, sub.timezone
                ))
            })?;
            let shift = (offset - rules.local_offset_hours) * 60;
            Ok(sessions
                .iter()
                .map(|s| {
                    let start = (s.start as i32 + shift).rem_euclid(1440) as u32;
                    let end = (s.end as i32 + shift).rem_euclid(1440) as u32;
                    if start < less_from || end > less_to || end < less_from {
                        rules.big_penalty
                    } else if (start >= less_from && start < suitable_from)
                        || (end > suitable_to && end <= less_to)
                    {
                        rules.small_penalty
                    } else {
                        0
                    }
                })
                .collect())
        })
        .collect()
}

/// The checker's `__set_conflicts`: `a` and `b` conflict when a non-blank attendee of one
/// attends or presents the other, or chairs the other's track (when the tracks differ).
fn derive_conflicts(tracks: &[Track], submissions: &[Submission]) -> Vec<Vec<usize>> {
    let mut attending: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut presenting: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut chairing: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, sub) in submissions.iter().enumerate() {
        for a in &sub.attendees {
            attending.entry(a).or_default().push(i);
        }
        for p in &sub.presenters {
            presenting.entry(p).or_default().push(i);
        }
    }
    for (t, track) in tracks.iter().enumerate() {
        for c in &track.chairs {
            chairing.entry(c).or_default().push(t);
        }
    }
    let mut conflicts = vec![Vec::new(); submissions.len()];
    for (i, sub) in submissions.iter().enumerate() {
        for a in sub.attendees.iter().filter(|a| !a.is_empty()) {
            let a = a.as_str();
            let direct = attending
                .get(a)
                .into_iter()
                .chain(presenting.get(a))
                .flatten();
            for &y in direct {
                if y != i {
                    conflicts[i].push(y);
                    conflicts[y].push(i);
                }
            }
            for &t in chairing.get(a).into_iter().flatten() {
                if t != sub.track {
                    for &y in &tracks[t].submissions {
                        conflicts[i].push(y);
                        conflicts[y].push(i);
                    }
                }
            }
        }
    }
    for list in &mut conflicts {
        list.sort_unstable();
        list.dedup();
    }
    conflicts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_checker_mapping() {
        assert_eq!(utc_offset_hours("GMT+2"), Some(2));
        assert_eq!(utc_offset_hours("GMT-4"), Some(-4));
        assert_eq!(utc_offset_hours("GMT+0"), Some(0));
        assert_eq!(utc_offset_hours("Etc/GMT-2"), Some(2));
        assert_eq!(utc_offset_hours("Etc/GMT+5"), Some(-5));
        assert_eq!(utc_offset_hours("GMT+13"), None);
        assert_eq!(utc_offset_hours("Europe/Lisbon"), None);
    }

    #[test]
    fn lists_split_on_comma_space_only() {
        assert_eq!(split_list("A, B,C"), vec!["A", "B,C"]);
        assert_eq!(split_list(""), vec![""]);
    }
}
