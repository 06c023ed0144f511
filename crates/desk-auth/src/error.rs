//! What can go wrong while signing in, refreshing or signing out.

use crate::KeychainError;

/// An identity failure, worded for the person who has to act on it.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The issuer is not a URL we may use.
    #[error("issuer `{issuer}` is not usable: {reason}")]
    InvalidIssuer {
        /// The issuer as configured.
        issuer: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The provider's discovery document could not be fetched or does not describe this issuer.
    #[error("discovery failed for `{issuer}`: {reason}")]
    Discovery {
        /// The issuer as configured.
        issuer: String,
        /// What the fetch or the document check said.
        reason: String,
    },
    /// The provider lacks something a native client needs (PKCE S256, a token endpoint).
    #[error("the provider cannot be used: {0}")]
    UnsupportedProvider(String),
    /// The browser could not be started, or the `BROWSER` command failed.
    #[error("the browser step failed: {0}")]
    Browser(String),
    /// Nobody completed the sign-in in the browser in time.
    #[error("sign-in timed out after {0} s without an answer from the browser")]
    Timeout(u64),
    /// The provider answered the authorization request with an error.
    #[error("the provider refused the sign-in: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        /// The OAuth error code, such as `access_denied`.
        error: String,
        /// The provider's description, if it gave one.
        description: Option<String>,
    },
    /// The authorization response failed a check (RFC 9207 `iss`, a missing code).
    #[error("the sign-in response was not valid: {0}")]
    BadCallback(String),
    /// The token endpoint refused a request.
    #[error("the provider's token endpoint refused the request: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenEndpoint {
        /// The OAuth error code.
        error: String,
        /// The provider's description, if it gave one.
        description: Option<String>,
    },
    /// The refresh token is no longer accepted: the agent must sign in again.
    #[error("the session has ended at the provider; sign in again")]
    SessionEnded,
    /// An ID token failed a check; the reason names which.
    #[error("the ID token was refused: {0}")]
    IdToken(String),
    /// UserInfo did not match the ID token or could not be read.
    #[error("UserInfo was refused: {0}")]
    UserInfo(String),
    /// Nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// A request to the provider failed on the way (network, timeout, malformed answer).
    #[error("the provider could not be reached: {0}")]
    Http(String),
    /// The keychain refused; nothing was stored anywhere else.
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// A local failure such as binding the loopback listener.
    #[error("{0}")]
    Local(String),
}

/// Text from the provider or the network, made safe to show: control characters dropped (no
/// terminal escapes, no forged log lines) and cut to `max` characters.
pub(crate) fn printable(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Joins an error and its sources into one line, so the person reading it sees the real cause.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !line.contains(&cause_text) {
            line.push_str(": ");
            line.push_str(&cause_text);
        }
        source = cause.source();
    }
    line
}
