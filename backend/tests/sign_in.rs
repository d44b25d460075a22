//! The development login only when asked for (and only on a loopback address, rate-limited, one
//! answer for every CCCD it has no book for), signing out, and facility keys from a file or the
//! environment rather than the command line. Real server processes on 127.0.0.1.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};
use support::*;

/// The server binary with exactly `args` (no flags added) and `env`; killed on drop.
struct Bare {
    child: Child,
    url: String,
}

impl Bare {
    fn start(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Bare {
        let mut command = Command::new(env!("CARGO_BIN_EXE_healthbook-backend"));
        command
            .arg("--db")
            .arg(dir.join("server.db"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("HEALTHBOOK_FACILITY_KEYS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("reads");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("did not start: {line:?}"))
            .to_string();
        Bare { child, url }
    }

    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let client = reqwest::blocking::Client::new();
        let mut request = client
            .post(format!("{}{path}", self.url))
            .header("Content-Type", "application/fhir+json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("answered");
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(Value::Null))
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mother_with_an_allergy() -> Value {
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin", "2024-01-02");
    tx.bundle()
}

/// Runs the binary with `args` to its end: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("dir");
    let output = Command::new(env!("CARGO_BIN_EXE_healthbook-backend"))
        .arg("--db")
        .arg(dir.path().join("server.db"))
        .args(args)
        .env_remove("HEALTHBOOK_FACILITY_KEYS")
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn without_the_flag_there_is_no_development_login() {
    let dir = tempfile::tempdir().expect("dir");
    let key = format!("{BACH_MAI}={BACH_MAI_KEY}");
    let server = Bare::start(dir.path(), &["--facility-key", &key], &[]);
    let (status, _) = server.post("/fhir", Some(BACH_MAI_KEY), &mother_with_an_allergy());
    assert_eq!(status, 200);
    let (status, body) = server.post("/auth/dev-login", None, &json!({ "personal_id": MOTHER }));
    assert_eq!(status, 404, "not mounted: {body}");
    assert!(body.get("access_token").is_none());
}

#[test]
fn the_development_login_is_refused_at_startup_off_loopback() {
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let (code, stdout, stderr) = run(&["--dev-login", "--listen", listen]);
        assert_eq!(code, Some(2), "{listen}: {stderr}");
        assert!(stdout.is_empty(), "{listen}: never listened: {stdout}");
        assert!(stderr.contains("--dev-login"), "{stderr}");
        assert!(stderr.contains("loopback"), "{stderr}");
    }
    // In any order of the flags.
    let (code, _, stderr) = run(&["--listen", "0.0.0.0:0", "--dev-login"]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn every_unknown_personal_id_gets_one_and_the_same_refusal() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    assert_eq!(
        server
            .ingest(BACH_MAI_KEY, &mother_with_an_allergy())
            .status,
        200
    );
    let answers: Vec<(u16, Value)> = [STRANGER, SON, TEEN, "079199000001"]
        .iter()
        .map(|cccd| {
            let reply = server.post("/auth/dev-login", None, &json!({ "personal_id": cccd }));
            (reply.status, reply.body)
        })
        .collect();
    for (status, body) in &answers {
        assert_eq!(*status, 401, "{body}");
        assert!(body.get("access_token").is_none());
        assert_eq!(
            body, &answers[0].1,
            "one answer for every unknown personal id"
        );
        let text = body.to_string();
        assert!(
            !text.contains("no citizen") && !text.contains("not found"),
            "{text}"
        );
    }
    // The demo still signs in.
    let (token, _) = server.login(MOTHER);
    assert_eq!(server.page(&token, None, "").changes.len(), 1);
}

#[test]
fn the_development_login_is_rate_limited_per_client_address() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(
        &dir.path().join("server.db"),
        &["--dev-login-rate-limit", "2/3"],
    );
    assert_eq!(
        server
            .ingest(BACH_MAI_KEY, &mother_with_an_allergy())
            .status,
        200
    );
    // Guesses spend the same bucket as real sign-ins.
    for cccd in [STRANGER, SON, MOTHER] {
        let reply = server.post("/auth/dev-login", None, &json!({ "personal_id": cccd }));
        assert_ne!(reply.status, 429, "{cccd}: {}", reply.body);
    }
    let limited = server.send(
        "POST",
        "/auth/dev-login",
        None,
        Some(&json!({ "personal_id": MOTHER })),
    );
    assert_eq!(limited.status, 429, "{}", limited.text);
    let retry: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(!limited.text.contains("access_token"));
    assert_eq!(limited.json()["resourceType"], "OperationOutcome");
}

#[test]
fn a_signed_out_token_is_refused_at_once_and_sign_out_everywhere_ends_them_all() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    assert_eq!(
        server
            .ingest(BACH_MAI_KEY, &mother_with_an_allergy())
            .status,
        200
    );
    let (phone, patient_id) = server.login(MOTHER);
    let (tablet, _) = server.login(MOTHER);
    let (laptop, _) = server.login(MOTHER);
    let patient = format!("/fhir/Patient/{patient_id}");
    for token in [&phone, &tablet, &laptop] {
        assert_eq!(server.get(&patient, Some(token)).status, 200);
    }

    let out = server.send("POST", "/auth/logout", Some(&phone), None);
    assert_eq!(out.status, 204, "{}", out.text);
    for path in ["/fhir/$changes", patient.as_str()] {
        let reply = server.get(path, Some(&phone));
        assert_eq!(reply.status, 401, "{path}: {}", reply.body);
        assert_eq!(
            reply.www_authenticate.as_deref(),
            Some("Bearer error=\"invalid_token\"")
        );
    }
    assert_eq!(
        server
            .send("POST", "/auth/logout", Some(&phone), None)
            .status,
        401,
        "a signed-out token cannot sign out again"
    );
    assert_eq!(
        server.get(&patient, Some(&tablet)).status,
        200,
        "others stay"
    );

    let everywhere = server.send("POST", "/auth/logout-everywhere", Some(&tablet), None);
    assert_eq!(everywhere.status, 200, "{}", everywhere.text);
    assert_eq!(everywhere.json()["revoked"], 2);
    for token in [&tablet, &laptop] {
        assert_eq!(server.get(&patient, Some(token)).status, 401);
        let push = server.post(
            "/fhir",
            Some(token),
            &json!({ "resourceType": "Bundle", "type": "batch", "entry": [] }),
        );
        assert_eq!(push.status, 401, "{}", push.body);
    }
    assert_eq!(server.send("POST", "/auth/logout", None, None).status, 401);

    // Signing in again works.
    let (again, _) = server.login(MOTHER);
    assert_eq!(server.get(&patient, Some(&again)).status, 200);
}

#[test]
fn facility_keys_come_from_a_file_or_the_environment_as_well() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("facility-keys");
    std::fs::write(
        &file,
        format!("# facility keys\n\n{BACH_MAI}={BACH_MAI_KEY}\n  \n"),
    )
    .expect("write");
    let env_keys = format!("{CHO_RAY}={CHO_RAY_KEY}, 48001=da-nang-test-key-0123456789");
    let server = Bare::start(
        dir.path(),
        &["--facility-keys-file", file.to_str().expect("utf-8")],
        &[("HEALTHBOOK_FACILITY_KEYS", &env_keys)],
    );
    for key in [BACH_MAI_KEY, CHO_RAY_KEY, "da-nang-test-key-0123456789"] {
        let (status, body) = server.post("/fhir", Some(key), &mother_with_an_allergy());
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = server.post(
        "/fhir",
        Some("not-a-facility-key-at-all"),
        &mother_with_an_allergy(),
    );
    assert_eq!(status, 401);
    drop(server);

    // A wrong line is named by its number, never by the key it holds.
    std::fs::write(
        &file,
        format!("{BACH_MAI}={BACH_MAI_KEY}\n01002=short-secret\n"),
    )
    .expect("write");
    let (code, stdout, stderr) = run(&["--facility-keys-file", file.to_str().expect("utf-8")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(!stderr.contains("short-secret"), "{stderr}");
    // One facility given a key twice, across the sources.
    std::fs::write(&file, format!("{BACH_MAI}={BACH_MAI_KEY}\n")).expect("write");
    let (code, _, stderr) = run(&[
        "--facility-keys-file",
        file.to_str().expect("utf-8"),
        "--facility-key",
        &format!("{BACH_MAI}=another-key-0123456789"),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(BACH_MAI), "{stderr}");
    let (code, _, stderr) = run(&["--facility-keys-file", "/nonexistent/keys"]);
    assert_eq!(code, Some(2), "{stderr}");
}
