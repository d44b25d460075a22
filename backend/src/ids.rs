//! The server's own ids: a new citizen's patient id is 128 random bits in hex, so it says nothing
//! about the person (not their CCCD, not the order they arrived in).

use ring::rand::{SecureRandom, SystemRandom};

use crate::storage::StorageError;

pub fn new_patient_id() -> Result<String, StorageError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| StorageError("the system's random source failed".into()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
