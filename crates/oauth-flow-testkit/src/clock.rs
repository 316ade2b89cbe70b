//! The server's clock: real time since start plus a manual offset, so that tests can
//! expire tokens without sleeping.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::lock;

/// Time as the server sees it, measured from its start.
#[derive(Debug)]
pub(crate) struct Clock {
    started: Instant,
    offset: Mutex<Duration>,
}

impl Clock {
    pub(crate) fn new() -> Self {
        Clock {
            started: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// How long the server has been running, advances included.
    pub(crate) fn now(&self) -> Duration {
        self.started.elapsed() + *lock(&self.offset)
    }

    pub(crate) fn advance(&self, by: Duration) {
        *lock(&self.offset) += by;
    }
}
