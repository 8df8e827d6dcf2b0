//! Re-importing into an existing conference: updates by GUID (or a unique title), never
//! duplicates, previews exactly, applies in one transaction — on SQLite and PostgreSQL.

use podium_app::import::{Outcome, apply, read};
use podium_domain::{NewRoom, Slug};
use podium_formats::{ExportOptions, ImportOptions, Imported, frab_xml};
use podium_store::Store;
use podium_testkit::fixture::two_day_program;

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn as_import(program: podium_domain::NewProgram) -> Imported {
    Imported {
        program,
        warnings: vec![],
    }
}

fn report(outcome: Outcome) -> podium_store::ImportReport {
    match outcome {
        Outcome::Updated { report, .. } => *report,
        other => panic!("expected an update, got {other:?}"),
    }
}

on_both_backends!(reimport_updates_by_guid_and_never_duplicates, |app| {
    let first = two_day_program("re", "Europe/Berlin", "2027-03-01", "Abstract", "Bio");
    let id = app.store.create_program(&first).await.unwrap();
    let before = app.store.program(id).await.unwrap();

    let mut next = first.clone();
    next.release = Some("2.0".into());
    next.talks[0].title = "First talk, renamed".into();
    next.talks[1].duration_min = 60;
    next.placements[1].starts_at = next.sessions[1].starts_at + jiff::SignedDuration::from_mins(30);
    let mut extra = next.talks[0].clone();
    extra.key = "t3".into();
    extra.title = "A new talk".into();
    next.talks.push(extra);
    next.rooms.push(NewRoom {
        key: "annex".into(),
        name: "Annex".into(),
        capacity: 20,
        features: vec![],
    });

    // A dry run reports the changes and writes nothing.
    let preview = report(
        apply(&*app.store, &slug("re"), as_import(next.clone()), true)
            .await
            .unwrap(),
    );
    assert_eq!(preview.talks_created, vec!["A new talk"]);
    assert_eq!(
        preview.talks_updated,
        vec!["First talk, renamed: title", "Second talk: duration"]
    );
    assert_eq!(preview.rooms_created, vec!["Annex"]);
    assert_eq!(preview.placements_changed, 1);
    assert_eq!(preview.released.as_deref(), Some("2.0"));
    let unchanged = app.store.program(id).await.unwrap();
    assert_eq!(unchanged.talks, before.talks, "a dry run changes nothing");
    assert_eq!(unchanged.rooms, before.rooms);
    assert_eq!(app.store.released_versions(id).await.unwrap().len(), 1);

    // Applying does what the preview said.
    let applied = report(
        apply(&*app.store, &slug("re"), as_import(next.clone()), false)
            .await
            .unwrap(),
    );
    assert_eq!(applied, preview);
    let after = app.store.program(id).await.unwrap();
    assert_eq!(after.talks.len(), 3);
    assert_eq!(after.rooms.len(), 2);
    assert_eq!(
        after.version.as_ref().and_then(|v| v.name.as_deref()),
        Some("2.0")
    );
    let second = after
        .talks
        .iter()
        .find(|t| t.title == "Second talk")
        .unwrap();
    assert_eq!(second.duration_min, 60);
    assert_eq!(second.guid, before.talks[1].guid, "the GUID is kept");
    let placed = after
        .placements
        .iter()
        .find(|p| p.talk_id == second.id)
        .unwrap();
    assert_eq!(placed.starts_at, next.placements[1].starts_at);

    // The same file again changes nothing and duplicates nothing.
    next.release = Some("2.0".into());
    let again = report(
        apply(&*app.store, &slug("re"), as_import(next), false)
            .await
            .unwrap(),
    );
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(again.talks_unchanged, 3);
    assert_eq!(app.store.program(id).await.unwrap().talks.len(), 3);
});

on_both_backends!(reimport_matches_by_title_without_a_guid, |app| {
    let first = two_day_program("title", "UTC", "2027-03-01", "Abstract", "Bio");
    let id = app.store.create_program(&first).await.unwrap();
    // Another system's export: other event ids (so other derived GUIDs), same titles.
    let mut other = first.clone();
    for t in &mut other.talks {
        t.key = format!("other-{}", t.key);
        t.abstract_md = "Rewritten.".into();
    }
    for p in &mut other.placements {
        p.talk = format!("other-{}", p.talk);
    }
    let r = report(
        apply(&*app.store, &slug("title"), as_import(other), false)
            .await
            .unwrap(),
    );
    assert!(r.talks_created.is_empty(), "{r:?}");
    assert_eq!(r.talks_updated.len(), 2);
    let p = app.store.program(id).await.unwrap();
    assert_eq!(p.talks.len(), 2);
    assert!(p.talks.iter().all(|t| t.abstract_md == "Rewritten."));
});

on_both_backends!(exported_xml_reimports_as_no_change, |app| {
    let first = two_day_program(
        "xmlround",
        "America/New_York",
        "2027-03-13",
        "Abstract",
        "Bio",
    );
    let id = app.store.create_program(&first).await.unwrap();
    let program = app.store.program(id).await.unwrap();
    let xml = frab_xml::export(
        &program,
        &ExportOptions {
            base_url: "https://podium.example".into(),
            generated_at: jiff::Timestamp::UNIX_EPOCH,
        },
    );
    let imported = read("schedule.xml", xml.as_bytes(), &ImportOptions::default()).unwrap();
    let r = report(
        apply(&*app.store, &slug("xmlround"), imported, false)
            .await
            .unwrap(),
    );
    assert!(r.is_empty(), "our own export changes nothing: {r:?}");
    assert_eq!(r.talks_unchanged, 2, "{r:?}");
    assert_eq!(app.store.program(id).await.unwrap().talks.len(), 2);
});

on_both_backends!(a_failing_reimport_changes_nothing, |app| {
    let first = two_day_program("atomicre", "UTC", "2027-03-01", "Abstract", "Bio");
    let id = app.store.create_program(&first).await.unwrap();
    let before = app.store.program(id).await.unwrap();
    let mut next = first.clone();
    next.talks[0].title = "Changed".into();
    // Two new talks with one GUID pass validation but break a database rule after the first
    // update ran.
    for key in ["n1", "n2"] {
        let mut t = next.talks[1].clone();
        t.key = key.into();
        t.title = format!("New {key}");
        t.guid = Some("same-guid".into());
        next.talks.push(t);
    }
    assert!(
        apply(&*app.store, &slug("atomicre"), as_import(next), false)
            .await
            .is_err()
    );
    assert_eq!(app.store.program(id).await.unwrap().talks, before.talks);
});
