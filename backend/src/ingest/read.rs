//! Reading a facility's `transaction` Bundle into what the server would store, checking everything
//! first: the requests (`PUT <Type>/<id>` and `DELETE <Type>/<id>`), exactly one Patient with a
//! valid CCCD, every clinical resource about that Patient, every ICD-10 code, the guardians
//! (`RelatedPerson`), the records the book's FHIR import makes of the rest, and that every record
//! is the key's facility's. Every problem found is returned, each naming its element.

use std::collections::{HashMap, HashSet};

use healthbook_core::fhir::{plan_import_value, systems as sys};
use healthbook_core::model::identifiers::{validate_icd10, validate_personal_id};
use healthbook_core::model::{Person, Record, RecordKind, Sex};
use serde_json::{json, Map, Value};

use super::guardian::{read_guardian, PlannedGuardian};
use crate::outcome::Issue;

/// One request of the transaction.
#[derive(Debug, Clone)]
pub struct Request {
    /// The entry's position in the Bundle.
    pub index: usize,
    pub resource_type: String,
    /// The facility's own id of the resource.
    pub id: String,
    pub method: Method,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Put,
    Delete,
}

impl Request {
    /// `Type/id`: how the facility names the resource, and the key of what the server made of it.
    pub fn reference(&self) -> String {
        format!("{}/{}", self.resource_type, self.id)
    }
}

/// A record the transaction makes, from the entry at `index`.
#[derive(Debug, Clone)]
pub struct PlannedRecord {
    pub index: usize,
    pub record: Record,
    /// `Type/id` of its resource, or `Type/id#part` when one resource makes several records.
    pub resource_ref: String,
}

/// A transaction that passed every check.
#[derive(Debug, Clone)]
pub struct Transaction {
    pub requests: Vec<Request>,
    /// The Patient as the FHIR import reads it, with the CCCD checked here (role and guardian
    /// are the server's to set).
    pub patient: Person,
    /// The Patient's entry in the Bundle.
    pub patient_index: usize,
    pub records: Vec<PlannedRecord>,
    pub guardians: Vec<PlannedGuardian>,
}

/// Resource types whose subject must be the transaction's Patient, and the element naming it.
const SUBJECT_ELEMENT: [(&str, &str); 10] = [
    ("Encounter", "subject"),
    ("Condition", "subject"),
    ("Observation", "subject"),
    ("MedicationRequest", "subject"),
    ("ServiceRequest", "subject"),
    ("Procedure", "subject"),
    ("Immunization", "patient"),
    ("AllergyIntolerance", "patient"),
    ("FamilyMemberHistory", "patient"),
    ("Appointment", "participant"),
];

/// Reads and checks `bundle` for the facility `facility_code`.
pub fn read_transaction(bundle: &Value, facility_code: &str) -> Result<Transaction, Vec<Issue>> {
    check_bundle(bundle).map_err(|issue| vec![issue])?;
    let entries = list(bundle, "entry");
    if entries.is_empty() {
        return Err(vec![Issue::invalid(
            "Bundle.entry",
            "is empty; a transaction carries one Patient and the records about them",
        )]);
    }
    let mut issues = Vec::new();
    let mut requests = Vec::new();
    let mut resources: HashMap<usize, Value> = HashMap::new();
    let mut seen = HashSet::new();
    for (index, entry) in entries.iter().enumerate() {
        match read_request(index, entry) {
            Ok((request, resource)) => {
                if !seen.insert(request.reference()) {
                    issues.push(Issue::invalid(
                        format!("Bundle.entry[{index}].request.url"),
                        format!(
                            "{} appears twice; a transaction names each resource once",
                            request.reference()
                        ),
                    ));
                }
                if let Some(resource) = resource {
                    resources.insert(index, resource);
                }
                requests.push(request);
            }
            Err(issue) => issues.push(issue),
        }
    }

    let patients: Vec<&Request> = requests
        .iter()
        .filter(|r| r.resource_type == "Patient")
        .collect();
    let patient_request = match patients.as_slice() {
        [one] if one.method == Method::Put => Some(*one),
        [one] => {
            issues.push(Issue::invalid(
                format!("Bundle.entry[{}].request.method", one.index),
                "a Patient cannot be deleted through a transaction; withdraw their records instead",
            ));
            None
        }
        [] => {
            issues.push(Issue::invalid(
                "Bundle.entry",
                "has no Patient; a transaction carries exactly one (PUT Patient/<id>) with the CCCD",
            ));
            None
        }
        [_, second, ..] => {
            issues.push(Issue::invalid(
                format!("Bundle.entry[{}]", second.index),
                "is a second Patient; a transaction is about one patient",
            ));
            None
        }
    };
    let Some(patient_request) = patient_request else {
        return Err(issues);
    };
    let patient_index = patient_request.index;
    let patient_resource = resources.get(&patient_index).cloned().unwrap_or_default();
    let personal_id = match personal_id_of(&patient_resource, patient_index) {
        Ok(id) => Some(id),
        Err(issue) => {
            issues.push(issue);
            None
        }
    };
    let patient_refs = PatientRefs {
        full_url: entries
            .get(patient_index)
            .and_then(|e| text(e, "fullUrl"))
            .map(str::to_string),
        reference: patient_request.reference(),
    };

    let mut guardians = Vec::new();
    for request in &requests {
        let Some(resource) = resources.get(&request.index) else {
            continue;
        };
        let at = format!("Bundle.entry[{}].resource", request.index);
        if request.resource_type == "RelatedPerson" {
            match read_guardian(resource, &at, &patient_refs.matcher()) {
                Ok((guardian_personal_id, link, birth_date)) => guardians.push(PlannedGuardian {
                    index: request.index,
                    id: request.id.clone(),
                    guardian_personal_id,
                    link,
                    birth_date,
                }),
                Err(mut found) => issues.append(&mut found),
            }
            continue;
        }
        if let Some((_, element)) = SUBJECT_ELEMENT
            .iter()
            .find(|(t, _)| *t == request.resource_type)
        {
            if !is_about_patient(resource, element, &patient_refs) {
                issues.push(Issue::invalid(
                    format!("{at}.{element}"),
                    format!(
                        "{} must refer to the transaction's Patient ({}); it is missing or names someone else",
                        request.reference(),
                        patient_refs.reference
                    ),
                ));
            }
        }
        check_icd10_codes(resource, &at, &mut issues);
    }

    // Everything but the guardians goes through the book's own FHIR import.
    let mut collection = Vec::new();
    for request in &requests {
        if request.resource_type == "RelatedPerson" {
            continue;
        }
        if let Some(resource) = resources.get(&request.index) {
            let mut plain = Map::new();
            if let Some(url) = entries.get(request.index).and_then(|e| e.get("fullUrl")) {
                plain.insert("fullUrl".into(), url.clone());
            }
            plain.insert("resource".into(), resource.clone());
            collection.push(Value::Object(plain));
        }
    }
    let mut collection_bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": collection,
    });
    if let Some(timestamp) = bundle.get("timestamp") {
        collection_bundle["timestamp"] = timestamp.clone();
    }
    let plan = match plan_import_value(&collection_bundle) {
        Ok(plan) => plan,
        Err(error) => {
            issues.push(Issue::invalid(
                format!("Bundle.entry[{patient_index}].resource"),
                error.to_string(),
            ));
            return Err(issues);
        }
    };
    let index_of: HashMap<String, usize> =
        requests.iter().map(|r| (r.reference(), r.index)).collect();
    for skipped in &plan.skipped {
        let reference = format!(
            "{}/{}",
            skipped.resource_type,
            skipped.resource_id.as_deref().unwrap_or_default()
        );
        let at = index_of
            .get(&reference)
            .map(|i| format!("Bundle.entry[{i}].resource"))
            .unwrap_or_else(|| "Bundle.entry".into());
        issues.push(Issue::invalid(
            at,
            format!("{reference} cannot be stored: {}", skipped.reason),
        ));
    }
    let mut records = Vec::new();
    for (record, resource_ref) in plan.records {
        let base = resource_ref.split('#').next().unwrap_or_default();
        let Some(index) = index_of.get(base).copied() else {
            issues.push(Issue::invalid(
                "Bundle.entry",
                format!("the import made a record of {resource_ref}, which no request names"),
            ));
            continue;
        };
        if let Some(facility) = record.facility() {
            if facility.code != facility_code {
                issues.push(
                    Issue::new(
                        "forbidden",
                        format!(
                            "{base} is a record of facility {}, but the API key is facility {facility_code}'s; \
                             a facility sends only its own records",
                            facility.code
                        ),
                    )
                    .at(format!(
                        "Bundle.entry[{index}].resource.{}",
                        facility_element(record.kind())
                    )),
                );
            }
        }
        records.push(PlannedRecord {
            index,
            record,
            resource_ref,
        });
    }
    match (issues.is_empty(), personal_id) {
        (true, Some(personal_id)) => {
            let mut patient = plan.patient;
            patient.personal_id = Some(personal_id);
            Ok(Transaction {
                requests,
                patient,
                patient_index,
                records,
                guardians,
            })
        }
        _ => Err(issues),
    }
}

fn check_bundle(bundle: &Value) -> Result<(), Issue> {
    if text(bundle, "resourceType") != Some("Bundle") {
        return Err(Issue::invalid(
            "Bundle.resourceType",
            "the body must be a FHIR Bundle of type 'transaction'",
        ));
    }
    match text(bundle, "type") {
        Some("transaction") => Ok(()),
        other => Err(Issue::invalid(
            "Bundle.type",
            format!(
                "is {other:?}; a facility posts a 'transaction' Bundle (a citizen's 'batch' needs a citizen token)"
            ),
        )),
    }
}

/// The request of one entry, and for a PUT its resource with `id` filled in from the URL.
fn read_request(index: usize, entry: &Value) -> Result<(Request, Option<Value>), Issue> {
    let at = format!("Bundle.entry[{index}]");
    let request = entry
        .get("request")
        .filter(|r| r.is_object())
        .ok_or_else(|| Issue::invalid(format!("{at}.request"), "is missing"))?;
    let method = match text(request, "method") {
        Some("PUT") => Method::Put,
        Some("DELETE") => Method::Delete,
        other => {
            return Err(Issue::invalid(
                format!("{at}.request.method"),
                format!(
                    "is {other:?}; use PUT <Type>/<your id> to send or correct a resource and DELETE <Type>/<your id> to withdraw it"
                ),
            ))
        }
    };
    let url = text(request, "url").unwrap_or_default();
    let (resource_type, id) = url
        .split_once('/')
        .filter(|(t, id)| is_resource_type(t) && is_fhir_id(id))
        .ok_or_else(|| {
            Issue::invalid(
                format!("{at}.request.url"),
                format!("'{url}' is not <Type>/<id> (an id of 1-64 letters, digits, '-' or '.')"),
            )
        })?;
    let request = Request {
        index,
        resource_type: resource_type.to_string(),
        id: id.to_string(),
        method,
    };
    if method == Method::Delete {
        return Ok((request, None));
    }
    let mut resource = entry
        .get("resource")
        .filter(|r| r.is_object())
        .cloned()
        .ok_or_else(|| Issue::invalid(format!("{at}.resource"), "a PUT needs the resource"))?;
    if text(&resource, "resourceType") != Some(resource_type) {
        return Err(Issue::invalid(
            format!("{at}.resource.resourceType"),
            format!("does not match the request URL {url}"),
        ));
    }
    match text(&resource, "id") {
        None => resource["id"] = json!(id),
        Some(own) if own == id => {}
        Some(_) => {
            return Err(Issue::invalid(
                format!("{at}.resource.id"),
                format!("differs from the id in the request URL {url}"),
            ))
        }
    }
    Ok((request, Some(resource)))
}

/// The Patient's CCCD: required, well-formed, and agreeing with birth date and sex.
fn personal_id_of(patient: &Value, index: usize) -> Result<String, Issue> {
    let at = format!("Bundle.entry[{index}].resource.identifier");
    let value = list(patient, "identifier")
        .iter()
        .filter(|i| text(i, "system") == Some(sys::PERSONAL_ID) && text(i, "use") != Some("old"))
        .find_map(|i| text(i, "value"))
        .ok_or_else(|| {
            Issue::invalid(
                &at,
                format!(
                    "the Patient needs their personal id (CCCD) as an identifier with system {}",
                    sys::PERSONAL_ID
                ),
            )
        })?;
    let birth = text(patient, "birthDate")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let sex = match text(patient, "gender") {
        Some("male") => Some(Sex::Male),
        Some("female") => Some(Sex::Female),
        _ => None,
    };
    validate_personal_id("identifier", value, birth, sex)
        .map_err(|e| Issue::invalid(&at, format!("the CCCD is not valid: {}", e.reason)))?;
    Ok(value.to_string())
}

/// How resources of the transaction may refer to its Patient.
struct PatientRefs {
    full_url: Option<String>,
    /// `Patient/<id>`.
    reference: String,
}

impl PatientRefs {
    fn matcher(&self) -> impl Fn(&str) -> bool + '_ {
        move |target: &str| {
            self.full_url.as_deref() == Some(target)
                || target == self.reference
                || target.ends_with(&format!("/{}", self.reference))
        }
    }
}

fn is_about_patient(resource: &Value, element: &str, patient: &PatientRefs) -> bool {
    let matches = patient.matcher();
    let refers = |reference: &Value| text(reference, "reference").is_some_and(&matches);
    if element == "participant" {
        return list(resource, "participant")
            .iter()
            .filter_map(|p| p.get("actor"))
            .any(refers);
    }
    resource.get(element).is_some_and(refers)
}

/// Every coding with the ICD-10 system must carry a valid code; the import would drop it silently.
fn check_icd10_codes(value: &Value, at: &str, issues: &mut Vec<Issue>) {
    match value {
        Value::Object(map) => {
            if map.get("system").and_then(Value::as_str) == Some(sys::ICD10) {
                let code = map.get("code").and_then(Value::as_str).unwrap_or_default();
                if let Err(error) = validate_icd10("code", code) {
                    issues.push(Issue::invalid(
                        format!("{at}.code"),
                        format!("is not a valid ICD-10 code: {}", error.reason),
                    ));
                }
            }
            for (key, child) in map {
                check_icd10_codes(child, &format!("{at}.{key}"), issues);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_icd10_codes(child, &format!("{at}[{i}]"), issues);
            }
        }
        _ => {}
    }
}

/// The element of a record's main resource that names its facility.
fn facility_element(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Visit => "serviceProvider",
        RecordKind::Prescription | RecordKind::Referral => "requester",
        RecordKind::Appointment => "participant",
        RecordKind::Immunization => "performer",
        _ => "meta",
    }
}

fn is_resource_type(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_uppercase())
        && text.chars().all(|c| c.is_ascii_alphabetic())
}

fn is_fhir_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

pub fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

pub fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}
