//! The core's compact JWE against an independent JOSE implementation: the npm package `jose`, run
//! by Node.js from `target/tools/node` (installed by `cargo xtask setup`; this test installs
//! nothing). Each side opens what the other sealed, with and without `zip: DEF`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use healthbook_core::share::{jwe, link, ShareError};
use serde_json::{json, Value};

/// The version these tests were written against; 6.2.0 brought `zip: DEF` back to jose 6.
const TESTED_JOSE: &str = "6.2.17";

/// Reads one JSON request on stdin, answers one JSON line on stdout.
const SCRIPT: &str = r#"
import * as jose from 'jose';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = JSON.parse(text);
const key = jose.base64url.decode(input.key);
if (input.op === 'decrypt') {
  const { plaintext, protectedHeader } = await jose.compactDecrypt(input.jwe, key, {
    maxDecompressedLength: 16 * 1024 * 1024,
  });
  console.log(JSON.stringify({ plaintext: jose.base64url.encode(plaintext), header: protectedHeader }));
} else {
  const jwe = await new jose.CompactEncrypt(jose.base64url.decode(input.plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', ...input.header })
    .encrypt(key);
  console.log(JSON.stringify({ jwe }));
}
"#;

/// `target/tools/node` of the workspace, where `node_modules/jose` must be.
fn node_tools() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/tools/node");
    let package = dir.join("node_modules/jose/package.json");
    assert!(
        package.is_file(),
        "the JOSE interoperability test needs the npm package `jose` at {}: run `cargo xtask setup`",
        package.display()
    );
    dir
}

/// jose 6.0 and 6.1 refuse `zip` outright; 6.2 brought `DEF` back.
fn require_jose_with_deflate() {
    let package = node_tools().join("node_modules/jose/package.json");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&package).unwrap()).unwrap();
    let version = manifest["version"].as_str().unwrap_or("");
    let numbers: Vec<u32> = version.split('.').filter_map(|n| n.parse().ok()).collect();
    assert!(
        matches!(numbers.as_slice(), [major, minor, ..] if (*major, *minor) >= (6, 2)),
        "found jose {version} at {}, but `zip: DEF` needs jose 6.2 or later: \
         set the jose version of `cargo xtask setup` to {TESTED_JOSE} and run it again",
        package.display()
    );
}

fn run_jose(request: Value) -> Value {
    let mut child = Command::new("node")
        .args(["--input-type=module", "-e", SCRIPT])
        .current_dir(node_tools())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start `node` ({e}): install Node.js 20 or later"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "jose failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn jose_decrypt(compact: &str, key: &[u8; 32]) -> (Vec<u8>, Value) {
    let answer = run_jose(json!({"op": "decrypt", "key": link::encode_key(key), "jwe": compact}));
    let plaintext = URL_SAFE_NO_PAD
        .decode(answer["plaintext"].as_str().unwrap())
        .unwrap();
    (plaintext, answer["header"].clone())
}

fn jose_encrypt(plaintext: &[u8], key: &[u8; 32], header: Value) -> String {
    let answer = run_jose(json!({
        "op": "encrypt",
        "key": link::encode_key(key),
        "plaintext": URL_SAFE_NO_PAD.encode(plaintext),
        "header": header,
    }));
    answer["jwe"].as_str().unwrap().to_string()
}

/// A document Bundle of some size, with Vietnamese text, so compression has something to do.
fn bundle() -> Vec<u8> {
    let entries: Vec<Value> = (0..40)
        .map(|i| {
            json!({"resource": {
                "resourceType": "Immunization",
                "id": format!("imm-{i}"),
                "status": "completed",
                "note": [{"text": "Tiêm chủng mở rộng — trạm y tế phường Bến Nghé"}],
            }})
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "document", "entry": entries})
        .to_string()
        .into_bytes()
}

fn key() -> [u8; 32] {
    link::new_key().unwrap()
}

#[test]
fn jose_opens_what_the_core_encrypts() {
    let (key, plaintext) = (key(), bundle());
    let compact = jwe::encrypt(&plaintext, &key, Some("application/fhir+json"), false).unwrap();
    let (opened, header) = jose_decrypt(&compact, &key);
    assert_eq!(opened, plaintext);
    assert_eq!(
        header,
        json!({"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json"})
    );
}

#[test]
fn jose_opens_what_the_core_encrypts_with_deflate() {
    require_jose_with_deflate();
    let (key, plaintext) = (key(), bundle());
    let compact = jwe::encrypt(&plaintext, &key, None, true).unwrap();
    let (opened, header) = jose_decrypt(&compact, &key);
    assert_eq!(opened, plaintext);
    assert_eq!(
        header,
        json!({"alg": "dir", "enc": "A256GCM", "zip": "DEF"})
    );
}

#[test]
fn the_core_opens_what_jose_encrypts() {
    let (key, plaintext) = (key(), bundle());
    let compact = jose_encrypt(
        &plaintext,
        &key,
        json!({"cty": "application/fhir+json", "kid": "share-1"}),
    );
    let opened = jwe::decrypt(&compact, &key).unwrap();
    assert_eq!(opened.plaintext, plaintext);
    assert_eq!(
        opened.content_type.as_deref(),
        Some("application/fhir+json")
    );
}

#[test]
fn the_core_opens_what_jose_encrypts_with_deflate() {
    require_jose_with_deflate();
    let (key, plaintext) = (key(), bundle());
    let compact = jose_encrypt(&plaintext, &key, json!({"zip": "DEF"}));
    let opened = jwe::decrypt(&compact, &key).unwrap();
    assert_eq!(opened.plaintext, plaintext);
    assert_eq!(opened.content_type, None);
}

#[test]
fn the_core_refuses_what_jose_encrypted_under_another_key() {
    let compact = jose_encrypt(&bundle(), &key(), json!({}));
    let result = jwe::decrypt(&compact, &key());
    assert!(
        matches!(result, Err(ShareError::Authentication)),
        "{result:?}"
    );
}
