//! FHIR R4 (4.0.1) mapping of the health book, both ways. Owns identifier and code systems
//! (see docs/fhir-mapping.md); knows nothing of storage. Everything it emits must validate as R4.

mod export;
mod import;
pub mod systems;

pub use export::{export_bundle, export_entries};
pub use import::{imported_record_id, plan_import, plan_import_value, ImportPlan};

#[cfg(test)]
pub(crate) mod tests;
