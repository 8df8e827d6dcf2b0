//! The call for proposals' rules: who may submit and edit when, the organizers' ranking
//! (weighted review score with community votes), automatic reviewer assignment, "next
//! proposal" for reviewers, and releasing staged decisions with their emails.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use podium_domain::*;
use podium_store::{NewMail, NewProposal, Store, StoreError};

/// Why a CFP action was refused.
#[derive(Debug, thiserror::Error)]
pub enum CfpError {
    /// Outside the submission window (the message says which).
    #[error("{0}")]
    Closed(String),
    /// The form has problems: (field, message).
    #[error("the form has problems")]
    Invalid(Vec<(String, String)>),
    /// Not this user's to change, or not in a state that allows it.
    #[error("{0}")]
    NotAllowed(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn format_deadline(at: i64, tz: &str) -> String {
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    Timestamp::from_second(at).map_or_else(
        |_| at.to_string(),
        |t| {
            t.to_zoned_datetime(zone)
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        },
    )
}

/// True while the proposal's speakers may still change it.
pub fn can_edit(p: &Proposal, settings: &CfpSettings, now: Timestamp) -> bool {
    matches!(p.state, ProposalState::Draft | ProposalState::Submitted)
        && settings
            .deadline_of(&p.submission_type)
            .is_none_or(|d| now.as_second() < d)
}

/// Saves a proposal form: creates it (once per form token) or replaces an existing one's
/// fields; with `submit`, submits it. The CFP must be open (and the type's deadline not past)
/// to submit or to edit a submission; drafts can be saved any time before the CFP closes.
#[allow(clippy::too_many_arguments)]
pub async fn save_proposal(
    store: &dyn Store,
    conference: &Conference,
    user: UserId,
    email: &str,
    existing: Option<ProposalId>,
    form: &ProposalForm,
    submit: bool,
    form_token: &str,
    now: Timestamp,
) -> Result<ProposalId, CfpError> {
    let cfp = store.cfp();
    let settings = cfp.settings(conference.id).await?;
    let program = store.program(conference.id).await?;
    let tracks: Vec<TrackId> = program.tracks.iter().map(|t| t.id).collect();
    let current = match existing {
        Some(id) => {
            let p = cfp.proposal(id).await?;
            if p.conference != conference.id || !p.has_speaker(user) {
                return Err(CfpError::NotAllowed("This is not your proposal."));
            }
            if !can_edit(&p, &settings, now) {
                return Err(CfpError::Closed(
                    "This proposal can no longer be changed.".into(),
                ));
            }
            Some(p)
        }
        None => None,
    };
    let submitting = submit
        || current
            .as_ref()
            .is_some_and(|p| p.state == ProposalState::Submitted);
    if submitting {
        if !settings.is_open(now) {
            return Err(CfpError::Closed(match settings.opens_at {
                Some(o) if now.as_second() < o => format!(
                    "The call for proposals opens on {}: save a draft until then.",
                    format_deadline(o, &conference.timezone)
                ),
                None => "The call for proposals is not open: save a draft for now.".into(),
                _ => "The call for proposals is closed.".into(),
            }));
        }
        if let Some(d) = settings.deadline_of(&form.submission_type)
            && now.as_second() >= d
        {
            return Err(CfpError::Closed(format!(
                "Submissions of this type closed on {}.",
                format_deadline(d, &conference.timezone)
            )));
        }
    } else if settings.closes_at.is_some_and(|c| now.as_second() >= c) {
        return Err(CfpError::Closed("The call for proposals is closed.".into()));
    }
    let problems = form.problems(&settings, &tracks, submitting);
    if !problems.is_empty() {
        return Err(CfpError::Invalid(problems));
    }
    match current {
        Some(p) => {
            cfp.update_proposal(p.id, form, submit).await?;
            Ok(p.id)
        }
        None => {
            let (id, _) = cfp
                .create_proposal(&NewProposal {
                    conference: conference.id,
                    owner: user,
                    owner_email: email.to_owned(),
                    form: form.clone(),
                    submit,
                    form_token: form_token.to_owned(),
                })
                .await?;
            Ok(id)
        }
    }
}

/// A row of the organizers' ranking.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ranked {
    /// The proposal.
    pub proposal: ProposalHead,
    /// Mean weighted review score, 0–10 (None: no scored review yet).
    pub score: Option<f64>,
    /// Reviews with scores.
    pub reviews: usize,
    /// Abstentions.
    pub abstentions: usize,
    /// Positive votes.
    pub up: i64,
    /// Negative votes.
    pub down: i64,
    /// Review score and votes combined by the conference's community weight, 0–10.
    pub combined: f64,
}

/// The submitted (and decided) proposals ranked best first by combined score. Votes count as
/// net votes scaled so the most-voted proposal gets 10; `votes` are (proposal, up, down) as
/// the store counts them.
pub fn rank(
    proposals: Vec<ProposalHead>,
    reviews: &[Review],
    votes: &[(ProposalId, i64, i64)],
    settings: &CfpSettings,
) -> Vec<Ranked> {
    let mut scores: HashMap<ProposalId, (f64, usize, usize)> = HashMap::new();
    for r in reviews {
        let e = scores.entry(r.proposal).or_default();
        if r.abstain {
            e.2 += 1;
        } else if let Some(s) = settings.weighted_score(&r.scores) {
            e.0 += s;
            e.1 += 1;
        }
    }
    let tally: HashMap<ProposalId, (i64, i64)> =
        votes.iter().map(|&(p, up, down)| (p, (up, down))).collect();
    let best_net = tally.values().map(|(u, d)| u - d).max().unwrap_or(0).max(1);
    let w = settings.community_weight.clamp(0.0, 1.0);
    let mut out: Vec<Ranked> = proposals
        .into_iter()
        .filter(|p| p.state.is_public())
        .map(|p| {
            let (sum, n, abstentions) = scores.get(&p.id).copied().unwrap_or_default();
            let score = (n > 0).then(|| sum / n as f64);
            let (up, down) = tally.get(&p.id).copied().unwrap_or_default();
            let votes = 10.0 * ((up - down).max(0) as f64) / best_net as f64;
            let combined = (1.0 - w) * score.unwrap_or(0.0) + w * votes;
            Ranked {
                proposal: p,
                score,
                reviews: n,
                abstentions,
                up,
                down,
                combined,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.combined
            .total_cmp(&a.combined)
            .then(a.proposal.id.cmp(&b.proposal.id))
    });
    out
}

/// The reviewers' view of who may review what: teams by track and declared conflicts.
#[derive(Debug, Default)]
pub struct ReviewRules {
    teams: HashMap<UserId, HashSet<TrackId>>,
    conflicts: HashSet<(ProposalId, UserId)>,
}

impl ReviewRules {
    /// From the store's rows.
    pub fn new(teams: &[(UserId, TrackId)], conflicts: &[(ProposalId, UserId)]) -> ReviewRules {
        let mut by_user: HashMap<UserId, HashSet<TrackId>> = HashMap::new();
        for (u, t) in teams {
            by_user.entry(*u).or_default().insert(*t);
        }
        ReviewRules {
            teams: by_user,
            conflicts: conflicts.iter().copied().collect(),
        }
    }

    /// True when `user` may review `p`: it is submitted (or decided), in one of their team's
    /// tracks (a reviewer without a team reviews every track), they declared no conflict, and
    /// they are not one of its speakers.
    pub fn may_review(&self, user: UserId, p: &Proposal) -> bool {
        p.state.is_public()
            && !self.conflicts.contains(&(p.id, user))
            && !p.speakers.iter().any(|s| s.user == Some(user))
            && self
                .teams
                .get(&user)
                .is_none_or(|tracks| p.track.is_some_and(|t| tracks.contains(&t)))
    }

    /// True when `user` declared a conflict with `p`.
    pub fn conflicted(&self, user: UserId, p: ProposalId) -> bool {
        self.conflicts.contains(&(p, user))
    }
}

/// New assignments so that each submitted proposal has `per_proposal` reviewers where
/// eligible reviewers allow: proposals with the fewest reviewers first, each to the eligible
/// reviewers with the lightest load (ties by id, so the result is deterministic). Existing
/// assignments stay and count towards both.
pub fn assign_reviewers(
    proposals: &[Proposal],
    reviewers: &[UserId],
    rules: &ReviewRules,
    existing: &[(ProposalId, UserId)],
    per_proposal: usize,
) -> Vec<(ProposalId, UserId)> {
    let mut load: HashMap<UserId, usize> = reviewers.iter().map(|&r| (r, 0)).collect();
    let mut have: HashMap<ProposalId, HashSet<UserId>> = HashMap::new();
    for (p, u) in existing {
        have.entry(*p).or_default().insert(*u);
        if let Some(l) = load.get_mut(u) {
            *l += 1;
        }
    }
    let mut order: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| p.state == ProposalState::Submitted)
        .collect();
    order.sort_by_key(|p| (have.get(&p.id).map_or(0, HashSet::len), p.id));
    let mut out = Vec::new();
    for p in order {
        let assigned = have.entry(p.id).or_default();
        while assigned.len() < per_proposal {
            let pick = reviewers
                .iter()
                .filter(|&&r| !assigned.contains(&r) && rules.may_review(r, p))
                .min_by_key(|&&r| (load[&r], r));
            let Some(&r) = pick else { break };
            assigned.insert(r);
            *load.get_mut(&r).expect("every reviewer has a load") += 1;
            out.push((p.id, r));
        }
    }
    out
}

/// The proposal a reviewer should review next: among those they may review and have not,
/// their assigned ones first, then the one with the fewest reviews (oldest first on ties).
pub fn next_for_reviewer(
    user: UserId,
    proposals: &[Proposal],
    reviews: &[Review],
    assignments: &[(ProposalId, UserId)],
    rules: &ReviewRules,
) -> Option<ProposalId> {
    let mut count: HashMap<ProposalId, usize> = HashMap::new();
    let mut done: HashSet<ProposalId> = HashSet::new();
    for r in reviews {
        *count.entry(r.proposal).or_default() += 1;
        if r.reviewer == user {
            done.insert(r.proposal);
        }
    }
    let mine: HashSet<ProposalId> = assignments
        .iter()
        .filter(|(_, u)| *u == user)
        .map(|(p, _)| *p)
        .collect();
    proposals
        .iter()
        .filter(|p| {
            p.state == ProposalState::Submitted
                && !done.contains(&p.id)
                && rules.may_review(user, p)
        })
        .min_by_key(|p| {
            (
                !mine.contains(&p.id),
                count.get(&p.id).copied().unwrap_or(0),
                p.id,
            )
        })
        .map(|p| p.id)
}

/// The decision mails of `proposals` (those with a staged decision), one per confirmed speaker
/// with an address, held in the outbox for the organizer to read before sending.
pub fn decision_mails(
    conference: &Conference,
    settings: &CfpSettings,
    public_url: &str,
    proposals: &[&Proposal],
) -> Vec<NewMail> {
    let mut out = Vec::new();
    for p in proposals {
        let Some(decision) = p.pending else { continue };
        let template = match decision {
            Decision::Accepted => &settings.templates.accepted,
            Decision::Rejected => &settings.templates.rejected,
            Decision::Waitlisted => &settings.templates.waitlisted,
        };
        let confirm = crate::mail::link(
            public_url,
            &format!("/{}/speaker/proposals/{}", conference.slug, p.id),
        );
        for s in p.speakers.iter().filter(|s| s.confirmed) {
            let values = [
                ("speaker", s.name.as_str()),
                ("title", p.title.as_str()),
                ("conference", conference.name.as_str()),
                ("confirm_url", confirm.as_str()),
                ("proposal_url", confirm.as_str()),
            ];
            out.push(NewMail {
                conference: Some(conference.id),
                kind: format!("cfp.{}", decision.as_str()),
                to_address: s.email.clone(),
                to_name: s.name.clone(),
                subject: crate::mail::fill(&template.subject, &values),
                body_text: crate::mail::fill(&template.body, &values),
                attachments: Vec::new(),
                hold: true,
            });
        }
    }
    out
}

/// Releases every staged decision of the conference: states change and the decision mails go
/// into the outbox (held), in one transaction. Returns how many proposals were released.
pub async fn release_decisions(
    store: &dyn Store,
    conference: &Conference,
    public_url: &str,
) -> Result<usize, CfpError> {
    let cfp = store.cfp();
    let settings = cfp.settings(conference.id).await?;
    let proposals = cfp.proposals(conference.id).await?;
    let staged: Vec<&Proposal> = proposals.iter().filter(|p| p.pending.is_some()).collect();
    let decisions: Vec<(ProposalId, Decision)> = staged
        .iter()
        .filter_map(|p| p.pending.map(|d| (p.id, d)))
        .collect();
    let mails = decision_mails(conference, &settings, public_url, &staged);
    let released = cfp.release(conference.id, &decisions, &mails).await?;
    Ok(released.len())
}

/// The positive votes of each user as proposal ids (their wants before the program exists).
pub fn votes_by_user(votes: &[(ProposalId, UserId, i64)]) -> HashMap<UserId, Vec<ProposalId>> {
    let mut out: HashMap<UserId, Vec<ProposalId>> = HashMap::new();
    for (p, u, v) in votes {
        if *v > 0 {
            out.entry(*u).or_default().push(*p);
        }
    }
    out
}

/// A per-voter random but stable order of `items` (so "random order" voting shows each voter
/// their own order, the same on every visit): sorted by a hash of (voter, id).
pub fn shuffled_for<T>(items: &mut [T], voter: UserId, id: impl Fn(&T) -> i64) {
    fn mix(mut x: u64) -> u64 {
        // splitmix64's finalizer: good enough to spread ids, and stable across releases.
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }
    items.sort_by_key(|t| mix((voter.0 as u64).rotate_left(32) ^ id(t) as u64));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(id: i64, track: Option<i64>, speaker: i64) -> Proposal {
        Proposal {
            id: ProposalId(id),
            conference: ConferenceId(1),
            owner: UserId(speaker),
            title: format!("P{id}"),
            abstract_md: String::new(),
            description_md: String::new(),
            notes: String::new(),
            submission_type: "talk".into(),
            track: track.map(TrackId),
            level: "beginner".into(),
            language: "en".into(),
            answers: vec![],
            state: ProposalState::Submitted,
            pending: None,
            talk: None,
            speakers: vec![ProposalSpeaker {
                user: Some(UserId(speaker)),
                name: "S".into(),
                email: "s@example.org".into(),
                confirmed: true,
            }],
            created_at: 0,
            submitted_at: Some(0),
        }
    }

    #[test]
    fn assignment_balances_load_and_respects_teams_conflicts_and_speakers() {
        let proposals: Vec<Proposal> = (1..=6)
            .map(|i| proposal(i, Some(if i <= 3 { 1 } else { 2 }), 100 + i))
            .collect();
        let reviewers = [UserId(1), UserId(2), UserId(3), UserId(104)];
        // Reviewer 3 reviews track 2 only; reviewer 1 declared a conflict with proposal 1;
        // reviewer 104 is the speaker of proposal 4.
        let rules = ReviewRules::new(&[(UserId(3), TrackId(2))], &[(ProposalId(1), UserId(1))]);
        let got = assign_reviewers(&proposals, &reviewers, &rules, &[], 2);
        assert_eq!(got.len(), 12, "{got:?}");
        for (p, u) in &got {
            let prop = proposals.iter().find(|x| x.id == *p).unwrap();
            assert!(rules.may_review(*u, prop), "{p} to {u}");
        }
        let mut load: HashMap<UserId, usize> = HashMap::new();
        for (_, u) in &got {
            *load.entry(*u).or_default() += 1;
        }
        let (lo, hi) = (load.values().min().unwrap(), load.values().max().unwrap());
        assert!(hi - lo <= 1, "{load:?}");
        // Deterministic.
        assert_eq!(
            got,
            assign_reviewers(&proposals, &reviewers, &rules, &[], 2)
        );
    }

    #[test]
    fn next_proposal_is_assigned_first_then_least_reviewed() {
        let proposals: Vec<Proposal> = (1..=3).map(|i| proposal(i, None, 100 + i)).collect();
        let review = |p, u| Review {
            proposal: ProposalId(p),
            reviewer: UserId(u),
            scores: vec![],
            text: String::new(),
            abstain: true,
            updated_at: 0,
        };
        let reviews = [review(1, 7), review(1, 8), review(2, 8)];
        let rules = ReviewRules::default();
        assert_eq!(
            next_for_reviewer(UserId(9), &proposals, &reviews, &[], &rules),
            Some(ProposalId(3))
        );
        assert_eq!(
            next_for_reviewer(
                UserId(9),
                &proposals,
                &reviews,
                &[(ProposalId(1), UserId(9))],
                &rules
            ),
            Some(ProposalId(1))
        );
        assert_eq!(
            next_for_reviewer(UserId(8), &proposals, &reviews, &[], &rules),
            Some(ProposalId(3))
        );
    }

    #[test]
    fn ranking_combines_scores_and_votes() {
        let s = CfpSettings {
            community_weight: 0.5,
            ..CfpSettings::default()
        };
        let proposals = vec![
            ProposalHead::from(&proposal(1, None, 101)),
            ProposalHead::from(&proposal(2, None, 102)),
        ];
        let reviews = [Review {
            proposal: ProposalId(1),
            reviewer: UserId(5),
            scores: vec![("content".into(), 3), ("fit".into(), 3)],
            text: String::new(),
            abstain: false,
            updated_at: 0,
        }];
        let votes = [(ProposalId(2), 2, 0)];
        let ranked = rank(proposals, &reviews, &votes, &s);
        // Both 5.0: proposal 1 by its score (10 × 0.5), proposal 2 by its votes (10 × 0.5).
        assert_eq!(ranked[0].combined, 5.0);
        assert_eq!(ranked[1].combined, 5.0);
        assert_eq!(ranked[1].up, 2);
        assert_eq!(ranked[0].score, Some(10.0));
    }
}
