//! Serving a link's file to a viewer: directly (`GET /shl/<id>?recipient=`, flag U), through the
//! manifest (`POST /shl/<id>`, with the passcode for flag P), and through a manifest's one-time
//! `location`. Every successful fetch counts one use and logs the recipient; every refusal of a
//! link is the same [`ShareError::Gone`].
//!
//! Wrong passcodes are counted by one conditional `UPDATE` inside the write transaction, so
//! however many guesses arrive at once no more than the limit are ever counted, and a link that
//! reached it answers like any other dead link, to the right passcode too. A passcode is checked
//! (PBKDF2, deliberately slow) outside the write transaction, so guessing does not hold up writes.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;

use super::passcode::passcode_matches;
use super::{is_active, is_link_id, ShareError};
use crate::auth::sha256;
use crate::outcome::ApiError;
use crate::storage::{ShareAccess, ShareTicket, Storage, StoredShare, Writer};

/// The longest recipient name (characters) kept in the access log.
pub const MAX_RECIPIENT_CHARS: usize = 200;
/// How long a manifest's `location` works (once).
pub const TICKET_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// The recipient a viewer names: required, one line, at most [`MAX_RECIPIENT_CHARS`].
pub fn read_recipient(value: Option<&str>) -> Result<String, ShareError> {
    let recipient = value.map(str::trim).unwrap_or_default();
    if recipient.is_empty() {
        return Err(ShareError::invalid(
            "recipient",
            "is required: the name of the person or desk opening the link",
        ));
    }
    if recipient.chars().count() > MAX_RECIPIENT_CHARS || recipient.chars().any(char::is_control) {
        return Err(ShareError::invalid(
            "recipient",
            format!("must be one line of at most {MAX_RECIPIENT_CHARS} characters"),
        ));
    }
    Ok(recipient.to_string())
}

/// A manifest request: `{"recipient", "passcode"?, "embeddedLengthMax"?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestRequest {
    pub recipient: String,
    pub passcode: Option<String>,
    pub embedded_length_max: Option<u64>,
}

pub fn read_manifest_request(body: &[u8]) -> Result<ManifestRequest, ShareError> {
    let request: Value = serde_json::from_slice(body).map_err(|_| {
        ShareError::invalid(
            "body",
            "is not a JSON object: send {\"recipient\": \"<name>\", \"passcode\": \"…\"}",
        )
    })?;
    let recipient = read_recipient(request.get("recipient").and_then(Value::as_str))?;
    let passcode = match request.get("passcode") {
        None | Some(Value::Null) => None,
        Some(Value::String(passcode)) => Some(passcode.clone()),
        Some(_) => return Err(ShareError::invalid("passcode", "must be a string")),
    };
    let embedded_length_max = match request.get("embeddedLengthMax") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_u64().ok_or_else(|| {
            ShareError::invalid("embeddedLengthMax", "must be a whole number of characters")
        })?),
    };
    Ok(ManifestRequest {
        recipient,
        passcode,
        embedded_length_max,
    })
}

/// How a manifest hands over the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The JWE itself, in `embedded`.
    Embedded(String),
    /// A one-time ticket for `GET /shl/<id>/file/<ticket>`, in `location`.
    Location { ticket: String },
}

/// A manifest's one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub content_type: String,
    pub delivery: Delivery,
}

/// The active link `link_id` as of a snapshot, or gone.
fn active_share(
    storage: &dyn Storage,
    link_id: &str,
    now_ms: i64,
    attempts: u32,
) -> Result<StoredShare, ShareError> {
    if !is_link_id(link_id) {
        return Err(ShareError::Gone);
    }
    storage
        .read()?
        .share(link_id)?
        .filter(|share| is_active(share, now_ms.div_euclid(1000), attempts))
        .ok_or(ShareError::Gone)
}

/// Inside the write transaction: the link if it is still active, then one use and the access.
fn take_use(
    writer: &mut dyn Writer,
    link_id: &str,
    recipient: String,
    now_ms: i64,
    attempts: u32,
) -> Result<StoredShare, ShareError> {
    let share = writer
        .share(link_id)?
        .filter(|share| is_active(share, now_ms.div_euclid(1000), attempts))
        .ok_or(ShareError::Gone)?;
    writer.add_share_use(
        link_id,
        &ShareAccess {
            recipient,
            at_ms: now_ms,
        },
    )?;
    Ok(share)
}

/// `GET /shl/<id>?recipient=`: the file of an active link without a passcode.
pub fn fetch_direct(
    storage: &dyn Storage,
    link_id: &str,
    recipient: String,
    now_ms: i64,
    attempts: u32,
) -> Result<String, ShareError> {
    if active_share(storage, link_id, now_ms, attempts)?
        .passcode
        .is_some()
    {
        return Err(ShareError::Gone);
    }
    let mut writer = storage.write()?;
    let share = take_use(&mut *writer, link_id, recipient, now_ms, attempts)?;
    let file = share.file.ok_or(ShareError::Gone)?;
    writer.commit()?;
    Ok(file)
}

/// `POST /shl/<id>`: the manifest of an active link, after its passcode if it has one.
pub fn manifest(
    storage: &dyn Storage,
    link_id: &str,
    request: ManifestRequest,
    now_ms: i64,
    attempts: u32,
) -> Result<Manifest, ShareError> {
    let share = active_share(storage, link_id, now_ms, attempts)?;
    if let Some(stored) = &share.passcode {
        let Some(passcode) = request.passcode.as_deref() else {
            // Nothing was guessed, so nothing is counted.
            return Err(ShareError::WrongPasscode {
                remaining: i64::from(attempts) - share.failed_attempts,
            });
        };
        if !passcode_matches(passcode, stored) {
            let mut writer = storage.write()?;
            let still_active = writer
                .share(link_id)?
                .is_some_and(|share| is_active(&share, now_ms.div_euclid(1000), attempts));
            if !still_active {
                return Err(ShareError::Gone);
            }
            let counted = writer.count_failed_passcode(link_id, i64::from(attempts))?;
            writer.commit()?;
            return match counted {
                Some(failed) => Err(ShareError::WrongPasscode {
                    remaining: i64::from(attempts) - failed,
                }),
                None => Err(ShareError::Gone),
            };
        }
    }
    let mut writer = storage.write()?;
    let share = take_use(&mut *writer, link_id, request.recipient, now_ms, attempts)?;
    let file = share.file.ok_or(ShareError::Gone)?;
    let delivery = match request.embedded_length_max {
        Some(max) if file.len() as u64 > max => {
            let ticket = new_ticket()?;
            writer.put_share_ticket(
                &sha256(ticket.as_bytes()),
                &ShareTicket {
                    link_id: link_id.to_string(),
                    expires_at_ms: now_ms + TICKET_LIFETIME_MS,
                },
            )?;
            Delivery::Location { ticket }
        }
        _ => Delivery::Embedded(file),
    };
    writer.commit()?;
    Ok(Manifest {
        content_type: share.content_type,
        delivery,
    })
}

/// `GET /shl/<id>/file/<ticket>`: the file a manifest pointed to, once, while the link is
/// neither revoked nor expired (the manifest already counted the use).
pub fn fetch_ticket(
    storage: &dyn Storage,
    link_id: &str,
    ticket: &str,
    now_ms: i64,
) -> Result<String, ShareError> {
    if !is_link_id(link_id) || !is_link_id(ticket) {
        return Err(ShareError::Gone);
    }
    let mut writer = storage.write()?;
    let valid = writer
        .take_share_ticket(&sha256(ticket.as_bytes()), now_ms)?
        .is_some_and(|t| t.link_id == link_id && t.expires_at_ms > now_ms);
    let file = match valid {
        true => writer
            .share(link_id)?
            .filter(|share| !share.revoked && now_ms.div_euclid(1000) < share.expires_at)
            .and_then(|share| share.file),
        false => None,
    };
    // The ticket is spent whatever the outcome.
    writer.commit()?;
    file.ok_or(ShareError::Gone)
}

fn new_ticket() -> Result<String, ShareError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ApiError::internal("the system's random source failed"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipient_is_required_on_one_line() {
        assert_eq!(
            read_recipient(Some("  Quầy tiếp đón ")).expect("valid"),
            "Quầy tiếp đón"
        );
        for wrong in [None, Some(""), Some("   "), Some("a\nb")] {
            assert!(read_recipient(wrong).is_err(), "{wrong:?}");
        }
        assert!(read_recipient(Some(&"x".repeat(MAX_RECIPIENT_CHARS + 1))).is_err());
    }

    #[test]
    fn a_manifest_request_is_read_with_its_optional_fields() {
        let request = read_manifest_request(
            br#"{"recipient": "Dr. An", "passcode": "2468", "embeddedLengthMax": 1000}"#,
        )
        .expect("valid");
        assert_eq!(
            request,
            ManifestRequest {
                recipient: "Dr. An".into(),
                passcode: Some("2468".into()),
                embedded_length_max: Some(1000),
            }
        );
        let minimal = read_manifest_request(br#"{"recipient": "Dr. An"}"#).expect("valid");
        assert_eq!(minimal.passcode, None);
        assert_eq!(minimal.embedded_length_max, None);
        for wrong in [
            &br#"{}"#[..],
            br#"{"recipient": "Dr. An", "passcode": 2468}"#,
            br#"{"recipient": "Dr. An", "embeddedLengthMax": -1}"#,
            b"[",
        ] {
            assert!(read_manifest_request(wrong).is_err());
        }
    }
}
