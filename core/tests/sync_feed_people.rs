//! Change-feed pages that would mix up the people of a book, served over real HTTP on 127.0.0.1:
//! a page about a dependant that names the book's owner, and a record id the book has for one
//! person arriving on another person's page. The book refuses those changes (and only those): no
//! one's details or records are written over or moved, and the sync completes.

mod common;
mod stub_server;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::{all_records, block_on, child_of, mother, new_book, visit, TestBook};
use healthbook_core::model::time::vietnam_offset;
use healthbook_core::model::{Person, PersonRole, Record};
use healthbook_core::sync::wire::{feed_page_bundle, ChangeBody, FeedPage, RecordChange};
use healthbook_core::{HealthBookError, SyncAuth, SyncConfig};
use stub_server::{Reply, Request, StubServer};

struct Token;

impl SyncAuth for Token {
    fn access_token(&self) -> Result<String, HealthBookError> {
        Ok("a-citizen-token".into())
    }
}

fn sync(test: &TestBook, url: &str) -> Result<healthbook_core::SyncReport, HealthBookError> {
    let config = SyncConfig {
        request_timeout: Some(Duration::from_secs(5)),
        max_attempts: 1,
        backoff_base: Some(Duration::from_millis(10)),
        ..SyncConfig::new(url)
    };
    block_on(test.book.clone().sync(config, Arc::new(Token), None, None))
}

/// A page about `person` (the backend's patient `patient_id`) with `records` at `version`.
fn page(
    patient_id: &str,
    role: PersonRole,
    person: &Person,
    records: &[(&str, Record)],
    version: i64,
    next_cursor: &str,
    caught_up: bool,
) -> FeedPage {
    let mut person = person.clone();
    person.id = patient_id.into();
    person.role = role;
    FeedPage {
        patient_id: patient_id.into(),
        role,
        person,
        changes: records
            .iter()
            .map(|(id, record)| {
                let mut record = record.clone();
                record.set_id((*id).into());
                record.set_person_id(patient_id.into());
                RecordChange {
                    record_id: (*id).into(),
                    version,
                    change: ChangeBody::Put(record),
                }
            })
            .collect(),
        next_cursor: next_cursor.into(),
        caught_up,
    }
}

/// A feed of `pages` in order: the first without a cursor, each next one at the cursor the
/// previous one names.
fn feed(pages: Vec<FeedPage>) -> StubServer {
    StubServer::start(move |request: &Request| {
        if !request.path().ends_with("changes") {
            return Reply::status(404, "application/fhir+json", "{}");
        }
        let cursor = request
            .target
            .split(['?', '&'])
            .find_map(|pair| pair.strip_prefix("cursor="));
        let index = match cursor {
            None => 0,
            Some(cursor) => pages
                .iter()
                .position(|p| p.next_cursor == cursor)
                .map_or(pages.len() - 1, |i| (i + 1).min(pages.len() - 1)),
        };
        let page = &pages[index];
        let next = format!("http://127.0.0.1/fhir/$changes?cursor={}", page.next_cursor);
        let body = feed_page_bundle(
            page,
            &request.target,
            &next,
            Utc::now().with_timezone(&vietnam_offset()),
        );
        Reply::ok("application/fhir+json", body.to_string())
    })
}

fn person_named(test: &TestBook, id: &str) -> Person {
    test.book
        .people()
        .expect("people")
        .into_iter()
        .find(|p| p.id == id)
        .expect("the person is in the book")
}

#[test]
fn a_dependant_page_that_names_the_owner_changes_nothing_of_the_owner() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    // The same CCCD as the owner, but served as a child in the owner's care, with another name
    // and a visit of its own.
    let mut impostor = mother();
    impostor.full_name = "Lê Văn Giả".into();
    let server = feed(vec![
        page(
            "pat-impostor",
            PersonRole::Dependant,
            &impostor,
            &[(
                "rec-impostor",
                visit("x", "2026-05-02T08:00:00+07:00", "Viêm phổi", "J18.9"),
            )],
            1,
            "c1",
            false,
        ),
        page(
            "pat-owner",
            PersonRole::Owner,
            &mother(),
            &[(
                "rec-owner",
                visit("x", "2026-04-01T08:00:00+07:00", "Viêm họng", "J02.9"),
            )],
            1,
            "c2",
            true,
        ),
    ]);

    let report = sync(&test, &server.url()).expect("the sync completes");

    assert_eq!(report.pages, 2);
    assert_eq!(report.records_refused, 1, "{report:?}");
    let people = test.book.people().expect("people");
    assert_eq!(people.len(), 1, "no one added: {people:?}");
    let after = person_named(&test, &owner.id);
    assert_eq!(after.full_name, owner.full_name, "the owner's name stays");
    assert_eq!(after.role, PersonRole::Owner);
    let records = all_records(&test, &owner.id);
    let ids: Vec<&str> = records.iter().map(|r| r.id()).collect();
    assert_eq!(
        ids,
        vec!["rec-owner"],
        "only the owner's own page reached the owner's book"
    );
}

#[test]
fn a_record_id_of_one_person_on_another_persons_page_is_not_moved_or_written_over() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner");
    let child = child_of(&owner);
    let owners_visit = visit("x", "2026-04-01T08:00:00+07:00", "Viêm họng", "J02.9");
    let server = feed(vec![
        page(
            "pat-owner",
            PersonRole::Owner,
            &mother(),
            &[("rec-shared", owners_visit.clone())],
            1,
            "c1",
            false,
        ),
        page(
            "pat-child",
            PersonRole::Dependant,
            &child,
            &[
                // The owner's record id, with the child's content.
                (
                    "rec-shared",
                    visit("x", "2026-06-10T09:00:00+07:00", "Sốt siêu vi", "A99"),
                ),
                (
                    "rec-child",
                    visit("x", "2026-06-11T09:00:00+07:00", "Viêm tai giữa", "H66.9"),
                ),
            ],
            2,
            "c2",
            true,
        ),
    ]);

    let report = sync(&test, &server.url()).expect("the sync completes");
    assert_eq!(report.pages, 2);
    assert_eq!(report.records_refused, 1, "{report:?}");

    let shared = test.book.record("rec-shared".into()).expect("still there");
    assert_eq!(
        shared.person_id(),
        owner.id.as_str(),
        "not moved to the child"
    );
    let Record::Visit { visit } = &shared else {
        panic!("a visit: {shared:?}");
    };
    assert_eq!(
        visit.main_icd10.as_deref(),
        Some("J02.9"),
        "the owner's visit is not written over by the child's page"
    );
    let child_id = test
        .book
        .people()
        .expect("people")
        .into_iter()
        .find(|p| p.role == PersonRole::Dependant)
        .expect("the child arrived")
        .id;
    let child_records = all_records(&test, &child_id);
    let ids: Vec<&str> = child_records.iter().map(|r| r.id()).collect();
    assert_eq!(ids, vec!["rec-child"], "the child's own record is applied");
    assert_eq!(all_records(&test, &owner.id).len(), 1);
}
