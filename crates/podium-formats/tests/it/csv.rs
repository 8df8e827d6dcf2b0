//! CSV export: exact text for the fixture program.

use podium_formats::csv;

use crate::support::{options, program};

#[test]
fn csv_export_has_one_quoted_row_per_placed_talk_in_local_time() {
    let p = program();
    let text = csv::export(&p, &options());
    let g = |i: usize| p.talks[i].guid.clone();
    let expected = [
        "guid,title,track,room,start,end,duration_min,speakers,kind,level,language,url".to_owned(),
        format!(
            "{},\"Opening: welcome, friends; enjoy \\ the show\",,Hall A,2027-03-27 09:00,2027-03-27 09:30,30,Zoë Ångström,keynote,beginner,en,https://podium.example.org/ptc-2027/talks/1",
            g(0)
        ),
        format!(
            "{},\"Ünïcödé & <markup> \"\"quoted\"\" 'talk'\",Rust & Systems,\"Room \"\"B\"\" & <C>\",2027-03-27 10:00,2027-03-27 10:45,45,\"Bob \"\"Tables\"\" <script>; 李小龙\",talk,beginner,de,https://podium.example.org/ptc-2027/talks/2",
            g(1)
        ),
        format!(
            "{},Night owls: across the clock change,Community,Salle Été,2027-03-28 01:30,2027-03-28 04:00,90,李小龙,lightning,beginner,en,https://podium.example.org/ptc-2027/talks/4",
            g(3)
        ),
        format!(
            "{},Rust workshop on the DST day,Community,Hall A,2027-03-28 10:00,2027-03-28 11:00,60,Zoë Ångström,workshop,advanced,en,https://podium.example.org/ptc-2027/talks/3",
            g(2)
        ),
    ];
    assert_eq!(text, expected.join("\r\n") + "\r\n");
}

#[test]
fn csv_export_defuses_spreadsheet_formulas() {
    let mut p = program();
    p.talks[0].title = "=HYPERLINK(\"x\")".into();
    let text = csv::export(&p, &options());
    assert!(text.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{text}");
}
