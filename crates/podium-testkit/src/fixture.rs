//! Small programs for tests, written in code so a bare clone needs no outside files.

use jiff::civil::{Date, Time};
use podium_domain::time::{instant, zone};
use podium_domain::*;

/// XSS payloads that must render inert wherever user text is shown.
pub const XSS: &[&str] = &[
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "[click me](javascript:alert('xss-3'))",
    "<a href=\"javascript:alert('xss-4')\">link</a>",
    "<iframe src=\"https://evil.example/xss-5\"></iframe>",
    "<svg onload=alert('xss-6')>",
    "<div style=\"background:url(javascript:alert('xss-7'))\">x</div>",
    "\"><script>alert('xss-8')</script>",
    "<scr<script>ipt>alert('xss-9')</script>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "<form action=\"https://evil.example/xss-11\"><input name=q></form>",
];

/// A one-room, two-day conference in `timezone` whose talk `t1` starts at 10:00 local on the
/// first day and `t2` at 10:00 local on the second; `abstract_md` and `bio` go into `t1` and its
/// speaker. Released as version "1.0".
pub fn two_day_program(
    slug: &str,
    timezone: &str,
    first_day: &str,
    abstract_md: &str,
    bio: &str,
) -> NewProgram {
    let tz = zone(timezone).expect("test zone");
    let d1: Date = first_day.parse().expect("test date");
    let d2 = d1.tomorrow().expect("a next day");
    let at = |d: Date, h: i8, m: i8| instant(d, Time::constant(h, m, 0, 0), &tz).expect("instant");
    let talk = |key: &str, title: &str, abstract_md: &str| NewTalk {
        key: key.to_owned(),
        guid: None,
        title: title.to_owned(),
        abstract_md: abstract_md.to_owned(),
        kind: TalkKind::Talk,
        level: Level::Intermediate,
        duration_min: 30,
        track: Some("web".to_owned()),
        language: "en".to_owned(),
        speakers: vec!["ada".to_owned()],
        slides_url: Some("https://slides.com/ada/deck".to_owned()),
        video_url: Some("https://youtu.be/dQw4w9WgXcQ".to_owned()),
    };
    NewProgram {
        conference: NewConference {
            slug: Slug::parse(slug).expect("test slug"),
            name: format!("Test conference {slug}"),
            venue: "Hall 1".to_owned(),
            timezone: timezone.to_owned(),
            start_date: d1,
            end_date: d2,
            description: "A *test* conference.".to_owned(),
        },
        rooms: vec![NewRoom {
            key: "hall".to_owned(),
            name: "Hall".to_owned(),
            capacity: 100,
            features: vec!["recording".to_owned()],
        }],
        tracks: vec![NewTrack {
            key: "web".to_owned(),
            name: "Web".to_owned(),
            colour: "#0b5cad".to_owned(),
            description: "Web things.".to_owned(),
        }],
        speakers: vec![NewSpeaker {
            key: "ada".to_owned(),
            name: "Ada Test".to_owned(),
            bio: bio.to_owned(),
            avatar_url: None,
            links: vec![
                "https://ada.example".to_owned(),
                "javascript:alert(1)".to_owned(),
            ],
        }],
        talks: vec![
            talk("t1", "First talk", abstract_md),
            talk("t2", "Second talk", "Plain."),
        ],
        sessions: [d1, d2]
            .iter()
            .map(|&d| NewSession {
                room: "hall".to_owned(),
                label: "Morning".to_owned(),
                starts_at: at(d, 10, 0),
                ends_at: at(d, 12, 0),
                slot_minutes: 30,
            })
            .collect(),
        breaks: vec![NewBreak {
            label: "Lunch".to_owned(),
            starts_at: at(d1, 12, 0),
            ends_at: at(d1, 13, 0),
        }],
        placements: vec![
            NewPlacement {
                talk: "t1".to_owned(),
                room: "hall".to_owned(),
                starts_at: at(d1, 10, 0),
            },
            NewPlacement {
                talk: "t2".to_owned(),
                room: "hall".to_owned(),
                starts_at: at(d2, 10, 0),
            },
        ],
        release: Some("1.0".to_owned()),
    }
}
