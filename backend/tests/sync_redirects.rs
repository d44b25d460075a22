//! A backend URL that answers with a redirect to another origin, against the real backend on
//! 127.0.0.1: the sync does not follow it (the token and the citizen's entries would go to
//! whoever the redirect names), ends with `Network` saying so, and the book is as it was.

mod sync_support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use healthbook_core::HealthBookError;
use sync_support::*;

/// A server on 127.0.0.1 that answers every request with `307` to `target` + the request's path.
/// Returns its URL.
fn redirector(target: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0)
                    || header.trim().is_empty()
                {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_sync_redirected_to_another_origin_fails_and_leaves_the_book_and_the_backend_as_they_were() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let token = Token::new(backend.login(&mother_id()));
    let book = open_book(dir.path(), "phone.db");
    sync_now(&book, config(&backend.url()), token.clone()).expect("the first sync");
    // An entry waiting to be pushed.
    book.add_record(note(&owner_of(&book), "đau đầu từ sáng"))
        .expect("note");
    let before = snapshot(&book);

    // The other origin is a proxy in front of the real backend: what reaches it would be served.
    let elsewhere = FaultProxy::start(backend.addr);
    let other_origin = format!("http://localhost:{}", elsewhere.addr.port());
    let front = redirector(other_origin);

    let error = sync_now(&book, config(&front), token.clone())
        .expect_err("a sync redirected elsewhere fails");
    match &error {
        HealthBookError::Network { reason } => {
            assert!(
                reason.contains("redirect") && reason.contains("origin"),
                "{reason}"
            );
        }
        other => panic!("expected Network naming the redirect, got {other:?}"),
    }
    assert_eq!(
        elsewhere.requests.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a request reached the other origin"
    );
    assert_eq!(snapshot(&book), before, "the failed sync changed the book");

    // The backend did not get the note: another phone does not see it.
    let other_phone = open_book(dir.path(), "other-phone.db");
    sync_now(&other_phone, config(&backend.url()), token.clone()).expect("another phone");
    assert_eq!(record_count(&other_phone), seeded_count());

    // The right URL works, and sends the note.
    let report = sync_now(&book, config(&backend.url()), token).expect("the sync at the backend");
    assert_eq!(report.records_sent, 1);
}
