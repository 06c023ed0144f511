//! Finding the identity provider: issuer checks and the OpenID discovery document.

use std::net::IpAddr;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::url::{Host, Url};
use openidconnect::{AdditionalProviderMetadata, IssuerUrl};
use serde::{Deserialize, Serialize};

use crate::AuthError;
use crate::error::error_chain;

/// Discovery fields beyond OpenID Connect Discovery 1.0 that a native client relies on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraMetadata {
    /// PKCE methods (RFC 8414); a provider that does not list `S256` may still support it.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// RFC 9207: when true, authorization responses carry `iss`, and it must be checked.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// Token revocation (RFC 7009), if offered.
    pub revocation_endpoint: Option<String>,
    /// RP-initiated logout, if offered.
    pub end_session_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

/// The provider's published metadata (endpoints, keys location, supported algorithms).
pub type ProviderMetadata = openidconnect::ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Checks that `issuer` is one we may talk to: an absolute https URL, or http only when the host
/// is this machine (a development provider), and without credentials, query or fragment.
pub fn check_issuer(issuer: &str) -> Result<Url, AuthError> {
    let refuse = |reason| AuthError::InvalidIssuer {
        issuer: issuer.chars().take(200).collect(),
        reason,
    };
    let url = Url::parse(issuer).map_err(|_| refuse("not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("it must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(refuse(
            "plain http is allowed only for a provider on this machine",
        )),
        _ => Err(refuse("the scheme must be https")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Fetches and checks the discovery document of `issuer` (OpenID Connect Discovery 1.0): the
/// document must name exactly this issuer. Redirects are not followed.
pub async fn discover(issuer: &str) -> Result<ProviderMetadata, AuthError> {
    check_issuer(issuer)?;
    let failed = |reason: String| AuthError::Discovery {
        issuer: issuer.to_owned(),
        reason,
    };
    let http = crate::http::client()?;
    let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(|e| failed(e.to_string()))?;
    // The library compares the document's `issuer` with ours and refuses a mismatch.
    ProviderMetadata::discover_async(issuer_url, &http)
        .await
        .map_err(|e| failed(error_chain(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_issuers_are_accepted() {
        assert!(check_issuer("https://login.example.com").is_ok());
        assert!(check_issuer("https://example.okta.com/oauth2/default").is_ok());
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:9000",
        ] {
            assert!(check_issuer(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://login.example.com",
            "http://10.0.0.1",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
        ] {
            assert!(check_issuer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_issuers_are_refused_with_a_reason() {
        for bad in [
            "",
            "login.example.com",
            "ftp://login.example.com",
            "https://user:pw@login.example.com",
            "https://login.example.com/?tenant=1",
            "https://login.example.com/#x",
            "javascript:alert(1)",
        ] {
            let err = check_issuer(bad).unwrap_err();
            assert!(
                matches!(err, AuthError::InvalidIssuer { .. }),
                "{bad}: {err}"
            );
        }
    }
}
