//! The personal agenda: the page (the account's wants marked by the server, overlap warnings,
//! nobody else's stars) and `POST /{slug}/agenda/merge`, which moves stars kept in a browser
//! into the account's wants — the same rows the scheduler reads.

use podium_app::demo;
use podium_domain::{Program, TalkId};
use podium_store::Store;
use podium_testkit::TestApp;
use serde_json::{Value, json};

const SLUG: &str = "pyconf-2027";

async fn demo_program(app: &TestApp) -> Program {
    demo::load(&*app.store).await.unwrap();
    let conf = app.store.conference_by_slug(SLUG).await.unwrap();
    app.store.program(conf.id).await.unwrap()
}

/// Two talks of the demo that run at the same time, in the page's order (by start, then id).
pub(crate) fn overlapping(p: &Program) -> (TalkId, TalkId) {
    let a = &p.placements[1];
    let b = p
        .placements
        .iter()
        .find(|o| o.talk_id != a.talk_id && o.starts_at == a.starts_at)
        .unwrap();
    (a.talk_id.min(b.talk_id), a.talk_id.max(b.talk_id))
}

/// GET `/{SLUG}/agenda/stars` with the cookie: the JSON answer.
async fn stars(app: &TestApp, cookie: Option<&str>) -> Value {
    let mut r = app
        .client
        .get(format!("{}/{SLUG}/agenda/stars", app.base_url));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "other sites cannot read the form token"
    );
    r.json().await.unwrap()
}

/// POSTs a merge body; returns the status and the JSON answer.
async fn merge(
    app: &TestApp,
    cookie: Option<&str>,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut r = app
        .client
        .post(format!("{}/{SLUG}/agenda/merge", app.base_url))
        .json(body);
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn star_all(talks: &[TalkId]) -> Vec<Value> {
    talks
        .iter()
        .map(|t| json!({"talk": t.0, "star": true}))
        .collect()
}

on_both_backends!(
    merged_stars_become_the_accounts_wants_for_the_scheduler,
    |app| {
        let p = demo_program(&app).await;
        let conf = p.conference.id;
        let cookie = app.sign_up("att@example.org").await;
        let me = stars(&app, Some(&cookie)).await;
        assert_eq!(me["logged_in"], true);
        assert_eq!(me["stars"], json!([]));
        let csrf = me["csrf"].as_str().unwrap().to_owned();
        let (a, b) = (p.talks[0].id, p.talks[3].id);

        // Stars from the browser (before the schedule matters) go into the account.
        let body = json!({"csrf": csrf, "changes": star_all(&[b, a])});
        let (status, answer) = merge(&app, Some(&cookie), &body, &[]).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({"stars": [a.0, b.0]}));
        let user = app.store.credentials("att@example.org").await.unwrap().user;
        // They are the scheduler's input: the same rows as "I want to see this".
        assert_eq!(
            app.store.wants(conf).await.unwrap(),
            vec![(user, vec![a, b])]
        );

        // Sending the same again (a retry after a lost answer) changes nothing.
        let (status, answer) = merge(&app, Some(&cookie), &body, &[]).await;
        assert_eq!((status, answer), (200, json!({"stars": [a.0, b.0]})));
        assert_eq!(
            app.store.wants(conf).await.unwrap(),
            vec![(user, vec![a, b])]
        );

        // Changes apply in order: a talk starred then unstarred offline ends unstarred.
        let body = json!({"csrf": csrf, "changes": [
        {"talk": b.0, "star": false}, {"talk": p.talks[5].id.0, "star": true},
        {"talk": p.talks[5].id.0, "star": false}, {"talk": p.talks[6].id.0, "star": true}]});
        let (status, answer) = merge(&app, Some(&cookie), &body, &[]).await;
        assert_eq!(
            (status, answer),
            (200, json!({"stars": [a.0, p.talks[6].id.0]}))
        );
        assert_eq!(
            stars(&app, Some(&cookie)).await["stars"],
            json!([a.0, p.talks[6].id.0])
        );
        assert_eq!(
            app.store.interests_of(user).await.unwrap(),
            vec![a, p.talks[6].id]
        );
    }
);

on_both_backends!(
    merge_refuses_other_conferences_talks_strangers_and_stale_tokens,
    |app| {
        let p = demo_program(&app).await;
        let other = app
            .store
            .create_program(&podium_testkit::fixture::two_day_program(
                "other",
                "UTC",
                "2027-05-01",
                "A",
                "B",
            ))
            .await
            .unwrap();
        let foreign = app.store.program(other).await.unwrap().talks[0].id;
        let cookie = app.sign_up("att@example.org").await;
        let csrf = stars(&app, Some(&cookie)).await["csrf"]
            .as_str()
            .unwrap()
            .to_owned();
        let ours = p.talks[0].id;

        // A talk of another conference: the whole request is refused, with the ids named.
        let body = json!({"csrf": csrf, "changes": star_all(&[ours, foreign, TalkId(999_999)])});
        let (status, answer) = merge(&app, Some(&cookie), &body, &[]).await;
        assert_eq!(status, 422);
        assert_eq!(answer["code"], "unknown_talks");
        assert_eq!(answer["talks"], json!([foreign.0, 999_999]));
        assert_eq!(
            answer["message"],
            format!(
                "Talks {}, 999999 are not part of {}; nothing was changed.",
                foreign.0, p.conference.name
            )
        );
        let user = app.store.credentials("att@example.org").await.unwrap().user;
        assert_eq!(app.store.interests_of(user).await.unwrap(), vec![]);

        // Not logged in; a wrong or missing token; another site posting: refused, nothing written.
        let body = json!({"csrf": csrf, "changes": star_all(&[ours])});
        let (status, answer) = merge(&app, None, &body, &[]).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (401, Some("login_required"))
        );
        assert_eq!(stars(&app, None).await, json!({"logged_in": false}));
        let wrong = json!({"csrf": "0".repeat(csrf.len()), "changes": star_all(&[ours])});
        let (status, answer) = merge(&app, Some(&cookie), &wrong, &[]).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (403, Some("bad_form_token"))
        );
        let missing = json!({"changes": star_all(&[ours])});
        let (status, _) = merge(&app, Some(&cookie), &missing, &[]).await;
        assert_eq!(status, 403);
        let (status, _) = merge(
            &app,
            Some(&cookie),
            &body,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
        assert_eq!(status, 403);
        let (status, answer) = merge(&app, Some(&cookie), &json!({"csrf": csrf}), &[]).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some("invalid_request"))
        );
        assert_eq!(app.store.interests_of(user).await.unwrap(), vec![]);

        // With the token, it goes through.
        let (status, _) = merge(&app, Some(&cookie), &body, &[]).await;
        assert_eq!(status, 200);
        assert_eq!(app.store.interests_of(user).await.unwrap(), vec![ours]);
    }
);

/// The `<li>` of a talk on the agenda page.
fn item(html: &str, talk: TalkId) -> &str {
    let start = html
        .find(&format!(r#"<li data-talk="{}""#, talk.0))
        .unwrap_or_else(|| panic!("talk {talk} on the agenda page"));
    let rest = &html[start..];
    &rest[..rest.find('>').unwrap()]
}

on_both_backends!(
    the_agenda_page_shows_the_accounts_wants_and_their_overlaps,
    |app| {
        let p = demo_program(&app).await;
        let (a, b) = overlapping(&p);
        let alone = p
            .placements
            .iter()
            .find(|pl| {
                let end = p.ends_at(pl);
                p.placements.iter().all(|o| {
                    o.talk_id == pl.talk_id || o.starts_at >= end || p.ends_at(o) <= pl.starts_at
                })
            })
            .map(|pl| pl.talk_id);
        let cookie = app.sign_up("att@example.org").await;
        let user = app.store.credentials("att@example.org").await.unwrap().user;
        for t in [a, b] {
            app.store.set_interest(user, t, true).await.unwrap();
        }

        let r = app
            .client
            .get(format!("{}/{SLUG}/agenda", app.base_url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "private, no-cache");
        let html = r.text().await.unwrap();
        assert!(!item(&html, a).contains("hidden") && !item(&html, b).contains("hidden"));
        let others = p.talks.iter().filter(|t| t.id != a && t.id != b);
        for t in others {
            assert!(
                item(&html, t.id).ends_with(" hidden"),
                "{}",
                item(&html, t.id)
            );
        }
        let when = |t: TalkId| {
            let pl = p.placement(t).unwrap();
            let tz = p.conference.tz();
            let hm = |ts: jiff::Timestamp| {
                ts.to_zoned_datetime(tz.clone())
                    .strftime("%H:%M")
                    .to_string()
            };
            format!(
                "{}–{}, {}",
                hm(pl.starts_at),
                hm(p.ends_at(pl)),
                p.room(pl.room_id).unwrap().name
            )
        };
        let title = |t: TalkId| p.talk(t).unwrap().title.replace('\'', "&#x27;");
        let warning = format!(
            "<li>“{}” ({}) and “{}” ({}) overlap.</li>",
            title(a),
            when(a),
            title(b),
            when(b)
        );
        assert!(html.contains("These starred talks overlap"));
        assert!(html.contains(&warning), "{warning} in {html}");
        assert!(html.contains(&format!("https://podium.test/{SLUG}/agenda/")));
        assert!(html.contains(".ics</code>"), "the private feed is offered");

        // A talk that overlaps nothing: no warning.
        if let Some(alone) = alone {
            app.store.set_interest(user, b, false).await.unwrap();
            app.store.set_interest(user, a, false).await.unwrap();
            app.store.set_interest(user, alone, true).await.unwrap();
            let (_, html) = app
                .get_with_cookie(&format!("/{SLUG}/agenda"), &cookie)
                .await;
            assert!(!item(&html, alone).contains("hidden"));
            assert!(html.contains("data-overlaps hidden"));
            assert!(!html.contains("overlap.</li>"));
        }

        // Anyone else gets the shared page: nobody's stars, no feed.
        let r = app.get_response(&format!("/{SLUG}/agenda")).await;
        assert_eq!(r.headers()["cache-control"], "no-cache");
        let html = r.text().await.unwrap();
        for t in &p.talks {
            assert!(item(&html, t.id).ends_with(" hidden"));
        }
        assert!(html.contains("data-overlaps hidden") && !html.contains("overlap.</li>"));
        assert!(!html.contains(".ics</code>"));
        assert!(html.contains("No talks starred yet."));
    }
);

on_both_backends!(offline_json_lists_the_agenda_at_the_feeds_position, |app| {
    demo_program(&app).await;
    let (status, body) = app.get(&format!("/{SLUG}/offline.json")).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert!(
        list["pages"]
            .as_array()
            .unwrap()
            .contains(&json!(format!("/{SLUG}/agenda")))
    );
    let (_, feed) = app.get(&format!("/api/v1/{SLUG}/changes?since=0")).await;
    let feed: Value = serde_json::from_str(&feed).unwrap();
    assert_eq!(list["seq"], feed["last_seq"]);
    assert!(list["seq"].as_i64().unwrap() > 0);
});
