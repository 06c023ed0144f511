//! Signed policies: what the server issues and what the client accepts.
//!
//! A signed policy is a compact JWS (RFC 7515) with `alg: EdDSA` (Ed25519), the signing key's
//! `kid` and `typ: desk-policy+jwt` in the header, and [`PolicyClaims`] as payload: `sub`, `aud`,
//! `iat`, `exp`, a `version` that only grows, the effective [`Policy`] and its [`Layout`].
//! [`verify`] is the client's whole check: a key it pins (never one the server offers), the
//! algorithm, the signature, the subject, the audience, the times, the version against the last
//! one accepted, and that the layout shows nothing the policy forbids. Time is a parameter:
//! nothing here reads a clock.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::policy::{Page, Policy, Widget};

/// The JWS `typ` of a signed policy.
pub const TYP: &str = "desk-policy+jwt";

/// Signed policies larger than this are refused before parsing.
pub const MAX_BYTES: usize = 256 * 1024;

/// For each page, the widgets it shows, in order. Every widget belongs to one page (see
/// `Widget`) and may be listed only under it, once. A published layout may show only pages and
/// widgets its role's definition grants; the layout in a signed policy shows only what that
/// policy grants. Unknown members, pages or widgets are refused (`invalid_body`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Layout {
    /// Page → its widgets, in display order. A page not listed shows nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PageWidgets))]
    pub pages: BTreeMap<Page, Vec<Widget>>,
}

/// Why a layout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// A widget is listed under a page it does not belong to.
    #[error("widget `{widget}` belongs to page `{belongs}`, not `{page}`")]
    WrongPage {
        /// The widget.
        widget: Widget,
        /// The page it was listed under.
        page: Page,
        /// The page it belongs to.
        belongs: Page,
    },
    /// A widget is listed twice on a page.
    #[error("widget `{0}` is listed twice")]
    Duplicate(Widget),
    /// A widget or page the policy does not grant.
    #[error("`{0}` is not granted by the policy")]
    NotGranted(String),
}

impl Layout {
    /// Checks that every widget sits on its own page, once.
    pub fn validate(&self) -> Result<(), LayoutError> {
        for (&page, widgets) in &self.pages {
            let mut seen = BTreeSet::new();
            for &widget in widgets {
                if widget.page() != page {
                    return Err(LayoutError::WrongPage {
                        widget,
                        page,
                        belongs: widget.page(),
                    });
                }
                if !seen.insert(widget) {
                    return Err(LayoutError::Duplicate(widget));
                }
            }
        }
        Ok(())
    }

    /// Checks that the layout shows only pages and widgets `policy` grants.
    pub fn check_granted(&self, policy: &Policy) -> Result<(), LayoutError> {
        self.validate()?;
        for (page, widgets) in &self.pages {
            if !policy.pages.contains(page) && !widgets.is_empty() {
                return Err(LayoutError::NotGranted(page.to_string()));
            }
            if let Some(w) = widgets.iter().find(|w| !policy.widgets.contains(w)) {
                return Err(LayoutError::NotGranted(w.to_string()));
            }
        }
        Ok(())
    }

    /// The layout a role gets when no administrator has published one: its granted widgets, page
    /// by page, in catalogue order.
    pub fn default_for(policy: &Policy) -> Self {
        let mut pages: BTreeMap<Page, Vec<Widget>> = BTreeMap::new();
        for &widget in Widget::ALL {
            if policy.widgets.contains(&widget) && policy.pages.contains(&widget.page()) {
                pages.entry(widget.page()).or_default().push(widget);
            }
        }
        Self { pages }
    }

    /// These layouts merged for an agent with several roles, then cut to what `policy` grants:
    /// each page lists the first layout's widgets, then the next one's not yet listed, and so on.
    pub fn merged<'a>(layouts: impl IntoIterator<Item = &'a Layout>, policy: &Policy) -> Self {
        let mut pages: BTreeMap<Page, Vec<Widget>> = BTreeMap::new();
        for layout in layouts {
            for (&page, widgets) in &layout.pages {
                if !policy.pages.contains(&page) {
                    continue;
                }
                let list = pages.entry(page).or_default();
                for &w in widgets {
                    if policy.widgets.contains(&w) && w.page() == page && !list.contains(&w) {
                        list.push(w);
                    }
                }
            }
        }
        Self { pages }
    }
}

/// The payload of a signed policy (`MyPolicy.signed`, and the `data` of a `policy` event), as
/// base64url JSON. Unknown members are refused by clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyClaims {
    /// Who issued it: always `desk-server`.
    pub iss: String,
    /// The agent it is for: their subject (`sub`) at the identity provider. Clients refuse a
    /// policy for another subject.
    #[cfg_attr(feature = "openapi", schema(examples("agent1")))]
    pub sub: String,
    /// The client it is for: the app's client id (`support-desk` unless the server is configured
    /// otherwise). Clients refuse a policy for another audience.
    #[cfg_attr(feature = "openapi", schema(examples("support-desk")))]
    pub aud: String,
    /// Issued at, seconds since the epoch. Clients refuse a policy dated in the future.
    pub iat: i64,
    /// Expires at, seconds since the epoch: `iat` plus the server's policy lifetime (3600 s
    /// unless configured, 60 to 604800). Clients refuse an expired policy, and offline reading of
    /// cached records ends this long after it, plus the role's `offline_grace_secs`.
    pub exp: i64,
    /// Grows with every change to a role definition or layout, and never goes back (it starts
    /// from the clock, in milliseconds, when the server's database is created). Clients refuse a
    /// version lower than the last one they accepted (rollback).
    pub version: u64,
    /// What the agent may see and do.
    pub policy: Policy,
    /// How the agent's pages are laid out: the published layouts of the agent's roles (or their
    /// defaults) merged in role order, keeping only what `policy` grants.
    pub layout: Layout,
    /// The server's audit trail as it stood when the policy was issued: a signed checkpoint of
    /// its head (a compact JWS typed `desk-audit-checkpoint+jwt`, by the same key). Clients keep
    /// the newest one they have seen, and flag a server whose trail is later behind it or
    /// different at the same entry: a witness of the trail outside the server. Absent when the
    /// server could not read its trail's head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub audit_checkpoint: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// An Ed25519 public key the client pins, as a JWK (`kty` OKP, `crv` Ed25519).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The key id the server puts in each policy's header.
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
}

impl PublicKey {
    fn verifying_key(&self) -> Result<VerifyingKey, PolicyError> {
        if self.kty != "OKP" || self.crv != "Ed25519" {
            return Err(PolicyError::BadKey(format!(
                "key `{}` is not an Ed25519 key",
                self.kid
            )));
        }
        let bytes: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&self.x)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| PolicyError::BadKey(format!("key `{}` is malformed", self.kid)))?;
        VerifyingKey::from_bytes(&bytes)
            .map_err(|_| PolicyError::BadKey(format!("key `{}` is not a curve point", self.kid)))
    }
}

/// The server's private signing key. Its `Debug` shows only the key id; the secret is zeroized
/// when dropped.
pub struct PolicyKey {
    kid: String,
    key: SigningKey,
}

impl std::fmt::Debug for PolicyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyKey")
            .field("kid", &self.kid)
            .field("key", &"<redacted>")
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateJwk {
    kty: String,
    crv: String,
    kid: String,
    x: String,
    d: String,
}

impl PolicyKey {
    /// A key from 32 secret random bytes (the caller draws them) and a key id.
    pub fn from_seed(kid: impl Into<String>, seed: &[u8; 32]) -> Self {
        Self {
            kid: kid.into(),
            key: SigningKey::from_bytes(seed),
        }
    }

    /// Reads a private JWK (`kty` OKP, `crv` Ed25519, `kid`, `x`, `d`).
    pub fn from_jwk(text: &str) -> Result<Self, PolicyError> {
        let jwk: PrivateJwk = serde_json::from_str(text)
            .map_err(|e| PolicyError::BadKey(format!("not a private Ed25519 JWK: {e}")))?;
        if jwk.kty != "OKP" || jwk.crv != "Ed25519" || jwk.kid.is_empty() {
            return Err(PolicyError::BadKey("not a private Ed25519 JWK".into()));
        }
        let seed = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(&jwk.d)
                .map_err(|_| PolicyError::BadKey("`d` is not base64url".into()))?,
        );
        let seed: &[u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| PolicyError::BadKey("`d` is not 32 bytes".into()))?;
        let key = Self::from_seed(jwk.kid, seed);
        if key.public().x != jwk.x {
            return Err(PolicyError::BadKey("`x` does not match `d`".into()));
        }
        Ok(key)
    }

    /// The private JWK, for writing the key to a file only its owner can read.
    pub fn to_private_jwk(&self) -> Zeroizing<String> {
        let jwk = PrivateJwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            kid: self.kid.clone(),
            x: self.public().x,
            d: URL_SAFE_NO_PAD.encode(self.key.to_bytes()),
        };
        Zeroizing::new(serde_json::to_string(&jwk).unwrap_or_default())
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, for clients to pin.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            kid: self.kid.clone(),
            x: URL_SAFE_NO_PAD.encode(self.key.verifying_key().to_bytes()),
        }
    }

    /// Signs `claims` as a compact JWS.
    pub fn sign(&self, claims: &PolicyClaims) -> String {
        let header = Header {
            alg: "EdDSA".into(),
            kid: self.kid.clone(),
            typ: TYP.into(),
        };
        let input = format!("{}.{}", b64_json(&header), b64_json(claims));
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

impl PolicyKey {
    /// Signs `checkpoint` as a compact JWS typed [`CHECKPOINT_TYP`], so that it can never be
    /// taken for a policy (nor a policy for it).
    pub fn sign_checkpoint(&self, checkpoint: &Checkpoint) -> String {
        let header = Header {
            alg: "EdDSA".into(),
            kid: self.kid.clone(),
            typ: CHECKPOINT_TYP.into(),
        };
        let input = format!("{}.{}", b64_json(&header), b64_json(checkpoint));
        let signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// The JWS `typ` of a signed audit checkpoint.
pub const CHECKPOINT_TYP: &str = "desk-audit-checkpoint+jwt";

/// What the server signs about its audit trail: the chain held this entry, with this link, at
/// this time. Kept outside the server's database, a signed checkpoint shows later whether the
/// chain still holds that head (not rewritten, not cut short).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The position of the chain's last entry (0 for an empty chain).
    pub seq: i64,
    /// That entry's link (64 zeros for an empty chain).
    pub hash: String,
    /// When the checkpoint was made (RFC 3339, UTC, milliseconds).
    pub time: String,
}

/// Checks a signed checkpoint against `keys` and returns what it says.
pub fn verify_checkpoint(jws: &str, keys: &[PublicKey]) -> Result<Checkpoint, PolicyError> {
    let payload = open_jws(jws, keys, CHECKPOINT_TYP)?;
    serde_json::from_slice(&payload).map_err(|e| PolicyError::Malformed(format!("checkpoint: {e}")))
}

/// `value` as base64url JSON; our own types always serialize.
fn b64_json<T: Serialize>(value: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default())
}

/// What the client expects of a policy.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// The signed-in agent's subject.
    pub subject: &'a str,
    /// The client's own id.
    pub audience: &'a str,
    /// Now, seconds since the epoch.
    pub now: i64,
    /// Clock skew allowed on `iat` and `exp`, in seconds.
    pub skew: i64,
    /// The last version accepted, if any: anything lower is a rollback.
    pub last_version: Option<u64>,
}

/// Why a signed policy was refused. The previous policy stays in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not a compact JWS with JSON header and claims of the expected shape.
    #[error("the policy is malformed: {0}")]
    Malformed(String),
    /// A pinned key or the server's key is unusable.
    #[error("policy key: {0}")]
    BadKey(String),
    /// Signed with something other than EdDSA, or not typed as a policy.
    #[error("the policy is signed with `{0}`; only EdDSA policies are accepted")]
    Algorithm(String),
    /// The header names a key the client does not pin.
    #[error("the policy is signed by key `{0}`, which this client does not trust")]
    UnknownKey(String),
    /// The signature does not verify with the pinned key.
    #[error("the policy's signature does not verify")]
    Signature,
    /// For another agent.
    #[error("the policy is for another agent")]
    Subject,
    /// For another client.
    #[error("the policy is for another client (`{0}`)")]
    Audience(String),
    /// Past its `exp`.
    #[error("the policy expired")]
    Expired,
    /// Issued in the future.
    #[error("the policy is dated in the future")]
    NotYetValid,
    /// Older than the last one accepted.
    #[error("the policy is version {got}, older than version {have} already in force")]
    Rollback {
        /// The version offered.
        got: u64,
        /// The version in force.
        have: u64,
    },
    /// The layout shows something the policy forbids.
    #[error("the policy's layout is invalid: {0}")]
    Layout(#[from] LayoutError),
}

/// Checks `jws` against the pinned `keys` and `expect`, and returns its claims.
pub fn verify(
    jws: &str,
    keys: &[PublicKey],
    expect: &Expect<'_>,
) -> Result<PolicyClaims, PolicyError> {
    let payload = open_jws(jws, keys, TYP)?;
    let claims: PolicyClaims = serde_json::from_slice(&payload)
        .map_err(|e| PolicyError::Malformed(format!("claims: {e}")))?;
    check_claims(claims, expect)
}

/// The payload of `jws` once its header (EdDSA, typed `typ`, a pinned `kid`) and its signature
/// check out.
fn open_jws(jws: &str, keys: &[PublicKey], typ: &str) -> Result<Vec<u8>, PolicyError> {
    let malformed = |what: &str| PolicyError::Malformed(what.to_owned());
    if jws.len() > MAX_BYTES {
        return Err(malformed("too large"));
    }
    let mut parts = jws.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not a compact JWS"));
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| malformed("not base64url"))
    };
    let header: Header =
        serde_json::from_slice(&decode(h)?).map_err(|_| malformed("the header is not JSON"))?;
    if header.alg != "EdDSA" {
        return Err(PolicyError::Algorithm(
            header.alg.chars().take(16).collect(),
        ));
    }
    if header.typ != typ {
        return Err(malformed(if typ == TYP {
            "not typed as a policy"
        } else {
            "not typed as an audit checkpoint"
        }));
    }
    let key = keys
        .iter()
        .find(|k| k.kid == header.kid)
        .ok_or_else(|| PolicyError::UnknownKey(header.kid.chars().take(64).collect()))?
        .verifying_key()?;
    let signature = Signature::from_slice(&decode(s)?).map_err(|_| PolicyError::Signature)?;
    let input = &jws.as_bytes()[..h.len() + 1 + c.len()];
    key.verify_strict(input, &signature)
        .map_err(|_| PolicyError::Signature)?;
    decode(c)
}

/// The checks of a policy's claims beyond its signature.
fn check_claims(claims: PolicyClaims, expect: &Expect<'_>) -> Result<PolicyClaims, PolicyError> {
    if claims.sub != expect.subject {
        return Err(PolicyError::Subject);
    }
    if claims.aud != expect.audience {
        return Err(PolicyError::Audience(claims.aud.chars().take(64).collect()));
    }
    if expect.now > claims.exp + expect.skew {
        return Err(PolicyError::Expired);
    }
    if claims.iat > expect.now + expect.skew {
        return Err(PolicyError::NotYetValid);
    }
    if let Some(have) = expect.last_version
        && claims.version < have
    {
        return Err(PolicyError::Rollback {
            got: claims.version,
            have,
        });
    }
    claims.layout.check_granted(&claims.policy)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Action, RoleDefinition};
    use crate::{Field, Redaction, Role};

    fn key(kid: &str, byte: u8) -> PolicyKey {
        PolicyKey::from_seed(kid, &[byte; 32])
    }

    fn policy() -> Policy {
        let def = RoleDefinition {
            role: Role::AgentL1,
            description: String::new(),
            pages: [Page::Search, Page::Customer].into(),
            widgets: [Widget::SearchBox, Widget::CustomerSummary].into(),
            fields: [(Field::CustomerName, Redaction::Full)].into(),
            actions: [Action::TicketReply].into(),
            search_by: Default::default(),
            cache: Default::default(),
            read_budget: Default::default(),
        };
        Policy::of([&def])
    }

    fn claims() -> PolicyClaims {
        let policy = policy();
        PolicyClaims {
            iss: "desk-server".into(),
            sub: "agent1".into(),
            aud: "support-desk".into(),
            iat: 1_000,
            exp: 4_600,
            version: 7,
            layout: Layout::default_for(&policy),
            policy,
            audit_checkpoint: None,
        }
    }

    fn expect() -> Expect<'static> {
        Expect {
            subject: "agent1",
            audience: "support-desk",
            now: 2_000,
            skew: 60,
            last_version: Some(5),
        }
    }

    fn check(jws: &str) -> Result<PolicyClaims, PolicyError> {
        verify(
            jws,
            &[key("k1", 1).public(), key("k2", 2).public()],
            &expect(),
        )
    }

    #[test]
    fn a_policy_signed_by_a_pinned_key_is_accepted_whole() {
        let jws = key("k1", 1).sign(&claims());
        assert_eq!(check(&jws).unwrap(), claims());
        // Rotation: the second pinned key works too.
        assert_eq!(check(&key("k2", 2).sign(&claims())).unwrap().version, 7);
        // The same version again is not a rollback.
        let mut same = claims();
        same.version = 5;
        assert!(check(&key("k1", 1).sign(&same)).is_ok());
    }

    #[test]
    fn every_refusal_names_its_reason() {
        let signer = key("k1", 1);
        let with = |f: &dyn Fn(&mut PolicyClaims)| {
            let mut c = claims();
            f(&mut c);
            check(&signer.sign(&c))
        };
        assert_eq!(
            with(&|c| c.sub = "agent2".into()),
            Err(PolicyError::Subject)
        );
        assert!(matches!(
            with(&|c| c.aud = "other".into()),
            Err(PolicyError::Audience(_))
        ));
        assert_eq!(with(&|c| c.exp = 1_500), Err(PolicyError::Expired));
        assert_eq!(with(&|c| c.iat = 9_000), Err(PolicyError::NotYetValid));
        assert_eq!(
            with(&|c| c.version = 4),
            Err(PolicyError::Rollback { got: 4, have: 5 })
        );
        assert!(matches!(
            with(&|c| {
                c.layout.pages.insert(Page::Audit, vec![Widget::AuditLog]);
            }),
            Err(PolicyError::Layout(LayoutError::NotGranted(_)))
        ));
        assert!(matches!(
            with(&|c| {
                c.layout
                    .pages
                    .insert(Page::Search, vec![Widget::CustomerSummary]);
            }),
            Err(PolicyError::Layout(LayoutError::WrongPage { .. }))
        ));

        // An unpinned key, even one the server would offer.
        assert_eq!(
            check(&key("k3", 3).sign(&claims())),
            Err(PolicyError::UnknownKey("k3".into()))
        );
        // A pinned kid with another key's signature.
        assert_eq!(
            check(&key("k1", 9).sign(&claims())),
            Err(PolicyError::Signature)
        );
    }

    #[test]
    fn tampered_and_malformed_policies_are_refused() {
        let jws = key("k1", 1).sign(&claims());
        let (h, rest) = jws.split_once('.').unwrap();
        let (_, s) = rest.rsplit_once('.').unwrap();
        let mut richer = claims();
        richer.policy.actions.insert(Action::AuditRead);
        let forged_claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&richer).unwrap());
        assert_eq!(
            check(&format!("{h}.{forged_claims}.{s}")),
            Err(PolicyError::Signature)
        );
        for bad in ["", "a.b", "a.b.c.d", "!!.??.**", &"x".repeat(MAX_BYTES + 1)] {
            assert!(
                matches!(check(bad), Err(PolicyError::Malformed(_))),
                "{bad:.20}"
            );
        }
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k1","typ":"desk-policy+jwt"}"#),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap())
        );
        assert_eq!(check(&none), Err(PolicyError::Algorithm("none".into())));
        let unsigned = format!("{h}.{}.", rest.split_once('.').unwrap().0);
        assert_eq!(check(&unsigned), Err(PolicyError::Signature));
    }

    #[test]
    fn private_keys_round_trip_through_jwk_and_never_print() {
        let k = key("k1", 1);
        let back = PolicyKey::from_jwk(&k.to_private_jwk()).unwrap();
        assert_eq!(back.public(), k.public());
        let printed = format!("{k:?}");
        assert!(
            printed.contains("k1") && printed.contains("redacted"),
            "{printed}"
        );
        assert!(!printed.contains(&URL_SAFE_NO_PAD.encode([1u8; 32])));
        let mut jwk: serde_json::Value = serde_json::from_str(&k.to_private_jwk()).unwrap();
        jwk["x"] = key("k2", 2).public().x.into();
        assert!(
            PolicyKey::from_jwk(&jwk.to_string()).is_err(),
            "x must match d"
        );
        assert!(PolicyKey::from_jwk("{}").is_err());
    }

    #[test]
    fn merged_layouts_keep_order_and_drop_what_the_policy_forbids() {
        let policy = policy();
        let first = Layout {
            pages: [(Page::Customer, vec![Widget::CustomerSummary])].into(),
        };
        let second = Layout {
            pages: [
                (Page::Search, vec![Widget::SearchBox, Widget::SearchResults]),
                (Page::Audit, vec![Widget::AuditLog]),
            ]
            .into(),
        };
        let merged = Layout::merged([&first, &second], &policy);
        assert_eq!(merged.pages[&Page::Search], [Widget::SearchBox]);
        assert_eq!(merged.pages[&Page::Customer], [Widget::CustomerSummary]);
        assert!(!merged.pages.contains_key(&Page::Audit));
        assert_eq!(merged.check_granted(&policy), Ok(()));
    }
}
