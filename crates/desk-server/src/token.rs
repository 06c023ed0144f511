//! Access-token validation: the server as an OAuth resource server.
//!
//! A bearer token is accepted only as a compact JWS from the configured issuer: `typ` one of the
//! configured access-token types, `alg` on the allow-list (never `none`, never HMAC), a signature
//! that verifies with a key of the provider's JWKS, `iss` equal to the issuer, an `aud` naming one
//! of the configured audiences, `exp` in the future and `nbf`/`iat` not in the future (each within
//! the allowed skew), and a `sub`. The JWKS is found by discovery, cached, and fetched again on an
//! unknown key id — at most once per configured interval, so forged key ids cannot make the server
//! hammer the provider. Every refusal is one [`TokenError`]; the API answers all of them with the
//! same 401, and only the log says which check failed.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreJsonWebKey, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{JsonWebKey, JsonWebKeyId};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, RwLock};

use crate::config::Config;

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url parts with JSON header and claims.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The `typ` header is missing or not an access-token type.
    #[error("token type `{0}` is not accepted")]
    Type(String),
    /// The algorithm is not on the allow-list.
    #[error("algorithm `{0}` is not accepted")]
    Algorithm(String),
    /// No key of the provider matches the token's key id.
    #[error("no provider key matches the token")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// A claim is wrong: issuer, audience, times or subject.
    #[error("claim refused: {0}")]
    Claim(String),
    /// The provider's keys could not be fetched: the token could not be checked at all.
    #[error("provider keys unavailable: {0}")]
    Unavailable(String),
}

impl TokenError {
    /// Whether the failure is the provider's, not the token's (the API answers 503, not 401).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// What a valid token says.
#[derive(Debug, Clone)]
pub struct Claims {
    /// The agent's subject at the provider.
    pub subject: String,
    /// The groups or roles claim's values.
    pub groups: Vec<String>,
    /// When the token expires (seconds since the epoch).
    pub expires_at: i64,
    /// The token's id (`jti`), or a hash of the token when it has none.
    pub token_id: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

struct Keys {
    set: CoreJsonWebKeySet,
    fetched: Option<Instant>,
    /// SHA-256 digests of signed parts and signatures these keys verified: an agent sends the
    /// same token for minutes, and checking an RSA signature again each time was most of a
    /// lookup's cost. Only the signature is remembered; every claim is checked on every request.
    /// Fetching the keys again starts an empty set, so a key the provider withdrew stops
    /// counting at once.
    verified: HashSet<[u8; 32]>,
}

/// How many verified signatures are remembered before the set starts over.
const VERIFIED_CAPACITY: usize = 10_000;

impl Keys {
    fn new(set: CoreJsonWebKeySet, fetched: Option<Instant>) -> Self {
        Self {
            set,
            fetched,
            verified: HashSet::new(),
        }
    }
}

/// The digest a verified signature is remembered by: the signed parts (header and claims, so
/// also the algorithm and key id) and the signature.
fn signature_digest(message: &[u8], signature: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update((message.len() as u64).to_be_bytes());
    hash.update(message);
    hash.update(signature);
    hash.finalize().into()
}

/// Validates access tokens against the provider's keys.
pub struct Verifier {
    issuer: String,
    audiences: Vec<String>,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
    token_types: Vec<String>,
    skew: i64,
    refetch_every: Duration,
    roles_claim: String,
    http: reqwest::Client,
    keys: RwLock<Keys>,
    fetching: Mutex<()>,
}

fn parse_alg(name: &str) -> Option<CoreJwsSigningAlgorithm> {
    let alg: CoreJwsSigningAlgorithm = serde_json::from_value(serde_json::json!(name)).ok()?;
    match alg {
        CoreJwsSigningAlgorithm::None
        | CoreJwsSigningAlgorithm::HmacSha256
        | CoreJwsSigningAlgorithm::HmacSha384
        | CoreJwsSigningAlgorithm::HmacSha512 => None,
        other => Some(other),
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Verifier {
    /// A verifier for the configured issuer. Keys are fetched on first use, so the server starts
    /// while the provider is down and recovers when it is back.
    pub fn new(config: &Config) -> Result<Self, crate::config::ConfigError> {
        let issuer = config.require_issuer()?.trim_end_matches('/').to_owned();
        let algorithms = config
            .algorithms
            .iter()
            .map(|a| {
                parse_alg(a).ok_or_else(|| {
                    crate::config::ConfigError(format!("algorithm `{a}` is not supported"))
                })
            })
            .collect::<Result<_, _>>()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| crate::config::ConfigError(format!("HTTP client: {e}")))?;
        Ok(Self {
            issuer,
            audiences: config.audiences.clone(),
            algorithms,
            token_types: config.token_types.clone(),
            skew: config.clock_skew_secs as i64,
            refetch_every: Duration::from_secs(config.jwks_refetch_secs),
            roles_claim: config.roles_claim.clone(),
            http,
            keys: RwLock::new(Keys::new(CoreJsonWebKeySet::new(Vec::new()), None)),
            fetching: Mutex::new(()),
        })
    }

    /// Validates `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed("too large"));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("not three parts"));
        };
        let decode = |part: &str, what: &'static str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| TokenError::Malformed(what))
        };
        let header: Header = serde_json::from_slice(&decode(h, "header is not base64url")?)
            .map_err(|_| TokenError::Malformed("header is not JSON"))?;
        let signature = decode(s, "signature is not base64url")?;
        if header.crit.is_some() {
            return Err(TokenError::Malformed("critical header parameters"));
        }
        if !self.token_types.is_empty() {
            let typ = header.typ.as_deref().unwrap_or("");
            if !self.token_types.iter().any(|t| t.eq_ignore_ascii_case(typ)) {
                return Err(TokenError::Type(typ.chars().take(32).collect()));
            }
        }
        let alg = parse_alg(&header.alg)
            .filter(|a| self.algorithms.contains(a))
            .ok_or_else(|| TokenError::Algorithm(header.alg.chars().take(16).collect()))?;
        let message = &token.as_bytes()[..h.len() + 1 + c.len()];
        self.check_signature(&header, &alg, message, &signature)
            .await?;
        let claims: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&decode(c, "claims are not base64url")?)
                .map_err(|_| TokenError::Malformed("claims are not a JSON object"))?;
        self.check_claims(&claims, token)
    }

    async fn check_signature(
        &self,
        header: &Header,
        alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), TokenError> {
        let kid = header
            .kid
            .as_deref()
            .map(|k| JsonWebKeyId::new(k.to_owned()));
        if self.keys.read().await.fetched.is_none() {
            self.refetch(None).await?;
        }
        let digest = signature_digest(message, signature);
        if self.keys.read().await.verified.contains(&digest) {
            return Ok(());
        }
        let verified_by = self.verify_signature(&kid, alg, message, signature).await?;
        let mut keys = self.keys.write().await;
        // Remembered only by the key set that verified it: keys fetched meanwhile start empty.
        if keys.fetched == verified_by {
            if keys.verified.len() >= VERIFIED_CAPACITY {
                keys.verified.clear();
            }
            keys.verified.insert(digest);
        }
        Ok(())
    }

    /// Checks `signature` with the key named `kid` (or every key, without one), fetching the
    /// keys again when none matches. Says which key set verified it (by its fetch time).
    async fn verify_signature(
        &self,
        kid: &Option<JsonWebKeyId>,
        alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<Option<Instant>, TokenError> {
        let verify = |keys: &Keys| -> Option<Result<Option<Instant>, TokenError>> {
            let candidates: Vec<&CoreJsonWebKey> = keys
                .set
                .keys()
                .iter()
                .filter(|k| match kid {
                    Some(kid) => k.key_id() == Some(kid),
                    None => true,
                })
                .collect();
            if candidates.is_empty() {
                return None;
            }
            Some(
                if candidates
                    .iter()
                    .any(|k| k.verify_signature(alg, message, signature).is_ok())
                {
                    Ok(keys.fetched)
                } else {
                    Err(TokenError::Signature)
                },
            )
        };
        let seen = {
            let keys = self.keys.read().await;
            if let Some(result) = verify(&keys) {
                return result;
            }
            keys.fetched
        };
        // An unknown key id: the provider may have rotated its keys.
        self.refetch(seen).await?;
        verify(&*self.keys.read().await).unwrap_or(Err(TokenError::UnknownKey))
    }

    /// Fetches the JWKS again unless another task already did since `seen`, or the last fetch
    /// was less than the refetch interval ago.
    async fn refetch(&self, seen: Option<Instant>) -> Result<(), TokenError> {
        let _one_at_a_time = self.fetching.lock().await;
        let last = self.keys.read().await.fetched;
        if last != seen {
            return Ok(());
        }
        if let Some(last) = last
            && last.elapsed() < self.refetch_every
        {
            return Ok(());
        }
        let fetched = self.fetch_keys().await;
        let mut keys = self.keys.write().await;
        match fetched {
            Ok(set) => {
                *keys = Keys::new(set, Some(Instant::now()));
                Ok(())
            }
            Err(e) => {
                if keys.fetched.is_some() {
                    // Keep the keys we have, but count the attempt against the interval.
                    keys.fetched = Some(Instant::now());
                }
                Err(e)
            }
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, TokenError> {
        let unavailable = |e: reqwest::Error| TokenError::Unavailable(e.to_string());
        self.http
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)
    }

    async fn fetch_keys(&self) -> Result<CoreJsonWebKeySet, TokenError> {
        let discovery: serde_json::Value = self
            .get_json(&format!("{}/.well-known/openid-configuration", self.issuer))
            .await?;
        let advertised = discovery["issuer"].as_str().unwrap_or("");
        if advertised.trim_end_matches('/') != self.issuer {
            return Err(TokenError::Unavailable(format!(
                "discovery names issuer `{}`",
                advertised.chars().take(200).collect::<String>()
            )));
        }
        let jwks_uri = discovery["jwks_uri"]
            .as_str()
            .ok_or_else(|| TokenError::Unavailable("discovery has no jwks_uri".into()))?;
        let set: CoreJsonWebKeySet = self.get_json(jwks_uri).await?;
        tracing::info!(
            keys = set.keys().len(),
            "fetched the provider's signing keys"
        );
        Ok(set)
    }

    fn check_claims(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
        token: &str,
    ) -> Result<Claims, TokenError> {
        let refuse = |what: &str| Err(TokenError::Claim(what.to_owned()));
        let iss = claims.get("iss").and_then(|v| v.as_str()).unwrap_or("");
        if iss.trim_end_matches('/') != self.issuer {
            return refuse("iss is not the configured issuer");
        }
        let audience_ok = match claims.get("aud") {
            Some(serde_json::Value::String(aud)) => self.audiences.contains(aud),
            Some(serde_json::Value::Array(auds)) => auds
                .iter()
                .filter_map(|a| a.as_str())
                .any(|a| self.audiences.iter().any(|x| x == a)),
            _ => false,
        };
        if !audience_ok {
            return refuse("aud names none of the configured audiences");
        }
        let now = now();
        let time = |name: &str| claims.get(name).and_then(|v| v.as_i64());
        let Some(exp) = time("exp") else {
            return refuse("no exp");
        };
        if now > exp + self.skew {
            return refuse("expired");
        }
        if let Some(nbf) = time("nbf")
            && now + self.skew < nbf
        {
            return refuse("not valid yet (nbf)");
        }
        if let Some(iat) = time("iat")
            && now + self.skew < iat
        {
            return refuse("issued in the future (iat)");
        }
        let subject = match claims.get("sub").and_then(|v| v.as_str()) {
            Some(sub) if !sub.is_empty() && sub.len() <= 255 => sub.to_owned(),
            _ => return refuse("no usable sub"),
        };
        let token_id = match claims.get("jti").and_then(|v| v.as_str()) {
            Some(jti) if !jti.is_empty() && jti.len() <= 255 => jti.to_owned(),
            _ => {
                use sha2::Digest;
                hex::encode(sha2::Sha256::digest(token.as_bytes()))
            }
        };
        Ok(Claims {
            subject,
            groups: desk_core::claims::roles_from(claims, &self.roles_claim),
            expires_at: exp,
            token_id,
        })
    }
}
