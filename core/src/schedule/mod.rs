//! The vaccination schedule engine: which doses of the national expanded programme a child has
//! had, which are due, overdue, upcoming, waiting or no longer given on a day, and which doses
//! given did not count. The schedule is versioned data (`core/data/schedules/*.json`, see
//! `docs/vaccination-schedule.md`), never code. Pure: it never reads the store or the clock.

mod data;
mod engine;
mod status;

#[cfg(test)]
mod tests;

pub use data::{AntigenRule, DoseRule, Schedule, Schedules, Span, VaccineProduct};
pub use status::{
    AntigenStatus, DoseState, DoseStatus, ExtraDose, FlagReason, FlaggedDose, VaccinationStatus,
};

use crate::model::{CalendarDate, Immunization, Person};

/// Why no status could be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("{on} is before the child's date of birth ({born}); ask for a day from the birth on")]
    BeforeBirth {
        on: CalendarDate,
        born: CalendarDate,
    },

    #[error("no vaccination schedule is in force on {on}{}", first_known(*first))]
    NoScheduleInForce {
        on: CalendarDate,
        first: Option<CalendarDate>,
    },

    /// A schedule file breaks the format; only a faulty build of the library can cause it.
    #[error("the vaccination schedule {file} could not be read: {reason}")]
    InvalidData { file: String, reason: String },
}

fn first_known(first: Option<CalendarDate>) -> String {
    first
        .map(|day| format!("; the book's schedules start on {day}: ask for a day from then on"))
        .unwrap_or_default()
}

impl From<ScheduleError> for crate::error::Error {
    fn from(error: ScheduleError) -> Self {
        match error {
            ScheduleError::BeforeBirth { .. } | ScheduleError::NoScheduleInForce { .. } => {
                crate::error::Error::validation("on_date", error.to_string())
            }
            ScheduleError::InvalidData { .. } => {
                crate::error::Error::Storage(format!("{error}; update the app"))
            }
        }
    }
}

/// The child's vaccination status on `on`, against the embedded schedule in force that day.
/// `immunizations` are the child's records in any order; doses dated after `on` are ignored.
pub fn vaccination_status(
    child: &Person,
    immunizations: &[Immunization],
    on: CalendarDate,
) -> Result<VaccinationStatus, ScheduleError> {
    Schedules::embedded()?.status(child, immunizations, on)
}

impl Schedules {
    /// The child's vaccination status on `on`, against the version of these schedules in force that day.
    pub fn status(
        &self,
        child: &Person,
        immunizations: &[Immunization],
        on: CalendarDate,
    ) -> Result<VaccinationStatus, ScheduleError> {
        if on < child.date_of_birth {
            return Err(ScheduleError::BeforeBirth {
                on,
                born: child.date_of_birth,
            });
        }
        let schedule = self.in_force_on(on)?;
        Ok(engine::vaccination_status(
            schedule,
            child,
            immunizations,
            on,
        ))
    }
}
