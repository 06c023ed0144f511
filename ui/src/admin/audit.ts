// The audit trail as a table (widget `audit.log`): filtered by agent, action, outcome, resource
// and time as the server filters it, newest first, in the windowed table (the next page fetched
// by cursor near the end), an entry's details when it is opened (Enter or a click), and the
// entries the filters match exported to a file (JSON lines or CSV), and the chain checked by the
// server (`verify.ts`). What the server stored is what is shown: a searched value stays masked.
import type { Api, AuditFilters, AuditRecord } from '../api';
import { button, el, option } from '../dom';
import { formatTime } from '../format';
import type { AuditAction } from '../generated/AuditAction';
import type { CatalogueDto } from '../generated/CatalogueDto';
import type { ExportFormat } from '../generated/ExportFormat';
import type { Outcome } from '../generated/Outcome';
import { busy, note, type PageContext, problem } from '../pages/context';
import { type Column, windowedTable } from '../table';
import { cursorPages } from './cursor';
import { chainCheck } from './verify';

const COLUMNS: Column<AuditRecord>[] = [
  { title: 'When', cell: (e) => formatTime(e.time) },
  { title: 'Agent', cell: (e) => e.actor },
  { title: 'Action', cell: (e) => e.action },
  { title: 'Resource', cell: (e) => e.resource },
  { title: 'Outcome', cell: (e) => e.outcome },
];

/** The filter form over desk-core's actions and outcomes; `read` says what it asks for. */
function filterForm(catalogue: CatalogueDto) {
  const form = el('form', { className: 'filters', testId: 'audit-filters' });
  const field = <T extends HTMLElement>(text: string, control: T, testId: string): T => {
    control.setAttribute('aria-label', text);
    control.dataset.testid = testId;
    form.append(el('label', {}, el('span', { text, className: 'muted' }), control));
    return control;
  };
  const choose = (any: string, values: readonly string[]) => {
    const select = el('select');
    select.append(option(any, ''), ...values.map((v) => option(v, v)));
    return select;
  };
  const actor = field('Agent', el('input'), 'audit-actor');
  const action = field('Action', choose('Any action', catalogue.auditActions), 'audit-action');
  const outcome = field('Outcome', choose('Any outcome', catalogue.outcomes), 'audit-outcome');
  const resource = field('Resource', el('input'), 'audit-resource');
  resource.placeholder = 'customer:42';
  const since = field('From', el('input'), 'audit-since');
  since.type = 'date';
  const until = field('Before', el('input'), 'audit-until');
  until.type = 'date';
  const apply = el('button', { text: 'Apply', testId: 'audit-apply' });
  apply.type = 'submit';
  form.append(apply);
  // Only what was given, so an empty field is no filter. The action and outcome come from
  // desk-core's lists (the catalogue), so they are its names.
  const given = <T extends string>(v: string) => (v.trim() || undefined) as T | undefined;
  const read = (): AuditFilters => ({
    actor: given(actor.value),
    action: given<AuditAction>(action.value),
    outcome: given<Outcome>(outcome.value),
    resource: given(resource.value),
    since: given(since.value),
    until: given(until.value),
  });
  return { form, read };
}

/** An entry's every member, its detail as the server stored it (JSON text, pretty when it is JSON). */
export function entryDetails(entry: AuditRecord): HTMLElement {
  let detail = entry.detail;
  try {
    detail = JSON.stringify(JSON.parse(entry.detail), null, 2);
  } catch {
    // Kept as stored.
  }
  const rows: [string, string][] = [
    ['Position', String(entry.seq)],
    ['When', `${formatTime(entry.time)} (${entry.time})`],
    ['Agent', entry.actor],
    ['Action', entry.action],
    ['Resource', entry.resource],
    ['Outcome', entry.outcome],
    ['Link', entry.hash],
    ['Previous link', entry.prev_hash],
  ];
  return el(
    'div',
    { testId: 'audit-entry' },
    el('h4', { text: `Entry ${entry.seq}` }),
    el('dl', {}, ...rows.map(([term, value]) => el('div', {}, el('dt', { text: term }), el('dd', { text: value })))),
    el('pre', { className: 'audit-detail', text: detail }),
  );
}

/** Renders the audit table into `section`. */
export async function renderAuditLog(section: HTMLElement, ctx: PageContext): Promise<void> {
  let catalogue: CatalogueDto;
  try {
    catalogue = await busy(section, ctx.api.roleCatalogue());
  } catch (err) {
    section.append(problem(err));
    return;
  }
  const { form, read } = filterForm(catalogue);
  const summary = el('p', { className: 'muted', testId: 'audit-summary' });
  summary.setAttribute('role', 'status');
  const details = el('div', { className: 'audit-details' }, note('Open an entry (Enter or a click) to see all of it.'));
  const table = windowedTable<AuditRecord>({
    label: 'Audit trail',
    testId: 'audit-table',
    rowIdPrefix: 'audit-row',
    columns: COLUMNS,
    nearEnd: () => void pages.next(),
    open: (entry) => details.replaceChildren(entryDetails(entry)),
  });
  section.append(form, exporting(ctx.api, read), chainCheck(ctx.api), summary, el('div', { className: 'audit-columns' }, table.element, details));
  const pages = cursorPages(table, summary, (filters: AuditFilters, cursor) => ctx.api.auditTrail(filters, cursor), { loading: 'Loading the trail…', rows: 'entries' }, {});
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    table.element.scrollTop = 0;
    void pages.first(read());
  });
  await pages.first(read());
}

/** The export buttons: every entry the filters (as they are in the form) match, to a file. */
function exporting(api: Api, read: () => AuditFilters): HTMLElement {
  const said = el('span', { className: 'muted', testId: 'audit-export-status' });
  said.setAttribute('role', 'status');
  const bar = el('div', { className: 'toolbar' });
  const start = (format: ExportFormat, text: string) => {
    const b = button({ text, className: 'secondary', testId: `audit-export-${format}` });
    b.addEventListener('click', async () => {
      for (const other of bar.querySelectorAll('button')) other.disabled = true;
      said.textContent = 'Exporting the matching entries…';
      try {
        const done = await busy(bar, api.exportAudit(read(), format));
        said.textContent = `${done.entries} entries written to ${done.path}`;
      } catch (err) {
        said.replaceChildren(problem(err));
      } finally {
        for (const other of bar.querySelectorAll('button')) other.disabled = false;
      }
    });
    return b;
  };
  bar.append(start('jsonl', 'Export as JSON lines'), start('csv', 'Export as CSV'), said);
  return bar;
}
