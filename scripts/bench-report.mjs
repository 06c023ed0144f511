// Collects the result files the benchmarks wrote into DIR (cache.json, scrub.json, server-load.json,
// fanout.json, provisioning-check.json, app.json: arrays of result objects) into DIR/results.json,
// with the machine they ran on, and DIR/results.md, the table BENCHMARKS.md shows.
//   node scripts/bench-report.mjs DIR
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/bench-report.mjs DIR');
const ORDER = [
  'cache.json',
  'scrub.json',
  'server-load.json',
  'fanout.json',
  'provisioning-check.json',
  'app.json',
];

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const osName = () => {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
};
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memory_gib: +(os.totalmem() / 1024 ** 3).toFixed(1),
  os: osName(),
  kernel: os.release(),
  rustc: run('rustc', ['--version']),
  node: process.version,
  commit: run('git', ['rev-parse', '--short', 'HEAD']),
  uncommitted_changes: (run('git', ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  finished_at: new Date().toISOString(),
};

const results = [];
const missing = [];
for (const file of ORDER) {
  const p = path.join(dir, file);
  if (existsSync(p)) results.push(...JSON.parse(readFileSync(p, 'utf8')));
  else missing.push(file);
}

const number = (v) =>
  v === null || v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1)) : String(v);
// A count of one takes the singular of a plural unit ("1 client", not "1 clients").
const amount = (v, unit) =>
  v === null || v === undefined ? '–' : `${number(v)} ${v === 1 && /^[a-z]{3,}s$/.test(unit) ? unit.slice(0, -1) : unit}`;
const verdict = (r) => (r.met === true ? 'met' : r.met === false ? '**missed**' : '');
const lines = [
  `Ran ${machine.finished_at.slice(0, 16).replace('T', ' ')} UTC on ${machine.cores} × ${machine.cpu}, ` +
    `${machine.memory_gib} GiB, ${machine.os} (kernel ${machine.kernel}); ${machine.rustc}; node ${machine.node}; ` +
    `commit ${machine.commit}${machine.uncommitted_changes ? ' with uncommitted changes' : ''}.`,
  '',
  '| Benchmark | Case | Measure | Value | Baseline | Ratio | Target | |',
  '| --- | --- | --- | ---: | --- | ---: | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.benchmark} | ${r.case} | ${r.measure} | ${amount(r.value, r.unit)} | ` +
      `${r.baseline === null || r.baseline === undefined ? '' : `${amount(r.baseline, r.unit)} (${r.baseline_name})`} | ` +
      `${number(r.ratio)} | ${r.target ?? ''} | ${verdict(r)} |`,
  ),
];
if (missing.length) lines.push('', `Not measured in this run: ${missing.join(', ')} (see the run's output).`);
const missed = results.filter((r) => r.met === false);
lines.push(
  '',
  missed.length
    ? `${missed.length} of ${results.filter((r) => r.met !== null).length} targets missed.`
    : `All ${results.filter((r) => r.met !== null).length} targets met.`,
);
writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);
writeFileSync(path.join(dir, 'results.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
