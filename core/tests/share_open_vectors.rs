//! `open_share_link`, the doctor's side, on links made by other implementations: the HL7
//! specification's published example (flags `LP`: a passcode and a manifest, a SMART Health Card
//! inside) and the 16 International Patient Summary documents shared with flags `LU`. Their `url`s
//! point at public hosts, so a small HTTP server on 127.0.0.1 serves the `-enc.txt` files and the
//! manifest, and each payload is re-encoded with the local URL (`../shared/vectors/README.md`).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::block_on;
use healthbook_core::share::jwe;
use healthbook_core::{open_share_link, HealthBookError, OpenedShare};
use serde_json::{json, Value};

fn vectors_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/shl");
    assert!(
        dir.is_dir(),
        "the SMART Health Links test vectors are missing: expected them at {}",
        dir.display()
    );
    dir
}

const PASSCODE: &str = "1234";

/// Serves `GET /ips/<name>?recipient=…` (the `-enc.txt` file) and `POST /spec/manifest` (the
/// specification's JWE embedded in a manifest, with the passcode checked). Returns its base URL.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    base
}

fn answer(mut stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let (status, content_type, payload) = match (method, path) {
        ("GET", path) if path.starts_with("/ips/") && query.starts_with("recipient=") => {
            let name = &path["/ips/".len()..];
            match std::fs::read_to_string(vectors_dir().join(format!("ips/{name}-enc.txt"))) {
                Ok(file) => ("200 OK", "application/jose", file),
                Err(_) => ("404 Not Found", "text/plain", "no".to_string()),
            }
        }
        ("POST", "/spec/manifest") => {
            let asked: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if asked["passcode"] == PASSCODE && asked["recipient"].is_string() {
                let jwe = known_answer()["jwe"].as_str().expect("jwe").to_string();
                let manifest = json!({"files": [
                    {"contentType": "application/smart-health-card", "embedded": jwe}
                ]});
                ("200 OK", "application/json", manifest.to_string())
            } else {
                (
                    "401 Unauthorized",
                    "application/json",
                    json!({"remainingAttempts": 4}).to_string(),
                )
            }
        }
        _ => ("404 Not Found", "text/plain", "no".to_string()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
}

/// The doctor's side opening `link`, awaited.
fn open(link: String, passcode: Option<&str>) -> Result<OpenedShare, HealthBookError> {
    block_on(open_share_link(
        link,
        "Phòng khám".into(),
        passcode.map(str::to_string),
        None,
    ))
}

fn known_answer() -> Value {
    let path = vectors_dir().join("spec-known-answer.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("known answer")).expect("json")
}

/// The payload of a link (behind a viewer or bare), and the same payload as a link again.
fn payload_of(link: &str) -> Value {
    let encoded = link.trim().rsplit("shlink:/").next().expect("shlink");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).expect("base64url")).expect("json")
}

fn as_link(payload: &Value, viewer: Option<&str>) -> String {
    let bare = format!("shlink:/{}", URL_SAFE_NO_PAD.encode(payload.to_string()));
    match viewer {
        Some(viewer) => format!("{viewer}#{bare}"),
        None => bare,
    }
}

#[test]
fn every_ips_link_opens_into_records() {
    let base = serve();
    let mut names: Vec<String> = std::fs::read_dir(vectors_dir().join("ips"))
        .expect("ips folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix("-shl.txt").map(str::to_string))
        .collect();
    names.sort();
    assert_eq!(names.len(), 16, "{names:?}");
    for name in names {
        let text = std::fs::read_to_string(vectors_dir().join(format!("ips/{name}-shl.txt")))
            .expect("link");
        let mut payload = payload_of(&text);
        assert_eq!(payload["flag"], "LU", "{name}");
        payload["url"] = json!(format!("{base}/ips/{name}"));
        let viewer = text.split_once('#').map(|(viewer, _)| viewer);
        let opened =
            open(as_link(&payload, viewer), None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.label.as_deref(), payload["label"].as_str(), "{name}");
        assert!(!opened.patient.full_name.is_empty(), "{name}: a patient");
        let bundle: Value = serde_json::from_str(&opened.bundle_json).expect("bundle json");
        assert_eq!(bundle["resourceType"], "Bundle", "{name}");
        // What the doctor got is exactly the document the file holds.
        let file = std::fs::read_to_string(vectors_dir().join(format!("ips/{name}-enc.txt")))
            .expect("file");
        let key = URL_SAFE_NO_PAD
            .decode(payload["key"].as_str().expect("key"))
            .expect("key");
        let plain = jwe::decrypt(file.trim(), &key).expect("decrypts");
        let expected: Value = serde_json::from_slice(&plain.plaintext).expect("json");
        assert_eq!(bundle, expected, "{name}");
        // Each document with clinical content gives records; the "no information" one gives none.
        if name.starts_with("DE_no_info") {
            assert!(opened.records.is_empty(), "{name}");
        } else {
            assert!(!opened.records.is_empty(), "{name}: no records");
        }
    }
}

#[test]
fn the_specification_example_opens_with_its_passcode() {
    let base = serve();
    let answer = known_answer();
    let mut payload = payload_of(answer["shlink"].as_str().expect("shlink"));
    assert_eq!(payload["flag"], "LP");
    payload["url"] = json!(format!("{base}/spec/manifest"));
    let link = as_link(&payload, Some("https://viewer.example.org"));

    match open(link.clone(), None) {
        Err(HealthBookError::Validation { field, .. }) => assert_eq!(field, "passcode"),
        other => panic!("without the passcode: {other:?}"),
    }
    match open(link.clone(), Some("0000")) {
        Err(HealthBookError::Validation { field, reason }) => {
            assert_eq!(field, "passcode");
            assert!(reason.contains("4 attempts left"), "{reason}");
        }
        other => panic!("a wrong passcode: {other:?}"),
    }
    let opened = open(link, Some(PASSCODE)).expect("the SMART Health Card inside opens");
    assert!(!opened.patient.full_name.is_empty());
    assert!(
        !opened.records.is_empty() || !opened.skipped.is_empty(),
        "the card's resources are read"
    );
}

#[test]
fn a_changed_key_does_not_open_a_vector() {
    let base = serve();
    let text = std::fs::read_to_string(vectors_dir().join("ips/CY_194315-shl.txt")).expect("link");
    let mut payload = payload_of(&text);
    payload["url"] = json!(format!("{base}/ips/CY_194315"));
    payload["key"] = json!(URL_SAFE_NO_PAD.encode([3u8; 32]));
    match open(as_link(&payload, None), None) {
        Err(HealthBookError::ShareUnreadable { .. }) => {}
        other => panic!("{other:?}"),
    }
}
