//! What a hostile client cannot make the server do: hold a connection by sending headers a byte
//! at a time, or by leaving it idle, or by sending a body slowly; take every connection; make the
//! server read a large body before its credential is checked; post a Bundle of unbounded entries.
//! Each attack is made on a raw TCP connection, as an attacker would.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use healthbook_core::sync::wire::{push_bundle, PushChange, PushItem};
use serde_json::{json, Value};
use support::*;

/// How long a test waits for the server to act before it calls the attack a success. Generous:
/// the limits under test are 1 s; this is a bound on a hang, not a timing assertion.
const PATIENCE: Duration = Duration::from_secs(15);

fn server(extra: &[&str]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), extra);
    (dir, server)
}

fn connect(server: &Server) -> TcpStream {
    let address = server
        .url
        .strip_prefix("http://")
        .expect("an http URL")
        .to_string();
    let stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("read timeout");
    stream
}

/// Whether the server closed the connection within `PATIENCE`, while `keep_sending` is called
/// every 300 ms (it may write a byte; a failed write means the server closed it).
fn closed_by_server(
    stream: &mut TcpStream,
    mut keep_sending: impl FnMut(&mut TcpStream) -> bool,
) -> bool {
    let deadline = Instant::now() + PATIENCE;
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
        if !keep_sending(stream) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Reads until the server has sent a whole status line and headers (or closes, or `PATIENCE`
/// passes); the text read so far.
fn response_head(stream: &mut TcpStream) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut read = Vec::new();
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline && !read.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => read.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&read).into_owned()
}

fn status_of(head: &str) -> Option<u16> {
    head.split(' ').nth(1)?.parse().ok()
}

#[test]
fn headers_sent_a_byte_at_a_time_do_not_hold_a_connection() {
    let (_dir, server) = server(&["--header-timeout", "1"]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n")
        .expect("request line");
    let closed = closed_by_server(&mut stream, |stream| stream.write_all(b"X").is_ok());
    assert!(closed, "the server still reads headers after {PATIENCE:?}");
}

#[test]
fn an_idle_kept_alive_connection_is_closed() {
    let (_dir, server) = server(&["--header-timeout", "1"]);
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    let head = response_head(&mut stream);
    assert_eq!(status_of(&head), Some(200), "{head}");
    assert!(
        closed_by_server(&mut stream, |_| true),
        "an idle connection stays open after {PATIENCE:?}"
    );
}

#[test]
fn a_body_sent_slowly_is_cut_off_with_408() {
    let (_dir, server) = server(&["--request-timeout", "1"]);
    let mut stream = connect(&server);
    let head = format!(
        "POST /fhir HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {BACH_MAI_KEY}\r\n\
         Content-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("headers");
    let deadline = Instant::now() + PATIENCE;
    let mut answer = String::new();
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline && answer.is_empty() {
        if stream.write_all(b" ").is_err() {
            break;
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer = String::from_utf8_lossy(&buffer[..n]).into_owned(),
            Err(_) => {}
        }
    }
    assert_eq!(
        status_of(&answer),
        Some(408),
        "a body trickling in is still read after {PATIENCE:?}: {answer:?}"
    );
    assert!(answer.contains("OperationOutcome"), "{answer}");
}

#[test]
fn past_the_connection_cap_a_client_is_told_503_and_served_once_one_closes() {
    let (_dir, server) = server(&["--max-connections", "2", "--header-timeout", "60"]);
    let first = connect(&server);
    let _second = connect(&server);
    // Both held connections are accepted before the third arrives.
    std::thread::sleep(Duration::from_millis(300));
    let mut third = connect(&server);
    third
        .write_all(b"GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    let head = response_head(&mut third);
    assert_eq!(status_of(&head), Some(503), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 1"),
        "{head}"
    );

    drop(first);
    let deadline = Instant::now() + PATIENCE;
    let mut status = None;
    while Instant::now() < deadline && status != Some(200) {
        let mut next = connect(&server);
        next.write_all(b"GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("request");
        status = status_of(&response_head(&mut next));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status, Some(200), "a freed place is not served again");
}

/// Sends the headers of a 30 MB upload and no body; the status the server answers with.
fn large_upload_without_body(server: &Server, path: &str, authorization: Option<&str>) -> String {
    let mut stream = connect(server);
    let authorization = authorization
        .map(|value| format!("Authorization: Bearer {value}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\n{authorization}Content-Type: application/json\r\n\
         Content-Length: 30000000\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).expect("headers");
    response_head(&mut stream)
}

#[test]
fn a_large_upload_without_a_credential_is_refused_before_its_body_is_read() {
    let (_dir, server) = server(&[]);
    for (path, authorization) in [
        ("/fhir", None),
        ("/fhir", Some("not-a-key-or-a-token")),
        ("/shl", None),
        ("/shl", Some("not-a-token")),
    ] {
        let head = large_upload_without_body(&server, path, authorization);
        assert_eq!(
            status_of(&head),
            Some(401),
            "POST {path} with {authorization:?}: {head:?}"
        );
    }
}

fn allergy_entry(i: usize, patient: &str) -> Value {
    json!({
        "fullUrl": format!("urn:uuid:al-{i}"),
        "resource": {
            "resourceType": "AllergyIntolerance",
            "id": format!("al-{i}"),
            "patient": { "reference": patient },
            "code": { "text": format!("Chất {i}") },
            "recordedDate": "2024-01-02",
        },
        "request": { "method": "PUT", "url": format!("AllergyIntolerance/al-{i}") },
    })
}

#[test]
fn a_transaction_or_a_push_with_too_many_entries_is_refused_whole() {
    let (_dir, server) = server(&[]);
    let mut tx = Tx::mother();
    tx.allergy("al-0", "Penicillin", "2024-01-02");
    let mut bundle = tx.bundle();
    let patient = tx.subject()["reference"].clone();
    let patient = patient.as_str().expect("a reference").to_string();
    let entries = bundle["entry"].as_array_mut().expect("entries");
    entries.extend((1..=10_001).map(|i| allergy_entry(i, &patient)));
    let reply = server.ingest(BACH_MAI_KEY, &bundle);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry"]);

    // Nothing of it was stored: the mother is not known, so she cannot sign in.
    let login = server.post("/auth/dev-login", None, &json!({ "personal_id": MOTHER }));
    assert_ne!(login.status, 200, "the mother was created: {}", login.body);

    let mut small = Tx::mother();
    small.allergy("al-0", "Penicillin", "2024-01-02");
    assert_eq!(server.ingest(BACH_MAI_KEY, &small.bundle()).status, 200);
    let (token, _) = server.login(MOTHER);
    let deletions: Vec<PushItem> = (0..1_001)
        .map(|i| PushItem {
            record_id: format!("phone-{i:04}"),
            base_version: Some(1),
            change: PushChange::Delete,
        })
        .collect();
    let reply = server.post("/fhir", Some(&token), &push_bundle(&deletions, now_vn()));
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.expressions(), ["Bundle.entry"]);
}
