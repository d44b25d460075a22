//! The SMART Health Link itself: `shlink:/` followed by the base64url (no padding) of a small JSON
//! payload (`url`, `key`, optional `exp`, `flag`, `label`, `v`), either bare or behind a viewer URL
//! after `#` so that a phone camera opens the viewer and the key never reaches a server (browsers do
//! not send the fragment). This module parses, checks and writes that text; it never fetches `url`.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value};
use zeroize::{Zeroize, Zeroizing};

use super::ShareError;

/// The link scheme, including the single slash the specification uses.
pub const SCHEME: &str = "shlink:/";

/// The specification's limit on `label`, counted in characters (not bytes).
pub const MAX_LABEL_CHARS: usize = 80;

/// The specification's limit on the `url` of a link an application makes.
pub const MAX_URL_CHARS: usize = 128;

/// Writes without padding, reads with or without it: some producers pad, and the key and payload
/// decode to the same bytes either way.
const LENIENT_BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The payload of a `shlink:/` link. The key is wiped from memory when the payload is dropped, and
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct ShlPayload {
    /// Where the encrypted content (flag `U`) or its manifest is fetched from.
    pub url: String,
    /// The 32-byte content key, base64url without padding (43 characters).
    pub key: String,
    /// When the link stops working, in seconds since 1970 (a hint: the server enforces it).
    pub exp: Option<i64>,
    /// Single-letter flags in alphabetical order: `L` long-term, `P` passcode, `U` direct file;
    /// empty for none.
    pub flag: String,
    /// A short description for the person who scans the link, at most 80 characters.
    pub label: Option<String>,
    /// The protocol version; absent means 1.
    pub v: Option<u32>,
}

impl ShlPayload {
    /// The decoded content key; the returned copy is wiped when dropped.
    pub fn key_bytes(&self) -> Result<Zeroizing<[u8; 32]>, ShareError> {
        let decoded =
            Zeroizing::new(LENIENT_BASE64URL.decode(&self.key).map_err(|_| {
                invalid("link.key", "is not base64url; the link was cut or mistyped")
            })?);
        let mut key = Zeroizing::new([0u8; 32]);
        if decoded.len() != key.len() {
            return Err(invalid(
                "link.key",
                format!(
                    "must decode to 32 bytes, it decodes to {}; the link was cut or mistyped",
                    decoded.len()
                ),
            ));
        }
        key.copy_from_slice(&decoded);
        Ok(key)
    }

    /// `U`: `url` serves the single encrypted file directly (GET), no manifest.
    pub fn is_direct_file(&self) -> bool {
        self.flag.contains('U')
    }

    /// `P`: the manifest asks for a passcode the citizen tells the doctor.
    pub fn needs_passcode(&self) -> bool {
        self.flag.contains('P')
    }

    /// `L`: long-term link whose content may change over time.
    pub fn is_long_term(&self) -> bool {
        self.flag.contains('L')
    }

    /// What a link this app makes must satisfy: everything `parse_link` checks, plus a `url` of at
    /// most 128 characters and only the flags L, P and U, each once, in alphabetical order.
    pub fn validate(&self) -> Result<(), ShareError> {
        self.check_readable()?;
        let url_chars = self.url.chars().count();
        if url_chars > MAX_URL_CHARS {
            return Err(invalid(
                "link.url",
                format!("has {url_chars} characters; at most {MAX_URL_CHARS} are allowed"),
            ));
        }
        let known: String = ['L', 'P', 'U']
            .into_iter()
            .filter(|&letter| self.flag.contains(letter))
            .collect();
        if self.flag != known {
            return Err(invalid(
                "link.flag",
                format!(
                    "is `{}`; write each of L, P and U at most once, in that order",
                    self.flag
                ),
            ));
        }
        Ok(())
    }

    /// What a reader needs: a url, a 32-byte key, not both `U` and `P`, a label of at most 80
    /// characters. Flags this app does not know are ignored, as the specification asks of readers.
    fn check_readable(&self) -> Result<(), ShareError> {
        if self.url.trim().is_empty() {
            return Err(invalid(
                "link.url",
                "is empty; the link was cut or mistyped",
            ));
        }
        self.key_bytes()?;
        if self.is_direct_file() && self.needs_passcode() {
            return Err(invalid(
                "link.flag",
                "combines U (direct file) with P (passcode), which the specification forbids",
            ));
        }
        if let Some(label) = &self.label {
            let chars = label.chars().count();
            if chars > MAX_LABEL_CHARS {
                return Err(invalid(
                    "link.label",
                    format!("has {chars} characters; at most {MAX_LABEL_CHARS} are allowed"),
                ));
            }
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("url".into(), self.url.clone().into());
        object.insert("key".into(), self.key.clone().into());
        if let Some(exp) = self.exp {
            object.insert("exp".into(), exp.into());
        }
        if !self.flag.is_empty() {
            object.insert("flag".into(), self.flag.clone().into());
        }
        if let Some(label) = &self.label {
            object.insert("label".into(), label.clone().into());
        }
        if let Some(v) = self.v {
            object.insert("v".into(), v.into());
        }
        Value::Object(object)
    }
}

impl Drop for ShlPayload {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl std::fmt::Debug for ShlPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShlPayload")
            .field("url", &self.url)
            .field("key", &"<hidden>")
            .field("exp", &self.exp)
            .field("flag", &self.flag)
            .field("label", &self.label)
            .field("v", &self.v)
            .finish()
    }
}

/// Reads a link as scanned or pasted: a bare `shlink:/…`, or any viewer URL followed by
/// `#shlink:/…`; whitespace around it is ignored. Unknown payload fields and unknown flags are
/// ignored (the specification asks readers to); known fields of the wrong type are an error naming
/// the field.
pub fn parse_link(text: &str) -> Result<ShlPayload, ShareError> {
    let encoded = link_payload_text(text.trim())?;
    let json = Zeroizing::new(LENIENT_BASE64URL.decode(encoded).map_err(|_| {
        invalid(
            "link",
            "the part after `shlink:/` is not base64url; the link was cut or mistyped",
        )
    })?);
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&json) else {
        return Err(invalid(
            "link",
            "the part after `shlink:/` is not a JSON object; the link was cut or mistyped",
        ));
    };

    let payload = ShlPayload {
        url: required_string(&object, "url")?,
        key: required_string(&object, "key")?,
        exp: expiry(&object)?,
        flag: optional_string(&object, "flag")?.unwrap_or_default(),
        label: optional_string(&object, "label")?,
        v: version(&object)?,
    };
    payload.check_readable()?;
    Ok(payload)
}

/// Writes `shlink:/` + base64url(compact JSON), behind `viewer_url#` when given. The payload is
/// written as is: call `validate` first for one that did not come from `parse_link`.
pub fn format_link(payload: &ShlPayload, viewer_url: Option<&str>) -> String {
    let json = Zeroizing::new(payload.to_json().to_string());
    let link = format!("{SCHEME}{}", URL_SAFE_NO_PAD.encode(json.as_bytes()));
    match viewer_url {
        Some(viewer) => format!("{}#{link}", viewer.trim_end_matches('#')),
        None => link,
    }
}

/// A fresh random 32-byte content key from the system's secure generator.
pub fn new_key() -> Result<[u8; 32], ShareError> {
    let mut key = [0u8; 32];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| ShareError::Random)?;
    Ok(key)
}

/// The key as the payload's `key` field: 43 characters of base64url without padding.
pub fn encode_key(key: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The base64url text after `shlink:/`, found at the start or right after the first `#`.
fn link_payload_text(text: &str) -> Result<&str, ShareError> {
    let link = match text.split_once('#') {
        Some((_viewer, fragment)) => fragment,
        None => text,
    };
    match link.get(..SCHEME.len()) {
        Some(scheme) if scheme.eq_ignore_ascii_case(SCHEME) => Ok(&link[SCHEME.len()..]),
        _ => Err(invalid(
            "link",
            "is not a SMART Health Link: expected `shlink:/…` or a viewer URL followed by `#shlink:/…`",
        )),
    }
}

fn required_string(object: &Map<String, Value>, name: &str) -> Result<String, ShareError> {
    optional_string(object, name)?.ok_or_else(|| {
        invalid(
            format!("link.{name}"),
            "is missing; the link was cut or mistyped",
        )
    })
}

fn optional_string(object: &Map<String, Value>, name: &str) -> Result<Option<String>, ShareError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(invalid(
            format!("link.{name}"),
            format!("must be a string, not {}", json_kind(other)),
        )),
    }
}

/// `exp` is a number of seconds since 1970. A string (even of digits) is refused rather than
/// guessed at: the specification's own example writes milliseconds in a string.
fn expiry(object: &Map<String, Value>) -> Result<Option<i64>, ShareError> {
    let reason = |found: &str| {
        invalid(
            "link.exp",
            format!("must be a number of seconds since 1970, not {found}"),
        )
    };
    match object.get("exp") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => match (number.as_i64(), number.as_f64()) {
            (Some(seconds), _) => Ok(Some(seconds)),
            (None, Some(seconds)) if seconds.fract() == 0.0 && seconds.abs() < i64::MAX as f64 => {
                Ok(Some(seconds as i64))
            }
            _ => Err(reason("a fraction or an out-of-range number")),
        },
        Some(other) => Err(reason(json_kind(other))),
    }
}

fn version(object: &Map<String, Value>) -> Result<Option<u32>, ShareError> {
    match object.get("v") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    "link.v",
                    format!(
                        "must be a whole protocol version number, not {}",
                        json_kind(value)
                    ),
                )
            }),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "that number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ShareError {
    ShareError::InvalidLink {
        field: field.into(),
        reason: reason.into(),
    }
}
