// A windowed table's pages fetched by cursor, as the administrator's tables read them: the first
// page for a query, then the next near the end; an answer for a query asked before the latest is
// dropped, and the summary says how many rows are loaded and whether more wait.
import type { PageOf } from '../generated/PageOf';
import { busy, problem } from '../pages/context';
import type { WindowedTable } from '../table';

export type CursorPages<Q> = {
  /** Loads the first page for `query`, in place of what is shown. */
  first: (query: Q) => Promise<void>;
  /** Loads the next page of the current query, when there is one and none is loading. */
  next: () => Promise<void>;
};

export function cursorPages<T, Q>(
  table: WindowedTable<T>,
  summary: HTMLElement,
  fetch: (query: Q, cursor: string | undefined) => Promise<PageOf<T>>,
  words: { loading: string; rows: string },
  initial: Q,
): CursorPages<Q> {
  let query = initial;
  let cursor: string | null = null;
  let loading = false;
  let generation = 0;
  const load = async (fresh: boolean) => {
    if ((loading && !fresh) || (!fresh && cursor === null)) return;
    loading = true;
    const mine = fresh ? ++generation : generation;
    summary.textContent = fresh ? words.loading : 'Loading more…';
    try {
      const page = await busy(table.element, fetch(query, fresh ? undefined : (cursor ?? undefined)));
      if (mine !== generation) return;
      if (fresh) table.replace(page.items);
      else table.append(page.items);
      cursor = page.nextCursor;
      summary.textContent = `${table.length} ${words.rows}${cursor ? ' (scroll for more)' : ''}`;
    } catch (err) {
      summary.replaceChildren(problem(err));
    } finally {
      if (mine === generation) loading = false;
    }
  };
  return {
    first: (next) => {
      query = next;
      return load(true);
    },
    next: () => load(false),
  };
}
