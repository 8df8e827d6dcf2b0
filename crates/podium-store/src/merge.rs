//! Re-importing a schedule into an existing conference: update what the file changed, add what
//! is new, never duplicate. One transaction; a dry run computes the same report and rolls back,
//! so a preview is exactly what applying would do.
//!
//! Matching rules:
//! - Talks by GUID (the file's, or the one podium derives from the conference slug and the
//!   file's event id, as at the first import); failing that, by title (case-insensitive) when
//!   exactly one unmatched talk has it.
//! - Rooms, tracks and speakers by name (case-insensitive).
//! - Talks, rooms, tracks and speakers that the file does not mention are left alone.
//! - A field the file leaves empty (abstract, slides, video, track, speakers, a speaker's bio,
//!   avatar or links) keeps its value: many files do not carry them.
//! - A talk's level is not updated: only CSV carries one, and the other formats would reset
//!   every level an organizer chose.
//! - The day grid (sessions, slots, breaks) is kept when every placement in the file starts on
//!   one of its slots; otherwise it is replaced by the grid derived from the file.
//! - Placements go into the work-in-progress version: placed in the file → placed there (a
//!   pinned talk stays pinned); unplaced in the file → taken out. When the file names a version
//!   that is not released yet, the result is released under that name; otherwise it stays in
//!   the work-in-progress version for the organizer to review and release.

use std::collections::{HashMap, HashSet};

use podium_domain::*;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::StoreError;
use crate::feed::{doc, record};
use crate::program::{
    insert_grid, insert_room, insert_speaker, insert_talk, insert_track, load, resolve,
    set_talk_speakers,
};
use crate::version::{create_wip, publish};

/// What a re-import changed (or, for a dry run, would change).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Talks created.
    pub talks_created: Vec<String>,
    /// Talks updated, each with the fields that changed (`"Title: duration, room"`).
    pub talks_updated: Vec<String>,
    /// Talks in the file that were already up to date.
    pub talks_unchanged: usize,
    /// Talks of the conference that the file does not mention (left alone).
    pub talks_not_in_file: Vec<String>,
    /// Rooms created.
    pub rooms_created: Vec<String>,
    /// Tracks created.
    pub tracks_created: Vec<String>,
    /// Speakers created.
    pub speakers_created: Vec<String>,
    /// Speakers whose bio, avatar or links changed.
    pub speakers_updated: Vec<String>,
    /// Whether the day grid was replaced by the file's.
    pub grid_replaced: bool,
    /// Talks whose place in the work-in-progress version changed (placed, moved or unplaced).
    pub placements_changed: usize,
    /// The version released by this import, if any.
    pub released: Option<String>,
    /// Notes for the organizer (a version name already taken, a time zone that differs).
    pub notes: Vec<String>,
}

impl ImportReport {
    /// True when applying changed nothing.
    pub fn is_empty(&self) -> bool {
        self.talks_created.is_empty()
            && self.talks_updated.is_empty()
            && self.rooms_created.is_empty()
            && self.tracks_created.is_empty()
            && self.speakers_created.is_empty()
            && self.speakers_updated.is_empty()
            && !self.grid_replaced
            && self.placements_changed == 0
    }
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Merges `new` into conference `id`; rolls back when `dry_run`.
pub(crate) async fn merge(
    pool: &AnyPool,
    id: ConferenceId,
    new: &NewProgram,
    dry_run: bool,
) -> Result<ImportReport, StoreError> {
    new.validate()?;
    let mut tx = crate::backend::begin(pool).await?;
    let report = apply(&mut tx, id, new).await?;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

async fn apply(
    conn: &mut AnyConnection,
    id: ConferenceId,
    new: &NewProgram,
) -> Result<ImportReport, StoreError> {
    let old = load(&mut *conn, id).await?;
    let c = id.0;
    let mut report = ImportReport::default();
    // Public documents this import changes, for the changes feed.
    let mut docs: Vec<(&'static str, i64)> = Vec::new();

    if new.conference.timezone != old.conference.timezone {
        report.notes.push(format!(
            "the file's time zone {} was not applied: the conference stays in {} (start times are instants, so nothing moves)",
            new.conference.timezone, old.conference.timezone
        ));
    }
    let start = new.conference.start_date.min(old.conference.start_date);
    let end = new.conference.end_date.max(old.conference.end_date);
    if (start, end) != (old.conference.start_date, old.conference.end_date) {
        sqlx::query("UPDATE conferences SET start_date = $1, end_date = $2 WHERE id = $3")
            .bind(start.to_string())
            .bind(end.to_string())
            .bind(c)
            .execute(&mut *conn)
            .await?;
        report
            .notes
            .push(format!("conference dates widened to {start} – {end}"));
    }

    // Rooms, tracks and speakers: by name.
    let mut rooms: HashMap<&str, i64> = HashMap::new();
    let old_rooms: HashMap<String, i64> =
        old.rooms.iter().map(|r| (key(&r.name), r.id.0)).collect();
    let mut position = old.rooms.len();
    for r in &new.rooms {
        let id = match old_rooms.get(&key(&r.name)) {
            Some(&id) => id,
            None => {
                report.rooms_created.push(r.name.clone());
                position += 1;
                let id = insert_room(conn, c, r, position).await?;
                docs.push((doc::ROOM, id));
                id
            }
        };
        rooms.insert(r.key.as_str(), id);
    }
    let mut tracks: HashMap<&str, i64> = HashMap::new();
    let old_tracks: HashMap<String, i64> =
        old.tracks.iter().map(|t| (key(&t.name), t.id.0)).collect();
    for t in &new.tracks {
        let id = match old_tracks.get(&key(&t.name)) {
            Some(&id) => id,
            None => {
                report.tracks_created.push(t.name.clone());
                insert_track(conn, c, t).await?
            }
        };
        tracks.insert(t.key.as_str(), id);
    }
    let mut speakers: HashMap<&str, i64> = HashMap::new();
    let old_speakers: HashMap<String, &Speaker> =
        old.speakers.iter().map(|s| (key(&s.name), s)).collect();
    for s in &new.speakers {
        let id = match old_speakers.get(&key(&s.name)) {
            Some(existing) => {
                // Only what the file says replaces what is there: an empty bio stays.
                let bio = if s.bio.trim().is_empty() {
                    &existing.bio_md
                } else {
                    &s.bio
                };
                let avatar = s.avatar_url.as_ref().or(existing.avatar_url.as_ref());
                let links = if s.links.is_empty() {
                    &existing.links
                } else {
                    &s.links
                };
                if *bio != existing.bio_md
                    || avatar != existing.avatar_url.as_ref()
                    || *links != existing.links
                {
                    sqlx::query(
                        "UPDATE speakers SET bio = $1, avatar_url = $2, links = $3 WHERE id = $4",
                    )
                    .bind(bio)
                    .bind(avatar)
                    .bind(serde_json::to_string(links).unwrap_or_else(|_| "[]".into()))
                    .bind(existing.id.0)
                    .execute(&mut *conn)
                    .await?;
                    report.speakers_updated.push(existing.name.clone());
                    docs.push((doc::SPEAKER, existing.id.0));
                }
                existing.id.0
            }
            None => {
                report.speakers_created.push(s.name.clone());
                let id = insert_speaker(conn, c, s).await?;
                docs.push((doc::SPEAKER, id));
                id
            }
        };
        speakers.insert(s.key.as_str(), id);
    }

    // Talks: by GUID, else by a unique title.
    let by_guid: HashMap<&str, &Talk> = old.talks.iter().map(|t| (t.guid.as_str(), t)).collect();
    let mut title_count: HashMap<String, usize> = HashMap::new();
    for t in &old.talks {
        *title_count.entry(key(&t.title)).or_default() += 1;
    }
    let by_title: HashMap<String, &Talk> = old
        .talks
        .iter()
        .filter(|t| title_count.get(&key(&t.title)) == Some(&1))
        .map(|t| (key(&t.title), t))
        .collect();
    let mut matched: HashSet<i64> = HashSet::new();
    let mut talks: HashMap<&str, i64> = HashMap::new();
    for t in &new.talks {
        let (guid, track, speaker_ids) =
            resolve(t, old.conference.slug.as_str(), &tracks, &speakers)?;
        let existing = by_guid
            .get(guid.as_str())
            .or_else(|| by_title.get(&key(&t.title)))
            .filter(|e| !matched.contains(&e.id.0));
        let id = match existing {
            Some(e) => {
                // What the file leaves empty keeps its value: many files carry no abstract,
                // links, track or speakers, and importing them must not wipe those out.
                let old_speakers: Vec<i64> = e.speaker_ids.iter().map(|s| s.0).collect();
                let abstract_md = if t.abstract_md.trim().is_empty() {
                    &e.abstract_md
                } else {
                    &t.abstract_md
                };
                let slides = t.slides_url.as_ref().or(e.slides_url.as_ref());
                let video = t.video_url.as_ref().or(e.video_url.as_ref());
                let track = track.or(e.track_id.map(|x| x.0));
                let speaker_ids = if speaker_ids.is_empty() {
                    old_speakers.clone()
                } else {
                    speaker_ids
                };
                let fields: [(&str, bool); 9] = [
                    ("title", e.title != t.title),
                    ("abstract", e.abstract_md != *abstract_md),
                    ("kind", e.kind != t.kind),
                    ("duration", e.duration_min != t.duration_min),
                    ("track", e.track_id.map(|x| x.0) != track),
                    ("language", e.language != t.language),
                    ("slides", e.slides_url.as_ref() != slides),
                    ("video", e.video_url.as_ref() != video),
                    ("speakers", old_speakers != speaker_ids),
                ];
                let changed: Vec<&str> =
                    fields.iter().filter(|(_, c)| *c).map(|(f, _)| *f).collect();
                if !changed.is_empty() {
                    sqlx::query(
                        "UPDATE talks SET title = $1, abstract = $2, kind = $3, duration_min = $4, track_id = $5, \
                         language = $6, slides_url = $7, video_url = $8 WHERE id = $9",
                    )
                    .bind(&t.title)
                    .bind(abstract_md)
                    .bind(t.kind.as_str())
                    .bind(t.duration_min)
                    .bind(track)
                    .bind(&t.language)
                    .bind(slides)
                    .bind(video)
                    .bind(e.id.0)
                    .execute(&mut *conn)
                    .await?;
                    set_talk_speakers(conn, e.id.0, &speaker_ids).await?;
                    docs.push((doc::TALK, e.id.0));
                    report
                        .talks_updated
                        .push(format!("{}: {}", t.title, changed.join(", ")));
                } else {
                    report.talks_unchanged += 1;
                }
                e.id.0
            }
            None => {
                report.talks_created.push(t.title.clone());
                let id = insert_talk(conn, c, &guid, t, track).await?;
                docs.push((doc::TALK, id));
                set_talk_speakers(conn, id, &speaker_ids).await?;
                id
            }
        };
        matched.insert(id);
        talks.insert(t.key.as_str(), id);
    }
    report.talks_not_in_file = old
        .talks
        .iter()
        .filter(|t| !matched.contains(&t.id.0))
        .map(|t| t.title.clone())
        .collect();

    // The grid: the file's, when it has one that differs.
    if !new.sessions.is_empty() && !grid_fits(&old, new, &rooms) {
        for table in [
            "DELETE FROM slots WHERE conference_id = $1",
            "DELETE FROM grid_sessions WHERE conference_id = $1",
            "DELETE FROM breaks WHERE conference_id = $1",
        ] {
            sqlx::query(table).bind(c).execute(&mut *conn).await?;
        }
        insert_grid(conn, c, new, &rooms).await?;
        report.grid_replaced = true;
    }

    // Placements, in the work-in-progress version.
    let wip = ensure_wip(conn, c).await?;
    let rows =
        sqlx::query("SELECT talk_id, room_id, starts_at FROM placements WHERE version_id = $1")
            .bind(wip)
            .fetch_all(&mut *conn)
            .await?;
    let mut current: HashMap<i64, (i64, i64)> = HashMap::new();
    for r in &rows {
        current.insert(
            r.try_get("talk_id")?,
            (r.try_get("room_id")?, r.try_get("starts_at")?),
        );
    }
    let mut placed: HashMap<i64, (i64, i64)> = HashMap::new();
    for p in &new.placements {
        let talk = talks
            .get(p.talk.as_str())
            .copied()
            .ok_or(StoreError::NotFound("talk"))?;
        let room = rooms
            .get(p.room.as_str())
            .copied()
            .ok_or(StoreError::NotFound("room"))?;
        placed.insert(talk, (room, p.starts_at.as_second()));
    }
    for t in &new.talks {
        let talk = talks[t.key.as_str()];
        let want = placed.get(&talk).copied();
        if want == current.get(&talk).copied() {
            continue;
        }
        report.placements_changed += 1;
        match want {
            Some((room, starts)) => {
                let updated = sqlx::query(
                    "UPDATE placements SET room_id = $1, starts_at = $2 WHERE version_id = $3 AND talk_id = $4",
                )
                .bind(room)
                .bind(starts)
                .bind(wip)
                .bind(talk)
                .execute(&mut *conn)
                .await?;
                if updated.rows_affected() == 0 {
                    sqlx::query(
                        "INSERT INTO placements (version_id, talk_id, room_id, starts_at, pinned) VALUES ($1, $2, $3, $4, 0)",
                    )
                    .bind(wip)
                    .bind(talk)
                    .bind(room)
                    .bind(starts)
                    .execute(&mut *conn)
                    .await?;
                }
            }
            None => {
                sqlx::query("DELETE FROM placements WHERE version_id = $1 AND talk_id = $2")
                    .bind(wip)
                    .bind(talk)
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }

    if let Some(name) = &new.release {
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM schedule_versions WHERE conference_id = $1 AND name = $2",
        )
        .bind(c)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        if taken.is_some() {
            if report.placements_changed > 0 {
                report.notes.push(format!(
                "version {name} is already released: the changes are in the work-in-progress version; review and release them from the organizer desk"
            ));
            }
        } else if !report.is_empty() {
            publish(conn, c, wip, name).await?;
            report.released = Some(name.clone());
        }
    }
    if !report.is_empty() {
        sqlx::query("UPDATE conferences SET revision = revision + 1 WHERE id = $1")
            .bind(c)
            .execute(&mut *conn)
            .await?;
        record(&mut *conn, c, &docs).await?;
    }
    Ok(report)
}

/// Whether every placement in the file starts on a slot of its room in the stored grid (then
/// the organizer's grid is kept, whatever sessions the importer derived from the file).
fn grid_fits(old: &Program, new: &NewProgram, rooms: &HashMap<&str, i64>) -> bool {
    let slots: HashSet<(i64, i64)> = old
        .slots
        .iter()
        .map(|s| (s.room_id.0, s.starts_at.as_second()))
        .collect();
    new.placements.iter().all(|p| {
        rooms
            .get(p.room.as_str())
            .is_some_and(|room| slots.contains(&(*room, p.starts_at.as_second())))
    })
}

/// The WIP version's id, created inside this transaction when there is none.
async fn ensure_wip(conn: &mut AnyConnection, c: i64) -> Result<i64, StoreError> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM schedule_versions WHERE conference_id = $1 AND released_at IS NULL",
    )
    .bind(c)
    .fetch_optional(&mut *conn)
    .await?;
    match existing {
        Some(id) => Ok(id),
        None => create_wip(conn, c).await,
    }
}
