//! HTTP/1.1 over one TCP connection per client, straight on hyper: no pool, no retries, nothing
//! between the benchmark and the socket but what every client needs.

use std::time::Duration;

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long a single request of [`Target::call`] may take, connecting included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The sending half of one connection.
pub type Sender = SendRequest<Full<Bytes>>;

/// The server under test: a plain `http://` URL, optionally with a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// `host:port`, for the `Host` header.
    pub authority: String,
    /// Path prefix without a trailing slash (usually empty).
    pub prefix: String,
}

impl Target {
    /// Parses `http://host[:port][/prefix]`. Only plain HTTP: the benchmark talks to a server on
    /// this machine, and TLS would measure the TLS library.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let uri: Uri = url
            .parse()
            .with_context(|| format!("`{url}` is not a URL"))?;
        if uri.scheme_str() != Some("http") {
            bail!("`{url}`: only http:// URLs are supported");
        }
        let Some(authority) = uri.authority() else {
            bail!("`{url}` names no host");
        };
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = authority.port_u16().unwrap_or(80);
        Ok(Self {
            host,
            port,
            authority: authority.as_str().to_owned(),
            prefix: uri.path().trim_end_matches('/').to_owned(),
        })
    }

    /// A request for `path` (which starts with `/`) on this server.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&HeaderValue>,
        json: Option<Vec<u8>>,
    ) -> Request<Full<Bytes>> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.prefix))
            .header(HOST, &self.authority);
        if let Some(bearer) = bearer {
            builder = builder.header(AUTHORIZATION, bearer);
        }
        let body = match json {
            Some(json) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                Bytes::from(json)
            }
            None => Bytes::new(),
        };
        builder
            .body(Full::new(body))
            .expect("a request of known-good parts")
    }

    /// Opens one keep-alive connection.
    pub async fn connect(&self) -> anyhow::Result<Sender> {
        let connecting = TcpStream::connect((self.host.as_str(), self.port));
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| anyhow::anyhow!("connecting to {}: timed out", self.authority))?
            .with_context(|| format!("connecting to {}", self.authority))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the connection closes; an error there surfaces on the next request.
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends one request on a connection of its own and reads the whole answer, within
    /// [`CALL_TIMEOUT`].
    pub async fn call(&self, request: Request<Full<Bytes>>) -> anyhow::Result<(StatusCode, Bytes)> {
        let what = format!("{} {}", request.method(), request.uri());
        let exchange = async {
            let mut sender = self.connect().await?;
            let response = send(&mut sender, request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        };
        tokio::time::timeout(CALL_TIMEOUT, exchange)
            .await
            .map_err(|_| anyhow::anyhow!("{what}: no answer within {} s", CALL_TIMEOUT.as_secs()))?
    }

    /// [`Target::call`], expecting a 2xx answer with a JSON body.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: Request<Full<Bytes>>,
    ) -> anyhow::Result<T> {
        let what = format!("{} {}", request.method(), request.uri());
        let (status, body) = self.call(request).await.context(what.clone())?;
        if !status.is_success() {
            bail!(
                "{what} answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(500)])
            );
        }
        serde_json::from_slice(&body).with_context(|| format!("{what}: unexpected answer"))
    }
}

/// Sends `request` once `sender`'s connection is ready for it.
pub async fn send(
    sender: &mut Sender,
    request: Request<Full<Bytes>>,
) -> Result<Response<Incoming>, hyper::Error> {
    sender.ready().await?;
    sender.send_request(request).await
}

/// `Bearer <token>` as a header value that is never shown (hyper leaves it out of debug output).
pub fn bearer(token: &str) -> anyhow::Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| anyhow::anyhow!("the token is not a valid header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The access token in environment variable `name`; its value is never printed.
pub fn token_from_env(name: &str) -> anyhow::Result<HeaderValue> {
    match std::env::var(name) {
        Ok(token) if !token.trim().is_empty() => bearer(token.trim()),
        _ => bail!("set {name} to an access token (it is read from the environment only)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_plain_http_only() {
        let t = Target::parse("http://127.0.0.1:8440").unwrap();
        assert_eq!(
            t,
            Target {
                host: "127.0.0.1".into(),
                port: 8440,
                authority: "127.0.0.1:8440".into(),
                prefix: String::new(),
            }
        );
        let t = Target::parse("http://[::1]:9/desk/").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.prefix.as_str()),
            ("::1", 9, "/desk")
        );
        assert_eq!(Target::parse("http://localhost").unwrap().port, 80);
        assert!(Target::parse("https://example.com").is_err());
        assert!(Target::parse("127.0.0.1:8440").is_err());
        let request = t.request(Method::GET, "/v1/health", None, None);
        assert_eq!(request.uri(), "/desk/v1/health");
        assert_eq!(request.headers()[HOST], "[::1]:9");
    }

    #[test]
    fn bearer_values_are_sensitive() {
        let value = bearer("abc").unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("abc"));
        assert!(bearer("a\nb").is_err());
    }
}
