//! The encrypted cache through `desk`: records opened online are read offline, with the source
//! said; offline views reach the audit trail once, whatever shreds the cache before (sign-out
//! with the server away, a wipe, the hard limit, a policy that stops caching); a view the server
//! refuses for good is set aside and holds back no other; wipes and sign-out shred the cache and
//! keep the audit queue.

use std::path::{Path, PathBuf};

use desk_auth::{Keychain, KeychainError};
use desk_testkit::TestIdp;
use serde_json::Value;

use crate::gateway::{Gateway, client_env, failure, json, run, search_by_surname};
use crate::keyring_service;
use crate::login::{signed_in, start, text};

/// Every file of the agent's cache folder.
pub fn cache_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("data/cache"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// Every file of the agent's audit queue folder.
fn queue_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("data/audit-queue"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn has_key(dir: &Path, entry: &str) -> bool {
    let keychain = Keychain::new(keyring_service(dir));
    match keychain.get(entry) {
        Ok(_) => true,
        Err(KeychainError::Missing(_)) => false,
        Err(e) => panic!("keychain: {e}"),
    }
}

/// Whether the keychain holds a cache key for `subject`.
pub fn has_cache_key(dir: &Path, issuer: &str, subject: &str) -> bool {
    has_key(dir, &format!("cache-key@{issuer}#{subject}"))
}

/// Whether the keychain holds an audit-queue key for `subject`.
fn has_queue_key(dir: &Path, issuer: &str, subject: &str) -> bool {
    has_key(dir, &format!("audit-queue-key@{issuer}#{subject}"))
}

fn offline_views(gateway: &Gateway, actor: &str) -> Vec<(String, String)> {
    gateway
        .audit()
        .into_iter()
        .filter(|(a, action, _)| a == actor && action.starts_with("offline."))
        .map(|(_, action, resource)| (action, resource))
        .collect()
}

/// agent1 signed in against a running gateway, with customer 1 read online (so cached).
/// (Fields drop in this order: the gateway first, the provider last.)
struct Cached {
    gateway: Gateway,
    env: Vec<(&'static str, String)>,
    /// Customer 1 as the server sent it.
    online: Value,
    dir: tempfile::TempDir,
    idp: TestIdp,
}

fn cached_customer_one() -> Cached {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    signed_in(dir.path(), idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let online = json(&run(dir.path(), &env, &["--json", "customer", "1"]));
    Cached {
        gateway,
        env,
        online,
        dir,
        idp,
    }
}

/// An administrator, signed in in a folder of their own, orders a wipe of agent1's devices at
/// `c`'s gateway; the order as `desk admin wipe` printed it.
fn wipe_agent1(c: &Cached) -> Value {
    let admin = tempfile::tempdir().unwrap();
    signed_in(admin.path(), c.idp.issuer(), "admin");
    json(&run(
        admin.path(),
        &c.env,
        &["--json", "admin", "wipe", "agent1"],
    ))
}

#[test]
fn records_opened_online_are_read_offline_and_the_views_are_audited_once() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    assert_eq!(c.online["source"], "server");
    let online_txs = json(&run(
        d,
        &c.env,
        &["--json", "transactions", "1", "--limit", "20"],
    ));
    let online_txs = online_txs["items"].as_array().unwrap().len();
    assert!(online_txs > 0);
    let name = c.online["name"].as_str().unwrap().to_owned();

    // The file on disk holds no record text.
    let files = cache_files(d);
    assert!(!files.is_empty(), "a cache file was made");
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let haystack = String::from_utf8_lossy(&bytes);
        assert!(
            !haystack.contains(&name),
            "{} holds the name",
            file.display()
        );
        assert!(!haystack.contains("SQLite format 3"), "{}", file.display());
    }

    c.gateway.stop();
    let offline = json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(offline["source"], "cache");
    assert_eq!(offline["name"], name.as_str());
    assert_eq!(
        offline["email"], c.online["email"],
        "masked online, masked offline"
    );
    assert!(offline["as_of"].as_i64().unwrap() <= chrono_now());
    let txs = json(&run(d, &c.env, &["--json", "transactions", "1"]));
    assert_eq!(txs["source"], "cache");
    assert_eq!(txs["items"].as_array().unwrap().len(), online_txs);
    search_by_surname(d, &c.env, &name, 1);
    let text_out = run(d, &c.env, &["customer", "1"]);
    assert!(text(&text_out).contains("OFFLINE"), "{}", text(&text_out));
    let missing = failure(&run(d, &c.env, &["customer", "2"]));
    assert!(missing.contains("not_cached"), "{missing}");
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["pending_views"], 4, "{status}");
    assert_eq!(status["offline"]["state"], "allowed", "{status}");

    // Back online: the four offline views are uploaded with the next read, once.
    c.gateway.restart();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    let views = offline_views(&c.gateway, "agent1");
    assert_eq!(views.len(), 4, "{views:?}");
    assert!(views.contains(&("offline.customer.view".into(), "customer:1".into())));
    assert!(views.contains(&("offline.transactions.view".into(), "customer:1".into())));
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(offline_views(&c.gateway, "agent1").len(), 4, "not twice");
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["pending_views"], 0);

    // Signing out shreds: no key, no file.
    assert!(has_cache_key(d, c.idp.issuer(), "agent1"));
    let out = run(d, &c.env, &["logout"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!has_cache_key(d, c.idp.issuer(), "agent1"));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
}

/// Every file of the agent's cache folder with its bytes.
fn cache_snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = cache_files(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).unwrap();
            (f, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn without_the_keychain_an_offline_read_is_refused_and_the_cache_is_left_whole() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    let name = c.online["name"].as_str().unwrap().to_owned();
    c.gateway.stop();
    let before = cache_snapshot(d);
    assert!(!before.is_empty());

    // The Secret Service is gone: no read from the cache, no key made, nothing recreated.
    let mut no_keychain = c.env.clone();
    no_keychain.push((
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/support-desk-bus".to_owned(),
    ));
    for args in [
        &["--json", "customer", "1"][..],
        &["--json", "search", name.split_whitespace().last().unwrap()],
        &["--json", "cache", "status"],
    ] {
        let out = run(d, &no_keychain, args);
        let line = failure(&out);
        assert!(line.contains("keychain_unavailable"), "{args:?}: {line}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing printed");
        assert!(
            !text(&out).contains(&name),
            "{args:?}: no record text: {}",
            text(&out)
        );
        assert!(
            cache_snapshot(d) == before,
            "{args:?}: the cache is untouched"
        );
    }
    assert!(queue_files(d).is_empty(), "no queue without a keychain");

    // With the keychain back, the same cache reads, and only that read waits to be audited.
    let offline = json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(offline["source"], "cache");
    assert_eq!(offline["name"], name.as_str());
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["pending_views"], 1, "{status}");

    // Without the keychain, sign-out is refused: it could neither shred the cache nor keep the
    // queue's key, and the queue file is left as it is.
    let queue = queue_files(d);
    let queued: Vec<Vec<u8>> = queue.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let refused = failure(&run(d, &no_keychain, &["logout"]));
    assert!(refused.contains("keychain_unavailable"), "{refused}");
    assert_eq!(queue_files(d), queue);
    let after: Vec<Vec<u8>> = queue.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(after == queued, "the queue is untouched");

    c.gateway.restart();
    let out = run(d, &c.env, &["logout"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        offline_views(&c.gateway, "agent1"),
        [("offline.customer.view".into(), "customer:1".into())]
    );
}

#[test]
fn an_administrators_wipe_shreds_the_cache_at_the_next_connection() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    signed_in(dir.path(), idp.issuer(), "agent1");
    let admin = tempfile::tempdir().unwrap();
    signed_in(admin.path(), idp.issuer(), "admin");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let d = dir.path();
    json(&run(d, &env, &["--json", "customer", "1"]));
    assert!(has_cache_key(d, idp.issuer(), "agent1"));

    let refused = failure(&run(d, &env, &["admin", "wipe", "agent2"]));
    assert!(
        refused.contains("forbidden"),
        "agents cannot wipe: {refused}"
    );
    let ordered = json(&run(
        admin.path(),
        &env,
        &["--json", "admin", "wipe", "agent1"],
    ));
    assert!(ordered["wipe_id"].as_u64().unwrap() > 0);

    // The next command that reaches the server shreds first, and ends the session.
    let wiped = failure(&run(d, &env, &["--json", "search", "nobody-by-this-name"]));
    assert!(wiped.starts_with("desk: wiped: "), "{wiped}");
    assert!(wiped.contains("wiped this device"), "{wiped}");
    assert!(
        !has_cache_key(d, idp.issuer(), "agent1"),
        "the key goes first"
    );
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
    // The session is over at the provider too: the refresh token of that run is revoked …
    let last = idp.issued().pop().unwrap().refresh_token;
    assert!(
        !provider_accepts(idp.issuer(), &last),
        "the refresh token is revoked"
    );
    // … and here: nobody is signed in, so nothing is cached again.
    let whoami = failure(&run(d, &env, &["whoami"]));
    assert!(whoami.contains("not_signed_in"), "{whoami}");
    // The server recorded this device's acknowledgement, and audited it.
    let device = std::fs::read_to_string(d.join("data/device-id")).unwrap();
    let acks: Vec<(String, i64)> = gateway.rows(
        "SELECT device, acknowledged FROM device_wipes WHERE subject = ?",
        &["agent1"],
    );
    assert_eq!(
        acks,
        [(
            device.trim().to_owned(),
            ordered["wipe_id"].as_i64().unwrap()
        )]
    );
    assert!(
        gateway
            .audit()
            .iter()
            .any(|(actor, action, resource)| actor == "agent1"
                && action == "wipe.acknowledge"
                && *resource == format!("device:{}", device.trim()))
    );

    // The wipe is done once: after signing in again the cache that comes back is kept.
    signed_in(d, idp.issuer(), "agent1");
    json(&run(d, &env, &["--json", "customer", "1"]));
    json(&run(d, &env, &["--json", "customer", "1"]));
    assert!(has_cache_key(d, idp.issuer(), "agent1"));
}

#[test]
fn a_device_first_seen_after_a_wipe_is_neither_shredded_nor_signed_out_by_it() {
    let c = cached_customer_one();
    let (idp, env, old) = (&c.idp, &c.env, c.dir.path());
    wipe_agent1(&c);

    // The replacement laptop: the same agent on an installation the server has not seen.
    let new = tempfile::tempdir().unwrap();
    let new = new.path();
    signed_in(new, idp.issuer(), "agent1");
    for _ in 0..2 {
        json(&run(new, env, &["--json", "customer", "1"]));
    }
    assert!(has_cache_key(new, idp.issuer(), "agent1"));
    assert!(text(&run(new, env, &["whoami"])).contains("agent1"));
    // The laptop the wipe was for carries it out at its next connection.
    let wiped = failure(&run(old, env, &["--json", "customer", "1"]));
    assert!(wiped.starts_with("desk: wiped: "), "{wiped}");
    assert!(!has_cache_key(old, idp.issuer(), "agent1"));
}

#[test]
fn a_cache_made_under_another_device_id_is_shredded_not_read() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    wipe_agent1(&c);
    // An agent who gives the installation a new id, so the server takes it for a new device
    // and sends it no wipe ordered before, then reads offline: the cache from before is gone.
    std::fs::write(d.join("data/device-id"), "a-new-device-id-of-its-own\n").unwrap();
    c.gateway.stop();
    let offline = failure(&run(d, &c.env, &["--json", "customer", "1"]));
    assert!(offline.contains("not_cached"), "{offline}");
    c.gateway.restart();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert!(has_cache_key(d, c.idp.issuer(), "agent1"));
}

/// Whether the provider still accepts `refresh_token` for a refresh.
fn provider_accepts(issuer: &str, refresh_token: &str) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{issuer}/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", desk_testkit::CLIENT_ID),
            ])
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    })
}

#[test]
fn a_device_that_claims_to_have_done_a_wipe_still_gets_it() {
    let c = cached_customer_one();
    let (idp, gateway, env, d) = (&c.idp, &c.gateway, &c.env, c.dir.path());
    let wipe_id = wipe_agent1(&c)["wipe_id"].as_i64().unwrap();

    // Asked directly from this device with a claim far past it, in the query and the header:
    // the wipe comes.
    let device = std::fs::read_to_string(d.join("data/device-id")).unwrap();
    let token = idp.tokens("agent1").access_token;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mine: Value = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{}/v1/me/wipes?after=999999", gateway.url()))
            .bearer_auth(&token)
            .header("desk-device", device.trim())
            .header("desk-last-wipe", "999999")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(mine["wipes"][0]["wipe_id"], wipe_id, "{mine}");

    // The client's own files say it did every wipe there is (what an earlier version kept):
    // the device still carries it out.
    std::fs::write(
        d.join("data/wipes.json"),
        format!(r#"{{"last":{{"{} agent1":999999}}}}"#, idp.issuer()),
    )
    .unwrap();
    let wiped = failure(&run(d, env, &["customer", "1"]));
    assert!(wiped.contains("wiped this device"), "{wiped}");
    assert!(!has_cache_key(d, idp.issuer(), "agent1"));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Rewrites the policy the cache holds so that it expired `ago` seconds before its offline
/// grace ended: the effect of that much time passing while the server stays away.
fn age_cached_policy(dir: &Path, issuer: &str, subject: &str, ago: i64) {
    let keychain = Keychain::new(keyring_service(dir));
    let hex = keychain
        .get(&format!("cache-key@{issuer}#{subject}"))
        .unwrap();
    let key = desk_cache::CacheKey::from_hex(&hex).unwrap();
    let file = cache_files(dir)
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "sqlite3"))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let cache = desk_cache::Cache::open(&file, &key).await.unwrap();
        let (jws, mut claims) = cache.policy().await.unwrap().unwrap();
        let grace = claims.policy.cache.offline_grace_secs as i64;
        claims.exp = chrono_now() - grace - ago;
        cache
            .store_policy(&jws, &claims, chrono_now())
            .await
            .unwrap();
        cache.close().await;
    });
}

#[test]
fn past_the_offline_grace_the_cache_is_locked_and_past_the_hard_limit_shredded_but_not_its_views() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    c.gateway.stop();
    assert_eq!(
        json(&run(d, &c.env, &["--json", "customer", "1"]))["source"],
        "cache"
    );

    age_cached_policy(d, c.idp.issuer(), "agent1", 10);
    let locked = failure(&run(d, &c.env, &["customer", "1"]));
    assert!(locked.contains("offline_locked"), "{locked}");
    assert!(!cache_files(d).is_empty(), "locked, not yet shredded");

    age_cached_policy(
        d,
        c.idp.issuer(),
        "agent1",
        desk_cache::HARD_LIMIT_SECS + 10,
    );
    let shredded = failure(&run(d, &c.env, &["customer", "1"]));
    assert!(shredded.contains("offline_locked"), "{shredded}");
    assert!(!has_cache_key(d, c.idp.issuer(), "agent1"));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());

    // The view read before the shred waits in its queue, and reaches the server once it answers.
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["pending_views"], 1, "{status}");
    let status = run(d, &c.env, &["cache", "status"]);
    assert!(
        text(&status).contains("unsent views  1"),
        "{}",
        text(&status)
    );
    c.gateway.restart();
    assert_eq!(
        json(&run(d, &c.env, &["--json", "customer", "1"]))["source"],
        "server"
    );
    let views = offline_views(&c.gateway, "agent1");
    assert_eq!(
        views,
        [("offline.customer.view".into(), "customer:1".into())]
    );
}

#[test]
fn a_policy_that_allows_no_caching_shreds_the_cache_and_not_the_views() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    assert!(has_cache_key(d, c.idp.issuer(), "agent1"));
    c.gateway.stop();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    c.gateway.restart();

    // An administrator takes caching away from agent_l1.
    let admin = c.idp.tokens("admin").access_token;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let roles: Value = http
            .get(format!("{}/v1/admin/roles", c.gateway.url()))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut l1 = roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["definition"]["role"] == "agent_l1")
            .unwrap()["definition"]
            .clone();
        l1["cache"]["ttl_secs"] = serde_json::json!({});
        let r = http
            .put(format!("{}/v1/admin/roles/agent_l1", c.gateway.url()))
            .bearer_auth(&admin)
            .json(&l1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });

    json(&run(d, &c.env, &["--json", "policy"]));
    assert!(!has_cache_key(d, c.idp.issuer(), "agent1"));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
    assert_eq!(
        offline_views(&c.gateway, "agent1"),
        [("offline.customer.view".into(), "customer:1".into())],
        "uploaded by the same policy fetch"
    );
    // And nothing is cached again under that policy.
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
}

/// The offline views of agent1 as the server recorded them (action, resource).
fn offline_views_of(c: &Cached) -> Vec<(String, String)> {
    offline_views(&c.gateway, "agent1")
}

#[test]
fn an_agent_who_reads_offline_and_signs_out_cannot_erase_the_views() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    let name = c.online["name"].as_str().unwrap().to_owned();
    let email = c.online["email"].as_str().unwrap().to_owned();
    json(&run(d, &c.env, &["--json", "transactions", "1"]));
    c.gateway.stop();
    // The insider reads customers from the cache with the server away …
    assert_eq!(
        json(&run(d, &c.env, &["--json", "customer", "1"]))["source"],
        "cache"
    );
    json(&run(d, &c.env, &["--json", "transactions", "1"]));
    search_by_surname(d, &c.env, &name, 1);
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["pending_views"], 3, "{status}");

    // … and the queue holds nothing of what was read, and nothing readable at all.
    let files = queue_files(d);
    assert!(!files.is_empty(), "an audit queue was made");
    for file in &files {
        let bytes = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        for needle in [
            name.as_str(),
            email.as_str(),
            "SQLite format 3",
            "customer:1",
            "customer.view",
        ] {
            assert!(!bytes.contains(needle), "{} holds {needle}", file.display());
        }
    }

    // … then signs out while the server is still away: signed out, and told what waits.
    let out = run(d, &c.env, &["logout"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("3 offline views not uploaded"),
        "{}",
        text(&out)
    );
    assert!(
        !has_cache_key(d, c.idp.issuer(), "agent1"),
        "the cache is shredded"
    );
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
    assert!(
        has_queue_key(d, c.idp.issuer(), "agent1"),
        "the queue's key stays"
    );
    assert!(!queue_files(d).is_empty(), "the queue stays");
    assert!(offline_views_of(&c).is_empty());

    // The next sign-in of the same agent, once the server answers, records every view.
    c.gateway.restart();
    signed_in(d, c.idp.issuer(), "agent1");
    json(&run(d, &c.env, &["--json", "policy"]));
    let views = offline_views_of(&c);
    assert_eq!(views.len(), 3, "{views:?}");
    assert!(views.contains(&("offline.customer.view".into(), "customer:1".into())));
    assert!(views.contains(&("offline.transactions.view".into(), "customer:1".into())));
    assert!(views.contains(&("offline.customer.search".into(), "customers".into())));
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["pending_views"], 0, "{status}");
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(offline_views_of(&c).len(), 3, "not twice");

    // Signing out with the server there says nothing is pending.
    let out = json(&run(d, &c.env, &["--json", "logout"]));
    assert_eq!(out["pending_views"], 0, "{out}");
}

#[test]
fn sign_out_uploads_the_queue_first_when_the_server_answers() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    c.gateway.stop();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    let name = c.online["name"].as_str().unwrap().to_owned();
    search_by_surname(d, &c.env, &name, 1);
    c.gateway.restart();
    // Nothing else reached the server before the sign-out.
    let out = json(&run(d, &c.env, &["--json", "logout"]));
    assert_eq!(out["pending_views"], 0, "{out}");
    assert_eq!(out["revoked"], true, "{out}");
    let views = offline_views_of(&c);
    assert_eq!(views.len(), 2, "{views:?}");
    assert!(views.contains(&("offline.customer.search".into(), "customers".into())));
}

#[test]
fn a_wipe_shreds_the_cache_and_the_views_queued_before_still_reach_the_server() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    json(&run(d, &c.env, &["--json", "transactions", "1"]));
    c.gateway.stop();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    json(&run(d, &c.env, &["--json", "transactions", "1"]));
    c.gateway.restart();
    wipe_agent1(&c);

    // The next command that reaches the server carries out the wipe before anything else …
    let wiped = failure(&run(
        d,
        &c.env,
        &["--json", "search", "nobody-by-this-name"],
    ));
    assert!(wiped.contains("wiped this device"), "{wiped}");
    assert!(!has_cache_key(d, c.idp.issuer(), "agent1"));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
    // … and the views read before it are on the trail all the same.
    let views = offline_views_of(&c);
    assert_eq!(views.len(), 2, "{views:?}");
    // Signed out by the wipe: nobody's cache or views to report, and the queue kept.
    assert!(has_queue_key(d, c.idp.issuer(), "agent1"));
    assert!(!queue_files(d).is_empty());
}

/// agent1's audit queue, opened with its key from the keychain, for `work` (with `desk` not
/// running).
fn with_queue<T>(
    dir: &Path,
    issuer: &str,
    work: impl AsyncFnOnce(&desk_cache::AuditQueue) -> T,
) -> T {
    let hex = Keychain::new(keyring_service(dir))
        .get(&format!("audit-queue-key@{issuer}#agent1"))
        .unwrap();
    let key = desk_cache::CacheKey::from_hex(&hex).unwrap();
    let file = queue_files(dir)
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "sqlite3"))
        .expect("a queue file");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let queue = desk_cache::AuditQueue::open(&file, &key).await.unwrap();
        let out = work(&queue).await;
        queue.close().await;
        out
    })
}

#[test]
fn a_view_the_server_will_never_take_is_set_aside_and_every_other_view_reaches_the_trail() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    json(&run(d, &c.env, &["--json", "transactions", "1"]));
    c.gateway.stop();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    json(&run(d, &c.env, &["--json", "transactions", "1"]));
    // Ahead of them in the queue, a view a month old: what a client queued before the server
    // kept offline windows (or a device whose clock was wrong). No window of agent1 holds it,
    // so the server refuses it whenever it is sent; before, it refused every upload with it.
    let month_ago = chrono_now() - 30 * 24 * 3600;
    let stuck_key = "older-client-view-0001";
    with_queue(d, c.idp.issuer(), async |queue| {
        let stuck = desk_cache::QueuedView {
            idempotency_key: stuck_key.into(),
            time: month_ago,
            action: "customer.view".into(),
            resource: "customer:2".into(),
        };
        assert!(queue.queue(&stuck).await.unwrap());
    });
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(
        (&status["pending_views"], &status["refused_views"]),
        (&3.into(), &0.into()),
        "{status}"
    );

    // Back online: one read uploads the queue. The server names the old view as outside
    // agent1's windows; it is set aside and the two others are recorded in the same sync.
    c.gateway.restart();
    assert_eq!(
        json(&run(d, &c.env, &["--json", "customer", "1"]))["source"],
        "server"
    );
    let mut views = offline_views_of(&c);
    // Made in the same second, so in either order.
    views.sort();
    assert_eq!(
        views,
        [
            ("offline.customer.view".into(), "customer:1".into()),
            ("offline.transactions.view".into(), "customer:1".into()),
        ]
    );
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(
        (&status["pending_views"], &status["refused_views"]),
        (&0.into(), &1.into()),
        "{status}"
    );
    let shown = text(&run(d, &c.env, &["cache", "status"]));
    assert!(shown.contains("unsent views  0"), "{shown}");
    assert!(shown.contains("refused views 1"), "{shown}");
    let shown = text(&run(d, &c.env, &["status"]));
    assert!(
        shown.contains("1 offline view refused by the server"),
        "{shown}"
    );

    // It is not sent again: were it, the server would take it now, since a window that holds
    // its time is stored (as an administrator restoring lost windows would).
    c.gateway.write(
        "INSERT INTO offline_windows (actor, opens_at, closes_at) VALUES ('agent1', ?1, ?2)",
        &[&(month_ago - 60).to_string(), &(month_ago + 60).to_string()],
    );
    c.gateway.stop();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    c.gateway.restart();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    json(&run(d, &c.env, &["--json", "policy"]));
    let views = offline_views_of(&c);
    assert_eq!(
        views.len(),
        3,
        "the new view, not the set-aside one: {views:?}"
    );
    assert!(!views.iter().any(|(_, r)| r == "customer:2"), "{views:?}");

    // Signing out with the server there says nothing waits, and that one view was refused and
    // kept; the queue keeps it, with the server's reason, after the sign-out.
    let out = json(&run(d, &c.env, &["--json", "logout"]));
    assert_eq!(
        (&out["pending_views"], &out["refused_views"]),
        (&0.into(), &1.into()),
        "{out}"
    );
    let aside = with_queue(d, c.idp.issuer(), async |queue| {
        queue.set_aside_list().await.unwrap()
    });
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(aside[0].view.idempotency_key, stuck_key);
    assert_eq!(aside[0].view.time, month_ago);
    assert_eq!(aside[0].reason, "outside_window");
}

#[test]
fn signing_out_names_the_views_the_server_refused() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    c.gateway.stop();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    with_queue(d, c.idp.issuer(), async |queue| {
        let stuck = desk_cache::QueuedView {
            idempotency_key: "older-client-view-0002".into(),
            time: chrono_now() - 30 * 24 * 3600,
            action: "ticket.view".into(),
            resource: "ticket:1".into(),
        };
        queue.queue(&stuck).await.unwrap();
    });
    c.gateway.restart();
    // The sign-out is the first request: it uploads, sets the old view aside, and says so
    // rather than that everything was uploaded.
    let out = run(d, &c.env, &["logout"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("1 offline view refused by the server, so not on the audit trail"),
        "{said}"
    );
    assert!(!said.contains("not uploaded"), "{said}");
    assert_eq!(
        offline_views_of(&c),
        [("offline.customer.view".into(), "customer:1".into())]
    );
}

/// Revokes `subject`'s refresh token at the provider behind the app's back, as an administrator
/// of the provider would; returns the token.
fn revoke_at_provider(dir: &Path, issuer: &str, subject: &str) -> String {
    let token = Keychain::new(keyring_service(dir))
        .get(&format!("refresh-token@{issuer}#{subject}"))
        .unwrap();
    let token = desk_auth::ExposeSecret::expose_secret(&token).to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{issuer}/token/revocation"))
            .form(&[
                ("token", token.as_str()),
                ("client_id", desk_testkit::CLIENT_ID),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    });
    token
}

#[test]
fn a_session_the_provider_ended_shreds_the_cache_and_keeps_the_views() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    let issuer = c.idp.issuer().to_owned();
    c.gateway.stop();
    assert_eq!(
        json(&run(d, &c.env, &["--json", "customer", "1"]))["source"],
        "cache"
    );
    c.gateway.restart();
    assert!(has_cache_key(d, &issuer, "agent1"));
    revoke_at_provider(d, &issuer, "agent1");

    let ended = failure(&run(d, &c.env, &["customer", "1"]));
    assert!(ended.contains("session_ended"), "{ended}");
    assert!(!has_cache_key(d, &issuer, "agent1"), "the key goes");
    assert_eq!(cache_files(d), Vec::<PathBuf>::new(), "and the file");
    assert!(has_queue_key(d, &issuer, "agent1"), "the queue stays");
    assert!(!queue_files(d).is_empty());
    // Offline, nothing is left to read.
    c.gateway.stop();
    let offline = failure(&run(d, &c.env, &["customer", "1"]));
    assert!(!offline.contains("\"source\""), "{offline}");
    c.gateway.restart();

    // The view read before the session ended reaches the trail at the next sign-in.
    signed_in(d, &issuer, "agent1");
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(
        offline_views(&c.gateway, "agent1"),
        [("offline.customer.view".into(), "customer:1".into())]
    );
}

#[test]
fn signing_out_shreds_a_cache_whose_session_is_already_gone() {
    let c = cached_customer_one();
    let d = c.dir.path();
    let issuer = c.idp.issuer();
    // What an older version left when the provider ended the session: no session entries, the
    // cache and its key still there.
    let keychain = Keychain::new(keyring_service(d));
    keychain
        .delete(&format!("refresh-token@{issuer}#agent1"))
        .unwrap();
    keychain.delete(&format!("account@{issuer}")).unwrap();
    assert!(has_cache_key(d, issuer, "agent1"));
    assert!(!cache_files(d).is_empty());

    let out = run(d, &c.env, &["logout"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!has_cache_key(d, issuer, "agent1"));
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
}

#[test]
fn setting_the_clock_back_does_not_extend_the_offline_window() {
    let mut c = cached_customer_one();
    let d = c.dir.path();
    c.gateway.stop();
    let status = json(&run(d, &c.env, &["--json", "cache", "status"]));
    assert_eq!(status["offline"]["state"], "allowed", "{status}");
    let until = status["offline"]["until"].as_i64().unwrap();
    let with_clock = |offset: i64| {
        let mut env = c.env.clone();
        env.push(("DESK_CLOCK_OFFSET_SECS", offset.to_string()));
        env
    };
    // The clock set back a day before the window closed: the window is as it was.
    let back = with_clock(-86_400);
    assert_eq!(
        json(&run(d, &back, &["--json", "customer", "1"]))["source"],
        "cache"
    );
    let status = json(&run(d, &back, &["--json", "cache", "status"]));
    assert_eq!(status["offline"]["until"], until, "{status}");

    // Time passes beyond the window, and the cache is locked …
    let later = with_clock(until - chrono_now() + 60);
    let locked = failure(&run(d, &later, &["customer", "1"]));
    assert!(locked.contains("offline_locked"), "{locked}");
    // … and setting the clock back, to now or a day before, does not open it again.
    for offset in [0, -86_400] {
        let locked = failure(&run(d, &with_clock(offset), &["customer", "1"]));
        assert!(locked.contains("offline_locked"), "{offset}: {locked}");
        let status = json(&run(d, &with_clock(offset), &["--json", "cache", "status"]));
        assert_eq!(status["offline"]["state"], "locked", "{offset}: {status}");
    }

    // The views read while the window was open reach the trail all the same.
    c.gateway.restart();
    json(&run(d, &c.env, &["--json", "customer", "1"]));
    assert_eq!(
        offline_views(&c.gateway, "agent1"),
        [("offline.customer.view".into(), "customer:1".into())]
    );
}
