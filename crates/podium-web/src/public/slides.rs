//! Slides on the public site: the PDF download of a talk, the slides block of the talk page,
//! and anonymous counts of talk page views and slide downloads.
//!
//! Counting stores no personal data: a request adds one to a per-talk, per-day counter in
//! memory, and nothing else about it is kept (no address, cookie, user or user agent). Known
//! bots, link previewers, scripts, `HEAD` requests and prefetches are not counted. The counters
//! are flushed to the database every few seconds (and at shutdown; an organizer's counts page
//! flushes first), so counting never waits on the database during a page view.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use podium_domain::{Program, SlideFile, Talk, TalkId};
use podium_store::{CountDelta, Store, StoreError};
use serde::Serialize;

use crate::{AppError, AppState};

/// Public slides routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{slug}/talks/{id}/slides.pdf", get(download_slides))
        .route("/static/slides.js", get(script))
}

/// How often counts in memory are written to the database.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// Views and downloads not yet written, by (talk, UTC day).
#[derive(Default)]
pub(crate) struct Tally {
    pending: Mutex<HashMap<(TalkId, i64), (i64, i64)>>,
    flusher: std::sync::OnceLock<()>,
}

impl Tally {
    fn add(&self, talk: TalkId, day: i64, views: i64, downloads: i64) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = pending.entry((talk, day)).or_default();
        entry.0 += views;
        entry.1 += downloads;
    }

    /// Writes what is pending; on failure it stays pending for the next flush.
    pub(crate) async fn flush(&self, store: &dyn Store) -> Result<(), StoreError> {
        let taken = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if taken.is_empty() {
            return Ok(());
        }
        let deltas: Vec<CountDelta> = taken
            .iter()
            .map(|(&(talk, day), &(views, downloads))| CountDelta {
                talk,
                day,
                views,
                downloads,
            })
            .collect();
        let result = store.add_talk_counts(&deltas).await;
        if result.is_err() {
            for d in deltas {
                self.add(d.talk, d.day, d.views, d.downloads);
            }
        }
        result
    }

    /// Starts the background flush once (from the first count, inside the server's runtime).
    /// The task holds weak references and ends when the server's state is gone.
    fn start_flushing(self: &Arc<Self>, store: &Arc<dyn Store>) {
        self.flusher.get_or_init(|| {
            let (tally, store): (Weak<Tally>, Weak<dyn Store>) =
                (Arc::downgrade(self), Arc::downgrade(store));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(FLUSH_EVERY).await;
                    let (Some(tally), Some(store)) = (tally.upgrade(), store.upgrade()) else {
                        return;
                    };
                    if let Err(e) = tally.flush(&*store).await {
                        tracing::warn!(error = %e, "could not save talk counts; will retry");
                    }
                }
            });
        });
    }
}

/// Writes pending counts at shutdown.
pub(crate) async fn flush_at_exit(tally: &Tally, store: &dyn Store) {
    if let Err(e) = tally.flush(store).await {
        tracing::warn!(error = %e, "talk counts of the last seconds were lost at shutdown");
    }
}

/// Markers of automated clients that still claim to be "Mozilla/5.0": search engines, link
/// previewers of chat apps and social networks, SEO and AI crawlers, page-speed checkers,
/// uptime monitors. Matched case-insensitively anywhere in the User-Agent.
const BOT_MARKERS: &[&str] = &[
    "bot", // Googlebot, bingbot, Slackbot, Twitterbot, Discordbot, LinkedInBot, GPTBot, …
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "preview", // SkypeUriPreview, Google Web Preview, …
    "embedly",
    "iframely",
    "cardyb", // Bluesky
    "mastodon/",
    "whatsapp/",
    "pinterest",
    "lighthouse",
    "pagespeed",
    "gtmetrix",
    "uptime",
    "monitor",
    "headless",
    "phantomjs",
    "archive",
];

/// True when a request looks like a person's browser: its User-Agent starts like every
/// browser's (`Mozilla/…`; scripts such as curl, wget or python-requests do not) and names no
/// known bot.
pub(crate) fn is_browser(headers: &HeaderMap) -> bool {
    let Some(ua) = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    if !ua.starts_with("Mozilla/") {
        return false;
    }
    let ua = ua.to_ascii_lowercase();
    !BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// True for speculative loads (link prefetch, prerender) that nobody may ever look at.
fn is_prefetch(headers: &HeaderMap) -> bool {
    ["sec-purpose", "purpose", "x-moz", "x-purpose"]
        .iter()
        .filter_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .any(|v| v.contains("prefetch") || v.contains("prerender") || v.contains("preview"))
}

/// The UTC midnight starting the day of `now`, in unix seconds.
fn day_of(state: &AppState) -> i64 {
    (state.config.clock)().as_second().div_euclid(86_400) * 86_400
}

/// Counts a view of a talk page, unless a bot, a `HEAD`, a prefetch or a background fetch
/// asked. A page is "viewed" when the browser navigates to it: `Sec-Fetch-Mode: navigate`,
/// or no Fetch Metadata at all (older browsers), or our service worker forwarding a
/// navigation (`X-Podium-Navigate: 1`); its sync of every page for offline use is not a view.
pub(crate) fn count_view(state: &AppState, method: &Method, headers: &HeaderMap, talk: TalkId) {
    if *method != Method::GET || !is_browser(headers) || is_prefetch(headers) {
        return;
    }
    let mode = headers.get("sec-fetch-mode").and_then(|v| v.to_str().ok());
    let forwarded = headers
        .get("x-podium-navigate")
        .is_some_and(|v| v.as_bytes() == b"1");
    if !matches!(mode, None | Some("navigate")) && !forwarded {
        return;
    }
    state.tally.add(talk, day_of(state), 1, 0);
    state.tally.start_flushing(&state.store);
}

fn count_download(state: &AppState, headers: &HeaderMap, talk: TalkId) {
    if !is_browser(headers) || is_prefetch(headers) {
        return;
    }
    state.tally.add(talk, day_of(state), 0, 1);
    state.tally.start_flushing(&state.store);
}

/// The download's URL.
pub(crate) fn pdf_url(slug: &str, talk: TalkId) -> String {
    format!("/{slug}/talks/{talk}/slides.pdf")
}

/// A file name safe in any header and file system: the title's ASCII letters and digits,
/// joined by dashes.
pub(crate) fn file_name(talk: TalkId, title: &str) -> String {
    let mut words = String::new();
    for w in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if words.len() + w.len() > 60 {
            break;
        }
        if !words.is_empty() {
            words.push('-');
        }
        words.push_str(&w.to_ascii_lowercase());
    }
    if words.is_empty() {
        format!("slides-{talk}.pdf")
    } else {
        format!("{words}-slides.pdf")
    }
}

/// "2.4 MB", "820 KB".
pub(crate) fn size_label(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} KB", (bytes + 999) / 1000)
    }
}

/// What the talk page's slides block shows (`_slides.html`).
#[derive(Serialize)]
pub(crate) struct SlidesBlock {
    /// The PDF download, if one is uploaded.
    pdf_url: Option<String>,
    /// Its size, for people on slow networks.
    pdf_size: Option<String>,
    /// The name it downloads as.
    pdf_name: Option<String>,
    /// Where speakers and organizers upload or link slides.
    manage_url: String,
}

/// The talk page's slides block (from the cached program: no query).
pub(crate) fn talk_block(p: &Program, talk: &Talk) -> SlidesBlock {
    let slug = p.conference.slug.as_str();
    let file = p.slides_of(talk.id);
    SlidesBlock {
        pdf_url: file.map(|_| pdf_url(slug, talk.id)),
        pdf_size: file.map(|f| size_label(f.size_bytes)),
        pdf_name: file.map(|_| file_name(talk.id, &talk.title)),
        manage_url: format!("/{slug}/speaker/talks/{}/slides", talk.id),
    }
}

/// The download's validator and cache life.
fn cache_headers(tag: String) -> [(header::HeaderName, String); 2] {
    [
        (header::ETAG, tag),
        (header::CACHE_CONTROL, "public, max-age=60".to_owned()),
    ]
}

fn etag(file: &SlideFile) -> String {
    format!("\"{}\"", &file.sha256[..32.min(file.sha256.len())])
}

/// The talk's PDF: `inline` (it opens in the browser's viewer; the page's link asks to save
/// it), with an ETag and a short public cache life, so a re-upload shows within a minute and
/// a revalidation costs a 304.
async fn download_slides(
    State(state): State<AppState>,
    Path((slug, raw)): Path<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = state.store.program_by_slug(&slug).await?;
    let talk_id: TalkId = raw.parse().map_err(|_| AppError::NotFound)?;
    let talk = p.talk(talk_id).ok_or(AppError::NotFound)?;
    let mut file = p.slides_of(talk.id).ok_or(AppError::NotFound)?.clone();
    let mut stored = None;
    let mut asked_database = false;
    loop {
        let tag = etag(&file);
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
        if fresh {
            return Ok((StatusCode::NOT_MODIFIED, cache_headers(tag)).into_response());
        }
        if let Some(found) = state
            .slides
            .get(&file.storage_key)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
        {
            stored = Some((found, tag));
            break;
        }
        // Another instance may just have replaced the PDF (and deleted the old file) while
        // this one still serves the program it read before: ask the database once.
        match state.store.talk_slides(talk.id).await? {
            Some(current) if !asked_database && current.storage_key != file.storage_key => {
                asked_database = true;
                file = current;
            }
            _ => break,
        }
    }
    let Some((stored, tag)) = stored else {
        tracing::error!(talk.id = %talk.id, "slides recorded but their file is missing");
        return Err(AppError::NotFound);
    };
    if method == Method::GET {
        count_download(&state, &headers, talk.id);
    }
    let mut response = (cache_headers(tag), stored.body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(stored.len));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename=\"{}\"",
        file_name(talk.id, &talk.title)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The talk page's "Keep for offline" button (no inline scripts: the CSP allows only files).
async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/slides.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ua(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::USER_AGENT, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn browsers_count_and_bots_do_not() {
        for browser in [
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        ] {
            assert!(is_browser(&ua(browser)), "{browser}");
        }
        for bot in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Twitterbot/1.0",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "curl/8.5.0",
            "Wget/1.21.4",
            "python-requests/2.32.3",
        ] {
            assert!(!is_browser(&ua(bot)), "{bot}");
        }
        assert!(!is_browser(&HeaderMap::new()), "no User-Agent at all");
    }

    #[test]
    fn file_names_are_plain_ascii() {
        assert_eq!(
            file_name(TalkId(7), "Ünïcode & \"quotes\"; rm -rf / — a talk"),
            "n-code-quotes-rm-rf-a-talk-slides.pdf"
        );
        assert_eq!(file_name(TalkId(7), "¿¡"), "slides-7.pdf");
    }
}
