//! The creator's side of a link: revoking it and reading its access log. Only the citizen whose
//! token made the link (for a child's book, the guardian who shared it) may do either; to anyone
//! else the link does not exist (404, the same answer as for an unknown id).

use chrono::{SecondsFormat, TimeZone, Utc};
use healthbook_core::model::time::vietnam_offset;
use serde_json::{json, Value};

use super::{is_link_id, ShareError};
use crate::http::citizen_of;
use crate::storage::{Reader, Storage, StoredShare};

/// The link `link_id` if the token's citizen made it.
fn own_share(
    reader: &dyn Reader,
    token: Option<&str>,
    link_id: &str,
) -> Result<StoredShare, ShareError> {
    let citizen = citizen_of(reader, token)?;
    if !is_link_id(link_id) {
        return Err(ShareError::Gone);
    }
    reader
        .share(link_id)?
        .filter(|share| share.creator_id == citizen.patient_id)
        .ok_or(ShareError::Gone)
}

/// `DELETE /shl/<id>`: the link stops serving at once and its file is dropped. Revoking a link
/// again changes nothing.
pub fn revoke(storage: &dyn Storage, token: Option<&str>, link_id: &str) -> Result<(), ShareError> {
    let mut writer = storage.write()?;
    let share = own_share(&*writer, token, link_id)?;
    writer.revoke_share(&share.id)?;
    writer.commit()?;
    Ok(())
}

/// `GET /shl/<id>/log`: `{"accesses": [{"recipient", "at"}], "uses", "revoked", "expires_at"}`,
/// times in RFC 3339 at Vietnam's offset.
pub fn access_log(
    storage: &dyn Storage,
    token: Option<&str>,
    link_id: &str,
) -> Result<Value, ShareError> {
    let reader = storage.read()?;
    let share = own_share(&*reader, token, link_id)?;
    let accesses: Vec<Value> = reader
        .share_accesses(&share.id)?
        .into_iter()
        .map(|access| {
            let at = Utc
                .timestamp_millis_opt(access.at_ms)
                .single()
                .map(|at| {
                    at.with_timezone(&vietnam_offset())
                        .to_rfc3339_opts(SecondsFormat::Secs, false)
                })
                .unwrap_or_default();
            json!({ "recipient": access.recipient, "at": at })
        })
        .collect();
    Ok(json!({
        "accesses": accesses,
        "uses": share.uses,
        "revoked": share.revoked,
        "expires_at": share.expires_at,
    }))
}
