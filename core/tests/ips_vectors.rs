//! Importing real International Patient Summary documents from other implementations: the 16 IPS
//! Bundles in `../shared/vectors/shl/ips/` (Austria, Cyprus, Germany, Denmark, Hong Kong, the
//! Netherlands, New Zealand, the IPS guide's own examples). They are stored as SMART Health Link
//! files (compact JWE, `dir` + `A256GCM`, no compression); the test decrypts them with the key from
//! each link, then imports each Bundle into a book holding its patient.

mod common;

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use healthbook_core::model::PersonRole;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};

fn vectors_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/shl/ips");
    assert!(
        dir.is_dir(),
        "the IPS test vectors are missing: expected them at {}",
        dir.display()
    );
    dir
}

/// The `key` of a `…#shlink:/<base64url JSON>` link.
fn link_key(link: &str) -> Vec<u8> {
    let payload = link.trim().rsplit("shlink:/").next().expect("a shlink");
    let json: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url payload"))
            .expect("payload JSON");
    URL_SAFE_NO_PAD
        .decode(json["key"].as_str().expect("key"))
        .expect("base64url key")
}

/// Compact JWE with `alg: dir`, `enc: A256GCM`: the protected header is the additional data.
fn decrypt(jwe: &str, key: &[u8]) -> String {
    let parts: Vec<&str> = jwe.trim().split('.').collect();
    assert_eq!(parts.len(), 5, "compact JWE has five parts");
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("header"))
            .expect("header JSON");
    assert_eq!(header["alg"], "dir");
    assert_eq!(header["enc"], "A256GCM");
    assert!(
        header.get("zip").is_none(),
        "these vectors are not compressed"
    );
    let iv: [u8; 12] = URL_SAFE_NO_PAD
        .decode(parts[2])
        .expect("iv")
        .try_into()
        .expect("12-byte iv");
    let mut sealed = URL_SAFE_NO_PAD.decode(parts[3]).expect("ciphertext");
    sealed.extend(URL_SAFE_NO_PAD.decode(parts[4]).expect("tag"));
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("256-bit key"));
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(iv),
            Aad::from(parts[0].as_bytes()),
            &mut sealed,
        )
        .expect("authentic ciphertext");
    String::from_utf8(plain.to_vec()).expect("UTF-8 JSON")
}

fn ips_documents() -> Vec<(String, String)> {
    let dir = vectors_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read vectors")
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
            let link = std::fs::read_to_string(dir.join(format!("{name}-shl.txt"))).expect("link");
            let jwe = std::fs::read_to_string(dir.join(format!("{name}-enc.txt"))).expect("jwe");
            let bundle = decrypt(&jwe, &link_key(&link));
            (name, bundle)
        })
        .collect()
}

#[test]
fn every_ips_document_imports_what_it_can_and_says_why_it_skipped_the_rest() {
    let documents = ips_documents();
    assert_eq!(documents.len(), 16, "expected the 16 IPS documents");
    let mut total_imported = 0;
    for (name, bundle) in documents {
        let test = new_book();
        let plan =
            healthbook_core::fhir::plan_import(&bundle).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut patient = plan.patient;
        patient.role = PersonRole::Owner;
        let person = test
            .book
            .add_person(patient)
            .unwrap_or_else(|e| panic!("{name}: patient refused: {e}"));

        let report = test
            .book
            .import_fhir(bundle.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.person_id, person.id, "{name}");
        assert!(
            !report.imported.is_empty() || !report.skipped.is_empty(),
            "{name}: nothing reported"
        );
        for skipped in &report.skipped {
            assert!(
                !skipped.reason.trim().is_empty(),
                "{name}: {} skipped without a reason",
                skipped.resource_type
            );
        }
        let stored = all_records(&test, &person.id).len();
        assert_eq!(
            stored,
            report.imported.len(),
            "{name}: every imported record is in the timeline"
        );

        // The same document again replaces rather than duplicates.
        test.book
            .import_fhir(bundle)
            .unwrap_or_else(|e| panic!("{name}: second import: {e}"));
        assert_eq!(all_records(&test, &person.id).len(), stored, "{name}");
        println!(
            "{name}: {} imported, {} skipped",
            report.imported.len(),
            report.skipped.len()
        );
        total_imported += report.imported.len();
    }
    assert!(
        total_imported > 100,
        "the IPS documents yielded only {total_imported} records"
    );
}
