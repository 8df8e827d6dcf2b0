//! The speaker's side of the call for proposals: the CFP page, the proposal form (draft,
//! submit, edit until the deadline, withdraw), co-speaker invitations, the speaker profile with
//! availability, and confirming or declining an acceptance.
//!
//! A failed save re-renders the form with everything typed and each problem beside its field;
//! the form carries a one-time token so a double click makes one proposal.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use podium_app::cfp::{CfpError, can_edit};
use podium_domain::*;
use podium_store::{Login, NewMail};

use crate::auth::{check_form_token, current_login};
use crate::public::{render, ser};
use crate::{AppError, AppState};

/// Routes.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{slug}/cfp", get(cfp_page))
        .route("/{slug}/speaker/proposals", get(mine))
        .route("/{slug}/speaker/proposals/new", get(new_form).post(create))
        .route("/{slug}/speaker/proposals/{id}", get(show).post(update))
        .route("/{slug}/speaker/proposals/{id}/withdraw", post(withdraw))
        .route("/{slug}/speaker/proposals/{id}/confirm", post(confirm))
        .route("/{slug}/speaker/proposals/{id}/speakers", post(invite))
        .route("/{slug}/speaker/join/{token}", get(join_page).post(join))
        .route("/{slug}/speaker/profile", get(profile).post(save_profile))
}

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn has(fields: &Fields, name: &str) -> bool {
    fields.iter().any(|(k, _)| k == name)
}

async fn logged_in(state: &AppState, headers: &HeaderMap) -> Result<Login, AppError> {
    current_login(state, headers)
        .await?
        .ok_or(AppError::LoginRequired)
}

fn now(state: &AppState) -> jiff::Timestamp {
    (state.config.clock)()
}

fn conf_ctx(c: &Conference) -> Value {
    context! { name => &c.name, slug => c.slug.as_str(), timezone => &c.timezone }
}

fn when(at: Option<i64>, c: &Conference) -> String {
    at.and_then(|t| jiff::Timestamp::from_second(t).ok())
        .map(|t| {
            time::local(t, &c.tz())
                .strftime("%A %-d %B %Y, %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default()
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    r
}

/// The public CFP page: open or not, the types with their deadlines, a button to propose.
async fn cfp_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let conference = state.store.conference_by_slug(&slug).await?;
    let settings = state.store.cfp().settings(conference.id).await?;
    let login = current_login(&state, &headers).await?;
    let t = now(&state);
    let types: Vec<Value> = settings
        .submission_types
        .iter()
        .map(|ty| {
            context! {
                name => &ty.name,
                minutes => ty.duration_min,
                deadline => when(settings.deadline_of(&ty.key), &conference),
            }
        })
        .collect();
    let r = render(
        &state,
        "cfp.html",
        context! {
            conf => conf_ctx(&conference),
            open => settings.is_open(t),
            not_yet => settings.opens_at.is_none_or(|o| t.as_second() < o),
            opens => when(settings.opens_at, &conference),
            closes => when(settings.closes_at, &conference),
            types,
            logged_in => login.is_some(),
            voting => settings.voting != VotingMode::Off,
        },
    )?;
    Ok(no_store(r))
}

/// The speaker's proposals in this conference.
async fn mine(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    let conference = state.store.conference_by_slug(&slug).await?;
    let proposals: Vec<Value> = state
        .store
        .cfp()
        .proposals_of(login.user)
        .await?
        .into_iter()
        .filter(|p| p.conference == conference.id)
        .map(|p| {
            let invited = !p.has_speaker(login.user);
            context! { id => p.id.0, title => p.title, state => p.state.label(), invited }
        })
        .collect();
    Ok(no_store(render(
        &state,
        "speaker_proposals.html",
        context! { conf => conf_ctx(&conference), proposals },
    )?))
}

/// Everything the proposal form shows.
struct FormPage<'a> {
    conference: &'a Conference,
    settings: &'a CfpSettings,
    login: &'a Login,
    form: &'a ProposalForm,
    errors: &'a [(String, String)],
    notice: Option<String>,
    proposal: Option<&'a Proposal>,
    form_token: String,
}

async fn form_page(state: &AppState, page: FormPage<'_>) -> Result<Response, AppError> {
    let program = state
        .store
        .program_by_slug(page.conference.slug.as_str())
        .await?;
    let tracks: Vec<Value> = program
        .tracks
        .iter()
        .filter(|t| page.settings.tracks.is_empty() || page.settings.tracks.contains(&t.id))
        .map(|t| context! { id => t.id.0, name => &t.name })
        .collect();
    let errors: HashMap<&str, &str> = page
        .errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let questions: Vec<Value> = page
        .settings
        .questions
        .iter()
        .filter(|q| q.scope == QuestionScope::Proposal)
        .map(|q| {
            let answer = page
                .form
                .answers
                .iter()
                .find(|(k, _)| *k == q.key)
                .map_or("", |(_, a)| a.as_str());
            context! {
                key => &q.key, label => &q.label, kind => ser(q.kind), options => &q.options,
                required => q.required, answer, error => errors.get(format!("q_{}", q.key).as_str()).copied(),
            }
        })
        .collect();
    let t = now(state);
    let editable = page.proposal.is_none_or(|p| can_edit(p, page.settings, t));
    let proposal = page.proposal.map(|p| {
        let pending_invites: Vec<String> = p
            .speakers
            .iter()
            .filter(|s| !s.confirmed)
            .map(|s| s.email.clone())
            .collect();
        context! {
            id => p.id.0,
            state => p.state.as_str(),
            state_label => p.state.label(),
            speakers => p.speakers.iter().filter(|s| s.confirmed).map(|s| s.name.clone()).collect::<Vec<_>>(),
            pending_invites,
            talk => p.talk.map(|t| t.0),
            deadline => when(page.settings.deadline_of(&p.submission_type), page.conference),
        }
    });
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(
        state,
        "proposal_form.html",
        context! {
            conf => conf_ctx(page.conference),
            csrf => &page.login.csrf_token,
            form => ser(page.form),
            track => page.form.track.map(|t| t.0),
            errors => ser(&errors),
            error_list => ser(page.errors),
            notice => page.notice,
            types => ser(&page.settings.submission_types),
            levels => &page.settings.levels,
            tracks,
            questions,
            proposal,
            editable,
            form_token => page.form_token,
            required => &page.settings.required_fields,
        },
    )?;
    *r.status_mut() = status;
    Ok(no_store(r))
}

fn fresh_token() -> Result<String, AppError> {
    podium_app::account::random_token().map_err(|e| AppError::Internal(e.to_string()))
}

async fn new_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    let conference = state.store.conference_by_slug(&slug).await?;
    let settings = state.store.cfp().settings(conference.id).await?;
    let form = ProposalForm {
        language: "en".into(),
        ..ProposalForm::default()
    };
    form_page(
        &state,
        FormPage {
            conference: &conference,
            settings: &settings,
            login: &login,
            form: &form,
            errors: &[],
            notice: None,
            proposal: None,
            form_token: fresh_token()?,
        },
    )
    .await
}

fn read_form(fields: &Fields) -> ProposalForm {
    ProposalForm {
        title: field(fields, "title").to_owned(),
        abstract_md: field(fields, "abstract_md").to_owned(),
        description_md: field(fields, "description_md").to_owned(),
        notes: field(fields, "notes").to_owned(),
        submission_type: field(fields, "submission_type").to_owned(),
        track: field(fields, "track").parse().ok().map(TrackId),
        level: field(fields, "level").to_owned(),
        language: field(fields, "language").trim().to_owned(),
        answers: fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("q_")?.to_owned(), v.clone())))
            .collect(),
    }
}

async fn save(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    existing: Option<ProposalId>,
    fields: Fields,
) -> Result<Response, AppError> {
    let login = logged_in(state, headers).await?;
    check_form_token(&login.csrf_token, field(&fields, "csrf"))?;
    let conference = state.store.conference_by_slug(slug).await?;
    let form = read_form(&fields);
    let submit = has(&fields, "submit");
    let token = match field(&fields, "form_token") {
        t if !t.is_empty() && t.len() <= 128 => t.to_owned(),
        _ => fresh_token()?,
    };
    let result = podium_app::cfp::save_proposal(
        &*state.store,
        &conference,
        login.user,
        &login.email,
        existing,
        &form,
        submit,
        &token,
        now(state),
    )
    .await;
    let problems = match result {
        Ok(id) => {
            let note = if submit { "submitted" } else { "saved" };
            return Ok(
                Redirect::to(&format!("/{slug}/speaker/proposals/{id}?done={note}"))
                    .into_response(),
            );
        }
        Err(CfpError::Invalid(problems)) => problems,
        Err(CfpError::Closed(why)) => vec![("form".to_owned(), why)],
        Err(CfpError::NotAllowed(why)) => return Err(AppError::Forbidden(why)),
        Err(CfpError::Store(e)) => return Err(e.into()),
    };
    let settings = state.store.cfp().settings(conference.id).await?;
    let proposal = match existing {
        Some(id) => Some(state.store.cfp().proposal(id).await?),
        None => None,
    };
    form_page(
        state,
        FormPage {
            conference: &conference,
            settings: &settings,
            login: &login,
            form: &form,
            errors: &problems,
            notice: None,
            proposal: proposal.as_ref(),
            form_token: token,
        },
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    save(&state, &slug, &headers, None, fields).await
}

/// Loads a proposal of this conference that the logged-in user speaks in (or is invited to).
async fn own_proposal(
    state: &AppState,
    slug: &str,
    id: &str,
    login: &Login,
) -> Result<(Conference, Proposal), AppError> {
    let conference = state.store.conference_by_slug(slug).await?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.cfp().proposal(ProposalId(id)).await?;
    if p.conference != conference.id || !p.has_speaker(login.user) {
        return Err(AppError::NotFound);
    }
    Ok((conference, p))
}

#[derive(serde::Deserialize)]
struct Done {
    #[serde(default)]
    done: String,
}

async fn show(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    let (conference, p) = own_proposal(&state, &slug, &id, &login).await?;
    let settings = state.store.cfp().settings(conference.id).await?;
    let form = ProposalForm {
        title: p.title.clone(),
        abstract_md: p.abstract_md.clone(),
        description_md: p.description_md.clone(),
        notes: p.notes.clone(),
        submission_type: p.submission_type.clone(),
        track: p.track,
        level: p.level.clone(),
        language: p.language.clone(),
        answers: p.answers.clone(),
    };
    let notice = match done.done.as_str() {
        "submitted" => {
            Some("Your proposal is submitted. You can still edit it until the deadline.".to_owned())
        }
        "saved" => Some("Saved.".to_owned()),
        "invited" => Some("Invitation sent.".to_owned()),
        "confirmed" => Some("Thank you: your talk is confirmed and will be scheduled.".to_owned()),
        "declined" => Some("You declined. Thank you for telling us.".to_owned()),
        "withdrawn" => Some("Your proposal is withdrawn.".to_owned()),
        _ => None,
    };
    form_page(
        &state,
        FormPage {
            conference: &conference,
            settings: &settings,
            login: &login,
            form: &form,
            errors: &[],
            notice,
            proposal: Some(&p),
            form_token: fresh_token()?,
        },
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    let (_, p) = own_proposal(&state, &slug, &id, &login).await?;
    save(&state, &slug, &headers, Some(p.id), fields).await
}

async fn withdraw(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    check_form_token(&login.csrf_token, field(&fields, "csrf"))?;
    let (_, p) = own_proposal(&state, &slug, &id, &login).await?;
    state
        .store
        .cfp()
        .set_state(
            p.id,
            &[
                ProposalState::Draft,
                ProposalState::Submitted,
                ProposalState::Waitlisted,
                ProposalState::Accepted,
            ],
            ProposalState::Withdrawn,
        )
        .await
        .map_err(|_| AppError::Invalid("This proposal can no longer be withdrawn.".into()))?;
    Ok(Redirect::to(&format!(
        "/{slug}/speaker/proposals/{}?done=withdrawn",
        p.id
    ))
    .into_response())
}

async fn confirm(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    check_form_token(&login.csrf_token, field(&fields, "csrf"))?;
    let (_, p) = own_proposal(&state, &slug, &id, &login).await?;
    let accept = field(&fields, "answer") == "confirm";
    state
        .store
        .cfp()
        .confirm(p.id, login.user, accept)
        .await
        .map_err(|_| {
            AppError::Invalid("There is no acceptance to answer on this proposal.".into())
        })?;
    let note = if accept { "confirmed" } else { "declined" };
    Ok(Redirect::to(&format!("/{slug}/speaker/proposals/{}?done={note}", p.id)).into_response())
}

/// Invites a co-speaker by email: a held-free mail with a one-time link.
async fn invite(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    check_form_token(&login.csrf_token, field(&fields, "csrf"))?;
    let (conference, p) = own_proposal(&state, &slug, &id, &login).await?;
    let email = field(&fields, "email").trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'));
    if !valid {
        return Err(AppError::Invalid(format!(
            "“{email}” is not an email address: go back and check it."
        )));
    }
    if p.speakers.iter().any(|s| s.email == email) {
        return Err(AppError::Invalid(format!(
            "{email} is already a speaker of this proposal."
        )));
    }
    if p.speakers.len() >= 5 {
        return Err(AppError::Invalid(
            "A proposal has at most five speakers.".into(),
        ));
    }
    let (token, hash) =
        podium_app::mail::new_link_token().map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .cfp()
        .invite_speaker(p.id, &email, &hash)
        .await?;
    let link = podium_app::mail::link(
        &state.config.public_url,
        &format!("/{slug}/speaker/join/{token}"),
    );
    state
        .store
        .queue_mail(&NewMail {
            conference: Some(conference.id),
            kind: "cfp.cospeaker".into(),
            to_address: email.clone(),
            to_name: String::new(),
            subject: format!(
                "{} invites you to co-present \"{}\" at {}",
                login.name, p.title, conference.name
            ),
            body_text: format!(
                "Hello,\n\n{} proposes \"{}\" to {} and invites you as a co-speaker.\n\n\
                 To accept, open this link, log in or create an account, and confirm:\n\n{link}\n\n\
                 If you do not know about this, ignore this mail.\n",
                login.name, p.title, conference.name
            ),
            attachments: Vec::new(),
            hold: false,
        })
        .await?;
    Ok(Redirect::to(&format!("/{slug}/speaker/proposals/{}?done=invited", p.id)).into_response())
}

async fn join_page(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let conference = state.store.conference_by_slug(&slug).await?;
    let login = current_login(&state, &headers).await?;
    Ok(no_store(render(
        &state,
        "speaker_join.html",
        context! {
            conf => conf_ctx(&conference),
            token,
            csrf => login.as_ref().map(|l| l.csrf_token.clone()),
            logged_in => login.is_some(),
        },
    )?))
}

async fn join(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    check_form_token(&login.csrf_token, field(&fields, "csrf"))?;
    let conference = state.store.conference_by_slug(&slug).await?;
    let hash = podium_app::mail::link_token_hash(&token);
    let id = state
        .store
        .cfp()
        .accept_speaker_invite(&hash, login.user)
        .await
        .map_err(|_| {
            AppError::Invalid(
                "This invitation link was already used or withdrawn. Ask the speaker to invite you again.".into(),
            )
        })?;
    let p = state.store.cfp().proposal(id).await?;
    if p.conference != conference.id {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/{slug}/speaker/proposals/{id}?done=saved")).into_response())
}

/// The availability windows as the profile form shows them: one row per conference day.
fn availability_rows(c: &Conference, p: &SpeakerProfile) -> Vec<Value> {
    let tz = c.tz();
    let mut rows = Vec::new();
    let mut day = c.start_date;
    while day <= c.end_date {
        let window = p.available.iter().find(|(s, _)| {
            jiff::Timestamp::from_second(*s).is_ok_and(|t| time::local(t, &tz).date() == day)
        });
        let hm = |t: i64| {
            jiff::Timestamp::from_second(t)
                .map(|t| time::local(t, &tz).strftime("%H:%M").to_string())
                .unwrap_or_default()
        };
        rows.push(context! {
            date => day.to_string(),
            label => day.strftime("%A %-d %B").to_string(),
            on => window.is_some(),
            from => window.map_or("09:00".to_owned(), |w| hm(w.0)),
            to => window.map_or("18:00".to_owned(), |w| hm(w.1)),
        });
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    rows
}

async fn profile_page(
    state: &AppState,
    conference: &Conference,
    login: &Login,
    p: &SpeakerProfile,
    errors: &[(String, String)],
    saved: bool,
) -> Result<Response, AppError> {
    let settings = state.store.cfp().settings(conference.id).await?;
    let questions: Vec<Value> = settings
        .questions
        .iter()
        .filter(|q| q.scope == QuestionScope::Speaker)
        .map(|q| {
            let answer = p
                .answers
                .iter()
                .find(|(k, _)| *k == q.key)
                .map_or("", |(_, a)| a.as_str());
            context! { key => &q.key, label => &q.label, kind => ser(q.kind), options => &q.options, required => q.required, answer }
        })
        .collect();
    let errors_by: HashMap<&str, &str> = errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let mut r = render(
        state,
        "speaker_profile.html",
        context! {
            conf => conf_ctx(conference),
            csrf => &login.csrf_token,
            profile => ser(p),
            links => p.links.join("\n"),
            any_time => p.available.is_empty(),
            days => availability_rows(conference, p),
            questions,
            errors => ser(&errors_by),
            error_list => ser(errors),
            saved,
        },
    )?;
    if !errors.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(no_store(r))
}

async fn profile(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    let conference = state.store.conference_by_slug(&slug).await?;
    let p = state
        .store
        .cfp()
        .profile(login.user, conference.id)
        .await?
        .unwrap_or_else(|| SpeakerProfile {
            name: login.name.clone(),
            ..SpeakerProfile::default()
        });
    profile_page(&state, &conference, &login, &p, &[], done.done == "saved").await
}

/// Reads the profile form; problems name their field.
fn read_profile(c: &Conference, fields: &Fields) -> (SpeakerProfile, Vec<(String, String)>) {
    let mut errors = Vec::new();
    let name = field(fields, "name").trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push((
            "name".into(),
            "Give your name as attendees should see it (up to 100 characters).".into(),
        ));
    }
    let bio = field(fields, "bio_md").to_owned();
    if bio.chars().count() > 5_000 {
        errors.push((
            "bio_md".into(),
            "Keep the bio under 5,000 characters.".into(),
        ));
    }
    let links: Vec<String> = field(fields, "links")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if links.len() > 10
        || links
            .iter()
            .any(|l| !l.starts_with("https://") && !l.starts_with("http://"))
    {
        errors.push((
            "links".into(),
            "Give up to ten links, one per line, each starting with https://.".into(),
        ));
    }
    let avatar = field(fields, "avatar_url").trim();
    if !avatar.is_empty() && !avatar.starts_with("https://") {
        errors.push((
            "avatar_url".into(),
            "The picture address must start with https://.".into(),
        ));
    }
    let mut available = Vec::new();
    if field(fields, "availability") == "windows" {
        let tz = c.tz();
        let mut day = c.start_date;
        while day <= c.end_date {
            let d = day.to_string();
            if has(fields, &format!("day_{d}")) {
                let parse = |k: &str| time::parse_time(field(fields, &format!("{k}_{d}"))).ok();
                match (parse("from"), parse("to")) {
                    (Some(from), Some(to)) if from < to => {
                        if let (Ok(s), Ok(e)) =
                            (time::instant(day, from, &tz), time::instant(day, to, &tz))
                        {
                            available.push((s.as_second(), e.as_second()));
                        }
                    }
                    _ => errors.push((
                        "availability".into(),
                        format!("{d}: give a start time before the end time (HH:MM)."),
                    )),
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        if available.is_empty() && !errors.iter().any(|(f, _)| f == "availability") {
            errors.push((
                "availability".into(),
                "Tick at least one day you can speak, or choose “any time”.".into(),
            ));
        }
    }
    let answers = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("q_")?.to_owned(), v.clone())))
        .collect();
    (
        SpeakerProfile {
            name,
            bio_md: bio,
            links,
            avatar_url: (!avatar.is_empty()).then(|| avatar.to_owned()),
            available,
            answers,
        },
        errors,
    )
}

async fn save_profile(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let login = logged_in(&state, &headers).await?;
    check_form_token(&login.csrf_token, field(&fields, "csrf"))?;
    let conference = state.store.conference_by_slug(&slug).await?;
    let (p, errors) = read_profile(&conference, &fields);
    if !errors.is_empty() {
        return profile_page(&state, &conference, &login, &p, &errors, false).await;
    }
    state
        .store
        .cfp()
        .save_profile(login.user, conference.id, &p)
        .await?;
    Ok(Redirect::to(&format!("/{slug}/speaker/profile?done=saved")).into_response())
}
