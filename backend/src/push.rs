//! Citizen push (`POST /fhir`, a `batch` Bundle with a citizen token): records the citizen wrote in
//! their own book or a child's, each entry on its own and in its own transaction. The record id is
//! made on the phone and is the idempotency key; `base_version` (`ifMatch`) is the version the edit
//! was based on. A retried push answers what the first one did; an edit based on an older version
//! is a conflict; facility records are read-only, and ids in the facility namespace (`fac-…`) are
//! not the citizen's to take, so no one can push a record under a hospital's next id. Every stored change gets a new `seq`, so the
//! citizen's other devices receive it through the feed.

use healthbook_core::model::{CalendarDate, Record, RecordSource};
use healthbook_core::sync::wire::{
    push_response_bundle, read_push_bundle, PushChange, PushItem, PushOutcome,
};
use serde_json::Value;

use crate::guardians::{visible_people, Visible};
use crate::ingest::FACILITY_ID_PREFIX;
use crate::outcome::{ApiError, Issue};
use crate::storage::{Storage, StorageResult, StoredRecord, Writer};

/// Applies every entry of `bundle` for the citizen `citizen_id`; the `batch-response`.
pub fn push(
    storage: &dyn Storage,
    citizen_id: &str,
    bundle: &Value,
    today: CalendarDate,
    age_limit: u32,
) -> Result<Value, ApiError> {
    let items = read_push_bundle(bundle).map_err(|error| {
        ApiError::one(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Issue::invalid("Bundle", format!("is not a push: {error}")),
        )
    })?;
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let outcome = match item {
            Err(reason) => PushOutcome::Rejected {
                status: 422,
                reason,
            },
            Ok(item) => push_one(storage, citizen_id, item, today, age_limit)?,
        };
        outcomes.push(outcome);
    }
    Ok(push_response_bundle(&outcomes))
}

fn rejected(status: u16, reason: &str) -> PushOutcome {
    PushOutcome::Rejected {
        status,
        reason: reason.to_string(),
    }
}

fn push_one(
    storage: &dyn Storage,
    citizen_id: &str,
    item: PushItem,
    today: CalendarDate,
    age_limit: u32,
) -> StorageResult<PushOutcome> {
    let mut writer = storage.write()?;
    let Some(citizen) = writer.person(citizen_id)? else {
        return Ok(rejected(
            403,
            "the token's citizen is not known to this server",
        ));
    };
    let visible = visible_people(&*writer, &citizen, today, age_limit)?;
    let existing = writer.record(&item.record_id)?;
    if let Some(existing) = &existing {
        if existing.source == RecordSource::Facility {
            return Ok(rejected(
                403,
                "facility records are read-only: a facility corrects its own records",
            ));
        }
        if !visible
            .iter()
            .any(|v| v.patient_id() == existing.patient_id)
        {
            return Ok(rejected(
                403,
                "the record is in a book this token does not reach",
            ));
        }
    }
    if item.record_id.starts_with(FACILITY_ID_PREFIX) {
        return Ok(rejected(
            422,
            "the record id is reserved for facility records (ids starting with 'fac-'); the book \
             makes its own record ids",
        ));
    }
    let outcome = match item.change {
        PushChange::Put { person, record } => {
            let target = match target_person(&visible, &person) {
                Ok(target) => target,
                Err(outcome) => return Ok(outcome),
            };
            if existing
                .as_ref()
                .is_some_and(|e| e.patient_id != target.patient_id())
            {
                return Ok(rejected(
                    422,
                    "the record id is already used for a record in another person's book",
                ));
            }
            let mut record = record;
            record.set_id(item.record_id.clone());
            record.set_person_id(target.patient_id().to_string());
            record.set_source(RecordSource::Citizen);
            record.complete_derived_fields();
            if let Err(error) = record.validate(&target.person.person) {
                return Ok(rejected(422, &error.to_string()));
            }
            settle(
                &mut *writer,
                existing,
                item.base_version,
                Wanted::Put {
                    patient_id: target.patient_id().to_string(),
                    record: Box::new(record),
                },
                &item.record_id,
            )?
        }
        PushChange::Delete => match existing {
            None => rejected(404, "the server has no record with this id to delete"),
            Some(existing) if existing.deleted() => PushOutcome::Stored {
                version: existing.version,
            },
            Some(existing) => settle(
                &mut *writer,
                Some(existing),
                item.base_version,
                Wanted::Delete,
                &item.record_id,
            )?,
        },
    };
    writer.commit()?;
    Ok(outcome)
}

/// The visible person a pushed record is about: by the server's patient id when the book knows
/// it, else by the CCCD.
fn target_person<'v>(
    visible: &'v [Visible],
    person: &healthbook_core::model::Person,
) -> Result<&'v Visible, PushOutcome> {
    let found = if !person.id.is_empty() {
        visible.iter().find(|v| v.patient_id() == person.id)
    } else {
        person.personal_id.as_deref().and_then(|pid| {
            visible
                .iter()
                .find(|v| v.person.person.personal_id.as_deref() == Some(pid))
        })
    };
    let target = found.ok_or_else(|| {
        rejected(
            403,
            "the record is about someone whose book this token does not reach (the citizen's own \
             and their children's under the age limit)",
        )
    })?;
    if let (Some(sent), Some(known)) = (
        person.personal_id.as_deref(),
        target.person.person.personal_id.as_deref(),
    ) {
        if sent != known {
            return Err(rejected(
                422,
                "the Patient's personal id is not the one the server has for that patient id",
            ));
        }
    }
    Ok(target)
}

enum Wanted {
    Put {
        patient_id: String,
        record: Box<Record>,
    },
    Delete,
}

/// The version rules: a create (`base` None) stores version 1, or answers a retry of itself; an
/// edit of version v stores v+1, or answers its own retry (v+1 with the same content); anything
/// else is a conflict with the current version.
fn settle(
    writer: &mut dyn Writer,
    existing: Option<StoredRecord>,
    base: Option<i64>,
    wanted: Wanted,
    record_id: &str,
) -> StorageResult<PushOutcome> {
    let wanted_record = match &wanted {
        Wanted::Put { record, .. } => Some(record.as_ref()),
        Wanted::Delete => None,
    };
    let version = match &existing {
        // A record the server never had: whatever the base, this is its first version.
        None => 1,
        Some(current) => {
            let same = current.record.as_ref() == wanted_record;
            match base {
                None if same => {
                    return Ok(PushOutcome::Stored {
                        version: current.version,
                    })
                }
                Some(v) if current.version == v => v + 1,
                Some(v) if current.version == v + 1 && same => {
                    return Ok(PushOutcome::Stored {
                        version: current.version,
                    })
                }
                _ => {
                    return Ok(PushOutcome::Conflict {
                        current_version: current.version,
                    })
                }
            }
        }
    };
    let stored = match (wanted, existing) {
        (Wanted::Put { patient_id, record }, _) => StoredRecord {
            record_id: record_id.to_string(),
            patient_id,
            kind: record.kind(),
            source: RecordSource::Citizen,
            version,
            seq: writer.next_seq()?,
            record: Some(*record),
            origin: None,
        },
        (Wanted::Delete, Some(current)) => StoredRecord {
            version,
            seq: writer.next_seq()?,
            record: None,
            ..current
        },
        (Wanted::Delete, None) => {
            return Ok(rejected(
                404,
                "the server has no record with this id to delete",
            ))
        }
    };
    writer.put_record(&stored)?;
    Ok(PushOutcome::Stored { version })
}
