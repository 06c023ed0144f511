//! Errors as front ends see them: a stable code to branch on, a sentence to show.

use desk_auth::{AuthError, KeychainError};
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
        }
    }
}
