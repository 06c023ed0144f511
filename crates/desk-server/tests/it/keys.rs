//! The provider's signing keys: fetched on first use, fetched again when a token names a key
//! the server has not seen (rotation), and not fetched again for every forged key id.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::harness::Harness;

/// A stand-in issuer that publishes whatever keys the test puts in it and counts key fetches.
struct KeyHost {
    base: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl KeyHost {
    fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let keys: Arc<Mutex<Vec<Value>>> = Arc::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (k, f, b) = (keys.clone(), fetches.clone(), base.clone());
        let app =
            Router::new()
                .route(
                    "/.well-known/openid-configuration",
                    get(move || async move {
                        Json(json!({"issuer": b, "jwks_uri": format!("{b}/jwks")}))
                    }),
                )
                .route(
                    "/jwks",
                    get(move || async move {
                        f.fetch_add(1, Ordering::SeqCst);
                        Json(json!({"keys": *k.lock().unwrap()}))
                    }),
                );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            keys,
            fetches,
            _runtime: runtime,
        }
    }

    /// Publishes the test provider's RSA public key under `kid`.
    fn publish(&self, h: &Harness, kid: &str) {
        let jwks: Value = h.block_on(async {
            let jwks_uri = format!("{}/jwks", h.idp.issuer());
            reqwest::get(jwks_uri).await.unwrap().json().await.unwrap()
        });
        let mut key = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kty"] == "RSA")
            .unwrap()
            .clone();
        key["kid"] = kid.into();
        *self.keys.lock().unwrap() = vec![key];
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// A token from this issuer for agent1, signed by the provider's key, naming `kid`.
    fn token(&self, h: &Harness, kid: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        h.idp.sign(
            json!({"kid": kid}),
            json!({
                "iss": self.base,
                "sub": "agent1",
                "aud": h.idp.api_audience(),
                "iat": now,
                "exp": now + 300,
                "jti": desk_testkit::unique_name("jti"),
                "groups": ["support-tier1"],
            }),
        )
    }
}

fn status(h: &Harness, token: &str) -> u16 {
    h.block_on(async {
        h.get_with_token(token, "/v1/me/policy")
            .await
            .status()
            .as_u16()
    })
}

#[test]
fn a_rotated_key_is_fetched_and_a_removed_one_is_refused() {
    let host = KeyHost::start();
    let h = Harness::start_with(|c| {
        c.issuer = Some(host.base.clone());
        c.jwks_refetch_secs = 0;
    });
    host.publish(&h, "key-1");
    let first = host.token(&h, "key-1");
    assert_eq!(status(&h, &first), 200);
    assert_eq!(status(&h, &first), 200, "the same token again");
    assert_eq!(host.fetches(), 1);

    host.publish(&h, "key-2");
    assert_eq!(
        status(&h, &host.token(&h, "key-2")),
        200,
        "the new key is fetched"
    );
    assert_eq!(host.fetches(), 2);
    assert_eq!(
        status(&h, &host.token(&h, "key-1")),
        401,
        "the old key is gone"
    );
    assert_eq!(
        status(&h, &first),
        401,
        "a token verified with the withdrawn key is not remembered past the new key set"
    );
}

#[test]
fn a_remembered_signature_does_not_vouch_for_other_claims() {
    let host = KeyHost::start();
    let h = Harness::start_with(|c| c.issuer = Some(host.base.clone()));
    host.publish(&h, "key-1");
    let token = host.token(&h, "key-1");
    assert_eq!(status(&h, &token), 200);
    // The same header and signature over claims that make agent1 a supervisor.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, parts[1])
            .unwrap(),
    )
    .unwrap();
    claims["groups"] = json!(["support-supervisors"]);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(&claims).unwrap()
        ),
        parts[2]
    );
    assert_eq!(status(&h, &forged), 401);
    assert_eq!(status(&h, &token), 200, "the genuine token still is");
}

#[test]
fn forged_key_ids_do_not_make_the_server_hammer_the_provider() {
    let host = KeyHost::start();
    // One interval longer than any machine takes to sign and send these tokens.
    let h = Harness::start_with(|c| {
        c.issuer = Some(host.base.clone());
        c.jwks_refetch_secs = 3600;
    });
    host.publish(&h, "key-1");
    assert_eq!(status(&h, &host.token(&h, "key-1")), 200);
    for i in 0..20 {
        assert_eq!(status(&h, &host.token(&h, &format!("forged-{i}"))), 401);
    }
    assert_eq!(
        host.fetches(),
        1,
        "one fetch per interval, whatever the tokens say"
    );
}
