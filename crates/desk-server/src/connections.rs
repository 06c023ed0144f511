//! The accept loop in front of the router: HTTP/1.1 connections held to limits, so that slow or
//! greedy clients cannot hold the server's sockets.
//!
//! - A request head must be complete within `header_read_timeout_secs` of the connection opening
//!   (of its first byte, for later requests on a kept-alive connection): hyper's deadline, which
//!   does not restart when another byte trickles in, so sending a header a byte at a time does not
//!   keep a connection.
//! - A connection with no request in flight and no byte read or written for `idle_timeout_secs`
//!   is closed (an event stream is a request in flight, and its keep-alive comments flow).
//! - At most `max_connections_per_address` connections from one client address and
//!   `max_connections` in all: a connection beyond either is closed as soon as it is accepted,
//!   before anything is read, so one address cannot take the sockets honest agents need while
//!   agents behind one office's address still fit.
//! - On shutdown, connections finish the request in flight and close; one still open after
//!   [`CLOSE_GRACE`] is dropped.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// How long a closing connection may take to finish its response before it is dropped.
pub const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// The limits connections are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From the connection opening (or a later request's first byte) to its head complete.
    pub header_read_timeout: Duration,
    /// No request in flight and no byte moved for this long: closed.
    pub idle_timeout: Duration,
    /// Connections open at once, from all addresses.
    pub max_connections: usize,
    /// Connections open at once from one client address.
    pub max_per_address: usize,
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then closes the
/// listener and lets the open connections finish (each at most [`CLOSE_GRACE`] after it is told
/// to close).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let open = Arc::new(Open::default());
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut failing_accept = false;
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                failing_accept = false;
                accepted
            }
            Err(e) => {
                // Out of file descriptors and the like: said once, tried again shortly.
                if !failing_accept {
                    tracing::error!(error = %e, "cannot accept connections");
                }
                failing_accept = true;
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = Open::admit(&open, peer.ip(), &limits) else {
            // Closed before anything is read: the peer sees its connection reset or ended.
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            app.clone(),
            limits,
            stopping.clone(),
            slot,
        ));
    }
    // Closed at once, so that new connections are refused (a load balancer sends them to another
    // replica) rather than left waiting in the backlog while the open ones finish.
    drop(listener);
    let _ = stop.send(true);
    open.all_closed().await;
    Ok(())
}

/// The connections open, in all and per address.
#[derive(Default)]
struct Open {
    total: AtomicUsize,
    by_address: Mutex<HashMap<IpAddr, usize>>,
    closed: Notify,
}

impl Open {
    /// A slot for a connection from `address`, or `None` over a limit.
    fn admit(open: &Arc<Self>, address: IpAddr, limits: &Limits) -> Option<Slot> {
        let mut by_address = open.by_address.lock().unwrap_or_else(|e| e.into_inner());
        let from = by_address.entry(address).or_insert(0);
        if *from >= limits.max_per_address
            || open.total.load(Ordering::Relaxed) >= limits.max_connections
        {
            if *from == 0 {
                by_address.remove(&address);
            }
            tracing::debug!(%address, "connection refused: over the connection limits");
            return None;
        }
        *from += 1;
        open.total.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            open: open.clone(),
            address,
        })
    }

    async fn all_closed(&self) {
        loop {
            let closed = self.closed.notified();
            if self.total.load(Ordering::Relaxed) == 0 {
                return;
            }
            closed.await;
        }
    }
}

/// One admitted connection; gives its place back when dropped.
struct Slot {
    open: Arc<Open>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut by_address = self
            .open
            .by_address
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(from) = by_address.get_mut(&self.address) {
            *from -= 1;
            if *from == 0 {
                by_address.remove(&self.address);
            }
        }
        self.open.total.fetch_sub(1, Ordering::Relaxed);
        self.open.closed.notify_waiters();
    }
}

/// What a connection has been doing: when a byte last moved, and how many requests are in
/// flight (from the request's arrival to its response body's end).
#[derive(Default)]
struct Activity {
    /// Milliseconds since `start` when a byte was last read or written.
    last: AtomicU64,
    in_flight: AtomicUsize,
}

/// Serves one connection until it ends, is idle too long or the server stops.
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
    _slot: Slot,
) {
    let start = Instant::now();
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
        start,
    });
    let counted = activity.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let guard = InFlight::new(counted.clone());
        let mut app = app.clone();
        async move {
            let response = tower_service::Service::call(&mut app, request.map(Body::new)).await?;
            Ok::<_, std::convert::Infallible>(response.map(|body| {
                Body::new(Guarded {
                    body,
                    _guard: guard,
                })
            }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut closing: Option<Instant> = None;
    let check = (limits.idle_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
    loop {
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            _ = stopping.changed(), if closing.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now());
            }
            () = tokio::time::sleep(check) => {
                if let Some(since) = closing {
                    if since.elapsed() > CLOSE_GRACE {
                        return;
                    }
                    continue;
                }
                let idle_for = start.elapsed().saturating_sub(Duration::from_millis(
                    activity.last.load(Ordering::Relaxed),
                ));
                if activity.in_flight.load(Ordering::Relaxed) == 0 && idle_for >= limits.idle_timeout {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now());
                }
            }
        }
    }
}

/// A request in flight, until its response body ends or is dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that holds its request's place in flight.
struct Guarded {
    body: Body,
    _guard: InFlight,
}

impl http_body::Body for Guarded {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The socket, noting when a byte last moved.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
    start: Instant,
}

impl Watched {
    fn moved(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.activity.last.store(now, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.moved();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
