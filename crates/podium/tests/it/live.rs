//! Live now/next pages and their server-sent events.

use std::time::Duration;

use podium_app::demo;
use podium_store::Store;
use podium_testkit::{Backend, TestApp};

const SLUG: &str = "pyconf-2027";

/// 10:15 in Bengaluru on the demo's first day: talks are running.
fn demo_morning() -> jiff::Timestamp {
    "2027-09-24T10:15:00+05:30".parse().unwrap()
}

async fn app_at(backend: Backend) -> TestApp {
    let app = TestApp::spawn_at(backend, Some(demo_morning())).await;
    demo::load(&*app.store).await.unwrap();
    app
}

async fn live_pages_show_what_runs_now_and_next(backend: Backend) {
    let app = app_at(backend).await;
    let id = app.store.conference_by_slug(SLUG).await.unwrap().id;
    let p = app.store.program(id).await.unwrap();
    let now = demo_morning();
    let (status, html) = app.get(&format!("/{SLUG}/live")).await;
    assert_eq!(status, 200);
    assert!(html.contains("10:15"), "the conference's local time");
    let mut running = 0;
    for room in &p.rooms {
        let mut here: Vec<_> = p
            .placements
            .iter()
            .filter(|pl| pl.room_id == room.id)
            .collect();
        here.sort_by_key(|pl| pl.starts_at);
        if let Some(pl) = here
            .iter()
            .find(|pl| pl.starts_at <= now && now < p.ends_at(pl))
        {
            running += 1;
            let title = &p.talk(pl.talk_id).unwrap().title;
            assert!(
                html.contains(&escape(title)),
                "{} runs now in {}",
                title,
                room.name
            );
        }
        if let Some(pl) = here.iter().find(|pl| pl.starts_at > now) {
            let title = &p.talk(pl.talk_id).unwrap().title;
            assert!(
                html.contains(&escape(title)),
                "{} is next in {}",
                title,
                room.name
            );
        }
    }
    assert!(
        running > 0,
        "the demo has talks running at 10:15 on its first day"
    );

    // A room's screen shows that room only.
    let room = &p.rooms[0];
    let (status, html) = app.get(&format!("/{SLUG}/rooms/{}/live", room.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&escape(&room.name)));
    let elsewhere = p
        .placements
        .iter()
        .filter(|pl| pl.room_id != room.id && pl.starts_at <= now && now < p.ends_at(pl))
        .filter_map(|pl| p.talk(pl.talk_id))
        .next()
        .unwrap();
    assert!(!html.contains(&escape(&elsewhere.title)));
    let (status, _) = app.get(&format!("/{SLUG}/rooms/999999/live")).await;
    assert_eq!(status, 404);
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#x27;")
}

#[tokio::test]
async fn live_pages_show_what_runs_now_and_next_on_sqlite() {
    live_pages_show_what_runs_now_and_next(Backend::Sqlite).await;
}

#[tokio::test]
async fn live_pages_show_what_runs_now_and_next_on_postgres() {
    live_pages_show_what_runs_now_and_next(Backend::Postgres).await;
}

/// Reads a server-sent event stream until `needle` arrives (or fails after `limit`).
pub(crate) async fn wait_for(
    response: &mut reqwest::Response,
    needle: &str,
    limit: Duration,
) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + limit;
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, response.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Ok(None)) => panic!("the event stream ended: {seen}"),
            Ok(Err(e)) => panic!("the event stream failed: {e}"),
            Err(_) => panic!("no {needle:?} within {limit:?}; got {seen:?}"),
        }
    }
    seen
}

async fn a_release_reaches_live_pages(backend: Backend) {
    let app = app_at(backend).await;
    let id = app.store.conference_by_slug(SLUG).await.unwrap().id;
    let p = app.store.program(id).await.unwrap();
    let mut events = app
        .client
        .get(format!("{}/api/v1/{SLUG}/events", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/event-stream");

    // The organizer moves a talk that is still to come into another room at the same time.
    let now = demo_morning();
    let (_, mut wip) = app.store.wip(id).await.unwrap();
    let busy: Vec<_> = wip.iter().map(|pl| (pl.room_id, pl.starts_at)).collect();
    let (index, to) = wip
        .iter()
        .enumerate()
        .filter(|(_, pl)| pl.starts_at > now)
        .find_map(|(i, pl)| {
            p.rooms
                .iter()
                .find(|r| r.id != pl.room_id && !busy.contains(&(r.id, pl.starts_at)))
                .map(|r| (i, r.id))
        })
        .expect("a later talk and a free room at its time");
    let moved = wip[index].talk_id;
    wip[index].room_id = to;
    app.store.replace_wip(id, &wip).await.unwrap();
    podium_app::schedule::release(&*app.store, id)
        .await
        .unwrap();

    // Every listener hears of it, and the page names the change.
    wait_for(&mut events, "event: update", Duration::from_secs(10)).await;
    let (_, html) = app.get(&format!("/{SLUG}/live")).await;
    let title = escape(&p.talk(moved).unwrap().title);
    assert!(html.contains(&title), "{html}");
    let new_room = escape(&p.room(to).unwrap().name);
    assert!(
        html.contains(&format!("room change: now in {new_room}")),
        "{html}"
    );
}

#[tokio::test]
async fn a_release_reaches_live_pages_on_sqlite() {
    a_release_reaches_live_pages(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_release_reaches_live_pages_on_postgres() {
    a_release_reaches_live_pages(Backend::Postgres).await;
}

/// Two instances on one PostgreSQL database: a change made through one reaches the live
/// listeners and the changes feed of the other.
#[tokio::test]
async fn changes_reach_every_instance() {
    let a = TestApp::spawn(Backend::Postgres).await;
    demo::load(&*a.store).await.unwrap();
    let b = a.second_instance().await;
    let id = a.store.conference_by_slug(SLUG).await.unwrap().id;
    let (_, feed) = b.get(&format!("/api/v1/{SLUG}/changes")).await;
    let feed: serde_json::Value = serde_json::from_str(&feed).unwrap();
    let since = feed["last_seq"].as_i64().unwrap();
    let mut events = b
        .client
        .get(format!("{}/api/v1/{SLUG}/events", b.base_url))
        .send()
        .await
        .unwrap();

    // B has the talk's page in its cache.
    let (_, mut wip) = a.store.wip(id).await.unwrap();
    let talk = wip.pop().unwrap().talk_id;
    let (_, page) = b.get(&format!("/{SLUG}/talks/{talk}")).await;
    assert!(page.contains("<time"), "scheduled at first");

    // Instance A publishes a change.
    a.store.replace_wip(id, &wip).await.unwrap();
    podium_app::schedule::release(&*a.store, id).await.unwrap();

    wait_for(&mut events, "event: update", Duration::from_secs(10)).await;
    let (_, feed) = b
        .get(&format!("/api/v1/{SLUG}/changes?since={since}"))
        .await;
    let feed: serde_json::Value = serde_json::from_str(&feed).unwrap();
    assert_eq!(feed["results"][0]["type"], "placement", "{feed}");
    assert_eq!(feed["results"][0]["id"], talk.0);
    assert_eq!(feed["results"][0]["deleted"], true);
    // B's cached public pages follow at once.
    let (_, page) = b.get(&format!("/{SLUG}/talks/{talk}")).await;
    assert!(
        !page.contains("<time"),
        "the talk is no longer scheduled on B's page"
    );
}
