//! Every route of the site, read from podium-web's source: each `.route("PATH", …)` call with
//! the methods its handler expression names (`get(…)`, `.post(…)`), and each API operation's
//! `#[utoipa::path(METHOD, path = "PATH")]`. The suites compare this list with the routes
//! they know, so a route added without its security test fails them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text from `open` (an index just after a `(`) to its matching `)`.
fn until_close(text: &str, open: usize) -> &str {
    let mut depth = 1;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open..open + i];
                }
            }
            _ => {}
        }
    }
    &text[open..]
}

/// Methods a handler expression routes: `get(`, `post(`, `.put(`… as whole words.
fn methods_in(handler: &str) -> Vec<&'static str> {
    METHODS
        .iter()
        .copied()
        .filter(|m| {
            handler.match_indices(&format!("{m}(")).any(|(i, _)| {
                i == 0
                    || !handler[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .collect()
}

/// Every (METHOD, path) of the site, such as `("POST", "/{slug}/organizer/sponsors")`.
pub(crate) fn all() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../podium-web/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let args = until_close(&text, at + ".route(".len());
            let Some(rest) = args.trim_start().strip_prefix('"') else {
                continue;
            };
            let Some(end) = rest.find('"') else { continue };
            let path = &rest[..end];
            for m in methods_in(&rest[end..]) {
                routes.insert((m.to_ascii_uppercase(), path.to_owned()));
            }
        }
        for (at, _) in text.match_indices("#[utoipa::path(") {
            let args = until_close(&text, at + "#[utoipa::path(".len());
            let method = args.split(',').next().unwrap_or_default().trim();
            let Some(path) = args
                .split("path = \"")
                .nth(1)
                .and_then(|p| p.split('"').next())
            else {
                continue;
            };
            if METHODS.contains(&method) {
                routes.insert((method.to_ascii_uppercase(), path.to_owned()));
            }
        }
    }
    assert!(
        routes.len() > 50,
        "the route scan found only {routes:?}: did podium-web's routing style change?"
    );
    routes
}

/// Routes that change state (every method but GET).
pub(crate) fn state_changing() -> BTreeSet<(String, String)> {
    all().into_iter().filter(|(m, _)| m != "GET").collect()
}

/// GET routes.
pub(crate) fn reads() -> BTreeSet<String> {
    all()
        .into_iter()
        .filter(|(m, _)| m == "GET")
        .map(|(_, p)| p)
        .collect()
}
