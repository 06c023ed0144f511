// End-to-end check of the Python test provider (server.py, idpyoidc) without the app: what the app
// does, done here by hand, and what the app's tests will lean on, checked.
//
//   node tests/idp-py/check.mjs            (after scripts/lib.sh's ensure_python_provider)
//
// Starts the provider (the venv's python: DESK_PYIDP_PYTHON, or the one ensure_python_provider
// makes), then: discovery and JWKS; an authorization request with PKCE S256 and a loopback redirect
// on a random port, completed by tests/idp/login.mjs run as the BROWSER command; the code exchanged;
// the ID token's signature checked against the JWKS (with node's crypto, not the provider's
// library) and its claims; the access token's; UserInfo; refresh, with the old refresh token
// refused after rotation; revocation (RFC 7009); RP-initiated logout; refusals (no PKCE, `plain`,
// another path or host, a reused code, a wrong verifier). Then again with --refresh-rotation off,
// and a sign-in for each ID token algorithm. Prints what it found; exits 1 at the first failure.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { completeLogin, CookieJar } from '../idp/login.mjs';
import { PASSWORD, USERS } from '../idp/users.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const loginScript = path.join(here, '../idp/login.mjs');
const python = process.env.DESK_PYIDP_PYTHON || path.join(os.homedir(), '.cache/support-desk/idp-py-venv/bin/python');
const CLIENT_ID = 'support-desk';
const SCOPE = 'openid profile email offline_access';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
let checks = 0;
function ok(cond, what, detail) {
  if (!cond) throw new Error(`FAILED: ${what}${detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  checks += 1;
}
const say = (line) => process.stdout.write(`${line}\n`);
/** A response body for a report line: a token response by its fields, anything else cut short. */
function short(r) {
  if (r.json?.access_token) return `tokens (${Object.keys(r.json).join(', ')})`;
  return r.text.length > 140 ? `${r.text.slice(0, 140)}…` : r.text;
}

/** Starts server.py with `args`; resolves to { issuer, apiAudience, stop() }. */
function startProvider(args = []) {
  const child = spawn(python, [path.join(here, 'server.py'), '--exit-with-stdin', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const ready = JSON.parse(out.slice(0, nl));
      resolve({ ...ready, stop: () => child.stdin.end(), stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`server.py exited ${code}: ${err}`)));
  });
}

/** A loopback listener on a free port, as the app's (crates/desk-auth/src/loopback.rs). */
async function listen() {
  let resolveHit;
  const hit = new Promise((r) => (resolveHit = r));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    res.writeHead(url.pathname === '/callback' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end('Signed in. You may close this tab.');
    if (url.pathname === '/callback') resolveHit(url.searchParams);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { redirectUri: `http://127.0.0.1:${server.address().port}/callback`, hit, close: () => server.close() };
}

function authUrl(meta, { redirectUri, challenge, method = 'S256', state, nonce, clientId = CLIENT_ID }) {
  const url = new URL(meta.authorization_endpoint);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: SCOPE, state, nonce };
  if (challenge) Object.assign(params, { code_challenge: challenge, code_challenge_method: method });
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

async function form(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

function decode(jwt) {
  const [h, p, s] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')), signed: `${h}.${p}`, sig: Buffer.from(s, 'base64url') };
}

/** Verifies a JWS with the provider's published JWKS, by node's crypto. */
function verifyJws(jwt, jwks) {
  const { header, payload, signed, sig } = decode(jwt);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  ok(jwk, `a JWKS key for kid ${header.kid}`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(signed);
  const algs = {
    RS256: () => verify('sha256', data, key, sig),
    PS256: () => verify('sha256', data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }, sig),
    ES256: () => verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig),
    EdDSA: () => verify(null, data, key, sig),
  };
  ok(algs[header.alg], `a known signing algorithm`, header.alg);
  ok(algs[header.alg](), `the ${header.alg} signature verifies with the JWKS key ${jwk.kty} ${jwk.crv ?? ''}`);
  return { header, payload };
}

function leftHash(value, alg) {
  const hash = alg === 'EdDSA' ? 'sha512' : `sha${alg.slice(2)}`;
  const digest = createHash(hash).update(value).digest();
  return b64url(digest.subarray(0, digest.length / 2));
}

/** Runs `node tests/idp/login.mjs URL` as the app runs its BROWSER command. */
function browser(url, user) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [loginScript, url], { env: { ...process.env, DESK_IDP_USER: user }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, err: err.trim() }));
  });
}

/** A sign-in the way the app does it; resolves to the token response and what went into it. */
async function signIn(meta, user, { viaBrowserCommand = true, jar, clientId = CLIENT_ID } = {}) {
  const listener = await listen();
  const { verifier, challenge } = pkce();
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const url = authUrl(meta, { redirectUri: listener.redirectUri, challenge, state, nonce, clientId });
  if (viaBrowserCommand) {
    const { code, err } = await browser(url, user);
    ok(code === 0, `login.mjs signs ${user} in as the BROWSER command`, err);
  } else {
    await completeLogin(url, { user, jar });
  }
  const answer = await listener.hit;
  listener.close();
  ok(answer.get('state') === state && answer.get('code'), 'the callback carries the state and a code', Object.fromEntries(answer));
  const tokens = await form(meta.token_endpoint, {
    grant_type: 'authorization_code',
    code: answer.get('code'),
    redirect_uri: listener.redirectUri,
    client_id: clientId,
    code_verifier: verifier,
  });
  ok(tokens.status === 200, 'the code exchange answers 200', tokens.text);
  return { tokens: tokens.json, nonce, code: answer.get('code'), redirectUri: listener.redirectUri, verifier, iss: answer.get('iss') };
}

function checkIdToken(idToken, jwks, { issuer, user, nonce, accessToken, alg }) {
  const { header, payload } = verifyJws(idToken, jwks);
  if (alg) ok(header.alg === alg, `the ID token is signed ${alg}`, header.alg);
  ok(payload.iss === issuer, 'ID token iss is the issuer', payload.iss);
  const aud = [payload.aud].flat();
  ok(aud.includes(CLIENT_ID), 'ID token aud names the client', payload.aud);
  if (nonce !== undefined) ok(payload.nonce === nonce, 'ID token nonce is the one sent', payload.nonce);
  ok(payload.sub === user, 'ID token sub is the account name', payload.sub);
  ok(payload.exp > now() && payload.iat <= now() + 5, 'ID token exp and iat', { exp: payload.exp, iat: payload.iat });
  const want = USERS[user];
  ok(JSON.stringify(payload.groups) === JSON.stringify(want.groups), 'ID token groups are the user\'s', payload.groups);
  ok(payload.name === want.name && payload.email === want.email, 'ID token name and email', { name: payload.name, email: payload.email });
  if (accessToken && payload.at_hash !== undefined) {
    ok(payload.at_hash === leftHash(accessToken, header.alg), 'ID token at_hash matches the access token', payload.at_hash);
  }
  return { header, payload };
}

async function refuse(what, promise, predicate) {
  const r = await promise;
  ok(predicate(r), what, r.text ?? r);
  return r;
}

/** An authorization request that the provider must refuse without sending the user to log in. */
async function authorizationRefused(meta, params) {
  const response = await fetch(authUrl(meta, { state: 's', nonce: 'n', ...params }), { redirect: 'manual' });
  const location = response.headers.get('location') ?? '';
  const text = await response.text();
  const refused = response.status >= 400 || /[?&]error=/.test(location);
  const loginPage = /name="password"/.test(text);
  return { refused: refused && !loginPage, status: response.status, text: `${response.status} ${location} ${text.slice(0, 160)}` };
}

async function full({ rotation }) {
  const idp = await startProvider(rotation ? [] : ['--refresh-rotation', 'off']);
  try {
    say(`\n== provider ${idp.issuer} (refresh rotation ${rotation ? 'on' : 'off'})`);
    const meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
    ok(meta.issuer === idp.issuer, 'discovery names the issuer it was fetched from', meta.issuer);
    for (const e of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'revocation_endpoint', 'end_session_endpoint']) {
      ok(meta[e]?.startsWith(idp.issuer), `discovery has ${e}`, meta[e]);
    }
    ok(meta.code_challenge_methods_supported?.join() === 'S256', 'PKCE: S256 only', meta.code_challenge_methods_supported);
    ok(meta.token_endpoint_auth_methods_supported?.includes('none'), 'token endpoint: auth method none', meta.token_endpoint_auth_methods_supported);
    say(`discovery: ${Object.keys(meta).length} fields; endpoints ${['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'revocation_endpoint', 'end_session_endpoint', 'jwks_uri'].map((e) => meta[e].slice(idp.issuer.length)).join(' ')}`);
    say(`  id_token_signing_alg_values_supported ${JSON.stringify(meta.id_token_signing_alg_values_supported)}`);
    say(`  scopes_supported ${JSON.stringify(meta.scopes_supported)}, grant_types ${JSON.stringify(meta.grant_types_supported)}`);
    say(`  authorization_response_iss_parameter_supported: ${meta.authorization_response_iss_parameter_supported ?? '(absent)'}`);
    const jwks = await (await fetch(meta.jwks_uri)).json();
    ok(jwks.keys.every((k) => k.d === undefined && k.p === undefined), 'the JWKS holds no private parts');
    say(`jwks: ${jwks.keys.map((k) => `${k.kty}${k.crv ? `/${k.crv}` : ''}`).join(', ')}`);

    // Refusals before any sign-in.
    const { challenge } = pkce();
    const port = 40000 + Math.floor(Math.random() * 20000);
    for (const [what, params] of [
      ['no code_challenge', { redirectUri: `http://127.0.0.1:${port}/callback` }],
      ['code_challenge_method plain', { redirectUri: `http://127.0.0.1:${port}/callback`, challenge, method: 'plain' }],
      ['another path on loopback', { redirectUri: `http://127.0.0.1:${port}/elsewhere`, challenge }],
      ['localhost instead of 127.0.0.1', { redirectUri: `http://localhost:${port}/callback`, challenge }],
      ['a non-loopback host', { redirectUri: `http://192.0.2.1:${port}/callback`, challenge }],
      ['https on loopback', { redirectUri: `https://127.0.0.1:${port}/callback`, challenge }],
      ['an unknown client', { redirectUri: `http://127.0.0.1:${port}/callback`, challenge, clientId: 'nobody' }],
    ]) {
      const r = await authorizationRefused(meta, params);
      ok(r.refused, `authorization refused: ${what}`, r.text);
      say(`refused before login, ${what}: ${r.text.trim()}`);
    }

    // Sign-in as the app does it, the BROWSER command completing the login.
    const user = 'supervisor';
    const first = await signIn(meta, user);
    const t = first.tokens;
    say(`sign-in as ${user} via login.mjs: redirect ${first.redirectUri}; iss in response: ${first.iss ?? '(none)'}`);
    say(`  token response: ${Object.keys(t).join(', ')}; token_type ${t.token_type}, expires_in ${t.expires_in}, scope ${JSON.stringify(t.scope)}`);
    ok(t.access_token && t.id_token && t.refresh_token, 'access, ID and refresh tokens issued', Object.keys(t));
    const id = checkIdToken(t.id_token, jwks, { issuer: idp.issuer, user, nonce: first.nonce, accessToken: t.access_token });
    say(`  ID token: header ${JSON.stringify(id.header)}`);
    say(`    claims ${JSON.stringify(id.payload)}`);

    // The access token.
    const parts = t.access_token.split('.');
    if (parts.length === 3) {
      const at = verifyJws(t.access_token, jwks);
      say(`  access token: JWT, header ${JSON.stringify(at.header)}`);
      say(`    claims ${JSON.stringify(at.payload)}`);
      ok(at.header.typ === 'at+jwt', 'access token typ at+jwt', at.header.typ);
      ok([at.payload.aud].flat().includes(idp.api_audience), 'access token aud is the API', at.payload.aud);
      ok(at.payload.iss === idp.issuer && at.payload.sub === user && at.payload.client_id === CLIENT_ID, 'access token iss, sub, client_id');
      ok(JSON.stringify(at.payload.groups) === JSON.stringify(USERS[user].groups), 'access token groups', at.payload.groups);
      ok(at.payload.preferred_username === user, 'access token preferred_username', at.payload.preferred_username);
      ok(at.payload.exp > now(), 'access token exp');
    } else {
      say(`  access token: opaque (${t.access_token.length} characters)`);
    }

    // Another application at the same provider: its access tokens are for the same API.
    {
      const { tokens } = await signIn(meta, 'agent1', { clientId: 'another-app' });
      const at = verifyJws(tokens.access_token, jwks).payload;
      const idAud = decode(tokens.id_token).payload.aud;
      ok(at.client_id === 'another-app' && [at.aud].flat().includes(idp.api_audience), 'another-app: access token for the API naming it', at);
      ok([idAud].flat().join() === 'another-app', 'another-app: its ID token is for it', idAud);
      say(`another-app: access token client_id ${at.client_id}, aud ${JSON.stringify(at.aud)}; ID token aud ${JSON.stringify(idAud)}`);
    }

    // A code only with its verifier, and once only (a second use may also end what the first
    // gave: checked on a sign-in of its own).
    {
      const other = await signIn(meta, 'admin');
      const reuse = await refuse('the code is refused a second time', form(meta.token_endpoint, {
        grant_type: 'authorization_code', code: other.code, redirect_uri: other.redirectUri, client_id: CLIENT_ID, code_verifier: other.verifier,
      }), (r) => r.status >= 400);
      const stillRefresh = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: other.tokens.refresh_token, client_id: CLIENT_ID });
      say(`code reused: ${reuse.status} ${short(reuse)}; the refresh token its first use gave: ${stillRefresh.status} ${short(stillRefresh)}`);
    }
    {
      const listener = await listen();
      const { challenge: c2 } = pkce();
      const url = authUrl(meta, { redirectUri: listener.redirectUri, challenge: c2, state: 'st', nonce: 'nn' });
      const done = await browser(url, 'agent1');
      ok(done.code === 0, 'a second sign-in', done.err);
      const answer = await listener.hit;
      listener.close();
      const r = await refuse('a code with the wrong code_verifier is refused', form(meta.token_endpoint, {
        grant_type: 'authorization_code', code: answer.get('code'), redirect_uri: listener.redirectUri, client_id: CLIENT_ID, code_verifier: pkce().verifier,
      }), (x) => x.status >= 400);
      say(`wrong verifier: ${r.status} ${short(r)}`);
    }
    {
      const r = await browser(authUrl(meta, { redirectUri: `http://127.0.0.1:${port}/callback`, challenge, state: 's', nonce: 'n' }), 'nobody');
      ok(r.code === 1, 'login.mjs fails for an unknown user', r);
      say(`unknown user: login.mjs exits 1: ${r.err}`);
    }

    // UserInfo with the access token.
    const ui = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${t.access_token}` } });
    const uiText = await ui.text();
    say(`userinfo: ${ui.status} ${uiText}`);
    if (ui.status === 200) {
      const claims = JSON.parse(uiText);
      ok(claims.sub === user, 'userinfo sub', claims.sub);
      ok(JSON.stringify(claims.groups) === JSON.stringify(USERS[user].groups), 'userinfo groups', claims.groups);
    }

    // Refresh, and rotation.
    const r1 = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT_ID });
    ok(r1.status === 200, 'refresh answers 200', r1.text);
    say(`refresh: ${Object.keys(r1.json).join(', ')}; new refresh token: ${r1.json.refresh_token !== t.refresh_token}`);
    if (r1.json.id_token) {
      const rid = checkIdToken(r1.json.id_token, jwks, { issuer: idp.issuer, user, accessToken: r1.json.access_token });
      say(`  refreshed ID token: nonce ${rid.payload.nonce === undefined ? 'absent' : 'present'}, groups ${JSON.stringify(rid.payload.groups)}`);
    }
    const again = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: CLIENT_ID });
    if (rotation) {
      ok(again.status >= 400, 'rotation: the old refresh token is refused', again.text);
    } else {
      ok(!r1.json.refresh_token, 'no rotation: the refresh answers without a refresh token', Object.keys(r1.json));
      ok(again.status === 200, 'no rotation: the old refresh token still works', again.text);
    }
    say(`old refresh token reused: ${again.status} ${short(again)}`);
    // The refresh token the client holds now: the newest one.
    let held = again.json?.refresh_token ?? r1.json.refresh_token ?? t.refresh_token;
    if (rotation) {
      const newer = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: r1.json.refresh_token, client_id: CLIENT_ID });
      // Reported, not required: the node provider ends the whole grant on such a reuse.
      say(`  the newest refresh token after the old one's reuse: ${newer.status} ${newer.status === 200 ? '(no reuse detection)' : short(newer)}`);
      if (newer.status === 200) held = newer.json.refresh_token;
    }
    const other = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: held, client_id: 'another-app' });
    ok(other.status >= 400, 'another client cannot use the refresh token', other.text);

    // Revocation of the refresh token, then it is refused.
    const toRevoke = held;
    const rev = await form(meta.revocation_endpoint, { token: toRevoke, token_type_hint: 'refresh_token', client_id: CLIENT_ID });
    ok(rev.status === 200, 'revocation answers 200', rev.text);
    const afterRevoke = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: toRevoke, client_id: CLIENT_ID });
    ok(afterRevoke.status >= 400, 'a revoked refresh token is refused', afterRevoke.text);
    say(`revocation: ${rev.status} ${JSON.stringify(rev.text)}; refresh with it afterwards: ${afterRevoke.status} ${short(afterRevoke)}`);
    const uiAfter = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${r1.json.access_token}` } });
    say(`  an access token of that grant at userinfo afterwards: ${uiAfter.status}`);
    const revUnknown = await form(meta.revocation_endpoint, { token: 'no-such-token', client_id: CLIENT_ID });
    say(`  revoking an unknown token: ${revUnknown.status} ${JSON.stringify(revUnknown.text)}`);

    // RP-initiated logout, in a browser that holds the provider's session cookie.
    const jar = new CookieJar();
    const s = await signIn(meta, 'agent2', { viaBrowserCommand: false, jar });
    const endUrl = `${meta.end_session_endpoint}?client_id=${CLIENT_ID}`;
    const ended = await completeLogin(endUrl, { jar, stopAt: `${idp.issuer}/session/ended` }).catch((e) => e);
    ok(typeof ended === 'string', 'end_session with the session cookie reaches the signed-out page', String(ended));
    say(`end_session?client_id= with the session cookie: confirmation form, then ${ended.slice(idp.issuer.length)}`);
    const afterLogout = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: s.tokens.refresh_token, client_id: CLIENT_ID });
    say(`  that session's refresh token afterwards: ${afterLogout.status} ${short(afterLogout)}`);
    const noCookie = await completeLogin(endUrl, { stopAt: `${idp.issuer}/session/ended` }).catch((e) => e);
    say(`  end_session without the session cookie (a fresh BROWSER): ${noCookie instanceof Error ? noCookie.message : noCookie}`);
  } catch (err) {
    err.message += `\n--- provider stderr ---\n${idp.stderr().slice(-3000)}`;
    throw err;
  } finally {
    idp.stop();
  }
}

async function algorithms() {
  say('\n== ID token algorithms (--id-token-alg)');
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA']) {
    const idp = await startProvider(['--id-token-alg', alg]);
    try {
      const meta = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
      const jwks = await (await fetch(meta.jwks_uri)).json();
      const { tokens, nonce } = await signIn(meta, 'agent1');
      const { header, payload } = checkIdToken(tokens.id_token, jwks, { issuer: idp.issuer, user: 'agent1', nonce, accessToken: tokens.access_token, alg });
      const key = jwks.keys.find((k) => k.kid === header.kid);
      say(`${alg}: works (key ${key.kty}${key.crv ? `/${key.crv}` : ''}; at_hash ${payload.at_hash === undefined ? 'absent' : 'checked'})`);
    } catch (err) {
      say(`${alg}: does not work: ${err.message.split('\n')[0]}`);
    } finally {
      idp.stop();
    }
  }
}

function usersMatch() {
  const users = JSON.parse(readFileSync(path.join(here, 'users.json'), 'utf8'));
  const passwd = JSON.parse(readFileSync(path.join(here, 'passwd.json'), 'utf8'));
  ok(JSON.stringify(Object.keys(users).sort()) === JSON.stringify(Object.keys(USERS).sort()), 'users.json has the people of users.mjs');
  for (const [id, u] of Object.entries(USERS)) {
    const p = users[id];
    ok(p.sub === id && p.name === u.name && p.email === u.email && JSON.stringify(p.groups) === JSON.stringify(u.groups), `users.json ${id} as in users.mjs`, p);
    ok(passwd[id] === PASSWORD, `passwd.json ${id}`);
  }
  say(`users.json and passwd.json: the ${Object.keys(USERS).length} people of tests/idp/users.mjs`);
}

const version = spawnSync(python, ['-c', 'import importlib.metadata as m; print(m.version("idpyoidc"), m.version("cryptojwt"))'], { encoding: 'utf8' });
if (version.status !== 0) {
  console.error(`check.mjs: no provider venv at ${python}: run scripts/lib.sh's ensure_python_provider first\n${version.stderr}`);
  process.exit(2);
}
const [idpyoidc, cryptojwt] = version.stdout.trim().split(' ');
say(`idpyoidc ${idpyoidc}, cryptojwt ${cryptojwt}, ${python}`);
try {
  usersMatch();
  await full({ rotation: true });
  await full({ rotation: false });
  await algorithms();
  say(`\n${checks} passed, 0 failed`);
} catch (err) {
  console.error(err.message);
  say(`\n${checks} passed, 1 failed`);
  process.exit(1);
}
