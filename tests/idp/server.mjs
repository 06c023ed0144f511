// The test OpenID provider for Support Desk, built on `oidc-provider` (a certified implementation).
//
//   node server.mjs [--port N] [--host 127.0.0.1] [--api-audience URI] [--test-controls]
//
// Binds to loopback (port 0 = a free one), then prints one JSON line on stdout:
//   {"issuer":"http://127.0.0.1:PORT","client_id":"support-desk","api_audience":"urn:support-desk:api"}
// Tests and the demo read that line to learn where it is. Signing keys are made fresh at every
// start and never written anywhere, unless DESK_IDP_KEYS_FILE names a private JWKS
// (`{"keys":[…]}`) to sign with instead: tests that forge tokens with the provider's own key
// (desk-testkit) hand it the keys that way. When DESK_IDP_TOKEN_LOG names a file, every token
// response (access, ID and refresh token) is appended to it as one JSON line, so a test can look
// for each token the app was given in what the app wrote (desk-testkit's `TestIdp::issued`).
//
// With --test-controls, `POST /test-controls/rotate-keys` replaces every signing key with fresh
// ones at once: the old keys leave the published JWKS, tokens are signed with the new ones from
// then on (and DESK_IDP_KEYS_FILE, when set, is rewritten with them), and sessions, grants and
// refresh tokens stay. It answers {"withdrawn": [kid…], "keys": [kid…]}. Tests of what desk-server
// does with a key the provider withdrew use it (desk-testkit's `TestIdp::rotate_keys`).
//
// What it offers the app (a public native client, RFC 8252): authorization code with PKCE S256
// required, loopback redirect on any port, refresh tokens (rotated on use), revocation (RFC 7009),
// RP-initiated logout, RFC 9207 `iss` in authorization responses, and a `groups` claim in the ID
// token. A second client, `another-app`, registered the same way, stands for another application
// at the same provider: its access tokens are for the same API and name it in `client_id`. Its login and consent pages are plain HTML forms, so a script can complete them
// (see login.mjs) and tests need no browser.
//
// Access tokens are for desk-server, the API: JWTs (RFC 9068, header `typ: at+jwt`) signed RS256
// with the provider's RSA key, `aud` = the API audience, carrying the user's `groups` and their
// `preferred_username` (the account name, as Entra ID's v2 access tokens carry it). Resource
// indicators (RFC 8707) are on and a request without `resource` is for the API by default, so the
// app sends no provider-specific parameter. As with Entra ID's API tokens, the provider's own
// UserInfo endpoint refuses such a token (401 invalid_token).
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';
// The package's own in-memory store, made once per start() so that a rotation's new instance
// keeps the sessions, grants and tokens of the one it replaces (each instance makes its own
// otherwise). The package has no export map, and the version is pinned by package-lock.json.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

import { interactionRoutes } from './interactions.mjs';
import { freshSigningKeys } from './sign.mjs';
import { findUser } from './users.mjs';

export const CLIENT_ID = 'support-desk';
/** Another application at the provider, whose access tokens desk-server must refuse. */
export const OTHER_CLIENT_ID = 'another-app';
/** The resource indicator, and so the access tokens' `aud`, of desk-server's API by default. */
export const API_AUDIENCE = 'urn:support-desk:api';

/** The keys of DESK_IDP_KEYS_FILE when set (a private JWKS), otherwise fresh ones. */
function signingKeys() {
  const file = process.env.DESK_IDP_KEYS_FILE;
  if (!file) return freshSigningKeys();
  const { keys } = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(keys) || !keys.some((k) => k.kty === 'RSA' && k.d)) {
    throw new Error(`DESK_IDP_KEYS_FILE ${file}: not a private JWKS with an RSA key`);
  }
  return keys;
}

/**
 * The provider's configuration: signing with the private JWKS `keys`, its cookies signed with
 * `cookieKeys` and its state kept by `adapter` (both kept across a rotation of the signing keys,
 * so sessions and sign-ins under way go on).
 */
export function configuration({
  apiAudience = API_AUDIENCE,
  keys = signingKeys(),
  cookieKeys = [randomBytes(32).toString('base64url')],
  adapter = createMemoryAdapter(),
} = {}) {
  return {
    adapter,
    clients: [CLIENT_ID, OTHER_CLIENT_ID].map((clientId) => ({
      client_id: clientId,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A native client's loopback redirect matches whatever port the app listens on.
      redirect_uris: ['http://127.0.0.1/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
    })),
    jwks: { keys },
    cookies: { keys: cookieKeys },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      // groups come with `profile` too, as Keycloak and Entra ID send them without a scope of
      // their own; the `groups` scope is there for clients configured the Okta way.
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Put the requested claims in the ID token too, as Okta, Entra ID and Keycloak do for groups.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      const user = findUser(id);
      if (!user) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            name: user.name,
            preferred_username: id,
            email: user.email,
            email_verified: true,
            groups: user.groups,
          };
        },
      };
    },
    pkce: { required: () => true },
    // A desktop app holds its session through the refresh token, not a browser cookie.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Grant: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // No `resource` in the authorization request: the grant is for the API.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? apiAudience,
        // At the token endpoint (code and refresh), keep issuing for the granted API rather than
        // falling back to an opaque token for UserInfo, oidc-provider's default with `openid`.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resource) {
          if (resource !== apiAudience) throw new errors.InvalidTarget();
          // The API has no scopes of its own (empty `scope`): the token carries no `scope` claim;
          // what an agent may do comes from `groups`.
          return { audience: apiAudience, scope: '', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
        },
      },
    },
    // The user's groups in every access token issued to a user (desk-server maps them to roles),
    // and their username as `preferred_username`, as Entra ID's v2 access tokens carry it (what
    // desk-server links a provisioned SCIM user to, by `scim_user_claim`).
    async extraTokenClaims(_ctx, token) {
      if (!token.accountId) return undefined;
      return {
        groups: findUser(token.accountId)?.groups ?? [],
        preferred_username: token.accountId,
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  };
}

/**
 * Starts the provider on `host:port`; resolves to { issuer, apiAudience, provider, rotateKeys(),
 * close() }. With `tokenLog`, each token response is appended to that file; with `testControls`,
 * the rotation is also offered over HTTP (see the top of this file).
 */
export async function start({
  host = '127.0.0.1',
  port = 0,
  apiAudience = API_AUDIENCE,
  tokenLog = undefined,
  testControls = false,
} = {}) {
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const issuer = `http://${hostPart}:${address.port}`;

  const cookieKeys = [randomBytes(32).toString('base64url')];
  const adapter = createMemoryAdapter();
  // One provider for a set of signing keys; a rotation puts a new one in its place, sharing the
  // cookie keys and the store of sessions, grants and tokens.
  const open = (keys) => {
    const provider = new Provider(issuer, configuration({ apiAudience, keys, cookieKeys, adapter }));
    const interactions = interactionRoutes(provider);
    if (tokenLog) {
      provider.on('grant.success', (ctx) => {
        const { access_token, id_token, refresh_token } = ctx.body ?? {};
        appendFileSync(tokenLog, `${JSON.stringify({ access_token, id_token, refresh_token })}\n`);
      });
    }
    return { keys, provider, interactions, oidc: provider.callback() };
  };
  // Read once, as the keys are: a rotation rewrites the file the provider started with.
  const keysFile = process.env.DESK_IDP_KEYS_FILE;
  let current;
  try {
    current = open(signingKeys());
  } catch (err) {
    // A listening socket would keep the calling process alive: a test run would hang, not fail.
    server.close();
    throw err;
  }
  const rotateKeys = () => {
    const withdrawn = current.keys.map((k) => k.kid);
    const next = open(freshSigningKeys());
    if (keysFile) writeFileSync(keysFile, `${JSON.stringify({ keys: next.keys })}\n`);
    current = next;
    return { withdrawn, keys: next.keys.map((k) => k.kid) };
  };
  handler = async (req, res) => {
    try {
      if (testControls && req.url === '/test-controls/rotate-keys') {
        const ok = req.method === 'POST';
        res.writeHead(ok ? 200 : 405, { 'content-type': 'application/json' });
        res.end(ok ? JSON.stringify(rotateKeys()) : '{}');
        return;
      }
      const { interactions, oidc } = current;
      if (!(await interactions(req, res))) oidc(req, res);
    } catch (err) {
      console.error('test idp:', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  };
  return {
    issuer,
    apiAudience,
    get provider() {
      return current.provider;
    },
    rotateKeys,
    // Clients with keep-alive connections (an app under test) must not keep the provider up.
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-audience': { type: 'string', default: API_AUDIENCE },
      // POST /test-controls/rotate-keys (see the top of this file).
      'test-controls': { type: 'boolean', default: false },
      // For a parent that may never stop it (a test process sharing one provider across tests):
      // exit, and remove the keys file and token log it was given, when the parent closes our
      // stdin.
      'exit-with-stdin': { type: 'boolean', default: false },
    },
  });
  const { issuer, apiAudience } = await start({
    host: values.host,
    port: Number(values.port),
    apiAudience: values['api-audience'],
    tokenLog: process.env.DESK_IDP_TOKEN_LOG,
    testControls: values['test-controls'],
  });
  process.stdout.write(`${JSON.stringify({ issuer, client_id: CLIENT_ID, api_audience: apiAudience })}\n`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
  if (values['exit-with-stdin']) {
    process.stdin.on('end', () => {
      for (const file of [process.env.DESK_IDP_KEYS_FILE, process.env.DESK_IDP_TOKEN_LOG]) {
        if (file) rmSync(file, { force: true });
      }
      process.exit(0);
    });
    process.stdin.resume();
  }
}
