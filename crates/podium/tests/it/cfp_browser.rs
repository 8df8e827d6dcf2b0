//! The whole call for proposals in real Chromium: a speaker signs up and submits a proposal
//! with a co-speaker and an availability window; another user comments and votes; the
//! organizer assigns reviewers; a reviewer scores it blind; the organizer accepts (staged),
//! releases, sends the held mail from the outbox; the speaker confirms, and the talk is
//! schedulable with the speaker's availability. Screenshots: the proposal list, the review
//! form and the organizer's ranking.

use podium_app::demo::{DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::Store;
use thirtyfour::prelude::*;

use crate::browser::Browser;
use crate::cfp::open_cfp;

async fn click(b: &Browser, css: &str) {
    b.driver()
        .find(By::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(b: &Browser, id: &str, text: &str) {
    b.driver()
        .find(By::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

async fn choose(b: &Browser, id: &str, value: &str) {
    click(b, &format!("#{id} option[value='{value}']")).await;
}

/// Logs the browser out (cookies gone) and in as someone else.
async fn switch_to(b: &Browser, base: &str, email: &str, password: &str) {
    b.driver().delete_all_cookies().await.unwrap();
    b.submit_account_form(
        format!("{base}/login"),
        &[("email", email), ("password", password)],
    )
    .await;
}

on_both_backends!(the_whole_cfp_in_chromium, |app| {
    let conference = open_cfp(&app, |s| s.review_phases[0].blind = true).await;
    let store = &*app.store;
    let reviewer = podium_app::account::sign_up(
        store,
        &podium_app::account::SignUp {
            name: "Rita Reviewer".into(),
            email: "rita@example.org".into(),
            password: "reviews all day".into(),
        },
    )
    .await
    .unwrap();
    store
        .grant_role(reviewer, conference.id, Role::Reviewer)
        .await
        .unwrap();
    let base = app.base_url.clone();
    let slug = DEMO_SLUG;
    let b = Browser::start().await;

    // The speaker signs up, opens the CFP and submits a proposal.
    b.sign_up(&base, "star@example.org").await;
    b.driver().goto(format!("{base}/{slug}/cfp")).await.unwrap();
    click(&b, "a.button[href$='/speaker/proposals/new']").await;
    b.wait_for("Propose a talk to", 10).await;
    type_into(&b, "p-title", "Packaging without tears").await;
    choose(&b, "p-type", "talk").await;
    choose(&b, "p-level", "beginner").await;
    type_into(
        &b,
        "p-abstract",
        "From `pyproject.toml` to PyPI in *one* afternoon.",
    )
    .await;
    click(&b, "button[name=submit]").await;
    b.wait_for("Your proposal is submitted", 10).await;
    type_into(&b, "co-email", "co@example.org").await;
    click(&b, "form[action$='/speakers'] button").await;
    b.wait_for("Invitation sent", 10).await;
    app.wait_for_mail("co@example.org", "co-present").await;

    // Availability: only the first day, 13:00–17:00.
    b.driver()
        .goto(format!("{base}/{slug}/speaker/profile"))
        .await
        .unwrap();
    let day = conference.start_date.to_string();
    click(&b, "input[name=availability][value=windows]").await;
    click(&b, &format!("input[name='day_{day}']")).await;
    let from = b
        .driver()
        .find(By::Css(format!("input[name='from_{day}']")))
        .await
        .unwrap();
    from.clear().await.unwrap();
    from.send_keys("1300").await.unwrap();
    let to = b
        .driver()
        .find(By::Css(format!("input[name='to_{day}']")))
        .await
        .unwrap();
    to.clear().await.unwrap();
    to.send_keys("1700").await.unwrap();
    click(&b, "form[action$='/speaker/profile'] button[type=submit]").await;
    b.wait_for("Saved.", 10).await;

    // Someone else reads the list, wants to see it, and comments.
    b.driver().delete_all_cookies().await.unwrap();
    b.submit_account_form(
        format!("{base}/signup"),
        &[
            ("name", "Curious Fan"),
            ("email", "fan@example.org"),
            ("password", "curious all day"),
        ],
    )
    .await;
    b.driver()
        .goto(format!("{base}/{slug}/proposals"))
        .await
        .unwrap();
    b.wait_for("Packaging without tears", 10).await;
    b.screenshot("cfp-proposal-list").await;
    click(&b, "li.proposal h2 a").await;
    b.wait_for("All proposals", 10).await;
    click(&b, "form[action$='/vote'] button[value='1']").await;
    b.wait_for("You want to see this", 10).await;
    type_into(&b, "new-comment", "Will you cover **namespace packages**?").await;
    click(&b, "form#comment button").await;
    b.wait_for("<strong>namespace packages</strong>", 10).await;
    app.wait_for_mail("star@example.org", "New comment").await;

    // The organizer assigns reviewers.
    switch_to(&b, &base, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    b.driver()
        .goto(format!("{base}/{slug}/organizer/proposals"))
        .await
        .unwrap();
    click(&b, "form[action$='/proposals/assign'] button").await;
    b.wait_for("new assignment", 10).await;
    let assigned = store.cfp().assignments(conference.id).await.unwrap();
    assert_eq!(assigned.len(), 1, "one reviewer exists: {assigned:?}");
    assert_eq!(assigned[0].1, reviewer);

    // The reviewer scores it blind: no speaker name anywhere in the page.
    switch_to(&b, &base, "rita@example.org", "reviews all day").await;
    b.driver()
        .goto(format!("{base}/{slug}/review/next"))
        .await
        .unwrap();
    let source = b.wait_for("Packaging without tears", 10).await;
    assert!(
        !source.contains("Star Gazer"),
        "blind review leaks the speaker's name"
    );
    assert!(!source.contains("star@example.org"));
    b.screenshot("cfp-review-form").await;
    let radios = b
        .driver()
        .find_all(By::Css("input[type=radio]"))
        .await
        .unwrap();
    assert!(radios.len() >= 4, "two categories with values");
    // The highest value of each category (each group's last radio).
    let groups: Vec<String> = {
        let mut names = Vec::new();
        for r in &radios {
            let n = r.attr("name").await.unwrap().unwrap();
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
    };
    for g in &groups {
        let options = b
            .driver()
            .find_all(By::Css(format!("input[type=radio][name='{g}']")))
            .await
            .unwrap();
        options.last().unwrap().click().await.unwrap();
    }
    click(&b, "form button.button[type=submit]").await;
    b.wait_for("Review saved", 10).await;
    let reviews = store.cfp().reviews(conference.id).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert!(!reviews[0].abstain);

    // The organizer accepts (staged), looks at the ranking, releases, sends the held mail.
    switch_to(&b, &base, DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    b.driver()
        .goto(format!("{base}/{slug}/organizer/proposals"))
        .await
        .unwrap();
    b.wait_for("Packaging without tears", 10).await;
    click(&b, "input[name=ids]").await;
    click(&b, "button[name=decision][value=accept]").await;
    b.wait_for("Release 1 staged decision", 10).await;
    b.screenshot("cfp-ranking").await;
    let p = &store.cfp().proposals(conference.id).await.unwrap()[0];
    assert_eq!(p.state, ProposalState::Submitted, "staged, not released");
    click(&b, "form[action$='/proposals/release'] button").await;
    b.wait_for("1 decision released", 10).await;
    b.driver()
        .goto(format!("{base}/{slug}/organizer/outbox"))
        .await
        .unwrap();
    b.wait_for("is accepted", 10).await;
    click(&b, "form[action$='/organizer/outbox/send'] button").await;
    let mail = app.wait_for_mail("star@example.org", "is accepted").await;
    let confirm = mail.link("http");

    // The speaker confirms through the mailed link.
    switch_to(&b, &base, "star@example.org", "stars all the way").await;
    b.driver().goto(format!("{base}{confirm}")).await.unwrap();
    b.wait_for("Your proposal is accepted", 10).await;
    click(&b, "button[name=answer][value=confirm]").await;
    b.wait_for("your talk is confirmed", 10).await;
    b.quit().await;

    let p = store.cfp().proposal(p.id).await.unwrap();
    assert_eq!(p.state, ProposalState::Confirmed);
    let program = store.program(conference.id).await.unwrap();
    let talk = program.talks.iter().find(|t| Some(t.id) == p.talk).unwrap();
    assert_eq!(talk.title, "Packaging without tears");
    let speaker = program
        .speakers
        .iter()
        .find(|s| talk.speaker_ids.contains(&s.id))
        .unwrap();
    assert_eq!(
        speaker.available.len(),
        1,
        "the availability reached the program"
    );
    let (start, end) = speaker.available[0];
    assert_eq!(end - start, 4 * 3600);
});
