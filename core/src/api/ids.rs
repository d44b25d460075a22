//! Ids the book assigns: 128 random bits, hex. Ids given by the caller must be short and plain.

use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

pub fn new_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Storage("the system random source failed".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Keeps the given id, or assigns one when it is empty.
pub fn assign(field: &str, id: &str) -> Result<String> {
    if id.is_empty() {
        return new_id();
    }
    let plain = id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if !plain {
        return Err(Error::validation(
            field,
            "use up to 64 letters, digits, '-', '_' or '.'; or leave it empty",
        ));
    }
    Ok(id.to_string())
}
