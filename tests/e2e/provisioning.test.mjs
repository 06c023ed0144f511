// Provisioning takes effect in an open window at once: the organisation deactivates the agent's
// SCIM user while the window shows a customer, the server ends the window's event stream and
// refuses its still-valid token, and the window shreds its cache, ends the session and goes back
// to the sign-in screen saying why.
//   DESK_APP_BINARY=/path/to/support-desk node --test tests/e2e/
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { start as startIdp } from '../idp/server.mjs';
import { saveScreenshot, selectFromSearch } from './screens.mjs';
import { appEnv, binary, startServer, tearDown } from './services.mjs';
import { openSession, startDriver } from './webdriver.mjs';

let idp;
let server;
let driver;
let session;
let home;
let scimToken;

/** A SCIM request to the server with the provisioning token: its status and body. */
async function scim(method, resource, body) {
  const response = await fetch(`${server.url}/scim/v2${resource}`, {
    method,
    headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const patchActive = (active) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'Replace', path: 'active', value: active ? 'True' : 'False' }],
});

before(async () => {
  assert.ok(process.env.DESK_APP_BINARY, 'set DESK_APP_BINARY to the built support-desk binary');
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  // Made beside the running server, as an administrator would.
  const made = spawnSync(binary('desk-server'), ['scim', 'token', 'create', '--name', 'e2e'], {
    env: { ...process.env, DESK_SERVER_ISSUER: idp.issuer, DESK_SERVER_DATA_DIR: server.dataDir },
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  scimToken = JSON.parse(made.stdout).token;
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-provisioning-'));
  driver = await startDriver({ env: appEnv({ home, name: 'agent', idp, server, user: 'agent1' }) });
  session = await openSession(driver.base, process.env.DESK_APP_BINARY);
});

after(async () => {
  await tearDown({ session, driver, server, idp, home });
});

describe('an agent deprovisioned while the window is open', () => {
  let userId;

  it('is refused within a second, its window signed out and its cache shredded', async () => {
    const made = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'agent1',
      active: true,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    userId = made.body.id;
    await session.click(await session.find('[data-testid="sign-in-button"]'));
    const { input } = await selectFromSearch(session, 1);
    await session.type(input, '\uE007');
    await session.find('[data-widget="customer.summary"]', { timeoutMs: 15_000 });
    const cache = path.join(home, 'agent', 'cache');
    assert.ok(existsSync(cache) && readdirSync(cache).length > 0, 'the customer was cached');

    const started = Date.now();
    const off = await scim('PATCH', `/Users/${userId}`, patchActive(false));
    assert.equal(off.status, 200, JSON.stringify(off.body));
    const note = await session.find('[data-testid="sign-out-note"]', { timeoutMs: 10_000 });
    const took = Date.now() - started;
    console.log(`the window was back at the sign-in screen ${took} ms after the deactivation`);
    assert.match(await session.text(note), /Your organisation withdrew your access/);
    assert.equal((await session.findAll('[data-testid="signed-in"]')).length, 0);
    assert.equal(readdirSync(cache).length, 0, 'the cache is shredded');
    // Within a second the server refuses the agent: the stream's end is what brought the window
    // back; its reconnection waits out the client's first second of backoff.
    assert.ok(took < 5_000, `${took} ms`);
    await saveScreenshot(session, 'access-withdrawn');
  });

  it('is let back in with one new sign-in once access is given back', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    const on = await scim('PATCH', `/Users/${userId}`, patchActive(true));
    assert.equal(on.status, 200, JSON.stringify(on.body));
    await session.click(await session.find('[data-testid="sign-in-button"]'));
    const { input } = await selectFromSearch(session, 1);
    await session.type(input, '\uE007');
    await session.find('[data-widget="customer.summary"]', { timeoutMs: 15_000 });
    assert.equal((await session.findAll('[data-testid="sign-out-note"]')).length, 0);
  });
});
