//! The core's internal error: rich, with `From` conversions, never shown to the app as is.
//! `api::error` turns it into the public `HealthBookError` at one point.

use crate::model::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Validation(#[from] ValidationError),

    #[error("the key does not open this health book (or the file is not a health book)")]
    WrongKey,

    #[error("{0} not found")]
    NotFound(String),

    #[error("the book was written by a newer version of the app (schema {found}, this version knows up to {known})")]
    NewerSchema { found: u32, known: u32 },

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("stored record could not be read: {0}")]
    CorruptRecord(String),

    #[error("{0}")]
    Storage(String),

    /// The backend could not be reached or the connection broke; worth trying again later.
    #[error("{0}")]
    Network(String),

    /// The backend refused the login (401): the app refreshes the token and syncs again.
    #[error("{0}")]
    AuthExpired(String),

    /// The backend answered with an error, or with something that is not a valid answer.
    #[error("the server answered {status}: {reason}")]
    Server { status: u16, reason: String },

    #[error("the call was cancelled")]
    Cancelled,

    /// A sync was asked for while another sync of the same book was running.
    #[error("a sync of this book is already running")]
    SyncInProgress,

    /// The book was closed by the app.
    #[error("the book is closed")]
    Closed,

    /// A shared link that is no longer served: expired, used up or revoked (the server does not say
    /// which), or never existed.
    #[error("{0}")]
    ShareExpired(String),

    /// A shared link whose content cannot be read: the key does not open it, it was modified, or it
    /// is not what a health link carries.
    #[error("{0}")]
    ShareUnreadable(String),

    /// A change to a book the app may only read (a child's book after the guardian's management ended).
    #[error("{0}")]
    ReadOnly(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A stored body that does not decode. Says where, never what: serde's own message would quote
    /// the stored value, and that is health data.
    pub fn corrupt(what: &str, error: &serde_json::Error) -> Self {
        Error::CorruptRecord(format!(
            "{what} (a {:?} error at line {}, column {})",
            error.classify(),
            error.line(),
            error.column()
        ))
    }

    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation(ValidationError::new(field, reason))
    }
}
