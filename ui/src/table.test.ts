import { describe, expect, it, vi } from 'vitest';

import { movedTo, ROW_HEIGHT, type TableOptions, windowedTable } from './table';

type Row = { n: number; note: string };
const rows = (from: number, count: number): Row[] =>
  Array.from({ length: count }, (_, i) => ({ n: from + i, note: `row ${from + i}` }));

function table(overrides: Partial<TableOptions<Row>> = {}) {
  const nearEnd = vi.fn();
  const t = windowedTable<Row>({
    label: 'Numbers',
    testId: 'numbers',
    rowIdPrefix: 'number-row',
    columns: [
      { title: 'Number', className: 'amount', cell: (r) => String(r.n) },
      { title: 'Note', cell: (r) => r.note },
    ],
    nearEnd,
    ...overrides,
  });
  document.body.replaceChildren(t.element);
  return { t, nearEnd, grid: t.element };
}

const drawn = (grid: HTMLElement) =>
  [...grid.querySelectorAll<HTMLElement>('.table-spacer [role="row"]')].map((r) => Number(r.getAttribute('aria-rowindex')));
const key = (grid: HTMLElement, k: string) => grid.dispatchEvent(new KeyboardEvent('keydown', { key: k, cancelable: true }));
const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

describe('windowed table', () => {
  it('is a labelled grid with a header row, empty until given rows', () => {
    const { grid } = table();
    expect(grid.getAttribute('role')).toBe('grid');
    expect(grid.getAttribute('aria-label')).toBe('Numbers');
    expect(grid.dataset.testid).toBe('numbers');
    expect(grid.tabIndex).toBe(0);
    const headers = [...grid.querySelectorAll<HTMLElement>('[role="columnheader"]')];
    expect(headers.map((h) => [h.textContent, h.className])).toEqual([
      ['Number', 'cell amount'],
      ['Note', 'cell'],
    ]);
    expect(drawn(grid)).toEqual([]);
  });

  it('keeps only the rows in view in the DOM, however many are loaded', () => {
    const { t, grid } = table();
    t.replace(rows(0, 10_000));
    expect(t.length).toBe(10_000);
    expect(grid.getAttribute('aria-rowcount')).toBe('10000');
    expect(grid.querySelector<HTMLElement>('.table-spacer')!.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
    const shown = drawn(grid);
    expect(shown[0]).toBe(1);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(60);
    const first = grid.querySelector<HTMLElement>('#number-row-3')!;
    expect(first.style.top).toBe(`${3 * ROW_HEIGHT}px`);
    expect([...first.children].map((c) => c.textContent)).toEqual(['3', 'row 3']);
    expect([...first.children].map((c) => c.getAttribute('role'))).toEqual(['gridcell', 'gridcell']);
  });

  it('draws the rows scrolled to on the next frame, and asks for more only near the end', async () => {
    const { t, grid, nearEnd } = table();
    t.replace(rows(0, 1_000));
    grid.scrollTop = 500 * ROW_HEIGHT;
    grid.dispatchEvent(new Event('scroll'));
    await frame();
    const shown = drawn(grid);
    expect(shown[0]).toBe(500 - 10 + 1);
    expect(shown).toContain(501);
    expect(grid.querySelector('#number-row-0')).toBeNull();
    expect(nearEnd).not.toHaveBeenCalled();
    grid.scrollTop = 990 * ROW_HEIGHT;
    grid.dispatchEvent(new Event('scroll'));
    await frame();
    expect(nearEnd).toHaveBeenCalled();
  });

  it('moves the active row from the keyboard, scrolling it into view, and asks for more at the end', () => {
    const { t, grid, nearEnd } = table();
    t.replace(rows(0, 200));
    expect(key(grid, 'ArrowDown')).toBe(false);
    key(grid, 'ArrowDown');
    expect(grid.getAttribute('aria-activedescendant')).toBe('number-row-1');
    const selected = grid.querySelector<HTMLElement>('[aria-selected="true"]')!;
    expect(selected.id).toBe('number-row-1');
    expect(selected.classList.contains('active')).toBe(true);
    expect(grid.querySelectorAll('[aria-selected="true"]').length).toBe(1);
    key(grid, 'Home');
    expect(grid.getAttribute('aria-activedescendant')).toBe('number-row-0');
    expect(nearEnd).not.toHaveBeenCalled();
    key(grid, 'End');
    expect(grid.getAttribute('aria-activedescendant')).toBe('number-row-199');
    expect(grid.scrollTop).toBeGreaterThan(0);
    expect(drawn(grid)).toContain(200);
    expect(nearEnd).toHaveBeenCalledOnce();
    expect(key(grid, 'Tab')).toBe(true); // other keys are left alone
  });

  it('keeps the active row when more rows come, and starts again when the rows are replaced', () => {
    const { t, grid } = table();
    t.replace(rows(0, 5));
    key(grid, 'ArrowDown');
    key(grid, 'ArrowDown');
    t.append(rows(5, 5));
    expect(t.length).toBe(10);
    expect(grid.getAttribute('aria-rowcount')).toBe('10');
    expect(grid.querySelector('[aria-selected="true"]')?.id).toBe('number-row-1');
    t.replace(rows(100, 3));
    expect(grid.querySelector('[aria-selected="true"]')).toBeNull();
    expect(grid.querySelector('#number-row-0')?.textContent).toContain('row 100');
    key(grid, 'ArrowDown');
    expect(grid.getAttribute('aria-activedescendant')).toBe('number-row-0');
  });

  it('shows cell text with its invisible characters as markers, and cell elements as they are', () => {
    const mark = document.createElement('mark');
    mark.textContent = 'node';
    const { t, grid } = table({
      columns: [
        { title: 'Text', cell: (r) => r.note },
        { title: 'Node', cell: () => mark },
      ],
    });
    t.replace([{ n: 0, note: 'Shop\u202Epots <b>x</b>' }]);
    const cells = [...grid.querySelectorAll<HTMLElement>('[role="gridcell"]')];
    expect(cells[0]!.textContent).toBe('Shop⟨U+202E⟩pots <b>x</b>');
    expect(grid.querySelector('b')).toBeNull();
    expect(cells[1]!.firstChild).toBe(mark);
  });
});

describe('keyboard movement', () => {
  it('moves by one, by a screenful and to either end, never past the rows', () => {
    expect(movedTo('ArrowDown', -1, 10, 5)).toBe(0);
    expect(movedTo('ArrowDown', 9, 10, 5)).toBe(9);
    expect(movedTo('ArrowUp', 0, 10, 5)).toBe(0);
    expect(movedTo('PageDown', 2, 10, 5)).toBe(7);
    expect(movedTo('PageDown', 7, 10, 5)).toBe(9);
    expect(movedTo('PageUp', 7, 10, 5)).toBe(2);
    expect(movedTo('Home', 7, 10, 5)).toBe(0);
    expect(movedTo('End', 0, 10, 5)).toBe(9);
    // A viewport shorter than a row still pages by one.
    expect(movedTo('PageDown', 0, 10, 0)).toBe(1);
  });

  it('ignores other keys, and every key when there is no row', () => {
    expect(movedTo('Tab', 0, 10, 5)).toBeUndefined();
    expect(movedTo('constructor', 0, 10, 5)).toBeUndefined();
    expect(movedTo('ArrowDown', -1, 0, 5)).toBeUndefined();
  });
});
