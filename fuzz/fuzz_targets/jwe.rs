//! The JWE reader, two ways in one target:
//! - `link\ncompact`: the compact JWE opened with the key of the link on the first line (the
//!   seeds are real links and their files, so the header and framing paths start from valid input);
//! - the whole input as the DEFLATE stream of a `zip: DEF` JWE sealed under a fixed key, since
//!   whoever crafts a link knows its key and can encrypt any compressed bytes: the inflate limit
//!   is what holds here.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use healthbook_core::share::jwe::decrypt_at_most;
use healthbook_core::share::link::parse_link;
use libfuzzer_sys::fuzz_target;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};

/// Well above a real share's file, small enough that each run stays quick.
const LIMIT: usize = 1 << 20;
const KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some((link, compact)) = text.split_once('\n') {
            let key = parse_link(link)
                .ok()
                .and_then(|payload| payload.key_bytes().ok())
                .map(|key| key.to_vec())
                .unwrap_or_else(|| KEY.to_vec());
            let _ = decrypt_at_most(compact, &key, LIMIT);
        }
    }
    if let Ok(opened) = decrypt_at_most(&sealed_deflate(data), &KEY, LIMIT) {
        assert!(opened.plaintext.len() <= LIMIT, "inflated past the limit");
    }
});

/// `data` as the ciphertext of a `zip: DEF` compact JWE under `KEY`.
fn sealed_deflate(data: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#);
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &KEY).expect("key"));
    let iv = [1u8; 12];
    let mut sealed = data.to_vec();
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(iv),
            Aad::from(header.as_bytes()),
            &mut sealed,
        )
        .expect("seal");
    format!(
        "{header}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode(iv),
        URL_SAFE_NO_PAD.encode(&sealed),
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    )
}
