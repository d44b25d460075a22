//! `HealthBook::reminders(from_date, days)`: what to notify across the family. Thin: gathers each
//! managed person's appointments, referral slips, prescriptions and (for children) vaccination
//! status; the rules are in `crate::reminders`.

use chrono::Days;

use super::book::HealthBook;
use super::error::HealthBookError;
use crate::error::Error;
use crate::model::guardianship::book_access;
use crate::model::time::start_of_day_vn;
use crate::model::{BookAccess, CalendarDate, PersonRole, Record, RecordKind};
use crate::reminders::{self, PersonInputs, Reminder, Window};
use crate::schedule::{self, ScheduleError};

type ApiResult<T> = std::result::Result<T, HealthBookError>;

/// At most a year of reminders at a time.
const MAX_DAYS: u32 = 366;
/// A one-year referral slip signed up to this long ago may still expire in the window.
const REFERRAL_LOOKBACK_DAYS: u64 = 400;
/// Prescriptions last at most 90 days; one issued before this cannot still be running.
const PRESCRIPTION_LOOKBACK_DAYS: u64 = 120;

#[uniffi::export]
impl HealthBook {
    /// Reminders to notify on the `days` days from `from_date` (1 to 366), soonest first, for
    /// everyone whose book the app manages (the owner, and children before the guardian age limit):
    /// re-exam appointments (the day before), vaccine doses of children (a week before they are
    /// due; overdue ones at once), referral slips about to expire, long prescriptions running out.
    /// Ids are stable from call to call: schedule the new ones, cancel the ones no longer returned.
    pub fn reminders(&self, from_date: CalendarDate, days: u32) -> ApiResult<Vec<Reminder>> {
        if days == 0 || days > MAX_DAYS {
            return Err(
                Error::validation("days", format!("must be 1 to {MAX_DAYS}; got {days}")).into(),
            );
        }
        let window = Window {
            from: from_date,
            until: from_date
                .checked_add_days(Days::new(u64::from(days)))
                .unwrap_or(CalendarDate::MAX),
        };
        let limit = self.store().guardian_age_limit()?;
        let since = |days_back: u64| {
            start_of_day_vn(
                from_date
                    .checked_sub_days(Days::new(days_back))
                    .unwrap_or(from_date),
            )
            .timestamp_millis()
        };
        let mut out = Vec::new();
        for person in self.store().people()? {
            if matches!(
                book_access(&person, limit, from_date),
                BookAccess::ReadOnly { .. }
            ) || from_date < person.date_of_birth
            {
                continue;
            }
            // One read per person: the kinds reminders look at, each from the day it matters.
            let (person, records) = self.store().records_of_kinds_since(
                &person.id,
                &[
                    (
                        RecordKind::Appointment,
                        start_of_day_vn(from_date).timestamp_millis(),
                    ),
                    (RecordKind::Referral, since(REFERRAL_LOOKBACK_DAYS)),
                    (RecordKind::Prescription, since(PRESCRIPTION_LOOKBACK_DAYS)),
                    (
                        RecordKind::Immunization,
                        if person.role == PersonRole::Dependant {
                            i64::MIN
                        } else {
                            i64::MAX
                        },
                    ),
                ],
            )?;
            let mut appointments = Vec::new();
            let mut referrals = Vec::new();
            let mut prescriptions = Vec::new();
            let mut immunizations = Vec::new();
            for record in records {
                match record {
                    Record::Appointment { appointment } => appointments.push(appointment),
                    Record::Referral { referral } => referrals.push(referral),
                    Record::Prescription { prescription } => prescriptions.push(prescription),
                    Record::Immunization { immunization } => immunizations.push(immunization),
                    _ => {}
                }
            }
            let vaccinations = match person.role {
                PersonRole::Dependant => {
                    match schedule::vaccination_status(&person, &immunizations, from_date) {
                        Ok(status) => Some(status),
                        // No schedule in force that day (before the first one the book knows):
                        // the other reminders still come.
                        Err(ScheduleError::NoScheduleInForce { .. }) => None,
                        Err(other) => return Err(Error::from(other).into()),
                    }
                }
                PersonRole::Owner => None,
            };
            out.extend(reminders::reminders_for(
                &PersonInputs {
                    person: &person,
                    appointments: &appointments,
                    referrals: &referrals,
                    prescriptions: &prescriptions,
                    vaccinations: vaccinations.as_ref(),
                },
                window,
            ));
        }
        reminders::sort(&mut out);
        Ok(out)
    }
}
