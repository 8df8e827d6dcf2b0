//! Who is asking, and may they: the session cookie, cross-site request forgery protection for
//! every state-changing request, and a rate limit on log-in and sign-up attempts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::{AppError, AppState};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "podium_session";

/// The session token from the request's cookies.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The live session of the request, if any.
pub(crate) async fn current_login(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<podium_store::Login>, AppError> {
    match session_token(headers) {
        Some(token) => Ok(state.sessions.current(&token).await?),
        None => Ok(None),
    }
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure when the site is https.
pub(crate) fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let max_age = podium_app::account::SESSION_DAYS * 86_400;
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// `Set-Cookie` that removes the session cookie.
pub(crate) fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn origin_of(url: &str) -> &str {
    // scheme://host[:port] without the path.
    match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or(url, |j| &url[..i + 3 + j]),
        None => url,
    }
}

/// Refuses state-changing requests that a browser sent on behalf of another site: by Fetch
/// Metadata (`Sec-Fetch-Site`) where the browser sends it, else by `Origin`, which must be the
/// configured public origin or this very host. Requests without either header (curl, API
/// clients) carry no ambient browser credentials from another site and pass. Forms of a
/// session also echo a synchronizer token (checked by their handlers).
pub(crate) async fn csrf_guard(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        let headers = request.headers();
        let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if let Some(site) = site
            && !matches!(site, "same-origin" | "none")
        {
            return Err(AppError::Forbidden("This form was sent from another site."));
        }
        if site.is_none()
            && let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let own = origin == origin_of(&state.config.public_url)
                || origin == format!("http://{host}")
                || origin == format!("https://{host}");
            if !own {
                return Err(AppError::Forbidden("This form was sent from another site."));
            }
        }
    }
    Ok(next.run(request).await)
}

/// The address a request comes from: the TCP peer, or, behind a trusted reverse proxy (Heroku's
/// router, nginx), the address the proxy appended last to `X-Forwarded-For`.
pub(crate) fn client_ip(state: &AppState, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !state.config.trust_proxy {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .next_back()
        .unwrap_or(peer)
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64 network (one host
/// usually owns a whole /64, so counting single v6 addresses would be no limit at all).
fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(seg.into())
        }
    }
}

/// A fixed-window counter per client: in this process, or in Redis when the site has one, so
/// that several instances count together (an attacker cannot multiply the budget by the number
/// of instances). The window starts at a client's first attempt.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    state: Mutex<Windows>,
    redis: Option<podium_app::cluster::Redis>,
}

#[derive(Debug)]
struct Windows {
    hits: HashMap<IpAddr, (Instant, u32)>,
    last_sweep: Instant,
}

impl RateLimiter {
    /// At most `limit` attempts per `window` per client.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            state: Mutex::new(Windows {
                hits: HashMap::new(),
                last_sweep: Instant::now(),
            }),
            redis: None,
        }
    }

    /// Counts in Redis (shared by every instance) when given one.
    pub fn shared_through(mut self, redis: Option<podium_app::cluster::Redis>) -> RateLimiter {
        self.redis = redis;
        self
    }

    /// Counts an attempt; `Err(TooManyRequests)` once the window's budget is spent. While
    /// Redis is away, this instance counts alone rather than letting everyone through.
    pub(crate) async fn check(&self, ip: IpAddr) -> Result<(), AppError> {
        if let Some(redis) = &self.redis {
            match self.count_in_redis(redis, ip).await {
                Ok(count) if count > u64::from(self.limit) => {
                    return Err(AppError::TooManyRequests);
                }
                Ok(_) => return Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot count log-in attempts in Redis; counting in this instance")
                }
            }
        }
        self.check_here(ip)
    }

    /// Adds an attempt to the client's shared counter and returns the count in its window.
    /// The counter is created with the window's TTL (SET NX EX) and incremented in one
    /// MULTI/EXEC, so a counter never lives without an expiry.
    async fn count_in_redis(
        &self,
        redis: &podium_app::cluster::Redis,
        ip: IpAddr,
    ) -> Result<u64, redis::RedisError> {
        use redis::{ExistenceCheck, SetExpiry, SetOptions};
        let key = redis.key(&format!("login-attempts:{}", bucket(ip)));
        let create = SetOptions::default()
            .conditional_set(ExistenceCheck::NX)
            .with_expiration(SetExpiry::EX(self.window.as_secs().max(1)));
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .set_options(&key, 0, create)
            .ignore()
            .incr(&key, 1)
            .query_async(&mut redis.connection())
            .await?;
        Ok(count)
    }

    fn check_here(&self, ip: IpAddr) -> Result<(), AppError> {
        let now = Instant::now();
        let mut w = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget finished windows once per window, so memory stays bounded by the number of
        // clients seen in one window.
        if now.duration_since(w.last_sweep) >= self.window {
            let window = self.window;
            w.hits
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            w.last_sweep = now;
        }
        let entry = w.hits.entry(bucket(ip)).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.limit {
            Err(AppError::TooManyRequests)
        } else {
            Ok(())
        }
    }
}

/// Checks a form's synchronizer token against the session's, in constant time (a timing
/// difference must not reveal how much of a guess was right).
pub(crate) fn check_form_token(expected: &str, got: &str) -> Result<(), AppError> {
    let same = expected.len() == got.len()
        && expected
            .bytes()
            .zip(got.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same && !expected.is_empty() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This form is out of date. Please reload the page and try again.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_token_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; podium_session=abc123; b=2".parse().unwrap(),
        );
        assert_eq!(session_token(&h), Some("abc123".to_owned()));
        h.insert(header::COOKIE, "podium_session=<script>".parse().unwrap());
        assert_eq!(session_token(&h), None);
    }

    #[test]
    fn origins_drop_the_path() {
        assert_eq!(
            origin_of("https://conf.example/sub/"),
            "https://conf.example"
        );
        assert_eq!(origin_of("http://localhost:8000"), "http://localhost:8000");
    }

    #[test]
    fn limiter_counts_per_address() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        assert!(l.check_here(a).is_ok() && l.check_here(a).is_ok());
        assert!(matches!(l.check_here(a), Err(AppError::TooManyRequests)));
        assert!(l.check_here(b).is_ok());
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let same_net: IpAddr = "2001:db8::ffff".parse().unwrap();
        assert!(l.check_here(v6).is_ok() && l.check_here(same_net).is_ok());
        assert!(
            matches!(l.check_here(v6), Err(AppError::TooManyRequests)),
            "a /64 is one client"
        );
    }

    #[test]
    fn form_tokens_must_match_exactly() {
        assert!(super::check_form_token("abc123", "abc123").is_ok());
        assert!(super::check_form_token("abc123", "abc124").is_err());
        assert!(super::check_form_token("abc123", "abc12").is_err());
        assert!(
            super::check_form_token("", "").is_err(),
            "an empty token never matches"
        );
    }
}
