//! `desk doctor`: does each part Support Desk stands on answer?

use serde::Serialize;

use crate::Config;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `keychain`, `encrypted_storage` or `provider`.
    pub name: &'static str,
    /// Whether it answered as needed.
    pub ok: bool,
    /// What was found, or what is wrong and what to do about it.
    pub detail: String,
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Doctor {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Doctor {
    /// Whether every check passed.
    pub fn all_ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

pub(crate) async fn run(config: &Config) -> Doctor {
    let (keychain, storage, provider) =
        tokio::join!(keychain(config), encrypted_storage(), provider(config));
    Doctor {
        checks: vec![keychain, storage, provider],
    }
}

async fn keychain(config: &Config) -> Check {
    let keychain = desk_auth::Keychain::new(config.keyring_service.clone());
    let answer = tokio::task::spawn_blocking(move || keychain.probe()).await;
    let (ok, detail) = match answer {
        Ok(Ok(())) => (
            true,
            format!("stores and deletes (service `{}`)", config.keyring_service),
        ),
        Ok(Err(e)) => (false, e.to_string()),
        Err(e) => (false, format!("the keychain check did not finish: {e}")),
    };
    Check {
        name: "keychain",
        ok,
        detail,
    }
}

async fn encrypted_storage() -> Check {
    let (ok, detail) = match desk_cache::cipher_version().await {
        Ok(Some(version)) => (true, format!("SQLCipher {version}")),
        Ok(None) => (false, "the linked SQLite has no SQLCipher".to_owned()),
        Err(e) => (false, e.to_string()),
    };
    Check {
        name: "encrypted_storage",
        ok,
        detail,
    }
}

async fn provider(config: &Config) -> Check {
    let (ok, detail) = match &config.issuer {
        None => (
            false,
            "no issuer configured: set DESK_ISSUER or `issuer` in the configuration file"
                .to_owned(),
        ),
        Some(issuer) => match desk_auth::discover(issuer).await {
            Ok(meta) => (true, format!("discovered {}", meta.issuer().as_str())),
            Err(e) => (false, e.to_string()),
        },
    };
    Check {
        name: "provider",
        ok,
        detail,
    }
}
