//! The rules each kind of record must follow before the book stores it, and the facts derived
//! from a record (its place on the timeline, its title, the text search sees, validity windows).

use chrono::{Datelike, Days, Months, Timelike, Weekday};

use super::identifiers::{
    parse_prescription_code, validate_facility_code, validate_icd10, validate_icd10_list,
};
use super::records::*;
use super::time::{months_between, start_of_day_vn, vn_date, CalendarDate, DateTimeOffset};
use super::{Checked, Person, ValidationError};

/// The domain allows up to 12 secondary ICD-10 codes on a visit.
pub const MAX_SECONDARY_ICD10: usize = 12;
/// Ordinary prescriptions cover at most 30 days of treatment; listed chronic diseases up to 90.
pub const MAX_TREATMENT_DAYS: u32 = 30;
pub const MAX_CHRONIC_TREATMENT_DAYS: u32 = 90;
/// Children under 72 months need age in months and weight on a prescription.
pub const CHILD_PRESCRIPTION_MONTHS: u32 = 72;
/// A referral slip is valid for 10 working days, or one year for listed chronic diseases.
pub const REFERRAL_WORKING_DAYS: u32 = 10;

/// ICD-10 prefixes of chronic diseases that allow long prescriptions and one-year referral slips.
/// The list is reference data (core/data/chronic-icd10.txt), embedded at build time.
const CHRONIC_ICD10: &str = include_str!("../../data/chronic-icd10.txt");

pub fn is_chronic_icd10(code: &str) -> bool {
    CHRONIC_ICD10
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|prefix| !prefix.is_empty())
        .any(|prefix| code.starts_with(prefix))
}

fn required(field: &str, value: &str) -> Checked {
    if value.trim().is_empty() {
        Err(ValidationError::new(field, "is required"))
    } else {
        Ok(())
    }
}

fn facility(field: &str, facility: &Facility) -> Checked {
    validate_facility_code(&format!("{field}.code"), &facility.code)?;
    required(&format!("{field}.name"), &facility.name)
}

fn not_before_birth(field: &str, date: CalendarDate, person: &Person) -> Checked {
    if date < person.date_of_birth {
        return Err(ValidationError::new(
            field,
            format!(
                "{date} is before the person's date of birth ({})",
                person.date_of_birth
            ),
        ));
    }
    Ok(())
}

fn positive(field: &str, value: f64) -> Checked {
    if !value.is_finite() || value <= 0.0 {
        return Err(ValidationError::new(
            field,
            format!("must be a positive number; got {value}"),
        ));
    }
    Ok(())
}

impl Record {
    /// Checks the record against the domain's rules for its kind and for its person.
    pub fn validate(&self, person: &Person) -> Checked {
        match self {
            Record::Visit { visit } => visit.validate(person),
            Record::Prescription { prescription } => prescription.validate(person),
            Record::Referral { referral } => referral.validate(person),
            Record::Appointment { appointment } => appointment.validate(person),
            Record::Immunization { immunization } => immunization.validate(person),
            Record::Allergy { allergy } => allergy.validate(person),
            Record::Condition { condition } => condition.validate(person),
            Record::Observation { observation } => observation.validate(person),
        }
    }

    /// Where the record sits on the timeline. Day-only records sit at the start of their day in Vietnam;
    /// an appointment sits on the day it is for, so upcoming appointments lead the timeline.
    pub fn at(&self) -> DateTimeOffset {
        match self {
            Record::Visit { visit } => visit.start,
            Record::Prescription { prescription } => prescription.issued_at,
            Record::Referral { referral } => referral.signed_at,
            Record::Appointment { appointment } => start_of_day_vn(appointment.appointment_date),
            Record::Immunization { immunization } => start_of_day_vn(immunization.date),
            Record::Allergy { allergy } => start_of_day_vn(allergy.recorded_on),
            Record::Condition { condition } => {
                start_of_day_vn(condition.onset.unwrap_or(condition.recorded_on))
            }
            Record::Observation { observation } => observation.at,
        }
    }

    /// A one-line title in the words of the record itself (diagnosis, drugs, vaccine, substance).
    pub fn title(&self) -> String {
        match self {
            Record::Visit { visit } => visit.diagnosis_text.clone(),
            Record::Prescription { prescription } => prescription
                .lines
                .iter()
                .map(|line| line.brand_name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            Record::Referral { referral } => format!(
                "{} → {}",
                referral.diagnosis_text, referral.to_facility.name
            ),
            Record::Appointment { appointment } => appointment
                .diagnosis_text
                .clone()
                .unwrap_or_else(|| appointment.department.clone().unwrap_or_default()),
            Record::Immunization { immunization } => match immunization.dose_number {
                Some(dose) => format!("{} ({dose})", immunization.vaccine_name),
                None => immunization.vaccine_name.clone(),
            },
            Record::Allergy { allergy } => allergy.substance.clone(),
            Record::Condition { condition } => condition.text.clone(),
            Record::Observation { observation } => match &observation.value {
                ObservationValue::Quantity { value, unit } => format!("{value} {unit}"),
                ObservationValue::BloodPressure {
                    systolic,
                    diastolic,
                } => format!("{systolic}/{diastolic} mmHg"),
                ObservationValue::Text { text } => text.clone(),
            },
        }
    }

    /// The facility the record is from, when there is one.
    pub fn facility(&self) -> Option<&Facility> {
        match self {
            Record::Visit { visit } => Some(&visit.facility),
            Record::Prescription { prescription } => Some(&prescription.facility),
            Record::Referral { referral } => Some(&referral.from_facility),
            Record::Appointment { appointment } => Some(&appointment.facility),
            Record::Immunization { immunization } => immunization.facility.as_ref(),
            _ => None,
        }
    }

    /// Everything a citizen might type to find this record: texts, names, codes.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        let title = self.title();
        match self {
            Record::Visit { visit } => {
                parts.extend(visit.reason.as_deref());
                parts.extend(visit.main_icd10.as_deref());
                parts.extend(visit.secondary_icd10.iter().map(String::as_str));
                parts.extend(visit.procedures.iter().map(String::as_str));
                parts.extend(visit.department.as_deref());
                parts.extend(visit.instructions.as_deref());
                parts.extend(visit.summary.as_deref());
                parts.extend(visit.practitioner_name.as_deref());
            }
            Record::Prescription { prescription } => {
                for line in &prescription.lines {
                    parts.push(&line.active_ingredient);
                    parts.extend(line.drug_code.as_deref());
                }
                for diagnosis in &prescription.diagnoses {
                    parts.push(&diagnosis.icd10);
                    parts.push(&diagnosis.text);
                }
                parts.extend(prescription.national_code.as_deref());
                parts.extend(prescription.advice.as_deref());
                parts.extend(prescription.prescriber_name.as_deref());
            }
            Record::Referral { referral } => {
                parts.push(&referral.from_facility.name);
                parts.push(&referral.clinical_signs);
                parts.push(&referral.slip_number);
                parts.extend(referral.icd10.iter().map(String::as_str));
                parts.extend(referral.doctor_name.as_deref());
            }
            Record::Appointment { appointment } => {
                parts.extend(appointment.department.as_deref());
                parts.extend(appointment.icd10.iter().map(String::as_str));
                parts.extend(appointment.doctor_name.as_deref());
            }
            Record::Immunization { immunization } => {
                parts.push(&immunization.vaccine_code);
                parts.extend(immunization.antigens.iter().map(String::as_str));
                parts.extend(immunization.lot.as_deref());
                parts.extend(immunization.reactions.as_deref());
            }
            Record::Allergy { allergy } => {
                parts.extend(allergy.reaction.as_deref());
                parts.extend(allergy.note.as_deref());
            }
            Record::Condition { condition } => {
                parts.extend(condition.icd10.as_deref());
                parts.extend(condition.relative.as_deref());
            }
            Record::Observation { observation } => {
                parts.extend(observation.note.as_deref());
            }
        }
        let facility = self.facility().map(|f| f.name.as_str());
        let mut text = title;
        for part in facility.into_iter().chain(parts) {
            text.push(' ');
            text.push_str(part);
        }
        text
    }

    /// Fills in what the book derives rather than takes from the caller, and keeps times to the
    /// whole second, as FHIR carries them: a record reads the same on every phone it syncs to.
    pub fn complete_derived_fields(&mut self) {
        fn whole_second(at: &mut DateTimeOffset) {
            if let Some(trimmed) = at.with_nanosecond(0) {
                *at = trimmed;
            }
        }
        match self {
            Record::Referral { referral } => {
                if referral.valid_until.is_none() {
                    referral.valid_until = Some(referral.computed_valid_until());
                }
                whole_second(&mut referral.signed_at);
            }
            Record::Visit { visit } => {
                whole_second(&mut visit.start);
                if let Some(end) = visit.end.as_mut() {
                    whole_second(end);
                }
            }
            Record::Prescription { prescription } => whole_second(&mut prescription.issued_at),
            Record::Appointment { appointment } => whole_second(&mut appointment.issued_at),
            Record::Observation { observation } => whole_second(&mut observation.at),
            Record::Immunization { .. } | Record::Allergy { .. } | Record::Condition { .. } => {}
        }
    }
}

impl Visit {
    fn validate(&self, person: &Person) -> Checked {
        facility("visit.facility", &self.facility)?;
        required("visit.diagnosis_text", &self.diagnosis_text)?;
        if let Some(code) = &self.main_icd10 {
            validate_icd10("visit.main_icd10", code)?;
        }
        validate_icd10_list(
            "visit.secondary_icd10",
            &self.secondary_icd10,
            MAX_SECONDARY_ICD10,
        )?;
        not_before_birth("visit.start", vn_date(&self.start), person)?;
        if let Some(end) = self.end {
            if end < self.start {
                return Err(ValidationError::new(
                    "visit.end",
                    format!("ends ({end}) before the visit starts ({})", self.start),
                ));
            }
        }
        if let Some(weight) = self.weight_kg {
            positive("visit.weight_kg", weight)?;
        }
        for (i, date) in self.re_exam_dates.iter().enumerate() {
            if *date < vn_date(&self.start) {
                return Err(ValidationError::new(
                    format!("visit.re_exam_dates[{i}]"),
                    format!("re-exam date {date} is before the visit"),
                ));
            }
        }
        Ok(())
    }
}

impl Prescription {
    /// The last day any line of the prescription covers.
    pub fn treatment_end(&self) -> CalendarDate {
        let longest = self
            .lines
            .iter()
            .map(|line| line.dosage.days)
            .max()
            .unwrap_or(0);
        let start = vn_date(&self.issued_at);
        start
            .checked_add_days(Days::new(u64::from(longest.saturating_sub(1))))
            .unwrap_or(start)
    }

    /// Whether the citizen is still taking it on `date`.
    pub fn is_active_on(&self, date: CalendarDate) -> bool {
        vn_date(&self.issued_at) <= date && date <= self.treatment_end()
    }

    fn has_chronic_diagnosis(&self) -> bool {
        self.diagnoses.iter().any(|d| is_chronic_icd10(&d.icd10))
    }

    fn validate(&self, person: &Person) -> Checked {
        facility("prescription.facility", &self.facility)?;
        if let Some(code) = &self.national_code {
            let parsed = parse_prescription_code("prescription.national_code", code)?;
            if parsed.kind != self.kind {
                return Err(ValidationError::new(
                    "prescription.national_code",
                    format!(
                        "type letter '{}' does not match the prescription kind ({:?}, letter '{}')",
                        parsed.kind.api_letter(),
                        self.kind,
                        self.kind.api_letter()
                    ),
                ));
            }
            if parsed.facility_code != self.facility.code {
                return Err(ValidationError::new(
                    "prescription.national_code",
                    format!(
                        "starts with facility {} but the prescription is from facility {}",
                        parsed.facility_code, self.facility.code
                    ),
                ));
            }
        }
        for (i, diagnosis) in self.diagnoses.iter().enumerate() {
            validate_icd10(
                &format!("prescription.diagnoses[{i}].icd10"),
                &diagnosis.icd10,
            )?;
        }
        if self.lines.is_empty() {
            return Err(ValidationError::new(
                "prescription.lines",
                "a prescription needs at least one drug line",
            ));
        }
        let max_days = if self.has_chronic_diagnosis() {
            MAX_CHRONIC_TREATMENT_DAYS
        } else {
            MAX_TREATMENT_DAYS
        };
        for (i, line) in self.lines.iter().enumerate() {
            let field = |name: &str| format!("prescription.lines[{i}].{name}");
            required(&field("brand_name"), &line.brand_name)?;
            required(&field("active_ingredient"), &line.active_ingredient)?;
            required(&field("unit"), &line.unit)?;
            positive(&field("quantity"), line.quantity)?;
            positive(&field("dosage.dose_per_time"), line.dosage.dose_per_time)?;
            if line.dosage.times_per_day == 0 {
                return Err(ValidationError::new(
                    field("dosage.times_per_day"),
                    "must be at least 1",
                ));
            }
            if line.dosage.days == 0 || line.dosage.days > max_days {
                let why = if max_days == MAX_TREATMENT_DAYS {
                    format!("must be 1 to {MAX_TREATMENT_DAYS} days (up to {MAX_CHRONIC_TREATMENT_DAYS} with a listed chronic diagnosis)")
                } else {
                    format!("must be 1 to {MAX_CHRONIC_TREATMENT_DAYS} days")
                };
                return Err(ValidationError::new(
                    field("dosage.days"),
                    format!("{why}; got {}", line.dosage.days),
                ));
            }
        }
        let issued_on = vn_date(&self.issued_at);
        not_before_birth("prescription.issued_at", issued_on, person)?;
        if months_between(person.date_of_birth, issued_on) < CHILD_PRESCRIPTION_MONTHS {
            if self.patient_age_months.is_none() {
                return Err(ValidationError::new(
                    "prescription.patient_age_months",
                    "is required for a child under 72 months",
                ));
            }
            match self.patient_weight_kg {
                None => {
                    return Err(ValidationError::new(
                        "prescription.patient_weight_kg",
                        "is required for a child under 72 months",
                    ))
                }
                Some(weight) => positive("prescription.patient_weight_kg", weight)?,
            }
        }
        if let Some(date) = self.re_exam_date {
            if date < issued_on {
                return Err(ValidationError::new(
                    "prescription.re_exam_date",
                    format!("{date} is before the prescription was issued"),
                ));
            }
        }
        if let Some(replaced) = &self.replaces {
            parse_prescription_code("prescription.replaces", replaced)?;
        }
        Ok(())
    }
}

/// The last day a slip signed on `signed_on` is valid: `working_days` Monday–Friday days after signing.
/// Public holidays are not counted out: the slip may in fact last a little longer than this date.
pub fn add_working_days(signed_on: CalendarDate, working_days: u32) -> CalendarDate {
    let mut day = signed_on;
    let mut counted = 0;
    while counted < working_days {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
        }
    }
    day
}

impl ReferralSlip {
    pub fn computed_valid_until(&self) -> CalendarDate {
        let signed_on = vn_date(&self.signed_at);
        if self.chronic_disease {
            signed_on
                .checked_add_months(Months::new(12))
                .unwrap_or(signed_on)
        } else {
            add_working_days(signed_on, REFERRAL_WORKING_DAYS)
        }
    }

    fn validate(&self, person: &Person) -> Checked {
        required("referral.slip_number", &self.slip_number)?;
        facility("referral.from_facility", &self.from_facility)?;
        facility("referral.to_facility", &self.to_facility)?;
        if self.from_facility.code == self.to_facility.code {
            return Err(ValidationError::new(
                "referral.to_facility.code",
                "a referral goes to a different facility than the one it is from",
            ));
        }
        required("referral.clinical_signs", &self.clinical_signs)?;
        required("referral.diagnosis_text", &self.diagnosis_text)?;
        validate_icd10_list("referral.icd10", &self.icd10, MAX_SECONDARY_ICD10 + 1)?;
        if self.chronic_disease && !self.icd10.iter().any(|code| is_chronic_icd10(code)) {
            return Err(ValidationError::new(
                "referral.chronic_disease",
                "a one-year slip needs a diagnosis on the chronic disease list among its ICD-10 codes",
            ));
        }
        required("referral.planned_treatment", &self.planned_treatment)?;
        required("referral.transport", &self.transport)?;
        if let Some(escort) = &self.escort {
            required("referral.escort.name", &escort.name)?;
        }
        not_before_birth("referral.signed_at", vn_date(&self.signed_at), person)?;
        if let Some(until) = self.valid_until {
            if until < vn_date(&self.signed_at) {
                return Err(ValidationError::new(
                    "referral.valid_until",
                    "is before the slip was signed",
                ));
            }
        }
        Ok(())
    }
}

impl ReAppointment {
    fn validate(&self, person: &Person) -> Checked {
        facility("appointment.facility", &self.facility)?;
        validate_icd10_list("appointment.icd10", &self.icd10, MAX_SECONDARY_ICD10 + 1)?;
        not_before_birth("appointment.issued_at", vn_date(&self.issued_at), person)?;
        if self.appointment_date < vn_date(&self.issued_at) {
            return Err(ValidationError::new(
                "appointment.appointment_date",
                format!("{} is before the slip was issued", self.appointment_date),
            ));
        }
        Ok(())
    }
}

impl Immunization {
    fn validate(&self, person: &Person) -> Checked {
        required("immunization.vaccine_code", &self.vaccine_code)?;
        required("immunization.vaccine_name", &self.vaccine_name)?;
        if self.antigens.is_empty() {
            return Err(ValidationError::new(
                "immunization.antigens",
                "name at least one antigen the dose counts for (e.g. HepB)",
            ));
        }
        for (i, antigen) in self.antigens.iter().enumerate() {
            required(&format!("immunization.antigens[{i}]"), antigen)?;
        }
        if self.dose_number == Some(0) {
            return Err(ValidationError::new(
                "immunization.dose_number",
                "doses are numbered from 1",
            ));
        }
        if let Some(f) = &self.facility {
            facility("immunization.facility", f)?;
        }
        not_before_birth("immunization.date", self.date, person)
    }
}

impl Allergy {
    fn validate(&self, person: &Person) -> Checked {
        required("allergy.substance", &self.substance)?;
        not_before_birth("allergy.recorded_on", self.recorded_on, person)
    }
}

impl Condition {
    fn validate(&self, person: &Person) -> Checked {
        required("condition.text", &self.text)?;
        if let Some(code) = &self.icd10 {
            validate_icd10("condition.icd10", code)?;
        }
        if self.history != HistoryKind::Family {
            if let Some(onset) = self.onset {
                not_before_birth("condition.onset", onset, person)?;
            }
        }
        Ok(())
    }
}

impl Observation {
    fn validate(&self, person: &Person) -> Checked {
        not_before_birth("observation.at", vn_date(&self.at), person)?;
        match (&self.kind, &self.value) {
            (ObservationKind::Note, ObservationValue::Text { text }) => {
                required("observation.value.text", text)
            }
            (ObservationKind::Note, _) => Err(ValidationError::new(
                "observation.value",
                "a note holds text",
            )),
            (
                ObservationKind::BloodPressure,
                ObservationValue::BloodPressure {
                    systolic,
                    diastolic,
                },
            ) => {
                if systolic <= diastolic || *systolic > 300 || *diastolic == 0 {
                    Err(ValidationError::new(
                        "observation.value",
                        format!("{systolic}/{diastolic} mmHg is not a plausible blood pressure"),
                    ))
                } else {
                    Ok(())
                }
            }
            (ObservationKind::BloodPressure, _) => Err(ValidationError::new(
                "observation.value",
                "a blood pressure holds systolic and diastolic values",
            )),
            (_, ObservationValue::Quantity { value, unit }) => {
                positive("observation.value.value", *value)?;
                required("observation.value.unit", unit)
            }
            (_, _) => Err(ValidationError::new(
                "observation.value",
                "a measurement holds a quantity with a unit",
            )),
        }
    }
}
