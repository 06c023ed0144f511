use desk_auth::{AuthError, discover};
use desk_testkit::TestIdp;

#[tokio::test]
async fn fetches_the_test_providers_discovery_document() {
    let idp = TestIdp::start();
    let meta = discover(idp.issuer()).await.expect("discovery");
    assert_eq!(meta.issuer().as_str(), idp.issuer());
    let token = meta.token_endpoint().expect("token endpoint");
    assert!(
        token.as_str().starts_with(idp.issuer()),
        "{}",
        token.as_str()
    );
    assert!(meta.jwks_uri().as_str().starts_with(idp.issuer()));
    let extra = meta.additional_metadata();
    assert_eq!(extra.code_challenge_methods_supported, ["S256"]);
    assert!(extra.authorization_response_iss_parameter_supported);
    assert!(extra.revocation_endpoint.is_some());
    assert!(extra.end_session_endpoint.is_some());
}

#[tokio::test]
async fn a_document_naming_another_issuer_is_refused() {
    let idp = TestIdp::start();
    // Same host, other path: the provider serves no document there.
    let err = discover(&format!("{}/tenant-b", idp.issuer()))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Discovery { .. }), "{err}");
}

#[tokio::test]
async fn an_unreachable_provider_is_a_clear_error() {
    // Bind and drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = discover(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("discovery failed"), "{err}");
}

#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_any_request() {
    let err = discover("http://login.example.com").await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidIssuer { .. }), "{err}");
}
