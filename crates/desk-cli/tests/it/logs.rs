//! The log at `trace`, through a whole working session: sign-in at the real provider, reads from
//! the real server, the same reads offline from the cache, the offline views uploaded, sign-out.
//! `desk` writes it with desk-app's own file subscriber (`DESK_LOG_DIR`), the one the window
//! uses. No file of it may hold a token the provider issued, the cache key, or a customer value
//! as the server stores it; and the log must have something in it, so that logging nothing
//! cannot pass.
//!
//! Failure messages name the secret's kind and the file, never the value.

use std::path::{Path, PathBuf};

use desk_auth::{ExposeSecret, Keychain};
use desk_testkit::browser_command;

use crate::gateway::{Gateway, client_env, json, run};
use crate::keyring_service;
use crate::login::{start, text};

/// The user: a supervisor receives the most whole values (e-mail, phone, date of birth and
/// address whole), so the most there is to leak.
const USER: &str = "supervisor";

/// Every value that may not be in the log, each with a name for failure messages.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: impl Into<String>, value: &str) {
        assert!(value.len() >= 8, "{}: too short to look for", what.into());
        self.0.push((what.into(), value.to_owned()));
    }

    /// A token, and each part of it when it is a JWT (a part alone identifies it as well).
    fn add_token(&mut self, what: &str, token: &str) {
        self.add(what, token);
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() == 3 {
            // The header is the same for every token of a key: not a secret.
            self.add(format!("{what} (claims)"), parts[1]);
            self.add(format!("{what} (signature)"), parts[2]);
        }
    }

    /// The names of the secrets `text` holds.
    fn found_in(&self, text: &str) -> Vec<&str> {
        let lower = text.to_lowercase();
        self.0
            .iter()
            .filter(|(_, value)| {
                text.contains(value.as_str()) || lower.contains(&value.to_lowercase())
            })
            .map(|(what, _)| what.as_str())
            .collect()
    }
}

/// Customer `id`'s values as the server stores them, whole.
fn stored_values(gateway: &Gateway, id: i64, secrets: &mut Secrets) -> String {
    let key = id.to_string();
    let (email, phone, date_of_birth, address) = gateway
        .rows::<(String, String, String, String)>(
            "SELECT email, phone, date_of_birth, address FROM customers WHERE id = ?",
            &[&key],
        )
        .pop()
        .expect("the customer exists");
    secrets.add("the customer's e-mail address", &email);
    secrets.add("the customer's phone number", &phone);
    secrets.add("the customer's date of birth", &date_of_birth);
    secrets.add("the customer's address", &address);
    let accounts = gateway.rows::<(String, String)>(
        "SELECT number, number_norm FROM accounts WHERE customer_id = ?",
        &[&key],
    );
    let cards = gateway.rows::<(String,)>(
        "SELECT c.number FROM cards c JOIN accounts a ON a.id = c.account_id \
         WHERE a.customer_id = ?",
        &[&key],
    );
    assert!(!accounts.is_empty() && !cards.is_empty(), "customer {id}");
    for (number, normalized) in &accounts {
        secrets.add("an IBAN", number);
        secrets.add("an IBAN (normalized)", normalized);
    }
    for (number,) in &cards {
        secrets.add("a card number", number);
        let digits: String = number.chars().filter(char::is_ascii_digit).collect();
        secrets.add("a card number (digits)", &digits);
    }
    email
}

/// Every log file in `dir`, with its text.
fn log_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|path| {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            (path, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn at_trace_the_log_holds_no_token_key_or_record_value() {
    let (idp, dir) = start();
    let mut gateway = Gateway::start(&idp);
    let logs = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut env = client_env(&idp, &gateway, &gateway.keys_file());
    env.push(("DESK_LOG", "trace".to_owned()));
    env.push(("DESK_LOG_DIR", logs.path().display().to_string()));
    let mut secrets = Secrets::default();
    let email = stored_values(&gateway, 1, &mut secrets);

    // Sign-in through the browser, then everything else from the keychain.
    let mut login = env.clone();
    login.push(("BROWSER", browser_command()));
    login.push(("DESK_IDP_USER", USER.to_owned()));
    let out = run(d, &login, &["login"]);
    assert!(out.status.success(), "{}", text(&out));

    let keychain = Keychain::new(keyring_service(d));
    let issuer = idp.issuer();
    let mut refresh_tokens = Vec::new();
    let mut remember_refresh_token = || {
        let token = keychain
            .get(&format!("refresh-token@{issuer}#{USER}"))
            .expect("a refresh token is stored");
        refresh_tokens.push(token.expose_secret().to_owned());
    };
    remember_refresh_token();

    // Online: the policy, a search by the customer's whole e-mail address (what an agent
    // searched for stays out of logs too), the customer, transactions, tickets and a ticket.
    json(&run(d, &env, &["--json", "policy"]));
    let found = json(&run(d, &env, &["--json", "search", &email]));
    assert_eq!(found["items"][0]["id"], 1, "{found}");
    let customer = json(&run(d, &env, &["--json", "customer", "1"]));
    assert_eq!(customer["source"], "server");
    assert_eq!(
        customer["email"],
        email.as_str(),
        "a supervisor sees it whole"
    );
    json(&run(d, &env, &["--json", "transactions", "1"]));
    let tickets = json(&run(d, &env, &["--json", "tickets", "1"]));
    let ticket = tickets["items"][0]["id"].as_i64().unwrap().to_string();
    json(&run(d, &env, &["--json", "ticket", &ticket]));
    remember_refresh_token();
    let cache_key = keychain
        .get(&format!("cache-key@{issuer}#{USER}"))
        .expect("a cache key is stored");
    secrets.add("the cache key", cache_key.expose_secret());

    // Offline: the same reads from the cache.
    gateway.stop();
    for args in [
        &["--json", "customer", "1"][..],
        &["--json", "transactions", "1"],
        &["--json", "tickets", "1"],
        &["--json", "ticket", &ticket],
        &["--json", "search", &email],
    ] {
        let out = run(d, &env, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    let offline = json(&run(d, &env, &["--json", "customer", "1"]));
    assert_eq!(offline["source"], "cache");

    // Back online: the offline views go up with the next read; then sign-out.
    gateway.restart();
    json(&run(d, &env, &["--json", "customer", "1"]));
    remember_refresh_token();
    let out = run(d, &env, &["logout"]);
    assert!(out.status.success(), "{}", text(&out));

    // The log on stderr (desk without DESK_LOG_DIR) is held to the same limits.
    let mut stderr_env = env.clone();
    stderr_env.retain(|(k, _)| *k != "DESK_LOG_DIR");
    let mut stderr_login = stderr_env.clone();
    stderr_login.push(("BROWSER", browser_command()));
    stderr_login.push(("DESK_IDP_USER", USER.to_owned()));
    let mut stderr_text = String::new();
    for (env, args) in [
        (&stderr_login, &["login"][..]),
        (&stderr_env, &["--json", "search", &email]),
        (&stderr_env, &["--json", "customer", "1"]),
        (&stderr_env, &["logout"]),
    ] {
        let out = run(d, env, args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        stderr_text.push_str(&String::from_utf8_lossy(&out.stderr));
    }

    let issued = idp.issued();
    assert!(issued.len() >= 5, "a sign-in and a refresh per command");
    for (n, tokens) in issued.iter().enumerate() {
        secrets.add_token(&format!("access token {n}"), &tokens.access_token);
        secrets.add_token(&format!("ID token {n}"), &tokens.id_token);
        secrets.add_token(&format!("refresh token {n}"), &tokens.refresh_token);
    }
    for (n, token) in refresh_tokens.iter().enumerate() {
        assert!(
            issued.iter().any(|t| &t.refresh_token == token),
            "the keychain's refresh token {n} is one the provider issued"
        );
    }

    let files = log_files(logs.path());
    assert!(!files.is_empty(), "no log file was written");
    let all: String = files.iter().map(|(_, text)| text.as_str()).collect();
    // The log has what a person would look for in it, at every level asked for.
    for expected in [
        " TRACE ",
        " DEBUG ",
        " INFO ",
        "offline: reading the local cache",
    ] {
        assert!(all.contains(expected), "the log has no {expected:?}");
    }
    for (path, text) in &files {
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with("support-desk.") && name.ends_with(".log"),
            "{name}"
        );
        assert_eq!(secrets.found_in(text), Vec::<&str>::new(), "in {name}");
    }
    assert!(stderr_text.contains("TRACE"), "stderr had the log");
    assert_eq!(
        secrets.found_in(&stderr_text),
        Vec::<&str>::new(),
        "on stderr"
    );
}
