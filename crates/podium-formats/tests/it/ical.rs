//! iCalendar export: exact text, folding, escaping, UTC times and the filtered feeds.

use podium_domain::{RoomId, TalkId, TrackId};
use podium_formats::ical::{self, Filter};

use crate::support::{options, program};

#[test]
fn ical_personal_feed_is_exact() {
    let p = program();
    let text = ical::export_filtered(&p, &options(), &Filter::Talks(vec![TalkId(1)]));
    let expected = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        &format!(
            "PRODID:-//podium//podium-formats {}//EN",
            env!("CARGO_PKG_VERSION")
        ),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Podium Test Conf & <Friends>",
        "X-WR-TIMEZONE:Europe/Berlin",
        "BEGIN:VEVENT",
        &format!("UID:{}@podium", p.talks[0].guid),
        "DTSTAMP:20270301T120000Z",
        "DTSTART:20270327T080000Z",
        "DTEND:20270327T083000Z",
        "SUMMARY:Opening: welcome\\, friends\\; enjoy \\\\ the show",
        "LOCATION:Hall A",
        "URL:https://podium.example.org/ptc-2027/talks/1",
        "DESCRIPTION:A short welcome.\\n\\nSpeakers: Zoë Ångström",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ];
    assert_eq!(text, expected.join("\r\n"));
}

fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for l in text.split("\r\n") {
        match l.strip_prefix(' ') {
            Some(rest) => lines.last_mut().expect("a line to continue").push_str(rest),
            None => lines.push(l.to_owned()),
        }
    }
    lines
}

#[test]
fn ical_lines_are_folded_at_75_octets_without_splitting_characters() {
    let p = program();
    let text = ical::export(&p, &options());
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "bare LF in output"
    );
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "line of {} octets: {line:?}", line.len());
    }
    let description = unfold(&text)
        .into_iter()
        .find(|l| l.starts_with("DESCRIPTION:Long abstract"))
        .expect("the long description");
    let plain = ical::plain_text(&p.talks[1].abstract_md);
    assert!(plain.starts_with(
        "Long abstract\n\nSee the docs (https://example.org/docs?a=1&b=2), then:\n\nLorem ipsum, dolor;"
    ));
    assert_eq!(
        description,
        format!(
            "DESCRIPTION:{}",
            ical::escape_text(&format!(
                "{plain}\n\nSpeakers: Bob \"Tables\" <script>, 李小龙"
            ))
        )
    );
    assert!(description.contains("Lorem ipsum\\, dolor\\; sit \\\\ amet — ünïcödé ✓ 日本語."));
}

#[test]
fn ical_room_feed_holds_only_that_rooms_talks_in_utc() {
    let p = program();
    let text = ical::export_filtered(&p, &options(), &Filter::Room(RoomId(1)));
    assert!(text.contains("X-WR-CALNAME:Podium Test Conf & <Friends> – Hall A\r\n"));
    let starts: Vec<&str> = text
        .split("\r\n")
        .filter(|l| l.starts_with("DTSTART:"))
        .collect();
    // 09:00 CET and 10:00 CEST are both 08:00 UTC.
    assert_eq!(
        starts,
        vec!["DTSTART:20270327T080000Z", "DTSTART:20270328T080000Z"]
    );
}

#[test]
fn ical_track_feed_spans_the_dst_gap_in_real_time() {
    let p = program();
    let text = ical::export_filtered(&p, &options(), &Filter::Track(TrackId(2)));
    let times: Vec<&str> = text
        .split("\r\n")
        .filter(|l| l.starts_with("DTSTART:") || l.starts_with("DTEND:"))
        .collect();
    // 01:30 CET to 04:00 CEST is 90 minutes: 00:30Z to 02:00Z.
    assert_eq!(
        times,
        vec![
            "DTSTART:20270328T003000Z",
            "DTEND:20270328T020000Z",
            "DTSTART:20270328T080000Z",
            "DTEND:20270328T090000Z",
        ]
    );
    assert_eq!(text.matches("CATEGORIES:Community\r\n").count(), 2);
}

#[test]
fn ical_escaping_covers_backslash_semicolon_comma_and_newlines() {
    assert_eq!(
        ical::escape_text("a\\b;c,d\r\ne\nf"),
        "a\\\\b\\;c\\,d\\ne\\nf"
    );
}

#[test]
fn ical_cancelled_talks_keep_their_uid_and_say_so() {
    let p = program();
    // Talk 1 left the schedule: the release no longer places it; its last place is in `gone`.
    let gone = podium_domain::Program {
        placements: p
            .placements
            .iter()
            .filter(|x| x.talk_id == TalkId(1))
            .cloned()
            .collect(),
        ..p.clone()
    };
    let now = podium_domain::Program {
        placements: p
            .placements
            .iter()
            .filter(|x| x.talk_id != TalkId(1))
            .cloned()
            .collect(),
        ..p.clone()
    };
    let filter = Filter::Talks(vec![TalkId(1), TalkId(2)]);
    let text = ical::export_with_cancelled(&now, Some(&gone), &options(), &filter);
    let lines = unfold(&text);
    let events: Vec<&[String]> = lines.split(|l| l == "BEGIN:VEVENT").skip(1).collect();
    assert_eq!(events.len(), 2);
    assert!(events[0].contains(&format!("UID:{}@podium", p.talks[1].guid)));
    assert!(!events[0].contains(&"STATUS:CANCELLED".to_owned()));
    assert_eq!(events[1][0], "STATUS:CANCELLED");
    assert!(events[1].contains(&format!("UID:{}@podium", p.talks[0].guid)));
    assert!(events[1].contains(&"DTSTART:20270327T080000Z".to_owned()));
    // Without cancellations the text is the plain filtered export.
    assert_eq!(
        ical::export_with_cancelled(&now, None, &options(), &filter),
        ical::export_filtered(&now, &options(), &filter)
    );
}
