use std::sync::Arc;
use std::time::Duration;

use desk_auth::{Opener, ProcessLock, Provider, ProviderConfig, Session};
use desk_testkit::{TestIdp, browser_command};

use crate::keychain::test_keychain;

async fn provider(idp: &TestIdp) -> Arc<Provider> {
    provider_locked_by(idp, None).await
}

/// The provider as a process configures it whose session lock is `lock`.
async fn provider_locked_by(idp: &TestIdp, lock: Option<ProcessLock>) -> Arc<Provider> {
    let config = ProviderConfig {
        issuer: idp.issuer().to_owned(),
        client_id: desk_testkit::CLIENT_ID.to_owned(),
        scopes: vec!["openid".into(), "profile".into(), "offline_access".into()],
        roles_claim: "groups".into(),
        clock_skew: Duration::from_secs(60),
        login_timeout: Duration::from_secs(30),
        session_lock: lock,
    };
    Arc::new(Provider::connect(config).await.expect("connect"))
}

fn opener() -> Opener {
    Opener::Command(
        browser_command()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_are_single_flight_under_rotation() {
    let idp = TestIdp::start();
    let keychain = test_keychain();
    let provider = provider(&idp).await;
    let session = Arc::new(
        Session::sign_in(provider.clone(), keychain.clone(), &opener())
            .await
            .expect("sign-in"),
    );
    assert_eq!(session.identity().subject, "agent1");
    assert_eq!(session.identity().roles, ["support-tier1"]);

    // Eight callers at once. The provider rotates refresh tokens and treats reuse of an old one
    // as theft (it revokes the grant), so any two refreshes using the same token would fail.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let session = session.clone();
        tasks.spawn(async move { session.refresh().await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().expect("every refresh succeeds");
    }
    session
        .access_token()
        .await
        .expect("a current access token");

    let session = Arc::try_unwrap(session).ok().expect("sole owner");
    let out = session.sign_out().await.expect("sign-out");
    assert!(out.revoked);
    assert!(
        out.end_session_url
            .is_some_and(|u| u.starts_with(idp.issuer()))
    );
    let restored = Session::restore(provider, keychain.clone())
        .await
        .expect("restore");
    assert!(restored.is_none(), "nothing left to restore after sign-out");
    keychain.delete("probe").unwrap();
}

/// Two processes sharing one session (the window and `desk`): each its own provider and session,
/// the same keychain and lock file. Their refreshes take turns, so the rotating provider, which
/// ends the whole grant when a refresh token is used twice, never sees one twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_sharing_a_session_refresh_in_turn_under_rotation() {
    let idp = TestIdp::start();
    let keychain = test_keychain();
    let dir = tempfile::tempdir().unwrap();
    let lock = || Some(ProcessLock::at(dir.path().join("session.lock")));
    let window = Session::sign_in(
        provider_locked_by(&idp, lock()).await,
        keychain.clone(),
        &opener(),
    )
    .await
    .expect("sign-in");
    let desk = Session::restore(provider_locked_by(&idp, lock()).await, keychain.clone())
        .await
        .expect("restore")
        .expect("a stored session");
    let (window, desk) = (Arc::new(window), Arc::new(desk));
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..6 {
        let session = if round % 2 == 0 { &window } else { &desk }.clone();
        tasks.spawn(async move { session.refresh().await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().expect("every refresh succeeds");
    }
    desk.access_token().await.expect("still a session");
    let window = Arc::try_unwrap(window).ok().expect("sole owner");
    assert!(window.sign_out().await.expect("sign-out").revoked);
    keychain.delete("probe").unwrap();
}
