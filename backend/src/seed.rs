//! `--seed`: the synthetic sample family (a mother and two children, about 950 records) from
//! `healthbook_core::sample`, so a fresh server has books to sync. Citizens are matched by CCCD,
//! records keep their own ids and sources, and each child is linked to the mother as guardian
//! (logged in the link log with no facility; no facility may change such a link).
//! Idempotent: what is already there (by CCCD, record id, link) is left as it is, whatever day the
//! seed runs on. All in one transaction.

use std::collections::HashMap;

use healthbook_core::model::CalendarDate;
use healthbook_core::sample::sample_family;

use crate::clock;
use crate::people;
use crate::storage::{LinkAction, LinkChange, Storage, StorageResult, StoredLink, StoredRecord};

/// The seed the sample family is drawn from.
pub const SAMPLE_SEED: u64 = 42;

/// What the seed did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seeded {
    /// The personal ids of the family, mother first.
    pub personal_ids: Vec<String>,
    pub people_added: usize,
    pub records_added: usize,
    pub links_added: usize,
}

pub fn seed(storage: &dyn Storage, today: CalendarDate) -> StorageResult<Seeded> {
    let family = sample_family(SAMPLE_SEED, today);
    let mut writer = storage.write()?;
    let mut seeded = Seeded::default();
    // The sample's own person ids → the server's patient ids.
    let mut patient_ids: HashMap<String, String> = HashMap::new();
    for person in &family.people {
        let Some(personal_id) = person.personal_id.clone() else {
            continue;
        };
        let (stored, created) = people::find_or_create(&mut *writer, person)?;
        seeded.people_added += usize::from(created);
        seeded.personal_ids.push(personal_id);
        patient_ids.insert(person.id.clone(), stored.patient_id);
    }
    for person in &family.people {
        let (Some(child_id), Some(link)) = (patient_ids.get(&person.id), &person.guardian) else {
            continue;
        };
        let guardian_personal_id = link.personal_id.clone().or_else(|| {
            let guardian = link.guardian_person_id.as_deref()?;
            family
                .people
                .iter()
                .find(|p| p.id == guardian)
                .and_then(|p| p.personal_id.clone())
        });
        let Some(guardian_personal_id) = guardian_personal_id else {
            continue;
        };
        let known = writer
            .links_of_guardian(&guardian_personal_id)?
            .iter()
            .any(|l| l.child_id == *child_id);
        if !known {
            let mut link = link.clone();
            link.guardian_person_id = None;
            writer.log_link_change(&LinkChange {
                at_ms: clock::unix_millis(),
                child_id: child_id.clone(),
                guardian_personal_id: guardian_personal_id.clone(),
                facility_code: None,
                action: LinkAction::Made,
                since: link.since,
                until: link.until,
            })?;
            writer.put_link(&StoredLink {
                child_id: child_id.clone(),
                guardian_personal_id,
                link,
                origin: None,
            })?;
            people::touch(&mut *writer, child_id)?;
            seeded.links_added += 1;
        }
    }
    for record in family.records {
        let Some(patient_id) = patient_ids.get(record.person_id()).cloned() else {
            continue;
        };
        if writer.record(record.id())?.is_some() {
            continue;
        }
        let mut record = record;
        record.set_person_id(patient_id.clone());
        record.complete_derived_fields();
        let stored = StoredRecord {
            record_id: record.id().to_string(),
            patient_id,
            kind: record.kind(),
            source: record.source(),
            version: 1,
            seq: writer.next_seq()?,
            record: Some(record),
            origin: None,
        };
        writer.put_record(&stored)?;
        seeded.records_added += 1;
    }
    writer.commit()?;
    Ok(seeded)
}
