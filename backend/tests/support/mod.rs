//! What the backend's tests share: the real server binary started on a free port with a temporary
//! database, a small blocking HTTP client, and FHIR transactions as a hospital system would send.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use healthbook_core::model::time::vietnam_offset;
use healthbook_core::model::{
    Allergy, AllergyCategory, CalendarDate, DateTimeOffset, Person, PersonRole, Record,
    RecordSource, Sex,
};
use healthbook_core::sync::wire::{read_feed_page, FeedPage};
use serde_json::{json, Value};

pub const CCCD: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/cccd";
pub const FACILITY_SYSTEM: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/facility-code";
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
pub const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

/// Bạch Mai hospital and its key; Chợ Rẫy and its key.
pub const BACH_MAI: &str = "01001";
pub const BACH_MAI_KEY: &str = "bach-mai-test-key-0123456789";
pub const CHO_RAY: &str = "79001";
pub const CHO_RAY_KEY: &str = "cho-ray-test-key-9876543210";

/// A mother born 1990 (female, 1900s: digit 1), her son born 2020 (male, 2000s: digit 2), a man
/// born 1985, and a girl born 2010 (female, 2000s: digit 3), over the age limit from 2024 on.
pub const MOTHER: &str = "001190012345";
pub const SON: &str = "001220054321";
pub const STRANGER: &str = "079085123456";
pub const TEEN: &str = "001310067890";

/// The server binary, running until dropped (or stopped).
pub struct Server {
    child: Child,
    pub url: String,
    pub db: PathBuf,
    client: reqwest::blocking::Client,
    /// Every request sent through this value: method, path and query, body.
    sent: Mutex<Vec<String>>,
}

impl Server {
    /// Starts the server on `db` with both test facilities' keys and `extra` flags, and waits for
    /// its `listening on` line.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let log = std::fs::File::create(db.with_extension("log")).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_healthbook-backend"))
            .arg("--db")
            .arg(db)
            .args(["--listen", "127.0.0.1:0"])
            .args(["--facility-key", &format!("{BACH_MAI}={BACH_MAI_KEY}")])
            .args(["--facility-key", &format!("{CHO_RAY}={CHO_RAY_KEY}")])
            .args(["--dev-login", "--dev-login-rate-limit", "6000/1000"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, first) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // A safety net against a server that never starts, not a timing assertion.
        let line = match first.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(db.with_extension("log")).unwrap_or_default();
                panic!("the server printed no 'listening on' line; its log:\n{log}");
            }
        };
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("client");
        Server {
            child,
            url,
            db: db.to_path_buf(),
            client,
            sent: Mutex::new(Vec::new()),
        }
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        self.child.wait().expect("the server exits")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.db.with_extension("log")).unwrap_or_default()
    }

    fn record(&self, method: &str, path: &str, body: &str) {
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(format!("{method} {path}\n{body}"));
    }

    /// Every request sent so far through `get`, `post` and `send`: method, path and query, body.
    pub fn sent(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// `method path` with an optional bearer token and JSON body; the answer as text with its
    /// headers.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> RawReply {
        let body = body.map(Value::to_string);
        self.record(method, path, body.as_deref().unwrap_or_default());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request.send().expect("answered");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().expect("body");
        RawReply {
            status,
            headers,
            text,
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.record("GET", path, "");
        let mut request = self.client.get(format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().expect("GET answered"))
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.record("POST", path, &body.to_string());
        let mut request = self
            .client
            .post(format!("{}{path}", self.url))
            .header("Content-Type", "application/fhir+json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().expect("POST answered"))
    }

    /// Posts a facility transaction with `key`.
    pub fn ingest(&self, key: &str, bundle: &Value) -> Reply {
        self.post("/fhir", Some(key), bundle)
    }

    /// Logs in as the citizen with `personal_id`: (token, patient id).
    pub fn login(&self, personal_id: &str) -> (String, String) {
        let reply = self.post(
            "/auth/dev-login",
            None,
            &json!({ "personal_id": personal_id }),
        );
        assert_eq!(reply.status, 200, "login of {personal_id}: {}", reply.body);
        (
            reply.body["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            reply.body["patient_id"]
                .as_str()
                .expect("patient_id")
                .to_string(),
        )
    }

    /// One feed page from `cursor`, read with the core's own reader.
    pub fn page(&self, token: &str, cursor: Option<&str>, query: &str) -> FeedPage {
        let mut path = format!("/fhir/$changes?{query}");
        if let Some(cursor) = cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let reply = self.get(&path, Some(token));
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert_eq!(reply.content_type, "application/fhir+json; charset=utf-8");
        read_feed_page(&reply.body).unwrap_or_else(|e| panic!("the core reads the page: {e}"))
    }

    /// Every page until caught up: the pages and the final cursor.
    pub fn pages(&self, token: &str, cursor: Option<&str>, query: &str) -> (Vec<FeedPage>, String) {
        let mut pages = Vec::new();
        let mut cursor = cursor.map(str::to_string);
        loop {
            let page = self.page(token, cursor.as_deref(), query);
            cursor = Some(page.next_cursor.clone());
            let done = page.caught_up;
            pages.push(page);
            assert!(pages.len() < 10_000, "the feed never catches up");
            if done {
                return (pages, cursor.unwrap_or_default());
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, the headers tests look at, and the JSON body (Null if none).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub www_authenticate: Option<String>,
    pub body: Value,
}

impl From<reqwest::blocking::Response> for Reply {
    fn from(response: reqwest::blocking::Response) -> Self {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let www_authenticate = header("www-authenticate");
        let status = response.status().as_u16();
        let text = response.text().expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            www_authenticate,
            body,
        }
    }
}

/// An answer as it came: status, every header, the body as text.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (Null if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

impl Reply {
    /// The `expression`s of an OperationOutcome's issues.
    pub fn expressions(&self) -> Vec<String> {
        assert_eq!(
            self.body["resourceType"], "OperationOutcome",
            "{}",
            self.body
        );
        self.body["issue"]
            .as_array()
            .expect("issues")
            .iter()
            .flat_map(|i| i["expression"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect()
    }

    /// The `response.etag` of each entry of a transaction-response.
    pub fn etags(&self) -> Vec<Option<String>> {
        self.body["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["response"]["etag"].as_str().map(str::to_string))
            .collect()
    }
}

/// A citizen's own profile as their phone holds it (`patient_id` is the server's id), born
/// `born` (YYYY-MM-DD), for a push.
pub fn owner(patient_id: &str, full_name: &str, born: &str, sex: Sex, cccd: &str) -> Person {
    Person {
        id: patient_id.into(),
        role: PersonRole::Owner,
        full_name: full_name.into(),
        date_of_birth: chrono::NaiveDate::parse_from_str(born, "%Y-%m-%d").expect("a test date"),
        sex,
        personal_id: Some(cccd.into()),
        previous_personal_ids: Vec::new(),
        ethnicity: None,
        nationality: None,
        occupation: None,
        address: None,
        insurance: None,
        blood_group: None,
        risk_factors: Vec::new(),
        guardian: None,
    }
}

/// A food allergy the citizen noted on 2025-06-01, for a push.
pub fn food_allergy(substance: &str, reaction: Option<&str>) -> Record {
    Record::Allergy {
        allergy: Allergy {
            id: String::new(),
            person_id: String::new(),
            source: RecordSource::Citizen,
            sensitive: false,
            substance: substance.into(),
            category: AllergyCategory::Food,
            criticality: None,
            reaction: reaction.map(str::to_string),
            recorded_on: chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
            note: None,
        },
    }
}

pub fn today_vn() -> CalendarDate {
    chrono::Utc::now()
        .with_timezone(&vietnam_offset())
        .date_naive()
}

pub fn now_vn() -> DateTimeOffset {
    chrono::Utc::now().with_timezone(&vietnam_offset())
}

/// A facility transaction, built entry by entry.
#[derive(Default, Clone)]
pub struct Tx {
    entries: Vec<Value>,
    patient: String,
}

impl Tx {
    /// A transaction about the Patient `id` with the CCCD `cccd`.
    pub fn patient(id: &str, cccd: &str, name: &str, birth: &str, gender: &str) -> Tx {
        let mut tx = Tx {
            patient: format!("Patient/{id}"),
            ..Tx::default()
        };
        tx.put(json!({
            "resourceType": "Patient",
            "id": id,
            "identifier": [{ "system": CCCD, "value": cccd }],
            "name": [{ "text": name }],
            "gender": gender,
            "birthDate": birth,
        }));
        tx
    }

    pub fn mother() -> Tx {
        Tx::patient("bn-1001", MOTHER, "Nguyễn Thị Lan", "1990-03-14", "female")
    }

    pub fn son() -> Tx {
        Tx::patient("bn-1002", SON, "Trần Minh Khang", "2020-05-01", "male")
    }

    pub fn stranger() -> Tx {
        Tx::patient("bn-1003", STRANGER, "Lê Văn Hùng", "1985-07-20", "male")
    }

    pub fn put(&mut self, resource: Value) -> &mut Tx {
        let url = format!(
            "{}/{}",
            resource["resourceType"].as_str().expect("resourceType"),
            resource["id"].as_str().expect("id")
        );
        self.entries.push(json!({
            "resource": resource,
            "request": { "method": "PUT", "url": url },
        }));
        self
    }

    pub fn delete(&mut self, reference: &str) -> &mut Tx {
        self.entries
            .push(json!({ "request": { "method": "DELETE", "url": reference } }));
        self
    }

    pub fn subject(&self) -> Value {
        json!({ "reference": self.patient })
    }

    pub fn organization(&mut self, id: &str, code: &str, name: &str) -> &mut Tx {
        self.put(json!({
            "resourceType": "Organization",
            "id": id,
            "identifier": [{ "system": FACILITY_SYSTEM, "value": code }],
            "name": name,
        }))
    }

    /// An outpatient visit at the Organization `org` with one diagnosis (a Condition `<id>-dx`).
    pub fn visit(&mut self, id: &str, org: &str, start: &str, icd10: &str, text: &str) -> &mut Tx {
        let condition = format!("{id}-dx");
        let subject = self.subject();
        self.put(json!({
            "resourceType": "Encounter",
            "id": id,
            "status": "finished",
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB" },
            "subject": subject,
            "serviceProvider": { "reference": format!("Organization/{org}") },
            "period": { "start": start },
            "diagnosis": [{ "condition": { "reference": format!("Condition/{condition}") }, "rank": 1 }],
        }));
        self.put(json!({
            "resourceType": "Condition",
            "id": condition,
            "subject": subject,
            "encounter": { "reference": format!("Encounter/{id}") },
            "code": { "coding": [{ "system": ICD10, "code": icd10 }], "text": text },
        }))
    }

    pub fn allergy(&mut self, id: &str, substance: &str, recorded: &str) -> &mut Tx {
        let subject = self.subject();
        self.put(json!({
            "resourceType": "AllergyIntolerance",
            "id": id,
            "patient": subject,
            "code": { "text": substance },
            "category": ["medication"],
            "recordedDate": recorded,
        }))
    }

    pub fn immunization(&mut self, id: &str, org: &str, vaccine: &str, date: &str) -> &mut Tx {
        let subject = self.subject();
        self.put(json!({
            "resourceType": "Immunization",
            "id": id,
            "status": "completed",
            "patient": subject,
            "vaccineCode": { "text": vaccine },
            "occurrenceDateTime": date,
            "performer": [{ "actor": { "reference": format!("Organization/{org}") } }],
        }))
    }

    /// `cccd` is the Patient's guardian (v3 RoleCode `relation`), since `since`.
    pub fn guardian(
        &mut self,
        id: &str,
        cccd: &str,
        relation: &str,
        name: &str,
        since: &str,
    ) -> &mut Tx {
        let subject = self.subject();
        self.put(json!({
            "resourceType": "RelatedPerson",
            "id": id,
            "patient": subject,
            "identifier": [{ "system": CCCD, "value": cccd }],
            "relationship": [{ "coding": [{ "system": ROLE_CODE, "code": relation }] }],
            "name": [{ "text": name }],
            "period": { "start": since },
        }))
    }

    pub fn bundle(&self) -> Value {
        json!({
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": self.entries,
        })
    }
}

/// Record ids and versions of the Put changes of `pages`, and the ids deleted.
pub fn puts(pages: &[FeedPage]) -> Vec<(String, i64)> {
    use healthbook_core::sync::wire::ChangeBody;
    pages
        .iter()
        .flat_map(|p| &p.changes)
        .filter(|c| matches!(c.change, ChangeBody::Put(_)))
        .map(|c| (c.record_id.clone(), c.version))
        .collect()
}

pub fn deletes(pages: &[FeedPage]) -> Vec<(String, i64)> {
    use healthbook_core::sync::wire::ChangeBody;
    pages
        .iter()
        .flat_map(|p| &p.changes)
        .filter(|c| matches!(c.change, ChangeBody::Delete(_)))
        .map(|c| (c.record_id.clone(), c.version))
        .collect()
}
