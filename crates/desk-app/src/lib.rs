//! The application layer of Support Desk: what the window (`src-tauri`) and the command line
//! (`desk`) both call. Neither front end holds logic of its own; each one turns a user's request
//! into one call here and renders what comes back.
//!
//! Promises of this crate: nothing it returns to a front end carries a token, a key or an
//! unredacted record; every error has a stable [`ErrorCode`] and a message meant for a person.
#![deny(missing_docs)]

pub mod config;
pub mod doctor;
mod error;

pub use config::Config;
pub use doctor::{Check, Doctor};
pub use error::{AppError, ErrorCode};

use serde::Serialize;

/// The application: its configuration and, as later work lands, the signed-in session.
#[derive(Debug, Clone)]
pub struct App {
    config: Config,
}

/// What a front end shows before anything else: who would sign in where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// This build's version.
    pub version: &'static str,
    /// The configured identity provider, if any.
    pub issuer: Option<String>,
    /// Whether an agent is signed in.
    pub signed_in: bool,
}

impl App {
    /// An application over `config`.
    pub fn new(config: Config) -> Self {
        Self { config }
    }

    /// Loads the configuration (defaults, then file, then `DESK_` variables) and builds the app.
    pub fn load() -> Result<Self, AppError> {
        Ok(Self::new(Config::load()?))
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The status a front end opens with. Sign-in is not built yet, so nobody is signed in.
    pub fn status(&self) -> Status {
        Status {
            version: env!("CARGO_PKG_VERSION"),
            issuer: self.config.issuer.clone(),
            signed_in: false,
        }
    }

    /// Checks that the parts Support Desk stands on answer: keychain, encrypted storage, provider.
    pub async fn doctor(&self) -> Doctor {
        doctor::run(&self.config).await
    }
}
