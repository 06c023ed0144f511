//! ID token checks (OpenID Connect Core 3.1.3.7), and the identity a valid token proves.
//!
//! `openidconnect` checks the signature against the JWKS, `iss`, `aud` (extra audiences are
//! refused), `exp` and `nonce`. It has no clock skew, no `azp` check, no `iat` bound, no `at_hash`
//! check, and never refreshes its keys, so those are done here: expiry and issue time allow the
//! configured skew, `azp` must be our client when present, `at_hash` must match when present, and
//! an unknown `kid` re-fetches the JWKS once (at most once a minute) before it fails.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalClaims, ClaimsVerificationError, ClientId,
    IdTokenVerifier, IssuerUrl, JsonWebKeySetUrl, Nonce, SignatureVerificationError,
};
use serde::{Deserialize, Serialize};

use crate::AuthError;
use crate::error::error_chain;
use crate::error::printable;

/// Every claim beyond the standard ones, kept so the configured roles claim can be read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims(serde_json::Map<String, serde_json::Value>);
impl AdditionalClaims for OtherClaims {}

type IdToken = openidconnect::IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type IdTokenClaims = openidconnect::IdTokenClaims<OtherClaims, CoreGenderClaim>;

/// Who a verified ID token says the agent is. Nothing here is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The issuer.
    pub issuer: String,
    /// The subject: the provider's stable id for the agent.
    pub subject: String,
    /// A display name, when the provider sent one.
    pub name: Option<String>,
    /// The e-mail address, when the provider sent one.
    pub email: Option<String>,
    /// The values of the configured roles claim (groups or roles at the provider).
    pub roles: Vec<String>,
}

/// The algorithms we accept at all; the provider's advertised list narrows it further.
/// Never `none`, never HS*: a public client has no shared secret, and an HMAC "signed" with a
/// public key is the classic forgery.
const ACCEPTABLE: [CoreJwsSigningAlgorithm; 4] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The least time between two JWKS re-fetches.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Checks ID tokens of one provider for one client.
pub struct Checker {
    client_id: String,
    issuer: String,
    jwks_uri: JsonWebKeySetUrl,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
    skew: Duration,
    roles_claim: String,
    keys: Mutex<Keys>,
}

struct Keys {
    set: CoreJsonWebKeySet,
    fetched: Option<Instant>,
}

/// What a token must match besides the provider's keys.
pub struct Expected<'a> {
    /// The nonce sent with the authorization request; `None` for a refresh, whose ID token
    /// carries none (or the original).
    pub nonce: Option<&'a Nonce>,
    /// The access token issued with the ID token, for `at_hash`.
    pub access_token: Option<&'a str>,
    /// On refresh: the subject of the session, which must not change.
    pub subject: Option<&'a str>,
}

impl Checker {
    /// A checker for tokens from `issuer` to `client_id`, signed with one of `advertised`.
    pub(crate) fn new(
        client_id: &str,
        issuer: &str,
        jwks_uri: JsonWebKeySetUrl,
        keys: CoreJsonWebKeySet,
        advertised: &[CoreJwsSigningAlgorithm],
        skew: Duration,
        roles_claim: &str,
    ) -> Result<Self, AuthError> {
        let algorithms: Vec<_> = ACCEPTABLE
            .into_iter()
            .filter(|a| advertised.contains(a))
            .collect();
        if algorithms.is_empty() {
            return Err(AuthError::UnsupportedProvider(
                "it signs ID tokens with no algorithm we accept (RS256, PS256, ES256, EdDSA)"
                    .into(),
            ));
        }
        Ok(Self {
            client_id: client_id.to_owned(),
            issuer: issuer.to_owned(),
            jwks_uri,
            algorithms,
            skew,
            roles_claim: roles_claim.to_owned(),
            keys: Mutex::new(Keys {
                set: keys,
                fetched: None,
            }),
        })
    }

    /// Checks `raw` and returns the identity it proves.
    pub(crate) async fn check(
        &self,
        raw: &str,
        expected: &Expected<'_>,
        http: &openidconnect::reqwest::Client,
    ) -> Result<Identity, AuthError> {
        if !canonical(raw) {
            return Err(AuthError::IdToken(
                "malformed: a part is not base64url as an encoder writes it".into(),
            ));
        }
        let token = IdToken::from_str(raw)
            .map_err(|e| AuthError::IdToken(format!("malformed: {}", error_chain(&e))))?;
        let keys = self.keys.lock().expect("keys lock").set.clone();
        match self.check_with(&token, keys, expected) {
            Err(Failure::UnknownKey) if self.may_refetch() => {
                let fresh = CoreJsonWebKeySet::fetch_async(&self.jwks_uri, http)
                    .await
                    .map_err(|e| AuthError::Http(format!("JWKS: {}", error_chain(&e))))?;
                {
                    let mut held = self.keys.lock().expect("keys lock");
                    held.set = fresh.clone();
                    held.fetched = Some(Instant::now());
                }
                self.check_with(&token, fresh, expected)
                    .map_err(Failure::into_error)
            }
            other => other.map_err(Failure::into_error),
        }
    }

    fn may_refetch(&self) -> bool {
        let held = self.keys.lock().expect("keys lock");
        held.fetched.is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL)
    }

    fn check_with(
        &self,
        token: &IdToken,
        keys: CoreJsonWebKeySet,
        expected: &Expected<'_>,
    ) -> Result<Identity, Failure> {
        let skew = chrono_duration(self.skew);
        let verifier: IdTokenVerifier<'_, CoreJsonWebKey> = IdTokenVerifier::new_public_client(
            ClientId::new(self.client_id.clone()),
            IssuerUrl::new(self.issuer.clone()).map_err(|e| Failure::Other(e.to_string()))?,
            keys,
        )
        .set_allowed_algs(self.algorithms.iter().cloned())
        // Expiry allows the skew: the token is taken as valid until exp + skew.
        .set_time_fn(move || chrono::Utc::now() - skew)
        .set_issue_time_verifier_fn(move |iat| {
            if iat > chrono::Utc::now() + skew {
                Err(format!("issued in the future ({iat})"))
            } else {
                Ok(())
            }
        });

        let claims: &IdTokenClaims = match expected.nonce {
            Some(nonce) => token.claims(&verifier, nonce),
            None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(Failure::from)?;

        if let Some(azp) = claims.authorized_party()
            && azp.as_str() != self.client_id
        {
            return Err(Failure::Other(format!(
                "authorized party `{}` is not this client",
                printable(azp.as_str(), 100)
            )));
        }
        if let (Some(expected_hash), Some(access_token)) =
            (claims.access_token_hash(), expected.access_token)
        {
            let alg = token
                .signing_alg()
                .map_err(|e| Failure::Other(e.to_string()))?;
            let key = token
                .signing_key(&verifier)
                .map_err(|e| Failure::Other(e.to_string()))?;
            let actual =
                AccessTokenHash::from_token(&AccessToken::new(access_token.to_owned()), alg, key)
                    .map_err(|e| Failure::Other(e.to_string()))?;
            if &actual != expected_hash {
                return Err(Failure::Other(
                    "at_hash does not match the access token".into(),
                ));
            }
        }
        let subject = claims.subject().as_str();
        if subject.is_empty() {
            return Err(Failure::Other("the subject is empty".into()));
        }
        if expected.subject.is_some_and(|s| s != subject) {
            return Err(Failure::Other("the subject changed on refresh".into()));
        }
        Ok(Identity {
            issuer: self.issuer.clone(),
            subject: subject.to_owned(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            email: claims.email().map(|e| e.as_str().to_owned()),
            roles: roles_from(&claims.additional_claims().0, &self.roles_claim),
        })
    }
}

/// Why a token failed, keeping apart the one failure that a key re-fetch can cure.
enum Failure {
    UnknownKey,
    Other(String),
}

impl From<ClaimsVerificationError> for Failure {
    fn from(e: ClaimsVerificationError) -> Self {
        match e {
            ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ) => Self::UnknownKey,
            other => Self::Other(error_chain(&other)),
        }
    }
}

impl Failure {
    fn into_error(self) -> AuthError {
        match self {
            Self::UnknownKey => {
                AuthError::IdToken("signed with a key the provider does not publish".into())
            }
            Self::Other(reason) => AuthError::IdToken(reason),
        }
    }
}

/// Whether each dot-separated part of `raw` is base64url without padding and with the unused bits
/// of its last character zero. `openidconnect` decodes ignoring those bits, so a token with the
/// last character of its signature respelled (`…Q` as `…R`) verified as the same token: one token
/// had several spellings, and anything that tells tokens apart by their text (a log, a cache, a
/// replay check) could be shown a "new" one. Found by `fuzz::a_valid_id_token_changed_anywhere_is_refused`.
fn canonical(raw: &str) -> bool {
    raw.split('.')
        .all(|part| URL_SAFE_NO_PAD.decode(part).is_ok())
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

pub use desk_core::claims::roles_from;
