//! Sync under races, against the real backend on 127.0.0.1 through the fault proxy: a deletion made
//! while the record's first push is on its way, and push answers that never arrive although the
//! backend applied the push. The deletion reaches the backend and every phone; the citizen's own
//! writes, come back through the feed, are recognised as theirs and never reported as changed
//! elsewhere.

mod sync_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use healthbook_core::{HealthBook, HealthBookError, SyncConfig, SyncReport};
use sync_support::*;

/// The backend (seeded), the proxy in front of it, the mother's login and her phone, synced once.
struct Setup {
    dir: tempfile::TempDir,
    _backend: Backend,
    proxy: FaultProxy,
    token: Arc<Token>,
    book: Arc<HealthBook>,
    /// How many requests a sync with nothing new and nothing to push makes (its pulls): in a sync
    /// that starts so, the push is the request after as many.
    pulls: usize,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let proxy = FaultProxy::start(backend.addr);
    let token = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "phone.db");
    let mut s = Setup {
        dir,
        _backend: backend,
        proxy,
        token,
        book,
        pulls: 0,
    };
    s.sync().expect("the first sync");
    let before = s.proxy.requests.load(Ordering::SeqCst);
    let quiet = s.sync().expect("a quiet sync");
    assert_eq!((quiet.records_received, quiet.records_sent), (0, 0));
    s.pulls = s.proxy.requests.load(Ordering::SeqCst) - before;
    s
}

impl Setup {
    fn config(&self) -> SyncConfig {
        config(&self.proxy.url())
    }

    fn sync(&self) -> Result<SyncReport, HealthBookError> {
        sync_now(&self.book, self.config(), self.token.clone())
    }

    /// A sync whose push (and its retries, `attempts` in all) reaches the backend, which applies
    /// it, but whose answers are cut off half way: the phone never learns how it went. Starts from
    /// a book that is up to date but for what it pushes.
    fn lose_push_answers(&self, attempts: usize) -> Result<SyncReport, HealthBookError> {
        self.fail_pushes(attempts, Fault::Truncate)
    }

    /// A sync whose push (and its retries, `attempts` in all) meets `fault`.
    fn fail_pushes(&self, attempts: usize, fault: Fault) -> Result<SyncReport, HealthBookError> {
        let pulls = self.pulls;
        self.proxy.clear();
        for attempt in 1..=attempts {
            self.proxy.plan("/fhir", pulls + attempt, fault.clone());
        }
        let config = SyncConfig {
            max_attempts: attempts as u32,
            ..self.config()
        };
        let result = sync_now(&self.book, config, self.token.clone());
        self.proxy.clear();
        result
    }

    /// Another phone of the same citizen, synced from scratch.
    fn other_phone(&self, name: &str) -> Arc<HealthBook> {
        let other = open_book(self.dir.path(), name);
        sync_now(&other, self.config(), self.token.clone()).expect("the other phone syncs");
        other
    }
}

fn is_gone(book: &HealthBook, record_id: &str) -> bool {
    matches!(
        book.record(record_id.to_string()),
        Err(HealthBookError::NotFound { .. })
    )
}

#[test]
fn a_deletion_made_while_the_first_push_is_in_flight_reaches_the_backend() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Ho về đêm, đã đỡ"))
        .expect("add");
    let id = entry.record_id().to_string();
    let pulls = s.pulls;
    s.proxy.clear();
    // The push (the request after the pulls) is held on its way to the backend.
    s.proxy.plan(
        "/fhir",
        pulls + 1,
        Fault::Delay(Duration::from_millis(1_500)),
    );
    let before = s.proxy.requests.load(Ordering::SeqCst);
    let running = {
        let (book, config, token) = (s.book.clone(), s.config(), s.token.clone());
        thread::spawn(move || sync_now(&book, config, token))
    };
    let started = Instant::now();
    while s.proxy.requests.load(Ordering::SeqCst) < before + pulls + 1 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the push never left"
        );
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(100));
    s.book
        .delete_record(id.clone())
        .expect("delete while the push is in flight");
    running
        .join()
        .expect("the sync thread")
        .expect("the sync completes");
    s.proxy.clear();

    // The next sync brings nothing back; the deletion is on the backend for every phone.
    s.sync().expect("the next sync");
    assert!(is_gone(&s.book, &id), "the deleted note came back");
    assert!(s.book.sync_conflicts().expect("conflicts").is_empty());
    let other = s.other_phone("phone-b.db");
    assert!(
        is_gone(&other, &id),
        "another phone receives the deleted note"
    );
    assert_eq!(snapshot(&s.book), snapshot(&other));
}

#[test]
fn a_lost_answer_to_a_new_entry_is_not_a_conflict_at_the_next_sync() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Huyết áp ở nhà 120/80"))
        .expect("add");
    let id = entry.record_id().to_string();
    assert!(
        s.lose_push_answers(2).is_err(),
        "the push's answers were lost"
    );

    let report = s.sync().expect("the next sync");
    assert_eq!(report.conflicts, 0, "the citizen's own entry, come back");
    assert!(s.book.sync_conflicts().expect("conflicts").is_empty());
    assert_eq!(s.book.record(id.clone()).expect("kept"), {
        let mut expected = entry.clone();
        expected.complete_derived_fields();
        expected
    });
    let quiet = s.sync().expect("a quiet sync");
    assert_eq!((quiet.records_sent, quiet.conflicts), (0, 0));
    let other = s.other_phone("phone-b.db");
    assert!(other.record(id).is_ok());
}

#[test]
fn a_lost_answer_to_an_edit_is_not_a_conflict_at_the_next_sync() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Đường huyết lúc đói 5.4"))
        .expect("add");
    s.sync().expect("the entry reaches the backend");
    let mut edited = entry.clone();
    if let healthbook_core::model::Record::Observation { observation } = &mut edited {
        observation.note = Some("đo lại sau ăn: 7.1".into());
    }
    s.book.update_record(edited.clone()).expect("edit");
    assert!(s.lose_push_answers(2).is_err());

    let report = s.sync().expect("the next sync");
    assert_eq!(report.conflicts, 0, "the citizen's own edit, come back");
    assert!(s.book.sync_conflicts().expect("conflicts").is_empty());
    let kept = s.book.record(entry.record_id().to_string()).expect("kept");
    let healthbook_core::model::Record::Observation { observation } = &kept else {
        panic!("a note: {kept:?}");
    };
    assert_eq!(observation.note.as_deref(), Some("đo lại sau ăn: 7.1"));
    let quiet = s.sync().expect("a quiet sync");
    assert_eq!((quiet.records_sent, quiet.conflicts), (0, 0));
}

#[test]
fn a_lost_answer_to_a_deletion_is_not_a_conflict_at_the_next_sync() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Dị ứng phấn hoa theo mùa"))
        .expect("add");
    let id = entry.record_id().to_string();
    s.sync().expect("the entry reaches the backend");
    s.book.delete_record(id.clone()).expect("delete");
    assert!(s.lose_push_answers(2).is_err());

    let report = s.sync().expect("the next sync");
    assert_eq!(report.conflicts, 0, "the citizen's own deletion, come back");
    assert!(s.book.sync_conflicts().expect("conflicts").is_empty());
    assert!(is_gone(&s.book, &id));
    let quiet = s.sync().expect("a quiet sync");
    assert_eq!((quiet.records_sent, quiet.conflicts), (0, 0));
    assert!(is_gone(&s.other_phone("phone-b.db"), &id));
}

#[test]
fn an_entry_added_and_deleted_before_any_push_is_not_pushed_at_all() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Viết nhầm, xoá ngay"))
        .expect("add");
    let id = entry.record_id().to_string();
    s.book.delete_record(id.clone()).expect("delete");

    let before = s.proxy.requests.load(Ordering::SeqCst);
    let report = s.sync().expect("the sync");
    assert_eq!(
        s.proxy.requests.load(Ordering::SeqCst) - before,
        s.pulls,
        "pulls only: nothing to push"
    );
    assert_eq!((report.records_sent, report.conflicts), (0, 0));
    assert!(is_gone(&s.book, &id));
    assert!(is_gone(&s.other_phone("phone-b.db"), &id));
}

#[test]
fn a_deletion_after_a_push_that_never_arrived_settles_without_a_conflict() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Uống nhiều nước"))
        .expect("add");
    let id = entry.record_id().to_string();
    // The push goes out but never reaches the backend (the connection closes unanswered).
    assert!(s.fail_pushes(2, Fault::Hangup).is_err());
    s.book.delete_record(id.clone()).expect("delete");

    // The phone cannot know whether the push got through, so the deletion goes out; the backend,
    // which never had the entry, answers 404, and that settles it.
    let report = s.sync().expect("the sync");
    assert_eq!(report.conflicts, 0);
    assert!(s.book.sync_conflicts().expect("conflicts").is_empty());
    let quiet = s.sync().expect("a quiet sync");
    assert_eq!((quiet.records_sent, quiet.conflicts), (0, 0));
    assert!(is_gone(&s.book, &id));
    assert!(is_gone(&s.other_phone("phone-b.db"), &id));
}

#[test]
fn a_lost_answer_to_an_edit_then_another_edit_is_not_a_conflict() {
    let s = setup();
    let entry = s
        .book
        .add_record(note(&owner_of(&s.book), "Cân nặng 52 kg"))
        .expect("add");
    s.sync().expect("the entry reaches the backend");
    let with_note = |text: &str| {
        let mut edited = entry.clone();
        if let healthbook_core::model::Record::Observation { observation } = &mut edited {
            observation.note = Some(text.into());
        }
        edited
    };
    s.book
        .update_record(with_note("sau Tết"))
        .expect("first edit");
    assert!(s.lose_push_answers(2).is_err());
    // Edited again before the next sync: the book holds neither what the backend has nor what
    // it had, but it knows what it sent.
    s.book
        .update_record(with_note("sau Tết, đã giảm 1 kg"))
        .expect("second edit");

    let report = s.sync().expect("the next sync");
    assert_eq!(report.conflicts, 0, "its own first edit, come back");
    assert!(s.book.sync_conflicts().expect("conflicts").is_empty());
    assert_eq!(
        report.records_sent, 1,
        "the second edit goes on top of the first"
    );
    let other = s.other_phone("phone-b.db");
    let there = other.record(entry.record_id()).expect("on the other phone");
    let healthbook_core::model::Record::Observation { observation } = &there else {
        panic!("a note: {there:?}");
    };
    assert_eq!(observation.note.as_deref(), Some("sau Tết, đã giảm 1 kg"));
    let quiet = s.sync().expect("a quiet sync");
    assert_eq!((quiet.records_sent, quiet.conflicts), (0, 0));
}
