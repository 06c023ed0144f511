// Login and consent pages of the test provider: plain HTML forms, no JavaScript, so both a person
// in a browser and a script holding a cookie jar (login.mjs) can complete them.
import { findUser, PASSWORD } from './users.mjs';

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(res, status, title, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:3rem auto}label{display:block;margin:.5rem 0}</style>
</head><body><h1>${escape(title)}</h1>${body}</body></html>`);
}

function loginForm(uid, error) {
  return `<p>Support Desk test provider. Users: agent1, agent2, supervisor, admin, admin2, norole.</p>
${error ? `<p role="alert" id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User <input name="login" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>`;
}

function consentForm(uid, clientId, scopes) {
  return `<p>Allow <strong>${escape(clientId)}</strong> to use: ${escape(scopes.join(', '))}?</p>
<form method="post" action="/interaction/${escape(uid)}/confirm"><button type="submit">Allow</button></form>
<p><a href="/interaction/${escape(uid)}/abort">Deny</a></p>`;
}

async function formBody(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** A request handler that answers /interaction/* and returns false for every other path. */
export function interactionRoutes(provider) {
  return async function route(req, res) {
    const url = new URL(req.url, 'http://internal');
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
    if (!match) return false;
    const [, uid, step] = match;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      page(res, 400, 'Sign-in expired', '<p>This sign-in attempt is over. Start again from the app.</p>');
      return true;
    }
    if (details.uid !== uid) {
      page(res, 400, 'Sign-in mismatch', '<p>This page belongs to another sign-in attempt.</p>');
      return true;
    }
    const { prompt, params, session } = details;

    if (!step && req.method === 'GET') {
      if (prompt.name === 'login') page(res, 200, 'Sign in', loginForm(uid));
      else page(res, 200, 'Allow access', consentForm(uid, params.client_id, String(params.scope).split(' ')));
      return true;
    }
    if (step === 'abort' && req.method === 'GET') {
      const result = { error: 'access_denied', error_description: 'The user cancelled the sign-in.' };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      return true;
    }
    if (step === 'login' && req.method === 'POST' && prompt.name === 'login') {
      const form = await formBody(req);
      const login = form.get('login') ?? '';
      if (!findUser(login) || form.get('password') !== PASSWORD) {
        page(res, 401, 'Sign in', loginForm(uid, 'Unknown user or wrong password.'));
        return true;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return true;
    }
    if (step === 'confirm' && req.method === 'POST' && prompt.name === 'consent') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const missing = prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scope] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scope.join(' '));
      }
      const result = { consent: { grantId: await grant.save() } };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
      return true;
    }
    page(res, 405, 'Not allowed', '<p>That step does not fit this sign-in.</p>');
    return true;
  };
}
