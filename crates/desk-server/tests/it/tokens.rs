//! The tokens an attacker would present. Every one gets the same 401 with a `WWW-Authenticate`
//! challenge, and nothing in the answer says which check refused it.

use serde_json::json;

use crate::harness::{error_body_without_request_id, shared};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[test]
fn no_token_gets_a_plain_bearer_challenge() {
    let h = shared();
    h.block_on(async {
        let r = h
            .http
            .get(format!("{}/v1/customers/1", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["www-authenticate"],
            r#"Bearer realm="desk-server""#
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    });
}

#[test]
fn forged_expired_and_misdirected_tokens_are_all_refused_alike() {
    let h = shared();
    let idp = &h.idp;
    let good = h.token("supervisor");
    let claims = |extra: serde_json::Value| {
        let mut c = json!({
            "iss": idp.issuer(),
            "sub": "supervisor",
            "aud": idp.api_audience(),
            "iat": now(),
            "exp": now() + 600,
            "jti": desk_testkit::unique_name("jti"),
            "client_id": desk_testkit::CLIENT_ID,
            "groups": ["support-supervisors"],
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let at = json!({"typ": "at+jwt"});
    let at_with = |alg: &str| json!({"typ": "at+jwt", "alg": alg});
    // A correctly signed token the server must accept, so the refusals below are meaningful.
    let honest = idp.sign(at.clone(), claims(json!({})));
    let mut flipped = good.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    let (h64, rest) = good.split_once('.').unwrap();
    let (_, sig) = rest.rsplit_once('.').unwrap();
    let payload = base64_claims(claims(
        json!({"groups": ["support-admins"], "sub": "admin"}),
    ));
    let id_token = idp.tokens("supervisor").id_token;
    let attacks: Vec<(&str, String)> = vec![
        ("garbage", "not-a-token".into()),
        ("two parts", "abc.def".into()),
        ("flipped signature", flipped),
        (
            "claims swapped under a real signature",
            format!("{h64}.{payload}.{sig}"),
        ),
        (
            "expired",
            idp.sign(
                at.clone(),
                claims(json!({"exp": now() - 3600, "iat": now() - 7200})),
            ),
        ),
        (
            "not yet valid",
            idp.sign(at.clone(), claims(json!({"nbf": now() + 3600}))),
        ),
        (
            "issued in the future",
            idp.sign(at.clone(), claims(json!({"iat": now() + 3600}))),
        ),
        ("no exp", idp.sign(at.clone(), claims(json!({"exp": null})))),
        (
            "other issuer",
            idp.sign(
                at.clone(),
                claims(json!({"iss": "https://evil.example.com"})),
            ),
        ),
        (
            "other audience",
            idp.sign(at.clone(), claims(json!({"aud": "urn:someone-else"}))),
        ),
        (
            "no audience",
            idp.sign(at.clone(), claims(json!({"aud": null}))),
        ),
        (
            "no subject",
            idp.sign(at.clone(), claims(json!({"sub": null}))),
        ),
        ("alg none", idp.sign(at_with("none"), claims(json!({})))),
        (
            "HS256 keyed with the public key",
            idp.sign(at_with("HS256-public-key"), claims(json!({}))),
        ),
        (
            "unknown kid",
            idp.sign(
                json!({"typ": "at+jwt", "kid": "no-such-key"}),
                claims(json!({})),
            ),
        ),
        ("no typ", idp.sign(json!({"typ": null}), claims(json!({})))),
        (
            "issued to another client",
            idp.sign(
                at.clone(),
                claims(json!({"client_id": desk_testkit::OTHER_CLIENT_ID})),
            ),
        ),
        (
            "authorized party another client",
            idp.sign(
                at.clone(),
                claims(json!({"client_id": null, "azp": desk_testkit::OTHER_CLIENT_ID})),
            ),
        ),
        ("an ID token", id_token),
    ];
    h.block_on(async {
        let r = h.get_with_token(&honest, "/v1/me/policy").await;
        assert_eq!(r.status(), 200, "the honest forged-by-us token is accepted");
        let mut bodies = std::collections::BTreeSet::new();
        for (name, token) in &attacks {
            let r = h.get_with_token(token, "/v1/customers/1").await;
            assert_eq!(r.status(), 401, "{name}");
            assert_eq!(
                r.headers()["www-authenticate"],
                r#"Bearer realm="desk-server", error="invalid_token""#,
                "{name}"
            );
            bodies.insert(error_body_without_request_id(r).await);
        }
        assert_eq!(bodies.len(), 1, "every refusal reads the same: {bodies:?}");
    });
}

fn base64_claims(claims: serde_json::Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string())
}

#[test]
fn a_token_from_a_provider_that_is_down_cannot_be_checked_and_is_not_accepted() {
    // A server whose provider is gone: no keys can be fetched, so nothing is accepted, not even
    // a token with the provider's key that passes every other check.
    let gone = "http://127.0.0.1:9";
    let h = crate::harness::Harness::start_with(|c| {
        c.issuer = Some(gone.into());
    });
    let token = h.idp.sign(
        json!({}),
        json!({
            "iss": gone,
            "sub": "agent1",
            "aud": h.idp.api_audience(),
            "iat": now(),
            "exp": now() + 300,
            "groups": ["support-tier1"],
        }),
    );
    h.block_on(async {
        let r = h.get_with_token(&token, "/v1/customers/1").await;
        assert_eq!(r.status(), 503);
        let body = r.text().await.unwrap();
        assert!(!body.contains(&token));
    });
}

#[test]
fn tokens_issued_to_another_client_are_refused_and_tokens_naming_none_are_not() {
    let h = shared();
    let idp = &h.idp;
    // A real sign-in through another application at the same provider: a token for the same API.
    let other = idp
        .tokens_of_client("agent1", desk_testkit::OTHER_CLIENT_ID)
        .access_token;
    let claims = |client: serde_json::Value| {
        let mut c = json!({
            "iss": idp.issuer(),
            "sub": "agent1",
            "aud": idp.api_audience(),
            "iat": now(),
            "exp": now() + 600,
            "groups": ["support-tier1"],
        });
        for (k, v) in client.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let at = json!({"typ": "at+jwt"});
    let ours = desk_testkit::CLIENT_ID;
    let theirs = desk_testkit::OTHER_CLIENT_ID;
    let cases = [
        ("another client's real token", other, 401),
        (
            "our client_id, another azp",
            idp.sign(
                at.clone(),
                claims(json!({"client_id": ours, "azp": theirs})),
            ),
            401,
        ),
        ("our real token", h.token("agent1"), 200),
        (
            "our azp",
            idp.sign(at.clone(), claims(json!({"azp": ours}))),
            200,
        ),
        (
            "no client named",
            idp.sign(at.clone(), claims(json!({}))),
            200,
        ),
    ];
    h.block_on(async {
        for (name, token, expected) in &cases {
            let r = h.get_with_token(token, "/v1/me/policy").await;
            assert_eq!(r.status().as_u16(), *expected, "{name}");
        }
    });
}

/// The server remembers what a token it verified gave (its signature is not checked again on
/// every request), but not that it was valid: the same token is refused once its time is up.
#[test]
fn a_token_accepted_before_is_refused_once_it_expires() {
    let h = crate::harness::Harness::start_with(|c| c.clock_skew_secs = 0);
    let idp = &h.idp;
    let exp = now() + 2;
    let token = idp.sign(
        json!({"typ": "at+jwt"}),
        json!({
            "iss": idp.issuer(),
            "sub": "agent1",
            "aud": idp.api_audience(),
            "iat": now(),
            "exp": exp,
            "client_id": desk_testkit::CLIENT_ID,
            "groups": ["support-tier1"],
        }),
    );
    h.block_on(async {
        for _ in 0..3 {
            let r = h.get_with_token(&token, "/v1/me/policy").await;
            assert_eq!(r.status(), 200, "valid until {exp}");
        }
        while now() <= exp {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let r = h.get_with_token(&token, "/v1/me/policy").await;
        assert_eq!(r.status(), 401, "expired at {exp}, now {}", now());
        assert_eq!(
            r.headers()["www-authenticate"],
            r#"Bearer realm="desk-server", error="invalid_token""#
        );
    });
}

#[test]
fn the_allowed_clients_are_the_configured_ones() {
    let h = crate::harness::Harness::start_with(|c| {
        c.allowed_clients = vec![desk_testkit::OTHER_CLIENT_ID.into()];
    });
    let theirs = h
        .idp
        .tokens_of_client("agent1", desk_testkit::OTHER_CLIENT_ID)
        .access_token;
    h.block_on(async {
        let r = h.get_with_token(&theirs, "/v1/me/policy").await;
        assert_eq!(r.status(), 200, "the client now allowed");
        let r = h.get("agent1", "/v1/me/policy").await;
        assert_eq!(r.status(), 401, "the app's client, no longer listed");
    });
}

/// `GET path` with `token` and, when given, `Desk-Client-Version: version`.
async fn as_version(
    h: &crate::harness::Harness,
    token: &str,
    path: &str,
    version: Option<&str>,
) -> reqwest::Response {
    let mut request = h.http.get(format!("{}{path}", h.base)).bearer_auth(token);
    if let Some(version) = version {
        request = request.header(desk_api::CLIENT_VERSION_HEADER, version);
    }
    request.send().await.unwrap()
}

#[test]
fn a_client_below_the_minimum_version_is_told_to_update_and_answered_nothing_else() {
    let h = crate::harness::Harness::start_with(|c| c.min_client_version = Some("2.0.0".into()));
    let token = h.token("agent1");
    h.block_on(async {
        for version in [None, Some("1.9.9"), Some("not-a-version"), Some("2")] {
            let r = as_version(&h, &token, "/v1/me/policy", version).await;
            assert_eq!(r.status(), 426, "{version:?}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "update_required", "{body}");
            assert_eq!(body["error"]["min_version"], "2.0.0", "{body}");
        }
        // Before the token is looked at: a bad token from an old client hears the same.
        let r = as_version(&h, "not-a-token", "/v1/customers/1", Some("1.0.0")).await;
        assert_eq!(r.status(), 426);
        for version in ["2.0.0", "2.0.1-rc.1", "10.0.0"] {
            let r = as_version(&h, &token, "/v1/me/policy", Some(version)).await;
            assert_eq!(r.status(), 200, "{version}");
        }
        // The public routes answer whoever asks.
        let r = h
            .http
            .get(format!("{}/v1/health", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    // Nothing of the refused requests reached the trail: no sign-in, no read.
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit WHERE actor = 'agent1' AND action = 'policy.view'"),
        3
    );
}
