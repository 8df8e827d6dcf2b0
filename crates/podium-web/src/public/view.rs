//! View models of the public pages: what a template shows, computed from a `Program`.
//! All times are converted to the conference's wall clock here, never in templates.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use minijinja::Value;
use podium_domain::{Break, Conference, Placement, Program, Room, Talk};
use serde::Serialize;

use crate::render;

/// A conference as pages show it.
#[derive(Serialize)]
pub(crate) struct ConfView {
    name: String,
    slug: String,
    venue: String,
    timezone: String,
    dates: String,
    summary: String,
    description_html: Value,
}

pub(crate) fn conference(c: &Conference) -> ConfView {
    ConfView {
        name: c.name.clone(),
        slug: c.slug.to_string(),
        venue: c.venue.clone(),
        timezone: c.timezone.clone(),
        dates: date_range(c.start_date, c.end_date),
        summary: render::summary(&c.description, 200),
        description_html: Value::from_safe_string(render::markdown(&c.description)),
    }
}

/// `24–26 September 2027`, `30 September – 2 October 2027`, `31 Dec 2027 – 1 Jan 2028`.
pub(crate) fn date_range(start: Date, end: Date) -> String {
    if start == end {
        start.strftime("%-d %B %Y").to_string()
    } else if start.year() != end.year() {
        format!(
            "{} – {}",
            start.strftime("%-d %B %Y"),
            end.strftime("%-d %B %Y")
        )
    } else if start.month() != end.month() {
        format!(
            "{} – {}",
            start.strftime("%-d %B"),
            end.strftime("%-d %B %Y")
        )
    } else {
        format!("{}–{}", start.day(), end.strftime("%-d %B %Y"))
    }
}

/// One talk as a coloured card (grid cell, list item, track page entry).
#[derive(Serialize)]
pub(crate) struct Card {
    url: String,
    title: String,
    speakers: String,
    track: Option<String>,
    colour: String,
    time: String,
    room: String,
    kind: &'static str,
}

/// Builds cards and URLs for one program.
pub(crate) struct Views<'a> {
    pub(crate) program: &'a Program,
    pub(crate) tz: TimeZone,
    slug: String,
    /// Where talk cards link to: the public talk pages, or the organizer's adjust pages.
    talk_base: String,
}

const NO_TRACK_COLOUR: &str = "#59636e";

impl<'a> Views<'a> {
    pub(crate) fn new(program: &'a Program) -> Views<'a> {
        let slug = program.conference.slug.to_string();
        Views {
            program,
            tz: program.conference.tz(),
            talk_base: format!("/{slug}/talks"),
            slug,
        }
    }

    /// Views whose talk cards link to the organizer's page for adjusting a talk.
    pub(crate) fn for_organizer(program: &'a Program) -> Views<'a> {
        let mut v = Views::new(program);
        v.talk_base = format!("/{}/organizer/schedule/talks", v.slug);
        v
    }

    pub(crate) fn base(&self) -> String {
        format!("/{}", self.slug)
    }

    pub(crate) fn talk_url(&self, talk: &Talk) -> String {
        format!("{}/{}", self.talk_base, talk.id)
    }

    pub(crate) fn room_url(&self, room: &Room) -> String {
        format!("/{}/rooms/{}", self.slug, room.id)
    }

    pub(crate) fn local_date(&self, ts: Timestamp) -> Date {
        ts.to_zoned_datetime(self.tz.clone()).date()
    }

    pub(crate) fn card(&self, talk: &Talk) -> Card {
        let p = self.program;
        let placement = p.placement(talk.id);
        let track = talk.track_id.and_then(|id| p.track(id));
        let speakers: Vec<&str> = talk
            .speaker_ids
            .iter()
            .filter_map(|id| p.speaker(*id))
            .map(|s| s.name.as_str())
            .collect();
        Card {
            url: self.talk_url(talk),
            title: talk.title.clone(),
            speakers: speakers.join(", "),
            track: track.map(|t| t.name.clone()),
            colour: track
                .map_or(NO_TRACK_COLOUR, |t| t.colour.as_str())
                .to_owned(),
            time: placement.map_or_else(
                || "not scheduled".to_owned(),
                |pl| {
                    format!(
                        "{}–{}",
                        render::clock(pl.starts_at, &self.tz),
                        render::clock(p.ends_at(pl), &self.tz)
                    )
                },
            ),
            room: placement
                .and_then(|pl| p.room(pl.room_id))
                .map_or_else(String::new, |r| r.name.clone()),
            kind: talk.kind.as_str(),
        }
    }

    /// Placements of one local day, in time order.
    pub(crate) fn placements_on(&self, day: Date) -> Vec<&'a Placement> {
        self.program
            .placements
            .iter()
            .filter(|p| self.local_date(p.starts_at) == day)
            .collect()
    }

    fn breaks_on(&self, day: Date) -> Vec<&'a Break> {
        self.program
            .breaks
            .iter()
            .filter(|b| self.local_date(b.starts_at) == day)
            .collect()
    }

    /// Cards grouped by local day for a set of talks (track, room and speaker pages).
    pub(crate) fn by_day(&self, talks: &[&Talk]) -> Vec<DayCards> {
        let mut days: BTreeMap<Option<Timestamp>, Vec<(Option<Timestamp>, Card)>> = BTreeMap::new();
        for t in talks {
            let start = self.program.placement(t.id).map(|p| p.starts_at);
            let day_start = start.map(|s| {
                let d = self.local_date(s);
                jiff::civil::DateTime::from_parts(d, jiff::civil::Time::midnight())
                    .to_zoned_datetime(self.tz.clone())
                    .map_or(s, |z| z.timestamp())
            });
            days.entry(day_start)
                .or_default()
                .push((start, self.card(t)));
        }
        // Scheduled days first (in order), unscheduled talks last.
        let mut out: Vec<DayCards> = Vec::new();
        let mut unscheduled = None;
        for (day, mut cards) in days {
            cards.sort_by_key(|(s, _)| *s);
            let cards = cards.into_iter().map(|(_, c)| c).collect();
            match day {
                Some(d) => out.push(DayCards {
                    label: render::long_day(d, &self.tz),
                    cards,
                }),
                None => {
                    unscheduled = Some(DayCards {
                        label: "Not scheduled yet".to_owned(),
                        cards,
                    })
                }
            }
        }
        out.extend(unscheduled);
        out
    }
}

/// Cards of one day.
#[derive(Serialize)]
pub(crate) struct DayCards {
    label: String,
    cards: Vec<Card>,
}

/// A column heading of the grid.
#[derive(Serialize)]
struct RoomHead {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct TimeLabel {
    row: i64,
    span: i64,
    label: String,
}

#[derive(Serialize)]
struct GridItem {
    row: i64,
    span: i64,
    col: i64,
    col_span: i64,
    card: Card,
    /// Highlighted (a talk that moves in a proposal).
    marked: bool,
    /// The talk's id.
    talk: i64,
    /// The engine id of the slot it starts in (desk grids only: a drop onto it swaps).
    slot: Option<String>,
}

/// A slot of the grid a talk can be dropped on (desk grids only).
#[derive(Serialize)]
struct GridSlot {
    row: i64,
    span: i64,
    col: i64,
    /// The engine id the move form posts (`s12`).
    slot: String,
    /// Room and time, for people.
    label: String,
}

#[derive(Serialize)]
struct GridBreak {
    row: i64,
    span: i64,
    label: String,
    time: String,
}

/// One day as a CSS grid: rooms are columns, rows are time units of `unit` minutes.
#[derive(Serialize, Default)]
pub(crate) struct Grid {
    rooms: Vec<RoomHead>,
    rows: i64,
    times: Vec<TimeLabel>,
    items: Vec<GridItem>,
    breaks: Vec<GridBreak>,
    now_row: Option<i64>,
    /// Every slot of the day (desk grids only, for drag and drop).
    slots: Vec<GridSlot>,
}

/// One start time of the list view (phones): the talks starting then, or a break.
#[derive(Serialize)]
pub(crate) struct ListSlot {
    time: String,
    label: Option<String>,
    cards: Vec<Card>,
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl Views<'_> {
    /// The grid of one day. `now` draws the "now" marker when it falls inside the day.
    pub(crate) fn grid(&self, day: Date, now: Timestamp) -> Grid {
        self.grid_marked(day, now, &std::collections::HashSet::new())
    }

    /// The grid of one day with the talks in `marked` highlighted.
    pub(crate) fn grid_marked(
        &self,
        day: Date,
        now: Timestamp,
        marked: &std::collections::HashSet<podium_domain::TalkId>,
    ) -> Grid {
        self.grid_of(day, now, marked, false)
    }

    /// The grid of one day for the schedule desk: every slot is a drop target (even on a day
    /// with nothing placed yet) and every talk carries its id and start slot.
    pub(crate) fn desk_grid(&self, day: Date, now: Timestamp) -> Grid {
        self.grid_of(day, now, &std::collections::HashSet::new(), true)
    }

    fn grid_of(
        &self,
        day: Date,
        now: Timestamp,
        marked: &std::collections::HashSet<podium_domain::TalkId>,
        with_slots: bool,
    ) -> Grid {
        let p = self.program;
        let placements = self.placements_on(day);
        let day_slots: Vec<_> = if with_slots {
            p.slots
                .iter()
                .filter(|s| self.local_date(s.starts_at) == day)
                .collect()
        } else {
            Vec::new()
        };
        if placements.is_empty() && day_slots.is_empty() {
            return Grid::default();
        }
        let breaks = self.breaks_on(day);
        let sessions: Vec<_> = p
            .sessions
            .iter()
            .filter(|s| self.local_date(s.starts_at) == day)
            .collect();

        let mut bounds: Vec<(Timestamp, Timestamp)> = placements
            .iter()
            .map(|pl| (pl.starts_at, p.ends_at(pl)))
            .collect();
        bounds.extend(breaks.iter().map(|b| (b.starts_at, b.ends_at)));
        bounds.extend(sessions.iter().map(|s| (s.starts_at, s.ends_at)));
        bounds.extend(day_slots.iter().map(|s| (s.starts_at, s.ends_at)));
        let start = bounds
            .iter()
            .map(|b| b.0)
            .min()
            .expect("placements or slots is not empty");
        let end = bounds
            .iter()
            .map(|b| b.1)
            .max()
            .expect("placements or slots is not empty");
        let minutes = |t: Timestamp| (t - start).as_mins();

        // The row unit: the largest step up to 15 minutes that every boundary falls on.
        let g = bounds
            .iter()
            .fold(0, |g, b| gcd(gcd(g, minutes(b.0)), minutes(b.1)));
        let unit = (1..=15).rev().find(|u| g % u == 0).unwrap_or(1);
        let row = |t: Timestamp| minutes(t) / unit + 2;
        let span = |a: Timestamp, b: Timestamp| ((b - a).as_mins() / unit).max(1);

        let rooms: Vec<&Room> = p
            .rooms
            .iter()
            .filter(|r| {
                placements.iter().any(|pl| pl.room_id == r.id)
                    || sessions.iter().any(|s| s.room_id == r.id)
            })
            .collect();
        let col = |room| {
            rooms
                .iter()
                .position(|r| r.id == room)
                .map_or(2, |i| i as i64 + 2)
        };

        let mut items = Vec::new();
        for pl in &placements {
            let Some(talk) = p.talk(pl.talk_id) else {
                continue;
            };
            let end = p.ends_at(pl);
            // A keynote with nothing beside it spans every column.
            let alone = talk.kind == podium_domain::TalkKind::Keynote
                && !placements.iter().any(|o| {
                    o.talk_id != pl.talk_id && o.starts_at < end && pl.starts_at < p.ends_at(o)
                });
            let (c, cs) = if alone {
                (2, rooms.len() as i64)
            } else {
                (col(pl.room_id), 1)
            };
            items.push(GridItem {
                row: row(pl.starts_at),
                span: span(pl.starts_at, end),
                col: c,
                col_span: cs,
                card: self.card(talk),
                marked: marked.contains(&talk.id),
                talk: talk.id.0,
                slot: day_slots
                    .iter()
                    .find(|s| s.room_id == pl.room_id && s.starts_at == pl.starts_at)
                    .map(|s| podium_app::schedule::slot_key(s.id)),
            });
        }
        let slots = day_slots
            .iter()
            .map(|s| GridSlot {
                row: row(s.starts_at),
                span: span(s.starts_at, s.ends_at),
                col: col(s.room_id),
                slot: podium_app::schedule::slot_key(s.id),
                label: format!(
                    "{}, {}",
                    p.room(s.room_id).map_or("?", |r| r.name.as_str()),
                    render::clock(s.starts_at, &self.tz)
                ),
            })
            .collect();

        let mut starts: Vec<Timestamp> = placements.iter().map(|pl| pl.starts_at).collect();
        starts.extend(breaks.iter().map(|b| b.starts_at));
        starts.sort();
        starts.dedup();
        let times = starts
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let next = starts.get(i + 1).copied().unwrap_or(end);
                TimeLabel {
                    row: row(t),
                    span: span(t, next),
                    label: render::clock(t, &self.tz),
                }
            })
            .collect();

        let grid_breaks = breaks
            .iter()
            .map(|b| GridBreak {
                row: row(b.starts_at),
                span: span(b.starts_at, b.ends_at),
                label: b.label.clone(),
                time: format!(
                    "{}–{}",
                    render::clock(b.starts_at, &self.tz),
                    render::clock(b.ends_at, &self.tz)
                ),
            })
            .collect();

        Grid {
            rooms: rooms
                .iter()
                .map(|r| RoomHead {
                    name: r.name.clone(),
                    url: self.room_url(r),
                })
                .collect(),
            rows: (end - start).as_mins() / unit,
            times,
            items,
            breaks: grid_breaks,
            now_row: (start <= now && now < end).then(|| row(now)),
            slots,
        }
    }

    /// The list view of one day: talks grouped by start time, breaks in between.
    pub(crate) fn list(&self, day: Date) -> Vec<ListSlot> {
        let p = self.program;
        let mut by_start: BTreeMap<Timestamp, ListSlot> = BTreeMap::new();
        for pl in self.placements_on(day) {
            let Some(talk) = p.talk(pl.talk_id) else {
                continue;
            };
            by_start
                .entry(pl.starts_at)
                .or_insert_with(|| ListSlot {
                    time: render::clock(pl.starts_at, &self.tz),
                    label: None,
                    cards: Vec::new(),
                })
                .cards
                .push(self.card(talk));
        }
        for b in self.breaks_on(day) {
            // A break at the same instant as talks would be odd; keep both by nudging the key.
            let key = b.starts_at - SignedDuration::from_nanos(1);
            by_start.insert(
                key,
                ListSlot {
                    time: render::clock(b.starts_at, &self.tz),
                    label: Some(b.label.clone()),
                    cards: Vec::new(),
                },
            );
        }
        by_start.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ranges_read_naturally() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(
            date_range(d("2027-09-24"), d("2027-09-26")),
            "24–26 September 2027"
        );
        assert_eq!(
            date_range(d("2027-09-30"), d("2027-10-02")),
            "30 September – 2 October 2027"
        );
        assert_eq!(
            date_range(d("2027-12-31"), d("2028-01-01")),
            "31 December 2027 – 1 January 2028"
        );
        assert_eq!(
            date_range(d("2027-09-24"), d("2027-09-24")),
            "24 September 2027"
        );
    }
}
