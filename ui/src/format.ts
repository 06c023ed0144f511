// How values look: amounts by currency, dates, redacted values that say why they are redacted,
// and record text with its invisible characters shown rather than obeyed.
import type { Field } from './generated/Field';
import type { PolicyDto } from './generated/PolicyDto';
import type { Redaction } from './generated/Redaction';

/**
 * Why a value looks the way it does, by the redaction the agent's policy gives its field (every
 * redaction of desk-core: `null` for those that leave nothing to explain).
 */
export const REDACTION_NOTES: Record<Redaction, string | null> = {
  full: null,
  hidden: null,
  mask_email: 'E-mail address masked for your role',
  mask_phone: 'Phone number masked for your role: only the last two digits are shown',
  last4: 'Only the last four characters are shown to your role',
  year_only: 'Only the year is shown to your role',
};

/** `minor` units of `currency` as a person reads them (`−€12.50`). */
export function formatAmount(minor: number | undefined, currency: string | undefined): string {
  if (minor === undefined) return '';
  const value = minor / 100;
  if (!currency) return value.toFixed(2);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

/** An ISO date or time as a short local date (and time when there is one). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  if (/^\d{4}$/.test(iso)) return iso;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return iso.length <= 10
    ? date.toLocaleDateString()
    : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * A value of `field` as an element: plain text, or, when the policy redacts the field, text
 * marked as redacted with a tooltip saying why. Always text, never markup; hidden characters
 * shown as markers (`showText`), and the value isolated (`dir="auto"`), so a right-to-left
 * value does not reorder what stands beside it.
 */
export function fieldValue(field: Field, value: string | undefined, redactions: PolicyDto['fields']): HTMLElement {
  const span = document.createElement('span');
  span.dir = 'auto';
  span.append(showText(value ?? ''));
  const note = REDACTION_NOTES[redactions[field] ?? 'full'];
  if (note) {
    span.className = 'redacted';
    span.title = note;
    span.setAttribute('aria-label', `${visibleText(value ?? '')} (${note})`);
  }
  return span;
}

/**
 * Characters that act on text instead of being read, when they are not simply invisible:
 * controls (Unicode `Cc`: C0, DEL, C1), format characters (`Cf`: the bidi embeddings,
 * overrides, isolates and marks, zero-width spaces and joiners, the word joiner, the byte-order
 * mark, the soft hyphen, tags) and the line and paragraph separators. Line feeds, carriage
 * returns and tabs are not among them: they are how a message is laid out.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const LAYOUT = new Set(['\n', '\r', '\t']);

/** The names of the hidden characters met most, for the marker's tooltip. */
const HIDDEN_NAMES: Record<number, string> = {
  0x00: 'NULL',
  0x07: 'BELL',
  0x08: 'BACKSPACE',
  0x0b: 'LINE TABULATION',
  0x0c: 'FORM FEED',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
  0x85: 'NEXT LINE',
  0x9b: 'CONTROL SEQUENCE INTRODUCER',
  0xad: 'SOFT HYPHEN',
  0x61c: 'ARABIC LETTER MARK',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2061: 'FUNCTION APPLICATION',
  0x2062: 'INVISIBLE TIMES',
  0x2063: 'INVISIBLE SEPARATOR',
  0x2064: 'INVISIBLE PLUS',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
};

/** `c`'s code point as `U+202E`. */
function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What a hidden character is, as its marker's tooltip says: `U+202E RIGHT-TO-LEFT OVERRIDE`. */
export function describeHidden(c: string): string {
  const cp = c.codePointAt(0)!;
  const name =
    HIDDEN_NAMES[cp] ??
    (/\p{Cc}/u.test(c) ? 'CONTROL CHARACTER' : cp >= 0xe0000 && cp <= 0xe007f ? 'TAG' : 'INVISIBLE FORMAT CHARACTER');
  return `${codePoint(c)} ${name}`;
}

/** Calls `text` for each run of ordinary text of `value` and `hidden` for each hidden character. */
function eachPart(value: string, text: (s: string) => void, hidden: (c: string) => void): void {
  let start = 0;
  for (const match of value.matchAll(HIDDEN)) {
    const c = match[0];
    if (LAYOUT.has(c)) continue;
    if (match.index > start) text(value.slice(start, match.index));
    hidden(c);
    start = match.index + c.length;
  }
  if (start < value.length) text(value.slice(start));
}

/**
 * Record text (or any server-provided string) as DOM nodes, the one way the window shows it:
 * text nodes for what it says and, in place of each hidden character (see `HIDDEN`), a visible
 * marker, `<span class="invisible-char" dir="ltr" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>`.
 * So an override reorders nothing and a zero-width space is seen; right-to-left scripts,
 * accents and emoji are left as they are, and line breaks and tabs stay for the CSS to lay out.
 * All text, never markup. Display only: what is stored or sent is never changed.
 */
export function showText(value: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  eachPart(
    value,
    (s) => fragment.append(s),
    (c) => {
      const marker = document.createElement('span');
      marker.className = 'invisible-char';
      // Its own left-to-right run, whatever the text around it.
      marker.dir = 'ltr';
      marker.title = describeHidden(c);
      marker.textContent = `⟨${codePoint(c)}⟩`;
      fragment.append(marker);
    },
  );
  return fragment;
}

/** `value` as plain text for attributes (an accessible name): hidden characters as `⟨U+202E⟩`. */
export function visibleText(value: string): string {
  let out = '';
  eachPart(
    value,
    (s) => (out += s),
    (c) => (out += `⟨${codePoint(c)}⟩`),
  );
  return out;
}
