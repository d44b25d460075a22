//! The error the app sees. Every variant carries a message saying what happened and what to do,
//! so `e.message` in Kotlin and `localizedDescription` in Swift are never empty.
//! This is the one place internal errors are mapped (and the one place they are logged, without data).

use crate::error::Error;

#[derive(Debug, thiserror::Error, uniffi::Error)]
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

    /// The book may be read but not changed: a child's book once the guardian's management has
    /// ended (the child reached the guardian age limit, or the link ended). Nothing was written.
    #[error("read-only: {reason}")]
    ReadOnly { reason: String },
}

impl From<Error> for HealthBookError {
    fn from(error: Error) -> Self {
        match error {
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
                reason: "the sync was cancelled; what was synced before is kept, and the next sync resumes from there".into(),
            },
        }
    }
}
