//! `POST /shl`: a citizen's phone uploads the ciphertext of a share. Owns what an upload must
//! say (each field's rule, named when broken), that the person is one the token reaches, and
//! storing the new link. The file is checked to look like a compact JWE of the agreed algorithms
//! and is otherwise opaque: the server cannot read it and never tries.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use serde_json::{Map, Value};

use super::passcode::hash_passcode;
use super::{
    new_link_id, ShareError, CONTENT_TYPES, LOG_RETENTION_SECS, MAX_FILE_BYTES, MAX_LIFETIME_SECS,
    MAX_LIVE_SHARES, MAX_LIVE_SHARE_BYTES,
};
use crate::clock;
use crate::guardians::visible_people;
use crate::outcome::ApiError;
use crate::storage::{Storage, StoredPerson, StoredShare};

/// The longest label (characters), as in the SMART Health Links payload.
pub const MAX_LABEL_CHARS: usize = 80;
/// Passcode length in characters.
pub const MIN_PASSCODE_CHARS: usize = 4;
pub const MAX_PASSCODE_CHARS: usize = 128;
/// The most uses a link may allow.
pub const MAX_USES: i64 = 10_000;

/// An upload as read from its JSON body, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub person_id: String,
    pub file: String,
    pub content_type: String,
    pub expires_at: i64,
    pub max_uses: Option<i64>,
    pub label: Option<String>,
    pub passcode: Option<String>,
}

/// Reads and checks an upload body at `now` (unix seconds).
pub fn read_upload(body: &[u8], now: i64) -> Result<Upload, ShareError> {
    let request = serde_json::from_slice::<Value>(body).map_err(|e| {
        // Position only: serde's message could quote the body.
        ShareError::invalid(
            "body",
            format!(
                "is not valid JSON ({:?} error at line {}, column {}); send {{\"person_id\", \"file\", \"content_type\", \"expires_at\", …}}",
                e.classify(),
                e.line(),
                e.column()
            ),
        )
    })?;
    let Value::Object(fields) = request else {
        return Err(ShareError::invalid("body", "must be a JSON object"));
    };

    let person_id = required_text(&fields, "person_id")?;
    let file = required_text(&fields, "file")?;
    if file.len() > MAX_FILE_BYTES {
        return Err(ShareError::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    check_compact_jwe(&file)?;

    let content_type = match optional_text(&fields, "content_type")? {
        None => CONTENT_TYPES[0].to_string(),
        Some(kind) if CONTENT_TYPES.contains(&kind.as_str()) => kind,
        Some(_) => {
            return Err(ShareError::invalid(
                "content_type",
                format!("must be one of {}", CONTENT_TYPES.join(", ")),
            ))
        }
    };

    let expires_at = fields
        .get("expires_at")
        .and_then(Value::as_i64)
        .ok_or_else(|| {
            ShareError::invalid("expires_at", "is required: the expiry as unix seconds")
        })?;
    if expires_at <= now {
        return Err(ShareError::invalid(
            "expires_at",
            "is not in the future: give the link a lifetime of up to 24 hours from now",
        ));
    }
    if expires_at > now + MAX_LIFETIME_SECS {
        return Err(ShareError::invalid(
            "expires_at",
            "is more than 24 hours ahead: a share link lives at most 24 hours",
        ));
    }

    let max_uses = match fields.get("max_uses") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_i64()
                .filter(|n| (1..=MAX_USES).contains(n))
                .ok_or_else(|| {
                    ShareError::invalid(
                        "max_uses",
                        format!("must be null or a whole number from 1 to {MAX_USES}"),
                    )
                })?,
        ),
    };

    let label = optional_text(&fields, "label")?;
    if let Some(label) = &label {
        if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            return Err(ShareError::invalid(
                "label",
                format!("must be at most {MAX_LABEL_CHARS} characters on one line"),
            ));
        }
    }

    let passcode = optional_text(&fields, "passcode")?;
    if let Some(passcode) = &passcode {
        let length = passcode.chars().count();
        if !(MIN_PASSCODE_CHARS..=MAX_PASSCODE_CHARS).contains(&length) {
            return Err(ShareError::invalid(
                "passcode",
                format!("must be null or {MIN_PASSCODE_CHARS} to {MAX_PASSCODE_CHARS} characters"),
            ));
        }
    }

    Ok(Upload {
        person_id,
        file,
        content_type,
        expires_at,
        max_uses,
        label,
        passcode,
    })
}

fn required_text(fields: &Map<String, Value>, name: &'static str) -> Result<String, ShareError> {
    match fields.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        _ => Err(ShareError::invalid(
            name,
            "is required and must be a non-empty string",
        )),
    }
}

fn optional_text(
    fields: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, ShareError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ShareError::invalid(name, "must be a string or null")),
    }
}

/// A compact JWE of the agreed shape: five base64url parts; a protected header that is a JSON
/// object with `alg` `dir` and `enc` `A256GCM`; no encrypted key (`dir`); a 96-bit IV; a
/// ciphertext; a 128-bit tag. Nothing is decrypted.
pub fn check_compact_jwe(file: &str) -> Result<(), ShareError> {
    let wrong = |reason: &str| {
        ShareError::invalid(
            "file",
            format!("is not a compact JWE with alg dir and enc A256GCM: {reason}"),
        )
    };
    let parts: Vec<&str> = file.split('.').collect();
    let [header, key, iv, ciphertext, tag] = parts[..] else {
        return Err(wrong("it needs 5 parts separated by dots"));
    };
    let decode = |part: &str, name: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| wrong(&format!("the {name} is not base64url without padding")))
    };
    let header: Value = serde_json::from_slice(&decode(header, "protected header")?)
        .map_err(|_| wrong("the protected header is not JSON"))?;
    if header.get("alg").and_then(Value::as_str) != Some("dir")
        || header.get("enc").and_then(Value::as_str) != Some("A256GCM")
    {
        return Err(wrong(
            "the protected header must say \"alg\": \"dir\", \"enc\": \"A256GCM\"",
        ));
    }
    if !key.is_empty() {
        return Err(wrong("with alg dir the encrypted key part is empty"));
    }
    if decode(iv, "IV")?.len() != 12 {
        return Err(wrong("the IV must be 96 bits"));
    }
    if decode(ciphertext, "ciphertext")?.is_empty() {
        return Err(wrong("the ciphertext is empty"));
    }
    if decode(tag, "tag")?.len() != 16 {
        return Err(wrong("the authentication tag must be 128 bits"));
    }
    Ok(())
}

/// A stored link, as the upload's answer describes it.
pub struct Created {
    pub id: String,
    pub flag: &'static str,
    pub expires_at: i64,
}

/// Stores the upload in `body` as a new link made by `citizen` (whose token was checked) for a
/// person the token reaches (403 otherwise). Expired links' files are dropped on the way,
/// long-expired links forgotten.
pub fn create_share(
    storage: &dyn Storage,
    citizen: StoredPerson,
    body: &[u8],
    age_limit: u32,
    now: i64,
) -> Result<Created, ShareError> {
    let upload = {
        let reader = storage.read()?;
        let upload = read_upload(body, now)?;
        let reached = visible_people(&*reader, &citizen, clock::today(), age_limit)?
            .iter()
            .any(|v| v.patient_id() == upload.person_id);
        if !reached {
            return Err(ApiError::forbidden(
                "person_id",
                "this token does not reach that person: a citizen can share their own book and those of the children in their care under the age limit",
            )
            .into());
        }
        upload
    };
    let random = SystemRandom::new();
    let passcode = upload
        .passcode
        .as_deref()
        .map(|passcode| hash_passcode(passcode, &random))
        .transpose()
        .map_err(|_| ApiError::internal("the system's random source failed"))?;
    let share = StoredShare {
        id: new_link_id(&random)?,
        creator_id: citizen.patient_id,
        person_id: upload.person_id,
        file: Some(upload.file),
        content_type: upload.content_type,
        label: upload.label,
        expires_at: upload.expires_at,
        max_uses: upload.max_uses,
        uses: 0,
        revoked: false,
        passcode,
        failed_attempts: 0,
        created_at: now,
    };
    let mut writer = storage.write()?;
    writer.prune_shares(now, now - LOG_RETENTION_SECS)?;
    // Counted inside the write transaction: uploads arriving at once cannot pass it together.
    let live = writer.live_shares_of(&share.creator_id, now)?;
    let size = share.file.as_ref().map_or(0, String::len) as i64;
    if live.count >= MAX_LIVE_SHARES || live.bytes + size > MAX_LIVE_SHARE_BYTES {
        let wait = live.first_expiry.map_or(MAX_LIFETIME_SECS, |at| at - now);
        return Err(ShareError::QuotaReached {
            retry_after_secs: wait.max(1) as u64,
        });
    }
    writer.put_share(&share)?;
    writer.commit()?;
    Ok(Created {
        flag: super::flag(&share),
        id: share.id,
        expires_at: share.expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_750_000_000;

    fn jwe() -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#);
        format!(
            "{header}..{}.{}.{}",
            URL_SAFE_NO_PAD.encode([1u8; 12]),
            URL_SAFE_NO_PAD.encode([2u8; 40]),
            URL_SAFE_NO_PAD.encode([3u8; 16])
        )
    }

    fn body(changes: Value) -> Vec<u8> {
        let mut request = json!({
            "person_id": "p1",
            "file": jwe(),
            "content_type": "application/fhir+json",
            "expires_at": NOW + 3600,
            "max_uses": null,
            "label": null,
            "passcode": null,
        });
        for (key, value) in changes.as_object().expect("object") {
            request[key] = value.clone();
        }
        request.to_string().into_bytes()
    }

    fn field_of(error: ShareError) -> String {
        match error {
            ShareError::Invalid { field, .. } => field.to_string(),
            other => format!("not a 400: {other}"),
        }
    }

    #[test]
    fn a_complete_upload_is_read() {
        let upload = read_upload(
            &body(json!({ "max_uses": 3, "label": "Khám ở Bạch Mai", "passcode": "2468" })),
            NOW,
        )
        .expect("valid");
        assert_eq!(upload.person_id, "p1");
        assert_eq!(upload.file, jwe());
        assert_eq!(upload.expires_at, NOW + 3600);
        assert_eq!(upload.max_uses, Some(3));
        assert_eq!(upload.label.as_deref(), Some("Khám ở Bạch Mai"));
        assert_eq!(upload.passcode.as_deref(), Some("2468"));
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let long_label = "x".repeat(81);
        for (changes, field) in [
            (json!({ "person_id": "" }), "person_id"),
            (json!({ "file": 5 }), "file"),
            (json!({ "file": "a.b.c.d" }), "file"),
            (json!({ "content_type": "text/plain" }), "content_type"),
            (json!({ "expires_at": NOW }), "expires_at"),
            (json!({ "expires_at": NOW - 10 }), "expires_at"),
            (json!({ "expires_at": NOW + 24 * 3600 + 1 }), "expires_at"),
            (json!({ "expires_at": "tomorrow" }), "expires_at"),
            (json!({ "max_uses": 0 }), "max_uses"),
            (json!({ "max_uses": "3" }), "max_uses"),
            (json!({ "label": long_label }), "label"),
            (json!({ "passcode": "12" }), "passcode"),
            (json!({ "passcode": 1234 }), "passcode"),
        ] {
            let error = read_upload(&body(changes.clone()), NOW).expect_err("invalid");
            assert_eq!(field_of(error), field, "{changes}");
        }
        assert_eq!(
            field_of(read_upload(b"not json", NOW).expect_err("invalid")),
            "body"
        );
    }

    #[test]
    fn a_file_over_the_limit_is_too_large() {
        let big = format!("{}{}", jwe(), "A".repeat(MAX_FILE_BYTES));
        let error = read_upload(&body(json!({ "file": big })), NOW).expect_err("too large");
        assert!(matches!(error, ShareError::TooLarge { .. }), "{error}");
    }

    #[test]
    fn only_compact_jwes_of_dir_and_a256gcm_pass() {
        assert!(check_compact_jwe(&jwe()).is_ok());
        let other_alg = URL_SAFE_NO_PAD.encode(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#);
        let parts: Vec<String> = jwe().split('.').map(str::to_string).collect();
        for wrong in [
            format!("{other_alg}..{}.{}.{}", parts[2], parts[3], parts[4]),
            format!("{}.a2V5.{}.{}.{}", parts[0], parts[2], parts[3], parts[4]),
            format!("{}..{}.{}.{}", parts[0], "AAAA", parts[3], parts[4]),
            format!("{}..{}..{}", parts[0], parts[2], parts[4]),
            format!("{}..{}.{}.AAAA", parts[0], parts[2], parts[3]),
            format!("{}..{}.{}.{}=", parts[0], parts[2], parts[3], parts[4]),
            "eyJ9..a.b.c".to_string(),
            "a.b.c.d.e.f".to_string(),
        ] {
            assert!(check_compact_jwe(&wrong).is_err(), "{wrong}");
        }
    }
}
