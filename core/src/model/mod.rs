//! The health book's record model and the rules real Vietnamese data follows.
//! Owns the types the app sees and their validation; knows nothing of storage or the wire.

pub mod guardianship;
pub mod identifiers;
pub mod person;
pub mod records;
pub mod rules;
pub mod time;
pub mod validation;

pub use guardianship::BookAccess;
pub use identifiers::PrescriptionKind;
pub use person::*;
pub use records::*;
pub use time::{CalendarDate, DateTimeOffset};
pub use validation::{Checked, ValidationError};

/// Sex as recorded on the personal id and in facility records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, uniffi::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Undetermined,
}
