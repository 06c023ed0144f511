import { describe, expect, it } from 'vitest';

import { CommandError, explain } from './api';

describe('errors', () => {
  it('are sentences a person can act on', () => {
    expect(explain(new CommandError('forbidden', 'the server refused the request (403 forbidden): no'))).toMatch(
      /^Your role may not see this/,
    );
    expect(explain(new CommandError('not_found', 'the server refused the request (404 not_found): gone'))).toMatch(
      /does not exist/,
    );
    // The code decides, never the text: a refusal that only mentions 403 is shown as it was said.
    expect(explain(new CommandError('server_refused', 'the server refused the request (403 x): no'))).toBe(
      'The server refused the request (403 x): no.',
    );
    expect(explain(new CommandError('not_cached', 'x'))).toMatch(/^You are offline/);
    expect(explain(new CommandError('cache', 'the local cache: disk full'))).toBe('The local cache: disk full.');
    expect(explain(new CommandError('config', 'Set DESK_ISSUER!'))).toBe('Set DESK_ISSUER!');
    expect(explain(new CommandError('internal', '  '))).toBe('Something went wrong; try again.');
    expect(explain(new Error('boom'))).toMatch(/^Something unexpected/);
  });
});
