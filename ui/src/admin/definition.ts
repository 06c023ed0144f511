// The role definition editor: every member of a definition as a form over desk-core's catalogue
// (the fields with the redactions that fit each, the pages, widgets, actions, search keys and
// record kinds — the editor offers no other value), checked after every edit as the server
// checks it (`check_role`, nothing sent), with what the edit changes and whether it waits for a
// second administrator; saved through `set_role`.
import type { Api, RoleDefinition, StoredRole } from '../api';
import { button, el, option } from '../dom';
import type { CatalogueDto } from '../generated/CatalogueDto';
import type { RecordKind } from '../generated/RecordKind';
import type { Redaction } from '../generated/Redaction';
import type { RoleCheck } from '../generated/RoleCheck';
import { PAGE_LABELS, WIDGET_LABELS } from '../layout';
import { busy, note, problem } from '../pages/context';
import { changeLines } from './changes';

/** A whole number of at least `min` typed into a field, or why it is not one. */
function wholeNumber(text: string, min: number): number | string {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(value) && value >= min ? value : `a whole number of at least ${min}`;
}

/** A copy of `d` that the form may change. */
const copy = (d: RoleDefinition): RoleDefinition => JSON.parse(JSON.stringify(d)) as RoleDefinition;

/** One checkbox of a set member (`pages`, `widgets`, …), kept in the draft as a sorted list. */
function choice<T extends string>(
  text: string,
  value: T,
  list: () => T[],
  set: (next: T[]) => void,
  changed: () => void,
): HTMLElement {
  const box = el('input');
  box.type = 'checkbox';
  box.checked = list().includes(value);
  box.dataset.choice = value;
  box.addEventListener('change', () => {
    const rest = list().filter((v) => v !== value);
    set(box.checked ? [...rest, value].sort() : rest);
    changed();
  });
  return el('label', { className: 'choice' }, box, document.createTextNode(` ${text}`));
}

/**
 * Renders the editor for `stored` into `root`; `done` is called with what saving came to (or
 * nothing, when the edit was cancelled).
 */
export function renderDefinitionEditor(
  root: HTMLElement,
  stored: StoredRole,
  catalogue: CatalogueDto,
  api: Api,
  done: (said?: string) => void,
): void {
  const current = stored.definition;
  const draft = copy(current);
  const invalid = new Map<string, string>();
  const verdict = el('div', { className: 'verdict', testId: 'role-verdict' });
  verdict.setAttribute('aria-live', 'polite');
  const save = button({ text: 'Save', testId: 'role-save' });
  const cancel = button({ text: 'Cancel', className: 'secondary', testId: 'role-cancel' });
  cancel.addEventListener('click', () => done());
  let checked = 0;
  const changed = async () => {
    const asked = ++checked;
    const [bad] = invalid;
    if (bad) {
      save.disabled = true;
      verdict.replaceChildren(warning(`${bad[0]} must be ${bad[1]}.`));
      return;
    }
    let check: RoleCheck;
    try {
      check = await api.checkRole(current, draft);
    } catch (err) {
      verdict.replaceChildren(problem(err));
      return;
    }
    if (asked === checked) showVerdict(verdict, save, check);
  };
  const number = (name: string, get: () => number | undefined, put: (v: number | undefined) => void, min: number, optional = false) => {
    const input = el('input', { testId: `number-${name}` });
    input.inputMode = 'numeric';
    input.value = get() === undefined ? '' : String(get());
    input.setAttribute('aria-label', name);
    input.addEventListener('input', () => {
      const parsed = optional && input.value.trim() === '' ? undefined : wholeNumber(input.value, min);
      if (typeof parsed === 'string') {
        invalid.set(name, parsed);
        input.setAttribute('aria-invalid', 'true');
      } else {
        invalid.delete(name);
        input.removeAttribute('aria-invalid');
        put(parsed);
      }
      void changed();
    });
    return input;
  };
  const description = el('input', { testId: 'role-description' });
  description.value = draft.description;
  description.setAttribute('aria-label', 'Who holds the role');
  description.addEventListener('input', () => {
    draft.description = description.value;
    void changed();
  });
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const result = await busy(root, api.setRole(draft));
      done(
        'id' in result
          ? `The change to ${result.role} waits for a second administrator's approval (change ${result.id}).`
          : `${result.definition.role} is at version ${result.version}.`,
      );
    } catch (err) {
      verdict.replaceChildren(problem(err));
      save.disabled = false;
    }
  });
  root.replaceChildren(
    el('h5', { text: `Editing ${current.role} (version ${stored.version})` }),
    el('label', { text: 'Who holds it ' }, description),
    fieldsTable(catalogue, draft, changed),
    setsOf(catalogue, draft, changed),
    cacheAndBudget(catalogue, draft, number, changed),
    verdict,
    el('div', { className: 'toolbar' }, save, cancel),
  );
  void changed();
}

function warning(text: string): HTMLElement {
  const p = el('p', { className: 'warning', text });
  p.setAttribute('role', 'alert');
  return p;
}

/** What the server would make of the draft, and whether it can be saved. */
function showVerdict(verdict: HTMLElement, save: HTMLButtonElement, check: RoleCheck): void {
  const lines = changeLines(check.changes);
  const list = el('ul', { testId: 'role-change-lines' }, ...lines.map((line) => el('li', { text: line })));
  if (check.problem) {
    save.disabled = true;
    verdict.replaceChildren(warning(`The server would refuse this: ${check.problem}.`));
  } else if (lines.length === 0) {
    save.disabled = true;
    verdict.replaceChildren(note('No changes.'));
  } else if (check.widened.length) {
    save.disabled = false;
    save.textContent = 'Propose for approval';
    verdict.replaceChildren(
      warning(
        `It shows more personal or restricted data (${check.widened.join(', ')}): saved, it waits for a second administrator's approval.`,
      ),
      list,
    );
  } else {
    save.disabled = false;
    save.textContent = 'Save';
    verdict.replaceChildren(note('Saved, it applies at once.'), list);
  }
}

/** Each field with its class and a choice of the redactions that fit it. */
function fieldsTable(catalogue: CatalogueDto, draft: RoleDefinition, changed: () => void): HTMLElement {
  const table = el('table', { className: 'role-fields' });
  table.append(el('tr', {}, el('th', { text: 'Field' }), el('th', { text: 'Class' }), el('th', { text: 'Shown as' })));
  for (const rule of catalogue.fields) {
    const select = el('select', { testId: `redaction-${rule.field}` });
    select.setAttribute('aria-label', `How ${rule.field} is shown`);
    for (const r of rule.redactions) select.append(option(r, r));
    select.value = draft.fields[rule.field] ?? 'hidden';
    select.addEventListener('change', () => {
      if (select.value === 'hidden') delete draft.fields[rule.field];
      else draft.fields[rule.field] = select.value as Redaction;
      changed();
    });
    table.append(el('tr', {}, el('td', { text: rule.field }), el('td', { text: rule.class }), el('td', {}, select)));
  }
  return el('details', { className: 'role-section' }, el('summary', { text: 'Fields and their redaction' }), table);
}

/** The pages, widgets (by page), actions and search keys, each a checkbox. */
function setsOf(catalogue: CatalogueDto, draft: RoleDefinition, changed: () => void): HTMLElement {
  const group = (legend: string, ...boxes: HTMLElement[]) => el('fieldset', { className: 'choices' }, el('legend', { text: legend }), ...boxes);
  return el(
    'div',
    {},
    group(
      'Pages',
      ...catalogue.pages.map((p) => choice(PAGE_LABELS[p] ?? p, p, () => draft.pages, (v) => (draft.pages = v), changed)),
    ),
    group(
      'Widgets',
      ...catalogue.widgets.map((w) => choice(`${WIDGET_LABELS[w] ?? w} (${w})`, w, () => draft.widgets, (v) => (draft.widgets = v), changed)),
    ),
    group('Actions', ...catalogue.actions.map((a) => choice(a, a, () => draft.actions, (v) => (draft.actions = v), changed))),
    group(
      'Search by',
      ...catalogue.searchKeys.map((k) => choice(k, k, () => draft.search_by, (v) => (draft.search_by = v), changed)),
    ),
  );
}

type NumberInput = (
  name: string,
  get: () => number | undefined,
  put: (v: number | undefined) => void,
  min: number,
  optional?: boolean,
) => HTMLInputElement;

/** The cache rules (a time to live by record kind, empty for none) and the read budget. */
function cacheAndBudget(
  catalogue: CatalogueDto,
  draft: RoleDefinition,
  number: NumberInput,
  changed: () => void,
): HTMLElement {
  const row = (label: string, input: HTMLElement) => el('div', {}, el('dt', { text: label }), el('dd', {}, input));
  const ttl = (kind: RecordKind) =>
    number(
      `cache ${kind} seconds`,
      () => draft.cache.ttl_secs[kind],
      (v) => {
        if (v === undefined) delete draft.cache.ttl_secs[kind];
        else draft.cache.ttl_secs[kind] = v;
      },
      1,
      true,
    );
  const budget = draft.read_budget;
  const block = el('input', { testId: 'budget-block' });
  block.type = 'checkbox';
  block.checked = budget.block_bulk;
  block.addEventListener('change', () => {
    budget.block_bulk = block.checked;
    changed();
  });
  const grace = number('offline grace seconds', () => draft.cache.offline_grace_secs, (v) => (draft.cache.offline_grace_secs = v ?? 0), 0);
  const numbers = el(
    'dl',
    {},
    ...catalogue.recordKinds.map((kind) => row(`Cache ${kind} for (seconds; empty: not cached)`, ttl(kind))),
    row('Readable offline after the policy expires (seconds)', grace),
    row('Reads a minute', number('reads per minute', () => budget.reads_per_minute, (v) => (budget.reads_per_minute = v ?? 1), 1)),
    row('Burst', number('burst', () => budget.burst, (v) => (budget.burst = v ?? 1), 1)),
    row(
      'Customers an hour',
      number('customers an hour', () => budget.bulk_customers_per_hour, (v) => (budget.bulk_customers_per_hour = v ?? 1), 1),
    ),
    row('Refuse beyond them', block),
  );
  return el('details', { className: 'role-section' }, el('summary', { text: 'Cache rules and read budget' }), numbers);
}
