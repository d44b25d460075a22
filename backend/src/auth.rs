//! Credentials: citizens' bearer tokens (256 random bits, kept on the server only as their
//! SHA-256) and facilities' API keys (compared by their SHA-256, in constant time). Reads the
//! `Authorization` header; never logs or echoes what it carries.

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};

/// A new citizen token: the text handed out once, and the hash the server keeps.
pub struct NewToken {
    pub token: String,
    pub hash: [u8; 32],
}

/// Draws a token from the system's secure random source.
pub fn new_token(random: &SystemRandom) -> Result<NewToken, ring::error::Unspecified> {
    let mut bytes = [0u8; 32];
    random.fill(&mut bytes)?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = sha256(token.as_bytes());
    Ok(NewToken { token, hash })
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
    out
}

/// The credential of an `Authorization: Bearer …` header, if there is one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credential) = value.trim().split_once(' ')?;
    let credential = credential.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty()).then_some(credential)
}

/// The facilities allowed to send records, by the SHA-256 of their API keys.
#[derive(Clone, Default)]
pub struct FacilityKeys {
    keys: Vec<(String, [u8; 32])>,
}

impl FacilityKeys {
    /// `(facility code, API key)` pairs as given on the command line.
    pub fn new(pairs: &[(String, String)]) -> Self {
        FacilityKeys {
            keys: pairs
                .iter()
                .map(|(code, key)| (code.clone(), sha256(key.as_bytes())))
                .collect(),
        }
    }

    /// The facility code whose key `presented` is. Every key is compared, each in constant time,
    /// so the time taken says nothing about which key or how much of it matched.
    pub fn facility_of(&self, presented: &str) -> Option<&str> {
        let presented = sha256(presented.as_bytes());
        let mut found = None;
        for (code, hash) in &self.keys {
            if equal_in_constant_time(hash, &presented) && found.is_none() {
                found = Some(code.as_str());
            }
        }
        found
    }
}

fn equal_in_constant_time(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_are_256_bits_of_base64url_and_distinct() {
        let random = SystemRandom::new();
        let a = new_token(&random).expect("random");
        let b = new_token(&random).expect("random");
        assert_eq!(a.token.len(), 43, "32 bytes in unpadded base64url");
        assert!(a
            .token
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, sha256(a.token.as_bytes()));
    }

    #[test]
    fn a_facility_key_names_its_facility_and_nothing_else_matches() {
        let keys = FacilityKeys::new(&[
            ("01001".into(), "key-of-bach-mai-0123456789".into()),
            ("79001".into(), "key-of-cho-ray-0123456789".into()),
        ]);
        assert_eq!(keys.facility_of("key-of-cho-ray-0123456789"), Some("79001"));
        assert_eq!(
            keys.facility_of("key-of-bach-mai-0123456789"),
            Some("01001")
        );
        assert_eq!(keys.facility_of("key-of-bach-mai-012345678"), None);
        assert_eq!(keys.facility_of(""), None);
    }

    #[test]
    fn the_bearer_credential_is_read_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }
}
