//! healthbook-backend: the reference FHIR R4 server the citizen's health book syncs with.
//! Facilities post records, citizens pull the change feed and push their own entries, and share
//! chosen records with a doctor through SMART Health Links (ciphertext only).
//! See docs/backend.md.

mod auth;
mod clock;
mod config;
mod connections;
mod feed;
mod guardians;
mod http;
mod ids;
mod ingest;
mod oidc;
mod outcome;
mod people;
mod push;
mod seed;
mod server;
mod shl;
mod storage;

use std::process::ExitCode;

fn main() -> ExitCode {
    let facility_keys = std::env::var(config::FACILITY_KEYS_VAR).ok();
    let config = match config::parse_with_env(std::env::args().skip(1), facility_keys.as_deref()) {
        Ok(config::Command::Run(config)) => *config,
        Ok(config::Command::Help) => {
            println!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
