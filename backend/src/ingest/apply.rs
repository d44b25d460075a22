//! Storing a checked transaction, all of it in one write transaction or nothing: the citizen
//! (created when their CCCD is new), each record found again by its origin (the facility and its
//! resource id; a corrected resource replaces its record and bumps the version, an identical one
//! changes nothing) or stored under a new id in the facility namespace, withdrawals as deletions,
//! and guardian links, each change of a link logged. Problems only the stored state can reveal (a
//! known CCCD under another name or birth date, another facility's guardian link, a resource id
//! already used for another patient, a withdrawal of something never sent) abort the whole
//! transaction and are reported like any other.

use std::collections::HashSet;

use healthbook_core::fhir::imported_record_id;
use healthbook_core::model::{GuardianLink, Record, RecordSource};

use super::guardian::PlannedGuardian;
use super::read::{Method, PlannedRecord, Transaction};
use crate::clock;
use crate::ids::new_patient_id;
use crate::outcome::Issue;
use crate::people;
use crate::storage::{
    LinkAction, LinkChange, Origin, StorageResult, StoredLink, StoredPerson, StoredRecord, Writer,
};

/// The prefix of facility record ids: citizens may not push ids that start with it.
pub const FACILITY_ID_PREFIX: &str = "fac-";

/// What happened to one entry, for the `transaction-response`.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryResult {
    pub created: bool,
    pub location: String,
    pub version: Option<i64>,
}

/// The id a new record of a facility's resource gets: `fac-` and the hash `imported_record_id`
/// takes, so two facilities' resources never collide. Records stored before the facility
/// namespace have `fhir-` and the same hash; they keep it, since ingest finds a record again by
/// its origin, not by this id.
fn facility_record_id(facility_code: &str, resource_ref: &str) -> String {
    let old = imported_record_id(&format!("facility:{facility_code}"), resource_ref);
    let hash = old.strip_prefix("fhir-").unwrap_or(&old);
    format!("{FACILITY_ID_PREFIX}{hash}")
}

fn link_origin(facility_code: &str, related_person_id: &str) -> String {
    format!("facility:{facility_code}|RelatedPerson/{related_person_id}")
}

/// Applies `transaction` inside `writer` (the caller commits). `Ok(Err(issues))`: nothing may be
/// committed.
pub fn apply(
    writer: &mut dyn Writer,
    facility_code: &str,
    transaction: Transaction,
) -> StorageResult<Result<Vec<Option<EntryResult>>, Vec<Issue>>> {
    let mut issues = Vec::new();
    let mut results: Vec<Option<EntryResult>> = Vec::new();
    let slot = |results: &mut Vec<Option<EntryResult>>, index: usize| {
        if results.len() <= index {
            results.resize(index + 1, None);
        }
        index
    };

    let known = check_who_is_who(writer, &transaction)?;
    if !known.is_empty() {
        return Ok(Err(known));
    }
    let (patient, created) = people::find_or_create(writer, &transaction.patient)?;
    let patient_id = patient.patient_id.clone();

    // Records, and anything a re-sent resource no longer makes.
    let mut made: HashSet<String> = HashSet::new();
    for planned in &transaction.records {
        made.insert(planned.resource_ref.clone());
    }
    for planned in transaction.records {
        let index = planned.index;
        let base = planned
            .resource_ref
            .split('#')
            .next()
            .unwrap_or_default()
            .to_string();
        match store_record(writer, facility_code, &patient, planned)? {
            Ok(stored) => {
                let i = slot(&mut results, index);
                // One resource making several records answers with the first.
                if results[i].is_none() {
                    results[i] = Some(EntryResult {
                        created: stored.created,
                        location: format!("{base}/_history/{}", stored.version),
                        version: Some(stored.version),
                    });
                }
            }
            Err(issue) => issues.push(issue),
        }
    }
    for request in &transaction.requests {
        if request.method == Method::Put {
            for stale in writer.records_from_origin(facility_code, &request.reference())? {
                let still_made = stale
                    .origin
                    .as_ref()
                    .is_some_and(|o| made.contains(&o.resource_ref));
                if !still_made && !stale.deleted() && stale.patient_id == patient_id {
                    tombstone(writer, stale)?;
                }
            }
        }
    }

    // Withdrawals.
    for request in transaction
        .requests
        .iter()
        .filter(|r| r.method == Method::Delete)
    {
        let at = format!("Bundle.entry[{}].request.url", request.index);
        if request.resource_type == "RelatedPerson" {
            let links = writer.links_from_origin(&link_origin(facility_code, &request.id))?;
            if links.is_empty() {
                issues.push(not_sent(&at, &request.reference()));
                continue;
            }
            for link in links {
                end_link(writer, facility_code, &link)?;
            }
            let i = slot(&mut results, request.index);
            results[i] = Some(EntryResult {
                created: false,
                location: request.reference(),
                version: None,
            });
            continue;
        }
        let records = writer.records_from_origin(facility_code, &request.reference())?;
        if records.is_empty() {
            issues.push(not_sent(&at, &request.reference()));
            continue;
        }
        let mut version = None;
        for record in records {
            if record.patient_id != patient_id {
                issues.push(Issue::invalid(
                    &at,
                    format!(
                        "{} is a record of another patient, not of this transaction's Patient",
                        request.reference()
                    ),
                ));
                break;
            }
            let current = if record.deleted() {
                record.version
            } else {
                tombstone(writer, record)?
            };
            version.get_or_insert(current);
        }
        let i = slot(&mut results, request.index);
        results[i] = Some(EntryResult {
            created: false,
            location: request.reference(),
            version,
        });
    }

    // Guardians.
    for planned in transaction.guardians {
        let origin = link_origin(facility_code, &planned.id);
        if Some(planned.guardian_personal_id.as_str()) == patient.person.personal_id.as_deref() {
            issues.push(Issue::invalid(
                format!("Bundle.entry[{}].resource.identifier", planned.index),
                "names the Patient as their own guardian",
            ));
            continue;
        }
        // The same RelatedPerson naming someone else now: the old link goes.
        for old in writer.links_from_origin(&origin)? {
            if old.guardian_personal_id != planned.guardian_personal_id
                || old.child_id != patient_id
            {
                end_link(writer, facility_code, &old)?;
            }
        }
        let existing = writer
            .links_of_guardian(&planned.guardian_personal_id)?
            .into_iter()
            .find(|l| l.child_id == patient_id);
        // A link another facility made, or the seed, is not this facility's to change.
        if let Some(existing) = &existing {
            let ours = existing
                .origin
                .as_deref()
                .is_some_and(|o| o.starts_with(&format!("facility:{facility_code}|")));
            if !ours {
                if !says_the_same(&existing.link, &planned.link) {
                    issues.push(
                        Issue::new(
                            "forbidden",
                            "this guardian link of the Patient was made by another facility or at \
                             registration; only the facility that made it may change or end it",
                        )
                        .at(format!(
                            "Bundle.entry[{}].resource.identifier",
                            planned.index
                        )),
                    );
                }
                // The same link again, from another facility: nothing changes, it stays theirs.
                let i = slot(&mut results, planned.index);
                results[i] = Some(EntryResult {
                    created: false,
                    location: format!("RelatedPerson/{}", planned.id),
                    version: None,
                });
                continue;
            }
        }
        let link = StoredLink {
            child_id: patient_id.clone(),
            guardian_personal_id: planned.guardian_personal_id,
            link: planned.link,
            origin: Some(origin),
        };
        let created = existing.is_none();
        if existing.as_ref() != Some(&link) {
            writer.put_link(&link)?;
            people::touch(writer, &patient_id)?;
            // A change of origin alone (another RelatedPerson id of the same facility) is logged
            // too: the link is still made by this facility.
            let action = if created {
                LinkAction::Made
            } else {
                LinkAction::Changed
            };
            log_link(writer, facility_code, &link, action)?;
        }
        let i = slot(&mut results, planned.index);
        results[i] = Some(EntryResult {
            created,
            location: format!("RelatedPerson/{}", planned.id),
            version: None,
        });
    }

    if !issues.is_empty() {
        return Ok(Err(issues));
    }
    // Every other entry (the Patient, supporting resources, parts of a record).
    for request in &transaction.requests {
        let i = slot(&mut results, request.index);
        if results[i].is_none() {
            results[i] = Some(if request.resource_type == "Patient" {
                EntryResult {
                    created,
                    location: format!("Patient/{patient_id}"),
                    version: None,
                }
            } else {
                EntryResult {
                    created: false,
                    location: request.reference(),
                    version: None,
                }
            });
        }
    }
    Ok(Ok(results))
}

struct Stored {
    created: bool,
    version: i64,
}

fn store_record(
    writer: &mut dyn Writer,
    facility_code: &str,
    patient: &StoredPerson,
    planned: PlannedRecord,
) -> StorageResult<Result<Stored, Issue>> {
    let at = format!("Bundle.entry[{}].resource", planned.index);
    // The record this resource made before, whatever its id (records stored before the facility
    // namespace keep their `fhir-` ids).
    let existing = writer
        .records_from_origin(facility_code, &planned.resource_ref)?
        .into_iter()
        .find(|r| {
            r.origin
                .as_ref()
                .is_some_and(|o| o.resource_ref == planned.resource_ref)
        });
    let record_id = match &existing {
        Some(existing) => existing.record_id.clone(),
        None => {
            let id = facility_record_id(facility_code, &planned.resource_ref);
            if writer.record(&id)?.is_some() {
                // Taken by a record pushed before the namespace was reserved: any id in the
                // namespace will do, since the origin is what finds the record again.
                format!("{FACILITY_ID_PREFIX}{}", new_patient_id()?)
            } else {
                id
            }
        }
    };
    let mut record: Record = planned.record;
    record.set_id(record_id.clone());
    record.set_person_id(patient.patient_id.clone());
    record.set_source(RecordSource::Facility);
    record.complete_derived_fields();
    if let Err(error) = record.validate(&patient.person) {
        return Ok(Err(Issue::invalid(
            at,
            format!("{} cannot be stored: {error}", planned.resource_ref),
        )));
    }
    if let Some(existing) = &existing {
        if existing.patient_id != patient.patient_id {
            return Ok(Err(Issue::invalid(
                at,
                format!(
                    "{} was sent earlier for another patient; send this record under a new resource id \
                     (and withdraw the old one with DELETE if it was wrong)",
                    planned.resource_ref
                ),
            )));
        }
        if existing.record.as_ref() == Some(&record) {
            return Ok(Ok(Stored {
                created: false,
                version: existing.version,
            }));
        }
    }
    let version = existing.as_ref().map_or(1, |e| e.version + 1);
    let stored = StoredRecord {
        record_id,
        patient_id: patient.patient_id.clone(),
        kind: record.kind(),
        source: RecordSource::Facility,
        version,
        seq: writer.next_seq()?,
        record: Some(record),
        origin: Some(Origin {
            facility_code: facility_code.to_string(),
            resource_ref: planned.resource_ref,
        }),
    };
    writer.put_record(&stored)?;
    Ok(Ok(Stored {
        created: existing.is_none(),
        version,
    }))
}

/// Marks `record` deleted at its next version; returns that version.
fn tombstone(writer: &mut dyn Writer, record: StoredRecord) -> StorageResult<i64> {
    let version = record.version + 1;
    let stored = StoredRecord {
        version,
        seq: writer.next_seq()?,
        record: None,
        ..record
    };
    writer.put_record(&stored)?;
    Ok(version)
}

/// What the stored state says against the transaction's people: a Patient or RelatedPerson whose
/// CCCD belongs to a citizen with another name or birth date. The issues never say what the
/// stored name or date is.
fn check_who_is_who(writer: &dyn Writer, transaction: &Transaction) -> StorageResult<Vec<Issue>> {
    let mut issues = Vec::new();
    let patient = &transaction.patient;
    let at = format!("Bundle.entry[{}].resource", transaction.patient_index);
    if let Some(personal_id) = patient.personal_id.as_deref() {
        if let Some(known) = writer.person_by_personal_id(personal_id)? {
            if !people::same_name(&known.person.full_name, &patient.full_name) {
                issues.push(Issue::invalid(
                    format!("{at}.name"),
                    "Patient.name: the CCCD belongs to a citizen with a different name; send the \
                     name on the citizen's CCCD, or check the CCCD",
                ));
            }
            if known.person.date_of_birth != patient.date_of_birth {
                issues.push(Issue::invalid(
                    format!("{at}.birthDate"),
                    "Patient.birthDate: the CCCD belongs to a citizen with a different birth \
                     date; send the birth date on the citizen's CCCD, or check the CCCD",
                ));
            }
        }
    }
    for planned in &transaction.guardians {
        issues.extend(check_guardian(writer, planned)?);
    }
    Ok(issues)
}

fn check_guardian(writer: &dyn Writer, planned: &PlannedGuardian) -> StorageResult<Vec<Issue>> {
    let mut issues = Vec::new();
    let Some(known) = writer.person_by_personal_id(&planned.guardian_personal_id)? else {
        return Ok(issues);
    };
    let at = format!("Bundle.entry[{}].resource", planned.index);
    if !people::same_name(&known.person.full_name, &planned.link.name) {
        issues.push(Issue::invalid(
            format!("{at}.name"),
            "RelatedPerson.name: the guardian's CCCD belongs to a citizen with a different name; \
             send the name on the guardian's CCCD, or check the CCCD",
        ));
    }
    if planned
        .birth_date
        .is_some_and(|birth| birth != known.person.date_of_birth)
    {
        issues.push(Issue::invalid(
            format!("{at}.birthDate"),
            "RelatedPerson.birthDate: the guardian's CCCD belongs to a citizen with a different \
             birth date; send the birth date on the guardian's CCCD, or check the CCCD",
        ));
    }
    Ok(issues)
}

/// Whether another facility's RelatedPerson says what the link already says: the same relation,
/// start and end, the same name, and the phone absent or the same.
fn says_the_same(stored: &GuardianLink, sent: &GuardianLink) -> bool {
    stored.relation == sent.relation
        && stored.since == sent.since
        && stored.until == sent.until
        && people::same_name(&stored.name, &sent.name)
        && (sent.phone.is_none() || sent.phone == stored.phone)
}

/// Removes the link, touches the child so the feed carries them again, and logs it.
fn end_link(writer: &mut dyn Writer, facility_code: &str, link: &StoredLink) -> StorageResult<()> {
    writer.remove_link(&link.child_id, &link.guardian_personal_id)?;
    people::touch(writer, &link.child_id)?;
    log_link(writer, facility_code, link, LinkAction::Ended)
}

fn log_link(
    writer: &mut dyn Writer,
    facility_code: &str,
    link: &StoredLink,
    action: LinkAction,
) -> StorageResult<()> {
    let ended = action == LinkAction::Ended;
    writer.log_link_change(&LinkChange {
        at_ms: clock::unix_millis(),
        child_id: link.child_id.clone(),
        guardian_personal_id: link.guardian_personal_id.clone(),
        facility_code: Some(facility_code.to_string()),
        action,
        since: link.link.since.filter(|_| !ended),
        until: link.link.until.filter(|_| !ended),
    })
}

fn not_sent(at: &str, reference: &str) -> Issue {
    Issue::new(
        "not-found",
        format!(
            "{reference} is not a record this facility sent (a resource that was part of a visit or \
             prescription is corrected by sending that visit or prescription again)"
        ),
    )
    .at(at)
}
