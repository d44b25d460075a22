//! Citizen push: a new entry is stored at version 1, a retried push answers the same, an edit on
//! an old version is a conflict, facility records and other people's books are refused, and what
//! is stored reaches the citizen's other devices through the feed.

mod support;

use chrono::NaiveDate;
use healthbook_core::model::{Person, Record, RecordSource, Sex};
use healthbook_core::sync::wire::{
    push_bundle, read_push_response, ChangeBody, PushChange, PushItem, PushOutcome,
};
use support::*;

struct Citizen {
    token: String,
    patient_id: String,
}

fn setup() -> (tempfile::TempDir, Server, Citizen) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin", "2024-01-02");
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 200);
    let (token, patient_id) = server.login(MOTHER);
    (dir, server, Citizen { token, patient_id })
}

fn mother(patient_id: &str) -> Person {
    owner(
        patient_id,
        "Nguyễn Thị Lan",
        "1990-03-14",
        Sex::Female,
        MOTHER,
    )
}

fn note(substance: &str) -> Record {
    food_allergy(substance, Some("Nổi mề đay"))
}

fn put(record_id: &str, base: Option<i64>, person: &Person, record: Record) -> PushItem {
    PushItem {
        record_id: record_id.into(),
        base_version: base,
        change: PushChange::Put {
            person: person.clone(),
            record,
        },
    }
}

fn send(server: &Server, token: &str, items: &[PushItem]) -> Vec<PushOutcome> {
    let reply = server.post("/fhir", Some(token), &push_bundle(items, now_vn()));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["type"], "batch-response");
    read_push_response(&reply.body, items.len())
        .unwrap_or_else(|e| panic!("the core reads the answer: {e}"))
}

#[test]
fn a_create_is_stored_once_and_a_retry_answers_the_same() {
    let (_dir, server, c) = setup();
    let (_, cursor) = server.pages(&c.token, None, "");
    let me = mother(&c.patient_id);
    let item = put("phone-a-0001", None, &me, note("Tôm"));
    assert_eq!(
        send(&server, &c.token, std::slice::from_ref(&item)),
        [PushOutcome::Stored { version: 1 }]
    );
    assert_eq!(
        send(&server, &c.token, &[item]),
        [PushOutcome::Stored { version: 1 }],
        "a retried push"
    );

    // Another device of the citizen receives it, once, as the citizen's entry.
    let (pages, _) = server.pages(&c.token, Some(&cursor), "");
    let changes: Vec<_> = pages.iter().flat_map(|p| &p.changes).collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].record_id, "phone-a-0001");
    assert_eq!(changes[0].version, 1);
    match &changes[0].change {
        ChangeBody::Put(Record::Allergy { allergy }) => {
            assert_eq!(allergy.substance, "Tôm");
            assert_eq!(allergy.source, RecordSource::Citizen);
            assert_eq!(allergy.person_id, c.patient_id);
        }
        other => panic!("expected the allergy, got {other:?}"),
    }
}

#[test]
fn edits_on_an_old_version_are_conflicts_and_retries_of_edits_are_not() {
    let (_dir, server, c) = setup();
    let me = mother(&c.patient_id);
    assert_eq!(
        send(
            &server,
            &c.token,
            &[put("phone-a-0002", None, &me, note("Cua"))]
        ),
        [PushOutcome::Stored { version: 1 }]
    );
    // A different create under the same id: someone else's content is there.
    assert_eq!(
        send(
            &server,
            &c.token,
            &[put("phone-a-0002", None, &me, note("Ghẹ"))]
        ),
        [PushOutcome::Conflict { current_version: 1 }]
    );
    // An edit of version 1 is version 2; its retry answers version 2 again.
    let edit = put("phone-a-0002", Some(1), &me, note("Cua biển"));
    assert_eq!(
        send(&server, &c.token, std::slice::from_ref(&edit)),
        [PushOutcome::Stored { version: 2 }]
    );
    assert_eq!(
        send(&server, &c.token, &[edit]),
        [PushOutcome::Stored { version: 2 }]
    );
    // Another device's edit, also based on version 1, lost the race.
    assert_eq!(
        send(
            &server,
            &c.token,
            &[put("phone-a-0002", Some(1), &me, note("Cua đồng"))]
        ),
        [PushOutcome::Conflict { current_version: 2 }]
    );
    // A deletion based on the current version; deleting again is the same answer.
    let delete = PushItem {
        record_id: "phone-a-0002".into(),
        base_version: Some(2),
        change: PushChange::Delete,
    };
    assert_eq!(
        send(&server, &c.token, std::slice::from_ref(&delete)),
        [PushOutcome::Stored { version: 3 }]
    );
    assert_eq!(
        send(&server, &c.token, &[delete]),
        [PushOutcome::Stored { version: 3 }]
    );
    let (pages, _) = server.pages(&c.token, None, "");
    assert!(
        !puts(&pages).iter().any(|(id, _)| id == "phone-a-0002"),
        "deleted"
    );
}

#[test]
fn facility_records_and_other_peoples_books_are_refused_each_on_its_own() {
    let (_dir, server, c) = setup();
    let (pages, cursor) = server.pages(&c.token, None, "");
    let facility_record = pages[0].changes[0].record_id.clone();
    let me = mother(&c.patient_id);

    let mut stranger = Tx::stranger();
    stranger.allergy("al-s", "Sulfa", "2023-05-05");
    assert_eq!(server.ingest(BACH_MAI_KEY, &stranger.bundle()).status, 200);
    let (_, stranger_id) = server.login(STRANGER);
    let mut someone_else = mother(&stranger_id);
    someone_else.personal_id = Some(STRANGER.into());
    someone_else.full_name = "Lê Văn Hùng".into();
    someone_else.sex = Sex::Male;
    someone_else.date_of_birth = NaiveDate::from_ymd_opt(1985, 7, 20).expect("date");

    let outcomes = send(
        &server,
        &c.token,
        &[
            put(&facility_record, Some(1), &me, note("Penicillin G")),
            PushItem {
                record_id: facility_record.clone(),
                base_version: Some(1),
                change: PushChange::Delete,
            },
            put("phone-a-0003", None, &someone_else, note("Tôm")),
            put("phone-a-0004", None, &me, note("Mực")),
        ],
    );
    assert!(
        matches!(&outcomes[0], PushOutcome::Rejected { status: 403, reason } if reason.contains("read-only")),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[1], PushOutcome::Rejected { status: 403, .. }),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[2], PushOutcome::Rejected { status: 403, .. }),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[3], PushOutcome::Stored { version: 1 });

    // Only the citizen's own entry changed anything.
    let (pages, _) = server.pages(&c.token, Some(&cursor), "");
    assert_eq!(puts(&pages), [("phone-a-0004".to_string(), 1)]);
    let (token, _) = server.login(STRANGER);
    let (pages, _) = server.pages(&token, None, "");
    assert_eq!(
        puts(&pages).len(),
        1,
        "the stranger's book is as the facility sent it"
    );
}

#[test]
fn an_invalid_entry_is_rejected_with_the_reason() {
    let (_dir, server, c) = setup();
    let me = mother(&c.patient_id);
    let mut before_birth = note("Trứng");
    if let Record::Allergy { allergy } = &mut before_birth {
        allergy.recorded_on = NaiveDate::from_ymd_opt(1980, 1, 1).expect("date");
    }
    let outcomes = send(
        &server,
        &c.token,
        &[put("phone-a-0005", None, &me, before_birth)],
    );
    assert!(
        matches!(&outcomes[0], PushOutcome::Rejected { status: 422, .. }),
        "{outcomes:?}"
    );
}
