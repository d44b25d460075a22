//! Sync as the app sees it: `HealthBook::sync(config, auth, listener)`, the token and progress
//! callbacks the app implements, and the conflicts it can show. Thin: the work is in `crate::sync`.

use std::sync::Arc;
use std::time::Duration;

use super::book::HealthBook;
use super::error::HealthBookError;
use crate::error::{Error, Result};
use crate::model::time::vietnam_offset;
use crate::model::{DateTimeOffset, Record};
use crate::store::sync::StoredConflict;
use crate::sync::client::{Cancel, Limits};
use crate::sync::run::{Phase, Session, Target, Totals};
use crate::sync::wire::PAGE_SIZE_MAX;

type ApiResult<T> = std::result::Result<T, HealthBookError>;

/// Where and how to sync. Only `server_url` is needed; the rest have defaults.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncConfig {
    /// The backend's base URL, e.g. `https://api.example.vn`. `https` is required except for a
    /// backend on this device or the emulator's host (127.0.0.1, localhost, 10.0.2.2).
    pub server_url: String,
    /// Records per change-feed page, 1 to 1000.
    #[uniffi(default = 500)]
    pub page_size: u32,
    /// Time allowed for each request, including reading the answer.
    #[uniffi(default = 30000)]
    pub request_timeout_ms: u32,
    /// Tries per request when the failure is passing (connection lost, timeout, 429, 5xx).
    #[uniffi(default = 5)]
    pub max_attempts: u32,
    /// The largest answer accepted.
    #[uniffi(default = 33554432)]
    pub max_response_bytes: u64,
    /// First wait between tries; doubles each time, with jitter.
    #[uniffi(default = 500)]
    pub backoff_base_ms: u32,
    /// Longest wait between tries; a `Retry-After` longer than this ends the sync instead.
    #[uniffi(default = 30000)]
    pub backoff_max_ms: u32,
}

impl SyncConfig {
    /// How each request behaves, checked.
    pub(super) fn limits(&self) -> Result<Limits> {
        if self.max_attempts == 0 || self.request_timeout_ms == 0 {
            return Err(Error::validation(
                "config",
                "max_attempts and request_timeout_ms must be at least 1",
            ));
        }
        Ok(Limits {
            timeout: Duration::from_millis(self.request_timeout_ms.into()),
            max_attempts: self.max_attempts,
            max_response_bytes: self.max_response_bytes,
            backoff_base: Duration::from_millis(self.backoff_base_ms.into()),
            backoff_max: Duration::from_millis(self.backoff_max_ms.into()),
        })
    }

    /// The defaults Kotlin and Swift get, for `server_url`.
    pub fn new(server_url: impl Into<String>) -> SyncConfig {
        SyncConfig {
            server_url: server_url.into(),
            page_size: 500,
            request_timeout_ms: 30_000,
            max_attempts: 5,
            max_response_bytes: 32 * 1024 * 1024,
            backoff_base_ms: 500,
            backoff_max_ms: 30_000,
        }
    }
}

/// The app's login: returns the current bearer token (from the national ID login). When the
/// backend refuses it, `sync` ends with `AuthExpired`; refresh and call `sync` again.
#[uniffi::export(with_foreign)]
pub trait SyncAuth: Send + Sync {
    fn access_token(&self) -> String;
}

/// Progress and cancellation. `is_cancelled` is asked between steps and every 50 ms while waiting
/// on the network; return true to stop (the sync then ends with `Cancelled`, keeping what it applied).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
    fn is_cancelled(&self) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    Pulling,
    Pushing,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub pages: u32,
    pub records_received: u32,
    pub records_sent: u32,
}

/// What a finished sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub pages: u32,
    pub records_received: u32,
    pub records_deleted: u32,
    pub people_changed: u32,
    pub records_sent: u32,
    /// Citizen edits the backend did not take in this sync; see `sync_conflicts`.
    pub conflicts: u32,
}

/// A citizen edit the backend did not take (changed elsewhere first, or refused). Never dropped:
/// the app shows it and calls `resolve_sync_conflict`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncConflict {
    pub record_id: String,
    pub person_id: String,
    /// The citizen's edit; `None` when the edit was a deletion.
    pub local: Option<Record>,
    /// The record as the book now has it (the backend's version); `None` when it was deleted.
    pub current: Option<Record>,
    pub reason: String,
    pub detected_at: DateTimeOffset,
}

#[uniffi::export]
impl HealthBook {
    /// Syncs with the backend: pulls what changed since the last sync, pushes the citizen's
    /// entries, pulls again. Blocking: call it off the main thread. Every page is applied whole
    /// with its position, so after any error the book holds everything up to the last page, all
    /// reads keep working, and the next sync resumes there.
    pub fn sync(
        &self,
        config: SyncConfig,
        auth: Arc<dyn SyncAuth>,
        listener: Arc<dyn SyncListener>,
    ) -> ApiResult<SyncReport> {
        let server = server_base(&config.server_url)?;
        if config.page_size == 0 || config.page_size > PAGE_SIZE_MAX {
            return Err(Error::validation(
                "config.page_size",
                format!("must be 1 to {PAGE_SIZE_MAX}"),
            )
            .into());
        }
        let target = Target {
            server: &server,
            page_size: config.page_size,
            limits: config.limits()?,
        };
        let session = AppSession { auth, listener };
        let totals = self.run_sync(&target, &session)?;
        self.follow_share_logs(&server, &session.token(), &target.limits, &session)?;
        Ok(SyncReport {
            pages: totals.pages,
            records_received: totals.records_received,
            records_deleted: totals.records_deleted,
            people_changed: totals.people_changed,
            records_sent: totals.records_sent,
            conflicts: totals.conflicts,
        })
    }

    /// The citizen's edits the backend did not take, newest first.
    pub fn sync_conflicts(&self) -> ApiResult<Vec<SyncConflict>> {
        let conflicts = self.store().conflicts()?;
        conflicts
            .into_iter()
            .map(|c| self.conflict_view(c).map_err(Into::into))
            .collect()
    }

    /// Settles a conflict: `keep_mine` puts the citizen's edit back on top of the backend's
    /// version (sent at the next sync); otherwise the backend's version stays and the edit goes.
    pub fn resolve_sync_conflict(&self, record_id: String, keep_mine: bool) -> ApiResult<()> {
        Ok(self.store().resolve_conflict(&record_id, keep_mine)?)
    }
}

impl HealthBook {
    fn conflict_view(&self, conflict: StoredConflict) -> Result<SyncConflict> {
        let current = match self.store().record(&conflict.record_id) {
            Ok(record) => Some(record),
            Err(Error::NotFound(_)) => None,
            Err(other) => return Err(other),
        };
        let detected_at = chrono::DateTime::from_timestamp_millis(conflict.detected_ms)
            .unwrap_or_default()
            .with_timezone(&vietnam_offset());
        Ok(SyncConflict {
            record_id: conflict.record_id,
            person_id: conflict.person_id,
            local: conflict.local,
            current,
            reason: conflict.reason,
            detected_at,
        })
    }
}

struct AppSession {
    auth: Arc<dyn SyncAuth>,
    listener: Arc<dyn SyncListener>,
}

impl Cancel for AppSession {
    fn cancelled(&self) -> bool {
        self.listener.is_cancelled()
    }
}

impl Session for AppSession {
    fn token(&self) -> String {
        self.auth.access_token()
    }

    fn progress(&self, phase: Phase, totals: &Totals) {
        self.listener.on_progress(SyncProgress {
            phase: match phase {
                Phase::Pulling => SyncPhase::Pulling,
                Phase::Pushing => SyncPhase::Pushing,
                Phase::Done => SyncPhase::Done,
            },
            pages: totals.pages,
            records_received: totals.records_received,
            records_sent: totals.records_sent,
        });
    }
}

/// The backend's base URL, checked: http(s), no query or fragment, `https` unless the backend is
/// on this device or the emulator's host. Trailing `/` and `/fhir` are dropped.
pub(super) fn server_base(url: &str) -> Result<String> {
    let invalid = |reason: &str| Error::validation("config.server_url", reason.to_string());
    let url = url.trim().trim_end_matches('/');
    let url = url.strip_suffix("/fhir").unwrap_or(url);
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("is not a URL like https://api.example.vn"))?;
    if url.contains(['?', '#', ' ']) {
        return Err(invalid("must not have a query, a fragment or spaces"));
    }
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() {
        return Err(invalid("has no host"));
    }
    match scheme {
        "https" => Ok(url.to_string()),
        "http" if matches!(host, "127.0.0.1" | "localhost" | "10.0.2.2" | "[::1]") => {
            Ok(url.to_string())
        }
        "http" => Err(invalid(
            "must use https (plain http is allowed only for a backend on this device)",
        )),
        _ => Err(invalid("must be an https URL")),
    }
}
