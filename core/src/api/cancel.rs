//! How a network call stops when the app no longer wants it, and how it runs without holding up
//! the caller's thread.
//!
//! Every network call is an async export. Its work (SQLite and the HTTP client's own runtime, both
//! blocking) runs on a blocking thread of the tokio runtime UniFFI polls the call on, and checks a
//! cancel flag between steps and every 50 ms while it waits on the network. The flag is set:
//! - when the call's future is dropped: a cancelled Kotlin coroutine frees it, so cancelling the
//!   coroutine stops the Rust work;
//! - when the app calls `Cancellation::cancel`: Swift's generated code never drops a future early,
//!   so the Swift extension shipped with the bindings passes a `Cancellation` and cancels it from
//!   `withTaskCancellationHandler`.
//!
//! A cancelled call ends with `Cancelled`; what it committed before (whole pages, a confirmed
//! revocation) stays, and nothing half-done is written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::error::HealthBookError;
use crate::sync::client::Cancel;

type ApiResult<T> = std::result::Result<T, HealthBookError>;

/// A switch that stops a network call: pass it to the call, and call `cancel` to stop it. The call
/// then ends with `Cancelled` within about 50 ms, keeping what it had committed. One switch may be
/// passed to several calls; once cancelled it stays cancelled.
#[derive(Debug, Default, uniffi::Object)]
pub struct Cancellation {
    cancelled: AtomicBool,
}

#[uniffi::export]
impl Cancellation {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Stops every call this switch was passed to. Idempotent.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// What one call's work checks: its own flag (set when its future is dropped) or the app's switch.
#[derive(Clone)]
pub(super) struct CallCancel {
    dropped: Arc<AtomicBool>,
    app: Option<Arc<Cancellation>>,
}

impl Cancel for CallCancel {
    fn cancelled(&self) -> bool {
        self.dropped.load(Ordering::SeqCst) || self.app.as_ref().is_some_and(|c| c.is_cancelled())
    }
}

/// Sets the call's flag when the future that owns it is dropped before the work finished.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `work` on a blocking thread and waits for it without blocking the caller. Dropping the
/// returned future (a cancelled coroutine) or cancelling `cancellation` makes `work`'s `CallCancel`
/// report cancelled. Everything `work` owns (the book, the callbacks) is dropped on that thread,
/// never inside the async runtime.
pub(super) async fn off_thread<T, F>(
    cancellation: Option<Arc<Cancellation>>,
    work: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&CallCancel) -> ApiResult<T> + Send + 'static,
{
    let dropped = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(dropped.clone());
    let cancel = CallCancel {
        dropped,
        app: cancellation,
    };
    // Checked on the blocking thread too, so that even a call cancelled before it began drops
    // what `work` holds there.
    let run = move || {
        if cancel.cancelled() {
            return Err(crate::error::Error::Cancelled.into());
        }
        work(&cancel)
    };
    match tokio::task::spawn_blocking(run).await {
        Ok(result) => result,
        Err(failed) => Err(HealthBookError::Internal {
            reason: format!(
                "the call stopped unexpectedly ({}); the book was not changed by what did not finish",
                if failed.is_panic() { "a bug in the core" } else { "shut down" }
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// Works until cancelled, for at most two seconds; says whether it saw the cancel.
    fn until_cancelled(cancel: &CallCancel) -> ApiResult<bool> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(2) {
            if cancel.cancelled() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(false)
    }

    #[test]
    fn dropping_the_future_stops_the_work() {
        let runtime = runtime();
        let (seen_tx, seen_rx) = std::sync::mpsc::channel();
        runtime.block_on(async {
            let call = off_thread(None, move |cancel| {
                let seen = until_cancelled(cancel)?;
                seen_tx.send(seen).ok();
                Ok(seen)
            });
            // The call is dropped before it finishes, as a cancelled coroutine drops it.
            let _ = tokio::time::timeout(Duration::from_millis(50), call).await;
        });
        let seen = seen_rx
            .recv_timeout(Duration::from_secs(3))
            .expect("the work ended");
        assert!(seen, "the work did not see the cancel");
    }

    #[test]
    fn the_apps_switch_stops_the_work() {
        let runtime = runtime();
        let switch = Cancellation::new();
        let flipper = switch.clone();
        let seen = runtime.block_on(async move {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                flipper.cancel();
            });
            off_thread(Some(switch), until_cancelled).await
        });
        assert!(seen.expect("ran"), "the work did not see the app's cancel");
    }

    #[test]
    fn an_already_cancelled_switch_does_no_work() {
        let runtime = runtime();
        let switch = Cancellation::new();
        switch.cancel();
        let result = runtime.block_on(off_thread(Some(switch), |_| -> ApiResult<()> {
            panic!("must not run")
        }));
        assert!(matches!(result, Err(HealthBookError::Cancelled { .. })));
    }

    #[test]
    fn a_panic_in_the_work_is_an_error_not_a_crash() {
        let runtime = runtime();
        let result = runtime.block_on(off_thread(None, |_| -> ApiResult<()> { panic!("bug") }));
        assert!(matches!(result, Err(HealthBookError::Internal { .. })));
    }
}
