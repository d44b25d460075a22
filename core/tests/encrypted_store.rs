//! The encrypted book on disk: keys, wrong keys, rekey, and no plaintext anywhere.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use healthbook_core::model::Record;
use healthbook_core::{HealthBook, HealthBookError, TimelineQuery};

fn first_page() -> TimelineQuery {
    TimelineQuery::default()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            let entry = entry.expect("dir entry");
            (
                entry.file_name().to_string_lossy().into_owned(),
                fs::read(entry.path()).expect("read file"),
            )
        })
        .collect();
    files.sort();
    files
}

fn book_with_owner(test: &TestBook) -> String {
    test.book.add_person(mother()).expect("add owner").id
}

#[test]
fn reopening_with_the_same_key_reads_what_was_written() {
    let test = new_book();
    let owner = book_with_owner(&test);
    test.book
        .add_records(one_of_each(&owner))
        .expect("write records");
    let path = test.path();
    drop(test.book);

    let reopened = HealthBook::open(path, KEY.to_vec()).expect("reopen");
    let page = reopened.timeline(owner, first_page()).expect("timeline");
    assert_eq!(page.entries.len(), 8);
}

#[test]
fn a_wrong_key_is_refused_and_leaves_every_file_byte_identical() {
    let test = new_book();
    let owner = book_with_owner(&test);
    test.book
        .add_records(one_of_each(&owner))
        .expect("write records");
    let path = test.path();
    drop(test.book);
    let before = snapshot(test.dir.path());

    let error =
        HealthBook::open(path.clone(), OTHER_KEY.to_vec()).expect_err("wrong key must fail");
    assert!(
        matches!(error, HealthBookError::WrongKey { .. }),
        "got {error:?}"
    );
    assert!(!error.to_string().is_empty());
    assert_eq!(
        snapshot(test.dir.path()),
        before,
        "a wrong key changed the files"
    );

    HealthBook::open(path, KEY.to_vec()).expect("the right key still opens the book");
}

#[test]
fn a_closed_book_is_a_single_file() {
    let test = new_book();
    book_with_owner(&test);
    drop(test.book);
    let names: Vec<String> = snapshot(test.dir.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, vec!["book.db".to_string()]);
}

#[test]
fn close_leaves_one_file_while_the_object_is_held_and_every_later_call_is_closed() {
    let test = new_book();
    let owner = book_with_owner(&test);
    let written = test
        .book
        .add_records(one_of_each(&owner))
        .expect("write records");
    test.book.close();
    let names: Vec<String> = snapshot(test.dir.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, vec!["book.db".to_string()]);

    let book = &test.book;
    let calls: Vec<(&str, Result<(), HealthBookError>)> = vec![
        ("people", book.people().map(drop)),
        ("person", book.person(owner.clone()).map(drop)),
        (
            "timeline",
            book.timeline(owner.clone(), first_page()).map(drop),
        ),
        (
            "record",
            book.record(written[0].record_id().to_string()).map(drop),
        ),
        ("add_record", book.add_record(allergy(&owner)).map(drop)),
        ("add_person", book.add_person(mother()).map(drop)),
        ("export_fhir", book.export_fhir(owner.clone()).map(drop)),
        ("rekey", book.rekey(OTHER_KEY.to_vec())),
    ];
    for (call, result) in calls {
        match result {
            Err(HealthBookError::Closed { reason }) => {
                assert!(reason.contains("open it again"), "{call}: {reason}")
            }
            other => panic!("{call} on a closed book: {other:?}"),
        }
    }

    let reopened = HealthBook::open(test.path(), KEY.to_vec()).expect("reopen with the same key");
    let page = reopened.timeline(owner, first_page()).expect("timeline");
    assert_eq!(page.entries.len(), 8);
}

#[test]
fn a_wrong_key_does_not_fold_a_leftover_wal_into_the_book() {
    let test = new_book();
    let owner = book_with_owner(&test);
    test.book
        .add_records(one_of_each(&owner))
        .expect("write records");
    // As after a crash: the WAL and its index stay beside the book.
    let copy = tempfile::tempdir().expect("temp dir");
    for name in ["book.db", "book.db-wal", "book.db-shm"] {
        fs::copy(test.dir.path().join(name), copy.path().join(name)).expect("copy while open");
    }
    drop(test.book);
    let crashed = |name: &str| fs::read(copy.path().join(name)).expect("read copy");
    let (db, wal) = (crashed("book.db"), crashed("book.db-wal"));
    assert!(!wal.is_empty(), "the copy has a WAL to protect");

    let path = copy.path().join("book.db").to_string_lossy().into_owned();
    let error =
        HealthBook::open(path.clone(), OTHER_KEY.to_vec()).expect_err("wrong key must fail");
    assert!(matches!(error, HealthBookError::WrongKey { .. }));
    assert_eq!(crashed("book.db"), db, "the book file changed");
    assert_eq!(crashed("book.db-wal"), wal, "the WAL changed");

    let reopened = HealthBook::open(path, KEY.to_vec()).expect("the right key recovers the WAL");
    assert_eq!(
        reopened
            .timeline(owner, first_page())
            .expect("timeline")
            .entries
            .len(),
        8
    );
}

#[test]
fn a_plain_sqlite_file_is_not_opened_and_not_touched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plain.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("plain sqlite");
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES ('hello');")
            .expect("plain table");
    }
    let before = fs::read(&path).expect("read plain");
    let error =
        HealthBook::open(path.to_string_lossy().into_owned(), KEY.to_vec()).expect_err("must fail");
    assert!(
        matches!(error, HealthBookError::WrongKey { .. }),
        "got {error:?}"
    );
    assert_eq!(fs::read(&path).expect("read plain"), before);
}

#[test]
fn a_key_of_the_wrong_length_is_a_validation_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.db").to_string_lossy().into_owned();
    for length in [0usize, 16, 31, 33, 64] {
        match HealthBook::open(path.clone(), vec![1u8; length]) {
            Err(HealthBookError::Validation { field, reason }) => {
                assert_eq!(field, "key");
                assert!(reason.contains(&length.to_string()), "{reason}");
            }
            other => panic!(
                "key of {length} bytes: expected a validation error, got {:?}",
                other.err()
            ),
        }
    }
    assert!(
        !Path::new(&path).exists(),
        "no file is created for a refused key"
    );
}

#[test]
fn rekey_switches_the_key_and_the_old_key_stops_working() {
    let test = new_book();
    let owner = book_with_owner(&test);
    test.book
        .add_records(one_of_each(&owner))
        .expect("write records");
    test.book.rekey(OTHER_KEY.to_vec()).expect("rekey");
    // The open book keeps working after the rekey, readers included.
    assert_eq!(
        test.book
            .timeline(owner.clone(), first_page())
            .expect("timeline")
            .entries
            .len(),
        8
    );
    let path = test.path();
    drop(test.book);

    let old = HealthBook::open(path.clone(), KEY.to_vec()).expect_err("old key must fail");
    assert!(matches!(old, HealthBookError::WrongKey { .. }));
    let reopened = HealthBook::open(path, OTHER_KEY.to_vec()).expect("new key opens");
    assert_eq!(
        reopened
            .timeline(owner, first_page())
            .expect("timeline")
            .entries
            .len(),
        8
    );
}

#[test]
fn a_refused_rekey_leaves_the_old_key_working() {
    let test = new_book();
    let owner = book_with_owner(&test);
    test.book
        .add_records(one_of_each(&owner))
        .expect("write records");
    let error = test
        .book
        .rekey(vec![1u8; 12])
        .expect_err("short key refused");
    assert!(matches!(error, HealthBookError::Validation { ref field, .. } if field == "new_key"));
    let path = test.path();
    drop(test.book);
    let reopened = HealthBook::open(path, KEY.to_vec()).expect("old key still opens");
    assert_eq!(reopened.people().expect("people").len(), 1);
}

#[test]
fn no_record_text_reaches_any_file_in_plaintext() {
    let marker = "MARKERzq7Xv";
    let test = new_book();
    let mut person = mother();
    person.full_name = format!("Nguyễn Thị {marker}");
    let owner = test.book.add_person(person).expect("add owner").id;
    let mut records = one_of_each(&owner);
    for record in records.iter_mut() {
        if let Record::Visit { visit } = record {
            visit.diagnosis_text = format!("Viêm phổi {marker}");
        }
        if let Record::Observation { observation } = record {
            observation.value = healthbook_core::model::ObservationValue::Text {
                text: format!("note {marker}"),
            };
        }
    }
    test.book.add_records(records).expect("write");
    // Search and timeline so indexes and caches were exercised while the files exist.
    assert_eq!(
        test.book
            .search(owner.clone(), marker.into(), 10)
            .expect("search")
            .len(),
        2
    );

    let check_files = |stage: &str| {
        let files = snapshot(test.dir.path());
        assert!(files.iter().any(|(name, _)| name == "book.db"));
        for (name, bytes) in &files {
            let lower: Vec<u8> = bytes.iter().map(|b| b.to_ascii_lowercase()).collect();
            let needle = marker.to_ascii_lowercase().into_bytes();
            assert!(
                !lower.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{stage}: plaintext marker found in {name}"
            );
            assert!(
                !bytes.windows(15).any(|w| w == b"SQLite format 3"),
                "{stage}: {name} has a plain SQLite header"
            );
        }
    };
    // While open: the -wal and -shm files exist now.
    check_files("while open");
    drop(test.book);
    check_files("after close");
}

#[test]
fn an_empty_or_special_path_is_refused() {
    for path in ["", "  ", ":memory:", "file:book.db?mode=memory"] {
        match HealthBook::open(path.into(), KEY.to_vec()) {
            Err(HealthBookError::Validation { field, .. }) => assert_eq!(field, "path"),
            other => panic!(
                "{path:?}: expected a validation error on path, got {:?}",
                other.err()
            ),
        }
    }
}

#[test]
fn readers_on_several_threads_see_whole_batches_while_the_writer_writes() {
    let test = new_book();
    let owner = book_with_owner(&test);
    let query = || TimelineQuery {
        limit: 500,
        ..TimelineQuery::default()
    };
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for _ in 0..20 {
                test.book
                    .add_records(one_of_each(&owner))
                    .expect("write batch");
            }
        });
        let readers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut last = 0;
                    for _ in 0..50 {
                        let seen = test
                            .book
                            .timeline(owner.clone(), query())
                            .expect("read")
                            .entries
                            .len();
                        assert_eq!(seen % 8, 0, "a reader saw part of a batch ({seen} records)");
                        assert!(seen >= last, "a reader went back in time");
                        last = seen;
                    }
                })
            })
            .collect();
        writer.join().expect("writer");
        for reader in readers {
            reader.join().expect("reader");
        }
    });
    assert_eq!(
        test.book
            .timeline(owner, query())
            .expect("read")
            .entries
            .len(),
        160
    );
}
