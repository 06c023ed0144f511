// Signed updates, for real: the older release's .deb installed on this machine with dpkg, the
// installed app started through tauri-driver with a feed on loopback (DESK_UPDATE_FEED), and the
// newer release offered. A package altered after signing, one signed with another key, and a
// feed pairing the new version with the old package are refused with a sentence that says so,
// and nothing changes (the package database and the installed binary as they were); the signed
// newer version is installed on the agent's word and restarted into; and a version the server
// retires installs it at once. Needs root or sudo without a password (it installs packages),
// and the releases the test command builds (DESK_TEST_RELEASES: tests/e2e/releases.mjs).
//   DESK_TEST_RELEASES=DIR node --test tests/e2e/update.test.mjs
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { start as startIdp } from '../idp/server.mjs';
import { asRoot, feedOf, installedVersion, packageOf, releases } from './releases.mjs';
import { saveScreenshot } from './screens.mjs';
import { appEnv, startServer, tearDown } from './services.mjs';
import { descendants, openSession, running, startDriver } from './webdriver.mjs';

const PACKAGE = 'support-desk';
const INSTALLED = '/usr/bin/support-desk';
// Written while this test has its package installed, so a run cut short is cleaned up by the next
// one instead of being mistaken for a person's own installation.
const MARKER = path.join(homedir(), '.cache/support-desk/update-test-installed');

let idp;
let server;
let home;
let driver;
let session;
let feed;
let built;
let older;
let newer;

/** The feed on loopback: answers each path with what `routes` holds for it now. */
async function startFeed() {
  const routes = new Map();
  const http = createServer((req, res) => {
    const body = routes.get(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${http.address().port}`;
  return {
    url: `${base}/latest.json`,
    /** Offers `version` with `pkg` (bytes) and `signature` (the .sig's text). */
    offer(version, pkg, signature) {
      routes.clear();
      routes.set('/package.deb', pkg);
      const entry = { signature, url: `${base}/package.deb` };
      const announced = { ...feedOf(built.dir, newer), version, platforms: { 'linux-x86_64-deb': entry } };
      routes.set('/latest.json', Buffer.from(JSON.stringify(announced)));
    },
    close: () => new Promise((resolve) => http.close(resolve)),
  };
}

/** Installs release `version` with dpkg, as an administrator would. */
function install(version) {
  mkdirSync(path.dirname(MARKER), { recursive: true });
  writeFileSync(MARKER, `${version}\n`);
  asRoot('dpkg', ['-i', packageOf(built.dir, version, '.deb')]);
  assert.equal(installedVersion(PACKAGE), version);
}

const digest = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The installed app, started by a fresh driver, at its sign-in screen. */
async function launch(name, extra = {}) {
  await session?.close().catch(() => {});
  await driver?.stop();
  const env = { ...appEnv({ home, name, idp, server }), DESK_UPDATE_FEED: feed.url, ...extra };
  driver = await startDriver({ env });
  session = await openSession(driver.base, INSTALLED);
  await session.find('[data-testid="sign-in-button"]', { timeoutMs: 30_000 });
}

/** What the window says after the agent installs the offered `version` and it is refused. */
async function refusal(version) {
  await launch(`refused-${Math.random().toString(16).slice(2, 8)}`);
  const offer = await session.text(await session.find('[data-testid="update-offered"]', { timeoutMs: 30_000 }));
  assert.equal(offer, `Support Desk ${version} is available (you have ${older}).`);
  await session.click(await session.find('[data-testid="update-install"]'));
  return session.text(await session.find('[data-testid="update-problem"]', { timeoutMs: 60_000 }));
}

/** Signs `file` for `version` with `key`; resolves to the .sig's text. */
function sign(file, key, version) {
  const env = { ...process.env, TAURI_SIGNING_PRIVATE_KEY_PASSWORD: '' };
  delete env.TAURI_SIGNING_PRIVATE_KEY;
  execFileSync('cargo', ['tauri', 'signer', 'sign', '-f', key, '--app-version', version, file], { stdio: 'ignore', env });
  return readFileSync(`${file}.sig`, 'utf8');
}

/** The processes running the installed binary that the driver did not start. */
function restarted() {
  const ours = new Set(driver ? descendants(driver.pid) : []);
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && !ours.has(Number(p)))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/exe`) === INSTALLED;
      } catch {
        return false;
      }
    })
    .map(Number);
}

before(async () => {
  built = releases();
  assert.ok(built.versions.length >= 2, `two releases in ${built.dir}, an older and a newer one`);
  [older, newer] = [built.versions[0], built.versions.at(-1)];
  const present = installedVersion(PACKAGE);
  if (present && !existsSync(MARKER)) {
    assert.fail(`a ${PACKAGE} package (${present}) is installed on this machine and not by this test: remove it first (dpkg -r ${PACKAGE})`);
  }
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-update-'));
  feed = await startFeed();
  install(older);
});

after(async () => {
  await tearDown({ session, driver, server, idp, home: null });
  for (const pid of restarted()) process.kill(pid, 'SIGKILL');
  await feed?.close();
  if (installedVersion(PACKAGE)) asRoot('dpkg', ['--purge', PACKAGE]);
  rmSync(MARKER, { force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('updates, signed', () => {
  it('a package altered after signing is refused, and nothing changes', async () => {
    const binary = digest(INSTALLED);
    const pkg = readFileSync(packageOf(built.dir, newer, '.deb'));
    const altered = Buffer.from(pkg);
    altered[Math.floor(altered.length / 2)] ^= 0x01;
    feed.offer(newer, altered, readFileSync(`${packageOf(built.dir, newer, '.deb')}.sig`, 'utf8'));
    const said = await refusal(newer);
    assert.equal(said, `The update to ${newer} was refused: its content does not match its signature, so it was altered after signing; nothing was installed.`);
    await saveScreenshot(session, 'update-refused');
    assert.equal(installedVersion(PACKAGE), older, 'the package database as it was');
    assert.equal(digest(INSTALLED), binary, 'the installed binary as it was');
  });

  it('a package signed with another key is refused, and nothing changes', async () => {
    const binary = digest(INSTALLED);
    const other = path.join(home, 'other.key');
    execFileSync('cargo', ['tauri', 'signer', 'generate', '--ci', '-w', other, '-p', ''], { stdio: 'ignore' });
    const copy = path.join(home, 'newer.deb');
    writeFileSync(copy, readFileSync(packageOf(built.dir, newer, '.deb')));
    feed.offer(newer, readFileSync(copy), sign(copy, other, newer));
    const said = await refusal(newer);
    assert.equal(said, `The update to ${newer} was refused: it is signed with a key this build does not trust; nothing was installed.`);
    assert.equal(installedVersion(PACKAGE), older);
    assert.equal(digest(INSTALLED), binary);
  });

  it('a feed announcing the new version with an older signed package is refused', async () => {
    // Validly signed, by the right key, for the version installed: a replay, not an update.
    const old = packageOf(built.dir, older, '.deb');
    feed.offer(newer, readFileSync(old), readFileSync(`${old}.sig`, 'utf8'));
    const said = await refusal(newer);
    assert.equal(said, `The update to ${newer} was refused: its signature is for version ${older}, not the one the feed announced; nothing was installed.`);
    assert.equal(installedVersion(PACKAGE), older);
  });

  it('the signed newer version is offered, installed on the agent’s word and restarted into', async () => {
    const pkg = packageOf(built.dir, newer, '.deb');
    feed.offer(newer, readFileSync(pkg), readFileSync(`${pkg}.sig`, 'utf8'));
    await launch('offered');
    await session.find('[data-testid="update-offered"]', { timeoutMs: 30_000 });
    await saveScreenshot(session, 'update-offered');
    assert.equal(installedVersion(PACKAGE), older, 'nothing installed before the agent says so');
    await session.click(await session.find('[data-testid="update-install"]'));
    const done = await session.text(await session.find('[data-testid="update-installed"]', { timeoutMs: 120_000 }));
    assert.equal(done, `Support Desk ${newer} is installed. Restart Support Desk to use it.`);
    assert.equal(installedVersion(PACKAGE), newer, 'dpkg has the new version');

    // The app ends on the click, so the driver may not hear it answered.
    await session.click(await session.find('[data-testid="update-restart"]')).catch(() => {});
    let fresh = [];
    for (let i = 0; i < 100 && fresh.length === 0; i += 1) {
      await sleep(100);
      fresh = restarted();
    }
    assert.equal(fresh.length, 1, 'the app started again from the installed binary');
    let window = '';
    for (let i = 0; i < 100 && !window; i += 1) {
      await sleep(200);
      window = spawnSync('xdotool', ['search', '--pid', String(fresh[0]), '--name', '^Support Desk$'], { encoding: 'utf8' }).stdout.trim();
    }
    assert.ok(window, 'with its window');
    process.kill(fresh[0], 'SIGKILL');
    for (let i = 0; i < 50 && running(fresh[0]); i += 1) await sleep(100);

    // Started again, it is the new version, and the feed offers it nothing newer. (Another data
    // folder: the killed one's single-instance name may be held until the bus sees it gone.)
    await launch('after-update');
    assert.match(await session.text(await session.find('.version')), new RegExp(`Version ${newer.replaceAll('.', '\\.')}$`));
    await sleep(2000);
    assert.equal((await session.findAll('[data-testid="update-offered"]')).length, 0);
  });

  it('a version the server retires installs the update at once, without asking', async () => {
    install(older);
    await server.restart({ DESK_SERVER_MIN_CLIENT_VERSION: newer });
    const pkg = packageOf(built.dir, newer, '.deb');
    feed.offer(newer, readFileSync(pkg), readFileSync(`${pkg}.sig`, 'utf8'));
    await launch('retired');
    await session.click(await session.find('[data-testid="sign-in-button"]'));
    await session.find('[data-testid="update-required"]', { timeoutMs: 30_000 });
    const done = await session.text(await session.find('[data-testid="update-installed"]', { timeoutMs: 120_000 }));
    assert.match(done, new RegExp(`Support Desk ${newer.replaceAll('.', '\\.')} is installed`));
    await saveScreenshot(session, 'update-required-installed');
    assert.equal(installedVersion(PACKAGE), newer);
    assert.equal((await session.findAll('[data-testid="update-install"]')).length, 0, 'nobody was asked');
  });
});
