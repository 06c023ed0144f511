//! `desk search | customer | transactions | tickets | ticket` against the real gateway, as the
//! signed-in agent: the server's redacted view, and where it came from.

use crate::gateway::{Gateway, client_env, failure, json, run, search_by_surname};
use crate::login::{signed_in, start, text};

#[test]
fn an_agent_reads_the_servers_redacted_view_and_is_told_its_source() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    signed_in(dir.path(), idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let d = dir.path();

    let customer = json(&run(d, &env, &["--json", "customer", "1"]));
    assert_eq!(customer["source"], "server");
    assert!(customer["as_of"].as_i64().unwrap() > 0);
    assert_eq!(customer["id"], 1);
    let email = customer["email"].as_str().unwrap();
    assert!(
        email.contains('•'),
        "agent_l1 sees a masked e-mail: {email}"
    );
    assert!(customer.get("date_of_birth").is_none());

    let name = customer["name"].as_str().unwrap().to_owned();
    search_by_surname(d, &env, &name, 1);

    let txs = json(&run(
        d,
        &env,
        &["--json", "transactions", "1", "--limit", "3"],
    ));
    assert_eq!(txs["items"].as_array().unwrap().len(), 3);
    assert!(txs["next_cursor"].is_string());

    let tickets = json(&run(d, &env, &["--json", "tickets", "1"]));
    let first = tickets["items"][0]["id"].as_i64().unwrap();
    let ticket = json(&run(d, &env, &["--json", "ticket", &first.to_string()]));
    let messages = ticket["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    assert!(
        messages.iter().all(|m| m["internal"] == false),
        "no internal notes for agent_l1"
    );

    let text_out = run(d, &env, &["customer", "1"]);
    assert!(
        text(&text_out).contains("(from the server"),
        "{}",
        text(&text_out)
    );
    let refused = failure(&run(d, &env, &["transactions", "1", "--status", "all"]));
    assert!(
        refused.contains("server_refused") && refused.contains("invalid_status"),
        "{refused}"
    );
}
