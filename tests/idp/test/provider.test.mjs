// The test provider does what the app and the server will rely on: a real code + PKCE flow for
// every test user, groups in the ID token, refresh with rotation, revocation, logout, and
// refusals where a real provider refuses.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { completeLogin } from '../login.mjs';
import { CLIENT_ID, start } from '../server.mjs';
import { USERS } from '../users.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const REDIRECT = 'http://127.0.0.1:53682/callback';

let idp;
let meta;

before(async () => {
  idp = await start();
  meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
});
after(() => idp.close());

function authRequest({ redirect = REDIRECT, pkce = true, extra = {} } = {}) {
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const url = new URL(meta.authorization_endpoint);
  const params = {
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirect,
    scope: 'openid profile email groups offline_access',
    state,
    nonce,
    ...(pkce ? { code_challenge: b64url(createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256' } : {}),
    ...extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url: url.href, verifier, state, nonce, redirect };
}

async function token(params) {
  const response = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...params }),
  });
  return { status: response.status, body: await response.json() };
}

async function verifiedClaims(idToken) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const jwks = await (await fetch(meta.jwks_uri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is in the JWKS`);
  assert.equal(header.alg, 'RS256');
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url')));
  return JSON.parse(Buffer.from(p, 'base64url'));
}

async function signIn(user, opts) {
  const req = authRequest(opts);
  const callback = new URL(await completeLogin(req.url, { user, stopAt: req.redirect }));
  assert.equal(callback.searchParams.get('state'), req.state);
  assert.equal(callback.searchParams.get('iss'), idp.issuer, 'RFC 9207 iss is in the response');
  const code = callback.searchParams.get('code');
  assert.ok(code, `a code in ${callback}`);
  const { status, body } = await token({ grant_type: 'authorization_code', code, redirect_uri: req.redirect, code_verifier: req.verifier });
  assert.equal(status, 200, JSON.stringify(body));
  return { ...body, req };
}

describe('discovery', () => {
  it('advertises what a native client needs', () => {
    assert.equal(meta.issuer, idp.issuer);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok(meta.grant_types_supported.includes('refresh_token'));
    assert.ok(meta.revocation_endpoint, 'revocation endpoint');
    assert.ok(meta.end_session_endpoint, 'RP-initiated logout endpoint');
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    assert.ok(meta.claims_supported.includes('groups'));
    assert.ok(!meta.id_token_signing_alg_values_supported.includes('none'));
  });
});

describe('sign-in of each test user', () => {
  for (const [id, user] of Object.entries(USERS)) {
    it(`${id} gets verified tokens carrying groups ${JSON.stringify(user.groups)}`, async () => {
      const tokens = await signIn(id);
      const claims = await verifiedClaims(tokens.id_token);
      assert.equal(claims.iss, idp.issuer);
      assert.equal(claims.aud, CLIENT_ID);
      assert.equal(claims.sub, id);
      assert.equal(claims.nonce, tokens.req.nonce);
      assert.deepEqual(claims.groups, user.groups);
      assert.ok(tokens.access_token && tokens.refresh_token, 'access and refresh tokens');
    });
  }
});

describe('refusals', () => {
  it('refuses an authorization request without PKCE', async () => {
    const req = authRequest({ pkce: false });
    const callback = new URL(await completeLogin(req.url, { stopAt: req.redirect }));
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.equal(callback.searchParams.get('code'), null);
  });

  it('refuses a code redeemed with the wrong verifier', async () => {
    const req = authRequest();
    const callback = new URL(await completeLogin(req.url, { stopAt: req.redirect }));
    const { status, body } = await token({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code'),
      redirect_uri: req.redirect,
      code_verifier: b64url(randomBytes(32)),
    });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_grant');
  });

  it('refuses a wrong password and an unknown user', async () => {
    await assert.rejects(completeLogin(authRequest().url, { user: 'agent1', password: 'nope', stopAt: REDIRECT }), /login refused/);
    await assert.rejects(completeLogin(authRequest().url, { user: 'mallory', stopAt: REDIRECT }), /login refused/);
  });

  it('accepts any loopback port but never a non-loopback redirect', async () => {
    await signIn('agent1', { redirect: 'http://127.0.0.1:40123/callback' });
    const req = authRequest({ redirect: 'http://attacker.example/callback' });
    await assert.rejects(completeLogin(req.url, { stopAt: req.redirect }), /redirect_uri/);
  });
});

describe('refresh, revocation and logout', () => {
  it('rotates the refresh token and refuses the old one', async () => {
    const first = await signIn('agent2');
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    assert.equal(refreshed.status, 200);
    assert.ok(refreshed.body.refresh_token && refreshed.body.refresh_token !== first.refresh_token);
    const replay = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    assert.equal(replay.body.error, 'invalid_grant');
  });

  it('revokes a refresh token (RFC 7009)', async () => {
    const tokens = await signIn('supervisor');
    const revoked = await fetch(meta.revocation_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, token: tokens.refresh_token, token_type_hint: 'refresh_token' }),
    });
    assert.equal(revoked.status, 200);
    const after = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.equal(after.body.error, 'invalid_grant');
  });

  it('ends the provider session through RP-initiated logout', async () => {
    const tokens = await signIn('admin');
    const url = new URL(meta.end_session_endpoint);
    url.searchParams.set('id_token_hint', tokens.id_token);
    url.searchParams.set('post_logout_redirect_uri', 'http://127.0.0.1/signed-out');
    url.searchParams.set('state', 'bye');
    const landed = new URL(await completeLogin(url.href, { stopAt: 'http://127.0.0.1/signed-out' }));
    assert.equal(landed.searchParams.get('state'), 'bye');
  });
});
