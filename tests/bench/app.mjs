// The app's own benchmark, on the real window under Xvfb (through tauri-driver, like the
// end-to-end tests): how long from the app's process start until the sign-in screen is
// interactive, and how much memory the app's processes hold after an agent opened a customer
// and scrolled through 1,000 of their transactions.
//
//   DESK_APP_BINARY=/path/to/release/support-desk node tests/bench/app.mjs [--out DIR] [--runs 5]
//
// Needs a display, a D-Bus session with an unlocked Secret Service, and desk-server and desk built
// beside the app (scripts/bench provides all of it). Writes DIR/app.json (the result objects every
// benchmark writes) and prints a table. A benchmark, not a test: it reports, it does not fail on a
// number (it does fail when the app cannot be driven at all).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { selectFromSearch } from '../e2e/screens.mjs';
import { appEnv, startServer } from '../e2e/services.mjs';
import { descendants, openSession, startDriver } from '../e2e/webdriver.mjs';
import { start as startIdp } from '../idp/server.mjs';

const { values: options } = parseArgs({
  options: {
    out: { type: 'string', default: process.env.DESK_BENCH_OUT ?? '' },
    runs: { type: 'string', default: '5' },
    transactions: { type: 'string', default: '1000' },
  },
});
const application = process.env.DESK_APP_BINARY;
if (!application) throw new Error('set DESK_APP_BINARY to the built support-desk binary');
const runs = Number(options.runs);
const wanted = Number(options.transactions);

/** Seconds since boot at which process `pid` started (Linux: field 22 of /proc/PID/stat, in ticks). */
function startedAt(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  return Number(fields[19]) / ticks;
}

/** Seconds since boot, now. */
const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

/** The app's process: the child of WebKitWebDriver running DESK_APP_BINARY. */
function appPid(driverPid) {
  for (const pid of descendants(driverPid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === application) return pid;
    } catch {
      // ended meanwhile
    }
  }
  throw new Error('the app process was not found below tauri-driver');
}

/** Resident (RSS) and proportional (PSS) memory of `pid` and every process below it, in MiB. */
function memoryOfTree(pid) {
  let rss = 0;
  let pss = 0;
  const processes = [];
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const rollup = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
      const name = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      rss += kib('Rss');
      pss += kib('Pss');
      processes.push({ pid: p, name, rssMiB: +(kib('Rss') / 1024).toFixed(1) });
    } catch {
      // ended meanwhile
    }
  }
  return { rssMiB: +(rss / 1024).toFixed(1), pssMiB: +(pss / 1024).toFixed(1), processes };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** The customer with the fewest transactions that still has `n`, from desk-server's database. */
function customerWithAtLeast(dataDir, n) {
  const database = path.join(dataDir, 'desk-server.sqlite3');
  const sql = `SELECT customer_id AS id, count(*) AS n FROM transactions GROUP BY customer_id
               HAVING count(*) >= ${Number(n)} ORDER BY count(*) LIMIT 1`;
  return JSON.parse(execFileSync('sqlite3', ['-readonly', '-json', database, sql], { encoding: 'utf8' }))[0];
}

const idp = await startIdp();
const server = await startServer({ issuer: idp.issuer, customers: 2000 });
const home = mkdtempSync(path.join(tmpdir(), 'support-desk-bench-app-'));
const envs = [];
/** A fresh data folder and keychain namespace for each start. */
const env = (n) => {
  const e = appEnv({ home, name: `bench-${n}`, idp, server, user: 'agent1' });
  envs.push(e);
  return e;
};

const results = [];
try {
  // 1. Process start → the sign-in button is in the page and enabled. Each run is a fresh process
  //    with a fresh data folder; the first run also warms the page cache, as a laptop's second
  //    start would be.
  const starts = [];
  let signInMemory;
  for (let run = 0; run <= runs; run += 1) {
    const driver = await startDriver({ env: env(run) });
    try {
      const session = await openSession(driver.base, application);
      let ready;
      for (;;) {
        const found = await session.findAll('[data-testid="sign-in-button"]');
        if (found.length && (await session.enabled(found[0]))) {
          ready = uptime();
          break;
        }
        await sleep(5);
      }
      const pid = appPid(driver.pid);
      const ms = (ready - startedAt(pid)) * 1000;
      if (run > 0) starts.push(ms);
      if (run === runs) {
        await sleep(1000);
        signInMemory = memoryOfTree(pid);
      }
      await session.close().catch(() => {});
    } finally {
      await driver.stop();
    }
  }
  starts.sort((a, b) => a - b);
  const p50 = percentile(starts, 50);
  const worst = starts[starts.length - 1];
  results.push(
    {
      benchmark: 'app',
      case: `process start to interactive sign-in screen (${runs} starts)`,
      measure: 'p50',
      unit: 'ms',
      value: Math.round(p50),
      baseline: null,
      baseline_name: null,
      ratio: null,
      target: '< 1000 ms',
      met: p50 < 1000,
    },
    {
      benchmark: 'app',
      case: `process start to interactive sign-in screen (${runs} starts)`,
      measure: 'max',
      unit: 'ms',
      value: Math.round(worst),
      baseline: null,
      baseline_name: null,
      ratio: null,
      target: '< 1000 ms',
      met: worst < 1000,
    },
  );

  // 2. Memory after signing in, opening the customer and scrolling through ~1,000 transactions,
  //    against the same processes at the sign-in screen (measured above) as the baseline.
  const customer = customerWithAtLeast(server.dataDir, wanted);
  const driver = await startDriver({ env: env('memory') });
  try {
    const session = await openSession(driver.base, application);
    await session.click(await session.find('[data-testid="sign-in-button"]', { timeoutMs: 30_000 }));
    const { input } = await selectFromSearch(session, customer.id);
    await session.type(input, '\uE007');
    await session.click(await session.find('[data-testid="all-transactions"]', { timeoutMs: 15_000 }));
    const grid = await session.find('[data-testid="transactions-table"]', { timeoutMs: 15_000 });
    const loaded = async () => Number(await session.attribute(grid, 'aria-rowcount'));
    const deadline = Date.now() + 60_000;
    while ((await loaded()) < wanted && Date.now() < deadline) {
      await session.executeAsync(
        `const grid = document.querySelector('[data-testid="transactions-table"]');
         grid.scrollTop = grid.scrollHeight; arguments[0]();`,
      );
      await sleep(100);
    }
    const rows = await loaded();
    if (rows < wanted) throw new Error(`only ${rows} of ${wanted} transactions loaded`);
    await sleep(1000);
    const memory = memoryOfTree(appPid(driver.pid));
    const ratio = (a, b) => +(a / b).toFixed(2);
    for (const measure of ['rssMiB', 'pssMiB']) {
      results.push({
        benchmark: 'app',
        case: `memory of the app's processes, ${rows} transactions of a customer loaded`,
        measure: measure === 'rssMiB' ? 'RSS (sum)' : 'PSS (sum)',
        unit: 'MiB',
        value: memory[measure],
        baseline: signInMemory[measure],
        baseline_name: 'the same processes at the sign-in screen',
        ratio: ratio(memory[measure], signInMemory[measure]),
        target: null,
        met: null,
      });
    }
    console.log(`processes: ${memory.processes.map((p) => `${p.name} ${p.rssMiB} MiB`).join(', ')}`);
    await session.close().catch(() => {});
  } finally {
    await driver.stop();
  }
} finally {
  await server.stop();
  await idp.close();
  rmSync(home, { recursive: true, force: true });
  for (const e of envs) {
    try {
      execFileSync('secret-tool', ['clear', 'service', e.DESK_KEYRING_SERVICE], { stdio: 'ignore' });
    } catch {
      // nothing stored under that name
    }
  }
}

for (const r of results) {
  const base = r.baseline === null ? '' : ` (baseline ${r.baseline} ${r.unit}, ratio ${r.ratio})`;
  const target = r.target ? ` target ${r.target}: ${r.met ? 'met' : 'MISSED'}` : '';
  console.log(`${r.case}: ${r.measure} ${r.value} ${r.unit}${base}${target}`);
}
if (options.out) {
  mkdirSync(options.out, { recursive: true });
  writeFileSync(path.join(options.out, 'app.json'), `${JSON.stringify(results, null, 2)}\n`);
}
