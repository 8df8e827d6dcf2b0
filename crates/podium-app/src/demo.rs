//! The demo conference loaded by `podium serve --demo`: a three-day community Python conference
//! with six topic tracks, four rooms and a released schedule. Loading is idempotent.

use podium_domain::time::{instant, parse_date, parse_time, zone};
use podium_domain::*;
use podium_store::{Store, StoreError};
use serde::Deserialize;

/// The demo's content, baked into the binary.
const DEMO_JSON: &str = include_str!("demo/demo.json");

/// The demo conference's slug.
pub const DEMO_SLUG: &str = "pyconf-2027";

/// The demo organizer's log-in (the demo is for trying podium out, never for production).
pub const DEMO_ORGANIZER: (&str, &str) = ("organizer@example.org", "organizer-demo");

/// What `load` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The demo conference was created.
    Created(ConferenceId),
    /// It was there already; nothing changed.
    AlreadyLoaded,
}

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The baked-in JSON does not describe a valid program (a bug in the demo data).
    #[error("demo data is invalid: {0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates the demo conference unless it exists already.
pub async fn load(store: &dyn Store) -> Result<Outcome, DemoError> {
    match store.conference_by_slug(DEMO_SLUG).await {
        Ok(_) => return Ok(Outcome::AlreadyLoaded),
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    let program = program()?;
    match store.create_program(&program).await {
        Ok(id) => {
            let form = crate::account::SignUp {
                name: "Demo Organizer".to_owned(),
                email: DEMO_ORGANIZER.0.to_owned(),
                password: DEMO_ORGANIZER.1.to_owned(),
            };
            match crate::account::sign_up(store, &form).await {
                Ok(user) => store.grant_role(user, id, Role::Organizer).await?,
                // Someone owns that address already: never hand them the demo's keys.
                Err(crate::account::AccountError::Invalid(_)) => {
                    tracing::warn!(
                        "{} exists already; no demo organizer was made",
                        DEMO_ORGANIZER.0
                    );
                }
                Err(e) => return Err(DemoError::Invalid(e.to_string())),
            }
            tracing::info!(
                conference.slug = DEMO_SLUG,
                "demo conference loaded; organizer log-in: {} / {}",
                DEMO_ORGANIZER.0,
                DEMO_ORGANIZER.1
            );
            Ok(Outcome::Created(id))
        }
        // Another instance loaded it at the same moment.
        Err(StoreError::Conflict { .. }) => Ok(Outcome::AlreadyLoaded),
        Err(e) => Err(e.into()),
    }
}

/// The demo's speaker and reviewer log-ins (for trying the call for proposals).
pub const DEMO_SPEAKER: (&str, &str) = ("speaker@example.org", "speaker-demo");
/// See [`DEMO_SPEAKER`].
pub const DEMO_REVIEWER: (&str, &str) = ("reviewer@example.org", "reviewer-demo");

const DEMO_PROPOSALS: [(&str, &str, &str, &str); 4] = [
    (
        "Typing a legacy codebase, one module at a time",
        "How we added type hints to 200,000 lines without stopping feature work: the order we \
         chose, the tools, and what the type checker found.",
        "talk",
        "intermediate",
    ),
    (
        "Your first open source contribution",
        "A hands-on walk from finding an issue to a merged pull request, with a real project \
         and friendly maintainers in the room.",
        "workshop",
        "beginner",
    ),
    (
        "What the GIL removal means for your web app",
        "Free-threaded builds are here. We measure three frameworks and tell you what to change.",
        "long",
        "advanced",
    ),
    (
        "Five lines that saved our data pipeline",
        "A lightning tale of one retry decorator.",
        "lightning",
        "beginner",
    ),
];

/// Opens the demo conference's call for proposals (from a week ago for two months) with a
/// demo speaker's four proposals and a demo reviewer, unless it has proposals already.
pub async fn load_cfp(store: &dyn Store) -> Result<(), DemoError> {
    let conference = store.conference_by_slug(DEMO_SLUG).await?;
    let cfp = store.cfp();
    if !cfp.proposals(conference.id).await?.is_empty() {
        return Ok(());
    }
    let now = jiff::Timestamp::now().as_second();
    let settings = CfpSettings {
        opens_at: Some(now - 7 * 86_400),
        closes_at: Some(now + 60 * 86_400),
        // Two phases: blind review while the call runs, then selection with names shown.
        review_phases: vec![
            ReviewPhase {
                name: "Review".to_owned(),
                ..ReviewPhase::default()
            },
            ReviewPhase {
                name: "Selection".to_owned(),
                starts_at: Some(now + 60 * 86_400),
                can_review: false,
                see_others: SeeOthers::Always,
                blind: false,
            },
        ],
        ..CfpSettings::default()
    };
    cfp.save_settings(conference.id, &settings).await?;
    let mut accounts = Vec::new();
    for (name, (email, password), role) in [
        ("Demo Speaker", DEMO_SPEAKER, Role::Speaker),
        ("Demo Reviewer", DEMO_REVIEWER, Role::Reviewer),
    ] {
        let form = crate::account::SignUp {
            name: name.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
        };
        match crate::account::sign_up(store, &form).await {
            Ok(user) => {
                store.grant_role(user, conference.id, role).await?;
                accounts.push(user);
            }
            // The address has an owner already: make nothing for it.
            Err(_) => return Ok(()),
        }
    }
    let tracks = store.program(conference.id).await?.tracks;
    for (i, (title, abstract_md, kind, level)) in DEMO_PROPOSALS.iter().enumerate() {
        let form = ProposalForm {
            title: (*title).to_owned(),
            abstract_md: (*abstract_md).to_owned(),
            submission_type: (*kind).to_owned(),
            level: (*level).to_owned(),
            language: "en".to_owned(),
            track: tracks.get(i % tracks.len().max(1)).map(|t| t.id),
            ..ProposalForm::default()
        };
        cfp.create_proposal(&podium_store::NewProposal {
            conference: conference.id,
            owner: accounts[0],
            owner_email: DEMO_SPEAKER.0.to_owned(),
            form,
            submit: true,
            form_token: format!("demo-{i}"),
        })
        .await?;
    }
    tracing::info!(
        "demo call for proposals open; speaker log-in: {} / {}, reviewer: {} / {}",
        DEMO_SPEAKER.0,
        DEMO_SPEAKER.1,
        DEMO_REVIEWER.0,
        DEMO_REVIEWER.1
    );
    Ok(())
}

#[derive(Deserialize)]
struct Demo {
    conference: NewConference,
    rooms: Vec<NewRoom>,
    tracks: Vec<NewTrack>,
    days: Vec<Day>,
    speakers: Vec<NewSpeaker>,
    talks: Vec<DemoTalk>,
}

#[derive(Deserialize)]
struct Day {
    date: String,
    sessions: Vec<DaySession>,
    breaks: Vec<DayBreak>,
}

#[derive(Deserialize)]
struct DaySession {
    room: String,
    start: String,
    end: String,
    slot_minutes: i64,
    label: String,
}

#[derive(Deserialize)]
struct DayBreak {
    label: String,
    start: String,
    end: String,
}

#[derive(Deserialize)]
struct DemoTalk {
    key: String,
    title: String,
    #[serde(rename = "abstract")]
    abstract_md: String,
    kind: TalkKind,
    level: Level,
    duration: i64,
    track: Option<String>,
    language: String,
    speakers: Vec<String>,
    slides_url: Option<String>,
    video_url: Option<String>,
    day: String,
    room: String,
    start: String,
}

/// The demo as a `NewProgram` (exposed for tests that want the same data).
pub fn program() -> Result<NewProgram, DemoError> {
    let bad = |e: &dyn std::fmt::Display| DemoError::Invalid(e.to_string());
    let demo: Demo = serde_json::from_str(DEMO_JSON).map_err(|e| bad(&e))?;
    let tz = zone(&demo.conference.timezone).map_err(|e| bad(&e))?;
    let at = |date: &str, time: &str| -> Result<jiff::Timestamp, DemoError> {
        let d = parse_date(date).map_err(|e| bad(&e))?;
        let t = parse_time(time).map_err(|e| bad(&e))?;
        instant(d, t, &tz).map_err(|e| bad(&e))
    };
    let mut sessions = Vec::new();
    let mut breaks = Vec::new();
    for day in &demo.days {
        for s in &day.sessions {
            sessions.push(NewSession {
                room: s.room.clone(),
                label: s.label.clone(),
                starts_at: at(&day.date, &s.start)?,
                ends_at: at(&day.date, &s.end)?,
                slot_minutes: s.slot_minutes,
            });
        }
        for b in &day.breaks {
            breaks.push(NewBreak {
                label: b.label.clone(),
                starts_at: at(&day.date, &b.start)?,
                ends_at: at(&day.date, &b.end)?,
            });
        }
    }
    let mut talks = Vec::new();
    let mut placements = Vec::new();
    for t in demo.talks {
        placements.push(NewPlacement {
            talk: t.key.clone(),
            room: t.room.clone(),
            starts_at: at(&t.day, &t.start)?,
        });
        talks.push(NewTalk {
            key: t.key,
            guid: None,
            title: t.title,
            abstract_md: t.abstract_md,
            kind: t.kind,
            level: t.level,
            duration_min: t.duration,
            track: t.track,
            language: t.language,
            speakers: t.speakers,
            slides_url: t.slides_url,
            video_url: t.video_url,
        });
    }
    let program = NewProgram {
        conference: demo.conference,
        rooms: demo.rooms,
        tracks: demo.tracks,
        speakers: demo.speakers,
        talks,
        sessions,
        breaks,
        placements,
        release: Some("1.0".to_owned()),
    };
    program.validate().map_err(|e| bad(&e))?;
    Ok(program)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_a_valid_full_program() {
        let p = program().expect("demo data is valid");
        assert_eq!(p.conference.slug.as_str(), DEMO_SLUG);
        assert_eq!(p.tracks.len(), 6);
        assert_eq!(p.rooms.len(), 4);
        assert_eq!(
            p.placements.len(),
            p.talks.len(),
            "every demo talk is placed"
        );
        assert!(p.talks.len() >= 60);
    }
}
