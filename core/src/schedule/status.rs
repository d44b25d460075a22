//! What the engine answers: for one child on one day, every dose of every antigen of the schedule
//! in force with its state, the doses that did not count and why, and the extra doses. Plain data
//! the app receives as is (Kotlin gets a sealed class for each enum).

use serde::Serialize;

use crate::model::CalendarDate;

/// A child's vaccinations on one day, against the schedule in force that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct VaccinationStatus {
    pub person_id: String,
    pub on_date: CalendarDate,
    pub schedule_id: String,
    pub schedule_version: String,
    /// The circulars the schedule comes from, to show beside it.
    pub schedule_source: String,
    /// In the schedule's order.
    pub antigens: Vec<AntigenStatus>,
    /// Immunization records that count for no antigen of the schedule: vaccines it leaves out
    /// (pneumococcal, influenza, chickenpox …) or that it does not recognise.
    pub outside_schedule: Vec<String>,
}

/// One antigen: each dose of the schedule, plus the doses given that did not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct AntigenStatus {
    /// The name records use, e.g. `HepB`.
    pub antigen: String,
    pub name_vi: String,
    pub name_en: String,
    pub doses: Vec<DoseStatus>,
    /// Doses given too early or too late to count; the dose they were meant for is still owed.
    pub flagged: Vec<FlaggedDose>,
    /// Valid doses beyond the number the schedule asks for: not an error, just more than needed.
    pub extra: Vec<ExtraDose>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct DoseStatus {
    pub dose_number: u32,
    /// E.g. "Mũi sơ sinh (trong 24 giờ)" / "Birth dose (within 24 hours)", where the schedule names the dose.
    pub label_vi: Option<String>,
    pub label_en: Option<String>,
    pub state: DoseState,
    /// The day the dose is (or was) due, for reminders: the start of its window, or the projected
    /// due day while it waits on an earlier dose. None once given or no longer given.
    pub due_on: Option<CalendarDate>,
}

/// Where one dose stands on the day asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum DoseState {
    /// Given and counted. `late` when given after its on-time window.
    Given {
        date: CalendarDate,
        record_id: String,
        late: bool,
    },
    /// In its on-time window today.
    Due {
        due_from: CalendarDate,
        due_until: CalendarDate,
    },
    /// Past its window and still to be given, until `closes_on` when the dose has a maximum age.
    Overdue {
        since: CalendarDate,
        closes_on: Option<CalendarDate>,
    },
    /// Not due yet. It counts if given from `earliest`; the schedule puts it from `due_from`.
    Upcoming {
        earliest: CalendarDate,
        due_from: CalendarDate,
        due_until: CalendarDate,
    },
    /// Waits on dose `waits_on_dose`; the dates assume that dose is given as soon as it may be
    /// (or on its due day) from the day asked on.
    NotYetEligible {
        waits_on_dose: u32,
        projected_earliest: CalendarDate,
        projected_due: CalendarDate,
    },
    /// The child is past the dose's maximum age (or the series it belongs to can no longer be
    /// finished): it is not given any more.
    NoLongerGiven { closed_on: CalendarDate },
}

impl DoseState {
    /// Whether the dose is still to be given: due, overdue, upcoming or waiting.
    pub fn is_owed(&self) -> bool {
        !matches!(
            self,
            DoseState::Given { .. } | DoseState::NoLongerGiven { .. }
        )
    }
}

/// A dose given that does not count; the dose it was meant for stays owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct FlaggedDose {
    pub record_id: String,
    pub date: CalendarDate,
    /// The dose of the schedule it was checked against.
    pub dose_number: u32,
    pub reason: FlagReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// Given before the dose's minimum age; it would have counted from `earliest_valid`.
    BelowMinimumAge { earliest_valid: CalendarDate },
    /// Given sooner after the previous counted dose than the minimum interval allows.
    IntervalTooShort {
        previous_dose_date: CalendarDate,
        earliest_valid: CalendarDate,
    },
    /// Given on or after the day the dose stopped being given (its maximum age).
    AfterMaximumAge { closed_on: CalendarDate },
}

/// A valid dose beyond the schedule's number of doses for the antigen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct ExtraDose {
    pub record_id: String,
    pub date: CalendarDate,
}

impl VaccinationStatus {
    /// The doses still owed with the day each is due, earliest first: what a reminder lists.
    /// Overdue doses keep the day they were due, so they sort before the rest.
    pub fn owed_doses(&self) -> Vec<(&AntigenStatus, &DoseStatus, CalendarDate)> {
        let mut owed: Vec<_> = self
            .antigens
            .iter()
            .flat_map(|antigen| antigen.doses.iter().map(move |dose| (antigen, dose)))
            .filter(|(_, dose)| dose.state.is_owed())
            .filter_map(|(antigen, dose)| dose.due_on.map(|due| (antigen, dose, due)))
            .collect();
        owed.sort_by_key(|(_, _, due)| *due);
        owed
    }
}
