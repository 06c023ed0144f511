//! How the SCIM routes read requests and say no: the provisioning client behind a request
//! ([`ScimClient`]: its token looked up by hash on every request, then its rate), a JSON body
//! ([`ScimBody`]), the service's URL for `meta.location`, and every refusal as a SCIM error body
//! sent as `application/scim+json` ([`Refusal`]), including those axum makes itself (an unknown
//! path, a method a path does not have, a body over the limit: [`scim_shaped`]).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::Value;

use crate::api::State;
use crate::scim::error::{ScimError, ScimType};
use crate::store::StoreError;

/// The media type of every SCIM body (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// What the actor of a provisioning client's acts begins with (`scim:NAME`).
pub const ACTOR_PREFIX: &str = "scim:";

/// Where the SCIM service is, under the server's root.
pub const PREFIX: &str = "/scim/v2";

/// A SCIM refusal as answered: the error, and the headers some refusals carry.
#[derive(Debug)]
pub struct Refusal {
    error: ScimError,
    retry_after: Option<u64>,
    challenge: Option<&'static str>,
}

impl Refusal {
    /// `status` with no `scimType` and `detail`.
    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type: None,
            detail: detail.into(),
        }
        .into()
    }

    /// 404 for a resource that is not there.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::status(
            404,
            format!(
                "No {what} has the id `{}`.",
                crate::scim::error::excerpt(id)
            ),
        )
    }
}

impl From<ScimError> for Refusal {
    fn from(error: ScimError) -> Self {
        Self {
            error,
            retry_after: None,
            challenge: None,
        }
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ScimError {
                status: 409,
                scim_type: Some(ScimType::Uniqueness),
                detail: format!("Another resource has this {what}."),
            }
            .into(),
            StoreError::NotFound(what) => Self::status(404, format!("No such {what}.")),
            // Provisioning clients retry a 503 after `Retry-After` (RFC 7644 §3.12 leaves
            // server errors to HTTP).
            other if other.is_unavailable() => {
                tracing::warn!(cause = %other, "the database is out of reach");
                Self {
                    retry_after: Some(crate::api::error::DATABASE_RETRY_AFTER_SECS),
                    ..Self::status(
                        503,
                        "The server cannot reach its database just now; nothing was changed.",
                    )
                }
            }
            other => {
                tracing::error!(cause = %other, "a SCIM request failed");
                Self::status(
                    500,
                    "Something went wrong on the server; it has been logged.",
                )
            }
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, scim_json(&self.error.body())).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(challenge) = self.challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

/// `body` as an `application/scim+json` answer.
pub fn scim_json(body: &Value) -> ([(header::HeaderName, &'static str); 1], String) {
    ([(header::CONTENT_TYPE, SCIM_JSON)], body.to_string())
}

/// The provisioning client a request comes from: its token's name.
#[derive(Debug, Clone)]
pub struct ScimClient {
    /// The name the token was made with.
    pub name: String,
}

impl ScimClient {
    /// The actor its audit entries (and the wipes it orders) name.
    pub fn actor(&self) -> String {
        format!("{ACTOR_PREFIX}{}", self.name)
    }
}

impl FromRequestParts<State> for ScimClient {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, server: &State) -> Result<Self, Refusal> {
        let refused = |presented: bool| Refusal {
            error: ScimError {
                status: 401,
                scim_type: None,
                detail: "A provisioning token is required (made by `desk-server scim token \
                         create`); an agent's access token does not open /scim/v2."
                    .into(),
            },
            retry_after: None,
            challenge: Some(if presented {
                r#"Bearer realm="desk-server SCIM", error="invalid_token""#
            } else {
                r#"Bearer realm="desk-server SCIM""#
            }),
        };
        let value = parts.headers.get(header::AUTHORIZATION);
        let Some(value) = value else {
            return Err(refused(false));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, t)| scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty())
            .map(|(_, t)| SecretString::from(t.trim().to_owned()))
            .ok_or_else(|| refused(true))?;
        let hash = crate::scim::tokens::hash(&token);
        let Some(name) = server.store.scim_token_named(&hash).await? else {
            tracing::info!("a SCIM request with an unknown token refused");
            return Err(refused(true));
        };
        if let Err(wait) = server.scim_rate.take(&name, 1, Instant::now()) {
            let secs = (wait.as_secs_f64().ceil() as u64).max(1);
            return Err(Refusal {
                error: ScimError {
                    status: 429,
                    scim_type: None,
                    detail: format!(
                        "Too many requests from this provisioning client just now; try again in \
                         {secs} s."
                    ),
                },
                retry_after: Some(secs),
                challenge: None,
            });
        }
        Ok(Self { name })
    }
}

/// A request's JSON body, sent as `application/scim+json` or `application/json` (or with no
/// type): anything else is 415, what is not JSON 400 `invalidSyntax`.
pub struct ScimBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for ScimBody {
    type Rejection = Refusal;

    async fn from_request(request: Request, state: &S) -> Result<Self, Refusal> {
        let json_like = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| {
                let v = v.to_str().unwrap_or_default();
                let essence = v.split(';').next().unwrap_or_default().trim();
                essence.eq_ignore_ascii_case(SCIM_JSON)
                    || essence.eq_ignore_ascii_case("application/json")
            })
            .unwrap_or(true);
        if !json_like {
            return Err(Refusal::status(
                415,
                "Send the body as application/scim+json.",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| Refusal::status(e.status().as_u16(), "The body could not be read."))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            ScimError::bad_request(
                ScimType::InvalidSyntax,
                format!("The body is not JSON: {e}."),
            )
        })?;
        Ok(Self(value))
    }
}

/// The service's URL as the client reached it (`http://HOST/scim/v2`, `https` when a proxy in
/// front says so in `X-Forwarded-Proto`), for `meta.location` and `Location`.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|p| p.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}{PREFIX}", if https { "https" } else { "http" })
}

/// Gives every answer under `/scim/v2` that is an error without a SCIM body one (axum's own 404,
/// 405 and 413 among them), keeping its status and headers.
pub async fn scim_shaped(response: Response) -> Response {
    let status = response.status();
    let is_scim = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(SCIM_JSON.as_bytes()));
    if is_scim || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let detail = match status {
        StatusCode::NOT_FOUND => "No such endpoint under /scim/v2.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            "This endpoint does not take that method (the discovery endpoints are read-only)."
                .to_owned()
        }
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.".to_owned(),
        other => other
            .canonical_reason()
            .unwrap_or("The request was refused.")
            .to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let refusal = Refusal::status(status.as_u16(), detail).into_response();
    let (new_parts, body) = refusal.into_parts();
    for (name, value) in &new_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, body)
}
