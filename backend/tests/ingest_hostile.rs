//! Facility ingest and citizen push against someone trying to get at another person's book: a
//! facility naming a known CCCD under another name or birth date, a RelatedPerson naming a known
//! guardian under another name, a facility changing or ending another facility's guardian link,
//! and a citizen pushing a record under the id a hospital's next record would get. Each is refused
//! with nothing stored, and the guardian link log keeps every change of a link.

mod support;

use healthbook_core::fhir::imported_record_id;
use healthbook_core::model::{Person, PersonRole, Record, RecordSource, Sex};
use healthbook_core::sync::wire::{
    push_bundle, read_push_response, ChangeBody, PushChange, PushItem, PushOutcome,
};
use serde_json::json;
use support::*;

fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    (dir, server)
}

fn mother_with_allergy() -> Tx {
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin", "2024-01-02");
    tx
}

/// The son's vaccination at Bạch Mai, his mother named as guardian through `rp-1`.
fn son_with_mother() -> Tx {
    let mut tx = Tx::son();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai")
        .immunization("imm-1", "org-bm", "BCG", "2020-05-02")
        .guardian("rp-1", MOTHER, "MTH", "Nguyễn Thị Lan", "2020-05-01");
    tx
}

/// Ingests `tx` with `key` and checks it was stored.
fn ingested(server: &Server, key: &str, tx: &Tx) {
    let reply = server.ingest(key, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// The mother, then the son with her as guardian (Bạch Mai's link): her token and his patient id.
fn mother_and_son(server: &Server) -> (String, String) {
    ingested(server, BACH_MAI_KEY, &mother_with_allergy());
    ingested(server, BACH_MAI_KEY, &son_with_mother());
    let (mother_token, _) = server.login(MOTHER);
    let son_id = children_seen(server, &mother_token)[0].clone();
    (mother_token, son_id)
}

/// A RelatedPerson `id` naming `cccd` as the Patient's mother, with `extra` fields merged in.
fn related_person(tx: &mut Tx, id: &str, cccd: &str, name: &str, extra: serde_json::Value) {
    let mut resource = json!({
        "resourceType": "RelatedPerson",
        "id": id,
        "patient": tx.subject(),
        "identifier": [{ "system": CCCD, "value": cccd }],
        "relationship": [{ "coding": [{ "system": ROLE_CODE, "code": "MTH" }] }],
        "name": [{ "text": name }],
        "period": { "start": "2020-05-01" },
    });
    for (key, value) in extra.as_object().expect("an object") {
        resource[key] = value.clone();
    }
    tx.put(resource);
}

/// The children the token reaches (their patient ids).
fn children_seen(server: &Server, token: &str) -> Vec<String> {
    let (pages, _) = server.pages(token, None, "");
    let mut children: Vec<String> = pages
        .iter()
        .filter(|p| p.role == PersonRole::Dependant)
        .map(|p| p.patient_id.clone())
        .collect();
    children.dedup();
    children
}

fn diagnostics(reply: &Reply) -> String {
    reply.body["issue"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["diagnostics"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn codes(reply: &Reply) -> Vec<String> {
    reply.body["issue"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["code"].as_str().map(str::to_string))
        .collect()
}

// ----- the Patient must be the citizen the CCCD belongs to ----------------------------------

#[test]
fn a_known_cccd_under_another_name_is_refused_and_nothing_is_stored() {
    let (_dir, server) = server();
    ingested(&server, BACH_MAI_KEY, &mother_with_allergy());
    ingested(&server, BACH_MAI_KEY, &son_with_mother());
    let mut stranger = Tx::stranger();
    stranger.allergy("al-s", "Sulfa", "2023-05-05");
    assert_eq!(server.ingest(CHO_RAY_KEY, &stranger.bundle()).status, 200);
    let (mother_token, _) = server.login(MOTHER);
    let (stranger_token, _) = server.login(STRANGER);
    let son_id = children_seen(&server, &mother_token)[0].clone();
    let (_, cursor) = server.pages(&mother_token, None, &format!("patient={son_id}"));

    // Chợ Rẫy sends the son's CCCD under a made-up name, naming the stranger as his guardian.
    let mut tx = Tx::patient("cr-77", SON, "Đỗ Văn Tâm", "2020-05-01", "male");
    tx.allergy("al-x", "Aspirin", "2025-01-01").guardian(
        "rp-x",
        STRANGER,
        "GUARD",
        "Lê Văn Hùng",
        "2020-05-01",
    );
    let reply = server.ingest(CHO_RAY_KEY, &tx.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[0].resource.name"]);
    let said = diagnostics(&reply);
    assert!(said.contains("different name"), "{said}");
    assert!(
        !said.contains("Trần") && !said.to_lowercase().contains("khang"),
        "the stored name is not told: {said}"
    );

    // Nothing was stored: no link, nothing new in the son's book.
    assert!(children_seen(&server, &stranger_token).is_empty());
    let page = server.page(&mother_token, Some(&cursor), &format!("patient={son_id}"));
    assert!(page.changes.is_empty(), "{:?}", page.changes);
    assert_eq!(page.person.full_name, "Trần Minh Khang");
}

#[test]
fn a_known_cccd_under_another_birth_date_is_refused() {
    let (_dir, server) = server();
    let (mother_token, son_id) = mother_and_son(&server);
    let (_, cursor) = server.pages(&mother_token, None, &format!("patient={son_id}"));

    // The right name, a birth date of the same year (the CCCD carries the year).
    let mut tx = Tx::patient("cr-78", SON, "Trần Minh Khang", "2020-11-30", "male");
    tx.allergy("al-y", "Aspirin", "2025-01-01");
    let reply = server.ingest(CHO_RAY_KEY, &tx.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[0].resource.birthDate"]);
    let said = diagnostics(&reply);
    assert!(said.contains("different birth date"), "{said}");
    assert!(
        !said.contains("2020-05-01"),
        "the stored date is not told: {said}"
    );
    let page = server.page(&mother_token, Some(&cursor), &format!("patient={son_id}"));
    assert!(page.changes.is_empty(), "{:?}", page.changes);
}

#[test]
fn a_known_cccd_under_the_same_name_written_differently_is_accepted() {
    let (_dir, server) = server();
    ingested(&server, BACH_MAI_KEY, &mother_with_allergy());
    // Upper case, no diacritics, extra spaces: the same name.
    let mut tx = Tx::patient(
        "cr-1",
        MOTHER,
        "  NGUYEN  THI   LAN ",
        "1990-03-14",
        "female",
    );
    tx.allergy("al-2", "Aspirin", "2025-01-01");
    let reply = server.ingest(CHO_RAY_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut tx = Tx::patient("cr-1", MOTHER, "Nguyễn thị Lan", "1990-03-14", "female");
    tx.allergy("al-3", "Ibuprofen", "2025-01-02");
    assert_eq!(server.ingest(CHO_RAY_KEY, &tx.bundle()).status, 200);
    let (token, _) = server.login(MOTHER);
    let (pages, _) = server.pages(&token, None, "");
    assert_eq!(puts(&pages).len(), 3);
    assert_eq!(
        pages[0].person.full_name, "Nguyễn Thị Lan",
        "the profile is kept"
    );
}

// ----- a RelatedPerson must be the citizen its CCCD belongs to ------------------------------

#[test]
fn a_related_person_naming_a_known_guardian_under_another_name_or_birth_date_is_refused() {
    let (_dir, server) = server();
    ingested(&server, BACH_MAI_KEY, &mother_with_allergy());
    let (mother_token, _) = server.login(MOTHER);

    // The mother's CCCD, under another name: entry 3 is the RelatedPerson.
    let mut tx = Tx::son();
    tx.organization("org-bm", BACH_MAI, "Bệnh viện Bạch Mai")
        .immunization("imm-1", "org-bm", "BCG", "2020-05-02");
    let mut by_name = tx.clone();
    related_person(&mut by_name, "rp-1", MOTHER, "Phạm Thị Hoa", json!({}));
    let reply = server.ingest(BACH_MAI_KEY, &by_name.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[3].resource.name"]);
    let said = diagnostics(&reply);
    assert!(said.contains("different name"), "{said}");
    assert!(!said.to_lowercase().contains("lan"), "{said}");

    // The right name, another birth date.
    let mut by_birth = tx.clone();
    related_person(
        &mut by_birth,
        "rp-1",
        MOTHER,
        "Nguyễn Thị Lan",
        json!({ "birthDate": "1990-03-15" }),
    );
    let reply = server.ingest(BACH_MAI_KEY, &by_birth.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[3].resource.birthDate"]);
    assert!(diagnostics(&reply).contains("different birth date"));

    // Neither made a link, nor stored the son.
    assert!(children_seen(&server, &mother_token).is_empty());
    let login = server.post("/auth/dev-login", None, &json!({ "personal_id": SON }));
    assert_eq!(login.status, 401, "the son was not created");

    // Her own name (written without diacritics) and birth date make the link.
    let mut right = tx.clone();
    related_person(
        &mut right,
        "rp-1",
        MOTHER,
        "nguyen thi lan",
        json!({ "birthDate": "1990-03-14" }),
    );
    let reply = server.ingest(BACH_MAI_KEY, &right.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(children_seen(&server, &mother_token).len(), 1);
}

// ----- only the facility that made a link changes or ends it --------------------------------

#[test]
fn another_facility_can_neither_change_nor_end_a_guardian_link() {
    let (_dir, server) = server();
    let (mother_token, son_id) = mother_and_son(&server);

    // Chợ Rẫy ends it with a period.end in the past (entry 1 is its RelatedPerson).
    let mut end = Tx::son();
    related_person(
        &mut end,
        "rp-cr",
        MOTHER,
        "Nguyễn Thị Lan",
        json!({ "period": { "start": "2020-05-01", "end": "2021-01-01" } }),
    );
    let reply = server.ingest(CHO_RAY_KEY, &end.bundle());
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(codes(&reply), ["forbidden"]);
    assert_eq!(reply.expressions(), ["Bundle.entry[1].resource.identifier"]);
    assert_eq!(
        children_seen(&server, &mother_token),
        std::slice::from_ref(&son_id)
    );

    // Chợ Rẫy changes it (another relation, no end): refused too, so it cannot take the link
    // over and end it later.
    let mut change = Tx::son();
    change.guardian("rp-cr", MOTHER, "GUARD", "Nguyễn Thị Lan", "2020-05-01");
    let reply = server.ingest(CHO_RAY_KEY, &change.bundle());
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(
        children_seen(&server, &mother_token),
        std::slice::from_ref(&son_id)
    );

    // Chợ Rẫy withdrawing Bạch Mai's RelatedPerson id is not its to withdraw.
    let mut withdraw = Tx::son();
    withdraw.delete("RelatedPerson/rp-1");
    let reply = server.ingest(CHO_RAY_KEY, &withdraw.bundle());
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry[1].request.url"]);
    let page = server.page(&mother_token, None, &format!("patient={son_id}"));
    let link = page.person.guardian.expect("the link");
    assert_eq!(link.until, None);
    assert_eq!(
        link.relation,
        healthbook_core::model::GuardianRelation::Mother
    );

    // Bạch Mai, which made it, ends it.
    let mut own = Tx::son();
    related_person(
        &mut own,
        "rp-1",
        MOTHER,
        "Nguyễn Thị Lan",
        json!({ "period": { "start": "2020-05-01", "end": "2021-01-01" } }),
    );
    let reply = server.ingest(BACH_MAI_KEY, &own.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(children_seen(&server, &mother_token).is_empty());
}

#[test]
fn a_link_the_seed_made_is_no_facilitys_to_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &["--seed"]);
    let family = healthbook_core::sample::sample_family(42, today_vn());
    let child = family
        .people
        .iter()
        .find(|p| p.guardian.is_some() && p.personal_id.is_some())
        .expect("a seeded child with a CCCD");
    let mother = family
        .people
        .iter()
        .find(|p| p.role == PersonRole::Owner)
        .expect("the mother");
    let mother_cccd = mother.personal_id.clone().expect("her CCCD");
    let (token, _) = server.login(&mother_cccd);
    let before = children_seen(&server, &token);
    assert!(!before.is_empty());

    let gender = match child.sex {
        Sex::Male => "male",
        _ => "female",
    };
    let mut tx = Tx::patient(
        "bm-9",
        child.personal_id.as_deref().expect("CCCD"),
        &child.full_name,
        &child.date_of_birth.to_string(),
        gender,
    );
    related_person(
        &mut tx,
        "rp-9",
        &mother_cccd,
        &mother.full_name,
        json!({ "period": { "start": "2020-01-01", "end": "2021-01-01" } }),
    );
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(codes(&reply), ["forbidden"]);
    assert_eq!(children_seen(&server, &token), before);
}

// ----- the guardian link log ----------------------------------------------------------------

type LogRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

#[test]
fn the_link_log_lists_each_change_of_a_link_in_order() {
    let (dir, server) = server();
    let started = chrono::Utc::now().timestamp_millis();
    let (_, son_id) = mother_and_son(&server);

    // Sent again unchanged: no change, nothing logged.
    ingested(&server, BACH_MAI_KEY, &son_with_mother());
    // Changed: an end date.
    let mut change = Tx::son();
    related_person(
        &mut change,
        "rp-1",
        MOTHER,
        "Nguyễn Thị Lan",
        json!({ "period": { "start": "2020-05-01", "end": "2034-05-01" } }),
    );
    assert_eq!(server.ingest(BACH_MAI_KEY, &change.bundle()).status, 200);
    // Refused (another facility): nothing logged.
    let mut refused = Tx::son();
    refused.guardian("rp-cr", MOTHER, "MTH", "Nguyễn Thị Lan", "2020-05-01");
    assert_eq!(server.ingest(CHO_RAY_KEY, &refused.bundle()).status, 403);
    // Ended.
    let mut end = Tx::son();
    end.delete("RelatedPerson/rp-1");
    assert_eq!(server.ingest(BACH_MAI_KEY, &end.bundle()).status, 200);
    let finished = chrono::Utc::now().timestamp_millis();

    assert_eq!(server.terminate().code(), Some(0));
    let db = rusqlite::Connection::open(dir.path().join("server.db")).expect("open");
    let mut select = db
        .prepare(
            "SELECT child_id, guardian_personal_id, facility_code, action, since, until, at_ms
             FROM guardian_link_changes ORDER BY id",
        )
        .expect("the log table");
    let mut times = Vec::new();
    let rows: Vec<LogRow> = select
        .query_map([], |row| {
            times.push(row.get::<_, i64>(6)?);
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let bm = Some(BACH_MAI.to_string());
    let day = |d: &str| Some(d.to_string());
    assert_eq!(
        rows,
        [
            (
                son_id.clone(),
                MOTHER.to_string(),
                bm.clone(),
                "made".to_string(),
                day("2020-05-01"),
                None
            ),
            (
                son_id.clone(),
                MOTHER.to_string(),
                bm.clone(),
                "changed".to_string(),
                day("2020-05-01"),
                day("2034-05-01")
            ),
            (
                son_id.clone(),
                MOTHER.to_string(),
                bm.clone(),
                "ended".to_string(),
                None,
                None
            ),
        ]
    );
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(
        times.iter().all(|t| (started..=finished).contains(t)),
        "{times:?}"
    );
}

// ----- record ids: facility records have a namespace of their own --------------------------

fn stranger_person(patient_id: &str) -> Person {
    owner(patient_id, "Lê Văn Hùng", "1985-07-20", Sex::Male, STRANGER)
}

fn note(substance: &str) -> Record {
    food_allergy(substance, None)
}

fn push(server: &Server, token: &str, item: PushItem) -> PushOutcome {
    let reply = server.post("/fhir", Some(token), &push_bundle(&[item], now_vn()));
    assert_eq!(reply.status, 200, "{}", reply.body);
    read_push_response(&reply.body, 1).expect("the answer")[0].clone()
}

/// The ids a facility's resource got before facility records had their namespace, and now.
fn facility_ids(code: &str, resource_ref: &str) -> (String, String) {
    let old = imported_record_id(&format!("facility:{code}"), resource_ref);
    let new = format!("fac-{}", &old["fhir-".len()..]);
    (old, new)
}

#[test]
fn a_citizen_cannot_take_the_id_of_a_hospitals_next_record() {
    let (_dir, server) = server();
    ingested(&server, BACH_MAI_KEY, &mother_with_allergy());
    let mut stranger = Tx::stranger();
    stranger.allergy("al-s", "Sulfa", "2023-05-05");
    assert_eq!(server.ingest(CHO_RAY_KEY, &stranger.bundle()).status, 200);
    let (stranger_token, stranger_id) = server.login(STRANGER);
    let (mother_token, _) = server.login(MOTHER);
    let me = stranger_person(&stranger_id);
    let (old, new) = facility_ids(BACH_MAI, "AllergyIntolerance/al-2");

    // The id in the facility namespace is refused.
    let put = |id: &str, substance: &str| PushItem {
        record_id: id.to_string(),
        base_version: None,
        change: PushChange::Put {
            person: me.clone(),
            record: note(substance),
        },
    };
    match push(&server, &stranger_token, put(&new, "Tôm")) {
        PushOutcome::Rejected { status, reason } => {
            assert_eq!(status, 422);
            assert!(reason.contains("reserved for facility records"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The old form is an ordinary citizen id (the phone's FHIR import makes such ids): stored,
    // and harmless.
    assert_eq!(
        push(&server, &stranger_token, put(&old, "Cua")),
        PushOutcome::Stored { version: 1 }
    );

    // The hospital's next record for the mother is stored, and she sees it.
    let mut tx = Tx::mother();
    tx.allergy("al-2", "Aspirin", "2025-01-01");
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let (pages, _) = server.pages(&mother_token, None, "");
    let aspirin: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.changes)
        .filter(|c| {
            matches!(&c.change, ChangeBody::Put(Record::Allergy { allergy }) if allergy.substance == "Aspirin")
        })
        .collect();
    assert_eq!(aspirin.len(), 1, "{pages:?}");
    assert_eq!(aspirin[0].record_id, new);

    // The squatter's record is untouched, in the squatter's book.
    let (pages, _) = server.pages(&stranger_token, None, "");
    let squatted: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.changes)
        .filter(|c| c.record_id == old)
        .collect();
    assert_eq!(squatted.len(), 1);
    assert_eq!(squatted[0].version, 1);
    match &squatted[0].change {
        ChangeBody::Put(Record::Allergy { allergy }) => {
            assert_eq!(allergy.substance, "Cua");
            assert_eq!(allergy.person_id, stranger_id);
            assert_eq!(allergy.source, RecordSource::Citizen);
        }
        other => panic!("expected the allergy, got {other:?}"),
    }
}

#[test]
fn records_stored_under_the_old_ids_are_corrected_and_withdrawn_in_place() {
    let (dir, server) = server();
    let mut tx = mother_with_allergy();
    tx.allergy("al-2", "Aspirin", "2025-01-01");
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 200);
    let (token, _) = server.login(MOTHER);
    let (pages, _) = server.pages(&token, None, "");
    let (old_1, new_1) = facility_ids(BACH_MAI, "AllergyIntolerance/al-1");
    let (old_2, new_2) = facility_ids(BACH_MAI, "AllergyIntolerance/al-2");
    let mut ids: Vec<_> = puts(&pages).into_iter().map(|(id, _)| id).collect();
    ids.sort();
    let mut expected = vec![new_1.clone(), new_2.clone()];
    expected.sort();
    assert_eq!(
        ids, expected,
        "new facility records are in the facility namespace"
    );

    // The database as an earlier server left it: the records under the old ids.
    assert_eq!(server.terminate().code(), Some(0));
    let db = rusqlite::Connection::open(dir.path().join("server.db")).expect("open");
    for (old, new) in [(&old_1, &new_1), (&old_2, &new_2)] {
        let changed = db
            .execute(
                "UPDATE records SET record_id = ?1, body = replace(body, ?2, ?1) WHERE record_id = ?2",
                [old, new],
            )
            .expect("update");
        assert_eq!(changed, 1);
    }
    drop(db);
    let server = Server::start(&dir.path().join("server.db"), &[]);
    let (token, _) = server.login(MOTHER);
    let (_, cursor) = server.pages(&token, None, "");

    // A correction of al-1 and a withdrawal of al-2 act on the records under the old ids.
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin G", "2024-01-02")
        .delete("AllergyIntolerance/al-2");
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["entry"][1]["response"]["etag"], "W/\"2\"");
    assert_eq!(reply.body["entry"][1]["response"]["status"], "200 OK");
    assert_eq!(reply.body["entry"][2]["response"]["etag"], "W/\"2\"");
    let (pages, _) = server.pages(&token, Some(&cursor), "");
    assert_eq!(puts(&pages), [(old_1.clone(), 2)]);
    assert_eq!(deletes(&pages), [(old_2.clone(), 2)]);

    // A fresh device sees the corrected allergy once, under its old id.
    let (pages, _) = server.pages(&token, None, "");
    assert_eq!(puts(&pages), [(old_1, 2)]);
}
