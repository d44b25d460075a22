use chrono::NaiveDate;
use healthbook_core::model::{
    Allergy, AllergyCategory, Person, PersonRole, Record, RecordKind, RecordSource, Sex,
};

use super::{SqliteStorage, MIGRATIONS};
use crate::storage::{
    LinkAction, LinkChange, Origin, ShareAccess, ShareTicket, Storage, StoredPasscode,
    StoredPerson, StoredRecord, StoredShare, StoredToken,
};

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
fn link_changes_are_read_back_per_child_in_the_order_logged() {
    let (_dir, storage) = open();
    let mut writer = storage.write().expect("write");
    writer
        .put_person(&person("p1", "001190000001"))
        .expect("put");
    writer
        .put_person(&person("p2", "001190000002"))
        .expect("put");
    let day = |d: u32| NaiveDate::from_ymd_opt(2020, 5, d);
    let change = |child: &str, at_ms: i64, action: LinkAction, until| LinkChange {
        at_ms,
        child_id: child.into(),
        guardian_personal_id: "001190012345".into(),
        facility_code: Some("01001".into()),
        action,
        since: day(1),
        until,
    };
    // Logged in this order, the clock going back in between: the log keeps the order logged.
    let logged = [
        change("p1", 2_000, LinkAction::Made, None),
        change("p1", 1_000, LinkAction::Changed, day(20)),
        LinkChange {
            since: None,
            until: None,
            facility_code: None,
            ..change("p1", 3_000, LinkAction::Ended, None)
        },
    ];
    for entry in &logged {
        writer.log_link_change(entry).expect("log");
    }
    writer
        .log_link_change(&change("p2", 1_500, LinkAction::Made, None))
        .expect("log");
    writer.commit().expect("commit");

    let reader = storage.read().expect("read");
    assert_eq!(reader.link_changes("p1").expect("query"), logged);
    assert_eq!(reader.link_changes("p2").expect("query").len(), 1);
    assert!(reader.link_changes("p3").expect("query").is_empty());
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

fn share(id: &str, expires_at: i64) -> StoredShare {
    StoredShare {
        id: id.into(),
        creator_id: "p1".into(),
        person_id: "p1".into(),
        file: Some("header..iv.ciphertext.tag".into()),
        content_type: "application/fhir+json".into(),
        label: Some("Khám tại Bạch Mai".into()),
        expires_at,
        max_uses: Some(3),
        uses: 0,
        revoked: false,
        passcode: Some(StoredPasscode {
            salt: vec![1; 16],
            hash: vec![2; 32],
            iterations: 100_000,
        }),
        failed_attempts: 0,
        created_at: expires_at - 3600,
    }
}

/// A storage with the citizen p1 and the share `id`.
fn with_share(id: &str, expires_at: i64) -> (tempfile::TempDir, SqliteStorage) {
    let (dir, storage) = open();
    let mut writer = storage.write().expect("write");
    writer
        .put_person(&person("p1", "001190000001"))
        .expect("put");
    writer.put_share(&share(id, expires_at)).expect("put share");
    writer.commit().expect("commit");
    (dir, storage)
}

#[test]
fn a_schema_1_database_is_upgraded_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(&format!("{}; PRAGMA user_version = 1;", MIGRATIONS[0]))
            .expect("schema 1");
        conn.execute(
            "INSERT INTO people (patient_id, personal_id, body, seq) VALUES ('p1', '001190000001', ?1, 1)",
            [serde_json::to_string(&person("p1", "001190000001").person).expect("json")],
        )
        .expect("person");
    }
    let storage = SqliteStorage::open(&path).expect("upgrade");
    assert_eq!(
        storage
            .read()
            .expect("read")
            .person("p1")
            .expect("q")
            .map(|p| p.patient_id),
        Some("p1".to_string())
    );
    let mut writer = storage.write().expect("write");
    writer.put_share(&share("s1", 2_000)).expect("shares exist");
    writer.commit().expect("commit");
    storage.close().expect("close");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .expect("version");
    assert_eq!(version, MIGRATIONS.len() as i64);
}

#[test]
fn a_share_is_read_back_as_stored() {
    let (_dir, storage) = with_share("s1", 2_000);
    assert_eq!(
        storage.read().expect("read").share("s1").expect("q"),
        Some(share("s1", 2_000))
    );
    assert_eq!(storage.read().expect("read").share("s2").expect("q"), None);
    let mut writer = storage.write().expect("write");
    assert!(
        writer.put_share(&share("s1", 3_000)).is_err(),
        "an id is never reused"
    );
}

#[test]
fn uses_are_counted_with_their_accesses_in_order() {
    let (_dir, storage) = with_share("s1", 2_000);
    let mut writer = storage.write().expect("write");
    for (recipient, at_ms) in [("Quầy 1", 20), ("BS. An", 10)] {
        writer
            .add_share_use(
                "s1",
                &ShareAccess {
                    recipient: recipient.into(),
                    at_ms,
                },
            )
            .expect("use");
    }
    writer.commit().expect("commit");
    let reader = storage.read().expect("read");
    assert_eq!(reader.share("s1").expect("q").expect("share").uses, 2);
    let recipients: Vec<String> = reader
        .share_accesses("s1")
        .expect("q")
        .into_iter()
        .map(|a| a.recipient)
        .collect();
    assert_eq!(recipients, ["BS. An", "Quầy 1"]);
}

#[test]
fn wrong_passcodes_are_counted_up_to_the_limit_and_no_further() {
    let (_dir, storage) = with_share("s1", 2_000);
    let mut counted = Vec::new();
    for _ in 0..5 {
        let mut writer = storage.write().expect("write");
        counted.push(writer.count_failed_passcode("s1", 3).expect("count"));
        writer.commit().expect("commit");
    }
    assert_eq!(counted, [Some(1), Some(2), Some(3), None, None]);
    let mut writer = storage.write().expect("write");
    assert_eq!(
        writer.count_failed_passcode("nope", 3).expect("count"),
        None
    );
}

#[test]
fn wrong_passcodes_counted_from_many_threads_never_pass_the_limit() {
    let (_dir, storage) = with_share("s1", 2_000);
    let storage = std::sync::Arc::new(storage);
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let storage = storage.clone();
            std::thread::spawn(move || {
                let mut writer = storage.write().expect("write");
                let counted = writer.count_failed_passcode("s1", 5).expect("count");
                writer.commit().expect("commit");
                counted
            })
        })
        .collect();
    let mut counted: Vec<i64> = threads
        .into_iter()
        .filter_map(|t| t.join().expect("thread"))
        .collect();
    counted.sort_unstable();
    assert_eq!(counted, [1, 2, 3, 4, 5]);
    let stored = storage.read().expect("read").share("s1").expect("q");
    assert_eq!(stored.map(|s| s.failed_attempts), Some(5));
}

#[test]
fn revoking_drops_the_file_and_keeps_the_log() {
    let (_dir, storage) = with_share("s1", 2_000);
    let mut writer = storage.write().expect("write");
    writer
        .add_share_use(
            "s1",
            &ShareAccess {
                recipient: "Quầy 1".into(),
                at_ms: 5,
            },
        )
        .expect("use");
    writer.revoke_share("s1").expect("revoke");
    writer.commit().expect("commit");
    let reader = storage.read().expect("read");
    let stored = reader.share("s1").expect("q").expect("share");
    assert!(stored.revoked);
    assert_eq!(stored.file, None);
    assert_eq!(reader.share_accesses("s1").expect("q").len(), 1);
}

#[test]
fn pruning_drops_expired_files_then_forgets_old_links() {
    let (_dir, storage) = with_share("old", 1_000);
    let mut writer = storage.write().expect("write");
    writer.put_share(&share("recent", 5_000)).expect("put");
    writer.put_share(&share("live", 9_000)).expect("put");
    writer
        .add_share_use(
            "old",
            &ShareAccess {
                recipient: "Quầy 1".into(),
                at_ms: 5,
            },
        )
        .expect("use");
    writer.prune_shares(6_000, 2_000).expect("prune");
    writer.commit().expect("commit");
    let reader = storage.read().expect("read");
    assert_eq!(reader.share("old").expect("q"), None, "forgotten");
    assert!(reader.share_accesses("old").expect("q").is_empty());
    let recent = reader
        .share("recent")
        .expect("q")
        .expect("kept for its log");
    assert_eq!(recent.file, None, "its ciphertext is dropped");
    assert!(reader
        .share("live")
        .expect("q")
        .expect("live")
        .file
        .is_some());
}

#[test]
fn a_ticket_works_once() {
    let (_dir, storage) = with_share("s1", 2_000);
    let ticket = ShareTicket {
        link_id: "s1".into(),
        expires_at_ms: 1_000,
    };
    let mut writer = storage.write().expect("write");
    writer.put_share_ticket(&[9; 32], &ticket).expect("put");
    assert_eq!(
        writer.take_share_ticket(&[9; 32], 500).expect("take"),
        Some(ticket)
    );
    assert_eq!(writer.take_share_ticket(&[9; 32], 500).expect("take"), None);
}
