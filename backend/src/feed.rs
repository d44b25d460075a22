//! The change feed (`GET /fhir/$changes`): what changed in the books a citizen's token reaches,
//! one person per page, in `seq` order. The cursor is opaque to clients: base64url of a JSON
//! object `{ patient id: last seq seen }`; a person missing from it starts from 0, so a child
//! newly linked to a guardian arrives whole. The page is built in one storage snapshot.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use healthbook_core::model::CalendarDate;
use healthbook_core::sync::wire::{ChangeBody, FeedPage, RecordChange, PAGE_SIZE_MAX};

use crate::guardians::{visible_people, Visible};
use crate::outcome::ApiError;
use crate::storage::{Reader, StoredPerson, StoredRecord};

/// Record changes per page when the client does not say (`_count`).
pub const DEFAULT_COUNT: usize = 500;

/// Where a client is in each person's changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cursor(BTreeMap<String, i64>);

impl Cursor {
    /// Reads a cursor this server made; anything else is a 400 naming `cursor`.
    pub fn decode(text: &str) -> Result<Cursor, ApiError> {
        let invalid = || {
            ApiError::bad_request(
                "cursor",
                "is not a cursor this server made; start again without one (the feed then sends everything)",
            )
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| invalid())?;
        let positions: BTreeMap<String, i64> =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if positions.values().any(|seq| *seq < 0) {
            return Err(invalid());
        }
        Ok(Cursor(positions))
    }

    /// Stable: the same positions always make the same text.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.0).unwrap_or_default())
    }

    fn position(&self, patient_id: &str) -> i64 {
        self.0.get(patient_id).copied().unwrap_or(0)
    }
}

/// What the client asked for.
#[derive(Debug, Clone)]
pub struct FeedRequest {
    pub cursor: Cursor,
    /// 1..=1000.
    pub count: usize,
    /// Only this person's changes (`patient=`).
    pub patient: Option<String>,
}

/// `_count` as given: a number from 1; above the maximum it is capped.
pub fn parse_count(text: Option<&str>) -> Result<usize, ApiError> {
    match text {
        None => Ok(DEFAULT_COUNT),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(PAGE_SIZE_MAX as usize))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "_count",
                    format!("is not a number of changes from 1 to {PAGE_SIZE_MAX}"),
                )
            }),
    }
}

/// The next page for `citizen`.
pub fn next_page(
    reader: &dyn Reader,
    citizen: &StoredPerson,
    request: &FeedRequest,
    today: CalendarDate,
    age_limit: u32,
) -> Result<FeedPage, ApiError> {
    let visible = visible_people(reader, citizen, today, age_limit)?;
    let targets: Vec<&Visible> = match &request.patient {
        Some(patient) => vec![visible
            .iter()
            .find(|v| v.patient_id() == patient)
            .ok_or_else(|| {
                ApiError::forbidden(
                    "patient",
                    "this token does not reach that person's book (only the citizen's own and \
                     those of children in their care under the age limit)",
                )
            })?],
        None => visible.iter().collect(),
    };
    // Positions of people no longer visible are dropped; the rest carry over.
    let mut next = Cursor(
        request
            .cursor
            .0
            .iter()
            .filter(|(id, _)| visible.iter().any(|v| v.patient_id() == id.as_str()))
            .map(|(id, seq)| (id.clone(), *seq))
            .collect(),
    );
    let heads = targets
        .iter()
        .map(|v| reader.head(v.patient_id()))
        .collect::<Result<Vec<i64>, _>>()?;
    let pending = |next: &Cursor, i: usize| heads[i] > next.position(targets[i].patient_id());
    let Some(chosen) = (0..targets.len()).find(|i| pending(&next, *i)) else {
        // Nothing new: an empty page about the first person asked for (the citizen by default).
        let first = targets
            .first()
            .ok_or_else(|| ApiError::internal("a token that reaches no one"))?;
        return Ok(page_of(first, Vec::new(), next.encode(), true));
    };
    let target = targets[chosen];
    let after = next.position(target.patient_id());
    // A first sync needs no tombstones: the client never had those records.
    let mut rows =
        reader.changes_after(target.patient_id(), after, request.count + 1, after > 0)?;
    let more = rows.len() > request.count;
    rows.truncate(request.count);
    let reached = match rows.last() {
        Some(last) if more => last.seq,
        _ => heads[chosen],
    };
    next.0.insert(target.patient_id().to_string(), reached);
    let caught_up = !more && !(chosen + 1..targets.len()).any(|i| pending(&next, i));
    let changes = rows.into_iter().map(change_of).collect();
    Ok(page_of(target, changes, next.encode(), caught_up))
}

fn page_of(
    visible: &Visible,
    changes: Vec<RecordChange>,
    next_cursor: String,
    caught_up: bool,
) -> FeedPage {
    let mut person = visible.person.person.clone();
    person.id = visible.patient_id().to_string();
    person.role = visible.role;
    person.guardian = visible.link.clone();
    FeedPage {
        patient_id: visible.patient_id().to_string(),
        role: visible.role,
        person,
        changes,
        next_cursor,
        caught_up,
    }
}

fn change_of(row: StoredRecord) -> RecordChange {
    RecordChange {
        record_id: row.record_id,
        version: row.version,
        change: match row.record {
            Some(record) => ChangeBody::Put(record),
            None => ChangeBody::Delete(row.kind),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        let mut cursor = Cursor::default();
        cursor.0.insert("b".into(), 7);
        cursor.0.insert("a".into(), 3);
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text).expect("valid"), cursor);
        assert_eq!(text, cursor.clone().encode(), "stable");
    }

    #[test]
    fn a_foreign_cursor_is_a_bad_request_naming_it() {
        for text in ["%%%", "bm90IGpzb24", "eyJhIjotMX0"] {
            let error = Cursor::decode(text).expect_err(text);
            assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
            assert_eq!(error.issues[0].expression.as_deref(), Some("cursor"));
        }
    }

    #[test]
    fn count_defaults_caps_and_refuses_nonsense() {
        assert_eq!(parse_count(None).ok(), Some(DEFAULT_COUNT));
        assert_eq!(parse_count(Some("5")).ok(), Some(5));
        assert_eq!(parse_count(Some("5000")).ok(), Some(1000));
        assert!(parse_count(Some("0")).is_err());
        assert!(parse_count(Some("ten")).is_err());
    }
}
