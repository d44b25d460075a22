//! Facility ingest: a hospital system posts a FHIR `transaction` Bundle with its API key. The
//! whole Bundle is checked first (`read`), then stored in one write transaction (`apply`), and
//! answered with a `transaction-response`; if anything is wrong nothing is stored and the answer
//! is an `OperationOutcome` listing every problem (403 when a record is another facility's, else
//! 422).

mod apply;
mod guardian;
mod read;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::outcome::{ApiError, Issue};
use crate::storage::Storage;
use apply::EntryResult;
pub use apply::FACILITY_ID_PREFIX;

/// Checks and stores `bundle` from the facility `facility_code`; the `transaction-response`.
pub fn ingest(
    storage: &dyn Storage,
    facility_code: &str,
    bundle: &Value,
) -> Result<Value, ApiError> {
    let transaction = read::read_transaction(bundle, facility_code).map_err(rejected)?;
    let mut writer = storage.write()?;
    match apply::apply(&mut *writer, facility_code, transaction)? {
        // Dropping the writer rolls everything back.
        Err(issues) => Err(rejected(issues)),
        Ok(results) => {
            writer.commit()?;
            Ok(response_bundle(&results))
        }
    }
}

fn rejected(issues: Vec<Issue>) -> ApiError {
    let status = if issues.iter().any(|i| i.code == "forbidden") {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ApiError::new(status, issues)
}

fn response_bundle(results: &[Option<EntryResult>]) -> Value {
    let entries: Vec<Value> = results
        .iter()
        .map(|result| {
            let response = match result {
                Some(result) => {
                    let mut response = json!({
                        "status": if result.created { "201 Created" } else { "200 OK" },
                        "location": result.location,
                    });
                    if let Some(version) = result.version {
                        response["etag"] = json!(format!("W/\"{version}\""));
                    }
                    response
                }
                None => json!({ "status": "200 OK" }),
            };
            json!({ "response": response })
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": entries,
    })
}
