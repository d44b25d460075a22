//! The doctor's side: opens a SMART Health Link (bare `shlink:/…` or behind a viewer URL; flags `U`,
//! `L`, `P`; a direct file or a manifest with embedded or located files; `zip: DEF` or not), decrypts
//! what it points at with the key in the link, and reads the FHIR Bundles inside. Also reads SMART
//! Health Card files (the specification's own example), without checking the issuer's signature.
//!
//! A link is input from anyone who can put a QR code in front of the doctor's camera, so opening
//! one is bounded: `https` only (plain `http` only to this device), redirects only on the same
//! origin (the HTTP client's policy), at most `MAX_FILES` files, `MAX_DOWNLOAD_BYTES` downloaded and
//! `MAX_CONTENT_BYTES` decrypted and inflated in all, and every wait on the network ends when the
//! call is cancelled. Every URL is checked before the first request is made.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use miniz_oxide::inflate::TINFLStatus;
use reqwest::Method;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::hosting::json_reply;
use super::jwe;
use super::link::{parse_link, ShlPayload};
use super::ShareError;
use crate::error::{Error, Result};
use crate::sync::client::{checked_url, Answer, Body, Cancel, Http, Limits, RawRequest};
use crate::sync::wire::percent_encode;

const JOSE: &str = "application/jose";
const FHIR_JSON: &str = "application/fhir+json";
const HEALTH_CARD: &str = "application/smart-health-card";
/// A SMART Health Card payload inflates to at most this much.
const MAX_CARD_BYTES: usize = 4 * 1024 * 1024;
const MIB: usize = 1024 * 1024;
/// The most files one link's manifest may list (counting those with a FHIR Bundle or SMART Health
/// Card, the only ones read). A share this app makes has one.
pub const MAX_FILES: usize = 20;
/// The most bytes opening one link downloads: the manifest and every file together. A share this
/// app makes is one file, and the backend takes at most 5 MiB.
pub const MAX_DOWNLOAD_BYTES: u64 = 40 * MIB as u64;
/// The most bytes the files of one link hold in all once decrypted and inflated, SMART Health
/// Cards inside them included (one file may inflate to at most `jwe::MAX_INFLATED_LEN`, 16 MiB).
/// The largest International Patient Summary samples are about 260 KB.
pub const MAX_CONTENT_BYTES: usize = 32 * MIB;

/// What opening one link has used so far of its bounds.
#[derive(Default)]
struct Budget {
    downloaded: u64,
    content: usize,
}

impl Budget {
    fn content_left(&self) -> usize {
        MAX_CONTENT_BYTES.saturating_sub(self.content)
    }

    fn too_much_content() -> Error {
        Error::ShareUnreadable(format!(
            "the link's files hold more than {MAX_CONTENT_BYTES} bytes (32 MiB) in all once \
             decrypted and inflated, more than a shared health record needs; it was not opened"
        ))
    }

    fn too_much_download() -> Error {
        Error::ShareUnreadable(format!(
            "the link's manifest and files are larger than {MAX_DOWNLOAD_BYTES} bytes (40 MiB) in \
             all, more than a shared health record needs; it was not opened"
        ))
    }
}

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
    // Before any request: where the link points must be https (or this device).
    checked_url(&payload.url).map_err(|reason| {
        Error::validation("link.url", format!("{reason}; the link was not opened"))
    })?;
    let key = Zeroizing::new(
        URL_SAFE_NO_PAD
            .decode(payload.key.as_bytes())
            .map_err(|_| Error::validation("link.key", "is not base64url; the link is damaged"))?,
    );
    let mut budget = Budget::default();
    let files = if payload.flag.contains('U') {
        vec![get_file(
            http,
            &payload.url,
            recipient,
            limits,
            &mut budget,
            cancel,
        )?]
    } else {
        manifest_files(
            http,
            &payload,
            recipient,
            passcode,
            limits,
            &mut budget,
            cancel,
        )?
    };
    let mut bundles = Vec::new();
    for file in files {
        if cancel.cancelled() {
            return Err(Error::Cancelled);
        }
        bundles.extend(read_bounded_file(&file, &key, &mut budget)?);
    }
    if cancel.cancelled() {
        return Err(Error::Cancelled);
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
    read_bounded_file(file, key, &mut Budget::default())
}

/// `read_file` within what is left of the link's content budget.
fn read_bounded_file(file: &str, key: &[u8], budget: &mut Budget) -> Result<Vec<Value>> {
    let left = budget.content_left();
    let decrypted = match jwe::decrypt_at_most(file.trim(), key, left) {
        // Over what is left for the link, not over the bound of one file.
        Err(ShareError::TooLarge { limit }) if limit < jwe::MAX_INFLATED_LEN => {
            return Err(Budget::too_much_content())
        }
        other => other?,
    };
    budget.content += decrypted.plaintext.len();
    read_content(
        &decrypted.plaintext,
        decrypted.content_type.as_deref(),
        budget,
    )
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
    budget: &mut Budget,
    cancel: &dyn Cancel,
) -> Result<String> {
    let separator = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{separator}recipient={}", percent_encode(recipient));
    get_jwe(http, &url, limits, budget, cancel)
}

/// One request within what is left of the link's download budget.
fn fetch(
    http: &Http,
    request: RawRequest,
    limits: &Limits,
    budget: &mut Budget,
    cancel: &dyn Cancel,
) -> Result<Answer> {
    let left = MAX_DOWNLOAD_BYTES.saturating_sub(budget.downloaded);
    if left == 0 {
        return Err(Budget::too_much_download());
    }
    let bounded = Limits {
        max_response_bytes: limits.max_response_bytes.min(left),
        ..limits.clone()
    };
    let answer = http
        .raw(request, &bounded, cancel)
        .map_err(|error| match error {
            // `raw` gives back any final status as an answer: a `Server` error with a success
            // status is an answer over the size bound, here the link's budget.
            Error::Server { status, .. }
                if (200..300).contains(&status) && left < limits.max_response_bytes =>
            {
                Budget::too_much_download()
            }
            other => other,
        })?;
    budget.downloaded += answer.body.len() as u64;
    Ok(answer)
}

/// Without `U`: POST the manifest request, then take each file embedded or from its location.
fn manifest_files(
    http: &Http,
    payload: &ShlPayload,
    recipient: &str,
    passcode: Option<&str>,
    limits: &Limits,
    budget: &mut Budget,
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
    let answer = fetch(
        http,
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
        budget,
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
    // Other content (e.g. a SMART API access token) is not a record to show.
    let readable: Vec<&Value> = entries
        .iter()
        .filter(|entry| {
            let content_type = entry.get("contentType").and_then(Value::as_str);
            content_type == Some(FHIR_JSON) || content_type == Some(HEALTH_CARD)
        })
        .collect();
    if readable.len() > MAX_FILES {
        return Err(Error::ShareUnreadable(format!(
            "the manifest lists {} files; at most {MAX_FILES} are read from one link, and a \
             shared health record needs one; it was not opened",
            readable.len()
        )));
    }
    // Every location is checked before the first file is fetched.
    for entry in &readable {
        if entry.get("embedded").and_then(Value::as_str).is_some() {
            continue;
        }
        if let Some(location) = entry.get("location").and_then(Value::as_str) {
            checked_url(location).map_err(|reason| {
                Error::ShareUnreadable(format!(
                    "the manifest lists a file whose location {reason}; no file was fetched"
                ))
            })?;
        }
    }
    let mut files = Vec::new();
    for entry in readable {
        if let Some(embedded) = entry.get("embedded").and_then(Value::as_str) {
            files.push(embedded.to_string());
        } else if let Some(location) = entry.get("location").and_then(Value::as_str) {
            files.push(get_jwe(http, location, limits, budget, cancel)?);
        }
    }
    Ok(files)
}

/// GETs one encrypted file (a direct link, or a manifest's location): a dead link is `ShareExpired`.
fn get_jwe(
    http: &Http,
    url: &str,
    limits: &Limits,
    budget: &mut Budget,
    cancel: &dyn Cancel,
) -> Result<String> {
    let answer = fetch(
        http,
        RawRequest {
            method: Method::GET,
            url,
            token: None,
            body: None,
            accept: JOSE,
        },
        limits,
        budget,
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
fn read_content(
    plaintext: &[u8],
    content_type: Option<&str>,
    budget: &mut Budget,
) -> Result<Vec<Value>> {
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
                    .and_then(|jws| health_card_bundle(jws, budget))
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
fn health_card_bundle(jws: &str, budget: &mut Budget) -> Result<Value> {
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
    let left = budget.content_left();
    let limit = MAX_CARD_BYTES.min(left);
    let inflated = match miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, limit) {
        Ok(inflated) => inflated,
        Err(e) if e.status == TINFLStatus::HasMoreOutput && left < MAX_CARD_BYTES => {
            return Err(Budget::too_much_content())
        }
        Err(_) => return Err(bad("payload does not inflate")),
    };
    budget.content += inflated.len();
    let claims: Value =
        serde_json::from_slice(&inflated).map_err(|_| bad("payload is not JSON"))?;
    claims
        .pointer("/vc/credentialSubject/fhirBundle")
        .cloned()
        .ok_or_else(|| bad("has no FHIR Bundle"))
}
