//! One OpenID provider as the app uses it: discovery, the sign-in flow, refresh, revocation.
//!
//! The access token is the API's (desk-server's) and opaque to the app: it may be a JWT for
//! another audience, which the provider's UserInfo endpoint then refuses. The agent's identity
//! comes from the verified ID token; UserInfo only cross-checks it when it accepts the token.

use std::time::Duration;

use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::url::Url;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, reqwest};
use secrecy::{ExposeSecret, SecretString};

use crate::browser::Opener;
use crate::error::error_chain;
use crate::id_token::{Checker, Expected, Identity};
use crate::loopback::{Expect, Listener};
use crate::token::{self, TokenSet};
use crate::{AuthError, discover};

/// What the app is configured with for its provider.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The issuer URL.
    pub issuer: String,
    /// The public client id registered for the app.
    pub client_id: String,
    /// Scopes to request; `openid` is added when missing.
    pub scopes: Vec<String>,
    /// The ID token claim holding the agent's groups or roles.
    pub roles_claim: String,
    /// Clock skew allowed on `exp` and `iat`.
    pub clock_skew: Duration,
    /// How long to wait for the browser to come back.
    pub login_timeout: Duration,
    /// The lock the processes sharing this keychain's sessions take around a refresh (the data
    /// folder's `session.lock`); `None` for a process that is alone with its session.
    pub session_lock: Option<crate::ProcessLock>,
}

/// A discovered provider, ready to sign agents in.
pub struct Provider {
    config: ProviderConfig,
    http: reqwest::Client,
    authorization_url: Url,
    token_url: String,
    userinfo_url: Option<String>,
    revocation_url: Option<String>,
    end_session_url: Option<String>,
    iss_in_response: bool,
    checker: Checker,
}

/// A verified sign-in or refresh: who, and the tokens.
pub(crate) struct Verified {
    pub identity: Identity,
    pub tokens: TokenSet,
}

impl Provider {
    /// Discovers the provider and checks that it can serve a native public client.
    pub async fn connect(config: ProviderConfig) -> Result<Self, AuthError> {
        let meta = discover(&config.issuer).await?;
        let extra = meta.additional_metadata();
        if !extra.code_challenge_methods_supported.is_empty()
            && !extra
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256")
        {
            return Err(AuthError::UnsupportedProvider(
                "it does not support PKCE with S256".into(),
            ));
        }
        let token_url = meta
            .token_endpoint()
            .ok_or_else(|| AuthError::UnsupportedProvider("it has no token endpoint".into()))?
            .url()
            .to_string();
        let advertised: Vec<CoreJwsSigningAlgorithm> =
            meta.id_token_signing_alg_values_supported().to_vec();
        let checker = Checker::new(
            &config.client_id,
            &config.issuer,
            meta.jwks_uri().clone(),
            meta.jwks().clone(),
            &advertised,
            config.clock_skew,
            &config.roles_claim,
        )?;
        Ok(Self {
            http: crate::http::client()?,
            authorization_url: meta.authorization_endpoint().url().clone(),
            token_url,
            userinfo_url: meta.userinfo_endpoint().map(|u| u.url().to_string()),
            revocation_url: extra.revocation_endpoint.clone(),
            end_session_url: extra.end_session_endpoint.clone(),
            iss_in_response: extra.authorization_response_iss_parameter_supported,
            checker,
            config,
        })
    }

    /// The configuration this provider was connected with.
    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    /// Runs the authorization code flow with PKCE through the browser and returns the verified
    /// identity and tokens. Nothing is stored here; the caller stores only what came back.
    pub(crate) async fn sign_in(&self, opener: &Opener) -> Result<Verified, AuthError> {
        let listener = Listener::bind().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let nonce = Nonce::new_random();

        let mut url = self.authorization_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", listener.redirect_uri())
            .append_pair("scope", &self.scope())
            .append_pair("state", state.secret())
            .append_pair("nonce", nonce.secret())
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", challenge.method().as_str());
        let redirect_uri = listener.redirect_uri().to_owned();

        let mut browser = opener.open(url.as_str())?;
        let expect = Expect {
            state: state.secret(),
            issuer: self.iss_in_response.then_some(self.config.issuer.as_str()),
        };
        let waiting = listener.wait(expect, self.config.login_timeout);
        tokio::pin!(waiting);
        let callback = tokio::select! {
            // When both are ready, the listener's verdict is the one that explains the outcome.
            biased;
            result = &mut waiting => result?,
            // A browser command that fails (a BROWSER script that could not log in) ends the
            // attempt now; one that succeeds leaves the listener to receive the response.
            Ok(status) = browser.wait() => {
                if status.success() {
                    waiting.await?
                } else {
                    return Err(AuthError::Browser(format!(
                        "the browser command ended ({status}) before the sign-in completed"
                    )));
                }
            }
        };

        let tokens = token::request(
            &self.http,
            &self.token_url,
            &[
                ("grant_type", "authorization_code"),
                ("code", callback.code.expose_secret()),
                ("redirect_uri", &redirect_uri),
                ("client_id", &self.config.client_id),
                ("code_verifier", verifier.secret()),
            ],
            false,
        )
        .await?;
        let id_token = tokens
            .id_token
            .as_ref()
            .ok_or_else(|| AuthError::IdToken("the provider issued no ID token".into()))?;
        let expected = Expected {
            nonce: Some(&nonce),
            access_token: Some(tokens.access_token.expose_secret()),
            subject: None,
        };
        let identity = self
            .checker
            .check(id_token.expose_secret(), &expected, &self.http)
            .await?;
        self.check_userinfo(&identity, &tokens.access_token).await?;
        Ok(Verified { identity, tokens })
    }

    /// Exchanges a refresh token; the new ID token, when one comes, must be for `subject`.
    pub(crate) async fn refresh(
        &self,
        refresh_token: &SecretString,
        identity: &Identity,
    ) -> Result<Verified, AuthError> {
        let tokens = token::request(
            &self.http,
            &self.token_url,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose_secret()),
                ("client_id", &self.config.client_id),
            ],
            true,
        )
        .await?;
        let identity = match &tokens.id_token {
            Some(id_token) => {
                let expected = Expected {
                    nonce: None,
                    access_token: Some(tokens.access_token.expose_secret()),
                    subject: Some(&identity.subject),
                };
                self.checker
                    .check(id_token.expose_secret(), &expected, &self.http)
                    .await?
            }
            None => identity.clone(),
        };
        Ok(Verified { identity, tokens })
    }

    /// Revokes a refresh token when the provider offers revocation. `Ok(false)`: it does not.
    pub(crate) async fn revoke(&self, refresh_token: &SecretString) -> Result<bool, AuthError> {
        match &self.revocation_url {
            Some(url) => {
                token::revoke(&self.http, url, &self.config.client_id, refresh_token).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The URL that ends the agent's session at the provider (RP-initiated logout), if offered.
    /// It names the client only: an `id_token_hint` would put a token into a URL that browsers,
    /// terminals and logs keep.
    pub fn end_session_url(&self) -> Option<String> {
        let mut url = Url::parse(self.end_session_url.as_deref()?).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id);
        Some(url.into())
    }

    fn scope(&self) -> String {
        let mut scopes = self.config.scopes.clone();
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".into());
        }
        scopes.join(" ")
    }

    /// UserInfo, when the provider has it and accepts the access token, must describe the same
    /// subject (Core 5.3.2).
    ///
    /// An access token issued for an API (an RFC 8707 resource indicator, Entra ID's API scopes,
    /// the test provider's JWT access tokens for desk-server) is not meant for UserInfo, and the
    /// provider answers 401 or 403. That is skipped: the ID token, already verified, names the
    /// agent. Any other failure, and a 200 whose body is malformed or names another subject,
    /// still ends the sign-in.
    async fn check_userinfo(
        &self,
        identity: &Identity,
        access_token: &SecretString,
    ) -> Result<(), AuthError> {
        let Some(url) = &self.userinfo_url else {
            return Ok(());
        };
        let response = self
            .http
            .get(url)
            .bearer_auth(access_token.expose_secret())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| AuthError::UserInfo(error_chain(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            tracing::debug!(
                %status,
                "UserInfo does not accept this access token (one for an API); skipping the check"
            );
            return Ok(());
        }
        if !status.is_success() {
            return Err(AuthError::UserInfo(format!(
                "the endpoint answered {status}"
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| AuthError::UserInfo(error_chain(&e)))?;
        let claims: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| AuthError::UserInfo(format!("malformed: {e}")))?;
        match claims.get("sub").and_then(|s| s.as_str()) {
            Some(sub) if sub == identity.subject => Ok(()),
            _ => Err(AuthError::UserInfo(
                "its subject differs from the ID token's".into(),
            )),
        }
    }
}
