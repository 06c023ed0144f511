//! Identity for Support Desk: the OpenID provider, the keychain, and the types secrets live in.
//!
//! Promises of this crate:
//! - a secret (token, key) is only ever held in a [`secrecy`] type, whose `Debug` is redacted and
//!   which is zeroized on drop; no public function returns one as a plain `String`;
//! - the keychain is the operating system's, or nothing: with no Secret Service, or a locked one,
//!   [`keychain`] answers with an error naming the cause and never falls back to a file;
//! - a provider is only reached over https, except loopback issuers used in development;
//! - sign-in is the authorization code flow with PKCE S256 through the system browser and a
//!   loopback redirect (RFC 8252); an ID token is accepted only after every check in [`id_token`].
#![deny(missing_docs)]

pub mod browser;
pub mod discovery;
mod error;
#[cfg(test)]
mod fuzz;
mod http;
pub mod id_token;
pub mod keychain;
pub mod lock;
pub mod loopback;
pub mod provider;
pub mod session;
mod token;

pub use browser::Opener;
pub use discovery::{ExtraMetadata, ProviderMetadata, check_issuer, discover};
pub use error::AuthError;
pub use id_token::Identity;
pub use keychain::{Keychain, KeychainError};
pub use lock::ProcessLock;
/// The OpenID Connect library this crate builds on, for callers that name its types.
pub use openidconnect;
pub use provider::{Provider, ProviderConfig};
pub use secrecy::{ExposeSecret, SecretString};
pub use session::{Session, SignedOut, forget_stored, stored_subject};
