//! healthbook-core: the citizen's electronic health book. Encrypted offline store, record model,
//! FHIR R4 import/export; the public surface below is what Kotlin and Swift see.

uniffi::setup_scaffolding!();

mod api;
mod error;
pub mod fhir;
pub mod model;
pub mod reminders;
#[cfg(any(test, feature = "sample"))]
pub mod sample;
pub mod schedule;
pub mod share;
pub mod store;
pub mod sync;

pub use api::*;
