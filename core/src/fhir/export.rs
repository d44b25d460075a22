//! Export: a person's book as one FHIR R4 `document` Bundle shaped like an International Patient
//! Summary, so SMART Health Links viewers can show it: the Composition first, then the Patient, the
//! app as the author Device, the facilities and practitioners, then one or more resources per record.
//! Owns the record → resource mapping. Never reads storage and never fails: a field with no valid
//! FHIR form is left out (FHIR forbids empty strings, empty arrays and nulls), never written empty.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::SecondsFormat;
use ring::digest;
use serde_json::{json, Map, Value};

use super::systems as sys;
use crate::model::time::{start_of_day_vn, vn_date};
use crate::model::{
    Allergy, CalendarDate, Condition, ConditionStatus, DateTimeOffset, DrugLine, Facility,
    HistoryKind, Immunization, ImmunizationProgramme, Observation, ObservationKind,
    ObservationValue, Person, Prescription, ReAppointment, Record, RecordSource, ReferralSlip, Sex,
    Visit,
};

/// The book's FHIR document of `person` and `records`, stamped `generated_at`.
/// `bundle_id` names this export; resource ids are derived from the book's own ids, so the same
/// record gets the same `urn:uuid:` in every export and a receiver can tell a repeat from a new entry.
pub fn export_bundle(
    person: &Person,
    records: &[Record],
    generated_at: DateTimeOffset,
    bundle_id: &str,
) -> Value {
    let mut document = Document::new(person, generated_at);
    for (index, record) in records.iter().enumerate() {
        document.add_record(index, record);
    }
    document.finish(bundle_id, generated_at)
}

/// The entries `export_bundle` would write for `person` and `records`, without the Composition and
/// the authoring Device: the Patient first, then the supporting and the record resources. For the
/// sync wire, which carries resources rather than documents.
pub fn export_entries(
    person: &Person,
    records: &[Record],
    generated_at: DateTimeOffset,
) -> Vec<Value> {
    let mut document = Document::new(person, generated_at);
    for (index, record) in records.iter().enumerate() {
        document.add_record(index, record);
    }
    document.into_entries()
}

/// The code of the referral ServiceRequest: what the slip asks for, in the words of the form.
pub const REFERRAL_CODE_TEXT: &str = "Chuyển cơ sở khám bệnh, chữa bệnh";

/// Labels that prefix each referral note, so a viewer that shows only `note.text` still says what
/// each note is; import strips them again. (kind code, label)
pub const REFERRAL_NOTES: [(&str, &str); 7] = [
    ("clinical-signs", "Dấu hiệu lâm sàng"),
    ("disease-course", "Quá trình bệnh lý và diễn biến lâm sàng"),
    ("key-results", "Tóm tắt kết quả xét nghiệm, cận lâm sàng"),
    ("treatment-given", "Phương pháp, thủ thuật, thuốc đã dùng"),
    ("condition-at-transfer", "Tình trạng người bệnh lúc chuyển"),
    ("planned-treatment", "Hướng điều trị"),
    ("transport", "Phương tiện vận chuyển"),
];

/// The IPS sections the document can have, in the order a viewer shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Problems,
    Allergies,
    Medications,
    Immunizations,
    PastIllness,
    Procedures,
    FamilyHistory,
    VitalSigns,
    Results,
    Encounters,
    PlanOfCare,
    Notes,
}

impl Section {
    const ALL: [Section; 12] = [
        Section::Problems,
        Section::Allergies,
        Section::Medications,
        Section::Immunizations,
        Section::PastIllness,
        Section::Procedures,
        Section::FamilyHistory,
        Section::VitalSigns,
        Section::Results,
        Section::Encounters,
        Section::PlanOfCare,
        Section::Notes,
    ];

    /// (LOINC code, LOINC display, section title shown to readers)
    fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Section::Problems => (
                "11450-4",
                "Problem list - Reported",
                "Bệnh đang mắc (Problems)",
            ),
            Section::Allergies => (
                "48765-2",
                "Allergies and adverse reactions Document",
                "Dị ứng (Allergies and intolerances)",
            ),
            Section::Medications => (
                "10160-0",
                "History of Medication use Narrative",
                "Thuốc (Medication summary)",
            ),
            Section::Immunizations => (
                "11369-6",
                "History of Immunization Narrative",
                "Tiêm chủng (Immunizations)",
            ),
            Section::PastIllness => (
                "11348-0",
                "History of Past illness Narrative",
                "Tiền sử bệnh, phẫu thuật (History of past illness)",
            ),
            Section::Procedures => (
                "47519-4",
                "History of Procedures Document",
                "Thủ thuật, phẫu thuật (Procedures)",
            ),
            Section::FamilyHistory => (
                "10157-6",
                "History of family member diseases Narrative",
                "Tiền sử gia đình (Family history)",
            ),
            Section::VitalSigns => ("8716-3", "Vital signs", "Dấu hiệu sinh tồn (Vital signs)"),
            Section::Results => (
                "30954-2",
                "Relevant diagnostic tests/laboratory data note",
                "Kết quả xét nghiệm (Results)",
            ),
            Section::Encounters => (
                "46240-8",
                "History of Hospitalizations+Outpatient visits Narrative",
                "Khám, chữa bệnh (Encounters)",
            ),
            Section::PlanOfCare => (
                "18776-5",
                "Plan of care note",
                "Hẹn khám, chuyển viện (Plan of care)",
            ),
            Section::Notes => ("51855-5", "Patient Note", "Ghi chú (Notes)"),
        }
    }

    /// IPS requires these three sections; when empty they say so with an `emptyReason`.
    fn required(self) -> bool {
        matches!(
            self,
            Section::Problems | Section::Allergies | Section::Medications
        )
    }
}

/// A resource to be, before its body is written: its id and the fullUrl every reference uses.
#[derive(Clone)]
struct Slot {
    id: String,
    url: String,
}

/// What ties the resources of one record together: the key their ids derive from, the book's record
/// id (carried as an identifier) and whether the citizen marked the record sensitive.
struct Origin {
    key: String,
    record_id: String,
    sensitive: bool,
}

impl Origin {
    fn key(&self, part: &str) -> String {
        format!("{}\n{part}", self.key)
    }

    /// The main resource of a record carries the record id itself; the parts (diagnoses, drug lines,
    /// a weight measured during the visit) carry `<record id>/<part>`.
    fn identifier(&self, part: Option<&str>) -> Value {
        if self.record_id.is_empty() {
            return Value::Null;
        }
        let value = match part {
            None => self.record_id.clone(),
            Some(part) => format!("{}/{part}", self.record_id),
        };
        json!({ "system": sys::RECORD_ID, "value": value })
    }
}

struct Document<'a> {
    person: &'a Person,
    today: CalendarDate,
    used_ids: HashSet<String>,
    patient: Slot,
    device: Slot,
    /// Organizations, practitioners and their roles: after the Patient, before the records.
    supporting: Vec<(String, Value)>,
    clinical: Vec<(String, Value)>,
    organizations: HashMap<String, String>,
    practitioners: HashMap<String, String>,
    roles: HashMap<String, String>,
    sections: BTreeMap<Section, Vec<(String, String)>>,
    any_sensitive: bool,
    /// The CarePlan that lists the plan-of-care items (referrals, re-exams), once made.
    care_plan: Option<String>,
}

impl<'a> Document<'a> {
    fn new(person: &'a Person, generated_at: DateTimeOffset) -> Self {
        let mut document = Document {
            person,
            today: vn_date(&generated_at),
            used_ids: HashSet::new(),
            patient: Slot {
                id: String::new(),
                url: String::new(),
            },
            device: Slot {
                id: String::new(),
                url: String::new(),
            },
            supporting: Vec::new(),
            clinical: Vec::new(),
            organizations: HashMap::new(),
            practitioners: HashMap::new(),
            roles: HashMap::new(),
            sections: BTreeMap::new(),
            any_sensitive: false,
            care_plan: None,
        };
        document.patient =
            document.reserve(&format!("patient\n{}\n{}", person.id, person.date_of_birth));
        document.device = document.reserve("device\nhealthbook");
        document
    }

    /// A fresh id derived from `key`. Ids are uuid-shaped so that `urn:uuid:` fullUrls are valid;
    /// a key seen twice (the same record passed twice) gets a suffix rather than a duplicate fullUrl.
    fn reserve(&mut self, key: &str) -> Slot {
        let mut attempt = 0u32;
        loop {
            let candidate = if attempt == 0 {
                key.to_string()
            } else {
                format!("{key}\n#{attempt}")
            };
            let id = uuid_from(&candidate);
            if self.used_ids.insert(id.clone()) {
                return Slot {
                    url: format!("urn:uuid:{id}"),
                    id,
                };
            }
            attempt += 1;
        }
    }

    /// Completes a resource body (type, id, security label, record identifier), drops the elements
    /// that came out empty, and adds it to the bundle.
    fn put(
        &mut self,
        slot: &Slot,
        resource_type: &str,
        identifier: Value,
        sensitive: bool,
        body: Value,
        clinical: bool,
    ) {
        let mut resource = match body {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        resource.insert("resourceType".into(), json!(resource_type));
        resource.insert("id".into(), json!(slot.id));
        if sensitive {
            self.any_sensitive = true;
            resource.insert(
                "meta".into(),
                json!({ "security": [{ "system": sys::V3_CONFIDENTIALITY, "code": "R", "display": "restricted" }] }),
            );
        }
        if !identifier.is_null() {
            let mut identifiers = vec![identifier];
            if let Some(Value::Array(others)) = resource.remove("identifier") {
                identifiers.extend(others);
            }
            resource.insert("identifier".into(), Value::Array(identifiers));
        }
        let mut resource = Value::Object(resource);
        prune(&mut resource);
        let entry = (slot.url.clone(), resource);
        if clinical {
            self.clinical.push(entry);
        } else {
            self.supporting.push(entry);
        }
    }

    fn add_to_section(&mut self, section: Section, slot: &Slot, line: String) {
        self.sections
            .entry(section)
            .or_default()
            .push((slot.url.clone(), line));
    }

    /// The Organization of a facility, one per facility code.
    fn organization(&mut self, facility: &Facility) -> String {
        let key = if facility.code.trim().is_empty() {
            format!("name:{}", facility.name)
        } else {
            facility.code.clone()
        };
        if let Some(url) = self.organizations.get(&key) {
            return url.clone();
        }
        let slot = self.reserve(&format!("organization\n{key}"));
        let body = json!({
            "identifier": [{ "system": sys::FACILITY_CODE, "value": facility.code }],
            "name": facility.name,
        });
        self.put(&slot, "Organization", Value::Null, false, body, false);
        self.organizations.insert(key, slot.url.clone());
        slot.url
    }

    /// Who asked for a prescription or referral: the doctor at the facility when the record names
    /// one, otherwise the facility itself.
    fn requester(
        &mut self,
        facility: &Facility,
        name: Option<&str>,
        licence: Option<&str>,
    ) -> Value {
        match self.practitioner_role(facility, name, licence) {
            Some(role) => reference(&role, name),
            None => {
                let organization = self.organization(facility);
                reference(&organization, Some(&facility.name))
            }
        }
    }

    /// A PractitionerRole tying the doctor to the facility, so one reference says both who and where.
    /// None when the record names no doctor.
    fn practitioner_role(
        &mut self,
        facility: &Facility,
        name: Option<&str>,
        licence: Option<&str>,
    ) -> Option<String> {
        let name = non_empty(name);
        let licence = non_empty(licence);
        let who = match (licence, name) {
            (Some(licence), _) => format!("licence:{licence}"),
            // Without a licence only the name tells doctors apart, and only within one facility.
            (None, Some(name)) => format!("name:{}:{name}", facility.code),
            (None, None) => return None,
        };
        let role_key = format!("{}\n{who}", facility.code);
        if let Some(url) = self.roles.get(&role_key) {
            return Some(url.clone());
        }
        let practitioner = match self.practitioners.get(&who) {
            Some(url) => url.clone(),
            None => {
                let slot = self.reserve(&format!("practitioner\n{who}"));
                let body = json!({
                    "identifier": licence.map(|l| vec![json!({ "system": sys::PRACTITIONER_LICENCE, "value": l })]),
                    "name": name.map(|n| vec![json!({ "text": n })]),
                });
                self.put(&slot, "Practitioner", Value::Null, false, body, false);
                self.practitioners.insert(who.clone(), slot.url.clone());
                slot.url
            }
        };
        let organization = self.organization(facility);
        let slot = self.reserve(&format!("practitioner-role\n{role_key}"));
        let body = json!({
            "practitioner": reference(&practitioner, name),
            "organization": reference(&organization, Some(&facility.name)),
        });
        self.put(&slot, "PractitionerRole", Value::Null, false, body, false);
        self.roles.insert(role_key, slot.url.clone());
        Some(slot.url)
    }

    fn subject(&self) -> Value {
        reference(&self.patient.url, Some(&self.person.full_name))
    }

    fn add_record(&mut self, index: usize, record: &Record) {
        let record_id = record.id().to_string();
        // Records not yet stored have no id; their position keeps their resources apart.
        let key_id = if record_id.is_empty() {
            format!("#{index}")
        } else {
            record_id.clone()
        };
        let origin = Origin {
            key: format!("record\n{}\n{key_id}", self.person.id),
            record_id,
            sensitive: record.sensitive(),
        };
        match record {
            Record::Visit { visit } => self.visit(visit, &origin),
            Record::Prescription { prescription } => self.prescription(prescription, &origin),
            Record::Referral { referral } => self.referral(referral, &origin),
            Record::Appointment { appointment } => self.appointment(appointment, &origin),
            Record::Immunization { immunization } => self.immunization(immunization, &origin),
            Record::Allergy { allergy } => self.allergy(allergy, &origin),
            Record::Condition { condition } => self.condition(condition, &origin),
            Record::Observation { observation } => self.observation(observation, &origin),
        }
    }

    fn visit(&mut self, visit: &Visit, origin: &Origin) {
        let organization = self.organization(&visit.facility);
        let role = self.practitioner_role(
            &visit.facility,
            visit.practitioner_name.as_deref(),
            visit.practitioner_licence.as_deref(),
        );
        let encounter = self.reserve(&origin.key("encounter"));
        let encounter_ref = reference(&encounter.url, None);

        // Diagnoses: the main one (with the doctor's text) ranks 1, secondary codes follow in order.
        let mut diagnoses = Vec::new();
        let clinical_status =
            if visit.treatment_result == Some(crate::model::TreatmentResult::Cured) {
                "resolved"
            } else {
                "active"
            };
        let mut codes: Vec<(Option<&str>, Option<&str>)> = vec![(
            visit.main_icd10.as_deref(),
            Some(visit.diagnosis_text.as_str()),
        )];
        codes.extend(
            visit
                .secondary_icd10
                .iter()
                .map(|code| (Some(code.as_str()), None)),
        );
        for (rank, (icd10, text)) in codes.into_iter().enumerate() {
            let part = format!("diagnosis-{}", rank + 1);
            let slot = self.reserve(&origin.key(&part));
            let codings = icd10
                .map(|code| vec![coding(sys::ICD10, code, None)])
                .unwrap_or_default();
            let body = json!({
                "clinicalStatus": concept(vec![coding(sys::CONDITION_CLINICAL, clinical_status, None)], None),
                "verificationStatus": concept(vec![coding(sys::CONDITION_VERIFICATION, "confirmed", None)], None),
                "category": [concept(
                    vec![coding(sys::CONDITION_CATEGORY, "encounter-diagnosis", Some("Encounter Diagnosis"))],
                    None,
                )],
                "code": concept(codings, text),
                "subject": self.subject(),
                "encounter": encounter_ref.clone(),
                "recordedDate": instant(&visit.start),
            });
            self.put(
                &slot,
                "Condition",
                origin.identifier(Some(&part)),
                origin.sensitive,
                body,
                true,
            );
            diagnoses.push(json!({ "condition": reference(&slot.url, text), "rank": rank + 1 }));
        }

        for (i, procedure) in visit.procedures.iter().enumerate() {
            if procedure.trim().is_empty() {
                continue;
            }
            let part = format!("procedure-{}", i + 1);
            let slot = self.reserve(&origin.key(&part));
            // The book knows the visit, not the hour of the procedure: it was done during the visit.
            let body = json!({
                "status": "completed",
                "code": { "text": procedure },
                "subject": self.subject(),
                "encounter": encounter_ref.clone(),
                "performedPeriod": {
                    "start": instant(&visit.start),
                    "end": visit.end.as_ref().map(instant),
                },
            });
            self.put(
                &slot,
                "Procedure",
                origin.identifier(Some(&part)),
                origin.sensitive,
                body,
                true,
            );
            self.add_to_section(
                Section::Procedures,
                &slot,
                format!("{}: {procedure}", date(vn_date(&visit.start))),
            );
        }

        if let Some(weight) = visit.weight_kg {
            self.add_weight(origin, weight, &visit.start, Some(&encounter_ref));
        }

        let finished = visit.end.is_some() || visit.treatment_result.is_some();
        let (class_code, class_display) = if visit.inpatient {
            ("IMP", "inpatient encounter")
        } else {
            ("AMB", "ambulatory")
        };
        let mut extensions = Vec::new();
        if let Some((code, display)) = visit
            .treatment_result
            .and_then(|r| sys::code_of(&sys::TREATMENT_RESULTS, r))
        {
            extensions.push(json!({
                "url": sys::EXT_TREATMENT_RESULT,
                "valueCodeableConcept": concept(vec![coding(sys::TREATMENT_RESULT, code, Some(display))], Some(display)),
            }));
        }
        if let Some(text) = non_empty(visit.instructions.as_deref()) {
            extensions.push(json!({ "url": sys::EXT_INSTRUCTIONS, "valueString": text }));
        }
        if let Some(text) = non_empty(visit.summary.as_deref()) {
            extensions.push(json!({ "url": sys::EXT_SUMMARY, "valueString": text }));
        }
        for day in &visit.re_exam_dates {
            extensions.push(json!({ "url": sys::EXT_RE_EXAM_DATE, "valueDate": date(*day) }));
        }
        let discharge = visit.discharge_type.and_then(|d| sys::code_of(&sys::DISCHARGE_TYPES, d)).map(|(code, display)| {
            json!({ "dischargeDisposition": concept(vec![coding(sys::DISCHARGE_TYPE, code, Some(display))], Some(display)) })
        });
        let episode = visit.episode_key.as_deref().and_then(|key| non_empty(Some(key))).map(|key| {
            json!({ "system": sys::EPISODE_KEY, "value": format!("{}/{key}", visit.facility.code) })
        });
        let participant = role.map(|url| {
            vec![json!({
                "type": [concept(vec![coding(sys::V3_PARTICIPATION_TYPE, "ATND", Some("attender"))], None)],
                "individual": reference(&url, visit.practitioner_name.as_deref()),
            })]
        });
        let body = json!({
            "extension": extensions,
            "identifier": episode.map(|e| vec![e]),
            "status": if finished { "finished" } else { "in-progress" },
            "class": coding(sys::V3_ACT_CODE, class_code, Some(class_display)),
            "serviceType": visit.department.as_deref().map(|d| json!({ "text": d })),
            "subject": self.subject(),
            "participant": participant,
            "period": { "start": instant(&visit.start), "end": visit.end.as_ref().map(instant) },
            "reasonCode": visit.reason.as_deref().map(|r| vec![json!({ "text": r })]),
            "diagnosis": diagnoses,
            "hospitalization": discharge,
            "serviceProvider": reference(&organization, Some(&visit.facility.name)),
        });
        self.put(
            &encounter,
            "Encounter",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        let code = visit
            .main_icd10
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        self.add_to_section(
            Section::Encounters,
            &encounter,
            format!(
                "{}, {}: {}{code}",
                date(vn_date(&visit.start)),
                visit.facility.name,
                visit.diagnosis_text
            ),
        );
    }

    /// A body weight measured with a record (a visit, a child's prescription), as a vital sign.
    fn add_weight(
        &mut self,
        origin: &Origin,
        weight_kg: f64,
        at: &DateTimeOffset,
        encounter: Option<&Value>,
    ) -> Slot {
        let slot = self.reserve(&origin.key("weight"));
        let body = json!({
            "status": "final",
            "category": [observation_category("vital-signs", "Vital Signs")],
            "code": concept(vec![coding(sys::LOINC, sys::LOINC_BODY_WEIGHT, Some("Body weight"))], Some("Cân nặng")),
            "subject": self.subject(),
            "encounter": encounter,
            "effectiveDateTime": instant(at),
            "valueQuantity": quantity(weight_kg, "kg"),
        });
        self.put(
            &slot,
            "Observation",
            origin.identifier(Some("weight")),
            origin.sensitive,
            body,
            true,
        );
        self.add_to_section(
            Section::VitalSigns,
            &slot,
            format!(
                "{}: cân nặng (body weight) {weight_kg} kg",
                date(vn_date(at))
            ),
        );
        slot
    }

    fn prescription(&mut self, prescription: &Prescription, origin: &Origin) {
        let status = if prescription.is_active_on(self.today) {
            "active"
        } else {
            "completed"
        };
        let requester = self.requester(
            &prescription.facility,
            prescription.prescriber_name.as_deref(),
            prescription.prescriber_licence.as_deref(),
        );
        // Lines of one prescription are grouped by its national code; without one, by the record id.
        let group = match non_empty(prescription.national_code.as_deref()) {
            Some(code) => json!({ "system": sys::NATIONAL_PRESCRIPTION_CODE, "value": code }),
            None => origin.identifier(None),
        };
        let kind =
            sys::code_of(&sys::PRESCRIPTION_KINDS, prescription.kind).map(|(code, display)| {
                concept(
                    vec![coding(sys::PRESCRIPTION_KIND, code, Some(display))],
                    None,
                )
            });
        let reasons: Vec<Value> = prescription
            .diagnoses
            .iter()
            .map(|d| concept(vec![coding(sys::ICD10, &d.icd10, None)], Some(&d.text)))
            .collect();
        let weight = prescription.patient_weight_kg.map(|weight| {
            self.add_weight(origin, weight, &prescription.issued_at, None)
                .url
        });
        let mut extensions = Vec::new();
        if let Some(day) = prescription.re_exam_date {
            extensions.push(json!({ "url": sys::EXT_RE_EXAM_DATE, "valueDate": date(day) }));
        }
        if let Some(months) = prescription.patient_age_months {
            extensions.push(json!({
                "url": sys::EXT_PATIENT_AGE,
                "valueAge": age_in_months(months),
            }));
        }
        let prior = non_empty(prescription.replaces.as_deref())
            .map(|code| json!({ "identifier": { "system": sys::NATIONAL_PRESCRIPTION_CODE, "value": code } }));

        for (i, line) in prescription.lines.iter().enumerate() {
            let part = format!("line-{}", i + 1);
            let slot = self.reserve(&origin.key(&part));
            let medication = medication_text(line);
            let dosage_text = dosage_text(line);
            let body = json!({
                "extension": extensions.clone(),
                "groupIdentifier": group.clone(),
                "status": status,
                "intent": "order",
                "category": kind.clone().map(|k| vec![k]),
                "medicationCodeableConcept": {
                    "extension": [
                        { "url": sys::EXT_BRAND_NAME, "valueString": line.brand_name },
                        { "url": sys::EXT_ACTIVE_INGREDIENT, "valueString": line.active_ingredient },
                        { "url": sys::EXT_STRENGTH, "valueString": line.strength },
                    ],
                    "coding": line.drug_code.as_deref().map(|code| vec![coding(sys::DRUG_CODE, code, Some(&line.brand_name))]),
                    "text": medication,
                },
                "subject": self.subject(),
                "supportingInformation": weight.as_deref().map(|url| vec![reference(url, None)]),
                "authoredOn": instant(&prescription.issued_at),
                "requester": requester.clone(),
                "reasonCode": reasons.clone(),
                "note": prescription.advice.as_deref().map(|a| vec![json!({ "text": a })]),
                "dosageInstruction": [{
                    "text": dosage_text,
                    "additionalInstruction": line.dosage.timing.as_deref().map(|t| vec![json!({ "text": t })]),
                    "timing": { "repeat": {
                        "boundsDuration": days_duration(line.dosage.days),
                        "frequency": line.dosage.times_per_day,
                        "period": 1,
                        "periodUnit": "d",
                    } },
                    "route": line.dosage.route.as_deref().map(|r| json!({ "text": r })),
                    "doseAndRate": [{ "doseQuantity": plain_quantity(line.dosage.dose_per_time, &line.unit) }],
                }],
                "dispenseRequest": {
                    "quantity": plain_quantity(line.quantity, &line.unit),
                    "expectedSupplyDuration": days_duration(line.dosage.days),
                },
                "priorPrescription": prior.clone(),
            });
            self.put(
                &slot,
                "MedicationRequest",
                origin.identifier(Some(&part)),
                origin.sensitive,
                body,
                true,
            );
            self.add_to_section(
                Section::Medications,
                &slot,
                format!(
                    "{}: {} — {}",
                    date(vn_date(&prescription.issued_at)),
                    medication_text(line),
                    dosage_text
                ),
            );
        }
    }

    fn referral(&mut self, referral: &ReferralSlip, origin: &Origin) {
        let valid_until = referral
            .valid_until
            .unwrap_or_else(|| referral.computed_valid_until());
        let requester = self.requester(
            &referral.from_facility,
            referral.doctor_name.as_deref(),
            referral.doctor_licence.as_deref(),
        );
        let to = self.organization(&referral.to_facility);
        let slot = self.reserve(&origin.key("service-request"));

        let mut reasons = diagnosis_reasons(&referral.icd10, Some(&referral.diagnosis_text));
        if let Some((code, display)) = sys::code_of(&sys::REFERRAL_REASONS, referral.reason) {
            reasons.push(concept(
                vec![coding(sys::REFERRAL_REASON, code, Some(display))],
                Some(display),
            ));
        }
        let texts = [
            Some(referral.clinical_signs.as_str()),
            referral.disease_course.as_deref(),
            referral.key_results.as_deref(),
            referral.treatment_given.as_deref(),
            referral.condition_at_transfer.as_deref(),
            Some(referral.planned_treatment.as_str()),
            Some(referral.transport.as_str()),
        ];
        let notes: Vec<Value> = REFERRAL_NOTES
            .iter()
            .zip(texts)
            .filter_map(|((kind, label), text)| {
                non_empty(text).map(|text| {
                    json!({
                        "extension": [{ "url": sys::EXT_REFERRAL_NOTE, "valueCode": kind }],
                        "text": format!("{label}: {text}"),
                    })
                })
            })
            .collect();
        let mut extensions = vec![
            json!({ "url": sys::EXT_CHRONIC_DISEASE, "valueBoolean": referral.chronic_disease }),
        ];
        if let Some(escort) = &referral.escort {
            extensions.push(json!({
                "url": sys::EXT_ESCORT,
                "extension": [
                    { "url": "name", "valueString": escort.name },
                    { "url": "role", "valueString": escort.role },
                ],
            }));
        }
        let body = json!({
            "extension": extensions,
            "identifier": [{ "system": sys::REFERRAL_SLIP, "value": referral.slip_number }],
            // Past its validity the slip authorises nothing more ("revoked"); whether it was used the
            // book does not know, so it is never "completed".
            "status": if valid_until >= self.today { "active" } else { "revoked" },
            "intent": "order",
            "category": [concept(
                vec![coding(sys::SNOMED, sys::SNOMED_PATIENT_REFERRAL, Some("Patient referral"))],
                None,
            )],
            "code": { "text": REFERRAL_CODE_TEXT },
            "subject": self.subject(),
            "occurrencePeriod": { "start": date(vn_date(&referral.signed_at)), "end": date(valid_until) },
            "authoredOn": instant(&referral.signed_at),
            "requester": requester,
            "performer": [reference(&to, Some(&referral.to_facility.name))],
            "reasonCode": reasons,
            "note": notes,
        });
        self.put(
            &slot,
            "ServiceRequest",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        self.add_to_section(
            Section::PlanOfCare,
            &slot,
            format!(
                "{}: chuyển từ {} đến {} (referral), {}; hiệu lực đến {}",
                date(vn_date(&referral.signed_at)),
                referral.from_facility.name,
                referral.to_facility.name,
                referral.diagnosis_text,
                date(valid_until)
            ),
        );
    }

    fn appointment(&mut self, appointment: &ReAppointment, origin: &Origin) {
        let organization = self.organization(&appointment.facility);
        let role = self.practitioner_role(
            &appointment.facility,
            appointment.doctor_name.as_deref(),
            None,
        );
        let slot = self.reserve(&origin.key("appointment"));
        let status =
            sys::fhir_code(&sys::APPOINTMENT_STATUSES, appointment.status).unwrap_or("booked");
        // Appointment.start/end are instants: the slip names a day, so the appointment spans that day
        // in Vietnam (R4 app-3: only proposed, cancelled or waitlisted appointments may lack them).
        let start = start_of_day_vn(appointment.appointment_date);
        let end = start
            .checked_add_signed(chrono::TimeDelta::seconds(24 * 3600 - 1))
            .unwrap_or(start);
        let about = appointment
            .diagnosis_text
            .as_deref()
            .or(appointment.department.as_deref())
            .and_then(|t| non_empty(Some(t)));
        let description = match about {
            Some(about) => format!(
                "Hẹn khám lại (re-examination) tại {}: {about}",
                appointment.facility.name
            ),
            None => format!(
                "Hẹn khám lại (re-examination) tại {}",
                appointment.facility.name
            ),
        };
        let mut participants = vec![json!({ "actor": self.subject(), "status": "accepted" })];
        if let Some(role) = role {
            participants.push(json!({
                "actor": reference(&role, appointment.doctor_name.as_deref()),
                "status": "accepted",
            }));
        }
        let body = json!({
            "identifier": appointment.slip_number.as_deref().map(|n| vec![json!({ "system": sys::APPOINTMENT_SLIP, "value": n })]),
            "status": status,
            "serviceType": appointment.department.as_deref().map(|d| vec![json!({ "text": d })]),
            "reasonCode": diagnosis_reasons(&appointment.icd10, appointment.diagnosis_text.as_deref()),
            "description": description,
            // A facility cannot be an Appointment participant in R4; it is the supporting context.
            "supportingInformation": [reference(&organization, Some(&appointment.facility.name))],
            "start": instant(&start),
            "end": instant(&end),
            "created": instant(&appointment.issued_at),
            "participant": participants,
        });
        self.put(
            &slot,
            "Appointment",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        self.add_to_section(
            Section::PlanOfCare,
            &slot,
            format!(
                "{}: {description} [{status}]",
                date(appointment.appointment_date)
            ),
        );
    }

    fn immunization(&mut self, immunization: &Immunization, origin: &Origin) {
        let performer = immunization.facility.as_ref().map(|f| {
            let url = self.organization(f);
            vec![json!({ "actor": reference(&url, Some(&f.name)) })]
        });
        let slot = self.reserve(&origin.key("immunization"));
        let mut codings = vec![coding(
            sys::VACCINE_CODE,
            &immunization.vaccine_code,
            Some(&immunization.vaccine_name),
        )];
        if let Some(cvx) = immunization.cvx {
            codings.push(coding(sys::CVX, &format!("{cvx:02}"), None));
        }
        let dose = match immunization.dose_number {
            Some(n) => ("doseNumberPositiveInt", json!(n)),
            // R4 requires a dose number in protocolApplied, which carries the antigens.
            None => ("doseNumberString", json!("không rõ (unknown)")),
        };
        let mut protocol = Map::new();
        protocol.insert(
            "targetDisease".into(),
            Value::Array(
                immunization
                    .antigens
                    .iter()
                    .map(|a| json!({ "text": a }))
                    .collect(),
            ),
        );
        protocol.insert(dose.0.into(), dose.1);
        let (programme_code, programme_display) =
            sys::code_of(&sys::IMMUNIZATION_PROGRAMMES, immunization.programme)
                .unwrap_or(("paid-service", "Tiêm chủng dịch vụ"));
        let funding = match immunization.programme {
            ImmunizationProgramme::PaidService => ("private", "Private"),
            ImmunizationProgramme::Expanded | ImmunizationProgramme::Campaign => {
                ("public", "Public")
            }
        };
        let body = json!({
            "status": "completed",
            "vaccineCode": concept(codings, Some(&immunization.vaccine_name)),
            "patient": self.subject(),
            "occurrenceDateTime": date(immunization.date),
            "lotNumber": immunization.lot,
            "performer": performer,
            "programEligibility": [concept(
                vec![coding(sys::IMMUNIZATION_PROGRAMME, programme_code, Some(programme_display))],
                None,
            )],
            "fundingSource": concept(vec![coding(sys::FUNDING_SOURCE, funding.0, Some(funding.1))], None),
            "reaction": immunization.reactions.as_deref().and_then(|r| non_empty(Some(r))).map(|r| {
                vec![json!({ "detail": { "display": r } })]
            }),
            "protocolApplied": [Value::Object(protocol)],
        });
        self.put(
            &slot,
            "Immunization",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        let dose = immunization
            .dose_number
            .map(|n| format!(", mũi {n}"))
            .unwrap_or_default();
        self.add_to_section(
            Section::Immunizations,
            &slot,
            format!(
                "{}: {}{dose} ({})",
                date(immunization.date),
                immunization.vaccine_name,
                immunization.antigens.join(", ")
            ),
        );
    }

    fn allergy(&mut self, allergy: &Allergy, origin: &Origin) {
        let slot = self.reserve(&origin.key("allergy"));
        let category = sys::fhir_code(&sys::ALLERGY_CATEGORIES, allergy.category);
        let criticality = allergy
            .criticality
            .and_then(|c| sys::fhir_code(&sys::ALLERGY_CRITICALITIES, c));
        let body = json!({
            "clinicalStatus": concept(vec![coding(sys::ALLERGY_CLINICAL, "active", Some("Active"))], None),
            "verificationStatus": verification(sys::ALLERGY_VERIFICATION, allergy.source),
            "category": category.map(|c| vec![c]),
            "criticality": criticality,
            "code": { "text": allergy.substance },
            "patient": self.subject(),
            "recordedDate": date(allergy.recorded_on),
            "note": allergy.note.as_deref().map(|n| vec![json!({ "text": n })]),
            "reaction": allergy.reaction.as_deref().and_then(|r| non_empty(Some(r))).map(|r| {
                vec![json!({ "manifestation": [{ "text": r }] })]
            }),
        });
        self.put(
            &slot,
            "AllergyIntolerance",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        let reaction = allergy
            .reaction
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let criticality = criticality
            .map(|c| format!(" (criticality {c})"))
            .unwrap_or_default();
        self.add_to_section(
            Section::Allergies,
            &slot,
            format!("{}{reaction}{criticality}", allergy.substance),
        );
    }

    fn condition(&mut self, condition: &Condition, origin: &Origin) {
        let codings = condition
            .icd10
            .as_deref()
            .map(|c| vec![coding(sys::ICD10, c, None)])
            .unwrap_or_default();
        let code = concept(codings, Some(&condition.text));
        let icd = condition
            .icd10
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        if condition.history == HistoryKind::Family {
            let slot = self.reserve(&origin.key("family-member-history"));
            let (role_code, role_display) = family_relation(condition.relative.as_deref());
            let outcome = (condition.status == ConditionStatus::Resolved).then(|| {
                concept(
                    vec![coding(
                        sys::CONDITION_CLINICAL,
                        "resolved",
                        Some("Resolved"),
                    )],
                    None,
                )
            });
            let body = json!({
                "status": "completed",
                "patient": self.subject(),
                "date": date(condition.recorded_on),
                "relationship": concept(
                    vec![coding(sys::V3_ROLE_CODE, role_code, Some(role_display))],
                    condition.relative.as_deref(),
                ),
                "condition": [{
                    "code": code,
                    "outcome": outcome,
                    "onsetPeriod": condition.onset.map(|d| json!({ "start": date(d) })),
                }],
            });
            self.put(
                &slot,
                "FamilyMemberHistory",
                origin.identifier(None),
                origin.sensitive,
                body,
                true,
            );
            let relative = condition.relative.as_deref().unwrap_or(role_display);
            self.add_to_section(
                Section::FamilyHistory,
                &slot,
                format!("{relative}: {}{icd}", condition.text),
            );
            return;
        }
        let slot = self.reserve(&origin.key("condition"));
        let (status, status_display) = match condition.status {
            ConditionStatus::Active => ("active", "Active"),
            ConditionStatus::Resolved => ("resolved", "Resolved"),
        };
        let history =
            sys::code_of(&sys::HISTORY_KINDS, condition.history).map(|(code, display)| {
                concept(vec![coding(sys::HISTORY_KIND, code, Some(display))], None)
            });
        let body = json!({
            "clinicalStatus": concept(vec![coding(sys::CONDITION_CLINICAL, status, Some(status_display))], None),
            "verificationStatus": verification(sys::CONDITION_VERIFICATION, condition.source),
            "category": [
                concept(vec![coding(sys::CONDITION_CATEGORY, "problem-list-item", Some("Problem List Item"))], None),
                history,
            ],
            "code": code,
            "subject": self.subject(),
            "onsetDateTime": condition.onset.map(date),
            "recordedDate": date(condition.recorded_on),
        });
        self.put(
            &slot,
            "Condition",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        let section = if condition.status == ConditionStatus::Active
            && condition.history == HistoryKind::Medical
        {
            Section::Problems
        } else {
            Section::PastIllness
        };
        let since = condition
            .onset
            .map(|d| format!(", từ (since) {}", date(d)))
            .unwrap_or_default();
        self.add_to_section(section, &slot, format!("{}{icd}{since}", condition.text));
    }

    fn observation(&mut self, observation: &Observation, origin: &Origin) {
        let slot = self.reserve(&origin.key("observation"));
        let (loinc, display) = match (&observation.kind, &observation.value) {
            (ObservationKind::BloodGlucose, ObservationValue::Quantity { unit, .. }) => {
                sys::glucose_loinc(unit)
            }
            (kind, _) => sys::OBSERVATION_CODES
                .iter()
                .find(|(k, _, _)| k == kind)
                .map(|(_, code, display)| (*code, *display))
                .unwrap_or((sys::LOINC_NOTE, "Note")),
        };
        let mut body = json!({
            "status": "final",
            "category": match observation.kind {
                ObservationKind::Note => None,
                // A glucose reading is a laboratory result (a meter's or the lab's), not a vital sign.
                ObservationKind::BloodGlucose => Some(vec![observation_category("laboratory", "Laboratory")]),
                _ => Some(vec![observation_category("vital-signs", "Vital Signs")]),
            },
            "code": concept(vec![coding(sys::LOINC, loinc, Some(display))], None),
            "subject": self.subject(),
            "effectiveDateTime": instant(&observation.at),
            "note": observation.note.as_deref().map(|n| vec![json!({ "text": n })]),
        });
        if let Value::Object(map) = &mut body {
            match &observation.value {
                ObservationValue::Quantity { value, unit } => {
                    map.insert("valueQuantity".into(), quantity(*value, unit));
                }
                ObservationValue::BloodPressure {
                    systolic,
                    diastolic,
                } => {
                    let component = |code: &str, display: &str, value: u32| {
                        json!({
                            "code": concept(vec![coding(sys::LOINC, code, Some(display))], None),
                            "valueQuantity": quantity(f64::from(value), "mm[Hg]"),
                        })
                    };
                    map.insert(
                        "component".into(),
                        json!([
                            component(sys::LOINC_SYSTOLIC, "Systolic blood pressure", *systolic),
                            component(sys::LOINC_DIASTOLIC, "Diastolic blood pressure", *diastolic),
                        ]),
                    );
                }
                ObservationValue::Text { text } => {
                    map.insert("valueString".into(), json!(text));
                }
            }
        }
        self.put(
            &slot,
            "Observation",
            origin.identifier(None),
            origin.sensitive,
            body,
            true,
        );
        let record = Record::Observation {
            observation: observation.clone(),
        };
        let line = format!("{}: {}", date(vn_date(&observation.at)), record.title());
        let section = match observation.kind {
            ObservationKind::Note => Section::Notes,
            ObservationKind::BloodGlucose => Section::Results,
            _ => Section::VitalSigns,
        };
        self.add_to_section(section, &slot, line);
    }

    fn patient(&self) -> Value {
        let person = self.person;
        let mut identifiers = Vec::new();
        if let Some(id) = non_empty(person.personal_id.as_deref()) {
            identifiers.push(json!({ "use": "official", "system": sys::PERSONAL_ID, "value": id }));
        }
        for old in &person.previous_personal_ids {
            identifiers.push(json!({ "use": "old", "system": sys::PERSONAL_ID, "value": old }));
        }
        if let Some(card) = &person.insurance {
            identifiers.push(json!({
                "system": sys::INSURANCE_NUMBER,
                "value": card.number,
                "period": { "start": card.valid_from.map(date), "end": card.valid_to.map(date) },
            }));
        }
        // Vietnamese names are written family name first: "Nguyễn Văn An" is family Nguyễn, given Văn An.
        let mut words = person.full_name.split_whitespace();
        let family = words.next();
        let given: Vec<&str> = words.collect();
        let gender = match person.sex {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Undetermined => "unknown",
        };
        let address = person.address.as_ref().map(|a| {
            vec![json!({
                "extension": [
                    { "url": sys::EXT_PROVINCE_CODE, "valueCode": a.province_code },
                    { "url": sys::EXT_COMMUNE_CODE, "valueCode": a.commune_code },
                ],
                "text": a.line,
            })]
        });
        let contact = person.guardian.as_ref().map(|g| {
            let relation = sys::GUARDIAN_RELATIONS
                .iter()
                .find(|(r, _, _, _)| *r == g.relation);
            let relationship = relation.map(|(_, system, code, display)| {
                vec![concept(vec![coding(system, code, Some(display))], None)]
            });
            vec![json!({
                "relationship": relationship,
                "name": { "text": g.name },
                "telecom": g.phone.as_deref().map(|p| vec![json!({ "system": "phone", "value": p })]),
                "period": { "start": g.since.map(date), "end": g.until.map(date) },
            })]
        });
        let practitioner = person
            .insurance
            .as_ref()
            .and_then(|card| non_empty(card.primary_care_facility_code.as_deref()))
            .map(|code| {
                vec![json!({ "identifier": { "system": sys::FACILITY_CODE, "value": code } })]
            });
        let nationality = non_empty(person.nationality.as_deref()).map(|n| {
            vec![json!({
                "url": sys::PATIENT_NATIONALITY,
                "extension": [{ "url": "code", "valueCodeableConcept": { "text": n } }],
            })]
        });
        json!({
            "extension": nationality,
            "identifier": identifiers,
            "name": [{ "use": "official", "text": person.full_name, "family": family, "given": given }],
            "gender": gender,
            "birthDate": date(person.date_of_birth),
            "address": address,
            "contact": contact,
            "generalPractitioner": practitioner,
        })
    }

    fn device(&self) -> Value {
        json!({
            "deviceName": [{ "name": "Sổ sức khỏe điện tử (healthbook)", "type": "user-friendly-name" }],
            "type": { "text": "Ứng dụng sổ sức khỏe điện tử của công dân (citizen's electronic health book app)" },
            "version": [{ "value": env!("CARGO_PKG_VERSION") }],
        })
    }

    fn composition(&self, generated_at: &DateTimeOffset) -> Value {
        let mut sections = Vec::new();
        for section in Section::ALL {
            let (code, display, title) = section.describe();
            let items = self
                .sections
                .get(&section)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if items.is_empty() && !section.required() {
                continue;
            }
            let mut body = json!({
                "title": title,
                "code": concept(vec![coding(sys::LOINC, code, Some(display))], None),
            });
            if let Value::Object(map) = &mut body {
                if items.is_empty() {
                    map.insert(
                        "text".into(),
                        narrative_paragraph("Không có thông tin được ghi nhận (none recorded)."),
                    );
                    map.insert(
                        "emptyReason".into(),
                        concept(
                            vec![coding(
                                sys::LIST_EMPTY_REASON,
                                "unavailable",
                                Some("Unavailable"),
                            )],
                            None,
                        ),
                    );
                } else {
                    let lines: Vec<&str> = items.iter().map(|(_, line)| line.as_str()).collect();
                    map.insert("text".into(), narrative_list(&lines));
                    // IPS's plan of care holds CarePlans: the items are reached through one.
                    let entries = match (&section, &self.care_plan) {
                        (Section::PlanOfCare, Some(care_plan)) => vec![reference(care_plan, None)],
                        _ => items.iter().map(|(url, _)| reference(url, None)).collect(),
                    };
                    map.insert("entry".into(), Value::Array(entries));
                }
            }
            sections.push(body);
        }
        json!({
            "resourceType": "Composition",
            "language": "vi",
            "status": "final",
            "type": concept(vec![coding(sys::LOINC, sys::LOINC_PATIENT_SUMMARY, Some("Patient summary Document"))], None),
            "subject": self.subject(),
            "date": instant(generated_at),
            "author": [reference(&self.device.url, Some("Sổ sức khỏe điện tử (healthbook)"))],
            "title": format!("Tóm tắt sức khỏe (Patient summary): {}", self.person.full_name),
            "confidentiality": if self.any_sensitive { "R" } else { "N" },
            "section": sections,
        })
    }

    /// One CarePlan whose activities are the referral slips and re-exam appointments, for the
    /// plan-of-care section (which IPS lets hold only CarePlans and DocumentReferences).
    fn add_care_plan(&mut self) {
        let Some(items) = self.sections.get(&Section::PlanOfCare).cloned() else {
            return;
        };
        let slot = self.reserve(&format!("care-plan\n{}", self.person.id));
        let (_, _, title) = Section::PlanOfCare.describe();
        let body = json!({
            "status": "active",
            "intent": "plan",
            "title": title,
            "subject": self.subject(),
            "activity": items
                .iter()
                .map(|(url, _)| json!({ "reference": reference(url, None) }))
                .collect::<Vec<_>>(),
        });
        self.put(&slot, "CarePlan", Value::Null, false, body, true);
        self.care_plan = Some(slot.url);
    }

    fn finish(mut self, bundle_id: &str, generated_at: DateTimeOffset) -> Value {
        self.add_care_plan();
        let composition_slot = self.reserve(&format!("composition\n{bundle_id}"));
        let mut composition = self.composition(&generated_at);
        let mut device = self.device();
        for (resource, resource_type, slot) in [
            (&mut composition, "Composition", &composition_slot),
            (&mut device, "Device", &self.device),
        ] {
            if let Value::Object(map) = resource {
                map.insert("resourceType".into(), json!(resource_type));
                map.insert("id".into(), json!(slot.id));
            }
            prune(resource);
        }
        let device_url = self.device.url.clone();
        let mut entries = vec![entry(composition_slot.url, composition)];
        let mut rest = self.into_entries().into_iter();
        entries.extend(rest.next()); // the Patient
        entries.push(entry(device_url, device));
        entries.extend(rest);
        let bundle_uuid = uuid_from(&format!("bundle\n{bundle_id}"));
        let id = if is_fhir_id(bundle_id) {
            bundle_id.to_string()
        } else {
            bundle_uuid.clone()
        };
        let mut bundle = json!({
            "resourceType": "Bundle",
            "id": id,
            "identifier": { "system": sys::URN_RFC3986, "value": format!("urn:uuid:{bundle_uuid}") },
            "type": "document",
            "timestamp": instant(&generated_at),
        });
        bundle["entry"] = Value::Array(entries);
        bundle
    }

    /// The Patient, then the supporting and the record resources, as Bundle entries.
    fn into_entries(self) -> Vec<Value> {
        let mut patient = self.patient();
        if let Value::Object(map) = &mut patient {
            map.insert("resourceType".into(), json!("Patient"));
            map.insert("id".into(), json!(self.patient.id));
        }
        prune(&mut patient);
        let mut entries = Vec::with_capacity(1 + self.supporting.len() + self.clinical.len());
        entries.push(entry(self.patient.url, patient));
        for (url, resource) in self.supporting.into_iter().chain(self.clinical) {
            entries.push(entry(url, resource));
        }
        entries
    }
}

/// A Bundle entry; moves the resource in (`json!` would copy it).
fn entry(full_url: String, resource: Value) -> Value {
    let mut map = Map::new();
    map.insert("fullUrl".into(), Value::String(full_url));
    map.insert("resource".into(), resource);
    Value::Object(map)
}

/// An id shaped like an RFC 9562 version 8 (custom) UUID, taken from SHA-256 of `key`:
/// deterministic, so the same record always gets the same fullUrl.
fn uuid_from(key: &str) -> String {
    let hash = digest::digest(&digest::SHA256, key.as_bytes());
    let mut bytes = [0u8; 16];
    for (target, source) in bytes.iter_mut().zip(hash.as_ref()) {
        *target = *source;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// FHIR ids are 1-64 characters of letters, digits, '-' and '.'.
fn is_fhir_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Removes nulls, empty (or blank) strings, empty arrays and empty objects, innermost first, and trims
/// strings: FHIR forbids the empty forms, and leaving them out is how an absent value is written.
/// Returns whether anything is left of `value`.
pub(super) fn prune(value: &mut Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => {
            let trimmed = text.trim();
            if trimmed.len() != text.len() {
                *text = trimmed.to_string();
            }
            !text.is_empty()
        }
        Value::Array(items) => {
            items.retain_mut(prune);
            !items.is_empty()
        }
        Value::Object(map) => {
            map.retain(|_, item| prune(item));
            // An extension whose value came out empty is only its `url`: R4 (ext-1) forbids that.
            let bare_extension = map.len() == 1 && map.contains_key("url");
            !map.is_empty() && !bare_extension
        }
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn date(day: CalendarDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// FHIR dateTime and instant: seconds always present, offset as recorded.
fn instant(at: &DateTimeOffset) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn reference(url: &str, display: Option<&str>) -> Value {
    json!({ "reference": url, "display": display })
}

fn coding(system: &str, code: &str, display: Option<&str>) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

fn concept(codings: Vec<Value>, text: Option<&str>) -> Value {
    json!({ "coding": codings, "text": text })
}

fn observation_category(code: &str, display: &str) -> Value {
    concept(
        vec![coding(sys::OBSERVATION_CATEGORY, code, Some(display))],
        None,
    )
}

/// A decimal as a JSON number; NaN and infinities have no JSON form and are left out.
fn decimal(value: f64) -> Value {
    if value.is_finite() {
        json!(value)
    } else {
        Value::Null
    }
}

/// A measured quantity, with its UCUM code when the unit is one UCUM names.
fn quantity(value: f64, unit: &str) -> Value {
    let code = sys::ucum_code(unit);
    json!({
        "value": decimal(value),
        "unit": unit,
        "system": code.map(|_| sys::UCUM),
        "code": code,
    })
}

/// A count of a dispensing unit ("viên", "gói"): not UCUM, so the unit text only.
fn plain_quantity(value: f64, unit: &str) -> Value {
    json!({ "value": decimal(value), "unit": unit })
}

/// A Duration in days; R4 (drt-1) wants a UCUM code with every valued Duration.
/// What the citizen wrote themselves is "unconfirmed": no clinician has verified it. A facility's
/// record, or one imported from a facility's document, is "confirmed".
fn verification(system: &str, source: RecordSource) -> Value {
    let (code, display) = match source {
        RecordSource::Citizen => ("unconfirmed", "Unconfirmed"),
        RecordSource::Facility | RecordSource::Imported => ("confirmed", "Confirmed"),
    };
    concept(vec![coding(system, code, Some(display))], None)
}

/// An age in months as FHIR `Age`, whose value must be positive: under a month is "< 1 mo".
fn age_in_months(months: u32) -> Value {
    if months == 0 {
        json!({ "value": 1, "comparator": "<", "unit": "mo", "system": sys::UCUM, "code": "mo" })
    } else {
        json!({ "value": months, "unit": "mo", "system": sys::UCUM, "code": "mo" })
    }
}

fn days_duration(days: u32) -> Value {
    json!({ "value": days, "unit": "d", "system": sys::UCUM, "code": "d" })
}

/// One reason per ICD-10 code, the doctor's text on the first; the text alone when no code was given.
fn diagnosis_reasons(codes: &[String], text: Option<&str>) -> Vec<Value> {
    if codes.is_empty() {
        return text
            .map(|t| vec![concept(Vec::new(), Some(t))])
            .unwrap_or_default();
    }
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            concept(
                vec![coding(sys::ICD10, code, None)],
                if i == 0 { text } else { None },
            )
        })
        .collect()
}

/// "Brand (active ingredient strength)", as pharmacists read a line.
fn medication_text(line: &DrugLine) -> String {
    let mut inner = line.active_ingredient.trim().to_string();
    if let Some(strength) = non_empty(line.strength.as_deref()) {
        if !inner.is_empty() {
            inner.push(' ');
        }
        inner.push_str(strength);
    }
    if inner.is_empty() || inner == line.brand_name.trim() {
        line.brand_name.trim().to_string()
    } else {
        format!("{} ({inner})", line.brand_name.trim())
    }
}

fn dosage_text(line: &DrugLine) -> String {
    let dosage = &line.dosage;
    let mut text = format!(
        "{} {}/lần, {} lần/ngày, {} ngày",
        dosage.dose_per_time, line.unit, dosage.times_per_day, dosage.days
    );
    for extra in [dosage.route.as_deref(), dosage.timing.as_deref()]
        .into_iter()
        .flatten()
    {
        if !extra.trim().is_empty() {
            text.push_str("; ");
            text.push_str(extra.trim());
        }
    }
    text
}

/// The v3 RoleCode for a relative as people write it; FAMMEMB (family member) when not recognised.
fn family_relation(relative: Option<&str>) -> (&'static str, &'static str) {
    let word = relative
        .map(|r| r.trim().to_lowercase())
        .unwrap_or_default();
    match word.as_str() {
        "mẹ" | "má" | "mother" => ("MTH", "mother"),
        "bố" | "cha" | "ba" | "father" => ("FTH", "father"),
        "ông" | "bà" | "ông nội" | "bà nội" | "ông ngoại" | "bà ngoại" | "grandparent"
        | "grandmother" | "grandfather" => ("GRPRN", "grandparent"),
        "anh" | "chị" | "em" | "anh trai" | "chị gái" | "em trai" | "em gái" | "sibling"
        | "brother" | "sister" => ("SIB", "sibling"),
        "con" | "con trai" | "con gái" | "child" | "son" | "daughter" => ("CHILD", "child"),
        _ => ("FAMMEMB", "family member"),
    }
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // XML 1.0 has no form for other control characters.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            _ => escaped.push(c),
        }
    }
    escaped
}

const XHTML_DIV: &str = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";

fn narrative_list(lines: &[&str]) -> Value {
    let items: String = lines
        .iter()
        .map(|line| format!("<li>{}</li>", escape_html(line)))
        .collect();
    json!({ "status": "generated", "div": format!("{XHTML_DIV}<ul>{items}</ul></div>") })
}

fn narrative_paragraph(text: &str) -> Value {
    json!({ "status": "generated", "div": format!("{XHTML_DIV}<p>{}</p></div>", escape_html(text)) })
}
