//! Email: the outbox, the mail worker (files and SMTP, exactly-once files), and the account
//! emails that go through it (verification, password reset, invitations).

use std::sync::{Arc, Mutex};

use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::Role;
use podium_jobs::{Delivered, LEASE_SECONDS, MailSettings, Mailer, deliver_due};
use podium_store::{
    BODY_NOT_KEPT, HeldMails, MailAttachment, MailStatus, NewMail, SqlStore, Store,
};
use podium_testkit::{Backend, TestApp, cookie_of, csrf_of};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const PUBLIC: &str = "https://podium.test";

/// The user behind an email address.
async fn user_of(app: &TestApp, email: &str) -> podium_domain::UserId {
    app.store.credentials(email).await.unwrap().user
}

/// An account mail once the worker recorded it as sent (it writes the file first, then records).
async fn sent_mail(app: &TestApp, id: i64) -> podium_store::Mail {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let mail = app.store.outbox_mail(None, id).await.unwrap();
        if mail.status == MailStatus::Sent {
            return mail;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mail {id} is {:?}",
            mail.status
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn mail_to(to: &str, subject: &str, conference: Option<podium_domain::ConferenceId>) -> NewMail {
    NewMail {
        conference,
        kind: "test".to_owned(),
        to_address: to.to_owned(),
        to_name: "Grace Hopper".to_owned(),
        subject: subject.to_owned(),
        body_text: "Hello Grace,\n\nthis is a test.\n".to_owned(),
        attachments: Vec::new(),
        hold: false,
    }
}

on_both_backends!(sign_up_mails_a_link_that_verifies_the_address, |app| {
    let cookie = app.sign_up("ada@example.org").await;
    let (_, html) = app.get_with_cookie("/account", &cookie).await;
    assert!(
        html.contains("Your email address is not verified yet"),
        "{html}"
    );
    let user = user_of(&app, "ada@example.org").await;
    assert!(!app.store.account(user).await.unwrap().verified());

    let mail = app
        .wait_for_mail("ada@example.org", "Please confirm your email address")
        .await;
    assert_eq!(mail.header("From").unwrap(), "podium <podium@podium.test>");
    assert!(
        mail.header("Message-ID")
            .unwrap()
            .ends_with("@podium.outbox>")
    );
    assert_eq!(mail.header("Auto-Submitted").unwrap(), "auto-generated");
    let link = mail.link(&format!("{PUBLIC}/verify/"));
    let (status, html) = app.get(&link).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Email address verified"));

    assert!(app.store.account(user).await.unwrap().verified());
    assert!(
        podium_app::verification::is_verified(&*app.store, user)
            .await
            .unwrap()
    );
    let (_, html) = app.get_with_cookie("/account", &cookie).await;
    assert!(!html.contains("not verified"), "{html}");
    let (status, _) = app.get(&link).await;
    assert_eq!(status, 410, "a verification link works once");
    assert_eq!(app.mails().len(), 1, "one mail, one file");
});

on_both_backends!(an_unverified_user_can_ask_for_a_new_link, |app| {
    let cookie = app.sign_up("ada@example.org").await;
    app.wait_for_mail("ada@example.org", "confirm").await;
    let (_, html) = app.get_with_cookie("/account", &cookie).await;
    let csrf = csrf_of(&html);
    let r = app
        .post_form("/account/verify", &[("csrf", "forged")], Some(&cookie), &[])
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form("/account/verify", &[("csrf", &csrf)], Some(&cookie), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("We sent a new link to ada@example.org")
    );
    // Both links work until one of them is used.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.mails().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "the second mail");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let link = app.mails()[1].link(&format!("{PUBLIC}/verify/"));
    assert_eq!(app.get(&link).await.0, 200);
});

on_both_backends!(password_reset_works_once_and_ends_other_sessions, |app| {
    let old_session = app.sign_up("ada@example.org").await;

    // Asking looks the same whether or not the account exists.
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let r = app
                .post_form("/password/forgot", &[("email", email)], None, &[])
                .await;
            (
                r.status().as_u16(),
                r.text().await.unwrap().replace(email, "EMAIL"),
            )
        }
    };
    let unknown = ask("nobody@example.org").await;
    let known = ask("ADA@example.org").await;
    assert_eq!(unknown.0, 200);
    assert_eq!(known, unknown, "the same answer for unknown addresses");
    assert!(known.1.contains("If an account exists for that address"));

    let mail = app
        .wait_for_mail("ada@example.org", "Set a new password")
        .await;
    let link = mail.link(&format!("{PUBLIC}/password/reset/"));
    assert!(
        app.mails()
            .iter()
            .all(|m| !m.header("To").unwrap().contains("nobody")),
        "no mail to an unknown address"
    );
    let (status, html) = app.get(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains("Choose a new password"));

    let r = app
        .post_form(&link, &[("password", "short")], None, &[])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Use at least 10 characters")
    );

    let r = app
        .post_form(&link, &[("password", "a brand new password")], None, &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").unwrap(), "/account");
    let new_session = cookie_of(&r);
    assert_eq!(app.get_with_cookie("/account", &new_session).await.0, 200);
    assert_eq!(
        app.get_with_cookie("/account", &old_session).await.0,
        303,
        "the other session ended"
    );

    let r = app
        .post_form(
            "/login",
            &[
                ("email", "ada@example.org"),
                ("password", "just an attendee"),
            ],
            None,
            &[],
        )
        .await;
    assert_eq!(r.status(), 401, "the old password is refused");
    app.log_in("ada@example.org", "a brand new password").await;

    let r = app
        .post_form(&link, &[("password", "yet another password")], None, &[])
        .await;
    assert_eq!(r.status(), 410, "the link works once");
    assert_eq!(app.get(&link).await.0, 410);
    app.log_in("ada@example.org", "a brand new password").await;

    // Once sent, the stored reset mail no longer holds the link (the second mail: the first
    // is sign-up's verification).
    let reset = sent_mail(&app, 2).await;
    assert_eq!(reset.kind, "account.reset");
    assert_eq!(reset.body_text, BODY_NOT_KEPT);
});

on_both_backends!(an_invited_reviewer_signs_up_through_the_link, |app| {
    demo::load(&*app.store).await.unwrap();
    let conference = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let team = format!("/{DEMO_SLUG}/organizer/team");
    let (status, html) = app.get_with_cookie(&team, &organizer).await;
    assert_eq!(status, 200);
    assert!(html.contains(DEMO_ORGANIZER.0));
    let csrf = csrf_of(&html);

    let r = app
        .post_form(
            &team,
            &[
                ("csrf", &csrf),
                ("email", "not-an-address"),
                ("role", "reviewer"),
            ],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("This does not look like an email address."));
    assert!(html.contains(r#"value="not-an-address""#));
    let r = app
        .post_form(
            &team,
            &[
                ("csrf", &csrf),
                ("email", "grace@example.org"),
                ("role", "attendee"),
            ],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 422, "only organizer and reviewer invitations");

    let r = app
        .post_form(
            &team,
            &[
                ("csrf", &csrf),
                ("email", "Grace@Example.org"),
                ("role", "reviewer"),
            ],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = app.get_with_cookie(&team, &organizer).await;
    assert!(html.contains("grace@example.org"), "{html}");

    let mail = app.wait_for_mail("grace@example.org", "invites you").await;
    assert!(mail.body().contains("as a reviewer"), "{}", mail.body());
    let link = mail.link(&format!("{PUBLIC}/invitations/"));
    // Organizers see it in the conference's outbox.
    let (_, outbox) = app
        .get_with_cookie(&format!("/{DEMO_SLUG}/organizer/outbox"), &organizer)
        .await;
    assert!(outbox.contains("invites you to"), "{outbox}");

    // Not logged in: the page keeps the token in a cookie and asks to log in or sign up.
    let r = app.get_response(&link).await;
    assert_eq!(r.status(), 200);
    let kept = cookie_of(&r);
    assert!(kept.starts_with("podium_invitation="), "{kept}");
    let html = r.text().await.unwrap();
    assert!(html.contains("as a reviewer") && html.contains(r#"href="/signup""#));

    let r = app
        .post_form(
            "/signup",
            &[
                ("name", "Grace Hopper"),
                ("email", "grace@example.org"),
                ("password", "compilers are fun"),
            ],
            Some(&kept),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let grace = cookie_of(&r);
    // The account page sends her back to the invitation, once.
    let both = format!("{grace}; {kept}");
    let r = app
        .client
        .get(format!("{}/account", app.base_url))
        .header("cookie", &both)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").unwrap(), link.as_str());
    assert!(cookie_of(&r).starts_with("podium_invitation="));

    let (status, html) = app.get_with_cookie(&link, &grace).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&html);
    let r = app
        .post_form(&link, &[("csrf", "forged")], Some(&grace), &[])
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(&link, &[("csrf", &csrf)], Some(&grace), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You joined"));

    let user = user_of(&app, "grace@example.org").await;
    assert_eq!(
        app.store.roles(user, conference.id).await.unwrap(),
        vec![Role::Reviewer]
    );
    assert!(
        app.store.account(user).await.unwrap().verified(),
        "the invitation went to her address"
    );
    assert_eq!(app.get_with_cookie(&link, &grace).await.0, 410, "used");
    assert!(
        app.store
            .pending_invitations(conference.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get_with_cookie(&team, &grace).await.0,
        403,
        "reviewers do not manage the team"
    );
    let (_, html) = app.get_with_cookie(&team, &organizer).await;
    assert!(html.contains("Grace Hopper") && html.contains("reviewer"));
});

on_both_backends!(a_withdrawn_invitation_no_longer_works, |app| {
    demo::load(&*app.store).await.unwrap();
    let conference = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let team = format!("/{DEMO_SLUG}/organizer/team");
    let (_, html) = app.get_with_cookie(&team, &organizer).await;
    let csrf = csrf_of(&html);
    let r = app
        .post_form(
            &team,
            &[
                ("csrf", &csrf),
                ("email", "ed@example.org"),
                ("role", "organizer"),
            ],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let link = app
        .wait_for_mail("ed@example.org", "as a co-organizer")
        .await
        .link(&format!("{PUBLIC}/invitations/"));
    let pending = app.store.pending_invitations(conference.id).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].role, Role::Organizer);
    let revoke = format!("{team}/invitations/{}/revoke", pending[0].id);
    let r = app
        .post_form(&revoke, &[("csrf", &csrf)], Some(&organizer), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get(&link).await.0, 410);
});

on_both_backends!(held_mail_waits_until_an_organizer_sends_it, |app| {
    demo::load(&*app.store).await.unwrap();
    let conference = app.store.conference_by_slug(DEMO_SLUG).await.unwrap();
    let mut held = mail_to(
        "held@example.org",
        "Your talk is accepted",
        Some(conference.id),
    );
    held.hold = true;
    held.attachments = vec![MailAttachment {
        filename: "talk.ics".to_owned(),
        content_type: "text/calendar".to_owned(),
        body: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_vec(),
    }];
    let held_id = app.store.queue_mail(&held).await.unwrap();
    app.store
        .queue_mail(&mail_to(
            "now@example.org",
            "Sent at once",
            Some(conference.id),
        ))
        .await
        .unwrap();
    // Once the later, unheld mail is out, the worker has passed the held one by.
    app.wait_for_mail("now@example.org", "Sent at once").await;
    assert_eq!(app.mails().len(), 1);
    let listed = app.store.outbox(conference.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].id, held_id, "newest first");
    assert_eq!(listed[1].status, MailStatus::Held);

    let organizer = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
    let page = format!("/{DEMO_SLUG}/organizer/outbox");
    let (status, html) = app.get_with_cookie(&page, &organizer).await;
    assert_eq!(status, 200);
    assert!(html.contains("Send all held mail (1)"), "{html}");
    assert!(html.contains("Your talk is accepted") && html.contains("held"));
    let csrf = csrf_of(&html);
    let (status, html) = app
        .get_with_cookie(&format!("{page}/{held_id}"), &organizer)
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("this is a test.") && html.contains("talk.ics"));
    let r = app
        .client
        .get(format!("{}{page}/{held_id}/attachments/0", app.base_url))
        .header("cookie", &organizer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/octet-stream"
    );
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    );
    let attendee = app.sign_up("att@example.org").await;
    assert_eq!(app.get_with_cookie(&page, &attendee).await.0, 403);
    assert_eq!(app.get(&page).await.0, 303, "log in first");
    assert!(app.store.outbox(conference.id).await.unwrap()[1].status == MailStatus::Held);

    let r = app
        .post_form(
            &format!("{page}/send"),
            &[("csrf", &csrf)],
            Some(&organizer),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mail = app
        .wait_for_mail("held@example.org", "Your talk is accepted")
        .await;
    assert!(
        mail.header("Content-Type")
            .unwrap()
            .starts_with("multipart/mixed")
    );
    assert!(mail.raw.contains("talk.ics") && mail.raw.contains("text/calendar"));
    assert_eq!(mail.body(), "Hello Grace,\n\nthis is a test.\n");
    let to = mail.header("To").unwrap();
    assert!(
        to.contains("Grace Hopper") && to.ends_with("<held@example.org>"),
        "{to}"
    );
});

/// A store over a fresh database with no server (and so no worker) of its own.
async fn bare_store(backend: Backend) -> (Arc<SqlStore>, tempfile::TempDir) {
    let (url, dir) = podium_testkit::fresh_database(backend).await;
    (Arc::new(SqlStore::connect(&url).await.unwrap()), dir)
}

/// A worker that died after writing a mail's file but before recording it as sent: once the
/// lease runs out the mail is delivered again, to the same file, and recorded once.
async fn a_crash_between_writing_and_recording_leaves_one_file(backend: Backend) {
    let (store, dir) = bare_store(backend).await;
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::new(&MailSettings {
        smtp_url: None,
        from: "podium@podium.test".to_owned(),
        outbox_dir: outbox.clone(),
    })
    .unwrap();
    let id = store
        .queue_mail(&mail_to("grace@example.org", "Once", None))
        .await
        .unwrap();
    let now = jiff::Timestamp::now().as_second();

    // The first worker claims the mail and writes its file, then dies.
    let claimed = store.claim_mail(now, LEASE_SECONDS).await.unwrap().unwrap();
    assert_eq!((claimed.id, claimed.status), (id, MailStatus::Sending));
    let Delivered::File(first) = mailer.deliver(&claimed).await.unwrap() else {
        panic!("a file")
    };
    // While the lease runs, nobody else takes it.
    assert!(
        deliver_due(&*store, &mailer, now + 1)
            .await
            .unwrap()
            .is_none()
    );
    // After it, a second worker does, and writes the same file again.
    let (again, outcome) = deliver_due(&*store, &mailer, now + LEASE_SECONDS + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, id);
    assert_eq!(outcome, Ok(Delivered::File(first.clone())));
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, vec![podium_jobs::eml_file_name(&claimed.message_id)]);
    let raw = std::fs::read_to_string(&first).unwrap();
    assert!(
        raw.contains(&format!("Message-ID: {}", claimed.message_id)),
        "{raw}"
    );
    let stored = store.outbox_mail(None, id).await.unwrap();
    assert_eq!((stored.status, stored.attempts), (MailStatus::Sent, 2));
    assert!(
        deliver_due(&*store, &mailer, now + 10 * LEASE_SECONDS)
            .await
            .unwrap()
            .is_none(),
        "sent mail is never claimed again"
    );
}

#[tokio::test]
async fn crash_before_recording_sqlite() {
    a_crash_between_writing_and_recording_leaves_one_file(Backend::Sqlite).await;
}

#[tokio::test]
async fn crash_before_recording_postgres() {
    a_crash_between_writing_and_recording_leaves_one_file(Backend::Postgres).await;
}

/// Two workers claiming at once never get the same mail.
async fn concurrent_claims_take_each_mail_once(backend: Backend) {
    let (store, _dir) = bare_store(backend).await;
    for i in 0..6 {
        store
            .queue_mail(&mail_to(&format!("p{i}@example.org"), "Race", None))
            .await
            .unwrap();
    }
    let now = jiff::Timestamp::now().as_second();
    let claim = |store: Arc<SqlStore>| async move {
        let mut mine = Vec::new();
        while let Some(m) = store.claim_mail(now, LEASE_SECONDS).await.unwrap() {
            mine.push(m.id);
        }
        mine
    };
    let (a, b) = tokio::join!(
        tokio::spawn(claim(store.clone())),
        tokio::spawn(claim(store.clone()))
    );
    let mut all: Vec<i64> = a.unwrap().into_iter().chain(b.unwrap()).collect();
    all.sort_unstable();
    assert_eq!(all, vec![1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn concurrent_claims_sqlite() {
    concurrent_claims_take_each_mail_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_claims_postgres() {
    concurrent_claims_take_each_mail_once(Backend::Postgres).await;
}

/// A fake SMTP server on 127.0.0.1: answers every command, refuses RCPT with `rcpt_reply`
/// unless it starts with 2, and records each accepted message's envelope and DATA.
async fn fake_smtp(rcpt_reply: &'static str) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut envelope = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: String = match verb.as_str() {
                        "EHLO" => "250-fake\r\n250 8BITMIME".to_owned(),
                        "MAIL" => {
                            envelope = format!("{line}\n");
                            "250 OK".to_owned()
                        }
                        "RCPT" => {
                            envelope.push_str(&format!("{line}\n"));
                            rcpt_reply.to_owned()
                        }
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = envelope.clone();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            record.lock().unwrap().push(data);
                            "250 queued".to_owned()
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => "250 OK".to_owned(),
                    };
                    if write
                        .write_all(format!("{reply}\r\n").as_bytes())
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    (port, seen)
}

fn smtp_mailer(port: u16) -> Mailer {
    Mailer::new(&MailSettings {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        from: "PyConf <team@pyconf.example>".to_owned(),
        outbox_dir: std::path::PathBuf::from("/nonexistent"),
    })
    .unwrap()
}

/// SMTP: the message with its attachment reaches the server once; a temporary refusal is
/// retried later, a permanent one gives up.
async fn smtp_delivers_and_retries(backend: Backend) {
    let (store, _dir) = bare_store(backend).await;
    let (port, seen) = fake_smtp("250 OK").await;
    let mailer = smtp_mailer(port);
    let mut mail = mail_to("grace@example.org", "Über SMTP", None);
    mail.attachments = vec![MailAttachment {
        filename: "slides.pdf".to_owned(),
        content_type: "application/pdf".to_owned(),
        body: b"%PDF-1.4 not really".to_vec(),
    }];
    let id = store.queue_mail(&mail).await.unwrap();
    let now = jiff::Timestamp::now().as_second();
    let (sent, outcome) = deliver_due(&*store, &mailer, now).await.unwrap().unwrap();
    assert_eq!(
        (sent, outcome),
        (id, Ok(Delivered::Smtp)),
        "{:?}",
        store.outbox_mail(None, id).await.unwrap().last_error
    );
    let stored = store.outbox_mail(None, id).await.unwrap();
    assert_eq!(stored.status, MailStatus::Sent);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let data = &seen[0];
    assert!(
        data.starts_with("MAIL FROM:<team@pyconf.example>"),
        "{data}"
    );
    assert!(data.contains("RCPT TO:<grace@example.org>"), "{data}");
    assert!(
        data.contains(&format!("Message-ID: {}", stored.message_id)),
        "{data}"
    );
    assert!(
        data.contains("From: PyConf <team@pyconf.example>"),
        "{data}"
    );
    assert!(
        data.to_ascii_lowercase().contains("subject: =?utf-8?"),
        "a non-ASCII subject is encoded: {data}"
    );
    assert!(data.contains("filename=\"slides.pdf\""), "{data}");

    // 451: try again later.
    let (port, seen) = fake_smtp("451 try again later").await;
    let mailer = smtp_mailer(port);
    let id = store
        .queue_mail(&mail_to("later@example.org", "Later", None))
        .await
        .unwrap();
    // "Now" again after queueing: the clock may have passed a second since the first mail,
    // and a mail queued in the next second is not due at the earlier one.
    let now = jiff::Timestamp::now().as_second();
    let (_, outcome) = deliver_due(&*store, &mailer, now).await.unwrap().unwrap();
    assert_eq!(outcome, Err(MailStatus::Queued));
    let stored = store.outbox_mail(None, id).await.unwrap();
    assert_eq!(stored.attempts, 1);
    assert_eq!(stored.send_after, now + podium_jobs::retry_delay(1));
    assert!(stored.last_error.unwrap().contains("451"));
    assert!(
        deliver_due(&*store, &mailer, now + 1)
            .await
            .unwrap()
            .is_none(),
        "not yet"
    );
    assert!(seen.lock().unwrap().is_empty());

    // 550: give up at once.
    let (port, _) = fake_smtp("550 no such user").await;
    let mailer = smtp_mailer(port);
    let (again, outcome) = deliver_due(&*store, &mailer, now + podium_jobs::retry_delay(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again, outcome), (id, Err(MailStatus::Failed)));
}

#[tokio::test]
async fn smtp_sqlite() {
    smtp_delivers_and_retries(Backend::Sqlite).await;
}

#[tokio::test]
async fn smtp_postgres() {
    smtp_delivers_and_retries(Backend::Postgres).await;
}

/// Failing mail is retried a bounded number of times; held mail of another conference, or ids
/// that are not held, are left alone by `send_held`.
async fn attempts_are_capped_and_send_held_is_scoped(backend: Backend) {
    let (store, _dir) = bare_store(backend).await;
    let id = store
        .queue_mail(&mail_to("x@example.org", "Flaky", None))
        .await
        .unwrap();
    let mut now = jiff::Timestamp::now().as_second();
    let mut statuses = Vec::new();
    while let Some(m) = store.claim_mail(now, LEASE_SECONDS).await.unwrap() {
        assert_eq!(m.id, id);
        statuses.push(
            store
                .mark_failed(id, "451 busy", Some(now + 60))
                .await
                .unwrap(),
        );
        now += 60;
    }
    assert_eq!(statuses.len(), podium_store::MAX_MAIL_ATTEMPTS as usize);
    assert_eq!(statuses.last(), Some(&MailStatus::Failed));
    assert!(
        statuses[..statuses.len() - 1]
            .iter()
            .all(|s| *s == MailStatus::Queued)
    );

    let program =
        podium_testkit::fixture::two_day_program("held-a", "Europe/Berlin", "2027-03-01", "", "");
    let a = store.create_program(&program).await.unwrap();
    let program =
        podium_testkit::fixture::two_day_program("held-b", "Europe/Berlin", "2027-03-01", "", "");
    let b = store.create_program(&program).await.unwrap();
    let mut held = mail_to("h@example.org", "Held", Some(a));
    held.hold = true;
    let in_a = store.queue_mail(&held).await.unwrap();
    held.conference = Some(b);
    let in_b = store.queue_mail(&held).await.unwrap();
    assert_eq!(
        store.send_held(a, HeldMails::Ids(&[in_b])).await.unwrap(),
        0
    );
    assert_eq!(store.send_held(a, HeldMails::All).await.unwrap(), 1);
    assert_eq!(
        store.send_held(a, HeldMails::Ids(&[in_a])).await.unwrap(),
        0
    );
    assert_eq!(
        store.outbox_mail(Some(b), in_b).await.unwrap().status,
        MailStatus::Held
    );
    assert!(
        store.outbox_mail(Some(a), in_b).await.is_err(),
        "another conference's mail"
    );
}

#[tokio::test]
async fn capped_and_scoped_sqlite() {
    attempts_are_capped_and_send_held_is_scoped(Backend::Sqlite).await;
}

#[tokio::test]
async fn capped_and_scoped_postgres() {
    attempts_are_capped_and_send_held_is_scoped(Backend::Postgres).await;
}
