//! Email: the outbox and the mail worker (files written exactly once, SMTP, retries).

use std::sync::{Arc, Mutex};

use podium_jobs::{Delivered, LEASE_SECONDS, MailSettings, Mailer, deliver_due};
use podium_store::{HeldMails, MailAttachment, MailStatus, NewMail, SqlStore, Store};
use podium_testkit::Backend;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

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
