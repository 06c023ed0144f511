//! Provisioning clients' bearer tokens (for `/scim/v2`): what a token is, how it is made and how
//! it is kept. A provisioning client (Entra ID, Okta) is not an agent and holds no access token of
//! the provider: it authenticates with a token made by `desk-server scim token create --name
//! NAME`, shown once and kept only as its SHA-256 (a token is 256 random bits, so a slow hash
//! would add nothing). Tokens are listed and revoked by name; each make and revoke is audited.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Every token begins so, which lets a secret scanner recognise one that leaked.
pub const TOKEN_PREFIX: &str = "desk_scim_";

/// The longest name a token may have.
pub const MAX_NAME_CHARS: usize = 64;

/// Whether `name` may name a token: 1 to 64 ASCII letters, digits, `.`, `_` or `-`. Anything
/// else is refused with the sentence to show.
pub fn check_name(name: &str) -> Result<(), String> {
    let fits = (1..=MAX_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if fits {
        Ok(())
    } else {
        Err(format!(
            "a token's name is 1 to {MAX_NAME_CHARS} letters, digits, `.`, `_` or `-`"
        ))
    }
}

/// A fresh token: [`TOKEN_PREFIX`] and 32 random bytes from the operating system, base64url.
pub fn generate() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    bytes.fill(0);
    SecretString::from(token)
}

/// What is kept of `token`: its SHA-256, in lowercase hex.
pub fn hash(token: &SecretString) -> String {
    hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_new_each_time_and_kept_only_as_their_hash() {
        let (a, b) = (generate(), generate());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().starts_with(TOKEN_PREFIX));
        assert_eq!(a.expose_secret().len(), TOKEN_PREFIX.len() + 43);
        let kept = hash(&a);
        assert_eq!(kept.len(), 64);
        assert!(!kept.contains(&a.expose_secret()[TOKEN_PREFIX.len()..]));
        assert_eq!(
            kept,
            hash(&SecretString::from(a.expose_secret().to_owned()))
        );
        assert_ne!(kept, hash(&b));
        assert!(!format!("{a:?}").contains(a.expose_secret()));
    }

    #[test]
    fn names_are_short_plain_words() {
        for ok in ["entra-id", "okta.prod", "A_1", &"n".repeat(64)] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "has space",
            "slash/",
            "ünï",
            &"n".repeat(65),
            "new\nline",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
