//! `GET /fhir/Patient/<id>`: a person's profile as a FHIR Patient (the book's own mapping), for
//! the citizen and for the guardian of a child under the age limit; anyone else gets a 403.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use healthbook_core::fhir::{export_bundle, systems as sys};
use serde_json::{json, Value};

use super::{bearer_of, blocking, citizen_of, AppState};
use crate::clock;
use crate::guardians::visible_people;
use crate::outcome::{ApiError, Fhir};

pub async fn read_patient(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Fhir, ApiError> {
    let token = bearer_of(&headers);
    let age_limit = state.settings.guardian_age_limit;
    let patient = blocking(&state, move |storage| {
        let reader = storage.read()?;
        let citizen = citizen_of(&*reader, token.as_deref())?;
        let visible = visible_people(&*reader, &citizen, clock::today(), age_limit)?;
        let Some(found) = visible.into_iter().find(|v| v.patient_id() == id) else {
            return Err(ApiError::forbidden(
                "Patient.id",
                "this token does not reach that person (only the citizen and children in their care under the age limit)",
            ));
        };
        let mut person = found.person.person.clone();
        person.id = id.clone();
        person.role = found.role;
        person.guardian = found.link.clone();
        let document = export_bundle(&person, &[], clock::now(), &id);
        let mut patient = patient_of(document).ok_or_else(|| {
            ApiError::internal("the FHIR export made no Patient")
        })?;
        patient["id"] = json!(id);
        let identifier = json!({ "system": sys::SERVER_PATIENT_ID, "value": id });
        match patient.get_mut("identifier").and_then(Value::as_array_mut) {
            Some(list) => list.push(identifier),
            None => patient["identifier"] = json!([identifier]),
        }
        Ok(patient)
    })
    .await?;
    Ok(Fhir(StatusCode::OK, patient))
}

fn patient_of(mut document: Value) -> Option<Value> {
    let entries = document.get_mut("entry")?.as_array_mut()?;
    entries
        .iter_mut()
        .filter_map(|e| e.get_mut("resource"))
        .find(|r| r.get("resourceType").and_then(Value::as_str) == Some("Patient"))
        .map(Value::take)
}
