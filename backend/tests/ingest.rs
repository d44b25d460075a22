//! Facility ingest and what citizens then see in the change feed: a valid transaction arrives, an
//! invalid one is refused whole, a wrong key or another facility's records are refused, a
//! correction replaces a record under a new version, a withdrawal arrives as a deletion, and a
//! guardian sees a child's book while another citizen may not.

mod support;

use healthbook_core::model::{GuardianRelation, PersonRole, Record, RecordKind, RecordSource};
use healthbook_core::sync::wire::ChangeBody;
use serde_json::json;
use support::*;

fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    (dir, server)
}

/// The mother's visit for pneumonia at Bạch Mai, and an allergy.
fn first_visit() -> Tx {
    let mut tx = Tx::mother();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai")
        .visit(
            "enc-1",
            "org-bm",
            "2025-03-01T08:30:00+07:00",
            "J18.9",
            "Viêm phổi",
        )
        .allergy("al-1", "Penicillin", "2024-01-02");
    tx
}

fn visit_of(record: &ChangeBody) -> &healthbook_core::model::Visit {
    match record {
        ChangeBody::Put(Record::Visit { visit }) => visit,
        other => panic!("expected a visit, got {other:?}"),
    }
}

#[test]
fn a_valid_transaction_is_stored_and_arrives_in_the_feed() {
    let (_dir, server) = server();
    let reply = server.ingest(BACH_MAI_KEY, &first_visit().bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/fhir+json; charset=utf-8");
    assert_eq!(reply.body["type"], "transaction-response");
    let entries = reply.body["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 5, "one answer per request entry");
    assert_eq!(
        entries[0]["response"]["status"], "201 Created",
        "the new citizen"
    );
    assert_eq!(entries[2]["response"]["status"], "201 Created", "the visit");
    assert_eq!(entries[2]["response"]["etag"], "W/\"1\"");
    assert_eq!(
        entries[2]["response"]["location"],
        "Encounter/enc-1/_history/1"
    );

    let (token, patient_id) = server.login(MOTHER);
    let (pages, _) = server.pages(&token, None, "_count=100");
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    assert!(page.caught_up);
    assert_eq!(page.patient_id, patient_id);
    assert_eq!(page.role, PersonRole::Owner);
    assert_eq!(page.person.full_name, "Nguyễn Thị Lan");
    assert_eq!(page.changes.len(), 2, "{:?}", page.changes);
    let visit = page
        .changes
        .iter()
        .find(|c| matches!(c.change, ChangeBody::Put(Record::Visit { .. })))
        .expect("the visit");
    assert_eq!(visit.version, 1);
    let visit = visit_of(&visit.change);
    assert_eq!(visit.facility.code, BACH_MAI);
    assert_eq!(visit.main_icd10.as_deref(), Some("J18.9"));
    assert_eq!(visit.diagnosis_text, "Viêm phổi");
    assert_eq!(visit.source, RecordSource::Facility);
    assert_eq!(visit.person_id, patient_id);

    // Re-posting the same transaction changes nothing: same versions, nothing new in the feed.
    let (_, cursor) = server.pages(&token, None, "");
    let again = server.ingest(BACH_MAI_KEY, &first_visit().bundle());
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["entry"][0]["response"]["status"], "200 OK");
    assert_eq!(again.etags(), reply.etags());
    let page = server.page(&token, Some(&cursor), "");
    assert!(page.changes.is_empty(), "{:?}", page.changes);
    assert!(page.caught_up);
}

#[test]
fn an_invalid_resource_refuses_the_whole_bundle_naming_it_and_stores_nothing() {
    let (_dir, server) = server();
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &first_visit().bundle()).status,
        200
    );
    let (token, _) = server.login(MOTHER);
    let (_, cursor) = server.pages(&token, None, "");

    // An Encounter without subject (entry 3), beside a valid new allergy (entry 2).
    let mut tx = Tx::mother();
    tx.allergy("al-2", "Aspirin", "2025-01-01");
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai");
    tx.put(json!({
        "resourceType": "Encounter",
        "id": "enc-9",
        "status": "finished",
        "serviceProvider": { "reference": "Organization/org-bm" },
        "period": { "start": "2025-04-01T08:00:00+07:00" },
    }));
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply
            .expressions()
            .contains(&"Bundle.entry[3].resource.subject".to_string()),
        "{}",
        reply.body
    );

    // A bad ICD-10 code on a diagnosis (entry 3 is the visit's Condition).
    let mut tx = Tx::mother();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai")
        .visit(
            "enc-8",
            "org-bm",
            "2025-04-02T08:00:00+07:00",
            "J1",
            "Viêm phổi",
        );
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply
            .expressions()
            .iter()
            .any(|e| e.starts_with("Bundle.entry[3].resource.code")),
        "{}",
        reply.body
    );

    // A resource the book cannot keep (a visit without its start) is named too.
    let mut tx = Tx::mother();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai");
    let subject = tx.subject();
    tx.put(json!({
        "resourceType": "Encounter",
        "id": "enc-7",
        "status": "finished",
        "subject": subject,
        "serviceProvider": { "reference": "Organization/org-bm" },
    }));
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[2].resource"]);

    // Nothing of any of them was stored: the feed has nothing new.
    let page = server.page(&token, Some(&cursor), "");
    assert!(page.changes.is_empty(), "{:?}", page.changes);
    assert!(page.caught_up);
    assert_eq!(page.next_cursor, cursor);

    // And a new citizen in a refused bundle was not created either.
    let mut tx = Tx::stranger();
    tx.allergy("al-3", "", "2025-01-01");
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 422);
    let login = server.post("/auth/dev-login", None, &json!({ "personal_id": STRANGER }));
    assert_eq!(login.status, 401, "no such citizen: the sign-in is refused");
}

#[test]
fn a_wrong_key_is_401_and_another_facilitys_records_are_403() {
    let (_dir, server) = server();
    let reply = server.ingest("not-a-facility-key-at-all", &first_visit().bundle());
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(
        reply.www_authenticate.as_deref(),
        Some("Bearer error=\"invalid_token\"")
    );

    // Chợ Rẫy's key posting a visit at Bạch Mai.
    let reply = server.ingest(CHO_RAY_KEY, &first_visit().bundle());
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(
        reply.expressions(),
        ["Bundle.entry[2].resource.serviceProvider"]
    );
    let login = server.post("/auth/dev-login", None, &json!({ "personal_id": MOTHER }));
    assert_eq!(login.status, 401, "nothing was stored: sign-in refused");
}

#[test]
fn a_correction_replaces_the_record_under_the_next_version() {
    let (_dir, server) = server();
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &first_visit().bundle()).status,
        200
    );
    let (token, _) = server.login(MOTHER);
    let (pages, cursor) = server.pages(&token, None, "");
    let original = puts(&pages)
        .into_iter()
        .find(|(_, v)| *v == 1)
        .expect("records");
    assert_eq!(puts(&pages).len(), 2);

    // The hospital corrects the diagnosis of the same encounter.
    let mut tx = Tx::mother();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai")
        .visit(
            "enc-1",
            "org-bm",
            "2025-03-01T08:30:00+07:00",
            "J15.9",
            "Viêm phổi do vi khuẩn",
        );
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["entry"][2]["response"]["etag"], "W/\"2\"");
    assert_eq!(reply.body["entry"][2]["response"]["status"], "200 OK");

    let page = server.page(&token, Some(&cursor), "");
    assert_eq!(
        page.changes.len(),
        1,
        "only the corrected visit: {:?}",
        page.changes
    );
    let change = &page.changes[0];
    assert_eq!(change.version, 2);
    let visit = visit_of(&change.change);
    assert_eq!(visit.main_icd10.as_deref(), Some("J15.9"));
    assert_eq!(visit.diagnosis_text, "Viêm phổi do vi khuẩn");

    // A fresh device sees each record once, the visit at version 2.
    let (pages, _) = server.pages(&token, None, "");
    let all = puts(&pages);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.contains(&(change.record_id.clone(), 2)));
    assert!(!all.contains(&(change.record_id.clone(), 1)));
    let _ = original;
}

#[test]
fn a_withdrawal_arrives_as_a_deletion() {
    let (_dir, server) = server();
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &first_visit().bundle()).status,
        200
    );
    let (token, _) = server.login(MOTHER);
    let (pages, cursor) = server.pages(&token, None, "");
    let allergy_id = pages[0]
        .changes
        .iter()
        .find(|c| matches!(c.change, ChangeBody::Put(Record::Allergy { .. })))
        .map(|c| c.record_id.clone())
        .expect("the allergy");

    let mut tx = Tx::mother();
    tx.delete("AllergyIntolerance/al-1");
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["entry"][1]["response"]["etag"], "W/\"2\"");

    let page = server.page(&token, Some(&cursor), "");
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].record_id, allergy_id);
    assert_eq!(page.changes[0].version, 2);
    assert_eq!(
        page.changes[0].change,
        ChangeBody::Delete(RecordKind::Allergy)
    );

    // Withdrawing it again is no change; withdrawing what was never sent is refused.
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 200);
    let mut never = Tx::mother();
    never.delete("AllergyIntolerance/al-404");
    let reply = server.ingest(BACH_MAI_KEY, &never.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[1].request.url"]);
    let (pages, _) = server.pages(&token, Some(&cursor), "");
    assert_eq!(deletes(&pages), [(allergy_id, 2)]);
}

#[test]
fn a_guardian_sees_the_childs_book_and_another_citizen_gets_403() {
    let (_dir, server) = server();
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &first_visit().bundle()).status,
        200
    );
    let mut stranger = Tx::stranger();
    stranger.allergy("al-s", "Sulfa", "2023-05-05");
    assert_eq!(server.ingest(BACH_MAI_KEY, &stranger.bundle()).status, 200);
    let (mother_token, _) = server.login(MOTHER);
    let (_, cursor) = server.pages(&mother_token, None, "");

    // The son's vaccination, with his mother named as guardian.
    let mut tx = Tx::son();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai")
        .immunization("imm-1", "org-bm", "BCG", "2020-05-02")
        .guardian("rp-1", MOTHER, "MTH", "Nguyễn Thị Lan", "2020-05-01");
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);

    // The mother's next pull brings the son's whole book, as a dependant linked to her.
    let (pages, _) = server.pages(&mother_token, Some(&cursor), "");
    let son_pages: Vec<_> = pages
        .iter()
        .filter(|p| p.role == PersonRole::Dependant)
        .collect();
    assert!(!son_pages.is_empty(), "{pages:?}");
    let son = &son_pages[0];
    assert_eq!(son.person.full_name, "Trần Minh Khang");
    let link = son.person.guardian.as_ref().expect("guardian link");
    assert_eq!(link.relation, GuardianRelation::Mother);
    assert_eq!(link.name, "Nguyễn Thị Lan");
    let son_id = son.patient_id.clone();
    let records: Vec<_> = son_pages.iter().flat_map(|p| &p.changes).collect();
    assert_eq!(records.len(), 1);
    assert!(matches!(
        records[0].change,
        ChangeBody::Put(Record::Immunization { .. })
    ));

    // She may ask for his changes alone and read his Patient.
    let page = server.page(&mother_token, None, &format!("patient={son_id}"));
    assert_eq!(page.patient_id, son_id);
    assert_eq!(page.changes.len(), 1);
    assert_eq!(
        server
            .get(&format!("/fhir/Patient/{son_id}"), Some(&mother_token))
            .status,
        200
    );

    // Another citizen may not.
    let (stranger_token, _) = server.login(STRANGER);
    let reply = server.get(
        &format!("/fhir/$changes?patient={son_id}"),
        Some(&stranger_token),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.expressions(), ["patient"]);
    assert_eq!(
        server
            .get(&format!("/fhir/Patient/{son_id}"), Some(&stranger_token))
            .status,
        403
    );
    let (pages, _) = server.pages(&stranger_token, None, "");
    assert!(pages.iter().all(|p| p.role == PersonRole::Owner));

    // The facility ends the link: the son is no longer hers to see.
    let mut end = Tx::son();
    end.delete("RelatedPerson/rp-1");
    assert_eq!(server.ingest(BACH_MAI_KEY, &end.bundle()).status, 200);
    let reply = server.get(
        &format!("/fhir/$changes?patient={son_id}"),
        Some(&mother_token),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[test]
fn a_guardian_link_ends_at_the_age_limit() {
    let (_dir, server) = server();
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &first_visit().bundle()).status,
        200
    );
    let mut tx = Tx::patient("bn-2001", TEEN, "Trần Thu Hà", "2010-02-01", "female");
    tx.allergy("al-t", "Peanut", "2020-01-01").guardian(
        "rp-2",
        MOTHER,
        "MTH",
        "Nguyễn Thị Lan",
        "2010-02-01",
    );
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 200);
    let (token, _) = server.login(MOTHER);
    let (pages, _) = server.pages(&token, None, "");
    assert!(
        pages.iter().all(|p| p.role == PersonRole::Owner),
        "a child of 14 or more is not in the guardian's feed"
    );

    // With a higher limit the same link is in force.
    drop(server);
    let server = Server::start(
        &_dir.path().join("server.db"),
        &["--guardian-age-limit", "18"],
    );
    let (token, _) = server.login(MOTHER);
    let (pages, _) = server.pages(&token, None, "");
    assert!(pages.iter().any(|p| p.role == PersonRole::Dependant));
}
