// The app as an agent's laptop gets it: the .deb of the oldest release the test command built
// with scripts/release (the workspace's version; tests/e2e/releases.mjs) declares what the app
// needs, unpacks into a folder of its own as dpkg would install it, and the installed binary
// starts to its sign-in screen; the .rpm is there beside it, naming the same needs, each with its
// signature. (update.test.mjs installs the .deb with dpkg for real.)
//   DESK_TEST_RELEASES=DIR node --test tests/e2e/installer.test.mjs
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { start as startIdp } from '../idp/server.mjs';
import { packageOf, releases } from './releases.mjs';
import { appEnv, startServer, tearDown } from './services.mjs';
import { openSession, startDriver } from './webdriver.mjs';

let idp;
let server;
let home;
let driver;
let session;

/** The release's file ending with `ending`. */
function bundled(ending) {
  const { dir, versions } = releases();
  return packageOf(dir, versions[0], ending);
}

before(async () => {
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-installer-'));
});

after(async () => {
  await tearDown({ session, driver, server, idp, home });
});

describe('the installers', () => {
  it('the .deb declares what the app needs and installs a binary, a launcher and icons', () => {
    const deb = bundled('.deb');
    const field = (name) => execFileSync('dpkg-deb', ['--field', deb, name], { encoding: 'utf8' }).trim();
    assert.equal(field('Package'), 'support-desk');
    const depends = field('Depends');
    for (const needed of ['libwebkit2gtk-4.1-0', 'libgtk-3-0', 'xdg-utils', 'gnome-keyring | kwalletmanager | keepassxc']) {
      assert.ok(depends.includes(needed), `Depends names ${needed}: ${depends}`);
    }
    const root = path.join(home, 'root');
    execFileSync('dpkg', ['-x', deb, root]);
    assert.ok(existsSync(path.join(root, 'usr/bin/support-desk')), 'the binary');
    const launcher = readdirSync(path.join(root, 'usr/share/applications')).find((f) => f.endsWith('.desktop'));
    const desktop = readFileSync(path.join(root, 'usr/share/applications', launcher), 'utf8');
    assert.match(desktop, /^Exec=support-desk/m);
    assert.match(desktop, /^Name=Support Desk$/m);
    assert.ok(existsSync(path.join(root, 'usr/share/icons/hicolor/128x128/apps/support-desk.png')), 'its icon');
  });

  it('the installed binary starts to its sign-in screen', async () => {
    const installed = path.join(home, 'root/usr/bin/support-desk');
    driver = await startDriver({ env: appEnv({ home, name: 'installed', idp, server }) });
    session = await openSession(driver.base, installed);
    await session.find('[data-testid="sign-in-button"]', { timeoutMs: 30_000 });
    assert.equal(await session.title(), 'Support Desk');
  });

  it('the .rpm is an RPM naming the same needs', () => {
    const rpm = readFileSync(bundled('.rpm'));
    assert.deepEqual([...rpm.subarray(0, 4)], [0xed, 0xab, 0xee, 0xdb], 'the RPM lead');
    const header = rpm.subarray(0, 64 * 1024).toString('latin1');
    for (const needed of ['gnome-keyring', 'xdg-utils']) assert.ok(header.includes(needed), `requires ${needed}`);
  });

  it('each installer has its update signature, bound to its version, in the feed beside it', () => {
    const { dir, versions } = releases();
    const feed = JSON.parse(readFileSync(path.join(dir, versions[0], 'latest.json'), 'utf8'));
    assert.equal(feed.version, versions[0]);
    for (const [target, ending] of [['linux-x86_64-deb', '.deb'], ['linux-x86_64-rpm', '.rpm']]) {
      const file = bundled(ending);
      const signature = readFileSync(`${file}.sig`, 'utf8');
      assert.equal(feed.platforms[target].signature, signature, target);
      assert.ok(feed.platforms[target].url.endsWith(`/${versions[0]}/${encodeURIComponent(path.basename(file))}`), target);
      const text = Buffer.from(signature, 'base64').toString('utf8');
      assert.match(text, new RegExp(`^trusted comment: .*\\tversion:${versions[0].replaceAll('.', '\\.')}$`, 'm'), 'the version is signed');
    }
  });
});
