//! Citizens on the server: found by their CCCD, created on first sight with a random patient id,
//! and "touched" (given a new change `seq`) when something about them changes, such as a guardian
//! link, so the change feed carries their profile again. An existing citizen's profile is never
//! overwritten by what a facility or the seed sends.

use healthbook_core::model::{Person, PersonRole};

use crate::ids::new_patient_id;
use crate::storage::{StorageError, StorageResult, StoredPerson, Writer};

/// The citizen with `person`'s CCCD, created from `person` if the server has none; `true` when
/// created.
pub fn find_or_create(
    writer: &mut dyn Writer,
    person: &Person,
) -> StorageResult<(StoredPerson, bool)> {
    let personal_id = person
        .personal_id
        .as_deref()
        .ok_or_else(|| StorageError("a citizen is created only with a personal id".into()))?;
    if let Some(existing) = writer.person_by_personal_id(personal_id)? {
        return Ok((existing, false));
    }
    let patient_id = new_patient_id()?;
    let mut person = person.clone();
    person.id = patient_id.clone();
    person.role = PersonRole::Owner;
    person.guardian = None;
    let stored = StoredPerson {
        patient_id,
        person,
        seq: writer.next_seq()?,
    };
    writer.put_person(&stored)?;
    Ok((stored, true))
}

/// Gives the person a new change `seq`: the feed serves their profile (and links) again.
pub fn touch(writer: &mut dyn Writer, patient_id: &str) -> StorageResult<()> {
    if let Some(mut person) = writer.person(patient_id)? {
        person.seq = writer.next_seq()?;
        writer.put_person(&person)?;
    }
    Ok(())
}
