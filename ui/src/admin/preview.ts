// The preview's page context: the customer page's own renderer, given the server's preview of a
// role instead of the app's commands. Its customer, transactions and tickets are the preview's
// (the demo customer, redacted by the server for the role); every other command is refused and
// every link leads nowhere, so a preview never reads a record through the administrator's own
// session.
import { type Api, CommandError, type Layout, type LayoutPreview, type PolicyDto } from '../api';
import type { Page } from '../generated/Page';
import { PAGE_LABELS } from '../layout';
import type { PageContext } from '../pages/context';

/** The policy the preview is laid out with: the role's grants and the draft layout. */
export function previewPolicy(preview: LayoutPreview, draft: Layout): PolicyDto {
  const pages = (Object.keys(PAGE_LABELS) as Page[])
    .filter((page) => (draft.pages[page] ?? []).length > 0)
    .map((page) => ({ page, widgets: draft.pages[page] ?? [] }));
  return {
    version: preview.version,
    roles: preview.policy.roles,
    expiresAt: 0,
    pages,
    fields: preview.policy.fields,
    actions: preview.policy.actions,
    searchBy: preview.policy.search_by,
  };
}

/** Commands that answer from `preview` alone. */
function previewApi(preview: LayoutPreview): Api {
  const refused = async () => {
    throw new CommandError('invalid_input', 'The preview shows the customer page only.');
  };
  const sourced = <T>(value: T) => ({ source: 'server' as const, asOf: Math.floor(Date.now() / 1000), value });
  return new Proxy({} as Api, {
    get(_, name: string) {
      if (name === 'openCustomer') return async () => sourced(preview.customer);
      if (name === 'listTransactions') return async () => sourced({ items: preview.transactions, nextCursor: null });
      if (name === 'listTickets') return async () => sourced({ items: preview.tickets, nextCursor: null });
      return refused;
    },
  });
}

/** The context the customer page is rendered in for the preview. */
export function previewContext(preview: LayoutPreview, draft: Layout): PageContext {
  const nowhere = () => {};
  return {
    api: previewApi(preview),
    policy: previewPolicy(preview, draft),
    openCustomer: nowhere,
    openTicket: nowhere,
    openTransactions: nowhere,
    openTickets: nowhere,
    sourced: nowhere,
    embedded: true,
  };
}
