//! `desk doctor`: does each part Support Desk stands on answer?

use serde::Serialize;

use crate::Config;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `keychain`, `encrypted_storage`, `provider`, `audit_witness` or
    /// `update_feed`.
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
        checks: vec![
            keychain,
            storage,
            provider,
            audit_witness(config),
            update_feed(config),
        ],
    }
}

/// Whether the update feed setting is one the window will ask (https, or http on loopback).
/// Not set is fine: the organisation then delivers updates another way.
fn update_feed(config: &Config) -> Check {
    let (ok, detail) = match crate::update::feed(config) {
        Ok(None) => (
            true,
            "not set: the window does not look for updates (update_feed, DESK_UPDATE_FEED)".into(),
        ),
        Ok(Some(url)) => (
            true,
            format!(
                "{}: the window asks it at start and daily, and installs only packages signed \
                 with its build's key",
                crate::update::shown_url(&url)
            ),
        ),
        Err(e) => (false, e.to_string()),
    };
    Check {
        name: "update_feed",
        ok,
        detail,
    }
}

/// What this client witnessed of the server's audit trail: the newest signed checkpoint its
/// policies carried, as a line `desk-server audit verify --checkpoint` takes, or what was wrong
/// with a later one (the trail went back or changed).
fn audit_witness(config: &Config) -> Check {
    let check = |ok, detail: String| Check {
        name: "audit_witness",
        ok,
        detail,
    };
    let versions = crate::versions::Versions::new(&config.data_dir);
    let entries = match versions.all_witnessed() {
        Ok(entries) => entries,
        Err(e) => return check(false, e.to_string()),
    };
    if let Some((_, subject, w)) = entries.iter().find(|(_, _, w)| w.behind.is_some()) {
        let what = w.behind.as_deref().unwrap_or_default();
        return check(false, format!("seen while {subject} was signed in: {what}"));
    }
    let keys = crate::policy::pinned_keys(config.policy_keys_file.as_deref()).unwrap_or_default();
    let newest = entries
        .iter()
        .filter_map(|(_, _, w)| w.checkpoint.as_deref())
        .filter_map(|jws| Some((desk_core::signed::verify_checkpoint(jws, &keys).ok()?, jws)))
        .max_by_key(|(c, _)| c.seq);
    match newest {
        None => check(true, "no audit checkpoint seen yet".into()),
        Some((c, jws)) => {
            let line = serde_json::json!({
                "seq": c.seq, "hash": c.hash, "time": c.time, "signed": jws,
            });
            check(
                true,
                format!(
                    "the server's audit trail held entry {} at {}; to check it still does, give \
                     this line to `desk-server audit verify --checkpoint`: {line}",
                    c.seq, c.time
                ),
            )
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_feed_check_names_what_is_wrong_and_hides_a_token() {
        let with = |feed: Option<&str>| {
            update_feed(&Config {
                update_feed: feed.map(str::to_owned),
                ..Config::default()
            })
        };
        assert!(with(None).ok);
        let fine = with(Some("https://updates.example.com/latest.json?token=s3cret"));
        assert!(fine.ok, "{}", fine.detail);
        assert!(!fine.detail.contains("s3cret"), "{}", fine.detail);
        let plain = with(Some("http://updates.example.com/latest.json"));
        assert!(!plain.ok);
        assert!(plain.detail.contains("use https"), "{}", plain.detail);
    }
}
