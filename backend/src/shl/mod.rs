//! SMART Health Links hosting (HL7 SMART Health Cards and Links IG). The phone encrypts the
//! records the citizen chose as a compact JWE (`dir`, `A256GCM`) under a key that exists only in
//! the QR code, and uploads the ciphertext. This module stores it and serves it while the link is
//! active (before its expiry, under its use count, not revoked, not locked by wrong passcodes),
//! logs who fetched it, lets its creator revoke it, and serves the check-in viewer page that
//! decrypts it in the doctor's browser.
//!
//! It must never decrypt a file, ask for or log a key, log a file or a passcode, or tell an
//! outsider why a link does not answer: unknown, expired, used up, revoked, locked and
//! passcode-protected links all get the same 404.

pub mod http;
mod manage;
mod open;
mod passcode;
pub mod rate_limit;
mod upload;
mod viewer;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;

use crate::outcome::{ApiError, Issue};
use crate::storage::{StorageError, StoredShare};

/// The largest file accepted (the JWE text).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// A link lives at most this long: a check-in visit, not a standing permission.
pub const MAX_LIFETIME_SECS: i64 = 24 * 3600;
/// The most live links (unrevoked, unexpired) one citizen may hold at once.
pub const MAX_LIVE_SHARES: i64 = 20;
/// The most bytes of live files one citizen may hold at once: four full-size shares.
pub const MAX_LIVE_SHARE_BYTES: i64 = 4 * MAX_FILE_BYTES as i64;
/// Wrong passcodes allowed before a link locks, unless `--shl-passcode-attempts` says otherwise.
pub const DEFAULT_PASSCODE_ATTEMPTS: u32 = 5;
/// The most `--shl-passcode-attempts` accepts.
pub const MAX_PASSCODE_ATTEMPTS: u32 = 100;
/// A link's file and access log are kept this long after it expired, so the citizen can still
/// read who looked; then the link is forgotten.
pub const LOG_RETENTION_SECS: i64 = 90 * 24 * 3600;

/// The content types a link may carry (those of the SMART Health Links spec).
pub const CONTENT_TYPES: [&str; 3] = [
    "application/fhir+json",
    "application/smart-health-card",
    "application/smart-api-access",
];

/// Share settings from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareSettings {
    /// Wrong passcodes that lock a link.
    pub passcode_attempts: u32,
}

/// The one answer for every link that does not serve: the same status, headers and body whether
/// it never existed, expired, was used up, revoked, locked or needs a passcode.
const GONE: &str =
    "no active share link at this address: ask the citizen to share their health book again";

/// Why a share request is refused.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// 404, identical for every reason a link does not serve.
    #[error("no active share link")]
    Gone,
    /// 400 naming the field at fault.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// 413: the file is over [`MAX_FILE_BYTES`].
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// 401 `{"remainingAttempts": n}` (SMART Health Links manifest).
    #[error("wrong or missing passcode; {remaining} attempts left")]
    WrongPasscode { remaining: i64 },
    /// 429 with `Retry-After`.
    #[error("too many requests from this client; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// 429 with `Retry-After` (when the citizen's first live link expires): the upload quota.
    #[error("the citizen's live share links are at the quota; retry in {retry_after_secs} s")]
    QuotaReached { retry_after_secs: u64 },
    /// Anything the rest of the server answers (401 token, 403, 500).
    #[error("{}", .0.status)]
    Api(ApiError),
}

impl ShareError {
    fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ShareError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl From<ApiError> for ShareError {
    fn from(error: ApiError) -> Self {
        ShareError::Api(error)
    }
}

impl From<StorageError> for ShareError {
    fn from(error: StorageError) -> Self {
        ShareError::Api(error.into())
    }
}

impl IntoResponse for ShareError {
    fn into_response(self) -> Response {
        match self {
            ShareError::Gone => ApiError::not_found("url", GONE).into_response(),
            ShareError::Invalid { field, reason } => {
                ApiError::bad_request(field, reason).into_response()
            }
            ShareError::TooLarge { limit } => ApiError::one(
                StatusCode::PAYLOAD_TOO_LARGE,
                Issue::new(
                    "too-long",
                    format!("the file is larger than {limit} bytes: share fewer records"),
                )
                .at("file"),
            )
            .into_response(),
            ShareError::WrongPasscode { remaining } => (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({ "remainingAttempts": remaining })),
            )
                .into_response(),
            ShareError::RateLimited { retry_after_secs } => too_many(
                format!("too many requests from this address; try again in {retry_after_secs} s"),
                retry_after_secs,
            ),
            ShareError::QuotaReached { retry_after_secs } => too_many(
                format!(
                    "you already hold as many live share links as a citizen may ({MAX_LIVE_SHARES} links, \
                     {} MiB in all): revoke one, or wait {retry_after_secs} s for the next to expire",
                    MAX_LIVE_SHARE_BYTES / (1024 * 1024)
                ),
                retry_after_secs,
            ),
            ShareError::Api(error) => error.into_response(),
        }
    }
}

/// A 429 with `Retry-After`.
fn too_many(diagnostics: String, retry_after_secs: u64) -> Response {
    let mut response = ApiError::one(
        StatusCode::TOO_MANY_REQUESTS,
        Issue::new("throttled", diagnostics),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// A new link id: 32 bytes from the system's secure random source, base64url without padding
/// (43 characters, 256 bits): unguessable, so the id itself is the capability to ask.
pub fn new_link_id(random: &SystemRandom) -> Result<String, ShareError> {
    let mut bytes = [0u8; 32];
    random
        .fill(&mut bytes)
        .map_err(|_| ApiError::internal("the system's random source failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `text` could be a link id (or a file ticket): 43 base64url characters. Anything else
/// is answered as gone without a lookup.
pub fn is_link_id(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether the link serves its file at `now` (unix seconds) under a limit of `passcode_attempts`.
pub fn is_active(share: &StoredShare, now: i64, passcode_attempts: u32) -> bool {
    !share.revoked
        && share.file.is_some()
        && now < share.expires_at
        && share.max_uses.is_none_or(|max| share.uses < max)
        && share.failed_attempts < i64::from(passcode_attempts)
}

/// The SMART Health Links flag of a link: `P` when it needs a passcode, `U` when its file can be
/// fetched directly with `GET`.
pub fn flag(share: &StoredShare) -> &'static str {
    if share.passcode.is_some() {
        "P"
    } else {
        "U"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StoredPasscode;

    fn share() -> StoredShare {
        StoredShare {
            id: "x".repeat(43),
            creator_id: "p1".into(),
            person_id: "p1".into(),
            file: Some("a.b.c.d.e".into()),
            content_type: "application/fhir+json".into(),
            label: None,
            expires_at: 1_000,
            max_uses: Some(2),
            uses: 0,
            revoked: false,
            passcode: None,
            failed_attempts: 0,
            created_at: 900,
        }
    }

    #[test]
    fn link_ids_are_256_random_bits_in_base64url() {
        let random = SystemRandom::new();
        let a = new_link_id(&random).expect("random");
        let b = new_link_id(&random).expect("random");
        assert_eq!(a.len(), 43);
        assert!(is_link_id(&a) && is_link_id(&b));
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).expect("base64url").len(), 32);
        assert!(!is_link_id("short"));
        assert!(!is_link_id(&"+".repeat(43)));
    }

    #[test]
    fn a_link_is_active_only_before_expiry_under_its_uses_unrevoked_and_unlocked() {
        let active = share();
        assert!(is_active(&active, 999, 5));
        let cases: [(&str, StoredShare, i64); 5] = [
            ("expired", share(), 1_000),
            ("used up", StoredShare { uses: 2, ..share() }, 10),
            (
                "revoked",
                StoredShare {
                    revoked: true,
                    ..share()
                },
                10,
            ),
            (
                "locked",
                StoredShare {
                    failed_attempts: 5,
                    ..share()
                },
                10,
            ),
            (
                "file dropped",
                StoredShare {
                    file: None,
                    ..share()
                },
                10,
            ),
        ];
        for (case, share, now) in cases {
            assert!(!is_active(&share, now, 5), "{case}");
        }
        let unlimited = StoredShare {
            max_uses: None,
            uses: 1_000,
            ..share()
        };
        assert!(is_active(&unlimited, 10, 5));
    }

    #[test]
    fn the_flag_says_whether_a_passcode_is_needed() {
        assert_eq!(flag(&share()), "U");
        let protected = StoredShare {
            passcode: Some(StoredPasscode {
                salt: vec![1],
                hash: vec![2],
                iterations: 1,
            }),
            ..share()
        };
        assert_eq!(flag(&protected), "P");
    }
}
