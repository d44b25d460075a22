//! Citizens on the server: found by their CCCD, created on first sight with a random patient id,
//! and "touched" (given a new change `seq`) when something about them changes, such as a guardian
//! link, so the change feed carries their profile again. An existing citizen's profile is never
//! overwritten by what a facility or the seed sends. A CCCD alone does not say who someone is:
//! ingest also wants the citizen's name (`same_name`) and birth date before it treats a Patient or
//! a guardian as the citizen the server knows under that CCCD.

use healthbook_core::model::{Person, PersonRole};
use healthbook_core::store::search::fold;

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

/// Whether `a` and `b` are the same name: compared ignoring case, Vietnamese diacritics and extra
/// spaces ("NGUYEN  THI LAN" is "Nguyễn Thị Lan"), with the book's own search folding.
pub fn same_name(a: &str, b: &str) -> bool {
    name_key(a) == name_key(b)
}

fn name_key(name: &str) -> String {
    fold(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::same_name;

    #[test]
    fn names_agree_whatever_the_case_diacritics_and_spaces() {
        assert!(same_name("Nguyễn Thị Lan", "nguyen thi lan"));
        assert!(same_name("Nguyễn Thị Lan", "  NGUYỄN   THỊ\tLAN "));
        assert!(same_name("Đỗ Văn Tâm", "DO VAN TAM"));
        assert!(!same_name("Nguyễn Thị Lan", "Nguyễn Thị Lân Anh"));
        assert!(!same_name("Nguyễn Thị Lan", "Nguyễn Thị Hoa"));
        assert!(!same_name("Nguyễn Thị Lan", "NguyễnThị Lan"));
    }
}
