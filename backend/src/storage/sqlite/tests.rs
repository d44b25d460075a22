use chrono::NaiveDate;
use healthbook_core::model::{
    Allergy, AllergyCategory, Person, PersonRole, Record, RecordKind, RecordSource, Sex,
};

use super::SqliteStorage;
use crate::storage::{Origin, Storage, StoredPerson, StoredRecord, StoredToken};

fn person(patient_id: &str, personal_id: &str) -> StoredPerson {
    StoredPerson {
        patient_id: patient_id.into(),
        person: Person {
            id: patient_id.into(),
            role: PersonRole::Owner,
            full_name: "Nguyễn Thị Lan".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 3, 14).expect("date"),
            sex: Sex::Female,
            personal_id: Some(personal_id.into()),
            previous_personal_ids: Vec::new(),
            ethnicity: None,
            nationality: None,
            occupation: None,
            address: None,
            insurance: None,
            blood_group: None,
            risk_factors: Vec::new(),
            guardian: None,
        },
        seq: 0,
    }
}

fn allergy(record_id: &str, patient_id: &str, substance: &str) -> Record {
    Record::Allergy {
        allergy: Allergy {
            id: record_id.into(),
            person_id: patient_id.into(),
            source: RecordSource::Citizen,
            sensitive: false,
            substance: substance.into(),
            category: AllergyCategory::Medication,
            criticality: None,
            reaction: None,
            recorded_on: NaiveDate::from_ymd_opt(2024, 1, 2).expect("date"),
            note: None,
        },
    }
}

fn stored(record_id: &str, seq: i64, record: Option<Record>, origin: Option<&str>) -> StoredRecord {
    StoredRecord {
        record_id: record_id.into(),
        patient_id: "p1".into(),
        kind: RecordKind::Allergy,
        source: RecordSource::Facility,
        version: 1,
        seq,
        record,
        origin: origin.map(|r| Origin {
            facility_code: "01001".into(),
            resource_ref: r.into(),
        }),
    }
}

fn open() -> (tempfile::TempDir, SqliteStorage) {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = SqliteStorage::open(&dir.path().join("server.db")).expect("open");
    (dir, storage)
}

#[test]
fn a_committed_write_is_read_back_and_a_dropped_one_is_not() {
    let (_dir, storage) = open();
    let mut writer = storage.write().expect("write");
    let mut p = person("p1", "001190000001");
    p.seq = writer.next_seq().expect("seq");
    writer.put_person(&p).expect("put");
    writer.commit().expect("commit");

    let mut writer = storage.write().expect("write");
    writer
        .put_person(&person("p2", "001190000002"))
        .expect("put");
    drop(writer);

    let reader = storage.read().expect("read");
    assert_eq!(reader.person("p1").expect("query"), Some(p.clone()));
    assert_eq!(
        reader.person_by_personal_id("001190000001").expect("query"),
        Some(p)
    );
    assert_eq!(reader.person("p2").expect("query"), None, "rolled back");
}

#[test]
fn the_sequence_only_grows_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let storage = SqliteStorage::open(&path).expect("open");
    let mut writer = storage.write().expect("write");
    let a = writer.next_seq().expect("seq");
    let b = writer.next_seq().expect("seq");
    writer.commit().expect("commit");
    assert!(b > a);
    storage.close().expect("close");
    let storage = SqliteStorage::open(&path).expect("reopen");
    let mut writer = storage.write().expect("write");
    assert!(writer.next_seq().expect("seq") > b);
}

#[test]
fn changes_come_in_seq_order_and_tombstones_only_when_asked() {
    let (_dir, storage) = open();
    let mut writer = storage.write().expect("write");
    writer
        .put_person(&person("p1", "001190000001"))
        .expect("put");
    writer
        .put_record(&stored("r1", 5, Some(allergy("r1", "p1", "A")), None))
        .expect("put");
    writer
        .put_record(&stored("r2", 3, None, None))
        .expect("put");
    writer
        .put_record(&stored("r3", 9, Some(allergy("r3", "p1", "C")), None))
        .expect("put");
    writer.commit().expect("commit");

    let reader = storage.read().expect("read");
    let ids = |rows: Vec<StoredRecord>| rows.into_iter().map(|r| r.record_id).collect::<Vec<_>>();
    assert_eq!(
        ids(reader.changes_after("p1", 0, 10, true).expect("q")),
        ["r2", "r1", "r3"]
    );
    assert_eq!(
        ids(reader.changes_after("p1", 0, 10, false).expect("q")),
        ["r1", "r3"]
    );
    assert_eq!(
        ids(reader.changes_after("p1", 5, 10, true).expect("q")),
        ["r3"]
    );
    assert_eq!(
        ids(reader.changes_after("p1", 0, 1, true).expect("q")),
        ["r2"]
    );
    assert_eq!(reader.head("p1").expect("head"), 9);
    assert_eq!(reader.head("nobody").expect("head"), 0);
    let deleted = reader.record("r2").expect("q").expect("kept as tombstone");
    assert!(deleted.deleted());
}

#[test]
fn records_from_an_origin_include_its_parts_but_not_lookalikes() {
    let (_dir, storage) = open();
    let mut writer = storage.write().expect("write");
    writer
        .put_person(&person("p1", "001190000001"))
        .expect("put");
    for (id, origin) in [
        ("a", "FamilyMemberHistory/f1"),
        ("b", "FamilyMemberHistory/f1#condition-2"),
        ("c", "FamilyMemberHistory/f10"),
    ] {
        writer
            .put_record(&stored(id, 1, Some(allergy(id, "p1", id)), Some(origin)))
            .expect("put");
    }
    writer.commit().expect("commit");
    let reader = storage.read().expect("read");
    let found: Vec<String> = reader
        .records_from_origin("01001", "FamilyMemberHistory/f1")
        .expect("q")
        .into_iter()
        .map(|r| r.record_id)
        .collect();
    assert_eq!(found, ["a", "b"]);
    assert!(reader
        .records_from_origin("79001", "FamilyMemberHistory/f1")
        .expect("q")
        .is_empty());
}

#[test]
fn tokens_are_found_by_hash_and_expired_ones_removed() {
    let (_dir, storage) = open();
    let mut writer = storage.write().expect("write");
    writer
        .put_person(&person("p1", "001190000001"))
        .expect("put");
    let token = StoredToken {
        patient_id: "p1".into(),
        expires_at_ms: 100,
    };
    writer.put_token(&[7; 32], &token).expect("put");
    writer.commit().expect("commit");
    assert_eq!(
        storage.read().expect("read").token(&[7; 32]).expect("q"),
        Some(token)
    );
    let mut writer = storage.write().expect("write");
    writer.remove_expired_tokens(100).expect("remove");
    writer.commit().expect("commit");
    assert_eq!(
        storage.read().expect("read").token(&[7; 32]).expect("q"),
        None
    );
}
