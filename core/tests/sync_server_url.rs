//! The backend URL the app configures, read as an attacker would write it: a user-info part that
//! hides the real host behind a loopback name, hosts that only look like loopback, the Android
//! emulator's host outside a debug build, and a backend that redirects the sync elsewhere.

mod common;
mod stub_server;

use std::sync::Arc;
use std::time::Duration;

use common::{block_on, mother, new_book, note, TestBook};
use healthbook_core::model::Record;
use healthbook_core::{HealthBookError, SyncAuth, SyncConfig};
use stub_server::{Reply, StubServer};

struct Token;

impl SyncAuth for Token {
    fn access_token(&self) -> Result<String, HealthBookError> {
        Ok("a-citizen-token".into())
    }
}

fn quick(url: &str) -> SyncConfig {
    SyncConfig {
        request_timeout: Some(Duration::from_secs(2)),
        max_attempts: 1,
        backoff_base: Some(Duration::from_millis(10)),
        ..SyncConfig::new(url)
    }
}

fn sync(test: &TestBook, url: &str) -> Result<healthbook_core::SyncReport, HealthBookError> {
    block_on(
        test.book
            .clone()
            .sync(quick(url), Arc::new(Token), None, None),
    )
}

/// A book with one person and one note, and what it holds.
fn book_with_a_note() -> (TestBook, Vec<Record>) {
    let test = new_book();
    let person = test.book.add_person(mother()).expect("person");
    test.book
        .add_record(note(&person.id, "2026-11-01T08:00:00+07:00", "ho khan"))
        .expect("note");
    let records = common::all_records(&test, &person.id);
    (test, records)
}

fn held(test: &TestBook) -> Vec<Record> {
    let people = test.book.people().expect("people");
    people
        .iter()
        .flat_map(|p| common::all_records(test, &p.id))
        .collect()
}

fn assert_refused_url(result: Result<impl std::fmt::Debug, HealthBookError>, url: &str) -> String {
    match result {
        Err(HealthBookError::Validation { field, reason }) if field == "config.server_url" => {
            reason
        }
        other => panic!("{url}: expected Validation on config.server_url, got {other:?}"),
    }
}

#[test]
fn a_user_info_part_does_not_make_a_host_loopback() {
    // `localhost` here is a user name, `x` its password: the request would go to evil.example.
    for url in [
        "http://localhost:x@evil.example",
        "http://localhost:x@evil.example/fhir",
        "http://127.0.0.1@evil.example:8080",
        "http://[::1]:pw@evil.example",
        "https://citizen:secret@api.example.vn",
        "https://@api.example.vn",
    ] {
        let (test, before) = book_with_a_note();
        let reason = assert_refused_url(sync(&test, url), url);
        assert!(
            reason.contains("user name") || reason.contains("password"),
            "{url}: {reason}"
        );
        assert_eq!(held(&test), before, "{url}: the book changed");
    }
}

#[test]
fn hosts_that_only_look_like_loopback_need_https() {
    for url in [
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://evil.example/127.0.0.1",
        "http://evil.example#@127.0.0.1",
        "http://10.0.2.2.evil.example",
        "http://192.168.1.10:8080",
    ] {
        let (test, before) = book_with_a_note();
        assert_refused_url(sync(&test, url), url);
        assert_eq!(held(&test), before, "{url}: the book changed");
    }
}

#[test]
fn loopback_in_any_spelling_may_use_plain_http() {
    // Nothing listens on port 9: the check passes and the connection fails.
    for url in [
        "http://127.0.0.1:9",
        "http://127.0.0.2:9/fhir/",
        "http://LOCALHOST:9",
        "http://[::1]:9",
    ] {
        let (test, _) = book_with_a_note();
        match sync(&test, url) {
            Err(HealthBookError::Network { .. }) => {}
            other => panic!("{url}: expected a Network error, got {other:?}"),
        }
    }
}

#[test]
fn the_emulator_host_is_plain_http_only_in_a_debug_build() {
    let url = "http://10.0.2.2:9";
    let (test, before) = book_with_a_note();
    let result = sync(&test, url);
    if cfg!(debug_assertions) {
        assert!(
            !matches!(result, Err(HealthBookError::Validation { .. })),
            "a debug build lets the emulator reach the computer's backend: {result:?}"
        );
    } else {
        let reason = assert_refused_url(result, url);
        assert!(reason.contains("https"), "{reason}");
    }
    assert_eq!(held(&test), before);
}

/// The sync's first request is answered with a redirect to `to(path)`; `target` counts what
/// reaches the other side.
fn redirected_sync(
    to: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (HealthBookError, usize) {
    let target = StubServer::start(|_| {
        Reply::ok(
            "application/fhir+json",
            r#"{"resourceType":"Bundle","type":"history","entry":[]}"#,
        )
    });
    let target_port = target.port();
    let redirector = StubServer::start(move |request| {
        Reply::redirect(307, &to(&format!("{}|{}", target_port, request.target)))
    });
    let (test, before) = book_with_a_note();
    let result = sync(&test, &redirector.url());
    assert_eq!(held(&test), before, "the book changed");
    let error = result.expect_err("a sync redirected elsewhere must fail");
    (error, target.requests().len())
}

fn split(spec: &str) -> (&str, &str) {
    spec.split_once('|').expect("port|target")
}

#[test]
fn a_redirect_to_another_origin_is_not_followed() {
    let (error, reached) = redirected_sync(|spec| {
        let (port, target) = split(spec);
        format!("http://localhost:{port}{target}")
    });
    assert_eq!(reached, 0, "the request went to the other origin");
    match error {
        HealthBookError::Network { reason } => {
            assert!(reason.contains("redirect"), "{reason}");
            assert!(reason.contains("origin"), "{reason}");
        }
        other => panic!("expected Network naming the redirect, got {other:?}"),
    }
}

#[test]
fn a_redirect_to_another_port_of_the_same_host_is_not_followed() {
    let (error, reached) = redirected_sync(|spec| {
        let (port, target) = split(spec);
        format!("http://127.0.0.1:{port}{target}")
    });
    assert_eq!(reached, 0, "the request went to the other port");
    assert!(
        matches!(&error, HealthBookError::Network { reason } if reason.contains("redirect")),
        "{error:?}"
    );
}
