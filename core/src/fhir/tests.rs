//! Specifications of the FHIR mapping: the export is a valid R4 document (structure, references,
//! required elements, date forms, no empty values), import accepts only what it should, reports what
//! it leaves out, and the book's own export comes back as the records that went in.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use serde_json::{json, Value};

use super::systems as sys;
use super::{export_bundle, imported_record_id, plan_import};
use crate::error::Error;
use crate::model::*;

fn day(y: i32, m: u32, d: u32) -> CalendarDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTimeOffset {
    FixedOffset::east_opt(7 * 3600)
        .expect("offset")
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("test instant")
}

fn generated_at() -> DateTimeOffset {
    vn(2024, 6, 10, 9, 15)
}

fn bach_mai() -> Facility {
    Facility {
        code: "01001".into(),
        name: "Bệnh viện Bạch Mai".into(),
    }
}

fn viet_duc() -> Facility {
    Facility {
        code: "01002".into(),
        name: "Bệnh viện Hữu nghị Việt Đức".into(),
    }
}

fn sample_person() -> Person {
    Person {
        id: "person-1".into(),
        role: PersonRole::Owner,
        full_name: "Nguyễn Văn An".into(),
        date_of_birth: day(1985, 3, 14),
        sex: Sex::Male,
        personal_id: Some("001085012345".into()),
        previous_personal_ids: Vec::new(),
        ethnicity: Some("Kinh".into()),
        nationality: Some("Việt Nam".into()),
        occupation: None,
        address: Some(Address {
            province_code: Some("01".into()),
            commune_code: Some("00004".into()),
            line: Some("12 Phố Huế".into()),
        }),
        insurance: Some(InsuranceCard {
            number: "DN4010123456789".into(),
            primary_care_facility_code: Some("01001".into()),
            valid_from: Some(day(2024, 1, 1)),
            valid_to: Some(day(2024, 12, 31)),
        }),
        blood_group: None,
        risk_factors: Vec::new(),
        guardian: None,
    }
}

fn one_of_each(person_id: &str) -> Vec<Record> {
    let person_id = person_id.to_string();
    let visit = Visit {
        id: "rec-visit".into(),
        person_id: person_id.clone(),
        source: RecordSource::Facility,
        sensitive: false,
        episode_key: Some("LK0001".into()),
        facility: bach_mai(),
        department: Some("Khoa Hô hấp".into()),
        start: vn(2024, 5, 1, 8, 30),
        end: Some(vn(2024, 5, 6, 10, 0)),
        inpatient: true,
        reason: Some("Sốt, ho".into()),
        diagnosis_text: "Viêm phổi".into(),
        main_icd10: Some("J18.9".into()),
        secondary_icd10: vec!["E11".into(), "I10".into()],
        procedures: vec!["Chụp X-quang ngực".into()],
        treatment_result: Some(TreatmentResult::Cured),
        discharge_type: Some(DischargeType::Discharged),
        weight_kg: Some(70.5),
        instructions: Some("Uống đủ nước, tái khám sau 2 tuần".into()),
        re_exam_dates: vec![day(2024, 5, 20)],
        practitioner_name: Some("Trần Thị Bình".into()),
        practitioner_licence: Some("000123/BYT-CCHN".into()),
        summary: Some("Điều trị kháng sinh 5 ngày, ổn định".into()),
    };
    let line =
        |brand: &str, ingredient: &str, strength: Option<&str>, quantity: f64, times: u32| {
            DrugLine {
                drug_code: Some(format!("40.{}", brand.len())),
                brand_name: brand.into(),
                active_ingredient: ingredient.into(),
                strength: strength.map(str::to_string),
                unit: "viên".into(),
                quantity,
                dosage: Dosage {
                    dose_per_time: 1.0,
                    times_per_day: times,
                    route: Some("uống".into()),
                    timing: Some("sau ăn".into()),
                    days: 7,
                },
            }
        };
    let prescription = Prescription {
        id: "rec-rx".into(),
        person_id: person_id.clone(),
        source: RecordSource::Facility,
        sensitive: false,
        national_code: Some("01001abc1234-c".into()),
        kind: PrescriptionKind::General,
        issued_at: vn(2024, 5, 6, 10, 0),
        facility: bach_mai(),
        prescriber_name: Some("Trần Thị Bình".into()),
        prescriber_licence: Some("000123/BYT-CCHN".into()),
        diagnoses: vec![Diagnosis {
            icd10: "J18.9".into(),
            text: "Viêm phổi".into(),
        }],
        lines: vec![
            line(
                "Augmentin",
                "Amoxicillin + acid clavulanic",
                Some("625mg"),
                14.0,
                2,
            ),
            line("Panadol", "Paracetamol", None, 10.5, 3),
        ],
        advice: Some("Tái khám khi sốt cao".into()),
        re_exam_date: Some(day(2024, 5, 20)),
        patient_age_months: None,
        patient_weight_kg: None,
        replaces: None,
    };
    let referral = ReferralSlip {
        id: "rec-ref".into(),
        person_id: person_id.clone(),
        source: RecordSource::Facility,
        sensitive: false,
        slip_number: "CV-2024-015".into(),
        from_facility: bach_mai(),
        to_facility: viet_duc(),
        clinical_signs: "Đau bụng hố chậu phải".into(),
        diagnosis_text: "Viêm ruột thừa cấp".into(),
        icd10: vec!["K35.8".into()],
        disease_course: Some("Đau tăng dần trong 12 giờ".into()),
        key_results: Some("Bạch cầu 15 G/L".into()),
        treatment_given: Some("Giảm đau, bù dịch".into()),
        condition_at_transfer: Some("Tỉnh, sốt nhẹ".into()),
        reason: ReferralReason::BeyondCapacity,
        planned_treatment: "Phẫu thuật cắt ruột thừa".into(),
        transport: "Xe cứu thương".into(),
        escort: Some(Escort {
            name: "Lê Văn Cường".into(),
            role: "Điều dưỡng".into(),
        }),
        doctor_name: Some("Phạm Minh Đức".into()),
        doctor_licence: None,
        signed_at: vn(2024, 6, 5, 11, 0),
        chronic_disease: false,
        valid_until: Some(day(2024, 6, 19)),
    };
    let appointment = ReAppointment {
        id: "rec-appt".into(),
        person_id: person_id.clone(),
        source: RecordSource::Facility,
        sensitive: false,
        slip_number: Some("HK-77".into()),
        facility: bach_mai(),
        department: Some("Khoa Hô hấp".into()),
        appointment_date: day(2024, 5, 20),
        diagnosis_text: Some("Viêm phổi".into()),
        icd10: vec!["J18.9".into()],
        doctor_name: Some("Trần Thị Bình".into()),
        issued_at: vn(2024, 5, 6, 10, 5),
        status: AppointmentStatus::Booked,
    };
    let immunization = Immunization {
        id: "rec-imm".into(),
        person_id: person_id.clone(),
        source: RecordSource::Facility,
        sensitive: false,
        vaccine_code: "VN-HEXAXIM".into(),
        vaccine_name: "Hexaxim".into(),
        cvx: Some(146),
        antigens: vec!["DTP".into(), "HepB".into(), "Hib".into(), "IPV".into()],
        dose_number: Some(1),
        date: day(2023, 10, 2),
        lot: Some("A123B".into()),
        facility: Some(Facility {
            code: "79001".into(),
            name: "Trung tâm Y tế dự phòng".into(),
        }),
        programme: ImmunizationProgramme::PaidService,
        reactions: Some("Sốt nhẹ".into()),
    };
    let allergy = Allergy {
        id: "rec-allergy".into(),
        person_id: person_id.clone(),
        source: RecordSource::Citizen,
        sensitive: false,
        substance: "Penicillin".into(),
        category: AllergyCategory::Medication,
        criticality: Some(AllergyCriticality::High),
        reaction: Some("Phát ban <toàn thân> & khó thở".into()),
        recorded_on: day(2020, 1, 10),
        note: Some("Phản ứng năm 2019".into()),
    };
    let condition =
        |id: &str, history, text: &str, icd10: Option<&str>, status, relative: Option<&str>| {
            Condition {
                id: id.into(),
                person_id: person_id.clone(),
                source: RecordSource::Citizen,
                sensitive: false,
                history,
                text: text.into(),
                icd10: icd10.map(str::to_string),
                onset: Some(day(2019, 6, 1)),
                recorded_on: day(2019, 6, 1),
                status,
                relative: relative.map(str::to_string),
            }
        };
    let mut hiv = condition(
        "rec-hiv",
        HistoryKind::Medical,
        "Nhiễm HIV",
        Some("B24"),
        ConditionStatus::Active,
        None,
    );
    hiv.sensitive = true;
    let observation = |id: &str, kind, at, value| Observation {
        id: id.into(),
        person_id: person_id.clone(),
        source: RecordSource::Citizen,
        sensitive: false,
        kind,
        at,
        value,
        note: Some("Đo tại nhà".into()),
    };
    vec![
        Record::Visit { visit },
        Record::Prescription { prescription },
        Record::Referral { referral },
        Record::Appointment { appointment },
        Record::Immunization { immunization },
        Record::Allergy { allergy },
        Record::Condition {
            condition: condition(
                "rec-htn",
                HistoryKind::Medical,
                "Tăng huyết áp",
                Some("I10"),
                ConditionStatus::Active,
                None,
            ),
        },
        Record::Condition { condition: hiv },
        Record::Condition {
            condition: condition(
                "rec-appx",
                HistoryKind::Surgical,
                "Mổ ruột thừa",
                None,
                ConditionStatus::Resolved,
                None,
            ),
        },
        Record::Condition {
            condition: condition(
                "rec-family",
                HistoryKind::Family,
                "Đái tháo đường típ 2",
                Some("E11"),
                ConditionStatus::Active,
                Some("mẹ"),
            ),
        },
        Record::Observation {
            observation: observation(
                "rec-bp",
                ObservationKind::BloodPressure,
                vn(2024, 6, 1, 7, 0),
                ObservationValue::BloodPressure {
                    systolic: 130,
                    diastolic: 85,
                },
            ),
        },
        Record::Observation {
            observation: observation(
                "rec-glucose",
                ObservationKind::BloodGlucose,
                vn(2024, 6, 2, 7, 0),
                ObservationValue::Quantity {
                    value: 5.5,
                    unit: "mmol/L".into(),
                },
            ),
        },
        Record::Observation {
            observation: observation(
                "rec-note",
                ObservationKind::Note,
                vn(2024, 6, 3, 20, 0),
                ObservationValue::Text {
                    text: "Ngủ kém hai tuần nay".into(),
                },
            ),
        },
    ]
}

fn exported() -> Value {
    let person = sample_person();
    export_bundle(
        &person,
        &one_of_each(&person.id),
        generated_at(),
        "bundle-1",
    )
}

fn entries(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn resources_of<'a>(bundle: &'a Value, resource_type: &str) -> Vec<&'a Value> {
    entries(bundle)
        .into_iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == resource_type)
        .collect()
}

/// Every place in `value` where FHIR's "no empty values" rule is broken.
pub(crate) fn empty_values(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Null => found.push(format!("{path}: null")),
        Value::String(text) if text.trim().is_empty() => {
            found.push(format!("{path}: empty string"))
        }
        Value::Array(items) if items.is_empty() => found.push(format!("{path}: empty array")),
        Value::Object(map) if map.is_empty() => found.push(format!("{path}: empty object")),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                empty_values(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                empty_values(item, &format!("{path}.{key}"), found);
            }
        }
        _ => {}
    }
}

/// Every `reference` string in `value`.
fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("reference", Value::String(target)) => found.push(target),
                    _ => references(item, found),
                }
            }
        }
        _ => {}
    }
}

fn present(value: &Value, path: &str) -> bool {
    let mut current = value;
    for key in path.split('.') {
        current = &current[key];
    }
    !current.is_null()
}

/// The elements FHIR R4 requires (cardinality 1..) of the resource types the export writes, plus
/// the invariants that make some of them required (con-3, ait-1, app-3, cmp-1, bdl-9/10).
pub(crate) fn missing_required(resource: &Value) -> Vec<String> {
    let resource_type = resource["resourceType"].as_str().unwrap_or("");
    let required: &[&str] = match resource_type {
        "Composition" => &["status", "type", "date", "author", "title", "subject"],
        "Encounter" => &["status", "class"],
        "Condition" => &["subject", "code"],
        "Procedure" => &["status", "subject"],
        "MedicationRequest" => &["status", "intent", "medicationCodeableConcept", "subject"],
        "ServiceRequest" => &["status", "intent", "subject"],
        "CarePlan" => &["status", "intent", "subject"],
        "Appointment" => &["status", "participant", "start", "end"],
        "Immunization" => &["status", "vaccineCode", "patient", "occurrenceDateTime"],
        "AllergyIntolerance" => &["patient", "clinicalStatus", "code"],
        "Observation" => &["status", "code", "subject"],
        "FamilyMemberHistory" => &["status", "patient", "relationship"],
        "Patient" => &["name", "birthDate", "gender"],
        "Device" => &["deviceName"],
        "Organization" => &["identifier", "name"],
        "Practitioner" => &["name"],
        "PractitionerRole" => &["practitioner", "organization"],
        other => return vec![format!("unexpected resource type {other}")],
    };
    let mut missing: Vec<String> = ["id"]
        .iter()
        .chain(required)
        .filter(|path| !present(resource, path))
        .map(|path| format!("{resource_type}.{path}"))
        .collect();
    let each = |list: &str, path: &str, missing: &mut Vec<String>| {
        for (i, item) in resource[list].as_array().into_iter().flatten().enumerate() {
            if !present(item, path) {
                missing.push(format!("{resource_type}.{list}[{i}].{path}"));
            }
        }
    };
    match resource_type {
        "Appointment" => each("participant", "status", &mut missing),
        "Immunization" => {
            for (i, protocol) in resource["protocolApplied"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                if !present(protocol, "doseNumberPositiveInt")
                    && !present(protocol, "doseNumberString")
                {
                    missing.push(format!("Immunization.protocolApplied[{i}].doseNumber[x]"));
                }
            }
        }
        "FamilyMemberHistory" => each("condition", "code", &mut missing),
        "Observation" => each("component", "code", &mut missing),
        "MedicationRequest" => each("dosageInstruction", "timing", &mut missing),
        "Composition" => {
            each("section", "code", &mut missing);
            each("section", "text", &mut missing);
            for (i, section) in resource["section"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                if present(section, "entry") == present(section, "emptyReason") {
                    missing.push(format!("Composition.section[{i}]: entry xor emptyReason"));
                }
            }
        }
        "Condition" => {
            let problem = resource["category"]
                .to_string()
                .contains("problem-list-item");
            if problem && !present(resource, "clinicalStatus") {
                missing.push("Condition.clinicalStatus (con-3)".into());
            }
        }
        _ => {}
    }
    missing
}

fn is_fhir_date(text: &str) -> bool {
    text.len() == 10 && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// An RFC 3339 date-time with seconds and an offset, as FHIR instants require.
fn is_instant_with_seconds(text: &str) -> bool {
    DateTime::parse_from_rfc3339(text).is_ok()
        && text.get(16..17) == Some(":")
        && text.get(10..11) == Some("T")
}

// ----- export ------------------------------------------------------------------------------

#[test]
fn export_is_a_document_bundle_whose_first_entry_is_a_composition() {
    let bundle = exported();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "document");
    assert_eq!(bundle["id"], "bundle-1");
    assert_eq!(bundle["identifier"]["system"], sys::URN_RFC3986);
    assert!(bundle["identifier"]["value"]
        .as_str()
        .is_some_and(|v| v.starts_with("urn:uuid:")));
    let first = &entries(&bundle)[0]["resource"];
    assert_eq!(first["resourceType"], "Composition");
    assert_eq!(
        first["type"]["coding"][0]["code"],
        sys::LOINC_PATIENT_SUMMARY
    );
}

#[test]
fn export_references_all_resolve_to_full_urls_in_the_bundle() {
    let bundle = exported();
    let urls: Vec<&str> = entries(&bundle)
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    let mut found = Vec::new();
    references(&bundle, &mut found);
    assert!(
        found.len() > 20,
        "expected many references, found {}",
        found.len()
    );
    let dangling: Vec<&&str> = found.iter().filter(|r| !urls.contains(r)).collect();
    assert!(
        dangling.is_empty(),
        "references not in the bundle: {dangling:?}"
    );
}

#[test]
fn export_full_urls_are_unique_uuids_matching_resource_ids() {
    let bundle = exported();
    let mut seen = std::collections::HashSet::new();
    for entry in entries(&bundle) {
        let url = entry["fullUrl"].as_str().expect("fullUrl");
        assert!(seen.insert(url.to_string()), "duplicate fullUrl {url}");
        let id = url.strip_prefix("urn:uuid:").expect("urn:uuid: fullUrl");
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(entry["resource"]["id"], id);
    }
}

#[test]
fn export_has_no_empty_strings_arrays_objects_or_nulls() {
    let mut found = Vec::new();
    empty_values(&exported(), "Bundle", &mut found);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn export_resources_have_the_r4_required_elements() {
    let bundle = exported();
    let missing: Vec<String> = entries(&bundle)
        .iter()
        .flat_map(|e| missing_required(&e["resource"]))
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(present(&bundle, "timestamp"));
}

#[test]
fn export_writes_one_or_more_resources_for_every_record_kind() {
    let bundle = exported();
    let cases = [
        ("Encounter", 1),
        ("Condition", 6),
        ("Procedure", 1),
        ("MedicationRequest", 2),
        ("ServiceRequest", 1),
        ("Appointment", 1),
        ("Immunization", 1),
        ("AllergyIntolerance", 1),
        ("FamilyMemberHistory", 1),
        ("Observation", 4),
        ("Organization", 3),
        ("Patient", 1),
        ("Device", 1),
    ];
    for (resource_type, count) in cases {
        assert_eq!(
            resources_of(&bundle, resource_type).len(),
            count,
            "{resource_type}"
        );
    }
}

#[test]
fn export_dates_are_fhir_dates_and_instants_with_seconds() {
    let bundle = exported();
    assert!(is_instant_with_seconds(
        bundle["timestamp"].as_str().unwrap_or("")
    ));
    let patient = resources_of(&bundle, "Patient")[0];
    assert_eq!(patient["birthDate"], "1985-03-14");
    let encounter = resources_of(&bundle, "Encounter")[0];
    assert_eq!(encounter["period"]["start"], "2024-05-01T08:30:00+07:00");
    let appointment = resources_of(&bundle, "Appointment")[0];
    assert_eq!(appointment["start"], "2024-05-20T00:00:00+07:00");
    assert_eq!(appointment["end"], "2024-05-20T23:59:59+07:00");
    let immunization = resources_of(&bundle, "Immunization")[0];
    assert_eq!(immunization["occurrenceDateTime"], "2023-10-02");

    let instants = [
        "timestamp",
        "start",
        "end",
        "authoredOn",
        "created",
        "effectiveDateTime",
        "date",
    ];
    let dates = ["birthDate", "valueDate"];
    let mut wrong = Vec::new();
    fn walk(value: &Value, key: &str, instants: &[&str], dates: &[&str], wrong: &mut Vec<String>) {
        match value {
            Value::String(text) => {
                let ok = if dates.contains(&key) {
                    is_fhir_date(text)
                } else if instants.contains(&key)
                    || key.ends_with("Date")
                    || key.ends_with("DateTime")
                {
                    is_fhir_date(text) || is_instant_with_seconds(text)
                } else {
                    true
                };
                if !ok {
                    wrong.push(format!("{key}: {text}"));
                }
            }
            Value::Array(items) => items
                .iter()
                .for_each(|i| walk(i, key, instants, dates, wrong)),
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| walk(v, k, instants, dates, wrong)),
            _ => {}
        }
    }
    walk(&bundle, "", &instants, &dates, &mut wrong);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn export_composition_lists_sections_with_ips_codes_and_narratives() {
    let bundle = exported();
    let composition = resources_of(&bundle, "Composition")[0];
    let codes: Vec<&str> = composition["section"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"]["coding"][0]["code"].as_str())
        .collect();
    for code in [
        "11450-4", "48765-2", "10160-0", "11369-6", "11348-0", "8716-3", "46240-8", "18776-5",
        "51855-5",
    ] {
        assert!(
            codes.contains(&code),
            "section {code} missing from {codes:?}"
        );
    }
    let allergies = composition["section"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["code"]["coding"][0]["code"] == "48765-2")
        .expect("allergy section");
    let div = allergies["text"]["div"].as_str().unwrap_or("");
    assert!(
        div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"),
        "{div}"
    );
    assert!(
        div.contains("Phát ban &lt;toàn thân&gt; &amp; khó thở"),
        "narrative is not escaped: {div}"
    );
}

#[test]
fn export_of_an_empty_book_keeps_required_ips_sections_with_an_empty_reason() {
    let bundle = export_bundle(&sample_person(), &[], generated_at(), "empty");
    let composition = resources_of(&bundle, "Composition")[0];
    let sections = composition["section"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let codes: Vec<&str> = sections
        .iter()
        .filter_map(|s| s["code"]["coding"][0]["code"].as_str())
        .collect();
    assert_eq!(codes, ["11450-4", "48765-2", "10160-0"]);
    for section in &sections {
        assert_eq!(section["emptyReason"]["coding"][0]["code"], "unavailable");
        assert_eq!(
            section["emptyReason"]["coding"][0]["system"],
            sys::LIST_EMPTY_REASON
        );
        assert!(section["text"]["div"]
            .as_str()
            .is_some_and(|d| d.contains("none recorded")));
        assert!(section.get("entry").is_none());
    }
    let mut found = Vec::new();
    empty_values(&bundle, "Bundle", &mut found);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn export_labels_only_sensitive_records_restricted() {
    let bundle = exported();
    let conditions = resources_of(&bundle, "Condition");
    let restricted: Vec<&str> = conditions
        .iter()
        .filter(|c| c["meta"]["security"][0]["code"] == "R")
        .filter_map(|c| c["code"]["text"].as_str())
        .collect();
    assert_eq!(restricted, ["Nhiễm HIV"]);
    assert_eq!(
        resources_of(&bundle, "Composition")[0]["confidentiality"],
        "R"
    );
}

#[test]
fn export_splits_the_patient_name_family_first_and_carries_national_identifiers() {
    let bundle = exported();
    let patient = resources_of(&bundle, "Patient")[0];
    assert_eq!(patient["name"][0]["family"], "Nguyễn");
    assert_eq!(patient["name"][0]["given"], json!(["Văn", "An"]));
    assert_eq!(patient["name"][0]["text"], "Nguyễn Văn An");
    assert_eq!(patient["gender"], "male");
    let identifiers = patient["identifier"].to_string();
    assert!(identifiers.contains(sys::PERSONAL_ID) && identifiers.contains("001085012345"));
    assert!(identifiers.contains(sys::INSURANCE_NUMBER) && identifiers.contains("DN4010123456789"));
}

#[test]
fn export_gives_every_record_resource_the_book_record_id() {
    let bundle = exported();
    let person = sample_person();
    for record in one_of_each(&person.id) {
        let id = record.id();
        let carried = entries(&bundle).iter().any(|e| {
            e["resource"]["identifier"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|i| {
                    i["system"] == sys::RECORD_ID
                        && i["value"]
                            .as_str()
                            .is_some_and(|v| v == id || v.starts_with(&format!("{id}/")))
                })
        });
        assert!(carried, "no resource carries record id {id}");
    }
}

#[test]
fn export_is_deterministic_for_the_same_book() {
    assert_eq!(exported(), exported());
}

#[test]
fn export_sets_statuses_relative_to_the_export_day() {
    let bundle = exported();
    // Issued 2024-05-06 for 7 days: finished by the export on 2024-06-10.
    assert!(resources_of(&bundle, "MedicationRequest")
        .iter()
        .all(|m| m["status"] == "completed"));
    // Valid until 2024-06-19: still usable on 2024-06-10.
    assert_eq!(
        resources_of(&bundle, "ServiceRequest")[0]["status"],
        "active"
    );
    assert_eq!(resources_of(&bundle, "Encounter")[0]["status"], "finished");
}

// ----- import ------------------------------------------------------------------------------

fn validation_field(result: crate::error::Result<super::ImportPlan>) -> (String, String) {
    match result {
        Err(Error::Validation(v)) => (v.field, v.reason),
        Err(other) => panic!("expected a validation error, got {other}"),
        Ok(_) => panic!("expected a validation error, got a plan"),
    }
}

#[test]
fn import_of_malformed_json_is_a_validation_error_on_bundle_json() {
    let (field, reason) = validation_field(plan_import("{\"resourceType\": \"Bundle\","));
    assert_eq!(field, "bundle_json");
    assert!(reason.starts_with("is not valid JSON"), "{reason}");
}

#[test]
fn import_of_a_resource_that_is_not_a_bundle_is_rejected_naming_it() {
    let (field, reason) =
        validation_field(plan_import(r#"{"resourceType": "Patient", "id": "p"}"#));
    assert_eq!(field, "bundle.resourceType");
    assert!(reason.contains("'Patient'"), "{reason}");
}

#[test]
fn import_of_a_transaction_bundle_is_rejected_naming_the_accepted_types() {
    let (field, reason) = validation_field(plan_import(
        r#"{"resourceType": "Bundle", "type": "transaction", "entry": []}"#,
    ));
    assert_eq!(field, "bundle.type");
    assert!(
        reason.contains("document") && reason.contains("collection"),
        "{reason}"
    );
}

#[test]
fn import_of_a_bundle_without_a_patient_is_rejected() {
    let (field, reason) = validation_field(plan_import(
        r#"{"resourceType": "Bundle", "type": "collection"}"#,
    ));
    assert_eq!(field, "bundle.Patient");
    assert!(reason.contains("no Patient"), "{reason}");
}

#[test]
fn import_of_a_patient_without_a_birth_date_is_rejected() {
    let bundle = json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [{ "resource": { "resourceType": "Patient", "id": "p", "name": [{ "text": "A" }] } }],
    });
    let (field, _) = validation_field(plan_import(&bundle.to_string()));
    assert_eq!(field, "bundle.Patient.birthDate");
}

#[test]
fn import_of_two_different_patients_is_rejected() {
    let patient = |id: &str, birth: &str| json!({ "resource": { "resourceType": "Patient", "id": id, "birthDate": birth } });
    let bundle = json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [patient("a", "2000-01-01"), patient("b", "2001-01-01")],
    });
    let (field, reason) = validation_field(plan_import(&bundle.to_string()));
    assert_eq!(field, "bundle.Patient");
    assert!(reason.contains("2 different"), "{reason}");
}

fn ips_collection() -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": "2024-03-01T10:00:00+01:00",
        "entry": [
            { "fullUrl": "urn:uuid:p1", "resource": {
                "resourceType": "Patient", "id": "p1",
                "name": [{ "family": "Doe", "given": ["Jane", "Mary"] }],
                "gender": "female", "birthDate": "1990-07-15",
            } },
            { "fullUrl": "urn:uuid:c1", "resource": {
                "resourceType": "Condition", "id": "c1",
                "clinicalStatus": { "coding": [{ "system": sys::CONDITION_CLINICAL, "code": "active" }] },
                "code": { "coding": [
                    { "system": sys::SNOMED, "code": "38341003", "display": "Hypertensive disorder" },
                    { "system": sys::ICD10, "code": "I10" },
                ] },
                "subject": { "reference": "urn:uuid:p1" },
                "onsetDateTime": "2015-02-01",
            } },
            { "fullUrl": "urn:uuid:a1", "resource": {
                "resourceType": "AllergyIntolerance", "id": "a1",
                "category": ["food"], "criticality": "high",
                "code": { "text": "Peanut" },
                "patient": { "reference": "urn:uuid:p1" },
                "recordedDate": "2018-05-05",
                "reaction": [{ "manifestation": [{ "coding": [{ "system": sys::SNOMED, "code": "247472004", "display": "Hives" }] }] }],
            } },
            { "fullUrl": "urn:uuid:a2", "resource": {
                "resourceType": "AllergyIntolerance", "id": "a2",
                "code": { "coding": [{ "system": sys::SNOMED, "code": "716186003", "display": "No known allergy" }] },
                "patient": { "reference": "urn:uuid:p1" },
            } },
            { "fullUrl": "urn:uuid:i1", "resource": {
                "resourceType": "Immunization", "id": "i1", "status": "completed",
                "vaccineCode": { "coding": [{ "system": sys::CVX, "code": "03", "display": "MMR" }] },
                "patient": { "reference": "urn:uuid:p1" },
                "occurrenceDateTime": "1991-08-01T09:00:00+02:00",
                "protocolApplied": [{
                    "targetDisease": [{ "text": "Measles" }, { "text": "Mumps" }, { "text": "Rubella" }],
                    "doseNumberPositiveInt": 1,
                }],
            } },
            { "fullUrl": "urn:uuid:r1", "resource": {
                "resourceType": "DiagnosticReport", "id": "r1", "status": "final",
                "code": { "text": "Lipid panel" },
            } },
            { "fullUrl": "urn:uuid:m1", "resource": {
                "resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
                "medicationCodeableConcept": { "text": "Lisinopril 10 mg" },
                "subject": { "reference": "urn:uuid:p1" },
                "authoredOn": "2024-01-01",
            } },
        ],
    })
}

#[test]
fn import_of_an_ips_collection_maps_what_the_book_keeps() {
    let plan = plan_import(&ips_collection().to_string()).expect("plan");
    assert_eq!(plan.patient.full_name, "Jane Mary Doe");
    assert_eq!(plan.patient.date_of_birth, day(1990, 7, 15));
    assert_eq!(plan.patient.sex, Sex::Female);
    assert_eq!(plan.patient.personal_id, None);
    let sources: Vec<&str> = plan.records.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        sources,
        ["Condition/c1", "AllergyIntolerance/a1", "Immunization/i1"]
    );
    for (record, _) in &plan.records {
        assert_eq!(record.source(), RecordSource::Imported);
        assert!(record.id().is_empty() && record.person_id().is_empty());
    }
    match &plan.records[0].0 {
        Record::Condition { condition } => {
            assert_eq!(condition.text, "Hypertensive disorder");
            assert_eq!(condition.icd10.as_deref(), Some("I10"));
            assert_eq!(condition.onset, Some(day(2015, 2, 1)));
            // No recordedDate: the bundle's timestamp stands in.
            assert_eq!(condition.recorded_on, day(2024, 3, 1));
            assert_eq!(condition.status, ConditionStatus::Active);
        }
        other => panic!("expected a condition, got {other:?}"),
    }
    match &plan.records[1].0 {
        Record::Allergy { allergy } => {
            assert_eq!(allergy.substance, "Peanut");
            assert_eq!(allergy.category, AllergyCategory::Food);
            assert_eq!(allergy.criticality, Some(AllergyCriticality::High));
            assert_eq!(allergy.reaction.as_deref(), Some("Hives"));
        }
        other => panic!("expected an allergy, got {other:?}"),
    }
    match &plan.records[2].0 {
        Record::Immunization { immunization } => {
            assert_eq!(immunization.vaccine_name, "MMR");
            assert_eq!(immunization.cvx, Some(3));
            assert_eq!(immunization.antigens, ["Measles", "Mumps", "Rubella"]);
            assert_eq!(immunization.dose_number, Some(1));
            assert_eq!(immunization.date, day(1991, 8, 1));
            assert_eq!(immunization.programme, ImmunizationProgramme::PaidService);
        }
        other => panic!("expected an immunization, got {other:?}"),
    }
}

#[test]
fn import_of_an_ips_collection_reports_what_it_leaves_out_and_why() {
    let plan = plan_import(&ips_collection().to_string()).expect("plan");
    let skipped: Vec<(&str, Option<&str>, &str)> = plan
        .skipped
        .iter()
        .map(|s| {
            (
                s.resource_type.as_str(),
                s.resource_id.as_deref(),
                s.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:#?}");
    assert_eq!(skipped[0].0, "AllergyIntolerance");
    assert!(
        skipped[0].2.contains("no allergy is known"),
        "{}",
        skipped[0].2
    );
    assert_eq!(
        (skipped[1].0, skipped[1].1),
        ("DiagnosticReport", Some("r1"))
    );
    assert!(
        skipped[1].2.contains("not a record kind the book keeps"),
        "{}",
        skipped[1].2
    );
    assert_eq!(skipped[2].0, "MedicationRequest");
    assert!(
        skipped[2].2.contains("issuing facility code"),
        "{}",
        skipped[2].2
    );
}

#[test]
fn import_skips_a_record_that_breaks_the_model_rules_with_the_rule_as_reason() {
    let mut bundle = ips_collection();
    bundle["entry"][4]["resource"]["occurrenceDateTime"] = json!("1980-01-01");
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert!(plan
        .records
        .iter()
        .all(|(r, _)| r.kind() != RecordKind::Immunization));
    let skipped = plan
        .skipped
        .iter()
        .find(|s| s.resource_type == "Immunization")
        .expect("skipped immunization");
    assert!(
        skipped.reason.starts_with("immunization.date"),
        "{}",
        skipped.reason
    );
}

#[test]
fn import_reads_a_vietnamese_patient_family_name_first_and_keeps_a_valid_personal_id() {
    let bundle = json!({
        "resourceType": "Bundle", "type": "document",
        "entry": [{ "resource": {
            "resourceType": "Patient",
            "identifier": [{ "system": sys::PERSONAL_ID, "value": "001085012345" }],
            "name": [{ "family": "Nguyễn", "given": ["Văn", "An"] }],
            "gender": "male", "birthDate": "1985-03-14",
        } }],
    });
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert_eq!(plan.patient.full_name, "Nguyễn Văn An");
    assert_eq!(plan.patient.personal_id.as_deref(), Some("001085012345"));
    assert_eq!(plan.patient.role, PersonRole::Dependant);
    assert!(plan.patient.id.is_empty());
}

#[test]
fn import_ignores_a_personal_id_that_contradicts_the_birth_date() {
    let bundle = json!({
        "resourceType": "Bundle", "type": "collection",
        "entry": [{ "resource": {
            "resourceType": "Patient",
            "identifier": [{ "system": sys::PERSONAL_ID, "value": "001085012345" }],
            "name": [{ "text": "Nguyễn Văn An" }],
            "gender": "male", "birthDate": "1990-03-14",
        } }],
    });
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert_eq!(plan.patient.personal_id, None);
}

#[test]
fn import_survives_arbitrary_shapes_without_panicking() {
    let odd = [
        r#"{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","birthDate":"2000-01-01"}},{"resource":{"resourceType":"Observation","code":7,"valueQuantity":"x"}},{"resource":{"resourceType":"Encounter","serviceProvider":{"reference":5}}},{},{"resource":[]},{"resource":{"resourceType":"MedicationRequest","groupIdentifier":{"value":"g"}}},{"resource":{"resourceType":"MedicationRequest","groupIdentifier":{"value":"g"}}}]}"#,
        r#"{"resourceType":"Bundle","type":"collection","entry":{"not":"a list"}}"#,
        r#"[1,2,3]"#,
        r#""Bundle""#,
    ];
    for json in odd {
        let _ = plan_import(json);
    }
    let plan = plan_import(odd[0]).expect("plan");
    assert!(plan.records.is_empty());
    assert_eq!(plan.skipped.len(), 6, "{:#?}", plan.skipped);
}

#[test]
fn imported_record_id_is_deterministic_per_person_and_source() {
    let id = imported_record_id("person-1", "Condition/c1");
    assert_eq!(id, imported_record_id("person-1", "Condition/c1"));
    assert!(id.starts_with("fhir-") && id.len() == 37, "{id}");
    assert!(id[5..]
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_ne!(id, imported_record_id("person-2", "Condition/c1"));
    assert_ne!(id, imported_record_id("person-1", "Condition/c2"));
}

// ----- round trip --------------------------------------------------------------------------

fn as_imported(record: &Record) -> Record {
    let mut record = record.clone();
    record.set_id(String::new());
    record.set_person_id(String::new());
    match &mut record {
        Record::Visit { visit } => visit.source = RecordSource::Imported,
        Record::Prescription { prescription } => prescription.source = RecordSource::Imported,
        Record::Referral { referral } => referral.source = RecordSource::Imported,
        Record::Appointment { appointment } => appointment.source = RecordSource::Imported,
        Record::Immunization { immunization } => immunization.source = RecordSource::Imported,
        Record::Allergy { allergy } => allergy.source = RecordSource::Imported,
        Record::Condition { condition } => condition.source = RecordSource::Imported,
        Record::Observation { observation } => observation.source = RecordSource::Imported,
    }
    record
}

#[test]
fn round_trip_of_the_books_own_export_yields_the_same_records() {
    let person = sample_person();
    let records = one_of_each(&person.id);
    let bundle = export_bundle(&person, &records, generated_at(), "round-trip");
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert!(plan.skipped.is_empty(), "{:#?}", plan.skipped);
    assert_eq!(plan.records.len(), records.len());
    for original in &records {
        let expected = as_imported(original);
        let found = plan.records.iter().find(|(r, _)| *r == expected);
        assert!(
            found.is_some(),
            "not imported back as it was: {expected:#?}\nimported: {:#?}",
            plan.records
        );
    }
}

#[test]
fn round_trip_keeps_the_patient_identity() {
    let person = sample_person();
    let bundle = export_bundle(&person, &[], generated_at(), "b");
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert_eq!(plan.patient.full_name, person.full_name);
    assert_eq!(plan.patient.date_of_birth, person.date_of_birth);
    assert_eq!(plan.patient.sex, person.sex);
    assert_eq!(plan.patient.personal_id, person.personal_id);
    assert_eq!(
        plan.patient.insurance.map(|i| i.number),
        Some("DN4010123456789".to_string())
    );
}

#[test]
fn round_trip_of_a_childs_prescription_keeps_age_and_weight() {
    let mut person = sample_person();
    person.date_of_birth = day(2022, 1, 10);
    person.personal_id = None;
    let mut records = one_of_each(&person.id);
    records.retain(|r| r.kind() == RecordKind::Prescription);
    if let Some(Record::Prescription { prescription }) = records.first_mut() {
        prescription.patient_age_months = Some(27);
        prescription.patient_weight_kg = Some(12.5);
        prescription.national_code = None;
        prescription.prescriber_name = None;
        prescription.prescriber_licence = None;
        prescription.replaces = Some("01001zzz0001-c".into());
    }
    let bundle = export_bundle(&person, &records, generated_at(), "child");
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert!(plan.skipped.is_empty(), "{:#?}", plan.skipped);
    assert_eq!(plan.records.len(), 1);
    assert_eq!(plan.records[0].0, as_imported(&records[0]));
}

#[test]
fn round_trip_source_references_are_stable_across_exports() {
    let person = sample_person();
    let records = one_of_each(&person.id);
    let first = plan_import(&export_bundle(&person, &records, generated_at(), "one").to_string())
        .expect("plan");
    let second =
        plan_import(&export_bundle(&person, &records, vn(2024, 7, 1, 8, 0), "two").to_string())
            .expect("plan");
    let sources = |plan: &super::ImportPlan| {
        plan.records
            .iter()
            .map(|(_, s)| s.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(sources(&first), sources(&second));
}

#[test]
fn import_of_a_document_takes_the_composition_subject_and_leaves_out_other_patients_records() {
    let bundle = json!({
        "resourceType": "Bundle", "type": "document",
        "entry": [
            { "fullUrl": "urn:uuid:doc", "resource": {
                "resourceType": "Composition", "id": "doc", "status": "final",
                "subject": { "reference": "Patient/child" }, "date": "2024-01-01",
            } },
            { "fullUrl": "urn:uuid:child", "resource": { "resourceType": "Patient", "id": "child", "birthDate": "2020-02-02" } },
            { "fullUrl": "urn:uuid:mother", "resource": { "resourceType": "Patient", "id": "mother", "birthDate": "1990-01-01" } },
            { "resource": {
                "resourceType": "Condition", "id": "c-mother", "code": { "text": "Thiếu máu" },
                "subject": { "reference": "Patient/mother" }, "recordedDate": "2021-01-01",
            } },
            { "resource": {
                "resourceType": "Condition", "id": "c-child", "code": { "text": "Viêm tai giữa" },
                "subject": { "reference": "urn:uuid:child" }, "recordedDate": "2021-01-01",
            } },
        ],
    });
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert_eq!(plan.patient.date_of_birth, day(2020, 2, 2));
    let sources: Vec<&str> = plan.records.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(sources, ["Condition/c-child"]);
    assert_eq!(plan.skipped.len(), 1);
    assert!(
        plan.skipped[0].reason.contains("another patient"),
        "{}",
        plan.skipped[0].reason
    );
}

#[test]
fn round_trip_keeps_records_with_their_optional_fields_left_out() {
    let person = sample_person();
    let mut records = one_of_each(&person.id);
    for record in &mut records {
        match record {
            Record::Visit { visit } => {
                visit.main_icd10 = None;
                visit.secondary_icd10.clear();
                visit.end = None;
                visit.treatment_result = None;
                visit.practitioner_name = None;
                visit.practitioner_licence = None;
                visit.episode_key = None;
                visit.weight_kg = None;
                visit.procedures.clear();
                visit.inpatient = false;
            }
            Record::Referral { referral } => {
                referral.doctor_name = None;
                referral.escort = None;
                referral.disease_course = None;
                referral.icd10 = vec!["I10".into()];
                referral.chronic_disease = true;
            }
            Record::Appointment { appointment } => {
                appointment.slip_number = None;
                appointment.diagnosis_text = None;
                appointment.icd10.clear();
                appointment.doctor_name = None;
                appointment.status = AppointmentStatus::Missed;
            }
            Record::Immunization { immunization } => {
                immunization.dose_number = None;
                immunization.facility = None;
                immunization.cvx = None;
                immunization.lot = None;
                immunization.reactions = None;
                immunization.programme = ImmunizationProgramme::Expanded;
            }
            Record::Allergy { allergy } => {
                allergy.criticality = None;
                allergy.reaction = None;
                allergy.note = None;
            }
            Record::Condition { condition } => {
                condition.relative = None;
                condition.onset = None;
                condition.status = ConditionStatus::Resolved;
            }
            Record::Observation { observation } => observation.note = None,
            Record::Prescription { prescription } => {
                prescription.advice = None;
                prescription.re_exam_date = None;
                prescription.kind = PrescriptionKind::Traditional;
                prescription.national_code = Some("01001abc1234-y".into());
            }
        }
    }
    let bundle = export_bundle(&person, &records, generated_at(), "sparse");
    let mut found = Vec::new();
    empty_values(&bundle, "Bundle", &mut found);
    assert!(found.is_empty(), "{found:#?}");
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert!(plan.skipped.is_empty(), "{:#?}", plan.skipped);
    for original in &records {
        let expected = as_imported(original);
        assert!(
            plan.records.iter().any(|(r, _)| *r == expected),
            "not imported back as it was: {expected:#?}\nimported: {:#?}",
            plan.records
        );
    }
}

// ----- what a strict validator checks ------------------------------------------------------

#[test]
fn an_infant_under_a_month_has_a_positive_age_less_than_one_month_and_reads_back_as_zero() {
    let mut person = sample_person();
    // Born 16 days before the prescription of 2024-05-06.
    person.date_of_birth = day(2024, 4, 20);
    person.personal_id = None;
    let mut records = one_of_each(&person.id);
    records.retain(|r| r.kind() == RecordKind::Prescription);
    if let Some(Record::Prescription { prescription }) = records.first_mut() {
        prescription.patient_age_months = Some(0);
        prescription.patient_weight_kg = Some(3.4);
        prescription.national_code = None;
    }
    let bundle = export_bundle(&person, &records, generated_at(), "newborn");
    for request in resources_of(&bundle, "MedicationRequest") {
        let age = request["extension"]
            .as_array()
            .expect("extensions")
            .iter()
            .find(|e| e["url"] == sys::EXT_PATIENT_AGE)
            .expect("the patient's age")["valueAge"]
            .clone();
        assert_eq!(
            age,
            json!({ "value": 1, "comparator": "<", "unit": "mo", "system": sys::UCUM, "code": "mo" })
        );
    }
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert!(plan.skipped.is_empty(), "{:#?}", plan.skipped);
    match &plan.records[0].0 {
        Record::Prescription { prescription } => {
            assert_eq!(prescription.patient_age_months, Some(0))
        }
        other => panic!("expected the prescription, got {other:?}"),
    }
}

#[test]
fn every_procedure_says_when_it_was_performed() {
    let bundle = exported();
    let procedures = resources_of(&bundle, "Procedure");
    assert!(!procedures.is_empty());
    for procedure in procedures {
        let start = procedure["performedPeriod"]["start"]
            .as_str()
            .unwrap_or_else(|| panic!("no performed[x]: {procedure}"));
        assert!(is_instant_with_seconds(start), "{start}");
    }
}

#[test]
fn an_expired_referral_slip_is_revoked_not_completed() {
    let person = sample_person();
    let records = one_of_each(&person.id);
    // Valid until 2024-06-19: exported a month later it authorises nothing more.
    let later = vn(2024, 7, 20, 9, 0);
    let bundle = export_bundle(&person, &records, later, "later");
    assert_eq!(
        resources_of(&bundle, "ServiceRequest")[0]["status"],
        "revoked"
    );
}

#[test]
fn what_the_citizen_wrote_is_unconfirmed_and_what_a_facility_wrote_is_confirmed() {
    let person = sample_person();
    let mut records = one_of_each(&person.id);
    let verification = |bundle: &Value, kind: &str| -> Vec<String> {
        resources_of(bundle, kind)
            .iter()
            .filter(|r| r["category"][0]["coding"][0]["code"] != "encounter-diagnosis")
            .map(|r| {
                r["verificationStatus"]["coding"][0]["code"]
                    .as_str()
                    .expect("a verification status")
                    .to_string()
            })
            .collect()
    };
    let bundle = export_bundle(&person, &records, generated_at(), "citizen");
    assert_eq!(verification(&bundle, "AllergyIntolerance"), ["unconfirmed"]);
    let conditions = verification(&bundle, "Condition");
    assert!(!conditions.is_empty());
    assert!(
        conditions.iter().all(|c| c == "unconfirmed"),
        "{conditions:?}"
    );

    for record in &mut records {
        match record {
            Record::Allergy { allergy } => allergy.source = RecordSource::Facility,
            Record::Condition { condition } => condition.source = RecordSource::Imported,
            _ => {}
        }
    }
    let bundle = export_bundle(&person, &records, generated_at(), "facility");
    assert_eq!(verification(&bundle, "AllergyIntolerance"), ["confirmed"]);
    assert!(verification(&bundle, "Condition")
        .iter()
        .all(|c| c == "confirmed"));
}

#[test]
fn a_guardian_of_another_relation_is_o_of_hl7_v2_contact_role_and_the_old_v3_o_still_reads() {
    let mut person = sample_person();
    person.date_of_birth = day(2019, 2, 1);
    person.personal_id = None;
    person.role = PersonRole::Dependant;
    person.guardian = Some(GuardianLink {
        guardian_person_id: None,
        name: "Trần Văn Bình".into(),
        relation: GuardianRelation::Other,
        personal_id: None,
        phone: None,
        since: Some(day(2023, 1, 1)),
        until: None,
    });
    let bundle = export_bundle(&person, &[], generated_at(), "child");
    let patient = resources_of(&bundle, "Patient")[0].clone();
    assert_eq!(
        patient["contact"][0]["relationship"][0]["coding"][0],
        json!({ "system": sys::V2_CONTACT_ROLE, "code": "O", "display": "Other" })
    );
    let plan = plan_import(&bundle.to_string()).expect("plan");
    let relation = |plan: &super::ImportPlan| plan.patient.guardian.as_ref().map(|g| g.relation);
    assert_eq!(relation(&plan), Some(GuardianRelation::Other));

    let mut old = bundle.clone();
    for entry in old["entry"].as_array_mut().expect("entries") {
        if entry["resource"]["resourceType"] == "Patient" {
            entry["resource"]["contact"][0]["relationship"][0]["coding"][0]["system"] =
                json!(sys::V3_ROLE_CODE);
        }
    }
    let plan = plan_import(&old.to_string()).expect("plan");
    assert_eq!(relation(&plan), Some(GuardianRelation::Other));
}

#[test]
fn a_glucose_reading_is_a_laboratory_result_in_the_results_section() {
    let bundle = exported();
    let observations = resources_of(&bundle, "Observation");
    let category = |o: &Value| o["category"][0]["coding"][0]["code"].clone();
    let glucose: Vec<&&Value> = observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == sys::glucose_loinc("mmol/L").0)
        .collect();
    assert_eq!(glucose.len(), 1, "the sample has one glucose reading");
    assert_eq!(category(glucose[0]), "laboratory");
    let results = section(&bundle, "30954-2").expect("a Results section");
    let glucose_url = full_url_of(&bundle, glucose[0]);
    assert_eq!(
        section_entries(&results),
        std::slice::from_ref(&glucose_url)
    );
    let vital_signs = section(&bundle, "8716-3").expect("a Vital signs section");
    assert!(!section_entries(&vital_signs).contains(&glucose_url));
    assert!(observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == sys::LOINC_BODY_WEIGHT)
        .all(|o| category(o) == "vital-signs"));
}

#[test]
fn the_plan_of_care_section_holds_one_care_plan_listing_the_referral_and_the_re_exam() {
    let bundle = exported();
    let plan = section(&bundle, "18776-5").expect("a Plan of care section");
    let entries = section_entries(&plan);
    assert_eq!(entries.len(), 1, "{plan}");
    let care_plans = resources_of(&bundle, "CarePlan");
    assert_eq!(care_plans.len(), 1);
    assert_eq!(entries[0], full_url_of(&bundle, care_plans[0]));
    let activities: Vec<String> = care_plans[0]["activity"]
        .as_array()
        .expect("activities")
        .iter()
        .map(|a| {
            a["reference"]["reference"]
                .as_str()
                .expect("a reference")
                .to_string()
        })
        .collect();
    let mut expected = vec![
        full_url_of(&bundle, resources_of(&bundle, "ServiceRequest")[0]),
        full_url_of(&bundle, resources_of(&bundle, "Appointment")[0]),
    ];
    let mut found = activities.clone();
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
    // Importing the book's own export takes nothing from the CarePlan and says nothing of it.
    let plan = plan_import(&bundle.to_string()).expect("plan");
    assert!(
        plan.skipped.iter().all(|s| s.resource_type != "CarePlan"),
        "{:#?}",
        plan.skipped
    );
}

/// The Composition's section with LOINC `code`.
fn section(bundle: &Value, code: &str) -> Option<Value> {
    resources_of(bundle, "Composition")[0]["section"]
        .as_array()?
        .iter()
        .find(|s| s["code"]["coding"][0]["code"] == code)
        .cloned()
}

fn section_entries(section: &Value) -> Vec<String> {
    section["entry"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["reference"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn full_url_of(bundle: &Value, resource: &Value) -> String {
    entries(bundle)
        .into_iter()
        .find(|e| e["resource"]["id"] == resource["id"])
        .and_then(|e| e["fullUrl"].as_str())
        .expect("the resource's entry")
        .to_string()
}
