//! The sync wire both ways: what the backend writes, the core reads back unchanged.

use chrono::{NaiveDate, TimeZone};
use serde_json::{json, Value};

use super::wire::*;
use crate::model::time::vietnam_offset;
use crate::model::{DateTimeOffset, PersonRole, Record, RecordKind, RecordSource};
use crate::sample::{sample_family, SampleFamily};

fn now() -> DateTimeOffset {
    vietnam_offset()
        .with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn family() -> SampleFamily {
    sample_family(
        42,
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
    )
}

fn page_of(family: &SampleFamily, person: usize, caught_up: bool) -> FeedPage {
    let person = family.people[person].clone();
    let changes = family
        .records
        .iter()
        .filter(|r| r.person_id() == person.id)
        .enumerate()
        .map(|(i, record)| RecordChange {
            record_id: record.id().to_string(),
            version: i as i64 % 3 + 1,
            change: ChangeBody::Put(record.clone()),
        })
        .collect();
    FeedPage {
        patient_id: format!("patient-{}", person.id),
        role: person.role,
        person,
        changes,
        next_cursor: "c/1+2=".into(),
        caught_up,
    }
}

/// What the core should read for `record` sent as `change` of patient `patient_id`.
fn as_received(record: &Record, patient_id: &str) -> Record {
    let mut record = record.clone();
    record.set_person_id(patient_id.to_string());
    if record.source() == RecordSource::Imported {
        record.set_source(RecordSource::Citizen);
    }
    record
}

#[test]
fn every_record_of_the_sample_family_comes_through_a_page_unchanged() {
    let family = family();
    for index in 0..family.people.len() {
        let page = page_of(&family, index, index == 2);
        let bundle = feed_page_bundle(
            &page,
            "http://h/fhir/$changes",
            "http://h/fhir/$changes?cursor=c%2F1%2B2%3D&_count=500",
            now(),
        );
        let read = read_feed_page(&bundle).expect("page reads");
        assert_eq!(read.patient_id, page.patient_id);
        assert_eq!(read.role, page.person.role);
        assert_eq!(read.next_cursor, "c/1+2=");
        assert_eq!(read.caught_up, index == 2);
        assert_eq!(read.person.personal_id, page.person.personal_id);
        assert_eq!(read.person.full_name, page.person.full_name);
        assert_eq!(read.changes.len(), page.changes.len());
        for sent in &page.changes {
            let got = read
                .changes
                .iter()
                .find(|c| c.record_id == sent.record_id)
                .expect("record in the page");
            assert_eq!(got.version, sent.version, "{}", sent.record_id);
            let ChangeBody::Put(sent_record) = &sent.change else {
                unreachable!()
            };
            assert_eq!(
                got.change,
                ChangeBody::Put(as_received(sent_record, &page.patient_id)),
                "{}",
                sent.record_id
            );
        }
    }
}

#[test]
fn a_childs_page_carries_the_guardian_link() {
    let family = family();
    let page = page_of(&family, 2, false);
    assert_eq!(page.role, PersonRole::Dependant);
    let bundle = feed_page_bundle(&page, "s", "n?cursor=x", now());
    let read = read_feed_page(&bundle).expect("page reads");
    let sent = page.person.guardian.expect("sample child has a guardian");
    let got = read.person.guardian.expect("guardian read back");
    assert_eq!(got.relation, sent.relation);
    assert_eq!(got.name, sent.name);
    assert_eq!(got.since, sent.since);
}

#[test]
fn deletions_travel_as_conditional_deletes_with_their_version() {
    let family = family();
    let mut page = page_of(&family, 0, true);
    page.changes.truncate(1);
    page.changes.push(RecordChange {
        record_id: "gone-1".into(),
        version: 7,
        change: ChangeBody::Delete(RecordKind::Prescription),
    });
    let bundle = feed_page_bundle(&page, "s", "n?cursor=x", now());
    let deletes: Vec<&Value> = bundle["entry"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter(|e| e["request"]["method"] == "DELETE")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        deletes[0]["request"]["url"],
        "MedicationRequest?identifier=https://healthbook.vn/fhir/record-id|gone-1"
    );
    let read = read_feed_page(&bundle).expect("page reads");
    assert_eq!(read.changes.len(), 2);
    assert_eq!(
        read.changes[1],
        RecordChange {
            record_id: "gone-1".into(),
            version: 7,
            change: ChangeBody::Delete(RecordKind::Prescription),
        }
    );
}

#[test]
fn every_history_entry_has_request_and_response() {
    let family = family();
    let bundle = feed_page_bundle(&page_of(&family, 1, false), "s", "n?cursor=x", now());
    assert_eq!(bundle["type"], "history");
    for entry in bundle["entry"].as_array().expect("entries") {
        assert!(entry["request"]["method"].is_string(), "{entry}");
        assert!(entry["response"]["status"].is_string(), "{entry}");
        if let Some(resource) = entry.get("resource") {
            let url = format!(
                "{}/{}",
                resource["resourceType"].as_str().unwrap_or(""),
                resource["id"].as_str().unwrap_or("")
            );
            assert_eq!(entry["request"]["url"], json!(url));
        }
    }
}

#[test]
fn a_page_with_an_unreadable_resource_is_refused_whole() {
    let family = family();
    let mut bundle = feed_page_bundle(&page_of(&family, 0, true), "s", "n?cursor=x", now());
    let entries = bundle["entry"].as_array_mut().expect("entries");
    let encounter = entries
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Encounter")
        .expect("an encounter");
    encounter["resource"]
        .as_object_mut()
        .expect("object")
        .remove("period");
    let error = read_feed_page(&bundle).expect_err("refused");
    assert!(error.to_string().starts_with("page."), "{error}");
}

#[test]
fn a_page_without_its_cursor_or_patient_is_refused() {
    let family = family();
    let good = feed_page_bundle(&page_of(&family, 0, true), "s", "n?cursor=x", now());
    let mut no_next = good.clone();
    no_next["link"] = json!([{ "relation": "self", "url": "s" }]);
    assert!(read_feed_page(&no_next).is_err());
    let mut no_patient = good.clone();
    if let Some(entries) = no_patient["entry"].as_array_mut() {
        entries.retain(|e| e["resource"]["resourceType"] != "Patient");
    }
    assert!(read_feed_page(&no_patient).is_err());
    let mut not_history = good;
    not_history["type"] = json!("searchset");
    assert!(read_feed_page(&not_history).is_err());
}

#[test]
fn a_push_reads_back_as_the_same_items() {
    let family = family();
    let mother = family.people[0].clone();
    let mut citizen: Vec<Record> = family
        .records
        .iter()
        .filter(|r| r.person_id() == mother.id && r.source() == RecordSource::Citizen)
        .take(5)
        .cloned()
        .collect();
    assert!(
        !citizen.is_empty(),
        "the sample has citizen-written records"
    );
    let mut person = mother.clone();
    person.id = "patient-9".into();
    let mut items: Vec<PushItem> = citizen
        .iter_mut()
        .enumerate()
        .map(|(i, record)| PushItem {
            record_id: format!("rec-{i}"),
            base_version: (i > 0).then_some(i as i64),
            change: PushChange::Put {
                person: person.clone(),
                record: record.clone(),
            },
        })
        .collect();
    items.push(PushItem {
        record_id: "rec-del".into(),
        base_version: Some(3),
        change: PushChange::Delete,
    });
    let bundle = push_bundle(&items, now());
    let read = read_push_bundle(&bundle).expect("push reads");
    assert_eq!(read.len(), items.len());
    for (sent, got) in items.iter().zip(read) {
        let got = got.expect("entry reads");
        assert_eq!(got.record_id, sent.record_id);
        assert_eq!(got.base_version, sent.base_version);
        match (&sent.change, &got.change) {
            (PushChange::Delete, PushChange::Delete) => {}
            (
                PushChange::Put { record, .. },
                PushChange::Put {
                    person: got_person,
                    record: got_record,
                },
            ) => {
                assert_eq!(got_person.id, "patient-9");
                assert_eq!(got_person.personal_id, mother.personal_id);
                let mut expected = record.clone();
                expected.set_id(sent.record_id.clone());
                expected.set_person_id(String::new());
                assert_eq!(got_record, &expected);
            }
            _ => panic!("change kind differs for {}", sent.record_id),
        }
    }
}

#[test]
fn a_push_entry_that_cannot_be_read_fails_alone() {
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            { "request": { "method": "DELETE", "url": "Bundle/ok-1", "ifMatch": "W/\"2\"" } },
            { "request": { "method": "PUT", "url": "Bundle/bad id" }, "resource": {} },
            { "request": { "method": "PUT", "url": "Bundle/no-doc" }, "resource": { "resourceType": "Bundle", "type": "document" } },
        ],
    });
    let read = read_push_bundle(&bundle).expect("bundle reads");
    assert_eq!(read.len(), 3);
    assert!(read[0].is_ok());
    assert!(read[1].as_ref().is_err_and(|e| e.contains("Bundle/bad id")));
    assert!(read[2].is_err());
}

#[test]
fn push_answers_read_back_in_order() {
    let outcomes = vec![
        PushOutcome::Stored { version: 4 },
        PushOutcome::Conflict { current_version: 9 },
        PushOutcome::Rejected {
            status: 403,
            reason: "facility records are read-only".into(),
        },
    ];
    let bundle = push_response_bundle(&outcomes);
    assert_eq!(bundle["type"], "batch-response");
    assert_eq!(read_push_response(&bundle, 3).expect("reads"), outcomes);
    assert!(read_push_response(&bundle, 2).is_err());
}

#[test]
fn etags_and_escapes() {
    assert_eq!(parse_etag("W/\"12\""), Some(12));
    assert_eq!(parse_etag("\"3\""), Some(3));
    assert_eq!(parse_etag("W/\"x\""), None);
    assert_eq!(percent_decode(&percent_encode("a/b+c=d é")), "a/b+c=d é");
}

/// Every resource of `bundle` (nested Bundles included) has the elements R4 requires and no
/// empty values: the same checks the export is held to.
fn r4_problems(bundle: &Value) -> Vec<String> {
    let mut found = Vec::new();
    crate::fhir::tests::empty_values(bundle, "Bundle", &mut found);
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        if let Some(resource) = entry.get("resource") {
            if resource["resourceType"] == "Bundle" {
                found.extend(r4_problems(resource));
            } else {
                found.extend(crate::fhir::tests::missing_required(resource));
            }
        }
    }
    found
}

#[test]
fn pages_pushes_and_answers_have_what_r4_requires() {
    let family = family();
    for index in 0..family.people.len() {
        let mut page = page_of(&family, index, true);
        page.changes.push(RecordChange {
            record_id: "gone".into(),
            version: 2,
            change: ChangeBody::Delete(RecordKind::Allergy),
        });
        let bundle = feed_page_bundle(
            &page,
            "http://h/fhir/$changes",
            "http://h/fhir/$changes?cursor=x",
            now(),
        );
        assert_eq!(r4_problems(&bundle), Vec::<String>::new());
    }
    let mother = family.people[0].clone();
    let items: Vec<PushItem> = family
        .records
        .iter()
        .filter(|r| r.person_id() == mother.id)
        .take(40)
        .map(|record| PushItem {
            record_id: record.id().to_string(),
            base_version: Some(1),
            change: PushChange::Put {
                person: mother.clone(),
                record: record.clone(),
            },
        })
        .collect();
    assert_eq!(
        r4_problems(&push_bundle(&items, now())),
        Vec::<String>::new()
    );
    let answer = push_response_bundle(&[
        PushOutcome::Stored { version: 1 },
        PushOutcome::Conflict { current_version: 2 },
        PushOutcome::Rejected {
            status: 422,
            reason: "invalid".into(),
        },
    ]);
    assert_eq!(r4_problems(&answer), Vec::<String>::new());
}
