//! The exported surface: objects, records and functions the apps call. Thin: checks arguments,
//! calls the store or the mappers, maps errors at one point. No business logic here.

mod book;
mod cancel;
mod error;
mod family;
mod ids;
mod logging;
mod query;
mod reminders;
mod schedule;
mod share;
mod sync;

pub use crate::reminders::{Reminder, ReminderKind};
pub use crate::schedule::{
    AntigenStatus, DoseState, DoseStatus, ExtraDose, FlagReason, FlaggedDose, VaccinationStatus,
};
pub use book::HealthBook;
pub use cancel::Cancellation;
pub use error::HealthBookError;
pub use family::FamilyMember;
pub use logging::{set_log_sink, LogLevel, LogSink};
pub use query::{
    ImportReport, ImportedRecord, SkippedResource, TimelineEntry, TimelinePage, TimelineQuery,
};
pub use share::{
    open_share_link, CreatedShare, OpenedShare, Share, ShareAccess, ShareQr, ShareRequest,
};
pub use sync::{
    ConflictResolution, SyncAuth, SyncConfig, SyncConflict, SyncPhase, SyncProgress,
    SyncProgressListener, SyncReport, Url,
};
