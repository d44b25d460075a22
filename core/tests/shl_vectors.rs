//! SMART Health Links from other implementations, read by the core's link and JWE code: the HL7
//! specification's published example (key, JWE, link), its example payloads and manifest, and 16
//! International Patient Summary documents shared as links (`../shared/vectors/shl/`).

use std::path::PathBuf;

use healthbook_core::share::link::{self, ShlPayload};
use healthbook_core::share::{jwe, ShareError};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/shl");
    assert!(
        dir.is_dir(),
        "the SMART Health Links test vectors are missing: expected them at {}",
        dir.display()
    );
    dir
}

fn read(name: &str) -> String {
    let path = vectors_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn known_answer() -> Value {
    json("spec-known-answer.json")
}

/// A payload JSON file as the text of a `shlink:/` link.
fn as_link(payload: &Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    format!("shlink:/{}", URL_SAFE_NO_PAD.encode(payload.to_string()))
}

#[test]
fn the_specification_jwe_decrypts_to_its_846_byte_health_card() {
    let answer = known_answer();
    let key = link::parse_link(answer["shlink"].as_str().unwrap())
        .unwrap()
        .key_bytes()
        .unwrap();
    assert_eq!(link::encode_key(&key), answer["key"]);

    let opened = jwe::decrypt(answer["jwe"].as_str().unwrap(), key.as_slice()).unwrap();
    assert_eq!(opened.plaintext.len(), 846);
    assert_eq!(opened.plaintext.len() as u64, answer["plaintext_length"]);
    assert_eq!(
        opened.content_type.as_deref(),
        Some("application/smart-health-card")
    );
    assert_eq!(
        opened.content_type.as_deref(),
        answer["plaintext_content_type"].as_str()
    );
    let card: Value = serde_json::from_slice(&opened.plaintext).unwrap();
    assert!(card["verifiableCredential"].is_array(), "{card}");
}

#[test]
fn the_specification_jwe_refuses_a_wrong_key() {
    let answer = known_answer();
    let result = jwe::decrypt(answer["jwe"].as_str().unwrap(), &[0u8; 32]);
    assert!(
        matches!(result, Err(ShareError::Authentication)),
        "{result:?}"
    );
}

#[test]
fn the_specification_link_parses_bare_and_behind_its_viewer() {
    let answer = known_answer();
    let expected = &answer["shlink_payload"];
    for field in ["shlink", "shlink_with_viewer"] {
        let payload = link::parse_link(answer[field].as_str().unwrap()).unwrap();
        assert_eq!(payload.url, expected["url"], "{field}");
        assert_eq!(payload.key, expected["key"], "{field}");
        assert_eq!(payload.flag, "LP", "{field}");
        assert_eq!(
            payload.label.as_deref(),
            expected["label"].as_str(),
            "{field}"
        );
        assert_eq!((payload.exp, payload.v), (None, None), "{field}");
        assert!(
            payload.needs_passcode() && payload.is_long_term(),
            "{field}"
        );
    }
}

#[test]
fn the_specification_link_is_reproduced_from_its_payload() {
    let answer = known_answer();
    let payload = link::parse_link(answer["shlink"].as_str().unwrap()).unwrap();
    let again = link::format_link(&payload, Some("https://viewer.example.org"));
    assert_eq!(link::parse_link(&again).unwrap(), payload);
    assert!(again.starts_with("https://viewer.example.org#shlink:/"));
}

#[test]
fn specification_payload_1_is_refused_for_its_string_exp_naming_the_field() {
    // `exp` is "1767225600000" (milliseconds, in a string); `labelzzz` is an unknown field.
    match link::parse_link(&as_link(&json("spec-shl-payload-1.json"))) {
        Err(ShareError::InvalidLink { field, reason }) => {
            assert_eq!(field, "link.exp");
            assert!(reason.contains("number"), "{reason}");
        }
        other => panic!("expected an error about exp, got {other:?}"),
    }
}

#[test]
fn specification_payload_1_without_exp_parses_and_ignores_the_unknown_field() {
    let mut payload = json("spec-shl-payload-1.json");
    payload.as_object_mut().unwrap().remove("exp");
    let parsed = link::parse_link(&as_link(&payload)).unwrap();
    assert_eq!(
        (parsed.flag.as_str(), parsed.v, parsed.label.as_deref()),
        ("LP", Some(1), None)
    );
}

#[test]
fn specification_payload_2_parses_as_a_direct_file_link() {
    let payload = link::parse_link(&as_link(&json("spec-shl-payload-2.json"))).unwrap();
    assert_eq!(payload.flag, "LU");
    assert!(payload.is_direct_file() && !payload.needs_passcode());
    assert_eq!(
        payload.label.as_deref(),
        Some("Demo SHL for IPS_IG-bundle-01")
    );
}

#[test]
fn the_specification_manifest_is_not_a_link() {
    let manifest = json("spec-shl-manifest-1.json");
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    // Handed to the link parser by mistake, it is refused with a field name, not a panic.
    let result = link::parse_link(&as_link(&manifest));
    assert!(
        matches!(&result, Err(ShareError::InvalidLink { field, .. }) if field == "link.url"),
        "{result:?}"
    );
    // Its embedded JWE is cut short ("<snipped>") in the specification: refused cleanly.
    let embedded = files[1]["embedded"].as_str().unwrap();
    let result = jwe::decrypt(embedded, &[0u8; 32]);
    assert!(result.is_err(), "{result:?}");
}

struct IpsDocument {
    name: String,
    link: ShlPayload,
    jwe: String,
}

fn ips_documents() -> Vec<IpsDocument> {
    let dir = vectors_dir().join("ips");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix("-shl.txt")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let link = link::parse_link(&read(&format!("ips/{name}-shl.txt")))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let jwe = read(&format!("ips/{name}-enc.txt"));
            IpsDocument { name, link, jwe }
        })
        .collect()
}

#[test]
fn all_16_ips_links_parse_and_open_their_document_bundle() {
    let documents = ips_documents();
    assert_eq!(documents.len(), 16, "expected the 16 IPS documents");
    for document in documents {
        let name = &document.name;
        assert_eq!(document.link.flag, "LU", "{name}");
        assert!(
            document.link.url.ends_with(&format!("{name}-enc.txt")),
            "{name}: {}",
            document.link.url
        );
        let key = document.link.key_bytes().unwrap();
        let opened =
            jwe::decrypt(&document.jwe, key.as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.content_type, None, "{name}: these carry no cty");

        let bundle: Value = serde_json::from_slice(&opened.plaintext)
            .unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        assert_eq!(bundle["resourceType"], "Bundle", "{name}");
        assert_eq!(bundle["type"], "document", "{name}");
        let entries = bundle["entry"].as_array().unwrap();
        assert_eq!(
            entries[0]["resource"]["resourceType"], "Composition",
            "{name}: a document Bundle starts with its Composition"
        );
    }
}

#[test]
fn every_ips_link_survives_reencoding_with_a_local_url() {
    for document in ips_documents() {
        let mut local = document.link.clone();
        local.url = format!("http://127.0.0.1:8080/{}-enc.txt", document.name);
        let again = link::parse_link(&link::format_link(&local, None)).unwrap();
        assert_eq!(again, local, "{}", document.name);
        assert_eq!(again.key, document.link.key);
    }
}

#[test]
fn a_modified_ips_ciphertext_is_refused() {
    let document = ips_documents().remove(0);
    let mut parts: Vec<String> = document.jwe.trim().split('.').map(str::to_string).collect();
    // Swap two characters in the ciphertext: still base64url, different bytes.
    let mut chars: Vec<char> = parts[3].chars().collect();
    let i = chars.iter().position(|&c| c != chars[0]).unwrap();
    chars.swap(0, i);
    parts[3] = chars.into_iter().collect();
    let key = document.link.key_bytes().unwrap();
    let result = jwe::decrypt(&parts.join("."), key.as_slice());
    assert!(
        matches!(result, Err(ShareError::Authentication)),
        "{result:?}"
    );
}
