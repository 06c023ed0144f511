// The layout editor (widget `admin.layouts`): for the role chosen, each page's widgets in order,
// added, removed and moved by keyboard (buttons, Alt+Up/Down) or mouse (buttons, drag and drop),
// only among the widgets the role's definition grants; a live preview of the customer page as
// the role sees it (the server's demo customer, redacted by the server for that role: the
// window only lays it out); publishing with the changes against the layout in force; and the
// layouts published before, each of which can be published again.
import type { Api, Layout, LayoutPreview, Role, StoredLayout } from '../api';
import { button, el, option } from '../dom';
import { formatTime } from '../format';
import type { Page } from '../generated/Page';
import type { Widget } from '../generated/Widget';
import { PAGE_LABELS, ROLE_LABELS, WIDGET_LABELS } from '../layout';
import { type PageContext, busy, note, problem } from '../pages/context';
import { renderCustomer } from '../pages/customer';
import { confirmation } from './confirm';
import { add, changes, grantedPages, move, moveTo, offered, remove, sameLayout, widgetsOn } from './draft';
import { previewContext } from './preview';

/** What the editor holds for the role open in it. */
type Editing = {
  role: Role;
  preview: LayoutPreview;
  draft: Layout;
  history: StoredLayout[];
};

/** The regions of the editor, drawn once; each is redrawn on its own. */
type Regions = {
  status: HTMLElement;
  pages: HTMLElement;
  changes: HTMLElement;
  preview: HTMLElement;
  history: HTMLElement;
};

const label = (w: Widget) => WIDGET_LABELS[w] ?? w;

/** Renders the editor into `section`, opening on the first role. */
export async function renderLayouts(section: HTMLElement, ctx: PageContext): Promise<void> {
  const roles = Object.keys(ROLE_LABELS) as Role[];
  const picker = el('select', { testId: 'layout-role', id: 'layout-role' });
  for (const role of roles) picker.append(option(`${ROLE_LABELS[role]} (${role})`, role));
  const regions: Regions = {
    status: el('p', { className: 'muted', testId: 'layout-status' }),
    pages: el('div', { className: 'layout-pages', testId: 'layout-editor' }),
    changes: el('div', { className: 'layout-changes', testId: 'layout-changes' }),
    preview: el('div', { className: 'layout-preview', testId: 'layout-preview' }),
    history: el('div', { className: 'layout-history', testId: 'layout-history' }),
  };
  regions.status.setAttribute('role', 'status');
  regions.preview.setAttribute('aria-label', 'Preview of the customer page');
  const choose = el('label', { text: 'Role ' }, picker);
  choose.htmlFor = picker.id;
  section.append(
    el('div', { className: 'toolbar' }, choose),
    regions.status,
    el(
      'div',
      { className: 'layout-columns' },
      el('div', {}, regions.pages, regions.changes, regions.history),
      el('div', {}, el('h4', { text: 'Preview: the customer page as this role sees it' }), regions.preview),
    ),
  );
  const editor = layoutEditor(ctx.api, regions);
  picker.addEventListener('change', () => void editor.open(picker.value as Role));
  await editor.open(roles[0]!);
}

/** The editor's behaviour over `regions`: open a role, edit its draft, publish, restore. */
function layoutEditor(api: Api, regions: Regions) {
  let editing: Editing | undefined;

  const open = async (role: Role, said?: string) => {
    const dropped = editing && !sameLayout(editing.draft, editing.preview.layout) && !said ? editing.role : undefined;
    regions.status.replaceChildren(note(`Loading ${role}…`));
    try {
      const [preview, history] = await busy(regions.pages, Promise.all([api.layoutPreview(role), api.layoutHistory(role)]));
      editing = { role, preview, draft: preview.layout, history };
    } catch (err) {
      editing = undefined;
      regions.status.replaceChildren(problem(err));
      for (const r of [regions.pages, regions.changes, regions.preview, regions.history]) r.replaceChildren();
      return;
    }
    const discarded = dropped ? ` Your unpublished changes to ${dropped}'s layout were discarded.` : '';
    regions.status.replaceChildren(said ?? `${versionLine(editing.preview)}${discarded}`);
    drawAll();
  };

  const edit = (next: Layout, focus?: string) => {
    if (!editing) return;
    editing.draft = next;
    drawDraft();
    if (focus) regions.pages.querySelector<HTMLElement>(`[data-focus="${focus}"]`)?.focus();
  };

  const drawDraft = () => {
    if (!editing) return;
    drawPages(regions.pages, editing, edit);
    drawChanges(regions.changes, editing, () => edit(editing!.preview.layout), publish);
    void drawPreview(regions.preview, editing);
  };

  const drawAll = () => {
    drawDraft();
    if (editing) drawHistory(regions.history, editing, restore);
  };

  const publish = async () => {
    if (!editing) return;
    const { role, draft } = editing;
    try {
      const published = await busy(regions.changes, api.publishLayout(role, draft));
      await open(role, `Published version ${published.version} of ${role}'s layout. Agents signed in with it see it now.`);
    } catch (err) {
      regions.status.replaceChildren(problem(err));
    }
  };

  const restore = async (version: number) => {
    if (!editing) return;
    const { role } = editing;
    try {
      const published = await busy(regions.history, api.restoreLayout(role, version));
      await open(role, `Version ${version} published again as version ${published.version}.`);
    } catch (err) {
      regions.status.replaceChildren(problem(err));
    }
  };

  return { open };
}

function versionLine(preview: LayoutPreview): string {
  return preview.version === 0
    ? `${preview.role} has the default layout: every widget its definition grants, page by page.`
    : `${preview.role}'s layout is version ${preview.version}.`;
}

/** Each page the role's definition grants, with its widgets in order and the ways to change them. */
function drawPages(root: HTMLElement, editing: Editing, edit: (next: Layout, focus?: string) => void): void {
  const pages = grantedPages(editing.preview.policy);
  if (pages.length === 0) {
    root.replaceChildren(note(`${editing.role}'s definition grants no page: there is nothing to lay out.`));
    return;
  }
  root.replaceChildren(...pages.map((page) => pageEditor(page, editing, edit)));
}

/** One page: its widgets as an ordered list, and what may be added to it. */
function pageEditor(page: Page, editing: Editing, edit: (next: Layout, focus?: string) => void): HTMLElement {
  const { draft, preview } = editing;
  const fieldset = el('fieldset', { className: 'layout-page' }, el('legend', { text: PAGE_LABELS[page] }));
  fieldset.dataset.page = page;
  const widgets = widgetsOn(draft, page);
  const list = el('ol');
  widgets.forEach((widget, index) => list.append(widgetItem(page, widget, index, widgets.length, draft, edit)));
  fieldset.append(widgets.length ? list : note('Shows nothing.'));
  const more = offered(preview.policy, draft, page);
  if (more.length) {
    const choice = el('select', { testId: `add-to-${page}` });
    choice.setAttribute('aria-label', `Widget to add to ${PAGE_LABELS[page]}`);
    for (const w of more) choice.append(option(label(w), w));
    const adding = button({ text: 'Add', className: 'secondary', testId: `add-button-${page}` });
    adding.dataset.focus = `add-${page}`;
    adding.addEventListener('click', () => edit(add(draft, page, choice.value as Widget), `add-${page}`));
    fieldset.append(el('div', { className: 'toolbar' }, choice, adding));
  }
  return fieldset;
}

/** One widget of a page: its name, and buttons (and keys, and dragging) that move or remove it. */
function widgetItem(
  page: Page,
  widget: Widget,
  index: number,
  count: number,
  draft: Layout,
  edit: (next: Layout, focus?: string) => void,
): HTMLElement {
  const item = el('li', { className: 'draft-widget' }, el('span', { text: label(widget) }));
  item.dataset.draftWidget = widget;
  const control = (text: string, what: string, disabled: boolean, next: () => Layout, focus: string) => {
    const b = button({ text, className: 'secondary small', testId: `${what}-${widget}` });
    b.setAttribute('aria-label', `${what === 'remove' ? 'Remove' : `Move ${what}`} ${label(widget)}`);
    b.dataset.focus = `${what}-${widget}`;
    b.disabled = disabled;
    b.addEventListener('click', () => edit(next(), focus));
    return b;
  };
  // After a move the focus stays on the widget: on the same control, or on the other one when
  // the widget reached the end that disables it.
  const focusAfter = (by: -1 | 1) => {
    const at = Math.max(0, Math.min(index + by, count - 1));
    if (at === 0) return `down-${widget}`;
    if (at === count - 1) return `up-${widget}`;
    return `${by < 0 ? 'up' : 'down'}-${widget}`;
  };
  item.append(
    control('↑', 'up', index === 0, () => move(draft, page, widget, -1), focusAfter(-1)),
    control('↓', 'down', index === count - 1, () => move(draft, page, widget, 1), focusAfter(1)),
    control('Remove', 'remove', false, () => remove(draft, page, widget), `add-${page}`),
  );
  // Alt+Up and Alt+Down move the widget whose control has the focus.
  item.addEventListener('keydown', (e) => {
    if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    const by = e.key === 'ArrowUp' ? -1 : 1;
    edit(move(draft, page, widget, by), focusAfter(by));
  });
  dragging(item, page, widget, index, draft, edit);
  return item;
}

/** Drag and drop within a page: a widget dropped on another takes its place. */
function dragging(
  item: HTMLElement,
  page: Page,
  widget: Widget,
  index: number,
  draft: Layout,
  edit: (next: Layout, focus?: string) => void,
): void {
  item.draggable = true;
  item.addEventListener('dragstart', (e) => {
    e.dataTransfer?.setData('text/plain', `${page}|${widget}`);
    item.classList.add('dragging');
  });
  item.addEventListener('dragend', () => item.classList.remove('dragging'));
  item.addEventListener('dragover', (e) => e.preventDefault());
  item.addEventListener('drop', (e) => {
    e.preventDefault();
    const [from, moved] = (e.dataTransfer?.getData('text/plain') ?? '').split('|');
    if (from !== page || !moved || moved === widget) return;
    edit(moveTo(draft, page, moved as Widget, index));
  });
}

/** What the draft changes against the layout in force, and the ways to publish or discard it. */
function drawChanges(root: HTMLElement, editing: Editing, discard: () => void, publish: () => Promise<void>): void {
  const { preview, draft } = editing;
  const list = changes(preview.layout, draft);
  const heading = el('h4', { text: 'Changes' });
  if (list.length === 0) {
    root.replaceChildren(heading, note('No changes against the layout in force.'));
    return;
  }
  const items = list.map(({ page, lines }) => el('li', { text: `${PAGE_LABELS[page]}: ${lines.join('; ')}` }));
  const publishing = button({ text: `Publish as version ${preview.version + 1}`, testId: 'layout-publish' });
  const discarding = button({ text: 'Discard changes', className: 'secondary', testId: 'layout-discard' });
  discarding.addEventListener('click', discard);
  publishing.addEventListener('click', () => {
    const confirmBox = confirmation(
      `Publish these changes for ${editing.role}? Every agent signed in with the role sees them at once.`,
      'Publish now',
      'layout-publish-confirm',
      publish,
      () => drawChanges(root, editing, discard, publish),
    );
    root.replaceChildren(heading, el('ul', {}, ...items.map((i) => i.cloneNode(true))), confirmBox);
    confirmBox.querySelector<HTMLElement>('button')?.focus();
  });
  root.replaceChildren(heading, el('ul', { testId: 'layout-change-list' }, ...items), el('div', { className: 'toolbar' }, publishing, discarding));
}

/** The customer page as the role sees it with the draft: the page's own renderer, fed the preview. */
async function drawPreview(root: HTMLElement, editing: Editing): Promise<void> {
  const { preview, draft } = editing;
  if (widgetsOn(draft, 'customer').length === 0) {
    root.replaceChildren(note('With this layout the role sees nothing of a customer.'));
    return;
  }
  await renderCustomer(root, preview.customer.id, previewContext(preview, draft));
}

/** The layouts published before, newest first, each of which can be published again. */
function drawHistory(root: HTMLElement, editing: Editing, restore: (version: number) => Promise<void>): void {
  const heading = el('h4', { text: 'Published layouts' });
  if (editing.history.length === 0) {
    root.replaceChildren(heading, note('None yet: the role has the default layout.'));
    return;
  }
  const items = editing.history.map((published) => {
    const current = published.version === editing.preview.version;
    const item = el('li', {
      text: `Version ${published.version} · ${published.updated_by} · ${formatTime(published.updated_at)}${current ? ' · in force' : ''}`,
    });
    item.dataset.version = String(published.version);
    item.title = Object.entries(published.layout.pages)
      .map(([page, widgets]) => `${PAGE_LABELS[page as Page]}: ${(widgets ?? []).map(label).join(', ')}`)
      .join('\n');
    if (!current) {
      const again = button({ text: 'Restore', className: 'secondary small', testId: `restore-${published.version}` });
      again.setAttribute('aria-label', `Publish version ${published.version} again`);
      again.addEventListener('click', () => {
        const box = confirmation(
          `Publish version ${published.version} again as version ${editing.preview.version + 1}?`,
          'Restore now',
          'layout-restore-confirm',
          () => restore(published.version),
          () => drawHistory(root, editing, restore),
        );
        item.append(box);
        box.querySelector<HTMLElement>('button')?.focus();
      });
      item.append(' ', again);
    }
    return item;
  });
  root.replaceChildren(heading, el('ol', {}, ...items));
}

