//! Request ids and the request log: an error answer names its request in the header and the body,
//! and the server's log at `trace` finds that request without holding what was searched for or
//! the bearer token.

use crate::harness::{Database, shared};

/// The `x-request-id` of an answer, checked to be a UUID.
fn request_id(response: &reqwest::Response) -> String {
    let id = response
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no x-request-id on a {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned();
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    assert!(
        id.len() == 36 && hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        "not a UUID: {id}"
    );
    id
}

#[test]
fn every_answer_has_a_request_id_of_the_servers_and_an_error_body_names_it_too() {
    let h = shared();
    h.block_on(async {
        let mut seen = Vec::new();
        for (user, path, status, code) in [
            ("agent1", "/v1/customers/999999", 404, "not_found"),
            ("agent1", "/v1/customers/one", 400, "invalid_id"),
            ("admin", "/v1/customers/1/tickets", 403, "forbidden"),
        ] {
            let response = h.get(user, path).await;
            assert_eq!(response.status(), status, "{path}");
            let id = request_id(&response);
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], code, "{body}");
            assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");
            seen.push(id);
        }
        // Without a token.
        let response = h
            .http
            .get(format!("{}/v1/customers/1", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let id = request_id(&response);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");
        seen.push(id);

        // Successes and unknown paths carry one in the header; a client's own id is replaced.
        let response = h
            .http
            .get(format!("{}/v1/health", h.base))
            .header("x-request-id", "chosen-by-the-client")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        seen.push(request_id(&response));
        let response = h
            .http
            .get(format!("{}/v1/nowhere", h.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        seen.push(request_id(&response));
        let (_, body) = h.get_ok("agent1", "/v1/customers/1").await;
        assert!(body.get("request_id").is_none(), "only errors say it");

        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "one id per request: {seen:?}");
    });
}

#[test]
fn the_log_at_trace_finds_a_request_by_its_id_and_holds_no_query_or_token() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(async {
        let db = Database::for_processes(data.path()).await;
        let options = desk_server::demo::DemoOptions {
            customers: 5,
            seed: 7,
        };
        desk_server::demo::generate(&*db.store(), &options, |_| {})
            .await
            .unwrap();
        db
    });
    let log_file = data.path().join("server.log");
    let (mut child, base) = crate::harness::serve_process(
        &idp,
        data.path(),
        &db.env(&[("RUST_LOG", "trace")]),
        std::fs::File::create(&log_file).unwrap().into(),
    );
    let supervisor = idp.tokens("supervisor").access_token;
    let admin = idp.tokens("admin").access_token;

    let (email, refused_id) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let get =
            |path: String, token: &str| http.get(format!("{base}{path}")).bearer_auth(token).send();
        let customer: serde_json::Value = get("/v1/customers/1".into(), &supervisor)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let email = customer["email"].as_str().unwrap().to_owned();
        assert!(!email.contains('•'), "a supervisor sees it whole");
        let query = |q: &str| format!("/v1/customers?q={}", q.replace('@', "%40"));
        let found = get(query(&email), &supervisor).await.unwrap();
        assert_eq!(found.status(), 200);
        // A search refused before any lookup: the query is not in the log either, the refusal
        // is, under the id the client was given.
        let refused = get(query(&email), &admin).await.unwrap();
        assert_eq!(refused.status(), 403);
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "search_key_not_granted", "{body}");
        (
            email,
            body["error"]["request_id"].as_str().unwrap().to_owned(),
        )
    });
    crate::harness::terminate(&child);
    assert!(child.wait().unwrap().success());

    let log = std::fs::read_to_string(&log_file).unwrap();
    assert!(log.contains(" TRACE "), "the log is at trace");
    let refusal = log
        .lines()
        .find(|l| l.contains(&refused_id) && l.contains("answered"))
        .expect("the refused request's line is found by its id");
    assert!(
        refusal.contains("route=\"/v1/customers\"")
            && refusal.contains("method=GET")
            && refusal.contains("status=403"),
        "{refusal}"
    );
    for (what, secret) in [
        ("the searched e-mail address", email.as_str()),
        (
            "the e-mail address percent-encoded",
            &email.replace('@', "%40"),
        ),
        ("the supervisor's token", supervisor.as_str()),
        ("the administrator's token", admin.as_str()),
        (
            "the supervisor's token's signature",
            supervisor.rsplit('.').next().unwrap(),
        ),
    ] {
        assert!(secret.len() >= 6, "{what} is too short to look for");
        assert!(!log.contains(secret), "{what} is in the server's log");
    }
    assert!(
        !log.contains("?q="),
        "a query string is in the server's log"
    );
}
