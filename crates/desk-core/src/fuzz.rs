//! Hostile input, fuzzed (proptest): what desk-core parses from outside — signed policies and
//! audit checkpoints (compact JWS), private and pinned keys, layouts, a provider's roles claim —
//! and the free text it scrubs, fed arbitrary and near-valid input. Each property says what must
//! hold for every input: a clear `Err` and never a panic, nothing accepted that was not signed,
//! a round trip where there is one, and the scrubber's own promises (nothing left for a second
//! pass, text with nothing to find left alone).
//!
//! The default run is short (`config`); `PROPTEST_CASES=N` runs every property N times
//! (docs/fuzzing.md). Inputs are bounded in size, so a case that does not finish is a bug in the
//! code under test, not in the generator.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::policy::{Action, CacheRules, Page, Policy, RoleDefinition, SearchKey, Widget};
use crate::scrub::{Keep, Own, OwnKind, contains_sensitive, scrub, scrub_about};
use crate::signed::{
    self, Checkpoint, Expect, Layout, PolicyClaims, PolicyError, PolicyKey, PublicKey,
};
use crate::{Field, RecordKind, Redaction, Role, claims, redact};

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (the long run).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Characters the parsers and the scrubber care about, and anything else now and then.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "0123456789 -./:,@+#()[]{}\"'\\\t\n\r_=abcdefxyzABCXYZ".chars().collect::<Vec<_>>()
        ),
        2 => prop::char::range('0', '9'),
        1 => prop::sample::select(vec![
            '٣', '४', '３', '𝟗', '①', '½', '²', '＠', '﹫', '\u{200B}', '\u{2060}', '\u{AD}',
            '\u{202E}', '\u{FEFF}', '\u{A0}', '\u{2009}', '–', '—', 'é', 'ß', 'İ', 'ﬁ', '\u{301}',
            '\u{0}', '\u{1B}', '\u{7F}', '\u{85}', '\u{2028}', '😀', '\u{10FFFF}',
        ]),
        1 => any::<char>(),
    ]
}

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..max).prop_map(String::from_iter)
}

/// Arbitrary JSON, with the member names the parsers look for among the random ones.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text(24).prop_map(Value::from),
        prop::sample::select(vec![
            "EdDSA",
            "none",
            "HS256",
            "RS256",
            "OKP",
            "Ed25519",
            "k1",
            "desk-policy+jwt",
            "desk-audit-checkpoint+jwt",
            "agent1",
            "support-desk",
            "customer",
            "search",
            "customer.summary",
            "search.box",
            "audit.log",
            "full",
            "hidden",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((member_name(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "alg", "kid", "typ", "kty", "crv", "x", "d", "iss", "sub", "aud", "iat", "exp",
            "version", "policy", "layout", "pages", "widgets", "fields", "actions", "roles",
            "search_by", "cache", "ttl_secs", "offline_grace_secs", "audit_checkpoint", "seq",
            "hash", "time", "groups", "realm_access",
        ])
        .prop_map(str::to_owned),
        1 => hostile_text(8),
    ]
}

fn subset<T: Copy + Ord + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    prop::sample::subsequence(all, 0..=all.len())
}

/// A role definition drawn from the whole vocabulary; the union policy of a few of them is what
/// the server signs, whatever it grants.
fn definition() -> impl Strategy<Value = RoleDefinition> {
    (
        prop::sample::select(Role::ALL),
        subset(Page::ALL),
        subset(Widget::ALL),
        prop::collection::btree_map(
            prop::sample::select(Field::ALL),
            prop::sample::select(Redaction::ALL),
            0..8,
        ),
        subset(Action::ALL),
        subset(SearchKey::ALL),
        prop::collection::btree_map(
            prop::sample::select(RecordKind::ALL.to_vec()),
            1u64..=crate::policy::MAX_CACHE_SECS,
            0..3,
        ),
        0u64..=crate::policy::MAX_CACHE_SECS,
    )
        .prop_map(
            |(role, pages, widgets, fields, actions, search_by, ttl, grace)| RoleDefinition {
                role,
                description: String::new(),
                pages: pages.into_iter().collect(),
                widgets: widgets.into_iter().collect(),
                fields,
                actions: actions.into_iter().collect(),
                search_by: search_by.into_iter().collect(),
                cache: CacheRules {
                    ttl_secs: ttl,
                    offline_grace_secs: grace,
                },
                read_budget: Default::default(),
            },
        )
}

/// Claims as the server signs them: any subject, audience and version, times around `NOW`, a
/// policy of some definitions and their default layouts merged.
fn policy_claims() -> impl Strategy<Value = PolicyClaims> {
    (
        hostile_text(40),
        hostile_text(20),
        (NOW - 3_000)..=(NOW + SKEW),
        0i64..100_000,
        any::<u64>(),
        prop::collection::vec(definition(), 0..3),
        prop::option::of(hostile_text(40)),
    )
        .prop_map(|(sub, aud, iat, ttl, version, defs, checkpoint)| {
            let policy = Policy::of(&defs);
            let layouts: Vec<Layout> = defs
                .iter()
                .map(|d| Layout::default_for(&Policy::of([d])))
                .collect();
            PolicyClaims {
                iss: "desk-server".into(),
                sub,
                aud,
                iat,
                // Not expired: the client allows the skew past `exp`.
                exp: NOW - SKEW + ttl,
                version,
                layout: Layout::merged(&layouts, &policy),
                policy,
                audit_checkpoint: checkpoint,
            }
        })
}

const NOW: i64 = 1_800_000_000;
const SKEW: i64 = 60;

// Made once: deriving a public key is most of a signature's cost in a debug build.
static SIGNER: LazyLock<PolicyKey> = LazyLock::new(|| PolicyKey::from_seed("k1", &[7; 32]));
static PINNED: LazyLock<Vec<PublicKey>> = LazyLock::new(|| {
    vec![
        SIGNER.public(),
        PolicyKey::from_seed("k2", &[8; 32]).public(),
    ]
});

fn signer() -> &'static PolicyKey {
    &SIGNER
}

fn pinned() -> &'static [PublicKey] {
    &PINNED
}

fn expect_for(claims: &PolicyClaims) -> Expect<'_> {
    Expect {
        subject: &claims.sub,
        audience: &claims.aud,
        now: NOW,
        skew: SKEW,
        last_version: Some(claims.version),
    }
}

const EXPECT: Expect<'static> = Expect {
    subject: "agent1",
    audience: "support-desk",
    now: NOW,
    skew: SKEW,
    last_version: None,
};

/// Where an edit lands: anywhere, or at the first or last character of one of the dot-separated
/// parts (where a parser's bounds and base64's padding bits are).
#[derive(Debug, Clone)]
enum At {
    Anywhere(usize),
    PartStart(usize),
    PartEnd(usize),
}

/// One edit of a compact JWS: a character replaced by another, inserted or removed; or the last
/// character of a part respelled with its lowest bit flipped, which in base64 changes only
/// padding bits when the part's length leaves some (the same bytes, written differently).
#[derive(Debug, Clone)]
enum Edit {
    Replace(At, char),
    Insert(At, char),
    Remove(At),
    Respell(usize),
}

const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn edit() -> impl Strategy<Value = Edit> {
    let c = prop_oneof![
        4 => prop::sample::select(B64URL.chars().collect::<Vec<_>>()),
        1 => prop::sample::select(vec!['.', '=', '+', '/', ' ', '\n', '\0', 'é']),
    ];
    let at = prop_oneof![
        2 => any::<usize>().prop_map(At::Anywhere),
        1 => any::<usize>().prop_map(At::PartStart),
        1 => any::<usize>().prop_map(At::PartEnd),
    ];
    prop_oneof![
        3 => (at.clone(), c.clone()).prop_map(|(at, c)| Edit::Replace(at, c)),
        2 => (at.clone(), c).prop_map(|(at, c)| Edit::Insert(at, c)),
        2 => at.prop_map(Edit::Remove),
        2 => any::<usize>().prop_map(Edit::Respell),
    ]
}

/// `text` with `edit` applied (positions taken modulo what there is); `None` when the edit
/// changes nothing (a character replaced by itself).
fn edited(text: &str, edit: &Edit) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
    // Each part's first and last index (a part may be empty: then both are where it starts).
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '.' {
            parts.push((start, i.saturating_sub(1).max(start)));
            start = i + 1;
        }
    }
    parts.push((start, chars.len().saturating_sub(1).max(start)));
    let index = |at: &At| match *at {
        At::Anywhere(i) => i % chars.len(),
        At::PartStart(p) => parts[p % parts.len()].0.min(chars.len() - 1),
        At::PartEnd(p) => parts[p % parts.len()].1.min(chars.len() - 1),
    };
    match edit {
        Edit::Replace(at, c) => {
            let i = index(at);
            if chars[i] == *c {
                return None;
            }
            chars[i] = *c;
        }
        Edit::Insert(at, c) => {
            let i = index(at);
            chars.insert(i, *c);
        }
        Edit::Remove(at) => {
            let i = index(at);
            chars.remove(i);
        }
        Edit::Respell(p) => {
            let i = parts[p % parts.len()].1.min(chars.len() - 1);
            let value = B64URL.find(chars[i])?;
            chars[i] = B64URL.chars().nth(value ^ 1)?;
        }
    }
    Some(chars.into_iter().collect())
}

/// Three dot-joined parts shaped like a compact JWS: a JSON header with chosen or arbitrary
/// `alg`, `kid` and `typ`, a payload of arbitrary JSON or bytes, and arbitrary signature bytes.
fn jws_shaped() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        (
            prop::sample::select(vec![
                "EdDSA", "none", "HS256", "RS256", "ES256", "eddsa", ""
            ]),
            prop::sample::select(vec!["k1", "k2", "k3", ""]),
            prop::sample::select(vec![
                signed::TYP,
                signed::CHECKPOINT_TYP,
                "JWT",
                "",
                "desk-policy+JWT",
            ]),
        )
            .prop_map(|(alg, kid, typ)| {
                serde_json::json!({ "alg": alg, "kid": kid, "typ": typ }).to_string()
            }),
        json().prop_map(|v| v.to_string()),
    ];
    let payload = prop_oneof![
        json().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let signature = prop::collection::vec(any::<u8>(), 0..80);
    (header, payload, signature).prop_map(|(h, p, s)| {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(h),
            URL_SAFE_NO_PAD.encode(p),
            URL_SAFE_NO_PAD.encode(s)
        )
    })
}

/// Characters in which nothing can be found, drawn without rejecting many (the long run would
/// exhaust proptest's rejects): the hostile ones but digits and `@`, and any other now and then.
fn quiet_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            " -./:,+#()[]{}\"'\\\t\n\r_=abcdefxyzABCXYZ".chars().collect::<Vec<_>>()
        ),
        1 => prop::sample::select(vec![
            '\u{200B}', '\u{2060}', '\u{AD}', '\u{202E}', '\u{FEFF}', '\u{A0}', '\u{2009}', '–',
            '—', 'é', 'ß', 'İ', 'ﬁ', '\u{301}', '\u{0}', '\u{1B}', '\u{7F}', '\u{85}', '\u{2028}',
            '😀', '\u{10FFFF}',
        ]),
        1 => any::<char>().prop_filter("nothing findable", |&c| !findable(c)),
    ]
}

/// Whether a character is, or normalizes to, a digit or an `@`: what every detector needs.
fn findable(c: char) -> bool {
    let is = |c: char| c.is_numeric() || c == '@';
    is(c) || std::iter::once(c).nfkc().any(is)
}

fn findable_in(text: &str) -> bool {
    text.chars().any(findable) || text.nfkc().any(|c| c.is_numeric() || c == '@')
}

fn keep() -> impl Strategy<Value = Keep> {
    (any::<bool>(), any::<bool>()).prop_map(|(emails, phones)| Keep { emails, phones })
}

// ---------------------------------------------------------------------------------------------
// Signed policies and checkpoints

proptest! {
    #![proptest_config(config(256))]

    /// Arbitrary text is never a policy or a checkpoint, and the refusal says why.
    #[test]
    fn arbitrary_text_is_refused_as_a_policy_and_as_a_checkpoint(text in hostile_text(200)) {
        prop_assert!(signed::verify(&text, pinned(), &EXPECT).is_err());
        prop_assert!(signed::verify_checkpoint(&text, pinned()).is_err());
    }

    /// Anything shaped like a compact JWS but not signed by a pinned key is refused, and one
    /// with another algorithm is refused for its algorithm before any key is looked at.
    #[test]
    fn jws_shaped_input_without_a_pinned_signature_is_refused(jws in jws_shaped()) {
        let policy = signed::verify(&jws, pinned(), &EXPECT);
        let checkpoint = signed::verify_checkpoint(&jws, pinned());
        prop_assert!(policy.is_err(), "{jws}");
        prop_assert!(checkpoint.is_err(), "{jws}");
        let header: Option<Value> = jws
            .split('.')
            .next()
            .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
            .and_then(|h| serde_json::from_slice(&h).ok());
        if let Some(alg) = header.as_ref().and_then(|h| h["alg"].as_str())
            && alg != "EdDSA"
            && header.as_ref().is_some_and(|h| h["kid"].is_string() && h["typ"].is_string())
        {
            prop_assert!(matches!(policy, Err(PolicyError::Algorithm(_))), "{policy:?}");
        }
    }

    /// A pinned key of any shape (wrong type, bad base64, not a curve point) makes verification
    /// fail with a reason, never panic, and never accept a policy it did not sign.
    #[test]
    fn malformed_pinned_keys_refuse_without_panicking(
        kty in prop::sample::select(vec!["OKP", "EC", "oct", ""]),
        crv in prop::sample::select(vec!["Ed25519", "X25519", ""]),
        x in prop_oneof![
            hostile_text(50),
            prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        ],
        claims in policy_claims(),
    ) {
        let key = PublicKey { kty: kty.into(), crv: crv.into(), kid: "k1".into(), x };
        let genuine = key == signer().public();
        let result = signed::verify(&signer().sign(&claims), &[key], &expect_for(&claims));
        prop_assert_eq!(result.is_ok(), genuine, "{:?}", result);
    }

    /// Private keys: arbitrary text is refused with a reason; any key written out reads back as
    /// the same key.
    #[test]
    fn private_keys_read_back_and_arbitrary_ones_are_refused(
        seed in any::<[u8; 32]>(),
        kid in hostile_text(20).prop_filter("a key has an id", |k| !k.is_empty()),
        text in prop_oneof![hostile_text(120), json().prop_map(|v| v.to_string())],
    ) {
        let key = PolicyKey::from_seed(kid, &seed);
        let back = PolicyKey::from_jwk(&key.to_private_jwk());
        prop_assert_eq!(back.map(|k| k.public()), Ok(key.public()));
        if let Ok(read) = PolicyKey::from_jwk(&text) {
            // Only a whole, consistent private JWK reads: writing it out gives it back.
            prop_assert_eq!(
                PolicyKey::from_jwk(&read.to_private_jwk()).map(|k| k.public()),
                Ok(read.public())
            );
        }
    }

    /// Layouts from arbitrary JSON: parsed or refused, and a parsed one's checks answer.
    #[test]
    fn layouts_from_arbitrary_json_parse_or_refuse(value in json(), def in definition()) {
        if let Ok(layout) = serde_json::from_value::<Layout>(value) {
            let policy = Policy::of([&def]);
            if layout.check_granted(&policy).is_ok() {
                prop_assert!(layout.validate().is_ok());
            }
            let merged = Layout::merged([&layout], &policy);
            prop_assert_eq!(merged.check_granted(&policy), Ok(()));
        }
    }

    /// A provider's roles claim of any shape yields a list of roles (sorted, no duplicates, no
    /// empty names), never a panic.
    #[test]
    fn roles_claims_of_any_shape_are_read(value in json(), claim in member_name()) {
        let claims = match value {
            Value::Object(map) => map,
            other => [("groups".to_owned(), other)].into_iter().collect(),
        };
        let roles = claims::roles_from(&claims, &claim);
        prop_assert!(roles.windows(2).all(|w| w[0] < w[1]), "{roles:?}");
        prop_assert!(roles.iter().all(|r| !r.is_empty()));
    }
}

// Each case of these signs and verifies (Ed25519 is slow in a debug build): fewer cases by default.
proptest! {
    #![proptest_config(config(64))]

    /// What the server signs, the client reads back exactly.
    #[test]
    fn a_signed_policy_verifies_to_the_claims_it_was_signed_with(claims in policy_claims()) {
        let jws = signer().sign(&claims);
        prop_assert_eq!(signed::verify(&jws, pinned(), &expect_for(&claims)), Ok(claims));
    }

    /// One character replaced, inserted or removed anywhere in a signed policy, and it no
    /// longer verifies: no part of it may change unnoticed, not even the signature's padding
    /// bits.
    #[test]
    fn a_signed_policy_changed_anywhere_is_refused(claims in policy_claims(), edit in edit()) {
        let jws = signer().sign(&claims);
        if let Some(changed) = edited(&jws, &edit) {
            let result = signed::verify(&changed, pinned(), &expect_for(&claims));
            prop_assert!(result.is_err(), "{edit:?} still verifies");
        }
    }

    /// Checkpoints round-trip, and any change to one is refused; neither kind is ever read as
    /// the other.
    #[test]
    fn checkpoints_round_trip_and_refuse_any_change(
        seq in any::<i64>(),
        hash in hostile_text(70),
        time in hostile_text(30),
        edit in edit(),
    ) {
        let checkpoint = Checkpoint { seq, hash, time };
        let jws = signer().sign_checkpoint(&checkpoint);
        prop_assert_eq!(signed::verify_checkpoint(&jws, pinned()), Ok(checkpoint));
        prop_assert!(signed::verify(&jws, pinned(), &EXPECT).is_err());
        if let Some(changed) = edited(&jws, &edit) {
            prop_assert!(signed::verify_checkpoint(&changed, pinned()).is_err(), "{edit:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The scrubber and the masks

proptest! {
    #![proptest_config(config(256))]

    /// Whatever the text, scrubbing finishes, and what it leaves has nothing more to mask: a
    /// second pass changes nothing, and text scrubbed keeping nothing is what the cache's guard
    /// takes (`contains_sensitive` is false).
    #[test]
    fn scrubbed_text_has_nothing_left_to_scrub(text in hostile_text(400), keep in keep()) {
        let once = scrub(&text, keep);
        let twice = scrub(&once, keep);
        prop_assert_eq!(&twice, &once, "from {:?}", text);
        if keep == Keep::NOTHING {
            prop_assert!(!contains_sensitive(&once), "{:?} → {:?}", text, once);
        }
    }

    /// Text in which nothing could be found — no digit of any script, even after NFKC, and no
    /// `@` — comes back as it was, borrowed.
    #[test]
    fn text_with_nothing_to_find_is_left_alone(
        text in prop::collection::vec(quiet_char(), 0..300).prop_map(String::from_iter)
    ) {
        prop_assume!(!findable_in(&text));
        prop_assert!(matches!(scrub(&text, Keep::NOTHING), Cow::Borrowed(_)), "{text:?}");
    }

    /// A customer's own values of any shape, looked for in any text: the scrub finishes without
    /// a panic (a mask cut outside a character boundary would be one).
    #[test]
    fn own_values_of_any_shape_are_looked_for_without_failing(
        text in hostile_text(300),
        values in prop::collection::vec(
            (
                prop::sample::select(vec![
                    OwnKind::Email,
                    OwnKind::Phone,
                    OwnKind::DateOfBirth,
                    OwnKind::Address,
                ]),
                hostile_text(40),
            ),
            0..4,
        ),
        keep in keep(),
    ) {
        let own: Vec<Own<'_>> = values
            .iter()
            .map(|(kind, value)| Own { kind: *kind, value, with: "[own]".into() })
            .collect();
        let _ = scrub_about(&text, keep, &own);
    }

    /// Every mask's output is accepted as that redaction by the cache's guard, whatever the
    /// value, and a mask never shows more characters of the value than it promises.
    #[test]
    fn masks_are_what_the_guard_accepts(value in hostile_text(80)) {
        for &redaction in Redaction::ALL {
            let shown = redact::apply(redaction, &value);
            match redaction {
                Redaction::Hidden => prop_assert_eq!(shown, None),
                Redaction::Full => prop_assert_eq!(shown.as_deref(), Some(value.as_str())),
                _ => {
                    let shown = shown.unwrap();
                    prop_assert!(
                        redact::is_redacted_as(redaction, &shown),
                        "{redaction:?}({value:?}) = {shown:?} is refused by the guard"
                    );
                }
            }
        }
    }
}

#[test]
fn the_generators_reach_what_they_are_for() {
    // A policy the generator makes verifies (so the change property tests real policies), and
    // an edit that leaves the text as it was is skipped rather than counted as a refusal.
    let claims = PolicyClaims {
        iss: "desk-server".into(),
        sub: "agent1".into(),
        aud: "support-desk".into(),
        iat: NOW,
        exp: NOW + 3600,
        version: 1,
        policy: Policy::default(),
        layout: Layout {
            pages: BTreeMap::new(),
        },
        audit_checkpoint: None,
    };
    let jws = signer().sign(&claims);
    assert!(signed::verify(&jws, pinned(), &expect_for(&claims)).is_ok());
    let first = jws.chars().next().unwrap();
    assert_eq!(edited(&jws, &Edit::Replace(At::Anywhere(0), first)), None);
    assert_ne!(
        edited(&jws, &Edit::Remove(At::Anywhere(0))).as_deref(),
        Some(jws.as_str())
    );
    // Respelling the signature's last character keeps its bytes (an Ed25519 signature is 64
    // bytes, 86 characters with 4 padding bits): the change property must still refuse it.
    let respelled = edited(&jws, &Edit::Respell(2)).unwrap();
    let signature = |jws: &str| URL_SAFE_NO_PAD.decode(jws.rsplit('.').next().unwrap());
    assert_ne!(respelled, jws);
    assert!(
        signature(&respelled).is_err(),
        "strict base64 refuses the respelling"
    );
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::general_purpose::NO_PAD.with_decode_allow_trailing_bits(true),
    );
    assert_eq!(
        lenient
            .decode(respelled.rsplit('.').next().unwrap())
            .unwrap(),
        signature(&jws).unwrap(),
        "the respelling is the same signature to a lenient decoder"
    );
}

/// Found by `roles_claims_of_any_shape_are_read` (in a long run): an empty string in a groups
/// list was a role name of its own, where the same claim as a string drops empty names.
#[test]
fn an_empty_group_in_a_list_is_no_role() {
    let claims = serde_json::json!({ "groups": ["", "support-tier1", ""] });
    let roles = claims::roles_from(claims.as_object().unwrap(), "groups");
    assert_eq!(roles, ["support-tier1"]);
}
