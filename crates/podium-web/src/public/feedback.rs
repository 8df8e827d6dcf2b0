//! Kudos and feedback: once a talk has started, a logged-in attendee rates it (1–5), leaves a
//! private comment for the speaker and, optionally, short public kudos that show on the talk
//! page after an organizer approves them. Speakers read the feedback on their talks, without
//! names.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use podium_domain::{Program, Talk, TalkId};
use podium_store::NewFeedback;
use serde::{Deserialize, Serialize};

use super::view::{self, Views};
use super::{id, load, render, ser};
use crate::auth::{check_form_token, current_login};
use crate::{AppError, AppState};

/// Longest private comment, in characters.
pub(crate) const MAX_COMMENT: usize = 5000;
/// Longest public kudos, in characters.
pub(crate) const MAX_KUDOS: usize = 280;

/// Feedback routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/talks/{id}/feedback", get(show).post(send))
        .route("/{slug}/speaker/feedback", get(speaker_page))
}

#[derive(Deserialize, Default)]
struct FeedbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    kudos: String,
}

/// Whether feedback is open for the talk: it has started in the released schedule. Returns
/// the reason when it is not.
fn closed_because(state: &AppState, p: &Program, talk: &Talk) -> Option<String> {
    let v = Views::new(p);
    match p.placement(talk.id) {
        None => Some("This talk is not in the schedule, so it takes no feedback.".into()),
        Some(pl) if pl.starts_at > (state.config.clock)() => Some(format!(
            "Feedback opens when the talk starts: {}, {}.",
            crate::render::long_day(pl.starts_at, &v.tz),
            crate::render::clock(pl.starts_at, &v.tz)
        )),
        Some(_) => None,
    }
}

async fn form_page(
    state: &AppState,
    p: &Program,
    talk: &Talk,
    headers: &HeaderMap,
    typed: Option<(&FeedbackForm, String)>,
) -> Result<Response, AppError> {
    let v = Views::new(p);
    let login = current_login(state, headers).await?;
    let mine = match &login {
        Some(l) => state.store.my_feedback(talk.id, l.user).await?,
        None => None,
    };
    let (rating, comment, kudos, error) = match typed {
        Some((form, error)) => (
            form.rating.clone(),
            form.comment.clone(),
            form.kudos.clone(),
            Some(error),
        ),
        None => match &mine {
            Some(m) => (
                m.rating.to_string(),
                m.comment.clone(),
                m.kudos.clone(),
                None,
            ),
            None => (String::new(), String::new(), String::new(), None),
        },
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = render(
        state,
        "feedback.html",
        context! {
            conf => ser(view::conference(&p.conference)),
            talk => context! { title => &talk.title, url => v.talk_url(talk) },
            action => format!("{}/feedback", v.talk_url(talk)),
            closed => closed_because(state, p, talk),
            logged_in => login.is_some(),
            csrf => login.as_ref().map(|l| l.csrf_token.clone()),
            sent => mine.as_ref().map(|m| m.kudos_state.as_str()),
            rating, comment, kudos, error,
            max_comment => MAX_COMMENT,
            max_kudos => MAX_KUDOS,
        },
    )?;
    *response.status_mut() = status;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let talk = p.talk(id::<TalkId>(&raw)?).ok_or(AppError::NotFound)?;
    form_page(&state, &p, talk, &headers, None).await
}

/// Checks a sent form; the reason names the field.
fn read(form: &FeedbackForm) -> Result<(i64, String, String), String> {
    let rating = form
        .rating
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| (1..=5).contains(r))
        .ok_or("Choose a rating from 1 to 5 stars.")?;
    let comment = form.comment.trim().to_owned();
    if comment.chars().count() > MAX_COMMENT {
        return Err(format!(
            "The comment for the speaker is longer than {MAX_COMMENT} characters."
        ));
    }
    let kudos = form.kudos.trim().to_owned();
    if kudos.chars().count() > MAX_KUDOS {
        return Err(format!(
            "Public kudos are short: at most {MAX_KUDOS} characters."
        ));
    }
    Ok((rating, comment, kudos))
}

async fn send(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let talk = p.talk(id::<TalkId>(&raw)?).ok_or(AppError::NotFound)?;
    let login = current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    check_form_token(&login.csrf_token, &form.csrf)?;
    if let Some(why) = closed_because(&state, &p, talk) {
        return form_page(&state, &p, talk, &headers, Some((&form, why))).await;
    }
    let (rating, comment, kudos) = match read(&form) {
        Ok(fields) => fields,
        Err(why) => return form_page(&state, &p, talk, &headers, Some((&form, why))).await,
    };
    state
        .store
        .save_feedback(&NewFeedback {
            talk: talk.id,
            user: login.user,
            rating,
            comment,
            kudos,
        })
        .await?;
    let v = Views::new(&p);
    Ok(Redirect::to(&format!("{}/feedback", v.talk_url(talk))).into_response())
}

/// A talk's feedback as its speaker (or an organizer) sees it.
#[derive(Serialize)]
pub(crate) struct TalkFeedback {
    pub title: String,
    pub url: String,
    pub count: usize,
    /// Mean rating with one decimal, or "–".
    pub mean: String,
    /// How many of each rating, 1 to 5.
    pub histogram: [usize; 5],
    pub comments: Vec<String>,
    pub kudos: Vec<KudosLine>,
}

/// One kudos text with its moderation state.
#[derive(Serialize)]
pub(crate) struct KudosLine {
    pub id: i64,
    pub text: String,
    pub state: &'static str,
}

/// Groups the conference's feedback by talk (only `talks`, in their order).
pub(crate) fn by_talk(
    p: &Program,
    feedback: &[podium_store::Feedback],
    talks: &[&Talk],
) -> Vec<TalkFeedback> {
    let v = Views::new(p);
    talks
        .iter()
        .map(|t| {
            let mine: Vec<_> = feedback.iter().filter(|f| f.talk == t.id).collect();
            let mut histogram = [0usize; 5];
            for f in &mine {
                if let Some(slot) = usize::try_from(f.rating - 1)
                    .ok()
                    .and_then(|i| histogram.get_mut(i))
                {
                    *slot += 1;
                }
            }
            let mean = if mine.is_empty() {
                "–".to_owned()
            } else {
                let sum: i64 = mine.iter().map(|f| f.rating).sum();
                format!("{:.1}", sum as f64 / mine.len() as f64)
            };
            TalkFeedback {
                title: t.title.clone(),
                url: v.talk_url(t),
                count: mine.len(),
                mean,
                histogram,
                comments: mine
                    .iter()
                    .filter(|f| !f.comment.is_empty())
                    .map(|f| f.comment.clone())
                    .collect(),
                kudos: mine
                    .iter()
                    .filter(|f| !f.kudos.is_empty())
                    .map(|f| KudosLine {
                        id: f.id,
                        text: f.kudos.clone(),
                        state: f.kudos_state.as_str(),
                    })
                    .collect(),
            }
        })
        .collect()
}

async fn speaker_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = load(&state, &slug).await?;
    let login = current_login(&state, &headers)
        .await?
        .ok_or(AppError::LoginRequired)?;
    let speakers = state.store.speakers_of(p.conference.id, login.user).await?;
    let talks: Vec<&Talk> = p
        .talks
        .iter()
        .filter(|t| t.speaker_ids.iter().any(|s| speakers.contains(s)))
        .collect();
    let feedback = if talks.is_empty() {
        Vec::new()
    } else {
        state.store.feedback_of(p.conference.id).await?
    };
    let mut response = render(
        &state,
        "speaker_feedback.html",
        context! {
            conf => ser(view::conference(&p.conference)),
            speaker => !speakers.is_empty(),
            talks => ser(by_talk(&p, &feedback, &talks)),
        },
    )?;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
