//! Share passcodes: kept only as PBKDF2-HMAC-SHA256 under a fresh random salt, checked in
//! constant time. The passcode itself is never stored or logged. The iteration count is stored
//! with each hash, so it can be raised for new links without breaking old ones.

use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};

use crate::storage::StoredPasscode;

/// PBKDF2 iterations for new passcodes. The attempt limit is what stops online guessing; the
/// hash makes a stolen database slow to search.
pub const ITERATIONS: u32 = 100_000;
const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;

/// Hashes `passcode` under a new salt.
pub fn hash_passcode(
    passcode: &str,
    random: &SystemRandom,
) -> Result<StoredPasscode, ring::error::Unspecified> {
    let mut salt = vec![0u8; SALT_BYTES];
    random.fill(&mut salt)?;
    let iterations = NonZeroU32::new(ITERATIONS).ok_or(ring::error::Unspecified)?;
    let mut hash = vec![0u8; HASH_BYTES];
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        passcode.as_bytes(),
        &mut hash,
    );
    Ok(StoredPasscode {
        salt,
        hash,
        iterations: ITERATIONS,
    })
}

/// Whether `passcode` is the one `stored` was made from.
pub fn passcode_matches(passcode: &str, stored: &StoredPasscode) -> bool {
    let Some(iterations) = NonZeroU32::new(stored.iterations) else {
        return false;
    };
    pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &stored.salt,
        passcode.as_bytes(),
        &stored.hash,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_passcode_matches_and_others_do_not() {
        let stored = hash_passcode("2468", &SystemRandom::new()).expect("random");
        assert!(passcode_matches("2468", &stored));
        assert!(!passcode_matches("2469", &stored));
        assert!(!passcode_matches("", &stored));
    }

    #[test]
    fn the_same_passcode_hashes_differently_each_time_and_is_not_kept() {
        let random = SystemRandom::new();
        let a = hash_passcode("2468", &random).expect("random");
        let b = hash_passcode("2468", &random).expect("random");
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.hash, b.hash);
        assert!(!a.hash.windows(4).any(|w| w == b"2468"));
        assert_eq!(a.iterations, ITERATIONS);
    }

    #[test]
    fn a_stored_hash_without_iterations_matches_nothing() {
        let mut stored = hash_passcode("2468", &SystemRandom::new()).expect("random");
        stored.iterations = 0;
        assert!(!passcode_matches("2468", &stored));
    }
}
