// A layout published by an administrator reaches the open window at once: the widget it removes
// leaves the DOM, the one it adds appears, without a restart.
//   DESK_APP_BINARY=/path/to/support-desk node --test tests/e2e/
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { start as startIdp } from '../idp/server.mjs';
import { readText, saveScreenshot, selectFromSearch } from './screens.mjs';
import { appEnv, desk, startServer, tearDown } from './services.mjs';
import { openSession, startDriver } from './webdriver.mjs';


let idp;
let server;
let driver;
let session;
let home;
let adminEnv;

/** The agent_l1 layout of the customer page, with or without the payment cards. */
async function publish(withCards) {
  const customer = [
    'customer.summary',
    'customer.contact',
    'customer.accounts',
    'customer.recent_transactions',
    'customer.open_tickets',
  ];
  if (withCards) customer.push('customer.cards');
  const file = path.join(home, `layout-${withCards}.json`);
  const pages = {
    search: ['search.box', 'search.results'],
    customer,
    transactions: ['transactions.table'],
    tickets: ['tickets.list'],
    ticket: ['ticket.messages', 'ticket.reply'],
  };
  writeFileSync(file, JSON.stringify({ pages }));
  await desk(['admin', 'layout', 'push', 'agent_l1', file], adminEnv);
}

/** Milliseconds until `css` matches `present` elements' existence, polling the real DOM. */
async function waitFor(css, present, timeoutMs = 5_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const found = (await session.findAll(css)).length > 0;
    if (found === present) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${css} still ${present ? 'absent' : 'present'} after ${timeoutMs} ms`);
}

/** The text of the first element matching `css` in the window, read afresh. */
const textOf = (css, timeoutMs) => readText(session, css, timeoutMs);

/** Opens customer `id` the way an agent would: by surname in the search field, arrows, Enter. */
async function openFromSearch(id) {
  const { input, surname } = await selectFromSearch(session, id);
  await session.type(input, '\uE007');
  return surname;
}

before(async () => {
  assert.ok(process.env.DESK_APP_BINARY, 'set DESK_APP_BINARY to the built support-desk binary');
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer });
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-policy-'));
  adminEnv = appEnv({ home, name: 'admin', idp, server, user: 'admin' });
  await desk(['login'], adminEnv);
  driver = await startDriver({ env: appEnv({ home, name: 'agent', idp, server, user: 'agent1' }) });
  session = await openSession(driver.base, process.env.DESK_APP_BINARY);
});

after(async () => {
  if (adminEnv) {
    try {
      await desk(['logout'], adminEnv);
    } catch {
      // The keychain namespace is the test's own; a failed revocation leaves nothing behind.
    }
  }
  await tearDown({ session, driver, server, idp, home });
});

describe('a layout pushed to an open window', () => {
  it('signs agent1 in, finds a customer from the keyboard and opens their page', async () => {
    await session.click(await session.find('[data-testid="sign-in-button"]'));
    const surname = await openFromSearch(1);
    await session.find('[data-widget="customer.cards"]', { timeoutMs: 15_000 });
    assert.match(await session.text(await session.find('[data-widget="customer.summary"]')), new RegExp(surname));
    const version = await session.find('[data-testid="policy-version"]');
    assert.match(await session.text(version), /agent_l1/);
    assert.equal((await session.findAll('[data-layout-widget="ticket.internal_notes"]')).length, 0);
  });

  // How fast a push arrives is the fan-out benchmark's figure; here the window must apply it
  // without a reload or a poll, and the time is reported.
  it('removes a widget as soon as a layout is published, and adds it back', async () => {
    await publish(false);
    // Bounded well above the ~150 ms it takes, and below what a poll or reload would take.
    const gone = await waitFor('[data-widget="customer.cards"]', false, 2_000);
    console.log(`widget removed ${gone} ms after the publication returned`);
    assert.equal((await session.findAll('[data-widget="customer.summary"]')).length, 1);
    await saveScreenshot(session, 'workspace');

    await publish(true);
    const back = await waitFor('[data-widget="customer.cards"]', true, 2_000);
    console.log(`widget added ${back} ms after the publication returned`);
  });

  it("lists a customer's tickets, filtered by status", async () => {
    await session.click(await session.find('[data-testid="all-tickets"]', { timeoutMs: 15_000 }));
    await session.find('[data-widget="tickets.list"] [data-ticket="11"]', { timeoutMs: 15_000 });
    const notClosed = (await session.findAll('[data-widget="tickets.list"] [data-ticket]')).length;
    // Every ticket, closed ones too, through the filter.
    await session.executeAsync(
      `const filter = document.querySelector('[data-testid="tickets-filter"]');
       filter.value = 'all'; filter.dispatchEvent(new Event('change')); arguments[0]();`,
    );
    const all = (await session.findAll('[data-widget="tickets.list"] [data-ticket]')).length;
    assert.ok(all >= notClosed && notClosed >= 1, `${notClosed} not closed of ${all}`);
    assert.match(await textOf('[data-widget="tickets.list"] [role="status"]'), new RegExp(`${all} of ${all} tickets`));
    await saveScreenshot(session, 'tickets');
  });

  it("shows a ticket's messages as text, never as markup, and sends a reply", async () => {
    await session.click(await session.find('[data-ticket="11"]', { timeoutMs: 15_000 }));
    assert.match(await textOf('[data-widget="ticket.messages"]', 15_000), /<img src=x onerror=alert\(1\)>/);
    assert.equal((await session.findAll('[data-widget="ticket.messages"] img')).length, 0);
    assert.equal((await session.findAll('[data-widget="ticket.messages"] script')).length, 0);
    assert.equal((await session.findAll('[data-widget="ticket.internal_notes"]')).length, 0, 'not for agent_l1');
    // The pushed layout may re-render the page once more: type until the box that stays holds it.
    const reply = 'We have refunded the second charge.';
    const typed = Date.now() + 10_000;
    for (;;) {
      try {
        const box = await session.find('[data-testid="reply-text"]');
        await session.executeAsync(
          `document.querySelector('[data-testid="reply-text"]').value = ''; arguments[0]();`,
        );
        await session.type(box, reply);
        const held = await session.executeAsync(
          `arguments[0](document.querySelector('[data-testid="reply-text"]').value);`,
        );
        if (held === reply) break;
        if (Date.now() > typed) assert.fail(`the reply box holds ${JSON.stringify(held)}`);
      } catch (err) {
        // A box replaced while being typed into is a stale element: find the new one.
        if (Date.now() > typed) throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await session.click(await session.find('[data-testid="reply-send"]'));
    const deadline = Date.now() + 10_000;
    let text = '';
    while (Date.now() < deadline && !text.includes('refunded the second charge')) {
      text = await textOf('[data-widget="ticket.messages"]');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(text, /We have refunded the second charge\./);
    await saveScreenshot(session, 'ticket');
  });

  it('shows a reply holding a right-to-left override and a zero-width space as markers, in the order written', async () => {
    const reply = 'See invoice\u202Efdp.exe from pay\u200Bpal';
    // Filled in by script (WebDriver's keystrokes do not type bidi controls) and sent with the
    // button, as an agent sends it: through the app and the server, and back.
    await session.executeAsync(
      `const box = document.querySelector('[data-testid="reply-text"]');
       box.value = arguments[0];
       box.dispatchEvent(new Event('input'));
       document.querySelector('[data-testid="reply-send"]').click();
       arguments[1]();`,
      [reply],
    );
    const override = '[data-widget="ticket.messages"] .invisible-char[title="U+202E RIGHT-TO-LEFT OVERRIDE"]';
    await session.find(override, { timeoutMs: 10_000 });
    const shown = await session.executeAsync(
      `const marker = document.querySelector(arguments[0]);
       marker.scrollIntoView({ block: 'center' });
       const body = marker.closest('.message-body');
       const after = marker.nextSibling;
       // Where the first and the last character of "fdp.exe" are drawn.
       const range = document.createRange();
       const left = (i) => { range.setStart(after, i); range.setEnd(after, i + 1); return range.getBoundingClientRect().left; };
       arguments[1]({
         text: body.textContent,
         zeroWidth: body.querySelector('.invisible-char[title="U+200B ZERO WIDTH SPACE"]')?.textContent ?? null,
         after: after.textContent,
         markerRight: marker.getBoundingClientRect().right,
         f: left(0),
         e: left(6),
       });`,
      [override],
    );
    assert.equal(shown.text, 'See invoice⟨U+202E⟩fdp.exe from pay⟨U+200B⟩pal');
    assert.equal(shown.zeroWidth, '⟨U+200B⟩');
    assert.match(shown.after, /^fdp\.exe/);
    // Not reordered: the text after the marker runs on to its right, left to right.
    assert.ok(shown.markerRight <= shown.f + 1, `after the marker: ${JSON.stringify(shown)}`);
    assert.ok(shown.f < shown.e, `"fdp.exe" drawn left to right: ${JSON.stringify(shown)}`);
    // Only the display changed: the app still reads the reply as it was sent.
    const answer = await session.executeAsync(
      `const done = arguments[0];
       window.__TAURI_INTERNALS__.invoke('open_ticket', { id: 11 }).then(done, (e) => done(e));`,
    );
    assert.ok(answer.value.messages.some((m) => m.body === reply), 'the stored reply is unchanged');
    await saveScreenshot(session, 'ticket-invisible-characters');
  });

  it('pages through 10,000 transactions in a table that keeps only the rows in view', async () => {
    await session.click(await session.find('[data-testid="nav-search"]'));
    await openFromSearch(7);
    await session.click(await session.find('[data-testid="all-transactions"]', { timeoutMs: 15_000 }));
    const grid = await session.find('[data-testid="transactions-table"]', { timeoutMs: 15_000 });
    const count = async () => Number(await session.attribute(grid, 'aria-rowcount'));
    const deadline = Date.now() + 10_000;
    while ((await count()) < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await count(), 200);
    assert.ok((await session.findAll('[data-testid="transactions-table"] [role="row"]')).length < 100);
    // Scrolling to the end fetches the next page by cursor.
    await session.executeAsync(
      `const grid = document.querySelector('[data-testid="transactions-table"]');
       grid.scrollTop = grid.scrollHeight; arguments[0]();`,
    );
    const more = Date.now() + 10_000;
    while ((await count()) < 400 && Date.now() < more) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await count(), 400);
    assert.ok((await session.findAll('[data-testid="transactions-table"] [role="row"]')).length < 100);
    await saveScreenshot(session, 'transactions');
    await session.click(await session.find('[data-testid="nav-search"]'));
    await openFromSearch(1);
    await session.find('[data-widget="customer.summary"]', { timeoutMs: 15_000 });
  });

  it('reads a customer opened earlier from the cache when the server is gone, and says so', async () => {
    await server.halt();
    await session.click(await session.find('[data-testid="nav-search"]'));
    // The surname from the cache (the app answers offline), then the same keyboard path.
    const answer = await session.executeAsync(
      `const done = arguments[0];
       window.__TAURI_INTERNALS__.invoke('open_customer', { id: 1 }).then(done, (e) => done(e));`,
    );
    assert.equal(answer.source, 'cache', JSON.stringify(answer));
    const { input, surname } = await selectFromSearch(session, 1);
    const banner = await textOf('[data-testid="offline-banner"]');
    assert.match(banner, /offline/i);
    await session.type(input, '\uE007');
    assert.match(await textOf('[data-widget="customer.summary"]', 15_000), new RegExp(surname));
    assert.match(await textOf('[data-testid="offline-banner"]'), /as of/);
    // Each read from the cache waits in the audit queue until the server has recorded it.
    assert.match(await textOf('[data-testid="pending-views"]'), /records? you opened offline waits? to be recorded/);
    await saveScreenshot(session, 'offline');
  });

  it('refreshes the page quietly once the server is back', async () => {
    const started = Date.now();
    await server.restart();
    // Server start, the 5 s probe and the refetch, on a loaded machine.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await session.findAll('[data-testid="offline-banner"]:not([hidden])')).length > 0) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await session.findAll('[data-testid="offline-banner"]:not([hidden])')).length, 0, 'banner gone');
    console.log(`back online ${Date.now() - started} ms after the server was started again`);
    // The same customer, read from the server again.
    await session.find('[data-widget="customer.summary"]');
    assert.equal((await session.findAll('[data-widget="customer.summary"] [role="alert"]')).length, 0);
  });

  it('signs out with the server away, says how many views wait, and records them at the next sign-in', async () => {
    await server.halt();
    const answer = await session.executeAsync(
      `const done = arguments[0];
       window.__TAURI_INTERNALS__.invoke('open_customer', { id: 1 }).then(done, (e) => done(e));`,
    );
    assert.equal(answer.source, 'cache', JSON.stringify(answer));
    await session.click(await session.find('[data-testid="sign-out-button"]'));
    const note = await textOf('[data-testid="sign-out-note"]', 30_000);
    assert.match(note, /the server did not answer\. \d+ records? you opened offline waits? to be recorded/);
    assert.match(note, /sent when you next sign in/);
    await saveScreenshot(session, 'signed-out-views-pending');

    await server.restart();
    await session.click(await session.find('[data-testid="sign-in-button"]'));
    await session.find('[data-testid="policy-version"]', { timeoutMs: 30_000 });
    // The queue empties only on the server's acknowledgement; `desk` reads it beside the window.
    const agentEnv = appEnv({ home, name: 'agent', idp, server, user: 'agent1' });
    const status = JSON.parse(await desk(['--json', 'cache', 'status'], agentEnv));
    assert.equal(status.pending_views, 0, JSON.stringify(status));
    assert.equal(status.refused_views, 0, JSON.stringify(status));
  });
});
