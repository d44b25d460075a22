//! How the app's calls on one book behave around a sync, against the real backend on 127.0.0.1:
//! one sync of a book at a time (a second is `SyncInProgress`, another book is not held up), and a
//! closed book (`Closed` for every call, nothing sent, the file opens again with everything in it).

mod sync_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use healthbook_core::model::PersonRole;
use healthbook_core::{
    Cancellation, HealthBook, HealthBookError, SyncProgressListener, TimelineQuery,
};
use sync_support::*;

#[test]
fn a_second_sync_of_a_book_while_one_runs_is_sync_in_progress_and_the_first_completes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let token = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "phone.db");
    let other_phone = open_book(dir.path(), "other-phone.db");
    let (progress, pause) = Pause::at_first_page();

    let (second, elsewhere, first) = std::thread::scope(|scope| {
        let running = scope.spawn(|| {
            block_on(book.clone().sync(
                config(&backend.url()),
                token.clone(),
                Some(progress.clone() as Arc<dyn SyncProgressListener>),
                None,
            ))
        });
        pause.wait_until_held();
        let second = sync_now(&book, config(&backend.url()), token.clone());
        let elsewhere = sync_now(&other_phone, config(&backend.url()), token.clone());
        pause.resume();
        (
            second,
            elsewhere,
            running.join().expect("the first sync's thread"),
        )
    });

    match &second {
        Err(HealthBookError::SyncInProgress { reason }) => {
            assert!(reason.contains("another sync"), "{reason}")
        }
        other => panic!("expected SyncInProgress, got {other:?}"),
    }
    let report = first.expect("the first sync completes");
    assert_eq!(report.records_received as usize, seeded_count());
    assert_eq!(record_count(&book), seeded_count());
    let elsewhere = elsewhere.expect("another book syncs meanwhile");
    assert_eq!(elsewhere.records_received as usize, seeded_count());

    // Once the first has finished, the book syncs again.
    let quiet = sync_now(&book, config(&backend.url()), token).expect("the next sync");
    assert_eq!((quiet.records_received, quiet.records_sent), (0, 0));
}

#[test]
fn a_sync_asked_for_while_a_cancelled_one_stops_waits_for_it_instead_of_being_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let token = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "phone.db");
    let (progress, pause) = Pause::at_first_page();
    let cancellation = Cancellation::new();

    let (first, second) = std::thread::scope(|scope| {
        let running = scope.spawn(|| {
            block_on(book.clone().sync(
                config(&backend.url()),
                token.clone(),
                Some(progress.clone() as Arc<dyn SyncProgressListener>),
                Some(cancellation.clone()),
            ))
        });
        pause.wait_until_held();
        // The app gave up on the first sync (as a cancelled coroutine does) and asks for a new one.
        cancellation.cancel();
        let second = scope.spawn(|| sync_now(&book, config(&backend.url()), token.clone()));
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !second.is_finished(),
            "the second sync should wait for the cancelled one, not return at once"
        );
        pause.resume();
        (
            running.join().expect("the first sync's thread"),
            second.join().expect("the second sync's thread"),
        )
    });

    assert!(
        matches!(first, Err(HealthBookError::Cancelled { .. })),
        "{first:?}"
    );
    let second = second.expect("the second sync runs once the first has stopped");
    assert!(second.records_received > 0, "{second:?}");
    assert_eq!(record_count(&book), seeded_count());
}

/// Every call the app can make on a book, and its result reduced to "did it work".
fn every_call(
    book: &Arc<HealthBook>,
    proxy: &FaultProxy,
    token: &Arc<Token>,
    ids: &Ids,
) -> Vec<(&'static str, Result<(), HealthBookError>)> {
    let cfg = || config(&proxy.url());
    let today = today();
    vec![
        ("people", book.people().map(drop)),
        ("person", book.person(ids.owner.clone()).map(drop)),
        ("record", book.record(ids.record.clone()).map(drop)),
        (
            "timeline",
            book.timeline(ids.owner.clone(), TimelineQuery::default())
                .map(drop),
        ),
        (
            "search",
            book.search(ids.owner.clone(), "viem".into(), 5).map(drop),
        ),
        (
            "add_record",
            book.add_record(note(&ids.owner, "Uống đủ nước")).map(drop),
        ),
        ("delete_record", book.delete_record(ids.record.clone())),
        ("export_fhir", book.export_fhir(ids.owner.clone()).map(drop)),
        (
            "vaccination_status",
            book.vaccination_status(ids.child.clone(), today).map(drop),
        ),
        ("reminders", book.reminders(today, 30).map(drop)),
        ("family", book.family(today).map(drop)),
        ("sync_conflicts", book.sync_conflicts().map(drop)),
        ("shares", book.shares(ids.owner.clone()).map(drop)),
        (
            "share_access_log",
            book.share_access_log(ids.share.clone()).map(drop),
        ),
        ("rekey", book.rekey(vec![9u8; 32])),
        ("sync", sync_now(book, cfg(), token.clone()).map(drop)),
        (
            "create_share",
            block_on(book.clone().create_share(
                share_request(&ids.owner),
                cfg(),
                token.clone(),
                None,
            ))
            .map(drop),
        ),
        (
            "share_vaccination_card",
            block_on(book.clone().share_vaccination_card(
                ids.child.clone(),
                cfg(),
                token.clone(),
                None,
            ))
            .map(drop),
        ),
        (
            "revoke_share",
            block_on(
                book.clone()
                    .revoke_share(ids.share.clone(), token.clone(), None),
            ),
        ),
    ]
}

struct Ids {
    owner: String,
    child: String,
    record: String,
    share: String,
}

#[test]
fn a_closed_book_refuses_every_call_and_opens_again_with_everything_in_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let proxy = FaultProxy::start(backend.addr);
    let token = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "phone.db");
    sync_now(&book, config(&proxy.url()), token.clone()).expect("first sync");
    let owner = owner_of(&book);
    let child = book
        .people()
        .expect("people")
        .into_iter()
        .find(|p| p.role == PersonRole::Dependant)
        .expect("a child")
        .id;
    let record = book
        .add_record(note(&owner, "Đo huyết áp: 118/76"))
        .expect("a citizen's entry")
        .record_id()
        .to_string();
    let share = block_on(book.clone().create_share(
        share_request(&owner),
        config(&proxy.url()),
        token.clone(),
        None,
    ))
    .expect("a share")
    .share
    .id;
    let ids = Ids {
        owner: owner.clone(),
        child,
        record: record.clone(),
        share: share.clone(),
    };
    let before = snapshot(&book);

    book.close();
    book.close();
    let requests = proxy.requests.load(Ordering::SeqCst);
    for (call, result) in every_call(&book, &proxy, &token, &ids) {
        assert!(
            matches!(result, Err(HealthBookError::Closed { .. })),
            "{call} on a closed book: {result:?}"
        );
    }
    assert_eq!(
        proxy.requests.load(Ordering::SeqCst),
        requests,
        "a closed book sends nothing"
    );

    // The file opens again, with the key it had (the rekey did not happen), and holds it all.
    let reopened = open_book(dir.path(), "phone.db");
    assert_eq!(snapshot(&reopened), before);
    assert_eq!(record_count(&reopened), seeded_count() + 1);
    assert!(reopened.record(record).is_ok());
    let shares: Vec<String> = reopened
        .shares(owner)
        .expect("shares")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(shares, vec![share]);
    let report = sync_now(&reopened, config(&proxy.url()), token).expect("sync");
    assert_eq!(
        report.records_sent, 1,
        "the entry waiting to be sent goes out"
    );
}

#[test]
fn closing_the_book_during_a_sync_ends_it_with_closed_and_keeps_the_pages_applied() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let token = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "phone.db");
    let closer = book.clone();
    let progress: Arc<dyn SyncProgressListener> = Arc::new(Progress {
        on_page: Some(Box::new(move |p| {
            if p.pages == 2 {
                closer.close();
            }
        })),
        ..Progress::default()
    });
    let error =
        block_on(
            book.clone()
                .sync(config(&backend.url()), token.clone(), Some(progress), None),
        )
        .expect_err("the book was closed");
    assert!(matches!(error, HealthBookError::Closed { .. }), "{error:?}");

    let reopened = open_book(dir.path(), "phone.db");
    assert_eq!(record_count(&reopened), 200, "the two pages applied stay");
    let report = sync_now(&reopened, config(&backend.url()), token).expect("the next sync");
    assert_eq!(report.records_received as usize, seeded_count() - 200);
    assert_eq!(record_count(&reopened), seeded_count());
}
