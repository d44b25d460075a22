//! Builds one record of each kind for one person from the vocabularies: the visit with its
//! doctor and times, the prescription that follows it, slips, vaccinations, notes and measures.
//! Records leave here without ids; the family and the bulk generator number them.

use chrono::{Datelike, Duration, Months};

use super::rng::SplitMix64;
use super::vocab::{Doctor, Drug, Illness, Place, Vaccine};
use crate::model::rules::{is_chronic_icd10, MAX_CHRONIC_TREATMENT_DAYS, MAX_TREATMENT_DAYS};
use crate::model::time::{start_of_day_vn, vn_date};
use crate::model::*;

/// Whole months from `from` to `to`, as a prescription states a child's age.
pub(crate) fn age_months(from: CalendarDate, to: CalendarDate) -> u32 {
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        months -= 1;
    }
    months.max(0) as u32
}

pub(crate) fn add_months(date: CalendarDate, months: u32) -> CalendarDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

pub(crate) fn sub_months(date: CalendarDate, months: u32) -> CalendarDate {
    date.checked_sub_months(Months::new(months)).unwrap_or(date)
}

pub(crate) fn add_days(date: CalendarDate, days: i64) -> CalendarDate {
    date.checked_add_signed(Duration::days(days))
        .unwrap_or(date)
}

/// An instant on `date` at `minutes` past midnight, Vietnam time.
pub(crate) fn at_minutes(date: CalendarDate, minutes: i64) -> DateTimeOffset {
    start_of_day_vn(date) + Duration::minutes(minutes)
}

/// Median weight (kg) and length/height (cm) by age in months, close to the WHO growth standards.
const GROWTH: [(u32, f64, f64); 17] = [
    (0, 3.3, 49.9),
    (1, 4.5, 54.7),
    (2, 5.6, 58.4),
    (3, 6.4, 61.4),
    (4, 7.0, 63.9),
    (6, 7.9, 67.6),
    (9, 8.9, 72.0),
    (12, 9.6, 75.7),
    (18, 10.9, 82.3),
    (24, 12.2, 87.1),
    (36, 14.3, 96.1),
    (48, 16.3, 103.3),
    (60, 18.3, 110.0),
    (72, 20.5, 116.0),
    (84, 22.9, 121.7),
    (96, 25.4, 127.3),
    (216, 55.0, 158.0),
];

/// Median (weight kg, height cm) at `months` (fractional), interpolated between the table's ages.
pub(crate) fn growth_median(months: f64) -> (f64, f64) {
    let mut previous = GROWTH[0];
    for row in GROWTH {
        let age = f64::from(row.0);
        if months <= age {
            let span = (age - f64::from(previous.0)).max(1.0);
            let t = ((months - f64::from(previous.0)) / span).clamp(0.0, 1.0);
            return (
                previous.1 + (row.1 - previous.1) * t,
                previous.2 + (row.2 - previous.2) * t,
            );
        }
        previous = row;
    }
    (previous.1, previous.2)
}

/// Age in months with the fraction, for growth curves that should not jump on the monthly birthday.
fn exact_months(from: CalendarDate, to: CalendarDate) -> f64 {
    ((to - from).num_days().max(0) as f64) / 30.4375
}

/// How a person grows and weighs: children follow the growth table scaled by their own build;
/// adults keep a base weight that drifts slowly, and a pregnancy adds to it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Build {
    /// Multiplies the median weight: a lighter or heavier child than average.
    pub scale: f64,
    /// An adult's weight at 18, in kg; 0 for children, who follow the table.
    pub adult_base_kg: f64,
}

/// What a visit left behind that later records refer to: where, who, when and what was found.
pub(crate) struct Seen {
    pub place: &'static Place,
    pub department: &'static str,
    pub doctor: Option<&'static Doctor>,
    pub start: DateTimeOffset,
    pub end: DateTimeOffset,
    pub diagnoses: Vec<Diagnosis>,
    pub sensitive: bool,
}

impl Seen {
    pub(crate) fn codes(&self) -> Vec<String> {
        self.diagnoses.iter().map(|d| d.icd10.clone()).collect()
    }
    pub(crate) fn main_text(&self) -> String {
        self.diagnoses
            .first()
            .map(|d| d.text.clone())
            .unwrap_or_default()
    }
}

/// One visit to make: the defaults come from the illness; the setters cover the storyline's cases.
pub(crate) struct VisitPlan {
    pub date: CalendarDate,
    pub place: &'static Place,
    pub illness: &'static Illness,
    pub secondary: Vec<&'static Illness>,
    pub department: Option<&'static str>,
    pub discharge: DischargeType,
    pub result: Option<TreatmentResult>,
    pub re_exam: Option<CalendarDate>,
    pub summary: Option<String>,
    /// Forces an outpatient visit (`Some(false)`) for a diagnosis usually treated in hospital, or a stay.
    pub inpatient: Option<bool>,
    /// The reason for the visit when it is not the illness's usual one.
    pub reason: Option<&'static str>,
    /// Weeks of pregnancy on the day, for the weight the visit records.
    pub pregnant_weeks: Option<i64>,
    /// Minutes past midnight the visit starts; drawn from office hours when `None`.
    pub start_minutes: Option<i64>,
}

impl VisitPlan {
    pub(crate) fn new(
        date: CalendarDate,
        place: &'static Place,
        illness: &'static Illness,
    ) -> Self {
        Self {
            date,
            place,
            illness,
            secondary: Vec::new(),
            department: None,
            discharge: DischargeType::Discharged,
            result: None,
            re_exam: None,
            summary: None,
            inpatient: None,
            reason: None,
            pregnant_weeks: None,
            start_minutes: None,
        }
    }
}

/// Makes records for one person and collects them.
pub(crate) struct Maker<'p> {
    pub rng: SplitMix64,
    pub person: &'p Person,
    pub build: Build,
    /// Penicillins are left out of prescriptions from this day (the day the allergy was found).
    pub no_penicillin_from: Option<CalendarDate>,
    pub records: Vec<Record>,
    serial: u32,
}

impl<'p> Maker<'p> {
    pub(crate) fn new(rng: SplitMix64, person: &'p Person, build: Build) -> Self {
        Self {
            rng,
            person,
            build,
            no_penicillin_from: None,
            records: Vec::new(),
            serial: 0,
        }
    }

    fn person_id(&self) -> String {
        self.person.id.clone()
    }

    fn next_serial(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    pub(crate) fn age_on(&self, date: CalendarDate) -> u32 {
        age_months(self.person.date_of_birth, date)
    }

    /// Weight in kg on `date`, to one decimal; `pregnant_weeks` adds what a pregnancy weighs.
    pub(crate) fn weight_on(&mut self, date: CalendarDate, pregnant_weeks: Option<i64>) -> f64 {
        let months = exact_months(self.person.date_of_birth, date);
        let base = if months < 216.0 || self.build.adult_base_kg <= 0.0 {
            growth_median(months).0 * self.build.scale
        } else {
            // Adults put on about 0.3 kg a year.
            self.build.adult_base_kg + (months - 216.0) / 12.0 * 0.3
        };
        let pregnancy = pregnant_weeks.map_or(0.0, |weeks| (weeks.clamp(0, 40) as f64) * 0.3);
        // Scales and clothes differ by a percent or so, not by a fixed amount: a baby's weight barely moves.
        let noise = 1.0 + self.rng.real(-0.012, 0.012, 3);
        (((base + pregnancy) * noise) * 10.0).round() / 10.0
    }

    pub(crate) fn height_on(&mut self, date: CalendarDate) -> f64 {
        let months = exact_months(self.person.date_of_birth, date);
        let (_, height) = growth_median(months);
        let scale = 1.0 + (self.build.scale - 1.0) * 0.3;
        ((height * scale + self.rng.real(-0.3, 0.3, 1)) * 10.0).round() / 10.0
    }

    fn doctor(&mut self, place: &'static Place) -> Option<&'static Doctor> {
        self.rng.pick(place.doctors)
    }

    /// Office hours: 7:00 to 16:00, the hours Vietnamese outpatient departments receive patients.
    fn office_minutes(&mut self) -> i64 {
        i64::from(self.rng.between(7 * 60, 16 * 60))
    }

    pub(crate) fn visit(&mut self, plan: VisitPlan) -> Seen {
        let start = at_minutes(
            plan.date,
            plan.start_minutes.unwrap_or_else(|| self.office_minutes()),
        );
        let illness = plan.illness;
        let inpatient = plan.inpatient.unwrap_or_else(|| illness.inpatient());
        let end = if inpatient {
            let days = i64::from(
                self.rng
                    .between(illness.stay.0.max(1), illness.stay.1.max(1)),
            );
            at_minutes(
                add_days(plan.date, days),
                i64::from(self.rng.between(8 * 60, 11 * 60)),
            )
        } else {
            start + Duration::minutes(i64::from(self.rng.between(20, 150)))
        };
        let doctor = self.doctor(plan.place);
        let department = plan.department.unwrap_or(illness.department);
        let mut diagnoses = vec![Diagnosis {
            icd10: illness.icd10.into(),
            text: illness.text.into(),
        }];
        for other in &plan.secondary {
            if diagnoses.iter().all(|d| d.icd10 != other.icd10) {
                diagnoses.push(Diagnosis {
                    icd10: other.icd10.into(),
                    text: other.text.into(),
                });
            }
        }
        let sensitive = illness.sensitive || plan.secondary.iter().any(|s| s.sensitive);
        let weight = if self.rng.chance(70) {
            Some(self.weight_on(plan.date, plan.pregnant_weeks))
        } else {
            None
        };
        let diagnosis_text = diagnoses
            .iter()
            .map(|d| d.text.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let summary = plan.summary.or_else(|| {
            inpatient.then(|| {
                format!(
                    "Vào viện vì {}. Chẩn đoán: {}. Điều trị nội trú {} ngày, ra viện tình trạng ổn định.",
                    lower_first(plan.reason.unwrap_or(illness.reason)),
                    illness.text.to_lowercase(),
                    (end - start).num_days().max(1)
                )
            })
        });
        let episode_key = format!(
            "{}{}{:04}",
            plan.place.code,
            plan.date.format("%Y%m%d"),
            self.rng.below(10_000)
        );
        self.records.push(Record::Visit {
            visit: Visit {
                id: String::new(),
                person_id: self.person_id(),
                source: RecordSource::Facility,
                sensitive,
                episode_key: Some(episode_key),
                facility: facility(plan.place),
                department: Some(department.into()),
                start,
                end: Some(end),
                inpatient,
                reason: Some(plan.reason.unwrap_or(illness.reason).into()),
                diagnosis_text,
                main_icd10: Some(illness.icd10.into()),
                secondary_icd10: diagnoses.iter().skip(1).map(|d| d.icd10.clone()).collect(),
                procedures: illness.procedures.iter().map(|p| (*p).to_owned()).collect(),
                treatment_result: Some(plan.result.unwrap_or(illness.result)),
                discharge_type: Some(plan.discharge),
                weight_kg: weight,
                instructions: Some(illness.instructions.into()),
                re_exam_dates: plan.re_exam.into_iter().collect(),
                practitioner_name: doctor.map(|d| d.name.into()),
                practitioner_licence: doctor.map(|d| d.licence.into()),
                summary,
            },
        });
        Seen {
            place: plan.place,
            department,
            doctor,
            start,
            end,
            diagnoses,
            sensitive,
        }
    }

    /// A consultation that left no visit record of its own (a prescription or slip arrives alone).
    pub(crate) fn consult(
        &mut self,
        date: CalendarDate,
        place: &'static Place,
        illness: &'static Illness,
    ) -> Seen {
        let start = at_minutes(date, self.office_minutes());
        let end = start + Duration::minutes(i64::from(self.rng.between(15, 40)));
        let doctor = self.doctor(place);
        Seen {
            place,
            department: illness.department,
            doctor,
            start,
            end,
            diagnoses: vec![Diagnosis {
                icd10: illness.icd10.into(),
                text: illness.text.into(),
            }],
            sensitive: illness.sensitive,
        }
    }

    /// Whether a drug may be given on `date` at the person's age.
    fn allowed(&self, drug: &Drug, date: CalendarDate) -> bool {
        let allergic = drug.penicillin && self.no_penicillin_from.is_some_and(|from| date >= from);
        drug.suits(self.age_on(date)) && !allergic
    }

    /// The drug lines a doctor writes for these illnesses: the first suitable drug of each, the
    /// others about half the time; long-term drugs cover `long_term_days`.
    pub(crate) fn lines_for(
        &mut self,
        illnesses: &[&'static Illness],
        date: CalendarDate,
        long_term_days: u32,
    ) -> Vec<DrugLine> {
        let chronic = illnesses.iter().any(|i| is_chronic_icd10(i.icd10));
        let max_days = if chronic {
            MAX_CHRONIC_TREATMENT_DAYS
        } else {
            MAX_TREATMENT_DAYS
        };
        let mut lines: Vec<DrugLine> = Vec::new();
        let mut classes: Vec<&str> = Vec::new();
        for illness in illnesses {
            let mut first = true;
            for drug in illness.drugs.iter().copied() {
                if !self.allowed(drug, date) {
                    continue;
                }
                let take = first || self.rng.chance(50);
                // Neither the same medicine in a second form nor a second drug of one class (two antibiotics).
                let duplicate = lines
                    .iter()
                    .any(|l| l.brand_name == drug.brand || l.active_ingredient == drug.active)
                    || (!drug.class.is_empty() && classes.contains(&drug.class));
                if take && !duplicate && lines.len() < 5 {
                    classes.push(drug.class);
                    let days = if drug.long_term {
                        long_term_days
                    } else {
                        self.rng.between(drug.days.0, drug.days.1)
                    };
                    lines.push(self.line(drug, days.clamp(1, max_days)));
                }
                first = false;
            }
        }
        lines
    }

    pub(crate) fn line(&mut self, drug: &Drug, days: u32) -> DrugLine {
        let quantity = drug
            .pack
            .unwrap_or(drug.dose * f64::from(drug.times) * f64::from(days));
        DrugLine {
            drug_code: Some(drug.code.into()),
            brand_name: drug.brand.into(),
            active_ingredient: drug.active.into(),
            strength: Some(drug.strength.into()),
            unit: drug.unit.into(),
            quantity,
            dosage: Dosage {
                dose_per_time: drug.dose,
                times_per_day: drug.times,
                route: Some(drug.route.into()),
                timing: Some(drug.timing.into()),
                days,
            },
        }
    }

    /// The prescription written at the end of a visit. Nothing is written when no drug suits.
    pub(crate) fn prescribe(
        &mut self,
        seen: &Seen,
        lines: Vec<DrugLine>,
        re_exam: Option<CalendarDate>,
        advice: &str,
    ) -> bool {
        if lines.is_empty() {
            return false;
        }
        let issued_at = seen.end - Duration::minutes(i64::from(self.rng.between(5, 15)));
        let issued_at = issued_at.max(seen.start);
        let issued_on = vn_date(&issued_at);
        let months = self.age_on(issued_on);
        let child = months < crate::model::rules::CHILD_PRESCRIPTION_MONTHS;
        let weight = if child {
            Some(self.weight_on(issued_on, None))
        } else {
            None
        };
        let code = format!(
            "{}{}-{}",
            seen.place.code,
            self.rng.base36(7),
            PrescriptionKind::General.api_letter()
        );
        self.records.push(Record::Prescription {
            prescription: Prescription {
                id: String::new(),
                person_id: self.person_id(),
                source: RecordSource::Facility,
                sensitive: seen.sensitive,
                national_code: Some(code),
                kind: PrescriptionKind::General,
                issued_at,
                facility: facility(seen.place),
                prescriber_name: seen.doctor.map(|d| d.name.into()),
                prescriber_licence: seen.doctor.map(|d| d.licence.into()),
                diagnoses: seen.diagnoses.clone(),
                lines,
                advice: Some(advice.into()),
                re_exam_date: re_exam.filter(|date| *date >= issued_on),
                patient_age_months: child.then_some(months),
                patient_weight_kg: weight,
                replaces: None,
            },
        });
        true
    }

    /// A re-exam appointment slip written at the end of a visit.
    pub(crate) fn appoint(&mut self, seen: &Seen, date: CalendarDate, status: AppointmentStatus) {
        let serial = self.next_serial();
        let slip_number = format!("HK{}-{}{:04}", date.year(), seen.place.code, serial);
        self.records.push(Record::Appointment {
            appointment: ReAppointment {
                id: String::new(),
                person_id: self.person_id(),
                source: RecordSource::Facility,
                sensitive: seen.sensitive,
                slip_number: Some(slip_number),
                facility: facility(seen.place),
                department: Some(seen.department.into()),
                appointment_date: date.max(vn_date(&seen.end)),
                diagnosis_text: Some(seen.main_text()),
                icd10: seen.codes(),
                doctor_name: seen.doctor.map(|d| d.name.into()),
                issued_at: seen.end,
                status,
            },
        });
    }

    /// A referral slip from the facility of `seen` to `to`, signed as the visit ends.
    pub(crate) fn refer(&mut self, seen: &Seen, to: &'static Place, slip: Referral) {
        let serial = self.next_serial();
        let signed_at = seen.end;
        let chronic = seen.diagnoses.iter().any(|d| is_chronic_icd10(&d.icd10));
        let mut referral = ReferralSlip {
            id: String::new(),
            person_id: self.person_id(),
            source: RecordSource::Facility,
            sensitive: seen.sensitive,
            slip_number: format!("{serial:03}/{}/GCT-{}", signed_at.year(), seen.place.code),
            from_facility: facility(seen.place),
            to_facility: facility(to),
            clinical_signs: slip.clinical_signs.into(),
            diagnosis_text: seen.main_text(),
            icd10: seen.codes(),
            disease_course: Some(slip.disease_course.into()),
            key_results: Some(slip.key_results.into()),
            treatment_given: Some(slip.treatment_given.into()),
            condition_at_transfer: Some(slip.condition.into()),
            reason: slip.reason,
            planned_treatment: slip.planned_treatment.into(),
            transport: slip.transport.into(),
            escort: slip.escort.map(|(name, role)| Escort {
                name,
                role: role.into(),
            }),
            doctor_name: seen.doctor.map(|d| d.name.into()),
            doctor_licence: seen.doctor.map(|d| d.licence.into()),
            signed_at,
            chronic_disease: chronic,
            valid_until: None,
        };
        referral.valid_until = Some(referral.computed_valid_until());
        self.records.push(Record::Referral { referral });
    }

    pub(crate) fn immunize(
        &mut self,
        vaccine: &Vaccine,
        dose: u32,
        date: CalendarDate,
        place: &'static Place,
        programme: ImmunizationProgramme,
        reactions: Option<&str>,
    ) {
        let lot = format!(
            "{}{:02}{}",
            vaccine.lot_prefix,
            date.year() % 100,
            self.rng.digits(3)
        );
        self.records.push(Record::Immunization {
            immunization: Immunization {
                id: String::new(),
                person_id: self.person_id(),
                source: RecordSource::Facility,
                sensitive: false,
                vaccine_code: vaccine.code.into(),
                vaccine_name: vaccine.name.into(),
                cvx: vaccine.cvx,
                antigens: vaccine.antigens.iter().map(|a| (*a).to_owned()).collect(),
                dose_number: Some(dose.max(1)),
                date,
                lot: Some(lot),
                facility: Some(facility(place)),
                programme,
                reactions: reactions.map(str::to_owned),
            },
        });
    }

    pub(crate) fn observe(
        &mut self,
        at: DateTimeOffset,
        kind: ObservationKind,
        value: ObservationValue,
        note: Option<&str>,
        source: RecordSource,
    ) {
        self.records.push(Record::Observation {
            observation: Observation {
                id: String::new(),
                person_id: self.person_id(),
                source,
                sensitive: false,
                kind,
                at,
                value,
                note: note.map(str::to_owned),
            },
        });
    }

    pub(crate) fn quantity(
        &mut self,
        at: DateTimeOffset,
        kind: ObservationKind,
        value: f64,
        unit: &str,
        source: RecordSource,
    ) {
        self.observe(
            at,
            kind,
            ObservationValue::Quantity {
                value,
                unit: unit.into(),
            },
            None,
            source,
        );
    }

    pub(crate) fn note(&mut self, at: DateTimeOffset, text: &str) {
        self.observe(
            at,
            ObservationKind::Note,
            ObservationValue::Text { text: text.into() },
            None,
            RecordSource::Citizen,
        );
    }

    /// A home blood pressure reading; `treated` readings sit lower than untreated ones.
    pub(crate) fn blood_pressure(&mut self, at: DateTimeOffset, high: bool) {
        let (systolic, diastolic) = if high {
            (self.rng.between(138, 158), self.rng.between(88, 100))
        } else {
            (self.rng.between(115, 137), self.rng.between(72, 87))
        };
        let note = (systolic >= 140).then_some("Đo lại sau 5 phút nghỉ ngơi");
        self.observe(
            at,
            ObservationKind::BloodPressure,
            ObservationValue::BloodPressure {
                systolic,
                diastolic,
            },
            note,
            RecordSource::Citizen,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn condition(
        &mut self,
        history: HistoryKind,
        text: &str,
        icd10: Option<&str>,
        onset: Option<CalendarDate>,
        recorded_on: CalendarDate,
        status: ConditionStatus,
        relative: Option<&str>,
    ) {
        self.records.push(Record::Condition {
            condition: Condition {
                id: String::new(),
                person_id: self.person_id(),
                source: RecordSource::Citizen,
                sensitive: false,
                history,
                text: text.into(),
                icd10: icd10.map(str::to_owned),
                onset,
                recorded_on,
                status,
                relative: relative.map(str::to_owned),
            },
        });
    }

    pub(crate) fn allergy(
        &mut self,
        substance: &str,
        category: AllergyCategory,
        criticality: AllergyCriticality,
        reaction: &str,
        recorded_on: CalendarDate,
        note: Option<&str>,
    ) {
        self.records.push(Record::Allergy {
            allergy: Allergy {
                id: String::new(),
                person_id: self.person_id(),
                source: RecordSource::Facility,
                sensitive: false,
                substance: substance.into(),
                category,
                criticality: Some(criticality),
                reaction: Some(reaction.into()),
                recorded_on,
                note: note.map(str::to_owned),
            },
        });
    }
}

/// The content of a referral slip; the facilities, doctor and diagnoses come from the visit.
pub(crate) struct Referral {
    pub clinical_signs: &'static str,
    pub disease_course: &'static str,
    pub key_results: &'static str,
    pub treatment_given: &'static str,
    pub condition: &'static str,
    pub reason: ReferralReason,
    pub planned_treatment: &'static str,
    pub transport: &'static str,
    pub escort: Option<(String, &'static str)>,
}

pub(crate) fn facility(place: &Place) -> Facility {
    Facility {
        code: place.code.into(),
        name: place.name.into(),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
