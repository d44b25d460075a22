//! The server's public face outside the records: the CapabilityStatement, the development login,
//! and how missing or wrong credentials are answered.

mod support;

use serde_json::json;
use support::*;

fn server() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    (dir, server)
}

#[test]
fn metadata_is_a_fhir_4_0_1_capability_statement_without_auth() {
    let (_dir, server) = server();
    let reply = server.get("/fhir/metadata", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/fhir+json; charset=utf-8");
    let statement = &reply.body;
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "4.0.1");
    assert_eq!(statement["status"], "active");
    assert_eq!(statement["kind"], "instance");
    assert_eq!(statement["format"], json!(["json"]));
    let rest = &statement["rest"][0];
    assert_eq!(rest["mode"], "server");
    assert_eq!(rest["operation"][0]["name"], "changes");
    let security = rest["security"]["service"][0]["text"]
        .as_str()
        .expect("security text");
    assert!(security.contains("Bearer"), "{security}");
    let types: Vec<&str> = rest["resource"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    for expected in ["Patient", "Encounter", "Immunization", "RelatedPerson"] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
}

#[test]
fn a_known_citizen_logs_in_and_the_token_reads_their_patient() {
    let (_dir, server) = server();
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin", "2024-01-02");
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 200);

    let reply = server.post("/auth/dev-login", None, &json!({ "personal_id": MOTHER }));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["expires_in"], 3600);
    let token = reply.body["access_token"].as_str().expect("token");
    assert_eq!(token.len(), 43, "256 bits, base64url: {token}");
    let patient_id = reply.body["patient_id"].as_str().expect("patient id");

    let patient = server.get(&format!("/fhir/Patient/{patient_id}"), Some(token));
    assert_eq!(patient.status, 200, "{}", patient.body);
    assert_eq!(patient.body["resourceType"], "Patient");
    assert_eq!(patient.body["id"], patient_id);
    assert_eq!(patient.body["birthDate"], "1990-03-14");
    let identifiers = patient.body["identifier"].to_string();
    assert!(identifiers.contains(MOTHER), "{identifiers}");

    // The server keeps only the token's hash: the token is nowhere in the database file.
    drop(server);
    let stored = std::fs::read(_dir.path().join("server.db")).expect("db");
    let wal = std::fs::read(_dir.path().join("server.db-wal")).unwrap_or_default();
    for bytes in [stored, wal] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token is stored in clear"
        );
    }
}

#[test]
fn an_unknown_citizen_is_the_sign_in_401_and_a_malformed_id_is_400_naming_personal_id() {
    let (_dir, server) = server();
    let unknown = server.post("/auth/dev-login", None, &json!({ "personal_id": STRANGER }));
    assert_eq!(unknown.status, 401, "{}", unknown.body);
    assert_eq!(unknown.body["resourceType"], "OperationOutcome");
    assert_eq!(unknown.expressions(), ["personal_id"]);

    for body in [
        json!({ "personal_id": "12345" }),
        json!({ "personal_id": "abcdefghijkl" }),
        json!({ "personal_id": "999190012345" }),
        json!({ "personal_id": 1234 }),
        json!({}),
    ] {
        let reply = server.post("/auth/dev-login", None, &body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert_eq!(reply.expressions(), ["personal_id"], "{body}");
    }
}

#[test]
fn missing_or_unknown_tokens_are_401_with_the_bearer_challenge() {
    let (_dir, server) = server();
    for token in [None, Some("not-a-token")] {
        for reply in [
            server.get("/fhir/$changes", token),
            server.get("/fhir/Patient/x", token),
            server.post(
                "/fhir",
                token,
                &json!({ "resourceType": "Bundle", "type": "batch" }),
            ),
        ] {
            assert_eq!(reply.status, 401, "{token:?}: {}", reply.body);
            assert_eq!(
                reply.www_authenticate.as_deref(),
                Some("Bearer error=\"invalid_token\"")
            );
            assert_eq!(reply.body["resourceType"], "OperationOutcome");
        }
    }
}

#[test]
fn an_expired_token_is_401() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &["--token-ttl", "1"]);
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &Tx::mother().bundle()).status,
        200
    );
    let (token, _) = server.login(MOTHER);
    // Waits until the token has certainly expired; the assertion is about expiry, not speed.
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    let reply = server.get("/fhir/$changes", Some(&token));
    assert_eq!(reply.status, 401, "{}", reply.body);
}

#[test]
fn an_unknown_endpoint_is_an_operation_outcome() {
    let (_dir, server) = server();
    let reply = server.get("/fhir/Nothing/here", None);
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["resourceType"], "OperationOutcome");
    assert_eq!(reply.content_type, "application/fhir+json; charset=utf-8");
}
