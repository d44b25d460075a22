//! SMART Health Links (HL7 SMART Health Cards and Links IG): what the citizen shares with a doctor.
//! The selection is encrypted on the phone as a compact JWE (`jwe`), its key travels only inside the
//! `shlink:/` link (`link`), and the link is shown as a QR code (`qr`). The backend only ever sees
//! ciphertext. `jwe`, `link` and `qr` are pure: no network, no store, no clock.

pub mod hosting;
pub mod jwe;
pub mod link;
pub mod package;
pub mod qr;
pub mod reader;
pub mod selection;

#[cfg(test)]
mod tests;

use crate::error::Error;

/// What can go wrong while making or reading a SMART Health Link. Messages never quote the key or
/// the shared content.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The link (or one of its payload fields) is not a valid SMART Health Link.
    #[error("invalid {field}: {reason}")]
    InvalidLink { field: String, reason: String },

    /// The shared content uses an algorithm or option this app does not implement.
    #[error("the shared content uses {0}, which this app cannot open (only `dir` + `A256GCM`, optionally `zip: DEF`)")]
    UnsupportedAlgorithm(String),

    /// AES-GCM refused the content: wrong key, or a byte of the header, IV, ciphertext or tag changed.
    #[error("the link's key does not open this content or the content was modified")]
    Authentication,

    /// The content is not a well-formed compact JWE.
    #[error("the shared content is not a valid encrypted file: {0}")]
    Malformed(String),

    /// The content inflates beyond what the app accepts.
    #[error("the shared content is larger than {limit} bytes")]
    TooLarge { limit: usize },

    /// Even the largest QR code (version 40) cannot hold this text.
    #[error("the link is {bytes} bytes long, more than a QR code can hold; share fewer records or a shorter label")]
    TooLongForQr { bytes: usize },

    /// The system random number generator failed, so no key or IV could be made.
    #[error("the system random number generator failed")]
    Random,
}

impl From<ShareError> for Error {
    fn from(error: ShareError) -> Self {
        match error {
            ShareError::InvalidLink { field, reason } => Error::validation(field, reason),
            ShareError::TooLongForQr { .. } => Error::validation("link", error.to_string()),
            // The link's key does not open what the host served, or it is not what a health link
            // carries: nothing of it can be shown.
            ShareError::Authentication
            | ShareError::UnsupportedAlgorithm(_)
            | ShareError::Malformed(_)
            | ShareError::TooLarge { .. } => Error::ShareUnreadable(format!(
                "{error}; ask the citizen to show the QR code again or to share anew"
            )),
            ShareError::Random => Error::Storage(format!("{error}; nothing was shared, try again")),
        }
    }
}
