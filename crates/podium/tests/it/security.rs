//! The security suite, on SQLite and PostgreSQL: hostile text in every user-controlled field
//! stays inert in pages, exports and the API (`xss`); every state-changing route refuses a
//! request without a valid form token or from another site, and the list of routes is read
//! from the routers' source so a new route cannot be missed (`csrf`); SQL injection strings in
//! every parameter never cause a 500 or change data (`injection`); sessions are renewed at
//! log-in and end at log-out and password reset (`sessions`); security headers (`headers`);
//! upload limits (`uploads`); log-in throttling (`throttle`).
//!
//! The checks here are the attacker's view: an HTML tokenizer (html5ever, as browsers
//! tokenize) finds markup that would run, a CSV reader finds cells a spreadsheet would run as
//! formulas, an iCalendar reader finds injected properties.

mod csrf;
mod headers;
mod injection;
mod routes;
mod sessions;
mod throttle;
mod uploads;
mod xss;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use podium_app::demo::{self, DEMO_ORGANIZER, DEMO_SLUG};
use podium_domain::*;
use podium_store::{NewFeedback, NewProposal, Store};
use podium_testkit::{Backend, TestApp, csrf_of};

/// 12:00 in Bengaluru on the demo's first day: the morning's talks have started, so they take
/// feedback.
pub(crate) fn noon() -> jiff::Timestamp {
    "2027-09-24T12:00:00+05:30".parse().unwrap()
}

/// An account made through podium-app (the sign-up form's own rules, without the per-client
/// rate limit that would stop a test after ten) and a session for it; returns the cookie.
pub(crate) async fn account(app: &TestApp, email: &str, name: &str) -> (UserId, String) {
    let user = podium_app::account::sign_up(
        &*app.store,
        &podium_app::account::SignUp {
            name: name.to_owned(),
            email: email.to_owned(),
            password: "a long enough password".to_owned(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("sign up {email} as {name:?}: {e}"));
    let store: Arc<dyn Store> = app.store.clone();
    let token = podium_app::account::Sessions::new(store, None)
        .start(user)
        .await
        .unwrap();
    (user, format!("podium_session={token}"))
}

/// The session's form token, from its account page.
pub(crate) async fn csrf(app: &TestApp, cookie: &str) -> String {
    let (status, html) = app.get_with_cookie("/account", cookie).await;
    assert_eq!(status, 200);
    csrf_of(&html)
}

/// A logged-in visitor: the session cookie and its form token.
pub(crate) struct Visitor {
    pub user: UserId,
    pub cookie: String,
    pub csrf: String,
}

/// The demo conference at noon of its first day with its CFP open, and one of everything a
/// state-changing route acts on, each with its id.
pub(crate) struct Site {
    pub app: TestApp,
    pub organizer: Visitor,
    pub speaker: Visitor,
    pub reviewer: Visitor,
    pub attendee: Visitor,
    /// A talk of `speaker` that has started.
    pub talk: TalkId,
    pub room: RoomId,
    pub track: TrackId,
    /// `speaker`'s submitted proposal.
    pub proposal: ProposalId,
    /// `speaker`'s comment on it.
    pub comment: i64,
    pub mail: i64,
    pub api_token: String,
    pub api_token_id: i64,
    pub sponsor: i64,
    /// `attendee`'s feedback on `talk`.
    pub feedback: i64,
    pub invitation: i64,
    /// `attendee`'s calendar feed token.
    pub feed: String,
}

pub(crate) const SLUG: &str = DEMO_SLUG;

impl Site {
    pub(crate) async fn new(backend: Backend) -> Site {
        let app = TestApp::spawn_at(backend, Some(noon())).await;
        demo::load(&*app.store).await.unwrap();
        let conf = app.store.conference_by_slug(SLUG).await.unwrap();
        let now = noon().as_second();
        app.store
            .cfp()
            .save_settings(
                conf.id,
                &CfpSettings {
                    opens_at: Some(now - 86_400),
                    closes_at: Some(now + 30 * 86_400),
                    review_phases: vec![ReviewPhase {
                        blind: false,
                        ..ReviewPhase::default()
                    }],
                    ..CfpSettings::default()
                },
            )
            .await
            .unwrap();
        let program = app.store.program(conf.id).await.unwrap();
        let visitor = |email: &'static str| {
            let app = &app;
            async move {
                let (user, cookie) = account(app, email, "Some One").await;
                let csrf = csrf(app, &cookie).await;
                Visitor { user, cookie, csrf }
            }
        };
        let cookie = app.log_in(DEMO_ORGANIZER.0, DEMO_ORGANIZER.1).await;
        let organizer = Visitor {
            user: app.store.credentials(DEMO_ORGANIZER.0).await.unwrap().user,
            csrf: csrf(&app, &cookie).await,
            cookie,
        };
        let speaker = visitor("speaker@site.example").await;
        let reviewer = visitor("reviewer@site.example").await;
        let attendee = visitor("attendee@site.example").await;
        app.store
            .grant_role(reviewer.user, conf.id, Role::Reviewer)
            .await
            .unwrap();
        let placement = program
            .placements
            .iter()
            .find(|pl| pl.starts_at < noon())
            .unwrap();
        let talk = placement.talk_id;
        let t = program.talk(talk).unwrap();
        app.store
            .link_speaker(conf.id, t.speaker_ids[0], speaker.user)
            .await
            .unwrap();
        let (proposal, _) = app
            .store
            .cfp()
            .create_proposal(&NewProposal {
                conference: conf.id,
                owner: speaker.user,
                owner_email: "speaker@site.example".into(),
                form: ProposalForm {
                    title: "A proposal".into(),
                    abstract_md: "An abstract.".into(),
                    submission_type: "talk".into(),
                    level: "beginner".into(),
                    language: "en".into(),
                    ..Default::default()
                },
                submit: true,
                form_token: "site-proposal".into(),
            })
            .await
            .unwrap();
        let comment = app
            .store
            .cfp()
            .add_comment(proposal, speaker.user, None, "A comment.")
            .await
            .unwrap();
        let (api_token, hash) = podium_app::account::new_api_token().unwrap();
        let api_token_id = app
            .store
            .create_api_token(conf.id, organizer.user, "script", &hash)
            .await
            .unwrap();
        let sponsor = app
            .store
            .add_sponsor(
                conf.id,
                &NewSponsor {
                    name: "Acme".into(),
                    level: "Gold".into(),
                    url: "https://acme.example".into(),
                    logo_url: None,
                    blurb: "Rockets.".into(),
                },
            )
            .await
            .unwrap();
        app.store
            .save_feedback(&NewFeedback {
                talk,
                user: attendee.user,
                rating: 4,
                comment: "Good.".into(),
                kudos: "Thanks".into(),
            })
            .await
            .unwrap();
        let feedback = app.store.feedback_of(conf.id).await.unwrap()[0].id;
        let r = app
            .post_form(
                &format!("/{SLUG}/organizer/team"),
                &[
                    ("csrf", &organizer.csrf),
                    ("email", "new-reviewer@site.example"),
                    ("role", "reviewer"),
                ],
                Some(&organizer.cookie),
                &[],
            )
            .await;
        assert_eq!(r.status(), 303, "an invitation");
        let invitation = app.store.pending_invitations(conf.id).await.unwrap()[0].id;
        let mail = app.store.outbox(conf.id).await.unwrap()[0].id;
        let feed = app
            .store
            .feed_token(attendee.user, &podium_app::account::random_token().unwrap())
            .await
            .unwrap();
        Site {
            room: placement.room_id,
            track: t.track_id.unwrap_or(program.tracks[0].id),
            app,
            organizer,
            speaker,
            reviewer,
            attendee,
            talk,
            proposal,
            comment,
            mail,
            api_token,
            api_token_id,
            sponsor,
            feedback,
            invitation,
            feed,
        }
    }

    /// `template` (a route such as `/{slug}/talks/{id}/want`) with this site's values.
    pub(crate) fn path(&self, template: &str) -> String {
        let id = if template.contains("/proposals/") || template.starts_with("/{slug}/review/") {
            self.proposal.0.to_string()
        } else if template.contains("/outbox/") {
            self.mail.to_string()
        } else if template.contains("/organizer/api/") {
            self.api_token_id.to_string()
        } else if template.contains("/sponsors/") {
            self.sponsor.to_string()
        } else if template.contains("/organizer/feedback/") {
            self.feedback.to_string()
        } else if template.contains("/invitations/{id}") {
            self.invitation.to_string()
        } else if template.contains("/rooms/") {
            self.room.0.to_string()
        } else if template.contains("/tracks/") {
            self.track.0.to_string()
        } else {
            self.talk.0.to_string()
        };
        template
            .replace("{slug}", SLUG)
            .replace("{id}", &id)
            .replace("{cid}", &self.comment.to_string())
            .replace("{verdict}", "approve")
            .replace("{token}", &self.feed)
            .replace("{file}", &format!("{}.ics", self.feed))
            .replace("{n}", "0")
    }
}

/// Origins whose players the talk page may embed (podium-web's allow-list).
const EMBED_ORIGINS: &[&str] = &[
    "https://www.youtube-nocookie.com/",
    "https://player.vimeo.com/",
    "https://slides.com/",
    "https://speakerdeck.com/",
    "https://www.slideshare.net/",
];

/// Attributes a browser follows or loads as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "background",
    "data",
    "srcset",
    "cite",
    "ping",
    "lowsrc",
    "dynsrc",
    "codebase",
    "to",
    "from",
    "values",
    "by",
];

/// A URL as a browser reads it: control characters and white space anywhere are ignored, the
/// scheme is case-insensitive.
fn normalized(url: &str) -> String {
    url.chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A URL that runs script or carries a document of its own.
fn scripted(url: &str, tag: &str) -> bool {
    let u = normalized(url);
    u.starts_with("javascript:")
        || u.starts_with("vbscript:")
        || (u.starts_with("data:")
            && !(tag == "img" && u.starts_with("data:image/") && !u.starts_with("data:image/svg")))
}

struct Audit {
    found: RefCell<Vec<String>>,
    /// Inside a `<script>` or `<style>`: its name and text so far.
    raw: RefCell<Option<(String, String)>>,
    line: Cell<u64>,
}

impl Audit {
    fn flag(&self, what: String) {
        self.found
            .borrow_mut()
            .push(format!("line {}: {what}", self.line.get()));
    }

    fn start_tag(&self, tag: &Tag) {
        let name = tag.name.to_string();
        let attr = |n: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == n)
                .map(|a| a.value.to_string())
        };
        let shown = format!(
            "<{name}{}>",
            tag.attrs
                .iter()
                .map(|a| format!(" {}=\"{}\"", a.name.local, a.value))
                .collect::<String>()
        );
        for a in &tag.attrs {
            let local = a.name.local.to_string().to_ascii_lowercase();
            if local.starts_with("on") {
                self.flag(format!("event handler in {shown}"));
            }
            if URL_ATTRIBUTES.contains(&local.as_str()) && scripted(&a.value, &name) {
                self.flag(format!("script URL in {shown}"));
            }
            if local == "srcset" && a.value.split(',').any(|c| scripted(c.trim(), &name)) {
                self.flag(format!("script URL in {shown}"));
            }
            if local == "style" {
                let s = normalized(&a.value);
                if s.contains("url(") || s.contains("expression(") || s.contains("javascript:") {
                    self.flag(format!("style that loads or runs in {shown}"));
                }
            }
        }
        match name.as_str() {
            "script" if !attr("src").is_some_and(|s| s.starts_with("/static/")) => {
                self.flag(format!("script not from /static/: {shown}"));
            }
            "iframe" | "frame" => {
                let src = attr("src").unwrap_or_default();
                if !EMBED_ORIGINS.iter().any(|o| src.starts_with(o)) {
                    self.flag(format!("frame of an unknown origin: {shown}"));
                }
            }
            "object" | "embed" | "applet" | "base" | "frameset" | "portal" | "xmp"
            | "plaintext" | "noembed" | "isindex" => self.flag(format!("element {shown}")),
            "meta" => {
                if let Some(equiv) = attr("http-equiv") {
                    let content = attr("content").unwrap_or_default();
                    if !(equiv.eq_ignore_ascii_case("refresh")
                        && !content.is_empty()
                        && content.chars().all(|c| c.is_ascii_digit()))
                    {
                        self.flag(format!("http-equiv other than a plain refresh: {shown}"));
                    }
                }
            }
            "link" => {
                let rel = attr("rel").unwrap_or_default();
                let href = attr("href").unwrap_or_default();
                let ok = match rel.as_str() {
                    "stylesheet" => href.starts_with("/static/"),
                    "manifest" => href.starts_with('/') && !href.starts_with("//"),
                    "canonical" | "alternate" => true,
                    _ => false,
                };
                if !ok {
                    self.flag(format!("link element {shown}"));
                }
            }
            "form" => {
                if let Some(action) = attr("action")
                    && (!action.starts_with('/') || action.starts_with("//"))
                {
                    self.flag(format!("form posting elsewhere: {shown}"));
                }
            }
            "button" | "input" if attr("formaction").is_some() => {
                self.flag(format!("formaction in {shown}"));
            }
            _ => {}
        }
    }
}

impl TokenSink for Audit {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        self.line.set(line);
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
                self.start_tag(&tag);
                // Switch states as a browser's tree builder does for these elements, so that
                // a `</textarea>` or `</title>` inside text is seen exactly as a browser sees it.
                let name = tag.name.to_string();
                match name.as_str() {
                    "script" | "style" => {
                        *self.raw.borrow_mut() = Some((name.clone(), String::new()));
                        let kind = if name == "script" {
                            RawKind::ScriptData
                        } else {
                            RawKind::Rawtext
                        };
                        return TokenSinkResult::RawData(kind);
                    }
                    "title" | "textarea" => return TokenSinkResult::RawData(RawKind::Rcdata),
                    "iframe" | "noscript" | "noframes" | "xmp" | "noembed" => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    "plaintext" => return TokenSinkResult::Plaintext,
                    _ => {}
                }
            }
            Token::TagToken(tag) => {
                if let Some((name, text)) = self.raw.borrow_mut().take()
                    && *tag.name == *name
                {
                    let lower = text.to_ascii_lowercase();
                    if name == "script" && !text.trim().is_empty() {
                        self.flag(format!("inline script: {text}"));
                    }
                    if name == "style"
                        && (lower.contains("url(")
                            || lower.contains("@import")
                            || lower.contains("expression(")
                            || lower.contains("xss"))
                    {
                        self.flag(format!("style that loads or carries input: {text}"));
                    }
                }
            }
            Token::CharacterTokens(text) => {
                if let Some((_, buf)) = self.raw.borrow_mut().as_mut() {
                    buf.push_str(&text);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Every piece of `html` that a browser would run or load from elsewhere: script elements
/// other than podium's own files, inline script, event handler attributes, `javascript:`,
/// `vbscript:` and `data:` URLs, frames outside the embed allow-list, `object`/`embed`/`base`,
/// `http-equiv` other than a numeric refresh, forms posting elsewhere, styles that load URLs.
pub(crate) fn unsafe_markup(html: &str) -> Vec<String> {
    let sink = Audit {
        found: RefCell::new(Vec::new()),
        raw: RefCell::new(None),
        line: Cell::new(0),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.found.take()
}

/// The rows of an RFC 4180 CSV text (quoted fields may hold commas, quotes and line breaks).
pub(crate) fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// Cells a spreadsheet would run as a formula: starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return, unless they are plain numbers.
pub(crate) fn formula_cells(text: &str) -> Vec<String> {
    csv_rows(text)
        .into_iter()
        .flatten()
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err())
        .collect()
}

/// Lines of an iCalendar text (unfolded) that are not a property podium writes, which is what
/// a line break smuggled into a value would make: every line must be `NAME[;params]:value`
/// with a known name.
pub(crate) fn foreign_ical_lines(text: &str) -> Vec<String> {
    const KNOWN: &[&str] = &[
        "BEGIN",
        "END",
        "VERSION",
        "PRODID",
        "CALSCALE",
        "METHOD",
        "X-WR-CALNAME",
        "X-WR-CALDESC",
        "X-WR-TIMEZONE",
        "X-PUBLISHED-TTL",
        "REFRESH-INTERVAL",
        "NAME",
        "TZID",
        "TZNAME",
        "TZOFFSETFROM",
        "TZOFFSETTO",
        "TZURL",
        "RRULE",
        "RDATE",
        "LAST-MODIFIED",
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "DURATION",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "URL",
        "CATEGORIES",
        "STATUS",
        "SEQUENCE",
        "ORGANIZER",
        "CLASS",
        "TRANSP",
        "COMMENT",
        "CONTACT",
        "X-LIC-LOCATION",
    ];
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    unfolded
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .filter(|l| {
            let name_end = l.find([':', ';']).unwrap_or(l.len());
            !KNOWN.contains(&&l[..name_end])
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_audit_finds_what_a_browser_would_run() {
    for (html, expect) in [
        ("<p>hi</p><script src=\"/static/podium.js\"></script>", 0),
        ("<script>alert(1)</script>", 2),
        ("<textarea>&lt;/textarea&gt;&lt;script&gt;</textarea>", 0),
        (
            "<textarea></textarea><script>alert(1)</script></textarea>",
            2,
        ),
        ("<title>x</title><img src=x onerror=alert(1)>", 1),
        ("<a href=\"  jav&#x09;ascript:alert(1)\">x</a>", 1),
        ("<a href=\"https://ok.example/javascript:\">x</a>", 0),
        (
            "<iframe src=\"https://www.youtube-nocookie.com/embed/x\"></iframe>",
            0,
        ),
        ("<iframe src=\"https://evil.example\"></iframe>", 1),
        (
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            1,
        ),
        ("<meta http-equiv=\"refresh\" content=\"5\">", 0),
        ("<form action=\"https://evil.example\"></form>", 1),
        ("<form action=\"/login\"></form>", 0),
        (
            "<div style=\"background:url(https://evil.example)\"></div>",
            1,
        ),
        ("<style>p{color:red}</style>", 0),
        ("<style>@import 'https://evil.example'</style>", 1),
        ("<base href=\"https://evil.example\">", 1),
    ] {
        assert_eq!(
            unsafe_markup(html).len(),
            expect,
            "{html}: {:?}",
            unsafe_markup(html)
        );
    }
    assert_eq!(
        formula_cells("a,b\r\n\"'=1+1\",-2.5\r\n\"=HYPERLINK(\"\"x\"\")\",\"\tx\"\r\n"),
        vec!["=HYPERLINK(\"x\")".to_owned(), "\tx".to_owned()]
    );
    assert_eq!(
        foreign_ical_lines(
            "BEGIN:VEVENT\r\nSUMMARY:a\\nATTACH:x\r\nATTACH:https://evil\r\nEND:VEVENT\r\n"
        ),
        vec!["ATTACH:https://evil".to_owned()]
    );
}
