//! The doctor's side: opens a SMART Health Link (bare `shlink:/…` or behind a viewer URL; flags `U`,
//! `L`, `P`; a direct file or a manifest with embedded or located files; `zip: DEF` or not), decrypts
//! what it points at with the key in the link, and reads the FHIR Bundles inside. Also reads SMART
//! Health Card files (the specification's own example), without checking the issuer's signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::hosting::json_reply;
use super::jwe;
use super::link::{parse_link, ShlPayload};
use crate::error::{Error, Result};
use crate::sync::client::{Body, Cancel, Http, Limits, RawRequest};
use crate::sync::wire::percent_encode;

const JOSE: &str = "application/jose";
const FHIR_JSON: &str = "application/fhir+json";
const HEALTH_CARD: &str = "application/smart-health-card";
/// A SMART Health Card payload inflates to at most this much.
const MAX_CARD_BYTES: usize = 4 * 1024 * 1024;

/// What a link held: its label and expiry, and each FHIR Bundle (JSON) it carried.
pub struct Opened {
    pub payload: ShlPayload,
    pub bundles: Vec<Value>,
}

/// Fetches and decrypts what `link` points at. `now` (unix seconds) decides expiry before asking.
pub fn open(
    http: &Http,
    link: &str,
    recipient: &str,
    passcode: Option<&str>,
    now: i64,
    limits: &Limits,
    cancel: &dyn Cancel,
) -> Result<Opened> {
    let payload = parse_link(link)?;
    if recipient.trim().is_empty() {
        return Err(Error::validation(
            "recipient",
            "say who opens the link (the clinic or doctor); the citizen sees it in the access log",
        ));
    }
    if payload.exp.is_some_and(|exp| exp <= now) {
        return Err(Error::ShareExpired(
            "the link's time limit has passed; ask the citizen for a new QR code".into(),
        ));
    }
    let key = Zeroizing::new(
        URL_SAFE_NO_PAD
            .decode(payload.key.as_bytes())
            .map_err(|_| Error::validation("link.key", "is not base64url; the link is damaged"))?,
    );
    let files = if payload.flag.contains('U') {
        vec![get_file(http, &payload.url, recipient, limits, cancel)?]
    } else {
        manifest_files(http, &payload, recipient, passcode, limits, cancel)?
    };
    let mut bundles = Vec::new();
    for file in files {
        bundles.extend(read_file(&file, &key)?);
    }
    if bundles.is_empty() {
        return Err(Error::ShareUnreadable(
            "the link holds no FHIR Bundle".into(),
        ));
    }
    Ok(Opened { payload, bundles })
}

/// Decrypts one shared file with the link's key and returns the FHIR Bundles it holds.
pub fn read_file(file: &str, key: &[u8]) -> Result<Vec<Value>> {
    let decrypted = jwe::decrypt(file.trim(), key)?;
    read_content(&decrypted.plaintext, decrypted.content_type.as_deref())
}

fn gone() -> Error {
    Error::ShareExpired(
        "the link has expired, was used up or was revoked (the server does not say which); \
         ask the citizen for a new QR code"
            .into(),
    )
}

/// Flag `U`: the URL serves the encrypted file itself.
fn get_file(
    http: &Http,
    url: &str,
    recipient: &str,
    limits: &Limits,
    cancel: &dyn Cancel,
) -> Result<String> {
    let separator = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{separator}recipient={}", percent_encode(recipient));
    get_jwe(http, &url, limits, cancel)
}

/// Without `U`: POST the manifest request, then take each file embedded or from its location.
fn manifest_files(
    http: &Http,
    payload: &ShlPayload,
    recipient: &str,
    passcode: Option<&str>,
    limits: &Limits,
    cancel: &dyn Cancel,
) -> Result<Vec<String>> {
    if payload.flag.contains('P') && passcode.is_none_or(|p| p.is_empty()) {
        return Err(Error::validation(
            "passcode",
            "this link is protected by a passcode; ask the citizen for it",
        ));
    }
    let mut request = json!({ "recipient": recipient });
    if let Some(passcode) = passcode.filter(|p| !p.is_empty()) {
        request["passcode"] = json!(passcode);
    }
    let answer = http.raw(
        RawRequest {
            method: Method::POST,
            url: &payload.url,
            token: None,
            body: Some(Body {
                content_type: "application/json",
                bytes: request.to_string().into_bytes(),
            }),
            accept: "application/json",
        },
        limits,
        cancel,
    )?;
    match answer.status {
        401 => {
            let left = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|v| v.get("remainingAttempts").and_then(Value::as_u64));
            let reason = match left {
                Some(n) => format!("is wrong; {n} attempts left before the link locks"),
                None => "is wrong".to_string(),
            };
            return Err(Error::validation("passcode", reason));
        }
        404 | 410 => return Err(gone()),
        _ => {}
    }
    let manifest = json_reply(&answer, "reading the link's manifest")?;
    let entries = manifest
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::ShareUnreadable("the manifest lists no files".into()))?;
    let mut files = Vec::new();
    for entry in entries {
        let content_type = entry
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("");
        if content_type != FHIR_JSON && content_type != HEALTH_CARD {
            // Other content (e.g. a SMART API access token) is not a record to show.
            continue;
        }
        if let Some(embedded) = entry.get("embedded").and_then(Value::as_str) {
            files.push(embedded.to_string());
        } else if let Some(location) = entry.get("location").and_then(Value::as_str) {
            files.push(get_jwe(http, location, limits, cancel)?);
        }
    }
    Ok(files)
}

/// GETs one encrypted file (a direct link, or a manifest's location): a dead link is `ShareExpired`.
fn get_jwe(http: &Http, url: &str, limits: &Limits, cancel: &dyn Cancel) -> Result<String> {
    let answer = http.raw(
        RawRequest {
            method: Method::GET,
            url,
            token: None,
            body: None,
            accept: JOSE,
        },
        limits,
        cancel,
    )?;
    match answer.status {
        200..=299 => String::from_utf8(answer.body).map_err(|_| {
            Error::ShareUnreadable("the shared file is not text (a compact JWE)".into())
        }),
        404 | 410 => Err(gone()),
        status => Err(Error::Server {
            status,
            reason: format!("the share host answered HTTP {status}"),
        }),
    }
}

/// The FHIR Bundles in a decrypted file: the Bundle itself, or those inside a SMART Health Card.
fn read_content(plaintext: &[u8], content_type: Option<&str>) -> Result<Vec<Value>> {
    let value: Value = serde_json::from_slice(plaintext)
        .map_err(|_| Error::ShareUnreadable("the shared file is not JSON".into()))?;
    if value.get("resourceType").and_then(Value::as_str) == Some("Bundle") {
        return Ok(vec![value]);
    }
    if let Some(cards) = value.get("verifiableCredential").and_then(Value::as_array) {
        return cards
            .iter()
            .map(|card| {
                card.as_str()
                    .ok_or_else(|| Error::ShareUnreadable("a health card is not a JWS".into()))
                    .and_then(health_card_bundle)
            })
            .collect();
    }
    Err(Error::ShareUnreadable(format!(
        "the shared file ({}) is neither a FHIR Bundle nor a SMART Health Card",
        content_type.unwrap_or("no content type")
    )))
}

/// The FHIR Bundle of a SMART Health Card (a compact JWS whose payload is raw-DEFLATE-compressed
/// JSON). The issuer's signature is not checked: that needs the issuer's published keys.
fn health_card_bundle(jws: &str) -> Result<Value> {
    let bad = |what: &str| Error::ShareUnreadable(format!("a SMART Health Card {what}"));
    let mut parts = jws.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("is not a compact JWS"));
    };
    let compressed = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| bad("payload is not base64url"))?;
    let inflated = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_CARD_BYTES)
        .map_err(|_| bad("payload does not inflate"))?;
    let claims: Value =
        serde_json::from_slice(&inflated).map_err(|_| bad("payload is not JSON"))?;
    claims
        .pointer("/vc/credentialSubject/fhirBundle")
        .cloned()
        .ok_or_else(|| bad("has no FHIR Bundle"))
}
