//! Identity for Support Desk: the OpenID provider, the keychain, and the types secrets live in.
//!
//! Promises of this crate:
//! - a secret (token, key) is only ever held in a [`secrecy`] type, whose `Debug` is redacted and
//!   which is zeroized on drop; no function here returns one as a plain `String`;
//! - the keychain is the operating system's, or nothing: with no Secret Service, or a locked one,
//!   [`keychain`] answers with an error naming the cause and never falls back to a file;
//! - a provider is only reached over https, except loopback issuers used in development.
#![deny(missing_docs)]

pub mod discovery;
pub mod keychain;

pub use discovery::{ExtraMetadata, ProviderMetadata, check_issuer, discover};
pub use keychain::{Keychain, KeychainError};
pub use secrecy::{ExposeSecret, SecretString};

/// What can go wrong while talking to the identity provider.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The issuer is not a URL we may use: not a URL at all, or plain http to a host that is not
    /// this machine.
    #[error("issuer `{issuer}` is not usable: {reason}")]
    InvalidIssuer {
        /// The issuer as configured.
        issuer: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The provider's discovery document could not be fetched or does not describe this issuer.
    #[error("discovery failed for `{issuer}`: {reason}")]
    Discovery {
        /// The issuer as configured.
        issuer: String,
        /// What the fetch or the document check said.
        reason: String,
    },
}
