//! How long a guardian manages a child's book: until the child reaches the guardian age limit
//! (14 by default, a setting of the book) or until the link's `until` date, whichever comes first.
//! From that day the child's book is read-only in the guardian's app and the backend stops serving
//! it to the guardian; the book goes on with the child's own account.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::time::CalendarDate;
use super::{Person, PersonRole};

/// The age at which a guardian's management ends unless the book is told otherwise.
pub const DEFAULT_GUARDIAN_AGE_LIMIT: u32 = 14;
/// Adults (18 in Vietnam) manage their own books; a limit beyond that is refused.
pub const MAX_GUARDIAN_AGE_LIMIT: u32 = 18;

/// What the app may do with a person's book on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum BookAccess {
    /// The citizen's own book.
    Owner,
    /// A child's book the owner manages; `until` is the first day it becomes read-only.
    Managed { until: Option<CalendarDate> },
    /// Management ended on `since` (age limit reached or link ended): readable, not editable,
    /// no longer synced.
    ReadOnly { since: CalendarDate },
}

impl BookAccess {
    pub fn is_editable(&self) -> bool {
        !matches!(self, BookAccess::ReadOnly { .. })
    }
}

/// Whether someone born on `born` is younger than `limit` years on `today`. The age goes up on the
/// birthday; someone born on 29 February turns a year older on 1 March in common years.
pub fn under_age_limit(born: CalendarDate, today: CalendarDate, limit: u32) -> bool {
    match today.years_since(born) {
        Some(age) => age < limit,
        // Born after today: a date error upstream, but certainly a child.
        None => true,
    }
}

/// The first day on which someone born on `born` is `years` old.
pub fn birthday_at(born: CalendarDate, years: u32) -> CalendarDate {
    let year = born.year().saturating_add(years as i32);
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(CalendarDate::MAX)
}

/// The first day the guardian no longer manages `person`'s book; `None` for the owner, and for a
/// dependant whose end is too far away to name (never, in practice).
pub fn management_ends(person: &Person, age_limit: u32) -> Option<CalendarDate> {
    if person.role == PersonRole::Owner {
        return None;
    }
    let at_age_limit = birthday_at(person.date_of_birth, age_limit);
    let link_ends = person.guardian.as_ref().and_then(|link| link.until);
    Some(link_ends.map_or(at_age_limit, |until| until.min(at_age_limit)))
}

/// What the app may do with `person`'s book on `on`.
pub fn book_access(person: &Person, age_limit: u32, on: CalendarDate) -> BookAccess {
    match management_ends(person, age_limit) {
        None if person.role == PersonRole::Owner => BookAccess::Owner,
        Some(ends) if ends <= on => BookAccess::ReadOnly { since: ends },
        until => BookAccess::Managed { until },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GuardianLink, GuardianRelation, Sex};

    fn day(y: i32, m: u32, d: u32) -> CalendarDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn child(born: CalendarDate, until: Option<CalendarDate>) -> Person {
        Person {
            id: "c".into(),
            role: PersonRole::Dependant,
            full_name: "Trần Thị Bé".into(),
            date_of_birth: born,
            sex: Sex::Female,
            personal_id: None,
            previous_personal_ids: vec![],
            ethnicity: None,
            nationality: None,
            occupation: None,
            address: None,
            insurance: None,
            blood_group: None,
            risk_factors: vec![],
            guardian: Some(GuardianLink {
                guardian_person_id: None,
                name: "Trần Thị Mẹ".into(),
                relation: GuardianRelation::Mother,
                personal_id: None,
                phone: None,
                since: None,
                until,
            }),
        }
    }

    #[test]
    fn management_ends_on_the_birthday_at_the_limit() {
        let born = day(2012, 6, 15);
        let person = child(born, None);
        assert_eq!(management_ends(&person, 14), Some(day(2026, 6, 15)));
        assert_eq!(
            book_access(&person, 14, day(2026, 6, 14)),
            BookAccess::Managed {
                until: Some(day(2026, 6, 15))
            }
        );
        assert_eq!(
            book_access(&person, 14, day(2026, 6, 15)),
            BookAccess::ReadOnly {
                since: day(2026, 6, 15)
            }
        );
        // A later limit keeps it managed.
        assert!(book_access(&person, 16, day(2026, 6, 15)).is_editable());
    }

    #[test]
    fn the_birthday_agrees_with_the_age_count() {
        for born in [day(2012, 2, 29), day(2012, 3, 1), day(2011, 12, 31)] {
            let ends = birthday_at(born, 14);
            assert!(!under_age_limit(born, ends, 14), "{born}");
            assert!(
                under_age_limit(born, ends.pred_opt().expect("date"), 14),
                "{born}"
            );
        }
        assert_eq!(birthday_at(day(2012, 2, 29), 14), day(2026, 3, 1));
    }

    #[test]
    fn an_ended_link_ends_management_before_the_age_limit() {
        let person = child(day(2020, 1, 10), Some(day(2026, 9, 1)));
        assert_eq!(management_ends(&person, 14), Some(day(2026, 9, 1)));
        assert_eq!(
            book_access(&person, 14, day(2026, 9, 1)),
            BookAccess::ReadOnly {
                since: day(2026, 9, 1)
            }
        );
    }

    #[test]
    fn the_owner_is_always_the_owner() {
        let mut owner = child(day(1990, 1, 1), None);
        owner.role = PersonRole::Owner;
        owner.guardian = None;
        assert_eq!(book_access(&owner, 14, day(2026, 1, 1)), BookAccess::Owner);
        assert_eq!(management_ends(&owner, 14), None);
    }
}
