//! Two phones of one citizen, a guardian and another citizen, all syncing with the real backend:
//! devices converge in either order, a lost edit is kept as a conflict the app can settle, and a
//! child's book is served to the guardian only.

mod sync_support;

use std::sync::Arc;

use healthbook_core::model::{Allergy, AllergyCategory, PersonRole, Record, RecordSource};
use healthbook_core::{ConflictResolution, HealthBook, HealthBookError};
use sync_support::*;

fn sync(
    book: &Arc<HealthBook>,
    backend: &Backend,
    token: &Arc<Token>,
) -> healthbook_core::SyncReport {
    sync_now(book, config(&backend.url()), token.clone()).expect("sync")
}

fn allergy(person_id: &str, substance: &str) -> Record {
    Record::Allergy {
        allergy: Allergy {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Citizen,
            sensitive: false,
            substance: substance.into(),
            category: AllergyCategory::Medication,
            criticality: None,
            reaction: Some("Nổi mẩn đỏ".into()),
            recorded_on: today(),
            note: None,
        },
    }
}

/// Both phones, synced once, plus the backend and the citizen's token.
fn two_phones() -> (
    tempfile::TempDir,
    Backend,
    Arc<Token>,
    Arc<HealthBook>,
    Arc<HealthBook>,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let token = Token::new(backend.login(&mother_id()));
    let a = open_book(dir.path(), "phone-a.db");
    let b = open_book(dir.path(), "phone-b.db");
    sync(&a, &backend, &token);
    sync(&b, &backend, &token);
    assert_eq!(snapshot(&a), snapshot(&b));
    (dir, backend, token, a, b)
}

#[test]
fn two_phones_converge_whichever_syncs_first() {
    for a_first in [true, false] {
        let (_dir, backend, token, a, b) = two_phones();
        let on_a = a
            .add_record(allergy(&owner_of(&a), "Penicillin"))
            .expect("add on A");
        let on_b = b
            .add_record(note(&owner_of(&b), "Đo huyết áp ở nhà: bình thường"))
            .expect("add on B");
        let (first, second) = if a_first { (&a, &b) } else { (&b, &a) };
        assert_eq!(sync(first, &backend, &token).records_sent, 1);
        let report = sync(second, &backend, &token);
        assert_eq!(report.records_sent, 1);
        assert_eq!(report.records_received, 1, "the other phone's entry");
        sync(first, &backend, &token);
        assert_eq!(snapshot(&a), snapshot(&b), "a_first = {a_first}");
        for book in [&a, &b] {
            assert!(book.record(on_a.record_id()).is_ok());
            assert!(book.record(on_b.record_id()).is_ok());
        }
        // Nothing more to exchange.
        let quiet = sync(&a, &backend, &token);
        assert_eq!((quiet.records_received, quiet.records_sent), (0, 0));
    }
}

#[test]
fn a_deletion_on_one_phone_reaches_the_other() {
    let (_dir, backend, token, a, b) = two_phones();
    let entry = a
        .add_record(note(&owner_of(&a), "Uống thuốc đúng giờ"))
        .expect("add");
    sync(&a, &backend, &token);
    sync(&b, &backend, &token);
    assert!(b.record(entry.record_id()).is_ok());
    a.delete_record(entry.record_id()).expect("delete on A");
    assert_eq!(sync(&a, &backend, &token).records_sent, 1);
    assert_eq!(sync(&b, &backend, &token).records_deleted, 1);
    assert!(matches!(
        b.record(entry.record_id()),
        Err(HealthBookError::NotFound { .. })
    ));
    assert_eq!(snapshot(&a), snapshot(&b));
}

/// An allergy's reaction changed, as a citizen edits it.
fn with_reaction(record: &Record, reaction: &str) -> Record {
    let mut record = record.clone();
    if let Record::Allergy { allergy } = &mut record {
        allergy.reaction = Some(reaction.into());
    }
    record
}

/// One allergy edited on both phones; A synced first, so B's edit is lost to A's and kept as a
/// conflict. The phones, and the allergy as first written.
struct LostEdit {
    _dir: tempfile::TempDir,
    backend: Backend,
    token: Arc<Token>,
    a: Arc<HealthBook>,
    b: Arc<HealthBook>,
    entry: Record,
}

fn an_edit_lost_on_b() -> LostEdit {
    let (dir, backend, token, a, b) = two_phones();
    let entry = a
        .add_record(allergy(&owner_of(&a), "Aspirin"))
        .expect("add");
    sync(&a, &backend, &token);
    sync(&b, &backend, &token);
    a.update_record(with_reaction(&entry, "Khó thở"))
        .expect("edit on A");
    b.update_record(with_reaction(&entry, "Ngứa"))
        .expect("edit on B");
    sync(&a, &backend, &token);
    let report = sync(&b, &backend, &token);
    assert_eq!(report.conflicts, 1);
    LostEdit {
        _dir: dir,
        backend,
        token,
        a,
        b,
        entry,
    }
}

#[test]
fn an_edit_lost_to_another_phone_is_kept_as_a_conflict_and_can_win_later() {
    let LostEdit {
        _dir,
        backend,
        token,
        a,
        b,
        entry,
    } = an_edit_lost_on_b();

    // B now shows A's version, and keeps its own edit as a conflict.
    let on_b = b.record(entry.record_id()).expect("record");
    assert_eq!(on_b, a.record(entry.record_id()).expect("record"));
    let conflicts = b.sync_conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    let conflict = &conflicts[0];
    assert_eq!(conflict.record_id, entry.record_id());
    assert_eq!(conflict.local, Some(with_reaction(&entry, "Ngứa")));
    assert_eq!(conflict.current.as_ref(), Some(&on_b));

    // The citizen keeps B's edit: it goes out on top of A's, and A receives it.
    b.resolve_sync_conflict(entry.record_id(), ConflictResolution::KeepMine)
        .expect("keep mine");
    assert!(b.sync_conflicts().expect("conflicts").is_empty());
    assert_eq!(sync(&b, &backend, &token).records_sent, 1);
    sync(&a, &backend, &token);
    assert_eq!(
        a.record(entry.record_id()).expect("record"),
        with_reaction(&entry, "Ngứa")
    );
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn keeping_the_servers_version_drops_the_lost_edit_and_sends_nothing() {
    let LostEdit {
        _dir,
        backend,
        token,
        a,
        b,
        entry,
    } = an_edit_lost_on_b();

    b.resolve_sync_conflict(entry.record_id(), ConflictResolution::KeepServer)
        .expect("keep the server's");
    assert!(b.sync_conflicts().expect("conflicts").is_empty());
    assert_eq!(
        b.record(entry.record_id()).expect("record"),
        with_reaction(&entry, "Khó thở")
    );
    let report = sync(&b, &backend, &token);
    assert_eq!((report.records_sent, report.conflicts), (0, 0));
    sync(&a, &backend, &token);
    assert_eq!(
        a.record(entry.record_id()).expect("record"),
        with_reaction(&entry, "Khó thở"),
        "A's version stands on every phone"
    );
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn a_guardian_sees_the_childrens_books_and_another_citizen_gets_403() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let family = seeded_family();
    let mother = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "mother.db");
    sync(&book, &backend, &mother);
    let people = book.people().expect("people");
    assert_eq!(people.len(), 3);
    for (local, seeded) in people.iter().zip(&family.people) {
        assert_eq!(local.personal_id, seeded.personal_id);
    }
    let children: Vec<_> = people
        .iter()
        .filter(|p| p.role == PersonRole::Dependant)
        .collect();
    assert_eq!(children.len(), 2);
    for child in &children {
        let link = child.guardian.as_ref().expect("a guardian link");
        assert_eq!(
            link.guardian_person_id.as_deref(),
            Some(owner_of(&book).as_str())
        );
    }

    // The guardian writes in a child's book too.
    let younger = children[1];
    book.add_record(note(&younger.id, "Bé ngủ ngon sau tiêm"))
        .expect("note for the child");
    assert_eq!(sync(&book, &backend, &mother).records_sent, 1);

    // The older child, as a citizen in their own right, sees only their own book.
    let older_id = children[0].personal_id.clone().expect("a personal id");
    let older = backend.login(&older_id);
    let path = format!("/fhir/$changes?patient={}", younger.id);
    let (status, body) = http(backend.addr, "GET", &path, Some(&older), None);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("OperationOutcome"));
    let (status, _) = http(backend.addr, "GET", &path, Some(&mother.current()), None);
    assert_eq!(status, 200);
    let own = open_book(dir.path(), "older.db");
    sync_now(&own, config(&backend.url()), Token::new(older)).expect("own sync");
    let seen = own.people().expect("people");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].personal_id.as_deref(), Some(older_id.as_str()));
}
