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
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation(ValidationError::new(field, reason))
    }
}
