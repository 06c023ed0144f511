use crate::harness::shared;

#[test]
fn health_answers_with_status_and_version_without_a_token() {
    let h = shared();
    h.block_on(async {
        let response = reqwest::get(format!("{}/v1/health", h.base)).await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    });
}

#[test]
fn ready_says_the_database_answers_without_a_token() {
    let h = shared();
    h.block_on(async {
        let response = reqwest::get(format!("{}/v1/ready", h.base)).await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    });
}

#[test]
fn unknown_paths_are_404_and_disclose_nothing() {
    let h = shared();
    h.block_on(async {
        let response = reqwest::get(format!("{}/v1/customers/../../etc/passwd", h.base))
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        assert!(response.text().await.unwrap().is_empty());
    });
}

#[test]
fn every_documented_path_exists_and_every_api_path_needs_a_token() {
    let h = shared();
    h.block_on(async {
        let doc: serde_json::Value = reqwest::get(format!("{}/v1/openapi.json", h.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 10, "{paths:?}");
        for (path, item) in paths {
            let concrete = path
                .replace("{id}", "1")
                .replace("{role}", "agent_l1")
                .replace("{subject}", "agent1");
            for method in item.as_object().unwrap().keys() {
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = h
                    .http
                    .request(method.clone(), format!("{}{concrete}", h.base))
                    .send()
                    .await
                    .unwrap();
                let public =
                    ["/v1/health", "/v1/ready", "/v1/openapi.json"].contains(&path.as_str());
                let expected = if public { 200 } else { 401 };
                assert_eq!(r.status(), expected, "{method} {path}");
            }
        }
    });
}

#[test]
fn the_served_document_is_the_generated_one_and_names_every_method_the_router_answers() {
    let h = shared();
    h.block_on(async {
        let served = reqwest::get(format!("{}/v1/openapi.json", h.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(served, desk_server::api::openapi::generated());
        let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
        let methods = ["get", "put", "post", "delete", "patch"];
        for (path, item) in doc["paths"].as_object().unwrap() {
            let concrete = path
                .replace("{id}", "1")
                .replace("{role}", "agent_l1")
                .replace("{subject}", "agent1");
            let documented = item.as_object().unwrap();
            for method in methods {
                let r = h
                    .http
                    .request(
                        reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                        format!("{}{concrete}", h.base),
                    )
                    .send()
                    .await
                    .unwrap();
                if documented.contains_key(method) {
                    assert!(
                        r.status() != 404 && r.status() != 405,
                        "{method} {path} is documented but not routed: {}",
                        r.status()
                    );
                } else {
                    assert_eq!(r.status(), 405, "{method} {path} is answered undocumented");
                }
            }
        }
    });
}

#[test]
fn ready_says_no_while_the_provider_cannot_be_reached_and_health_still_answers() {
    // A provider on a port nothing listens on: its keys can never be fetched.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let h = crate::harness::Harness::start_with(|c| {
        c.issuer = Some(format!("http://127.0.0.1:{port}"));
    });
    h.block_on(async {
        let response = reqwest::get(format!("{}/v1/ready", h.base)).await.unwrap();
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "provider_unavailable", "{body}");
        let response = reqwest::get(format!("{}/v1/health", h.base)).await.unwrap();
        assert_eq!(response.status(), 200, "alive, if not ready");
    });
}
