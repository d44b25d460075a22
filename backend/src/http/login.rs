//! Signing in and out. A citizen signs in with the national ID login (an OpenID Connect
//! provider) and exchanges the provider's ID token once, at `POST /auth/oidc`, for one of this
//! server's own bearer tokens; `POST /auth/logout` ends that token and
//! `POST /auth/logout-everywhere` every token of the citizen, each refused from the next request.
//!
//! `POST /auth/dev-login {"personal_id": "<CCCD>"}` is the development stand-in: it trusts the
//! CCCD it is given, so it is mounted only with `--dev-login`, which the server accepts only on
//! a loopback address, and it is rate-limited per client address. A CCCD the server does not
//! know gets the same 401 as any refused sign-in, never a "no such citizen".

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use healthbook_core::model::identifiers::validate_personal_id;
use ring::rand::SystemRandom;
use serde_json::json;

use super::{bearer_of, blocking, citizen_of, json_body, AppState};
use crate::auth::{new_token, sha256};
use crate::clock;
use crate::outcome::{ApiError, Issue};
use crate::shl::rate_limit::retry_after_secs;
use crate::storage::StoredToken;

/// A sign-in request is one short field (an ID token is a few kilobytes).
pub const LOGIN_BODY_LIMIT: usize = 16 * 1024;

/// What every refused development sign-in says, whether or not the CCCD is known.
const DEV_LOGIN_REFUSED: &str =
    "sign-in refused: the development login issues no token for this personal id";
/// What every refused ID token gets, whatever was wrong with it.
const OIDC_REFUSED: &str =
    "the ID token is not accepted (signature, issuer, audience, expiry or CCCD claim); sign in with the identity provider again";

pub async fn dev_login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Err(wait) = state.dev_login_limiter.check(client.ip()) {
        return Ok(too_many_requests(retry_after_secs(wait)));
    }
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
    let issued = blocking(&state, move |storage| {
        issue_token(storage, &personal_id, ttl)?.ok_or_else(|| {
            ApiError::one(
                StatusCode::UNAUTHORIZED,
                Issue::new("login", DEV_LOGIN_REFUSED).at("personal_id"),
            )
        })
    })
    .await?;
    Ok(token_answer(issued, ttl))
}

/// `POST /auth/oidc {"id_token": "<JWT>"}`: a verified ID token of the configured provider for
/// one of this server's tokens. Each ID token is exchanged once.
pub async fn oidc_login(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let Some(verifier) = state.oidc.clone() else {
        return Err(ApiError::not_found(
            "url",
            "this server has no identity provider configured",
        ));
    };
    let request = json_body(&body, "id_token")?;
    let id_token = request
        .get("id_token")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            ApiError::bad_request(
                "id_token",
                "is required: send {\"id_token\": \"<the identity provider's ID token>\"}",
            )
        })?;
    let verified = match verifier.exchange(id_token).await {
        Ok(verified) => verified,
        Err(refused) => {
            // The reason, never the token: for whoever runs the server.
            eprintln!("sign-in: an ID token was refused: {}", refused.0);
            return Err(ApiError::unauthorized(OIDC_REFUSED));
        }
    };
    let ttl = state.settings.token_ttl_secs;
    let cccd = verified.cccd;
    let issued = blocking(&state, move |storage| {
        issue_token(storage, &cccd, ttl)?.ok_or_else(|| {
            ApiError::not_found(
                "id_token",
                "no health book for this citizen is on this server yet; records arrive once a \
                 facility sends them",
            )
        })
    })
    .await?;
    Ok(token_answer(issued, ttl))
}

/// `POST /auth/logout`: the token it carries is forgotten; the next request with it is a 401.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer_of(&headers);
    blocking(&state, move |storage| {
        let mut writer = storage.write()?;
        citizen_of(&*writer, token.as_deref())?;
        if let Some(token) = &token {
            writer.remove_token(&sha256(token.as_bytes()))?;
        }
        writer.commit()?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/logout-everywhere`: every token of the token's citizen is forgotten (a lost
/// phone): `{"revoked": <how many>}`.
pub async fn logout_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = bearer_of(&headers);
    let revoked = blocking(&state, move |storage| {
        let mut writer = storage.write()?;
        let citizen = citizen_of(&*writer, token.as_deref())?;
        let revoked = writer.remove_tokens_of(&citizen.patient_id)?;
        writer.commit()?;
        Ok(revoked)
    })
    .await?;
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "revoked": revoked })),
    )
        .into_response())
}

/// A new token for the citizen with this CCCD, or `None` if the server has no such citizen.
fn issue_token(
    storage: &dyn crate::storage::Storage,
    personal_id: &str,
    ttl: i64,
) -> Result<Option<(String, String)>, ApiError> {
    // Drawn either way, so a known and an unknown CCCD take about the same time.
    let token = new_token(&SystemRandom::new())
        .map_err(|_| ApiError::internal("the system's random source failed"))?;
    let mut writer = storage.write()?;
    let Some(citizen) = writer.person_by_personal_id(personal_id)? else {
        return Ok(None);
    };
    let now = clock::unix_millis();
    writer.remove_expired_tokens(now)?;
    writer.put_token(
        &token.hash,
        &StoredToken {
            patient_id: citizen.patient_id.clone(),
            expires_at_ms: now + ttl * 1000,
        },
    )?;
    writer.commit()?;
    Ok(Some((token.token, citizen.patient_id)))
}

fn token_answer((token, patient_id): (String, String), ttl: i64) -> Response {
    (
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
        .into_response()
}

fn too_many_requests(retry_after: u64) -> Response {
    let mut response = ApiError::one(
        StatusCode::TOO_MANY_REQUESTS,
        Issue::new(
            "throttled",
            format!("too many sign-in attempts from this address; try again in {retry_after} s"),
        ),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}
