//! The key that signs policies: loaded from its file, or made on first start.
//!
//! The private key is a JWK in a file only its owner may read; the public half is written beside
//! it as a JWKS (`policy-keys.public.json`) for clients to pin in their configuration. Clients
//! never take keys from the server they talk to, so this file reaches them by deployment (the
//! demo points the app at it).

use std::path::{Path, PathBuf};

use desk_core::signed::PolicyKey;
use rand::RngCore;
use sha2::Digest;
use zeroize::Zeroizing;

/// The public JWKS's file name, beside the private key.
pub const PUBLIC_FILE: &str = "policy-keys.public.json";

/// Why the key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
#[error("policy signing key {path}: {reason}")]
pub struct KeyError {
    path: PathBuf,
    reason: String,
}

/// The signing key and where its public half was written.
pub struct LoadedKey {
    /// The signing key.
    pub key: PolicyKey,
    /// The public JWKS for clients.
    pub public_file: PathBuf,
    /// Whether the key was made just now.
    pub created: bool,
}

/// Loads the key at `path`, making one (readable by its owner only) when there is none.
pub fn load_or_create(path: &Path) -> Result<LoadedKey, KeyError> {
    let fail = |reason: String| KeyError {
        path: path.to_owned(),
        reason,
    };
    let (key, created) = match read_private(path) {
        Ok(text) => (
            PolicyKey::from_jwk(&text).map_err(|e| fail(e.to_string()))?,
            false,
        ),
        Err(Read::Missing) => match create(path) {
            Ok(key) => (key, true),
            // Another process (a replica on a shared folder) made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => (load(path)?, false),
            Err(e) => return Err(fail(e.to_string())),
        },
        Err(Read::Other(reason)) => return Err(fail(reason)),
    };
    let public_file = path.parent().unwrap_or(Path::new(".")).join(PUBLIC_FILE);
    let jwks = serde_json::json!({ "keys": [key.public()] });
    // Replaced at once: clients and other replicas may be reading it.
    crate::private::replace_with(&public_file, format!("{jwks:#}\n").as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    Ok(LoadedKey {
        key,
        public_file,
        created,
    })
}

/// Loads the key at `path`; a missing file is an error. For tools, which must never make a key
/// of their own (nothing would trust it).
pub fn load(path: &Path) -> Result<PolicyKey, KeyError> {
    let fail = |reason: String| KeyError {
        path: path.to_owned(),
        reason,
    };
    match read_private(path) {
        Ok(text) => PolicyKey::from_jwk(&text).map_err(|e| fail(e.to_string())),
        Err(Read::Missing) => Err(fail(
            "no such file (the server makes it on first start; set `policy_key_file` or \
             DESK_SERVER_POLICY_KEY_FILE if it is elsewhere)"
                .into(),
        )),
        Err(Read::Other(reason)) => Err(fail(reason)),
    }
}

enum Read {
    Missing,
    Other(String),
}

/// The key file's text, refused when others may read it.
fn read_private(path: &Path) -> Result<Zeroizing<String>, Read> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Read::Missing),
        Err(e) => return Err(Read::Other(e.to_string())),
    };
    let metadata = file.metadata().map_err(|e| Read::Other(e.to_string()))?;
    crate::private::check_key_file(path, &metadata).map_err(Read::Other)?;
    let mut text = Zeroizing::new(String::new());
    std::io::Read::read_to_string(&mut file, &mut text).map_err(|e| Read::Other(e.to_string()))?;
    Ok(text)
}

fn create(path: &Path) -> std::io::Result<PolicyKey> {
    if let Some(dir) = path.parent() {
        crate::private::dir(dir)?;
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(seed.as_mut());
    let public = PolicyKey::from_seed("", &seed).public();
    let kid = format!(
        "policy-{}",
        &hex::encode(sha2::Sha256::digest(public.x.as_bytes()))[..12]
    );
    let key = PolicyKey::from_seed(kid, &seed);
    crate::private::create_new_with(path, key.to_private_jwk().as_bytes())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_private_and_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/policy-key.jwk");
        let first = load_or_create(&path).unwrap();
        assert!(first.created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = load_or_create(&path).unwrap();
        assert!(!second.created);
        assert_eq!(second.key.public(), first.key.public());
        let public = std::fs::read_to_string(&first.public_file).unwrap();
        assert!(public.contains(&first.key.public().x));
        assert!(
            !public.contains("\"d\""),
            "the public file holds no private part"
        );
    }

    #[test]
    fn replicas_starting_at_once_on_one_folder_end_with_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy-key.jwk");
        let audit = dir.path().join("audit-search-key");
        let started: Vec<_> = (0..8)
            .map(|_| {
                let (path, audit) = (path.clone(), audit.clone());
                std::thread::spawn(move || {
                    let policy = load_or_create(&path).unwrap();
                    let (audit, _) = crate::audit::key::AuditKey::load_or_create(&audit).unwrap();
                    (policy.key.public(), policy.created, audit.hmac_hex(b"x"))
                })
            })
            .collect();
        let keys: Vec<_> = started.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(keys.iter().filter(|k| k.1).count(), 1, "made once");
        assert!(keys.iter().all(|k| k.0 == keys[0].0 && k.2 == keys[0].2));
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy-key.jwk");
        std::fs::write(&path, "{\"kty\":\"OKP\"}").unwrap();
        let err = load_or_create(&path).err().unwrap();
        assert!(err.to_string().contains("policy-key.jwk"), "{err}");
    }
}
