//! The check-in viewer (`GET /view`) in a real browser: headless Chromium opens
//! `/view?recipient=…#shlink:/…`, the page fetches the ciphertext from the server, decrypts it
//! with WebCrypto and shows the records; the test reads the DOM Chromium prints.
//!
//! Chromium runs with `--dump-dom` and `--virtual-time-budget`: headless Chromium then prints the
//! DOM only once the page has no pending network requests or tasks left (or the budget ran out),
//! which covers the page's fetch, AES-GCM and `DecompressionStream` chain, so no DevTools client
//! is needed. `--log-net-log` records every byte the browser sends, so the test also checks that
//! the key (which stays in the URL fragment) never left the browser. `--host-resolver-rules`
//! keeps it from resolving any name, so it reaches nothing but the test server on 127.0.0.1.
//!
//! The passcode flow needs typing, so that test drives Chromium over the DevTools protocol on a
//! pipe instead (`--remote-debugging-pipe`, see [`DevTools`]).
//!
//! Chromium comes from `cargo xtask setup` (Debian package `chromium`); without it these tests
//! fail and say so. `CHROMIUM` in the environment names another binary.
#![cfg(unix)]

mod share_support;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::NaiveDate;
use healthbook_core::fhir::export_bundle;
use healthbook_core::model::RecordKind;
use healthbook_core::sample::sample_family;
use serde_json::{json, Value};
use share_support::*;
use support::*;

/// One browser at a time: the machine has two cores and other tests run too.
static BROWSER: Mutex<()> = Mutex::new(());
/// A safety net against a browser that never exits, not a timing assertion.
const BROWSER_LIMIT: Duration = Duration::from_secs(120);

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "Chromium is not installed, and the check-in viewer's browser tests need it: \
                 run `cargo xtask setup` (it installs the Debian package `chromium`), \
                 or set CHROMIUM to a Chromium binary"
            )
        })
}

/// Flags for every run: headless, a fresh profile (added per run), and nothing but 127.0.0.1.
const CHROMIUM_FLAGS: [&str; 17] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=MediaRouter,OptimizationHints,Translate,AutofillServerCommunication",
    "--no-pings",
    "--password-store=basic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/// What the browser showed and sent.
struct Rendered {
    /// The DOM after the page settled, as HTML.
    dom: String,
    /// Every byte the browser wrote to a socket.
    sent: Vec<u8>,
}

impl Rendered {
    fn state(&self) -> &str {
        let start = self
            .dom
            .find("data-state=\"")
            .unwrap_or_else(|| panic!("no data-state in the DOM:\n{}", self.dom))
            + "data-state=\"".len();
        let end = start + self.dom[start..].find('"').expect("closing quote");
        &self.dom[start..end]
    }

    /// The page's markup without its script (whose text holds every label and message).
    fn markup(&self) -> &str {
        match self.dom.find("<script>") {
            Some(end) => &self.dom[..end],
            None => &self.dom,
        }
    }

    fn assert_shows(&self, texts: &[&str]) {
        for text in texts {
            assert!(
                self.markup().contains(text),
                "the page does not show {text:?}:\n{}",
                self.markup()
            );
        }
    }

    fn sent_text(&self) -> String {
        String::from_utf8_lossy(&self.sent).into_owned()
    }
}

/// Opens `url` in headless Chromium and returns the settled DOM and the bytes it sent.
fn render(url: &str) -> Rendered {
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let profile = tempfile::tempdir().expect("temp dir");
    let net_log = profile.path().join("net-log.json");
    let mut child = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args([
            "--net-log-capture-mode=Everything",
            "--virtual-time-budget=10000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", net_log.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("Chromium does not start ({e}): run `cargo xtask setup`"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > BROWSER_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium did not finish within {BROWSER_LIMIT:?}; its messages:\n{}",
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let dom = out.join().unwrap_or_default();
    let messages = err.join().unwrap_or_default();
    assert!(
        status.success() && dom.contains("<body"),
        "Chromium failed ({status}); its messages:\n{messages}"
    );
    Rendered {
        dom,
        sent: bytes_sent(&net_log),
    }
}

/// Every `SOCKET_BYTES_SENT` of a Chromium net log, concatenated.
fn bytes_sent(net_log: &std::path::Path) -> Vec<u8> {
    let text = std::fs::read_to_string(net_log).expect("Chromium wrote its net log");
    let log: Value = serde_json::from_str(&text).expect("the net log is JSON");
    let sent_type = log["constants"]["logEventTypes"]["SOCKET_BYTES_SENT"]
        .as_i64()
        .expect("the net log names SOCKET_BYTES_SENT");
    let events = log["events"].as_array().expect("events");
    let mut sent = Vec::new();
    for event in events {
        if event["type"].as_i64() == Some(sent_type) {
            if let Some(bytes) = event["params"]["bytes"].as_str() {
                sent.extend(
                    base64::engine::general_purpose::STANDARD
                        .decode(bytes)
                        .expect("base64 bytes"),
                );
            }
        }
    }
    sent
}

fn server() -> (tempfile::TempDir, Server, Family) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    let family = family(&server);
    (dir, server, family)
}

/// Uploads `document` sealed under a fresh key and returns the viewer URL for it (with `flag` in
/// the payload and the desk's name in the query), the key, and the link id.
fn shared(
    server: &Server,
    family: &Family,
    document: &Value,
    deflate: bool,
    flag: &str,
    changes: Value,
) -> (String, [u8; 32], String) {
    let sealed = seal(document, deflate);
    let expires_at = changes["expires_at"]
        .as_i64()
        .unwrap_or_else(|| now_secs() + 3600);
    let mut changes = changes;
    changes["expires_at"] = json!(expires_at);
    let (id, url) = share(
        server,
        &family.mother.token,
        &family.mother.patient_id,
        &sealed.jwe,
        changes,
    );
    let viewer = format!(
        "{}/view?recipient=Qu%E1%BA%A7y%20ti%E1%BA%BFp%20%C4%91%C3%B3n",
        server.url
    );
    let link = shlink(&url, &sealed.key, flag, expires_at, Some(&viewer));
    (link, sealed.key, id)
}

fn assert_key_never_sent(rendered: &Rendered, key: &[u8; 32]) {
    let sent = rendered.sent_text();
    assert!(
        sent.contains("GET /view"),
        "the net log has the page's request:\n{sent}"
    );
    assert!(
        !rendered.sent.windows(key.len()).any(|w| w == key),
        "the raw key left the browser"
    );
    for spelling in key_spellings(key) {
        assert!(
            !sent.contains(&spelling),
            "the key left the browser:\n{sent}"
        );
    }
    assert!(
        !sent.contains("shlink"),
        "the link left the browser:\n{sent}"
    );
}

#[test]
fn the_viewer_decrypts_a_shared_book_and_shows_it_grouped_with_vietnamese_labels() {
    let (_dir, server, family) = server();
    let (link, key, id) = shared(&server, &family, &sample_bundle(), true, "U", json!({}));
    let rendered = render(&link);
    assert_eq!(rendered.state(), "shown", "{}", rendered.dom);
    rendered.assert_shows(&[
        "Nguyễn Thị Lan",
        "Ngày sinh: 14/03/1990",
        "Lần khám",
        "Đơn thuốc",
        "Tiêm chủng",
        "Khoa Tai Mũi Họng · Bệnh viện Bạch Mai",
        "20/05/2025",
        "Chẩn đoán: Viêm họng cấp (J02.9)",
        "Amoxicillin (amoxicillin 500 mg)",
        "Cách dùng: 1 viên/lần, 2 lần/ngày, 7 ngày; uống; sau ăn",
        "Vaxigrip Tetra (cúm mùa)",
        "05/10/2024",
        "Mũi số: 1",
        "Liên kết hết hạn lúc",
    ]);
    // Only what was shared: no empty groups.
    assert!(
        !rendered.markup().contains("Dị ứng"),
        "{}",
        rendered.markup()
    );
    assert_key_never_sent(&rendered, &key);

    let log = server
        .send(
            "GET",
            &format!("/shl/{id}/log"),
            Some(&family.mother.token),
            None,
        )
        .json();
    assert_eq!(log["uses"], 1, "{log}");
    assert_eq!(log["accesses"][0]["recipient"], "Quầy tiếp đón");
}

#[test]
fn the_viewer_opens_an_uncompressed_file_through_the_manifest_too() {
    let (_dir, server, family) = server();
    // No flag U: the viewer asks the manifest (POST) rather than GETting the file.
    let (link, key, _) = shared(&server, &family, &sample_bundle(), false, "", json!({}));
    let rendered = render(&link);
    assert_eq!(rendered.state(), "shown", "{}", rendered.dom);
    rendered.assert_shows(&["Nguyễn Thị Lan", "Lần khám", "Đơn thuốc", "Tiêm chủng"]);
    assert!(
        rendered.sent_text().contains("POST /shl/"),
        "the manifest was asked"
    );
    assert_key_never_sent(&rendered, &key);
}

#[test]
fn every_kind_the_core_exports_is_shown_under_its_label() {
    let (_dir, server, family) = server();
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let sample = sample_family(42, today);
    let owner = &sample.people[0];
    let records: Vec<_> = RecordKind::ALL
        .iter()
        .filter_map(|kind| {
            sample
                .records
                .iter()
                .find(|r| r.kind() == *kind && r.person_id() == owner.id)
                .cloned()
        })
        .collect();
    assert_eq!(
        records.len(),
        RecordKind::ALL.len(),
        "the sample has every kind"
    );
    let document = export_bundle(owner, &records, now_vn(), "browser-test");
    let (link, _, _) = shared(&server, &family, &document, true, "U", json!({}));
    let rendered = render(&link);
    assert_eq!(rendered.state(), "shown", "{}", rendered.dom);
    rendered.assert_shows(&[
        &owner.full_name,
        "Lần khám",
        "Đơn thuốc",
        "Giấy chuyển tuyến",
        "Lịch tái khám",
        "Tiêm chủng",
        "Dị ứng",
        "Bệnh sử",
        "Chỉ số / ghi chú",
    ]);
}

#[test]
fn a_revoked_or_expired_link_shows_that_it_is_no_longer_valid() {
    let (_dir, server, family) = server();
    let (revoked, _, id) = shared(&server, &family, &sample_bundle(), true, "U", json!({}));
    let deleted = server.send(
        "DELETE",
        &format!("/shl/{id}"),
        Some(&family.mother.token),
        None,
    );
    assert_eq!(deleted.status, 204);
    let expires_at = now_secs() + 2;
    let (expired, _, _) = shared(
        &server,
        &family,
        &sample_bundle(),
        true,
        "U",
        json!({ "expires_at": expires_at }),
    );
    // Waits until the expiry has certainly passed; the assertion is about expiry, not speed.
    while now_secs() <= expires_at {
        std::thread::sleep(Duration::from_millis(200));
    }
    for (case, link) in [("revoked", revoked), ("expired", expired)] {
        let rendered = render(&link);
        assert_eq!(rendered.state(), "error", "{case}: {}", rendered.dom);
        rendered.assert_shows(&[
            "Liên kết đã hết hạn hoặc không còn hiệu lực",
            "The link has expired, was revoked or has been used up",
        ]);
        assert!(!rendered.markup().contains("Nguyễn Thị Lan"), "{case}");
    }
}

#[test]
fn a_key_that_does_not_fit_shows_that_it_cannot_decrypt() {
    let (_dir, server, family) = server();
    let (link, _, _) = shared(&server, &family, &sample_bundle(), true, "U", json!({}));
    let (viewer, payload) = link.split_once("#shlink:/").expect("a viewer link");
    let mut fields: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("payload"),
    )
    .expect("JSON");
    fields["key"] = json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([5u8; 32]));
    let wrong = format!(
        "{viewer}#shlink:/{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(fields.to_string())
    );
    let rendered = render(&wrong);
    assert_eq!(rendered.state(), "error", "{}", rendered.dom);
    rendered.assert_shows(&["Không giải mã được", "could not be decrypted"]);
}

#[test]
fn without_a_recipient_the_viewer_asks_for_the_desk_name_before_fetching() {
    let (_dir, server, family) = server();
    let (link, _, id) = shared(&server, &family, &sample_bundle(), true, "U", json!({}));
    let (_, fragment) = link.split_once('#').expect("fragment");
    let rendered = render(&format!("{}/view#{fragment}", server.url));
    assert_eq!(rendered.state(), "ask", "{}", rendered.dom);
    rendered.assert_shows(&["value=\"Quầy tiếp đón\"", "Mở hồ sơ"]);
    assert!(
        !rendered.sent_text().contains("/shl/"),
        "nothing is fetched before the desk names itself"
    );
    let log = server
        .send(
            "GET",
            &format!("/shl/{id}/log"),
            Some(&family.mother.token),
            None,
        )
        .json();
    assert_eq!(log["uses"], 0);
}

/// Chromium driven over the DevTools protocol on a pipe: with `--remote-debugging-pipe` the
/// browser reads commands on file descriptor 3 and writes answers and events on 4, each a JSON
/// message ended by a NUL byte. Used where the page needs typing.
struct DevTools {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: BufReader<std::io::PipeReader>,
    next_id: u64,
    session: Option<String>,
    _profile: tempfile::TempDir,
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

impl DevTools {
    /// Starts Chromium on `url` and attaches to its page.
    fn open(url: &str) -> DevTools {
        let one_at_a_time = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
        let profile = tempfile::tempdir().expect("temp dir");
        let (commands, to_browser) = std::io::pipe().expect("pipe");
        let (from_browser, answers) = std::io::pipe().expect("pipe");
        let (commands_fd, answers_fd) = (commands.as_raw_fd(), answers.as_raw_fd());
        let mut command = Command::new(chromium());
        command
            .args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--remote-debugging-pipe")
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2). The pipe ends
        // are first copied above 10 so that placing them at 3 and 4 cannot overwrite each other;
        // dup2 clears close-on-exec on the copies the browser keeps.
        unsafe {
            command.pre_exec(move || {
                let commands = libc::fcntl(commands_fd, libc::F_DUPFD_CLOEXEC, 10);
                let answers = libc::fcntl(answers_fd, libc::F_DUPFD_CLOEXEC, 10);
                if commands < 0
                    || answers < 0
                    || libc::dup2(commands, 3) < 0
                    || libc::dup2(answers, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("Chromium does not start ({e}): run `cargo xtask setup`"));
        drop((commands, answers));
        let mut browser = DevTools {
            child,
            to_browser,
            from_browser: BufReader::new(from_browser),
            next_id: 0,
            session: None,
            _profile: profile,
            _one_at_a_time: one_at_a_time,
        };
        let started = Instant::now();
        let page = loop {
            let targets = browser.call("Target.getTargets", json!({}));
            let page = targets["targetInfos"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["targetId"].as_str())
                .map(str::to_string);
            if let Some(page) = page {
                break page;
            }
            assert!(started.elapsed() < BROWSER_LIMIT, "Chromium opened no page");
            std::thread::sleep(Duration::from_millis(100));
        };
        let attached = browser.call(
            "Target.attachToTarget",
            json!({ "targetId": page, "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().map(str::to_string);
        browser
    }

    /// Sends a command (to the page once attached) and returns its result; events are skipped.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params)
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// Like `call`, with the protocol's error as the `Err`.
    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .expect("the browser reads commands");
        loop {
            let mut raw = Vec::new();
            let read = self
                .from_browser
                .read_until(0, &mut raw)
                .expect("the browser answers");
            assert!(read > 0, "the browser closed its DevTools pipe");
            raw.pop();
            let answer: Value = serde_json::from_slice(&raw).expect("a DevTools message");
            if answer["id"].as_u64() == Some(id) {
                return match answer.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(answer["result"].clone()),
                };
            }
        }
    }

    /// Evaluates `expression` in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression)
            .unwrap_or_else(|error| panic!("evaluating {expression}: {error}"))
    }

    /// Like `eval`; an `Err` while the page has no context yet (it is still loading).
    fn try_eval(&mut self, expression: &str) -> Result<Value, Value> {
        let result = self.try_call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        )?;
        Ok(result["result"]["value"].clone())
    }

    /// Waits until the page's `data-state` is `state` (a safety net of two minutes).
    fn wait_for_state(&mut self, state: &str) {
        let started = Instant::now();
        loop {
            let now = self
                .try_eval("document.body && document.body.dataset.state")
                .unwrap_or_default();
            if now == state {
                return;
            }
            assert!(
                started.elapsed() < BROWSER_LIMIT,
                "the page stayed {now} instead of {state}: {:?}",
                self.try_eval("document.body.innerText")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types `passcode` into the form and submits it.
    fn submit_passcode(&mut self, passcode: &str) {
        self.eval(&format!(
            "document.getElementById('passcode').value = {}; \
             document.getElementById('ask').requestSubmit(); true",
            json!(passcode)
        ));
    }
}

impl Drop for DevTools {
    fn drop(&mut self) {
        self.session = None;
        let _ = self
            .to_browser
            .write_all(b"{\"id\":999999,\"method\":\"Browser.close\"}\0");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_passcode_link_opens_after_the_desk_types_the_passcode_and_a_wrong_one_is_told() {
    let (_dir, server, family) = server();
    let sealed = seal(&sample_bundle(), true);
    let expires_at = now_secs() + 3600;
    let reply = upload(
        &server,
        &family.mother.token,
        &family.mother.patient_id,
        &sealed.jwe,
        json!({ "passcode": "2468", "expires_at": expires_at }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let answer = reply.json();
    assert_eq!(answer["flag"], "P");
    let id = answer["id"].as_str().expect("id").to_string();
    let url = answer["url"].as_str().expect("url");
    let viewer = format!("{}/view", server.url);
    let link = shlink(url, &sealed.key, "P", expires_at, Some(&viewer));

    let mut browser = DevTools::open(&link);
    browser.wait_for_state("ask");
    assert_eq!(
        browser.eval("document.getElementById('recipient').value"),
        "Quầy tiếp đón"
    );
    assert_eq!(
        browser.eval("location.hash"),
        "",
        "the key left the address bar"
    );

    browser.submit_passcode("1357");
    browser.wait_for_state("error");
    assert_eq!(
        browser.eval("document.getElementById('error-vi').textContent"),
        "Sai mã truy cập. Còn 4 lần thử."
    );
    assert_eq!(
        browser.eval("document.getElementById('ask').hidden"),
        false,
        "the form stays for another try"
    );

    browser.submit_passcode("2468");
    browser.wait_for_state("shown");
    let shown = browser.eval("document.getElementById('record').innerText");
    let shown = shown.as_str().expect("text");
    for text in [
        "Nguyễn Thị Lan",
        "Lần khám",
        "Đơn thuốc",
        "Tiêm chủng",
        "Amoxicillin",
    ] {
        assert!(shown.contains(text), "{text} is not shown:\n{shown}");
    }
    drop(browser);

    let log = server
        .send(
            "GET",
            &format!("/shl/{id}/log"),
            Some(&family.mother.token),
            None,
        )
        .json();
    assert_eq!(log["uses"], 1, "{log}");
    assert_eq!(log["accesses"][0]["recipient"], "Quầy tiếp đón");
}
