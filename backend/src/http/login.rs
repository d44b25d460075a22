//! `POST /auth/dev-login {"personal_id": "<CCCD>"}`: the development stand-in for the national ID
//! app's (VNeID) login. It trusts the CCCD it is given, so it belongs on development and test
//! servers only; a production server puts the VNeID exchange here and issues the same tokens.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use healthbook_core::model::identifiers::validate_personal_id;
use ring::rand::SystemRandom;
use serde_json::json;

use super::{blocking, json_body, AppState};
use crate::auth::new_token;
use crate::clock;
use crate::outcome::ApiError;
use crate::storage::StoredToken;

pub async fn dev_login(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request = json_body(&body, "personal_id")?;
    let personal_id = request
        .get("personal_id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            ApiError::bad_request(
                "personal_id",
                "is required: send {\"personal_id\": \"<12-digit CCCD>\"}",
            )
        })?
        .to_string();
    validate_personal_id("personal_id", &personal_id, None, None)
        .map_err(|e| ApiError::bad_request("personal_id", e.reason))?;
    let ttl = state.settings.token_ttl_secs;
    let (token, patient_id) = blocking(&state, move |storage| {
        let mut writer = storage.write()?;
        let Some(citizen) = writer.person_by_personal_id(&personal_id)? else {
            return Err(ApiError::not_found(
                "personal_id",
                "no citizen with this personal id has a health book on this server",
            ));
        };
        let now = clock::unix_millis();
        let token = new_token(&SystemRandom::new())
            .map_err(|_| ApiError::internal("the system's random source failed"))?;
        writer.remove_expired_tokens(now)?;
        writer.put_token(
            &token.hash,
            &StoredToken {
                patient_id: citizen.patient_id.clone(),
                expires_at_ms: now + ttl * 1000,
            },
        )?;
        writer.commit()?;
        Ok((token.token, citizen.patient_id))
    })
    .await?;
    Ok((
        StatusCode::OK,
        // A token must not be kept by any cache on the way.
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "patient_id": patient_id,
        })),
    )
        .into_response())
}
