//! The family in one book: the owner and the children they manage, what the app may do with each
//! book, and the guardian age limit that ends a guardian's management.

use super::book::HealthBook;
use super::error::HealthBookError;
use crate::model::guardianship::book_access;
use crate::model::time::months_between;
use crate::model::{BookAccess, CalendarDate, Person};

type ApiResult<T> = std::result::Result<T, HealthBookError>;

/// A person of the book with their age and what the app may do with their book on the day asked.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FamilyMember {
    pub person: Person,
    pub access: BookAccess,
    /// Whole years on the day asked (0 for a baby).
    pub age_years: u32,
    /// Whole months on the day asked, for children's schedules (e.g. 10 for a 10-month-old).
    pub age_months: u32,
}

#[uniffi::export]
impl HealthBook {
    /// Everyone in the book on `on_date` (the owner first, then children by date of birth), each with
    /// their age and whether their book is the owner's, managed, or read-only since the guardian's
    /// management ended.
    pub fn family(&self, on_date: CalendarDate) -> ApiResult<Vec<FamilyMember>> {
        let limit = self.store().guardian_age_limit()?;
        let people = self.store().people()?;
        Ok(people
            .into_iter()
            .map(|person| {
                let months = months_between(person.date_of_birth, on_date);
                FamilyMember {
                    access: book_access(&person, limit, on_date),
                    age_years: months / 12,
                    age_months: months,
                    person,
                }
            })
            .collect())
    }

    /// What the app may do with `person_id`'s book on `on_date`.
    pub fn book_access(&self, person_id: String, on_date: CalendarDate) -> ApiResult<BookAccess> {
        let limit = self.store().guardian_age_limit()?;
        let person = self.store().person(&person_id)?;
        Ok(book_access(&person, limit, on_date))
    }

    /// The age at which a guardian's management of a child's book ends: 14 unless set.
    pub fn guardian_age_limit(&self) -> ApiResult<u32> {
        Ok(self.store().guardian_age_limit()?)
    }

    /// Sets the guardian age limit (1 to 18 years); it should match the backend's
    /// `--guardian-age-limit`, which decides what the guardian's sync still receives.
    pub fn set_guardian_age_limit(&self, years: u32) -> ApiResult<()> {
        Ok(self.store().set_guardian_age_limit(years)?)
    }
}
