//! What the end-to-end sync tests share: the real backend as a child process on 127.0.0.1, a
//! login, a proxy in front of it that injects one fault at a time, and the app's callbacks.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use healthbook_core::{
    model::{
        CalendarDate, Observation, ObservationKind, ObservationValue, PersonRole, Record,
        RecordSource,
    },
    sample::{sample_family, SampleFamily},
    Cancellation, HealthBook, HealthBookError, SyncAuth, SyncConfig, SyncProgress,
    SyncProgressListener,
};
use serde_json::Value;

/// Runs one of the core's async calls to its end, as the app's coroutine or Task awaits it: on a
/// multi-threaded tokio runtime, since the calls hand their work to its blocking threads.
pub fn block_on<F: Future>(call: F) -> F::Output {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime for the async calls")
        })
        .block_on(call)
}

/// The synthetic family the backend seeds (`--seed`), as the test computes it.
pub fn seeded_family() -> SampleFamily {
    sample_family(42, today())
}

pub fn today() -> CalendarDate {
    chrono::Utc::now()
        .with_timezone(&healthbook_core::model::time::vietnam_offset())
        .date_naive()
}

pub fn mother_id() -> String {
    seeded_family().people[0]
        .personal_id
        .clone()
        .expect("the sample mother has a personal id")
}

/// The backend binary running on a database in a temp folder; killed when dropped.
pub struct Backend {
    child: Child,
    pub addr: SocketAddr,
    pub db: PathBuf,
    args: Vec<String>,
}

impl Backend {
    pub fn start(dir: &Path, extra: &[&str]) -> Backend {
        let db = dir.join("backend.db");
        let dev_login = ["--dev-login", "--dev-login-rate-limit", "6000/1000"];
        let args: Vec<String> = dev_login
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        let (child, addr) = spawn(&db, &args, "127.0.0.1:0");
        Backend {
            child,
            addr,
            db,
            args,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: the process dies on the spot, as on a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts again on the same database and port.
    pub fn restart(&mut self) {
        self.kill();
        let (child, addr) = spawn(&self.db, &self.args, &self.addr.to_string());
        self.child = child;
        self.addr = addr;
    }

    pub fn login(&self, personal_id: &str) -> String {
        let body = serde_json::json!({ "personal_id": personal_id }).to_string();
        let (status, answer) = http(self.addr, "POST", "/auth/dev-login", None, Some(&body));
        assert_eq!(status, 200, "login failed: {answer}");
        let answer: Value = serde_json::from_str(&answer).expect("login answer is JSON");
        answer["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.kill();
    }
}

fn spawn(db: &Path, args: &[String], listen: &str) -> (Child, SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut child = Command::new(env!("CARGO_BIN_EXE_healthbook-backend"))
            .arg("--db")
            .arg(db)
            .arg("--listen")
            .arg(listen)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("backend starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        if let Some(url) = line.trim().strip_prefix("listening on http://") {
            return (child, url.parse().expect("an address"));
        }
        // The old port may still be held for a moment after a kill.
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "the backend did not start: {line:?}"
        );
        thread::sleep(Duration::from_millis(200));
    }
}

/// A plain HTTP/1.1 exchange (Connection: close); returns status and body.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("receive");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

// ---------------------------------------------------------------------------------------------
// The fault proxy.

/// One thing that goes wrong with one response.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status (and `Retry-After` seconds, if given) instead of forwarding.
    Status(u16, Option<u32>),
    /// Forward, but only after this long.
    Delay(Duration),
    /// Forward half the body, then close the connection.
    Truncate,
    /// Read the request, then close without answering (the server died).
    Hangup,
    /// Answer 200 with a body that is not JSON.
    MalformedJson,
    /// Answer 200 with an HTML page (a captive portal).
    WrongContentType,
    /// Answer 200 with a body this many bytes long.
    Oversize(usize),
    /// Forward, with `subject` removed from the first Encounter of the page.
    MissingField,
}

/// A proxy on 127.0.0.1 in front of the backend. Each request takes the next planned fault for
/// its path (if any); everything else is forwarded as is.
pub struct FaultProxy {
    pub addr: SocketAddr,
    backend: Arc<Mutex<SocketAddr>>,
    plan: Arc<Mutex<VecDeque<(String, usize, Fault)>>>,
    counts: Arc<Mutex<std::collections::HashMap<String, usize>>>,
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    pub fn start(backend: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let proxy = FaultProxy {
            addr,
            backend: Arc::new(Mutex::new(backend)),
            plan: Arc::default(),
            counts: Arc::default(),
            requests: Arc::default(),
            stop: Arc::default(),
        };
        let (backend, plan, counts, requests, stop) = (
            proxy.backend.clone(),
            proxy.plan.clone(),
            proxy.counts.clone(),
            proxy.requests.clone(),
            proxy.stop.clone(),
        );
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let backend = *backend.lock().expect("backend addr");
                let (plan, counts, requests) = (plan.clone(), counts.clone(), requests.clone());
                thread::spawn(move || serve(stream, backend, &plan, &counts, &requests));
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `nth` request (1-based, counted per path prefix such as `/fhir/$changes`) gets `fault`.
    pub fn plan(&self, path_prefix: &str, nth: usize, fault: Fault) {
        self.plan
            .lock()
            .expect("plan")
            .push_back((path_prefix.to_string(), nth, fault));
    }

    pub fn clear(&self) {
        self.plan.lock().expect("plan").clear();
        self.counts.lock().expect("counts").clear();
    }

    pub fn point_at(&self, backend: SocketAddr) {
        *self.backend.lock().expect("backend addr") = backend;
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

type Plan = Mutex<VecDeque<(String, usize, Fault)>>;
type Counts = Mutex<std::collections::HashMap<String, usize>>;

fn serve(
    mut client: TcpStream,
    backend: SocketAddr,
    plan: &Plan,
    counts: &Counts,
    requests: &AtomicUsize,
) {
    let Some(request) = read_request(&mut client) else {
        return;
    };
    requests.fetch_add(1, Ordering::SeqCst);
    let path = request_path(&request);
    let fault = {
        let mut plan = plan.lock().expect("plan");
        let mut counts = counts.lock().expect("counts");
        let mut found = None;
        for (i, (prefix, nth, _)) in plan.iter().enumerate() {
            if path.starts_with(prefix.as_str()) {
                let seen = counts.entry(prefix.clone()).or_insert(0);
                if *seen + 1 == *nth {
                    found = Some(i);
                }
                break;
            }
        }
        // Count this request under every prefix it matches.
        let mut prefixes: Vec<String> = plan
            .iter()
            .map(|(p, _, _)| p.clone())
            .filter(|p| path.starts_with(p.as_str()))
            .collect();
        prefixes.sort();
        prefixes.dedup();
        for prefix in prefixes {
            *counts.entry(prefix).or_insert(0) += 1;
        }
        found.and_then(|i| plan.remove(i)).map(|(_, _, f)| f)
    };
    let respond = |client: &mut TcpStream,
                   status: u16,
                   content_type: &str,
                   body: &[u8],
                   extra: &str| {
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
            body.len()
        );
        let _ = client.write_all(head.as_bytes());
        let _ = client.write_all(body);
    };
    match fault {
        Some(Fault::Status(status, retry_after)) => {
            let extra = retry_after
                .map(|s| format!("Retry-After: {s}\r\n"))
                .unwrap_or_default();
            let body = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"injected"}]}"#;
            respond(
                &mut client,
                status,
                "application/fhir+json",
                body.as_bytes(),
                &extra,
            );
        }
        Some(Fault::Hangup) => {}
        Some(Fault::MalformedJson) => respond(
            &mut client,
            200,
            "application/fhir+json",
            br#"{"resourceType":"Bundle","type":"history","entry":[{"resource":"#,
            "",
        ),
        Some(Fault::WrongContentType) => respond(
            &mut client,
            200,
            "text/html",
            b"<html><body>Sign in to the Wi-Fi</body></html>",
            "",
        ),
        Some(Fault::Oversize(bytes)) => {
            let mut body =
                br#"{"resourceType":"Bundle","type":"history","entry":[],"pad":""#.to_vec();
            body.resize(bytes, b' ');
            body.extend_from_slice(br#""}"#);
            respond(&mut client, 200, "application/fhir+json", &body, "");
        }
        other => {
            if let Some(Fault::Delay(wait)) = other {
                thread::sleep(wait);
            }
            let Some(answer) = forward(backend, &request) else {
                return; // the backend is gone: the client sees the connection close
            };
            let Some((head, body)) = split_response(&answer) else {
                let _ = client.write_all(&answer);
                return;
            };
            match other {
                Some(Fault::Truncate) => {
                    let _ = client.write_all(head.as_bytes());
                    let _ = client.write_all(&body[..body.len() / 2]);
                    let _ = client.flush();
                    let _ = client.shutdown(Shutdown::Both);
                }
                Some(Fault::MissingField) => {
                    let mut page: Value = serde_json::from_slice(&body).expect("a page");
                    if let Some(encounter) = page["entry"].as_array_mut().and_then(|entries| {
                        entries
                            .iter_mut()
                            .find(|e| e["resource"]["resourceType"] == "Encounter")
                    }) {
                        if let Some(resource) = encounter["resource"].as_object_mut() {
                            resource.remove("subject");
                            resource.remove("period");
                        }
                    }
                    let body = page.to_string();
                    respond(
                        &mut client,
                        200,
                        "application/fhir+json",
                        body.as_bytes(),
                        "",
                    );
                }
                _ => {
                    let _ = client.write_all(&answer);
                }
            }
        }
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = stream.read(&mut buffer).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(end) = find(&data, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buffer).ok()?;
                if n == 0 {
                    return None;
                }
                data.extend_from_slice(&buffer[..n]);
            }
            return Some(data);
        }
    }
}

fn request_path(request: &[u8]) -> String {
    String::from_utf8_lossy(request)
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string()
}

/// Sends `request` to the backend with `Connection: close` and reads the whole answer.
fn forward(backend: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let end = find(request, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&request[..end]);
    let mut rewritten: String = head
        .lines()
        .filter(|l| !l.to_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut upstream = TcpStream::connect(backend).ok()?;
    upstream.write_all(rewritten.as_bytes()).ok()?;
    upstream.write_all(&request[end + 4..]).ok()?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer).ok()?;
    (!answer.is_empty()).then_some(answer)
}

/// Head (with its blank line) and body of a response with a Content-Length.
fn split_response(answer: &[u8]) -> Option<(String, Vec<u8>)> {
    let end = find(answer, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&answer[..end + 4]).into_owned();
    if head.to_lowercase().contains("transfer-encoding: chunked") {
        return None;
    }
    Some((head, answer[end + 4..].to_vec()))
}

fn find(data: &[u8], needle: &[u8]) -> Option<usize> {
    data.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// The app's side.

/// The app's login: hands out the token it holds.
pub struct Token(pub Mutex<String>);

impl Token {
    pub fn new(token: String) -> Arc<Token> {
        Arc::new(Token(Mutex::new(token)))
    }

    pub fn set(&self, token: String) {
        *self.0.lock().expect("token") = token;
    }

    pub fn current(&self) -> String {
        self.0.lock().expect("token").clone()
    }
}

impl SyncAuth for Token {
    fn access_token(&self) -> Result<String, HealthBookError> {
        Ok(self.current())
    }
}

/// A login that cannot give a token (the national ID app signed out): every ask fails.
pub struct SignedOut {
    pub asked: AtomicUsize,
}

/// What `SignedOut` says when asked for a token.
pub const SIGNED_OUT: &str = "the national ID app is signed out";

impl SignedOut {
    pub fn new() -> Arc<SignedOut> {
        Arc::new(SignedOut {
            asked: AtomicUsize::new(0),
        })
    }
}

impl SyncAuth for SignedOut {
    fn access_token(&self) -> Result<String, HealthBookError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Err(HealthBookError::CallbackFailed {
            reason: SIGNED_OUT.into(),
        })
    }
}

/// A hook run on each progress report.
pub type ProgressHook = Box<dyn Fn(&SyncProgress) + Send + Sync>;

/// The app's progress listener: records every report, runs `on_page` on each, and cancels
/// `cancel_after_pages.1` once that many pages are applied. With `fail`, it throws on every report.
#[derive(Default)]
pub struct Progress {
    pub reports: Mutex<Vec<SyncProgress>>,
    pub cancel_after_pages: Option<(u32, Arc<Cancellation>)>,
    /// Called on each progress report (e.g. to let a token expire between pages).
    pub on_page: Option<ProgressHook>,
    pub fail: bool,
}

impl Progress {
    pub fn reports(&self) -> Vec<SyncProgress> {
        self.reports.lock().expect("reports").clone()
    }
}

impl SyncProgressListener for Progress {
    fn on_progress(&self, progress: SyncProgress) -> Result<(), HealthBookError> {
        self.reports.lock().expect("reports").push(progress.clone());
        if let Some(hook) = &self.on_page {
            hook(&progress);
        }
        if let Some((pages, cancellation)) = &self.cancel_after_pages {
            if progress.pages >= *pages {
                cancellation.cancel();
            }
        }
        if self.fail {
            return Err(HealthBookError::CallbackFailed {
                reason: "the progress screen is gone".into(),
            });
        }
        Ok(())
    }
}

pub fn progress() -> Arc<Progress> {
    Arc::new(Progress::default())
}

/// A progress listener that holds the sync in its report of the first page applied until the
/// test lets it go, so that the test acts while a sync is surely under way.
pub struct Pause {
    held_tx: Mutex<mpsc::Sender<()>>,
    held_rx: Mutex<mpsc::Receiver<()>>,
    resume_tx: Mutex<mpsc::Sender<()>>,
    resume_rx: Mutex<mpsc::Receiver<()>>,
}

/// How long either side of a `Pause` waits for the other before giving up.
const PAUSE_LIMIT: Duration = Duration::from_secs(30);

impl Pause {
    /// A `Progress` that holds at its first page, and the `Pause` that controls it.
    pub fn at_first_page() -> (Arc<Progress>, Arc<Pause>) {
        let (held_tx, held_rx) = mpsc::channel();
        let (resume_tx, resume_rx) = mpsc::channel();
        let pause = Arc::new(Pause {
            held_tx: Mutex::new(held_tx),
            held_rx: Mutex::new(held_rx),
            resume_tx: Mutex::new(resume_tx),
            resume_rx: Mutex::new(resume_rx),
        });
        let held = pause.clone();
        let progress = Arc::new(Progress {
            on_page: Some(Box::new(move |p| {
                if p.pages == 1 && p.phase == healthbook_core::SyncPhase::Pulling {
                    held.hold();
                }
            })),
            ..Progress::default()
        });
        (progress, pause)
    }

    /// In the sync: tells the test it is here, and waits until the test resumes it.
    fn hold(&self) {
        let _ = self.held_tx.lock().expect("pause").send(());
        let _ = self
            .resume_rx
            .lock()
            .expect("pause")
            .recv_timeout(PAUSE_LIMIT);
    }

    /// In the test: waits until the sync is held at its first page.
    pub fn wait_until_held(&self) {
        self.held_rx
            .lock()
            .expect("pause")
            .recv_timeout(PAUSE_LIMIT)
            .expect("the sync reached its first page");
    }

    /// In the test: lets the held sync go on.
    pub fn resume(&self) {
        let _ = self.resume_tx.lock().expect("pause").send(());
    }
}

/// Waits until no call holds `book` any more (the work of a call, once it has ended, lets go of
/// its book); panics after 15 s. How long it took.
pub fn wait_until_released(book: &Arc<HealthBook>) -> Duration {
    let started = Instant::now();
    while Arc::strong_count(book) > 1 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the call's work still runs {:?} after it was abandoned",
            started.elapsed()
        );
        thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

/// Quick settings for tests: small pages, short waits.
pub fn config(url: &str) -> SyncConfig {
    SyncConfig {
        page_size: 100,
        request_timeout: Some(Duration::from_secs(5)),
        max_attempts: 4,
        backoff_base: Some(Duration::from_millis(20)),
        backoff_max: Some(Duration::from_secs(3)),
        ..SyncConfig::new(url)
    }
}

/// One sync of `book`, awaited: no progress listener, no cancellation.
pub fn sync_now(
    book: &Arc<HealthBook>,
    config: SyncConfig,
    auth: Arc<dyn SyncAuth>,
) -> Result<healthbook_core::SyncReport, HealthBookError> {
    block_on(book.clone().sync(config, auth, None, None))
}

pub fn open_book(dir: &Path, name: &str) -> Arc<HealthBook> {
    HealthBook::open(dir.join(name).to_string_lossy().into_owned(), vec![7u8; 32])
        .expect("book opens")
}

/// Every record of the book, by person, sorted by id: what two books are compared on.
pub fn snapshot(book: &HealthBook) -> Vec<(String, Vec<Record>)> {
    let mut people: Vec<(String, Vec<Record>)> = book
        .people()
        .expect("people")
        .into_iter()
        .map(|person| {
            let mut records = Vec::new();
            let mut query = healthbook_core::TimelineQuery {
                limit: 500,
                ..Default::default()
            };
            loop {
                let page = book
                    .timeline(person.id.clone(), query.clone())
                    .expect("timeline");
                records.extend(page.entries.into_iter().map(|e| e.record));
                match page.next_cursor {
                    Some(cursor) => query.cursor = Some(cursor),
                    None => break,
                }
            }
            records.sort_by(|a, b| a.id().cmp(b.id()));
            (person.personal_id.unwrap_or(person.full_name), records)
        })
        .collect();
    people.sort_by(|a, b| a.0.cmp(&b.0));
    people
}

pub fn record_count(book: &HealthBook) -> usize {
    snapshot(book).iter().map(|(_, r)| r.len()).sum()
}

/// How many records the seeded family has in all.
pub fn seeded_count() -> usize {
    seeded_family().records.len()
}

/// The book's owner (the citizen whose token syncs it).
pub fn owner_of(book: &HealthBook) -> String {
    book.people()
        .expect("people")
        .into_iter()
        .find(|p| p.role == PersonRole::Owner)
        .expect("an owner")
        .id
}

/// A note the citizen writes, now.
pub fn note(person_id: &str, text: &str) -> Record {
    Record::Observation {
        observation: Observation {
            id: String::new(),
            person_id: person_id.into(),
            source: RecordSource::Citizen,
            sensitive: false,
            kind: ObservationKind::Note,
            at: chrono::Utc::now().with_timezone(&healthbook_core::model::time::vietnam_offset()),
            value: ObservationValue::Text { text: text.into() },
            note: None,
        },
    }
}

pub fn is_citizen(record: &Record) -> bool {
    record.source() == RecordSource::Citizen
}

/// A share of everything of the person, for the default 30 minutes.
pub fn share_request(person_id: &str) -> healthbook_core::ShareRequest {
    healthbook_core::ShareRequest {
        person_id: person_id.to_string(),
        kinds: vec![],
        record_ids: vec![],
        from: None,
        to: None,
        include_sensitive: false,
        valid_for: None,
        max_uses: None,
        label: None,
        passcode: None,
    }
}
