//! The shapes of queries and their answers as the app sees them.

use crate::model::{CalendarDate, DateTimeOffset, Record, RecordKind};

/// What part of a timeline to show. Leave everything empty for the newest 50 records of every kind.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TimelineQuery {
    /// Only these kinds; empty means all.
    #[uniffi(default = [])]
    pub kinds: Vec<RecordKind>,
    /// First day to include (Vietnam time).
    #[uniffi(default = None)]
    pub from: Option<CalendarDate>,
    /// Last day to include (Vietnam time).
    #[uniffi(default = None)]
    pub to: Option<CalendarDate>,
    /// Page size, 1 to 500.
    #[uniffi(default = 50)]
    pub limit: u32,
    /// `next_cursor` of the previous page; None for the first page.
    #[uniffi(default = None)]
    pub cursor: Option<String>,
}

/// The same defaults Kotlin and Swift get: every kind, no date range, 50 per page, first page.
impl Default for TimelineQuery {
    fn default() -> Self {
        TimelineQuery {
            kinds: Vec::new(),
            from: None,
            to: None,
            limit: 50,
            cursor: None,
        }
    }
}

/// One line of a timeline or a search result.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TimelineEntry {
    pub record_id: String,
    pub kind: RecordKind,
    pub at: DateTimeOffset,
    pub title: String,
    pub facility_name: Option<String>,
    pub record: Record,
}

impl From<Record> for TimelineEntry {
    fn from(record: Record) -> Self {
        TimelineEntry {
            record_id: record.id().to_string(),
            kind: record.kind(),
            at: record.at(),
            title: record.title(),
            facility_name: record.facility().map(|f| f.name.clone()),
            record,
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    /// Pass back in `TimelineQuery.cursor` for the next page; None on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportedRecord {
    pub record_id: String,
    pub kind: RecordKind,
    /// `ResourceType/id` in the bundle it came from.
    pub source_reference: String,
}

/// A resource of the bundle that was not imported, and why.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SkippedResource {
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportReport {
    pub person_id: String,
    pub imported: Vec<ImportedRecord>,
    pub skipped: Vec<SkippedResource>,
}
