//! The audit key: 32 random bytes in a file of their own, outside the database. It keys the
//! chain's links ([`AuditKey::link_hex`], see [`super`]) and the search hashes in the trail.
//!
//! Without it nobody can link an entry, so a chain rewritten by someone who can only write the
//! database no longer verifies.
//!
//! A search entry keeps HMAC-SHA256 of what was searched under this key ([`super::searched`]).
//! An IBAN, a phone number or an e-mail address of a known customer is easy to guess, so a plain
//! hash would give the value away to anyone who tries the guesses; a keyed one can only be tested
//! by someone holding the key. It therefore lives beside the policy key, never in the database
//! that backups and readers of the trail get. With it, `desk-server audit find` turns a value
//! back into the entries that searched for it. Losing it loses only that (the chain still
//! verifies); a new key leaves the earlier hashes unmatched.
//!
//! The file is 64 lower-case hex digits, optionally followed by one newline (what
//! `openssl rand -hex 32` writes). Anything else is refused rather than replaced, so a damaged
//! or misplaced key is noticed instead of quietly starting a new one.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The key file's name in the data directory, unless the configuration names another file.
pub const FILE_NAME: &str = "audit-search-key";

/// The key's length in bytes.
const KEY_BYTES: usize = 32;

/// What every link's message starts with.
pub const LINK_DOMAIN: &[u8] = b"desk-audit-link\0";

/// Why the key could not be loaded or made. It never holds any part of the key.
#[derive(Debug, thiserror::Error)]
#[error("audit key {path}: {reason}")]
pub struct KeyError {
    path: PathBuf,
    reason: String,
}

/// The secret links and search hashes are keyed with. `Debug` shows none of it, it cannot be
/// serialized, and every copy is zeroized when dropped.
#[derive(Clone)]
pub struct AuditKey(Zeroizing<[u8; KEY_BYTES]>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

impl AuditKey {
    /// Loads the key at `path`, making one (readable by its owner only) when there is no file.
    /// Returns the key and whether it was made just now.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyError> {
        match read(path) {
            Err(ReadError::Missing) => match create(path) {
                Ok(key) => Ok((key, true)),
                // Another process made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Self::load(path).map(|key| (key, false))
                }
                Err(e) => Err(fail(path, format!("cannot make it: {e}"))),
            },
            other => other.map(|key| (key, false)).map_err(|e| e.at(path)),
        }
    }

    /// Loads the key at `path`; a missing file is an error. For tools, which must never make a
    /// key of their own (it would match nothing).
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        read(path).map_err(|e| e.at(path))
    }

    /// What stands for this key where the key may not go (the database pins it): an HMAC
    /// under it of a fixed text that starts with a byte no search hash's message starts with.
    pub fn fingerprint(&self) -> String {
        self.mac_hex(&[b"\0desk-server audit key fingerprint"])
    }

    /// HMAC-SHA256 of `message` under this key, in lower-case hex.
    pub fn hmac_hex(&self, message: &[u8]) -> String {
        self.mac_hex(&[message])
    }

    /// The chain link over `linked` (see [`super::AuditEntry::link`]): HMAC-SHA256 of
    /// [`LINK_DOMAIN`] and `linked`. The domain keeps links and search hashes apart: a search
    /// hash's message starts with its kind (`name`, `email`, …), never with it.
    pub fn link_hex(&self, linked: &[u8]) -> String {
        self.mac_hex(&[LINK_DOMAIN, linked])
    }

    fn mac_hex(&self, parts: &[&[u8]]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_ref())
            .expect("HMAC accepts a key of any length");
        for part in parts {
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

fn fail(path: &Path, reason: impl Into<String>) -> KeyError {
    KeyError {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

enum ReadError {
    Missing,
    Other(String),
}

impl ReadError {
    fn at(self, path: &Path) -> KeyError {
        match self {
            Self::Missing => fail(
                path,
                "no such file (the server makes it on first start; set `audit_key_file` or \
                 DESK_SERVER_AUDIT_KEY_FILE if it is elsewhere)",
            ),
            Self::Other(reason) => fail(path, reason),
        }
    }
}

/// The expected form, for error messages.
const FORMAT: &str = "a key file must hold 64 lower-case hex digits (32 bytes) and at most one \
                      newline after them, as `openssl rand -hex 32` writes";

fn read(path: &Path) -> Result<AuditKey, ReadError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Other(e.to_string())),
    };
    let metadata = file
        .metadata()
        .map_err(|e| ReadError::Other(e.to_string()))?;
    if !metadata.is_file() {
        return Err(ReadError::Other("not a regular file".into()));
    }
    crate::private::check_key_file(path, &metadata).map_err(ReadError::Other)?;
    // One byte more than the longest valid file, so a longer one is seen without reading it all.
    let mut text = Zeroizing::new(Vec::with_capacity(2 * KEY_BYTES + 2));
    file.take(2 * KEY_BYTES as u64 + 2)
        .read_to_end(&mut text)
        .map_err(|e| ReadError::Other(e.to_string()))?;
    parse(&text).map_err(|why| ReadError::Other(format!("{why}; {FORMAT}")))
}

/// The key in a file's bytes, or what is wrong with them (never quoting them).
fn parse(text: &[u8]) -> Result<AuditKey, String> {
    let digits = text.strip_suffix(b"\n").unwrap_or(text);
    if digits.len() != 2 * KEY_BYTES {
        return Err(if text.len() > 2 * KEY_BYTES + 1 {
            "the file is too long".to_owned()
        } else {
            format!("the file holds {} characters", digits.len())
        });
    }
    if !digits
        .iter()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return Err("the file holds characters other than lower-case hex digits".into());
    }
    let mut key = Zeroizing::new([0u8; KEY_BYTES]);
    hex::decode_to_slice(digits, key.as_mut()).map_err(|e| e.to_string())?;
    Ok(AuditKey(key))
}

fn create(path: &Path) -> std::io::Result<AuditKey> {
    if let Some(dir) = path.parent() {
        crate::private::dir(dir)?;
    }
    let mut key = Zeroizing::new([0u8; KEY_BYTES]);
    rand::rngs::OsRng.fill_bytes(key.as_mut());
    let mut text = Zeroizing::new(hex::encode(key.as_ref()));
    text.push('\n');
    crate::private::create_new_with(path, text.as_bytes())?;
    Ok(AuditKey(key))
}

impl AuditKey {
    /// A key with these bytes: for tests, and tools that read a key another way.
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        Self(Zeroizing::new(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_private_and_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join(FILE_NAME);
        let (first, created) = AuditKey::load_or_create(&path).unwrap();
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65, "64 hex digits and a newline");
        assert_eq!(hex::encode(first.0.as_ref()) + "\n", text);
        let (second, created) = AuditKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(second.hmac_hex(b"x"), first.hmac_hex(b"x"));
        assert_eq!(AuditKey::load(&path).unwrap().0.as_ref(), first.0.as_ref());

        let other = dir.path().join("other");
        let (another, _) = AuditKey::load_or_create(&other).unwrap();
        assert_ne!(
            another.hmac_hex(b"x"),
            first.hmac_hex(b"x"),
            "keys are random"
        );
    }

    #[test]
    fn a_file_not_exactly_in_the_format_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let good = "0123456789abcdef".repeat(4);
        let bad = [
            String::new(),
            "\n".into(),
            good[..63].into(),
            format!("{good}0"),
            format!("{good}\n\n"),
            format!("{good} "),
            format!(" {good}"),
            format!("{good}\r\n"),
            good.to_uppercase(),
            format!("{}g", &good[..63]),
            "{\"kty\":\"OKP\"}".into(),
            "x".repeat(10_000),
        ];
        for (i, text) in bad.iter().enumerate() {
            let path = dir.path().join(format!("key{i}"));
            write_private(&path, text);
            let err = AuditKey::load_or_create(&path).unwrap_err().to_string();
            assert!(
                err.contains(&format!("key{i}")) && err.contains("64 lower-case hex digits"),
                "{err}"
            );
            assert!(!err.contains(&good[..16]), "the error quotes no key: {err}");
            assert_eq!(
                &std::fs::read_to_string(&path).unwrap(),
                text,
                "kept as it was"
            );
        }
        for text in [good.clone(), format!("{good}\n")] {
            let path = dir.path().join("good");
            let _ = std::fs::remove_file(&path);
            write_private(&path, &text);
            let key = AuditKey::load(&path).unwrap();
            assert_eq!(hex::encode(key.0.as_ref()), good);
        }
        let err = AuditKey::load_or_create(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    /// Writes a key file as its owner keeps it: readable by the owner only.
    fn write_private(path: &Path, text: &str) {
        let mut file = crate::private::create_new(path).unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    }

    #[test]
    fn a_key_others_may_read_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        AuditKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            for err in [
                AuditKey::load(&path).unwrap_err().to_string(),
                AuditKey::load_or_create(&path).unwrap_err().to_string(),
            ] {
                assert!(
                    err.contains("mode 640") && err.contains("chmod 600"),
                    "{err}"
                );
            }
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640, "not changed behind the owner's back");
        }
    }

    #[test]
    fn a_tool_never_makes_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let err = AuditKey::load(&path).unwrap_err().to_string();
        assert!(err.contains("DESK_SERVER_AUDIT_KEY_FILE"), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn debug_shows_no_part_of_the_key() {
        let key = AuditKey::from_bytes([0xab; KEY_BYTES]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "AuditKey(<redacted>)");
        assert!(!shown.contains("ab"));
    }

    #[test]
    fn the_hmac_is_hmac_sha256_in_hex() {
        // Computed independently (Python's hmac module).
        let mut bytes = [0u8; KEY_BYTES];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
        let key = AuditKey::from_bytes(bytes);
        assert_eq!(
            key.hmac_hex(b"email\0jane.doe@example.com"),
            "0d6a39f4aefd62546efbef39a5c82a842fd28cab61b8f81672187384208319ec"
        );
    }
}
