// The test provider does what the app and the server will rely on: a real code + PKCE flow for
// every test user, groups in the ID token, JWT access tokens for the API with groups in them,
// refresh with rotation, revocation, logout, and refusals where a real provider refuses.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { completeLogin } from '../login.mjs';
import { API_AUDIENCE, CLIENT_ID, OTHER_CLIENT_ID, start } from '../server.mjs';
import { freshSigningKeys, signToken } from '../sign.mjs';
import { tokensFor } from '../tokens.mjs';
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

/** The header and claims of an RS256 JWT whose signature checks out against `jwksUri`'s keys. */
async function verifiedJwt(jwt, jwksUri = meta.jwks_uri) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const jwks = await (await fetch(jwksUri)).json();
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `kid ${header.kid} is in the JWKS`);
  assert.equal(header.alg, 'RS256');
  assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url')));
  return { header, claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

async function verifiedClaims(idToken) {
  return (await verifiedJwt(idToken)).claims;
}

/** Checks that `accessToken` is a JWT access token (RFC 9068) for the API, for `user`. */
async function assertApiAccessToken(accessToken, user) {
  const { header, claims } = await verifiedJwt(accessToken);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(claims.iss, idp.issuer);
  assert.equal(claims.aud, API_AUDIENCE);
  assert.equal(claims.sub, user);
  assert.equal(claims.client_id, CLIENT_ID);
  assert.deepEqual(claims.groups, USERS[user].groups);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(claims.iat <= now + 5 && claims.exp > now, `valid now: ${JSON.stringify(claims)}`);
  assert.ok(claims.jti, 'a jti');
  return claims;
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

describe('access tokens for the API', () => {
  it('is a signed JWT for the API audience with the user\'s groups, still after a refresh', async () => {
    const tokens = await signIn('supervisor');
    const first = await assertApiAccessToken(tokens.access_token, 'supervisor');
    assert.deepEqual(first.groups, ['support-supervisors']);
    assert.equal(first.preferred_username, 'supervisor');
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    const second = await assertApiAccessToken(refreshed.body.access_token, 'supervisor');
    assert.notEqual(second.jti, first.jti);
    assert.equal(second.preferred_username, 'supervisor');
    // The refreshed ID token still names the user and the app.
    const id = await verifiedClaims(refreshed.body.id_token);
    assert.equal(id.aud, CLIENT_ID);
    assert.deepEqual(id.groups, ['support-supervisors']);
  });

  it('gives norole an empty groups claim', async () => {
    const tokens = await signIn('norole');
    const claims = await assertApiAccessToken(tokens.access_token, 'norole');
    assert.deepEqual(claims.groups, []);
  });

  it('is refused by UserInfo, as an API token is (401 invalid_token)', async () => {
    const tokens = await signIn('agent1');
    const response = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate'), /invalid_token/);
  });

  it('refuses a resource other than the API', async () => {
    const req = authRequest({ extra: { resource: 'https://other-api.example/' } });
    const callback = new URL(await completeLogin(req.url, { stopAt: req.redirect }));
    assert.equal(callback.searchParams.get('error'), 'invalid_target');
  });

  it('is what tokens.mjs hands out, and tokens.mjs fails for an unknown user', async () => {
    const tokens = await tokensFor({ issuer: idp.issuer, user: 'agent2' });
    await assertApiAccessToken(tokens.access_token, 'agent2');
    assert.equal((await verifiedClaims(tokens.id_token)).sub, 'agent2');
    assert.ok(tokens.refresh_token);
    await assert.rejects(tokensFor({ issuer: idp.issuer, user: 'mallory' }), /login refused/);
  });
});

describe('another application at the provider', () => {
  it('gets access tokens for the same API that name it as their client', async () => {
    const tokens = await tokensFor({ issuer: idp.issuer, user: 'agent1', clientId: OTHER_CLIENT_ID });
    const { claims } = await verifiedJwt(tokens.access_token);
    assert.equal(claims.aud, API_AUDIENCE);
    assert.equal(claims.client_id, OTHER_CLIENT_ID);
    assert.equal(claims.sub, 'agent1');
  });
});

describe('a provider whose keys are rotated', () => {
  let dir;
  let file;
  let rotating;
  let rotatingMeta;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'desk-idp-test-'));
    file = path.join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: freshSigningKeys() }), { mode: 0o600 });
    process.env.DESK_IDP_KEYS_FILE = file;
    try {
      rotating = await start({ testControls: true });
    } finally {
      delete process.env.DESK_IDP_KEYS_FILE;
    }
    rotatingMeta = await (await fetch(`${rotating.issuer}/.well-known/openid-configuration`)).json();
  });
  after(async () => {
    await rotating?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kids = async () => (await (await fetch(rotatingMeta.jwks_uri)).json()).keys.map((k) => k.kid);
  const kidOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url')).kid;

  it('publishes and signs with new keys only, keeps sessions, and rewrites the keys file', async () => {
    const before = await tokensFor({ issuer: rotating.issuer, user: 'agent2' });
    const oldKids = await kids();
    assert.ok(oldKids.includes(kidOf(before.access_token)));

    const response = await fetch(`${rotating.issuer}/test-controls/rotate-keys`, { method: 'POST' });
    assert.equal(response.status, 200);
    const answer = await response.json();
    assert.deepEqual(answer.withdrawn, oldKids);
    assert.deepEqual(await kids(), answer.keys);
    assert.ok(answer.keys.every((kid) => !oldKids.includes(kid)), 'no kid is reused');
    const inFile = JSON.parse(readFileSync(file, 'utf8')).keys;
    assert.deepEqual(inFile.map((k) => k.kid), answer.keys);
    assert.ok(inFile.every((k) => k.d), 'the file holds the private keys to forge with');

    const after = await tokensFor({ issuer: rotating.issuer, user: 'agent2' });
    await verifiedJwt(after.access_token, rotatingMeta.jwks_uri);
    assert.ok(answer.keys.includes(kidOf(after.access_token)));
    // A refresh token from before the rotation still works, and its tokens use the new keys.
    const refreshed = await fetch(rotatingMeta.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: before.refresh_token }),
    });
    assert.equal(refreshed.status, 200);
    const body = await refreshed.json();
    assert.ok(answer.keys.includes(kidOf(body.access_token)));
    assert.ok(answer.keys.includes(kidOf(body.id_token)));
  });

  it('offers no rotation without test controls', async () => {
    const response = await fetch(`${idp.issuer}/test-controls/rotate-keys`, { method: 'POST' });
    assert.equal(response.status, 404);
  });
});

describe('a provider with given keys and API audience', () => {
  let dir;
  let other;
  let keys;
  before(async () => {
    // Tests that forge tokens start the provider with keys they hold (desk-testkit does this).
    dir = mkdtempSync(path.join(tmpdir(), 'desk-idp-test-'));
    keys = { keys: freshSigningKeys() };
    const file = path.join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
    process.env.DESK_IDP_KEYS_FILE = file;
    try {
      other = await start({ apiAudience: 'https://api.support-desk.test/' });
    } finally {
      delete process.env.DESK_IDP_KEYS_FILE;
    }
  });
  after(async () => {
    await other?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs with those keys, for that audience', async () => {
    const otherMeta = await (await fetch(`${other.issuer}/.well-known/openid-configuration`)).json();
    const jwks = await (await fetch(otherMeta.jwks_uri)).json();
    assert.deepEqual(jwks.keys.map((k) => k.kid), keys.keys.map((k) => k.kid));
    assert.ok(jwks.keys.every((k) => k.d === undefined), 'no private part is published');

    const tokens = await tokensFor({ issuer: other.issuer, user: 'admin' });
    const { header, claims } = await verifiedJwt(tokens.access_token, otherMeta.jwks_uri);
    assert.equal(header.kid, keys.keys[0].kid);
    assert.equal(claims.aud, 'https://api.support-desk.test/');
    assert.deepEqual(claims.groups, ['support-admins']);

    // sign.mjs forges with the same key: the signature alone cannot tell them apart.
    const forged = signToken(keys, {}, { ...claims, aud: 'urn:another-api' });
    const verified = await verifiedJwt(forged, otherMeta.jwks_uri);
    assert.equal(verified.header.typ, 'at+jwt');
    assert.equal(verified.claims.aud, 'urn:another-api');
  });
});

describe('a provider with a token log', () => {
  let dir;
  let logged;
  let file;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'desk-idp-test-'));
    file = path.join(dir, 'tokens.jsonl');
    logged = await start({ tokenLog: file });
  });
  after(async () => {
    await logged?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends every token it issues, at sign-in and at refresh', async () => {
    const first = await tokensFor({ issuer: logged.issuer, user: 'agent1' });
    const loggedMeta = await (await fetch(`${logged.issuer}/.well-known/openid-configuration`)).json();
    const response = await fetch(loggedMeta.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    });
    assert.equal(response.status, 200);
    const refreshed = await response.json();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const pick = ({ access_token, id_token, refresh_token }) => ({ access_token, id_token, refresh_token });
    assert.deepEqual(lines, [pick(first), pick(refreshed)]);
    assert.notEqual(refreshed.refresh_token, first.refresh_token, 'rotated');
  });
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
