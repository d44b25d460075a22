//! The share-link parser: any text a QR scanner may hand the doctor's app.
#![no_main]

use healthbook_core::share::link::parse_link;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(payload) = parse_link(text) {
            // What the reader does next with a parsed link must not fail loudly either.
            let _ = payload.validate();
            let _ = payload.key_bytes();
        }
    }
});
