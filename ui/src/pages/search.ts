// The search page: the search field (as-you-type, keyboard first) and the matching customers,
// each as the layout grants them.
import type { Customer } from '../api';
import { el } from '../dom';
import { fieldValue } from '../format';
import type { SearchKey } from '../generated/SearchKey';
import { widgetsOf } from '../layout';
import { type PageContext, problem, widgetFrame } from './context';

/** What each search key reads, as the search field names it. */
const SEARCH_KEY_WORDS: Record<SearchKey, string> = {
  name: 'name',
  email: 'e-mail address',
  phone: 'phone',
  account: 'account number',
};

/**
 * What the search field accepts, from the keys the policy grants: `Name, e-mail address, phone
 * or account number`, or `Name only` for a role that searches by name alone. The server refuses
 * any other kind of search, so the field says so rather than let the agent find out.
 */
export function searchHint(keys: readonly SearchKey[]): string {
  const words = keys.map((k) => SEARCH_KEY_WORDS[k]);
  if (words.length === 0) return 'Searching is not part of your role';
  const phrase =
    words.length === 1
      ? `${words[0]} only`
      : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
}

/** Renders the search page: the search field (focused) and the results, keyboard first. */
export function renderSearch(root: HTMLElement, ctx: PageContext): void {
  const sections = new Map(widgetsOf(ctx.policy, 'search').map((w) => [w, widgetFrame(w)]));
  root.replaceChildren(...sections.values());
  const box = sections.get('search.box');
  if (!box) return;
  const input = el('input', { testId: 'search-input' });
  input.type = 'search';
  input.placeholder = searchHint(ctx.policy.searchBy);
  input.setAttribute('aria-label', `Search customers: ${input.placeholder}`);
  const status = el('p', { text: '', className: 'muted' });
  status.setAttribute('role', 'status');
  box.append(input, status);
  const list = el('ul', { className: 'results', testId: 'search-results' });
  list.setAttribute('role', 'listbox');
  sections.get('search.results')?.append(list);
  searchAsTyped(input, status, list, ctx);
  input.focus();
}

/** One customer of the results, opened on click. */
function resultItem(c: Pick<Customer, 'id' | 'name' | 'email'>, ctx: PageContext): HTMLElement {
  const item = el(
    'li',
    {},
    el('strong', { text: c.name ?? `Customer ${c.id}` }),
    document.createTextNode(' '),
    fieldValue('customer.email', c.email, ctx.policy.fields),
  );
  item.setAttribute('role', 'option');
  item.dataset.customer = String(c.id);
  item.addEventListener('click', () => ctx.openCustomer(c.id));
  return item;
}

/**
 * Searches as the agent types (after a 150 ms pause), showing only the answer to the last text
 * typed; arrows move through the results and Enter opens one (or searches at once).
 */
function searchAsTyped(input: HTMLInputElement, status: HTMLElement, list: HTMLElement, ctx: PageContext): void {
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const options = () => [...list.querySelectorAll<HTMLElement>('[role="option"]')];
  const highlight = (i: number) => {
    const all = options();
    active = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((o, j) => o.setAttribute('aria-selected', String(j === active)));
  };
  const search = async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (!text) {
      list.replaceChildren();
      delete list.dataset.query;
      status.textContent = '';
      return;
    }
    status.textContent = 'Searching…';
    try {
      const answer = await ctx.api.searchCustomers(text);
      if (mine !== asked) return;
      ctx.sourced(answer);
      list.replaceChildren(...answer.value.items.map((c) => resultItem(c, ctx)));
      // Which text these results answer (tests wait for the last one typed).
      list.dataset.query = text;
      active = -1;
      status.textContent = answer.value.items.length ? '' : 'No customer matches.';
    } catch (err) {
      if (mine === asked) status.replaceChildren(problem(err));
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(), 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      highlight(active + 1);
      e.preventDefault();
    } else if (e.key === 'ArrowUp') {
      highlight(active - 1);
      e.preventDefault();
    } else if (e.key === 'Enter') {
      const chosen = options()[Math.max(active, 0)];
      if (chosen) ctx.openCustomer(Number(chosen.dataset.customer));
      else void search();
    }
  });
}
