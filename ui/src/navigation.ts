// Moving between pages: the open view, a history of the last 50 (Back, Alt+Left), the search
// (Ctrl+K), the pages that need no record (audit trail, administration) when the layout shows them, and the
// navigation bar that offers them and names the page open.
import { button, el } from './dom';
import type { Page } from './generated/Page';
import { PAGE_LABELS } from './layout';

/** The pages opened from the navigation bar, besides the search: they show no one record. */
export type Place = Extract<Page, 'audit' | 'admin'>;

/** What the page area shows: the search, a place, or one record's page. */
export type View =
  | { page: Extract<Page, 'search'> }
  | { page: Extract<Place, 'audit'> }
  | { page: Extract<Place, 'admin'> }
  | { page: Extract<Page, 'customer' | 'ticket' | 'transactions' | 'tickets'>; id: number };

export type Navigation = {
  /** The open view. */
  readonly view: View;
  /** Opens `next`, remembering the open view for Back. */
  go: (next: View) => void;
  /** Draws the navigation bar and the open view again. */
  show: () => void;
  /** Removes the keyboard shortcuts (sign-out). */
  stop: () => void;
};

/** How many views Back remembers. */
const HISTORY = 50;

/**
 * Navigation drawn into `nav`, starting on the search; `render` draws a view into the page,
 * `focusSearch` puts the cursor in the search field when the search is open, and `places` says
 * which places the agent's layout shows now.
 */
export function navigation(
  nav: HTMLElement,
  render: (view: View) => void,
  focusSearch: () => void,
  places: () => Place[],
): Navigation {
  let view: View = { page: 'search' };
  const history: View[] = [];
  const show = () => {
    const toSearch = button({ text: 'Search', testId: 'nav-search', className: 'secondary' });
    toSearch.title = 'Search customers (Ctrl+K)';
    toSearch.addEventListener('click', () => go({ page: 'search' }));
    const previous = button({ text: 'Back', testId: 'nav-back', className: 'secondary' });
    previous.title = 'Back (Alt+Left)';
    previous.addEventListener('click', back);
    const where = el('span', { className: 'muted', text: PAGE_LABELS[view.page] });
    where.setAttribute('aria-current', 'page');
    const toPlaces = places()
      .filter((place) => place !== view.page)
      .map((place) => {
        const b = button({ text: PAGE_LABELS[place], testId: `nav-${place}`, className: 'secondary' });
        b.addEventListener('click', () => go({ page: place }));
        return b;
      });
    nav.replaceChildren(
      ...(history.length ? [previous] : []),
      ...(view.page === 'search' ? [] : [toSearch]),
      ...toPlaces,
      where,
    );
    render(view);
  };
  const go = (next: View) => {
    history.push(view);
    if (history.length > HISTORY) history.shift();
    view = next;
    show();
    document.documentElement.scrollTop = 0;
  };
  function back() {
    const previous = history.pop();
    if (!previous) return;
    view = previous;
    show();
  }
  function shortcuts(e: KeyboardEvent) {
    if (e.altKey && e.key === 'ArrowLeft') {
      e.preventDefault();
      back();
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      if (view.page === 'search') focusSearch();
      else go({ page: 'search' });
    }
  }
  document.addEventListener('keydown', shortcuts);
  return {
    get view() {
      return view;
    },
    go,
    show,
    stop: () => document.removeEventListener('keydown', shortcuts),
  };
}
