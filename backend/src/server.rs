//! Running the server: open the database, seed it if asked, listen, print the one
//! `listening on http://ADDR:PORT` line on stdout, serve until SIGTERM or Ctrl-C, then stop
//! accepting, let in-flight requests finish (their writes are committed before they answer), and
//! close the database, checkpointing its WAL.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::auth::FacilityKeys;
use crate::clock;
use crate::config::Config;
use crate::connections;
use crate::http::{router, AppState, Settings};
use crate::oidc::OidcVerifier;
use crate::seed::seed;
use crate::shl::rate_limit::RateLimiter;
use crate::shl::ShareSettings;
use crate::storage::sqlite::SqliteStorage;

/// How long shutdown waits for storage work a client stopped waiting for.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

pub async fn run(config: Config) -> anyhow::Result<()> {
    let storage = Arc::new(
        SqliteStorage::open(&config.db)
            .with_context(|| format!("opening the database {}", config.db.display()))?,
    );
    if config.seed {
        let seeding = storage.clone();
        let seeded = tokio::task::spawn_blocking(move || seed(seeding.as_ref(), clock::today()))
            .await
            .context("seeding")??;
        eprintln!(
            "seeded the sample family ({} people and {} records added); log in as: {}",
            seeded.people_added,
            seeded.records_added,
            seeded.personal_ids.join(", ")
        );
    }
    if config.facility_keys.is_empty() {
        eprintln!("note: no --facility-key given; facility ingest is closed");
    }
    let oidc = match &config.oidc {
        Some(settings) => Some(Arc::new(OidcVerifier::start(settings.clone()).await?)),
        None => None,
    };
    if config.dev_login {
        eprintln!(
            "warning: --dev-login: POST /auth/dev-login gives a token to whoever names a known personal id; development and tests only"
        );
    } else if oidc.is_none() {
        eprintln!("note: no --oidc-issuer and no --dev-login: citizens cannot sign in");
    }

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let state = AppState {
        storage: storage.clone(),
        facility_keys: Arc::new(FacilityKeys::new(&config.facility_keys)),
        settings: Arc::new(Settings {
            token_ttl_secs: config.token_ttl_secs,
            guardian_age_limit: config.guardian_age_limit,
            public_url,
            share: ShareSettings {
                passcode_attempts: config.shl_passcode_attempts,
            },
            dev_login: config.dev_login,
        }),
        share_limiter: Arc::new(RateLimiter::new(config.shl_rate_limit)),
        dev_login_limiter: Arc::new(RateLimiter::new(config.dev_login_rate_limit)),
        oidc,
    };
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{address}")?;
        stdout.flush()?;
    }
    connections::serve(listener, router(state), config.limits, shutdown_signal()).await;

    // Storage work whose client went away still finishes; then the database closes.
    let storage = drain(storage).await;
    match storage {
        Some(storage) => storage.close().context("closing the database")?,
        None => eprintln!("warning: storage work still running at exit; committed writes are safe"),
    }
    eprintln!("stopped");
    Ok(())
}

async fn drain(mut storage: Arc<SqliteStorage>) -> Option<SqliteStorage> {
    let deadline = tokio::time::Instant::now() + DRAIN_LIMIT;
    loop {
        match Arc::try_unwrap(storage) {
            Ok(storage) => return Some(storage),
            Err(shared) if tokio::time::Instant::now() < deadline => {
                storage = shared;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(_) => return None,
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    eprintln!("shutting down: finishing requests in flight");
}
