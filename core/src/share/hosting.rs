//! The citizen's side of the backend's share host (`docs/share-protocol.md`): upload a share's
//! ciphertext, revoke it, read who opened it. Only ciphertext and the share's limits ever go up;
//! the key stays in the link.

use reqwest::Method;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::sync::client::{Answer, Body, Cancel, Http, Limits, RawRequest};

const JSON: &str = "application/json";

/// What `upload` sends besides the ciphertext.
pub struct Upload<'a> {
    /// The backend's patient id of the person shared.
    pub patient_id: &'a str,
    pub file: &'a str,
    pub expires_at: i64,
    pub max_uses: Option<u32>,
    pub label: Option<&'a str>,
    pub passcode: Option<&'a str>,
}

/// The link the backend made: its id (≥ 256 bits of randomness) and the URL the link points at.
pub struct Uploaded {
    pub id: String,
    pub url: String,
    pub flag: String,
}

/// One opening of a link, as the backend logged it.
pub struct LoggedAccess {
    pub recipient: String,
    pub at_ms: i64,
}

pub struct ServerLog {
    pub accesses: Vec<LoggedAccess>,
    pub uses: u32,
    pub revoked: bool,
}

pub fn upload(
    http: &Http,
    server: &str,
    token: &str,
    upload: &Upload,
    limits: &Limits,
    cancel: &dyn Cancel,
) -> Result<Uploaded> {
    let body = json!({
        "person_id": upload.patient_id,
        "file": upload.file,
        "content_type": "application/fhir+json",
        "expires_at": upload.expires_at,
        "max_uses": upload.max_uses,
        "label": upload.label,
        "passcode": upload.passcode,
    });
    let answer = http.raw(
        RawRequest {
            method: Method::POST,
            url: &format!("{server}/shl"),
            token: Some(token),
            body: Some(Body {
                content_type: JSON,
                bytes: body.to_string().into_bytes(),
            }),
            accept: JSON,
        },
        limits,
        cancel,
    )?;
    let reply = json_reply(&answer, "uploading the share")?;
    let text = |field: &str| {
        reply
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::Server {
                status: answer.status,
                reason: format!("the share host's answer has no '{field}'"),
            })
    };
    Ok(Uploaded {
        id: text("id")?,
        url: text("url")?,
        flag: text("flag")?,
    })
}

/// Kills the link on the server at once. A link the server no longer knows is already dead.
pub fn revoke(
    http: &Http,
    server: &str,
    token: &str,
    id: &str,
    limits: &Limits,
    cancel: &dyn Cancel,
) -> Result<()> {
    let answer = http.raw(
        RawRequest {
            method: Method::DELETE,
            url: &format!("{server}/shl/{id}"),
            token: Some(token),
            body: None,
            accept: JSON,
        },
        limits,
        cancel,
    )?;
    match answer.status {
        200..=299 | 404 => Ok(()),
        _ => json_reply(&answer, "revoking the share").map(|_| ()),
    }
}

/// Who opened the link and when; `None` when the server no longer knows it.
pub fn access_log(
    http: &Http,
    server: &str,
    token: &str,
    id: &str,
    limits: &Limits,
    cancel: &dyn Cancel,
) -> Result<Option<ServerLog>> {
    let answer = http.raw(
        RawRequest {
            method: Method::GET,
            url: &format!("{server}/shl/{id}/log"),
            token: Some(token),
            body: None,
            accept: JSON,
        },
        limits,
        cancel,
    )?;
    if answer.status == 404 {
        return Ok(None);
    }
    let reply = json_reply(&answer, "reading the share's access log")?;
    let accesses = reply
        .get("accesses")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|access| {
                    let recipient = access.get("recipient")?.as_str()?.to_string();
                    let at = access.get("at")?.as_str()?;
                    let at_ms = chrono::DateTime::parse_from_rfc3339(at)
                        .ok()?
                        .timestamp_millis();
                    Some(LoggedAccess { recipient, at_ms })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(ServerLog {
        accesses,
        uses: reply
            .get("uses")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(u64::from(u32::MAX)) as u32,
        revoked: reply
            .get("revoked")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }))
}

/// A 2xx JSON answer, or the error its status means.
pub(super) fn json_reply(answer: &Answer, doing: &str) -> Result<Value> {
    let message = || {
        serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|v| {
                v.get("error")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        v.get("issue")?
                            .get(0)?
                            .get("diagnostics")?
                            .as_str()
                            .map(str::to_string)
                    })
            })
            .unwrap_or_else(|| format!("HTTP {}", answer.status))
    };
    match answer.status {
        200..=299 => serde_json::from_slice(&answer.body).map_err(|e| Error::Server {
            status: answer.status,
            reason: format!("{doing}: the answer is not valid JSON ({e})"),
        }),
        401 => Err(Error::AuthExpired(format!("{doing}: {}", message()))),
        status => Err(Error::Server {
            status,
            reason: format!("{doing}: {}", message()),
        }),
    }
}
