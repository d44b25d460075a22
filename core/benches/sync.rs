//! Sync benchmarks against the real backend over loopback: the reference server
//! (`healthbook-backend`, path in `HEALTHBOOK_BACKEND_BIN`) runs on a temporary database and is
//! loaded, through the facilities' ingest API, with one citizen's book of about 10,000 FHIR
//! resources. Measured:
//!
//! - `sync_initial_10k/http`: `HealthBook::sync` into a fresh encrypted book. Its baseline in the
//!   same run, `sync_initial_10k/local`, applies the very same change-feed pages (fetched once
//!   beforehand) with `wire::take_feed_page` + `Store::apply_page` on a fresh encrypted store, so
//!   the ratio is what HTTP and the server add to parsing and storing.
//! - `sync_nothing_new/http`: one `sync` of a book that is already up to date.
//! - `feed_clients/{1,4,8}`: that many client threads, each pulling the whole change feed page
//!   by page until the page tagged caught-up; the server's throughput under concurrent clients.
//!
//! Throughput is counted in resources: the clinical FHIR resources the feed pages carry, i.e.
//! every entry but the Patient and the supporting Organization, Practitioner and PractitionerRole
//! resources. `cargo xtask bench` builds the backend, sets the variable and prints the rates.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use healthbook_core::fhir::export_bundle;
use healthbook_core::model::time::vietnam_offset;
use healthbook_core::model::{Person, Record};
use healthbook_core::sample::{bulk_records, sample_family};
use healthbook_core::store::{BookKey, Store};
use healthbook_core::sync::wire::{percent_encode, read_feed_page, take_feed_page};
use healthbook_core::{HealthBook, HealthBookError, SyncAuth, SyncConfig};
use reqwest::Method;
use serde_json::{json, Value};

/// The size of the book, in resources as counted here (see the module docs).
const BOOK_RESOURCES: usize = 10_000;
/// Records per facility transaction when loading the backend.
const INGEST_CHUNK: usize = 500;
/// Records per change-feed page: the app's default (`SyncConfig`).
const PAGE_SIZE: u32 = 500;
const CLIENTS: [usize; 3] = [1, 4, 8];
const BACKEND_VAR: &str = "HEALTHBOOK_BACKEND_BIN";

/// Entries of a feed page that are not counted as resources of the book.
const NOT_COUNTED: [&str; 4] = [
    "Patient",
    "Organization",
    "Practitioner",
    "PractitionerRole",
];

// ---------------------------------------------------------------------------------------------
// The backend process.

struct Backend {
    child: Child,
    url: String,
    /// Kept open: the server's stdout stays a pipe someone holds.
    _stdout: BufReader<ChildStdout>,
    /// The database; removed once the server has stopped.
    _dir: tempfile::TempDir,
}

impl Backend {
    /// Starts the binary named by `HEALTHBOOK_BACKEND_BIN` on a fresh database, with an API key for
    /// each of `facilities`, and waits for its `listening on` line.
    fn start(facilities: &[String]) -> Backend {
        let binary = backend_binary();
        let dir = tempfile::tempdir().expect("temp dir for the backend");
        let log_path = dir.path().join("backend.log");
        let log = std::fs::File::create(&log_path).expect("backend log file");
        let mut command = Command::new(&binary);
        command
            .arg("--db")
            .arg(dir.path().join("backend.db"))
            .args(["--listen", "127.0.0.1:0"])
            .args(["--dev-login", "--dev-login-rate-limit", "60000/10000"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        for code in facilities {
            command
                .arg("--facility-key")
                .arg(format!("{code}={}", facility_key(code)));
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", binary.display()));
        let mut stdout = BufReader::new(child.stdout.take().expect("backend stdout"));
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        match (read, url) {
            (Ok(_), Some(url)) => Backend {
                child,
                url,
                _stdout: stdout,
                _dir: dir,
            },
            (read, _) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the backend {} did not say where it listens (read {read:?}, line {line:?}); its log:\n{}",
                    binary.display(),
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
        }
    }
}

impl Drop for Backend {
    /// SIGTERM, so the server closes its database the way it does in production; killed if it
    /// has not stopped after a few seconds.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let asked = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        let deadline = Instant::now() + Duration::from_secs(5);
        while asked && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn backend_binary() -> PathBuf {
    let Some(path) = std::env::var_os(BACKEND_VAR) else {
        panic!(
            "{BACKEND_VAR} is not set: the sync benchmarks run the real backend and need the path \
             of its binary. `cargo xtask bench` builds it and sets the variable; by hand: \
             cargo build --release -p healthbook-backend && \
             {BACKEND_VAR}=target/release/healthbook-backend cargo bench -p healthbook-core --bench sync"
        );
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "{BACKEND_VAR} is {}, which is not a file; build the backend with \
         cargo build --release -p healthbook-backend",
        path.display()
    );
    path
}

fn facility_key(code: &str) -> String {
    format!("bench-key-of-facility-{code}")
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP for loading the backend and for the feed clients: reqwest on its own small runtime.

struct Client {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Client {
    fn new() -> Client {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let http = reqwest::Client::builder()
            .build()
            .expect("HTTP client (is the ring TLS provider installed?)");
        Client { runtime, http }
    }

    /// A JSON request; panics with the status and answer unless it succeeds.
    fn json(&self, method: Method, url: &str, bearer: Option<&str>, body: Option<&Value>) -> Value {
        self.runtime.block_on(async {
            let mut request = self.http.request(method.clone(), url);
            if let Some(bearer) = bearer {
                request = request.bearer_auth(bearer);
            }
            if let Some(body) = body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/fhir+json")
                    .body(body.to_string());
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            let status = response.status();
            let bytes = response
                .bytes()
                .await
                .unwrap_or_else(|e| panic!("{method} {url}: reading the answer: {e}"));
            assert!(
                status.is_success(),
                "{method} {url} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{method} {url}: the answer is not JSON: {e}"))
        })
    }

    fn login(&self, server: &str, personal_id: &str) -> String {
        let answer = self.json(
            Method::POST,
            &format!("{server}/auth/dev-login"),
            None,
            Some(&json!({ "personal_id": personal_id })),
        );
        answer["access_token"]
            .as_str()
            .expect("dev-login gives an access_token")
            .to_string()
    }

    /// The whole change feed from the start, page after page until the one tagged caught-up, each
    /// page read as the book reads it.
    fn fetch_feed(&self, server: &str, token: &str) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{server}/fhir/$changes?_count={PAGE_SIZE}");
            if let Some(cursor) = &cursor {
                url.push_str("&cursor=");
                url.push_str(&percent_encode(cursor));
            }
            let body = self.json(Method::GET, &url, Some(token), None);
            let page = read_feed_page(&body).expect("the backend sends pages the book reads");
            let stuck = page.changes.is_empty() && cursor.as_deref() == Some(&page.next_cursor);
            pages.push(body);
            if page.caught_up || stuck {
                return pages;
            }
            cursor = Some(page.next_cursor);
        }
    }

    /// The whole change feed as a light client pulls it, so the server is what is measured: each
    /// page's `next` link (which carries the cursor) is followed until a page is tagged caught-up;
    /// only the page's `meta` and `link` are read. The number of pages.
    fn pull_feed(&self, server: &str, token: &str, most: usize) -> usize {
        let mut url = format!("{server}/fhir/$changes?_count={PAGE_SIZE}");
        for pages in 1..=most {
            let head: PageHead = self.runtime.block_on(async {
                let response = self
                    .http
                    .get(&url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("GET a feed page");
                assert!(response.status().is_success(), "{}", response.status());
                let bytes = response.bytes().await.expect("read a feed page");
                serde_json::from_slice(&bytes).expect("a feed page")
            });
            if head.caught_up() {
                return pages;
            }
            url = head.next().expect("a page has a next link").to_string();
        }
        panic!("the feed did not catch up within {most} pages");
    }
}

/// What a feed client needs of a page: whether it is the last, and where the next one is.
#[derive(serde::Deserialize)]
struct PageHead {
    #[serde(default)]
    meta: Option<Value>,
    #[serde(default)]
    link: Vec<Link>,
}

#[derive(serde::Deserialize)]
struct Link {
    relation: String,
    url: String,
}

impl PageHead {
    fn caught_up(&self) -> bool {
        self.meta.as_ref().is_some_and(|meta| {
            meta["tag"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t["code"] == "caught-up"))
        })
    }

    fn next(&self) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == "next")
            .map(|l| l.url.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// The book on the backend.

fn owner() -> Person {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    sample_family(42, today)
        .people
        .into_iter()
        .next()
        .expect("the sample family has an owner")
}

/// The resources of a FHIR Bundle that count (see the module docs).
fn counted_resources(bundle: &Value) -> usize {
    bundle["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["resource"]["resourceType"].as_str())
        .filter(|t| !NOT_COUNTED.contains(t) && !matches!(*t, "Composition" | "Device"))
        .count()
}

/// Records for `owner` making about `BOOK_RESOURCES` resources: the count is corrected by the
/// resources per record of the last try, a few times.
fn book_records(owner: &Person) -> Vec<Record> {
    let now = Utc::now().with_timezone(&vietnam_offset());
    let mut count = BOOK_RESOURCES / 2;
    let mut records = bulk_records(owner, count, 7);
    for _ in 0..3 {
        let resources = counted_resources(&export_bundle(owner, &records, now, "probe"));
        let per_record = resources as f64 / records.len().max(1) as f64;
        let next = (BOOK_RESOURCES as f64 / per_record.max(0.1)).round() as usize;
        if next == count {
            break;
        }
        count = next;
        records = bulk_records(owner, count, 7);
    }
    records
}

/// A facility's `transaction` Bundle carrying `records`, as the facility's system would post it:
/// the records' FHIR export, each resource `PUT <Type>/<id>`.
fn transaction(owner: &Person, records: &[Record]) -> Value {
    let now = Utc::now().with_timezone(&vietnam_offset());
    let document = export_bundle(owner, records, now, "bench-ingest");
    let entries: Vec<Value> = document["entry"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let resource = &entry["resource"];
            let resource_type = resource["resourceType"].as_str()?;
            if matches!(resource_type, "Composition" | "Device") {
                return None;
            }
            let id = resource["id"].as_str()?;
            Some(json!({
                "fullUrl": entry["fullUrl"],
                "resource": resource,
                "request": { "method": "PUT", "url": format!("{resource_type}/{id}") },
            }))
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "timestamp": document["timestamp"],
        "entry": entries,
    })
}

/// The records by the facility that sends them; records without a facility (a citizen's own
/// measurements, allergies, history) go with the first facility.
fn by_facility(records: Vec<Record>) -> BTreeMap<String, Vec<Record>> {
    let mut groups: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let mut unplaced = Vec::new();
    for record in records {
        match record.facility().map(|f| f.code.clone()) {
            Some(code) => groups.entry(code).or_default().push(record),
            None => unplaced.push(record),
        }
    }
    match groups.values_mut().next() {
        Some(first) => first.extend(unplaced),
        None => {
            groups.insert("01001".into(), unplaced);
        }
    }
    groups
}

/// The backend loaded with the book, logged in, and the feed as it stands.
struct Fixture {
    /// Where `HealthBook::sync` is awaited, as the app's coroutine or Task awaits it.
    runtime: tokio::runtime::Runtime,
    backend: Backend,
    owner: Person,
    token: String,
    pages: Vec<Value>,
    records: usize,
    resources: usize,
}

impl Fixture {
    fn new() -> Fixture {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let owner = owner();
        let groups = by_facility(book_records(&owner));
        let facilities: Vec<String> = groups.keys().cloned().collect();
        let backend = Backend::start(&facilities);
        let client = Client::new();
        let started = Instant::now();
        for (code, records) in &groups {
            for chunk in records.chunks(INGEST_CHUNK) {
                client.json(
                    Method::POST,
                    &format!("{}/fhir", backend.url),
                    Some(&facility_key(code)),
                    Some(&transaction(&owner, chunk)),
                );
            }
        }
        let loaded = started.elapsed();
        let personal_id = owner.personal_id.clone().expect("the owner has a CCCD");
        let token = client.login(&backend.url, &personal_id);
        let pages = client.fetch_feed(&backend.url, &token);
        let records = pages
            .iter()
            .map(|p| read_feed_page(p).expect("page").changes.len())
            .sum();
        let resources = pages.iter().map(counted_resources).sum();
        println!(
            "sync benchmarks: backend at {} loaded by {} facilities in {:.1} s; the book is {records} \
             records, {resources} resources (clinical FHIR resources the feed carries: every entry \
             but Patient, Organization, Practitioner, PractitionerRole), {} pages of up to {PAGE_SIZE}",
            backend.url,
            facilities.len(),
            loaded.as_secs_f64(),
            pages.len(),
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime for the sync calls");
        Fixture {
            runtime,
            backend,
            owner,
            token,
            pages,
            records,
            resources,
        }
    }

    fn config(&self) -> SyncConfig {
        SyncConfig {
            page_size: PAGE_SIZE,
            ..SyncConfig::new(self.backend.url.clone())
        }
    }

    fn auth(&self) -> Arc<dyn SyncAuth> {
        Arc::new(Token(self.token.clone()))
    }

    /// A fresh book in its own temporary folder.
    fn fresh_book(&self) -> (tempfile::TempDir, Arc<HealthBook>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let book = HealthBook::open(book_path(dir.path()), vec![42u8; 32]).expect("open book");
        (dir, book)
    }

    fn sync(&self, book: &Arc<HealthBook>) -> healthbook_core::SyncReport {
        self.runtime
            .block_on(book.clone().sync(self.config(), self.auth(), None, None))
            .expect("sync")
    }
}

fn book_path(dir: &Path) -> String {
    dir.join("book.db").display().to_string()
}

struct Token(String);

impl SyncAuth for Token {
    fn access_token(&self) -> Result<String, HealthBookError> {
        Ok(self.0.clone())
    }
}

// ---------------------------------------------------------------------------------------------
// The benchmarks.

fn benches(c: &mut Criterion) {
    let fixture = Fixture::new();
    let key = BookKey::from_bytes("key", vec![42u8; 32]).expect("key");
    let server = fixture.backend.url.as_str();

    // A first sync brings the whole book: checked once, outside the measurements.
    {
        let (_dir, book) = fixture.fresh_book();
        let report = fixture.sync(&book);
        assert_eq!(report.records_received as usize, fixture.records);
        assert_eq!(report.pages as usize, fixture.pages.len());
    }

    // Iterations take seconds: one per sample (criterion then says it could not do more).
    let mut group = c.benchmark_group("sync_initial_10k");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(fixture.resources as u64));
    group.bench_function(BenchmarkId::from_parameter("http"), |b| {
        b.iter_batched(
            || fixture.fresh_book(),
            |(dir, book)| {
                fixture.sync(&book);
                (dir, book)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(BenchmarkId::from_parameter("local"), |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open(&dir.path().join("book.db"), &key).expect("open store");
                // The pages as they come off the wire, each read once (as the sync does).
                (dir, store, fixture.pages.clone())
            },
            |(dir, store, pages)| {
                for body in pages {
                    let page = take_feed_page(body).expect("page");
                    store.apply_page(server, &page).expect("apply page");
                }
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let (_dir, synced) = fixture.fresh_book();
    fixture.sync(&synced);
    let mut group = c.benchmark_group("sync_nothing_new");
    // About a millisecond each: 100 samples of up to 100 calls.
    group.measurement_time(Duration::from_secs(8));
    group.bench_function(BenchmarkId::from_parameter("http"), |b| {
        b.iter(|| {
            let report = fixture.sync(&synced);
            assert_eq!(report.records_received, 0, "nothing new to receive");
            report
        })
    });
    group.finish();
    drop(synced);

    let personal_id = fixture.owner.personal_id.clone().expect("CCCD");
    let pages = fixture.pages.len();
    let mut group = c.benchmark_group("feed_clients");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(1));
    for clients in CLIENTS {
        // Each client its own connection and token, made before the measurement.
        let pullers: Vec<(Client, String)> = (0..clients)
            .map(|_| {
                let client = Client::new();
                let token = client.login(server, &personal_id);
                (client, token)
            })
            .collect();
        group.throughput(Throughput::Elements((clients * fixture.resources) as u64));
        group.bench_function(BenchmarkId::from_parameter(clients), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = pullers
                        .iter()
                        .map(|(client, token)| {
                            scope.spawn(move || client.pull_feed(server, token, pages + 1))
                        })
                        .collect();
                    for handle in handles {
                        let pulled = handle.join().expect("a feed client failed");
                        assert_eq!(pulled, pages, "every client pulls the whole feed");
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(sync_benches, benches);
criterion_main!(sync_benches);
