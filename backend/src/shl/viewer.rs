//! `GET /view`: the check-in viewer, one self-contained HTML page (`viewer.html`, inline CSS and
//! JS) that reads a `shlink:/…` payload from the URL's fragment, fetches the file from this
//! server and decrypts it in the browser. The fragment, and so the key, never reaches a server.
//!
//! The page is sent with a Content-Security-Policy that allows exactly its own inline script and
//! style (by SHA-256), fetches only from this origin, no framing and no forms, plus
//! `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.

use std::sync::LazyLock;

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::auth::sha256;

/// The page, as served.
pub const PAGE: &str = include_str!("viewer.html");

static POLICY: LazyLock<String> = LazyLock::new(|| content_security_policy(PAGE));

/// The text between the first `<{tag}>` and its `</{tag}>`.
fn inline_block<'a>(page: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = page.find(&open)? + open.len();
    let end = start + page[start..].find(&format!("</{tag}>"))?;
    Some(&page[start..end])
}

fn source_hash(block: Option<&str>) -> String {
    match block {
        Some(text) => format!("'sha256-{}'", STANDARD.encode(sha256(text.as_bytes()))),
        None => "'none'".to_string(),
    }
}

fn content_security_policy(page: &str) -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; img-src data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        source_hash(inline_block(page, "script")),
        source_hash(inline_block(page, "style")),
    )
}

pub async fn page() -> Response {
    let policy = HeaderValue::from_str(&POLICY)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, policy),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
        ],
        PAGE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_pages_own_script_and_style() {
        let policy = content_security_policy(PAGE);
        let script = inline_block(PAGE, "script").expect("the page has its script inline");
        let style = inline_block(PAGE, "style").expect("the page has its style inline");
        assert!(policy.contains(&source_hash(Some(script))), "{policy}");
        assert!(policy.contains(&source_hash(Some(style))), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        assert_eq!(PAGE.matches("<script").count(), 1, "one inline script");
        assert_eq!(PAGE.matches("<style").count(), 1, "one inline style");
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        // (The FHIR system URLs in the script are names, not addresses it loads.)
        for needle in [
            " src=",
            "<img",
            "<iframe",
            "rel=\"stylesheet\"",
            "@import",
            "url(",
            "style=\"",
            "innerHTML",
            "eval(",
        ] {
            assert!(!PAGE.contains(needle), "the page contains {needle}");
        }
    }
}
