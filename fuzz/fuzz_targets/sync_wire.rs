//! The sync wire reader: feed pages, pushes and push answers as the other side may send them.
#![no_main]

use healthbook_core::sync::wire::{read_feed_page, read_push_bundle, read_push_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = read_feed_page(&bundle);
        let _ = read_push_bundle(&bundle);
        let _ = read_push_response(&bundle, 3);
    }
});
