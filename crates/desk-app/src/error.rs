//! Errors as front ends see them: a stable code to branch on, a sentence to show.

use std::path::PathBuf;

use desk_auth::{AuthError, KeychainError};
use desk_core::signed::PolicyError;

desk_core::closed_names! {
    /// A stable, machine-readable error kind. Front ends branch on this, never on message text.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    ErrorCode, "error code" {
        Config = "config", "The configuration file or a `DESK_` variable is malformed or incomplete.";
        KeychainUnavailable = "keychain_unavailable", "There is no keychain (no Secret Service); nothing is stored without one.";
        KeychainLocked = "keychain_locked", "The keychain is locked or refused access.";
        ProviderUnreachable = "provider_unreachable", "The provider could not be reached or answered something unusable.";
        ProviderUnsupported = "provider_unsupported", "The provider cannot serve this app (no PKCE S256, no acceptable algorithm).";
        SignInFailed = "sign_in_failed", "The sign-in was refused, cancelled, or its response failed a check.";
        SignInTimeout = "sign_in_timeout", "Nobody completed the sign-in in the browser in time.";
        TokenRejected = "token_rejected", "A token from the provider failed verification.";
        SessionEnded = "session_ended", "The provider no longer accepts the session: sign in again.";
        NotSignedIn = "not_signed_in", "Nobody is signed in.";
        Wiped = "wiped", "An administrator wiped this device: its cache is shredded and its session ended; sign in again.";
        AccessWithdrawn = "access_withdrawn", "The organisation withdrew the agent's access (provisioning): the cache is shredded and the session ended; sign in again once access is given back.";
        UpdateRequired = "update_required", "The server no longer answers this version of the app: update it (the server names the oldest version it answers).";
        UpdateUnavailable = "update_unavailable", "The update feed could not be read, or offers nothing this app can install.";
        UpdateRefused = "update_refused", "An offered update failed its signature check (altered, or signed with a key this build does not trust): nothing was installed.";
        UpdateFailed = "update_failed", "A checked update could not be installed (the system refused, or nobody confirmed as an administrator).";
        PolicyRefused = "policy_refused", "A policy from the server failed verification; the previous one stays in force.";
        PolicyState = "policy_state", "The record of accepted policy versions cannot be read or written; no policy is accepted until it is repaired or removed.";
        ServerUnreachable = "server_unreachable", "The desk-server could not be reached or answered something unusable.";
        Forbidden = "forbidden", "The desk-server refused because the agent's role may not do or see this (HTTP 403).";
        NotFound = "not_found", "The desk-server has no such record, or no longer has it (HTTP 404).";
        ServerRefused = "server_refused", "The desk-server refused the request for another reason (not signed in there, invalid input).";
        InvalidInput = "invalid_input", "Input given to the app (such as a layout file) is malformed.";
        Cache = "cache", "The encrypted cache cannot be used (it is recreated when unreadable).";
        NotCached = "not_cached", "Offline, and the record asked for is not in the cache.";
        OfflineLocked = "offline_locked", "Offline past the policy's expiry and offline grace: the cache is locked until the server answers again.";
        Internal = "internal", "Something on this machine failed (a listener, a task).";
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
    /// An administrator wiped this device: the cache is shredded and the session ended here
    /// (the refresh token revoked, the keychain entries deleted).
    #[error(
        "an administrator wiped this device: its cache is shredded and its session ended; sign in \
         again"
    )]
    Wiped,
    /// The organisation's provisioning withdrew the agent's access (the server answered 401
    /// `access_withdrawn`): the cache is shredded and the session ended here.
    #[error(
        "your organisation withdrew your access to Support Desk: the cache is shredded and the \
         session ended; sign in again once it is given back"
    )]
    AccessWithdrawn {
        /// The last wipe ordered for the agent when the server refused, which this device has
        /// carried out by shredding and signing out.
        wipe_id: Option<i64>,
    },
    /// The server no longer answers this version (426 `update_required`): nothing works with
    /// it until the app is updated.
    #[error(
        "this version of Support Desk ({current}) is no longer answered by your organisation's \
         server: update it to {min_version} or later"
    )]
    UpdateRequired {
        /// This app's version.
        current: String,
        /// The oldest version the server answers.
        min_version: String,
    },
    /// The update feed could not be read, or what it offers cannot be installed here.
    #[error("the update feed at {feed} {cause}")]
    UpdateUnavailable {
        /// The feed's URL.
        feed: String,
        /// What went wrong, as a phrase following "the update feed at URL".
        cause: String,
    },
    /// An offered update failed its check before anything was installed.
    #[error("the update to {version} was refused: {reason}; nothing was installed")]
    UpdateRefused {
        /// The version offered.
        version: String,
        /// Which check failed.
        reason: String,
    },
    /// A checked update could not be installed.
    #[error("the update to {version} could not be installed: {cause}")]
    UpdateFailed {
        /// The version offered.
        version: String,
        /// What the system said.
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
        /// The views of an offline upload the server named as refused (`invalid_view`), each
        /// with its index, key and reason as the server sent them; empty for every other
        /// refusal.
        refused_views: Vec<desk_api::RefusedView>,
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
            Self::UpdateUnavailable { .. } => ErrorCode::UpdateUnavailable,
            Self::UpdateRefused { .. } => ErrorCode::UpdateRefused,
            Self::UpdateFailed { .. } => ErrorCode::UpdateFailed,
            Self::ServerRefused { status: 403, .. } => ErrorCode::Forbidden,
            Self::ServerRefused { status: 404, .. } => ErrorCode::NotFound,
            Self::ServerRefused { .. } => ErrorCode::ServerRefused,
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::Cache(_) => ErrorCode::Cache,
            Self::NotCached => ErrorCode::NotCached,
            Self::Wiped => ErrorCode::Wiped,
            Self::AccessWithdrawn { .. } => ErrorCode::AccessWithdrawn,
            Self::UpdateRequired { .. } => ErrorCode::UpdateRequired,
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
        for &code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "{code:?}");
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
        }
    }

    #[test]
    fn a_refusal_has_the_code_of_its_status() {
        let refused = |status| AppError::ServerRefused {
            status,
            code: "x".into(),
            message: "no".into(),
            request_id: None,
            refused_views: vec![],
        };
        assert_eq!(refused(403).code(), ErrorCode::Forbidden);
        assert_eq!(refused(404).code(), ErrorCode::NotFound);
        assert_eq!(refused(400).code(), ErrorCode::ServerRefused);
        assert_eq!(refused(401).code(), ErrorCode::ServerRefused);
    }
}
