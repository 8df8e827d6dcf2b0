//! The organizer's ranking and selection page: proposals ranked by weighted review score and
//! community votes, filters, staging decisions in bulk, releasing them (their emails wait in
//! the outbox), automatic reviewer assignment, reviewer track teams, and the ranking as CSV.
//!
//! Staged decisions show only here: speakers see nothing until release. Every page reads
//! whole-conference lists once (no store call per proposal).

use std::collections::{HashMap, HashSet};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use podium_app::cfp::{Ranked, rank};
use podium_domain::*;
use serde::Deserialize;

use super::feedback::csv_cell;
use super::organizer;
use crate::auth::check_form_token;
use crate::public::render;
use crate::reviewer::{conf_ctx, no_store, refused, score_text, track_names, type_name};
use crate::{AppError, AppState};

/// Ranking and selection routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/organizer/proposals", get(show_ranking))
        .route("/{slug}/organizer/proposals.csv", get(export_ranking))
        .route("/{slug}/organizer/proposals/stage", post(stage_decisions))
        .route(
            "/{slug}/organizer/proposals/release",
            post(release_decisions),
        )
        .route("/{slug}/organizer/proposals/assign", post(assign_reviewers))
        .route("/{slug}/organizer/proposals/teams", post(save_team))
}

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Filters and the notice of the action just done (counts only: no text from the URL is shown).
#[derive(Deserialize, Default)]
struct Params {
    #[serde(default)]
    state: String,
    #[serde(default)]
    track: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    staged: Option<u64>,
    #[serde(default)]
    released: Option<usize>,
    #[serde(default)]
    assigned: Option<usize>,
    #[serde(default)]
    team: Option<String>,
}

/// A row's cells as both the page and the CSV show them.
struct Row<'a> {
    rank: usize,
    r: &'a Ranked,
    kind: String,
    track: String,
}

fn rows<'a>(
    ranked: &'a [Ranked],
    settings: &CfpSettings,
    tracks: &HashMap<TrackId, String>,
) -> Vec<Row<'a>> {
    ranked
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            rank: i + 1,
            r,
            kind: type_name(settings, &r.proposal.submission_type),
            track: r
                .proposal
                .track
                .and_then(|t| tracks.get(&t))
                .cloned()
                .unwrap_or_default(),
        })
        .collect()
}

/// The ranking with what the page and the export need.
struct Ranking {
    settings: CfpSettings,
    ranked: Vec<Ranked>,
    reviews: Vec<Review>,
    program: std::sync::Arc<Program>,
}

async fn ranking(state: &AppState, conference: &Conference) -> Result<Ranking, AppError> {
    let cfp = state.store.cfp();
    let settings = cfp.settings(conference.id).await?;
    let proposals = cfp.proposal_heads(conference.id).await?;
    let reviews = cfp.reviews(conference.id).await?;
    let votes = cfp.vote_counts(conference.id).await?;
    let program = state
        .store
        .program_by_slug(conference.slug.as_str())
        .await?;
    let ranked = rank(proposals, &reviews, &votes, &settings);
    Ok(Ranking {
        settings,
        ranked,
        reviews,
        program,
    })
}

async fn show_ranking(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    let Ranking {
        settings,
        ranked,
        reviews,
        program,
    } = ranking(&state, &conference).await?;
    let cfp = state.store.cfp();
    let reviewers = cfp.people_with_role(conference.id, Role::Reviewer).await?;
    let teams = cfp.reviewer_tracks(conference.id).await?;
    let assignments = cfp.assignments(conference.id).await?;
    let tracks = track_names(&program);

    let staged_total = ranked
        .iter()
        .filter(|r| r.proposal.pending.is_some())
        .count();
    let shown: Vec<Value> = rows(&ranked, &settings, &tracks)
        .into_iter()
        .filter(|row| {
            let p = &row.r.proposal;
            let state_ok = match params.state.as_str() {
                "" => true,
                "staged" => p.pending.is_some(),
                s => p.state.as_str() == s,
            };
            let track_ok = match params.track.as_str() {
                "" => true,
                "none" => p.track.is_none(),
                t => p.track.is_some_and(|id| id.0.to_string() == t),
            };
            let kind_ok = params.kind.is_empty() || p.submission_type == params.kind;
            state_ok && track_ok && kind_ok
        })
        .map(|row| {
            let p = &row.r.proposal;
            context! {
                rank => row.rank,
                id => p.id.0,
                title => &p.title,
                kind => row.kind,
                track => row.track,
                state => p.state.as_str(),
                staged => p.pending.map(Decision::as_str),
                score => score_text(row.r.score),
                reviews => row.r.reviews,
                abstentions => row.r.abstentions,
                up => row.r.up,
                down => row.r.down,
                combined => format!("{:.2}", row.r.combined),
            }
        })
        .collect();

    // Reviewer teams and load.
    let mut team_of: HashMap<UserId, HashSet<TrackId>> = HashMap::new();
    for (u, t) in &teams {
        team_of.entry(*u).or_default().insert(*t);
    }
    let mut load: HashMap<UserId, (usize, usize)> = HashMap::new();
    for (_, u) in &assignments {
        load.entry(*u).or_default().0 += 1;
    }
    for r in &reviews {
        load.entry(r.reviewer).or_default().1 += 1;
    }
    let team_rows: Vec<Value> = reviewers
        .iter()
        .map(|(u, name, email)| {
            let mine = team_of.get(u);
            let (assigned, reviewed) = load.get(u).copied().unwrap_or_default();
            context! {
                id => u.0,
                name => name,
                email => email,
                assigned,
                reviewed,
                tracks => program.tracks.iter().map(|t| context! {
                    id => t.id.0,
                    name => &t.name,
                    checked => mine.is_some_and(|m| m.contains(&t.id)),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();

    let states = [
        "submitted",
        "accepted",
        "rejected",
        "waitlisted",
        "confirmed",
        "declined",
    ];
    let notice = if let Some(n) = params.staged {
        Some(format!(
            "{n} proposal{} changed. Speakers see nothing until you release the decisions.",
            if n == 1 { "" } else { "s" }
        ))
    } else if let Some(n) = params.assigned {
        Some(format!(
            "{n} new assignment{} made.",
            if n == 1 { "" } else { "s" }
        ))
    } else if params.team.is_some() {
        Some("Review team saved.".to_owned())
    } else {
        None
    };
    let r = render(
        &state,
        "organizer_proposals.html",
        context! {
            conf => conf_ctx(&conference),
            csrf,
            rows => shown,
            total => ranked.len(),
            staged_total,
            notice,
            released => params.released,
            per_proposal => settings.reviewers_per_proposal,
            reviewer_count => reviewers.len(),
            team_rows,
            filter => context! { state => &params.state, track => &params.track, kind => &params.kind },
            states,
            tracks => program.tracks.iter().map(|t| context! { id => t.id.0.to_string(), name => &t.name }).collect::<Vec<_>>(),
            kinds => settings.submission_types.iter().map(|t| context! { key => &t.key, name => &t.name }).collect::<Vec<_>>(),
        },
    )?;
    Ok(no_store(r))
}

/// The ranking as CSV, same columns as the page; text cells are guarded against formula
/// injection.
async fn export_ranking(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (conference, _) = organizer(&state, &headers, &slug).await?;
    let Ranking {
        settings,
        ranked,
        program,
        ..
    } = ranking(&state, &conference).await?;
    let tracks = track_names(&program);
    let mut out = String::from(
        "rank,id,title,type,track,state,staged,score,reviews,abstentions,votes_up,votes_down,combined\r\n",
    );
    for row in rows(&ranked, &settings, &tracks) {
        let p = &row.r.proposal;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{:.2}\r\n",
            row.rank,
            p.id,
            csv_cell(&p.title),
            csv_cell(&row.kind),
            csv_cell(&row.track),
            p.state.as_str(),
            p.pending.map_or("", Decision::as_str),
            row.r.score.map_or_else(String::new, |s| format!("{s:.2}")),
            row.r.reviews,
            row.r.abstentions,
            row.r.up,
            row.r.down,
            row.r.combined,
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-proposals.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}

fn back(slug: &str, query: &str) -> Response {
    Redirect::to(&format!("/{slug}/organizer/proposals?{query}")).into_response()
}

async fn stage_decisions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&fields, "csrf"))?;
    let decision = match field(&fields, "decision") {
        "clear" => None,
        d => Some(Decision::parse(d).ok_or_else(|| {
            AppError::Invalid("Choose accept, reject, waiting list or clear.".to_owned())
        })?),
    };
    let ids: Vec<ProposalId> = fields
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok().map(ProposalId))
        .collect();
    let n = podium_app::review::stage(&*state.store, conference.id, &ids, decision)
        .await
        .map_err(refused)?;
    tracing::info!(conference.slug = %slug, proposals = n, "decisions staged");
    Ok(back(&slug, &format!("staged={n}")))
}

async fn release_decisions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&fields, "csrf"))?;
    let n =
        podium_app::cfp::release_decisions(&*state.store, &conference, &state.config.public_url)
            .await
            .map_err(refused)?;
    tracing::info!(conference.slug = %slug, proposals = n, "decisions released");
    Ok(back(&slug, &format!("released={n}")))
}

async fn assign_reviewers(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&fields, "csrf"))?;
    let n = podium_app::review::assign(&*state.store, conference.id)
        .await
        .map_err(refused)?;
    tracing::info!(conference.slug = %slug, assignments = n, "reviewers assigned");
    Ok(back(&slug, &format!("assigned={n}")))
}

async fn save_team(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let (conference, csrf) = organizer(&state, &headers, &slug).await?;
    check_form_token(&csrf, field(&fields, "csrf"))?;
    let reviewer: i64 = field(&fields, "reviewer")
        .parse()
        .map_err(|_| AppError::Invalid("Choose a reviewer.".to_owned()))?;
    let tracks: Vec<TrackId> = fields
        .iter()
        .filter(|(k, _)| k == "tracks")
        .filter_map(|(_, v)| v.parse().ok().map(TrackId))
        .collect();
    podium_app::review::set_team(&*state.store, conference.id, UserId(reviewer), &tracks)
        .await
        .map_err(refused)?;
    Ok(back(&slug, "team=1#teams"))
}
