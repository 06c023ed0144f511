// Every role of the test provider in the real window, one after the other: the widgets its default
// layout grants are in the DOM and no others, and no value the role may not see whole reaches the
// page. The values it must not see come unredacted from desk-server's own database (sqlite3).
//   DESK_APP_BINARY=/path/to/support-desk node --test tests/e2e/roles.test.mjs
// Screenshots go to $DESK_SCREENSHOT_DIR (default test-output/screenshots); their paths are printed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { start as startIdp } from '../idp/server.mjs';
import { readText, saveScreenshot, selectFromSearch } from './screens.mjs';
import { appEnv, serverSql, startServer, tearDown } from './services.mjs';
import { openSession, startDriver } from './webdriver.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const application = process.env.DESK_APP_BINARY;
const rolesFile = path.join(repo, 'crates/desk-server/defaults/roles.json');

const CUSTOMER_WIDGETS = [
  'customer.summary',
  'customer.contact',
  'customer.accounts',
  'customer.cards',
  'customer.recent_transactions',
  'customer.open_tickets',
];
const TICKET_WIDGETS = ['ticket.messages', 'ticket.internal_notes', 'ticket.reply'];

/** The customer and ticket widgets of each role's default layout, in order. */
const WIDGETS = {
  agent_l1: { customer: CUSTOMER_WIDGETS, ticket: ['ticket.messages', 'ticket.reply'] },
  agent_l2: { customer: CUSTOMER_WIDGETS, ticket: TICKET_WIDGETS },
  supervisor: { customer: CUSTOMER_WIDGETS, ticket: TICKET_WIDGETS },
  admin: { customer: ['customer.summary'], ticket: [] },
};

/**
 * What each test user may see of a customer: `full`, `masked`, `year` (of birth only), `last4`
 * (account and card numbers) or `absent`.
 */
const USERS = [
  { user: 'agent1', role: 'agent_l1', email: 'masked', phone: 'masked', birth: 'absent', address: 'absent' },
  { user: 'agent2', role: 'agent_l2', email: 'full', phone: 'full', birth: 'year', address: 'full' },
  { user: 'supervisor', role: 'supervisor', email: 'full', phone: 'full', birth: 'full', address: 'full' },
  { user: 'admin', role: 'admin', email: 'absent', phone: 'absent', birth: 'absent', address: 'absent' },
  { user: 'norole', role: null, email: 'absent', phone: 'absent', birth: 'absent', address: 'absent' },
].map((u) => ({
  ...u,
  numbers: u.role && u.role !== 'admin' ? 'last4' : 'absent',
  widgets: WIDGETS[u.role] ?? { customer: [], ticket: [] },
}));

/** A JSON Web Token: what an access or ID token looks like. */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./;

let idp;
let server;
let driver;
let session;
let home;
/** Customer 1's values as desk-server stores them, by kind: { strings, compact, digits }. */
let stored;

/** Starts the app (through a fresh tauri-driver) for `user`, with a data folder and keychain of its own. */
async function launch(user) {
  await session?.close().catch(() => {});
  await driver?.stop();
  session = undefined;
  driver = await startDriver({ env: appEnv({ home, name: `roles-${user}`, idp, server, user }) });
  session = await openSession(driver.base, application);
}

/** Rows of `sql` on desk-server's database, read beside the running server. */
const query = (sql) => serverSql(server, sql);

const digitsOf = (s) => s.replace(/\D/g, '');
const compactOf = (s) => s.replace(/\s+/g, '').toUpperCase();
const last4 = (s) => s.replace(/[^A-Za-z0-9]/g, '').slice(-4);
/** `jane.doe@example.com` as mask_email shows it: `j•••@example.com`. */
const maskedEmail = (s) => `${s[0]}•••@${s.split('@').pop()}`;

/** Whether `digits` passes the Luhn check, as card numbers do. */
function luhn(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Customer 1, unredacted, from the database: every form in which each kind of value may show. */
function readStored() {
  const [c] = query('SELECT name, email, phone, phone_tail, date_of_birth, address FROM customers WHERE id = 1');
  const accounts = query('SELECT number FROM accounts WHERE customer_id = 1').map((r) => r.number);
  const cards = query(
    'SELECT number FROM cards WHERE account_id IN (SELECT id FROM accounts WHERE customer_id = 1) ORDER BY id',
  ).map((r) => r.number);
  // Customer 1's fixtures (crates/desk-server/src/demo/mod.rs): an account, and card 111 on it first.
  assert.ok(c && accounts.length > 0 && cards.length > 0, 'customer 1 with accounts and a card in the database');
  const paidWith = query(
    'SELECT DISTINCT card_number FROM transactions WHERE customer_id = 1 AND card_number IS NOT NULL',
  ).map((r) => r.card_number);
  // Free text quotes card numbers, IBANs and national ids, which no role sees whole.
  const text = query(
    `SELECT body AS text FROM messages WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = 1)
     UNION ALL SELECT description FROM transactions WHERE customer_id = 1`,
  )
    .map((r) => r.text)
    .join('\n');
  const quotedCards = (text.match(/\d(?:[ -]?\d){12,18}/g) ?? []).map(digitsOf).filter(luhn);
  const quotedIbans = (text.match(/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g) ?? []).map(compactOf);
  const ssns = text.match(/\b\d{3}-\d{2}-\d{4}\b/g) ?? [];
  const ninos = (text.match(/\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g) ?? []).map(compactOf);
  const [y, m, d] = c.date_of_birth.slice(0, 10).split('-');
  // Day first and month first, padded or not, as people write dates.
  const dateParts = [
    [d, m, y],
    [m, d, y],
    [Number(d), Number(m), y],
    [Number(m), Number(d), y],
  ];
  const longestDigits = (s) => (compactOf(s).match(/\d+/g) ?? []).sort((a, b) => b.length - a.length)[0] ?? '';
  return {
    customer: c,
    accounts,
    cards,
    name: { strings: [c.name, c.name.split(' ').pop()] },
    email: { strings: [c.email] },
    phone: { strings: [c.phone], digits: [c.phone_tail, digitsOf(c.phone)] },
    birth: {
      strings: [c.date_of_birth, ...['/', '.', '-'].flatMap((sep) => dateParts.map((p) => p.join(sep)))],
      digits: [y + m + d, d + m + y, m + d + y],
    },
    address: { strings: [c.address, ...c.address.split(', ').filter((part) => part.length >= 8)] },
    accountNumbers: {
      strings: accounts,
      compact: [...accounts, ...quotedIbans].map(compactOf),
      digits: [...accounts, ...quotedIbans].map(longestDigits),
    },
    cardNumbers: { strings: [...cards, ...paidWith], digits: [...cards, ...paidWith, ...quotedCards].map(digitsOf) },
    nationalIds: { strings: ssns, compact: ninos, digits: ssns.map(digitsOf) },
  };
}

/** The page source as searchable text: entities decoded, lower case, without spaces, its digit runs. */
function readable(source) {
  const named = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  const text = source
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&([a-z]+);/gi, (all, name) => named[name.toLowerCase()] ?? all);
  return {
    raw: source,
    text: text.toLowerCase(),
    compact: text.replace(/[\s\u00a0\u202f]+/g, '').toUpperCase(),
    // Digits written with spaces, dashes, dots or slashes between them, as one string of digits.
    runs: (text.match(/\d(?:[\d\s./\u00a0\u202f-]*\d)?/g) ?? []).map(digitsOf),
  };
}

/** The first form of `value` that `page` contains, or null. */
function found(page, value) {
  for (const s of value.strings ?? []) if (s && page.text.includes(s.toLowerCase())) return s;
  for (const s of value.compact ?? []) if (s && page.compact.includes(s)) return s;
  for (const d of value.digits ?? []) if (d.length >= 6 && page.runs.some((r) => r.includes(d))) return d;
  return null;
}

/** The kinds of customer 1's values that `u` may not see whole. */
function forbidden(u) {
  const kinds = ['accountNumbers', 'cardNumbers', 'nationalIds'];
  for (const kind of ['email', 'phone', 'birth', 'address']) if (u[kind] !== 'full') kinds.push(kind);
  if (!u.role) kinds.push('name');
  return kinds;
}

/** Reads the page source of `screen` and asserts none of what `u` may not see is in it, nor a token. */
async function assertNoLeak(u, screen) {
  const page = readable(await session.source());
  for (const kind of forbidden(u)) {
    const leak = found(page, stored[kind]);
    assert.equal(leak, null, `${u.user} on the ${screen}: ${kind} "${leak}" is in the page`);
  }
  assert.doesNotMatch(page.raw, JWT, `${u.user} on the ${screen}: no token in the page`);
  return page;
}

/** Waits until the open page has rendered: nothing loading, every widget filled in. */
async function settled(timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await session.executeAsync(
      `const page = document.querySelector('[data-testid="page"]');
       const empty = [...document.querySelectorAll('[data-widget]')].filter((w) => w.childElementCount < 2);
       const loading = /Loading/.test(page?.textContent ?? '') ? ['page'] : [];
       arguments[0]([...loading, ...empty.map((w) => w.dataset.widget)]);`,
    );
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still rendering: ${pending.join(', ')}`);
    await sleep(100);
  }
}

/** The `data-widget` ids in the DOM, in document order. */
function widgetsInPage() {
  return session.executeAsync(
    `arguments[0]([...document.querySelectorAll('[data-widget]')].map((w) => w.dataset.widget));`,
  );
}

/** The text of the first element matching `css` in the window, read afresh. */
const textOf = (css, timeoutMs) => readText(session, css, timeoutMs);

before(async () => {
  assert.ok(application, 'set DESK_APP_BINARY to the built support-desk binary');
  idp = await startIdp();
  server = await startServer({ issuer: idp.issuer, customers: 50 });
  stored = readStored();
  home = mkdtempSync(path.join(tmpdir(), 'support-desk-e2e-roles-'));
});

after(async () => {
  await tearDown({ session, driver, server, idp, home });
});

describe('each role in the real window', () => {
  it('expects of each role what the role definitions desk-server ships grant', () => {
    const definitions = JSON.parse(readFileSync(rolesFile, 'utf8'));
    const shown = { full: 'full', mask_email: 'masked', mask_phone: 'masked', year_only: 'year', last4: 'last4' };
    for (const u of USERS.filter((u) => u.role)) {
      const def = definitions.find((d) => d.role === u.role);
      // The default layout (Layout::default_for): each granted widget on a granted page, in the
      // order of Widget::ALL, which CUSTOMER_WIDGETS and TICKET_WIDGETS follow.
      const granted = def.widgets.filter((w) => def.pages.includes(w.split('.')[0]));
      assert.deepEqual(u.widgets.customer, CUSTOMER_WIDGETS.filter((w) => granted.includes(w)), u.role);
      assert.deepEqual(u.widgets.ticket, TICKET_WIDGETS.filter((w) => granted.includes(w)), u.role);
      const as = (field) => shown[def.fields[field]] ?? 'absent';
      const fields = ['customer.email', 'customer.phone', 'customer.date_of_birth', 'customer.address'];
      assert.deepEqual(
        [u.email, u.phone, u.birth, u.address, u.numbers, u.numbers],
        [...fields, 'account.number', 'card.number'].map(as),
        u.role,
      );
    }
  });

  for (const u of USERS) {
    describe(`${u.user} (${u.role ?? 'no role'})`, () => {
      it('signs in through the browser hook', async () => {
        await launch(u.user);
        await session.click(await session.find('[data-testid="sign-in-button"]'));
        await session.find('[data-testid="agent-name"]', { timeoutMs: 30_000 });
        await session.find('[data-testid="policy-version"], [data-testid="policy-problem"]', { timeoutMs: 15_000 });
        if (u.role) assert.match(await textOf('[data-testid="policy-version"]'), new RegExp(`Role: ${u.role}\\b`));
      });

      if (!u.role) {
        it('shows no pages, no widget and no customer data', async () => {
          await session.find('[data-testid="no-pages"]', { timeoutMs: 15_000 });
          assert.deepEqual(await widgetsInPage(), []);
          assert.equal((await session.findAll('[data-layout-widget]')).length, 0);
          // The app itself gives the role nothing of a customer either.
          const answer = await session.executeAsync(
            `const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('open_customer', { id: 1 })
               .then((v) => done({ ok: true, value: v }), (e) => done({ ok: false, error: e }));`,
          );
          assert.equal(answer.ok, false, JSON.stringify(answer));
          await assertNoLeak(u, 'signed-in window');
          await saveScreenshot(session, `role-${u.user}`);
        });
      } else {
        it('finds customer 1 from the search field, and opens their page', async () => {
          const { input, surname } = await selectFromSearch(session, 1);
          await assertNoLeak(u, 'search results');
          await session.type(input, '\uE007');
          await session.find('[data-widget="customer.summary"]', { timeoutMs: 15_000 });
          await settled();
          assert.match(await textOf('[data-widget="customer.summary"]'), new RegExp(surname));
        });

        it('shows exactly the customer widgets its layout grants', async () => {
          assert.deepEqual(await widgetsInPage(), u.widgets.customer);
          for (const id of CUSTOMER_WIDGETS) {
            const count = (await session.findAll(`[data-widget="${id}"]`)).length;
            assert.equal(count, u.widgets.customer.includes(id) ? 1 : 0, `${id} for ${u.user}`);
          }
          await saveScreenshot(session, `role-${u.user}`);
        });

        it('shows the customer as the role may see them, and nothing more', async () => {
          const page = await assertNoLeak(u, 'customer page');
          const c = stored.customer;
          const has = (s) => page.text.includes(s.toLowerCase());
          assert.ok(found(page, stored.name), 'the name');
          // What the role may see is there, so the absence of the rest means something.
          for (const kind of ['email', 'phone', 'birth', 'address']) {
            if (u[kind] === 'full') assert.ok(found(page, stored[kind]), `${u.user} sees the ${kind} whole`);
          }
          if (u.email === 'masked') assert.ok(has(maskedEmail(c.email)), 'the masked e-mail');
          if (u.phone === 'masked') assert.ok(has(`•••${digitsOf(c.phone).slice(-2)}`), 'the masked phone');
          if (u.birth === 'year') {
            const contact = await textOf('[data-widget="customer.contact"]');
            const year = c.date_of_birth.slice(0, 4);
            assert.match(contact, new RegExp(`Born\\s*${year}(?![\\d/.-])`), 'the year of birth alone');
          }
          for (const number of [...stored.accounts, ...stored.cards]) {
            const shown = has(`•••• ${last4(number)}`);
            assert.equal(shown, u.numbers === 'last4', `the last four of ${number.slice(-4)}: ${u.numbers}`);
          }
        });

        if (u.widgets.customer.includes('customer.open_tickets')) {
          it("opens ticket 11 and shows the ticket widgets its layout grants, redacted as the role's", async () => {
            await session.click(await session.find('[data-ticket="11"]', { timeoutMs: 15_000 }));
            await session.find('[data-widget="ticket.messages"]', { timeoutMs: 15_000 });
            await settled();
            assert.deepEqual(await widgetsInPage(), u.widgets.ticket);
            const page = await assertNoLeak(u, 'ticket page');
            const c = stored.customer;
            const has = (s) => page.text.includes(s.toLowerCase());
            // Message 1101 quotes the customer's e-mail address and card 111; 1103 is an internal
            // note quoting the date of birth.
            assert.ok(has(`[card •••• ${last4(stored.cards[0])}]`), 'the quoted card, masked');
            if (u.email === 'full') assert.ok(found(page, stored.email), 'the quoted e-mail, whole');
            else assert.ok(has(maskedEmail(c.email)), 'the quoted e-mail, masked');
            const notes = u.widgets.ticket.includes('ticket.internal_notes');
            assert.equal(has('Customer verified by DOB'), notes, 'the internal note');
            // Free text shows the customer's own date of birth no more than the cache may hold
            // (the year), even to a role that sees the field whole: the ticket is fit for the cache.
            if (notes && u.birth !== 'absent') {
              assert.ok(has(`verified by DOB ${c.date_of_birth.slice(0, 4)}.`), 'the year of birth in the note');
              assert.ok(!has(`verified by DOB ${c.date_of_birth}`), 'not the whole date of birth in the note');
            }
          });
        }
      }

      it('signs out', async () => {
        await session.click(await session.find('[data-testid="sign-out-button"]'));
        await session.find('[data-testid="sign-in-screen"]', { timeoutMs: 15_000 });
      });
    });
  }
});
