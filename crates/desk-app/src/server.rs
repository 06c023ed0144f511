//! Talking to desk-server: its base URL, HTTP clients with limits, and its errors.
//!
//! Every request carries the agent's access token as a bearer token, so the server URL must be
//! https (or http on a loopback address, for development), redirects are never followed (a
//! redirect would carry the token elsewhere), and no URL, header or message logged here ever
//! holds a token. Bodies are read with a size limit. Ordinary requests have an overall timeout;
//! the event stream has none, because it stays open, and its reader watches for silence instead.

use std::net::IpAddr;
use std::time::Duration;

use desk_auth::{ExposeSecret, SecretString};
use reqwest::{Response, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::AppError;

/// How long one ordinary request may take, from connecting to the end of the body.
const TIMEOUT: Duration = Duration::from_secs(15);

/// How long the health probe may take.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// How long connecting may take, for the event stream too.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest JSON body accepted from the server.
const MAX_BODY: usize = 1024 * 1024;

/// Longest server message repeated to a person.
const MAX_MESSAGE: usize = 300;

/// The server, as this client reaches it.
pub(crate) struct ServerApi {
    base: Url,
    /// The app's version, sent with every request and named when the server retires it.
    version: String,
    api: reqwest::Client,
    stream: reqwest::Client,
}

impl ServerApi {
    /// Checks the configured URL and builds the clients.
    #[cfg(test)]
    pub(crate) fn new(server_url: Option<&str>) -> Result<Self, AppError> {
        Self::of_device(server_url, None, env!("CARGO_PKG_VERSION"))
    }

    /// Checks the configured URL and builds the clients, naming `device` in `Desk-Device` and
    /// the app's `version` in `Desk-Client-Version` on every request.
    pub(crate) fn of_device(
        server_url: Option<&str>,
        device: Option<&str>,
        version: &str,
    ) -> Result<Self, AppError> {
        let base = check_url(server_url)?;
        let mut headers = reqwest::header::HeaderMap::new();
        // Every request says which version asks, so a server can retire old ones.
        let named = reqwest::header::HeaderValue::from_str(version)
            .map_err(|_| AppError::Internal("the app's version is not a header value".into()))?;
        headers.insert(desk_api::CLIENT_VERSION_HEADER, named);
        if let Some(device) = device {
            let value = reqwest::header::HeaderValue::from_str(device)
                .map_err(|_| AppError::Internal("the device id is not a header value".into()))?;
            headers.insert(desk_api::DEVICE_HEADER, value);
        }
        let build = |builder: reqwest::ClientBuilder| {
            builder
                .default_headers(headers.clone())
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(CONNECT_TIMEOUT)
                .build()
                .map_err(|e| AppError::Internal(format!("cannot build an HTTP client: {e}")))
        };
        Ok(Self {
            base,
            version: version.to_owned(),
            api: build(reqwest::Client::builder().timeout(TIMEOUT))?,
            stream: build(reqwest::Client::builder())?,
        })
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    /// `GET path` as JSON.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        token: SecretString,
    ) -> Result<T, AppError> {
        let url = self.url(path);
        let request = self.api.get(&url).bearer_auth(token.expose_secret());
        self.json(&url, request).await
    }

    /// Whether the server answers `GET /v1/health` (no token is sent): how a client that
    /// went offline learns, cheaply and without a read to audit, that it is back.
    pub(crate) async fn healthy(&self) -> bool {
        let url = self.url("/v1/health");
        match self.api.get(&url).timeout(HEALTH_TIMEOUT).send().await {
            Ok(response) => response.status().is_success(),
            Err(_) => false,
        }
    }

    /// `POST path` with a JSON body, answered as JSON.
    pub(crate) async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: SecretString,
        body: &B,
    ) -> Result<T, AppError> {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    /// `method path` with a JSON body, answered as JSON.
    pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        token: SecretString,
        body: &B,
    ) -> Result<T, AppError> {
        let url = self.url(path);
        let request = self
            .api
            .request(method, &url)
            .bearer_auth(token.expose_secret())
            .json(body);
        self.json(&url, request).await
    }

    /// Opens the event stream: the response once its headers say it is one.
    pub(crate) async fn events(
        &self,
        token: SecretString,
        last_event_id: Option<u64>,
    ) -> Result<Response, AppError> {
        let url = self.url("/v1/events");
        let mut request = self
            .stream
            .get(&url)
            .bearer_auth(token.expose_secret())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .header(reqwest::header::CACHE_CONTROL, "no-cache");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        // Only the headers are bounded in time here; the body is read by the caller, which
        // watches for silence.
        let response = tokio::time::timeout(TIMEOUT, request.send())
            .await
            .map_err(|_| unreachable(&url, "did not answer in time"))?
            .map_err(|e| unreachable(&url, &format!("could not be reached: {}", transport(e))))?;
        let response = check_status(&url, response, &self.version).await?;
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_stream {
            return Err(unreachable(&url, "did not answer with an event stream"));
        }
        Ok(response)
    }

    async fn json<T: DeserializeOwned>(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, AppError> {
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(url, &format!("could not be reached: {}", transport(e))))?;
        let response = check_status(url, response, &self.version).await?;
        let body = read_limited(url, response, MAX_BODY).await?;
        serde_json::from_slice(&body)
            .map_err(|e| unreachable(url, &format!("answered something unusable: {e}")))
    }
}

/// The configured server URL, checked by [`secure_url`].
fn check_url(server_url: Option<&str>) -> Result<Url, AppError> {
    let text = server_url.ok_or_else(|| {
        AppError::Config(
            "no server: set DESK_SERVER_URL or `server_url` in the configuration file".into(),
        )
    })?;
    secure_url("server_url", text, false)
}

/// The URL `text` of the setting `setting`: https, or http for loopback hosts only; no
/// credentials or fragment, and no query unless `query` allows one.
pub(crate) fn secure_url(setting: &str, text: &str, query: bool) -> Result<Url, AppError> {
    let bad = |why: &str| AppError::Config(format!("{setting} `{text}` {why}"));
    let url = Url::parse(text).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    if (url.query().is_some() && !query) || url.fragment().is_some() {
        return Err(bad(if query {
            "must not have a fragment"
        } else {
            "must not have a query or fragment"
        }));
    }
    let Some(host) = url.host_str() else {
        return Err(bad("has no host"));
    };
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match ip.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(bad(
            "is plain http to a host other than this computer; use https",
        )),
        _ => Err(bad("must be https")),
    }
}

/// Passes a success through; turns anything else into the server's error.
async fn check_status(url: &str, response: Response, version: &str) -> Result<Response, AppError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    if status.is_redirection() {
        return Err(unreachable(
            url,
            &format!("redirected the request ({status}), which is never followed"),
        ));
    }
    let header_id = response
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Room for a refusal that names every view of a full offline upload.
    let body = read_limited(url, response, desk_api::MAX_ERROR_BYTES)
        .await
        .ok();
    let detail = body.and_then(|b| serde_json::from_slice::<desk_api::ErrorBody>(&b).ok());
    let (code, message, body_id, refused_views, wipe_id, min_version) = match detail {
        Some(desk_api::ErrorBody { error }) => (
            clean(&error.code, 64),
            clean(&error.message, MAX_MESSAGE),
            error.request_id,
            error.refused_views,
            error.wipe_id,
            error.min_version.map(|v| clean(&v, 32)),
        ),
        None => (
            "unknown".to_owned(),
            status.canonical_reason().unwrap_or("").to_owned(),
            None,
            Vec::new(),
            None,
            None,
        ),
    };
    if status == StatusCode::UPGRADE_REQUIRED && code == desk_api::ApiCode::UpdateRequired.as_str()
    {
        return Err(AppError::UpdateRequired {
            current: version.to_owned(),
            min_version: min_version.unwrap_or_else(|| "a newer one".to_owned()),
        });
    }
    if status == StatusCode::UNAUTHORIZED && code == desk_api::ApiCode::AccessWithdrawn.as_str() {
        return Err(AppError::AccessWithdrawn { wipe_id });
    }
    let request_id = body_id
        .or(header_id)
        .filter(|id| looks_like_a_request_id(id));
    if status.is_server_error() {
        // The server logged the cause under this id: the one thing a person can take to whoever
        // runs it.
        let named = request_id
            .map(|id| format!(" (request {id})"))
            .unwrap_or_default();
        return Err(unreachable(
            url,
            &format!(
                "could not answer ({} {code}): {message}{named}",
                status.as_u16()
            ),
        ));
    }
    Err(AppError::ServerRefused {
        status: status.as_u16(),
        code,
        message,
        request_id,
        refused_views,
    })
}

/// The header desk-server names each request's id in (error bodies repeat it).
const REQUEST_ID: &str = "x-request-id";

/// Whether a request id from the server is one to show: short, and letters, digits and dashes
/// only (desk-server's are UUIDs).
fn looks_like_a_request_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The body, or an error once it grows past `limit` bytes.
async fn read_limited(
    url: &str,
    mut response: Response,
    limit: usize,
) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unreachable(url, &format!("broke off its answer: {}", transport(e))))?
    {
        if body.len() + chunk.len() > limit {
            return Err(unreachable(
                url,
                &format!("answered with more than {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The server could not be reached at `url`. The query is left out of the error: it carries what
/// the agent searched for (an e-mail address, a phone number), which errors and logs must not.
pub(crate) fn unreachable(url: &str, cause: &str) -> AppError {
    AppError::ServerUnreachable {
        url: url.split(['?', '#']).next().unwrap_or(url).to_owned(),
        cause: cause.to_owned(),
    }
}

/// A transport error's causes, without the URL reqwest puts in them (see [`unreachable`]).
pub(crate) fn transport(e: reqwest::Error) -> String {
    chain(&e.without_url())
}

/// Whether this is the server saying the token was not accepted.
pub(crate) fn is_unauthorized(e: &AppError) -> bool {
    matches!(e, AppError::ServerRefused { status, .. } if *status == StatusCode::UNAUTHORIZED.as_u16())
}

/// An error with its causes, which reqwest keeps apart (the top one alone says little).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Server text made safe to print: no control characters (no terminal escapes), bounded length.
pub(crate) fn clean(text: &str, max: usize) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    if text.chars().filter(|c| !c.is_control()).count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn what_the_agent_searched_for_stays_out_of_errors() {
        // Nothing listens on port 9: the request fails in transport, as when the server is down.
        let api = ServerApi::new(Some("http://127.0.0.1:9")).unwrap();
        let err = api
            .get_json::<serde_json::Value>(
                "/v1/customers?q=jane.doe%40example.com",
                SecretString::from("not-a-token".to_owned()),
            )
            .await
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, AppError::ServerUnreachable { .. }), "{text}");
        assert!(text.contains("/v1/customers"), "{text}");
        assert!(
            !text.contains("jane") && !text.contains("not-a-token"),
            "{text}"
        );
    }
    /// A one-shot HTTP server on a free loopback port that answers every request with `status`.
    async fn answering(status: &'static str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let reply =
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        url
    }

    /// A one-shot HTTP server on a free loopback port that answers every request with `status`,
    /// an `x-request-id` and a desk-server error body naming the same id.
    async fn refusing(status: &'static str, code: &'static str) -> String {
        refusing_with(
            status,
            serde_json::json!({ "code": code, "message": "No." }),
        )
        .await
    }

    /// The same, with `error` (an `ErrorBody`'s member) as the body's error.
    async fn refusing_with(status: &'static str, mut error: serde_json::Value) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let id = "0f8c4a52-6a1e-4d3b-9f3e-2d1c0b9a8e7f";
                error["request_id"] = serde_json::json!(id);
                let body = serde_json::json!({ "error": error }).to_string();
                let reply = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n\
                     x-request-id: {id}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        url
    }

    #[tokio::test]
    async fn a_server_error_names_its_request_and_a_refusal_keeps_it_aside() {
        let id = "0f8c4a52-6a1e-4d3b-9f3e-2d1c0b9a8e7f";
        let token = || SecretString::from("not-a-token".to_owned());
        let failing = ServerApi::new(Some(
            &refusing("500 Internal Server Error", "internal").await,
        ))
        .unwrap();
        let err = failing
            .get_json::<serde_json::Value>("/v1/customers/1", token())
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::ServerUnreachable { .. }), "{err}");
        assert!(
            err.to_string().contains(&format!("(request {id})")),
            "{err}"
        );

        let refusing = ServerApi::new(Some(&refusing("403 Forbidden", "forbidden").await)).unwrap();
        let err = refusing
            .get_json::<serde_json::Value>("/v1/customers/1", token())
            .await
            .unwrap_err();
        match &err {
            AppError::ServerRefused {
                status, request_id, ..
            } => {
                assert_eq!(*status, 403);
                assert_eq!(request_id.as_deref(), Some(id));
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.to_string().contains(id), "not in the sentence: {err}");
    }

    /// An upload over the server's rate is an error, never an answer: `upload_views` returns
    /// before `mark_uploaded`, so the queue is kept for the next upload.
    #[tokio::test]
    async fn an_upload_over_the_rate_is_refused_not_taken_as_recorded() {
        let server = ServerApi::new(Some(
            &refusing("429 Too Many Requests", "too_many_uploads").await,
        ))
        .unwrap();
        let body = desk_api::OfflineUpload { views: vec![] };
        let err = server
            .post_json::<_, desk_api::OfflineUploadResult>(
                "/v1/audit/offline",
                SecretString::from("not-a-token".to_owned()),
                &body,
            )
            .await
            .unwrap_err();
        match &err {
            AppError::ServerRefused { status, code, .. } => {
                assert_eq!((*status, code.as_str()), (429, "too_many_uploads"));
            }
            other => panic!("{other:?}"),
        }
        assert!(!is_unauthorized(&err), "no sign-in again for a 429");
    }

    /// A refusal that names every view of a full upload (the largest error body the server
    /// sends) comes through whole, each view as the server named it.
    #[tokio::test]
    async fn a_refusal_naming_every_view_of_a_full_upload_is_read_whole() {
        let named: Vec<serde_json::Value> = (0..desk_api::MAX_OFFLINE_VIEWS)
            .map(|i| {
                serde_json::json!({"index": i, "key": format!("{i:04}{}", "k".repeat(60)), "reason": "outside_window"})
            })
            .collect();
        let error = serde_json::json!({
            "code": "invalid_view", "message": "views[0]: no.", "refused_views": named,
        });
        let server = ServerApi::new(Some(&refusing_with("400 Bad Request", error).await)).unwrap();
        let err = server
            .post_json::<_, desk_api::OfflineUploadResult>(
                "/v1/audit/offline",
                SecretString::from("not-a-token".to_owned()),
                &desk_api::OfflineUpload { views: vec![] },
            )
            .await
            .unwrap_err();
        let AppError::ServerRefused {
            status,
            code,
            refused_views,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!((*status, code.as_str()), (400, "invalid_view"));
        assert_eq!(refused_views.len(), desk_api::MAX_OFFLINE_VIEWS);
        assert_eq!(
            refused_views[499],
            desk_api::RefusedView {
                index: 499,
                key: Some(format!("0499{}", "k".repeat(60))),
                reason: "outside_window".into(),
            }
        );
    }

    #[test]
    fn only_plain_short_request_ids_are_kept() {
        assert!(looks_like_a_request_id(
            "0f8c4a52-6a1e-4d3b-9f3e-2d1c0b9a8e7f"
        ));
        for bad in ["", "id with spaces", "\u{1b}[31m", &"a".repeat(65)] {
            assert!(!looks_like_a_request_id(bad), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn health_is_a_success_status_and_nothing_else() {
        let up = ServerApi::new(Some(&answering("200 OK").await)).unwrap();
        assert!(up.healthy().await);
        let failing = ServerApi::new(Some(&answering("503 Service Unavailable").await)).unwrap();
        assert!(!failing.healthy().await);
        let down = ServerApi::new(Some("http://127.0.0.1:9")).unwrap();
        assert!(!down.healthy().await);
    }

    use crate::ErrorCode;

    #[test]
    fn the_server_url_must_keep_tokens_off_the_network_in_clear() {
        for ok in [
            "https://desk.example.com",
            "https://desk.example.com/base/",
            "http://127.0.0.1:8440",
            "http://[::1]:8440",
            "http://localhost:8440",
        ] {
            assert!(check_url(Some(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "http://desk.example.com",
            "http://10.0.0.1:8440",
            "ftp://desk.example.com",
            "https://user:pw@desk.example.com",
            "https://desk.example.com/?x=1",
            "https://desk.example.com/#x",
            "not a url",
        ] {
            let err = check_url(Some(bad)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Config, "{bad}");
        }
        let err = check_url(None).unwrap_err();
        assert!(err.to_string().contains("DESK_SERVER_URL"), "{err}");
    }

    #[test]
    fn paths_join_the_base_with_one_slash() {
        let api = ServerApi::new(Some("https://desk.example.com/base/")).unwrap();
        assert_eq!(
            api.url("/v1/me/policy"),
            "https://desk.example.com/base/v1/me/policy"
        );
        let api = ServerApi::new(Some("http://127.0.0.1:1")).unwrap();
        assert_eq!(api.url("/v1/events"), "http://127.0.0.1:1/v1/events");
    }

    #[test]
    fn server_text_is_printable_and_bounded() {
        assert_eq!(clean("ok\u{1b}[31m red\n", 100), "ok[31m red");
        assert_eq!(clean("abcdef", 3), "abc…");
    }
}
