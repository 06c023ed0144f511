// A role change as a person reads it: the `changes` of a `RoleChange` or a `RoleCheck` (desk-core's
// `definition_changes`: sets as additions and removals, values as before and after, grouped
// members such as `fields` or `read_budget` member by member), one line each.

/** `changes` (a `RoleChange`'s member by member) as lines a person reads. */
export function changeLines(changes: Record<string, unknown>, prefix = ''): string[] {
  const lines: string[] = [];
  const shown = (v: unknown) => (v === null || v === undefined ? 'none' : String(v));
  for (const [name, change] of Object.entries(changes)) {
    const key = `${prefix}${name}`;
    if (typeof change !== 'object' || change === null) continue;
    const c = change as Record<string, unknown>;
    if (Array.isArray(c.added) || Array.isArray(c.removed)) {
      const parts: string[] = [];
      if (Array.isArray(c.added) && c.added.length) parts.push(`adds ${c.added.join(', ')}`);
      if (Array.isArray(c.removed) && c.removed.length) parts.push(`removes ${c.removed.join(', ')}`);
      lines.push(`${key}: ${parts.join('; ')}`);
    } else if ('before' in c || 'after' in c) {
      lines.push(`${key}: ${shown(c.before)} → ${shown(c.after)}`);
    } else {
      lines.push(...changeLines(c, `${key} `));
    }
  }
  return lines;
}
