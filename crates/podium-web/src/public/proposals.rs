//! The community side of the call for proposals (Funnel's, with its lessons): the public list
//! of proposals, filterable and searchable; one proposal with threaded Markdown comments;
//! votes — "I want to see this" by default, optionally ±1, blind (no counts until voting
//! closes), in each voter's own random order, or for attendees only. A user's positive votes
//! are their wants for the scheduler.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use podium_domain::*;
use podium_store::{Login, NewMail};
use serde::Deserialize;

use super::{render, ser};
use crate::auth::{check_form_token, current_login};
use crate::{AppError, AppState};

/// Routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/proposals", get(list))
        .route("/{slug}/proposals/{id}", get(page))
        .route("/{slug}/proposals/{id}/vote", post(vote))
        .route("/{slug}/proposals/{id}/comments", post(comment))
        .route(
            "/{slug}/proposals/{id}/comments/{cid}",
            post(change_comment),
        )
}

/// The states in which the community sees a proposal (no drafts, withdrawals, rejections).
fn listed(p: &Proposal) -> bool {
    matches!(
        p.state,
        ProposalState::Submitted
            | ProposalState::Accepted
            | ProposalState::Waitlisted
            | ProposalState::Confirmed
    )
}

/// Who is looking, and what they may do.
struct Viewer {
    login: Option<Login>,
    roles: Vec<Role>,
}

impl Viewer {
    async fn of(
        state: &AppState,
        headers: &HeaderMap,
        conference: &Conference,
    ) -> Result<Viewer, AppError> {
        let login = current_login(state, headers).await?;
        let roles = match &login {
            Some(l) => state.store.roles(l.user, conference.id).await?,
            None => Vec::new(),
        };
        Ok(Viewer { login, roles })
    }

    fn user(&self) -> Option<UserId> {
        self.login.as_ref().map(|l| l.user)
    }

    fn organizer(&self) -> bool {
        self.roles.contains(&Role::Organizer)
    }

    fn team(&self, p: &Proposal) -> bool {
        self.organizer()
            || self.roles.contains(&Role::Reviewer)
            || self.user().is_some_and(|u| p.has_speaker(u))
    }

    fn may_read_comments(&self, s: &CfpSettings, p: &Proposal) -> bool {
        match s.comments {
            CommentVisibility::Public => true,
            CommentVisibility::Team => self.team(p),
            CommentVisibility::Off => false,
        }
    }

    /// Why this viewer may not vote now, if they may not.
    fn vote_refusal(
        &self,
        s: &CfpSettings,
        p: &Proposal,
        now: jiff::Timestamp,
    ) -> Option<&'static str> {
        let user = self.user()?;
        if !s.voting_open(now) {
            Some("Voting is closed.")
        } else if p.has_speaker(user) {
            Some("You cannot vote for your own proposal.")
        } else if s.attendees_only && !self.roles.contains(&Role::Attendee) {
            Some("Only registered attendees can vote.")
        } else if p.state != ProposalState::Submitted {
            Some("Decisions on this proposal are made.")
        } else {
            None
        }
    }
}

/// Vote counts a viewer may see: (up, down) per proposal, or None while blind.
fn counts(
    s: &CfpSettings,
    votes: &[(ProposalId, i64, i64)],
    now: jiff::Timestamp,
) -> Option<HashMap<ProposalId, (i64, i64)>> {
    if s.voting == VotingMode::Off || (s.blind_votes && s.voting_open(now)) {
        return None;
    }
    Some(votes.iter().map(|&(p, up, down)| (p, (up, down))).collect())
}

/// The speakers' names, or none while the review phase at `now` is blind (names appear
/// nowhere a reviewer could look, these public pages included).
fn speaker_names(s: &CfpSettings, p: &Proposal, now: jiff::Timestamp) -> Vec<String> {
    if s.phase(now).blind {
        return Vec::new();
    }
    p.speakers
        .iter()
        .filter(|s| s.confirmed)
        .map(|s| s.name.clone())
        .collect()
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    track: String,
    #[serde(default)]
    level: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
}

/// Proposals per page of the public list (FOSDEM gets 1,900 proposals: one page of them all
/// would weigh megabytes).
const PER_PAGE: usize = 50;

async fn list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Result<Response, AppError> {
    let conference = state.store.conference_by_slug(&slug).await?;
    let viewer = Viewer::of(&state, &headers, &conference).await?;
    let cfp = state.store.cfp();
    let settings = cfp.settings(conference.id).await?;
    let program = state
        .store
        .program_by_slug(conference.slug.as_str())
        .await?;
    let now = (state.config.clock)();
    let shown = counts(&settings, &cfp.vote_counts(conference.id).await?, now);
    let mine: HashMap<ProposalId, i64> = match viewer.user() {
        Some(u) => cfp.votes_of(conference.id, u).await?.into_iter().collect(),
        None => HashMap::new(),
    };
    let q = filter.q.trim().to_lowercase();
    let track: Option<i64> = filter.track.parse().ok();
    let mut proposals: Vec<Proposal> = cfp
        .proposals(conference.id)
        .await?
        .into_iter()
        .filter(listed)
        .filter(|p| track.is_none_or(|t| p.track == Some(TrackId(t))))
        .filter(|p| filter.level.is_empty() || p.level == filter.level)
        .filter(|p| filter.kind.is_empty() || p.submission_type == filter.kind)
        .filter(|p| {
            q.is_empty()
                || p.title.to_lowercase().contains(&q)
                || p.abstract_md.to_lowercase().contains(&q)
        })
        .collect();
    match (settings.random_order, viewer.user()) {
        (true, Some(u)) => podium_app::cfp::shuffled_for(&mut proposals, u, |p| p.id.0),
        _ => proposals.reverse(),
    }
    let total = proposals.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = filter.page.unwrap_or(1).clamp(1, pages);
    let proposals: Vec<Proposal> = proposals
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let track_name = |t: Option<TrackId>| t.and_then(|t| program.track(t)).map(|t| t.name.clone());
    let rows: Vec<Value> = proposals
        .iter()
        .map(|p| {
            let (up, down) = shown
                .as_ref()
                .map(|c| c.get(&p.id).copied().unwrap_or_default())
                .unwrap_or_default();
            context! {
                id => p.id.0,
                title => &p.title,
                abstract_html => Value::from_safe_string(crate::render::markdown(&p.abstract_md)),
                speakers => speaker_names(&settings, p, now),
                track => track_name(p.track),
                level => &p.level,
                kind => settings.submission_type(&p.submission_type).map(|t| t.name.clone()),
                up, down,
                mine => mine.get(&p.id).copied().unwrap_or(0),
                can_vote => viewer.login.is_some() && viewer.vote_refusal(&settings, p, now).is_none(),
                confirmed => p.state == ProposalState::Confirmed,
            }
        })
        .collect();
    let tracks: Vec<Value> = program
        .tracks
        .iter()
        .map(|t| context! { id => t.id.0, name => &t.name })
        .collect();
    let mut r = render(
        &state,
        "proposals.html",
        context! {
            conf => context! { name => &conference.name, slug => conference.slug.as_str(), timezone => &conference.timezone },
            proposals => rows,
            counts_shown => shown.is_some(),
            voting => ser(settings.voting),
            csrf => viewer.login.as_ref().map(|l| l.csrf_token.clone()),
            logged_in => viewer.login.is_some(),
            filter => context! { track, level => &filter.level, kind => &filter.kind, q => &filter.q },
            tracks,
            levels => &settings.levels,
            types => ser(&settings.submission_types),
            random => settings.random_order && viewer.login.is_some(),
            total,
            page,
            pages,
            first => (page - 1) * PER_PAGE + 1,
            query => {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in [("q", filter.q.as_str()), ("track", filter.track.as_str()), ("level", filter.level.as_str()), ("type", filter.kind.as_str())] {
                    if !v.is_empty() {
                        q.append_pair(k, v);
                    }
                }
                q.finish()
            },
        },
    )?;
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-cache"),
    );
    Ok(r)
}

async fn load(
    state: &AppState,
    slug: &str,
    id: &str,
) -> Result<(Conference, CfpSettings, Proposal), AppError> {
    let conference = state.store.conference_by_slug(slug).await?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.cfp().proposal(ProposalId(id)).await?;
    if p.conference != conference.id || !listed(&p) {
        return Err(AppError::NotFound);
    }
    let settings = state.store.cfp().settings(conference.id).await?;
    Ok((conference, settings, p))
}

/// Comments in thread order with their depth (replies under their parent, capped at 6 levels
/// of indentation); hidden and spam comments only for organizers.
fn threaded(comments: Vec<Comment>, organizer: bool) -> Vec<(Comment, usize)> {
    let mut children: HashMap<Option<i64>, Vec<Comment>> = HashMap::new();
    for c in comments {
        if (c.hidden || c.spam) && !organizer {
            continue;
        }
        children.entry(c.parent).or_default().push(c);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(Comment, usize)> = children
        .remove(&None)
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|c| (c, 0))
        .collect();
    while let Some((c, depth)) = stack.pop() {
        if let Some(kids) = children.remove(&Some(c.id)) {
            stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
        }
        out.push((c, depth.min(6)));
    }
    // Replies to hidden comments still show, at the top level.
    let mut orphans: Vec<Comment> = children.into_values().flatten().collect();
    orphans.sort_by_key(|c| c.id);
    out.extend(orphans.into_iter().map(|c| (c, 0)));
    out
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    error: String,
}

async fn page(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let (conference, settings, p) = load(&state, &slug, &id).await?;
    let viewer = Viewer::of(&state, &headers, &conference).await?;
    let cfp = state.store.cfp();
    let now = (state.config.clock)();
    let shown = counts(&settings, &cfp.vote_counts(conference.id).await?, now);
    let (up, down) = shown
        .as_ref()
        .map(|c| c.get(&p.id).copied().unwrap_or_default())
        .unwrap_or_default();
    let mine = match viewer.user() {
        Some(u) => cfp
            .votes_of(conference.id, u)
            .await?
            .into_iter()
            .find(|(pid, _)| *pid == p.id)
            .map(|(_, value)| value),
        None => None,
    };
    let readable = viewer.may_read_comments(&settings, &p);
    // A speaker answering comments on their own proposal would name themselves in a blind
    // phase: they sign as the proposal's speaker instead.
    let blind = settings.phase(now).blind;
    let comments: Vec<Value> = if readable {
        threaded(cfp.comments(p.id).await?, viewer.organizer())
            .into_iter()
            .map(|(c, depth)| {
                context! {
                    id => c.id,
                    author => if blind && p.has_speaker(c.user) { "A speaker of this proposal" } else { c.author.as_str() },
                    depth,
                    html => Value::from_safe_string(crate::render::markdown(&c.body_md)),
                    body => &c.body_md,
                    deleted => c.deleted,
                    hidden => c.hidden,
                    spam => c.spam,
                    edited => c.edited_at.is_some(),
                    own => viewer.user() == Some(c.user) && !c.deleted,
                    when => jiff::Timestamp::from_second(c.created_at)
                        .map(|t| time::local(t, &conference.tz()).strftime("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let program = state
        .store
        .program_by_slug(conference.slug.as_str())
        .await?;
    let error = match query.error.as_str() {
        "empty" => Some("Write something before sending a comment."),
        "long" => Some("Keep comments under 5,000 characters."),
        _ => None,
    };
    let mut r = render(
        &state,
        "proposal.html",
        context! {
            conf => context! { name => &conference.name, slug => conference.slug.as_str(), timezone => &conference.timezone },
            p => context! {
                id => p.id.0,
                title => &p.title,
                abstract_html => Value::from_safe_string(crate::render::markdown(&p.abstract_md)),
                speakers => speaker_names(&settings, &p, now),
                track => p.track.and_then(|t| program.track(t)).map(|t| t.name.clone()),
                level => &p.level,
                kind => settings.submission_type(&p.submission_type).map(|t| t.name.clone()),
                confirmed => p.state == ProposalState::Confirmed,
            },
            up, down,
            counts_shown => shown.is_some(),
            voting => ser(settings.voting),
            mine => mine.unwrap_or(0),
            vote_refusal => if viewer.login.is_some() { viewer.vote_refusal(&settings, &p, now) } else { None },
            logged_in => viewer.login.is_some(),
            csrf => viewer.login.as_ref().map(|l| l.csrf_token.clone()),
            comments_readable => readable,
            may_comment => readable && viewer.login.is_some() && settings.comments != CommentVisibility::Off,
            comments,
            organizer => viewer.organizer(),
            error,
        },
    )?;
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-cache"),
    );
    Ok(r)
}

#[derive(Deserialize)]
struct VoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    value: i64,
    #[serde(default)]
    back: String,
}

async fn vote(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<VoteForm>,
) -> Result<Response, AppError> {
    let (conference, settings, p) = load(&state, &slug, &id).await?;
    let viewer = Viewer::of(&state, &headers, &conference).await?;
    let login = viewer.login.as_ref().ok_or(AppError::LoginRequired)?;
    check_form_token(&login.csrf_token, &form.csrf)?;
    if let Some(why) = viewer.vote_refusal(&settings, &p, (state.config.clock)()) {
        return Err(AppError::Forbidden(why));
    }
    let value = match (settings.voting, form.value) {
        (_, 0) => None,
        (VotingMode::Positive, 1) | (VotingMode::Updown, 1 | -1) => Some(form.value),
        _ => return Err(AppError::Invalid("That vote is not offered here.".into())),
    };
    state.store.cfp().vote(p.id, login.user, value).await?;
    let back = if form.back.starts_with(&format!("/{slug}/proposals")) && !form.back.contains("//")
    {
        form.back
    } else {
        format!("/{slug}/proposals/{}", p.id)
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    parent: Option<i64>,
    #[serde(default)]
    action: String,
}

fn comment_problem(body: &str) -> Option<&'static str> {
    if body.trim().is_empty() {
        Some("empty")
    } else if body.chars().count() > 5_000 {
        Some("long")
    } else {
        None
    }
}

async fn comment(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (conference, settings, p) = load(&state, &slug, &id).await?;
    let viewer = Viewer::of(&state, &headers, &conference).await?;
    let login = viewer.login.as_ref().ok_or(AppError::LoginRequired)?;
    check_form_token(&login.csrf_token, &form.csrf)?;
    if settings.comments == CommentVisibility::Off || !viewer.may_read_comments(&settings, &p) {
        return Err(AppError::Forbidden(
            "Comments are not open on this proposal.",
        ));
    }
    if let Some(problem) = comment_problem(&form.body) {
        return Ok(Redirect::to(&format!(
            "/{slug}/proposals/{}?error={problem}#comment",
            p.id
        ))
        .into_response());
    }
    let cid = state
        .store
        .cfp()
        .add_comment(p.id, login.user, form.parent, form.body.trim())
        .await?;
    // Tell the proposal's speakers (but not the commenter).
    let link = podium_app::mail::link(
        &state.config.public_url,
        &format!("/{slug}/proposals/{}#c{cid}", p.id),
    );
    for s in p
        .speakers
        .iter()
        .filter(|s| s.confirmed && s.user != Some(login.user))
    {
        state
            .store
            .queue_mail(&NewMail {
                conference: Some(conference.id),
                kind: "cfp.comment".into(),
                to_address: s.email.clone(),
                to_name: s.name.clone(),
                subject: format!("New comment on \"{}\"", p.title),
                body_text: format!(
                    "Hello {},\n\n{} commented on your proposal \"{}\" to {}:\n\n{}\n\nAnswer here: {link}\n",
                    s.name,
                    login.name,
                    p.title,
                    conference.name,
                    form.body.trim()
                ),
                attachments: Vec::new(),
                hold: false,
            })
            .await?;
    }
    Ok(Redirect::to(&format!("/{slug}/proposals/{}#c{cid}", p.id)).into_response())
}

async fn change_comment(
    State(state): State<AppState>,
    Path((slug, id, cid)): Path<(String, String, i64)>,
    headers: HeaderMap,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let (conference, _, p) = load(&state, &slug, &id).await?;
    let viewer = Viewer::of(&state, &headers, &conference).await?;
    let login = viewer.login.as_ref().ok_or(AppError::LoginRequired)?;
    check_form_token(&login.csrf_token, &form.csrf)?;
    let cfp = state.store.cfp();
    let c = cfp.comment(cid).await?;
    if c.proposal != p.id {
        return Err(AppError::NotFound);
    }
    match form.action.as_str() {
        "edit" | "delete" => {
            if c.user != login.user {
                return Err(AppError::Forbidden(
                    "You can only change your own comments.",
                ));
            }
            if form.action == "edit" {
                if let Some(problem) = comment_problem(&form.body) {
                    return Ok(Redirect::to(&format!(
                        "/{slug}/proposals/{}?error={problem}#c{cid}",
                        p.id
                    ))
                    .into_response());
                }
                cfp.change_comment(cid, login.user, Some(form.body.trim()))
                    .await?;
            } else {
                cfp.change_comment(cid, login.user, None).await?;
            }
        }
        "hide" | "show" | "spam" => {
            if !viewer.organizer() {
                return Err(AppError::Forbidden("Only organizers moderate comments."));
            }
            let (hidden, spam) = match form.action.as_str() {
                "hide" => (true, c.spam),
                "spam" => (c.hidden, true),
                _ => (false, false),
            };
            cfp.moderate_comment(cid, hidden, spam).await?;
        }
        _ => return Err(AppError::Invalid("Unknown action.".into())),
    }
    Ok(Redirect::to(&format!("/{slug}/proposals/{}#c{cid}", p.id)).into_response())
}
