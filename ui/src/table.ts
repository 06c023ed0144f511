// The windowed table: a `role="grid"` that keeps in the DOM only the rows in view (plus a
// margin), so 10,000 rows scroll as smoothly as ten. A scrolling viewport holds a spacer as tall
// as every loaded row and absolutely placed elements for the rows shown; scrolling redraws on the
// next animation frame. Arrows, Page Up/Down, Home and End move the active row
// (`aria-activedescendant`), and Enter (or a click) opens it when the table has `open`; nearing
// the end, by scrolling or from the keyboard, asks for more.
// Cell text goes in through `showText`, like all text in the window.
import { el } from './dom';
import { showText } from './format';

/** Height of one row in pixels. */
export const ROW_HEIGHT = 32;
/** Rows drawn above and below the ones in view, so a quick scroll does not show a gap. */
const MARGIN = 10;
/** How near the end (in rows) the table asks for more. */
const NEAR_END = 20;

/** A column: its header, its class (`amount`), and what each row shows in it. */
export type Column<T> = {
  title: string;
  className?: string;
  cell: (row: T) => string | Node;
};

export type TableOptions<T> = {
  /** The grid's accessible name. */
  label: string;
  testId?: string;
  /** A class of the viewport besides `table-viewport`, for a table whose columns differ. */
  className?: string;
  /** Each row's id is this with its index: `transaction-row-12`. */
  rowIdPrefix: string;
  columns: readonly Column<T>[];
  /** Called when the agent nears the last loaded row; may be called again before more come. */
  nearEnd: () => void;
  /** Called with a row opened by Enter on it or a click: the table then says rows open. */
  open?: (row: T) => void;
};

export type WindowedTable<T> = {
  /** The grid, to be placed in the page. */
  readonly element: HTMLElement;
  /** Shows `rows` in place of what was shown; no row is active. */
  replace: (rows: readonly T[]) => void;
  /** Adds `rows` after those shown (the next page). */
  append: (rows: readonly T[]) => void;
  /** How many rows are loaded. */
  readonly length: number;
};

/** A windowed table with `options.columns`, empty until rows are given. */
export function windowedTable<T>(options: TableOptions<T>): WindowedTable<T> {
  const viewport = el('div', { className: ['table-viewport', options.className].filter(Boolean).join(' '), testId: options.testId });
  viewport.setAttribute('role', 'grid');
  viewport.setAttribute('aria-label', options.label);
  viewport.tabIndex = 0;
  const spacer = el('div', { className: 'table-spacer' });
  const header = el('div', { className: 'table-row table-head' });
  header.setAttribute('role', 'row');
  for (const column of options.columns) {
    const cell = el('span', { text: column.title, className: cellClass(column) });
    cell.setAttribute('role', 'columnheader');
    header.append(cell);
  }
  viewport.append(header, spacer);

  let rows: readonly T[] = [];
  /** The row the keyboard is on (-1: none yet). */
  let active = -1;

  const draw = () => {
    spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    viewport.setAttribute('aria-rowcount', String(rows.length));
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - MARGIN);
    const visible = Math.ceil((viewport.clientHeight || 600) / ROW_HEIGHT) + 2 * MARGIN;
    const shown = rows.slice(first, first + visible);
    spacer.replaceChildren(...shown.map((row, i) => rowElement(options, row, first + i, first + i === active)));
    if (active >= 0) viewport.setAttribute('aria-activedescendant', `${options.rowIdPrefix}-${active}`);
  };

  let frame = 0;
  viewport.addEventListener('scroll', () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      draw();
      if (viewport.scrollTop + viewport.clientHeight > (rows.length - NEAR_END) * ROW_HEIGHT) options.nearEnd();
    });
  });
  const open = options.open;
  if (open) {
    viewport.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('[aria-rowindex]');
      const index = row ? Number(row.getAttribute('aria-rowindex')) - 1 : -1;
      if (index < 0 || index >= rows.length) return;
      active = index;
      draw();
      open(rows[index]!);
    });
  }
  viewport.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && open && active >= 0) {
      e.preventDefault();
      open(rows[active]!);
      return;
    }
    const next = movedTo(e.key, active, rows.length, Math.floor(viewport.clientHeight / ROW_HEIGHT) - 1);
    if (next === undefined) return;
    e.preventDefault();
    active = next;
    scrollIntoView(viewport, header, active);
    draw();
    if (active >= rows.length - NEAR_END) options.nearEnd();
  });

  return {
    element: viewport,
    replace: (next) => {
      rows = next;
      active = -1;
      draw();
    },
    append: (more) => {
      rows = rows.concat(more);
      draw();
    },
    get length() {
      return rows.length;
    },
  };
}

/** Row `index`, holding `row`, placed at its height in the spacer; `active` when the keyboard is on it. */
function rowElement<T>(options: TableOptions<T>, row: T, index: number, active: boolean): HTMLElement {
  const element = el('div', { className: 'table-row', id: `${options.rowIdPrefix}-${index}` });
  element.setAttribute('role', 'row');
  element.setAttribute('aria-rowindex', String(index + 1));
  if (active) {
    element.setAttribute('aria-selected', 'true');
    element.classList.add('active');
  }
  element.style.top = `${index * ROW_HEIGHT}px`;
  for (const column of options.columns) {
    const value = column.cell(row);
    const cell = el('span', { className: cellClass(column) }, typeof value === 'string' ? showText(value) : value);
    cell.setAttribute('role', 'gridcell');
    element.append(cell);
  }
  return element;
}

function cellClass(column: { className?: string }): string {
  return column.className ? `cell ${column.className}` : 'cell';
}

/**
 * The row `key` moves to from `active` among `count` rows, a screenful being `page` rows:
 * arrows one row, Page Up/Down a screenful, Home/End to either end. `undefined` for other keys
 * and when there is no row.
 */
export function movedTo(key: string, active: number, count: number, page: number): number | undefined {
  const screenful = Math.max(1, page);
  const moves: Record<string, number> = {
    ArrowDown: active + 1,
    ArrowUp: active - 1,
    PageDown: active + screenful,
    PageUp: active - screenful,
    Home: 0,
    End: count - 1,
  };
  if (!Object.hasOwn(moves, key) || count === 0) return undefined;
  return Math.max(0, Math.min(moves[key]!, count - 1));
}

/** Scrolls `viewport` so row `index` is in view below the column names, which stay at its top. */
function scrollIntoView(viewport: HTMLElement, header: HTMLElement, index: number): void {
  const top = index * ROW_HEIGHT;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (header.offsetHeight + top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight)
    viewport.scrollTop = header.offsetHeight + top + ROW_HEIGHT - viewport.clientHeight;
}
