//! Hostile input, fuzzed (proptest): what reaches desk-auth from outside — the loopback
//! callback (from anything on this machine), ID tokens and key sets (from the provider or
//! someone in between), issuers and discovery documents (from configuration and the network).
//! Each property says what must hold for every input: a clear `Err` and never a panic, nothing
//! accepted that the provider did not sign, and a round trip where there is one.
//!
//! The default run is short (`config`); `PROPTEST_CASES=N` runs every property N times
//! (docs/fuzzing.md). Inputs are bounded in size, and every socket read has its own limits.

use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signer, SigningKey};
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use openidconnect::url::form_urlencoded;
use openidconnect::{JsonWebKeySetUrl, Nonce};
use proptest::prelude::*;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::AuthError;
use crate::discovery::{ProviderMetadata, check_issuer};
use crate::id_token::{Checker, Expected, Identity};
use crate::loopback::{self, Expect, Verdict, judge};

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (the long run).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

// ---------------------------------------------------------------------------------------------
// Generators

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "abcxyzABC0129 -._~:/?#[]@!$&'()*+,;=%\"<>\\^`{|}\t\r\n".chars().collect::<Vec<_>>()
        ),
        1 => prop::sample::select(vec![
            '\u{0}', '\u{1B}', '\u{7F}', '\u{85}', '\u{202E}', '\u{200B}', '\u{FEFF}', 'é', '😀',
        ]),
        1 => any::<char>(),
    ]
}

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..max).prop_map(String::from_iter)
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text(24).prop_map(Value::from),
        prop::sample::select(vec![
            "EdDSA", "none", "HS256", "RS256", "ES256", "OKP", "RSA", "EC", "oct", "Ed25519",
            "P-256", "sig", "enc", "k1", "k2", ISSUER, CLIENT, "n1", "alice",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((member_name(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "alg", "kid", "typ", "kty", "crv", "x", "y", "n", "e", "k", "use", "keys", "iss",
            "sub", "aud", "azp", "exp", "iat", "nonce", "at_hash", "groups", "name", "email",
            "issuer", "jwks_uri", "authorization_endpoint", "token_endpoint",
            "response_types_supported", "subject_types_supported",
            "id_token_signing_alg_values_supported",
        ])
        .prop_map(str::to_owned),
        1 => hostile_text(8),
    ]
}

// ---------------------------------------------------------------------------------------------
// The loopback callback

const STATE: &str = "Xq3v9Jr2bN7kLw1sTz5YcA";
const ISSUER: &str = "https://idp.example";
const CLIENT: &str = "support-desk";

/// A request target: a path, and query parameters whose names and values are the ones the
/// callback reads (right and wrong) or arbitrary, written with `form_urlencoded` or raw.
fn target() -> impl Strategy<Value = (String, Vec<(String, String)>, String)> {
    let path = prop_oneof![
        4 => Just("/callback".to_owned()),
        1 => prop::sample::select(vec![
            "/callback/", "/Callback", "/", "", "/callback%3F", "//callback", "/callback#x",
            "http://127.0.0.1/callback",
        ])
        .prop_map(str::to_owned),
        1 => hostile_text(12),
    ];
    let name = prop_oneof![
        4 => prop::sample::select(vec!["code", "state", "iss", "error", "error_description"])
            .prop_map(str::to_owned),
        1 => prop::sample::select(vec!["Code", "state ", "st%61te", "session_state", ""])
            .prop_map(str::to_owned),
        1 => hostile_text(8),
    ];
    let value = prop_oneof![
        2 => Just(STATE.to_owned()),
        2 => Just(ISSUER.to_owned()),
        1 => Just(String::new()),
        1 => Just(format!("{STATE} ")),
        1 => Just(format!("{ISSUER}/")),
        3 => hostile_text(30),
    ];
    let params = prop::collection::vec((name, value), 0..6);
    (path, params, any::<bool>()).prop_map(|(path, params, raw)| {
        let query = if raw {
            params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        } else {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &params {
                s.append_pair(k, v);
            }
            s.finish()
        };
        (path, params, query)
    })
}

/// What the callback must decide for a target, from the module's own description: only a
/// `/callback` with unique parameters and our `state` counts; then RFC 9207 `iss`, then an
/// `error`, then a non-empty `code`.
#[derive(Debug, PartialEq)]
enum Decision {
    Ignore,
    Code(String),
    Refused,
    Bad,
}

fn decide(path: &str, query: &str, issuer: Option<&str>) -> Decision {
    if path != "/callback" {
        return Decision::Ignore;
    }
    let mut params = std::collections::HashMap::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if params.insert(k.into_owned(), v.into_owned()).is_some() {
            return Decision::Ignore;
        }
    }
    if params.get("state").map(String::as_str) != Some(STATE) {
        return Decision::Ignore;
    }
    if let Some(issuer) = issuer
        && params.get("iss").map(String::as_str) != Some(issuer)
    {
        return Decision::Bad;
    }
    if params.contains_key("error") {
        return Decision::Refused;
    }
    match params.get("code") {
        Some(code) if !code.is_empty() => Decision::Code(code.clone()),
        _ => Decision::Bad,
    }
}

fn verdict(target: &str, issuer: Option<&str>) -> Decision {
    let expect = Expect {
        state: STATE,
        issuer,
    };
    match judge(target, &expect) {
        Verdict::Ignore(status, message) => {
            assert!(matches!(status, 400 | 404) && !message.is_empty());
            Decision::Ignore
        }
        Verdict::Done(Ok(callback)) => Decision::Code(callback.code.expose_secret().to_owned()),
        Verdict::Done(Err(AuthError::Refused { error, description })) => {
            // The provider's words are shown to the agent and logged: printable and bounded.
            for text in std::iter::once(&error).chain(description.as_ref()) {
                assert!(!text.chars().any(char::is_control), "{text:?}");
                assert!(text.chars().count() <= 300);
            }
            Decision::Refused
        }
        Verdict::Done(Err(AuthError::BadCallback(_))) => Decision::Bad,
        Verdict::Done(Err(other)) => panic!("unexpected error {other:?}"),
    }
}

/// Bytes a local process may send the listener: anything, something shaped like a request for
/// another attempt (never our `state`), or a head past the size limit.
fn hostile_request() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..600),
        2 => (target(), prop::sample::select(vec!["GET", "POST", "get", "GET "]),
              prop::sample::select(vec![" HTTP/1.1\r\n\r\n", " HTTP/1.0\r\nHost: x\r\n\r\n",
                                        " HTTP/2\r\n\r\n", "\r\n\r\n", " HTTP/1.1\n\n", ""]))
            .prop_filter("never the current attempt's state", |((_, params, _), _, _)| {
                params.iter().all(|(_, v)| !v.contains(STATE))
            })
            .prop_map(|((path, _, query), method, end)| {
                format!("{method} {path}?{query}{end}").into_bytes()
            }),
        1 => (17_000usize..20_000).prop_map(|n| {
            let mut head = b"GET /callback?".to_vec();
            head.resize(n, b'a');
            head
        }),
    ]
}

async fn send(port: u16, bytes: &[u8]) -> Vec<u8> {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return Vec::new();
    };
    // The listener may answer and close before reading everything: errors here are expected.
    let _ = stream.write_all(bytes).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    answer
}

proptest! {
    #![proptest_config(config(256))]

    /// Any request target, however encoded, gets the decision the module promises, and what
    /// the provider said in an error is printable and bounded.
    #[test]
    fn the_callback_decides_as_promised_for_any_target(
        (path, _params, query) in target(),
        advertises_iss in any::<bool>(),
    ) {
        let issuer = advertises_iss.then_some(ISSUER);
        let target = format!("{path}?{query}");
        let expected = match path.split_once('?') {
            // A `?` in the path: the query starts there.
            Some((p, q)) => decide(p, &format!("{q}?{query}"), issuer),
            None => decide(&path, &query, issuer),
        };
        prop_assert_eq!(verdict(&target, issuer), expected, "{}", target);
    }

    /// Arbitrary text as a target: a decision, never a panic.
    #[test]
    fn arbitrary_targets_are_judged_without_failing(target in hostile_text(300)) {
        let _ = verdict(&target, Some(ISSUER));
        let _ = verdict(&target, None);
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// Whatever other local processes send the listener first — garbage, requests for another
    /// attempt, heads past the limit — it answers each and still takes the real callback.
    #[test]
    fn hostile_local_requests_never_end_or_hold_the_sign_in(
        hostile in prop::collection::vec(hostile_request(), 1..5),
        code in "[A-Za-z0-9_-]{1,40}",
    ) {
        let result = runtime().block_on(async {
            let listener = loopback::Listener::bind().await.unwrap();
            let port: u16 = listener.redirect_uri()
                .rsplit(':').next().unwrap()
                .split('/').next().unwrap()
                .parse().unwrap();
            let expect = Expect { state: STATE, issuer: None };
            let waiting = listener.wait(expect, Duration::from_secs(30));
            let client = async {
                for bytes in &hostile {
                    let answer = send(port, bytes).await;
                    assert!(
                        answer.is_empty() || answer.starts_with(b"HTTP/1.1 4"),
                        "{}", String::from_utf8_lossy(&answer)
                    );
                }
                let valid = format!("GET /callback?code={code}&state={STATE} HTTP/1.1\r\n\r\n");
                send(port, valid.as_bytes()).await
            };
            let (result, answer) = tokio::join!(waiting, client);
            assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
            result
        });
        prop_assert_eq!(result.map(|c| c.code.expose_secret().to_owned()).ok(), Some(code));
    }
}

// ---------------------------------------------------------------------------------------------
// ID tokens and key sets

static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::from_bytes(&[42; 32]));

fn real_jwk() -> Value {
    json!({
        "kty": "OKP", "crv": "Ed25519", "use": "sig", "kid": "k1",
        "x": B64.encode(KEY.verifying_key().to_bytes()),
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A port nothing listens on, so a key set re-fetch fails at once instead of reaching out.
static CLOSED_PORT: LazyLock<u16> = LazyLock::new(|| {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
});

fn checker(keys: CoreJsonWebKeySet) -> Checker {
    let jwks_uri =
        JsonWebKeySetUrl::new(format!("http://127.0.0.1:{}/jwks", *CLOSED_PORT)).unwrap();
    Checker::new(
        CLIENT,
        ISSUER,
        jwks_uri,
        keys,
        &[
            CoreJwsSigningAlgorithm::EdDsa,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::HmacSha256,
            CoreJwsSigningAlgorithm::None,
        ],
        Duration::from_secs(60),
        "groups",
    )
    .unwrap()
}

fn real_keys() -> CoreJsonWebKeySet {
    serde_json::from_value(json!({ "keys": [real_jwk()] })).unwrap()
}

fn compact(header: &Value, claims: &[u8], sign: bool) -> String {
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims));
    let signature = if sign {
        KEY.sign(input.as_bytes()).to_bytes().to_vec()
    } else {
        Vec::new()
    };
    format!("{input}.{}", B64.encode(signature))
}

fn valid_claims(sub: &str, name: &str, email: &str, groups: &[String]) -> Value {
    let t = now();
    json!({
        "iss": ISSUER, "aud": CLIENT, "sub": sub, "exp": t + 600, "iat": t, "nonce": "n1",
        "name": name, "email": email, "groups": groups,
    })
}

fn header() -> Value {
    json!({ "alg": "EdDSA", "kid": "k1", "typ": "JWT" })
}

fn check(checker: &Checker, raw: &str) -> Result<Identity, AuthError> {
    let nonce = Nonce::new("n1".into());
    let expected = Expected {
        nonce: Some(&nonce),
        access_token: None,
        subject: None,
    };
    let http = crate::http::client().unwrap();
    runtime().block_on(checker.check(raw, &expected, &http))
}

/// An ID token refusal is always one of the two errors the sign-in reports.
fn refused(result: &Result<Identity, AuthError>) -> bool {
    matches!(result, Err(AuthError::IdToken(_) | AuthError::Http(_)))
}

/// Where an edit lands: anywhere, or at the first or last character of one of the dot-separated
/// parts (where a parser's bounds and base64's padding bits are).
#[derive(Debug, Clone)]
enum At {
    Anywhere(usize),
    PartStart(usize),
    PartEnd(usize),
}

/// One edit of a compact JWS: a character replaced, inserted or removed; or the last character
/// of a part respelled with its lowest bit flipped, which in base64 changes only padding bits
/// when the part's length leaves some (the same bytes, written differently).
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
/// changes nothing.
fn edited(text: &str, edit: &Edit) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
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

fn identity_parts() -> impl Strategy<Value = (String, String, String, Vec<String>)> {
    (
        hostile_text(40).prop_filter("a subject", |s| !s.is_empty()),
        hostile_text(30),
        hostile_text(30),
        prop::collection::vec(hostile_text(12), 0..5),
    )
}

proptest! {
    #![proptest_config(config(128))]

    /// Arbitrary text as an ID token: refused as malformed, never a panic.
    #[test]
    fn arbitrary_text_is_refused_as_an_id_token(raw in hostile_text(300)) {
        let result = check(&checker(real_keys()), &raw);
        prop_assert!(refused(&result), "{result:?}");
    }

    /// Shaped like a token — any header, any claims, signed or not — and still refused unless
    /// it is EdDSA under the provider's key with every claim right; `none` and HS256 never
    /// pass, even though the provider "advertises" them.
    #[test]
    fn tokens_of_any_header_and_claims_are_refused_unless_valid(
        alg in prop::sample::select(vec!["EdDSA", "none", "HS256", "RS256", "eddsa", ""]),
        kid in prop::sample::select(vec!["k1", "k2", ""]),
        claims in prop_oneof![
            json().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..80),
        ],
        sign in any::<bool>(),
    ) {
        let raw = compact(&json!({ "alg": alg, "kid": kid }), &claims, sign);
        let result = check(&checker(real_keys()), &raw);
        prop_assert!(refused(&result), "{result:?}");
    }

    /// A valid token's identity comes back as it was signed: subject, name, e-mail, and the
    /// groups sorted without duplicates (an empty group name is no group).
    #[test]
    fn a_valid_id_token_yields_the_identity_it_carries(
        (sub, name, email, groups) in identity_parts(),
    ) {
        let claims = valid_claims(&sub, &name, &email, &groups);
        let raw = compact(&header(), claims.to_string().as_bytes(), true);
        let identity = check(&checker(real_keys()), &raw).unwrap();
        let mut roles: Vec<String> = groups.iter().filter(|g| !g.is_empty()).cloned().collect();
        roles.sort();
        roles.dedup();
        prop_assert_eq!(identity.subject, sub);
        prop_assert_eq!(identity.issuer, ISSUER);
        prop_assert_eq!(identity.name.as_deref(), Some(name.as_str()));
        prop_assert_eq!(identity.email.as_deref(), Some(email.as_str()));
        prop_assert_eq!(identity.roles, roles);
    }

    /// One character of a valid token replaced, inserted or removed, anywhere, and it is
    /// refused: no part of an ID token may change unnoticed, not even the signature's padding
    /// bits (one token, one spelling).
    #[test]
    fn a_valid_id_token_changed_anywhere_is_refused(
        (sub, name, email, groups) in identity_parts(),
        edit in edit(),
    ) {
        let claims = valid_claims(&sub, &name, &email, &groups);
        let raw = compact(&header(), claims.to_string().as_bytes(), true);
        if let Some(changed) = edited(&raw, &edit) {
            let result = check(&checker(real_keys()), &changed);
            prop_assert!(refused(&result), "{edit:?}: {result:?}");
        }
    }

    /// Key sets of any shape: parsed or refused; a checker holding a parsed one accepts the
    /// valid token only when the set holds the provider's real key.
    #[test]
    fn key_sets_of_any_shape_never_vouch_for_a_key_they_lack(
        junk in prop::collection::vec(json(), 0..4),
        with_real in any::<bool>(),
        whole in prop::option::weighted(0.2, json()),
    ) {
        let mut keys = junk;
        if with_real {
            keys.push(real_jwk());
        }
        let set = whole.unwrap_or_else(|| json!({ "keys": keys }));
        let holds_real = set["keys"].as_array().is_some_and(|k| k.contains(&real_jwk()));
        if let Ok(parsed) = serde_json::from_value::<CoreJsonWebKeySet>(set) {
            let claims = valid_claims("alice", "Alice", "alice@example.com", &[]);
            let raw = compact(&header(), claims.to_string().as_bytes(), true);
            let result = check(&checker(parsed), &raw);
            prop_assert!(result.is_err() || holds_real, "{result:?}");
            prop_assert!(result.is_ok() || refused(&result), "{result:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Issuers and discovery documents

fn issuer_like() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["https://", "http://", "HTTPS://", "ftp://", "", "//"]);
    let host = prop::sample::select(vec![
        "idp.example",
        "127.0.0.1",
        "localhost",
        "LOCALHOST",
        "[::1]",
        "127.0.0.1.example.com",
        "localhost.example.com",
        "10.0.0.1",
        "user:pw@idp.example",
        "@idp.example",
        "0x7f.1",
        "127.1",
        "[::ffff:127.0.0.1]",
        "",
    ]);
    let rest = prop::sample::select(vec![
        "",
        "/",
        ":8443",
        ":0",
        ":99999",
        "/oauth2/default",
        "/?tenant=1",
        "/#x",
        "/%2e%2e/",
        "\\evil.example",
        " ",
    ]);
    prop_oneof![
        3 => (scheme, host, rest).prop_map(|(s, h, r)| format!("{s}{h}{r}")),
        1 => hostile_text(60),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// An issuer is accepted only as https, or http on this machine, with no credentials, query
    /// or fragment; what is accepted is accepted again as the URL it parsed to.
    #[test]
    fn only_safe_issuers_are_accepted(issuer in issuer_like()) {
        match check_issuer(&issuer) {
            Ok(url) => {
                use openidconnect::url::Host;
                let loopback = match url.host() {
                    Some(Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    None => false,
                };
                let https = url.scheme() == "https";
                prop_assert!(https || (url.scheme() == "http" && loopback), "{url}");
                prop_assert!(url.username().is_empty() && url.password().is_none());
                prop_assert!(url.query().is_none() && url.fragment().is_none());
                prop_assert!(check_issuer(url.as_str()).is_ok(), "{url}");
            }
            Err(e) => prop_assert!(matches!(e, AuthError::InvalidIssuer { .. }), "{e:?}"),
        }
    }

    /// A discovery document of any shape is parsed or refused, never a panic.
    #[test]
    fn discovery_documents_of_any_shape_are_parsed_or_refused(doc in json()) {
        let _ = serde_json::from_value::<ProviderMetadata>(doc);
    }
}

/// Found by `a_valid_id_token_changed_anywhere_is_refused`: `openidconnect` decodes base64url
/// ignoring the padding bits of a part's last character, so a valid token with the last
/// character of its signature respelled verified as the same signature. Kept as its case.
#[test]
fn an_id_token_whose_signature_is_respelled_is_refused() {
    let claims = valid_claims("a", "", "", &[]);
    let raw = compact(&header(), claims.to_string().as_bytes(), true);
    assert!(check(&checker(real_keys()), &raw).is_ok());
    let respelled = edited(&raw, &Edit::Respell(2)).unwrap();
    assert_ne!(respelled, raw);
    let lenient = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::general_purpose::NO_PAD.with_decode_allow_trailing_bits(true),
    );
    let signature = |t: &str| lenient.decode(t.rsplit('.').next().unwrap()).unwrap();
    assert_eq!(
        signature(&respelled),
        signature(&raw),
        "the same signature bytes"
    );
    let result = check(&checker(real_keys()), &respelled);
    assert!(
        matches!(&result, Err(AuthError::IdToken(reason)) if reason.contains("base64url")),
        "{result:?}"
    );
}
