//! How the API says no: a status, a stable code, a sentence for a person, and the request's id
//! (added by `request_log`), with which the server's log line for it is found.
//!
//! Codes are part of the API (clients match on them, never on messages). Internal failures are
//! logged with their cause here and answered with a generic reason; token failures all look the
//! same from outside, whatever check refused them.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use desk_api::{ApiCode, ErrorBody};
use serde::de::DeserializeOwned;

use crate::store::StoreError;

/// A refusal or failure, as the API reports it.
#[derive(Debug)]
pub enum ApiError {
    /// No bearer token (`invalid == false`) or a token that failed a check.
    Unauthorized {
        /// Whether a token was presented and refused.
        invalid: bool,
    },
    /// Provisioning (SCIM) withdrew the agent's access: deactivated or deleted, or the token was
    /// issued before that.
    AccessWithdrawn {
        /// The last wipe ordered for the agent, if any.
        wipe_id: Option<i64>,
    },
    /// The agent's policy does not allow this.
    Forbidden,
    /// The agent's role may not search customers by this key.
    SearchKeyNotGranted {
        /// The key the search was read as.
        by: desk_core::SearchKey,
        /// The keys the role may search by.
        granted: Vec<desk_core::SearchKey>,
    },
    /// The record does not exist.
    NotFound(&'static str),
    /// The request is malformed or out of bounds.
    BadRequest {
        /// Stable code.
        code: ApiCode,
        /// What to fix.
        message: String,
    },
    /// Views of an offline upload that break a rule (`invalid_view`): each one named, with
    /// why, in the body's `refused_views`; nothing was recorded.
    RefusedViews {
        /// Every refused view, in the order of the upload.
        views: Vec<desk_api::RefusedView>,
        /// What is wrong with the first of them, for a person.
        message: String,
    },
    /// The agent uploaded more offline views than its rate allows just now.
    TooManyUploads {
        /// Whole seconds until the same upload will be taken (`Retry-After`).
        retry_after_secs: u64,
    },
    /// The agent read more than its read budget allows just now.
    TooManyReads {
        /// Whole seconds until a read will be admitted (`Retry-After`).
        retry_after_secs: u64,
    },
    /// The read would show the agent more customers in an hour than its budget allows, and
    /// the budget blocks.
    TooManyCustomers {
        /// Whole seconds until the customer shown longest ago leaves the hour (`Retry-After`).
        retry_after_secs: u64,
    },
    /// The server holds as many event streams as it may.
    TooManyStreams,
    /// An administrator tried to approve their own role change.
    OwnChange,
    /// The role change was approved or rejected already.
    ChangeDecided,
    /// The client is older than the server's `min_client_version` (or did not say its version).
    UpdateRequired {
        /// The oldest version answered.
        min_version: desk_api::ClientVersion,
    },
    /// The body is larger than the limit.
    TooLarge,
    /// The body is not JSON.
    UnsupportedMediaType,
    /// The identity provider could not be reached to check the token.
    ProviderUnavailable,
    /// The database could not be reached (a lost connection, none free in time); nothing was
    /// committed.
    DatabaseUnavailable,
    /// Something failed on our side; the cause goes to the log only.
    Internal(String),
}

/// How long a client refused an event stream for the server's cap waits before it tries again.
pub const STREAMS_RETRY_AFTER_SECS: u64 = 10;

/// How long a client refused for a database out of reach waits before it tries again: a replica
/// reconnects by itself, and a load balancer sends the retry to another one meanwhile.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 2;

impl ApiError {
    /// A 400 with `code` and `message`.
    pub fn bad(code: ApiCode, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        let (status, code) = match self {
            Self::Unauthorized { .. } => (StatusCode::UNAUTHORIZED, ApiCode::Unauthorized),
            Self::AccessWithdrawn { .. } => (StatusCode::UNAUTHORIZED, ApiCode::AccessWithdrawn),
            Self::Forbidden => (StatusCode::FORBIDDEN, ApiCode::Forbidden),
            Self::SearchKeyNotGranted { .. } => {
                (StatusCode::FORBIDDEN, ApiCode::SearchKeyNotGranted)
            }
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ApiCode::NotFound),
            Self::OwnChange => (StatusCode::FORBIDDEN, ApiCode::OwnChange),
            Self::ChangeDecided => (StatusCode::CONFLICT, ApiCode::ChangeDecided),
            Self::UpdateRequired { .. } => (StatusCode::UPGRADE_REQUIRED, ApiCode::UpdateRequired),
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, *code),
            Self::RefusedViews { .. } => (StatusCode::BAD_REQUEST, ApiCode::InvalidView),
            Self::TooManyUploads { .. } => (StatusCode::TOO_MANY_REQUESTS, ApiCode::TooManyUploads),
            Self::TooManyReads { .. } => (StatusCode::TOO_MANY_REQUESTS, ApiCode::TooManyReads),
            Self::TooManyCustomers { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ApiCode::TooManyCustomers)
            }
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ApiCode::BodyTooLarge),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ApiCode::UnsupportedMediaType,
            ),
            Self::ProviderUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiCode::ProviderUnavailable,
            ),
            Self::TooManyStreams => (StatusCode::SERVICE_UNAVAILABLE, ApiCode::TooManyStreams),
            Self::DatabaseUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiCode::DatabaseUnavailable,
            ),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ApiCode::Internal),
        };
        (status, code.as_str())
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Self::Unauthorized { .. } => "A valid access token is required.".into(),
            Self::AccessWithdrawn { .. } => {
                "Your organisation withdrew your access to Support Desk; \
                                      sign in again once it is given back."
                    .into()
            }
            Self::Forbidden => "Your role does not allow this.".into(),
            Self::SearchKeyNotGranted { by, granted } => {
                let granted: Vec<&str> = granted.iter().map(|k| k.as_str()).collect();
                let allowed = match granted.as_slice() {
                    [] => "by nothing".to_owned(),
                    keys => format!("by {} only", keys.join(", ")),
                };
                format!("Your role may not search customers by {by}; it searches {allowed}.")
            }
            Self::NotFound(what) => format!("No such {what}."),
            Self::OwnChange => "A change that widens what a role sees is approved by another \
                                administrator than the one who proposed it."
                .into(),
            Self::ChangeDecided => "This role change was approved or rejected already.".into(),
            Self::UpdateRequired { min_version } => format!(
                "This version of Support Desk is no longer answered: update it to {min_version} or \
                 later."
            ),
            Self::BadRequest { message, .. } | Self::RefusedViews { message, .. } => {
                message.clone()
            }
            Self::TooManyUploads { retry_after_secs } => format!(
                "Too many offline views uploaded just now; nothing was recorded. Send the same \
                 upload again in {retry_after_secs} s."
            ),
            Self::TooManyReads { retry_after_secs } => format!(
                "You have read more than your role's read budget allows just now; nothing was \
                 read. Try again in {retry_after_secs} s."
            ),
            Self::TooManyCustomers { retry_after_secs } => format!(
                "You have been shown as many customers in the last hour as your role's read \
                 budget allows; customers you read in that hour can still be opened. Others can \
                 be read again in {retry_after_secs} s."
            ),
            Self::TooLarge => "The request body is too large.".into(),
            Self::UnsupportedMediaType => "Send the body as application/json.".into(),
            Self::ProviderUnavailable => {
                "The identity provider cannot be reached; try again shortly.".into()
            }
            Self::TooManyStreams => format!(
                "The server holds as many event streams as it may; connect again in \
                 {STREAMS_RETRY_AFTER_SECS} s."
            ),
            Self::DatabaseUnavailable => format!(
                "The server cannot reach its database just now; nothing was read or changed. \
                 Try again in {DATABASE_RETRY_AFTER_SECS} s."
            ),
            Self::Internal(_) => "Something went wrong on the server; it has been logged.".into(),
        }
    }
}

/// An error answer's code and sentence, left on the response (an extension) so that the request
/// log can write the body again with the request's id in it.
#[derive(Debug, Clone)]
pub(crate) struct ErrorDetail {
    code: &'static str,
    message: String,
    refused_views: Vec<desk_api::RefusedView>,
    wipe_id: Option<i64>,
    min_version: Option<String>,
}

impl ErrorDetail {
    /// The JSON body: `{"error": {"code", "message", "request_id"}}`, the id when there is one,
    /// and `refused_views` when there are any.
    pub(crate) fn body(&self, request_id: Option<&str>) -> Vec<u8> {
        serde_json::to_vec(&ErrorBody {
            error: desk_api::ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                request_id: request_id.map(str::to_owned),
                refused_views: self.refused_views.clone(),
                wipe_id: self.wipe_id,
                min_version: self.min_version.clone(),
            },
        })
        .expect("an error body serializes")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(%cause, "request failed");
        }
        let (status, code) = self.status_and_code();
        let message = self.message();
        let refused_views = match &self {
            Self::RefusedViews { views, .. } => views.clone(),
            _ => Vec::new(),
        };
        let wipe_id = match &self {
            Self::AccessWithdrawn { wipe_id } => *wipe_id,
            _ => None,
        };
        let min_version = match &self {
            Self::UpdateRequired { min_version } => Some(min_version.to_string()),
            _ => None,
        };
        let detail = ErrorDetail {
            code,
            message,
            refused_views,
            wipe_id,
            min_version,
        };
        let body = detail.body(None);
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        response.extensions_mut().insert(detail);
        let retry_after = match self {
            Self::TooManyUploads { retry_after_secs }
            | Self::TooManyReads { retry_after_secs }
            | Self::TooManyCustomers { retry_after_secs } => Some(retry_after_secs),
            Self::TooManyStreams => Some(STREAMS_RETRY_AFTER_SECS),
            Self::DatabaseUnavailable => Some(DATABASE_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        let challenge = match self {
            // RFC 6750 §3: no error code when no token was sent.
            Self::Unauthorized { invalid: false } => Some(r#"Bearer realm="desk-server""#),
            Self::Unauthorized { invalid: true } => {
                Some(r#"Bearer realm="desk-server", error="invalid_token""#)
            }
            Self::AccessWithdrawn { .. } => Some(
                r#"Bearer realm="desk-server", error="invalid_token", error_description="access withdrawn by the organisation's provisioning""#,
            ),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Conflict(_) => Self::ChangeDecided,
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "the database is out of reach");
                Self::DatabaseUnavailable
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Input text must be printable: control characters (except newline and tab in free text) are
/// refused rather than stored or searched for.
pub fn check_printable(text: &str, allow_newlines: bool, code: ApiCode) -> Result<(), ApiError> {
    let bad = text
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r')));
    if bad {
        return Err(ApiError::bad(code, "The text contains control characters."));
    }
    Ok(())
}

/// A JSON body whose every rejection is an [`ApiError`] with a stable code.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    ApiError::bad(ApiCode::InvalidBody, e.body_text())
                }
                JsonRejection::JsonSyntaxError(_) => {
                    ApiError::bad(ApiCode::MalformedJson, "The body is not valid JSON.")
                }
                JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
                other => ApiError::bad(ApiCode::InvalidBody, other.body_text()),
            }),
        }
    }
}

/// Query parameters whose rejection is an [`ApiError`]; unknown parameters are refused by the
/// target types (`deny_unknown_fields`).
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::bad(ApiCode::InvalidParameters, e.body_text()))
    }
}

/// A numeric id in the path; anything else is a 400.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<i64>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_: PathRejection| ApiError::bad(ApiCode::InvalidId, "Ids are whole numbers."))
    }
}
