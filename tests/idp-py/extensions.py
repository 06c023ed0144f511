"""What op.json names that idpyoidc 5.0.0 does not have itself, each as small as it can be.

- any_loopback_port: an add-on (op.json "add_on") for RFC 8252 section 7.3: a native client's
  loopback redirect URI registered without a port matches the same URI with any port.
- offline_access_without_consent_prompt: an add-on. idpyoidc refuses an authorization request
  whose scope has offline_access unless it also says prompt=consent (OpenID Connect Core 11, read
  strictly); the app asks for offline_access without a prompt, as Okta, Keycloak and the node
  provider take it. Without this add-on in op.json, idpyoidc's own rule holds.
- account_id: the subject is the account name, as at the node provider (session_params.sub_func).
- AccessToken: idpyoidc's JWTToken, with the RFC 9068 header `typ: at+jwt` and its configured
  `aud` (JWTToken keeps that setting but never uses it: the grant's client id is the audience).
"""

from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from cryptojwt import JWT

from idpyoidc.message import oidc
from idpyoidc.server.exception import RedirectURIError
from idpyoidc.server.oauth2 import authorization
from idpyoidc.server.oidc import session
from idpyoidc.server.token.jwt_token import JWTToken

LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")


def _without_port(uri):
    """`uri` without its port when it is an http URI on a loopback IP literal, else None."""
    try:
        part = urlsplit(uri)
        if part.scheme != "http" or part.port is None:
            return None
    except ValueError:
        return None
    host = part.netloc.rsplit(":", 1)[0]
    if host not in LOOPBACK_HOSTS:
        return None
    return urlunsplit(part._replace(netloc=host))


def any_loopback_port(endpoint, **_kwargs):
    """Wraps idpyoidc's redirect URI check (both places that use it), once per process."""
    original = authorization.verify_uri
    if getattr(original, "any_loopback_port", False):
        return

    def verify_uri(context, request, uri_type, client_id=None, endpoint_type="oidc"):
        try:
            return original(context, request, uri_type, client_id, endpoint_type)
        except RedirectURIError:
            uri = request.get(uri_type)
            portless = _without_port(uri) if isinstance(uri, str) else None
            client = context.cdb.get(request.get("client_id", client_id)) or {}
            if not portless or client.get("application_type") != "native":
                raise
        # Checked again as if the app had sent the port-less URI it registered; idpyoidc keeps
        # the URI that was sent, and redirects to it.
        request = request.to_dict() if hasattr(request, "to_dict") else dict(request)
        request[uri_type] = portless
        return original(context, request, uri_type, client_id, endpoint_type)

    verify_uri.any_loopback_port = True
    authorization.verify_uri = verify_uri
    session.verify_uri = verify_uri


class _OfflineAccessRequest(oidc.AuthorizationRequest):
    def verify(self, **kwargs):
        scope = self.get("scope", [])
        if "offline_access" not in scope or "consent" in self.get("prompt", []):
            return super().verify(**kwargs)
        # Checked as if offline_access were not asked for; the scope keeps it (refresh tokens).
        self["scope"] = [s for s in scope if s != "offline_access"]
        try:
            return super().verify(**kwargs)
        finally:
            self["scope"] = scope


def offline_access_without_consent_prompt(endpoint, **_kwargs):
    endpoint["authorization"].request_cls = _OfflineAccessRequest


def account_id(uid, **_kwargs):
    return uid


class AccessToken(JWTToken):
    def __call__(self, session_id="", token_class="", usage_rules=None, profile=None, **payload):
        payload.update({"sid": session_id, "token_class": token_class or self.token_class})
        if self.def_aud:
            payload["aud"] = self.def_aud
        payload = (profile or self.profile)(**payload).to_dict()
        lifetime = (usage_rules or {}).get("expires_in", self.lifetime)
        signer = JWT(
            key_jar=self.upstream_get("attribute", "keyjar"),
            iss=self.issuer,
            lifetime=lifetime,
            sign_alg=self.alg,
        )
        signer.with_jti = True
        return signer.pack(payload, jws_headers={"typ": "at+jwt"})
