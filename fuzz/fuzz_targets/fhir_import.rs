//! FHIR import: any Bundle a hospital, another app or a share may hand the book.
#![no_main]

use healthbook_core::fhir::plan_import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = plan_import(text);
    }
});
