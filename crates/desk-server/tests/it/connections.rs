//! Connections held to their limits, tried as an attacker would against the real server
//! process: heads trickled a byte at a time, idle keep-alive connections, one address taking
//! every socket, one token opening stream after stream; and an honest agent still answered.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::harness::{Events, Harness, error_code, serve_process, terminate};

/// `desk-server serve` with `env`; the process and its socket address.
fn serve(
    idp: &desk_testkit::TestIdp,
    data: &std::path::Path,
    env: &[(&str, &str)],
) -> (Child, SocketAddr) {
    let (child, base) = serve_process(idp, data, env, Stdio::null());
    let addr = base.trim_start_matches("http://").parse().unwrap();
    (child, addr)
}

/// The test opens a thousand sockets itself: its soft limit on open files goes to the hard one.
fn raise_open_files() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    }
}

/// A connection to `addr` from the loopback address `127.0.0.{from}`.
async fn connect_from(from: u8, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((Ipv4Addr::new(127, 0, 0, from), 0)))
        .unwrap();
    socket.connect(addr).await.unwrap()
}

/// Whether the server has closed `stream`: a read ends (or fails) within `wait`.
async fn closed(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buffer = [0u8; 512];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // An answer (a 408, say) before the close: read on.
            Ok(Ok(_)) => continue,
        }
    }
}

async fn health(addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/v1/health"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    started.elapsed()
}

#[test]
fn heads_trickled_a_byte_at_a_time_are_cut_off_and_honest_requests_still_answered() {
    raise_open_files();
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let (child, addr) = serve(
        &idp,
        data.path(),
        &[("DESK_SERVER_HEADER_READ_TIMEOUT_SECS", "2")],
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // A thousand connections from four addresses (under the per-address limit), each sending
        // a request line and then one header byte every 300 ms: bytes keep coming, the head
        // never ends.
        let mut slow = Vec::new();
        for i in 0..1000u32 {
            let mut stream = connect_from(2 + (i % 4) as u8, addr).await;
            stream
                .write_all(b"GET /v1/health HTTP/1.1\r\nHost: desk\r\nX-Slow: ")
                .await
                .unwrap();
            slow.push(stream);
        }
        let started = Instant::now();
        let mut answered = None;
        while started.elapsed() < Duration::from_secs(4) {
            for stream in &mut slow {
                let _ = stream.write_all(b"a").await;
            }
            if answered.is_none() && started.elapsed() > Duration::from_secs(1) {
                // All thousand are open now, and an honest agent is answered at once.
                answered = Some(health(addr).await);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let answered = answered.unwrap();
        assert!(
            answered < Duration::from_secs(2),
            "answered in {answered:?}"
        );
        let mut open = 0;
        for stream in &mut slow {
            if !closed(stream, Duration::from_millis(50)).await {
                open += 1;
            }
        }
        assert_eq!(open, 0, "every trickled head was cut off after 2 s");
        // And the server is as it was.
        assert!(health(addr).await < Duration::from_secs(2));
    });
    terminate(&child);
}

#[test]
fn idle_connections_close_and_one_address_cannot_take_every_socket() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let (child, addr) = serve(
        &idp,
        data.path(),
        &[
            ("DESK_SERVER_IDLE_TIMEOUT_SECS", "1"),
            ("DESK_SERVER_MAX_CONNECTIONS_PER_ADDRESS", "8"),
        ],
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // A kept-alive connection, once answered and then silent, is closed.
        let mut kept = connect_from(1, addr).await;
        kept.write_all(b"GET /v1/health HTTP/1.1\r\nHost: desk\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0u8; 1024];
        let n = kept.read(&mut answer).await.unwrap();
        assert!(
            answer[..n].starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&answer[..n])
        );
        assert!(
            closed(&mut kept, Duration::from_secs(4)).await,
            "idle for over a second"
        );

        // Eight connections from one address are held; the ninth is closed before it is read,
        // and a request from another address is answered.
        let mut held = Vec::new();
        for _ in 0..8 {
            held.push(connect_from(9, addr).await);
        }
        let mut ninth = connect_from(9, addr).await;
        let _ = ninth
            .write_all(b"GET /v1/health HTTP/1.1\r\nHost: desk\r\n\r\n")
            .await;
        assert!(closed(&mut ninth, Duration::from_secs(2)).await);
        assert!(health(addr).await < Duration::from_secs(2));
        for stream in &mut held {
            assert!(
                !closed(stream, Duration::from_millis(20)).await,
                "within the limit"
            );
        }
        // Once they go, the address may connect again.
        drop(held);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut again = connect_from(9, addr).await;
        again
            .write_all(b"GET /v1/health HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        again.read_to_end(&mut answer).await.unwrap();
        assert!(answer.starts_with(b"HTTP/1.1 200"));
    });
    terminate(&child);
}

#[test]
fn one_agent_holds_a_few_event_streams_and_the_server_a_bounded_number() {
    let h = Harness::start_with(|config| {
        config.max_event_streams_per_agent = 2;
        config.max_event_streams = 3;
    });
    h.block_on(async {
        let mut first = Events::open(&h, "agent1", None).await;
        assert!(
            first.next(Duration::from_secs(5)).await.is_some(),
            "its policy"
        );
        let mut second = Events::open(&h, "agent1", None).await;
        // A third stream of the same agent ends its oldest, and only that one.
        let _third = Events::open(&h, "agent1", None).await;
        assert!(
            first.ends_within(Duration::from_secs(5)).await,
            "the oldest ended"
        );
        assert!(!second.ends_within(Duration::from_millis(300)).await);
        let _other = Events::open(&h, "agent2", None).await;
        // Three are open: a fourth agent's is refused, and says when to come back.
        let response = h
            .http
            .get(format!("{}/v1/events", h.base))
            .bearer_auth(h.token("supervisor"))
            .send()
            .await
            .unwrap();
        let retry = response.headers().get("retry-after").cloned();
        assert_eq!(
            error_code(response).await,
            (503, "too_many_streams".to_owned())
        );
        assert!(retry.is_some());
        // The refusal is audited.
        let denied = h
            .count_async(
                "SELECT COUNT(*) FROM audit WHERE action = 'events.connect' AND outcome = 'denied'",
            )
            .await;
        assert_eq!(denied, 1);
    });
}

/// Told to stop (SIGTERM, as systemd and container runtimes stop it), the server takes no new
/// connection, and a request already begun is still answered before the process ends.
#[test]
fn a_request_in_flight_when_the_server_is_told_to_stop_is_answered() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(async {
        let db = crate::harness::Database::for_processes(data.path()).await;
        desk_server::demo::generate(&*db.store(), &crate::harness::DEMO, |_| {})
            .await
            .unwrap();
        db
    });
    let ticket = runtime.block_on(db.count("SELECT MIN(id) FROM tickets"));
    let (mut child, addr) = serve(&idp, data.path(), &db.env(&[]));
    let token = idp.tokens("agent1").access_token;
    runtime.block_on(async {
        let body = br#"{"body":"Thank you, it is sorted.","internal":false}"#;
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /v1/tickets/{ticket}/messages HTTP/1.1\r\nHost: desk\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body[..10]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        terminate(&child);
        tokio::time::sleep(Duration::from_millis(500)).await;
        // No new connection is served meanwhile.
        let refused = match TcpStream::connect(addr).await {
            Err(_) => true,
            Ok(mut late) => {
                let _ = late
                    .write_all(b"GET /v1/health HTTP/1.1\r\nHost: desk\r\n\r\n")
                    .await;
                closed(&mut late, Duration::from_secs(2)).await
            }
        };
        assert!(refused, "a connection made after the signal is not served");
        // The rest of the body: the request begun before the signal is answered.
        stream.write_all(&body[10..]).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
            .await
            .expect("answered")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    });
    let ended = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            ended.elapsed() < Duration::from_secs(15),
            "the server ended"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
