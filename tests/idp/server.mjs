// The test OpenID provider for Support Desk, built on `oidc-provider` (a certified implementation).
//
//   node server.mjs [--port N] [--host 127.0.0.1]
//
// Binds to loopback (port 0 = a free one), then prints one JSON line on stdout:
//   {"issuer":"http://127.0.0.1:PORT","client_id":"support-desk"}
// Tests and the demo read that line to learn where it is. Signing keys are made fresh at every
// start and never written anywhere.
//
// What it offers the app (a public native client, RFC 8252): authorization code with PKCE S256
// required, loopback redirect on any port, refresh tokens (rotated on use), revocation (RFC 7009),
// RP-initiated logout, RFC 9207 `iss` in authorization responses, and a `groups` claim in the ID
// token. Its login and consent pages are plain HTML forms, so a script can complete them
// (see login.mjs) and tests need no browser.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

import { interactionRoutes } from './interactions.mjs';
import { findUser } from './users.mjs';

export const CLIENT_ID = 'support-desk';

function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const stamp = Date.now().toString(36);
  return [
    { ...rsa.export({ format: 'jwk' }), kid: `rsa-${stamp}`, use: 'sig', alg: 'RS256' },
    { ...ec.export({ format: 'jwk' }), kid: `ec-${stamp}`, use: 'sig', alg: 'ES256' },
  ];
}

export function configuration() {
  return {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // A native client's loopback redirect matches whatever port the app listens on.
        redirect_uris: ['http://127.0.0.1/callback'],
        post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
      },
    ],
    jwks: { keys: signingKeys() },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
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
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  };
}

/** Starts the provider on `host:port`; resolves to { issuer, close() }. */
export async function start({ host = '127.0.0.1', port = 0 } = {}) {
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

  const provider = new Provider(issuer, configuration());
  const interactions = interactionRoutes(provider);
  const oidc = provider.callback();
  handler = async (req, res) => {
    try {
      if (!(await interactions(req, res))) oidc(req, res);
    } catch (err) {
      console.error('test idp:', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  };
  return {
    issuer,
    provider,
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
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const { issuer } = await start({ host: values.host, port: Number(values.port) });
  process.stdout.write(`${JSON.stringify({ issuer, client_id: CLIENT_ID })}\n`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}
