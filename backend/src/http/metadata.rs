//! `GET /fhir/metadata`: the CapabilityStatement saying what this server does (FHIR 4.0.1, JSON,
//! the resources and interactions below, the `$changes` operation, bearer-token security). No auth.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{json, Value};

use super::AppState;
use crate::outcome::Fhir;

pub async fn metadata(State(state): State<AppState>) -> Fhir {
    Fhir(
        StatusCode::OK,
        capability_statement(&state.settings.public_url),
    )
}

pub fn capability_statement(public_url: &str) -> Value {
    let read_only = |resource_type: &str, documentation: &str| {
        json!({
            "type": resource_type,
            "interaction": [{ "code": "read" }],
            "documentation": documentation,
        })
    };
    let record = |resource_type: &str| {
        json!({
            "type": resource_type,
            "interaction": [{ "code": "update" }, { "code": "delete" }],
            "documentation": "Sent by facilities in a transaction (PUT <Type>/<facility id> to send or correct, DELETE to withdraw); served to citizens through $changes.",
        })
    };
    let mut resources = vec![read_only(
        "Patient",
        "A citizen's profile, readable by the citizen and by the guardian of a child under the age limit.",
    )];
    resources.extend(
        [
            "Encounter",
            "Condition",
            "Procedure",
            "Observation",
            "MedicationRequest",
            "ServiceRequest",
            "Appointment",
            "Immunization",
            "AllergyIntolerance",
            "FamilyMemberHistory",
            "RelatedPerson",
        ]
        .into_iter()
        .map(record),
    );
    json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "publisher": "healthbook",
        "kind": "instance",
        "software": { "name": "healthbook-backend", "version": env!("CARGO_PKG_VERSION") },
        "implementation": {
            "description": "Reference server of the citizen's electronic health book",
            "url": format!("{public_url}/fhir"),
        },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Facilities post transaction Bundles with their API key; citizens pull the change feed ($changes) and push their own entries as batch Bundles with a bearer token.",
            "security": {
                "cors": false,
                "service": [{
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }],
                    "text": "SMART-on-FHIR-style bearer tokens: citizens send Authorization: Bearer <token> (from POST /auth/oidc, which exchanges the national ID login's ID token, or on development servers POST /auth/dev-login); facilities send Authorization: Bearer <facility API key>.",
                }],
                "description": "Every request except metadata needs a bearer token. A citizen's token reaches their own book and those of children in their care under the guardian age limit.",
            },
            "resource": resources,
            "interaction": [
                { "code": "transaction", "documentation": "Facility ingest: one Patient and their records, all stored or none." },
                { "code": "batch", "documentation": "Citizen push: one entry per record, each on its own, idempotent by record id." },
            ],
            "operation": [{
                "name": "changes",
                "definition": format!("{public_url}/fhir/OperationDefinition/changes"),
                "documentation": "GET /fhir/$changes?cursor=<opaque>&_count=<n>[&patient=<id>]: a history Bundle of one person's changes after the cursor, with a next link; tagged caught-up when nothing remains.",
            }],
        }],
    })
}
