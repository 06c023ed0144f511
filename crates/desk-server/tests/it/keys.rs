//! The provider's signing keys: fetched on first use, fetched again when a token names a key
//! the server has not seen (rotation) and when the set is older than its refresh interval (so a
//! withdrawn key stops working), not fetched again for every forged key id, one fetch at a time
//! with a pause after a failure, and never waited for beyond a short bound. Issuer and `jwks_uri`
//! are https except on loopback.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use desk_testkit::TestIdp;
use serde_json::{Value, json};

use crate::harness::{Harness, serve_process, terminate};

/// A stand-in issuer that publishes whatever keys the test puts in it and counts fetches.
struct KeyHost {
    base: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
    discoveries: Arc<AtomicUsize>,
    /// The `Cache-Control` of the key set, if any.
    cache_control: Arc<Mutex<Option<String>>>,
    /// When set, discovery answers 503.
    down: Arc<AtomicBool>,
    runtime: tokio::runtime::Runtime,
}

impl KeyHost {
    fn start() -> Self {
        Self::start_naming(None)
    }

    /// A host whose discovery document names `jwks_uri` (its own `/jwks` when `None`).
    fn start_naming(jwks_uri: Option<&str>) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let keys: Arc<Mutex<Vec<Value>>> = Arc::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let discoveries = Arc::new(AtomicUsize::new(0));
        let cache_control: Arc<Mutex<Option<String>>> = Arc::default();
        let down = Arc::new(AtomicBool::new(false));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let jwks_uri = jwks_uri.map_or_else(|| format!("{base}/jwks"), str::to_owned);
        let (k, f, d, c, o, b) = (
            keys.clone(),
            fetches.clone(),
            discoveries.clone(),
            cache_control.clone(),
            down.clone(),
            base.clone(),
        );
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move {
                    d.fetch_add(1, Ordering::SeqCst);
                    if o.load(Ordering::SeqCst) {
                        return StatusCode::SERVICE_UNAVAILABLE.into_response();
                    }
                    Json(json!({"issuer": b, "jwks_uri": jwks_uri})).into_response()
                }),
            )
            .route(
                "/jwks",
                get(move || async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    let body = Json(json!({"keys": *k.lock().unwrap()}));
                    match c.lock().unwrap().clone() {
                        Some(value) => ([(header::CACHE_CONTROL, value)], body).into_response(),
                        None => body.into_response(),
                    }
                }),
            );
        runtime.spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            keys,
            fetches,
            discoveries,
            cache_control,
            down,
            runtime,
        }
    }

    /// Publishes the test provider's RSA public key under `kid`.
    fn publish(&self, idp: &TestIdp, kid: &str) {
        let jwks: Value = self.runtime.block_on(async {
            let jwks_uri = format!("{}/jwks", idp.issuer());
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

    fn discoveries(&self) -> usize {
        self.discoveries.load(Ordering::SeqCst)
    }

    fn set_cache_control(&self, value: &str) {
        *self.cache_control.lock().unwrap() = Some(value.to_owned());
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// A token from this issuer for agent1, signed by the provider's key, naming `kid`.
    fn token(&self, h: &Harness, kid: &str) -> String {
        token_from(&h.idp, &self.base, kid)
    }
}

/// A token from `issuer` for agent1, signed by the test provider's key, naming `kid`.
fn token_from(idp: &TestIdp, issuer: &str, kid: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    idp.sign(
        json!({"kid": kid}),
        json!({
            "iss": issuer,
            "sub": "agent1",
            "aud": idp.api_audience(),
            "iat": now,
            "exp": now + 300,
            "jti": desk_testkit::unique_name("jti"),
            "client_id": desk_testkit::CLIENT_ID,
            "groups": ["support-tier1"],
        }),
    )
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
    host.publish(&h.idp, "key-1");
    let first = host.token(&h, "key-1");
    assert_eq!(status(&h, &first), 200);
    assert_eq!(status(&h, &first), 200, "the same token again");
    assert_eq!(host.fetches(), 1);

    host.publish(&h.idp, "key-2");
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
    host.publish(&h.idp, "key-1");
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
    host.publish(&h.idp, "key-1");
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

#[test]
fn a_key_the_provider_withdrew_stops_working_within_the_refresh_interval() {
    let refresh = Duration::from_secs(2);
    let h = Harness::start_with(|c| c.jwks_refresh_secs = refresh.as_secs());
    let issued = h.token("agent1");
    // What someone holding the provider's key made, before the provider pulled it.
    let forged = token_from(&h.idp, h.idp.issuer(), &kid_of(&issued));
    assert_eq!(status(&h, &issued), 200);
    assert_eq!(status(&h, &forged), 200);

    h.idp.rotate_keys();
    // No token with a new key comes first (that would fetch the keys at once): only the
    // interval makes the server look again.
    std::thread::sleep(refresh + Duration::from_millis(500));
    assert_eq!(status(&h, &issued), 401, "a token of the withdrawn key");
    assert_eq!(
        status(&h, &forged),
        401,
        "a token forged with the withdrawn key"
    );
    let after = h.idp.tokens("agent1").access_token;
    assert_ne!(kid_of(&after), kid_of(&issued));
    assert_eq!(status(&h, &after), 200, "a token of the provider's new key");
}

/// The `kid` in a compact JWS's header.
fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[test]
fn the_providers_cache_control_shortens_the_refresh_interval() {
    let host = KeyHost::start();
    host.set_cache_control("public, max-age=2");
    // An hour of our own: only the provider's max-age can make the server look again this soon.
    let h = Harness::start_with(|c| {
        c.issuer = Some(host.base.clone());
        c.jwks_refresh_secs = 3600;
        c.jwks_refetch_secs = 1;
    });
    host.publish(&h.idp, "key-1");
    let token = host.token(&h, "key-1");
    for _ in 0..5 {
        assert_eq!(status(&h, &token), 200);
    }
    assert_eq!(host.fetches(), 1, "the set is used while it is fresh");

    host.publish(&h.idp, "key-2");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(status(&h, &token), 401, "the withdrawn key, after max-age");
    assert_eq!(host.fetches(), 2);
    assert_eq!(status(&h, &host.token(&h, "key-2")), 200);
}

/// A provider that accepts connections and never answers, counting them.
struct Silent {
    base: String,
    connections: Arc<AtomicUsize>,
}

impl Silent {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for socket in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                held.push(socket);
            }
        });
        Self { base, connections }
    }
}

/// A request's status and how long it took.
async fn timed(h: &Harness, token: &str) -> (u16, Duration) {
    let started = Instant::now();
    let status = h.get_with_token(token, "/v1/me/policy").await.status();
    (status.as_u16(), started.elapsed())
}

#[test]
fn a_provider_that_never_answers_keeps_no_request_waiting_past_the_bound() {
    let silent = Silent::start();
    let h = Harness::start_with(|c| c.issuer = Some(silent.base.clone()));
    let good = token_from(&h.idp, &silent.base, "key-1");
    let junk = [
        ("malformed", "not-a-token".to_owned()),
        (
            "another issuer",
            token_from(&h.idp, "https://evil.example.com", "key-1"),
        ),
        (
            "another audience",
            h.idp.sign(
                json!({"kid": "key-1"}),
                json!({"iss": silent.base, "sub": "agent1", "aud": "urn:else", "exp": 4e9}),
            ),
        ),
    ];
    // The fetch takes far longer than this test (the server gives up on it after 10 s).
    let bound = desk_server::token::FETCH_WAIT + Duration::from_secs(1);
    h.block_on(async {
        // Five at once on a server that never had the keys: one fetch for all, each answered
        // 503 within the bound.
        let answers = futures_util::future::join_all((0..5).map(|_| timed(&h, &good))).await;
        for (status, took) in &answers {
            assert_eq!(*status, 503);
            assert!(*took < bound, "waited {took:?}");
        }
        // A token refused on its face waits for nothing, the fetch still under way.
        for (name, token) in &junk {
            let (status, took) = timed(&h, token).await;
            assert_eq!(status, 401, "{name}");
            assert!(took < Duration::from_millis(500), "{name} waited {took:?}");
        }
        let (status, took) = timed(&h, &good).await;
        assert_eq!(status, 503);
        assert!(
            took < bound,
            "waited {took:?} for the fetch already under way"
        );
    });
    assert_eq!(
        silent.connections.load(Ordering::SeqCst),
        1,
        "one fetch, shared by every request"
    );
}

#[test]
fn a_failing_provider_is_asked_again_only_after_a_pause_and_used_again_when_back() {
    let host = KeyHost::start();
    host.set_down(true);
    let h = Harness::start_with(|c| c.issuer = Some(host.base.clone()));
    host.publish(&h.idp, "key-1");
    let token = host.token(&h, "key-1");
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(status(&h, &token), 503);
    }
    let took = started.elapsed();
    // A fetch, then none for 1 s, then none for 2 s more: at most three in 3 s.
    assert!(
        host.discoveries()
            <= 1 + usize::from(took.as_secs() >= 1) + usize::from(took.as_secs() >= 3),
        "{} fetches in {took:?}",
        host.discoveries()
    );

    host.set_down(false);
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&h, &token) != 200 {
        assert!(
            Instant::now() < deadline,
            "the provider is back, the server is not"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_plain_http_issuer_elsewhere_is_refused_at_start() {
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DESK_SERVER_ISSUER", "http://idp.example.com/realms/desk")
        .env("DESK_SERVER_DATA_DIR", data.path())
        .env_remove("DESK_SERVER_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    if !line.is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server started with a plain http issuer: {line}");
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("issuer `http://idp.example.com/realms/desk`")
            && stderr.contains("plain http is allowed only for a provider on this machine"),
        "{stderr}"
    );
}

#[test]
fn a_plain_http_jwks_uri_elsewhere_is_never_fetched() {
    // The stand-in issuer is on loopback, its keys are named at a plain http URL elsewhere, and
    // it is the server's HTTP proxy too: it answers for that URL, so a server that followed the
    // name would get the keys and accept the token.
    let jwks_uri = "http://keys.example.com/jwks";
    let host = KeyHost::start_naming(Some(jwks_uri));
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("server.log");
    let (mut child, base) = serve_process(
        &idp,
        data.path(),
        &[
            ("DESK_SERVER_ISSUER", &host.base),
            ("HTTP_PROXY", &host.base),
            ("http_proxy", &host.base),
            ("NO_PROXY", ""),
            ("no_proxy", ""),
        ],
        std::fs::File::create(&log).unwrap().into(),
    );
    host.publish(&idp, "key-1");
    let token = token_from(&idp, &host.base, "key-1");
    let status = host.runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let url = format!("{base}/v1/me/policy");
        let response = client.get(url).bearer_auth(&token).send().await.unwrap();
        response.status().as_u16()
    });
    terminate(&child);
    let _ = child.wait();
    assert_eq!(status, 503);
    assert_eq!(host.discoveries(), 1);
    assert_eq!(
        host.fetches(),
        0,
        "the keys were not fetched over plain http"
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains(&format!("jwks_uri `{jwks_uri}` refused: plain http")),
        "{log}"
    );
}
