//! What the server answers: FHIR JSON responses (`application/fhir+json; charset=utf-8`) and every
//! error as a FHIR `OperationOutcome` whose issues say what is wrong and where (`expression`).
//! A 401 also carries `WWW-Authenticate: Bearer error="invalid_token"`. Internal failures are
//! logged here, by kind only, and answered without detail.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::storage::StorageError;

pub const FHIR_JSON: &str = "application/fhir+json; charset=utf-8";

/// A FHIR resource as a response with its status.
pub struct Fhir(pub StatusCode, pub Value);

impl IntoResponse for Fhir {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.1).unwrap_or_default();
        (
            self.0,
            [(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON))],
            body,
        )
            .into_response()
    }
}

/// One problem: `code` is a FHIR issue-type code (`invalid`, `forbidden`, `not-found`, …) and
/// `expression` the element at fault, e.g. `Bundle.entry[3].resource.subject`.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub code: &'static str,
    pub diagnostics: String,
    pub expression: Option<String>,
}

impl Issue {
    pub fn new(code: &'static str, diagnostics: impl Into<String>) -> Self {
        Issue {
            code,
            diagnostics: diagnostics.into(),
            expression: None,
        }
    }

    pub fn at(mut self, expression: impl Into<String>) -> Self {
        self.expression = Some(expression.into());
        self
    }

    /// An element that breaks a rule.
    pub fn invalid(expression: impl Into<String>, diagnostics: impl Into<String>) -> Self {
        Issue::new("invalid", diagnostics).at(expression)
    }

    fn to_json(&self) -> Value {
        let mut issue = json!({
            "severity": "error",
            "code": self.code,
            "diagnostics": self.diagnostics,
        });
        if let Some(expression) = &self.expression {
            issue["expression"] = json!([expression]);
        }
        issue
    }
}

/// An error response: a status and the issues it lists.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub issues: Vec<Issue>,
}

impl ApiError {
    pub fn new(status: StatusCode, issues: Vec<Issue>) -> Self {
        ApiError { status, issues }
    }

    pub fn one(status: StatusCode, issue: Issue) -> Self {
        ApiError::new(status, vec![issue])
    }

    /// 400: the request itself is malformed (a parameter, the JSON).
    pub fn bad_request(expression: &str, diagnostics: impl Into<String>) -> Self {
        ApiError::one(
            StatusCode::BAD_REQUEST,
            Issue::invalid(expression, diagnostics),
        )
    }

    /// 401: no credential, or one the server does not accept.
    pub fn unauthorized(diagnostics: impl Into<String>) -> Self {
        ApiError::one(
            StatusCode::UNAUTHORIZED,
            Issue::new("login", diagnostics).at("Authorization"),
        )
    }

    /// 403: a valid credential that does not allow this.
    pub fn forbidden(expression: &str, diagnostics: impl Into<String>) -> Self {
        ApiError::one(
            StatusCode::FORBIDDEN,
            Issue::new("forbidden", diagnostics).at(expression),
        )
    }

    pub fn not_found(expression: &str, diagnostics: impl Into<String>) -> Self {
        ApiError::one(
            StatusCode::NOT_FOUND,
            Issue::new("not-found", diagnostics).at(expression),
        )
    }

    /// 500, logged by kind; the client learns only that it was not its fault.
    pub fn internal(what: &str) -> Self {
        eprintln!("error: {what}");
        ApiError::one(
            StatusCode::INTERNAL_SERVER_ERROR,
            Issue::new(
                "exception",
                "the server failed to handle the request; nothing was changed by it. Try again later",
            ),
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        ApiError::internal(&error.to_string())
    }
}

/// The `OperationOutcome` listing `issues`.
pub fn operation_outcome(issues: &[Issue]) -> Value {
    json!({
        "resourceType": "OperationOutcome",
        "issue": issues.iter().map(Issue::to_json).collect::<Vec<_>>(),
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = Fhir(self.status, operation_outcome(&self.issues)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}
