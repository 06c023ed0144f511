// Real tokens for a test user, for tests that need a signed-in agent without the app (desk-server's
// above all): the authorization code flow with PKCE at the test provider, as the app runs it,
// stopped at the redirect (nothing listens there), then the code exchanged at the token endpoint.
//
//   node tests/idp/tokens.mjs --issuer http://127.0.0.1:PORT --user supervisor
//
// Prints one JSON line, {"access_token":…,"refresh_token":…,"id_token":…}. A failed sign-in (an
// unknown user, say) prints the reason on stderr and exits 1.
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { completeLogin } from './login.mjs';
import { PASSWORD } from './users.mjs';

// server.mjs's CLIENT_ID, not imported from there: that would load the whole provider (slow).
const CLIENT_ID = 'support-desk';
const REDIRECT = 'http://127.0.0.1/callback';
const SCOPE = 'openid profile email groups offline_access';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Signs `user` in at `issuer` and resolves to the token endpoint's answer. */
export async function tokensFor({ issuer, user, password = PASSWORD, clientId = CLIENT_ID, scope = SCOPE }) {
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const url = new URL(meta.authorization_endpoint);
  const params = {
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    state,
    nonce: b64url(randomBytes(16)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);

  const callback = new URL(await completeLogin(url.href, { user, password, stopAt: REDIRECT }));
  const answer = callback.searchParams;
  if (answer.get('error')) {
    throw new Error(`authorization refused: ${answer.get('error')} ${answer.get('error_description') ?? ''}`);
  }
  if (answer.get('state') !== state || !answer.get('code')) {
    throw new Error(`unexpected authorization response: ${callback}`);
  }

  const response = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: answer.get('code'),
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      issuer: { type: 'string' },
      user: { type: 'string' },
      'client-id': { type: 'string', default: CLIENT_ID },
      scope: { type: 'string', default: SCOPE },
    },
  });
  if (!values.issuer || !values.user) {
    console.error('usage: node tokens.mjs --issuer URL --user NAME [--client-id ID] [--scope "…"]');
    process.exit(2);
  }
  try {
    const tokens = await tokensFor({
      issuer: values.issuer,
      user: values.user,
      clientId: values['client-id'],
      scope: values.scope,
    });
    const { access_token, refresh_token, id_token } = tokens;
    process.stdout.write(`${JSON.stringify({ access_token, refresh_token, id_token })}\n`);
  } catch (err) {
    console.error(`tokens.mjs: ${err.message}`);
    process.exit(1);
  }
}
