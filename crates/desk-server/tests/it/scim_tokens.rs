//! `desk-server scim token create|list|revoke`, run as a tool beside a running server: tokens
//! shown once, kept only as hashes, listed by name, revoked by name, each change audited.

use std::process::Output;

use serde_json::Value;

use crate::harness::Harness;

fn scim_token(h: &Harness, args: &[&str]) -> Output {
    h.command(&["scim", "token"]).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every byte of the server's files (the database, its WAL, the keys), as text where it is.
fn files_text(h: &Harness) -> String {
    std::fs::read_dir(h.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect()
}

#[test]
fn tokens_are_shown_once_kept_as_hashes_listed_and_revoked_by_name_while_serve_runs() {
    let h = Harness::start();
    let made = scim_token(&h, &["create", "--name", "entra-id"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let line: Value = serde_json::from_str(stdout(&made).trim()).unwrap();
    assert_eq!(line["name"], "entra-id");
    let token = line["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with(desk_server::scim::tokens::TOKEN_PREFIX));
    assert!(
        scim_token(&h, &["create", "--name", "okta"])
            .status
            .success()
    );

    // A taken name, or one that is not a plain word, makes nothing.
    let again = scim_token(&h, &["create", "--name", "entra-id"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    let odd = scim_token(&h, &["create", "--name", "has space"]);
    assert_eq!(odd.status.code(), Some(1));
    assert!(stderr(&odd).contains("1 to 64"), "{}", stderr(&odd));

    let list = scim_token(&h, &["list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let names: Vec<Value> = stdout(&list)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        names
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["entra-id", "okta"]
    );
    assert!(
        names
            .iter()
            .all(|t| t.get("token").is_none() && t["created_at"].is_string())
    );
    // Only the hash is kept: the token is in no file of the server's.
    let secret = &token[desk_server::scim::tokens::TOKEN_PREFIX.len()..];
    assert!(!files_text(&h).contains(secret), "the token is in a file");
    let kept: Vec<(String,)> = h.rows("SELECT token_hash FROM scim_tokens WHERE name = 'entra-id'");
    let hash = desk_server::scim::tokens::hash(&token.clone().into());
    assert_eq!(kept, [(hash,)]);

    let revoked = scim_token(&h, &["revoke", "entra-id"]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let list = stdout(&scim_token(&h, &["list"]));
    assert_eq!(list.lines().count(), 1, "{list}");
    assert!(list.contains("\"okta\""));
    let twice = scim_token(&h, &["revoke", "entra-id"]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(stderr(&twice).contains("not found"), "{}", stderr(&twice));

    let count = |action: &str| {
        h.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE action = '{action}' AND actor = 'desk-server'"
        ))
    };
    assert_eq!(count("scim.token.create"), 2, "one per token made");
    assert_eq!(count("scim.token.revoke"), 1, "one per token revoked");
    assert_eq!(h.verify().broken, None);
}
