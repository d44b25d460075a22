//! Many valid records for one person, for benchmarks and load tests: the kinds in the proportions
//! a real book has, spread over up to twelve years, drawn from the same vocabularies as the family.

use chrono::{Datelike, NaiveDate};

use super::make::{add_days, Build, Maker, Referral, VisitPlan};
use super::rng::SplitMix64;
use super::vocab::*;
use crate::model::*;

/// Records end on this day rather than on the clock, so a seed always gives the same records.
const LAST_YEAR: i32 = 2025;
const SPAN_DAYS: i64 = 12 * 365;

#[derive(Clone, Copy)]
enum Kind {
    Visit,
    Prescription,
    Observation,
    Appointment,
    Immunization,
    Condition,
    Referral,
    Allergy,
}

/// Proportions seen in real books: measurements and visits dominate, allergies are rare.
const KINDS: [(Kind, u32); 8] = [
    (Kind::Visit, 28),
    (Kind::Prescription, 24),
    (Kind::Observation, 30),
    (Kind::Appointment, 6),
    (Kind::Immunization, 5),
    (Kind::Condition, 3),
    (Kind::Referral, 3),
    (Kind::Allergy, 1),
];

const CHRONIC: [&Illness; 3] = [&HYPERTENSION, &DIABETES, &LIPIDS];

const ALLERGIES: [(&str, AllergyCategory, AllergyCriticality, &str); 6] = [
    (
        "Penicillin",
        AllergyCategory::Medication,
        AllergyCriticality::High,
        "Mày đay, khó thở",
    ),
    (
        "Aspirin",
        AllergyCategory::Medication,
        AllergyCriticality::High,
        "Phù mạch, khó thở",
    ),
    (
        "Hải sản (tôm, cua)",
        AllergyCategory::Food,
        AllergyCriticality::Low,
        "Ngứa, nổi mẩn đỏ",
    ),
    (
        "Sữa bò",
        AllergyCategory::Food,
        AllergyCriticality::Low,
        "Nôn, tiêu chảy sau khi uống sữa",
    ),
    (
        "Phấn hoa",
        AllergyCategory::Environment,
        AllergyCriticality::Low,
        "Hắt hơi, chảy nước mắt",
    ),
    (
        "Mạt bụi nhà",
        AllergyCategory::Environment,
        AllergyCriticality::Low,
        "Hắt hơi, ngứa mũi",
    ),
];

/// `count` valid records for `person`, ids `bulk-<seed>-<n>` from 1. Deterministic for a seed.
pub fn bulk_records(person: &Person, count: usize, seed: u64) -> Vec<Record> {
    let build = Build {
        scale: 1.0,
        adult_base_kg: 55.0,
    };
    let mut m = Maker::new(SplitMix64::stream(seed, 7), person, build);
    m.records.reserve(count);
    let born = person.date_of_birth;
    let last = NaiveDate::from_ymd_opt(LAST_YEAR, 12, 31)
        .unwrap_or(born)
        .max(add_days(born, 2 * 365));
    let first = add_days(last, -SPAN_DAYS).max(born);
    // Each draw makes at most one record; a draw can come up empty (no drug suits a newborn),
    // so the loop is bounded by attempts rather than trusting every draw to succeed.
    let mut attempts = 0usize;
    while m.records.len() < count && attempts < count.saturating_mul(4).saturating_add(16) {
        attempts += 1;
        let date = m.rng.date_between(first, last);
        let kind = m
            .rng
            .pick_weighted(&KINDS, |k| k.1)
            .map_or(Kind::Observation, |k| k.0);
        one(&mut m, kind, date);
    }
    let mut records = m.records;
    records.truncate(count);
    for (n, record) in (1..).zip(records.iter_mut()) {
        record.set_id(format!("bulk-{seed}-{n}"));
    }
    records
}

/// An illness that suits the person's age on `date`: a chronic one for a third of adults' draws.
fn illness(m: &mut Maker, date: CalendarDate) -> Option<&'static Illness> {
    let age = m.age_on(date);
    if age >= 30 * 12 && m.rng.chance(30) {
        return Some(*m.rng.choose(&CHRONIC));
    }
    let table: &'static [Illness] = if age < 144 {
        &CHILD_ILLNESSES
    } else {
        &ADULT_ILLNESSES
    };
    m.rng.pick_weighted(table, |i| {
        if i.suits(age, date.year()) {
            i.weight
        } else {
            0
        }
    })
}

fn place_for(m: &mut Maker, illness: &'static Illness, child: bool) -> &'static Place {
    if let Some(place) = illness.specialist {
        return place;
    }
    let clinics: &'static [(&Place, u32)] = if child {
        &CHILD_CLINICS
    } else {
        &ADULT_CLINICS
    };
    m.rng
        .pick_weighted(clinics, |c| c.1)
        .map_or(&DONG_DA, |c| c.0)
}

fn one(m: &mut Maker, kind: Kind, date: CalendarDate) {
    let child = m.age_on(date) < 144;
    match kind {
        Kind::Visit => {
            let Some(illness) = illness(m, date) else {
                return;
            };
            let place = place_for(m, illness, child);
            let mut plan = VisitPlan::new(date, place, illness);
            if illness.re_exam_days > 0 {
                plan.re_exam = Some(add_days(
                    date,
                    i64::from(illness.re_exam_days + illness.stay.1),
                ));
            }
            m.visit(plan);
        }
        Kind::Prescription => {
            let Some(illness) = illness(m, date) else {
                return;
            };
            let place = place_for(m, illness, child);
            let seen = m.consult(date, place, illness);
            let long_term = *m.rng.choose(&[30, 60, 90]);
            let lines = m.lines_for(&[illness], date, long_term);
            m.prescribe(&seen, lines, None, illness.instructions);
        }
        Kind::Observation => observation(m, date, child),
        Kind::Appointment => {
            let Some(illness) = illness(m, date) else {
                return;
            };
            let place = place_for(m, illness, child);
            let seen = m.consult(date, place, illness);
            let on = add_days(date, i64::from(m.rng.between(7, 90)));
            let status = *m.rng.choose(&[
                AppointmentStatus::Attended,
                AppointmentStatus::Attended,
                AppointmentStatus::Attended,
                AppointmentStatus::Missed,
                AppointmentStatus::Cancelled,
            ]);
            m.appoint(&seen, on, status);
        }
        Kind::Immunization => {
            let vaccine = if m.age_on(date) < 72 {
                *m.rng.choose(&CHILD_VACCINES)
            } else {
                *m.rng.choose(&ADULT_VACCINES)
            };
            let (place, programme) = if m.rng.chance(50) {
                (&TRAM_Y_TE, ImmunizationProgramme::Expanded)
            } else {
                (&TRUNG_TAM_TIEM_CHUNG, ImmunizationProgramme::PaidService)
            };
            let dose = m.rng.between(1, 3);
            m.immunize(vaccine, dose, date, place, programme, None);
        }
        Kind::Condition => {
            let Some(illness) = illness(m, date) else {
                return;
            };
            let roll = m.rng.below(10);
            if roll < 7 {
                let status = if illness.result == TreatmentResult::Unchanged {
                    ConditionStatus::Active
                } else {
                    ConditionStatus::Resolved
                };
                m.condition(
                    HistoryKind::Medical,
                    illness.text,
                    Some(illness.icd10),
                    Some(date),
                    date,
                    status,
                    None,
                );
            } else if roll < 9 {
                let chronic = *m.rng.choose(&CHRONIC);
                let relative = *m.rng.choose(&["bố", "mẹ", "ông nội", "bà ngoại"]);
                m.condition(
                    HistoryKind::Family,
                    chronic.text,
                    Some(chronic.icd10),
                    None,
                    date,
                    ConditionStatus::Active,
                    Some(relative),
                );
            } else {
                m.condition(
                    HistoryKind::Surgical,
                    "Cắt ruột thừa nội soi",
                    Some("K35.8"),
                    Some(date),
                    date,
                    ConditionStatus::Resolved,
                    None,
                );
            }
        }
        Kind::Referral => {
            let Some(illness) = illness(m, date) else {
                return;
            };
            let from = if m.rng.chance(50) {
                &DONG_DA
            } else {
                &TRAM_Y_TE
            };
            let to = if child {
                &NHI_TRUNG_UONG
            } else {
                *m.rng.choose(&[&BACH_MAI, &BENH_VIEN_E, &XANH_PON])
            };
            // A referral arrives on its own: the visit that wrote it is not among the records.
            let seen = m.consult(date, from, illness);
            let reason = *m.rng.choose(&[
                ReferralReason::BeyondCapacity,
                ReferralReason::MeetsCriteria,
                ReferralReason::PatientRequest,
            ]);
            m.refer(
                &seen,
                to,
                Referral {
                    clinical_signs: illness.reason,
                    disease_course: "Điều trị ngoại trú không cải thiện",
                    key_results: "Xem kết quả cận lâm sàng kèm theo",
                    treatment_given: "Điều trị triệu chứng",
                    condition: "Tỉnh, dấu hiệu sinh tồn ổn định",
                    reason,
                    planned_treatment: "Khám và điều trị chuyên khoa tại tuyến trên",
                    transport: "Tự túc",
                    escort: None,
                },
            );
        }
        Kind::Allergy => {
            let (substance, category, criticality, reaction) = *m.rng.choose(&ALLERGIES);
            m.allergy(substance, category, criticality, reaction, date, None);
        }
    }
}

fn observation(m: &mut Maker, date: CalendarDate, child: bool) {
    let at = super::make::at_minutes(date, i64::from(m.rng.between(6 * 60, 21 * 60)));
    let roll = m.rng.below(100);
    if child {
        match roll {
            0..=34 => {
                let kg = m.weight_on(date, None);
                m.quantity(
                    at,
                    ObservationKind::BodyWeight,
                    kg,
                    "kg",
                    RecordSource::Citizen,
                );
            }
            35..=64 => {
                let cm = m.height_on(date);
                m.quantity(
                    at,
                    ObservationKind::BodyHeight,
                    cm,
                    "cm",
                    RecordSource::Citizen,
                );
            }
            65..=84 => {
                let value = m.rng.real(36.5, 39.5, 1);
                m.quantity(
                    at,
                    ObservationKind::BodyTemperature,
                    value,
                    "°C",
                    RecordSource::Citizen,
                );
            }
            _ => {
                let age = m.age_on(date);
                let suitable: Vec<&str> = CHILD_NOTES
                    .iter()
                    .filter(|n| n.1 <= age && age <= n.2)
                    .map(|n| n.0)
                    .collect();
                if let Some(text) = m.rng.pick(&suitable).copied() {
                    m.note(at, text);
                }
            }
        }
        return;
    }
    match roll {
        0..=34 => {
            let high = m.rng.chance(20);
            m.blood_pressure(at, high);
        }
        35..=59 => {
            let kg = m.weight_on(date, None);
            m.quantity(
                at,
                ObservationKind::BodyWeight,
                kg,
                "kg",
                RecordSource::Citizen,
            );
        }
        60..=69 => {
            let rate = f64::from(m.rng.between(60, 95));
            m.quantity(
                at,
                ObservationKind::HeartRate,
                rate,
                "lần/phút",
                RecordSource::Citizen,
            );
        }
        70..=79 => {
            let value = m.rng.real(5.0, 9.5, 1);
            m.quantity(
                at,
                ObservationKind::BloodGlucose,
                value,
                "mmol/L",
                RecordSource::Citizen,
            );
        }
        80..=84 => {
            let value = m.rng.real(36.5, 39.5, 1);
            m.quantity(
                at,
                ObservationKind::BodyTemperature,
                value,
                "°C",
                RecordSource::Citizen,
            );
        }
        _ => {
            let text = *m.rng.choose(&ADULT_NOTES);
            m.note(at, text);
        }
    }
}
