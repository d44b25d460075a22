//! The server's clock, in Vietnam's offset (UTC+7): "today" for guardian links and the age
//! limit, instants for response timestamps, unix milliseconds for token expiry, unix seconds for
//! share links.

use chrono::Utc;
use healthbook_core::model::time::vietnam_offset;
use healthbook_core::model::{CalendarDate, DateTimeOffset};

pub fn now() -> DateTimeOffset {
    Utc::now().with_timezone(&vietnam_offset())
}

pub fn today() -> CalendarDate {
    now().date_naive()
}

pub fn unix_millis() -> i64 {
    Utc::now().timestamp_millis()
}

/// Unix seconds: share links' `expires_at` is in these.
pub fn unix_seconds() -> i64 {
    Utc::now().timestamp()
}
