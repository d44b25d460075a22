//! The book's key: 32 raw bytes from the platform keystore, zeroized when dropped, never printed.

use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub const KEY_LEN: usize = 32;

/// A raw 256-bit key. `Debug` does not show it; memory is wiped on drop.
pub struct BookKey(Zeroizing<[u8; KEY_LEN]>);

impl BookKey {
    /// Takes the app's bytes (and wipes the caller's copy): a wrong length is a validation error on `key`.
    pub fn from_bytes(field: &str, mut bytes: Vec<u8>) -> Result<Self> {
        let result = if bytes.len() == KEY_LEN {
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            key.copy_from_slice(&bytes);
            Ok(BookKey(key))
        } else {
            Err(Error::validation(
                field,
                format!(
                    "must be {KEY_LEN} bytes (a raw 256-bit key from the keystore); got {} bytes",
                    bytes.len()
                ),
            ))
        };
        zeroize::Zeroize::zeroize(&mut bytes);
        result
    }

    /// SQLCipher's raw-key form `x'<64 hex digits>'`: the key is used as is, with no passphrase derivation.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<Vec<u8>> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut literal = Zeroizing::new(Vec::with_capacity(3 + KEY_LEN * 2));
        literal.extend_from_slice(b"x'");
        for byte in self.0.iter() {
            literal.push(HEX[usize::from(byte >> 4)]);
            literal.push(HEX[usize::from(byte & 0x0f)]);
        }
        literal.push(b'\'');
        literal
    }
}

impl std::fmt::Debug for BookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BookKey(<redacted>)")
    }
}
