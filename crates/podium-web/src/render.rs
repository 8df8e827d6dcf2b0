//! Turning stored text into safe HTML: Markdown (sanitized), slide and video embeds from an
//! allow-list of providers (never an arbitrary iframe), and times on the conference's clock.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use url::Url;

/// Markdown to HTML with everything dangerous removed (scripts, event handlers, `javascript:`
/// links, iframes, styles). Links get `rel="noopener noreferrer"`.
pub fn markdown(md: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(md, options);
    let mut html = String::with_capacity(md.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

/// Plain text of Markdown, shortened to about `max` characters on a word boundary (for meta
/// descriptions).
pub fn summary(md: &str, max: usize) -> String {
    let mut text = String::new();
    for event in pulldown_cmark::Parser::new(md) {
        match event {
            pulldown_cmark::Event::Text(t) | pulldown_cmark::Event::Code(t) => text.push_str(&t),
            pulldown_cmark::Event::SoftBreak | pulldown_cmark::Event::HardBreak => text.push(' '),
            pulldown_cmark::Event::End(
                pulldown_cmark::TagEnd::Paragraph
                | pulldown_cmark::TagEnd::Heading(_)
                | pulldown_cmark::TagEnd::Item
                | pulldown_cmark::TagEnd::BlockQuote(_)
                | pulldown_cmark::TagEnd::CodeBlock,
            ) => text.push(' '),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        if out.len() + w.len() + 1 > max {
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// An embeddable player for a known provider.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Embed {
    /// Provider name shown to people ("YouTube").
    pub provider: &'static str,
    /// The iframe `src`: always an https URL we built from a validated id.
    pub src: String,
}

fn https_url(link: &str) -> Option<Url> {
    let url = Url::parse(link.trim()).ok()?;
    matches!(url.scheme(), "https" | "http").then_some(url)
}

fn host(url: &Url) -> &str {
    url.host_str()
        .unwrap_or_default()
        .trim_start_matches("www.")
        .trim_start_matches("m.")
}

fn is_token(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default()
}

/// A video player for YouTube (through youtube-nocookie.com) and Vimeo links; `None` for any
/// other link, which the page then shows as a plain link.
pub fn video_embed(link: &str) -> Option<Embed> {
    let url = https_url(link)?;
    let path = segments(&url);
    let youtube = |id: &str| {
        (id.len() == 11 && is_token(id, 11)).then(|| Embed {
            provider: "YouTube",
            src: format!("https://www.youtube-nocookie.com/embed/{id}"),
        })
    };
    match host(&url) {
        "youtube.com" => match path.as_slice() {
            ["watch"] => {
                let id = url
                    .query_pairs()
                    .find(|(k, _)| k == "v")
                    .map(|(_, v)| v.into_owned())?;
                youtube(&id)
            }
            ["embed" | "shorts" | "live", id] => youtube(id),
            _ => None,
        },
        "youtu.be" => match path.as_slice() {
            [id] => youtube(id),
            _ => None,
        },
        "vimeo.com" => match path.as_slice() {
            [id] if id.bytes().all(|b| b.is_ascii_digit()) && id.len() <= 12 => Some(Embed {
                provider: "Vimeo",
                src: format!("https://player.vimeo.com/video/{id}"),
            }),
            _ => None,
        },
        "player.vimeo.com" => match path.as_slice() {
            ["video", id] if id.bytes().all(|b| b.is_ascii_digit()) && id.len() <= 12 => {
                Some(Embed {
                    provider: "Vimeo",
                    src: format!("https://player.vimeo.com/video/{id}"),
                })
            }
            _ => None,
        },
        _ => None,
    }
}

/// A slide viewer for Slides.com decks, Speaker Deck player links and SlideShare embed links.
/// Public Speaker Deck and SlideShare page URLs do not contain the id their players need, so
/// those stay plain links.
pub fn slides_embed(link: &str) -> Option<Embed> {
    let url = https_url(link)?;
    let path = segments(&url);
    match (host(&url), path.as_slice()) {
        ("slides.com", [user, deck, ..]) if is_token(user, 64) && is_token(deck, 128) => {
            Some(Embed {
                provider: "Slides.com",
                src: format!("https://slides.com/{user}/{deck}/embed"),
            })
        }
        ("speakerdeck.com", ["player", id]) if is_token(id, 64) => Some(Embed {
            provider: "Speaker Deck",
            src: format!("https://speakerdeck.com/player/{id}"),
        }),
        ("slideshare.net", ["slideshow", "embed_code", "key", key]) if is_token(key, 64) => {
            Some(Embed {
                provider: "SlideShare",
                src: format!("https://www.slideshare.net/slideshow/embed_code/key/{key}"),
            })
        }
        _ => None,
    }
}

/// A short human name for where a link points ("Speaker Deck", "example.org").
pub fn link_label(link: &str) -> String {
    let Some(url) = https_url(link) else {
        return link.to_owned();
    };
    let h = host(&url);
    let known = match h {
        "youtube.com" | "youtu.be" => "YouTube",
        "vimeo.com" => "Vimeo",
        "slides.com" => "Slides.com",
        "speakerdeck.com" => "Speaker Deck",
        "slideshare.net" => "SlideShare",
        "github.com" => "GitHub",
        _ if url.path().to_ascii_lowercase().ends_with(".pdf") => "PDF",
        _ => return h.to_owned(),
    };
    known.to_owned()
}

/// True for `http(s)` links, the only ones rendered as anchors.
pub fn is_web_link(link: &str) -> bool {
    https_url(link).is_some()
}

/// `10:15` on the conference's wall clock.
pub fn clock(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone())
        .strftime("%H:%M")
        .to_string()
}

/// `Friday 24 September 2027` on the conference's wall clock.
pub fn long_day(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone())
        .strftime("%A %-d %B %Y")
        .to_string()
}

/// `Friday 24 September 2027` for a calendar date.
pub fn long_date(d: jiff::civil::Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

/// `Fri 24 Sep` for a calendar date.
pub fn short_date(d: jiff::civil::Date) -> String {
    d.strftime("%a %-d %b").to_string()
}

/// The zone's abbreviation at that instant (`IST`, `CEST`).
pub fn zone_abbreviation(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone()).strftime("%Z").to_string()
}

/// The origins our embeds point at (also the page's CSP `frame-src`).
pub const EMBED_ORIGINS: &[&str] = &[
    "https://www.youtube-nocookie.com/",
    "https://player.vimeo.com/",
    "https://slides.com/",
    "https://speakerdeck.com/",
    "https://www.slideshare.net/",
];

/// Every tag in `html` that could run script or load foreign content: script-ish elements,
/// event-handler attributes, styles that load URLs, `javascript:`/`data:` URLs. Iframes are allowed only
/// with a `src` our embed allow-list produces. Used by tests to audit every rendered page.
pub fn dangerous_markup(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let tag = rest[start..end].to_ascii_lowercase();
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let bad_element = [
            "script", "iframe", "object", "embed", "svg", "math", "form", "input", "style", "base",
            "meta", "link",
        ]
        .contains(&name.as_str());
        let bad_attr = tag.split_whitespace().skip(1).any(|a| {
            let name = a.split('=').next().unwrap_or_default();
            (a.contains('=') && name.starts_with("on"))
                || a.contains("javascript:")
                || a.contains("=\"data:")
                || (name == "style" && (tag.contains("url(") || tag.contains("expression(")))
        });
        // Our own forms post to this site only.
        let own_form = name == "form" && tag.contains("action=\"/") && !tag.contains("action=\"//");
        let allowed_iframe = name == "iframe"
            && EMBED_ORIGINS
                .iter()
                .any(|o| tag.contains(&format!("src=\"{o}")));
        if (bad_element && !allowed_iframe && !own_form) || bad_attr {
            found.push(tag);
        }
        rest = &rest[end..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Payloads from the OWASP XSS filter evasion cheat sheet and friends.
    pub(crate) const XSS: &[&str] = &[
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<body onload=alert(1)>",
        "<scr<script>ipt>alert(1)</script>",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "![x](x\" onerror=\"alert(1))",
        "<form action=\"https://evil.example\"><input name=q></form>",
    ];

    #[test]
    fn the_checker_catches_what_it_should() {
        assert_eq!(dangerous_markup("<p>onerror=x javascript:y</p>").len(), 0);
        assert_eq!(dangerous_markup("<img src=x onerror=alert(1)>").len(), 1);
        assert_eq!(
            dangerous_markup("<a href=\"javascript:alert(1)\">").len(),
            1
        );
        assert_eq!(dangerous_markup("<script>").len(), 1);
    }

    #[test]
    fn markdown_renders_and_stays_inert() {
        assert_eq!(
            markdown("**bold** and `code`"),
            "<p><strong>bold</strong> and <code>code</code></p>\n"
        );
        for payload in XSS {
            let html = markdown(payload);
            assert_eq!(
                dangerous_markup(&html),
                Vec::<String>::new(),
                "{payload:?} rendered as {html:?}"
            );
        }
    }

    #[test]
    fn youtube_and_vimeo_links_embed_through_the_allow_list() {
        let src = |l: &str| video_embed(l).map(|e| e.src);
        assert_eq!(
            src("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3"),
            Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ".into())
        );
        assert_eq!(
            src("https://youtu.be/dQw4w9WgXcQ"),
            Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ".into())
        );
        assert_eq!(
            src("https://vimeo.com/123456"),
            Some("https://player.vimeo.com/video/123456".into())
        );
        assert_eq!(src("https://evil.example/watch?v=dQw4w9WgXcQ"), None);
        assert_eq!(
            src("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ"),
            None
        );
        assert_eq!(src("javascript:alert(1)"), None);
        assert_eq!(src("https://www.youtube.com/watch?v=\"><script>"), None);
    }

    #[test]
    fn slides_links_embed_only_for_known_players() {
        let src = |l: &str| slides_embed(l).map(|e| e.src);
        assert_eq!(
            src("https://slides.com/asha/async-io"),
            Some("https://slides.com/asha/async-io/embed".into())
        );
        assert_eq!(
            src("https://speakerdeck.com/player/0123abcd"),
            Some("https://speakerdeck.com/player/0123abcd".into())
        );
        assert_eq!(
            src("https://www.slideshare.net/slideshow/embed_code/key/AbC12"),
            Some("https://www.slideshare.net/slideshow/embed_code/key/AbC12".into())
        );
        assert_eq!(src("https://speakerdeck.com/asha/deck"), None);
        assert_eq!(src("https://example.org/slides.pdf"), None);
        assert_eq!(link_label("https://example.org/x/slides.PDF"), "PDF");
    }

    #[test]
    fn summary_is_plain_and_short() {
        assert_eq!(
            summary("Hello **world**, this is `code`.", 100),
            "Hello world, this is code."
        );
        assert_eq!(summary("one two three four", 9), "one two…");
    }
}
