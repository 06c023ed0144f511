// Completes a sign-in at the test provider the way a person in a browser would, over plain HTTP:
// follows redirects, keeps cookies per origin, fills the login form, allows consent. It works at
// both test providers: tests/idp (node oidc-provider) and tests/idp-py (idpyoidc).
//
// As a command it is a stand-in for the system browser (the BROWSER convention):
//   BROWSER="node tests/idp/login.mjs" desk login
//   DESK_IDP_USER=supervisor node tests/idp/login.mjs 'http://127.0.0.1:PORT/auth?...'
// It follows the final redirect to the app's loopback callback, like a browser, and exits 0 when
// the app answered it; otherwise it prints why on stderr and exits 1.
import { PASSWORD } from './users.mjs';

const MAX_STEPS = 25;

/** Cookies per origin, as a browser keeps them; hand one to completeLogin to keep a session. */
export class CookieJar {
  #byOrigin = new Map();

  header(url) {
    const jar = this.#byOrigin.get(new URL(url).origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  store(url, response) {
    const origin = new URL(url).origin;
    const jar = this.#byOrigin.get(origin) ?? new Map();
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    this.#byOrigin.set(origin, jar);
  }
}

function decodeEntities(s) {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
}

/** The first form of an HTML page: its action, method and named inputs with their values. */
export function parseForm(html) {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return undefined;
  const attr = (tag, name) => {
    const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
    return m ? decodeEntities(m[2] ?? m[3]) : undefined;
  };
  const fields = new Map();
  for (const input of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(input[0], 'name');
    if (name) fields.set(name, attr(input[0], 'value') ?? '');
  }
  return { action: attr(form[1], 'action') ?? '', method: (attr(form[1], 'method') ?? 'get').toUpperCase(), fields };
}

function pageText(html) {
  return html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Walks from `authUrl` through login and consent. With `stopAt` (a URL prefix, the redirect URI)
 * it returns the first URL that starts with it, without requesting it. Without, it requests the
 * final page like a browser and returns { url, status, text }. Throws with the provider's words
 * when the login is refused or the provider shows an error page. `jar` (a CookieJar, fresh by
 * default) carries the provider's session cookie from one call to the next.
 */
export async function completeLogin(authUrl, { user = 'agent1', password = PASSWORD, stopAt, jar = new CookieJar() } = {}) {
  const providerOrigin = new URL(authUrl).origin;
  let url = authUrl;
  let request = { method: 'GET' };
  let loginsTried = 0;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (stopAt && url.startsWith(stopAt)) return url;
    const headers = { ...request.headers };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(url, { ...request, headers, redirect: 'manual' });
    jar.store(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url).href;
      request = { method: 'GET' };
      continue;
    }
    const text = await response.text();
    const form = parseForm(text);
    if (!form || new URL(url).origin !== providerOrigin) {
      if (new URL(url).origin === providerOrigin) {
        throw new Error(`the provider stopped at ${response.status}: ${pageText(text).slice(0, 300)}`);
      }
      return { url, status: response.status, text };
    }
    // The node provider's login form names its fields `login` and `password`; the Python one's
    // (tests/idp-py, idpyoidc's UserPassJinja2) `username` and `password`.
    const userField = ['login', 'username'].find((name) => form.fields.has(name));
    if (userField && form.fields.has('password')) {
      if (loginsTried > 0) throw new Error(`login refused for ${user}: ${pageText(text).slice(0, 200)}`);
      loginsTried += 1;
      form.fields.set(userField, user);
      form.fields.set('password', password);
    }
    url = new URL(form.action, url).href;
    const body = new URLSearchParams([...form.fields]).toString();
    request = form.method === 'POST'
      ? { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
      : { method: 'GET' };
    if (form.method !== 'POST') url = `${url.split('?')[0]}?${body}`;
  }
  throw new Error(`sign-in did not finish within ${MAX_STEPS} steps`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const authUrl = process.argv[2];
  if (!authUrl) {
    console.error('usage: node login.mjs AUTHORIZATION_URL   (user from DESK_IDP_USER, default agent1)');
    process.exit(2);
  }
  try {
    const user = process.env.DESK_IDP_USER || 'agent1';
    const password = process.env.DESK_IDP_PASSWORD || PASSWORD;
    const result = await completeLogin(authUrl, { user, password });
    if (result.status >= 400) throw new Error(`the app's callback answered ${result.status}`);
  } catch (err) {
    console.error(`login.mjs: ${err.message}`);
    process.exit(1);
  }
}
