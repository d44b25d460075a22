//! Reading the book: timeline paging and filters, one record, search, per-kind lists, validation.

mod common;

use std::collections::HashSet;

use common::*;
use healthbook_core::model::{Record, RecordKind};
use healthbook_core::{HealthBookError, TimelineQuery};

fn query(limit: u32, cursor: Option<String>) -> TimelineQuery {
    TimelineQuery {
        limit,
        cursor,
        ..TimelineQuery::default()
    }
}

fn owner_with_visits(test: &TestBook, count: usize) -> String {
    let owner = test.book.add_person(mother()).expect("owner").id;
    let records: Vec<Record> = (0..count)
        .map(|i| {
            // Pairs of visits share a start time, so paging must break ties by id.
            let day = 1 + (i / 2) % 28;
            let month = 1 + (i / 56) % 12;
            let year = 2010 + i / 672;
            visit(
                &owner,
                &format!("{year}-{month:02}-{day:02}T08:00:00+07:00"),
                "Viêm họng cấp",
                "J02.9",
            )
        })
        .collect();
    test.book.add_records(records).expect("write visits");
    owner
}

#[test]
fn timeline_pages_cover_every_record_once_newest_first() {
    let test = new_book();
    let owner = owner_with_visits(&test, 237);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = test
            .book
            .timeline(owner.clone(), query(50, cursor))
            .expect("page");
        assert!(page.entries.len() <= 50);
        seen.extend(page.entries.into_iter().map(|e| (e.at, e.record_id)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 237);
    assert_eq!(
        seen.iter().map(|(_, id)| id).collect::<HashSet<_>>().len(),
        237,
        "a record appeared twice"
    );
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "not newest first");
}

#[test]
fn the_last_page_has_no_cursor() {
    let test = new_book();
    let owner = owner_with_visits(&test, 50);
    let page = test.book.timeline(owner, query(50, None)).expect("page");
    assert_eq!(page.entries.len(), 50);
    assert_eq!(page.next_cursor, None);
}

#[test]
fn timeline_filters_by_kind_and_date_range() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    test.book.add_records(one_of_each(&owner)).expect("write");

    let kinds = TimelineQuery {
        kinds: vec![RecordKind::Prescription, RecordKind::Visit],
        ..query(50, None)
    };
    let page = test.book.timeline(owner.clone(), kinds).expect("by kind");
    let found: HashSet<RecordKind> = page.entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        found,
        HashSet::from([RecordKind::Prescription, RecordKind::Visit])
    );
    assert_eq!(page.entries.len(), 2);

    let november = TimelineQuery {
        from: Some(date("2026-11-19")),
        to: Some(date("2026-11-20")),
        ..query(50, None)
    };
    let page = test.book.timeline(owner, november).expect("by date");
    let kinds: HashSet<RecordKind> = page.entries.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        HashSet::from([
            RecordKind::Visit,
            RecordKind::Prescription,
            RecordKind::Referral
        ])
    );
}

#[test]
fn a_cursor_that_was_not_issued_is_a_validation_error() {
    let test = new_book();
    let owner = owner_with_visits(&test, 3);
    let error = test
        .book
        .timeline(owner, query(2, Some("not-a-cursor".into())))
        .expect_err("must fail");
    assert!(
        matches!(error, HealthBookError::Validation { ref field, .. } if field == "query.cursor"),
        "{error:?}"
    );
}

#[test]
fn timelines_are_per_person() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    let child = test.book.add_person(child_of(&owner)).expect("child");
    test.book
        .add_records(one_of_each(&owner.id))
        .expect("owner records");
    test.book
        .add_record(immunization(&child.id, "2026-03-15"))
        .expect("child record");
    let page = test
        .book
        .timeline(child.id.clone(), query(50, None))
        .expect("child timeline");
    assert_eq!(page.entries.len(), 1);
    assert!(page
        .entries
        .iter()
        .all(|e| e.record.person_id() == child.id));
}

#[test]
fn a_record_is_read_back_exactly_as_written_with_derived_fields() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    let written = test.book.add_record(referral(&owner)).expect("write");
    let read = test.book.record(written.id().to_string()).expect("read");
    assert_eq!(read, written);
    let Record::Referral { referral } = read else {
        panic!("kind changed")
    };
    // Signed Friday 2026-11-20: ten working days later is Friday 2026-12-04.
    assert_eq!(referral.valid_until, Some(date("2026-12-04")));
}

#[test]
fn an_unknown_record_id_is_not_found() {
    let test = new_book();
    let error = test.book.record("nope".into()).expect_err("must fail");
    assert!(
        matches!(error, HealthBookError::NotFound { .. }),
        "{error:?}"
    );
}

#[test]
fn search_ignores_case_and_vietnamese_diacritics() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    test.book.add_records(one_of_each(&owner)).expect("write");
    test.book
        .add_record(visit(
            &owner,
            "2025-01-02T08:00:00+07:00",
            "Đái tháo đường type 2",
            "E11.9",
        ))
        .expect("write");
    for (typed, expected_kinds) in [
        ("viem phoi", 4usize),
        ("VIÊM PHỔI", 4),
        ("dai thao duong", 1),
        ("Đái tháo", 1),
        ("augmentin", 1),
        ("penicillin", 1),
        ("E11", 1),
        ("xyzzy", 0),
    ] {
        let hits = test
            .book
            .search(owner.clone(), typed.into(), 20)
            .expect("search");
        assert_eq!(
            hits.len(),
            expected_kinds,
            "searching {typed:?}: {:?}",
            hits.iter().map(|h| &h.title).collect::<Vec<_>>()
        );
    }
}

#[test]
fn search_results_are_per_person() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    let child = test.book.add_person(child_of(&owner)).expect("child");
    test.book
        .add_records(one_of_each(&owner.id))
        .expect("write");
    assert!(test
        .book
        .search(child.id, "viem phoi".into(), 20)
        .expect("search")
        .is_empty());
}

#[test]
fn active_prescriptions_and_upcoming_appointments() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    test.book.add_records(one_of_each(&owner)).expect("write");
    test.book
        .add_record(prescription(&owner, "2026-09-01T09:00:00+07:00", 7))
        .expect("old prescription");
    let active = test
        .book
        .active_prescriptions(owner.clone(), date("2026-11-22"))
        .expect("active");
    assert_eq!(
        active.len(),
        1,
        "only the 7-day course from 2026-11-19 is still running"
    );
    // A 7-day course issued on 19/11 is taken through 25/11 inclusive.
    assert_eq!(
        test.book
            .active_prescriptions(owner.clone(), date("2026-11-25"))
            .expect("active")
            .len(),
        1
    );
    assert!(test
        .book
        .active_prescriptions(owner.clone(), date("2026-11-26"))
        .expect("active")
        .is_empty());
    let upcoming = test
        .book
        .upcoming_appointments(owner.clone(), date("2026-11-22"))
        .expect("upcoming");
    assert_eq!(upcoming.len(), 1);
    assert!(test
        .book
        .upcoming_appointments(owner, date("2026-12-04"))
        .expect("upcoming")
        .is_empty());
}

#[test]
fn an_invalid_record_names_its_field_and_nothing_of_the_batch_is_written() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    let mut records = one_of_each(&owner);
    records.push(visit(
        &owner,
        "2026-01-01T08:00:00+07:00",
        "Viêm phổi",
        "J18.123",
    ));
    let error = test.book.add_records(records).expect_err("must fail");
    match error {
        HealthBookError::Validation { field, reason } => {
            assert_eq!(field, "records[8].visit.main_icd10");
            assert!(!reason.is_empty());
        }
        other => panic!("expected validation, got {other:?}"),
    }
    assert!(test
        .book
        .timeline(owner, query(50, None))
        .expect("timeline")
        .entries
        .is_empty());
}

#[test]
fn a_record_for_an_unknown_person_is_refused() {
    let test = new_book();
    let error = test
        .book
        .add_record(allergy("ghost"))
        .expect_err("must fail");
    assert!(
        matches!(error, HealthBookError::Validation { ref field, .. } if field == "person_id"),
        "{error:?}"
    );
}

#[test]
fn an_invalid_personal_id_is_refused_and_nobody_is_added() {
    let test = new_book();
    let mut person = mother();
    person.personal_id = Some("001090012345".into()); // encodes a man
    let error = test.book.add_person(person).expect_err("must fail");
    assert!(
        matches!(error, HealthBookError::Validation { ref field, .. } if field == "person.personal_id"),
        "{error:?}"
    );
    assert!(test.book.people().expect("people").is_empty());
}

#[test]
fn facility_records_cannot_be_changed_or_deleted_by_the_citizen() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    let visit = test
        .book
        .add_record(visit(
            &owner,
            "2026-11-19T08:30:00+07:00",
            "Viêm phổi",
            "J18.9",
        ))
        .expect("write");
    let error = test
        .book
        .delete_record(visit.id().to_string())
        .expect_err("must fail");
    assert!(matches!(error, HealthBookError::Validation { ref field, .. } if field == "source"));
    let error = test
        .book
        .update_record(visit.clone())
        .expect_err("must fail");
    assert!(matches!(error, HealthBookError::Validation { ref field, .. } if field == "source"));
    assert_eq!(
        test.book
            .record(visit.id().to_string())
            .expect("still there"),
        visit
    );
}

#[test]
fn citizen_records_can_be_changed_and_deleted() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    let written = test
        .book
        .add_record(note(&owner, "2026-11-21T20:00:00+07:00", "Đau đầu"))
        .expect("write");
    let mut changed = written.clone();
    if let Record::Observation { observation } = &mut changed {
        observation.value = healthbook_core::model::ObservationValue::Text {
            text: "Đau đầu nhẹ".into(),
        };
    }
    test.book.update_record(changed.clone()).expect("update");
    assert_eq!(
        test.book.record(written.id().to_string()).expect("read"),
        changed
    );
    assert_eq!(
        test.book
            .search(owner.clone(), "nhe".into(), 5)
            .expect("search")
            .len(),
        1
    );
    test.book
        .delete_record(written.id().to_string())
        .expect("delete");
    assert!(test
        .book
        .search(owner, "dau dau".into(), 5)
        .expect("search")
        .is_empty());
}

#[test]
fn date_filters_use_vietnam_days_whatever_offset_a_record_was_written_in() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    test.book
        .add_records(vec![
            // 23:59 on 19/11 in Vietnam.
            note(&owner, "2026-11-19T23:59:00+07:00", "late on the 19th"),
            // 17:30 UTC on 18/11 is 00:30 on 19/11 in Vietnam.
            note(&owner, "2026-11-18T17:30:00Z", "early on the 19th"),
            // 16:59 UTC on 18/11 is 23:59 on 18/11 in Vietnam.
            note(&owner, "2026-11-18T16:59:00Z", "late on the 18th"),
        ])
        .expect("write");
    let day = |d: &str| TimelineQuery {
        from: Some(date(d)),
        to: Some(date(d)),
        ..query(50, None)
    };
    let titles = |d: &str| -> Vec<String> {
        test.book
            .timeline(owner.clone(), day(d))
            .expect("timeline")
            .entries
            .into_iter()
            .map(|e| e.title)
            .collect()
    };
    assert_eq!(
        titles("2026-11-19"),
        vec![
            "late on the 19th".to_string(),
            "early on the 19th".to_string()
        ]
    );
    assert_eq!(titles("2026-11-18"), vec!["late on the 18th".to_string()]);
}
