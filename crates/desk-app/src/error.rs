//! Errors as front ends see them: a stable code to branch on, a sentence to show.

use std::path::PathBuf;

use desk_auth::{AuthError, KeychainError};
use desk_core::signed::PolicyError;
use serde::Serialize;

/// A stable, machine-readable error kind. Front ends branch on this, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The configuration file or a `DESK_` variable is malformed or incomplete.
    Config,
    /// There is no keychain (no Secret Service); nothing is stored without one.
    KeychainUnavailable,
    /// The keychain is locked or refused access.
    KeychainLocked,
    /// The provider could not be reached or answered something unusable.
    ProviderUnreachable,
    /// The provider cannot serve this app (no PKCE S256, no acceptable algorithm).
    ProviderUnsupported,
    /// The sign-in was refused, cancelled, or its response failed a check.
    SignInFailed,
    /// Nobody completed the sign-in in the browser in time.
    SignInTimeout,
    /// A token from the provider failed verification.
    TokenRejected,
    /// The provider no longer accepts the session: sign in again.
    SessionEnded,
    /// Nobody is signed in.
    NotSignedIn,
    /// A policy from the server failed verification; the previous one stays in force.
    PolicyRefused,
    /// The record of accepted policy versions cannot be read or written; no policy is accepted
    /// until it is repaired or removed.
    PolicyState,
    /// The desk-server could not be reached or answered something unusable.
    ServerUnreachable,
    /// The desk-server refused the request (not signed in there, not allowed, invalid input).
    ServerRefused,
    /// Input given to the app (such as a layout file) is malformed.
    InvalidInput,
    /// The encrypted cache cannot be used (it is recreated when unreadable).
    Cache,
    /// Offline, and the record asked for is not in the cache.
    NotCached,
    /// Offline past the policy's expiry and offline grace: the cache is locked until the server
    /// answers again.
    OfflineLocked,
    /// Something on this machine failed (a listener, a task).
    Internal,
}

impl ErrorCode {
    /// The code's stable spelling, the same as its serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::KeychainUnavailable => "keychain_unavailable",
            Self::KeychainLocked => "keychain_locked",
            Self::ProviderUnreachable => "provider_unreachable",
            Self::ProviderUnsupported => "provider_unsupported",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInTimeout => "sign_in_timeout",
            Self::TokenRejected => "token_rejected",
            Self::SessionEnded => "session_ended",
            Self::NotSignedIn => "not_signed_in",
            Self::PolicyRefused => "policy_refused",
            Self::PolicyState => "policy_state",
            Self::ServerUnreachable => "server_unreachable",
            Self::ServerRefused => "server_refused",
            Self::InvalidInput => "invalid_input",
            Self::Cache => "cache",
            Self::NotCached => "not_cached",
            Self::OfflineLocked => "offline_locked",
            Self::Internal => "internal",
        }
    }
}

/// An error from the application layer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration could not be loaded or lacks a needed setting.
    #[error("the configuration is not valid: {0}")]
    Config(String),
    /// Signing in, refreshing or signing out failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A policy from the server failed verification; the previous one stays in force.
    #[error("refused the server's policy: {reason}; {hint}")]
    PolicyRefused {
        /// Which check failed.
        reason: PolicyError,
        /// What a person can do about it.
        hint: String,
    },
    /// The file of accepted policy versions cannot be used.
    #[error(
        "cannot use {} ({cause}); no policy is accepted until that file is repaired or removed \
         (removing it gives up rollback protection for the next policy)",
        path.display()
    )]
    PolicyState {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        cause: String,
    },
    /// The server could not be reached or answered something unusable.
    #[error("the server at {url} {cause}; check DESK_SERVER_URL and that desk-server is running")]
    ServerUnreachable {
        /// The URL asked.
        url: String,
        /// What went wrong, as a phrase following "the server at URL".
        cause: String,
    },
    /// The server answered with an error of its own.
    #[error("the server refused the request ({status} {code}): {message}")]
    ServerRefused {
        /// The HTTP status.
        status: u16,
        /// The server's stable error code, such as `forbidden` or `invalid_layout`.
        code: String,
        /// The server's sentence, stripped of control characters and cut to a bounded length.
        message: String,
        /// The id the server gave the request (`x-request-id`, repeated in its error body), under
        /// which its log has the request; not in the sentence. A server error (5xx, reported as
        /// [`AppError::ServerUnreachable`]) names it in its cause.
        request_id: Option<String>,
    },
    /// Input given to the app is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// The encrypted cache failed.
    #[error("the local cache: {0}")]
    Cache(String),
    /// Offline, and the record is not in the cache (or nothing is cached yet).
    #[error("the server cannot be reached and this record is not in the local cache")]
    NotCached,
    /// Offline past the cached policy's expiry and grace.
    #[error(
        "the server cannot be reached and the offline period of your permissions is over; the \
         local cache is locked until the server answers (it is deleted at {shred_at})"
    )]
    OfflineLocked {
        /// When the cache is shredded if the server stays away.
        shred_at: String,
    },
    /// Something on this machine failed.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Config(_) => ErrorCode::Config,
            Self::Auth(e) => match e {
                AuthError::InvalidIssuer { .. } => ErrorCode::Config,
                AuthError::Discovery { .. } | AuthError::Http(_) | AuthError::UserInfo(_) => {
                    ErrorCode::ProviderUnreachable
                }
                AuthError::UnsupportedProvider(_) => ErrorCode::ProviderUnsupported,
                AuthError::Browser(_)
                | AuthError::Refused { .. }
                | AuthError::BadCallback(_)
                | AuthError::TokenEndpoint { .. } => ErrorCode::SignInFailed,
                AuthError::Timeout(_) => ErrorCode::SignInTimeout,
                AuthError::IdToken(_) => ErrorCode::TokenRejected,
                AuthError::SessionEnded => ErrorCode::SessionEnded,
                AuthError::NotSignedIn => ErrorCode::NotSignedIn,
                AuthError::Keychain(KeychainError::Locked(_)) => ErrorCode::KeychainLocked,
                AuthError::Keychain(_) => ErrorCode::KeychainUnavailable,
                AuthError::Local(_) => ErrorCode::Internal,
            },
            Self::PolicyRefused { .. } => ErrorCode::PolicyRefused,
            Self::PolicyState { .. } => ErrorCode::PolicyState,
            Self::ServerUnreachable { .. } => ErrorCode::ServerUnreachable,
            Self::ServerRefused { .. } => ErrorCode::ServerRefused,
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::Cache(_) => ErrorCode::Cache,
            Self::NotCached => ErrorCode::NotCached,
            Self::OfflineLocked { .. } => ErrorCode::OfflineLocked,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_spelled_the_same_in_json_and_text() {
        let codes = [
            ErrorCode::Config,
            ErrorCode::KeychainUnavailable,
            ErrorCode::KeychainLocked,
            ErrorCode::ProviderUnreachable,
            ErrorCode::ProviderUnsupported,
            ErrorCode::SignInFailed,
            ErrorCode::SignInTimeout,
            ErrorCode::TokenRejected,
            ErrorCode::SessionEnded,
            ErrorCode::NotSignedIn,
            ErrorCode::PolicyRefused,
            ErrorCode::PolicyState,
            ErrorCode::ServerUnreachable,
            ErrorCode::ServerRefused,
            ErrorCode::InvalidInput,
            ErrorCode::Cache,
            ErrorCode::NotCached,
            ErrorCode::OfflineLocked,
            ErrorCode::Internal,
        ];
        for code in codes {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "{code:?}");
        }
    }
}
