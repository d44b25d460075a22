//! The rules that turn a child's doses into a status: which record counts for which antigen, which
//! dose of the schedule each one fills, and where every dose not given stands on the day asked.
//! Pure: no store, no clock; the schedule, the child, the records and the day come in as arguments.

use super::data::{AntigenRule, DoseRule, Schedule};
use super::status::{
    AntigenStatus, DoseState, DoseStatus, ExtraDose, FlagReason, FlaggedDose, VaccinationStatus,
};
use crate::model::{CalendarDate, Immunization, Person};

/// One record's dose of one antigen.
#[derive(Debug, Clone)]
struct GivenDose<'r> {
    date: CalendarDate,
    record_id: &'r str,
}

/// The status of `child` on `on` against `schedule`. Doses dated after `on` are not yet given.
pub(super) fn vaccination_status(
    schedule: &Schedule,
    child: &Person,
    immunizations: &[Immunization],
    on: CalendarDate,
) -> VaccinationStatus {
    let born = child.date_of_birth;
    let mut by_antigen: Vec<Vec<GivenDose>> = vec![Vec::new(); schedule.antigens.len()];
    let mut outside_schedule = Vec::new();
    for immunization in immunizations.iter().filter(|i| i.date <= on) {
        let antigens = antigens_of(schedule, immunization);
        if antigens.is_empty() {
            outside_schedule.push(immunization.id.clone());
        }
        for index in antigens {
            by_antigen[index].push(GivenDose {
                date: immunization.date,
                record_id: &immunization.id,
            });
        }
    }
    let antigens = schedule
        .antigens
        .iter()
        .zip(by_antigen)
        .map(|(rule, mut doses)| {
            doses.sort_by(|a, b| (a.date, a.record_id).cmp(&(b.date, b.record_id)));
            antigen_status(rule, born, on, &doses)
        })
        .collect();
    VaccinationStatus {
        person_id: child.id.clone(),
        on_date: on,
        schedule_id: schedule.id.clone(),
        schedule_version: schedule.version.clone(),
        schedule_source: schedule.source.clone(),
        antigens,
        outside_schedule,
    }
}

/// The schedule's antigens a record counts for: the antigens it names that the schedule knows, or
/// when it names none of them, those of its vaccine product (by national code, then CVX). Who gave
/// the dose (programme, paid service, campaign) does not matter.
fn antigens_of(schedule: &Schedule, immunization: &Immunization) -> Vec<usize> {
    let known = |names: &[String]| -> Vec<usize> {
        names
            .iter()
            .filter_map(|name| schedule.antigen_index(name))
            .collect()
    };
    let mut indices = known(&immunization.antigens);
    if indices.is_empty() {
        if let Some(product) = schedule.product(&immunization.vaccine_code, immunization.cvx) {
            indices = known(&product.antigens);
        }
    }
    let mut unique = Vec::with_capacity(indices.len());
    for index in indices {
        if !unique.contains(&index) {
            unique.push(index);
        }
    }
    unique
}

/// Which given dose fills which dose of the schedule, and the ones that fill none.
struct Assignment<'r> {
    filled: Vec<Option<GivenDose<'r>>>,
    flagged: Vec<FlaggedDose>,
    extra: Vec<ExtraDose>,
}

fn antigen_status(
    rule: &AntigenRule,
    born: CalendarDate,
    on: CalendarDate,
    doses: &[GivenDose],
) -> AntigenStatus {
    let assignment = assign(rule, born, doses);
    AntigenStatus {
        antigen: rule.antigen.clone(),
        name_vi: rule.name_vi.clone(),
        name_en: rule.name_en.clone(),
        doses: dose_states(rule, born, on, &assignment.filled),
        flagged: assignment.flagged,
        extra: assignment.extra,
    }
}

/// Walks the doses in date order, each filling the next dose of the schedule it is valid for.
/// A dose below the minimum age or before the minimum interval is flagged and fills nothing, so
/// the dose it was meant for stays owed. A dose on or after a dose's maximum age closes that dose
/// (and the doses after it that need it) and is tried on the next open one; with none left open
/// it is flagged as too late, and after a finished series it is extra.
fn assign<'r>(rule: &AntigenRule, born: CalendarDate, doses: &[GivenDose<'r>]) -> Assignment<'r> {
    let count = rule.doses.len();
    let mut filled: Vec<Option<GivenDose>> = vec![None; count];
    let mut closed_on: Vec<Option<CalendarDate>> = vec![None; count];
    let mut flagged = Vec::new();
    let mut extra = Vec::new();
    let mut next = 0;
    let mut last_counted: Option<CalendarDate> = None;
    for given in doses {
        let flag = |dose_number: usize, reason: FlagReason| FlaggedDose {
            record_id: given.record_id.to_string(),
            date: given.date,
            dose_number: number(dose_number),
            reason,
        };
        // Doses whose maximum age this one is past are closed, with the doses that need them.
        while let Some(closes) = rule.doses.get(next).and_then(|d| d.closes_on(born)) {
            if given.date < closes {
                break;
            }
            closed_on[next] = Some(closes);
            next += 1;
            while next < count && rule.doses[next].needs_previous {
                closed_on[next] = Some(closes);
                next += 1;
            }
        }
        let Some(dose) = rule.doses.get(next) else {
            match trailing_closed(&filled, &closed_on) {
                Some((index, closes)) => flagged.push(flag(
                    index,
                    FlagReason::AfterMaximumAge { closed_on: closes },
                )),
                None => extra.push(ExtraDose {
                    record_id: given.record_id.to_string(),
                    date: given.date,
                }),
            }
            continue;
        };
        let youngest = dose.minimum_age.map_or(born, |age| age.after(born));
        let earliest = earliest_valid(dose, born, last_counted);
        if given.date < earliest {
            let reason = match last_counted {
                Some(previous) if given.date >= youngest => FlagReason::IntervalTooShort {
                    previous_dose_date: previous,
                    earliest_valid: earliest,
                },
                _ => FlagReason::BelowMinimumAge {
                    earliest_valid: earliest,
                },
            };
            flagged.push(flag(next, reason));
            continue;
        }
        filled[next] = Some(given.clone());
        last_counted = Some(given.date);
        next += 1;
    }
    Assignment {
        filled,
        flagged,
        extra,
    }
}

/// When the last doses of the series were closed without being given: the first of them and the
/// day it closed. A dose arriving then is too late, not extra.
fn trailing_closed(
    filled: &[Option<GivenDose>],
    closed_on: &[Option<CalendarDate>],
) -> Option<(usize, CalendarDate)> {
    let unfilled = filled.iter().rev().take_while(|f| f.is_none()).count();
    let first = filled.len().checked_sub(unfilled)?;
    closed_on.get(first).copied().flatten().map(|c| (first, c))
}

/// The first day a dose counts: its minimum age, and its minimum interval after the previous
/// counted dose.
fn earliest_valid(
    dose: &DoseRule,
    born: CalendarDate,
    previous: Option<CalendarDate>,
) -> CalendarDate {
    let by_age = dose.minimum_age.map_or(born, |age| age.after(born));
    let by_interval = previous
        .zip(dose.minimum_interval)
        .map(|(previous, interval)| interval.after(previous));
    by_interval.map_or(by_age, |day| day.max(by_age))
}

/// The day a dose is due: its recommended age, and its recommended interval (or, failing that,
/// its minimum interval) after the previous dose; never before it may be given.
fn due_from(
    dose: &DoseRule,
    born: CalendarDate,
    previous: Option<CalendarDate>,
    earliest: CalendarDate,
) -> CalendarDate {
    let by_age = dose.recommended_age.map(|age| age.after(born));
    let by_interval = previous
        .zip(dose.recommended_interval.or(dose.minimum_interval))
        .map(|(previous, interval)| interval.after(previous));
    [by_age, by_interval]
        .into_iter()
        .flatten()
        .fold(earliest, CalendarDate::max)
}

/// A dose's dates once the dose it counts from is known.
struct Window {
    earliest: CalendarDate,
    due_from: CalendarDate,
    due_until: CalendarDate,
    closes: Option<CalendarDate>,
}

impl Window {
    fn of(dose: &DoseRule, born: CalendarDate, previous: Option<CalendarDate>) -> Window {
        let earliest = earliest_valid(dose, born, previous);
        let closes = dose.closes_on(born);
        let last_day = closes.and_then(|c| c.pred_opt());
        let mut due_from = due_from(dose, born, previous, earliest);
        let mut due_until = dose.on_time_for.after(due_from);
        if let Some(last_day) = last_day {
            due_from = due_from.min(last_day).max(earliest);
            due_until = due_until.min(last_day).max(due_from);
        }
        Window {
            earliest,
            due_from,
            due_until,
            closes,
        }
    }

    fn state_on(&self, on: CalendarDate) -> DoseState {
        match self.closes {
            Some(closes) if on >= closes || self.earliest >= closes => {
                return DoseState::NoLongerGiven { closed_on: closes }
            }
            _ => {}
        }
        if on < self.due_from {
            DoseState::Upcoming {
                earliest: self.earliest,
                due_from: self.due_from,
                due_until: self.due_until,
            }
        } else if on <= self.due_until {
            DoseState::Due {
                due_from: self.due_from,
                due_until: self.due_until,
            }
        } else {
            DoseState::Overdue {
                since: self.due_until.succ_opt().unwrap_or(self.due_until),
                closes_on: self.closes,
            }
        }
    }
}

/// How the dose before ended, for the dose after it.
#[derive(Clone, Copy)]
enum Before {
    Nothing,
    Given,
    /// Still owed: the earliest it may be given and the day it will likely be, from today on.
    Owed {
        earliest: CalendarDate,
        likely: CalendarDate,
    },
    Closed(CalendarDate),
}

/// The state of every dose of the schedule on `on`, given which doses were filled.
fn dose_states(
    rule: &AntigenRule,
    born: CalendarDate,
    on: CalendarDate,
    filled: &[Option<GivenDose>],
) -> Vec<DoseStatus> {
    let mut before = Before::Nothing;
    let mut last_given: Option<CalendarDate> = None;
    let mut out = Vec::with_capacity(rule.doses.len());
    for (index, dose) in rule.doses.iter().enumerate() {
        let given = filled.get(index).and_then(Option::as_ref);
        let (state, due_on, after) = match (given, before) {
            (Some(given), _) => {
                let window = Window::of(dose, born, last_given);
                last_given = Some(given.date);
                let state = DoseState::Given {
                    date: given.date,
                    record_id: given.record_id.to_string(),
                    late: given.date > window.due_until,
                };
                (state, None, Before::Given)
            }
            (None, Before::Closed(closed_on)) if dose.needs_previous => (
                DoseState::NoLongerGiven { closed_on },
                None,
                Before::Closed(closed_on),
            ),
            (None, Before::Owed { earliest, likely }) if dose.needs_previous => {
                waiting(dose, index, born, earliest, likely)
            }
            (None, _) => {
                let window = Window::of(dose, born, last_given);
                let state = window.state_on(on);
                let after = match state {
                    DoseState::NoLongerGiven { closed_on } => Before::Closed(closed_on),
                    _ => Before::Owed {
                        earliest: window.earliest.max(on),
                        likely: window.due_from.max(on),
                    },
                };
                let due_on = state.is_owed().then_some(window.due_from);
                (state, due_on, after)
            }
        };
        before = after;
        out.push(DoseStatus {
            dose_number: number(index),
            label_vi: dose.label_vi.clone(),
            label_en: dose.label_en.clone(),
            state,
            due_on,
        });
    }
    out
}

/// A dose waiting on the one before, which is still owed: its dates if that dose is given as early
/// as it may be (`earliest_before`) or when it likely will be (`likely_before`). Also what it
/// leaves for the dose after it.
fn waiting(
    dose: &DoseRule,
    index: usize,
    born: CalendarDate,
    earliest_before: CalendarDate,
    likely_before: CalendarDate,
) -> (DoseState, Option<CalendarDate>, Before) {
    let projected = Window::of(dose, born, Some(earliest_before));
    let mut projected_due = due_from(dose, born, Some(likely_before), projected.earliest);
    if let Some(closes) = projected.closes {
        if projected.earliest >= closes {
            let state = DoseState::NoLongerGiven { closed_on: closes };
            return (state, None, Before::Closed(closes));
        }
        let last_day = closes.pred_opt().unwrap_or(closes);
        projected_due = projected_due.min(last_day).max(projected.earliest);
    }
    let state = DoseState::NotYetEligible {
        waits_on_dose: number(index.saturating_sub(1)),
        projected_earliest: projected.earliest,
        projected_due,
    };
    let after = Before::Owed {
        earliest: projected.earliest,
        likely: projected_due,
    };
    (state, Some(projected_due), after)
}

/// The dose number of the dose at `index`.
fn number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}
