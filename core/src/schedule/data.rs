//! The vaccination schedules as data: the JSON format of `core/data/schedules/*.json`, the checks a
//! file must pass, and which schedule is in force on a day. Knows nothing of a child or of doses given.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;

use super::ScheduleError;
use crate::model::CalendarDate;

/// The schedule files the library embeds, by file name. A new version of the schedule is a new
/// file here; older versions stay, so a status asked for an earlier day uses the rules of that day.
const EMBEDDED: &[(&str, &str)] = &[(
    "vn-epi-2024.json",
    include_str!("../../data/schedules/vn-epi-2024.json"),
)];

/// A length of time as the schedule writes it: an ISO 8601 duration in years, months, weeks and
/// days, in that order (`P0D`, `P6W`, `P28D`, `P2M`, `P1Y`, `P1Y1M`). Years and months are calendar
/// months: 2 months after 15 January is 15 March, 1 month after 31 January is 28 (or 29) February.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub struct Span {
    months: u32,
    days: u32,
}

impl Span {
    pub fn parse(text: &str) -> Result<Span, String> {
        let wrong = || format!("'{text}' is not a duration; write e.g. P0D, P6W, P28D, P2M or P1Y");
        let body = text.strip_prefix('P').ok_or_else(wrong)?;
        if body.is_empty() {
            return Err(wrong());
        }
        let mut span = Span::default();
        let mut number = String::new();
        let mut units_left = "YMWD";
        for c in body.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let count: u32 = number.parse().map_err(|_| wrong())?;
            number.clear();
            // Each unit once, largest first.
            let at = units_left.find(c).ok_or_else(wrong)?;
            units_left = &units_left[at + 1..];
            let add = |total: u32, times: u32| {
                count
                    .checked_mul(times)
                    .and_then(|n| total.checked_add(n))
                    .ok_or_else(wrong)
            };
            match c {
                'Y' => span.months = add(span.months, 12)?,
                'M' => span.months = add(span.months, 1)?,
                'W' => span.days = add(span.days, 7)?,
                _ => span.days = add(span.days, 1)?,
            }
        }
        if number.is_empty() {
            Ok(span)
        } else {
            Err(wrong())
        }
    }

    /// The day this span after `date`; the last day the calendar knows if that is beyond it.
    pub fn after(self, date: CalendarDate) -> CalendarDate {
        date.checked_add_months(Months::new(self.months))
            .and_then(|d| d.checked_add_days(Days::new(self.days.into())))
            .unwrap_or(NaiveDate::MAX)
    }
}

impl TryFrom<String> for Span {
    type Error = String;

    fn try_from(text: String) -> Result<Span, String> {
        Span::parse(&text)
    }
}

/// One version of a national schedule, as one file holds it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// The programme, e.g. `vn-epi`; the same for every version.
    pub id: String,
    pub version: String,
    /// The first day this version is in force.
    pub valid_from: CalendarDate,
    pub title_vi: String,
    pub title_en: String,
    /// The legal source (circulars) the ages and intervals come from.
    pub source: String,
    /// What was checked, what was decided and what is unverified.
    pub notes: Vec<String>,
    pub antigens: Vec<AntigenRule>,
    /// Vaccine products by national code or CVX, for records that name no antigen this file knows.
    pub vaccines: Vec<VaccineProduct>,
}

/// An antigen of the schedule and its doses, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntigenRule {
    /// The name immunization records use, e.g. `HepB`.
    pub antigen: String,
    pub name_vi: String,
    pub name_en: String,
    /// Other names a record may carry for it (matched without regard to case).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub doses: Vec<DoseRule>,
}

/// When one dose of an antigen is given. Ages count from the date of birth; intervals from the
/// previous dose of the same antigen that counted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoseRule {
    pub dose: u32,
    #[serde(default)]
    pub label_vi: Option<String>,
    #[serde(default)]
    pub label_en: Option<String>,
    /// The age the schedule gives the dose at.
    #[serde(default)]
    pub recommended_age: Option<Span>,
    /// For doses timed from the previous one (Japanese encephalitis 2 and 3).
    #[serde(default)]
    pub recommended_interval: Option<Span>,
    /// Given younger than this, the dose does not count.
    #[serde(default)]
    pub minimum_age: Option<Span>,
    /// Given sooner than this after the previous dose, the dose does not count.
    #[serde(default)]
    pub minimum_interval: Option<Span>,
    /// How long after its due date the dose is still on time; overdue afterwards.
    pub on_time_for: Span,
    /// From this age on the dose is no longer given (rotavirus after 6 months).
    #[serde(default)]
    pub maximum_age: Option<Span>,
    /// Whether the dose waits for the previous one. The first combination dose of hepatitis B does
    /// not wait for the birth dose: it is owed whether or not the birth dose was given.
    #[serde(default = "waits_by_default")]
    pub needs_previous: bool,
}

fn waits_by_default() -> bool {
    true
}

impl DoseRule {
    /// The first day the dose is no longer given, if it has a maximum age.
    pub fn closes_on(&self, born: CalendarDate) -> Option<CalendarDate> {
        self.maximum_age.map(|age| age.after(born))
    }
}

/// A vaccine product and the antigens of this schedule it counts for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaccineProduct {
    /// National short codes and product names (matched without regard to case).
    pub codes: Vec<String>,
    #[serde(default)]
    pub cvx: Vec<u32>,
    pub antigens: Vec<String>,
}

impl Schedule {
    fn parse(file: &str, json: &str) -> Result<Schedule, ScheduleError> {
        let invalid = |reason: String| ScheduleError::InvalidData {
            file: file.to_string(),
            reason,
        };
        let schedule: Schedule = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
        schedule.check().map_err(invalid)?;
        Ok(schedule)
    }

    /// The rules a file must follow beyond its shape, so the engine can rely on them.
    fn check(&self) -> Result<(), String> {
        for (field, value) in [
            ("id", &self.id),
            ("version", &self.version),
            ("source", &self.source),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{field} is empty"));
            }
        }
        if self.antigens.is_empty() {
            return Err("lists no antigens".into());
        }
        let mut names = HashSet::new();
        for antigen in &self.antigens {
            for name in std::iter::once(&antigen.antigen).chain(&antigen.aliases) {
                if name.trim().is_empty() || !names.insert(fold(name)) {
                    return Err(format!(
                        "antigen name '{name}' is empty or used twice; every name and alias must be unique"
                    ));
                }
            }
            check_doses(antigen)?;
        }
        for product in &self.vaccines {
            if product.codes.iter().all(|c| c.trim().is_empty()) {
                return Err("a vaccine product has no code".into());
            }
            if let Some(unknown) = product
                .antigens
                .iter()
                .find(|a| self.antigen_index(a).is_none())
            {
                return Err(format!(
                    "vaccine {} counts for '{unknown}', which is not an antigen of this schedule",
                    product.codes.join("/")
                ));
            }
        }
        Ok(())
    }

    /// The antigen a record's antigen name stands for, by name or alias, regardless of case.
    pub fn antigen_index(&self, name: &str) -> Option<usize> {
        let name = fold(name);
        self.antigens.iter().position(|antigen| {
            fold(&antigen.antigen) == name || antigen.aliases.iter().any(|a| fold(a) == name)
        })
    }

    /// The product a record's vaccine code names, or failing that its CVX code.
    pub fn product(&self, vaccine_code: &str, cvx: Option<u32>) -> Option<&VaccineProduct> {
        let code = fold(vaccine_code);
        self.vaccines
            .iter()
            .find(|p| p.codes.iter().any(|c| fold(c) == code))
            .or_else(|| {
                let cvx = cvx?;
                self.vaccines.iter().find(|p| p.cvx.contains(&cvx))
            })
    }
}

fn check_doses(antigen: &AntigenRule) -> Result<(), String> {
    let name = &antigen.antigen;
    if antigen.doses.is_empty() {
        return Err(format!("{name} has no doses"));
    }
    for (index, dose) in antigen.doses.iter().enumerate() {
        let number = dose.dose;
        if usize::try_from(number).ok() != Some(index + 1) {
            return Err(format!("{name}: doses must be numbered 1, 2, 3 … in order"));
        }
        let first = index == 0;
        if first && dose.recommended_age.is_none() {
            return Err(format!("{name} dose 1 needs a recommended_age"));
        }
        if dose.recommended_age.is_none() && dose.recommended_interval.is_none() {
            return Err(format!(
                "{name} dose {number} needs a recommended_age or a recommended_interval"
            ));
        }
        if dose.recommended_interval.is_some() && (first || !dose.needs_previous) {
            return Err(format!(
                "{name} dose {number}: a recommended_interval counts from the previous dose, so the dose must follow one"
            ));
        }
        if let (Some(oldest), Some(due)) = (dose.maximum_age, dose.recommended_age) {
            let born = NaiveDate::MIN;
            if oldest.after(born) <= due.after(born) {
                return Err(format!(
                    "{name} dose {number}: the maximum_age must be later than the recommended_age"
                ));
            }
        }
    }
    Ok(())
}

/// Names compare without regard to case or surrounding spaces.
fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Every version of the schedule the library knows, oldest first.
#[derive(Debug, Clone)]
pub struct Schedules {
    versions: Vec<Schedule>,
}

impl Schedules {
    /// Reads and checks schedule files given as (file name, JSON text).
    pub fn from_files(files: &[(&str, &str)]) -> Result<Schedules, ScheduleError> {
        let mut versions = files
            .iter()
            .map(|(file, json)| Schedule::parse(file, json))
            .collect::<Result<Vec<_>, _>>()?;
        versions.sort_by_key(|s| s.valid_from);
        if let Some(pair) = versions
            .windows(2)
            .find(|pair| pair[0].valid_from == pair[1].valid_from)
        {
            return Err(ScheduleError::InvalidData {
                file: format!("{} {}", pair[1].id, pair[1].version),
                reason: format!(
                    "takes effect on {}, the same day as version {}; give each version its own valid_from",
                    pair[1].valid_from, pair[0].version
                ),
            });
        }
        Ok(Schedules { versions })
    }

    /// The schedules embedded in the library, read once.
    pub fn embedded() -> Result<&'static Schedules, ScheduleError> {
        static EMBEDDED_SCHEDULES: OnceLock<Result<Schedules, ScheduleError>> = OnceLock::new();
        EMBEDDED_SCHEDULES
            .get_or_init(|| Schedules::from_files(EMBEDDED))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The version in force on `on`: the one with the latest `valid_from` not after it.
    pub fn in_force_on(&self, on: CalendarDate) -> Result<&Schedule, ScheduleError> {
        self.versions
            .iter()
            .rev()
            .find(|s| s.valid_from <= on)
            .ok_or_else(|| ScheduleError::NoScheduleInForce {
                on,
                first: self.versions.first().map(|s| s.valid_from),
            })
    }

    pub fn versions(&self) -> &[Schedule] {
        &self.versions
    }
}
