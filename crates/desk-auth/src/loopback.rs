//! The loopback redirect listener of RFC 8252: bound to 127.0.0.1 on a port the system picks,
//! it waits for one valid authorization response, answers the browser with a short page, and
//! closes.
//!
//! A request with a missing or wrong `state` is answered with an error page and does not end the
//! wait: anything on this machine can reach the port, and only the real response may count. An
//! `error` response with the right state ends the attempt with the provider's reason. Requests
//! are read with a size and time limit, so a hostile local client cannot hold the listener.

use std::collections::HashMap;
use std::time::Duration;

use openidconnect::url::form_urlencoded;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::AuthError;
use crate::error::printable;

/// The largest request head read from the browser.
const MAX_REQUEST: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What the authorization response carried, once it has passed the checks here.
#[derive(Debug)]
pub struct Callback {
    /// The authorization code.
    pub code: SecretString,
}

/// A bound listener waiting for the authorization response.
pub struct Listener {
    listener: TcpListener,
    redirect_uri: String,
}

/// What the response must match.
pub struct Expect<'a> {
    /// The `state` sent with this attempt.
    pub state: &'a str,
    /// The issuer, when the provider advertises RFC 9207 `iss` in responses.
    pub issuer: Option<&'a str>,
}

impl Listener {
    /// Binds 127.0.0.1 on a free port.
    pub async fn bind() -> Result<Self, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| AuthError::Local(format!("cannot listen on loopback: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::Local(e.to_string()))?
            .port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        })
    }

    /// The redirect URI to send in the authorization request.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits up to `timeout` for the valid authorization response, then closes.
    pub async fn wait(self, expect: Expect<'_>, timeout: Duration) -> Result<Callback, AuthError> {
        tokio::time::timeout(timeout, self.accept_until_valid(&expect))
            .await
            .unwrap_or(Err(AuthError::Timeout(timeout.as_secs())))
    }

    async fn accept_until_valid(&self, expect: &Expect<'_>) -> Result<Callback, AuthError> {
        loop {
            let Ok((mut stream, _)) = self.listener.accept().await else {
                continue;
            };
            let target = match tokio::time::timeout(READ_TIMEOUT, read_target(&mut stream)).await {
                Ok(Some(target)) => target,
                _ => {
                    respond(&mut stream, 400, "That request was not understood.").await;
                    continue;
                }
            };
            match judge(&target, expect) {
                Verdict::Ignore(status, message) => respond(&mut stream, status, message).await,
                Verdict::Done(result) => {
                    let (status, message) = match &result {
                        Ok(_) => (200, "Signed in to Support Desk. You may close this tab."),
                        Err(_) => (400, "Sign-in failed. Return to Support Desk to see why."),
                    };
                    respond(&mut stream, status, message).await;
                    return result;
                }
            }
        }
    }
}

pub(crate) enum Verdict {
    /// Answer and keep waiting.
    Ignore(u16, &'static str),
    /// Answer and end the attempt with this result.
    Done(Result<Callback, AuthError>),
}

pub(crate) fn judge(target: &str, expect: &Expect<'_>) -> Verdict {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        return Verdict::Ignore(404, "Nothing here.");
    }
    let mut params: HashMap<String, String> = HashMap::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        // A repeated parameter is ambiguous; treat the whole response as not ours.
        if params
            .insert(key.into_owned(), value.into_owned())
            .is_some()
        {
            return Verdict::Ignore(400, "This sign-in response is malformed.");
        }
    }
    if params.get("state").map(String::as_str) != Some(expect.state) {
        return Verdict::Ignore(
            400,
            "This sign-in response does not belong to the current attempt.",
        );
    }
    if let Some(issuer) = expect.issuer {
        match params.get("iss") {
            Some(iss) if iss == issuer => {}
            Some(_) => {
                return Verdict::Done(Err(AuthError::BadCallback(
                    "the response names another issuer (RFC 9207 `iss` mismatch)".into(),
                )));
            }
            None => {
                return Verdict::Done(Err(AuthError::BadCallback(
                    "the provider advertises `iss` in responses but this one has none".into(),
                )));
            }
        }
    }
    if let Some(error) = params.get("error") {
        return Verdict::Done(Err(AuthError::Refused {
            error: printable(error, 300),
            description: params.get("error_description").map(|d| printable(d, 300)),
        }));
    }
    match params.remove("code") {
        Some(code) if !code.is_empty() => Verdict::Done(Ok(Callback {
            code: SecretString::from(code),
        })),
        _ => Verdict::Done(Err(AuthError::BadCallback(
            "the response has no code".into(),
        ))),
    }
}

/// Reads the request head and returns the request target of a `GET`.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("GET"), Some(target), Some(version)) if version.starts_with("HTTP/1.") => {
            Some(target.to_owned())
        }
        _ => None,
    }
}

async fn respond(stream: &mut TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Support Desk</title></head>\
         <body style=\"font-family:sans-serif;margin:3rem\"><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\ncache-control: no-store\r\n\
         content-security-policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         referrer-policy: no-referrer\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECT: Expect<'static> = Expect {
        state: "s1",
        issuer: Some("https://idp.example"),
    };

    fn outcome(target: &str) -> Result<Option<String>, String> {
        match judge(target, &EXPECT) {
            Verdict::Ignore(..) => Ok(None),
            Verdict::Done(Ok(cb)) => {
                use secrecy::ExposeSecret;
                Ok(Some(cb.code.expose_secret().to_owned()))
            }
            Verdict::Done(Err(e)) => Err(e.to_string()),
        }
    }

    #[test]
    fn the_valid_response_yields_its_code() {
        let ok = outcome("/callback?code=abc&state=s1&iss=https%3A%2F%2Fidp.example");
        assert_eq!(ok, Ok(Some("abc".into())));
    }

    #[test]
    fn wrong_or_missing_state_is_ignored_and_the_wait_goes_on() {
        for target in [
            "/callback?code=abc&state=other&iss=https%3A%2F%2Fidp.example",
            "/callback?code=abc&iss=https%3A%2F%2Fidp.example",
            "/callback?code=abc&state=s1&state=s1",
            "/favicon.ico",
            "/callback-not?state=s1&code=x",
        ] {
            assert_eq!(outcome(target), Ok(None), "{target}");
        }
    }

    #[test]
    fn rfc9207_issuer_must_be_present_and_equal() {
        let mixed_up = outcome("/callback?code=abc&state=s1&iss=https%3A%2F%2Fevil.example");
        assert!(mixed_up.unwrap_err().contains("another issuer"));
        let missing = outcome("/callback?code=abc&state=s1");
        assert!(missing.unwrap_err().contains("has none"));
    }

    #[test]
    fn an_error_response_ends_the_attempt_with_a_clean_reason() {
        let err = outcome(
            "/callback?error=access_denied&error_description=no%0D%0Athanks&state=s1&iss=https%3A%2F%2Fidp.example",
        )
        .unwrap_err();
        assert!(
            err.contains("access_denied") && err.contains("nothanks"),
            "{err}"
        );
    }

    #[test]
    fn a_response_without_a_code_is_refused() {
        let err = outcome("/callback?state=s1&iss=https%3A%2F%2Fidp.example&code=").unwrap_err();
        assert!(err.contains("no code"), "{err}");
    }
}
