//! Access-token validation: the server as an OAuth resource server.
//!
//! A bearer token is accepted only as a compact JWS from the configured issuer: `typ` one of the
//! configured access-token types, `alg` on the allow-list (never `none`, never HMAC), a signature
//! that verifies with a key of the provider's JWKS, `iss` equal to the issuer, an `aud` naming one
//! of the configured audiences, `exp` in the future and `nbf`/`iat` not in the future (each within
//! the allowed skew), a `sub`, and, when the token names the client it was issued to
//! (`client_id`, RFC 9068, or `azp`), one of the allowed clients. Everything but the signature is
//! checked first, so a token refused on its face is refused at once, whatever the provider is
//! doing. Every refusal is one [`TokenError`]; the API answers all of them with the same 401, and
//! only the log says which check failed.
//!
//! The keys: the JWKS is found by discovery (issuer and `jwks_uri` https, or plain http on a
//! loopback host only), fetched on first use, and fetched again
//! - when the set is older than its refresh interval (`jwks_refresh_secs`, shortened by the
//!   provider's `Cache-Control: max-age` down to `jwks_refetch_secs`), so a key the provider
//!   withdrew stops verifying within that interval;
//! - when a token names a key id the set does not hold (rotation), at most once per
//!   `jwks_refetch_secs`, so forged key ids cannot make the server hammer the provider.
//!
//! One fetch runs at a time, in a task of its own that every request needing it waits for; a
//! request waits at most [`FETCH_WAIT`], then is answered without it (503 when no usable keys are
//! known) while the fetch goes on. A failed fetch is tried again only after a pause that doubles
//! from 1 s to 30 s. While fetching fails, keys past their interval stay in use for at most
//! [`STALE_GRACE`].

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreJsonWebKey, CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::{JsonWebKey, JsonWebKeyId};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::config::{Config, ConfigError, check_provider_url};

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
    /// A claim is wrong: issuer, audience, times, subject or client.
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
    /// When the token was issued (`iat`, seconds since the epoch), when it says.
    pub issued_at: Option<i64>,
    /// The value of the claim that links the agent to a SCIM user (`scim_user_claim`),
    /// lowercased as `userName` is compared, when the token has it as a string of at most 255
    /// bytes.
    pub user_key: Option<String>,
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

/// How long a request waits for a key fetch, whether it started it or found it running. After
/// that it is answered without the fetch (503 unless known keys can still be used), and the fetch
/// goes on for the requests after it.
pub const FETCH_WAIT: Duration = Duration::from_secs(2);

/// How long past its refresh interval a key set stays in use while fetching it again fails: an
/// outage of the provider does not lock every agent out at once, and a key set the server cannot
/// renew does not vouch for tokens for ever.
pub const STALE_GRACE: Duration = Duration::from_secs(3600);

/// The pause after the first failed fetch; it doubles with each failure after it, up to
/// [`BACKOFF_MAX`], and no fetch starts during it.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);

/// The longest pause between failed fetches.
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// How long one fetch (discovery, then the key set) may take in all before it counts as failed.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// How many accepted tokens a key set remembers before it starts over.
const ACCEPTED_CAPACITY: usize = 10_000;

/// One fetched key set.
struct KeySet {
    set: CoreJsonWebKeySet,
    /// When the set is stale and must be fetched again before it verifies anything more (unless
    /// the provider cannot be reached: [`STALE_GRACE`]).
    refresh_at: Instant,
    /// The tokens these keys verified, by the SHA-256 of the whole token, with what their
    /// claims gave: an agent sends the same token for minutes, and checking an RSA signature
    /// again each time was most of a lookup's cost (decoding and checking its claims again, a
    /// tenth of what was left). Everything but the times depends only on the token and the
    /// configuration, so only the times (exp, nbf, iat against the clock) are checked again on
    /// every request. A new key set starts with none, so a key the provider withdrew stops
    /// counting at once.
    accepted: std::sync::Mutex<HashMap<[u8; 32], Accepted>>,
}

/// A token some keys verified: its claims, and the times to check again on each use.
#[derive(Clone)]
struct Accepted {
    claims: Claims,
    times: Times,
}

/// A token's times (seconds since the epoch).
#[derive(Clone, Copy)]
struct Times {
    exp: i64,
    nbf: Option<i64>,
    iat: Option<i64>,
}

/// What the fetching of keys has come to, shared by requests and the fetch task.
#[derive(Default)]
struct FetchState {
    keys: Option<Arc<KeySet>>,
    /// A fetch task is running; requests wait for it rather than start another.
    in_flight: bool,
    /// When the last fetch started, successful or not: an unknown key id fetches again only
    /// `jwks_refetch_secs` after it.
    last_attempt: Option<Instant>,
    /// Failed fetches since the last one that succeeded.
    failures: u32,
    /// No fetch starts before this (after a failure).
    retry_at: Option<Instant>,
    /// Why the last fetch failed, for the log of the requests it leaves unchecked.
    last_error: Option<String>,
}

/// The provider's keys: fetched in a task of their own, one at a time, shared by every request.
struct Keys {
    issuer: String,
    http: reqwest::Client,
    /// `jwks_refresh_secs`: the longest a key set is used before it is fetched again.
    refresh_every: Duration,
    /// The shortest refresh interval a provider's `Cache-Control` can ask for.
    refresh_floor: Duration,
    state: std::sync::Mutex<FetchState>,
    /// Counts finished fetches; requests wait on it.
    done: watch::Sender<u64>,
}

/// Which keys a request needs.
enum Need<'a> {
    /// Keys that are not stale.
    Fresh,
    /// Keys fetched after `seen`, which has no key of the token's key id.
    Newer(&'a Arc<KeySet>),
}

/// The refresh interval of a key set fetched with `max_age` (seconds, from `Cache-Control`):
/// `every`, or the provider's shorter one, but never under `floor`.
fn refresh_interval(every: Duration, floor: Duration, max_age: Option<u64>) -> Duration {
    match max_age {
        Some(secs) => every.min(Duration::from_secs(secs).max(floor)),
        None => every,
    }
}

/// The `max-age` a `Cache-Control` header asks for, in seconds; `no-cache` and `no-store` ask
/// for 0. `None` when it says nothing about freshness.
fn max_age(cache_control: &str) -> Option<u64> {
    let mut age = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim();
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
            return Some(0);
        }
        let value = value.trim().trim_matches('"');
        if name.eq_ignore_ascii_case("max-age")
            && !value.is_empty()
            && value.bytes().all(|b| b.is_ascii_digit())
        {
            // Too large to read is the longest there is (RFC 9111 §1.2.2).
            age = Some(value.parse().unwrap_or(u64::MAX));
        }
    }
    age
}

/// The pause after `failures` failed fetches in a row.
fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    BACKOFF_FIRST
        .saturating_mul(1 << doublings)
        .min(BACKOFF_MAX)
}

impl Keys {
    fn lock(&self) -> std::sync::MutexGuard<'_, FetchState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the token with `digest` gave when the key set in use, if it is not stale, verified
    /// it. Never fetches or waits.
    fn accepted(&self, digest: &[u8; 32]) -> Option<Accepted> {
        let keys = found(&self.lock(), &Need::Fresh, Instant::now())?;
        let accepted = keys.accepted.lock().unwrap_or_else(PoisonError::into_inner);
        accepted.get(digest).cloned()
    }

    /// The keys to check a signature with, fetching them when `need` asks for it, waiting for a
    /// fetch at most until `deadline`.
    async fn get(
        self: &Arc<Self>,
        need: Need<'_>,
        refetch_every: Duration,
        deadline: Instant,
    ) -> Result<Arc<KeySet>, TokenError> {
        // Subscribed before the state is read, so a fetch that ends after that read wakes us.
        let mut done = self.done.subscribe();
        {
            let now = Instant::now();
            let mut state = self.lock();
            if let Some(keys) = found(&state, &need, now) {
                return Ok(keys);
            }
            match need {
                Need::Fresh => {
                    if !self.start_fetch(&mut state, now) {
                        return stale_or_unavailable(&state, now);
                    }
                }
                Need::Newer(_) => {
                    let recent = state
                        .last_attempt
                        .is_some_and(|at| now.duration_since(at) < refetch_every);
                    if !state.in_flight && recent {
                        return Err(TokenError::UnknownKey);
                    }
                    if !self.start_fetch(&mut state, now) {
                        return Err(unavailable(&state));
                    }
                }
            }
        }
        let deadline = tokio::time::Instant::from_std(deadline);
        loop {
            let woken = tokio::time::timeout_at(deadline, done.changed()).await;
            let now = Instant::now();
            let state = self.lock();
            if let Some(keys) = found(&state, &need, now) {
                return Ok(keys);
            }
            // Out of time, or the fetch ended without them: nothing more to wait for.
            if !matches!(woken, Ok(Ok(()))) || !state.in_flight {
                return match need {
                    Need::Fresh => stale_or_unavailable(&state, now),
                    Need::Newer(_) => Err(unavailable(&state)),
                };
            }
        }
    }

    /// Starts a fetch unless one is running or a failure's pause lasts; says whether one is
    /// running now.
    fn start_fetch(self: &Arc<Self>, state: &mut FetchState, now: Instant) -> bool {
        if state.in_flight {
            return true;
        }
        if state.retry_at.is_some_and(|at| now < at) {
            return false;
        }
        state.in_flight = true;
        state.last_attempt = Some(now);
        // A task of its own: the requests waiting for it may give up, or go away, before it ends.
        tokio::spawn(self.clone().fetch());
        true
    }

    async fn fetch(self: Arc<Self>) {
        let fetched = self.fetch_keys().await;
        let now = Instant::now();
        {
            let mut state = self.lock();
            state.in_flight = false;
            match fetched {
                Ok((set, max_age)) => {
                    let every = refresh_interval(self.refresh_every, self.refresh_floor, max_age);
                    tracing::info!(
                        keys = set.keys().len(),
                        refresh_in_secs = every.as_secs(),
                        "fetched the provider's signing keys"
                    );
                    state.keys = Some(Arc::new(KeySet {
                        set,
                        refresh_at: now + every,
                        accepted: std::sync::Mutex::default(),
                    }));
                    state.failures = 0;
                    state.retry_at = None;
                    state.last_error = None;
                }
                Err(e) => {
                    state.failures = state.failures.saturating_add(1);
                    let pause = backoff(state.failures);
                    tracing::warn!(
                        error = %e,
                        failures = state.failures,
                        retry_in_secs = pause.as_secs(),
                        "could not fetch the provider's signing keys"
                    );
                    state.retry_at = Some(now + pause);
                    state.last_error = Some(e.to_string());
                }
            }
        }
        self.done.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The response of `url` (held to [`check_provider_url`]) as JSON, with its `Cache-Control`
    /// max-age.
    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        url: &str,
    ) -> Result<(T, Option<u64>), TokenError> {
        check_provider_url(url).map_err(|reason| {
            TokenError::Unavailable(format!(
                "{what} `{}` refused: {reason}",
                url.chars().take(200).collect::<String>()
            ))
        })?;
        let unavailable = |e: reqwest::Error| TokenError::Unavailable(format!("{what}: {e}"));
        let response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(unavailable)?;
        let max_age = response
            .headers()
            .get_all(reqwest::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(max_age)
            .min();
        Ok((response.json().await.map_err(unavailable)?, max_age))
    }

    async fn fetch_keys(&self) -> Result<(CoreJsonWebKeySet, Option<u64>), TokenError> {
        let discovery_url = format!("{}/.well-known/openid-configuration", self.issuer);
        let (discovery, _): (serde_json::Value, _) =
            self.get_json("discovery", &discovery_url).await?;
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
        self.get_json("jwks_uri", jwks_uri).await
    }
}

/// The keys `need` asks for, if the state holds them.
fn found(state: &FetchState, need: &Need<'_>, now: Instant) -> Option<Arc<KeySet>> {
    let keys = state.keys.as_ref()?;
    let fits = match need {
        Need::Fresh => now < keys.refresh_at,
        Need::Newer(seen) => !Arc::ptr_eq(keys, seen),
    };
    fits.then(|| keys.clone())
}

/// Known keys past their interval while the provider cannot be reached, within
/// [`STALE_GRACE`]; otherwise the token cannot be checked.
fn stale_or_unavailable(state: &FetchState, now: Instant) -> Result<Arc<KeySet>, TokenError> {
    match &state.keys {
        Some(keys) if now < keys.refresh_at + STALE_GRACE => {
            tracing::debug!("the provider's keys are stale and could not be fetched; still used");
            Ok(keys.clone())
        }
        _ => Err(unavailable(state)),
    }
}

fn unavailable(state: &FetchState) -> TokenError {
    TokenError::Unavailable(match (&state.last_error, state.in_flight) {
        (_, true) => format!(
            "the provider's keys did not come within {} s",
            FETCH_WAIT.as_secs()
        ),
        (Some(e), false) => format!("{e} (fetched again after a pause)"),
        (None, false) => "the provider's keys could not be fetched".into(),
    })
}

/// The digest an accepted token is remembered by: the SHA-256 of the whole token.
fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Checks `signature` with `keys`: the key named `kid`, or every key without one. `None` when no
/// key has that id.
fn verify_with(
    keys: &KeySet,
    kid: Option<&JsonWebKeyId>,
    alg: &CoreJwsSigningAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Option<Result<(), TokenError>> {
    let candidates: Vec<&CoreJsonWebKey> = keys
        .set
        .keys()
        .iter()
        .filter(|k| kid.is_none_or(|kid| k.key_id() == Some(kid)))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    if !candidates
        .iter()
        .any(|k| k.verify_signature(alg, message, signature).is_ok())
    {
        return Some(Err(TokenError::Signature));
    }
    Some(Ok(()))
}

impl KeySet {
    fn remember(&self, digest: [u8; 32], accepted: Accepted) {
        let mut remembered = self.accepted.lock().unwrap_or_else(PoisonError::into_inner);
        if remembered.len() >= ACCEPTED_CAPACITY {
            remembered.clear();
        }
        remembered.insert(digest, accepted);
    }
}

/// Validates access tokens against the provider's keys.
pub struct Verifier {
    issuer: String,
    audiences: Vec<String>,
    allowed_clients: Vec<String>,
    algorithms: Vec<CoreJwsSigningAlgorithm>,
    token_types: Vec<String>,
    skew: i64,
    refetch_every: Duration,
    roles_claim: String,
    user_claim: String,
    keys: Arc<Keys>,
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
    pub fn new(config: &Config) -> Result<Self, ConfigError> {
        let issuer = config.require_issuer()?;
        crate::config::check_issuer(issuer)?;
        let issuer = issuer.trim_end_matches('/').to_owned();
        let algorithms = config
            .algorithms
            .iter()
            .map(|a| {
                parse_alg(a).ok_or_else(|| ConfigError(format!("algorithm `{a}` is not supported")))
            })
            .collect::<Result<_, _>>()?;
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        let refetch_every = Duration::from_secs(config.jwks_refetch_secs);
        Ok(Self {
            issuer: issuer.clone(),
            audiences: config.audiences.clone(),
            allowed_clients: config.allowed_clients.clone(),
            algorithms,
            token_types: config.token_types.clone(),
            skew: config.clock_skew_secs as i64,
            refetch_every,
            roles_claim: config.roles_claim.clone(),
            user_claim: config.scim_user_claim.clone(),
            keys: Arc::new(Keys {
                issuer,
                http,
                refresh_every: Duration::from_secs(config.jwks_refresh_secs),
                refresh_floor: refetch_every.max(Duration::from_secs(1)),
                state: std::sync::Mutex::default(),
                done: watch::Sender::new(0),
            }),
        })
    }

    /// Whether tokens can be checked now: the provider's keys are held and fresh, or fetched
    /// within `within` (or, while the provider cannot be reached, still within their grace).
    /// Asks the provider only when the keys are due, as a token's check would, so a health check
    /// polling this does not poll the provider.
    pub async fn ready(&self, within: Duration) -> Result<(), TokenError> {
        self.keys
            .get(Need::Fresh, self.refetch_every, Instant::now() + within)
            .await
            .map(|_| ())
    }

    /// Validates `token` and returns its claims. Everything that needs no key is checked before
    /// the signature, so a token refused on its face never waits for the provider.
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Malformed("too large"));
        }
        let digest = token_digest(token);
        if let Some(accepted) = self.keys.accepted(&digest) {
            self.check_times(accepted.times)?;
            return Ok(accepted.claims);
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
        let claims: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&decode(c, "claims are not base64url")?)
                .map_err(|_| TokenError::Malformed("claims are not a JSON object"))?;
        let (claims, times) = self.check_claims(&claims, &digest)?;
        let message = &token.as_bytes()[..h.len() + 1 + c.len()];
        let keys = self
            .check_signature(&header, &alg, message, &signature)
            .await?;
        keys.remember(
            digest,
            Accepted {
                claims: claims.clone(),
                times,
            },
        );
        Ok(claims)
    }

    async fn check_signature(
        &self,
        header: &Header,
        alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<Arc<KeySet>, TokenError> {
        let kid = header
            .kid
            .as_deref()
            .map(|k| JsonWebKeyId::new(k.to_owned()));
        // One bound for the whole request, however many fetches it meets.
        let deadline = Instant::now() + FETCH_WAIT;
        let keys = self
            .keys
            .get(Need::Fresh, self.refetch_every, deadline)
            .await?;
        if let Some(checked) = verify_with(&keys, kid.as_ref(), alg, message, signature) {
            return checked.map(|()| keys);
        }
        // An unknown key id: the provider may have rotated its keys.
        let newer = self
            .keys
            .get(Need::Newer(&keys), self.refetch_every, deadline)
            .await?;
        verify_with(&newer, kid.as_ref(), alg, message, signature)
            .unwrap_or(Err(TokenError::UnknownKey))
            .map(|()| newer)
    }

    /// Whether the token is valid now, as its times say, with the allowed clock skew.
    fn check_times(&self, times: Times) -> Result<(), TokenError> {
        let now = now();
        let refuse = |what: &str| Err(TokenError::Claim(what.to_owned()));
        if now > times.exp + self.skew {
            return refuse("expired");
        }
        if times.nbf.is_some_and(|nbf| now + self.skew < nbf) {
            return refuse("not valid yet (nbf)");
        }
        if times.iat.is_some_and(|iat| now + self.skew < iat) {
            return refuse("issued in the future (iat)");
        }
        Ok(())
    }

    /// Checks every claim of the token whose digest ([`token_digest`]) is `digest`; what they
    /// give, and the times to check again on each use.
    fn check_claims(
        &self,
        claims: &serde_json::Map<String, serde_json::Value>,
        digest: &[u8; 32],
    ) -> Result<(Claims, Times), TokenError> {
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
        let time = |name: &str| claims.get(name).and_then(|v| v.as_i64());
        let Some(exp) = time("exp") else {
            return refuse("no exp");
        };
        let times = Times {
            exp,
            nbf: time("nbf"),
            iat: time("iat"),
        };
        self.check_times(times)?;
        // RFC 9068 §4: the client the token was issued to must be one meant to call this API.
        for name in ["client_id", "azp"] {
            match claims.get(name) {
                None => {}
                Some(serde_json::Value::String(client))
                    if self.allowed_clients.contains(client) => {}
                Some(serde_json::Value::String(client)) => {
                    return Err(TokenError::Claim(format!(
                        "{name} `{}` is not an allowed client",
                        client.chars().take(64).collect::<String>()
                    )));
                }
                Some(_) => return Err(TokenError::Claim(format!("{name} is not a string"))),
            }
        }
        let subject = match claims.get("sub").and_then(|v| v.as_str()) {
            Some(sub) if !sub.is_empty() && sub.len() <= 255 => sub.to_owned(),
            _ => return refuse("no usable sub"),
        };
        let token_id = match claims.get("jti").and_then(|v| v.as_str()) {
            Some(jti) if !jti.is_empty() && jti.len() <= 255 => jti.to_owned(),
            _ => hex::encode(digest),
        };
        let claims = Claims {
            subject,
            groups: desk_core::claims::roles_from(claims, &self.roles_claim),
            expires_at: exp,
            token_id,
            issued_at: time("iat"),
            user_key: claims
                .get(&self.user_claim)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty() && v.len() <= 255)
                .map(str::to_lowercase),
        };
        Ok((claims, times))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_asks_for_a_max_age_or_for_none() {
        assert_eq!(max_age("public, max-age=3600"), Some(3600));
        assert_eq!(max_age("Max-Age = \"120\", must-revalidate"), Some(120));
        assert_eq!(max_age("no-cache"), Some(0));
        assert_eq!(max_age("max-age=600, no-store"), Some(0));
        assert_eq!(max_age("max-age=99999999999999999999999"), Some(u64::MAX));
        assert_eq!(max_age("max-age=soon"), None);
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age(""), None);
    }

    #[test]
    fn the_provider_shortens_the_refresh_but_never_below_the_floor_nor_lengthens_it() {
        let (every, floor) = (Duration::from_secs(300), Duration::from_secs(60));
        let interval = |age| refresh_interval(every, floor, age).as_secs();
        assert_eq!(interval(None), 300);
        assert_eq!(interval(Some(120)), 120);
        assert_eq!(interval(Some(5)), 60);
        assert_eq!(interval(Some(0)), 60);
        assert_eq!(interval(Some(86_400)), 300);
        assert_eq!(interval(Some(u64::MAX)), 300);
    }

    #[test]
    fn failed_fetches_pause_longer_each_time_up_to_a_bound() {
        let pauses: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX), BACKOFF_MAX);
    }

    #[test]
    fn a_plain_http_issuer_elsewhere_makes_no_verifier() {
        let config = Config {
            issuer: Some("http://idp.example.com".into()),
            ..Config::default()
        };
        let err = Verifier::new(&config).err().unwrap().to_string();
        assert!(err.contains("plain http"), "{err}");
    }

    fn b64(value: serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    /// A token of `claims` under an RS256 access-token header, with a signature of junk.
    fn unsigned(claims: serde_json::Value) -> String {
        let header = serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": "k"});
        format!("{}.{}.{}", b64(header), b64(claims), b64("junk".into()))
    }

    #[tokio::test]
    async fn a_token_refused_on_its_face_waits_for_no_fetch() {
        // A provider that accepts connections and never answers.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", silent.local_addr().unwrap());
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                open.push(socket);
            }
        });
        let config = Config {
            issuer: Some(issuer.clone()),
            ..Config::default()
        };
        let verifier = Verifier::new(&config).unwrap();
        let now = now();
        let good = serde_json::json!({
            "iss": issuer, "aud": crate::config::DEFAULT_AUDIENCE, "sub": "agent1",
            "iat": now, "exp": now + 300, "client_id": "support-desk",
        });
        let with = |name: &str, value: serde_json::Value| {
            let mut claims = good.clone();
            claims[name] = value;
            unsigned(claims)
        };
        let junk = [
            "not-a-token".to_owned(),
            with("iss", "https://evil.example.com".into()),
            with("aud", "urn:someone-else".into()),
            with("exp", (now - 600).into()),
            with("client_id", "another-app".into()),
            with("azp", "another-app".into()),
            with("client_id", 7.into()),
        ];
        for token in &junk {
            let started = Instant::now();
            let err = verifier.verify(token).await.unwrap_err();
            assert!(!err.is_unavailable(), "{token}: {err}");
            assert!(started.elapsed() < Duration::from_millis(500), "{err}");
        }
        // A token that passes on its face needs the keys: it waits for them, but only so long.
        let started = Instant::now();
        let err = verifier.verify(&unsigned(good)).await.unwrap_err();
        assert!(err.is_unavailable(), "{err}");
        let waited = started.elapsed();
        assert!(
            waited >= FETCH_WAIT && waited < FETCH_WAIT + Duration::from_secs(1),
            "{waited:?}"
        );
        held.abort();
    }
}
