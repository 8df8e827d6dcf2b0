//! Reviewing and selecting proposals: a review saved under the phase's rules, conflicts of
//! interest, automatic reviewer assignment, reviewer track teams, staged decisions and the CFP
//! settings organizers save. The rules themselves (ranking, who may review what) live in
//! [`crate::cfp`]; this module applies them to writes. Nothing here renders.

use podium_domain::*;
use podium_store::Store;

use crate::cfp::{CfpError, ReviewRules, assign_reviewers};

/// What a reviewer typed into the review form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewForm {
    /// Category key → the value as sent (a number, or empty when nothing was chosen).
    pub scores: Vec<(String, String)>,
    /// The review text.
    pub text: String,
    /// Abstains (no scores needed).
    pub abstain: bool,
}

impl ReviewForm {
    /// The form filled in from a saved review.
    pub fn from_review(review: &Review) -> ReviewForm {
        ReviewForm {
            scores: review
                .scores
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            text: review.text.clone(),
            abstain: review.abstain,
        }
    }

    /// The chosen value text of a category ('' when none).
    pub fn score(&self, key: &str) -> &str {
        self.scores
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The review it makes, or what is wrong field by field (`score_<key>`, `text`): every
    /// category needs one of its values unless the reviewer abstains, and a text is needed
    /// when the settings require one (an abstention needs no text).
    pub fn parse(
        &self,
        settings: &CfpSettings,
        proposal: ProposalId,
        reviewer: UserId,
    ) -> Result<Review, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut scores = Vec::new();
        if !self.abstain {
            for cat in &settings.score_categories {
                let raw = self.score(&cat.key).trim();
                let value = raw
                    .parse::<i64>()
                    .ok()
                    .filter(|v| cat.values.iter().any(|x| x.value == *v));
                match value {
                    Some(v) => scores.push((cat.key.clone(), v)),
                    None => problems.push((
                        format!("score_{}", cat.key),
                        format!("Choose a score for “{}”, or abstain.", cat.name),
                    )),
                }
            }
            if settings.review_text_required && self.text.trim().is_empty() {
                problems.push((
                    "text".to_owned(),
                    "Write a few words: this conference asks for a review text.".to_owned(),
                ));
            }
        }
        if self.text.chars().count() > 10_000 {
            problems.push((
                "text".to_owned(),
                "Keep the review under 10,000 characters.".to_owned(),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Review {
            proposal,
            reviewer,
            scores,
            text: self.text.trim().to_owned(),
            abstain: self.abstain,
            updated_at: jiff::Timestamp::now().as_second(),
        })
    }
}

/// Why `user` may not review `p`, for a person; None when they may.
pub fn refusal(rules: &ReviewRules, user: UserId, p: &Proposal) -> Option<&'static str> {
    if rules.may_review(user, p) {
        None
    } else if !p.state.is_public() {
        Some("This proposal is not submitted, so it cannot be reviewed.")
    } else if rules.conflicted(user, p.id) {
        Some("You declared a conflict of interest with this proposal, so you do not review it.")
    } else if p.speakers.iter().any(|s| s.user == Some(user)) {
        Some("You are one of this proposal's speakers, so you do not review it.")
    } else {
        Some("This proposal is in a track outside your review team.")
    }
}

/// The proposal `id` when it belongs to `conference`; `NotFound` otherwise.
async fn proposal_of(
    store: &dyn Store,
    conference: ConferenceId,
    id: ProposalId,
) -> Result<Proposal, CfpError> {
    let p = store.cfp().proposal(id).await?;
    if p.conference != conference {
        return Err(podium_store::StoreError::NotFound("proposal").into());
    }
    Ok(p)
}

/// Why nobody may review in `phase`, for a person; None when they may.
pub fn phase_refusal(phase: &ReviewPhase) -> Option<String> {
    (!phase.can_review).then(|| {
        format!(
            "Reviewing is closed in the “{}” phase: reviews can be read, not written or changed.",
            phase.name
        )
    })
}

/// Saves `user`'s review of proposal `id` when the review phase current at `now` allows
/// reviewing (`Closed` otherwise) and they may review it (`NotAllowed`); `Invalid` with the
/// form's problems otherwise.
pub async fn save_review(
    store: &dyn Store,
    conference: ConferenceId,
    user: UserId,
    id: ProposalId,
    form: &ReviewForm,
    now: jiff::Timestamp,
) -> Result<(), CfpError> {
    let cfp = store.cfp();
    let settings = cfp.settings(conference).await?;
    if let Some(why) = phase_refusal(&settings.phase(now)) {
        return Err(CfpError::Closed(why));
    }
    let p = proposal_of(store, conference, id).await?;
    let rules = ReviewRules::new(
        &cfp.reviewer_tracks(conference).await?,
        &cfp.conflicts(conference).await?,
    );
    if let Some(why) = refusal(&rules, user, &p) {
        return Err(CfpError::NotAllowed(why));
    }
    let review = form.parse(&settings, id, user).map_err(CfpError::Invalid)?;
    cfp.save_review(&review).await?;
    Ok(())
}

/// Records that `user` has a conflict of interest with proposal `id`: they are no longer
/// assigned to it and cannot review it.
pub async fn declare_conflict(
    store: &dyn Store,
    conference: ConferenceId,
    user: UserId,
    id: ProposalId,
) -> Result<(), CfpError> {
    proposal_of(store, conference, id).await?;
    store.cfp().set_conflict(id, user, true).await?;
    Ok(())
}

/// Assigns the conference's reviewers (people with the reviewer role) so that each submitted
/// proposal has `reviewers_per_proposal` of them where teams, conflicts and speakers allow;
/// existing assignments stay. Returns how many assignments were made.
pub async fn assign(store: &dyn Store, conference: ConferenceId) -> Result<usize, CfpError> {
    let cfp = store.cfp();
    let settings = cfp.settings(conference).await?;
    let proposals = cfp.proposals(conference).await?;
    let reviewers: Vec<UserId> = cfp
        .people_with_role(conference, Role::Reviewer)
        .await?
        .into_iter()
        .map(|(u, _, _)| u)
        .collect();
    let rules = ReviewRules::new(
        &cfp.reviewer_tracks(conference).await?,
        &cfp.conflicts(conference).await?,
    );
    let existing = cfp.assignments(conference).await?;
    let per = usize::try_from(settings.reviewers_per_proposal).unwrap_or(0);
    let new = assign_reviewers(&proposals, &reviewers, &rules, &existing, per);
    cfp.add_assignments(&new).await?;
    Ok(new.len())
}

/// Sets the tracks a reviewer reviews (none: every track). `reviewer` must hold the reviewer
/// role in the conference.
pub async fn set_team(
    store: &dyn Store,
    conference: ConferenceId,
    reviewer: UserId,
    tracks: &[TrackId],
) -> Result<(), CfpError> {
    let cfp = store.cfp();
    let reviewers = cfp.people_with_role(conference, Role::Reviewer).await?;
    if !reviewers.iter().any(|(u, _, _)| *u == reviewer) {
        return Err(CfpError::NotAllowed(
            "Only reviewers of this conference have a review team.",
        ));
    }
    cfp.set_reviewer_tracks(conference, reviewer, tracks)
        .await?;
    Ok(())
}

/// Stages `decision` (None: clears it) on the listed proposals; speakers see nothing until the
/// decisions are released. Returns how many changed.
pub async fn stage(
    store: &dyn Store,
    conference: ConferenceId,
    ids: &[ProposalId],
    decision: Option<Decision>,
) -> Result<u64, CfpError> {
    Ok(store.cfp().stage(conference, ids, decision).await?)
}

/// Saves the CFP settings when they pass [`CfpSettings::problems`]; `Invalid` with the problems
/// (by field) otherwise, saving nothing.
pub async fn save_settings(
    store: &dyn Store,
    conference: ConferenceId,
    settings: &CfpSettings,
) -> Result<(), CfpError> {
    let problems = settings.problems();
    if !problems.is_empty() {
        return Err(CfpError::Invalid(
            problems
                .into_iter()
                .map(|(f, m)| (f.to_owned(), m))
                .collect(),
        ));
    }
    store.cfp().save_settings(conference, settings).await?;
    Ok(())
}

/// Starts the review phase named `name` now ([`CfpSettings::start_phase`]) and saves the
/// settings; `NotFound` when the conference has no phase of that name.
pub async fn start_phase(
    store: &dyn Store,
    conference: ConferenceId,
    name: &str,
    now: jiff::Timestamp,
) -> Result<(), CfpError> {
    let mut settings = store.cfp().settings(conference).await?;
    if !settings.start_phase(name, now.as_second()) {
        return Err(podium_store::StoreError::NotFound("review phase").into());
    }
    save_settings(store, conference, &settings).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_needs_every_score_unless_abstaining() {
        let settings = CfpSettings {
            review_text_required: true,
            ..CfpSettings::default()
        };
        let form = ReviewForm {
            scores: vec![("content".into(), "2".into()), ("fit".into(), "9".into())],
            text: String::new(),
            abstain: false,
        };
        let fields: Vec<String> = form
            .parse(&settings, ProposalId(1), UserId(2))
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["score_fit", "text"]);
        let abstain = ReviewForm {
            abstain: true,
            ..form
        };
        let review = abstain.parse(&settings, ProposalId(1), UserId(2)).unwrap();
        assert!(review.abstain);
        assert_eq!(review.scores, Vec::<(String, i64)>::new());
    }
}
