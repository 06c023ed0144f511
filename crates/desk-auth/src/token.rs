//! Requests to the token and revocation endpoints (RFC 6749, RFC 7009) for a public client.

use std::time::{Duration, Instant};

use openidconnect::reqwest;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::AuthError;
use crate::error::error_chain;
use crate::error::printable;

/// What the token endpoint issued. Every token is a secret type.
pub(crate) struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    pub id_token: Option<SecretString>,
    pub expires_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    token_type: String,
    expires_in: Option<u64>,
    refresh_token: Option<SecretString>,
    id_token: Option<SecretString>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    error_description: Option<String>,
}

/// Access tokens without `expires_in` are treated as living this long.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

pub(crate) async fn request(
    http: &reqwest::Client,
    token_url: &str,
    form: &[(&str, &str)],
    refreshing: bool,
) -> Result<TokenSet, AuthError> {
    let response = http
        .post(token_url)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| AuthError::Http(error_chain(&e)))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| AuthError::Http(error_chain(&e)))?;
    if !status.is_success() {
        return Err(match serde_json::from_slice::<ErrorResponse>(&body) {
            // RFC 6749 (5.2) answers a refresh token that is expired, revoked or rotated out
            // with `invalid_grant`; some providers (idpyoidc: "Refresh token inactive") with
            // `invalid_request`. A refresh request is always formed the same way, so on a
            // refresh both mean the session is over.
            Ok(e)
                if refreshing
                    && matches!(e.error.as_str(), "invalid_grant" | "invalid_request") =>
            {
                tracing::warn!(
                    error = %printable(&e.error, 300),
                    description = e.error_description.as_deref().map(|d| printable(d, 300)).unwrap_or_default(),
                    "the provider refused the refresh token: the session has ended"
                );
                AuthError::SessionEnded
            }
            Ok(e) => AuthError::TokenEndpoint {
                error: printable(&e.error, 300),
                description: e.error_description.as_deref().map(|d| printable(d, 300)),
            },
            Err(_) => AuthError::Http(format!("the token endpoint answered {status}")),
        });
    }
    let sent_at = Instant::now();
    let tokens: TokenResponse = serde_json::from_slice(&body)
        .map_err(|e| AuthError::Http(format!("malformed token response: {e}")))?;
    if !tokens.token_type.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Http(format!(
            "unsupported token type `{}`",
            printable(&tokens.token_type, 300)
        )));
    }
    if tokens.access_token.expose_secret().is_empty() {
        return Err(AuthError::Http(
            "the token response has an empty access token".into(),
        ));
    }
    let lifetime = tokens
        .expires_in
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_LIFETIME);
    Ok(TokenSet {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        id_token: tokens.id_token,
        expires_at: sent_at + lifetime,
    })
}

/// RFC 7009 revocation. The provider answers 200 even for unknown tokens.
pub(crate) async fn revoke(
    http: &reqwest::Client,
    revocation_url: &str,
    client_id: &str,
    token: &SecretString,
) -> Result<(), AuthError> {
    let response = http
        .post(revocation_url)
        .form(&[
            ("client_id", client_id),
            ("token", token.expose_secret()),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .map_err(|e| AuthError::Http(error_chain(&e)))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(AuthError::Http(format!(
            "revocation answered {}",
            response.status()
        )))
    }
}
