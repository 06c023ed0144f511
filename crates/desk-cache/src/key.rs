//! The cache's encryption key.

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::CacheError;

/// A 256-bit SQLCipher key. Its `Debug` prints nothing of the key; it is zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self(key)
    }

    /// The key as 64 hex digits, the form it is stored in the keychain.
    pub fn to_hex(&self) -> SecretString {
        SecretString::from(hex::encode(self.0))
    }

    /// Reads a key stored by [`CacheKey::to_hex`].
    pub fn from_hex(hex_key: &SecretString) -> Result<Self, CacheError> {
        let mut key = [0u8; 32];
        hex::decode_to_slice(hex_key.expose_secret(), &mut key)
            .map_err(|_| CacheError::MalformedKey)?;
        Ok(Self(key))
    }

    /// The value of SQLCipher's `key` pragma for this raw key: `"x'<hex>'"`, which skips the
    /// passphrase derivation because the key is already random.
    pub(crate) fn pragma_value(&self) -> String {
        format!("\"x'{}'\"", hex::encode(self.0))
    }
}

impl std::fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_round_trip_through_hex() {
        let a = CacheKey::generate();
        let b = CacheKey::generate();
        assert_ne!(a.0, b.0);
        let back = CacheKey::from_hex(&a.to_hex()).unwrap();
        assert_eq!(a.0, back.0);
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = CacheKey::generate();
        let hex = key.to_hex();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex.expose_secret()[..8]), "{shown}");
    }

    #[test]
    fn malformed_stored_keys_are_refused() {
        for bad in ["", "abc", &"zz".repeat(32), &"ab".repeat(33)] {
            let err = CacheKey::from_hex(&SecretString::from(bad)).unwrap_err();
            assert!(matches!(err, CacheError::MalformedKey), "{bad}");
        }
    }
}
