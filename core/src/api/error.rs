//! The error the app sees. Every variant carries a message saying what happened and what to do;
//! its `Display` is exported, so Kotlin's `e.message` and Swift's `localizedDescription` are that
//! sentence (not a list of fields). This is the one place internal errors are mapped (and logged,
//! by kind only: the reasons may name a record or a field's value).

use crate::error::Error;

#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum HealthBookError {
    /// The key does not open the book. The file is left exactly as it was.
    #[error("wrong key: {reason}")]
    WrongKey { reason: String },

    /// Input broke a rule; `field` names it (e.g. `person.personal_id`). Nothing was written.
    #[error("invalid {field}: {reason}")]
    Validation { field: String, reason: String },

    #[error("not found: {reason}")]
    NotFound { reason: String },

    #[error("network error: {reason}")]
    Network { reason: String },

    /// The login expired: refresh the token and call again.
    #[error("authentication expired: {reason}")]
    AuthExpired { reason: String },

    #[error("server error {status}: {reason}")]
    Server { status: u16, reason: String },

    /// The database could not be read or written; the book is unchanged.
    #[error("storage error: {reason}")]
    Storage { reason: String },

    /// The shared link is no longer served: expired, used up or revoked (the server does not say
    /// which), or it never existed. Ask the citizen for a new QR.
    #[error("share expired: {reason}")]
    ShareExpired { reason: String },

    /// The shared content cannot be read: the link's key does not open it, it was modified on the
    /// way, or it is not a health record. Nothing was shown from it.
    #[error("share unreadable: {reason}")]
    ShareUnreadable { reason: String },

    #[error("cancelled: {reason}")]
    Cancelled { reason: String },

    /// `sync` was called while another sync of the same book was running. The running one goes
    /// on; wait for it (its result says what changed) instead of starting another.
    #[error("sync already running: {reason}")]
    SyncInProgress { reason: String },

    /// The book was closed with `close()`; open it again to use it.
    #[error("closed: {reason}")]
    Closed { reason: String },

    /// A function the app gave the core (token provider, progress or log sink) threw.
    #[error("the app's callback failed: {reason}")]
    CallbackFailed { reason: String },

    /// A bug in the core stopped the call; nothing half-done was written.
    #[error("internal error: {reason}")]
    Internal { reason: String },

    /// The book may be read but not changed: a child's book once the guardian's management has
    /// ended (the child reached the guardian age limit, or the link ended). Nothing was written.
    #[error("read-only: {reason}")]
    ReadOnly { reason: String },
}

impl From<Error> for HealthBookError {
    fn from(error: Error) -> Self {
        let public = match error {
            Error::Validation(v) => HealthBookError::Validation {
                field: v.field,
                reason: v.reason,
            },
            Error::WrongKey => HealthBookError::WrongKey {
                reason: "this key does not open the health book (or the file is not a health book); \
                         the file was not changed. Use the key the book was created or last rekeyed with."
                    .into(),
            },
            Error::NotFound(what) => HealthBookError::NotFound {
                reason: format!("{what} is not in this book"),
            },
            Error::NewerSchema { .. } => HealthBookError::Storage {
                reason: format!("{error}; update the app to open it"),
            },
            Error::Sqlite(_) | Error::CorruptRecord(_) | Error::Storage(_) => HealthBookError::Storage {
                reason: format!("{error}; the book was not changed by this call"),
            },
            Error::Network(reason) => HealthBookError::Network {
                reason: format!(
                    "{reason}; the book keeps everything synced so far, and the next sync resumes from there"
                ),
            },
            Error::AuthExpired(reason) => HealthBookError::AuthExpired {
                reason: format!("{reason}; refresh the login and sync again"),
            },
            Error::Server { status, reason } => HealthBookError::Server { status, reason },
            Error::ReadOnly(reason) => HealthBookError::ReadOnly { reason },
            Error::ShareExpired(reason) => HealthBookError::ShareExpired { reason },
            Error::ShareUnreadable(reason) => HealthBookError::ShareUnreadable { reason },
            Error::Cancelled => HealthBookError::Cancelled {
                reason: "the call was stopped as asked; what it had finished is kept (a sync resumes from there next time)".into(),
            },
            Error::SyncInProgress => HealthBookError::SyncInProgress {
                reason: "another sync of this book is running; wait for it to finish".into(),
            },
            Error::Closed => HealthBookError::Closed {
                reason: "the book was closed; open it again with its key".into(),
            },
        };
        log::warn!(target: "healthbook", "call failed: {}", public.kind());
        public
    }
}

/// A foreign callback threw something that is not a `HealthBookError`: a typed error, never a panic.
impl From<uniffi::UnexpectedUniFFICallbackError> for HealthBookError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HealthBookError::CallbackFailed {
            reason: error.reason,
        }
    }
}

impl HealthBookError {
    /// The variant's name: what may be logged about an error (never its reason).
    pub fn kind(&self) -> &'static str {
        match self {
            HealthBookError::WrongKey { .. } => "WrongKey",
            HealthBookError::Validation { .. } => "Validation",
            HealthBookError::NotFound { .. } => "NotFound",
            HealthBookError::Network { .. } => "Network",
            HealthBookError::AuthExpired { .. } => "AuthExpired",
            HealthBookError::Server { .. } => "Server",
            HealthBookError::Storage { .. } => "Storage",
            HealthBookError::ShareExpired { .. } => "ShareExpired",
            HealthBookError::ShareUnreadable { .. } => "ShareUnreadable",
            HealthBookError::Cancelled { .. } => "Cancelled",
            HealthBookError::ReadOnly { .. } => "ReadOnly",
            HealthBookError::SyncInProgress { .. } => "SyncInProgress",
            HealthBookError::Closed { .. } => "Closed",
            HealthBookError::CallbackFailed { .. } => "CallbackFailed",
            HealthBookError::Internal { .. } => "Internal",
        }
    }
}
