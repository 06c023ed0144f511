//! Configuration: defaults, then a TOML file, then `DESK_`-prefixed environment variables.
//!
//! The file is `$DESK_CONFIG` when set, otherwise `config.toml` in the platform's configuration
//! folder (`~/.config/support-desk/config.toml` on Linux). A missing file is fine; a malformed one
//! is an error naming the problem.

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// Every setting of the client, with its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Issuer URL of the company's OpenID provider (`DESK_ISSUER`). https, or http on loopback
    /// for development. No default: without it, nobody can sign in.
    pub issuer: Option<String>,
    /// The client id registered for Support Desk at the provider (`DESK_CLIENT_ID`). A public
    /// client: there is no client secret.
    pub client_id: String,
    /// Scopes requested at sign-in, space-separated (`DESK_SCOPES`).
    pub scopes: String,
    /// The ID token claim that carries the agent's groups or roles (`DESK_ROLES_CLAIM`).
    pub roles_claim: String,
    /// Where the encrypted cache and non-secret state live (`DESK_DATA_DIR`).
    pub data_dir: PathBuf,
    /// The keychain service name entries are stored under (`DESK_KEYRING_SERVICE`); tests use
    /// their own so they never touch a person's entries.
    pub keyring_service: String,
    /// Base URL of the desk-server gateway (`DESK_SERVER_URL`): https, or http on loopback for
    /// development, since every request carries the agent's access token.
    pub server_url: Option<String>,
    /// A JWKS file (`{"keys": [...]}`) of the server's Ed25519 policy keys that this client trusts
    /// (`DESK_POLICY_KEYS_FILE`); list several while the server rotates keys. Policies are
    /// verified against these keys only, never against keys the server offers. Required for
    /// anything that needs a policy.
    pub policy_keys_file: Option<PathBuf>,
    /// Seconds to wait for the browser to come back from the provider (`DESK_LOGIN_TIMEOUT_SECS`).
    pub login_timeout_secs: u64,
    /// Clock skew in seconds allowed on token times (`DESK_CLOCK_SKEW_SECS`).
    pub clock_skew_secs: u64,
    /// Where the window asks for a newer version (`DESK_UPDATE_FEED`): the URL of the update
    /// feed the organisation publishes, https (or http on loopback, for tests), which may name
    /// `{{target}}`, `{{arch}}`, `{{bundle_type}}` and `{{current_version}}`. Only updates
    /// signed with the key the installed build was made with are installed. None: the window
    /// does not look for updates (the organisation delivers them another way).
    pub update_feed: Option<String>,
}

/// The environment variables read, without their `DESK_` prefix.
const ENV_KEYS: [&str; 11] = [
    "issuer",
    "client_id",
    "scopes",
    "roles_claim",
    "data_dir",
    "keyring_service",
    "server_url",
    "policy_keys_file",
    "login_timeout_secs",
    "clock_skew_secs",
    "update_feed",
];

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: None,
            client_id: "support-desk".into(),
            scopes: "openid profile email offline_access".into(),
            roles_claim: "groups".into(),
            data_dir: dirs::data_local_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("support-desk"),
            keyring_service: "support-desk".into(),
            server_url: None,
            policy_keys_file: None,
            login_timeout_secs: 300,
            clock_skew_secs: 60,
            update_feed: None,
        }
    }
}

impl Config {
    /// The configuration file's path: `$DESK_CONFIG`, or the platform's default location.
    pub fn file_path() -> Option<PathBuf> {
        std::env::var_os("DESK_CONFIG")
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|d| d.join("support-desk/config.toml")))
    }

    /// Loads defaults, then the file, then the environment. A file named by `DESK_CONFIG` must
    /// exist; the default file may be absent.
    pub fn load() -> Result<Self, AppError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = Self::file_path() {
            figment = figment.merge(if std::env::var_os("DESK_CONFIG").is_some() {
                Toml::file_exact(path)
            } else {
                Toml::file(path)
            });
        }
        figment
            .merge(Env::prefixed("DESK_").only(&ENV_KEYS))
            .extract()
            .map_err(|e| AppError::Config(e.to_string()))
    }
}

#[cfg(test)]
// figment's Jail closures return figment's own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    // figment's Jail gives each closure its own environment and working folder, so these tests
    // neither see nor change the real ones.
    #[test]
    fn environment_overrides_file_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "desk.toml",
                r#"
                issuer = "https://file.example.com"
                roles_claim = "roles"
                "#,
            )?;
            jail.set_env("DESK_CONFIG", "desk.toml");
            jail.set_env("DESK_ISSUER", "https://env.example.com");
            jail.set_env("DESK_KEYRING_SERVICE", "desk-test");
            let config = Config::load().unwrap();
            assert_eq!(config.issuer.as_deref(), Some("https://env.example.com"));
            assert_eq!(config.roles_claim, "roles");
            assert_eq!(config.keyring_service, "desk-test");
            assert_eq!(config.client_id, "support-desk", "default kept");
            Ok(())
        });
    }

    #[test]
    fn the_policy_keys_file_comes_from_the_file_or_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("desk.toml", "policy_keys_file = \"/etc/desk/keys.json\"")?;
            jail.set_env("DESK_CONFIG", "desk.toml");
            assert_eq!(
                Config::load().unwrap().policy_keys_file,
                Some(PathBuf::from("/etc/desk/keys.json"))
            );
            jail.set_env("DESK_POLICY_KEYS_FILE", "/tmp/rotated.json");
            assert_eq!(
                Config::load().unwrap().policy_keys_file,
                Some(PathBuf::from("/tmp/rotated.json"))
            );
            Ok(())
        });
        assert_eq!(
            Config::default().policy_keys_file,
            None,
            "nothing pinned by default"
        );
    }

    #[test]
    fn a_missing_file_named_explicitly_is_an_error() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DESK_CONFIG", "nowhere.toml");
            let err = Config::load().unwrap_err();
            assert!(err.to_string().contains("nowhere.toml"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn unknown_or_malformed_settings_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("desk.toml", "isuer = \"https://typo.example.com\"")?;
            jail.set_env("DESK_CONFIG", "desk.toml");
            let err = Config::load().unwrap_err();
            assert!(err.to_string().contains("isuer"), "{err}");
            jail.create_file("desk.toml", "issuer = [")?;
            assert!(Config::load().is_err());
            Ok(())
        });
    }

    #[test]
    fn unrelated_desk_variables_are_ignored() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("empty.toml", "")?;
            jail.set_env("DESK_CONFIG", "empty.toml");
            jail.set_env("DESK_IDP_USER", "agent1");
            assert_eq!(Config::load().unwrap().issuer, None);
            Ok(())
        });
    }
}
