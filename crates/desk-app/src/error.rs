//! Errors as front ends see them: a stable code to branch on, a sentence to show.

use serde::Serialize;

/// A stable, machine-readable error kind. Front ends branch on this, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The configuration file or a `DESK_` variable is malformed.
    Config,
}

impl ErrorCode {
    /// The code's stable spelling, the same as its serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
        }
    }
}

/// An error from the application layer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The configuration could not be loaded.
    #[error("the configuration is not valid: {0}")]
    Config(String),
}

impl AppError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Config(_) => ErrorCode::Config,
        }
    }
}
