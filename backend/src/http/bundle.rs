//! `POST /fhir`: one endpoint, two callers told apart by their credential. A facility's API key
//! posts a `transaction` (ingest); a citizen's token posts a `batch` (push). Any other credential
//! is a 401.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::{bearer_of, blocking, citizen_of, json_body, AppState};
use crate::clock;
use crate::ingest::ingest;
use crate::outcome::{ApiError, Fhir};
use crate::push::push;

pub async fn post_bundle(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Fhir, ApiError> {
    let Some(credential) = bearer_of(&headers) else {
        return Err(ApiError::unauthorized(
            "a bearer credential is required: a facility's API key, or a citizen's token",
        ));
    };
    let facility = state
        .facility_keys
        .facility_of(&credential)
        .map(str::to_string);
    let age_limit = state.settings.guardian_age_limit;
    // Parsing a large Bundle is work too: it runs off the async workers, after the credential.
    let answer = blocking(&state, move |storage| match facility {
        Some(code) => ingest(storage, &code, &json_body(&body, "Bundle")?),
        None => {
            let citizen = {
                let reader = storage.read()?;
                citizen_of(&*reader, Some(&credential))?
            };
            let bundle = json_body(&body, "Bundle")?;
            push(
                storage,
                &citizen.patient_id,
                &bundle,
                clock::today(),
                age_limit,
            )
        }
    })
    .await?;
    Ok(Fhir(StatusCode::OK, answer))
}
