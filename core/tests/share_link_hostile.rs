//! The doctor's side against a crafted link: a manifest that lists too many files, files that
//! inflate past the total the reader allows, plain `http` to an address that is not this device,
//! a host that redirects elsewhere, and a host that never answers while the doctor cancels. Every
//! host here is a small server on 127.0.0.1 (`stub_server`).

mod common;
mod stub_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::block_on;
use healthbook_core::share::jwe;
use healthbook_core::share::link::{encode_key, format_link, ShlPayload};
use healthbook_core::{open_share_link, Cancellation, HealthBookError, OpenedShare};
use serde_json::{json, Value};
use stub_server::{Reply, StubServer};

const KEY: [u8; 32] = [0x5a; 32];
const MIB: usize = 1024 * 1024;

fn link_to(url: &str, flag: &str) -> String {
    let payload = ShlPayload {
        url: url.to_string(),
        key: encode_key(&KEY),
        exp: None,
        flag: flag.to_string(),
        label: None,
        v: None,
    };
    format_link(&payload, None)
}

fn open(link: &str) -> Result<OpenedShare, HealthBookError> {
    block_on(open_share_link(
        link.to_string(),
        "Phòng khám test".into(),
        None,
        None,
    ))
}

/// A small Bundle, encrypted as a shared file is.
fn small_file() -> String {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": []});
    jwe::encrypt(
        bundle.to_string().as_bytes(),
        &KEY,
        Some("application/fhir+json"),
        true,
    )
    .expect("encrypt")
}

/// A Bundle padded with `bytes` spaces: deflated, a few kilobytes of JWE.
fn inflating_file(bytes: usize) -> String {
    let mut plaintext =
        br#"{"resourceType":"Bundle","type":"collection","entry":[],"pad":""#.to_vec();
    plaintext.resize(plaintext.len() + bytes, b' ');
    plaintext.extend_from_slice(br#""}"#);
    jwe::encrypt(&plaintext, &KEY, Some("application/fhir+json"), true).expect("encrypt")
}

/// A share host: `POST /manifest` answers `manifest`, `GET /file/<n>` answers `files[n]`.
fn host(
    manifest: impl Fn(&str) -> Value + Send + Sync + 'static,
    files: Vec<String>,
) -> StubServer {
    let files = Arc::new(files);
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let own = base.clone();
    let server = StubServer::start(move |request| {
        let base = own.get().cloned().unwrap_or_default();
        match (request.method.as_str(), request.path()) {
            ("POST", "/manifest") => {
                Reply::ok("application/json", manifest(&base).to_string().into_bytes())
            }
            ("GET", path) if path.starts_with("/file/") => path["/file/".len()..]
                .parse::<usize>()
                .ok()
                .and_then(|n| files.get(n).cloned())
                .map(|file| Reply::ok("application/jose", file))
                .unwrap_or_else(|| Reply::status(404, "text/plain", "gone")),
            _ => Reply::status(404, "text/plain", "gone"),
        }
    });
    let _ = base.set(server.url());
    server
}

fn file_requests(server: &StubServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/file/"))
        .count()
}

fn unreadable(result: Result<OpenedShare, HealthBookError>) -> String {
    match result {
        Err(HealthBookError::ShareUnreadable { reason }) => reason,
        Err(other) => panic!("expected ShareUnreadable, got {other:?}"),
        Ok(opened) => panic!(
            "expected ShareUnreadable, the link opened with {} records",
            opened.records.len()
        ),
    }
}

#[test]
fn a_manifest_with_too_many_files_is_refused_before_any_is_fetched() {
    let host = host(
        |base| {
            let files: Vec<Value> = (0..1000)
                .map(|n| json!({"contentType": "application/fhir+json", "location": format!("{base}/file/{n}")}))
                .collect();
            json!({ "files": files })
        },
        vec![small_file(); 1000],
    );
    let reason = unreadable(open(&link_to(&format!("{}/manifest", host.url()), "")));
    assert!(
        reason.contains("1000 files") && reason.contains("at most"),
        "{reason}"
    );
    assert_eq!(file_requests(&host), 0, "files were fetched");
}

#[test]
fn too_many_embedded_files_are_refused_too() {
    let file = small_file();
    let host = host(
        move |_| {
            let files: Vec<Value> = (0..500)
                .map(|_| json!({"contentType": "application/fhir+json", "embedded": file}))
                .collect();
            json!({ "files": files })
        },
        Vec::new(),
    );
    let reason = unreadable(open(&link_to(&format!("{}/manifest", host.url()), "")));
    assert!(reason.contains("500 files"), "{reason}");
}

#[test]
fn files_that_inflate_past_the_total_are_refused() {
    // Each inflates to 12 MiB, under the 16 MiB a single file may; three are over the 32 MiB a
    // link may hold in all.
    let bomb = inflating_file(12 * MIB);
    assert!(
        bomb.len() < 200 * 1024,
        "the test file is small: {}",
        bomb.len()
    );
    let embedded = bomb.clone();
    let host = host(
        move |base| {
            json!({ "files": [
                {"contentType": "application/fhir+json", "embedded": embedded},
                {"contentType": "application/fhir+json", "location": format!("{base}/file/0")},
                {"contentType": "application/fhir+json", "location": format!("{base}/file/1")},
            ]})
        },
        vec![bomb.clone(), bomb],
    );
    let started = Instant::now();
    let reason = unreadable(open(&link_to(&format!("{}/manifest", host.url()), "")));
    assert!(
        reason.contains("in all") && reason.contains("33554432"),
        "{reason}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn one_file_inflating_past_its_own_bound_is_refused() {
    // 48 MiB once inflated, from well under a megabyte: over the 16 MiB one file may hold.
    let bomb = inflating_file(48 * MIB);
    assert!(bomb.len() < MIB, "the test file is small: {}", bomb.len());
    let host = host(|_| json!({"files": []}), vec![bomb]);
    let reason = unreadable(open(&link_to(&format!("{}/file/0", host.url()), "U")));
    assert!(reason.contains("16777216"), "{reason}");
}

#[test]
fn files_larger_than_the_download_total_are_refused() {
    // Each file is 15 MiB of JWE, under the 32 MiB one answer may be; three are over the 40 MiB
    // a link may download in all. Not deflated, so only the download bound can stop them.
    let mut plaintext = br#"{"resourceType":"Bundle","type":"collection","pad":""#.to_vec();
    plaintext.resize(11 * MIB, b'a');
    plaintext.extend_from_slice(br#""}"#);
    let big = jwe::encrypt(&plaintext, &KEY, Some("application/fhir+json"), false).expect("jwe");
    assert!(
        big.len() > 14 * MIB && big.len() < 16 * MIB,
        "{}",
        big.len()
    );
    let host = host(
        |base| {
            let files: Vec<Value> = (0..3)
                .map(|n| json!({"contentType": "application/fhir+json", "location": format!("{base}/file/{n}")}))
                .collect();
            json!({ "files": files })
        },
        vec![big.clone(), big.clone(), big],
    );
    let reason = unreadable(open(&link_to(&format!("{}/manifest", host.url()), "")));
    assert!(
        reason.contains("in all") && reason.contains("41943040"),
        "{reason}"
    );
}

#[test]
fn plain_http_to_another_address_is_refused_before_any_request() {
    let host = host(|_| json!({"files": []}), vec![small_file()]);
    // 0.0.0.0 is not a loopback address, yet on Linux it reaches this machine's servers: the
    // request would land on the stub if it were made.
    for url in [
        format!("http://0.0.0.0:{}/file/0", host.port()),
        format!("http://localhost:x@0.0.0.0:{}/file/0", host.port()),
        "http://192.168.1.20/shl/abc".to_string(),
        "http://10.1.2.3/shl/abc".to_string(),
        "ftp://127.0.0.1/shl/abc".to_string(),
    ] {
        match open(&link_to(&url, "U")) {
            Err(HealthBookError::Validation { field, reason }) => {
                assert_eq!(field, "link.url", "{url}");
                assert!(
                    reason.contains("https") || reason.contains("user name"),
                    "{url}: {reason}"
                );
            }
            other => panic!("{url}: expected Validation on link.url, got {other:?}"),
        }
    }
    assert!(host.requests().is_empty(), "a request was made");
}

#[test]
fn a_manifest_pointing_at_plain_http_elsewhere_fetches_nothing() {
    let host = host(
        |base| {
            let port = base.rsplit(':').next().unwrap_or("").to_string();
            json!({ "files": [
                {"contentType": "application/fhir+json", "location": format!("{base}/file/0")},
                {"contentType": "application/fhir+json", "location": format!("http://0.0.0.0:{port}/file/1")},
            ]})
        },
        vec![small_file(), small_file()],
    );
    let reason = unreadable(open(&link_to(&format!("{}/manifest", host.url()), "")));
    assert!(reason.contains("https"), "{reason}");
    assert_eq!(file_requests(&host), 0, "a file was fetched");
}

#[test]
fn a_share_host_redirecting_elsewhere_is_not_followed() {
    let elsewhere = StubServer::start(|_| Reply::ok("application/json", r#"{"files":[]}"#));
    let to = format!("http://localhost:{}/manifest", elsewhere.port());
    let host = StubServer::start(move |_| Reply::redirect(307, &to));
    let result = open(&link_to(&format!("{}/manifest", host.url()), ""));
    assert!(elsewhere.requests().is_empty(), "the redirect was followed");
    match result {
        Err(HealthBookError::Network { reason }) => {
            assert!(reason.contains("redirect"), "{reason}")
        }
        other => panic!("expected Network naming the redirect, got {other:?}"),
    }
}

fn cancelled_while(host: &StubServer, link: String) {
    let cancellation = Cancellation::new();
    let switch = cancellation.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        switch.cancel();
    });
    let started = Instant::now();
    let result = block_on(open_share_link(
        link,
        "Phòng khám test".into(),
        None,
        Some(cancellation),
    ));
    assert!(
        matches!(result, Err(HealthBookError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cancelling took {:?}",
        started.elapsed()
    );
    assert!(!host.requests().is_empty(), "the host was asked");
}

#[test]
fn opening_stops_when_cancelled_while_the_manifest_is_awaited() {
    let host = StubServer::start(|_| Reply::Stall);
    let link = link_to(&format!("{}/manifest", host.url()), "");
    cancelled_while(&host, link);
}

#[test]
fn opening_stops_when_cancelled_while_a_file_is_awaited() {
    let files = StubServer::start(|_| Reply::Stall);
    let location = format!("{}/file/0", files.url());
    let host = StubServer::start(move |_| {
        Reply::ok(
            "application/json",
            json!({"files": [{"contentType": "application/fhir+json", "location": location}]})
                .to_string(),
        )
    });
    cancelled_while(&files, link_to(&format!("{}/manifest", host.url()), ""));
}

#[test]
fn opening_stops_when_cancelled_while_a_direct_file_is_awaited() {
    let host = StubServer::start(|_| Reply::Stall);
    let link = link_to(&format!("{}/shl/abc", host.url()), "U");
    cancelled_while(&host, link);
}
