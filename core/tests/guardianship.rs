//! One book, a family: the owner's records and each child's kept apart, and a child's book turning
//! read-only when the guardian's management ends (age limit reached or link ended).

mod common;

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use common::*;
use healthbook_core::model::guardianship::birthday_at;
use healthbook_core::model::time::today_vn;
use healthbook_core::model::{BookAccess, PersonRole, Record};
use healthbook_core::sample::sample_family;
use healthbook_core::{HealthBookError, ReminderKind, TimelineQuery};

fn load_sample_family(test: &TestBook) -> healthbook_core::sample::SampleFamily {
    let family = sample_family(7, today_vn());
    for person in &family.people {
        test.book.add_person(person.clone()).expect("person");
    }
    test.book
        .add_records(family.records.clone())
        .expect("records");
    family
}

/// Every record id on a person's timeline, page by page.
fn timeline_ids(test: &TestBook, person_id: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut cursor = None;
    loop {
        let query = TimelineQuery {
            limit: 200,
            cursor,
            ..TimelineQuery::default()
        };
        let page = test
            .book
            .timeline(person_id.to_string(), query)
            .expect("timeline");
        ids.extend(page.entries.into_iter().map(|e| e.record_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return ids,
        }
    }
}

#[test]
fn the_family_lists_the_owner_then_the_children_with_their_access() {
    let test = new_book();
    let family = load_sample_family(&test);
    let today = today_vn();
    let members = test.book.family(today).expect("family");
    assert_eq!(members.len(), 3);
    assert_eq!(members[0].person.role, PersonRole::Owner);
    assert_eq!(members[0].access, BookAccess::Owner);
    assert!(members[0].age_years >= 30);
    for member in &members[1..] {
        assert_eq!(member.person.role, PersonRole::Dependant);
        let born = member.person.date_of_birth;
        let fourteenth = NaiveDate::from_ymd_opt(born.year() + 14, born.month(), born.day());
        assert_eq!(
            member.access,
            BookAccess::Managed { until: fourteenth },
            "{}",
            member.person.id
        );
    }
    // The older child (about 7) first, then the baby (about 10 months).
    assert_eq!(members[1].age_years, 7);
    assert!((9..=10).contains(&members[2].age_months));
    assert_eq!(members[2].age_years, 0);
    assert_eq!(
        members
            .iter()
            .map(|m| m.person.id.clone())
            .collect::<Vec<_>>(),
        family
            .people
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(test.book.guardian_age_limit().expect("limit"), 14);
}

#[test]
fn nothing_of_one_person_shows_in_anothers_book() {
    let test = new_book();
    let family = load_sample_family(&test);
    for person in &family.people {
        let expected: HashSet<String> = family
            .records
            .iter()
            .filter(|r| r.person_id() == person.id)
            .map(|r| r.id().to_string())
            .collect();
        assert!(!expected.is_empty(), "{} has records", person.id);
        let timeline = timeline_ids(&test, &person.id);
        assert!(
            timeline == expected,
            "{}'s timeline: {} records, {} expected; {} foreign",
            person.id,
            timeline.len(),
            expected.len(),
            timeline.difference(&expected).count()
        );

        // Every child had vaccinations; a search for one finds only this person's.
        let found = test
            .book
            .search(person.id.clone(), "tiêm".into(), 200)
            .expect("search");
        assert!(found.iter().all(|e| e.record.person_id() == person.id));

        let bundle: serde_json::Value =
            serde_json::from_str(&test.book.export_fhir(person.id.clone()).expect("export"))
                .expect("json");
        let text = bundle.to_string();
        let mut strings = HashSet::new();
        collect_strings(&bundle, &mut strings);
        // The export carries each record's id, so a foreign one would show.
        let missing: Vec<_> = family
            .records
            .iter()
            .filter(|r| r.person_id() == person.id && !strings.contains(r.id()))
            .map(|r| format!("{:?} {}", r.kind(), r.id()))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
        let guardian = person.guardian.as_ref().map(|link| link.name.as_str());
        for other in family.people.iter().filter(|p| p.id != person.id) {
            // A child's Patient names the guardian as contact; nobody else's name appears.
            if guardian != Some(other.full_name.as_str()) {
                assert!(
                    !text.contains(other.full_name.as_str()),
                    "{}'s export names {}",
                    person.id,
                    other.id
                );
            }
            for record in family.records.iter().filter(|r| r.person_id() == other.id) {
                assert!(
                    !strings.contains(record.id()),
                    "{}'s export holds {}'s record {}",
                    person.id,
                    other.id,
                    record.id()
                );
            }
        }
    }
}

/// Every string value in a JSON document, and what comes before a `/` in it: the parts of a record
/// (a prescription's drug lines) carry `<record id>/<part>`.
fn collect_strings(value: &serde_json::Value, into: &mut HashSet<String>) {
    match value {
        serde_json::Value::String(text) => {
            if let Some((head, _)) = text.split_once('/') {
                into.insert(head.to_string());
            }
            into.insert(text.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, into)),
        serde_json::Value::Object(fields) => fields.values().for_each(|v| collect_strings(v, into)),
        _ => {}
    }
}

fn assert_read_only<T: std::fmt::Debug>(result: Result<T, HealthBookError>, what: &str) {
    match result {
        Err(HealthBookError::ReadOnly { reason }) => {
            assert!(reason.contains("read-only"), "{what}: {reason}")
        }
        other => panic!("{what}: expected ReadOnly, got {other:?}"),
    }
}

#[test]
fn a_childs_book_is_read_only_once_the_age_limit_is_reached() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    let mut older = child_of(&owner);
    older.full_name = "Trần Minh Khôi".into();
    // Ten years and a month old today.
    let today = today_vn();
    let born = today
        .checked_sub_months(chrono::Months::new(121))
        .expect("date");
    older.date_of_birth = born;
    older.personal_id = Some("001216000123".into());
    let older = test.book.add_person(older).expect("older child");
    let fever = test
        .book
        .add_record(note(&older.id, "2026-05-01T20:00:00+07:00", "Sốt nhẹ"))
        .expect("note");
    let before = all_records(&test, &older.id);

    // The child is 10: a limit of 10 ends the mother's management on the 10th birthday.
    test.book.set_guardian_age_limit(10).expect("limit");
    assert_eq!(
        test.book
            .book_access(older.id.clone(), today)
            .expect("access"),
        BookAccess::ReadOnly {
            since: birthday_at(born, 10)
        }
    );
    assert_read_only(
        test.book
            .add_record(note(&older.id, "2026-06-01T20:00:00+07:00", "Ho")),
        "add",
    );
    let mut changed = fever.clone();
    if let Record::Observation { observation } = &mut changed {
        observation.note = Some("Sốt cao".into());
    }
    assert_read_only(test.book.update_record(changed), "update");
    assert_read_only(test.book.delete_record(fever.id().to_string()), "delete");
    let mut renamed = older.clone();
    renamed.full_name = "Trần Minh Khoa".into();
    assert_read_only(test.book.update_person(renamed), "update person");
    // Reads go on, and nothing changed.
    assert_eq!(all_records(&test, &older.id), before);
    assert_eq!(test.book.person(older.id.clone()).expect("person"), older);
    // The owner's own book is not affected.
    test.book
        .add_record(note(&owner.id, "2026-06-01T20:00:00+07:00", "Đau đầu"))
        .expect("the owner's book stays editable");

    // Back under the default limit the book is managed again.
    test.book.set_guardian_age_limit(14).expect("limit");
    test.book
        .add_record(note(&older.id, "2026-06-01T20:00:00+07:00", "Ho"))
        .expect("managed again");
}

#[test]
fn ending_the_guardian_link_makes_the_book_read_only_from_that_day() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    let child = test.book.add_person(child_of(&owner)).expect("child");
    let today = today_vn();
    let mut ended = child.clone();
    if let Some(link) = ended.guardian.as_mut() {
        link.until = Some(today);
    }
    test.book
        .update_person(ended)
        .expect("ending the link is allowed while the book is managed");
    assert_eq!(
        test.book
            .book_access(child.id.clone(), today)
            .expect("access"),
        BookAccess::ReadOnly { since: today }
    );
    let yesterday = today.checked_sub_days(Days::new(1)).expect("date");
    assert_eq!(
        test.book
            .book_access(child.id.clone(), yesterday)
            .expect("access"),
        BookAccess::Managed { until: Some(today) }
    );
    assert_read_only(
        test.book.add_record(immunization(&child.id, "2026-03-15")),
        "add",
    );
}

#[test]
fn a_child_already_past_the_limit_cannot_be_added_and_the_limit_is_checked() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    let mut teen = child_of(&owner);
    teen.date_of_birth = date("2010-02-01");
    teen.personal_id = Some("001210000456".into());
    assert_read_only(test.book.add_person(teen), "add person");
    assert_eq!(test.book.people().expect("people").len(), 1);
    for years in [0, 19] {
        match test.book.set_guardian_age_limit(years) {
            Err(HealthBookError::Validation { field, .. }) => {
                assert_eq!(field, "guardian_age_limit")
            }
            other => panic!("{years}: {other:?}"),
        }
    }
    assert_eq!(test.book.guardian_age_limit().expect("limit"), 14);
}

#[test]
fn reminders_cover_the_family_and_keep_their_ids() {
    let test = new_book();
    let family = load_sample_family(&test);
    let today = today_vn();
    let reminders = test.book.reminders(today, 60).expect("reminders");
    assert!(reminders
        .windows(2)
        .all(|w| w[0].remind_on <= w[1].remind_on));
    let end = today.checked_add_days(Days::new(60)).expect("date");
    assert!(reminders
        .iter()
        .all(|r| today <= r.remind_on && r.remind_on < end));

    // The sample's one booked re-exam, the day before (or today if it is tomorrow).
    let booked = family
        .records
        .iter()
        .find_map(|r| match r {
            Record::Appointment { appointment } if appointment.appointment_date > today => {
                Some(appointment)
            }
            _ => None,
        })
        .expect("a booked re-exam");
    let reexam = reminders
        .iter()
        .find(|r| r.kind == ReminderKind::ReExam)
        .expect("re-exam reminder");
    assert_eq!(reexam.record_id.as_deref(), Some(booked.id.as_str()));
    assert_eq!(reexam.person_id, booked.person_id);
    assert_eq!(reexam.event_date, booked.appointment_date);
    assert_eq!(
        reexam.remind_on,
        booked.appointment_date.pred_opt().expect("date").max(today)
    );

    // A baby born seven weeks and a bit ago: the 2-month doses (DTP-HepB-Hib, polio, rotavirus)
    // are due on the 2-month birthday and reminded a week before, in one reminder.
    let owner = &family.people[0];
    let mut baby = child_of(owner);
    baby.full_name = "Hoàng Gia Bảo".into();
    baby.personal_id = None;
    baby.date_of_birth = today
        .checked_sub_months(chrono::Months::new(2))
        .and_then(|d| d.checked_add_days(Days::new(20)))
        .expect("date");
    if let Some(link) = baby.guardian.as_mut() {
        link.guardian_person_id = Some(owner.id.clone());
        link.since = Some(baby.date_of_birth);
    }
    let baby = test.book.add_person(baby).expect("baby");
    let two_months = baby
        .date_of_birth
        .checked_add_months(chrono::Months::new(2))
        .expect("date");
    let reminders = test.book.reminders(today, 60).expect("reminders");
    let due = reminders
        .iter()
        .find(|r| r.person_id == baby.id && r.event_date == two_months)
        .expect("the 2-month doses are reminded");
    assert_eq!(due.kind, ReminderKind::VaccineDose);
    assert_eq!(
        due.remind_on,
        two_months.checked_sub_days(Days::new(7)).expect("date")
    );
    assert_eq!(due.id, format!("dose:{}:{two_months}", baby.id));
    assert!(
        due.text_vi.contains("mũi 1, "),
        "several doses in one: {}",
        due.text_vi
    );
    assert!(reminders
        .iter()
        .filter(|r| r.kind == ReminderKind::VaccineDose)
        .all(|r| r.person_id != owner.id));

    // The same question gives the same ids; a day later the re-exam keeps its id.
    let again = test.book.reminders(today, 60).expect("reminders");
    assert_eq!(again, reminders);
    let tomorrow = today.succ_opt().expect("date");
    if booked.appointment_date > tomorrow {
        let later = test.book.reminders(tomorrow, 60).expect("reminders");
        let same = later
            .iter()
            .find(|r| r.kind == ReminderKind::ReExam)
            .expect("still reminded");
        assert_eq!(same.id, reexam.id);
        assert_eq!(same.notification_id, reexam.notification_id);
    }

    // Once a child's book is read-only, the guardian gets no reminders for that child.
    let older = &family.people[1];
    test.book.set_guardian_age_limit(7).expect("limit");
    let now = test.book.reminders(today, 60).expect("reminders");
    assert!(now.iter().all(|r| r.person_id != older.id));
    assert!(now.iter().any(|r| r.person_id == baby.id));

    // Before the first schedule the book knows, the other reminders still come.
    let early = date("2024-01-01");
    let long_ago = test.book.reminders(early, 30).expect("reminders in 2024");
    assert!(long_ago
        .iter()
        .all(|r| r.kind != ReminderKind::VaccineDose && r.remind_on >= early));

    for days in [0, 367] {
        match test.book.reminders(today, days) {
            Err(HealthBookError::Validation { field, .. }) => assert_eq!(field, "days"),
            other => panic!("{days}: {other:?}"),
        }
    }
}
