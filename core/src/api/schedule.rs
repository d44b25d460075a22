//! The vaccination book as the app sees it: `HealthBook::vaccination_status(child_id, on_date)`.
//! Thin: reads the child and their immunization records; the rules are in `crate::schedule`.

use super::book::HealthBook;
use super::error::HealthBookError;
use crate::error::Error;
use crate::model::{CalendarDate, Immunization, Record, RecordKind};
use crate::schedule::{self, VaccinationStatus};

type ApiResult<T> = std::result::Result<T, HealthBookError>;

#[uniffi::export]
impl HealthBook {
    /// Every dose of the expanded programme's schedule in force on `on_date` for this person:
    /// given, due, overdue, upcoming, waiting on an earlier dose, or no longer given; with the doses
    /// that did not count (too early, too late) and the extra ones. Paid-service and campaign doses
    /// count like programme doses. Works for any person of the book, also a child past the guardian
    /// age limit. An unknown `child_id` is `NotFound`; a day before the birth is `Validation`.
    pub fn vaccination_status(
        &self,
        child_id: String,
        on_date: CalendarDate,
    ) -> ApiResult<VaccinationStatus> {
        let child = self.store().person(&child_id)?;
        let immunizations: Vec<Immunization> = self
            .store()
            .records_of_kind(&child.id, RecordKind::Immunization, i64::MIN)?
            .into_iter()
            .filter_map(|record| match record {
                Record::Immunization { immunization } => Some(immunization),
                _ => None,
            })
            .collect();
        schedule::vaccination_status(&child, &immunizations, on_date)
            .map_err(|e| Error::from(e).into())
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::sample::sample_family;

    fn today() -> CalendarDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
    }

    #[test]
    fn the_status_from_an_encrypted_book_is_the_engines_answer_for_the_stored_doses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("book.db").to_string_lossy().into_owned();
        let book = HealthBook::open(path, vec![7u8; 32]).expect("open a new book");
        let family = sample_family(42, today());
        for person in &family.people {
            book.add_person(person.clone()).expect("add person");
        }
        book.add_records(family.records.clone())
            .expect("add records");

        for child in &family.people[1..] {
            let status = book
                .vaccination_status(child.id.clone(), today())
                .expect("status");
            let doses: Vec<Immunization> = family
                .records
                .iter()
                .filter_map(|record| match record {
                    Record::Immunization { immunization } if immunization.person_id == child.id => {
                        Some(immunization.clone())
                    }
                    _ => None,
                })
                .collect();
            assert!(!doses.is_empty());
            let expected = schedule::vaccination_status(child, &doses, today()).expect("engine");
            assert_eq!(status, expected);
            assert_eq!(status.person_id, child.id);
            assert_eq!(status.schedule_id, "vn-epi");
        }
    }

    #[test]
    fn an_unknown_child_is_not_found_and_a_day_before_birth_is_invalid() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("book.db").to_string_lossy().into_owned();
        let book = HealthBook::open(path, vec![7u8; 32]).expect("open a new book");
        let family = sample_family(42, today());
        let baby = family.people[2].clone();
        book.add_person(family.people[0].clone()).expect("owner");
        book.add_person(baby.clone()).expect("baby");

        let unknown = book.vaccination_status("nobody".into(), today());
        assert!(
            matches!(unknown, Err(HealthBookError::NotFound { .. })),
            "{unknown:?}"
        );
        let day_before = baby.date_of_birth.pred_opt().unwrap_or_default();
        let early = book.vaccination_status(baby.id.clone(), day_before);
        assert!(
            matches!(&early, Err(HealthBookError::Validation { field, .. }) if field == "on_date"),
            "{early:?}"
        );
    }
}
