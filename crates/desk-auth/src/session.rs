//! A signed-in agent: the identity, the access token in memory, the refresh token in the
//! keychain.
//!
//! Keychain entries, under the configured service name:
//! - `account@{issuer}`: the subject signed in at that issuer (not a secret, but kept beside the
//!   token it points to rather than in a file);
//! - `refresh-token@{issuer}#{subject}`: the refresh token, one entry, replaced in place;
//! - `identity@{issuer}#{subject}`: the identity last verified from an ID token (subject, name,
//!   e-mail, roles: not secret), as JSON. A restart answers with it without asking the provider,
//!   and a refresh answered without an ID token (OpenID Connect Core 12.2 allows that) keeps it.
//!
//! A restored session asks the provider for nothing until a token is needed: its first access
//! token comes from a refresh. The access and ID tokens live only in this process, in secret
//! types. A refresh is single-flight: in a process, concurrent callers wait for the one in
//! progress; across the processes of an installation, each refresh holds the session lock
//! ([`crate::ProcessLock`], when configured) from reading the refresh token to storing its
//! successor. So a rotating provider never sees the same refresh token twice. A rotated refresh
//! token is stored before the new access token is handed out; a provider that does not rotate
//! sends none, and the stored one stays.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
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
        // Without a refresh token there is nothing to restore from: nothing is stored, as before
        // a sign-in.
        if verified.tokens.refresh_token.is_some() {
            session.store(&verified).await?;
        }
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

    /// Signs the last agent back in from the keychain, without a browser and without asking the
    /// provider: the identity is the one last verified, and the first access token is refreshed
    /// when it is asked for (a session the provider ended is found then). A session stored
    /// without its identity (by an earlier version) is refreshed at once instead, and needs an ID
    /// token in the answer. `Ok(None)`: nobody is signed in at this issuer.
    pub async fn restore(
        provider: Arc<Provider>,
        keychain: Keychain,
    ) -> Result<Option<Self>, AuthError> {
        let issuer = provider.config().issuer.clone();
        let Some((subject, refresh_token)) = stored(&keychain, &issuer).await? else {
            return Ok(None);
        };
        if let Some(identity) = stored_identity(&keychain, &issuer, &subject).await? {
            // Asked for nothing yet: the first access token comes from a refresh.
            return Ok(Some(Self {
                provider,
                keychain,
                identity: RwLock::new(identity),
                live: Mutex::new(Live {
                    access_token: SecretString::from(String::new()),
                    expires_at: Instant::now(),
                }),
            }));
        }
        // A session stored by an earlier version, without its identity: it takes a refresh,
        // and an ID token in its answer, to know the agent's roles again.
        let placeholder = Identity {
            issuer: provider.config().issuer.clone(),
            subject,
            name: None,
            email: None,
            roles: Vec::new(),
        };
        drop(refresh_token);
        let verified =
            refresh_stored_requiring_id_token(&provider, &keychain, &placeholder).await?;
        Ok(Some(Self::from_verified(
            provider,
            keychain,
            verified.identity.clone(),
            &verified,
        )))
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
        let verified = refresh_stored(&self.provider, &self.keychain, &identity).await?;
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

    /// Stores a newly issued refresh token (replacing the old one in place; a provider that
    /// does not rotate sends none, and the stored one stays), the verified identity and the
    /// account, which points at both and so is written last.
    async fn store(&self, verified: &Verified) -> Result<(), AuthError> {
        store(&self.keychain, verified).await
    }
}

/// Stores what a sign-in or refresh verified: see [`Session::store`].
async fn store(keychain: &Keychain, verified: &Verified) -> Result<(), AuthError> {
    let kc = keychain.clone();
    let identity = verified.identity.clone();
    let refresh_token = verified.tokens.refresh_token.clone();
    let json = serde_json::to_string(&identity)
        .map_err(|e| AuthError::Local(format!("the identity as JSON: {e}")))?;
    blocking(move || {
        if let Some(refresh_token) = refresh_token {
            kc.set(
                &refresh_entry(&identity.issuer, &identity.subject),
                &refresh_token,
            )?;
        }
        kc.set(
            &identity_entry(&identity.issuer, &identity.subject),
            &SecretString::from(json),
        )?;
        kc.set(
            &account_entry(&identity.issuer),
            &SecretString::from(identity.subject.clone()),
        )
    })
    .await
}

/// Refreshes `identity`'s stored session and stores what comes back, holding the installation's
/// session lock throughout (when the provider's configuration names one), so that another process
/// sharing the session waits and then reads the refresh token this one stored. A refusal of the
/// token (`SessionEnded`) is checked against the keychain first: a token that changed meanwhile
/// (rotated by a process that does not take the lock) is tried once, and only a refusal of the
/// current one ends the session and deletes its entries.
async fn refresh_stored(
    provider: &Provider,
    keychain: &Keychain,
    identity: &Identity,
) -> Result<Verified, AuthError> {
    let _held = match &provider.config().session_lock {
        Some(lock) => Some(lock.hold().await?),
        None => None,
    };
    let mut token = stored_refresh_token(keychain, identity).await?;
    let mut tried_again = false;
    let verified = loop {
        match provider.refresh(&token, identity).await {
            Ok(verified) => break verified,
            Err(AuthError::SessionEnded) if !tried_again => {
                let now_stored = stored_refresh_token(keychain, identity).await;
                match now_stored {
                    Ok(current) if current.expose_secret() != token.expose_secret() => {
                        tracing::info!(
                            "the refresh token changed while it was used; trying the new one"
                        );
                        token = current;
                        tried_again = true;
                    }
                    _ => {
                        forget(keychain, identity).await?;
                        return Err(AuthError::SessionEnded);
                    }
                }
            }
            Err(AuthError::SessionEnded) => {
                forget(keychain, identity).await?;
                return Err(AuthError::SessionEnded);
            }
            Err(e) => return Err(e),
        }
    };
    store(keychain, &verified).await?;
    Ok(verified)
}

/// [`refresh_stored`] for a session stored without its identity (by an earlier version): the
/// answer must carry an ID token, the only place the agent's roles can come from.
async fn refresh_stored_requiring_id_token(
    provider: &Provider,
    keychain: &Keychain,
    placeholder: &Identity,
) -> Result<Verified, AuthError> {
    let verified = refresh_stored(provider, keychain, placeholder).await?;
    if verified.tokens.id_token.is_none() {
        return Err(AuthError::IdToken(
            "the provider sent no ID token on refresh, and this session was stored without the \
             agent's identity (by an earlier version); sign in again"
                .into(),
        ));
    }
    Ok(verified)
}

/// The refresh token stored for `identity`; none is a session that has ended.
async fn stored_refresh_token(
    keychain: &Keychain,
    identity: &Identity,
) -> Result<SecretString, AuthError> {
    let kc = keychain.clone();
    let entry = refresh_entry(&identity.issuer, &identity.subject);
    blocking(move || kc.get(&entry)).await.map_err(|e| match e {
        AuthError::Keychain(KeychainError::Missing(_)) => AuthError::SessionEnded,
        other => other,
    })
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

/// The identity stored with `subject`'s session at `issuer`, if any (sessions stored by earlier
/// versions have none). One that cannot be read, or names another agent, counts as none.
async fn stored_identity(
    keychain: &Keychain,
    issuer: &str,
    subject: &str,
) -> Result<Option<Identity>, AuthError> {
    let kc = keychain.clone();
    let entry = identity_entry(issuer, subject);
    let json = blocking(move || match kc.get(&entry) {
        Ok(json) => Ok(Some(json)),
        Err(KeychainError::Missing(_)) => Ok(None),
        Err(e) => Err(e),
    })
    .await?;
    Ok(json
        .and_then(|json| {
            serde_json::from_str::<Identity>(secrecy::ExposeSecret::expose_secret(&json)).ok()
        })
        .filter(|identity| identity.issuer == issuer && identity.subject == subject))
}

/// Deletes `identity`'s session entries; the account goes last, so an interrupted delete still
/// leaves the account pointing at whatever remains, and a later sign-out finds it.
async fn forget(keychain: &Keychain, identity: &Identity) -> Result<(), AuthError> {
    let kc = keychain.clone();
    let refresh = refresh_entry(&identity.issuer, &identity.subject);
    let stored = identity_entry(&identity.issuer, &identity.subject);
    let account = account_entry(&identity.issuer);
    blocking(move || {
        kc.delete(&refresh)?;
        kc.delete(&stored)?;
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

fn identity_entry(issuer: &str, subject: &str) -> String {
    format!("identity@{issuer}#{subject}")
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
