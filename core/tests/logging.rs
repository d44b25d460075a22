//! The core's logs in the app's `LogSink`, through a whole sync, a share and calls that fail: the
//! lines arrive, at the level asked for, and none of them says whose or what (no name, CCCD,
//! insurance number, diagnosis, key, token or link). One test in its own binary: the logger is
//! global to the process.
//!
//! The sync runs over HTTP on 127.0.0.1 against a stand-in for the backend, made of the core's
//! own wire format (`feed_page_bundle`, `push_response_bundle`): the mother's records on two
//! change-feed pages, her pushes stored, and a share host that serves what it is given.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::Utc;
use common::*;
use healthbook_core::model::time::vietnam_offset;
use healthbook_core::model::{Person, PersonRole, Record};
use healthbook_core::sync::wire::{
    feed_page_bundle, push_response_bundle, read_push_bundle, ChangeBody, FeedPage, PushOutcome,
    RecordChange,
};
use healthbook_core::{
    open_share_link, set_log_sink, Cancellation, HealthBook, HealthBookError, LogLevel, LogSink,
    ShareRequest, SyncAuth, SyncConfig, SyncProgress, SyncProgressListener,
};
use serde_json::{json, Value};

/// The token the stand-in accepts; any other is answered 401.
const TOKEN: &str = "tok-7f3c9a1e5b2d4680";
const PATIENT_ID: &str = "patient-0001";

// ---------------------------------------------------------------------------------------------
// The stand-in backend.

/// The mother as the backend sends her, and her records (each with the id the backend gave it).
fn mother_on_server() -> (Person, Vec<Record>) {
    let mut person = mother();
    person.id = PATIENT_ID.into();
    let records = one_of_each(PATIENT_ID)
        .into_iter()
        .enumerate()
        .map(|(i, mut record)| {
            record.set_id(format!("00000000-0000-4000-8000-{:012}", i + 1));
            record
        })
        .collect();
    (person, records)
}

#[derive(Default)]
struct Hosted {
    /// Share id → its encrypted file.
    files: HashMap<String, String>,
    /// Share id → who opened it, with when (RFC 3339).
    opened: HashMap<String, Vec<(String, String)>>,
    revoked: Vec<String>,
}

struct StandIn {
    base: String,
    pushed: Arc<AtomicUsize>,
}

fn serve() -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let pushed = Arc::new(AtomicUsize::new(0));
    let hosted = Arc::new(Mutex::new(Hosted::default()));
    let (url, count) = (base.clone(), pushed.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (url, count, hosted) = (url.clone(), count.clone(), hosted.clone());
            std::thread::spawn(move || answer(stream, &url, &count, &hosted));
        }
    });
    StandIn { base, pushed }
}

struct Request {
    method: String,
    path: String,
    query: String,
    token: Option<String>,
    body: Vec<u8>,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut length = 0usize;
    let mut token = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("authorization") {
                token = value.strip_prefix("Bearer ").map(str::to_string);
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Some(Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        token,
        body,
    })
}

fn param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

const FHIR: &str = "application/fhir+json";
const JSON: &str = "application/json";

fn answer(mut stream: TcpStream, base: &str, pushed: &AtomicUsize, hosted: &Mutex<Hosted>) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let signed_in = request.token.as_deref() == Some(TOKEN);
    let outcome = |code: &str, text: &str| {
        json!({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]})
            .to_string()
    };
    let share_id = request
        .path
        .strip_prefix("/shl/")
        .map(|rest| rest.trim_end_matches("/log").to_string());
    let (status, content_type, body) = match (request.method.as_str(), request.path.as_str()) {
        // The doctor's side: no token, the file itself while the share is not revoked.
        ("GET", path) if path.starts_with("/shl/") && !path.ends_with("/log") => {
            let id = share_id.unwrap_or_default();
            let mut hosted = hosted.lock().expect("hosted");
            match hosted.files.get(&id).cloned() {
                Some(file) if !hosted.revoked.contains(&id) => {
                    let recipient = param(&request.query, "recipient").unwrap_or("").to_string();
                    let at = Utc::now().to_rfc3339();
                    hosted.opened.entry(id).or_default().push((recipient, at));
                    (200, "application/jose", file)
                }
                _ => (404, JSON, json!({"error": "no such link"}).to_string()),
            }
        }
        _ if !signed_in => (401, FHIR, outcome("login", "the token has expired")),
        ("GET", "/fhir/$changes") => (200, FHIR, feed_page(base, &request.query).to_string()),
        ("POST", "/fhir") => {
            let bundle: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            match read_push_bundle(&bundle) {
                Ok(items) => {
                    pushed.fetch_add(items.len(), Ordering::SeqCst);
                    let outcomes: Vec<PushOutcome> = items
                        .iter()
                        .map(|item| match item {
                            Ok(_) => PushOutcome::Stored { version: 1 },
                            Err(reason) => PushOutcome::Rejected {
                                status: 422,
                                reason: reason.clone(),
                            },
                        })
                        .collect();
                    (200, FHIR, push_response_bundle(&outcomes).to_string())
                }
                Err(e) => (400, FHIR, outcome("invalid", &e.to_string())),
            }
        }
        ("POST", "/shl") => {
            let upload: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            let mut hosted = hosted.lock().expect("hosted");
            let id = format!("share{:040}", hosted.files.len() + 1);
            let file = upload["file"].as_str().unwrap_or("").to_string();
            hosted.files.insert(id.clone(), file);
            let answer = json!({"id": id, "url": format!("{base}/shl/{id}"), "flag": "U"});
            (201, JSON, answer.to_string())
        }
        ("GET", path) if path.ends_with("/log") => {
            let id = share_id.unwrap_or_default();
            let hosted = hosted.lock().expect("hosted");
            let accesses: Vec<Value> = hosted
                .opened
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|(recipient, at)| json!({"recipient": recipient, "at": at}))
                .collect();
            let answer = json!({
                "uses": accesses.len(),
                "accesses": accesses,
                "revoked": hosted.revoked.contains(&id),
            });
            (200, JSON, answer.to_string())
        }
        ("DELETE", _) => {
            let id = share_id.unwrap_or_default();
            hosted.lock().expect("hosted").revoked.push(id);
            (200, JSON, json!({"revoked": true}).to_string())
        }
        _ => (404, JSON, json!({"error": "no such route"}).to_string()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The change feed: the first four records, then the rest (caught up); from `end` on, nothing new.
fn feed_page(base: &str, query: &str) -> Value {
    let (person, records) = mother_on_server();
    let (changes, next, caught_up) = match param(query, "cursor") {
        None => (&records[..4], "half", false),
        Some("half") => (&records[4..], "end", true),
        Some(_) => (&records[..0], "end", true),
    };
    let page = FeedPage {
        patient_id: PATIENT_ID.into(),
        role: PersonRole::Owner,
        person,
        changes: changes
            .iter()
            .map(|record| RecordChange {
                record_id: record.id().to_string(),
                version: 1,
                change: ChangeBody::Put(record.clone()),
            })
            .collect(),
        next_cursor: next.into(),
        caught_up,
    };
    feed_page_bundle(
        &page,
        &format!("{base}/fhir/$changes?{query}"),
        &format!("{base}/fhir/$changes?_count=500&cursor={next}"),
        Utc::now().with_timezone(&vietnam_offset()),
    )
}

// ---------------------------------------------------------------------------------------------
// The app's side.

/// Keeps every line the core logs.
#[derive(Default)]
struct Collected {
    lines: Mutex<Vec<(LogLevel, String, String)>>,
}

impl Collected {
    fn lines(&self) -> Vec<(LogLevel, String, String)> {
        self.lines.lock().expect("lines").clone()
    }

    fn count(&self) -> usize {
        self.lines.lock().expect("lines").len()
    }
}

impl LogSink for Collected {
    fn log(&self, level: LogLevel, target: String, message: String) -> Result<(), HealthBookError> {
        self.lines
            .lock()
            .expect("lines")
            .push((level, target, message));
        Ok(())
    }
}

/// A sink that throws on every line (logcat is gone): the calls must not notice.
#[derive(Default)]
struct Broken {
    asked: AtomicUsize,
}

impl LogSink for Broken {
    fn log(&self, _: LogLevel, _: String, _: String) -> Result<(), HealthBookError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Err(HealthBookError::CallbackFailed {
            reason: "the log is closed".into(),
        })
    }
}

struct Login(Result<&'static str, &'static str>);

impl SyncAuth for Login {
    fn access_token(&self) -> Result<String, HealthBookError> {
        match self.0 {
            Ok(token) => Ok(token.to_string()),
            Err(reason) => Err(HealthBookError::CallbackFailed {
                reason: reason.into(),
            }),
        }
    }
}

fn login(token: &'static str) -> Arc<dyn SyncAuth> {
    Arc::new(Login(Ok(token)))
}

/// A progress listener that throws on every report.
struct Gone;

impl SyncProgressListener for Gone {
    fn on_progress(&self, _: SyncProgress) -> Result<(), HealthBookError> {
        Err(HealthBookError::CallbackFailed {
            reason: "the screen is gone".into(),
        })
    }
}

fn sync(
    book: &Arc<HealthBook>,
    server: &StandIn,
    auth: Arc<dyn SyncAuth>,
    progress: Option<Arc<dyn SyncProgressListener>>,
    cancellation: Option<Arc<Cancellation>>,
) -> Result<healthbook_core::SyncReport, HealthBookError> {
    let config = SyncConfig {
        max_attempts: 1,
        ..SyncConfig::new(server.base.clone())
    };
    block_on(book.clone().sync(config, auth, progress, cancellation))
}

/// What must never be in a log line: who the book is about, what is in it, and what opens it.
fn secrets(link: &str) -> Vec<String> {
    let person = mother();
    let key = KEY;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let share_key = link
        .rsplit("shlink:/")
        .next()
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|json| serde_json::from_slice::<Value>(&json).ok())
        .and_then(|payload| payload["key"].as_str().map(str::to_string))
        .expect("the share's link holds its key");
    vec![
        person.full_name.clone(),
        person.personal_id.clone().expect("a CCCD"),
        person.insurance.clone().expect("a BHYT card").number,
        "Viêm phổi".into(),
        "Tăng huyết áp".into(),
        "Penicillin".into(),
        "Nguyễn Thị Lan có hẹn tái khám".into(),
        hex.clone(),
        hex.to_uppercase(),
        base64::engine::general_purpose::STANDARD.encode(key),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key),
        TOKEN.into(),
        share_key,
        link.to_string(),
    ]
}

#[test]
fn the_logs_of_a_sync_a_share_and_failed_calls_arrive_and_name_no_one() {
    let sink = Arc::new(Collected::default());
    set_log_sink(Some(sink.clone()), LogLevel::Trace);
    let server = serve();

    // A wrong key, then the book.
    let test = new_book();
    let path = test.path();
    drop(test.book);
    let wrong = HealthBook::open(path.clone(), OTHER_KEY.to_vec()).expect_err("wrong key");
    assert!(
        matches!(wrong, HealthBookError::WrongKey { .. }),
        "{wrong:?}"
    );
    let book = HealthBook::open(path, KEY.to_vec()).expect("the right key");

    // A login that cannot give a token, a token the server refuses, a cancelled sync.
    let signed_out = Arc::new(Login(Err("signed out of VNeID")));
    let error = sync(&book, &server, signed_out, None, None).expect_err("no token");
    assert!(
        matches!(error, HealthBookError::AuthExpired { .. }),
        "{error:?}"
    );
    let error = sync(&book, &server, login("expired"), None, None).expect_err("refused");
    assert!(
        matches!(error, HealthBookError::AuthExpired { .. }),
        "{error:?}"
    );
    let cancelled = Cancellation::new();
    cancelled.cancel();
    let error = sync(&book, &server, login(TOKEN), None, Some(cancelled)).expect_err("cancelled");
    assert!(
        matches!(error, HealthBookError::Cancelled { .. }),
        "{error:?}"
    );

    // The whole book arrives, past a progress listener that throws.
    let report = sync(&book, &server, login(TOKEN), Some(Arc::new(Gone)), None).expect("sync");
    let (_, records) = mother_on_server();
    assert_eq!(report.records_received as usize, records.len());
    assert_eq!(report.pages, 2);
    let owner = book.people().expect("people")[0].id.clone();

    // The citizen's own note, with her name in it, goes out.
    book.add_record(note(
        &owner,
        "2026-11-22T07:00:00+07:00",
        "Nguyễn Thị Lan có hẹn tái khám",
    ))
    .expect("a note");
    let report = sync(&book, &server, login(TOKEN), None, None).expect("push");
    assert_eq!(report.records_sent, 1);
    assert_eq!(server.pushed.load(Ordering::SeqCst), 1);

    // A share, opened by a doctor, seen in the log after a sync, revoked, then dead.
    let config = SyncConfig::new(server.base.clone());
    let request = ShareRequest {
        person_id: owner.clone(),
        kinds: vec![],
        record_ids: vec![],
        from: None,
        to: None,
        include_sensitive: false,
        valid_for: None,
        max_uses: None,
        label: Some("Khám tại Bạch Mai".into()),
        passcode: None,
    };
    let created = block_on(
        book.clone()
            .create_share(request, config, login(TOKEN), None),
    )
    .expect("share");
    let link = created.share.link.as_str().to_string();
    let doctor = "BS. Phạm Văn Hùng";
    let opened = block_on(open_share_link(link.clone(), doctor.into(), None, None))
        .expect("the doctor opens it");
    assert_eq!(opened.patient.full_name, mother().full_name);
    sync(&book, &server, login(TOKEN), None, None).expect("sync brings the access log");
    let log = book
        .share_access_log(created.share.id.clone())
        .expect("access log");
    assert_eq!(log.len(), 1);
    block_on(
        book.clone()
            .revoke_share(created.share.id.clone(), login(TOKEN), None),
    )
    .expect("revoke");
    let gone =
        block_on(open_share_link(link.clone(), doctor.into(), None, None)).expect_err("revoked");
    assert!(
        matches!(gone, HealthBookError::ShareExpired { .. }),
        "{gone:?}"
    );

    // Calls that fail on what the citizen typed.
    let mut stranger = mother();
    stranger.personal_id = Some("0011900123".into());
    let invalid = book.add_person(stranger).expect_err("a CCCD of 10 digits");
    assert!(
        matches!(invalid, HealthBookError::Validation { .. }),
        "{invalid:?}"
    );
    let missing = book
        .record("00000000-0000-4000-8000-999999999999".into())
        .expect_err("no such record");
    assert!(
        matches!(missing, HealthBookError::NotFound { .. }),
        "{missing:?}"
    );

    let lines = sink.lines();
    assert!(!lines.is_empty(), "no log line arrived");
    let said = |text: &str| lines.iter().any(|(_, _, message)| message.contains(text));
    for expected in [
        "sync started",
        "sync finished",
        "share revoked",
        "the progress listener failed",
        "call failed: WrongKey",
        "call failed: AuthExpired",
        "call failed: Cancelled",
        "call failed: ShareExpired",
        "call failed: Validation",
        "call failed: NotFound",
    ] {
        assert!(said(expected), "no line says {expected:?}: {lines:#?}");
    }
    for (_, target, message) in &lines {
        assert!(target.starts_with("healthbook"), "{target}: {message}");
    }
    let secrets = secrets(&link);
    for (level, target, message) in &lines {
        for secret in &secrets {
            assert!(
                !message.contains(secret.as_str()) && !target.contains(secret.as_str()),
                "a {level:?} line of {target} gives away {secret:?}: {message}"
            );
        }
    }

    // At `Warn`, a sync that works says nothing; a failure still says its kind.
    set_log_sink(Some(sink.clone()), LogLevel::Warn);
    let before = sink.count();
    sync(&book, &server, login(TOKEN), None, None).expect("quiet sync");
    assert_eq!(sink.count(), before, "{:#?}", &sink.lines()[before..]);
    sync(&book, &server, login("expired"), None, None).expect_err("refused");
    let warned = sink.lines()[before..].to_vec();
    assert!(!warned.is_empty());
    assert!(
        warned.iter().all(|(level, _, _)| *level <= LogLevel::Warn),
        "{warned:#?}"
    );

    // A sink that throws loses its lines and nothing else.
    let broken = Arc::new(Broken::default());
    set_log_sink(Some(broken.clone()), LogLevel::Trace);
    let report = sync(&book, &server, login(TOKEN), None, None).expect("sync with a broken sink");
    assert_eq!(report.records_received, 0);
    assert!(broken.asked.load(Ordering::SeqCst) > 0);

    // No sink: nothing more reaches the old ones.
    let (kept, asked) = (sink.count(), broken.asked.load(Ordering::SeqCst));
    set_log_sink(None, LogLevel::Trace);
    sync(&book, &server, login("expired"), None, None).expect_err("refused");
    assert_eq!(sink.count(), kept);
    assert_eq!(broken.asked.load(Ordering::SeqCst), asked);
}
