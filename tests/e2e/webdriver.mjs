// A small W3C WebDriver client over fetch, and a tauri-driver process to talk to: enough to open
// the real app window, find elements, read them and take screenshots. No dependencies.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether process `pid` runs (exists and is not a zombie waiting to be reaped). */
export function running(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every process below `pid` (Linux /proc), deepest last. */
export function descendants(pid) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the second field after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const found = [];
  const walk = (p) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/**
 * Starts tauri-driver (which starts WebKitWebDriver) with `env` for the app it will launch. A
 * free port can be taken between being found and being bound: a driver that exits at once is
 * started again on fresh ports.
 */
export async function startDriver({ env = {} } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    let nativePort = await freePort();
    while (nativePort === port) nativePort = await freePort();
    try {
      return await startDriverOn(env, port, nativePort);
    } catch (err) {
      if (!err.exitedEarly || attempt === 3) throw err;
      console.log(`tauri-driver exited at once (attempt ${attempt}); starting it on other ports`);
    }
  }
}

async function startDriverOn(env, port, nativePort) {
  const args = ['--port', String(port), '--native-port', String(nativePort)];
  if (process.env.WEBKIT_WEBDRIVER) args.push('--native-driver', process.env.WEBKIT_WEBDRIVER);
  const child = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) break;
    try {
      // A port taken by something that accepts and never answers must not hang the suite.
      if ((await fetch(`${base}/status`, { signal: AbortSignal.timeout(2_000) })).ok) {
        return {
          base,
          pid: child.pid,
          // Ending the WebDriver session does not end the app, and tauri-driver leaves it
          // running when it stops: everything the driver started is ended here.
          stop: async () => {
            const started = descendants(child.pid);
            child.kill('SIGTERM');
            await Promise.race([exited, sleep(3000)]);
            if (child.exitCode === null) child.kill('SIGKILL');
            for (const pid of started) {
              try {
                process.kill(pid, 'SIGKILL');
              } catch {
                // already gone
              }
            }
            // Gone before the next launch: the app holds its single-instance name until it ends,
            // and a launch with the same data folder meanwhile would give way to it.
            for (let i = 0; i < 50 && started.some(running); i += 1) await sleep(100);
          },
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  const exitedEarly = child.exitCode !== null;
  child.kill('SIGKILL');
  throw Object.assign(new Error(`tauri-driver did not start: ${stderr}`), { exitedEarly });
}

/** Longest a WebDriver command may take (starting a session starts the app). */
const COMMAND_TIMEOUT_MS = 120_000;

async function command(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  });
  const json = await response.json();
  if (!response.ok) {
    const { error, message } = json.value ?? {};
    throw new Error(`WebDriver ${method} ${path}: ${error}: ${message}`);
  }
  return json.value;
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** A WebDriver session on the app at `application`. */
export async function openSession(base, application) {
  const value = await command(base, 'POST', '/session', {
    capabilities: { alwaysMatch: { 'tauri:options': { application } } },
  });
  const id = value.sessionId;
  const s = (method, path, body) => command(base, method, `/session/${id}${path}`, body);
  const session = {
    id,
    /** The first element matching `css`, waiting up to `timeoutMs` for it to appear. */
    async find(css, { timeoutMs = 10_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const el = await s('POST', '/element', { using: 'css selector', value: css });
          return el[ELEMENT];
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(100);
        }
      }
    },
    async findAll(css) {
      return (await s('POST', '/elements', { using: 'css selector', value: css })).map((e) => e[ELEMENT]);
    },
    text: (el) => s('GET', `/element/${el}/text`),
    click: (el) => s('POST', `/element/${el}/click`, {}),
    /** Types `text` into the element, as keystrokes (`\uE015` is ArrowDown, `\uE007` Enter). */
    type: (el, text) => s('POST', `/element/${el}/value`, { text }),
    enabled: (el) => s('GET', `/element/${el}/enabled`),
    attribute: (el, name) => s('GET', `/element/${el}/attribute/${name}`),
    title: () => s('GET', '/title'),
    /** Runs `script` in the page; it ends by calling its last argument with the result. */
    executeAsync: (script, args = []) => s('POST', '/execute/async', { script, args }),
    source: () => s('GET', '/source'),
    /** The window's position and size on the display: { x, y, width, height }. */
    windowRect: () => s('GET', '/window/rect'),
    /**
     * A PNG of the window, written to `file`. WebKitWebDriver's own screenshot command never
     * answers for a wry webview (it hangs until the client gives up), so the window's rectangle
     * is captured from the X display with scrot instead.
     */
    async screenshot(file) {
      const { x, y, width, height } = await session.windowRect();
      execFileSync('scrot', ['--overwrite', '--autoselect', `${Math.max(0, x)},${Math.max(0, y)},${width},${height}`, file]);
      return { width, height };
    },
    close: () => command(base, 'DELETE', `/session/${id}`),
  };
  return session;
}
