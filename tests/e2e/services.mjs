// The real services behind the window under test: desk-server with demo data, and the `desk`
// command line for what an administrator does meanwhile. Binaries come from the folder of
// DESK_APP_BINARY (one cargo target folder builds all three).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const loginScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../idp/login.mjs');

/** The path of a binary built beside the app. */
export function binary(name) {
  return path.join(path.dirname(process.env.DESK_APP_BINARY ?? ''), name);
}

/** Runs `desk-server serve` on `listen` with `env`; resolves to the child and its startup line. */
async function serve(env, listen) {
  const child = spawn(binary('desk-server'), ['serve', '--listen', listen], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`desk-server exited with ${code}`)));
  });
  return { child, started: JSON.parse(line) };
}

/** Stops `child` with SIGTERM; a server that does not stop within 10 s is killed. */
async function terminate(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts desk-server for `issuer` with `customers` demo customers in a folder of its own.
 * Resolves to { url, policyKeysFile, dataDir, halt(), restart(), stop() }: `dataDir` holds its
 * SQLite database; `halt` stops the process and keeps its data, `restart` starts it again on
 * the same address, with the `DESK_SERVER_` settings in `settings` added (such as
 * `DESK_SERVER_MIN_CLIENT_VERSION`); `stop` stops it for good and removes the folder.
 */
export async function startServer({ issuer, customers = 50 }) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'desk-server-e2e-'));
  const env = { ...process.env, DESK_SERVER_ISSUER: issuer, DESK_SERVER_DATA_DIR: dataDir };
  const data = spawnSync(binary('desk-server'), ['demo-data', '--customers', String(customers)], {
    env,
    encoding: 'utf8',
  });
  if (data.status !== 0) throw new Error(`desk-server demo-data failed: ${data.stderr}`);
  let { child, started } = await serve(env, '127.0.0.1:0');
  const address = new URL(started.listening).host;
  return {
    url: started.listening,
    policyKeysFile: started.policy_keys_file,
    dataDir,
    halt: () => terminate(child),
    restart: async (settings = {}) => {
      await terminate(child);
      Object.assign(env, settings);
      ({ child } = await serve(env, address));
    },
    stop: async () => {
      await terminate(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `sql` on the database of `server` (from `startServer`) beside the running server, as an
 * insider with the database would; resolves to its rows. Read-only unless `write` is given.
 */
export function serverSql(server, sql, { write = false } = {}) {
  // The store's file name: FILE_NAME in crates/desk-server/src/store/sqlite.rs.
  const database = path.join(server.dataDir, 'desk-server.sqlite3');
  const out = execFileSync('sqlite3', [...(write ? [] : ['-readonly']), '-json', database, sql], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}

/**
 * Runs `desk ARGS` with `env` on top of the test's environment; rejects unless it succeeds.
 * Asynchronous on purpose: the test provider runs in this very process and must keep answering.
 */
export function desk(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary('desk'), args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`desk ${args.join(' ')} failed (${code}): ${stderr}`)),
    );
  });
}

/**
 * The environment of an app under test (the window, or `desk`): an empty configuration file in
 * `home`, a data folder and keychain namespace named `name`, so nothing of the person running the
 * tests is read or touched; `idp` and `server` configured and pinned; `user` signed in at the test
 * provider through `browser` (default: the provider's login script, a stand-in for a browser).
 */
export function appEnv({ home, name, idp, server, user = 'agent1', browser = `node ${loginScript}` }) {
  const config = path.join(home, 'config.toml');
  if (!existsSync(config)) writeFileSync(config, '');
  return {
    DESK_CONFIG: config,
    DESK_DATA_DIR: path.join(home, name),
    DESK_KEYRING_SERVICE: `support-desk-e2e-${name}-${process.pid}`,
    DESK_ISSUER: idp.issuer,
    DESK_SERVER_URL: server.url,
    DESK_POLICY_KEYS_FILE: server.policyKeysFile,
    DESK_IDP_USER: user,
    BROWSER: browser,
  };
}

/**
 * Ends what a test file started, whichever parts of it exist: the window's session and its
 * driver, desk-server, the test provider, and the file's folder.
 */
export async function tearDown({ session, driver, server, idp, home }) {
  await session?.close().catch(() => {});
  await driver?.stop();
  await server?.stop();
  await idp?.close();
  if (home) rmSync(home, { recursive: true, force: true });
}
