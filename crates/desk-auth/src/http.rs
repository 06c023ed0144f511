//! The one HTTP client configuration used to talk to the provider.

use std::time::Duration;

use openidconnect::reqwest;

use crate::AuthError;
use crate::error::error_chain;

/// How long one request to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A client that never follows redirects (a redirected token or discovery request is an attack
/// or a misconfiguration, not something to follow) and gives up after [`TIMEOUT`].
pub(crate) fn client() -> Result<reqwest::Client, AuthError> {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| AuthError::Local(format!("cannot build an HTTP client: {}", error_chain(&e))))
}
