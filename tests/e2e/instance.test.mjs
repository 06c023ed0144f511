// One window per data folder, and the window where it was left, in the real app under Xvfb: a
// second launch with the same data folder ends at once and brings the running window forward
// (another data folder is another instance); the window's size and position, changed on the X
// display, come back at the next launch, and nothing but them is written for it.
//   DESK_APP_BINARY=/path/to/support-desk node --test tests/e2e/instance.test.mjs
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { start as startIdp } from '../idp/server.mjs';
import { appEnv, startServer, tearDown } from './services.mjs';
import { descendants, openSession, startDriver } from './webdriver.mjs';

const application = process.env.DESK_APP_BINARY;
let idp;
let server;
let home;
let driver;
let session;

/** The app's environment for the data folder `name`: its log and configuration folders too. */
function envOf(name) {
  const xdgConfig = path.join(home, `${name}-config`);
  mkdirSync(xdgConfig, { recursive: true });
  return { ...appEnv({ home, name, idp, server }), DESK_LOG_DIR: path.join(home, `${name}-logs`), XDG_CONFIG_HOME: xdgConfig };
}

/** Starts the app for `env` through a fresh tauri-driver, at its sign-in screen. */
async function launch(env) {
  await session?.close().catch(() => {});
  await driver?.stop();
  driver = await startDriver({ env });
  session = await openSession(driver.base, application);
  await session.find('[data-testid="sign-in-button"]', { timeoutMs: 30_000 });
}

/** Everything the app's log folder holds, as text. */
function logOf(env) {
  const dir = env.DESK_LOG_DIR;
  return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('') : '';
}

/**
 * The X window of the main window of the app the current driver started: found by the app's
 * process, since another test's window with the same title may not be gone yet.
 */
function xWindow() {
  for (const pid of descendants(driver.pid)) {
    const found = spawnSync('xdotool', ['search', '--pid', String(pid), '--name', '^Support Desk$'], { encoding: 'utf8' });
    const win = found.stdout.trim().split('\n')[0];
    if (found.status === 0 && win) return win;
  }
  assert.fail('no X window of the launched app');
}

before(async () => {
  assert.ok(application, 'set DESK_APP_BINARY to the built support-desk binary');
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-instance-'));
});

after(async () => {
  await tearDown({ session, driver, server, idp, home });
});

describe('one instance, and the window where it was left', () => {
  it('a second launch with the same data folder ends at once and brings the first forward', async () => {
    const env = envOf('one');
    await launch(env);
    const second = spawnSync(application, [], { env: { ...process.env, ...env }, timeout: 20_000, encoding: 'utf8' });
    assert.equal(second.signal, null, 'the second launch ended by itself');
    assert.equal(second.status, 0, second.stderr);
    let log = '';
    for (let i = 0; i < 50 && !log.includes('a second launch'); i += 1) {
      await sleep(100);
      log = logOf(env);
    }
    assert.match(log, /a second launch: the running window comes to the front/);
    // The first window is still there, and answers.
    await session.find('[data-testid="sign-in-button"]');

    // Another data folder (another agent's profile) is an instance of its own.
    const other = spawn(application, [], { env: { ...process.env, ...envOf('two') }, stdio: 'ignore' });
    const exited = new Promise((resolve) => other.once('exit', resolve));
    const early = await Promise.race([exited.then(() => true), sleep(4000).then(() => false)]);
    other.kill('SIGKILL');
    await exited;
    assert.equal(early, false, 'an app with another data folder keeps running');
  });

  it("keeps the window's size and position across launches, and nothing else", async () => {
    const env = envOf('state');
    await launch(env);
    const before = await session.windowRect();
    assert.deepEqual([before.width, before.height], [1100, 720], 'the configured size at first');
    const win = xWindow();
    execFileSync('xdotool', ['windowsize', win, '900', '640']);
    execFileSync('xdotool', ['windowmove', win, '40', '30']);
    let moved = before;
    for (let i = 0; i < 50 && (moved.width !== 900 || moved.height !== 640); i += 1) {
      await sleep(100);
      moved = await session.windowRect();
    }
    assert.deepEqual([moved.width, moved.height], [900, 640]);
    // Written once the window stays still, so it survives the app being killed, as here. (The
    // window's first placement may have been written already: wait for the new size.)
    const file = path.join(env.XDG_CONFIG_HOME, 'com.supportdesk.client', '.window-state.json');
    const read = () => {
      try {
        return JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        return null;
      }
    };
    let kept = read();
    for (let i = 0; i < 50 && kept?.main?.width !== 900; i += 1) {
      await sleep(100);
      kept = read();
    }
    assert.ok(kept, `where the window is, written: ${logOf(env)}`);
    assert.deepEqual(Object.keys(kept), ['main'], 'only the main window');
    assert.deepEqual([kept.main.width, kept.main.height], [900, 640]);
    assert.deepEqual(readdirSync(path.dirname(file)), ['.window-state.json'], 'nothing else in the folder');

    await launch(env);
    const again = await session.windowRect();
    assert.deepEqual([again.width, again.height], [900, 640], 'the size it was left at');
    assert.deepEqual([again.x, again.y], [moved.x, moved.y], 'where it was left');
  });
});
