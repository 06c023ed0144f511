//! Record text that would act on the terminal or print differently from what it says, through
//! `desk` against the real gateway: escape sequences, carriage returns, bells and bidi controls
//! in a ticket's subject and messages and in transactions come out as escapes, in text and in
//! JSON, and JSON still parses to the very text that was stored.

use std::process::Output;

use serde_json::Value;

use crate::gateway::{Gateway, client_env, json, run};
use crate::login::{signed_in, start, text};

/// A reply an agent posts through the API: the override, a zero-width space and a carriage
/// return are all accepted there.
const REPLY: &str = "Refund for invoice\u{202E}fdp.exe\u{200B}\rDONE";
/// A customer's message with escape sequences (clear the screen, colours, a window title) and
/// an isolate; it reaches the database through the mail import, not the API, which refuses
/// control characters in replies.
const MESSAGE: &str = "\u{1b}[2J\u{1b}[31mURGENT\u{1b}[0m pay to \u{2066}NABI\u{1b}]0;pwned\u{7}\n\
                       second line\u{8}\u{8}";
const SUBJECT: &str = "Card\u{1b}]0;pwned\u{7} charged \u{202E}twice";
const DESCRIPTION: &str = "fee\u{1b}[8m hidden\u{1b}[0m waived\u{85}\u{2028}";

/// What no output of `desk` may hold raw, whatever the text it prints.
fn assert_nothing_raw(what: &str, output: &str) {
    for c in [
        '\u{1b}', '\u{7}', '\u{8}', '\r', '\u{85}', '\u{202E}', '\u{2066}', '\u{200B}', '\u{2028}',
    ] {
        assert!(
            !output.contains(c),
            "{what}: a raw U+{:04X} in {output:?}",
            u32::from(c)
        );
    }
    assert!(
        !output.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: {output:?}"
    );
}

fn stdout(what: &str, out: &Output) -> String {
    assert!(out.status.success(), "{what}: {}", text(out));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn a_ticket_holding_escape_sequences_and_bidi_controls_prints_them_as_escapes() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    signed_in(dir.path(), idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let d = dir.path();
    let tickets = json(&run(d, &env, &["--json", "tickets", "1"]));
    let id = tickets["items"][0]["id"].as_i64().unwrap().to_string();

    let token = idp.tokens("agent1").access_token;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/v1/tickets/{id}/messages", gateway.url()))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "body": REPLY }))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 201, "the reply is accepted");
    gateway.write(
        "INSERT INTO messages (id, ticket_id, internal, author, time, body)
         VALUES ((SELECT MAX(id) + 1 FROM messages), ?, 0, ?,
                 strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)",
        &[&id, "Customer\u{202E}", MESSAGE],
    );
    gateway.write(
        "UPDATE tickets SET subject = ? WHERE id = ?",
        &[SUBJECT, &id],
    );
    gateway.write(
        "UPDATE transactions SET description = ? WHERE customer_id = 1",
        &[DESCRIPTION],
    );

    // Text: every hidden character as `\u{…}`, a body's line break kept and indented.
    let shown = stdout("desk ticket", &run(d, &env, &["ticket", &id]));
    assert_nothing_raw("desk ticket", &shown);
    assert!(
        shown.contains(r"Card\u{1B}]0;pwned\u{7} charged \u{202E}twice"),
        "{shown}"
    );
    assert!(
        shown.contains(r"    Refund for invoice\u{202E}fdp.exe\u{200B}\u{D}DONE"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "    \\u{1B}[2J\\u{1B}[31mURGENT\\u{1B}[0m pay to \\u{2066}NABI\\u{1B}]0;pwned\\u{7}\n    \
             second line\\u{8}\\u{8}\n"
        ),
        "{shown}"
    );
    assert!(shown.contains(r"by Customer\u{202E}:"), "{shown}");

    // JSON: the same characters as `\uXXXX` escapes, and the same text once parsed.
    let raw = stdout(
        "desk --json ticket",
        &run(d, &env, &["--json", "ticket", &id]),
    );
    assert_nothing_raw("desk --json ticket", &raw);
    assert!(raw.contains(r"invoice\u202efdp.exe\u200b\rDONE"), "{raw}");
    assert!(raw.contains(r"\u001b[2J\u001b[31mURGENT"), "{raw}");
    let ticket: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(ticket["subject"], SUBJECT);
    let bodies: Vec<&str> = ticket["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(bodies.contains(&REPLY), "{bodies:?}");
    assert!(bodies.contains(&MESSAGE), "{bodies:?}");

    let listed = stdout("desk tickets", &run(d, &env, &["tickets", "1"]));
    assert_nothing_raw("desk tickets", &listed);
    assert!(
        listed.contains(r"Card\u{1B}]0;pwned\u{7} charged \u{202E}twice"),
        "{listed}"
    );

    let args = ["transactions", "1", "--limit", "3"];
    let txs = stdout("desk transactions", &run(d, &env, &args));
    assert_nothing_raw("desk transactions", &txs);
    assert!(
        txs.contains(r"fee\u{1B}[8m hidden\u{1B}[0m waived\u{85}\u{2028}"),
        "{txs}"
    );
    let raw = stdout(
        "desk --json transactions",
        &run(d, &env, &["--json", "transactions", "1", "--limit", "3"]),
    );
    assert_nothing_raw("desk --json transactions", &raw);
    assert!(raw.contains(r"waived\u0085\u2028"), "{raw}");
    let txs: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(txs["items"][0]["description"], DESCRIPTION);
}

#[test]
fn an_error_line_quoting_hostile_text_stays_one_escaped_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("layout.json");
    // A layout naming a widget that does not exist: the parser's reason quotes the name.
    std::fs::write(
        &file,
        r#"{"pages": {"customer": ["\u202e\u001b[2J\u001b]0;x\u0007\nwidget"]}}"#,
    )
    .unwrap();
    let out = crate::desk(
        dir.path(),
        &[],
        &[
            "admin",
            "layout",
            "push",
            "agent_l1",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_nothing_raw("the error line", &stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("desk: invalid_input: "), "{stderr}");
    assert!(
        stderr.contains(r"\u{202E}\u{1B}[2J\u{1B}]0;x\u{7}\u{A}widget"),
        "{stderr}"
    );
}
