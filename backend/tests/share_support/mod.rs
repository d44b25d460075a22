//! What the share tests have in common: a family on the server (a mother, her son in her care,
//! and a stranger), a small FHIR document to share, sealing it as the phone does (the core's
//! compact JWE under a fresh key), and uploading the ciphertext.
#![allow(dead_code)]

use healthbook_core::share::jwe;
use healthbook_core::share::link::{encode_key, format_link, new_key, ShlPayload};
use serde_json::{json, Value};

use crate::support::*;

/// A citizen logged in: their token and patient id.
pub struct Citizen {
    pub token: String,
    pub patient_id: String,
}

pub struct Family {
    pub mother: Citizen,
    /// Born 2020, the mother's child: in her care.
    pub son: Citizen,
    pub stranger: Citizen,
}

/// Sends the family to the server (the son with the mother as guardian) and logs each in.
pub fn family(server: &Server) -> Family {
    let mut mother = Tx::mother();
    mother.allergy("al-1", "Penicillin", "2024-01-02");
    assert_eq!(server.ingest(BACH_MAI_KEY, &mother.bundle()).status, 200);
    let mut son = Tx::son();
    son.guardian("rp-1", MOTHER, "MTH", "Nguyễn Thị Lan", "2020-05-01");
    assert_eq!(server.ingest(BACH_MAI_KEY, &son.bundle()).status, 200);
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &Tx::stranger().bundle()).status,
        200
    );
    let login = |cccd| {
        let (token, patient_id) = server.login(cccd);
        Citizen { token, patient_id }
    };
    Family {
        mother: login(MOTHER),
        son: login(SON),
        stranger: login(STRANGER),
    }
}

/// A FHIR document as the core exports it, cut down: a Patient, a visit (Encounter with its
/// diagnosis and facility), a prescription line and a vaccination.
pub fn sample_bundle() -> Value {
    let entry = |id: &str, resource: Value| json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource });
    let patient = "urn:uuid:00000000-0000-8000-8000-000000000001";
    let hospital = "urn:uuid:00000000-0000-8000-8000-000000000002";
    let diagnosis = "urn:uuid:00000000-0000-8000-8000-000000000004";
    json!({
        "resourceType": "Bundle",
        "type": "document",
        "timestamp": "2025-06-01T09:00:00+07:00",
        "entry": [
            entry("00000000-0000-8000-8000-000000000001", json!({
                "resourceType": "Patient",
                "id": "00000000-0000-8000-8000-000000000001",
                "name": [{ "use": "official", "text": "Nguyễn Thị Lan", "family": "Nguyễn", "given": ["Thị", "Lan"] }],
                "gender": "female",
                "birthDate": "1990-03-14",
            })),
            entry("00000000-0000-8000-8000-000000000002", json!({
                "resourceType": "Organization",
                "id": "00000000-0000-8000-8000-000000000002",
                "name": "Bệnh viện Bạch Mai",
            })),
            entry("00000000-0000-8000-8000-000000000003", json!({
                "resourceType": "Encounter",
                "id": "00000000-0000-8000-8000-000000000003",
                "status": "finished",
                "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB" },
                "subject": { "reference": patient },
                "serviceType": { "text": "Khoa Tai Mũi Họng" },
                "serviceProvider": { "reference": hospital },
                "period": { "start": "2025-05-20T08:30:00+07:00" },
                "diagnosis": [{ "condition": { "reference": diagnosis }, "rank": 1 }],
            })),
            entry("00000000-0000-8000-8000-000000000004", json!({
                "resourceType": "Condition",
                "id": "00000000-0000-8000-8000-000000000004",
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis" }] }],
                "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10", "code": "J02.9" }], "text": "Viêm họng cấp" },
                "subject": { "reference": patient },
            })),
            entry("00000000-0000-8000-8000-000000000005", json!({
                "resourceType": "MedicationRequest",
                "id": "00000000-0000-8000-8000-000000000005",
                "status": "completed",
                "intent": "order",
                "subject": { "reference": patient },
                "authoredOn": "2025-05-20T09:00:00+07:00",
                "requester": { "reference": hospital },
                "medicationCodeableConcept": { "text": "Amoxicillin (amoxicillin 500 mg)" },
                "dosageInstruction": [{ "text": "1 viên/lần, 2 lần/ngày, 7 ngày; uống; sau ăn" }],
                "dispenseRequest": { "quantity": { "value": 14, "unit": "viên" } },
            })),
            entry("00000000-0000-8000-8000-000000000006", json!({
                "resourceType": "Immunization",
                "id": "00000000-0000-8000-8000-000000000006",
                "status": "completed",
                "patient": { "reference": patient },
                "vaccineCode": { "text": "Vaxigrip Tetra (cúm mùa)" },
                "occurrenceDateTime": "2024-10-05",
                "protocolApplied": [{ "doseNumberPositiveInt": 1, "targetDisease": [{ "text": "Cúm" }] }],
            })),
        ],
    })
}

/// A document sealed as the phone seals it: the key and the compact JWE.
pub struct Sealed {
    pub key: [u8; 32],
    pub jwe: String,
}

/// Encrypts `document` under a fresh key (with `zip: DEF` when `deflate`).
pub fn seal(document: &Value, deflate: bool) -> Sealed {
    let key = new_key().expect("random key");
    let jwe = jwe::encrypt(
        document.to_string().as_bytes(),
        &key,
        Some("application/fhir+json"),
        deflate,
    )
    .expect("encrypt");
    Sealed { key, jwe }
}

/// The `shlink:/…` link for an uploaded share, behind `viewer` if given.
pub fn shlink(url: &str, key: &[u8; 32], flag: &str, exp: i64, viewer: Option<&str>) -> String {
    let payload = ShlPayload {
        url: url.to_string(),
        key: encode_key(key),
        exp: Some(exp),
        flag: flag.to_string(),
        label: Some("Khám tại quầy".into()),
        v: None,
    };
    format_link(&payload, viewer)
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `POST /shl` of `file` for `person_id`, expiring in an hour, with the fields of `changes`
/// replaced.
pub fn upload(
    server: &Server,
    token: &str,
    person_id: &str,
    file: &str,
    changes: Value,
) -> RawReply {
    let mut body = json!({
        "person_id": person_id,
        "file": file,
        "content_type": "application/fhir+json",
        "expires_at": now_secs() + 3600,
        "max_uses": null,
        "label": null,
        "passcode": null,
    });
    for (name, value) in changes.as_object().expect("an object of changes") {
        body[name] = value.clone();
    }
    server.send("POST", "/shl", Some(token), Some(&body))
}

/// Uploads and checks the 201: (link id, url).
pub fn share(
    server: &Server,
    token: &str,
    person_id: &str,
    file: &str,
    changes: Value,
) -> (String, String) {
    let reply = upload(server, token, person_id, file, changes);
    assert_eq!(reply.status, 201, "upload: {}", reply.text);
    let answer = reply.json();
    (
        answer["id"].as_str().expect("id").to_string(),
        answer["url"].as_str().expect("url").to_string(),
    )
}

/// The forms the key could take in a request: its base64url (as in the link), standard base64 and
/// hex.
pub fn key_spellings(key: &[u8; 32]) -> Vec<String> {
    use base64::Engine;
    vec![
        encode_key(key),
        base64::engine::general_purpose::STANDARD.encode(key),
        key.iter().map(|b| format!("{b:02x}")).collect(),
    ]
}
