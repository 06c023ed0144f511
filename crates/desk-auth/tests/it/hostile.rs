//! A deliberately misbehaving provider, written here, against the real sign-in flow: every bad
//! token, key or response it can produce must end the sign-in with a clear error and nothing
//! stored. The `Valid` case runs the same provider honestly, so each refusal is known to come
//! from the one thing that case changes.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use desk_auth::openidconnect::core::{CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use desk_auth::openidconnect::{JsonWebKeyId, PrivateSigningKey};
use desk_auth::{AuthError, Keychain, KeychainError, Opener, Provider, ProviderConfig, Session};
use desk_testkit::{browser_command, rsa_private_pem};
use hmac::Mac;
use serde_json::{Value, json};
use sha2::Digest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Valid,
    BadSignature,
    WrongIssuer,
    WrongAudience,
    ExtraAudience,
    OtherAuthorizedParty,
    MissingSubject,
    WrongNonce,
    Expired,
    IssuedInFuture,
    AlgNone,
    Hs256WithPublicKey,
    RotatedKey,
    AtHashMismatch,
    UserInfoOtherSubject,
    UserInfoMalformed,
    UserInfoServerError,
    /// UserInfo refuses the access token, as a provider does with one issued for an API.
    UserInfoUnauthorized,
    IssParameterMismatch,
    WrongState,
    /// Conformant, and leaner than most: no UserInfo, revocation or logout endpoint, fields and
    /// algorithms in its discovery document the app does not know, a token response without
    /// `expires_in` and with `token_type` in lower case.
    Lean,
}

struct Hostile {
    case: Case,
    base: String,
    old_key: CoreRsaPrivateSigningKey,
    new_key: CoreRsaPrivateSigningKey,
    jwks_fetches: AtomicU32,
    nonce: Mutex<String>,
}

const ACCESS_TOKEN: &str = "access-token-for-alice";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn jwk(key: &CoreRsaPrivateSigningKey) -> Value {
    serde_json::to_value(key.as_verification_key()).unwrap()
}

async fn discovery(State(h): State<Arc<Hostile>>) -> Json<Value> {
    let b = &h.base;
    if h.case == Case::Lean {
        return Json(json!({
            "issuer": b,
            "authorization_endpoint": format!("{b}/authorize"),
            "token_endpoint": format!("{b}/token"),
            "jwks_uri": format!("{b}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256K"],
            "code_challenge_methods_supported": ["S256"],
            "request_object_signing_alg_values_supported": ["none", "RS256", "ES512K"],
            "x_vendor_settings": { "nested": [1, 2, { "deep": null }] },
            "claims_supported": ["sub", "groups", "https://example.com/roles"],
        }));
    }
    Json(json!({
        "issuer": b,
        "authorization_endpoint": format!("{b}/authorize"),
        "token_endpoint": format!("{b}/token"),
        "jwks_uri": format!("{b}/jwks"),
        "userinfo_endpoint": format!("{b}/userinfo"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        // Advertising HS256 and none must not make them acceptable.
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

async fn jwks(State(h): State<Arc<Hostile>>) -> Json<Value> {
    let fetch = h.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    // On rotation, the key that signs the token appears only after discovery fetched the set.
    let keys = if h.case == Case::RotatedKey && fetch > 0 {
        vec![jwk(&h.old_key), jwk(&h.new_key)]
    } else {
        vec![jwk(&h.old_key)]
    };
    Json(json!({ "keys": keys }))
}

async fn authorize(
    State(h): State<Arc<Hostile>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Redirect {
    *h.nonce.lock().unwrap() = q["nonce"].clone();
    let state = if h.case == Case::WrongState {
        "not-the-state"
    } else {
        &q["state"]
    };
    let iss = if h.case == Case::IssParameterMismatch {
        "https://evil.example"
    } else {
        &h.base
    };
    let mut url = desk_auth::openidconnect::url::Url::parse(&q["redirect_uri"]).unwrap();
    url.query_pairs_mut()
        .append_pair("code", "the-code")
        .append_pair("state", state)
        .append_pair("iss", iss);
    Redirect::to(url.as_str())
}

async fn token(State(h): State<Arc<Hostile>>) -> impl IntoResponse {
    if h.case == Case::Lean {
        return Json(json!({
            "access_token": ACCESS_TOKEN,
            "token_type": "bearer",
            "refresh_token": "refresh-token-for-alice",
            "id_token": id_token(&h),
        }));
    }
    Json(json!({
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 600,
        "refresh_token": "refresh-token-for-alice",
        "id_token": id_token(&h),
    }))
}

async fn userinfo(State(h): State<Arc<Hostile>>) -> Response {
    match h.case {
        Case::UserInfoOtherSubject => Json(json!({ "sub": "mallory" })).into_response(),
        Case::UserInfoMalformed => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"sub\": \"alice\"",
        )
            .into_response(),
        Case::UserInfoServerError => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Case::UserInfoUnauthorized => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Bearer error=\"invalid_token\", error_description=\"invalid token provided\"",
            )],
            Json(json!({ "error": "invalid_token" })),
        )
            .into_response(),
        _ => Json(json!({ "sub": "alice" })).into_response(),
    }
}

fn at_hash(token: &str) -> String {
    let digest = sha2::Sha256::digest(token.as_bytes());
    B64.encode(&digest[..16])
}

fn id_token(h: &Hostile) -> String {
    let t = now();
    let mut claims = json!({
        "iss": h.base,
        "aud": "support-desk",
        "sub": "alice",
        "exp": t + 600,
        "iat": t,
        "nonce": *h.nonce.lock().unwrap(),
        "at_hash": at_hash(ACCESS_TOKEN),
        "groups": ["support-tier1"],
    });
    match h.case {
        Case::WrongIssuer => claims["iss"] = json!("https://evil.example"),
        Case::WrongAudience => claims["aud"] = json!("another-client"),
        Case::ExtraAudience => claims["aud"] = json!(["support-desk", "untrusted-api"]),
        Case::OtherAuthorizedParty => claims["azp"] = json!("another-client"),
        Case::MissingSubject => {
            claims.as_object_mut().unwrap().remove("sub");
        }
        Case::WrongNonce => claims["nonce"] = json!("replayed-nonce"),
        // Beyond the 60 s skew the client allows.
        Case::Expired => {
            claims["exp"] = json!(t - 120);
            claims["iat"] = json!(t - 720);
        }
        Case::IssuedInFuture => claims["iat"] = json!(t + 3600),
        Case::AtHashMismatch => claims["at_hash"] = json!(at_hash("another-access-token")),
        _ => {}
    }
    let payload = B64.encode(claims.to_string());
    let (alg, kid, key) = match h.case {
        Case::RotatedKey => ("RS256", "new", &h.new_key),
        Case::AlgNone => ("none", "old", &h.old_key),
        Case::Hs256WithPublicKey => ("HS256", "old", &h.old_key),
        _ => ("RS256", "old", &h.old_key),
    };
    let header = B64.encode(json!({ "alg": alg, "kid": kid, "typ": "JWT" }).to_string());
    let input = format!("{header}.{payload}");
    let signature = match h.case {
        Case::AlgNone => Vec::new(),
        Case::Hs256WithPublicKey => {
            // The classic forgery: HMAC keyed with the public key the client already trusts.
            let public = jwk(key).to_string();
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(public.as_bytes()).unwrap();
            mac.update(input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        _ => {
            let mut sig = key
                .sign(
                    &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                    input.as_bytes(),
                )
                .unwrap();
            if h.case == Case::BadSignature {
                sig[10] ^= 0x01;
            }
            sig
        }
    };
    format!("{input}.{}", B64.encode(signature))
}

struct Run {
    result: Result<Session, AuthError>,
    keychain: Keychain,
    issuer: String,
    jwks_fetches: u32,
}

impl Run {
    /// No entry at all: no account, refresh token or identity, and the pre-browser probe deleted
    /// again.
    fn stored_nothing(&self) -> bool {
        [
            "probe".to_owned(),
            format!("account@{}", self.issuer),
            format!("refresh-token@{}#alice", self.issuer),
            format!("identity@{}#alice", self.issuer),
        ]
        .iter()
        .all(|name| matches!(self.keychain.get(name), Err(KeychainError::Missing(_))))
    }
}

async fn run(case: Case, keys: &(String, String)) -> Run {
    let keychain = crate::keychain::test_keychain();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hostile = Arc::new(Hostile {
        case,
        base: base.clone(),
        old_key: CoreRsaPrivateSigningKey::from_pem(&keys.0, Some(JsonWebKeyId::new("old".into())))
            .unwrap(),
        new_key: CoreRsaPrivateSigningKey::from_pem(&keys.1, Some(JsonWebKeyId::new("new".into())))
            .unwrap(),
        jwks_fetches: AtomicU32::new(0),
        nonce: Mutex::new(String::new()),
    });
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .with_state(hostile.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let provider = Provider::connect(ProviderConfig {
        issuer: base.clone(),
        client_id: "support-desk".into(),
        scopes: vec!["openid".into()],
        roles_claim: "groups".into(),
        clock_skew: Duration::from_secs(60),
        login_timeout: Duration::from_secs(if case == Case::WrongState { 3 } else { 20 }),
        session_lock: None,
    })
    .await
    .expect("the hostile provider's discovery is itself valid");
    let mut words: Vec<String> = browser_command()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if case == Case::WrongState {
        // A browser that shrugs off the refused callback, so only the listener decides: it must
        // keep waiting for a response with the right state, until its timeout.
        let script = format!("{} \"$1\" || true", words.join(" "));
        words = vec!["sh".into(), "-c".into(), script, "sh".into()];
    }
    let opener = Opener::Command(words);
    let result = Session::sign_in(Arc::new(provider), keychain.clone(), &opener).await;
    Run {
        result,
        keychain,
        issuer: base,
        jwks_fetches: hostile.jwks_fetches.load(Ordering::SeqCst),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_answer_is_refused_and_nothing_is_stored() {
    let keys = (rsa_private_pem(), rsa_private_pem());
    // (case, the words the refusal must contain)
    let refusals: [(Case, &str); 17] = [
        (Case::BadSignature, "signature"),
        (Case::WrongIssuer, "issuer"),
        (Case::WrongAudience, "audience"),
        (Case::ExtraAudience, "audience"),
        (Case::OtherAuthorizedParty, "authorized party"),
        (Case::MissingSubject, "malformed"),
        (Case::WrongNonce, "nonce"),
        (Case::Expired, "expired"),
        (Case::IssuedInFuture, "future"),
        (Case::AlgNone, "signature"),
        (Case::Hs256WithPublicKey, "alg"),
        (Case::AtHashMismatch, "at_hash"),
        (Case::UserInfoOtherSubject, "subject differs"),
        (Case::UserInfoMalformed, "malformed"),
        (Case::UserInfoServerError, "500"),
        (Case::IssParameterMismatch, "another issuer"),
        (Case::WrongState, "timed out"),
    ];
    let mut failures = Vec::new();
    for (case, words) in refusals {
        let run = run(case, &keys).await;
        match &run.result {
            Ok(_) => failures.push(format!("{case:?}: was accepted")),
            Err(e) if !e.to_string().to_lowercase().contains(words) => {
                failures.push(format!("{case:?}: refused, but not for `{words}`: {e}"))
            }
            Err(_) => {}
        }
        if !run.stored_nothing() {
            failures.push(format!("{case:?}: something was stored"));
        }
        eprintln!(
            "{case:?}: {}",
            run.result
                .as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_honest_run_and_a_rotated_key_are_accepted() {
    let keys = (rsa_private_pem(), rsa_private_pem());
    let valid = run(Case::Valid, &keys).await;
    let session = valid.result.expect("the honest provider is accepted");
    assert_eq!(session.identity().subject, "alice");
    assert_eq!(session.identity().roles, ["support-tier1"]);
    assert_eq!(valid.jwks_fetches, 1, "no re-fetch when the key is known");
    session.sign_out().await.unwrap();

    let rotated = run(Case::RotatedKey, &keys).await;
    let session = rotated.result.expect("accepted after one JWKS re-fetch");
    assert_eq!(rotated.jwks_fetches, 2);
    session.sign_out().await.unwrap();
}

/// An access token for an API (RFC 8707, Entra ID) is refused by UserInfo with 401: the verified
/// ID token still signs the agent in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_userinfo_refusing_the_access_token_does_not_stop_the_sign_in() {
    let keys = (rsa_private_pem(), rsa_private_pem());
    let run = run(Case::UserInfoUnauthorized, &keys).await;
    let session = run.result.expect("signed in on the ID token alone");
    assert_eq!(session.identity().subject, "alice");
    assert_eq!(session.identity().roles, ["support-tier1"]);
    session.sign_out().await.unwrap();
}

/// A provider that offers only what OpenID Connect requires signs agents in; sign-out then says
/// what it could not do there (no revocation, no logout page).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lean_provider_signs_in_and_sign_out_says_what_it_could_not_do() {
    let keys = (rsa_private_pem(), rsa_private_pem());
    let mut run = run(Case::Lean, &keys).await;
    let session = std::mem::replace(&mut run.result, Err(AuthError::NotSignedIn))
        .expect("a lean provider is served");
    assert_eq!(session.identity().subject, "alice");
    assert_eq!(session.identity().roles, ["support-tier1"]);
    // No expires_in: the token is taken to live a few minutes, so it is at hand at once.
    session.access_token().await.expect("the access token");
    let out = session.sign_out().await.unwrap();
    assert!(
        !out.revoked,
        "no revocation endpoint, so nothing was confirmed"
    );
    assert_eq!(out.end_session_url, None);
    assert!(run.stored_nothing());
}
