//! Compact JWE (RFC 7516) with `alg: dir` and `enc: A256GCM`, the only form SMART Health Links
//! use: the link's 32-byte key is the content encryption key, the encrypted key part is empty, and
//! the ASCII of the base64url protected header is the AES-GCM additional data. Optional `zip: DEF`
//! compresses the plaintext with raw DEFLATE (RFC 1951) before encryption.
//!
//! DEFLATE comes from `miniz_oxide`: pure Rust, no C, no `unsafe` in its public paths, one tiny
//! dependency (`adler2`), maintained as the backend of `flate2` and `png`, and it offers an inflate
//! with an output limit, which is what a reader of untrusted content needs.
//!
//! This module never sees where the content comes from or goes to; it never logs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use miniz_oxide::inflate::TINFLStatus;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use super::ShareError;

/// The most plaintext `decrypt` inflates a `zip: DEF` payload to. A shared health summary is far
/// below this (the largest IPS samples are about 260 KB); the bound stops a small "zip bomb" from
/// filling the phone's memory.
pub const MAX_INFLATED_LEN: usize = 16 * 1024 * 1024;

const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
/// A fast level: on a 200-record Bundle it is several times quicker than the default (6) for a
/// few percent more bytes, and making a share at the desk should feel instant.
const DEFLATE_LEVEL: u8 = 1;

/// The opened content of a JWE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    pub plaintext: Vec<u8>,
    /// The header's `cty`, e.g. `application/smart-health-card` or `application/fhir+json`.
    pub content_type: Option<String>,
}

/// The protected header fields this module writes and reads; others (`kid`, …) are ignored.
#[derive(Serialize, Deserialize)]
struct Header {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cty: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zip: Option<String>,
    /// Extensions the producer says must be understood; none are, so any makes the JWE unreadable.
    #[serde(default, skip_serializing)]
    crit: Option<serde_json::Value>,
}

/// Encrypts `plaintext` under `key` as `header..iv.ciphertext.tag`, with a fresh random IV.
/// `content_type` becomes the header's `cty`; `deflate` compresses first and sets `zip: DEF`.
pub fn encrypt(
    plaintext: &[u8],
    key: &[u8; 32],
    content_type: Option<&str>,
    deflate: bool,
) -> Result<String, ShareError> {
    let header = Header {
        alg: Some("dir".into()),
        enc: Some("A256GCM".into()),
        cty: content_type.map(str::to_string),
        zip: deflate.then(|| "DEF".into()),
        crit: None,
    };
    let header_json = serde_json::to_vec(&header)
        .map_err(|e| ShareError::Malformed(format!("header could not be written: {e}")))?;
    let protected = URL_SAFE_NO_PAD.encode(header_json);

    let mut iv = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut iv)
        .map_err(|_| ShareError::Random)?;

    let mut sealed = if deflate {
        miniz_oxide::deflate::compress_to_vec(plaintext, DEFLATE_LEVEL)
    } else {
        plaintext.to_vec()
    };
    let tag = aead_key(key)?
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(protected.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| ShareError::Malformed("the content is too large for AES-GCM".into()))?;

    Ok(format!(
        "{protected}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&sealed),
        URL_SAFE_NO_PAD.encode(tag.as_ref()),
    ))
}

/// Opens a compact JWE made with `alg: dir`, `enc: A256GCM` under `key` (32 bytes). Fails with
/// `Authentication` when the key is wrong or any part was changed, never with garbage plaintext.
pub fn decrypt(compact: &str, key: &[u8]) -> Result<Decrypted, ShareError> {
    open_compact(compact, key, MAX_INFLATED_LEN, usize::MAX)
}

/// `decrypt`, with the plaintext (inflated or not) bounded by `limit` bytes as well as by
/// `MAX_INFLATED_LEN`: a reader that opens several files keeps one budget for all of them.
/// Beyond it: `TooLarge { limit }`, and no more is inflated than the limit.
pub fn decrypt_at_most(compact: &str, key: &[u8], limit: usize) -> Result<Decrypted, ShareError> {
    open_compact(compact, key, limit.min(MAX_INFLATED_LEN), limit)
}

fn open_compact(
    compact: &str,
    key: &[u8],
    inflate_limit: usize,
    plain_limit: usize,
) -> Result<Decrypted, ShareError> {
    let parts: Vec<&str> = compact.trim().split('.').collect();
    let &[protected, encrypted_key, iv, ciphertext, tag] = parts.as_slice() else {
        return Err(ShareError::Malformed(format!(
            "a compact JWE has 5 parts separated by '.', this one has {}",
            parts.len()
        )));
    };

    let header: Header = serde_json::from_slice(&decode_part(protected, "protected header")?)
        .map_err(|e| {
            ShareError::Malformed(format!("the protected header is not a JSON object ({e})"))
        })?;
    check_algorithms(&header)?;
    if !encrypted_key.is_empty() {
        return Err(ShareError::Malformed(
            "the encrypted key part must be empty with `alg: dir`".into(),
        ));
    }
    if key.len() != KEY_LEN {
        return Err(ShareError::InvalidLink {
            field: "link.key".into(),
            reason: format!(
                "an A256GCM key is {KEY_LEN} bytes, this one is {}",
                key.len()
            ),
        });
    }

    let iv: [u8; NONCE_LEN] = decode_part(iv, "IV")?.try_into().map_err(|iv: Vec<u8>| {
        ShareError::Malformed(format!(
            "the IV must be {NONCE_LEN} bytes, it is {}",
            iv.len()
        ))
    })?;
    let tag = decode_part(tag, "authentication tag")?;
    if tag.len() != TAG_LEN {
        return Err(ShareError::Malformed(format!(
            "the authentication tag must be {TAG_LEN} bytes, it is {}",
            tag.len()
        )));
    }
    let mut sealed = decode_part(ciphertext, "ciphertext")?;
    sealed.extend_from_slice(&tag);

    let opened_len = aead_key(key)?
        .open_in_place(
            Nonce::assume_unique_for_key(iv),
            Aad::from(protected.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| ShareError::Authentication)?
        .len();
    sealed.truncate(opened_len);

    let plaintext = if header.zip.is_some() {
        inflate(&sealed, inflate_limit)?
    } else if sealed.len() > plain_limit {
        return Err(ShareError::TooLarge { limit: plain_limit });
    } else {
        sealed
    };
    Ok(Decrypted {
        plaintext,
        content_type: header.cty,
    })
}

/// `alg` must be `dir`, `enc` `A256GCM`, `zip` absent or `DEF`, and no `crit` extensions.
fn check_algorithms(header: &Header) -> Result<(), ShareError> {
    match header.alg.as_deref() {
        Some("dir") => {}
        Some(other) => return Err(ShareError::UnsupportedAlgorithm(format!("alg `{other}`"))),
        None => return Err(ShareError::Malformed("the header has no `alg`".into())),
    }
    match header.enc.as_deref() {
        Some("A256GCM") => {}
        Some(other) => return Err(ShareError::UnsupportedAlgorithm(format!("enc `{other}`"))),
        None => return Err(ShareError::Malformed("the header has no `enc`".into())),
    }
    match header.zip.as_deref() {
        None | Some("DEF") => {}
        Some(other) => return Err(ShareError::UnsupportedAlgorithm(format!("zip `{other}`"))),
    }
    if let Some(crit) = &header.crit {
        return Err(ShareError::UnsupportedAlgorithm(format!(
            "critical header extensions {crit}"
        )));
    }
    Ok(())
}

fn decode_part(part: &str, name: &str) -> Result<Vec<u8>, ShareError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| ShareError::Malformed(format!("the {name} is not base64url without padding")))
}

/// ring copies the key into its own key schedule; no other copy is made here.
fn aead_key(key: &[u8]) -> Result<LessSafeKey, ShareError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| ShareError::InvalidLink {
            field: "link.key".into(),
            reason: format!(
                "an A256GCM key is {KEY_LEN} bytes, this one is {}",
                key.len()
            ),
        })
}

fn inflate(deflated: &[u8], limit: usize) -> Result<Vec<u8>, ShareError> {
    miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, limit).map_err(|e| {
        if e.status == TINFLStatus::HasMoreOutput {
            ShareError::TooLarge { limit }
        } else {
            ShareError::Malformed(format!("the `zip: DEF` content does not inflate ({e})"))
        }
    })
}
