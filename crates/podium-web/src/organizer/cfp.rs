//! The organizer's CFP settings page: every `CfpSettings` field as an HTML form. Dates are
//! typed on the conference's clock; lists (submission types, questions, score categories) are
//! one line each with `|` between parts. A failed save re-renders everything as typed with each
//! problem beside its field (422) and saves nothing. Review phases are a table of rows (one
//! spare blank row adds a phase, a ticked "remove" drops one); each saved phase has a "start
//! now" button in a small form of its own, so it never becomes the settings form's default
//! button.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use minijinja::context;
use podium_app::cfp::CfpError;
use podium_domain::*;
use serde::Serialize;

use super::organizer;
use crate::auth::check_form_token;
use crate::public::{render, ser};
use crate::reviewer::{conf_ctx, no_store, refused};
use crate::{AppError, AppState};

/// CFP settings routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/{slug}/organizer/cfp",
            get(show_settings).post(save_settings),
        )
        .route("/{slug}/organizer/cfp/phases/start", post(start_phase))
}

/// Optional fields a conference can make required.
const REQUIRABLE: [(&str, &str); 3] = [
    ("description", "Description for reviewers"),
    ("notes", "Notes for the organizers"),
    ("track", "Track"),
];

/// The placeholders decision emails understand.
const PLACEHOLDERS: [&str; 4] = ["speaker", "title", "conference", "confirm_url"];

/// The form as typed: text for everything, so a failed save shows exactly what was sent.
#[derive(Debug, Clone, Default, Serialize)]
struct SettingsForm {
    opens_at: String,
    closes_at: String,
    voting_closes_at: String,
    submission_types: String,
    levels: String,
    tracks: Vec<i64>,
    required_fields: Vec<String>,
    questions: String,
    score_categories: String,
    voting: String,
    blind_votes: bool,
    random_order: bool,
    attendees_only: bool,
    comments: String,
    review_text_required: bool,
    phases: Vec<PhaseRow>,
    reviewers_per_proposal: String,
    share_reviews: bool,
    community_weight: String,
    accepted_subject: String,
    accepted_body: String,
    rejected_subject: String,
    rejected_body: String,
    waitlisted_subject: String,
    waitlisted_body: String,
}

/// One row of the review phases table, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct PhaseRow {
    name: String,
    starts_at: String,
    can_review: bool,
    see_others: String,
    blind: bool,
    remove: bool,
}

impl PhaseRow {
    /// The spare row that adds a phase: the default phase's rules, no name.
    fn blank() -> PhaseRow {
        let d = ReviewPhase::default();
        PhaseRow {
            name: String::new(),
            starts_at: String::new(),
            can_review: d.can_review,
            see_others: see_others_name(d.see_others).to_owned(),
            blind: d.blind,
            remove: false,
        }
    }

    /// Left empty (no name, no start): not a phase.
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.starts_at.trim().is_empty()
    }
}

/// Problems by field name.
type Errors = Vec<(&'static str, String)>;

fn local(at: i64, tz: &TimeZone, format: &str) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| time::local(t, tz).strftime(format).to_string())
        .unwrap_or_default()
}

/// `2027-03-01T09:00` or `2027-03-01 09:00` on the conference's clock.
fn parse_local(text: &str, tz: &TimeZone) -> Option<i64> {
    let dt: DateTime = text.trim().replace(' ', "T").parse().ok()?;
    time::instant(dt.date(), dt.time(), tz)
        .ok()
        .map(|t| t.as_second())
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn key_problem(line: usize, key: &str) -> String {
    format!(
        "Line {line}: the key “{key}” may only use lowercase letters, digits, - and _ (at most 40)."
    )
}

/// Lines of a list field, numbered from 1, blank lines skipped.
fn lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split('|').map(str::trim).collect()))
}

fn kind_name(k: QuestionKind) -> &'static str {
    match k {
        QuestionKind::Text => "text",
        QuestionKind::Choice => "choice",
        QuestionKind::Boolean => "boolean",
    }
}

fn scope_name(s: QuestionScope) -> &'static str {
    match s {
        QuestionScope::Proposal => "proposal",
        QuestionScope::Speaker => "speaker",
    }
}

fn voting_name(v: VotingMode) -> &'static str {
    match v {
        VotingMode::Off => "off",
        VotingMode::Positive => "positive",
        VotingMode::Updown => "updown",
    }
}

fn comments_name(c: CommentVisibility) -> &'static str {
    match c {
        CommentVisibility::Public => "public",
        CommentVisibility::Team => "team",
        CommentVisibility::Off => "off",
    }
}

fn see_others_name(s: SeeOthers) -> &'static str {
    match s {
        SeeOthers::Always => "always",
        SeeOthers::AfterOwn => "after_own",
        SeeOthers::Never => "never",
    }
}

/// The phase rows of a posted form (`phase_<n>_<part>`), in row order; rows left empty are
/// dropped.
fn phase_rows(fields: &[(String, String)]) -> Vec<PhaseRow> {
    let mut rows: std::collections::BTreeMap<usize, PhaseRow> = std::collections::BTreeMap::new();
    for (k, v) in fields {
        let Some((n, part)) = k
            .strip_prefix("phase_")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(n, part)| Some((n.parse::<usize>().ok()?, part)))
        else {
            continue;
        };
        // Checkboxes are sent only when ticked: a row starts with all of them off.
        let row = rows.entry(n).or_insert_with(|| PhaseRow {
            can_review: false,
            blind: false,
            ..PhaseRow::blank()
        });
        match part {
            "name" => row.name = v.clone(),
            "starts_at" => row.starts_at = v.clone(),
            "see_others" => row.see_others = v.clone(),
            "can_review" => row.can_review = true,
            "blind" => row.blind = true,
            "remove" => row.remove = true,
            _ => {}
        }
    }
    rows.into_values().filter(|r| !r.is_blank()).collect()
}

/// `{words}` in a template that no placeholder fills (a typo would reach every speaker).
fn unknown_placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let word = &rest[..close];
            let looks_like_one =
                !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if looks_like_one && !PLACEHOLDERS.contains(&word) && word != "proposal_url" {
                out.push(format!("{{{word}}}"));
            }
        }
    }
    out
}

impl SettingsForm {
    fn from_settings(s: &CfpSettings, tz: &TimeZone) -> SettingsForm {
        let at = |t: Option<i64>| t.map_or_else(String::new, |t| local(t, tz, "%Y-%m-%dT%H:%M"));
        let types = s
            .submission_types
            .iter()
            .map(|t| {
                let mut line = format!("{} | {} | {}", t.key, t.name, t.duration_min);
                if let Some(d) = t.deadline {
                    line.push_str(" | ");
                    line.push_str(&local(d, tz, "%Y-%m-%d %H:%M"));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n");
        let questions = s
            .questions
            .iter()
            .map(|q| {
                let mut line = format!(
                    "{} | {} | {} | {} | {}",
                    q.key,
                    q.label,
                    kind_name(q.kind),
                    scope_name(q.scope),
                    if q.required { "required" } else { "optional" }
                );
                if !q.options.is_empty() {
                    line.push_str(" | ");
                    line.push_str(&q.options.join(", "));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n");
        let categories = s
            .score_categories
            .iter()
            .map(|c| {
                let values = c
                    .values
                    .iter()
                    .map(|v| format!("{}={}", v.value, v.label))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("{} | {} | {} | {values}", c.key, c.name, c.weight)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let t = &s.templates;
        SettingsForm {
            opens_at: at(s.opens_at),
            closes_at: at(s.closes_at),
            voting_closes_at: at(s.voting_closes_at),
            submission_types: types,
            levels: s.levels.join(", "),
            tracks: s.tracks.iter().map(|t| t.0).collect(),
            required_fields: s.required_fields.clone(),
            questions,
            score_categories: categories,
            voting: voting_name(s.voting).to_owned(),
            blind_votes: s.blind_votes,
            random_order: s.random_order,
            attendees_only: s.attendees_only,
            comments: comments_name(s.comments).to_owned(),
            review_text_required: s.review_text_required,
            phases: s
                .review_phases
                .iter()
                .map(|p| PhaseRow {
                    name: p.name.clone(),
                    starts_at: at(p.starts_at),
                    can_review: p.can_review,
                    see_others: see_others_name(p.see_others).to_owned(),
                    blind: p.blind,
                    remove: false,
                })
                .collect(),
            reviewers_per_proposal: s.reviewers_per_proposal.to_string(),
            share_reviews: s.share_reviews,
            community_weight: s.community_weight.to_string(),
            accepted_subject: t.accepted.subject.clone(),
            accepted_body: t.accepted.body.clone(),
            rejected_subject: t.rejected.subject.clone(),
            rejected_body: t.rejected.body.clone(),
            waitlisted_subject: t.waitlisted.subject.clone(),
            waitlisted_body: t.waitlisted.body.clone(),
        }
    }

    fn from_fields(fields: &[(String, String)]) -> SettingsForm {
        let text = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or_else(String::new, |(_, v)| v.clone())
        };
        let on = |name: &str| fields.iter().any(|(k, _)| k == name);
        SettingsForm {
            opens_at: text("opens_at"),
            closes_at: text("closes_at"),
            voting_closes_at: text("voting_closes_at"),
            submission_types: text("submission_types"),
            levels: text("levels"),
            // A value that is not a number cannot come from the checkboxes; it is dropped.
            tracks: fields
                .iter()
                .filter(|(k, _)| k == "tracks")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
            required_fields: fields
                .iter()
                .filter(|(k, _)| k == "required_fields")
                .map(|(_, v)| v.clone())
                .collect(),
            questions: text("questions"),
            score_categories: text("score_categories"),
            voting: text("voting"),
            blind_votes: on("blind_votes"),
            random_order: on("random_order"),
            attendees_only: on("attendees_only"),
            comments: text("comments"),
            review_text_required: on("review_text_required"),
            phases: phase_rows(fields),
            reviewers_per_proposal: text("reviewers_per_proposal"),
            share_reviews: on("share_reviews"),
            community_weight: text("community_weight"),
            accepted_subject: text("accepted_subject"),
            accepted_body: text("accepted_body"),
            rejected_subject: text("rejected_subject"),
            rejected_body: text("rejected_body"),
            waitlisted_subject: text("waitlisted_subject"),
            waitlisted_body: text("waitlisted_body"),
        }
    }

    /// The settings it describes, or every problem found (parse problems first, then those of
    /// [`CfpSettings::problems`] for fields that parsed).
    fn parse(&self, tz: &TimeZone, track_ids: &[TrackId]) -> Result<CfpSettings, Errors> {
        let mut errors: Errors = Vec::new();
        let mut s = CfpSettings::default();

        let date = |name: &'static str, text: &str, errors: &mut Errors| {
            if text.trim().is_empty() {
                return None;
            }
            let parsed = parse_local(text, tz);
            if parsed.is_none() {
                errors.push((
                    name,
                    format!(
                        "“{}” is not a date and time like 2027-03-01 09:00.",
                        text.trim()
                    ),
                ));
            }
            parsed
        };
        s.opens_at = date("opens_at", &self.opens_at, &mut errors);
        s.closes_at = date("closes_at", &self.closes_at, &mut errors);
        s.voting_closes_at = date("voting_closes_at", &self.voting_closes_at, &mut errors);

        s.submission_types = Vec::new();
        for (n, parts) in lines(&self.submission_types) {
            if !(3..=4).contains(&parts.len()) {
                errors.push((
                    "submission_types",
                    format!("Line {n}: write key | name | minutes | deadline (optional)."),
                ));
                continue;
            }
            if !is_key(parts[0]) {
                errors.push(("submission_types", key_problem(n, parts[0])));
            }
            let Ok(minutes) = parts[2].parse::<i64>() else {
                errors.push((
                    "submission_types",
                    format!("Line {n}: “{}” is not a number of minutes.", parts[2]),
                ));
                continue;
            };
            let deadline = match parts.get(3).filter(|d| !d.is_empty()) {
                None => None,
                Some(d) => match parse_local(d, tz) {
                    Some(t) => Some(t),
                    None => {
                        errors.push((
                            "submission_types",
                            format!("Line {n}: the deadline “{d}” is not like 2027-03-01 23:59."),
                        ));
                        continue;
                    }
                },
            };
            s.submission_types.push(SubmissionType {
                key: parts[0].to_owned(),
                name: parts[1].to_owned(),
                duration_min: minutes,
                deadline,
            });
        }

        s.levels = self
            .levels
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();

        s.tracks = Vec::new();
        for &t in &self.tracks {
            if track_ids.contains(&TrackId(t)) {
                s.tracks.push(TrackId(t));
            } else {
                errors.push(("tracks", "Choose tracks of this conference.".to_owned()));
            }
        }

        s.required_fields = Vec::new();
        for f in &self.required_fields {
            if REQUIRABLE.iter().any(|(k, _)| k == f) {
                s.required_fields.push(f.clone());
            } else {
                errors.push((
                    "required_fields",
                    format!("“{f}” is not a field that can be required."),
                ));
            }
        }

        s.questions = Vec::new();
        for (n, parts) in lines(&self.questions) {
            if !(4..=6).contains(&parts.len()) {
                errors.push((
                    "questions",
                    format!(
                        "Line {n}: write key | question | text, choice or boolean | proposal or speaker | required or optional | choices."
                    ),
                ));
                continue;
            }
            if !is_key(parts[0]) {
                errors.push(("questions", key_problem(n, parts[0])));
            }
            let kind = match parts[2] {
                "text" => QuestionKind::Text,
                "choice" => QuestionKind::Choice,
                "boolean" => QuestionKind::Boolean,
                other => {
                    errors.push((
                        "questions",
                        format!("Line {n}: “{other}” is not text, choice or boolean."),
                    ));
                    continue;
                }
            };
            let scope = match parts[3] {
                "proposal" => QuestionScope::Proposal,
                "speaker" => QuestionScope::Speaker,
                other => {
                    errors.push((
                        "questions",
                        format!("Line {n}: “{other}” is not proposal or speaker."),
                    ));
                    continue;
                }
            };
            let required = match parts.get(4).copied().unwrap_or("optional") {
                "required" => true,
                "optional" | "" => false,
                other => {
                    errors.push((
                        "questions",
                        format!("Line {n}: “{other}” is not required or optional."),
                    ));
                    continue;
                }
            };
            let options: Vec<String> = parts
                .get(5)
                .map(|o| {
                    o.split(',')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            s.questions.push(Question {
                key: parts[0].to_owned(),
                label: parts[1].to_owned(),
                kind,
                options,
                scope,
                required,
            });
        }
        let mut keys: Vec<&str> = s.questions.iter().map(|q| q.key.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            errors.push(("questions", "Question keys must differ.".to_owned()));
        }

        s.score_categories = Vec::new();
        for (n, parts) in lines(&self.score_categories) {
            if parts.len() != 4 {
                errors.push((
                    "score_categories",
                    format!(
                        "Line {n}: write key | name | weight | 0=poor, 1=weak, 2=good, 3=excellent."
                    ),
                ));
                continue;
            }
            if !is_key(parts[0]) {
                errors.push(("score_categories", key_problem(n, parts[0])));
            }
            let Some(weight) = parts[2].parse::<f64>().ok().filter(|w| w.is_finite()) else {
                errors.push((
                    "score_categories",
                    format!("Line {n}: the weight “{}” is not a number.", parts[2]),
                ));
                continue;
            };
            let mut values = Vec::new();
            let mut bad = false;
            for item in parts[3].split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let parsed = item
                    .split_once('=')
                    .and_then(|(v, l)| Some((v.trim().parse::<i64>().ok()?, l.trim())))
                    .filter(|(_, l)| !l.is_empty());
                match parsed {
                    Some((value, label))
                        if !values.iter().any(|x: &ScoreValue| x.value == value) =>
                    {
                        values.push(ScoreValue {
                            value,
                            label: label.to_owned(),
                        });
                    }
                    Some((value, _)) => {
                        errors.push((
                            "score_categories",
                            format!("Line {n}: the value {value} is listed twice."),
                        ));
                        bad = true;
                    }
                    None => {
                        errors.push((
                            "score_categories",
                            format!("Line {n}: “{item}” is not like 2=good."),
                        ));
                        bad = true;
                    }
                }
            }
            if bad {
                continue;
            }
            s.score_categories.push(ScoreCategory {
                key: parts[0].to_owned(),
                name: parts[1].to_owned(),
                weight,
                values,
            });
        }
        let mut keys: Vec<&str> = s.score_categories.iter().map(|c| c.key.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            errors.push(("score_categories", "Category keys must differ.".to_owned()));
        }
        if s.score_categories.is_empty() && !errors.iter().any(|(f, _)| *f == "score_categories") {
            errors.push((
                "score_categories",
                "Reviews need at least one score category.".to_owned(),
            ));
        }

        s.voting = match self.voting.as_str() {
            "off" => VotingMode::Off,
            "positive" => VotingMode::Positive,
            "updown" => VotingMode::Updown,
            _ => {
                errors.push(("voting", "Choose how the community votes.".to_owned()));
                VotingMode::default()
            }
        };
        s.blind_votes = self.blind_votes;
        s.random_order = self.random_order;
        s.attendees_only = self.attendees_only;
        s.comments = match self.comments.as_str() {
            "public" => CommentVisibility::Public,
            "team" => CommentVisibility::Team,
            "off" => CommentVisibility::Off,
            _ => {
                errors.push(("comments", "Choose who reads comments.".to_owned()));
                CommentVisibility::default()
            }
        };
        s.review_text_required = self.review_text_required;
        s.review_phases = Vec::new();
        for row in self.phases.iter().filter(|r| !r.remove) {
            let name = row.name.trim();
            let starts_at = if row.starts_at.trim().is_empty() {
                None
            } else if let Some(t) = parse_local(&row.starts_at, tz) {
                Some(t)
            } else {
                errors.push((
                    "review_phases",
                    format!(
                        "“{name}”: “{}” is not a date and time like 2027-03-01 09:00.",
                        row.starts_at.trim()
                    ),
                ));
                continue;
            };
            let see_others = match row.see_others.as_str() {
                "always" => SeeOthers::Always,
                "after_own" => SeeOthers::AfterOwn,
                "never" => SeeOthers::Never,
                _ => {
                    errors.push((
                        "review_phases",
                        format!("“{name}”: choose when reviewers see other reviews."),
                    ));
                    continue;
                }
            };
            s.review_phases.push(ReviewPhase {
                name: name.to_owned(),
                starts_at,
                can_review: row.can_review,
                see_others,
                blind: row.blind,
            });
        }
        match self.reviewers_per_proposal.trim().parse::<i64>() {
            Ok(n) => s.reviewers_per_proposal = n,
            Err(_) => errors.push((
                "reviewers_per_proposal",
                format!(
                    "“{}” is not a whole number.",
                    self.reviewers_per_proposal.trim()
                ),
            )),
        }
        s.share_reviews = self.share_reviews;
        match self
            .community_weight
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|w| w.is_finite())
        {
            Some(w) => s.community_weight = w,
            None => errors.push((
                "community_weight",
                format!(
                    "“{}” is not a number from 0 to 1.",
                    self.community_weight.trim()
                ),
            )),
        }

        let template = |name: &'static str,
                        subject: &str,
                        body: &str,
                        errors: &mut Errors|
         -> MailTemplate {
            if subject.trim().is_empty() || body.trim().is_empty() {
                errors.push((name, "Write both a subject and a text.".to_owned()));
            }
            let unknown: Vec<String> = unknown_placeholders(subject)
                .into_iter()
                .chain(unknown_placeholders(body))
                .collect();
            if !unknown.is_empty() {
                errors.push((
                        name,
                        format!(
                            "Unknown placeholder {}: use {{speaker}}, {{title}}, {{conference}} or {{confirm_url}}.",
                            unknown.join(", ")
                        ),
                    ));
            }
            MailTemplate {
                subject: subject.trim().to_owned(),
                body: body.replace("\r\n", "\n"),
            }
        };
        s.templates = DecisionTemplates {
            accepted: template(
                "accepted",
                &self.accepted_subject,
                &self.accepted_body,
                &mut errors,
            ),
            rejected: template(
                "rejected",
                &self.rejected_subject,
                &self.rejected_body,
                &mut errors,
            ),
            waitlisted: template(
                "waitlisted",
                &self.waitlisted_subject,
                &self.waitlisted_body,
                &mut errors,
            ),
        };

        // The settings' own rules, for fields whose text could be read (every problem of such
        // a field, not only its first).
        let unread: Vec<&'static str> = errors.iter().map(|(f, _)| *f).collect();
        for (field, message) in s.problems() {
            if !unread.contains(&field) {
                errors.push((field, message));
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}

/// What the page says above the form after a redirect.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Done {
    Nothing,
    Saved,
    Started,
}

async fn page(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    typed: Option<(&SettingsForm, Errors)>,
    done: Done,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(state, headers, slug).await?;
    let program = state.store.program(conference.id).await?;
    let stored;
    // The current phase and "start now" only for the saved phases, not for rows as typed.
    let mut current: Option<(usize, String)> = None;
    let (form, errors) = match typed {
        Some((f, e)) => (f, e),
        None => {
            let settings = state.store.cfp().settings(conference.id).await?;
            let now = (state.config.clock)();
            current = Some((settings.phase_index(now), settings.phase(now).name));
            stored = SettingsForm::from_settings(&settings, &conference.tz());
            (&stored, Vec::new())
        }
    };
    let failed = !errors.is_empty();
    let mut by_field: HashMap<&str, Vec<String>> = HashMap::new();
    for (f, m) in &errors {
        by_field.entry(f).or_default().push(m.clone());
    }
    let tracks: Vec<_> = program
        .tracks
        .iter()
        .map(|t| context! { id => t.id.0, name => &t.name, checked => form.tracks.contains(&t.id.0) })
        .collect();
    let requirable: Vec<_> = REQUIRABLE
        .iter()
        .map(|&(k, label)| context! { key => k, label => label, checked => form.required_fields.iter().any(|f| f == k) })
        .collect();
    let mut r = render(
        state,
        "organizer_cfp.html",
        context! {
            conf => conf_ctx(&conference),
            csrf,
            form => ser(form),
            errors => ser(&by_field),
            error_count => errors.len(),
            tracks,
            requirable,
            placeholders => PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>(),
            blank_phase => ser(PhaseRow::blank()),
            current_phase => current.as_ref().map(|(i, _)| *i),
            started => (done == Done::Started).then(|| current.as_ref().map(|(_, n)| n.clone())).flatten(),
            saved => done == Done::Saved,
        },
    )?;
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(no_store(r))
}

#[derive(serde::Deserialize, Default)]
struct Saved {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    started: Option<String>,
}

async fn show_settings(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let done = if q.started.is_some() {
        Done::Started
    } else if q.saved.is_some() {
        Done::Saved
    } else {
        Done::Nothing
    };
    page(&state, &slug, &headers, None, done).await
}

/// "Start now" on a saved review phase: it becomes current at once.
async fn start_phase(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    check_form_token(&csrf, field("csrf"))?;
    let now = (state.config.clock)();
    podium_app::review::start_phase(&*state.store, conference.id, field("phase"), now)
        .await
        .map_err(refused)?;
    tracing::info!(conference.slug = %slug, "review phase started");
    Ok(Redirect::to(&format!("/{slug}/organizer/cfp?started=1")).into_response())
}

async fn save_settings(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let token = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    check_form_token(&csrf, token)?;
    let form = SettingsForm::from_fields(&fields);
    let program = state.store.program(conference.id).await?;
    let track_ids: Vec<TrackId> = program.tracks.iter().map(|t| t.id).collect();
    let settings = match form.parse(&conference.tz(), &track_ids) {
        Ok(s) => s,
        Err(errors) => {
            return page(
                &state,
                &slug,
                &headers,
                Some((&form, errors)),
                Done::Nothing,
            )
            .await;
        }
    };
    match podium_app::review::save_settings(&*state.store, conference.id, &settings).await {
        Ok(()) => {}
        Err(CfpError::Invalid(problems)) => {
            // Checked above already; kept for a rule the store or app adds later.
            let errors = problems
                .into_iter()
                .map(|(f, m)| (field_name(&f), m))
                .collect();
            return page(
                &state,
                &slug,
                &headers,
                Some((&form, errors)),
                Done::Nothing,
            )
            .await;
        }
        Err(e) => return Err(refused(e)),
    }
    tracing::info!(conference.slug = %slug, "CFP settings saved");
    Ok(Redirect::to(&format!("/{slug}/organizer/cfp?saved=1")).into_response())
}

/// A field name from the app as one of the form's (unknown ones go to the top of the form).
fn field_name(f: &str) -> &'static str {
    [
        "opens_at",
        "closes_at",
        "voting_closes_at",
        "submission_types",
        "levels",
        "tracks",
        "required_fields",
        "questions",
        "score_categories",
        "community_weight",
        "reviewers_per_proposal",
        "review_phases",
    ]
    .into_iter()
    .find(|k| *k == f)
    .unwrap_or("form")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_survive_the_form() {
        let tz = TimeZone::get("Asia/Kolkata").unwrap();
        let s = CfpSettings {
            opens_at: Some(1_800_000_000),
            closes_at: Some(1_801_000_050),
            ..CfpSettings::default()
        };
        let mut form = SettingsForm::from_settings(&s, &tz);
        form.questions =
            "gender | Do you want a travel grant? | boolean | speaker | required".into();
        let back = form.parse(&tz, &[]).unwrap();
        // Minutes are the form's precision.
        assert_eq!(back.closes_at, Some(1_801_000_020));
        assert_eq!(back.submission_types, s.submission_types);
        assert_eq!(back.score_categories, s.score_categories);
        assert_eq!(back.templates, s.templates);
        assert_eq!(back.review_phases, s.review_phases);
        assert_eq!(back.questions[0].scope, QuestionScope::Speaker);
        assert!(back.questions[0].required);
    }

    #[test]
    fn bad_lines_name_their_line_and_field() {
        let tz = TimeZone::UTC;
        let mut form = SettingsForm::from_settings(&CfpSettings::default(), &tz);
        form.submission_types = "talk | Talk | thirty".into();
        form.accepted_body = "Hi {speakr}".into();
        form.opens_at = "tomorrow".into();
        let errors = form.parse(&tz, &[]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["opens_at", "submission_types", "accepted"]);
        assert!(errors[1].1.contains("Line 1"), "{errors:?}");
        assert!(errors[2].1.contains("{speakr}"), "{errors:?}");
    }
}
