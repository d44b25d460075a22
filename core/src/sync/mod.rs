//! Sync with the backend: the FHIR wire both sides share (`wire`), the HTTP client with its
//! retries and limits (`client`), and the run that pulls pages and pushes the outbox (`run`).
//! See docs/sync-protocol.md.

pub mod client;
pub mod run;
pub mod wire;

#[cfg(test)]
mod tests;
