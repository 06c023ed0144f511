// What every page is made with: the context a page is rendered in (the app's commands, the
// verified policy, the ways to other pages), the frame of a widget, and the few pieces every
// page shows the same way (a region busy while it loads, a link to another page, a problem).
import type { Api, PolicyDto, SourcedDto } from '../api';
import { explain } from '../api';
import { el } from '../dom';
import type { Widget } from '../generated/Widget';
import { WIDGET_LABELS } from '../layout';

/** What every widget of a page gets. */
export type PageContext = {
  api: Api;
  policy: PolicyDto;
  /** Opens a customer's page. */
  openCustomer: (id: number) => void;
  /** Opens a ticket's page. */
  openTicket: (id: number) => void;
  /** Opens a customer's transactions page. */
  openTransactions: (customerId: number) => void;
  /** Opens a customer's tickets page. */
  openTickets: (customerId: number) => void;
  /** Reports where the data on screen came from, for the offline banner. */
  sourced: (answer: SourcedDto<unknown>) => void;
  /** Drawn inside another page (the layout editor's preview): it leaves the focus where it is. */
  embedded?: true;
};

/** The section a widget is drawn in: `data-widget`, titled with its label. */
export function widgetFrame(id: Widget): HTMLElement {
  const section = el('section', { className: 'widget' });
  section.dataset.widget = id;
  // A name the window has no label for is shown as it is (as text, like everything else).
  const title = el('h3', { text: WIDGET_LABELS[id] ?? id, id: `widget-${id.replace('.', '-')}` });
  section.setAttribute('aria-labelledby', title.id);
  section.append(title);
  return section;
}

/** Marks `root` busy (for screen readers) while `work` runs. */
export async function busy<T>(root: HTMLElement, work: Promise<T>): Promise<T> {
  root.setAttribute('aria-busy', 'true');
  try {
    return await work;
  } finally {
    root.removeAttribute('aria-busy');
  }
}

/** A link-styled button, for moving between pages. */
export function link(text: string, onClick: () => void, testId?: string): HTMLButtonElement {
  const b = el('button', { text, className: 'link', testId });
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

/** Why something could not be shown, as a sentence (it may quote the server). */
export function problem(err: unknown): HTMLElement {
  const p = el('p', { text: explain(err), className: 'warning' });
  p.setAttribute('role', 'alert');
  return p;
}

/** A muted line: what is loading, or that there is nothing to show. */
export function note(text: string): HTMLParagraphElement {
  return el('p', { text, className: 'muted' });
}
