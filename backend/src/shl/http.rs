//! The share routes: `POST /shl` (upload), `GET|POST|DELETE /shl/<id>` (direct fetch, manifest,
//! revocation), `GET /shl/<id>/log`, `GET /shl/<id>/file/<ticket>` (a manifest's `location`) and
//! `GET /view` (the check-in viewer). Thin: read the request, call the module that owns the rule,
//! answer. The public ones are rate limited per client address; every answer is `no-store`.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::open::{fetch_direct, fetch_ticket, manifest, read_manifest_request, read_recipient};
use super::open::{Delivery, Manifest};
use super::rate_limit::retry_after_secs;
use super::{manage, upload, viewer, ShareError, MAX_FILE_BYTES};
use crate::clock;
use crate::http::{bearer_of, citizen_of, read_body, AppState};
use crate::outcome::ApiError;
use crate::storage::Storage;

/// The media type of a compact JWE.
pub const JOSE: &str = "application/jose";
/// An upload body: the file plus its few fields; past this axum answers 413 before reading on.
const UPLOAD_BODY_LIMIT: usize = MAX_FILE_BYTES + 64 * 1024;
/// A manifest request is a few short fields.
const MANIFEST_BODY_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/shl",
            post(create).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/shl/{id}",
            get(fetch)
                .post(manifest_request)
                .layer(DefaultBodyLimit::max(MANIFEST_BODY_LIMIT))
                .delete(revoke),
        )
        .route("/shl/{id}/log", get(access_log))
        .route("/shl/{id}/file/{ticket}", get(ticket_file))
        .route("/view", get(viewer::page))
        .layer(map_response(no_store))
}

/// Nothing a share route answers may be kept by a cache on the way.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Runs blocking storage work on the blocking pool, like [`crate::http::blocking`].
async fn blocking<T, F>(state: &AppState, work: F) -> Result<T, ShareError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Storage) -> Result<T, ShareError> + Send + 'static,
{
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || work(storage.as_ref()))
        .await
        .map_err(|_| ShareError::Api(ApiError::internal("a storage task failed")))?
}

/// Takes one request from the client's bucket, or answers 429.
fn limit(state: &AppState, client: SocketAddr) -> Result<(), ShareError> {
    state
        .share_limiter
        .check(client.ip())
        .map_err(|wait| ShareError::RateLimited {
            retry_after_secs: retry_after_secs(wait),
        })
}

fn jose(file: String) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(JOSE))],
        file,
    )
        .into_response()
}

async fn create(State(state): State<AppState>, request: Request) -> Result<Response, ShareError> {
    let token = bearer_of(request.headers());
    // The token first: a stranger's upload is refused before its body is read.
    let citizen = blocking(&state, move |storage| {
        let reader = storage.read()?;
        Ok(citizen_of(&*reader, token.as_deref())?)
    })
    .await?;
    let body = read_body(&state, request).await?;
    let age_limit = state.settings.guardian_age_limit;
    let created = blocking(&state, move |storage| {
        upload::create_share(storage, citizen, &body, age_limit, clock::unix_seconds())
    })
    .await?;
    let url = format!("{}/shl/{}", state.settings.public_url, created.id);
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": created.id,
            "url": url,
            "flag": created.flag,
            "expires_at": created.expires_at,
        })),
    )
        .into_response())
}

async fn fetch(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, ShareError> {
    limit(&state, client)?;
    let params: HashMap<String, String> = Query::try_from_uri(&uri)
        .map(|Query(params)| params)
        .map_err(|_| ShareError::invalid("url", "the query string is malformed"))?;
    let recipient = read_recipient(params.get("recipient").map(String::as_str))?;
    let attempts = state.settings.share.passcode_attempts;
    let file = blocking(&state, move |storage| {
        fetch_direct(storage, &id, recipient, clock::unix_millis(), attempts)
    })
    .await?;
    Ok(jose(file))
}

async fn manifest_request(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ShareError> {
    limit(&state, client)?;
    let request = read_manifest_request(&body)?;
    let attempts = state.settings.share.passcode_attempts;
    let link_id = id.clone();
    let Manifest {
        content_type,
        delivery,
    } = blocking(&state, move |storage| {
        manifest(storage, &link_id, request, clock::unix_millis(), attempts)
    })
    .await?;
    let file = match delivery {
        Delivery::Embedded(jwe) => json!({ "contentType": content_type, "embedded": jwe }),
        Delivery::Location { ticket } => json!({
            "contentType": content_type,
            "location": format!("{}/shl/{id}/file/{ticket}", state.settings.public_url),
        }),
    };
    Ok(Json(json!({ "files": [file] })).into_response())
}

async fn ticket_file(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path((id, ticket)): Path<(String, String)>,
) -> Result<Response, ShareError> {
    limit(&state, client)?;
    let file = blocking(&state, move |storage| {
        fetch_ticket(storage, &id, &ticket, clock::unix_millis())
    })
    .await?;
    Ok(jose(file))
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ShareError> {
    let token = bearer_of(&headers);
    blocking(&state, move |storage| {
        manage::revoke(storage, token.as_deref(), &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn access_log(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ShareError> {
    let token = bearer_of(&headers);
    let log = blocking(&state, move |storage| {
        manage::access_log(storage, token.as_deref(), &id)
    })
    .await?;
    Ok(Json(log).into_response())
}
