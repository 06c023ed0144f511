"""The second test OpenID provider for Support Desk: idpyoidc (IdentityPython), configured by the
files beside this one, behind a small WSGI server from the standard library.

  python server.py [--port N] [--host 127.0.0.1] [--refresh-rotation on|off]
                   [--id-token-on-refresh on|off] [--id-token-alg ALG] [--exit-with-stdin]

with the python of the venv scripts/lib.sh's ensure_python_provider makes. Binds to loopback (port
0 = a free one), then prints one JSON line on stdout, as tests/idp/server.mjs does:
  {"issuer":"http://127.0.0.1:PORT","client_id":"support-desk","api_audience":"urn:support-desk:api"}

The provider itself is all configuration: op.json (endpoints, keys, PKCE, tokens, claims),
clients.json (support-desk and another-app, public native clients), users.json and passwd.json (the
people of tests/idp/users.mjs), templates/ (the login page). extensions.py holds the few pieces
op.json names that idpyoidc lacks. This file only carries HTTP requests to idpyoidc's endpoints and
their answers back, and serves what idpyoidc leaves to its host: the JWKS, the login form's target
and the sign-out confirmation pages.

Options for tests: --refresh-rotation off answers a refresh without a new refresh token and keeps
the one used valid (op.json rotates);
--id-token-on-refresh off answers a refresh without an ID token (OpenID Connect Core 12.2 allows
it; op.json issues one);
--id-token-alg signs every client's ID tokens with RS256, PS256, ES256 or EdDSA (keys of each kind
are made at start). Signing keys are made fresh at every start unless DESK_IDP_KEYS_FILE names a
private JWKS to sign with; DESK_IDP_TOKEN_LOG, when set, gets every token response as a JSON line;
--exit-with-stdin ends the provider (and removes those two files) when its stdin closes. These
three behave as at the node provider.
"""

import argparse
import html
import json
import os
import sys
import threading
import traceback
import warnings
from http.cookies import SimpleCookie
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler
from wsgiref.simple_server import WSGIServer
from wsgiref.simple_server import make_server

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # extensions.py, which op.json names
sys.dont_write_bytecode = True  # no __pycache__ in the clone

from idpyoidc.message.oauth2 import ResponseMessage  # noqa: E402
from idpyoidc.message.oidc import AccessTokenRequest  # noqa: E402
from idpyoidc.message.oidc import AuthorizationRequest  # noqa: E402
from idpyoidc.server import Server  # noqa: E402
from idpyoidc.server.configure import OPConfiguration  # noqa: E402
from idpyoidc.server.exception import FailedAuthentication  # noqa: E402
from idpyoidc.server.exception import OnlyForTestingWarning  # noqa: E402
from idpyoidc.server.oidc.token import Token  # noqa: E402

# The login page warns, at every sign-in, that it is for tests only: this is one.
warnings.filterwarnings("ignore", category=OnlyForTestingWarning)

CLIENT_ID = "support-desk"
MAX_BODY = 16 * 1024
HTML = "text/html; charset=utf-8"
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           413: "Content Too Large", 500: "Internal Server Error"}
ALGS = {"RS256", "PS256", "ES256", "EdDSA"}


def load_provider(host, port, rotation, id_token_on_refresh, id_token_alg, keys_file):
    with open(os.path.join(HERE, "op.json")) as f:
        conf = json.load(f)
    with open(os.path.join(HERE, "clients.json")) as f:
        clients = json.load(f)
    rules = conf["authz"]["kwargs"]["grant_config"]["usage_rules"]["refresh_token"]
    if rotation is not None:
        conf["endpoint"]["token"]["kwargs"]["revoke_refresh_on_issue"] = rotation
    if rotation is False:
        # No rotation: a refresh answers without a refresh token, and the one used stays valid.
        rules["supports_minting"] = [t for t in rules["supports_minting"] if t != "refresh_token"]
    if id_token_on_refresh is False:
        rules["supports_minting"] = [t for t in rules["supports_minting"] if t != "id_token"]
    if id_token_alg:
        for client in clients.values():
            client["id_token_signed_response_alg"] = id_token_alg
    if keys_file:
        uri_path = conf["key_conf"]["uri_path"]
        conf["key_conf"] = {"private_path": keys_file, "read_only": True, "uri_path": uri_path}
    server = Server(OPConfiguration(conf, base_path=HERE, domain=host, port=port), cwd=HERE)
    # Static registration: idpyoidc reads no client file itself. Redirect URIs are (base, query).
    server.context.cdb = {
        cid: {**c, "redirect_uris": [tuple(u) for u in c["redirect_uris"]]}
        for cid, c in clients.items()
    }
    return server, conf



def is_refusal(message):
    """Whether idpyoidc answered with an OAuth error rather than a result."""
    return isinstance(message, ResponseMessage) and "error" in message


def refusal(message):
    """An OAuth error response for idpyoidc's error message."""
    status = 401 if message["error"] in ("invalid_client", "invalid_token") else 400
    return Response(status, message.to_json(), "application/json")

class Response:
    def __init__(self, status=200, body=b"", content_type="text/plain; charset=utf-8", headers=()):
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = [("Content-Type", content_type), *headers]

    @staticmethod
    def redirect(location, headers=()):
        return Response(302, b"", headers=[("Location", location), *headers])

    @staticmethod
    def json(status, value):
        return Response(status, json.dumps(value), "application/json")


def page(status, title, body):
    doc = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )
    return Response(status, doc, HTML, [("Cache-Control", "no-store")])


def cookie_headers(specs):
    if isinstance(specs, dict):
        specs = [specs]
    headers = []
    for spec in specs or []:
        jar = SimpleCookie()
        jar[spec["name"]] = spec["value"]
        morsel = jar[spec["name"]]
        morsel["path"] = "/"
        morsel["samesite"] = "Lax"
        morsel["httponly"] = True
        for key in ("max-age", "expires"):
            if key in spec:
                morsel[key] = str(spec[key]).rstrip(";")
        headers.append(("Set-Cookie", morsel.OutputString()))
    return headers


class App:
    def __init__(self, server, token_log):
        self.server = server
        self.context = server.context
        self.token_log = token_log
        self.lock = threading.Lock()  # idpyoidc's state is not made for threads
        self.routes = {}
        for endpoint in server.endpoint.values():
            self.routes["/" + urlsplit(endpoint.full_path).path.lstrip("/")] = endpoint

    def __call__(self, environ, start_response):
        try:
            form = self.read_form(environ)
            if isinstance(form, Response):
                response = form
            else:
                # The body is read before: a slow client does not hold the others up.
                with self.lock:
                    response = self.handle(environ, form)
        except Exception:  # pragma: no cover - what reaches here is a bug worth seeing in stderr
            traceback.print_exc()
            response = Response(500, "internal error")
        start_response(f"{response.status} {REASONS.get(response.status, '')}", response.headers)
        return [response.body]

    @staticmethod
    def read_form(env):
        if env["REQUEST_METHOD"] != "POST":
            return {}
        length = int(env.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return Response(413, "request too large")
        body = env["wsgi.input"].read(length).decode("utf-8", "replace")
        return dict(parse_qsl(body, keep_blank_values=True))

    def handle(self, env, form):
        method = env["REQUEST_METHOD"]
        path = env.get("PATH_INFO", "/")
        query = dict(parse_qsl(env.get("QUERY_STRING", ""), keep_blank_values=True))
        cookies = SimpleCookie(env.get("HTTP_COOKIE", ""))
        http_info = {
            "headers": {
                k[5:].replace("_", "-").lower(): v
                for k, v in env.items()
                if k.startswith("HTTP_") and k != "HTTP_COOKIE"
            },
            "method": method,
            "url": f"{self.context.issuer}{path}",
            "cookie": [{"name": k, "value": m.value} for k, m in cookies.items()],
        }
        if path == "/jwks" and method == "GET":
            return Response.json(200, self.context.keyjar.export_jwks(issuer_id=""))
        if path == "/verify/user" and method == "POST":
            return self.verify_user(form)
        if path == "/session/confirm" and method == "GET":
            return self.confirm_sign_out(query)
        if path == "/session/logout" and method == "POST":
            return self.sign_out(form)
        if path == "/session/ended":
            return page(200, "Signed out", "<p>You are signed out of the test provider.</p>")
        endpoint = self.routes.get(path)
        if endpoint is None:
            return Response(404, "not found")
        return self.service(endpoint, query if method == "GET" else form, http_info)

    def service(self, endpoint, args, http_info):
        """One idpyoidc endpoint: the request parsed, then processed, each step's refusal answered
        as OAuth says (401 for a client or token it does not accept, 400 otherwise)."""
        try:
            request = endpoint.parse_request(args, http_info=http_info)
        except Exception as err:
            return Response.json(400, {"error": "invalid_request", "error_description": str(err)})
        if is_refusal(request):
            # The authorization endpoint's refusals too: shown to the user, not sent to the app.
            return refusal(request)
        try:
            if isinstance(endpoint, Token):
                request = AccessTokenRequest(**request)
            result = endpoint.process_request(request, http_info=http_info)
        except Exception as err:
            return Response.json(400, {"error": "invalid_request", "error_description": str(err)})
        if is_refusal(result):
            return refusal(result)
        if "redirect_location" in result:
            return Response.redirect(result["redirect_location"])
        if "http_response" in result:
            # The login page, when the authorization endpoint needs the user to sign in.
            return Response(200, result["http_response"], HTML, [("Cache-Control", "no-store")])
        return self.reply(endpoint, request, result)

    def reply(self, endpoint, request, result):
        info = endpoint.do_response(request=request, **result)
        headers = [(k, v) for k, v in info["http_headers"] if k.lower() != "content-type"]
        content_type = {k.lower(): v for k, v in info["http_headers"]}.get("content-type", "text/plain")
        headers += cookie_headers(info.get("cookie"))
        placement = info.get("response_placement", endpoint.response_placement)
        error = "error" in result or "error" in result.get("response_args", {})
        if placement == "url":
            return Response.redirect(info["response"], headers)
        status = info.get("response_code", 400 if error else 200)
        if isinstance(endpoint, Token) and status == 200 and self.token_log:
            body = json.loads(info["response"])
            issued = {k: body.get(k) for k in ("access_token", "id_token", "refresh_token")}
            with open(self.token_log, "a") as log:
                log.write(json.dumps(issued) + "\n")
        return Response(status, info["response"], content_type, headers)

    def verify_user(self, form):
        method = self.context.authn_broker.get_method_by_id("user")
        try:
            user = method.verify(**form)
        except (FailedAuthentication, KeyError):
            return page(401, "Sign in refused", '<p role="alert">Unknown user or wrong password.</p>')
        try:
            auth_args = method.unpack_token(form["token"])
        except Exception:
            return page(400, "Sign-in expired", "<p>This sign-in is over. Start again from the app.</p>")
        request = AuthorizationRequest().from_urlencoded(auth_args["query"])
        endpoint = self.server.get_endpoint("authorization")
        session_id = endpoint.create_session(
            request, user, auth_args["authn_class_ref"], auth_args["iat"], method
        )
        result = endpoint.authz_part2(request=request, session_id=session_id)
        if isinstance(result, ResponseMessage) and "error" in result:
            return Response(400, result.to_json(), "application/json")
        return self.reply(endpoint, request, result)

    def confirm_sign_out(self, query):
        sjwt = query.get("sjwt", "")
        body = (
            "<p>Sign out of the Support Desk test provider?</p>"
            '<form method="post" action="/session/logout">'
            f'<input type="hidden" name="sjwt" value="{html.escape(sjwt)}">'
            '<button type="submit">Sign out</button></form>'
        )
        return page(200, "Sign out", body)

    def sign_out(self, form):
        endpoint = self.server.get_endpoint("session")
        try:
            info = endpoint.unpack_signed_jwt(form.get("sjwt", ""))
        except Exception:
            return page(400, "Sign-out expired", "<p>This sign-out attempt is over.</p>")
        endpoint.do_verified_logout(alla=True, **info)
        return Response.redirect(info["redirect_uri"], cookie_headers(endpoint.kill_cookies()))


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    timeout = 10  # seconds a connection may take to send its request

    def log_message(self, *_args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--refresh-rotation", choices=["on", "off"])
    parser.add_argument("--id-token-on-refresh", choices=["on", "off"])
    parser.add_argument("--id-token-alg", choices=sorted(ALGS))
    parser.add_argument("--exit-with-stdin", action="store_true")
    args = parser.parse_args()

    keys_file = os.environ.get("DESK_IDP_KEYS_FILE") or None
    token_log = os.environ.get("DESK_IDP_TOKEN_LOG") or None
    keys_file = keys_file and os.path.abspath(keys_file)
    token_log = token_log and os.path.abspath(token_log)

    # Bind first: the issuer names the port.
    httpd = make_server(
        args.host, args.port, None, server_class=ThreadingServer, handler_class=QuietHandler
    )
    host, port = httpd.server_address[:2]
    rotation = None if args.refresh_rotation is None else args.refresh_rotation == "on"
    id_token_on_refresh = (
        None if args.id_token_on_refresh is None else args.id_token_on_refresh == "on"
    )
    server, conf = load_provider(
        host, port, rotation, id_token_on_refresh, args.id_token_alg, keys_file
    )
    httpd.set_app(App(server, token_log))

    api_audience = conf["token_handler_args"]["token"]["kwargs"]["aud"][0]
    ready = {"issuer": server.context.issuer, "client_id": CLIENT_ID, "api_audience": api_audience}
    print(json.dumps(ready, separators=(",", ":")), flush=True)

    if args.exit_with_stdin:
        def watch_stdin():
            sys.stdin.read()
            for file in (keys_file, token_log):
                if file and os.path.exists(file):
                    os.remove(file)
            os._exit(0)

        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
