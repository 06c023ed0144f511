//! A signed-in agent: the identity, the access token in memory, the refresh token in the
//! keychain.
//!
//! Keychain entries, under the configured service name:
//! - `account@{issuer}`: the subject signed in at that issuer (not a secret, but kept beside the
//!   token it points to rather than in a file);
//! - `refresh-token@{issuer}#{subject}`: the refresh token, one entry, replaced in place.
//!
//! The access and ID tokens live only in this process, in secret types. A refresh is
//! single-flight: concurrent callers wait for the one in progress and share its result, so a
//! rotating provider never sees the same refresh token twice. A rotated refresh token is stored
//! before the new access token is handed out.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::sync::Mutex;

use crate::browser::Opener;
use crate::id_token::Identity;
use crate::provider::{Provider, Verified};
use crate::{AuthError, Keychain, KeychainError};

/// Refresh when the access token has less than this left.
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// A signed-in agent.
pub struct Session {
    provider: Arc<Provider>,
    keychain: Keychain,
    identity: RwLock<Identity>,
    live: Mutex<Live>,
}

struct Live {
    access_token: SecretString,
    expires_at: Instant,
}

/// What signing out did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOut {
    /// Whether the provider confirmed the revocation of the refresh token.
    pub revoked: bool,
    /// Where to send the browser to end the provider's own session, when it offers that.
    pub end_session_url: Option<String>,
}

impl Session {
    /// Signs in through the browser. The keychain is checked first, so without one nothing
    /// happens at all; after every check has passed, the refresh token is stored.
    pub async fn sign_in(
        provider: Arc<Provider>,
        keychain: Keychain,
        opener: &Opener,
    ) -> Result<Self, AuthError> {
        let probe = keychain.clone();
        blocking(move || probe.probe()).await?;
        let issuer = provider.config().issuer.clone();
        let previous = stored(&keychain, &issuer).await?;
        let verified = provider.sign_in(opener).await?;
        let session = Self::from_verified(
            provider.clone(),
            keychain.clone(),
            verified.identity.clone(),
            &verified,
        );
        session.store(&verified).await?;
        // The session this sign-in replaces ends at the provider too, and leaves no entry.
        if let Some((old_subject, old_token)) = previous {
            revoke_quietly(&provider, &old_token).await;
            if old_subject != verified.identity.subject {
                let entry = refresh_entry(&issuer, &old_subject);
                blocking(move || keychain.delete(&entry)).await?;
            }
        }
        Ok(session)
    }

    /// Signs the last agent back in with the stored refresh token, without a browser.
    /// `Ok(None)`: nobody is signed in at this issuer.
    pub async fn restore(
        provider: Arc<Provider>,
        keychain: Keychain,
    ) -> Result<Option<Self>, AuthError> {
        let issuer = provider.config().issuer.clone();
        let Some((subject, refresh_token)) = stored(&keychain, &issuer).await? else {
            return Ok(None);
        };
        let placeholder = Identity {
            issuer: provider.config().issuer.clone(),
            subject,
            name: None,
            email: None,
            roles: Vec::new(),
        };
        let verified = match provider.refresh(&refresh_token, &placeholder).await {
            Ok(v) => v,
            Err(AuthError::SessionEnded) => {
                forget(&keychain, &placeholder).await?;
                return Err(AuthError::SessionEnded);
            }
            Err(e) => return Err(e),
        };
        if verified.tokens.id_token.is_none() {
            // Without an ID token there is nothing to read the agent's roles from.
            return Err(AuthError::IdToken(
                "the provider sent no ID token on refresh; sign in again".into(),
            ));
        }
        let session = Self::from_verified(provider, keychain, verified.identity.clone(), &verified);
        session.store(&verified).await?;
        Ok(Some(session))
    }

    /// Who is signed in.
    pub fn identity(&self) -> Identity {
        self.identity.read().expect("identity lock").clone()
    }

    /// A current access token, refreshed first when it is about to expire.
    pub async fn access_token(&self) -> Result<SecretString, AuthError> {
        let mut live = self.live.lock().await;
        if live.expires_at.saturating_duration_since(Instant::now()) > REFRESH_AHEAD {
            return Ok(live.access_token.clone());
        }
        self.refresh_locked(&mut live).await?;
        Ok(live.access_token.clone())
    }

    /// Refreshes now, whatever the access token's expiry (used by tests and after a 401).
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let mut live = self.live.lock().await;
        self.refresh_locked(&mut live).await
    }

    async fn refresh_locked(&self, live: &mut Live) -> Result<(), AuthError> {
        let identity = self.identity();
        let kc = self.keychain.clone();
        let entry = refresh_entry(&identity.issuer, &identity.subject);
        let refresh_token = blocking(move || kc.get(&entry))
            .await
            .map_err(|e| match e {
                AuthError::Keychain(KeychainError::Missing(_)) => AuthError::SessionEnded,
                other => other,
            })?;
        let verified = match self.provider.refresh(&refresh_token, &identity).await {
            Ok(v) => v,
            Err(AuthError::SessionEnded) => {
                forget(&self.keychain, &identity).await?;
                return Err(AuthError::SessionEnded);
            }
            Err(e) => return Err(e),
        };
        self.store(&verified).await?;
        *self.identity.write().expect("identity lock") = verified.identity.clone();
        live.access_token = verified.tokens.access_token.clone();
        live.expires_at = verified.tokens.expires_at;
        Ok(())
    }

    /// Signs out: revokes the refresh token when the provider offers revocation, and deletes
    /// the keychain entries whatever the provider answered.
    pub async fn sign_out(self) -> Result<SignedOut, AuthError> {
        let revoked = end(Some(&self.provider), &self.keychain, &self.identity()).await?;
        Ok(SignedOut {
            revoked,
            end_session_url: self.provider.end_session_url(),
        })
    }

    fn from_verified(
        provider: Arc<Provider>,
        keychain: Keychain,
        identity: Identity,
        verified: &Verified,
    ) -> Self {
        Self {
            provider,
            keychain,
            identity: RwLock::new(identity),
            live: Mutex::new(Live {
                access_token: verified.tokens.access_token.clone(),
                expires_at: verified.tokens.expires_at,
            }),
        }
    }

    /// Stores a newly issued refresh token (replacing the old one in place) and the account.
    async fn store(&self, verified: &Verified) -> Result<(), AuthError> {
        let Some(refresh_token) = verified.tokens.refresh_token.clone() else {
            return Ok(());
        };
        let kc = self.keychain.clone();
        let identity = verified.identity.clone();
        blocking(move || {
            kc.set(
                &refresh_entry(&identity.issuer, &identity.subject),
                &refresh_token,
            )?;
            kc.set(
                &account_entry(&identity.issuer),
                &SecretString::from(identity.subject.clone()),
            )
        })
        .await
    }
}

/// Signs out without a session at hand: deletes what the keychain holds for `issuer`, revoking
/// the refresh token first when `provider` is given. `Ok(None)`: nothing was stored;
/// `Ok(Some(revoked))`: the entries are gone, and whether the provider confirmed revocation.
pub async fn forget_stored(
    provider: Option<&Provider>,
    keychain: &Keychain,
    issuer: &str,
) -> Result<Option<bool>, AuthError> {
    let Some(subject) = stored_subject(keychain, issuer).await? else {
        return Ok(None);
    };
    let identity = Identity {
        issuer: issuer.to_owned(),
        subject,
        name: None,
        email: None,
        roles: Vec::new(),
    };
    end(provider, keychain, &identity).await.map(Some)
}

/// The subject signed in at `issuer` according to the keychain, without asking the provider:
/// what an app that is offline knows of who is signed in.
pub async fn stored_subject(
    keychain: &Keychain,
    issuer: &str,
) -> Result<Option<String>, AuthError> {
    let kc = keychain.clone();
    let account = account_entry(issuer);
    blocking(move || match kc.get(&account) {
        Ok(s) => Ok(Some(secrecy::ExposeSecret::expose_secret(&s).to_owned())),
        Err(KeychainError::Missing(_)) => Ok(None),
        Err(e) => Err(e),
    })
    .await
}

/// Ends `identity`'s stored session: revokes its refresh token when there is one and a provider
/// to ask, then deletes the entries whatever the answer. Returns whether revocation was confirmed.
async fn end(
    provider: Option<&Provider>,
    keychain: &Keychain,
    identity: &Identity,
) -> Result<bool, AuthError> {
    let kc = keychain.clone();
    let entry = refresh_entry(&identity.issuer, &identity.subject);
    let token = blocking(move || kc.get(&entry)).await;
    let revoked = match (provider, token) {
        (Some(provider), Ok(token)) => revoke_quietly(provider, &token).await,
        _ => false,
    };
    forget(keychain, identity).await?;
    Ok(revoked)
}

/// Revokes `token`; a failure is logged, not returned, because the local sign-out goes ahead
/// whatever the provider says. Returns whether the provider confirmed.
async fn revoke_quietly(provider: &Provider, token: &SecretString) -> bool {
    provider.revoke(token).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "revocation failed; the keychain entry is deleted anyway");
        false
    })
}

/// The subject and refresh token stored for `issuer`, if any.
async fn stored(
    keychain: &Keychain,
    issuer: &str,
) -> Result<Option<(String, SecretString)>, AuthError> {
    let kc = keychain.clone();
    let issuer = issuer.to_owned();
    blocking(move || {
        let subject = match kc.get(&account_entry(&issuer)) {
            Ok(s) => secrecy::ExposeSecret::expose_secret(&s).to_owned(),
            Err(KeychainError::Missing(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        match kc.get(&refresh_entry(&issuer, &subject)) {
            Ok(token) => Ok(Some((subject, token))),
            Err(KeychainError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

async fn forget(keychain: &Keychain, identity: &Identity) -> Result<(), AuthError> {
    let kc = keychain.clone();
    let refresh = refresh_entry(&identity.issuer, &identity.subject);
    let account = account_entry(&identity.issuer);
    blocking(move || {
        kc.delete(&refresh)?;
        kc.delete(&account)
    })
    .await
}

fn account_entry(issuer: &str) -> String {
    format!("account@{issuer}")
}

fn refresh_entry(issuer: &str, subject: &str) -> String {
    format!("refresh-token@{issuer}#{subject}")
}

/// Runs a keychain call off the async threads (the Secret Service client blocks).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::Local(format!("keychain task failed: {e}")))?
        .map_err(AuthError::from)
}
