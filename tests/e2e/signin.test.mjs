// The real Support Desk window under Xvfb, driven through tauri-driver and WebKitWebDriver.
//   DESK_APP_BINARY=/path/to/support-desk node --test tests/e2e/
// Screenshots go to $DESK_SCREENSHOT_DIR (default test-output/screenshots); their paths are printed.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { start as startIdp } from '../idp/server.mjs';
import { saveScreenshot } from './screens.mjs';
import { appEnv, startServer, tearDown } from './services.mjs';
import { openSession, startDriver } from './webdriver.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const application = process.env.DESK_APP_BINARY;

const loginScript = path.join(repo, 'tests/idp/login.mjs');

let idp;
let server;
let driver;
let session;
let home;
/** The app's keychain namespace (set by `launch`). */
let keyringService;

/** Starts the app (through a fresh tauri-driver) with `browser` as its BROWSER command. */
async function launch(browser) {
  await session?.close().catch(() => {});
  await driver?.stop();
  const env = appEnv({ home, name: 'signin', idp, server, user: 'agent2', browser });
  keyringService = env.DESK_KEYRING_SERVICE;
  driver = await startDriver({ env });
  session = await openSession(driver.base, application);
}

/** The keychain entries the app holds, as `secret-tool` sees them. */
function keychainEntries() {
  const out = spawnSync('secret-tool', ['search', '--all', 'service', keyringService], { encoding: 'utf8' });
  return (out.stdout + out.stderr).split('\n').filter((l) => l.startsWith('attribute.username'));
}

async function screenshot(name) {
  // A blank window of this size compresses to a few kB; text and a card make it far larger.
  // The element can be in the DOM a moment before it is painted: a few tries, then fail.
  let bytes = 0;
  for (let tries = 0; tries < 5 && bytes <= 15_000; tries += 1) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 300));
    bytes = await saveScreenshot(session, name);
  }
  assert.ok(bytes > 15_000, `a rendered screen, not a blank (${bytes} bytes)`);
}

before(async () => {
  assert.ok(application, 'set DESK_APP_BINARY to the built support-desk binary');
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-'));
  await launch(`node ${loginScript}`);
});

after(async () => {
  await tearDown({ session, driver, server, idp, home });
});

describe('the app window', () => {
  it('opens on the sign-in screen, naming the configured provider', async () => {
    const screen = await session.find('[data-testid="sign-in-screen"]');
    assert.match(await session.text(screen), /Support Desk/);
    const provider = await session.find('[data-testid="provider"]');
    assert.equal(await session.text(provider), `Your company account at ${new URL(idp.issuer).host}`);
    assert.equal(await session.title(), 'Support Desk');
  });


  it('keeps the webview free of Tauri globals and of remote content', async () => {
    const source = await session.source();
    assert.doesNotMatch(source, /<script[^>]+src="https?:/i, 'no remote scripts');
    assert.equal((await session.findAll('iframe')).length, 0);
    const globals = await session.executeAsync('arguments[0](typeof window.__TAURI__)');
    assert.equal(globals, 'undefined', 'withGlobalTauri is off');
  });

  it('cannot reach the network from the webview (CSP connect-src)', async () => {
    const outcome = await session.executeAsync(
      `const done = arguments[1];
       fetch(arguments[0] + '/.well-known/openid-configuration')
         .then(() => done('fetched'), (e) => done('blocked: ' + e));`,
      [idp.issuer],
    );
    assert.match(outcome, /^blocked/);
  });

  it('may call only the commands its capability grants', async () => {
    const call = (cmd) =>
      session.executeAsync(
        `const done = arguments[1];
         window.__TAURI_INTERNALS__.invoke(arguments[0], {})
           .then((v) => done({ ok: true, value: v }), (e) => done({ ok: false, error: String(e) }));`,
        [cmd],
      );
    const allowed = await call('app_status');
    assert.equal(allowed.ok, true, JSON.stringify(allowed));
    assert.equal(allowed.value.signedIn, false);
    for (const cmd of ['plugin:app|version', 'plugin:window|close', 'plugin:event|emit', 'no_such_command']) {
      const refused = await call(cmd);
      assert.equal(refused.ok, false, `${cmd} must be refused: ${JSON.stringify(refused)}`);
    }
  });

  it('writes a screenshot of the sign-in screen', async () => {
    await session.find('[data-testid="sign-in-button"]');
    await screenshot('sign-in');
  });

  it('signs in through the browser hook and shows the agent, with no token in the page', async () => {
    const button = await session.find('[data-testid="sign-in-button"]');
    assert.equal(await session.enabled(button), true);
    await session.click(button);
    const name = await session.find('[data-testid="agent-name"]', { timeoutMs: 30_000 });
    assert.equal(await session.text(name), 'Signed in as Sam Tier-Two');
    assert.match(await session.text(await session.find('[data-testid="agent-roles"]')), /support-tier2/);
    // The verified policy lays out the workspace; nothing signed reaches the page.
    await session.find('[data-layout-widget="ticket.internal_notes"]', { timeoutMs: 15_000 });
    const source = await session.source();
    assert.doesNotMatch(source, /eyJ[A-Za-z0-9_-]{10,}\./, 'no JWT anywhere in the page');
    // The account, the refresh token, the identity verified at sign-in (for restarts and for
    // refreshes answered without an ID token), the key of the encrypted cache the policy allows,
    // and whose cache it is (kept apart from the session, so a sign-out after the session ended
    // still shreds it).
    const names = keychainEntries().map((l) => l.split(' = ')[1]?.split('@')[0]).sort();
    assert.deepEqual(
      names,
      ['account', 'cache-key', 'cache-owner', 'identity', 'refresh-token'],
      keychainEntries().join('\n'),
    );
    await screenshot('signed-in');
  });

  it('reads a customer through the app, as the role may see them', async () => {
    const answer = await session.executeAsync(
      `const done = arguments[0];
       window.__TAURI_INTERNALS__.invoke('open_customer', { id: 1 })
         .then((v) => done({ ok: true, value: v }), (e) => done({ ok: false, error: e }));`,
    );
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.value.source, 'server');
    const customer = answer.value.value;
    assert.equal(customer.id, 1);
    assert.match(customer.email, /@example\./, 'agent_l2 sees the e-mail address whole');
    assert.match(customer.date_of_birth, /^\d{4}$/, 'and only the year of birth');
    for (const card of customer.accounts.flatMap((a) => a.cards ?? [])) {
      assert.match(card.number, /^•••• \d{4}$/, 'never a whole card number');
    }
    assert.doesNotMatch(JSON.stringify(answer), /eyJ[A-Za-z0-9_-]{10,}\./, 'no token in the answer');
  });

  it('is still signed in after a restart, without a browser', async () => {
    await launch('false');
    const name = await session.find('[data-testid="agent-name"]', { timeoutMs: 30_000 });
    assert.equal(await session.text(name), 'Signed in as Sam Tier-Two');
  });

  it('signs out: back to the sign-in screen, nothing left in the keychain', async () => {
    await session.click(await session.find('[data-testid="sign-out-button"]'));
    await session.find('[data-testid="sign-in-screen"]', { timeoutMs: 15_000 });
    assert.deepEqual(keychainEntries(), []);
  });
});
