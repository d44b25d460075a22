//! Builders shared by the integration tests: a book in a temp dir, a person, one record of each kind.
#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, FixedOffset, NaiveDate};
use healthbook_core::model::*;
use healthbook_core::{HealthBook, TimelineQuery};

pub const KEY: [u8; 32] = [7u8; 32];
pub const OTHER_KEY: [u8; 32] = [9u8; 32];

pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

pub fn instant(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("test instant")
}

/// Runs one of the core's async calls to its end, as the app's coroutine or Task awaits it: on a
/// multi-threaded tokio runtime, since the calls hand their work to its blocking threads.
pub fn block_on<F: Future>(call: F) -> F::Output {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime for the async calls")
        })
        .block_on(call)
}

pub struct TestBook {
    pub dir: tempfile::TempDir,
    pub book: Arc<HealthBook>,
}

impl TestBook {
    pub fn path(&self) -> String {
        self.dir
            .path()
            .join("book.db")
            .to_string_lossy()
            .into_owned()
    }
}

/// Everything on a person's timeline (tests keep books under 500 records), newest first.
pub fn all_records(test: &TestBook, person_id: &str) -> Vec<Record> {
    let query = TimelineQuery {
        limit: 500,
        ..TimelineQuery::default()
    };
    let page = test
        .book
        .timeline(person_id.to_string(), query)
        .expect("timeline");
    page.entries.into_iter().map(|e| e.record).collect()
}

pub fn new_book() -> TestBook {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.db").to_string_lossy().into_owned();
    let book = HealthBook::open(path, KEY.to_vec()).expect("open new book");
    TestBook { dir, book }
}

pub fn mother() -> Person {
    Person {
        id: String::new(),
        role: PersonRole::Owner,
        full_name: "Nguyễn Thị Lan".into(),
        date_of_birth: date("1990-03-14"),
        sex: Sex::Female,
        personal_id: Some("001190012345".into()),
        previous_personal_ids: vec![],
        ethnicity: Some("Kinh".into()),
        nationality: Some("VN".into()),
        occupation: Some("Giáo viên".into()),
        address: None,
        insurance: Some(InsuranceCard {
            number: "GD4010123456789".into(),
            primary_care_facility_code: Some("01001".into()),
            valid_from: Some(date("2026-01-01")),
            valid_to: Some(date("2026-12-31")),
        }),
        blood_group: Some(BloodGroup {
            abo: AboGroup::O,
            rh: RhFactor::Positive,
        }),
        risk_factors: vec![],
        guardian: None,
    }
}

pub fn child_of(guardian: &Person) -> Person {
    Person {
        id: String::new(),
        role: PersonRole::Dependant,
        full_name: "Trần Minh Khang".into(),
        date_of_birth: date("2026-01-15"),
        sex: Sex::Male,
        personal_id: Some("001226000321".into()),
        previous_personal_ids: vec![],
        ethnicity: Some("Kinh".into()),
        nationality: Some("VN".into()),
        occupation: None,
        address: None,
        insurance: None,
        blood_group: None,
        risk_factors: vec![],
        guardian: Some(GuardianLink {
            guardian_person_id: Some(guardian.id.clone()),
            name: guardian.full_name.clone(),
            relation: GuardianRelation::Mother,
            personal_id: guardian.personal_id.clone(),
            phone: Some("0912345678".into()),
            since: Some(date("2026-01-15")),
            until: None,
        }),
    }
}

pub fn bach_mai() -> Facility {
    Facility {
        code: "01001".into(),
        name: "Bệnh viện Bạch Mai".into(),
    }
}

pub fn visit(person_id: &str, start: &str, diagnosis: &str, icd10: &str) -> Record {
    Record::Visit {
        visit: Visit {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Facility,
            sensitive: false,
            episode_key: Some("LK0001".into()),
            facility: bach_mai(),
            department: Some("Khoa Hô hấp".into()),
            start: instant(start),
            end: None,
            inpatient: false,
            reason: Some("Sốt, ho".into()),
            diagnosis_text: diagnosis.into(),
            main_icd10: Some(icd10.into()),
            secondary_icd10: vec![],
            procedures: vec![],
            treatment_result: Some(TreatmentResult::Improved),
            discharge_type: Some(DischargeType::Discharged),
            weight_kg: Some(52.0),
            instructions: None,
            re_exam_dates: vec![],
            practitioner_name: Some("BS. Phạm Văn Hùng".into()),
            practitioner_licence: Some("000123/HNO-CCHN".into()),
            summary: None,
        },
    }
}

pub fn prescription(person_id: &str, issued_at: &str, days: u32) -> Record {
    Record::Prescription {
        prescription: Prescription {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Facility,
            sensitive: false,
            national_code: Some("01001abc1234-c".into()),
            kind: PrescriptionKind::General,
            issued_at: instant(issued_at),
            facility: bach_mai(),
            prescriber_name: Some("BS. Phạm Văn Hùng".into()),
            prescriber_licence: None,
            diagnoses: vec![Diagnosis {
                icd10: "J18.9".into(),
                text: "Viêm phổi".into(),
            }],
            lines: vec![DrugLine {
                drug_code: None,
                brand_name: "Augmentin 625mg".into(),
                active_ingredient: "Amoxicillin + acid clavulanic".into(),
                strength: Some("500mg/125mg".into()),
                unit: "viên".into(),
                quantity: 14.0,
                dosage: Dosage {
                    dose_per_time: 1.0,
                    times_per_day: 2,
                    route: Some("uống".into()),
                    timing: Some("sau ăn".into()),
                    days,
                },
            }],
            advice: Some("Uống nhiều nước".into()),
            re_exam_date: None,
            patient_age_months: None,
            patient_weight_kg: None,
            replaces: None,
        },
    }
}

pub fn referral(person_id: &str) -> Record {
    Record::Referral {
        referral: ReferralSlip {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Facility,
            sensitive: false,
            slip_number: "CT-2026-0042".into(),
            from_facility: Facility {
                code: "01123".into(),
                name: "Trung tâm Y tế quận Đống Đa".into(),
            },
            to_facility: bach_mai(),
            clinical_signs: "Khó thở, SpO2 91%".into(),
            diagnosis_text: "Viêm phổi nặng".into(),
            icd10: vec!["J18.9".into()],
            disease_course: None,
            key_results: Some("X-quang: đám mờ phổi phải".into()),
            treatment_given: Some("Kháng sinh đường tĩnh mạch".into()),
            condition_at_transfer: Some("Tỉnh, thở oxy".into()),
            reason: ReferralReason::BeyondCapacity,
            planned_treatment: "Điều trị nội trú".into(),
            transport: "Xe cứu thương".into(),
            escort: Some(Escort {
                name: "ĐD. Lê Thu".into(),
                role: "Điều dưỡng".into(),
            }),
            doctor_name: Some("BS. Ngô Quang".into()),
            doctor_licence: None,
            signed_at: instant("2026-11-20T10:00:00+07:00"),
            chronic_disease: false,
            valid_until: None,
        },
    }
}

pub fn appointment(person_id: &str, day: &str) -> Record {
    Record::Appointment {
        appointment: ReAppointment {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Facility,
            sensitive: false,
            slip_number: Some("HK-7781".into()),
            facility: bach_mai(),
            department: Some("Khoa Hô hấp".into()),
            appointment_date: date(day),
            diagnosis_text: Some("Viêm phổi".into()),
            icd10: vec!["J18.9".into()],
            doctor_name: None,
            issued_at: instant("2026-11-20T10:00:00+07:00"),
            status: AppointmentStatus::Booked,
        },
    }
}

pub fn immunization(person_id: &str, day: &str) -> Record {
    Record::Immunization {
        immunization: Immunization {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Facility,
            sensitive: false,
            vaccine_code: "HEXAXIM".into(),
            vaccine_name: "Hexaxim (6 trong 1)".into(),
            cvx: Some(146),
            antigens: vec!["DTP".into(), "HepB".into(), "Hib".into(), "IPV".into()],
            dose_number: Some(1),
            date: date(day),
            lot: Some("X1234".into()),
            facility: Some(Facility {
                code: "01234".into(),
                name: "Trung tâm tiêm chủng".into(),
            }),
            programme: ImmunizationProgramme::PaidService,
            reactions: None,
        },
    }
}

pub fn allergy(person_id: &str) -> Record {
    Record::Allergy {
        allergy: Allergy {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Citizen,
            sensitive: false,
            substance: "Penicillin".into(),
            category: AllergyCategory::Medication,
            criticality: Some(AllergyCriticality::High),
            reaction: Some("Nổi mề đay".into()),
            recorded_on: date("2020-05-01"),
            note: None,
        },
    }
}

pub fn condition(person_id: &str) -> Record {
    Record::Condition {
        condition: Condition {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Citizen,
            sensitive: false,
            history: HistoryKind::Medical,
            text: "Tăng huyết áp".into(),
            icd10: Some("I10".into()),
            onset: Some(date("2022-06-01")),
            recorded_on: date("2022-06-01"),
            status: ConditionStatus::Active,
            relative: None,
        },
    }
}

pub fn note(person_id: &str, at: &str, text: &str) -> Record {
    Record::Observation {
        observation: Observation {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Citizen,
            sensitive: false,
            kind: ObservationKind::Note,
            at: instant(at),
            value: ObservationValue::Text { text: text.into() },
            note: None,
        },
    }
}

/// One record of every kind for an adult, none dated in the future except the appointment.
pub fn one_of_each(person_id: &str) -> Vec<Record> {
    vec![
        visit(person_id, "2026-11-19T08:30:00+07:00", "Viêm phổi", "J18.9"),
        prescription(person_id, "2026-11-19T09:00:00+07:00", 7),
        referral(person_id),
        appointment(person_id, "2026-12-03"),
        immunization(person_id, "2025-10-01"),
        allergy(person_id),
        condition(person_id),
        note(person_id, "2026-11-21T20:00:00+07:00", "Đo huyết áp ở nhà"),
    ]
}
