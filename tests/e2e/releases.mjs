// The releases the test command built with scripts/release (DESK_TEST_RELEASES): two versions of
// the window, each a signed .deb and .rpm and the feed naming them, signed with a key the test
// command made (its public key compiled into both builds), and what installing them on this
// machine takes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const HOW = 'the test command builds them: scripts/test (or scripts/release --debug --out DIR twice, the second --version newer, and DESK_TEST_RELEASES=DIR)';

/** Numeric order of `MAJOR.MINOR.PATCH` versions. */
function byVersion(a, b) {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/**
 * The folder of releases: `{ dir, versions, key }`, oldest version first, `key` the private key
 * they are signed with (its public key in `key.pub`). Fails, saying how to build them, without.
 */
export function releases() {
  const dir = process.env.DESK_TEST_RELEASES;
  assert.ok(dir && existsSync(dir), `set DESK_TEST_RELEASES to the folder of test releases: ${HOW}`);
  const versions = readdirSync(dir)
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort(byVersion);
  assert.ok(versions.length >= 1, `no release in ${dir}: ${HOW}`);
  const key = path.join(dir, 'update.key');
  assert.ok(existsSync(key), `no update key in ${dir}: ${HOW}`);
  return { dir, versions, key };
}

/** The file of release `version` in `dir` ending with `ending` (`.deb`, `.rpm`). */
export function packageOf(dir, version, ending) {
  const folder = path.join(dir, version);
  const found = readdirSync(folder).filter((f) => f.endsWith(ending));
  assert.equal(found.length, 1, `one ${ending} in ${folder}: ${HOW}`);
  return path.join(folder, found[0]);
}

/** Release `version`'s feed, as scripts/release wrote it. */
export function feedOf(dir, version) {
  return JSON.parse(readFileSync(path.join(dir, version, 'latest.json'), 'utf8'));
}

/**
 * Runs `command` with administrator rights: directly as root (as CI runs), else through sudo
 * without a password; fails saying so when neither is possible.
 */
export function asRoot(command, args) {
  if (process.getuid() === 0) return execFileSync(command, args, { encoding: 'utf8' });
  assert.equal(
    spawnSync('sudo', ['-n', 'true']).status,
    0,
    'installing packages needs root (CI runs as root) or sudo without a password',
  );
  return execFileSync('sudo', ['-n', command, ...args], { encoding: 'utf8' });
}

/** The installed version of the package `name`, or null. */
export function installedVersion(name) {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status} ${Version}', name], { encoding: 'utf8' });
  const [want, , state, version] = query.stdout.split(' ');
  return query.status === 0 && want === 'install' && state === 'installed' ? version : null;
}
