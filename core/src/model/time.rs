//! Calendar dates and instants with offsets as the model uses them, and how they cross the FFI.
//! Dates are never naive strings inside the core: they are parsed at the boundary or rejected.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};

/// A calendar day (date of birth, appointment day, vaccination day).
/// Crosses the FFI as an ISO 8601 `YYYY-MM-DD` string; Kotlin sees `java.time.LocalDate`.
pub type CalendarDate = NaiveDate;

/// An instant with the offset it was recorded in (visit start, prescription issue time).
/// Crosses the FFI as an RFC 3339 string; Kotlin sees `java.time.OffsetDateTime`.
pub type DateTimeOffset = DateTime<FixedOffset>;

// A malformed date from the app becomes `HealthBookError.Validation`, not an internal error.
fn lift_error(reason: String) -> uniffi::deps::anyhow::Error {
    uniffi::deps::anyhow::Error::new(crate::api::HealthBookError::Validation {
        field: "date".into(),
        reason,
    })
}

uniffi::custom_type!(CalendarDate, String, {
    remote,
    try_lift: |text| parse_calendar_date(&text).map_err(lift_error),
    lower: |date| date.format("%Y-%m-%d").to_string(),
});

uniffi::custom_type!(DateTimeOffset, String, {
    remote,
    try_lift: |text| parse_instant(&text).map_err(lift_error),
    lower: |instant| instant.to_rfc3339(),
});

/// Vietnam's offset (UTC+7, no daylight saving): the day boundaries of "today" and of date filters.
pub fn vietnam_offset() -> FixedOffset {
    VIETNAM
}

const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+7 is a valid offset"),
};

pub fn parse_calendar_date(text: &str) -> Result<CalendarDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| "is not a calendar date; use YYYY-MM-DD".to_string())
}

/// Accepts RFC 3339 and the shorter form Java's `OffsetDateTime.toString()` prints when seconds are
/// zero (`2024-05-01T08:30+07:00`, or `…T08:30Z` in UTC).
pub fn parse_instant(text: &str) -> Result<DateTimeOffset, String> {
    let short_utc = text.strip_suffix('Z').map(|t| format!("{t}+00:00"));
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| {
            DateTime::parse_from_str(short_utc.as_deref().unwrap_or(text), "%Y-%m-%dT%H:%M%:z")
        })
        .map_err(|_| {
            "is not a date-time with offset; use e.g. 2024-05-01T08:30:00+07:00".to_string()
        })
}

/// The instant a calendar day starts in Vietnam; used to place day-only records on the timeline.
pub fn start_of_day_vn(date: CalendarDate) -> DateTimeOffset {
    let offset = vietnam_offset();
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    offset
        .from_local_datetime(&midnight)
        .single()
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight).with_timezone(&offset))
}

/// Whole months from `from` to `to` (0 when `to` is before `from`): a child's age in months.
pub fn months_between(from: CalendarDate, to: CalendarDate) -> u32 {
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        months -= 1;
    }
    months.max(0) as u32
}

/// Today's date in Vietnam.
pub fn today_vn() -> CalendarDate {
    vn_date(&Utc::now().with_timezone(&vietnam_offset()))
}

/// The calendar day an instant falls on in Vietnam.
pub fn vn_date(instant: &DateTimeOffset) -> CalendarDate {
    instant.with_timezone(&vietnam_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_the_forms_java_prints_are_accepted() {
        for text in [
            "2024-05-01T08:30:00+07:00",
            "2024-05-01T08:30+07:00",
            "2024-05-01T01:30Z",
            "2024-05-01T01:30:00Z",
        ] {
            let parsed = parse_instant(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.timestamp(), 1_714_527_000, "{text}");
        }
    }

    #[test]
    fn a_malformed_date_is_refused_without_echoing_it() {
        let error = parse_calendar_date("14/03/1990").expect_err("not ISO");
        assert!(!error.contains("1990"), "{error}");
        assert!(parse_instant("yesterday").is_err());
    }
}
