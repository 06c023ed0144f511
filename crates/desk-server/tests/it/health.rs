use tokio::net::TcpListener;

async fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(desk_server::serve(listener));
    base
}

#[tokio::test]
async fn health_answers_with_status_and_version() {
    let base = start().await;
    let response = reqwest::get(format!("{base}/v1/health")).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn unknown_paths_are_404_and_disclose_nothing() {
    let base = start().await;
    let response = reqwest::get(format!("{base}/v1/customers/../../etc/passwd"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().is_empty());
}
