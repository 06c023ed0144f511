// The administrator's console in the real window, beside a second window signed in as an
// agent_l1 agent: a layout edited and published in the editor reaches the agent's open window;
// the editor offers only what the role's definition grants, and the server refuses a forged
// call that adds more; a change one administrator proposed is approved by another in the window;
// a definition is edited and checked before it is sent; the audit trail is filtered, read and
// exported, and its chain verified, an insider's edit in the database shown where it is; the
// agents are listed, and a wipe ordered after a confirmation signs the agent's open window out.
//   DESK_APP_BINARY=/path/to/support-desk node --test tests/e2e/console.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { start as startIdp } from '../idp/server.mjs';
import { readText, saveScreenshot, selectFromSearch } from './screens.mjs';
import { appEnv, desk, serverSql, startServer, tearDown } from './services.mjs';
import { openSession, startDriver } from './webdriver.mjs';

let idp;
let server;
let home;
/** The administrator's window (admin2), and the agent's (agent1): each its own driver and app. */
let admin;
let agent;
/** The environment of `desk` signed in as the other administrator (admin). */
let adminEnv;

/** Polls `check` until it holds, up to `timeoutMs`; resolves to the milliseconds it took. */
async function until(check, what, timeoutMs = 10_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** Waits until the text of `css` matches `pattern`, and resolves to it. */
async function textMatching(session, css, pattern, timeoutMs = 15_000) {
  let text = '';
  try {
    await until(async () => pattern.test((text = await readText(session, css))), `${css} to say ${pattern}`, timeoutMs);
  } catch {
    assert.match(text, pattern);
  }
  return text;
}

/** Calls the app's command `name` from the page, as a forged call would: { ok, value | error }. */
function invoke(session, name, args) {
  return session.executeAsync(
    `const done = arguments[2];
     window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
       .then((value) => done({ ok: true, value }), (error) => done({ ok: false, error }));`,
    [name, args],
  );
}

/**
 * The window's download folder: the test's own, named in a user-dirs.dirs of its own (where the
 * desktop's folders are read from), so an export never lands in the person's Downloads.
 */
function downloads() {
  const config = path.join(home, 'xdg-config');
  const folder = path.join(home, 'downloads');
  mkdirSync(config, { recursive: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(config, 'user-dirs.dirs'), `XDG_DOWNLOAD_DIR="${folder}"\n`);
  return { env: { XDG_CONFIG_HOME: config }, folder };
}

/** Starts a window for `user`, with a data folder and keychain of its own, and signs in. */
async function signedInWindow(user, extraEnv = {}) {
  const env = { ...appEnv({ home, name: `console-${user}`, idp, server, user }), ...downloads().env, ...extraEnv };
  const driver = await startDriver({ env });
  const session = await openSession(driver.base, process.env.DESK_APP_BINARY);
  await session.click(await session.find('[data-testid="sign-in-button"]', { timeoutMs: 30_000 }));
  await session.find('[data-testid="agent-name"]', { timeoutMs: 30_000 });
  return { driver, session };
}

/** The widgets the editor lists on `page`, in order. */
async function drafted(session, page) {
  const items = await session.findAll(`fieldset[data-page="${page}"] [data-draft-widget]`);
  return Promise.all(items.map((item) => session.attribute(item, 'data-draft-widget')));
}

before(async () => {
  assert.ok(process.env.DESK_APP_BINARY, 'set DESK_APP_BINARY to the built support-desk binary');
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-console-'));
  adminEnv = appEnv({ home, name: 'admin-cli', idp, server, user: 'admin' });
  await desk(['login'], adminEnv);
});

after(async () => {
  await desk(['logout'], adminEnv).catch(() => {});
  for (const w of [agent, admin]) {
    await w?.session.close().catch(() => {});
    await w?.driver.stop();
  }
  await tearDown({ server, idp, home });
});

describe("the administrator's console", () => {
  it('opens the layout editor on agent_l1 with the preview of the demo customer', async () => {
    admin = await signedInWindow('admin2');
    const { session } = admin;
    await session.click(await session.find('[data-testid="nav-admin"]', { timeoutMs: 15_000 }));
    await session.find('fieldset[data-page="customer"] [data-draft-widget="customer.cards"]', { timeoutMs: 15_000 });
    await textMatching(session, '[data-testid="layout-status"]', /agent_l1 has the default layout/);
    // The preview is the server's: agent_l1 sees the e-mail masked.
    const email = await readText(session, '[data-testid="layout-preview"] [data-widget="customer.contact"] .redacted');
    assert.match(email, /•/);
    await saveScreenshot(session, 'admin-layouts');
  });

  it('offers only what the definition grants, and the server refuses a forged layout', async () => {
    const { session } = admin;
    const preview = await invoke(session, 'layout_preview', { role: 'agent_l1' });
    assert.equal(preview.ok, true, JSON.stringify(preview.error));
    const granted = new Set(preview.value.policy.widgets);
    assert.equal(granted.has('ticket.internal_notes'), false, 'agent_l1 is not granted internal notes');
    const shown = [];
    for (const option of await session.findAll('[data-testid^="add-to-"] option')) {
      shown.push(await session.attribute(option, 'value'));
    }
    for (const item of await session.findAll('[data-draft-widget]')) {
      shown.push(await session.attribute(item, 'data-draft-widget'));
    }
    assert.ok(shown.length > 0);
    for (const widget of shown) assert.ok(granted.has(widget), `${widget} is offered but not granted`);

    const forged = await invoke(session, 'publish_layout', {
      role: 'agent_l1',
      layout: { pages: { ticket: ['ticket.messages', 'ticket.internal_notes'] } },
    });
    assert.equal(forged.ok, false, 'the server must refuse an ungranted widget');
    assert.match(forged.error.message, /invalid_layout/);
    const history = await invoke(session, 'layout_history', { role: 'agent_l1' });
    assert.deepEqual(history.value, [], 'nothing was published');
  });

  it("publishes an edit that the agent's open window follows at once", async () => {
    agent = await signedInWindow('agent1');
    const { input } = await selectFromSearch(agent.session, 1);
    await agent.session.type(input, '\uE007');
    await agent.session.find('[data-widget="customer.cards"]', { timeoutMs: 15_000 });

    const { session } = admin;
    await session.click(await session.find('[data-testid="remove-customer.cards"]'));
    await session.click(await session.find('[data-testid="up-customer.contact"]'));
    assert.deepEqual((await drafted(session, 'customer')).slice(0, 2), ['customer.contact', 'customer.summary']);
    assert.match(await readText(session, '[data-testid="layout-change-list"]'), /Customer: removes Payment cards; new order: Contact details, Summary/);
    await session.click(await session.find('[data-testid="layout-publish"]'));
    await session.click(await session.find('[data-testid="layout-publish-confirm"]'));
    await textMatching(session, '[data-testid="layout-status"]', /Published version 1 of agent_l1's layout/);

    const took = await until(
      async () => (await agent.session.findAll('[data-widget="customer.cards"]')).length === 0,
      "the agent's window drops the payment cards",
      5_000,
    );
    console.log(`the agent's window followed ${took} ms after the publication was shown`);
    const first = await agent.session.find('.widgets [data-widget]');
    assert.equal(await agent.session.attribute(first, 'data-widget'), 'customer.contact');
    // The agent's window is the one on top: it shows the layout it was pushed.
    await saveScreenshot(agent.session, 'agent-after-publish');
  });

  it('restores the layout published before', async () => {
    const { session } = admin;
    // Version 1 is in force; publish another, then restore 1.
    await session.click(await session.find('[data-testid="remove-customer.contact"]'));
    await session.click(await session.find('[data-testid="layout-publish"]'));
    await session.click(await session.find('[data-testid="layout-publish-confirm"]'));
    await textMatching(session, '[data-testid="layout-status"]', /Published version 2/);
    await until(async () => (await agent.session.findAll('[data-widget="customer.contact"]')).length === 0, 'contact gone');
    await session.click(await session.find('[data-testid="restore-1"]'));
    await session.click(await session.find('[data-testid="layout-restore-confirm"]'));
    await textMatching(session, '[data-testid="layout-status"]', /Version 1 published again as version 3/);
    await until(async () => (await agent.session.findAll('[data-widget="customer.contact"]')).length === 1, 'contact back');
    // The agent's window closes, so the administrator's is in view for its screenshots.
    await agent.session.close().catch(() => {});
    await agent.driver.stop();
    agent = undefined;
  });

  it("approves another administrator's widening change", async () => {
    const current = JSON.parse(await desk(['--json', 'admin', 'role', 'show', 'agent_l1'], adminEnv));
    const widened = { ...current, fields: { ...current.fields, 'customer.date_of_birth': 'year_only' } };
    const file = path.join(home, 'agent_l1-widened.json');
    writeFileSync(file, JSON.stringify(widened));
    const proposed = await desk(['admin', 'role', 'set', file], adminEnv);
    assert.match(proposed, /wait/i, proposed);

    const { session } = admin;
    await session.click(await session.find('[data-testid="nav-search"]'));
    await session.click(await session.find('[data-testid="nav-admin"]'));
    const change = await session.find('[data-change]', { timeoutMs: 15_000 });
    const id = await session.attribute(change, 'data-change');
    assert.match(await session.text(change), /customer\.date_of_birth/);
    await session.executeAsync(
      `document.querySelector('[data-widget="admin.roles"]').scrollIntoView(); arguments[0]();`,
    );
    await saveScreenshot(session, 'admin-roles');
    await session.click(await session.find(`[data-testid="approve-${id}"]`));
    await textMatching(session, '[data-testid="roles-status"]', new RegExp(`Change ${id} approved: agent_l1 is at version 2`));
    const now = JSON.parse(await desk(['--json', 'admin', 'role', 'show', 'agent_l1'], adminEnv));
    assert.equal(now.fields['customer.date_of_birth'], 'year_only');
  });

  it('edits a definition, checked as the server checks it before anything is sent', async () => {
    const { session } = admin;
    await session.click(await session.find('details[data-role="agent_l1"] summary'));
    await session.click(await session.find('[data-testid="edit-agent_l1"]'));
    await session.find('[data-testid="redaction-customer.phone"]');
    // Hidden, the phone number cannot stay a search key: the editor says so and saves nothing.
    await session.executeAsync(
      `const s = document.querySelector('[data-testid="redaction-customer.phone"]');
       s.value = 'hidden'; s.dispatchEvent(new Event('change')); arguments[0]();`,
    );
    await textMatching(session, '[data-testid="role-verdict"]', /The server would refuse this: .*phone/);
    assert.equal(await session.enabled(await session.find('[data-testid="role-save"]')), false);
    await session.click(await session.find('details[data-role="agent_l1"] [data-choice="phone"]'));
    await textMatching(session, '[data-testid="role-verdict"]', /applies at once/);
    await saveScreenshot(session, 'admin-role-editor');
    await session.click(await session.find('[data-testid="role-save"]'));
    await textMatching(session, '[data-testid="roles-status"]', /agent_l1 is at version 3/);
    const now = JSON.parse(await desk(['--json', 'admin', 'role', 'show', 'agent_l1'], adminEnv));
    assert.equal(now.fields['customer.phone'], undefined);
    assert.equal(now.search_by.includes('phone'), false);
  });

  it('filters the audit trail and opens an entry', async () => {
    const { session } = admin;
    await session.click(await session.find('[data-testid="nav-audit"]'));
    await textMatching(session, '[data-testid="audit-summary"]', /^\d+ entries/);
    await session.executeAsync(
      `const set = (id, v) => { const e = document.querySelector('[data-testid="' + id + '"]'); e.value = v; };
       set('audit-action', 'layout.publish');
       set('audit-actor', 'admin2');
       document.querySelector('[data-testid="audit-filters"]').requestSubmit();
       arguments[0]();`,
    );
    // Three publications: the edit, the next one, and the restore.
    await textMatching(session, '[data-testid="audit-summary"]', /^3 entries$/);
    await session.find('[data-testid="audit-table"]');
    await session.click(await session.find('#audit-row-0'));
    const shown = await readText(session, '[data-testid="audit-entry"]');
    assert.match(shown, /layout\.publish/);
    assert.match(shown, /layout:agent_l1/);
    assert.match(shown, /"changes"/);
    await saveScreenshot(session, 'admin-audit');

    // Exported as CSV into the download folder: the header and the three entries filtered.
    await session.click(await session.find('[data-testid="audit-export-csv"]'));
    const said = await textMatching(session, '[data-testid="audit-export-status"]', /^3 entries written to /);
    const file = said.replace(/^3 entries written to /, '');
    assert.equal(path.dirname(file), downloads().folder);
    assert.deepEqual(readdirSync(downloads().folder), [path.basename(file)]);
    const rows = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(rows[0], '"seq","time","actor","action","resource","outcome","detail","prev_hash","hash"');
    assert.equal(rows.length, 4, rows.join('\n'));
    assert.ok(rows.slice(1).every((r) => r.includes('"admin2","layout.publish","layout:agent_l1","ok"')), rows.join('\n'));
  });

  it("verifies the audit chain with this window's checkpoint, and shows where an insider edited it", async () => {
    const { session } = admin;
    await session.click(await session.find('[data-testid="audit-verify"]'));
    const holds = await textMatching(session, '[data-testid="audit-verdict"]', /^The chain holds: \d+ entries checked from its first entry/);
    // The window witnessed a checkpoint in the policy it signed in with, and the server holds it.
    assert.match(holds, /This device's checkpoint \(entry \d+, signed [^)]+\): held/);
    await saveScreenshot(session, 'admin-audit-verify');

    // An insider hides who published agent_l1's layout first.
    const [first] = serverSql(server, "SELECT seq, actor FROM audit WHERE action = 'layout.publish' ORDER BY seq LIMIT 1");
    serverSql(server, `UPDATE audit SET actor = 'nobody' WHERE seq = ${first.seq}`, { write: true });
    await session.click(await session.find('[data-testid="audit-verify"]'));
    const broken = await textMatching(session, '[data-testid="audit-verdict"]', /^The chain is broken at entry /);
    assert.match(broken, new RegExp(`^The chain is broken at entry ${first.seq}: its contents do not match its link`));
    serverSql(server, `UPDATE audit SET actor = '${first.actor}' WHERE seq = ${first.seq}`, { write: true });
  });

  it("lists the agents, and a wipe ordered after a confirmation reaches the agent's open window", async () => {
    // agent1 opens a window again (on the same device: its data folder is the one from before).
    agent = await signedInWindow('agent1');
    const { session } = admin;
    await session.click(await session.find('[data-testid="nav-admin"]'));
    await textMatching(session, '[data-testid="agents-summary"]', /^\d+ agents$/);
    const rowOf = (subject) =>
      session.executeAsync(
        `const row = [...document.querySelectorAll('[id^="agent-row-"]')].find((r) => r.textContent.startsWith(arguments[0]));
         row?.scrollIntoView();
         arguments[1](row ? row.id : null);`,
        [subject],
      );
    const row = await rowOf('agent1');
    assert.ok(row, 'agent1, signed in, is listed');
    await session.click(await session.find(`#${row}`));
    await textMatching(session, '[data-testid="agent-devices"]', /first seen .+, no wipe carried out$/);

    // Asked first; cancelled, nothing is ordered.
    await session.click(await session.find('[data-testid="agent-wipe"]'));
    await session.click(await session.find('[data-testid="agent-wipe-confirm-cancel"]'));
    assert.equal((await session.findAll('[data-testid="agent-wipe-confirm"]')).length, 0);
    assert.equal(serverSql(server, "SELECT COUNT(*) AS n FROM wipes WHERE subject = 'agent1'")[0].n, 0);
    await session.click(await session.find('[data-testid="agent-wipe"]'));
    await session.click(await session.find('[data-testid="agent-wipe-confirm"]'));
    const said = await textMatching(session, '[data-testid="agent-wipe-status"]', /^Wipe \d+ ordered for agent1 at /);
    const wipeId = Number(said.match(/^Wipe (\d+)/)[1]);

    // The agent's open window shreds its cache and signs out at once.
    await agent.session.find('[data-testid="sign-in-button"]', { timeoutMs: 15_000 });
    await agent.session.close().catch(() => {});
    await agent.driver.stop();
    agent = undefined;

    // Its device reported the wipe carried out: the agent, opened again, says so.
    await until(
      async () => {
        await session.click(await session.find(`#${await rowOf('agent1')}`));
        const devices = await readText(session, '[data-testid="agent-devices"]').catch(() => '');
        return devices.includes(`carried out wipe ${wipeId}`);
      },
      'the wipe carried out on the device',
      15_000,
    );
    assert.match(await readText(session, '[data-testid="agent-wipes"]'), new RegExp(`^Wipe ${wipeId}, ordered .+: carried out on 1 of 1 devices`));
    // The list, asked again, says so too.
    await session.click(await session.find('[data-testid="agents-refresh"]'));
    const rowText = () =>
      session.executeAsync(
        `const row = [...document.querySelectorAll('[id^="agent-row-"]')].find((r) => r.textContent.startsWith('agent1'));
         arguments[0](row ? row.textContent : '');`,
      );
    await until(async () => (await rowText()).endsWith(`1 device, wipe ${wipeId} carried out`), 'the list says the wipe was carried out');
    await session.executeAsync(`document.querySelector('[data-widget="admin.agents"]').scrollIntoView(); arguments[0]();`);
    await saveScreenshot(session, 'admin-agents');
  });

  it('follows a dark desktop: the console in the dark colours', async () => {
    // GTK's dark Adwaita, as a desktop set to dark gives it; the page's colours follow it.
    const dark = await signedInWindow('admin', { GTK_THEME: 'Adwaita:dark' });
    try {
      const { session } = dark;
      await session.click(await session.find('[data-testid="nav-admin"]', { timeoutMs: 15_000 }));
      await textMatching(session, '[data-testid="agents-summary"]', /^\d+ agents$/);
      const seen = await session.executeAsync(
        `arguments[0]({ dark: matchMedia('(prefers-color-scheme: dark)').matches, bg: getComputedStyle(document.body).backgroundColor });`,
      );
      assert.deepEqual(seen, { dark: true, bg: 'rgb(20, 23, 28)' }, 'the dark --bg of styles.css');
      await saveScreenshot(session, 'admin-dark');
    } finally {
      await dark.session.close().catch(() => {});
      await dark.driver.stop();
    }
  });
});
