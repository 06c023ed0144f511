//! Bad input gets a 4xx with a stable code and changes nothing.

use crate::harness::{Harness, error_code};

fn totals(h: &Harness) -> (i64, i64, i64) {
    (
        h.count("SELECT COUNT(*) FROM customers"),
        h.count("SELECT COUNT(*) FROM messages"),
        h.count("SELECT COUNT(*) FROM role_definitions"),
    )
}

#[test]
fn hostile_search_strings_are_refused_or_searched_as_plain_text() {
    let h = Harness::start();
    let before = totals(&h);
    h.block_on(async {
        let long = "a".repeat(5000);
        let refused = [
            (long.as_str(), "query_too_long"),
            ("jane%00doe", "invalid_query"),
            ("jane%0Adoe", "invalid_query"),
            ("%1B%5B31m", "invalid_query"),
            ("%25%27%22%3B--", "empty_query"),
            ("", "empty_query"),
        ];
        for (q, code) in refused {
            let r = h.get("agent1", &format!("/v1/customers?q={q}")).await;
            assert_eq!(error_code(r).await, (400, code.to_owned()), "{q}");
        }
        // SQL and FTS5 syntax are only text: no error, no extra rows, nothing changed.
        for q in [
            "%27%20OR%20%271%27%3D%271",
            "x%27%3B%20DROP%20TABLE%20customers%3B%20--",
            "NEAR(a%20b)%20OR%20*",
            "%22%20OR%20%22%22%3D%22",
            "O%27Brien",
        ] {
            let (_, page) = h.get_ok("agent1", &format!("/v1/customers?q={q}")).await;
            assert!(page["items"].as_array().unwrap().len() <= 25, "{q}");
        }
        let r = h.get("agent1", "/v1/customers?q=a&by=everything").await;
        assert_eq!(error_code(r).await.1, "invalid_parameters");
        let r = h.get("agent1", "/v1/customers?q=a&admin=1").await;
        assert_eq!(
            error_code(r).await.1,
            "invalid_parameters",
            "unknown parameter"
        );
        let r = h.get("agent1", "/v1/customers?q=a&limit=0").await;
        assert_eq!(error_code(r).await.1, "invalid_limit");
        let r = h.get("agent1", "/v1/customers?q=a&cursor=%27%3B--").await;
        assert_eq!(error_code(r).await.1, "invalid_cursor");
        let r = h.get("agent1", "/v1/customers/1%20OR%201=1").await;
        assert_eq!(error_code(r).await.1, "invalid_id");
        let r = h
            .get("agent1", "/v1/customers/1/transactions?from=yesterday")
            .await;
        assert_eq!(error_code(r).await.1, "invalid_date");
        let r = h
            .get("agent1", "/v1/customers/1/transactions?status=all")
            .await;
        assert_eq!(error_code(r).await.1, "invalid_status");
    });
    assert_eq!(totals(&h), before);
    assert_eq!(h.verify().broken, None);
}

#[test]
fn malformed_oversized_and_unexpected_bodies_are_refused() {
    let h = Harness::start();
    let ticket = h.count("SELECT MIN(id) FROM tickets WHERE customer_id = 1");
    let url = format!("{}/v1/tickets/{ticket}/messages", h.base);
    let before = totals(&h);
    let token = h.token("agent1");
    h.block_on(async {
        let post = |body: Vec<u8>, content_type: &'static str| {
            h.http
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let json = "application/json";
        let cases: Vec<(Vec<u8>, &str, u16, &str)> = vec![
            (b"{\"body\": ".to_vec(), json, 400, "malformed_json"),
            (b"[1, 2, 3]".to_vec(), json, 400, "invalid_body"),
            (
                br#"{"body": "hi", "author": "someone-else"}"#.to_vec(),
                json,
                400,
                "invalid_body",
            ),
            (br#"{"body": 42}"#.to_vec(), json, 400, "invalid_body"),
            (br#"{"body": "   "}"#.to_vec(), json, 400, "empty_body"),
            (
                br#"{"body": "bell\u0007"}"#.to_vec(),
                json,
                400,
                "invalid_body",
            ),
            (
                br#"{"body": "hi"}"#.to_vec(),
                "text/plain",
                415,
                "unsupported_media_type",
            ),
            (
                format!(r#"{{"body": "{}"}}"#, "x".repeat(10_001)).into_bytes(),
                json,
                400,
                "body_too_long",
            ),
            (vec![0xff, 0xfe, 0x00], json, 400, "malformed_json"),
        ];
        for (body, content_type, status, code) in cases {
            let r = post(body, content_type).await.unwrap();
            assert_eq!(error_code(r).await, (status, code.to_owned()));
        }

        // Oversized bodies, sent by a client that stops once it is refused (an ordinary client
        // still writing its body may see the connection close before it reads the 413).
        let path = format!("/v1/tickets/{ticket}/messages");
        let head = |length: &str| {
            format!(
                "POST {path} HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {token}\r\n\
                 content-type: application/json\r\n{length}\r\n",
                h.base.trim_start_matches("http://")
            )
        };
        // A declared length over the limit is refused before any of the body is sent.
        let declared = head("content-length: 200000\r\nexpect: 100-continue\r\n");
        assert_eq!(
            raw(&h, &declared, &[]).await,
            (413, "body_too_large".into())
        );
        // A body of undeclared length is cut off once it passes the limit.
        let mut chunked = b"{\"body\": \"".to_vec();
        chunked.resize(64 * 1024 + 1, b'x');
        let mut sent = Vec::new();
        for piece in chunked.chunks(8 * 1024) {
            sent.extend(format!("{:x}\r\n", piece.len()).into_bytes());
            sent.extend(piece);
            sent.extend(b"\r\n");
        }
        let streamed = head("transfer-encoding: chunked\r\n");
        assert_eq!(
            raw(&h, &streamed, &sent).await,
            (413, "body_too_large".into())
        );
    });
    assert_eq!(totals(&h), before);
}

/// Sends `head` (request line and headers, ending with an empty line) and `body` on a new
/// connection, sends nothing more, and reads the answer's status and error code.
async fn raw(h: &Harness, head: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(h.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    // The server may keep the connection open: stop at the end of the answer's JSON body.
    let read = async {
        loop {
            let n = stream.read(&mut buffer).await.unwrap();
            answer.extend(&buffer[..n]);
            let text = String::from_utf8_lossy(&answer);
            if n == 0
                || text
                    .split_once("\r\n\r\n")
                    .is_some_and(|(_, b)| b.ends_with('}'))
            {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("the server answers an oversized body without waiting for it");
    let text = String::from_utf8_lossy(&answer);
    let (head, json) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    (
        status,
        json["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}
