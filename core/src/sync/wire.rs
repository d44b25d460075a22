//! The sync wire: FHIR R4 Bundles between the book and the backend, both ways, for both sides.
//! The backend builds change-feed pages and reads pushes with these functions; the core reads pages
//! and builds pushes with them, so the two can't drift apart. Records become resources through the
//! book's own FHIR mapping (`fhir::export_bundle` / `fhir::plan_import_value`), the same as export
//! and import. See docs/sync-protocol.md.
//!
//! - A change-feed page is a `history` Bundle about one person: the Patient first (tagged with the
//!   person's role in the book, and carrying the backend's patient id), then the resources of each
//!   changed record (each tagged with the record's source, `meta.versionId` = the record's version,
//!   the main one identified by the record id), and a conditional DELETE per deleted record.
//!   `link` `next` carries the cursor to resume from; `meta.tag` `caught-up` says nothing remains.
//! - A push is a `batch` Bundle with one entry per record: `PUT Bundle/<record id>` whose resource is
//!   the record as a one-record document, or `DELETE Bundle/<record id>`; `ifMatch` carries the
//!   version the edit was based on. The answer is a `batch-response`, one entry per push entry.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::fhir::{self, systems as sys};
use crate::model::{DateTimeOffset, Person, PersonRole, Record, RecordKind, RecordSource};

/// The most record changes one page may carry; the backend caps `_count` here.
pub const PAGE_SIZE_MAX: u32 = 1000;

// Values on their way to or from the wire, one per record: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeBody {
    /// The record as it now is: id = record id, person_id = the backend's patient id, its source.
    Put(Record),
    Delete(RecordKind),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub record_id: String,
    pub version: i64,
    pub change: ChangeBody,
}

/// One page of the change feed: changes of one person, in the backend's order.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The backend's id of the person.
    pub patient_id: String,
    /// `Owner` for the citizen whose token asked, `Dependant` for a child in their care.
    pub role: PersonRole,
    /// id = `patient_id`; a child's `guardian` names the guardian.
    pub person: Person,
    pub changes: Vec<RecordChange>,
    /// Where the next page starts; opaque to the core, which stores it with the page.
    pub next_cursor: String,
    /// Nothing the token can see has changed after `next_cursor`.
    pub caught_up: bool,
}

/// One record in a push. `record_id` is the book's id, made on the phone: the idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct PushItem {
    pub record_id: String,
    /// The backend version the edit was based on; `None` for a record the backend has not seen.
    pub base_version: Option<i64>,
    pub change: PushChange,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum PushChange {
    /// `person` is who the record is about, as the book knows them; when the book knows the
    /// backend's patient id it is in `person.id` (read back from the pushed Patient), else empty.
    Put {
        person: Person,
        record: Record,
    },
    Delete,
}

/// What the backend did with one push entry.
#[derive(Debug, Clone, PartialEq)]
pub enum PushOutcome {
    /// Stored (or already stored: a retried push) at this version.
    Stored { version: i64 },
    /// The backend has another version: the edit was based on an older one.
    Conflict { current_version: i64 },
    /// Refused for good: not the citizen's to write, or invalid.
    Rejected { status: u16, reason: String },
}

// ---------------------------------------------------------------------------------------------
// The change feed.

/// The backend's FHIR `history` Bundle for `page`. `self_url` is the request; `next_url` the
/// absolute URL of the next page (it carries `next_cursor` as its `cursor` parameter).
pub fn feed_page_bundle(
    page: &FeedPage,
    self_url: &str,
    next_url: &str,
    generated_at: DateTimeOffset,
) -> Value {
    let mut versions: HashMap<&str, (i64, RecordSource)> = HashMap::new();
    let mut records = Vec::new();
    for change in &page.changes {
        if let ChangeBody::Put(record) = &change.change {
            versions.insert(&change.record_id, (change.version, record.source()));
            let mut record = record.clone();
            record.set_id(change.record_id.clone());
            records.push(record);
        }
    }
    let mut person = page.person.clone();
    person.id = page.patient_id.clone();
    let exported = fhir::export_entries(&person, &records, generated_at);

    let mut entries = Vec::with_capacity(exported.len() + page.changes.len());
    for entry in exported {
        let Value::Object(mut entry) = entry else {
            continue;
        };
        let Some(resource) = entry.get_mut("resource") else {
            continue;
        };
        let resource_type = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut etag = None;
        match resource_type.as_str() {
            "Patient" => {
                push_identifier(resource, sys::SERVER_PATIENT_ID, &page.patient_id);
                set_tag(resource, sys::TAG_BOOK_ROLE, role_code(page.role));
            }
            _ => {
                if let Some((version, source)) =
                    record_id_of(resource).and_then(|id| versions.get(id))
                {
                    set_version(resource, *version);
                    set_tag(resource, sys::TAG_RECORD_SOURCE, source_code(*source));
                    etag = Some(weak_etag(*version));
                }
            }
        }
        let id = resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let request = json!({ "method": "PUT", "url": format!("{resource_type}/{id}") });
        let mut response = json!({ "status": "200 OK" });
        if let Some(etag) = etag {
            response["etag"] = json!(etag);
        }
        entry.insert("request".into(), request);
        entry.insert("response".into(), response);
        entries.push(Value::Object(entry));
    }
    for change in &page.changes {
        if let ChangeBody::Delete(kind) = change.change {
            entries.push(json!({
                "request": {
                    "method": "DELETE",
                    "url": format!(
                        "{}?identifier={}|{}",
                        main_resource_type(kind),
                        sys::RECORD_ID,
                        change.record_id
                    ),
                },
                "response": { "status": "204 No Content", "etag": weak_etag(change.version) },
            }));
        }
    }

    let mut meta = json!({ "lastUpdated": instant(&generated_at) });
    if page.caught_up {
        meta["tag"] = json!([{ "system": sys::TAG_SYNC_STATE, "code": "caught-up" }]);
    }
    let mut bundle = json!({
        "resourceType": "Bundle",
        "meta": meta,
        "type": "history",
        "timestamp": instant(&generated_at),
        "link": [
            { "relation": "self", "url": self_url },
            { "relation": "next", "url": next_url },
        ],
    });
    bundle["entry"] = Value::Array(entries);
    bundle
}

/// Reads a change-feed page. Strict: a page with anything the book cannot read is refused whole
/// (a `Validation` error naming the element), so a page is applied completely or not at all.
pub fn read_feed_page(bundle: &Value) -> Result<FeedPage> {
    take_feed_page(bundle.clone())
}

/// `read_feed_page` of a page the caller no longer needs: its resources are moved, not copied.
pub fn take_feed_page(mut bundle: Value) -> Result<FeedPage> {
    expect_bundle(&bundle, "history", "page")?;
    let next_url = list(&bundle, "link")
        .iter()
        .find(|l| text(l, "relation") == Some("next"))
        .and_then(|l| text(l, "url"))
        .ok_or_else(|| Error::validation("page.link", "has no 'next' link with the cursor"))?;
    let next_cursor = query_param(next_url, "cursor")
        .ok_or_else(|| Error::validation("page.link", "'next' has no cursor parameter"))?;
    let caught_up = bundle
        .get("meta")
        .is_some_and(|meta| has_tag(meta, sys::TAG_SYNC_STATE, "caught-up"));
    let entries = match bundle.get_mut("entry").map(Value::take) {
        Some(Value::Array(entries)) => entries,
        _ => Vec::new(),
    };

    // Resources of PUT entries go through the book's FHIR import; what sync adds to them (record
    // id, version, source) is noted first, by the references the import reports.
    let mut collection = Vec::with_capacity(entries.len());
    let mut deletions = Vec::new();
    let mut marks: HashMap<String, Mark> = HashMap::new();
    let mut patient: Option<(Option<String>, Option<String>)> = None;
    for (index, mut entry) in entries.into_iter().enumerate() {
        let field = format!("page.entry[{index}]");
        let request = entry
            .get("request")
            .ok_or_else(|| Error::validation(field.clone(), "has no request"))?;
        match text(request, "method") {
            Some("PUT" | "POST") => {
                let resource = entry
                    .get_mut("resource")
                    .filter(|r| r.is_object())
                    .map(Value::take)
                    .ok_or_else(|| Error::validation(field.clone(), "has no resource"))?;
                let full_url = text(&entry, "fullUrl").map(str::to_string);
                let resource_type = text(&resource, "resourceType").unwrap_or_default();
                if resource_type == "Patient" {
                    if patient.is_some() {
                        return Err(Error::validation(
                            field,
                            "is a second Patient; a page is about one person",
                        ));
                    }
                    patient = Some((
                        identifier_value(&resource, sys::SERVER_PATIENT_ID).map(str::to_string),
                        tag_code(&resource, sys::TAG_BOOK_ROLE).map(str::to_string),
                    ));
                } else {
                    let mark = Mark {
                        record_id: record_id_of(&resource).map(str::to_string),
                        version: resource
                            .get("meta")
                            .and_then(|m| text(m, "versionId"))
                            .and_then(|v| v.parse::<i64>().ok()),
                        source: tag_code(&resource, sys::TAG_RECORD_SOURCE).map(str::to_string),
                    };
                    if let Some(id) = text(&resource, "id") {
                        marks.insert(format!("{resource_type}/{id}"), mark.clone());
                    }
                    if let Some(url) = &full_url {
                        marks.insert(url.clone(), mark);
                    }
                }
                let mut plain = Map::new();
                if let Some(url) = full_url {
                    plain.insert("fullUrl".into(), Value::String(url));
                }
                plain.insert("resource".into(), resource);
                collection.push(Value::Object(plain));
            }
            Some("DELETE") => deletions.push(read_deletion(&entry, request, &field)?),
            other => {
                return Err(Error::validation(
                    format!("{field}.request.method"),
                    format!("is {other:?}; a page has only PUT and DELETE entries"),
                ))
            }
        }
    }
    let (patient_id, role) =
        patient.ok_or_else(|| Error::validation("page", "has no Patient entry"))?;
    let patient_id = patient_id
        .ok_or_else(|| Error::validation("page.Patient.identifier", "has no backend patient id"))?;
    let role = match role.as_deref() {
        Some("owner") => PersonRole::Owner,
        Some("dependant") => PersonRole::Dependant,
        other => {
            return Err(Error::validation(
                "page.Patient.meta.tag",
                format!("has book role {other:?}; expected owner or dependant"),
            ))
        }
    };

    let mut collection_bundle = json!({ "resourceType": "Bundle", "type": "collection" });
    collection_bundle["entry"] = Value::Array(collection);
    let plan = fhir::plan_import_value(&collection_bundle)?;
    drop(collection_bundle);
    if let Some(skipped) = plan.skipped.first() {
        return Err(Error::validation(
            format!(
                "page.{}/{}",
                skipped.resource_type,
                skipped.resource_id.as_deref().unwrap_or("?")
            ),
            skipped.reason.clone(),
        ));
    }
    let mut person = plan.patient;
    person.id = patient_id.clone();
    person.role = role;

    let mut changes = Vec::with_capacity(plan.records.len() + deletions.len());
    for (mut record, source_reference) in plan.records {
        let field = format!("page.{source_reference}");
        let mark = marks
            .remove(&source_reference)
            .ok_or_else(|| Error::validation(field.clone(), "cannot be found in the page"))?;
        let record_id = mark
            .record_id
            .ok_or_else(|| Error::validation(field.clone(), "has no record id identifier"))?;
        let version = mark
            .version
            .ok_or_else(|| Error::validation(format!("{field}.meta.versionId"), "is missing"))?;
        let source = match mark.source.as_deref() {
            Some("facility") => RecordSource::Facility,
            Some("citizen") => RecordSource::Citizen,
            other => {
                return Err(Error::validation(
                    format!("{field}.meta.tag"),
                    format!("has record source {other:?}; expected facility or citizen"),
                ))
            }
        };
        record.set_id(record_id.clone());
        record.set_person_id(patient_id.clone());
        record.set_source(source);
        changes.push(RecordChange {
            record_id,
            version,
            change: ChangeBody::Put(record),
        });
    }
    changes.extend(deletions);
    Ok(FeedPage {
        patient_id,
        role,
        person,
        changes,
        next_cursor,
        caught_up,
    })
}

/// What the sync wire adds to a record's resource.
#[derive(Clone)]
struct Mark {
    record_id: Option<String>,
    version: Option<i64>,
    source: Option<String>,
}

fn read_deletion(entry: &Value, request: &Value, field: &str) -> Result<RecordChange> {
    let url = text(request, "url").unwrap_or_default();
    let (resource_type, _) = url.split_once('?').unwrap_or((url, ""));
    let kind = RecordKind::ALL
        .into_iter()
        .find(|k| main_resource_type(*k) == resource_type)
        .ok_or_else(|| {
            Error::validation(
                format!("{field}.request.url"),
                format!("deletes a '{resource_type}', which is no kind of record"),
            )
        })?;
    let record_id = query_param(url, "identifier")
        .and_then(|v| {
            v.strip_prefix(sys::RECORD_ID)
                .and_then(|r| r.strip_prefix('|'))
                .map(str::to_string)
        })
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            Error::validation(
                format!("{field}.request.url"),
                "names no record id identifier",
            )
        })?;
    let version = entry
        .get("response")
        .and_then(|r| text(r, "etag"))
        .and_then(parse_etag)
        .ok_or_else(|| {
            Error::validation(
                format!("{field}.response.etag"),
                "is missing or not W/\"<version>\"",
            )
        })?;
    Ok(RecordChange {
        record_id,
        version,
        change: ChangeBody::Delete(kind),
    })
}

// ---------------------------------------------------------------------------------------------
// The push.

/// The core's `batch` Bundle of `items`.
pub fn push_bundle(items: &[PushItem], generated_at: DateTimeOffset) -> Value {
    let entries: Vec<Value> = items
        .iter()
        .map(|item| {
            let url = format!("Bundle/{}", item.record_id);
            let mut request = match &item.change {
                PushChange::Put { .. } => json!({ "method": "PUT", "url": url }),
                PushChange::Delete => json!({ "method": "DELETE", "url": url }),
            };
            if let Some(version) = item.base_version {
                request["ifMatch"] = json!(weak_etag(version));
            }
            match &item.change {
                PushChange::Put { person, record } => {
                    let mut record = record.clone();
                    record.set_id(item.record_id.clone());
                    let mut document =
                        fhir::export_bundle(person, &[record], generated_at, &item.record_id);
                    if !person.id.is_empty() {
                        if let Some(patient) = patient_of_document(&mut document) {
                            push_identifier(patient, sys::SERVER_PATIENT_ID, &person.id);
                        }
                    }
                    let mut entry = json!({ "request": request });
                    entry["resource"] = document;
                    entry
                }
                PushChange::Delete => json!({ "request": request }),
            }
        })
        .collect();
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "batch",
        "timestamp": instant(&generated_at),
    });
    bundle["entry"] = Value::Array(entries);
    bundle
}

/// The backend's reading of a push: one result per entry, in order. An entry that cannot be used
/// is an `Err` with the reason (the backend answers it 422); a bundle that is no push is an error.
pub fn read_push_bundle(bundle: &Value) -> Result<Vec<std::result::Result<PushItem, String>>> {
    expect_bundle(bundle, "batch", "bundle")?;
    Ok(list(bundle, "entry")
        .iter()
        .enumerate()
        .map(|(index, entry)| read_push_entry(entry).map_err(|e| format!("entry[{index}]: {e}")))
        .collect())
}

fn read_push_entry(entry: &Value) -> std::result::Result<PushItem, String> {
    let request = entry.get("request").ok_or("has no request")?;
    let url = text(request, "url").ok_or("request has no url")?;
    let record_id = url
        .strip_prefix("Bundle/")
        .filter(|id| is_fhir_id(id))
        .ok_or_else(|| format!("request.url '{url}' is not Bundle/<record id>"))?
        .to_string();
    let base_version = match text(request, "ifMatch") {
        None => None,
        Some(tag) => Some(
            parse_etag(tag).ok_or_else(|| format!("request.ifMatch '{tag}' is not W/\"<n>\""))?,
        ),
    };
    let change = match text(request, "method") {
        Some("DELETE") => PushChange::Delete,
        Some("PUT") => {
            let document = entry.get("resource").ok_or("PUT has no resource")?;
            let plan = fhir::plan_import_value(document).map_err(|e| e.to_string())?;
            if let Some(skipped) = plan.skipped.first() {
                return Err(format!(
                    "{} {}: {}",
                    skipped.resource_type,
                    skipped.resource_id.as_deref().unwrap_or(""),
                    skipped.reason
                ));
            }
            let mut records = plan.records.into_iter();
            let (mut record, _) = match (records.next(), records.next()) {
                (Some(one), None) => one,
                _ => return Err("the document must hold exactly one record".into()),
            };
            record.set_id(record_id.clone());
            record.set_person_id(String::new());
            record.set_source(RecordSource::Citizen);
            let mut person = plan.patient;
            person.id = list(document, "entry")
                .iter()
                .filter_map(|e| e.get("resource"))
                .find(|r| text(r, "resourceType") == Some("Patient"))
                .and_then(|p| identifier_value(p, sys::SERVER_PATIENT_ID))
                .unwrap_or_default()
                .to_string();
            PushChange::Put { person, record }
        }
        other => return Err(format!("request.method {other:?} is not PUT or DELETE")),
    };
    Ok(PushItem {
        record_id,
        base_version,
        change,
    })
}

/// The backend's `batch-response` to a push: one entry per push entry, in the same order.
pub fn push_response_bundle(outcomes: &[PushOutcome]) -> Value {
    let entries: Vec<Value> = outcomes
        .iter()
        .map(|outcome| {
            let response = match outcome {
                PushOutcome::Stored { version } => {
                    json!({ "status": "200 OK", "etag": weak_etag(*version) })
                }
                PushOutcome::Conflict { current_version } => json!({
                    "status": "412 Precondition Failed",
                    "etag": weak_etag(*current_version),
                    "outcome": operation_outcome(
                        "conflict",
                        "the record was changed elsewhere since this edit was made",
                    ),
                }),
                PushOutcome::Rejected { status, reason } => json!({
                    "status": status.to_string(),
                    "outcome": operation_outcome(if *status == 403 { "forbidden" } else { "invalid" }, reason),
                }),
            };
            json!({ "response": response })
        })
        .collect();
    let mut bundle = json!({ "resourceType": "Bundle", "type": "batch-response" });
    bundle["entry"] = Value::Array(entries);
    bundle
}

/// The core's reading of the backend's answer to a push of `expected` entries.
pub fn read_push_response(bundle: &Value, expected: usize) -> Result<Vec<PushOutcome>> {
    expect_bundle(bundle, "batch-response", "response")?;
    let entries = list(bundle, "entry");
    if entries.len() != expected {
        return Err(Error::validation(
            "response.entry",
            format!(
                "has {} entries for {expected} pushed records",
                entries.len()
            ),
        ));
    }
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let field = format!("response.entry[{index}].response");
            let response = entry
                .get("response")
                .ok_or_else(|| Error::validation(field.clone(), "is missing"))?;
            let status = text(response, "status")
                .and_then(|s| s.split_whitespace().next())
                .and_then(|code| code.parse::<u16>().ok())
                .ok_or_else(|| Error::validation(format!("{field}.status"), "is not a status"))?;
            let etag = text(response, "etag").and_then(parse_etag);
            match (status, etag) {
                (200 | 201, Some(version)) => Ok(PushOutcome::Stored { version }),
                (409 | 412, Some(current_version)) => Ok(PushOutcome::Conflict { current_version }),
                (200 | 201 | 409 | 412, None) => Err(Error::validation(
                    format!("{field}.etag"),
                    "is missing or not W/\"<version>\"",
                )),
                (status, _) => Ok(PushOutcome::Rejected {
                    status,
                    reason: response
                        .get("outcome")
                        .and_then(|o| list(o, "issue").first())
                        .and_then(|i| text(i, "diagnostics"))
                        .unwrap_or("refused by the server")
                        .to_string(),
                }),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Small pieces.

/// The FHIR resource that stands for a record of `kind` (and carries its record id).
pub fn main_resource_type(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Visit => "Encounter",
        RecordKind::Prescription => "MedicationRequest",
        RecordKind::Referral => "ServiceRequest",
        RecordKind::Appointment => "Appointment",
        RecordKind::Immunization => "Immunization",
        RecordKind::Allergy => "AllergyIntolerance",
        RecordKind::Condition => "Condition",
        RecordKind::Observation => "Observation",
    }
}

/// A FHIR `OperationOutcome` with one error issue.
pub fn operation_outcome(code: &str, diagnostics: &str) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": diagnostics }],
    })
}

pub fn weak_etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

pub fn parse_etag(tag: &str) -> Option<i64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.trim_matches('"').parse().ok()
}

fn role_code(role: PersonRole) -> &'static str {
    match role {
        PersonRole::Owner => "owner",
        PersonRole::Dependant => "dependant",
    }
}

fn source_code(source: RecordSource) -> &'static str {
    match source {
        RecordSource::Facility => "facility",
        // Records imported into the book elsewhere are the citizen's entries to the backend.
        RecordSource::Citizen | RecordSource::Imported => "citizen",
    }
}

fn patient_of_document(document: &mut Value) -> Option<&mut Value> {
    document
        .get_mut("entry")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(|e| e.get_mut("resource"))
        .find(|r| r.get("resourceType").and_then(Value::as_str) == Some("Patient"))
}

/// The record a resource belongs to: its main resource carries the record id, its parts
/// (diagnoses, drug lines, a weight measured during a visit) `<record id>/<part>`.
fn record_id_of(resource: &Value) -> Option<&str> {
    identifier_value(resource, sys::RECORD_ID)
        .and_then(|id| id.split('/').next())
        .filter(|id| !id.is_empty())
}

fn identifier_value<'a>(resource: &'a Value, system: &str) -> Option<&'a str> {
    list(resource, "identifier")
        .iter()
        .find(|i| text(i, "system") == Some(system))
        .and_then(|i| text(i, "value"))
}

fn push_identifier(resource: &mut Value, system: &str, value: &str) {
    let identifier = json!({ "system": system, "value": value });
    match resource.get_mut("identifier").and_then(Value::as_array_mut) {
        Some(list) => list.push(identifier),
        None => resource["identifier"] = json!([identifier]),
    }
}

fn set_version(resource: &mut Value, version: i64) {
    if let Some(meta) = meta_of(resource) {
        meta.insert("versionId".into(), json!(version.to_string()));
    }
}

fn set_tag(resource: &mut Value, system: &str, code: &str) {
    let Some(meta) = meta_of(resource) else {
        return;
    };
    let tag = json!({ "system": system, "code": code });
    match meta.get_mut("tag").and_then(Value::as_array_mut) {
        Some(tags) => tags.push(tag),
        None => {
            meta.insert("tag".into(), json!([tag]));
        }
    }
}

fn meta_of(resource: &mut Value) -> Option<&mut Map<String, Value>> {
    let meta = resource
        .as_object_mut()?
        .entry("meta")
        .or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    meta.as_object_mut()
}

fn tag_code<'a>(resource: &'a Value, system: &str) -> Option<&'a str> {
    resource
        .get("meta")
        .map(|meta| list(meta, "tag"))
        .unwrap_or_default()
        .iter()
        .find(|t| text(t, "system") == Some(system))
        .and_then(|t| text(t, "code"))
}

fn has_tag(meta: &Value, system: &str, code: &str) -> bool {
    list(meta, "tag")
        .iter()
        .any(|t| text(t, "system") == Some(system) && text(t, "code") == Some(code))
}

fn expect_bundle(bundle: &Value, bundle_type: &str, field: &str) -> Result<()> {
    if text(bundle, "resourceType") != Some("Bundle") {
        return Err(Error::validation(
            format!("{field}.resourceType"),
            "is not a FHIR Bundle",
        ));
    }
    match text(bundle, "type") {
        Some(t) if t == bundle_type => Ok(()),
        other => Err(Error::validation(
            format!("{field}.type"),
            format!("is {other:?}; expected '{bundle_type}'"),
        )),
    }
}

/// The percent-decoded value of `name` in `url`'s query.
fn query_param(url: &str, name: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

/// Decodes `%XX` escapes (and leaves anything malformed as it is).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(((hex(h).unwrap_or(0) << 4) | hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes everything but unreserved characters, for a value in a URL query.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn is_fhir_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn instant(at: &DateTimeOffset) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}
