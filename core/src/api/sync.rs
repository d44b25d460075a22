//! Sync as the app sees it: `HealthBook::sync(config, auth, progress, cancellation)` (async), the
//! token and progress callbacks the app implements, and the conflicts it can show. Thin: the work is in `crate::sync`.

use std::sync::Arc;
use std::time::Duration;

use super::book::HealthBook;
use super::cancel::{off_thread, CallCancel, Cancellation};
use super::error::HealthBookError;
use crate::error::{Error, Result};
use crate::model::time::vietnam_offset;
use crate::model::{DateTimeOffset, Record};
use crate::store::sync::StoredConflict;
use crate::sync::client::{checked_url, Cancel, Limits};
use crate::sync::run::{Phase, Session, Target, Totals};
use crate::sync::wire::PAGE_SIZE_MAX;

type ApiResult<T> = std::result::Result<T, HealthBookError>;

/// Where and how to sync. Only `server_url` is needed; the rest have defaults.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncConfig {
    /// The backend's base URL, e.g. `https://api.example.vn`. `https` is required except for a
    /// backend on this device (127.0.0.0/8, ::1, localhost) and, in a debug build only, the
    /// emulator's host (10.0.2.2). A user name or password in the URL is refused.
    pub server_url: Url,
    /// Records per change-feed page, 1 to 1000.
    #[uniffi(default = 500)]
    pub page_size: u32,
    /// Time allowed for each request, including reading the answer; 30 seconds when absent.
    #[uniffi(default = None)]
    pub request_timeout: Option<Duration>,
    /// Tries per request when the failure is passing (connection lost, timeout, 429, 5xx).
    #[uniffi(default = 5)]
    pub max_attempts: u32,
    /// The largest answer accepted.
    #[uniffi(default = 33554432)]
    pub max_response_bytes: u64,
    /// First wait between tries (doubles each time, with jitter); half a second when absent.
    #[uniffi(default = None)]
    pub backoff_base: Option<Duration>,
    /// Longest wait between tries; a `Retry-After` longer than this ends the sync instead.
    /// 30 seconds when absent.
    #[uniffi(default = None)]
    pub backoff_max: Option<Duration>,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(500);
const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(30);

impl SyncConfig {
    /// How each request behaves, checked.
    pub(super) fn limits(&self) -> Result<Limits> {
        let timeout = self.request_timeout.unwrap_or(DEFAULT_TIMEOUT);
        if self.max_attempts == 0 || timeout.is_zero() {
            return Err(Error::validation(
                "config",
                "max_attempts must be at least 1 and request_timeout more than zero",
            ));
        }
        Ok(Limits {
            timeout,
            max_attempts: self.max_attempts,
            max_response_bytes: self.max_response_bytes,
            backoff_base: self.backoff_base.unwrap_or(DEFAULT_BACKOFF_BASE),
            backoff_max: self.backoff_max.unwrap_or(DEFAULT_BACKOFF_MAX),
        })
    }

    /// The defaults Kotlin and Swift get, for `server_url`.
    pub fn new(server_url: impl Into<String>) -> SyncConfig {
        SyncConfig {
            server_url: Url(server_url.into()),
            page_size: 500,
            request_timeout: None,
            max_attempts: 5,
            max_response_bytes: 32 * 1024 * 1024,
            backoff_base: None,
            backoff_max: None,
        }
    }
}

/// The app's login: returns the current bearer token (from the national ID login). When the
/// backend refuses it, the call ends with `AuthExpired`; refresh and call again. A provider that
/// throws ends the call with `AuthExpired` too (its message kept), and nothing is sent.
#[uniffi::export(with_foreign)]
pub trait SyncAuth: Send + Sync {
    fn access_token(&self) -> std::result::Result<String, HealthBookError>;
}

/// Progress of a sync, after each page and at each phase. Called on the core's thread; keep it
/// quick. A listener that throws misses that report; the sync goes on.
#[uniffi::export(with_foreign)]
pub trait SyncProgressListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress) -> std::result::Result<(), HealthBookError>;
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
    /// Feed entries the book refused because they would have mixed up people (a dependant's page
    /// naming someone else of the book, a record id that belongs to another person); the rest of
    /// their pages was applied, and each refusal is logged with its reason.
    pub records_refused: u32,
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

/// How a conflict is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConflictResolution {
    /// The citizen's edit goes back on top of the backend's version and is sent at the next sync.
    KeepMine,
    /// The backend's version stays; the citizen's edit is dropped.
    KeepServer,
}

#[uniffi::export(async_runtime = "tokio")]
impl HealthBook {
    /// Syncs with the backend: pulls what changed since the last sync, pushes the citizen's
    /// entries, pulls again. Every page is applied whole with its position, so after any error or
    /// a cancel the book holds everything up to the last page, all reads keep working, and the
    /// next sync resumes there. One sync per book at a time: a second one while the first runs is
    /// `SyncInProgress`. Stops when the caller is cancelled (Kotlin coroutine; Swift Task through
    /// the shipped extension) or when `cancellation` is cancelled.
    #[uniffi::method(default(progress = None, cancellation = None))]
    pub async fn sync(
        self: Arc<Self>,
        config: SyncConfig,
        auth: Arc<dyn SyncAuth>,
        progress: Option<Arc<dyn SyncProgressListener>>,
        cancellation: Option<Arc<Cancellation>>,
    ) -> ApiResult<SyncReport> {
        off_thread(cancellation, move |cancel| {
            self.sync_now(config, auth, progress, cancel)
        })
        .await
    }
}

#[uniffi::export]
impl HealthBook {
    /// The citizen's edits the backend did not take, newest first.
    pub fn sync_conflicts(&self) -> ApiResult<Vec<SyncConflict>> {
        let conflicts = self.store().conflicts()?;
        conflicts
            .into_iter()
            .map(|c| self.conflict_view(c).map_err(Into::into))
            .collect()
    }

    /// Settles a conflict one way or the other; see `ConflictResolution`.
    pub fn resolve_sync_conflict(
        &self,
        record_id: String,
        resolution: ConflictResolution,
    ) -> ApiResult<()> {
        let keep_mine = resolution == ConflictResolution::KeepMine;
        Ok(self.store().resolve_conflict(&record_id, keep_mine)?)
    }
}

impl HealthBook {
    fn sync_now(
        &self,
        config: SyncConfig,
        auth: Arc<dyn SyncAuth>,
        progress: Option<Arc<dyn SyncProgressListener>>,
        cancel: &CallCancel,
    ) -> ApiResult<SyncReport> {
        let server = server_base(config.server_url.as_str())?;
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
        let session = AppSession {
            auth,
            progress,
            cancel,
        };
        let totals = self.run_sync(&target, &session, cancel)?;
        self.follow_share_logs(&server, &session.token()?, &target.limits, &session)?;
        log::info!(
            "sync finished: {} pages, {} records received, {} deleted, {} sent, {} conflicts",
            totals.pages,
            totals.records_received,
            totals.records_deleted,
            totals.records_sent,
            totals.conflicts
        );
        Ok(SyncReport {
            pages: totals.pages,
            records_received: totals.records_received,
            records_deleted: totals.records_deleted,
            people_changed: totals.people_changed,
            records_sent: totals.records_sent,
            conflicts: totals.conflicts,
            records_refused: totals.records_refused,
        })
    }

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

/// The app's token provider, asked once per call that needs it. Its failure is the login's
/// failure: `AuthExpired`, with what the provider said.
pub(super) fn token_of(auth: &dyn SyncAuth) -> Result<String> {
    auth.access_token()
        .map_err(|failed| Error::AuthExpired(format!("the app's token provider failed ({failed})")))
}

struct AppSession<'a> {
    auth: Arc<dyn SyncAuth>,
    progress: Option<Arc<dyn SyncProgressListener>>,
    cancel: &'a CallCancel,
}

impl Cancel for AppSession<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.cancelled()
    }
}

impl Session for AppSession<'_> {
    fn token(&self) -> Result<String> {
        token_of(self.auth.as_ref())
    }

    fn progress(&self, phase: Phase, totals: &Totals) {
        let Some(listener) = &self.progress else {
            return;
        };
        let report = SyncProgress {
            phase: match phase {
                Phase::Pulling => SyncPhase::Pulling,
                Phase::Pushing => SyncPhase::Pushing,
                Phase::Done => SyncPhase::Done,
            },
            pages: totals.pages,
            records_received: totals.records_received,
            records_sent: totals.records_sent,
        };
        if let Err(failed) = listener.on_progress(report) {
            log::warn!(
                "the progress listener failed ({}); the sync goes on",
                failed.kind()
            );
        }
    }
}

/// A web address (a backend, a share's link): Foundation's `URL` in Swift, a `String` in Kotlin.
/// Any absolute URL crosses the FFI; each call checks what it needs (e.g. `https`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url(pub String);

impl Url {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

uniffi::custom_type!(Url, String, {
    try_lift: |text| Ok(Url(text)),
    lower: |url| url.0,
});

/// The backend's base URL, checked (see `checked_url`): http(s), no user name or password, no
/// query or fragment, `https` unless the backend is on this device (or, in a debug build, the
/// emulator's host). Returned in the URL parser's normal form, without a trailing `/` or `/fhir`.
pub(super) fn server_base(url: &str) -> Result<String> {
    let invalid = |reason: &str| Error::validation("config.server_url", reason.to_string());
    let text = url.trim();
    if text.chars().any(char::is_whitespace) {
        return Err(invalid("must not have spaces"));
    }
    let parsed = checked_url(text).map_err(invalid)?;
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("must not have a query, a fragment or spaces"));
    }
    let base = parsed.as_str().trim_end_matches('/');
    let base = base.strip_suffix("/fhir").unwrap_or(base);
    Ok(base.trim_end_matches('/').to_string())
}
