//! The core's sync against the real backend on 127.0.0.1, through a proxy that breaks one
//! response at a time. For every fault: a typed error (or a retry that succeeds), the book exactly
//! as the last applied page left it, nothing lost, and the next sync completes.

mod sync_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use healthbook_core::{
    Cancellation, HealthBook, HealthBookError, SyncConfig, SyncProgressListener, SyncReport,
};
use sync_support::*;

const FEED: &str = "/fhir/$changes";

struct Setup {
    _dir: tempfile::TempDir,
    backend: Backend,
    proxy: FaultProxy,
    book: Arc<HealthBook>,
    token: Arc<Token>,
}

/// The sync call itself, not yet awaited.
fn sync_call(
    book: &Arc<HealthBook>,
    token: &Arc<Token>,
    config: SyncConfig,
    progress: Option<Arc<Progress>>,
    cancellation: Option<Arc<Cancellation>>,
) -> impl std::future::Future<Output = Result<SyncReport, HealthBookError>> {
    let progress = progress.map(|p| p as Arc<dyn SyncProgressListener>);
    book.clone()
        .sync(config, token.clone(), progress, cancellation)
}

fn setup(extra: &[&str]) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["--seed"];
    args.extend_from_slice(extra);
    let backend = Backend::start(dir.path(), &args);
    let proxy = FaultProxy::start(backend.addr);
    let book = open_book(dir.path(), "book.db");
    let token = Token::new(backend.login(&mother_id()));
    Setup {
        _dir: dir,
        backend,
        proxy,
        book,
        token,
    }
}

impl Setup {
    fn sync(&self) -> Result<SyncReport, HealthBookError> {
        self.sync_with(config(&self.proxy.url()), None, None)
    }

    /// A sync with these settings, listener and cancellation.
    fn sync_with(
        &self,
        config: SyncConfig,
        progress: Option<Arc<Progress>>,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<SyncReport, HealthBookError> {
        block_on(sync_call(
            &self.book,
            &self.token,
            config,
            progress,
            cancellation,
        ))
    }

    /// The next sync completes and the book then holds the whole family, once.
    fn assert_completes(&self) {
        let report = self.sync().expect("the next sync completes");
        assert_eq!(report.conflicts, 0);
        assert_eq!(record_count(&self.book), seeded_count());
        assert_eq!(self.book.people().expect("people").len(), 3);
    }
}

#[test]
fn the_seeded_family_arrives_whole_and_a_second_sync_brings_nothing() {
    let s = setup(&[]);
    let progress = progress();
    let report = s
        .sync_with(config(&s.proxy.url()), Some(progress.clone()), None)
        .expect("sync");
    assert_eq!(report.records_received as usize, seeded_count());
    assert!(report.pages >= 10, "100 per page: {} pages", report.pages);
    let family = seeded_family();
    let people = s.book.people().expect("people");
    assert_eq!(people.len(), 3);
    for person in &family.people {
        let local = people
            .iter()
            .find(|p| p.personal_id == person.personal_id)
            .expect("each family member is in the book");
        assert_eq!(local.full_name, person.full_name);
        assert_eq!(local.role, person.role);
    }
    // Each record arrived as the facility or the citizen wrote it.
    let snapshot = snapshot(&s.book);
    for record in &family.records {
        let owner = family
            .people
            .iter()
            .find(|p| p.id == record.person_id())
            .and_then(|p| p.personal_id.clone())
            .expect("owner of the record");
        let (_, records) = snapshot
            .iter()
            .find(|(id, _)| *id == owner)
            .expect("person");
        let got = records
            .iter()
            .find(|r| r.id() == record.id())
            .unwrap_or_else(|| panic!("record {} arrived", record.id()));
        assert_eq!(got.kind(), record.kind());
        assert_eq!(got.source(), record.source());
        assert_eq!(got.at(), record.at());
    }
    let last = progress.reports().last().cloned();
    assert_eq!(
        last.map(|p| p.phase),
        Some(healthbook_core::SyncPhase::Done)
    );

    let again = s.sync().expect("second sync");
    assert_eq!(again.records_received, 0);
    assert_eq!(again.records_sent, 0);
    assert_eq!(record_count(&s.book), seeded_count());
}

/// Faults a retry gets over: the sync still succeeds, and the retry is visible at the proxy.
#[test]
fn passing_faults_are_retried_and_the_sync_succeeds() {
    let faults = [
        Fault::Status(500, None),
        Fault::Status(503, None),
        Fault::Status(429, Some(1)),
        Fault::Status(503, Some(1)),
        Fault::Delay(Duration::from_millis(2_500)),
        Fault::Truncate,
        Fault::Hangup,
    ];
    for fault in faults {
        let s = setup(&[]);
        s.proxy.plan(FEED, 3, fault.clone());
        let mut cfg = config(&s.proxy.url());
        cfg.request_timeout = Some(Duration::from_millis(1_500));
        let report = s
            .sync_with(cfg, None, None)
            .unwrap_or_else(|e| panic!("{fault:?}: retried and succeeded, got {e:?}"));
        assert_eq!(
            report.records_received as usize,
            seeded_count(),
            "{fault:?}"
        );
        assert_eq!(record_count(&s.book), seeded_count(), "{fault:?}");
        let feed_requests = s.proxy.requests.load(Ordering::SeqCst);
        assert!(
            feed_requests as u32 > report.pages,
            "{fault:?}: the broken page was asked for again"
        );
    }
}

/// Faults that are not worth retrying: a typed error, the pages before it kept, and the next
/// sync (with the fault gone) completes without duplicates.
#[test]
fn bad_answers_end_the_sync_with_a_typed_error_and_the_next_sync_completes() {
    let faults = [
        (Fault::MalformedJson, "not valid JSON"),
        (Fault::WrongContentType, "text/html"),
        (Fault::Oversize(3_000_000), "larger than"),
        (Fault::MissingField, "cannot read"),
    ];
    for (fault, says) in faults {
        let s = setup(&[]);
        s.proxy.plan(FEED, 3, fault.clone());
        let mut cfg = config(&s.proxy.url());
        cfg.max_response_bytes = 2_000_000;
        let error = s.sync_with(cfg, None, None).expect_err("the sync fails");
        match &error {
            HealthBookError::Server { reason, .. } => {
                assert!(reason.contains(says), "{fault:?}: {reason}")
            }
            other => panic!("{fault:?}: expected Server, got {other:?}"),
        }
        // Exactly the two pages before the fault were applied: 2 × 100 records.
        assert_eq!(record_count(&s.book), 200, "{fault:?}");
        s.assert_completes();
    }
}

#[test]
fn a_server_error_that_persists_ends_with_server_and_keeps_what_was_applied() {
    let s = setup(&[]);
    for nth in 2..=5 {
        s.proxy.plan(FEED, nth, Fault::Status(500, None));
    }
    let error = s.sync().expect_err("gives up after max_attempts");
    assert!(
        matches!(error, HealthBookError::Server { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(record_count(&s.book), 100);
    s.assert_completes();
}

#[test]
fn a_retry_after_longer_than_the_longest_wait_ends_the_sync_at_once() {
    let s = setup(&[]);
    s.proxy.plan(FEED, 1, Fault::Status(429, Some(3600)));
    let error = s.sync().expect_err("not waiting an hour");
    match error {
        HealthBookError::Server { status, reason } => {
            assert_eq!(status, 429);
            assert!(reason.contains("3600"), "{reason}");
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert_eq!(record_count(&s.book), 0);
    s.assert_completes();
}

#[test]
fn a_killed_server_ends_the_sync_with_network_and_the_next_sync_resumes() {
    let mut s = setup(&[]);
    // Two pages go through; the third is held at the proxy while the backend process is killed.
    s.proxy
        .plan(FEED, 3, Fault::Delay(Duration::from_millis(1_500)));
    let progress = progress();
    let error = std::thread::scope(|scope| {
        let (book, token) = (s.book.clone(), s.token.clone());
        let cfg = config(&s.proxy.url());
        let progress_for_sync = progress.clone();
        let sync = scope
            .spawn(move || block_on(sync_call(&book, &token, cfg, Some(progress_for_sync), None)));
        while progress.reports().len() < 2 {
            std::thread::sleep(Duration::from_millis(2));
        }
        s.backend.kill();
        sync.join().expect("sync thread")
    })
    .expect_err("the server is gone");
    assert!(
        matches!(error, HealthBookError::Network { .. }),
        "{error:?}"
    );
    assert_eq!(record_count(&s.book), 200, "whole pages only");
    s.backend.restart();
    s.proxy.point_at(s.backend.addr);
    s.assert_completes();
}

#[test]
fn a_token_that_expires_during_the_sync_ends_it_with_auth_expired() {
    let s = setup(&["--token-ttl", "5"]);
    s.token.set(s.backend.login(&mother_id()));
    let progress = Arc::new(Progress {
        on_page: Some(Box::new(|p| {
            // Pages 2 and 3 are already on their way while page 1 is applied (the sync keeps
            // two pages ahead); page 4 is asked for after this pause, with the expired token.
            if p.pages == 1 {
                std::thread::sleep(Duration::from_millis(5_500));
            }
        })),
        ..Progress::default()
    });
    let error = s
        .sync_with(config(&s.proxy.url()), Some(progress), None)
        .expect_err("the token expired");
    assert!(
        matches!(error, HealthBookError::AuthExpired { .. }),
        "{error:?}"
    );
    assert_eq!(record_count(&s.book), 300);
    s.token.set(s.backend.login(&mother_id()));
    s.assert_completes();
}

#[test]
fn a_cancelled_sync_keeps_the_pages_it_applied_and_the_next_sync_completes() {
    let s = setup(&[]);
    let cancellation = Cancellation::new();
    let progress = Arc::new(Progress {
        cancel_after_pages: Some((3, cancellation.clone())),
        ..Progress::default()
    });
    let error = s
        .sync_with(
            config(&s.proxy.url()),
            Some(progress.clone()),
            Some(cancellation.clone()),
        )
        .expect_err("cancelled");
    assert!(
        matches!(error, HealthBookError::Cancelled { .. }),
        "{error:?}"
    );
    assert!(cancellation.is_cancelled());
    assert_eq!(progress.reports().last().map(|p| p.pages), Some(3));
    assert_eq!(record_count(&s.book), 300, "the three pages applied stay");
    s.assert_completes();
}

#[test]
fn a_switch_cancelled_before_the_call_stops_it_before_any_request() {
    let s = setup(&[]);
    let cancellation = Cancellation::new();
    cancellation.cancel();
    let error = s
        .sync_with(config(&s.proxy.url()), None, Some(cancellation))
        .expect_err("cancelled");
    assert!(
        matches!(error, HealthBookError::Cancelled { .. }),
        "{error:?}"
    );
    assert_eq!(s.proxy.requests.load(Ordering::SeqCst), 0);
    assert_eq!(record_count(&s.book), 0);
    s.assert_completes();
}

#[test]
fn a_cancel_while_waiting_on_a_slow_answer_stops_promptly() {
    let s = setup(&[]);
    s.proxy.plan(FEED, 1, Fault::Delay(Duration::from_secs(20)));
    let cancellation = Cancellation::new();
    let canceller = cancellation.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        canceller.cancel();
    });
    let mut cfg = config(&s.proxy.url());
    cfg.request_timeout = Some(Duration::from_secs(60));
    let started = Instant::now();
    let error = s
        .sync_with(cfg, None, Some(cancellation))
        .expect_err("cancelled");
    assert!(
        matches!(error, HealthBookError::Cancelled { .. }),
        "{error:?}"
    );
    // Not a timing assertion on speed: it must not have waited out the 20 s answer.
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(record_count(&s.book), 0);
}

/// The caller goes away (a cancelled coroutine drops the call's future) while the first page is
/// being applied: the page is kept whole, no other page follows, and the next sync completes.
#[test]
fn a_sync_whose_caller_is_gone_stops_after_the_page_it_was_applying() {
    let s = setup(&[]);
    let (progress, pause) = Pause::at_first_page();
    let call = sync_call(
        &s.book,
        &s.token,
        config(&s.proxy.url()),
        Some(progress.clone()),
        None,
    );
    let held = pause.clone();
    let finished = block_on(async move {
        tokio::select! {
            result = call => Some(result),
            _ = tokio::task::spawn_blocking(move || held.wait_until_held()) => None,
        }
    });
    assert!(
        finished.is_none(),
        "the sync ended before its first page: {finished:?}"
    );
    // The future is dropped; its work, held in the progress report, now goes on.
    pause.resume();
    wait_until_released(&s.book);
    assert_eq!(progress.reports().len(), 1, "no page after the caller left");
    assert_eq!(record_count(&s.book), 100);
    s.assert_completes();
}

#[test]
fn a_sync_abandoned_while_waiting_on_a_slow_answer_stops_promptly() {
    let s = setup(&[]);
    s.proxy.plan(FEED, 1, Fault::Delay(Duration::from_secs(20)));
    let mut cfg = config(&s.proxy.url());
    cfg.request_timeout = Some(Duration::from_secs(60));
    let call = sync_call(&s.book, &s.token, cfg, None, None);
    let outcome = block_on(async { tokio::time::timeout(Duration::from_millis(300), call).await });
    assert!(
        outcome.is_err(),
        "the sync answered before the slow page: {outcome:?}"
    );
    // Not a timing assertion on speed: it must not have waited out the 20 s answer.
    let took = wait_until_released(&s.book);
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
    assert_eq!(record_count(&s.book), 0);
    s.assert_completes();
}

#[test]
fn a_token_provider_that_fails_ends_the_sync_with_auth_expired_and_changes_nothing() {
    let s = setup(&[]);
    s.sync().expect("first sync");
    let owner = owner_of(&s.book);
    s.book
        .add_record(note(&owner, "Đo huyết áp: 120/80"))
        .expect("a citizen's entry, waiting to be sent");
    let before = snapshot(&s.book);
    let requests = s.proxy.requests.load(Ordering::SeqCst);

    let signed_out = SignedOut::new();
    let error = block_on(s.book.clone().sync(
        config(&s.proxy.url()),
        signed_out.clone(),
        None,
        None,
    ))
    .expect_err("no token");
    match &error {
        HealthBookError::AuthExpired { reason } => {
            assert!(reason.contains(SIGNED_OUT), "{reason}")
        }
        other => panic!("expected AuthExpired, got {other:?}"),
    }
    assert!(signed_out.asked.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        s.proxy.requests.load(Ordering::SeqCst),
        requests,
        "nothing was sent without a token"
    );
    assert_eq!(snapshot(&s.book), before);

    // The entry still waits: the next sync with a token sends it.
    let report = s.sync().expect("sync with a token");
    assert_eq!(report.records_sent, 1);
}

#[test]
fn a_progress_listener_that_throws_does_not_stop_the_sync() {
    let s = setup(&[]);
    let progress = Arc::new(Progress {
        fail: true,
        ..Progress::default()
    });
    let report = s
        .sync_with(config(&s.proxy.url()), Some(progress.clone()), None)
        .expect("the sync goes on");
    assert_eq!(report.records_received as usize, seeded_count());
    assert_eq!(record_count(&s.book), seeded_count());
    assert_eq!(
        progress.reports().len() as u32,
        report.pages + 1,
        "every page, and the end, was still reported"
    );
}

#[test]
fn reads_work_offline_and_a_sync_without_a_server_is_a_network_error() {
    let s = setup(&[]);
    s.sync().expect("first sync");
    let before = snapshot(&s.book);
    let mut cfg = config("http://127.0.0.1:9");
    cfg.max_attempts = 2;
    let error = s
        .sync_with(cfg, None, None)
        .expect_err("nothing listens on port 9");
    assert!(
        matches!(error, HealthBookError::Network { .. }),
        "{error:?}"
    );
    assert_eq!(snapshot(&s.book), before);
    let found = s
        .book
        .search(
            s.book.people().expect("people")[0].id.clone(),
            "viem".into(),
            5,
        )
        .expect("search works offline");
    assert!(!found.is_empty());
}

#[test]
fn a_plain_http_server_elsewhere_is_refused_before_any_request() {
    let s = setup(&[]);
    let error = s
        .sync_with(config("http://example.vn"), None, None)
        .expect_err("plain http to a remote host");
    assert!(
        matches!(&error, HealthBookError::Validation { field, .. } if field == "config.server_url"),
        "{error:?}"
    );
    assert_eq!(s.proxy.requests.load(Ordering::SeqCst), 0);
}

/// A change to the quick test settings that no sync accepts, and the field the error names.
type BadSetting = (&'static str, fn(&mut SyncConfig));

#[test]
fn settings_out_of_range_are_refused_before_any_request() {
    let bad: [BadSetting; 5] = [
        ("config.page_size", |c| c.page_size = 0),
        ("config.page_size", |c| c.page_size = 1001),
        ("config", |c| c.max_attempts = 0),
        ("config", |c| c.request_timeout = Some(Duration::ZERO)),
        ("config.server_url", |c| {
            c.server_url = healthbook_core::Url("api.example.vn".into())
        }),
    ];
    let s = setup(&[]);
    for (field, change) in bad {
        let mut cfg = config(&s.proxy.url());
        change(&mut cfg);
        match s.sync_with(cfg, None, None) {
            Err(HealthBookError::Validation { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(s.proxy.requests.load(Ordering::SeqCst), 0);
    assert_eq!(record_count(&s.book), 0);
}
