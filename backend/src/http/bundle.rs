//! `POST /fhir`: one endpoint, two callers told apart by their credential. A facility's API key
//! posts a `transaction` (ingest); a citizen's token posts a `batch` (push). Any other credential
//! is a 401, answered before the body is read. A Bundle with more entries than its kind allows is
//! refused before anything in it is looked at.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::{bearer_of, blocking, citizen_of, json_body, read_body, AppState};
use crate::clock;
use crate::ingest::ingest;
use crate::outcome::{ApiError, Fhir, Issue};
use crate::push::push;

/// The most entries a facility's transaction may hold (a long inpatient stay is a few thousand).
pub const MAX_TRANSACTION_ENTRIES: usize = 10_000;
/// The most entries a citizen's push may hold (the app sends 100 at a time).
pub const MAX_PUSH_ENTRIES: usize = 1_000;

enum Caller {
    Facility(String),
    Citizen(String),
}

pub async fn post_bundle(
    State(state): State<AppState>,
    request: Request,
) -> Result<Fhir, ApiError> {
    let Some(credential) = bearer_of(request.headers()) else {
        return Err(ApiError::unauthorized(
            "a bearer credential is required: a facility's API key, or a citizen's token",
        ));
    };
    let caller = match state.facility_keys.facility_of(&credential) {
        Some(code) => Caller::Facility(code.to_string()),
        None => {
            let citizen = blocking(&state, move |storage| {
                let reader = storage.read()?;
                citizen_of(&*reader, Some(&credential))
            })
            .await?;
            Caller::Citizen(citizen.patient_id)
        }
    };
    let body = read_body(&state, request).await?;
    let age_limit = state.settings.guardian_age_limit;
    // Parsing a large Bundle is work too: it runs off the async workers, after the credential.
    let answer = blocking(&state, move |storage| {
        let bundle = json_body(&body, "Bundle")?;
        match caller {
            Caller::Facility(code) => {
                within_entry_limit(&bundle, MAX_TRANSACTION_ENTRIES, "a facility's transaction")?;
                ingest(storage, &code, &bundle)
            }
            Caller::Citizen(patient_id) => {
                within_entry_limit(&bundle, MAX_PUSH_ENTRIES, "a push")?;
                push(storage, &patient_id, &bundle, clock::today(), age_limit)
            }
        }
    })
    .await?;
    Ok(Fhir(StatusCode::OK, answer))
}

fn within_entry_limit(bundle: &Value, limit: usize, what: &str) -> Result<(), ApiError> {
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if entries > limit {
        return Err(ApiError::one(
            StatusCode::PAYLOAD_TOO_LARGE,
            Issue::new(
                "too-costly",
                format!(
                    "{what} may hold at most {limit} entries; this one has {entries}: send it in parts"
                ),
            )
            .at("Bundle.entry"),
        ));
    }
    Ok(())
}
