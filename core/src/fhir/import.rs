//! Import: reads a FHIR R4 `document` or `collection` Bundle (an International Patient Summary from
//! elsewhere, or the book's own export) into a plan: the Patient as a Person to match against the
//! book, the records that map to the book's kinds, and every clinical resource left out, with why.
//! Never writes anything and never trusts the input: every element is optional until checked, nothing
//! here can panic on any JSON, and every planned record has passed the model's rules for the Patient.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use ring::digest;
use serde_json::Value;

use super::export::REFERRAL_NOTES;
use super::systems as sys;
use crate::api::SkippedResource;
use crate::error::{Error, Result};
use crate::model::identifiers::{validate_icd10, validate_insurance_number, validate_personal_id};
use crate::model::time::{self, start_of_day_vn, vn_date};
use crate::model::{
    Allergy, AllergyCategory, AppointmentStatus, CalendarDate, Condition, ConditionStatus,
    DateTimeOffset, Diagnosis, Dosage, DrugLine, Escort, Facility, GuardianLink, HistoryKind,
    Immunization, ImmunizationProgramme, InsuranceCard, Observation, ObservationKind,
    ObservationValue, Person, PersonRole, Prescription, PrescriptionKind, ReAppointment, Record,
    RecordSource, ReferralReason, ReferralSlip, Sex, Visit,
};

/// What an import would do: the person the bundle is about (to be matched to someone in the book),
/// the records with the bundle reference each came from, and what was left out.
/// Records have empty `id` and `person_id`: the book fills them once it knows the person.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub patient: Person,
    /// Each record with its source: `ResourceType/id`, or the entry's fullUrl when the resource has no id.
    pub records: Vec<(Record, String)>,
    pub skipped: Vec<SkippedResource>,
}

/// The book's id for a record imported from `source_reference` into the person's book: the same
/// bundle imported twice replaces its records instead of adding them again.
pub fn imported_record_id(person_id: &str, source_reference: &str) -> String {
    let hash = digest::digest(
        &digest::SHA256,
        format!("{person_id}\n{source_reference}").as_bytes(),
    );
    let hex: String = hash
        .as_ref()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("fhir-{hex}")
}

/// Reads `bundle_json` and plans its import. Fails only when the bundle as a whole is unusable
/// (not JSON, not a document or collection Bundle, no single Patient with a date of birth);
/// a resource that cannot become a record is reported in `skipped` instead.
pub fn plan_import(bundle_json: &str) -> Result<ImportPlan> {
    let bundle: Value = serde_json::from_str(bundle_json)
        .map_err(|e| Error::validation("bundle_json", format!("is not valid JSON: {e}")))?;
    plan_import_value(&bundle)
}

/// `plan_import` of a bundle already parsed (sync pages, the backend's ingest).
pub fn plan_import_value(bundle: &Value) -> Result<ImportPlan> {
    check_bundle(bundle)?;
    let entries = Entries::new(bundle);
    let (patient, other_patients) = find_patient(&entries)?;
    let fallback_date = text(bundle, "timestamp").and_then(parse_day).or_else(|| {
        entries
            .list
            .iter()
            .find(|e| e.resource_type == "Composition")
            .and_then(|e| text(e.resource, "date"))
            .and_then(parse_day)
    });
    let planner = Planner {
        by_encounter: by_encounter(&entries),
        entries: &entries,
        fallback_date,
        other_patients,
    };
    let outcomes = planner.plan();
    Ok(assemble(&entries, outcomes, patient))
}

fn check_bundle(bundle: &Value) -> Result<()> {
    match bundle.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => {
            return Err(Error::validation(
                "bundle.resourceType",
                format!("is '{other}'; import takes a FHIR Bundle of type document or collection"),
            ))
        }
        None => {
            return Err(Error::validation(
                "bundle.resourceType",
                "is missing; import takes a FHIR Bundle of type document or collection",
            ))
        }
    }
    match bundle.get("type").and_then(Value::as_str) {
        Some("document" | "collection") => Ok(()),
        Some(other) => Err(Error::validation(
            "bundle.type",
            format!(
                "is '{other}'; import accepts only 'document' (e.g. a patient summary) and 'collection' bundles"
            ),
        )),
        None => Err(Error::validation(
            "bundle.type",
            "is missing; import accepts only 'document' (e.g. a patient summary) and 'collection' bundles",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The bundle's entries and how references between them resolve.

static NO_VALUE: Value = Value::Null;

struct Entry<'a> {
    full_url: Option<&'a str>,
    resource: &'a Value,
    /// Empty when the entry has no resource.
    resource_type: &'a str,
    id: Option<&'a str>,
}

impl Entry<'_> {
    fn source_reference(&self, index: usize) -> String {
        match (self.id, self.full_url) {
            (Some(id), _) => format!("{}/{id}", self.resource_type),
            (None, Some(url)) => url.to_string(),
            (None, None) => format!("{}/#{index}", self.resource_type),
        }
    }

    fn skipped(&self, reason: impl Into<String>) -> SkippedResource {
        SkippedResource {
            resource_type: if self.resource_type.is_empty() {
                "Bundle.entry".into()
            } else {
                self.resource_type.into()
            },
            resource_id: self.id.map(str::to_string),
            reason: reason.into(),
        }
    }
}

struct Entries<'a> {
    list: Vec<Entry<'a>>,
    by_reference: HashMap<String, usize>,
}

impl<'a> Entries<'a> {
    fn new(bundle: &'a Value) -> Self {
        let mut list = Vec::new();
        let mut by_reference = HashMap::new();
        for (index, entry) in list_of(bundle, "entry").iter().enumerate() {
            let resource = entry
                .get("resource")
                .filter(|r| r.is_object())
                .unwrap_or(&NO_VALUE);
            let resource_type = resource
                .get("resourceType")
                .and_then(Value::as_str)
                .unwrap_or("");
            let id = text(resource, "id");
            let full_url = text(entry, "fullUrl");
            if let Some(url) = full_url {
                by_reference.entry(url.to_string()).or_insert(index);
            }
            if let Some(id) = id {
                by_reference
                    .entry(format!("{resource_type}/{id}"))
                    .or_insert(index);
            }
            list.push(Entry {
                full_url,
                resource,
                resource_type,
                id,
            });
        }
        Entries { list, by_reference }
    }

    /// The entry a Reference points at: by fullUrl, or by `Type/id` (also at the end of an absolute URL).
    fn resolve(&self, reference: &Value) -> Option<usize> {
        let target = text(reference, "reference")?;
        if let Some(index) = self.by_reference.get(target) {
            return Some(*index);
        }
        let path = target.split("/_history/").next().unwrap_or(target);
        let mut segments = path.rsplit('/');
        let id = segments.next()?;
        let resource_type = segments.next()?;
        self.by_reference
            .get(&format!("{resource_type}/{id}"))
            .copied()
    }

    fn resolve_entry(&self, reference: &Value) -> Option<&Entry<'a>> {
        self.resolve(reference).and_then(|i| self.list.get(i))
    }
}

/// Every entry whose `encounter` (or R4's older `context`) resolves to an Encounter of the bundle,
/// by that Encounter's entry, in bundle order: the references are resolved once, so planning stays
/// linear in the size of the bundle.
fn by_encounter(entries: &Entries) -> HashMap<usize, Vec<usize>> {
    let mut index: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, entry) in entries.list.iter().enumerate() {
        let Some(link) = entry
            .resource
            .get("encounter")
            .or_else(|| entry.resource.get("context"))
        else {
            continue;
        };
        if let Some(target) = entries.resolve(link).filter(|t| {
            entries
                .list
                .get(*t)
                .is_some_and(|e| e.resource_type == "Encounter")
        }) {
            index.entry(target).or_default().push(i);
        }
    }
    index
}

// ---------------------------------------------------------------------------------------------
// The Patient.

/// The person the bundle is about, and the entries of any other Patients in it.
/// A document names its patient in `Composition.subject`; other Patients (a mother in a pregnancy
/// record, say) may appear beside it and their resources are left out. Without that subject, the
/// bundle must hold one person (repeats of the same Patient are fine).
fn find_patient(entries: &Entries) -> Result<(Person, HashSet<usize>)> {
    let patients: Vec<usize> = (0..entries.list.len())
        .filter(|i| {
            entries
                .list
                .get(*i)
                .is_some_and(|e| e.resource_type == "Patient")
        })
        .collect();
    let subject = entries
        .list
        .iter()
        .find(|e| e.resource_type == "Composition")
        .and_then(|c| c.resource.get("subject"))
        .and_then(|s| entries.resolve(s))
        .filter(|i| patients.contains(i));
    if let Some(chosen) = subject {
        let person = person_from(entries.list[chosen].resource)?;
        let others = patients
            .into_iter()
            .filter(|i| *i != chosen)
            .filter(|i| {
                !person_from(entries.list[*i].resource).is_ok_and(|p| same_person(&p, &person))
            })
            .collect();
        return Ok((person, others));
    }
    let mut found: Vec<Person> = Vec::new();
    for index in patients {
        let person = person_from(entries.list[index].resource)?;
        if !found.iter().any(|p| same_person(p, &person)) {
            found.push(person);
        }
    }
    match found.len() {
        0 => Err(Error::validation(
            "bundle.Patient",
            "the bundle has no Patient; import needs to know whose records they are",
        )),
        1 => Ok((found.remove(0), HashSet::new())),
        n => Err(Error::validation(
            "bundle.Patient",
            format!(
                "the bundle has {n} different Patients; import a bundle about one person at a time"
            ),
        )),
    }
}

fn same_person(a: &Person, b: &Person) -> bool {
    a.full_name == b.full_name
        && a.date_of_birth == b.date_of_birth
        && a.personal_id == b.personal_id
}

fn person_from(patient: &Value) -> Result<Person> {
    let birth = text(patient, "birthDate").ok_or_else(|| {
        Error::validation(
            "bundle.Patient.birthDate",
            "is missing; the book needs the patient's date of birth",
        )
    })?;
    let date_of_birth = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").map_err(|_| {
        Error::validation(
            "bundle.Patient.birthDate",
            format!("is '{birth}'; the book needs a full date of birth (YYYY-MM-DD)"),
        )
    })?;
    let sex = match text(patient, "gender") {
        Some("male") => Sex::Male,
        Some("female") => Sex::Female,
        _ => Sex::Undetermined,
    };
    let mut personal_id = None;
    let mut previous_personal_ids = Vec::new();
    let mut insurance = None;
    for identifier in list_of(patient, "identifier") {
        let (Some(system), Some(value)) = (text(identifier, "system"), text(identifier, "value"))
        else {
            continue;
        };
        if system == sys::PERSONAL_ID {
            // An id that contradicts the birth date or sex would match the wrong person: ignore it.
            if text(identifier, "use") == Some("old") {
                if validate_personal_id("bundle.Patient.identifier", value, None, None).is_ok() {
                    previous_personal_ids.push(value.to_string());
                }
            } else if personal_id.is_none()
                && validate_personal_id(
                    "bundle.Patient.identifier",
                    value,
                    Some(date_of_birth),
                    Some(sex),
                )
                .is_ok()
            {
                personal_id = Some(value.to_string());
            }
        } else if system == sys::INSURANCE_NUMBER
            && insurance.is_none()
            && validate_insurance_number("bundle.Patient.identifier", value).is_ok()
        {
            let period = identifier.get("period").unwrap_or(&NO_VALUE);
            insurance = Some(InsuranceCard {
                number: value.to_string(),
                primary_care_facility_code: None,
                valid_from: text(period, "start").and_then(parse_day),
                valid_to: text(period, "end").and_then(parse_day),
            });
        }
    }
    let names = list_of(patient, "name");
    let name = names
        .iter()
        .find(|n| text(n, "use") == Some("official"))
        .or_else(|| names.first())
        .unwrap_or(&NO_VALUE);
    let full_name = match text(name, "text") {
        Some(full) => full.to_string(),
        None => {
            let family = text(name, "family");
            let given: Vec<&str> = list_of(name, "given")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            // A Patient with a Vietnamese personal id is named family first, as Vietnamese names are.
            let parts: Vec<&str> = if personal_id.is_some() {
                family.into_iter().chain(given).collect()
            } else {
                given.into_iter().chain(family).collect()
            };
            parts
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    Ok(Person {
        id: String::new(),
        role: PersonRole::Dependant,
        full_name,
        date_of_birth,
        sex,
        personal_id,
        previous_personal_ids,
        ethnicity: None,
        nationality: None,
        occupation: None,
        address: None,
        insurance,
        blood_group: None,
        risk_factors: Vec::new(),
        guardian: guardian_of(patient),
    })
}

/// A child's guardian, from the first `Patient.contact` whose relationship is a guardian relation.
fn guardian_of(patient: &Value) -> Option<GuardianLink> {
    list_of(patient, "contact").iter().find_map(|contact| {
        let relation = list_of(contact, "relationship")
            .iter()
            .find_map(|concept| {
                list_of(concept, "coding")
                    .iter()
                    .find_map(|c| sys::guardian_relation(text(c, "system"), text(c, "code")?))
            })?;
        let name = contact.get("name").and_then(|n| text(n, "text"))?;
        let phone = list_of(contact, "telecom")
            .iter()
            .find(|t| text(t, "system") == Some("phone"))
            .and_then(|t| text(t, "value"))
            .map(str::to_string);
        let period = contact.get("period").unwrap_or(&NO_VALUE);
        Some(GuardianLink {
            guardian_person_id: None,
            name: name.to_string(),
            relation,
            personal_id: None,
            phone,
            since: text(period, "start").and_then(parse_day),
            until: text(period, "end").and_then(parse_day),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Planning: what becomes of each entry.

/// A CarePlan that only points at other resources (as the book's plan of care does) adds
/// nothing of its own: what it lists is imported from their own entries.
fn is_grouping_care_plan(entry: &Entry) -> bool {
    let activities = list_of(entry.resource, "activity");
    entry.resource_type == "CarePlan"
        && !activities.is_empty()
        && activities
            .iter()
            .all(|a| a.get("reference").is_some() && a.get("detail").is_none())
        && entry.resource.get("description").is_none()
}

/// Resource types that support records (who, where, which document) rather than being records.
const SUPPORTING: [&str; 12] = [
    "Patient",
    "Composition",
    "Device",
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "Medication",
    "RelatedPerson",
    "Provenance",
    "HealthcareService",
    "Substance",
];

enum Outcome {
    Undecided,
    Supporting,
    /// Folded into the record of another entry (a visit's diagnoses, a prescription's other lines).
    Part,
    Records {
        records: Vec<(Record, String)>,
        parts: Vec<usize>,
    },
    Skip(String),
}

struct Planner<'e, 'a> {
    entries: &'e Entries<'a>,
    /// For each Encounter's entry, the entries that point at it (see `by_encounter`).
    by_encounter: HashMap<usize, Vec<usize>>,
    fallback_date: Option<CalendarDate>,
    /// Entries of Patients other than the one the bundle is about.
    other_patients: HashSet<usize>,
}

impl Planner<'_, '_> {
    fn plan(&self) -> Vec<Outcome> {
        let list = &self.entries.list;
        let mut outcomes: Vec<Outcome> = list
            .iter()
            .map(|entry| self.about_someone_else(entry))
            .collect();
        // Visits and prescriptions first: they claim the resources that are parts of them.
        for (index, entry) in list.iter().enumerate() {
            if entry.resource_type == "Encounter" && matches!(outcomes[index], Outcome::Undecided) {
                let outcome = self.visit(index, entry);
                settle(&mut outcomes, index, outcome);
            }
        }
        for group in self.prescription_groups() {
            let group: Vec<usize> = group
                .into_iter()
                .filter(|i| matches!(outcomes[*i], Outcome::Undecided))
                .collect();
            if group.is_empty() {
                continue;
            }
            let outcome = self.prescription(&group);
            let reason = match &outcome {
                Outcome::Skip(reason) => Some(reason.clone()),
                _ => None,
            };
            if let Some(first) = group.first() {
                settle(&mut outcomes, *first, outcome);
            }
            for index in group.iter().skip(1) {
                if let Some(reason) = &reason {
                    outcomes[*index] = Outcome::Skip(reason.clone());
                }
            }
        }
        for (index, entry) in list.iter().enumerate() {
            if matches!(outcomes[index], Outcome::Undecided) {
                outcomes[index] = self.other(index, entry);
            }
        }
        outcomes
    }

    fn about_someone_else(&self, entry: &Entry) -> Outcome {
        let about = ["subject", "patient"]
            .iter()
            .find_map(|key| entry.resource.get(*key))
            .and_then(|r| self.entries.resolve(r));
        match about {
            Some(index) if self.other_patients.contains(&index) => {
                let other = self
                    .entries
                    .list
                    .get(index)
                    .map(|e| e.source_reference(index))
                    .unwrap_or_default();
                Outcome::Skip(format!("is about another patient in the bundle ({other}), not the one the bundle is about"))
            }
            _ => Outcome::Undecided,
        }
    }

    fn other(&self, index: usize, entry: &Entry) -> Outcome {
        let resource = entry.resource;
        if entry.resource_type.is_empty() {
            return Outcome::Skip("the entry has no resource".into());
        }
        if SUPPORTING.contains(&entry.resource_type) || is_grouping_care_plan(entry) {
            return Outcome::Supporting;
        }
        if text(resource, "status") == Some("entered-in-error")
            || has_code(resource.get("verificationStatus"), None, "entered-in-error")
        {
            return Outcome::Skip("is marked entered-in-error".into());
        }
        let source = entry.source_reference(index);
        let single = |result: std::result::Result<Record, String>| match result {
            Ok(record) => Outcome::Records {
                records: vec![(record, source.clone())],
                parts: Vec::new(),
            },
            Err(reason) => Outcome::Skip(reason),
        };
        let sensitive = is_sensitive(resource);
        match entry.resource_type {
            "Condition" => single(self.condition(resource, sensitive)),
            "AllergyIntolerance" => single(self.allergy(resource, sensitive)),
            "Immunization" => single(self.immunization(resource, sensitive)),
            "Observation" => single(self.observation(resource, sensitive)),
            "ServiceRequest" => single(self.referral(resource, sensitive)),
            "Appointment" => single(self.appointment(resource, sensitive)),
            "FamilyMemberHistory" => self.family_history(resource, sensitive, &source),
            "MedicationStatement" => Outcome::Skip(
                "a medication statement says what the patient takes, not a facility's prescription; \
                 the book keeps only prescriptions"
                    .into(),
            ),
            "Procedure" => single(self.surgical_history(resource, sensitive)),
            "ImmunizationRecommendation" => Outcome::Skip(
                "planned doses come from the book's own vaccination schedule, not from imported recommendations"
                    .into(),
            ),
            other => Outcome::Skip(format!("not a record kind the book keeps ({other})")),
        }
    }

    fn day_or_fallback(&self, candidates: &[Option<&str>]) -> Option<CalendarDate> {
        candidates
            .iter()
            .flatten()
            .find_map(|t| parse_day(t))
            .or(self.fallback_date)
    }

    fn condition(&self, resource: &Value, sensitive: bool) -> std::result::Result<Record, String> {
        let code = resource.get("code").unwrap_or(&NO_VALUE);
        if states_nothing_known(code) {
            return Err(
                "states that no problem is known; the book keeps only actual entries".into(),
            );
        }
        if has_code(resource.get("verificationStatus"), None, "refuted") {
            return Err("the diagnosis was refuted".into());
        }
        let name = concept_text(code).ok_or("has no code or text saying what the condition is")?;
        let status = if has_any_code(
            resource.get("clinicalStatus"),
            &["resolved", "inactive", "remission"],
        ) {
            ConditionStatus::Resolved
        } else {
            ConditionStatus::Active
        };
        let history = list_of(resource, "category")
            .iter()
            .find_map(|c| code_in(c, sys::HISTORY_KIND))
            .and_then(|c| sys::from_code(&sys::HISTORY_KINDS, c))
            .unwrap_or(HistoryKind::Medical);
        let onset = text(resource, "onsetDateTime")
            .or_else(|| resource.get("onsetPeriod").and_then(|p| text(p, "start")))
            .and_then(parse_day);
        let recorded_on = self
            .day_or_fallback(&[text(resource, "recordedDate")])
            .or(onset)
            .ok_or("has no date (no recordedDate or onset, and the bundle has no timestamp)")?;
        Ok(Record::Condition {
            condition: Condition {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                history,
                text: name,
                icd10: icd10_codes(code).into_iter().next(),
                onset,
                recorded_on,
                status,
                relative: None,
            },
        })
    }

    /// A procedure outside any imported visit is the patient's surgical history (IPS lists past
    /// procedures that way); the book keeps that history as a resolved surgical condition.
    fn surgical_history(
        &self,
        resource: &Value,
        sensitive: bool,
    ) -> std::result::Result<Record, String> {
        if let Some(status) = text(resource, "status").filter(|s| *s != "completed") {
            return Err(format!("has status '{status}'; the book keeps procedures that were done, as surgical history"));
        }
        let code = resource.get("code").unwrap_or(&NO_VALUE);
        if states_nothing_known(code) {
            return Err(
                "states that no procedure is known; the book keeps only actual entries".into(),
            );
        }
        let name = concept_text(code).ok_or("has no code or text saying what the procedure was")?;
        let performed = text(resource, "performedDateTime")
            .or_else(|| {
                resource
                    .get("performedPeriod")
                    .and_then(|p| text(p, "start"))
            })
            .and_then(parse_day);
        let recorded_on = performed
            .or(self.fallback_date)
            .ok_or("has no date (no performedDateTime, and the bundle has no timestamp)")?;
        Ok(Record::Condition {
            condition: Condition {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                history: HistoryKind::Surgical,
                text: name,
                icd10: icd10_codes(code).into_iter().next(),
                onset: performed,
                recorded_on,
                status: ConditionStatus::Resolved,
                relative: None,
            },
        })
    }

    fn family_history(&self, resource: &Value, sensitive: bool, source: &str) -> Outcome {
        let relationship = resource.get("relationship").unwrap_or(&NO_VALUE);
        // FAMMEMB ("family member") names no one in particular: the relative is then unknown.
        let unspecified = codes_in(relationship, sys::V3_ROLE_CODE) == ["FAMMEMB"];
        let relative = text(relationship, "text")
            .map(str::to_string)
            .or_else(|| (!unspecified).then(|| concept_text(relationship)).flatten());
        let Some(recorded_on) = self.day_or_fallback(&[text(resource, "date")]) else {
            return Outcome::Skip("has no date, and the bundle has no timestamp".into());
        };
        let mut records = Vec::new();
        for (i, item) in list_of(resource, "condition").iter().enumerate() {
            let code = item.get("code").unwrap_or(&NO_VALUE);
            let Some(name) = concept_text(code) else {
                continue;
            };
            let status =
                if has_any_code(item.get("outcome"), &["resolved", "inactive", "remission"]) {
                    ConditionStatus::Resolved
                } else {
                    ConditionStatus::Active
                };
            let onset = item
                .get("onsetPeriod")
                .and_then(|p| text(p, "start"))
                .or_else(|| text(item, "onsetString"))
                .and_then(parse_day);
            let record = Record::Condition {
                condition: Condition {
                    id: String::new(),
                    person_id: String::new(),
                    source: RecordSource::Imported,
                    sensitive,
                    history: HistoryKind::Family,
                    text: name,
                    icd10: icd10_codes(code).into_iter().next(),
                    onset,
                    recorded_on,
                    status,
                    relative: relative.clone(),
                },
            };
            // One record per condition; the first keeps the plain reference so a re-import replaces it.
            let reference = if records.is_empty() {
                source.to_string()
            } else {
                format!("{source}#condition-{}", i + 1)
            };
            records.push((record, reference));
        }
        if records.is_empty() {
            return Outcome::Skip("names no condition of the family member".into());
        }
        Outcome::Records {
            records,
            parts: Vec::new(),
        }
    }

    fn allergy(&self, resource: &Value, sensitive: bool) -> std::result::Result<Record, String> {
        let code = resource.get("code").unwrap_or(&NO_VALUE);
        if states_nothing_known(code) {
            return Err(
                "states that no allergy is known; the book keeps only actual allergies".into(),
            );
        }
        if has_code(resource.get("verificationStatus"), None, "refuted") {
            return Err("the allergy was refuted".into());
        }
        if has_any_code(resource.get("clinicalStatus"), &["inactive", "resolved"]) {
            return Err("is no longer active; the book keeps current allergies".into());
        }
        let substance = concept_text(code).ok_or("has no code or text naming the substance")?;
        // An allergy without a category is kept as a medication allergy: losing a drug warning is worse.
        let category = list_of(resource, "category")
            .iter()
            .filter_map(Value::as_str)
            .find_map(|c| sys::from_fhir_code(&sys::ALLERGY_CATEGORIES, c))
            .unwrap_or(AllergyCategory::Medication);
        let criticality = text(resource, "criticality")
            .and_then(|c| sys::from_fhir_code(&sys::ALLERGY_CRITICALITIES, c));
        let manifestations: Vec<String> = list_of(resource, "reaction")
            .iter()
            .flat_map(|r| list_of(r, "manifestation"))
            .filter_map(concept_text)
            .collect();
        let recorded_on = self
            .day_or_fallback(&[
                text(resource, "recordedDate"),
                text(resource, "onsetDateTime"),
            ])
            .ok_or("has no date (no recordedDate or onset, and the bundle has no timestamp)")?;
        Ok(Record::Allergy {
            allergy: Allergy {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                substance,
                category,
                criticality,
                reaction: joined(manifestations, "; "),
                recorded_on,
                note: notes(resource),
            },
        })
    }

    fn immunization(
        &self,
        resource: &Value,
        sensitive: bool,
    ) -> std::result::Result<Record, String> {
        if let Some(status) = text(resource, "status").filter(|s| *s != "completed") {
            return Err(format!(
                "has status '{status}'; the book keeps doses that were given"
            ));
        }
        let vaccine = resource.get("vaccineCode").unwrap_or(&NO_VALUE);
        if states_nothing_known(vaccine) {
            return Err(
                "states that no immunization is known; the book keeps only doses given".into(),
            );
        }
        let vaccine_name = concept_text(vaccine).ok_or("has no vaccine code or name")?;
        let vaccine_code = code_in(vaccine, sys::VACCINE_CODE)
            .map(str::to_string)
            .unwrap_or_else(|| vaccine_name.clone());
        let cvx = code_in(vaccine, sys::CVX).and_then(|c| c.parse::<u32>().ok());
        let date = text(resource, "occurrenceDateTime")
            .and_then(parse_day)
            .ok_or("has no occurrenceDateTime; the book needs the day the dose was given")?;
        let protocols = list_of(resource, "protocolApplied");
        let mut antigens: Vec<String> = Vec::new();
        for antigen in protocols
            .iter()
            .flat_map(|p| list_of(p, "targetDisease"))
            .filter_map(concept_text)
        {
            if !antigens.contains(&antigen) {
                antigens.push(antigen);
            }
        }
        if antigens.is_empty() {
            antigens.push(vaccine_name.clone());
        }
        let dose_number = protocols.iter().find_map(|p| {
            p.get("doseNumberPositiveInt")
                .and_then(as_u32)
                .or_else(|| text(p, "doseNumberString").and_then(|s| s.parse().ok()))
        });
        let facility = list_of(resource, "performer")
            .iter()
            .filter_map(|p| p.get("actor"))
            .find_map(|actor| self.actor(actor).facility);
        let programme = list_of(resource, "programEligibility")
            .iter()
            .find_map(|c| code_in(c, sys::IMMUNIZATION_PROGRAMME))
            .and_then(|c| sys::from_code(&sys::IMMUNIZATION_PROGRAMMES, c))
            .unwrap_or(ImmunizationProgramme::PaidService);
        let reactions: Vec<String> = list_of(resource, "reaction")
            .iter()
            .filter_map(|r| r.get("detail"))
            .filter_map(|detail| {
                text(detail, "display").map(str::to_string).or_else(|| {
                    self.entries
                        .resolve_entry(detail)
                        .and_then(|e| e.resource.get("code"))
                        .and_then(concept_text)
                })
            })
            .collect();
        Ok(Record::Immunization {
            immunization: Immunization {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                vaccine_code,
                vaccine_name,
                cvx,
                antigens,
                dose_number,
                date,
                lot: text(resource, "lotNumber").map(str::to_string),
                facility,
                programme,
                reactions: joined(reactions, "; "),
            },
        })
    }

    fn observation(
        &self,
        resource: &Value,
        sensitive: bool,
    ) -> std::result::Result<Record, String> {
        if let Some(status) =
            text(resource, "status").filter(|s| matches!(*s, "cancelled" | "registered"))
        {
            return Err(format!("has status '{status}': there is no result to keep"));
        }
        let code = resource.get("code").unwrap_or(&NO_VALUE);
        let label = concept_text(code).unwrap_or_else(|| "observation".into());
        let at = text(resource, "effectiveDateTime")
            .or_else(|| text(resource, "effectiveInstant"))
            .or_else(|| {
                resource
                    .get("effectivePeriod")
                    .and_then(|p| text(p, "start"))
            })
            .or_else(|| text(resource, "issued"))
            .and_then(parse_instant)
            .ok_or("has no effective date")?;
        let kind = codes_in(code, sys::LOINC)
            .into_iter()
            .find_map(sys::observation_kind_of_loinc);
        let value = match kind {
            Some(ObservationKind::BloodPressure) => {
                let component = |loinc: &str| {
                    list_of(resource, "component")
                        .iter()
                        .find(|c| codes_in(c.get("code").unwrap_or(&NO_VALUE), sys::LOINC).contains(&loinc))
                        .and_then(|c| c.get("valueQuantity"))
                        .and_then(|q| q.get("value"))
                        .and_then(Value::as_f64)
                        .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1000.0)
                        .map(|v| v.round() as u32)
                };
                match (component(sys::LOINC_SYSTOLIC), component(sys::LOINC_DIASTOLIC)) {
                    (Some(systolic), Some(diastolic)) => ObservationValue::BloodPressure { systolic, diastolic },
                    _ => return Err("is a blood pressure without both systolic and diastolic components".into()),
                }
            }
            Some(ObservationKind::Note) => match text(resource, "valueString") {
                Some(note) => ObservationValue::Text { text: note.to_string() },
                None => return Err("is a note without valueString".into()),
            },
            Some(_) => {
                let quantity = resource.get("valueQuantity").unwrap_or(&NO_VALUE);
                let value = quantity.get("value").and_then(Value::as_f64);
                let unit = text(quantity, "unit").or_else(|| text(quantity, "code"));
                match (value, unit) {
                    (Some(value), Some(unit)) => ObservationValue::Quantity { value, unit: unit.to_string() },
                    _ => return Err(format!("{label} has no valueQuantity with a value and a unit")),
                }
            }
            None => match text(resource, "valueString") {
                // Free text under another code becomes a note that keeps what it was about.
                Some(value) => ObservationValue::Text { text: format!("{label}: {value}") },
                None => {
                    return Err(format!(
                        "'{label}' is not a measurement the book keeps (weight, height, blood pressure, heart rate, \
                         temperature, blood glucose) nor a text note"
                    ))
                }
            },
        };
        let kind = kind.unwrap_or(ObservationKind::Note);
        Ok(Record::Observation {
            observation: Observation {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                kind,
                at,
                value,
                note: notes(resource),
            },
        })
    }

    fn visit(&self, index: usize, entry: &Entry) -> Outcome {
        let resource = entry.resource;
        if let Some(status @ ("entered-in-error" | "cancelled" | "planned")) =
            text(resource, "status")
        {
            return Outcome::Skip(format!("has status '{status}': no visit took place"));
        }
        let Some(facility) = resource
            .get("serviceProvider")
            .and_then(|r| self.actor(r).facility)
        else {
            return Outcome::Skip(format!(
                "a visit needs the facility code of its serviceProvider (an Organization with identifier system {}); \
                 this Encounter has none",
                sys::FACILITY_CODE
            ));
        };
        let period = resource.get("period").unwrap_or(&NO_VALUE);
        let Some(start) = text(period, "start").and_then(parse_instant) else {
            return Outcome::Skip(
                "has no period.start; the book needs when the visit began".into(),
            );
        };
        let end = text(period, "end").and_then(parse_instant);
        let encounter_index = index;
        let mut parts = Vec::new();

        // Diagnoses in rank order; a bundle without Encounter.diagnosis may still point Conditions here.
        let mut ranked: Vec<(u64, usize)> = list_of(resource, "diagnosis")
            .iter()
            .enumerate()
            .filter_map(|(order, d)| {
                let target = self
                    .entries
                    .resolve(d.get("condition").unwrap_or(&NO_VALUE))?;
                let rank = d.get("rank").and_then(Value::as_u64).unwrap_or(u64::MAX);
                (self.entries.list.get(target)?.resource_type == "Condition")
                    .then_some((rank, order, target))
            })
            .map(|(rank, order, target)| {
                (
                    rank.saturating_mul(1000).saturating_add(order as u64),
                    target,
                )
            })
            .collect();
        if ranked.is_empty() {
            ranked = self
                .belonging_to(encounter_index, "Condition")
                .into_iter()
                .enumerate()
                .map(|(order, target)| (order as u64, target))
                .collect();
        }
        ranked.sort();
        let mut diagnosis_text = None;
        let mut main_icd10 = None;
        let mut secondary_icd10: Vec<String> = Vec::new();
        for (position, (_, target)) in ranked.iter().enumerate() {
            let Some(condition) = self.entries.list.get(*target) else {
                continue;
            };
            let code = condition.resource.get("code").unwrap_or(&NO_VALUE);
            let codes = icd10_codes(code);
            if position == 0 {
                diagnosis_text = concept_text(code);
                main_icd10 = codes.first().cloned();
                secondary_icd10.extend(codes.into_iter().skip(1));
            } else {
                secondary_icd10.extend(codes);
            }
            parts.push(*target);
        }
        let mut unique: Vec<String> = Vec::new();
        for code in secondary_icd10 {
            if Some(&code) != main_icd10.as_ref() && !unique.contains(&code) {
                unique.push(code);
            }
        }

        let mut procedures = Vec::new();
        for target in self.belonging_to(encounter_index, "Procedure") {
            if let Some(name) = self
                .entries
                .list
                .get(target)
                .and_then(|p| p.resource.get("code"))
                .and_then(concept_text)
            {
                procedures.push(name);
                parts.push(target);
            }
        }
        let mut weight_kg = None;
        for target in self.belonging_to(encounter_index, "Observation") {
            let Some(observation) = self.entries.list.get(target) else {
                continue;
            };
            if let Some(weight) = weight_in_kg(observation.resource) {
                weight_kg = Some(weight);
                parts.push(target);
                break;
            }
        }

        let reason = joined(
            list_of(resource, "reasonCode")
                .iter()
                .filter_map(concept_text)
                .collect(),
            "; ",
        );
        let diagnosis_text = diagnosis_text
            .or_else(|| reason.clone())
            .or_else(|| list_of(resource, "type").iter().find_map(concept_text))
            .unwrap_or_default();
        let class = resource.get("class").unwrap_or(&NO_VALUE);
        let inpatient = matches!(
            text(class, "code"),
            Some("IMP" | "ACUTE" | "NONAC" | "inpatient")
        );
        let treatment_result = extensions(resource, sys::EXT_TREATMENT_RESULT)
            .find_map(|e| {
                e.get("valueCodeableConcept")
                    .and_then(|c| code_in(c, sys::TREATMENT_RESULT))
            })
            .and_then(|c| sys::from_code(&sys::TREATMENT_RESULTS, c));
        let discharge_type = resource
            .get("hospitalization")
            .and_then(|h| h.get("dischargeDisposition"))
            .and_then(|c| code_in(c, sys::DISCHARGE_TYPE))
            .and_then(|c| sys::from_code(&sys::DISCHARGE_TYPES, c));
        let practitioner = list_of(resource, "participant")
            .iter()
            .filter_map(|p| p.get("individual"))
            .map(|r| self.actor(r))
            .find(|a| a.name.is_some() || a.licence.is_some())
            .unwrap_or_default();
        let episode_key = identifier_value(resource, sys::EPISODE_KEY).map(|value| {
            let prefix = format!("{}/", facility.code);
            value.strip_prefix(&prefix).unwrap_or(value).to_string()
        });
        let visit = Visit {
            id: String::new(),
            person_id: String::new(),
            source: RecordSource::Imported,
            sensitive: is_sensitive(resource),
            episode_key,
            facility,
            department: list_of(resource, "serviceType")
                .iter()
                .chain(resource.get("serviceType").filter(|v| v.is_object()))
                .find_map(concept_text),
            start,
            end,
            inpatient,
            reason,
            diagnosis_text,
            main_icd10,
            secondary_icd10: unique,
            procedures,
            treatment_result,
            discharge_type,
            weight_kg,
            instructions: extension_string(resource, sys::EXT_INSTRUCTIONS),
            re_exam_dates: extensions(resource, sys::EXT_RE_EXAM_DATE)
                .filter_map(|e| text(e, "valueDate"))
                .filter_map(parse_day)
                .collect(),
            practitioner_name: practitioner.name,
            practitioner_licence: practitioner.licence,
            summary: extension_string(resource, sys::EXT_SUMMARY),
        };
        Outcome::Records {
            records: vec![(Record::Visit { visit }, entry.source_reference(index))],
            parts,
        }
    }

    /// Entries of `resource_type` whose `encounter` (or R4's older `context`) points at the entry
    /// `encounter`, in bundle order. A look-up in the index made once per bundle: scanning every
    /// entry for every Encounter made a large bundle's import quadratic.
    fn belonging_to(&self, encounter: usize, resource_type: &str) -> Vec<usize> {
        self.by_encounter
            .get(&encounter)
            .map(|linked| {
                linked
                    .iter()
                    .copied()
                    .filter(|i| {
                        self.entries
                            .list
                            .get(*i)
                            .is_some_and(|e| e.resource_type == resource_type)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// MedicationRequests grouped into prescriptions by `groupIdentifier`, in bundle order.
    fn prescription_groups(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (index, entry) in self.entries.list.iter().enumerate() {
            if entry.resource_type != "MedicationRequest" {
                continue;
            }
            let group = entry.resource.get("groupIdentifier").unwrap_or(&NO_VALUE);
            match text(group, "value") {
                Some(value) => {
                    let key = format!("{}|{value}", text(group, "system").unwrap_or(""));
                    match by_key.get(&key) {
                        Some(position) => groups[*position].push(index),
                        None => {
                            by_key.insert(key, groups.len());
                            groups.push(vec![index]);
                        }
                    }
                }
                None => groups.push(vec![index]),
            }
        }
        groups
    }

    fn prescription(&self, group: &[usize]) -> Outcome {
        let lines: Vec<(usize, &Entry)> = group
            .iter()
            .filter_map(|i| self.entries.list.get(*i).map(|e| (*i, e)))
            .collect();
        let Some((first_index, first)) = lines.first().copied() else {
            return Outcome::Skip("empty prescription".into());
        };
        let resource = first.resource;
        if let Some(status @ ("entered-in-error" | "cancelled" | "draft")) =
            text(resource, "status")
        {
            return Outcome::Skip(format!(
                "has status '{status}': not a prescription that was issued"
            ));
        }
        let requester = resource
            .get("requester")
            .map(|r| self.actor(r))
            .unwrap_or_default();
        let Some(facility) = requester.facility else {
            return Outcome::Skip(format!(
                "a prescription needs the issuing facility code; this MedicationRequest has none (its requester is \
                 not an Organization or PractitionerRole with identifier system {})",
                sys::FACILITY_CODE
            ));
        };
        let Some(issued_at) = text(resource, "authoredOn").and_then(parse_instant) else {
            return Outcome::Skip(
                "has no authoredOn; the book needs when the prescription was issued".into(),
            );
        };
        let group_identifier = resource.get("groupIdentifier").unwrap_or(&NO_VALUE);
        let national_code = (text(group_identifier, "system")
            == Some(sys::NATIONAL_PRESCRIPTION_CODE))
        .then(|| text(group_identifier, "value").map(str::to_string))
        .flatten();
        let kind = list_of(resource, "category")
            .iter()
            .find_map(|c| code_in(c, sys::PRESCRIPTION_KIND))
            .and_then(|c| c.chars().next())
            .or_else(|| national_code.as_deref().and_then(|c| c.chars().last()))
            .and_then(PrescriptionKind::from_api_letter)
            .unwrap_or(PrescriptionKind::General);
        let diagnoses: Vec<Diagnosis> = list_of(resource, "reasonCode")
            .iter()
            .flat_map(|reason| {
                let words = text(reason, "text").unwrap_or("").to_string();
                icd10_codes(reason).into_iter().map(move |icd10| Diagnosis {
                    icd10,
                    text: words.clone(),
                })
            })
            .collect();
        let mut parts: Vec<usize> = lines.iter().skip(1).map(|(i, _)| *i).collect();
        let weight = list_of(resource, "supportingInformation")
            .iter()
            .filter_map(|r| self.entries.resolve(r))
            .find_map(|i| {
                let entry = self.entries.list.get(i)?;
                (entry.resource_type == "Observation").then_some(())?;
                weight_in_kg(entry.resource).map(|w| (i, w))
            });
        if let Some((i, _)) = weight {
            parts.push(i);
        }
        // "< 1 mo" is how an infant under a month is written (an Age must be positive).
        let age = extensions(resource, sys::EXT_PATIENT_AGE).find_map(|e| {
            let age = e.get("valueAge")?;
            let months = age.get("value").and_then(as_u32)?;
            Some(match text(age, "comparator") {
                Some("<") => months.saturating_sub(1),
                _ => months,
            })
        });
        let prescription = Prescription {
            id: String::new(),
            person_id: String::new(),
            source: RecordSource::Imported,
            sensitive: lines.iter().any(|(_, e)| is_sensitive(e.resource)),
            national_code,
            kind,
            issued_at,
            facility,
            prescriber_name: requester.name,
            prescriber_licence: requester.licence,
            diagnoses,
            lines: lines
                .iter()
                .map(|(_, e)| self.drug_line(e.resource))
                .collect(),
            advice: notes(resource),
            re_exam_date: extensions(resource, sys::EXT_RE_EXAM_DATE)
                .find_map(|e| text(e, "valueDate"))
                .and_then(parse_day),
            patient_age_months: age,
            patient_weight_kg: weight.map(|(_, w)| w),
            replaces: resource
                .get("priorPrescription")
                .and_then(|p| p.get("identifier"))
                .and_then(|i| text(i, "value"))
                .map(str::to_string),
        };
        Outcome::Records {
            records: vec![(
                Record::Prescription { prescription },
                first.source_reference(first_index),
            )],
            parts,
        }
    }

    /// One drug line. What is missing is left at zero or empty, so that validation names the field.
    fn drug_line(&self, resource: &Value) -> DrugLine {
        let medication = resource
            .get("medicationCodeableConcept")
            .or_else(|| {
                let target = self
                    .entries
                    .resolve_entry(resource.get("medicationReference")?)?;
                target.resource.get("code")
            })
            .unwrap_or(&NO_VALUE);
        let ingredient = resource
            .get("medicationReference")
            .and_then(|r| self.entries.resolve_entry(r))
            .and_then(|m| list_of(m.resource, "ingredient").first())
            .and_then(|i| i.get("itemCodeableConcept"))
            .and_then(concept_text);
        let brand_name = extension_string(medication, sys::EXT_BRAND_NAME)
            .or_else(|| concept_text(medication))
            .unwrap_or_default();
        let active_ingredient = extension_string(medication, sys::EXT_ACTIVE_INGREDIENT)
            .or(ingredient)
            .unwrap_or_else(|| brand_name.clone());
        let instruction = list_of(resource, "dosageInstruction")
            .first()
            .unwrap_or(&NO_VALUE);
        let dose = list_of(instruction, "doseAndRate")
            .first()
            .and_then(|d| d.get("doseQuantity"))
            .unwrap_or(&NO_VALUE);
        let dispense = resource.get("dispenseRequest").unwrap_or(&NO_VALUE);
        let dispensed = dispense.get("quantity").unwrap_or(&NO_VALUE);
        let repeat = instruction
            .get("timing")
            .and_then(|t| t.get("repeat"))
            .unwrap_or(&NO_VALUE);
        let per_day = text(repeat, "periodUnit") == Some("d")
            && repeat.get("period").and_then(Value::as_f64) == Some(1.0);
        let times_per_day = if per_day {
            repeat.get("frequency").and_then(as_u32).unwrap_or(0)
        } else {
            0
        };
        let days = [
            repeat.get("boundsDuration"),
            dispense.get("expectedSupplyDuration"),
        ]
        .into_iter()
        .flatten()
        .filter(|d| text(d, "code").or_else(|| text(d, "unit")) == Some("d"))
        .find_map(|d| d.get("value").and_then(as_u32))
        .unwrap_or(0);
        DrugLine {
            drug_code: code_in(medication, sys::DRUG_CODE).map(str::to_string),
            brand_name,
            active_ingredient,
            strength: extension_string(medication, sys::EXT_STRENGTH),
            unit: text(dose, "unit")
                .or_else(|| text(dispensed, "unit"))
                .unwrap_or("")
                .to_string(),
            quantity: dispensed
                .get("value")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            dosage: Dosage {
                dose_per_time: dose.get("value").and_then(Value::as_f64).unwrap_or(0.0),
                times_per_day,
                route: instruction.get("route").and_then(concept_text),
                timing: joined(
                    list_of(instruction, "additionalInstruction")
                        .iter()
                        .filter_map(concept_text)
                        .collect(),
                    "; ",
                ),
                days,
            },
        }
    }

    fn referral(&self, resource: &Value, sensitive: bool) -> std::result::Result<Record, String> {
        let is_referral = list_of(resource, "category")
            .iter()
            .any(|c| has_code(Some(c), Some(sys::SNOMED), sys::SNOMED_PATIENT_REFERRAL))
            || identifier_value(resource, sys::REFERRAL_SLIP).is_some();
        if !is_referral {
            return Err(
                "only referral slips (category SNOMED 3457005 Patient referral) are kept; this ServiceRequest is \
                 another kind of order"
                    .into(),
            );
        }
        let slip_number = identifier_value(resource, sys::REFERRAL_SLIP).ok_or_else(|| {
            format!(
                "a referral slip needs its slip number (identifier system {})",
                sys::REFERRAL_SLIP
            )
        })?;
        let requester = resource
            .get("requester")
            .map(|r| self.actor(r))
            .unwrap_or_default();
        let from_facility = requester.facility.clone().ok_or_else(|| {
            format!(
                "a referral slip needs the referring facility's code (identifier system {})",
                sys::FACILITY_CODE
            )
        })?;
        let to_facility = list_of(resource, "performer")
            .iter()
            .find_map(|r| self.actor(r).facility)
            .ok_or_else(|| {
                format!(
                    "a referral slip needs the receiving facility's code (identifier system {})",
                    sys::FACILITY_CODE
                )
            })?;
        let signed_at = text(resource, "authoredOn")
            .and_then(parse_instant)
            .ok_or("has no authoredOn; the book needs when the slip was signed")?;

        let mut noted: HashMap<&str, String> = HashMap::new();
        let mut untagged = Vec::new();
        for note in list_of(resource, "note") {
            let Some(body) = text(note, "text") else {
                continue;
            };
            let kind = extensions(note, sys::EXT_REFERRAL_NOTE).find_map(|e| text(e, "valueCode"));
            match kind.and_then(|k| REFERRAL_NOTES.iter().find(|(code, _)| *code == k)) {
                Some((code, label)) => {
                    let body = body.strip_prefix(&format!("{label}: ")).unwrap_or(body);
                    noted.insert(*code, body.to_string());
                }
                None => untagged.push(body.to_string()),
            }
        }
        let mut take = |kind: &str| noted.remove(kind);
        let mut clinical_signs = take("clinical-signs");
        let mut disease_course = take("disease-course");
        // Notes from elsewhere carry no kind: they describe the patient's course.
        if let Some(rest) = joined(untagged, "\n") {
            if clinical_signs.is_none() {
                clinical_signs = Some(rest);
            } else {
                disease_course = Some(match disease_course {
                    Some(course) => format!("{course}\n{rest}"),
                    None => rest,
                });
            }
        }
        let reasons = list_of(resource, "reasonCode");
        let reason = reasons
            .iter()
            .find_map(|c| code_in(c, sys::REFERRAL_REASON))
            .and_then(|c| sys::from_code(&sys::REFERRAL_REASONS, c))
            .unwrap_or(ReferralReason::MeetsCriteria);
        let diagnosis_text = reasons
            .iter()
            .filter(|c| code_in(c, sys::REFERRAL_REASON).is_none())
            .find_map(|c| text(c, "text").map(str::to_string))
            .or_else(|| {
                reasons
                    .iter()
                    .filter(|c| code_in(c, sys::REFERRAL_REASON).is_none())
                    .find_map(concept_text)
            })
            .unwrap_or_default();
        let escort = extensions(resource, sys::EXT_ESCORT).next().and_then(|e| {
            let part = |name: &str| extension_string(e, name);
            part("name").map(|name| Escort {
                name,
                role: part("role").unwrap_or_default(),
            })
        });
        Ok(Record::Referral {
            referral: ReferralSlip {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                slip_number: slip_number.to_string(),
                from_facility,
                to_facility,
                clinical_signs: clinical_signs.unwrap_or_default(),
                diagnosis_text,
                icd10: reasons.iter().flat_map(icd10_codes).collect(),
                disease_course,
                key_results: take("key-results"),
                treatment_given: take("treatment-given"),
                condition_at_transfer: take("condition-at-transfer"),
                reason,
                planned_treatment: take("planned-treatment").unwrap_or_default(),
                transport: take("transport").unwrap_or_default(),
                escort,
                doctor_name: requester.name,
                doctor_licence: requester.licence,
                signed_at,
                chronic_disease: extensions(resource, sys::EXT_CHRONIC_DISEASE)
                    .find_map(|e| e.get("valueBoolean").and_then(Value::as_bool))
                    .unwrap_or(false),
                valid_until: resource
                    .get("occurrencePeriod")
                    .and_then(|p| text(p, "end"))
                    .and_then(parse_day),
            },
        })
    }

    fn appointment(
        &self,
        resource: &Value,
        sensitive: bool,
    ) -> std::result::Result<Record, String> {
        let status = match text(resource, "status") {
            Some("fulfilled" | "arrived" | "checked-in") => AppointmentStatus::Attended,
            Some("noshow") => AppointmentStatus::Missed,
            Some("cancelled") => AppointmentStatus::Cancelled,
            _ => AppointmentStatus::Booked,
        };
        let participants: Vec<Actor> = list_of(resource, "participant")
            .iter()
            .filter_map(|p| p.get("actor"))
            .map(|r| self.actor(r))
            .collect();
        let facility = list_of(resource, "supportingInformation")
            .iter()
            .find_map(|r| self.actor(r).facility)
            .or_else(|| participants.iter().find_map(|a| a.facility.clone()))
            .ok_or_else(|| {
                format!(
                    "a re-exam appointment needs the facility's code (an Organization with identifier system {})",
                    sys::FACILITY_CODE
                )
            })?;
        let appointment_date = text(resource, "start")
            .and_then(parse_instant)
            .map(|start| vn_date(&start))
            .ok_or("has no start; the book needs the day of the appointment")?;
        let issued_at = text(resource, "created")
            .and_then(parse_instant)
            .unwrap_or_else(|| start_of_day_vn(appointment_date));
        let reasons = list_of(resource, "reasonCode");
        Ok(Record::Appointment {
            appointment: ReAppointment {
                id: String::new(),
                person_id: String::new(),
                source: RecordSource::Imported,
                sensitive,
                slip_number: identifier_value(resource, sys::APPOINTMENT_SLIP).map(str::to_string),
                facility,
                department: list_of(resource, "serviceType")
                    .iter()
                    .find_map(concept_text),
                appointment_date,
                diagnosis_text: reasons
                    .iter()
                    .find_map(|c| text(c, "text").map(str::to_string)),
                icd10: reasons.iter().flat_map(icd10_codes).collect(),
                doctor_name: participants.into_iter().find_map(|a| a.name),
                issued_at,
                status,
            },
        })
    }

    /// Who and where a reference names: an Organization (facility), a Practitioner (doctor), or a
    /// PractitionerRole (both).
    fn actor(&self, reference: &Value) -> Actor {
        let Some(entry) = self.entries.resolve_entry(reference) else {
            return Actor::default();
        };
        match entry.resource_type {
            "Organization" => Actor {
                facility: facility_of(entry.resource),
                ..Actor::default()
            },
            "Practitioner" => practitioner_of(entry.resource),
            "PractitionerRole" => {
                let mut actor = entry
                    .resource
                    .get("practitioner")
                    .and_then(|r| self.entries.resolve_entry(r))
                    .filter(|e| e.resource_type == "Practitioner")
                    .map(|e| practitioner_of(e.resource))
                    .unwrap_or_default();
                actor.facility = entry
                    .resource
                    .get("organization")
                    .and_then(|r| self.entries.resolve_entry(r))
                    .filter(|e| e.resource_type == "Organization")
                    .and_then(|e| facility_of(e.resource));
                actor
            }
            "Location" => Actor {
                facility: entry
                    .resource
                    .get("managingOrganization")
                    .and_then(|r| self.entries.resolve_entry(r))
                    .filter(|e| e.resource_type == "Organization")
                    .and_then(|e| facility_of(e.resource)),
                ..Actor::default()
            },
            _ => Actor::default(),
        }
    }
}

#[derive(Default, Clone)]
struct Actor {
    facility: Option<Facility>,
    name: Option<String>,
    licence: Option<String>,
}

fn facility_of(organization: &Value) -> Option<Facility> {
    let code = identifier_value(organization, sys::FACILITY_CODE)?;
    Some(Facility {
        code: code.to_string(),
        name: text(organization, "name").unwrap_or(code).to_string(),
    })
}

fn practitioner_of(practitioner: &Value) -> Actor {
    let name = list_of(practitioner, "name").first().and_then(|n| {
        text(n, "text").map(str::to_string).or_else(|| {
            let given = list_of(n, "given").iter().filter_map(Value::as_str);
            let parts: Vec<&str> = given.chain(text(n, "family")).collect();
            joined(parts.into_iter().map(str::to_string).collect(), " ")
        })
    });
    Actor {
        facility: None,
        name,
        licence: identifier_value(practitioner, sys::PRACTITIONER_LICENCE).map(str::to_string),
    }
}

/// Records an entry's outcome and claims its parts, unless another record already claimed them.
fn settle(outcomes: &mut [Outcome], index: usize, outcome: Outcome) {
    if let Outcome::Records { parts, .. } = &outcome {
        for part in parts {
            if let Some(slot) = outcomes.get_mut(*part) {
                if matches!(slot, Outcome::Undecided) {
                    *slot = Outcome::Part;
                }
            }
        }
    }
    if let Some(slot) = outcomes.get_mut(index) {
        *slot = outcome;
    }
}

/// Checks every planned record against the model's rules for the patient, and lists the result in
/// bundle order. A record that fails is skipped with the rule it broke; the parts it claimed go with it.
fn assemble(entries: &Entries, outcomes: Vec<Outcome>, patient: Person) -> ImportPlan {
    let mut outcomes = outcomes;
    let mut failures: Vec<Vec<String>> = outcomes.iter().map(|_| Vec::new()).collect();
    let mut orphans: Vec<(usize, Vec<usize>)> = Vec::new();
    for (index, outcome) in outcomes.iter_mut().enumerate() {
        let Outcome::Records { records, parts } = outcome else {
            continue;
        };
        let mut failed = Vec::new();
        records.retain(|(record, _)| match record.validate(&patient) {
            Ok(()) => true,
            Err(error) => {
                failed.push(error.to_string());
                false
            }
        });
        if records.is_empty() {
            orphans.push((index, std::mem::take(parts)));
            *outcome = Outcome::Skip(failed.join("; "));
        } else if let Some(slot) = failures.get_mut(index) {
            *slot = failed;
        }
    }
    for (owner, parts) in orphans {
        let owner = entries
            .list
            .get(owner)
            .map(|e| e.source_reference(owner))
            .unwrap_or_default();
        for part in parts {
            if let Some(slot @ Outcome::Part) = outcomes.get_mut(part) {
                *slot = Outcome::Skip(format!("part of {owner}, which was not imported"));
            }
        }
    }
    let mut plan = ImportPlan {
        patient,
        records: Vec::new(),
        skipped: Vec::new(),
    };
    for ((entry, outcome), failed) in entries.list.iter().zip(outcomes).zip(failures) {
        match outcome {
            Outcome::Records { records, .. } => {
                plan.records.extend(records);
                // One resource can hold several records (a family history); some may have failed.
                plan.skipped
                    .extend(failed.into_iter().map(|reason| entry.skipped(reason)));
            }
            Outcome::Skip(reason) => plan.skipped.push(entry.skipped(reason)),
            Outcome::Undecided | Outcome::Supporting | Outcome::Part => {}
        }
    }
    plan
}

// ---------------------------------------------------------------------------------------------
// Reading elements. Everything returns None (or nothing) for what is missing or of the wrong type.

/// A non-blank string element, trimmed.
fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn list_of<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn as_u32(value: &Value) -> Option<u32> {
    value
        .as_u64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX))
                .map(|v| v as u64)
        })
        .and_then(|v| u32::try_from(v).ok())
}

fn joined(parts: Vec<String>, separator: &str) -> Option<String> {
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(separator))
}

fn notes(resource: &Value) -> Option<String> {
    joined(
        list_of(resource, "note")
            .iter()
            .filter_map(|n| text(n, "text").map(str::to_string))
            .collect(),
        "\n",
    )
}

/// Codes of a CodeableConcept in `system`.
fn codes_in<'a>(concept: &'a Value, system: &str) -> Vec<&'a str> {
    list_of(concept, "coding")
        .iter()
        .filter(|c| text(c, "system") == Some(system))
        .filter_map(|c| text(c, "code"))
        .collect()
}

fn code_in<'a>(concept: &'a Value, system: &str) -> Option<&'a str> {
    codes_in(concept, system).into_iter().next()
}

/// Whether a CodeableConcept has `code` (in `system`, when given).
fn has_code(concept: Option<&Value>, system: Option<&str>, code: &str) -> bool {
    let Some(concept) = concept else { return false };
    list_of(concept, "coding").iter().any(|c| {
        text(c, "code") == Some(code) && system.is_none_or(|s| text(c, "system") == Some(s))
    })
}

fn has_any_code(concept: Option<&Value>, codes: &[&str]) -> bool {
    codes.iter().any(|code| has_code(concept, None, code))
}

/// What a CodeableConcept says in words: its text, else a coding's display, else a code.
fn concept_text(concept: &Value) -> Option<String> {
    text(concept, "text")
        .or_else(|| {
            list_of(concept, "coding")
                .iter()
                .find_map(|c| text(c, "display"))
        })
        .or_else(|| {
            list_of(concept, "coding")
                .iter()
                .find_map(|c| text(c, "code"))
        })
        .map(str::to_string)
}

/// The ICD-10 codes of a concept that are valid as the book writes them.
fn icd10_codes(concept: &Value) -> Vec<String> {
    codes_in(concept, sys::ICD10)
        .into_iter()
        .filter(|c| validate_icd10("icd10", c).is_ok())
        .map(str::to_string)
        .collect()
}

/// IPS documents say "no known allergies" and the like with a code rather than an empty section.
fn states_nothing_known(concept: &Value) -> bool {
    !codes_in(concept, sys::IPS_ABSENT_UNKNOWN).is_empty()
        || codes_in(concept, sys::SNOMED)
            .iter()
            .any(|c| sys::SNOMED_NOTHING_KNOWN.contains(c))
}

fn identifier_value<'a>(resource: &'a Value, system: &str) -> Option<&'a str> {
    list_of(resource, "identifier")
        .iter()
        .filter(|i| text(i, "system") == Some(system))
        .find_map(|i| text(i, "value"))
}

fn extensions<'a>(element: &'a Value, url: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    list_of(element, "extension")
        .iter()
        .filter(move |e| text(e, "url") == Some(url))
}

fn extension_string(element: &Value, url: &str) -> Option<String> {
    extensions(element, url)
        .find_map(|e| text(e, "valueString"))
        .map(str::to_string)
}

/// Whether the resource carries a restricted (R) or very restricted (V) confidentiality label.
fn is_sensitive(resource: &Value) -> bool {
    resource
        .get("meta")
        .map(|meta| {
            list_of(meta, "security")
                .iter()
                .any(|s| matches!(text(s, "code"), Some("R" | "V")))
        })
        .unwrap_or(false)
}

/// A body weight observation's value in kilograms.
fn weight_in_kg(observation: &Value) -> Option<f64> {
    let code = observation.get("code")?;
    if !codes_in(code, sys::LOINC).contains(&sys::LOINC_BODY_WEIGHT) {
        return None;
    }
    let quantity = observation.get("valueQuantity")?;
    let unit = text(quantity, "code").or_else(|| text(quantity, "unit"))?;
    let value = quantity.get("value").and_then(Value::as_f64)?;
    match sys::ucum_code(unit)? {
        "kg" => Some(value),
        "g" => Some(value / 1000.0),
        _ => None,
    }
}

/// A FHIR dateTime or instant; a date alone is the start of that day in Vietnam.
fn parse_instant(value: &str) -> Option<DateTimeOffset> {
    // Also takes a time without seconds, which some senders write though FHIR requires them.
    if let Ok(instant) = time::parse_instant(value) {
        return Some(instant);
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .map(start_of_day_vn)
}

/// The calendar day (in Vietnam) of a FHIR date or dateTime; partial dates (a year, a month) are not days.
fn parse_day(value: &str) -> Option<CalendarDate> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(day);
    }
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|instant| vn_date(&instant))
}
