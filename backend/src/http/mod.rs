//! The HTTP face: the routes, the state every handler shares, and the two things every handler
//! needs: running storage work off the async workers, and knowing which citizen a token is.
//! Handlers are thin: they read the request, call the module that owns the rule, and answer.
//! The share routes (`/shl…`, `/view`) are in [`crate::shl::http`].

mod bundle;
mod changes;
mod login;
mod metadata;
mod patient;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use crate::auth::{bearer, sha256, FacilityKeys};
use crate::clock;
use crate::oidc::OidcVerifier;
use crate::outcome::{ApiError, Issue};
use crate::shl::rate_limit::RateLimiter;
use crate::shl::ShareSettings;
use crate::storage::{Reader, Storage, StoredPerson};

/// The largest request body accepted (a facility's transaction of a long inpatient stay).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// Settings from the command line that handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token_ttl_secs: i64,
    pub guardian_age_limit: u32,
    /// Where clients reach the server, without a trailing slash.
    pub public_url: String,
    pub share: ShareSettings,
    /// `--dev-login`: `POST /auth/dev-login` is mounted.
    pub dev_login: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub facility_keys: Arc<FacilityKeys>,
    pub settings: Arc<Settings>,
    /// The per-client limit on the public share endpoints.
    pub share_limiter: Arc<RateLimiter>,
    /// The per-client limit on the development login.
    pub dev_login_limiter: Arc<RateLimiter>,
    /// The identity provider's token verifier, when one is configured.
    pub oidc: Option<Arc<OidcVerifier>>,
}

pub fn router(state: AppState) -> Router {
    let mut sign_in = Router::new()
        .route("/auth/oidc", post(login::oidc_login))
        .route("/auth/logout", post(login::logout))
        .route("/auth/logout-everywhere", post(login::logout_everywhere));
    if state.settings.dev_login {
        sign_in = sign_in.route("/auth/dev-login", post(login::dev_login));
    }
    Router::new()
        .route("/fhir/metadata", get(metadata::metadata))
        .merge(sign_in.layer(DefaultBodyLimit::max(login::LOGIN_BODY_LIMIT)))
        .route("/fhir", post(bundle::post_bundle))
        .route("/fhir/$changes", get(changes::changes))
        .route("/fhir/Patient/{id}", get(patient::read_patient))
        .merge(crate::shl::http::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found(
        "url",
        "no such endpoint; see GET /fhir/metadata for what this server offers",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::one(
        StatusCode::METHOD_NOT_ALLOWED,
        Issue::new("not-supported", "this endpoint does not take that method"),
    )
}

/// Runs blocking storage work on the blocking pool. A panic there is an internal error, not a crash.
pub async fn blocking<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Storage) -> Result<T, ApiError> + Send + 'static,
{
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || work(storage.as_ref()))
        .await
        .map_err(|_| ApiError::internal("a storage task failed"))?
}

/// The citizen a bearer token belongs to, if it is known and unexpired.
pub fn citizen_of(reader: &dyn Reader, token: Option<&str>) -> Result<StoredPerson, ApiError> {
    let Some(token) = token else {
        return Err(ApiError::unauthorized(
            "a citizen bearer token is required (Authorization: Bearer <token> from sign-in)",
        ));
    };
    let stored = reader
        .token(&sha256(token.as_bytes()))?
        .filter(|t| t.expires_at_ms > clock::unix_millis());
    let Some(stored) = stored else {
        return Err(ApiError::unauthorized(
            "the bearer token is unknown or expired; log in again",
        ));
    };
    reader.person(&stored.patient_id)?.ok_or_else(|| {
        ApiError::unauthorized("the token's citizen is no longer known; log in again")
    })
}

/// The bearer credential as an owned string, for moving into blocking work.
pub fn bearer_of(headers: &HeaderMap) -> Option<String> {
    bearer(headers).map(str::to_string)
}

/// The request's body, read only now: after the caller's credential was checked, so a stranger
/// cannot make the server take in a large upload. Past the route's limit it is a 413.
pub async fn read_body(state: &AppState, request: Request) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            let status = rejection.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "too-costly"
            } else {
                "invalid"
            };
            ApiError::one(status, Issue::new(code, rejection.body_text()))
        })
}

/// A JSON request body, or a 400 saying why not.
pub fn json_body(body: &[u8], what: &str) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // Position only: serde's message could quote the body, which may be health data.
        ApiError::bad_request(
            what,
            format!(
                "is not valid JSON ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        )
    })
}
