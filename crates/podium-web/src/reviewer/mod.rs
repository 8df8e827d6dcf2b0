//! Reviewer pages: the proposals a reviewer may review with their progress, "review the next
//! one", and the review page (the proposal, the score form, a declared conflict of interest,
//! other reviews as the phase allows). Open to the conference's reviewers and organizers.
//!
//! The rules come from the review phase current at the clock's "now"
//! ([`CfpSettings::phase`]): whether reviews may be written, when others' reviews show, and
//! blind review. In a blind phase nothing about the speakers (name, email, bio, their answers)
//! reaches these pages, not even in attributes; staged decisions never do. Every page reads
//! whole-conference lists once (no store call per proposal).

use std::collections::{HashMap, HashSet};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use podium_app::cfp::{CfpError, ReviewRules, next_for_reviewer};
use podium_app::review::{ReviewForm, phase_refusal, refusal};
use podium_domain::*;
use podium_store::Login;
use serde::Deserialize;

use crate::auth::{check_form_token, current_login};
use crate::public::render;
use crate::{AppError, AppState};

/// Reviewer routes.
pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/review", get(list_proposals))
        .route("/{slug}/review/next", get(next_proposal))
        .route("/{slug}/review/{id}", get(show_proposal).post(save_review))
        .route("/{slug}/review/{id}/conflict", post(declare_conflict))
}

/// Who is reviewing: the conference, the login, and whether they organize it (organizers see
/// reviewers' names and every review).
pub(crate) struct Reviewer {
    conference: Conference,
    login: Login,
    organizer: bool,
}

/// The logged-in reviewer or organizer of the conference `slug`; others are refused.
pub(crate) async fn reviewer(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<Reviewer, AppError> {
    let conference = state.store.conference_by_slug(slug).await?;
    let login = current_login(state, headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    let roles = state.store.roles(login.user, conference.id).await?;
    let organizer = roles.contains(&Role::Organizer);
    if !organizer && !roles.contains(&Role::Reviewer) {
        return Err(AppError::Forbidden(
            "Only reviewers and organizers of this conference can open this page.",
        ));
    }
    Ok(Reviewer {
        conference,
        login,
        organizer,
    })
}

/// A CFP use case's refusal as a response (form problems are handled by the caller).
pub(crate) fn refused(e: CfpError) -> AppError {
    match e {
        CfpError::NotAllowed(why) => AppError::Forbidden(why),
        CfpError::Closed(why) => AppError::Invalid(why),
        CfpError::Invalid(problems) => AppError::Invalid(
            problems
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        CfpError::Store(e) => e.into(),
    }
}

/// The conference as these pages show it.
pub(crate) fn conf_ctx(c: &Conference) -> Value {
    context! { name => &c.name, slug => c.slug.as_str(), timezone => &c.timezone }
}

/// Pages with private data are never cached.
pub(crate) fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A proposal id from the URL; anything else is not found.
fn proposal_id(raw: &str) -> Result<ProposalId, AppError> {
    raw.parse().map(ProposalId).map_err(|_| AppError::NotFound)
}

/// The submission type's shown name (its key if the type is gone).
pub(crate) fn type_name(settings: &CfpSettings, key: &str) -> String {
    settings
        .submission_type(key)
        .map_or_else(|| key.to_owned(), |t| t.name.clone())
}

/// Track id → name.
pub(crate) fn track_names(program: &Program) -> HashMap<TrackId, String> {
    program
        .tracks
        .iter()
        .map(|t| (t.id, t.name.clone()))
        .collect()
}

#[derive(Deserialize, Default)]
struct Notice {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    conflict: Option<String>,
}

impl Notice {
    fn text(&self) -> Option<&'static str> {
        if self.conflict.is_some() {
            Some("Conflict of interest declared: that proposal is no longer yours to review.")
        } else if self.done.is_some() && self.saved.is_some() {
            Some("Review saved. Nothing is left to review: thank you!")
        } else if self.done.is_some() {
            Some("Nothing is left to review: you have reviewed every proposal you may review.")
        } else if self.saved.is_some() {
            Some("Review saved. Here is the next proposal.")
        } else {
            None
        }
    }
}

/// The proposals the reviewer may review, with their own status and progress.
async fn list_proposals(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(notice): Query<Notice>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let who = reviewer(&state, &headers, &slug).await?;
    let (c, user) = (&who.conference, who.login.user);
    let cfp = state.store.cfp();
    let settings = cfp.settings(c.id).await?;
    let now = (state.config.clock)();
    let proposals = cfp.proposals(c.id).await?;
    let reviews = cfp.reviews(c.id).await?;
    let assignments = cfp.assignments(c.id).await?;
    let rules = ReviewRules::new(
        &cfp.reviewer_tracks(c.id).await?,
        &cfp.conflicts(c.id).await?,
    );
    let tracks = track_names(&*state.store.program_by_slug(c.slug.as_str()).await?);
    let mine: HashMap<ProposalId, &Review> = reviews
        .iter()
        .filter(|r| r.reviewer == user)
        .map(|r| (r.proposal, r))
        .collect();
    let assigned: HashSet<ProposalId> = assignments
        .iter()
        .filter(|(_, u)| *u == user)
        .map(|(p, _)| *p)
        .collect();
    // Done last; among the rest, assigned first.
    let mut rows: Vec<(u8, &Proposal)> = proposals
        .iter()
        .filter(|p| rules.may_review(user, p))
        .map(|p| {
            let order = match (mine.get(&p.id), assigned.contains(&p.id)) {
                (None, true) => 0,
                (None, false) => 1,
                (Some(_), _) => 2,
            };
            (order, p)
        })
        .collect();
    rows.sort_by_key(|(order, p)| (*order, p.id));
    let reviewed = rows.iter().filter(|(o, _)| *o == 2).count();
    let assigned_open = rows.iter().filter(|(o, _)| *o == 0).count();
    let total = rows.len();
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(_, p)| {
            let status = match mine.get(&p.id) {
                Some(r) if r.abstain => "abstained",
                Some(_) => "reviewed",
                None if assigned.contains(&p.id) => "assigned",
                None => "not yet",
            };
            context! {
                id => p.id.0,
                title => &p.title,
                kind => type_name(&settings, &p.submission_type),
                track => p.track.and_then(|t| tracks.get(&t)).cloned(),
                level => &p.level,
                status,
            }
        })
        .collect();
    let r = render(
        &state,
        "review_list.html",
        context! {
            conf => conf_ctx(c),
            rows,
            total,
            reviewed,
            assigned_open,
            phase => phase_ctx(&settings, now, &c.tz()),
            review_open => settings.phase(now).can_review,
            organizer => who.organizer,
            notice => notice.text(),
        },
    )?;
    Ok(no_store(r))
}

/// The proposal this reviewer should review next ([`next_for_reviewer`]).
async fn next_id(
    state: &AppState,
    conference: ConferenceId,
    user: UserId,
) -> Result<Option<ProposalId>, AppError> {
    let cfp = state.store.cfp();
    let proposals = cfp.proposals(conference).await?;
    let reviews = cfp.reviews(conference).await?;
    let assignments = cfp.assignments(conference).await?;
    let rules = ReviewRules::new(
        &cfp.reviewer_tracks(conference).await?,
        &cfp.conflicts(conference).await?,
    );
    Ok(next_for_reviewer(
        user,
        &proposals,
        &reviews,
        &assignments,
        &rules,
    ))
}

async fn next_proposal(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let who = reviewer(&state, &headers, &slug).await?;
    let to = match next_id(&state, who.conference.id, who.login.user).await? {
        Some(id) => format!("/{slug}/review/{id}"),
        None => format!("/{slug}/review?done=1"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// "Content: good (2)" lines of a review.
fn score_lines(settings: &CfpSettings, r: &Review) -> Vec<String> {
    settings
        .score_categories
        .iter()
        .filter_map(|cat| {
            let (_, v) = r.scores.iter().find(|(k, _)| *k == cat.key)?;
            let label = cat
                .values
                .iter()
                .find(|x| x.value == *v)
                .map_or("", |x| x.label.as_str());
            Some(format!("{}: {label} ({v})", cat.name))
        })
        .collect()
}

/// The current review phase as the reviewer pages show it: its name and place in the list,
/// what it allows in words, and the next phase when it has a start to come.
fn phase_ctx(settings: &CfpSettings, now: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> Value {
    let phase = settings.phase(now);
    let others = match phase.see_others {
        SeeOthers::Always => "you see the other reviews",
        SeeOthers::AfterOwn => "you see the other reviews of a proposal once you have reviewed it",
        SeeOthers::Never => "you do not see other reviews",
    };
    let review = if phase.can_review {
        "you may write and change reviews"
    } else {
        "reviews are read-only"
    };
    let speakers = if phase.blind {
        "speakers are not shown (blind review)"
    } else {
        "speakers' names and bios are shown"
    };
    let next = settings.next_phase(now).map(|p| {
        let at = p
            .starts_at
            .and_then(|t| jiff::Timestamp::from_second(t).ok())
            .map(|t| time::local(t, tz).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        context! { name => &p.name, at }
    });
    context! {
        name => &phase.name,
        number => settings.phase_index(now) + 1,
        count => settings.review_phases.len(),
        rules => format!("{review}, {others}, {speakers}."),
        closed => phase_refusal(&phase),
        next,
    }
}

/// A score out of 10 with one decimal.
pub(crate) fn score_text(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"))
}

/// A review form that was not saved: with its problems (shown with status 422), or refused
/// because the phase allows no reviewing (403; what was typed is shown to keep).
enum Unsaved {
    Invalid(ReviewForm, Vec<(String, String)>),
    Closed(ReviewForm, String),
}

/// The review page, with a form that was not saved if any.
async fn page(
    state: &AppState,
    who: &Reviewer,
    raw_id: &str,
    unsaved: Option<Unsaved>,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let (c, user) = (&who.conference, who.login.user);
    let id = proposal_id(raw_id)?;
    let cfp = state.store.cfp();
    let settings = cfp.settings(c.id).await?;
    let now = (state.config.clock)();
    let phase = settings.phase(now);
    let p = cfp.proposal(id).await?;
    if p.conference != c.id || !p.state.is_public() {
        return Err(AppError::NotFound);
    }
    let rules = ReviewRules::new(
        &cfp.reviewer_tracks(c.id).await?,
        &cfp.conflicts(c.id).await?,
    );
    if let Some(why) = refusal(&rules, user, &p) {
        return Err(AppError::Forbidden(why));
    }
    let program = state.store.program_by_slug(c.slug.as_str()).await?;
    let reviews: Vec<Review> = cfp
        .reviews(c.id)
        .await?
        .into_iter()
        .filter(|r| r.proposal == id)
        .collect();
    let own = reviews.iter().find(|r| r.reviewer == user);

    // Speakers only when the phase is not blind: nothing of them is even loaded otherwise.
    let mut speakers = Vec::new();
    if !phase.blind {
        let speaker_questions: HashMap<&str, &str> = settings
            .questions
            .iter()
            .filter(|q| q.scope == QuestionScope::Speaker)
            .map(|q| (q.key.as_str(), q.label.as_str()))
            .collect();
        // One read per speaker of this one proposal (a handful), not per proposal.
        for s in p.speakers.iter().filter(|s| s.confirmed) {
            let profile = match s.user {
                Some(u) => cfp.profile(u, c.id).await?,
                None => None,
            };
            let (bio, answers) = profile.map_or_else(Default::default, |pr| {
                let answers: Vec<(String, String)> = pr
                    .answers
                    .iter()
                    .filter_map(|(k, a)| {
                        speaker_questions
                            .get(k.as_str())
                            .map(|label| ((*label).to_owned(), a.clone()))
                    })
                    .collect();
                (pr.bio_md, answers)
            });
            speakers.push(context! {
                name => &s.name,
                bio_html => Value::from_safe_string(crate::render::markdown(&bio)),
                answers,
            });
        }
    }

    let questions: HashMap<&str, &str> = settings
        .questions
        .iter()
        .filter(|q| q.scope == QuestionScope::Proposal)
        .map(|q| (q.key.as_str(), q.label.as_str()))
        .collect();
    let answers: Vec<(String, String)> = p
        .answers
        .iter()
        .filter(|(_, a)| !a.trim().is_empty())
        .map(|(k, a)| {
            (
                questions
                    .get(k.as_str())
                    .map_or(k.as_str(), |l| l)
                    .to_owned(),
                a.clone(),
            )
        })
        .collect();

    // Other reviews: organizers always see them, with names; reviewers as the phase allows,
    // numbered.
    let show_others = who.organizer
        || match phase.see_others {
            SeeOthers::Always => true,
            SeeOthers::AfterOwn => own.is_some(),
            SeeOthers::Never => false,
        };
    let others_hidden = if show_others {
        None
    } else if phase.see_others == SeeOthers::AfterOwn {
        Some("You will see the other reviews of this proposal once you have reviewed it yourself.")
    } else {
        Some("Reviewers do not see each other's reviews in this phase.")
    };
    let names: HashMap<UserId, String> = if who.organizer {
        state
            .store
            .team(c.id)
            .await?
            .into_iter()
            .map(|m| (m.user, m.name))
            .collect()
    } else {
        HashMap::new()
    };
    let others: Vec<Value> = if show_others {
        reviews
            .iter()
            .filter(|r| r.reviewer != user)
            .enumerate()
            .map(|(n, r)| {
                let who_wrote = if who.organizer {
                    names
                        .get(&r.reviewer)
                        .cloned()
                        .unwrap_or_else(|| format!("Reviewer {}", n + 1))
                } else {
                    format!("Reviewer {}", n + 1)
                };
                context! {
                    who => who_wrote,
                    abstain => r.abstain,
                    score => score_text(settings.weighted_score(&r.scores).filter(|_| !r.abstain)),
                    lines => score_lines(&settings, r),
                    text => &r.text,
                }
            })
            .collect()
    } else {
        Vec::new()
    };

    let (status, form, problems, not_saved) = match unsaved {
        Some(Unsaved::Invalid(f, p)) => (StatusCode::UNPROCESSABLE_ENTITY, f, p, None),
        Some(Unsaved::Closed(f, why)) => (StatusCode::FORBIDDEN, f, Vec::new(), Some(why)),
        None => (
            StatusCode::OK,
            own.map(ReviewForm::from_review).unwrap_or_default(),
            Vec::new(),
            None,
        ),
    };
    let mut errors: HashMap<String, String> = HashMap::new();
    for (field, message) in problems {
        errors
            .entry(field)
            .and_modify(|m| {
                m.push(' ');
                m.push_str(&message);
            })
            .or_insert(message);
    }
    let categories: Vec<Value> = settings
        .score_categories
        .iter()
        .map(|cat| {
            let chosen = form.score(&cat.key);
            let field = format!("score_{}", cat.key);
            context! {
                key => &cat.key,
                name => &cat.name,
                weight => format!("{}", cat.weight),
                field => &field,
                error => errors.get(&field),
                values => cat.values.iter().map(|v| context! {
                    value => v.value,
                    label => &v.label,
                    checked => chosen == v.value.to_string(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();

    let tracks = track_names(&program);
    let mut r = render(
        state,
        "review_proposal.html",
        context! {
            conf => conf_ctx(c),
            csrf => &who.login.csrf_token,
            notice,
            organizer => who.organizer,
            proposal => context! {
                id => p.id.0,
                title => &p.title,
                kind => type_name(&settings, &p.submission_type),
                track => p.track.and_then(|t| tracks.get(&t)).cloned(),
                level => &p.level,
                language => &p.language,
                abstract_html => Value::from_safe_string(crate::render::markdown(&p.abstract_md)),
                description_html => Value::from_safe_string(crate::render::markdown(&p.description_md)),
                notes => if who.organizer { p.notes.as_str() } else { "" },
                answers,
            },
            blind => phase.blind,
            speakers,
            phase => phase_ctx(&settings, now, &c.tz()),
            review_open => phase.can_review,
            not_saved,
            reviewed => own.is_some(),
            categories,
            text => &form.text,
            text_error => errors.get("text"),
            text_required => settings.review_text_required,
            abstain => form.abstain,
            others,
            others_hidden,
        },
    )?;
    *r.status_mut() = status;
    Ok(no_store(r))
}

async fn show_proposal(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    Query(notice): Query<Notice>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let who = reviewer(&state, &headers, &slug).await?;
    page(&state, &who, &raw, None, notice.text()).await
}

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn save_review(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let who = reviewer(&state, &headers, &slug).await?;
    check_form_token(&who.login.csrf_token, field(&fields, "csrf"))?;
    let id = proposal_id(&raw)?;
    let form = ReviewForm {
        scores: fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("score_")?.to_owned(), v.clone())))
            .collect(),
        text: field(&fields, "text").to_owned(),
        abstain: fields.iter().any(|(k, _)| k == "abstain"),
    };
    let (c, user) = (who.conference.id, who.login.user);
    let now = (state.config.clock)();
    match podium_app::review::save_review(&*state.store, c, user, id, &form, now).await {
        Ok(()) => {}
        Err(CfpError::Invalid(problems)) => {
            let unsaved = Unsaved::Invalid(form, problems);
            return page(&state, &who, &raw, Some(unsaved), None).await;
        }
        Err(CfpError::Closed(why)) => {
            let unsaved = Unsaved::Closed(form, why);
            return page(&state, &who, &raw, Some(unsaved), None).await;
        }
        Err(e) => return Err(refused(e)),
    }
    tracing::info!(conference.slug = %slug, proposal.id = %id, "review saved");
    let to = match next_id(&state, c, user).await? {
        Some(next) => format!("/{slug}/review/{next}?saved=1"),
        None => format!("/{slug}/review?saved=1&done=1"),
    };
    Ok(Redirect::to(&to).into_response())
}

async fn declare_conflict(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let who = reviewer(&state, &headers, &slug).await?;
    check_form_token(&who.login.csrf_token, field(&fields, "csrf"))?;
    let id = proposal_id(&raw)?;
    podium_app::review::declare_conflict(&*state.store, who.conference.id, who.login.user, id)
        .await
        .map_err(refused)?;
    tracing::info!(conference.slug = %slug, proposal.id = %id, "conflict of interest declared");
    Ok(Redirect::to(&format!("/{slug}/review?conflict=1")).into_response())
}
