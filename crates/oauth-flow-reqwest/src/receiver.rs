//! The loopback redirect receiver, awaited from async code.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use oauth_flow_ureq::{
    DEFAULT_CONNECTION_TIMEOUT, DEFAULT_WAIT, LoopbackReceiver, MAX_REQUEST_BYTES, ReceiverError,
};

/// Waits for the callback on a blocking-pool thread and returns the full
/// redirect URL; see [`LoopbackReceiver`] for what the wait does.
///
/// Dropping the future stops the wait within a few milliseconds and closes
/// the listener. Needs a tokio runtime.
pub async fn wait_for_callback(receiver: LoopbackReceiver) -> Result<String, ReceiverError> {
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(Arc::clone(&stop));
    let waiting = tokio::task::spawn_blocking(move || receiver.wait_or_stop(&stop));
    match waiting.await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(ReceiverError::Stopped),
    }
}

/// Tells the blocking wait to end when the future is dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
