//! A local OAuth 2.0 authorization server for tests.
//!
//! (Manual written below once the API settles.)

mod authorize;
mod client_auth;
mod clock;
mod config;
mod error;
mod form;
mod metadata;
mod quirks;
mod record;
mod register;
mod resource;
mod revoke;
mod server;
mod store;
mod token;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use config::{
    AuthMethod, AuthorizeOutcome, ClientConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_REDIRECT_URI, ServerConfig,
};
pub use quirks::{OVERSIZED_BODY_BYTES, Quirk};
pub use record::RecordedRequest;
pub use server::TestServer;

/// Locks a mutex, going on after a panic elsewhere: the data is test state, and a
/// panicking test must not hide its own message behind a poisoned lock.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
