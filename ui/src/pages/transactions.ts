// The transactions page: a customer's transactions (`transactions.table`), filtered by date
// range and status, in the windowed table, the next page fetched (by cursor) as the agent nears
// the end.
import type { Transaction } from '../api';
import { el } from '../dom';
import { fieldValue, formatAmount, formatTime } from '../format';
import { widgetsOf } from '../layout';
import { type Column, windowedTable } from '../table';
import { busy, link, note, type PageContext, problem, widgetFrame } from './context';

const STATUSES = ['pending', 'settled', 'declined', 'refunded', 'disputed'];

/** The filters: a date range and a status, applied with their submit button. */
function filters() {
  const form = el('form', { className: 'filters' });
  const labelled = <T extends HTMLElement>(text: string, control: T): [HTMLLabelElement, T] => {
    control.setAttribute('aria-label', text);
    return [el('label', {}, el('span', { text, className: 'muted' }), control), control];
  };
  const [fromLabel, from] = labelled('From', el('input'));
  from.type = 'date';
  const [toLabel, to] = labelled('Before', el('input'));
  to.type = 'date';
  const [statusLabel, status] = labelled('Status', el('select'));
  status.append(el('option', { text: 'Any status' }), ...STATUSES.map((s) => el('option', { text: s })));
  status.options[0]!.value = '';
  const apply = el('button', { text: 'Apply' });
  apply.type = 'submit';
  form.append(fromLabel, toLabel, statusLabel, apply);
  return { form, from, to, status };
}

function columns(ctx: PageContext): Column<Transaction>[] {
  return [
    { title: 'When', cell: (t) => formatTime(t.time) },
    { title: 'Amount', className: 'amount', cell: (t) => formatAmount(t.amount, t.currency) },
    { title: 'Merchant', cell: (t) => t.merchant ?? '' },
    { title: 'Status', cell: (t) => t.status ?? '' },
    {
      title: 'Card',
      cell: (t) => (t.card_number ? fieldValue('transaction.card_number', t.card_number, ctx.policy.fields) : ''),
    },
    { title: 'Description', cell: (t) => t.description ?? '' },
  ];
}

/**
 * Renders a customer's transactions: filters (date range, status) and a windowed table that
 * keeps only the rows in view in the DOM, so 10,000 rows scroll smoothly; the next page is
 * fetched (by cursor) as the agent nears the end.
 */
export async function renderTransactions(root: HTMLElement, customerId: number, ctx: PageContext): Promise<void> {
  if (!widgetsOf(ctx.policy, 'transactions').includes('transactions.table')) {
    root.replaceChildren(note('Your role shows no transaction list.'));
    return;
  }
  const { form, from, to, status } = filters();
  const summary = el('p', { text: '', className: 'muted' });
  summary.setAttribute('role', 'status');
  let cursor: string | null = null;
  let loading = false;
  let generation = 0;
  const table = windowedTable<Transaction>({
    label: 'Transactions',
    testId: 'transactions-table',
    rowIdPrefix: 'transaction-row',
    columns: columns(ctx),
    nearEnd: () => void load(false),
  });
  const section = widgetFrame('transactions.table');
  section.append(form, summary, table.element);
  root.replaceChildren(link('Customer page', () => ctx.openCustomer(customerId), 'transactions-customer'), section);

  /** Fetches the first page (`fresh`, with the filters as they are) or the next one. */
  async function load(fresh: boolean): Promise<void> {
    if (loading || (!fresh && cursor === null)) return;
    loading = true;
    const mine = fresh ? ++generation : generation;
    summary.textContent = fresh ? 'Loading transactions…' : 'Loading more…';
    try {
      const answer = await busy(
        table.element,
        ctx.api.listTransactions(customerId, {
          from: from.value || undefined,
          to: to.value || undefined,
          status: status.value || undefined,
          limit: 200,
          cursor: fresh ? undefined : (cursor ?? undefined),
        }),
      );
      if (mine !== generation) return;
      ctx.sourced(answer);
      if (fresh) table.replace(answer.value.items);
      else table.append(answer.value.items);
      cursor = answer.value.nextCursor;
      summary.textContent = `${table.length} transactions${cursor ? ' (scroll for more)' : ''}`;
    } catch (err) {
      summary.replaceChildren(problem(err));
    } finally {
      loading = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    table.element.scrollTop = 0;
    void load(true);
  });
  await load(true);
}
