// The role definitions (widget `admin.roles`): the changes waiting for a second administrator,
// each with what it changes and the personal or restricted fields it shows more of, approved or
// rejected here (the server refuses an administrator's approval of their own change); and each
// role's definition in force: which fields it sees and how each is redacted, its pages and
// widgets, actions, search keys, cache rules and read budget, each editable (`definition.ts`).
import type { Api, Role } from '../api';
import { button, el } from '../dom';
import { formatTime } from '../format';
import type { CatalogueDto } from '../generated/CatalogueDto';
import type { RoleChange } from '../generated/RoleChange';
import type { StoredRole } from '../generated/StoredRole';
import { ROLE_LABELS } from '../layout';
import { busy, note, type PageContext, problem } from '../pages/context';
import { changeLines } from './changes';
import { renderDefinitionEditor } from './definition';

/** Renders the waiting changes and the definitions into `section`. */
export async function renderRoles(section: HTMLElement, ctx: PageContext): Promise<void> {
  const status = el('p', { className: 'muted', testId: 'roles-status' });
  status.setAttribute('role', 'status');
  const waiting = el('div', { testId: 'role-changes' });
  const definitions = el('div', { testId: 'role-definitions' });
  section.append(status, el('h4', { text: 'Changes waiting for approval' }), waiting, el('h4', { text: 'Definitions in force' }), definitions);
  const reload = async (said?: string) => {
    try {
      const [changes, roles] = await busy(section, Promise.all([ctx.api.roleChanges(), ctx.api.listRoles()]));
      drawChanges(waiting, changes, ctx.api, status, reload);
      drawDefinitions(definitions, roles, (stored, into) => void edit(stored, into));
      status.replaceChildren(said ?? '');
    } catch (err) {
      status.replaceChildren(problem(err));
    }
  };
  /** Opens the editor for `stored` in `into`, with desk-core's catalogue (asked once). */
  let catalogue: CatalogueDto | undefined;
  const edit = async (stored: StoredRole, into: HTMLElement) => {
    try {
      catalogue ??= await ctx.api.roleCatalogue();
    } catch (err) {
      status.replaceChildren(problem(err));
      return;
    }
    renderDefinitionEditor(into, stored, catalogue, ctx.api, (said) => void reload(said));
    into.querySelector<HTMLElement>('input, select')?.focus();
  };
  await reload();
}

/** The waiting changes, each with its approval and rejection. */
function drawChanges(
  root: HTMLElement,
  changes: RoleChange[],
  api: Api,
  status: HTMLElement,
  reload: (said?: string) => Promise<void>,
): void {
  const pending = changes.filter((c) => c.status === 'pending');
  if (pending.length === 0) {
    root.replaceChildren(note('None.'));
    return;
  }
  root.replaceChildren(
    el(
      'ul',
      {},
      ...pending.map((change) => {
        const item = el(
          'li',
          { className: 'role-change' },
          el('p', {
            text: `${change.role} · change ${change.id} · proposed by ${change.proposed_by} · ${formatTime(change.proposed_at)}`,
          }),
          el('p', {
            className: 'warning',
            text: `Shows more personal or restricted data: ${change.widened.join(', ')}`,
          }),
          el('ul', {}, ...changeLines(change.changes).map((line) => el('li', { text: line }))),
        );
        item.dataset.change = String(change.id);
        const decide = (verb: 'approve' | 'reject') => {
          const b = button({
            text: verb === 'approve' ? 'Approve' : 'Reject',
            className: verb === 'approve' ? '' : 'secondary',
            testId: `${verb}-${change.id}`,
          });
          b.addEventListener('click', async () => {
            b.disabled = true;
            try {
              if (verb === 'approve') {
                const applied = await busy(item, api.approveRoleChange(change.id));
                await reload(`Change ${change.id} approved: ${applied.definition.role} is at version ${applied.version}.`);
              } else {
                await busy(item, api.rejectRoleChange(change.id));
                await reload(`Change ${change.id} rejected: nothing changed.`);
              }
            } catch (err) {
              b.disabled = false;
              status.replaceChildren(problem(err));
            }
          });
          return b;
        };
        item.append(el('div', { className: 'toolbar' }, decide('approve'), decide('reject')));
        return item;
      }),
    ),
  );
}

/** Each role's definition in force, each with a way to edit it. */
function drawDefinitions(
  root: HTMLElement,
  roles: StoredRole[],
  edit: (stored: StoredRole, into: HTMLElement) => void,
): void {
  if (roles.length === 0) {
    root.replaceChildren(note('The server holds no role definition.'));
    return;
  }
  root.replaceChildren(
    ...roles.map((stored) => {
      const d = stored.definition;
      const summary = el('summary', {
        text: `${ROLE_LABELS[d.role as Role] ?? d.role} (${d.role}) · version ${stored.version} · ${stored.updated_by} · ${formatTime(stored.updated_at)}`,
      });
      const fields = el('table', { className: 'role-fields' });
      fields.append(el('tr', {}, el('th', { text: 'Field' }), el('th', { text: 'Shown as' })));
      for (const [field, redaction] of Object.entries(d.fields)) {
        fields.append(el('tr', {}, el('td', { text: field }), el('td', { text: String(redaction) })));
      }
      const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'none');
      const cache = Object.entries(d.cache.ttl_secs).map(([kind, secs]) => `${kind} ${secs} s`);
      const b = d.read_budget;
      const facts = el(
        'dl',
        {},
        ...(
          [
            ['Who holds it', d.description || '—'],
            ['Pages', list(d.pages)],
            ['Widgets', list(d.widgets)],
            ['Actions', list(d.actions)],
            ['Search by', list(d.search_by)],
            ['Cached', `${list(cache)}; offline for ${d.cache.offline_grace_secs} s after the policy expires`],
            [
              'Read budget',
              `${b.reads_per_minute} reads a minute (burst ${b.burst}); ${b.bulk_customers_per_hour} customers an hour, then ${b.block_bulk ? 'refused' : 'recorded'}`,
            ],
          ] as const
        ).map(([term, value]) => el('div', {}, el('dt', { text: term }), el('dd', { text: value }))),
      );
      const editing = button({ text: 'Edit', className: 'secondary small', testId: `edit-${d.role}` });
      editing.setAttribute('aria-label', `Edit the definition of ${d.role}`);
      const body = el('div', {}, facts, fields, editing);
      editing.addEventListener('click', () => edit(stored, body));
      const details = el('details', { className: 'role-definition' }, summary, body);
      details.dataset.role = d.role;
      return details;
    }),
  );
}
