//! The core's logs, handed to the app: `set_log_sink(sink, level)` and Rust's `log` records reach
//! the app's `LogSink` (which writes them to logcat or os_log).
//!
//! What the core logs says what happened and how much (a sync's pages and counts, an error's
//! kind, a retry's HTTP status), never whose or what: no names, identifiers, record contents,
//! tokens, keys, links or URLs with paths. Log lines are written here and in `crate::sync` and
//! `crate::share`, and a test runs a whole sync and share with a sink that fails on any of them.

use std::sync::{Arc, PoisonError, RwLock};

use super::error::HealthBookError;

/// How much the app wants to hear; each level includes the ones above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// Where the core's log lines go. Called on the core's threads; keep it quick. A sink that throws
/// loses that line, nothing else.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String) -> Result<(), HealthBookError>;
}

/// Sends the core's log lines at `level` and above to `sink`; `None` stops logging. May be called
/// again to change the sink or the level.
#[uniffi::export]
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>, level: LogLevel) {
    let max = if sink.is_some() {
        level_filter(level)
    } else {
        log::LevelFilter::Off
    };
    *SINK.write().unwrap_or_else(PoisonError::into_inner) = sink;
    // Fails only when another logger was installed first (by the app's own Rust code): then
    // that logger gets the lines instead.
    let _ = log::set_logger(&FORWARDER);
    log::set_max_level(max);
}

static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
static FORWARDER: Forwarder = Forwarder;

struct Forwarder;

impl log::Log for Forwarder {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level() && metadata.target().starts_with("healthbook")
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let sink = SINK.read().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(sink) = sink {
            let _ = sink.log(
                level_of(record.level()),
                record.target().to_string(),
                record.args().to_string(),
            );
        }
    }

    fn flush(&self) {}
}

fn level_filter(level: LogLevel) -> log::LevelFilter {
    match level {
        LogLevel::Error => log::LevelFilter::Error,
        LogLevel::Warn => log::LevelFilter::Warn,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Trace => log::LevelFilter::Trace,
    }
}

fn level_of(level: log::Level) -> LogLevel {
    match level {
        log::Level::Error => LogLevel::Error,
        log::Level::Warn => LogLevel::Warn,
        log::Level::Info => LogLevel::Info,
        log::Level::Debug => LogLevel::Debug,
        log::Level::Trace => LogLevel::Trace,
    }
}
