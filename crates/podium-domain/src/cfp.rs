//! The call for proposals: its settings (one JSON document per conference, with defaults a
//! community conference can start from), proposals and their life cycle, votes, comments and
//! reviews. Pure types and rules; the store keeps them, `podium-app` applies them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{ConferenceId, TalkId, TrackId, UserId};

/// A proposal's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProposalId(pub i64);

impl std::fmt::Display for ProposalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How the community votes on proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VotingMode {
    /// No votes.
    Off,
    /// "I want to see this" only: nobody is voted down in public (Funnel's lesson).
    #[default]
    Positive,
    /// +1 / −1.
    Updown,
}

/// Who may read proposal comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CommentVisibility {
    /// Everyone, logged in or not.
    #[default]
    Public,
    /// The proposal's speakers, reviewers and organizers.
    Team,
    /// Nobody may comment.
    Off,
}

/// When a reviewer may see other reviewers' scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SeeOthers {
    /// Always.
    Always,
    /// Once they have reviewed the proposal themselves.
    #[default]
    AfterOwn,
    /// Never (organizers still do).
    Never,
}

/// One review phase: a name, when it starts and what reviewers may do while it is current
/// (pretalx's review phases). The phases of a conference are an ordered list; see
/// [`CfpSettings::phase`] for which one is current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewPhase {
    /// Shown name ("Review", "Discussion", "Selection"); unique within the list.
    pub name: String,
    /// When it starts (unix seconds); unset: only when an organizer starts it by hand.
    pub starts_at: Option<i64>,
    /// Reviewers may write and change reviews (else reviews are read-only).
    pub can_review: bool,
    /// When reviewers see others' reviews.
    pub see_others: SeeOthers,
    /// Reviewers (and the public proposal pages) see no speaker names or bios.
    pub blind: bool,
}

impl Default for ReviewPhase {
    fn default() -> Self {
        ReviewPhase {
            name: "Review".into(),
            starts_at: None,
            can_review: true,
            see_others: SeeOthers::AfterOwn,
            blind: true,
        }
    }
}

/// One kind of submission, with its default length and its own deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionType {
    /// Stable key (`talk`, `workshop`).
    pub key: String,
    /// Shown name.
    pub name: String,
    /// Default length in minutes.
    pub duration_min: i64,
    /// Closes earlier than the CFP, if set (unix seconds).
    #[serde(default)]
    pub deadline: Option<i64>,
}

/// What a custom question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// One of `options`.
    Choice,
    /// Yes or no.
    Boolean,
}

/// Whom a question is asked of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionScope {
    /// Once per proposal.
    Proposal,
    /// Once per speaker (their profile).
    Speaker,
}

/// An organizer's own question on the proposal form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key.
    pub key: String,
    /// The question as shown.
    pub label: String,
    /// Answer type.
    pub kind: QuestionKind,
    /// Choices for `Choice`.
    #[serde(default)]
    pub options: Vec<String>,
    /// Per proposal or per speaker.
    pub scope: QuestionScope,
    /// Must be answered to submit.
    #[serde(default)]
    pub required: bool,
}

/// A labelled value of a score category ("3 — good").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreValue {
    /// The number.
    pub value: i64,
    /// Its label.
    pub label: String,
}

/// A review score category with its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCategory {
    /// Stable key.
    pub key: String,
    /// Shown name.
    pub name: String,
    /// Weight in the combined score.
    pub weight: f64,
    /// Allowed values.
    pub values: Vec<ScoreValue>,
}

/// An email template with `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailTemplate {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// The decision emails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionTemplates {
    /// Sent on acceptance.
    pub accepted: MailTemplate,
    /// Sent on rejection.
    pub rejected: MailTemplate,
    /// Sent when waitlisted.
    pub waitlisted: MailTemplate,
}

impl Default for DecisionTemplates {
    fn default() -> Self {
        let sign = "\n\nThe {conference} team";
        DecisionTemplates {
            accepted: MailTemplate {
                subject: "[{conference}] Your proposal \"{title}\" is accepted".into(),
                body: format!(
                    "Dear {{speaker}},\n\nwe are happy to tell you that \"{{title}}\" is in the \
                     program of {{conference}}.\n\nPlease confirm that you will give it (or \
                     decline if you cannot) here:\n{{confirm_url}}{sign}"
                ),
            },
            rejected: MailTemplate {
                subject: "[{conference}] About your proposal \"{title}\"".into(),
                body: format!(
                    "Dear {{speaker}},\n\nthank you for proposing \"{{title}}\". We had many \
                     more good proposals than slots, and this one is not in the program this \
                     year. We hope to see you at {{conference}} all the same.{sign}"
                ),
            },
            waitlisted: MailTemplate {
                subject: "[{conference}] \"{title}\" is on the waiting list".into(),
                body: format!(
                    "Dear {{speaker}},\n\n\"{{title}}\" is on the waiting list of \
                     {{conference}}: if a slot frees up, we will write to you again.{sign}"
                ),
            },
        }
    }
}

/// Everything an organizer configures about the call for proposals.
///
/// Stored as one JSON document. Documents written before review phases existed carry
/// `review_open`, `see_others` and `blind_review` instead of `review_phases`; reading one turns
/// those into a single phase (see the `Deserialize` impl), so the phases are the only source of
/// the review rules.
// `remote = "Self"` makes the derives generate inherent `CfpSettings::serialize`/`deserialize`
// functions instead of the trait impls, so the hand-written `Deserialize` below can wrap the
// derived one with the migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, remote = "Self")]
pub struct CfpSettings {
    /// Opens (unix seconds); unset: not open yet.
    pub opens_at: Option<i64>,
    /// Closes (unix seconds); unset: open until closed by hand.
    pub closes_at: Option<i64>,
    /// Kinds of submission.
    pub submission_types: Vec<SubmissionType>,
    /// Levels offered.
    pub levels: Vec<String>,
    /// Track ids offered (empty: all of the conference's tracks).
    pub tracks: Vec<TrackId>,
    /// Optional fields that must be filled: `description`, `track`, `notes`.
    pub required_fields: Vec<String>,
    /// Custom questions.
    pub questions: Vec<Question>,
    /// Community votes.
    pub voting: VotingMode,
    /// Vote counts hidden until voting closes.
    pub blind_votes: bool,
    /// Each voter sees the list in their own random order.
    pub random_order: bool,
    /// Only attendees (users with the attendee role) may vote.
    pub attendees_only: bool,
    /// Voting closes (unix seconds); unset: when the CFP closes.
    pub voting_closes_at: Option<i64>,
    /// Who reads comments.
    pub comments: CommentVisibility,
    /// Review score categories.
    pub score_categories: Vec<ScoreCategory>,
    /// Reviewers must write a text.
    pub review_text_required: bool,
    /// Review phases in order, each with its rules; at least one (see [`CfpSettings::phase`]).
    /// Missing from a stored document: empty here, then filled from the old flat fields.
    #[serde(default)]
    pub review_phases: Vec<ReviewPhase>,
    /// Reviewers assigned to each proposal.
    pub reviewers_per_proposal: i64,
    /// Speakers may read the review texts of their proposals (never the scores' authors).
    pub share_reviews: bool,
    /// Weight of community votes in the organizers' ranking, 0 to 1 (the rest is the review
    /// score).
    pub community_weight: f64,
    /// Decision emails.
    pub templates: DecisionTemplates,
}

impl Default for CfpSettings {
    fn default() -> Self {
        let ty = |key: &str, name: &str, duration_min| SubmissionType {
            key: key.into(),
            name: name.into(),
            duration_min,
            deadline: None,
        };
        let values = |labels: &[&str]| {
            labels
                .iter()
                .zip(0..)
                .map(|(label, value)| ScoreValue {
                    value,
                    label: (*label).into(),
                })
                .collect()
        };
        CfpSettings {
            opens_at: None,
            closes_at: None,
            submission_types: vec![
                ty("talk", "Talk (30 min)", 30),
                ty("long", "Talk (45 min)", 45),
                ty("workshop", "Workshop (90 min)", 90),
                ty("lightning", "Lightning talk (5 min)", 5),
            ],
            levels: vec!["beginner".into(), "intermediate".into(), "advanced".into()],
            tracks: Vec::new(),
            required_fields: Vec::new(),
            questions: Vec::new(),
            voting: VotingMode::Positive,
            blind_votes: false,
            random_order: false,
            attendees_only: false,
            voting_closes_at: None,
            comments: CommentVisibility::Public,
            score_categories: vec![
                ScoreCategory {
                    key: "content".into(),
                    name: "Content".into(),
                    weight: 2.0,
                    values: values(&["poor", "weak", "good", "excellent"]),
                },
                ScoreCategory {
                    key: "fit".into(),
                    name: "Fit for the audience".into(),
                    weight: 1.0,
                    values: values(&["poor", "weak", "good", "excellent"]),
                },
            ],
            review_text_required: false,
            review_phases: vec![ReviewPhase::default()],
            reviewers_per_proposal: 3,
            share_reviews: false,
            community_weight: 0.25,
            templates: DecisionTemplates::default(),
        }
    }
}

impl Serialize for CfpSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CfpSettings::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for CfpSettings {
    /// The derived reading plus the migration of documents from before review phases: their
    /// flat `review_open`, `see_others` and `blind_review` become one phase named "Review".
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Stored {
            #[serde(flatten, with = "CfpSettings")]
            settings: CfpSettings,
            review_open: Option<bool>,
            see_others: Option<SeeOthers>,
            blind_review: Option<bool>,
        }
        let Stored {
            mut settings,
            review_open,
            see_others,
            blind_review,
        } = Stored::deserialize(deserializer)?;
        if settings.review_phases.is_empty() {
            let default = ReviewPhase::default();
            settings.review_phases = vec![ReviewPhase {
                can_review: review_open.unwrap_or(default.can_review),
                see_others: see_others.unwrap_or(default.see_others),
                blind: blind_review.unwrap_or(default.blind),
                ..default
            }];
        }
        Ok(settings)
    }
}

impl CfpSettings {
    /// The position of the review phase current at `now`: the last one whose start has passed;
    /// before any has started (or when none has a start), the first. 0 when there are none.
    pub fn phase_index(&self, now: Timestamp) -> usize {
        let t = now.as_second();
        self.review_phases
            .iter()
            .rposition(|p| p.starts_at.is_some_and(|s| s <= t))
            .unwrap_or(0)
    }

    /// The review phase current at `now` ([`CfpSettings::phase_index`]); the default phase when
    /// the list is empty (saved settings never are: [`CfpSettings::problems`]).
    pub fn phase(&self, now: Timestamp) -> ReviewPhase {
        self.review_phases
            .get(self.phase_index(now))
            .cloned()
            .unwrap_or_default()
    }

    /// The phase after the current one when it has a start still to come.
    pub fn next_phase(&self, now: Timestamp) -> Option<&ReviewPhase> {
        self.review_phases
            .get(self.phase_index(now) + 1)
            .filter(|p| p.starts_at.is_some_and(|s| s > now.as_second()))
    }

    /// Starts the phase named `name` at `now` (unix seconds), so it is current from then on:
    /// later phases that had started lose their start (going back a phase un-starts them) and
    /// earlier ones still to start lose theirs, keeping starts in list order. False when no
    /// phase has that name.
    pub fn start_phase(&mut self, name: &str, now: i64) -> bool {
        let Some(i) = self.review_phases.iter().position(|p| p.name == name) else {
            return false;
        };
        for (j, p) in self.review_phases.iter_mut().enumerate() {
            let clear = match j.cmp(&i) {
                std::cmp::Ordering::Less => p.starts_at.is_some_and(|s| s >= now),
                std::cmp::Ordering::Equal => false,
                std::cmp::Ordering::Greater => p.starts_at.is_some_and(|s| s <= now),
            };
            if clear {
                p.starts_at = None;
            }
        }
        self.review_phases[i].starts_at = Some(now);
        true
    }

    /// What is wrong with the review phases: none, a blank or repeated name, or starts out of
    /// list order.
    fn phase_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.review_phases.is_empty() {
            out.push("Define at least one review phase.".to_owned());
        }
        let mut seen: Vec<String> = Vec::new();
        let mut last_start: Option<(i64, &str)> = None;
        for p in &self.review_phases {
            let name = p.name.trim();
            if name.is_empty() {
                out.push("Every review phase needs a name.".to_owned());
            } else if name.chars().count() > 80 {
                out.push(format!("“{name}”: keep phase names under 80 characters."));
            } else if seen.contains(&name.to_lowercase()) {
                out.push(format!(
                    "Review phase names must differ: “{name}” is used twice."
                ));
            } else {
                seen.push(name.to_lowercase());
            }
            if let Some(start) = p.starts_at {
                if let Some((before, before_name)) = last_start
                    && start <= before
                {
                    out.push(format!(
                        "“{name}” must start after “{before_name}”: phases start in the order they are listed."
                    ));
                }
                last_start = Some((start, name));
            }
        }
        out
    }

    /// True when proposals may be submitted at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let t = now.as_second();
        self.opens_at.is_some_and(|o| o <= t) && self.closes_at.is_none_or(|c| t < c)
    }

    /// The deadline of a submission type: its own, else the CFP's.
    pub fn deadline_of(&self, key: &str) -> Option<i64> {
        self.submission_types
            .iter()
            .find(|t| t.key == key)
            .and_then(|t| t.deadline)
            .or(self.closes_at)
    }

    /// True when votes are still accepted.
    pub fn voting_open(&self, now: Timestamp) -> bool {
        self.voting != VotingMode::Off
            && self
                .voting_closes_at
                .or(self.closes_at)
                .is_none_or(|c| now.as_second() < c)
    }

    /// The submission type of that key.
    pub fn submission_type(&self, key: &str) -> Option<&SubmissionType> {
        self.submission_types.iter().find(|t| t.key == key)
    }

    /// Weighted score of one review's values (0 when nothing was scored): the weighted mean of
    /// each category's value scaled to 0..=1 by its range, times 10.
    pub fn weighted_score(&self, scores: &[(String, i64)]) -> Option<f64> {
        let mut sum = 0.0;
        let mut weights = 0.0;
        for cat in &self.score_categories {
            let Some((_, v)) = scores.iter().find(|(k, _)| *k == cat.key) else {
                continue;
            };
            let lo = cat.values.iter().map(|v| v.value).min().unwrap_or(0);
            let hi = cat.values.iter().map(|v| v.value).max().unwrap_or(0);
            let scaled = if hi > lo {
                (*v - lo) as f64 / (hi - lo) as f64
            } else {
                0.0
            };
            sum += scaled * cat.weight;
            weights += cat.weight;
        }
        (weights > 0.0).then(|| 10.0 * sum / weights)
    }

    /// Checks the settings an organizer saves; each problem names its field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let (Some(o), Some(c)) = (self.opens_at, self.closes_at)
            && c <= o
        {
            out.push(("closes_at", "The CFP must close after it opens.".into()));
        }
        if self.submission_types.is_empty() {
            out.push((
                "submission_types",
                "Offer at least one submission type.".into(),
            ));
        }
        for t in &self.submission_types {
            if t.key.trim().is_empty() || t.name.trim().is_empty() {
                out.push((
                    "submission_types",
                    "Every submission type needs a key and a name.".into(),
                ));
            }
            if !(1..=24 * 60).contains(&t.duration_min) {
                out.push((
                    "submission_types",
                    format!("{}: length must be 1 to 1440 minutes.", t.name),
                ));
            }
        }
        let mut keys: Vec<&str> = self
            .submission_types
            .iter()
            .map(|t| t.key.as_str())
            .collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            out.push((
                "submission_types",
                "Submission type keys must differ.".into(),
            ));
        }
        if self.levels.is_empty() {
            out.push(("levels", "Offer at least one level.".into()));
        }
        for q in &self.questions {
            if q.label.trim().is_empty() {
                out.push(("questions", "Every question needs its text.".into()));
            }
            if q.kind == QuestionKind::Choice && q.options.len() < 2 {
                out.push((
                    "questions",
                    format!("\"{}\" needs at least two choices.", q.label),
                ));
            }
        }
        for c in &self.score_categories {
            if c.values.len() < 2 || !(c.weight > 0.0 && c.weight <= 100.0) {
                out.push((
                    "score_categories",
                    format!(
                        "\"{}\" needs at least two values and a weight above 0.",
                        c.name
                    ),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.community_weight) {
            out.push((
                "community_weight",
                "The weight of votes must be between 0 and 1.".into(),
            ));
        }
        out.extend(
            self.phase_problems()
                .into_iter()
                .map(|m| ("review_phases", m)),
        );
        if !(0..=20).contains(&self.reviewers_per_proposal) {
            out.push((
                "reviewers_per_proposal",
                "Reviewers per proposal must be 0 to 20.".into(),
            ));
        }
        out
    }
}

/// Where a proposal stands. The staged (pending) decision is separate: speakers see only this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProposalState {
    /// Saved, not submitted; only its speakers see it.
    Draft,
    /// Submitted for review.
    Submitted,
    /// Withdrawn by its speaker.
    Withdrawn,
    /// Accepted (released), waiting for the speaker to confirm.
    Accepted,
    /// Rejected (released).
    Rejected,
    /// On the waiting list (released).
    Waitlisted,
    /// Accepted and confirmed by the speaker: a schedulable talk.
    Confirmed,
    /// Accepted, but the speaker declined.
    Declined,
}

impl ProposalState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Draft => "draft",
            ProposalState::Submitted => "submitted",
            ProposalState::Withdrawn => "withdrawn",
            ProposalState::Accepted => "accepted",
            ProposalState::Rejected => "rejected",
            ProposalState::Waitlisted => "waitlisted",
            ProposalState::Confirmed => "confirmed",
            ProposalState::Declined => "declined",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<ProposalState> {
        Some(match s {
            "draft" => ProposalState::Draft,
            "submitted" => ProposalState::Submitted,
            "withdrawn" => ProposalState::Withdrawn,
            "accepted" => ProposalState::Accepted,
            "rejected" => ProposalState::Rejected,
            "waitlisted" => ProposalState::Waitlisted,
            "confirmed" => ProposalState::Confirmed,
            "declined" => ProposalState::Declined,
            _ => return None,
        })
    }

    /// Shown to people.
    pub fn label(self) -> &'static str {
        match self {
            ProposalState::Draft => "Draft",
            ProposalState::Submitted => "Submitted",
            ProposalState::Withdrawn => "Withdrawn",
            ProposalState::Accepted => "Accepted — please confirm",
            ProposalState::Rejected => "Not accepted",
            ProposalState::Waitlisted => "Waiting list",
            ProposalState::Confirmed => "Confirmed",
            ProposalState::Declined => "Declined",
        }
    }

    /// True when the proposal is in the community list and in review.
    pub fn is_public(self) -> bool {
        !matches!(self, ProposalState::Draft | ProposalState::Withdrawn)
    }
}

/// A decision an organizer can stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Accept.
    Accepted,
    /// Reject.
    Rejected,
    /// Waiting list.
    Waitlisted,
}

impl Decision {
    /// The state the proposal takes when the decision is released.
    pub fn state(self) -> ProposalState {
        match self {
            Decision::Accepted => ProposalState::Accepted,
            Decision::Rejected => ProposalState::Rejected,
            Decision::Waitlisted => ProposalState::Waitlisted,
        }
    }

    /// Parses `accepted` / `rejected` / `waitlisted`.
    pub fn parse(s: &str) -> Option<Decision> {
        Some(match s {
            "accepted" | "accept" => Decision::Accepted,
            "rejected" | "reject" => Decision::Rejected,
            "waitlisted" | "waitlist" => Decision::Waitlisted,
            _ => return None,
        })
    }

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        self.state().as_str()
    }
}

/// A speaker of a proposal: an account, or an invitation by email not yet accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalSpeaker {
    /// The account, once there is one.
    pub user: Option<UserId>,
    /// Their name (from the profile, or the invitation).
    pub name: String,
    /// Their email.
    pub email: String,
    /// False while a co-speaker invitation waits.
    pub confirmed: bool,
}

/// What the organizers' ranking shows of a proposal: no texts, no speakers (so ranking 2,000
/// proposals reads only these columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalHead {
    /// Id.
    pub id: ProposalId,
    /// Title.
    pub title: String,
    /// Submission type key.
    pub submission_type: String,
    /// Track, if chosen.
    pub track: Option<TrackId>,
    /// State speakers see.
    pub state: ProposalState,
    /// Staged decision, invisible to speakers until released.
    pub pending: Option<Decision>,
}

impl From<&Proposal> for ProposalHead {
    fn from(p: &Proposal) -> ProposalHead {
        ProposalHead {
            id: p.id,
            title: p.title.clone(),
            submission_type: p.submission_type.clone(),
            track: p.track,
            state: p.state,
            pending: p.pending,
        }
    }
}

/// A proposal with its speakers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// Id.
    pub id: ProposalId,
    /// Conference.
    pub conference: ConferenceId,
    /// Who created it.
    pub owner: UserId,
    /// Title.
    pub title: String,
    /// Abstract (Markdown; public once submitted).
    pub abstract_md: String,
    /// Longer description for reviewers (Markdown).
    pub description_md: String,
    /// Notes for the organizers only.
    pub notes: String,
    /// Submission type key.
    pub submission_type: String,
    /// Track, if chosen.
    pub track: Option<TrackId>,
    /// Level.
    pub level: String,
    /// Language.
    pub language: String,
    /// Answers to per-proposal questions: (question key, answer).
    pub answers: Vec<(String, String)>,
    /// State speakers see.
    pub state: ProposalState,
    /// Staged decision, invisible to speakers until released.
    pub pending: Option<Decision>,
    /// The talk it became once confirmed.
    pub talk: Option<TalkId>,
    /// Speakers, owner first.
    pub speakers: Vec<ProposalSpeaker>,
    /// Created (unix seconds).
    pub created_at: i64,
    /// Submitted (unix seconds).
    pub submitted_at: Option<i64>,
}

impl Proposal {
    /// True when `user` is one of its (confirmed) speakers.
    pub fn has_speaker(&self, user: UserId) -> bool {
        self.owner == user
            || self
                .speakers
                .iter()
                .any(|s| s.confirmed && s.user == Some(user))
    }
}

/// What a speaker types into the proposal form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProposalForm {
    /// Title.
    pub title: String,
    /// Abstract.
    pub abstract_md: String,
    /// Description for reviewers.
    pub description_md: String,
    /// Notes for organizers.
    pub notes: String,
    /// Submission type key.
    pub submission_type: String,
    /// Track id, if any.
    pub track: Option<TrackId>,
    /// Level.
    pub level: String,
    /// Language.
    pub language: String,
    /// Answers: (question key, answer).
    pub answers: Vec<(String, String)>,
}

impl ProposalForm {
    /// What is wrong with submitting it, field by field; drafts need only a title.
    pub fn problems(
        &self,
        settings: &CfpSettings,
        track_ids: &[TrackId],
        submit: bool,
    ) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut say = |field: &str, msg: String| out.push((field.to_owned(), msg));
        let title = self.title.trim();
        if title.is_empty() {
            say("title", "Give your proposal a title.".into());
        } else if title.chars().count() > 200 {
            say("title", "Keep the title under 200 characters.".into());
        }
        if self.abstract_md.chars().count() > 5_000 {
            say(
                "abstract_md",
                "Keep the abstract under 5,000 characters.".into(),
            );
        }
        if self.description_md.chars().count() > 20_000 || self.notes.chars().count() > 5_000 {
            say(
                "description_md",
                "The description or notes are too long.".into(),
            );
        }
        if !self.submission_type.is_empty()
            && settings.submission_type(&self.submission_type).is_none()
        {
            say(
                "submission_type",
                "Choose one of the offered submission types.".into(),
            );
        }
        if !self.level.is_empty() && !settings.levels.contains(&self.level) {
            say("level", "Choose one of the offered levels.".into());
        }
        if let Some(t) = self.track {
            let offered = if settings.tracks.is_empty() {
                track_ids.contains(&t)
            } else {
                settings.tracks.contains(&t)
            };
            if !offered {
                say("track", "Choose one of the offered tracks.".into());
            }
        }
        if submit {
            if self.abstract_md.trim().is_empty() {
                say(
                    "abstract_md",
                    "Write an abstract: it is what attendees read.".into(),
                );
            }
            if self.submission_type.is_empty() {
                say("submission_type", "Choose a submission type.".into());
            }
            if self.level.is_empty() {
                say("level", "Choose a level.".into());
            }
            for field in &settings.required_fields {
                let empty = match field.as_str() {
                    "description" => self.description_md.trim().is_empty(),
                    "notes" => self.notes.trim().is_empty(),
                    "track" => self.track.is_none(),
                    _ => false,
                };
                if empty {
                    let key = if field == "description" {
                        "description_md"
                    } else {
                        field
                    };
                    say(key, format!("The {field} is required."));
                }
            }
        }
        for q in settings
            .questions
            .iter()
            .filter(|q| q.scope == QuestionScope::Proposal)
        {
            let answer = self
                .answers
                .iter()
                .find(|(k, _)| *k == q.key)
                .map_or("", |(_, a)| a.trim());
            let field = format!("q_{}", q.key);
            if answer.is_empty() {
                if submit && q.required {
                    say(&field, format!("Answer \"{}\".", q.label));
                }
                continue;
            }
            match q.kind {
                QuestionKind::Choice if !q.options.iter().any(|o| o == answer) => {
                    say(
                        &field,
                        format!("Choose one of the answers to \"{}\".", q.label),
                    );
                }
                QuestionKind::Boolean if !matches!(answer, "yes" | "no") => {
                    say(&field, format!("Answer \"{}\" with yes or no.", q.label));
                }
                QuestionKind::Text if answer.chars().count() > 5_000 => {
                    say(&field, "Keep the answer under 5,000 characters.".into());
                }
                _ => {}
            }
        }
        out
    }
}

/// A speaker's profile for one conference, with their availability.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SpeakerProfile {
    /// Shown name.
    pub name: String,
    /// Bio (Markdown).
    pub bio_md: String,
    /// Links (https URLs).
    pub links: Vec<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// Windows (unix seconds, start–end) in which they can speak; empty: any time.
    pub available: Vec<(i64, i64)>,
    /// Answers to per-speaker questions.
    pub answers: Vec<(String, String)>,
}

/// One comment on a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Id.
    pub id: i64,
    /// Proposal.
    pub proposal: ProposalId,
    /// Author.
    pub user: UserId,
    /// Author's name.
    pub author: String,
    /// The comment it answers.
    pub parent: Option<i64>,
    /// Markdown text ('' once deleted).
    pub body_md: String,
    /// Written (unix seconds).
    pub created_at: i64,
    /// Last edit.
    pub edited_at: Option<i64>,
    /// Deleted by its author.
    pub deleted: bool,
    /// Hidden by an organizer.
    pub hidden: bool,
    /// Marked as spam by an organizer.
    pub spam: bool,
}

/// One reviewer's review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// Proposal.
    pub proposal: ProposalId,
    /// Reviewer.
    pub reviewer: UserId,
    /// Category key → value.
    pub scores: Vec<(String, i64)>,
    /// Text.
    pub text: String,
    /// Abstained (no scores).
    pub abstain: bool,
    /// Last saved.
    pub updated_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_score_scales_each_category_by_its_range() {
        let s = CfpSettings::default();
        // content 3/3 (weight 2) and fit 0/3 (weight 1): 10 * 2/3.
        let got = s
            .weighted_score(&[("content".into(), 3), ("fit".into(), 0)])
            .unwrap();
        assert!((got - 20.0 / 3.0).abs() < 1e-9, "{got}");
        assert_eq!(s.weighted_score(&[]), None);
    }

    #[test]
    fn drafts_need_a_title_and_submissions_need_the_rest() {
        let s = CfpSettings::default();
        let form = ProposalForm {
            title: "Async Rust".into(),
            ..Default::default()
        };
        assert!(form.problems(&s, &[], false).is_empty());
        let fields: Vec<String> = form
            .problems(&s, &[], true)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["abstract_md", "submission_type", "level"]);
    }

    #[test]
    fn the_cfp_is_open_between_its_dates() {
        let s = CfpSettings {
            opens_at: Some(100),
            closes_at: Some(200),
            ..Default::default()
        };
        let at = |t| Timestamp::from_second(t).unwrap();
        assert!(!s.is_open(at(99)));
        assert!(s.is_open(at(100)));
        assert!(!s.is_open(at(200)));
        assert!(CfpSettings::default().problems().is_empty());
    }

    fn phases(starts: &[(&str, Option<i64>)]) -> CfpSettings {
        CfpSettings {
            review_phases: starts
                .iter()
                .map(|&(name, starts_at)| ReviewPhase {
                    name: name.into(),
                    starts_at,
                    ..ReviewPhase::default()
                })
                .collect(),
            ..CfpSettings::default()
        }
    }

    fn current(s: &CfpSettings, t: i64) -> String {
        s.phase(Timestamp::from_second(t).unwrap()).name
    }

    #[test]
    fn the_current_phase_is_the_last_started_one_and_else_the_first() {
        let s = phases(&[
            ("Review", Some(100)),
            ("Discussion", Some(200)),
            ("Selection", None),
        ]);
        // Before anything starts, the first phase's rules apply.
        assert_eq!(current(&s, 50), "Review");
        assert_eq!(current(&s, 100), "Review");
        assert_eq!(current(&s, 199), "Review");
        assert_eq!(current(&s, 200), "Discussion");
        // An undated phase waits for an organizer.
        assert_eq!(current(&s, 10_000), "Discussion");
        let at = |t| Timestamp::from_second(t).unwrap();
        assert_eq!(
            s.next_phase(at(150)).map(|p| p.name.as_str()),
            Some("Discussion")
        );
        assert_eq!(s.next_phase(at(250)), None);
        // No phases at all (never saved so): the default rules.
        let none = phases(&[]);
        assert_eq!(none.phase(at(5)), ReviewPhase::default());
        assert!(CfpSettings::default().phase(at(5)).can_review);
    }

    #[test]
    fn starting_a_phase_makes_it_current_and_keeps_starts_in_order() {
        let mut s = phases(&[
            ("Review", Some(100)),
            ("Discussion", Some(500)),
            ("Selection", None),
        ]);
        // Skipping ahead: Selection now, Discussion's future start is dropped.
        assert!(s.start_phase("Selection", 300));
        assert_eq!(current(&s, 300), "Selection");
        let starts: Vec<Option<i64>> = s.review_phases.iter().map(|p| p.starts_at).collect();
        assert_eq!(starts, [Some(100), None, Some(300)]);
        assert!(s.problems().is_empty(), "{:?}", s.problems());
        // Going back: Review again, Selection un-started.
        assert!(s.start_phase("Review", 400));
        assert_eq!(current(&s, 400), "Review");
        let starts: Vec<Option<i64>> = s.review_phases.iter().map(|p| p.starts_at).collect();
        assert_eq!(starts, [Some(400), None, None]);
        assert!(!s.start_phase("Nope", 400));
    }

    #[test]
    fn phases_need_unique_names_and_ordered_starts() {
        let fields = |s: &CfpSettings| -> Vec<String> {
            s.problems()
                .into_iter()
                .filter(|(f, _)| *f == "review_phases")
                .map(|(_, m)| m)
                .collect()
        };
        let s = phases(&[("Review", Some(200)), ("review", None), ("", Some(100))]);
        assert_eq!(
            fields(&s),
            [
                "Review phase names must differ: “review” is used twice.",
                "Every review phase needs a name.",
                "“” must start after “Review”: phases start in the order they are listed.",
            ]
        );
        assert_eq!(fields(&phases(&[])), ["Define at least one review phase."]);
        assert!(
            fields(&phases(&[
                ("A", None),
                ("B", Some(5)),
                ("C", None),
                ("D", Some(6))
            ]))
            .is_empty()
        );
    }

    #[test]
    fn old_documents_become_one_phase() {
        let old: CfpSettings = serde_json::from_str(
            r#"{"review_open": false, "see_others": "never", "blind_review": false, "levels": ["all"]}"#,
        )
        .unwrap();
        assert_eq!(
            old.review_phases,
            [ReviewPhase {
                name: "Review".into(),
                starts_at: None,
                can_review: false,
                see_others: SeeOthers::Never,
                blind: false,
            }]
        );
        assert_eq!(old.levels, ["all"]);
        // Missing everything: the defaults. A new document reads back as written.
        let empty: CfpSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, CfpSettings::default());
        let s = phases(&[("Review", Some(1)), ("Selection", None)]);
        let text = serde_json::to_string(&s).unwrap();
        assert!(!text.contains("review_open"), "{text}");
        assert_eq!(serde_json::from_str::<CfpSettings>(&text).unwrap(), s);
    }
}
