import { describe, expect, it } from 'vitest';

import { describeHidden, fieldValue, showText, visibleText } from './format';

/** `text` as `showText` renders it, in a fresh element. */
function shown(text: string): HTMLElement {
  const p = document.createElement('p');
  p.append(showText(text));
  return p;
}

const markers = (node: HTMLElement) =>
  [...node.querySelectorAll<HTMLElement>('.invisible-char')].map((m) => [m.textContent, m.title]);

describe('showText', () => {
  it('shows a right-to-left override as a marker, and the text after it in the order written', () => {
    const p = shown('Invoice attached: invoice\u202Efdp.exe');
    expect(p.textContent).toBe('Invoice attached: invoice⟨U+202E⟩fdp.exe');
    expect(p.textContent).not.toContain('\u202E');
    expect(markers(p)).toEqual([['⟨U+202E⟩', 'U+202E RIGHT-TO-LEFT OVERRIDE']]);
    const marker = p.querySelector<HTMLElement>('.invisible-char')!;
    expect(marker.dir).toBe('ltr');
    // The override is gone from the DOM, so nothing after it is reordered: the text that
    // follows is its own text node, in the order it was written.
    expect(marker.previousSibling?.textContent).toBe('Invoice attached: invoice');
    expect(marker.nextSibling?.nodeType).toBe(Node.TEXT_NODE);
    expect(marker.nextSibling?.textContent).toBe('fdp.exe');
  });

  it('shows isolates, embeddings and marks, each named', () => {
    const p = shown('\u2066a\u2069 \u2067b\u2069 \u202Bc\u202C \u200E\u200F\u061C');
    expect(p.textContent).toBe(
      '⟨U+2066⟩a⟨U+2069⟩ ⟨U+2067⟩b⟨U+2069⟩ ⟨U+202B⟩c⟨U+202C⟩ ⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩',
    );
    expect(markers(p).map(([, title]) => title)).toEqual([
      'U+2066 LEFT-TO-RIGHT ISOLATE',
      'U+2069 POP DIRECTIONAL ISOLATE',
      'U+2067 RIGHT-TO-LEFT ISOLATE',
      'U+2069 POP DIRECTIONAL ISOLATE',
      'U+202B RIGHT-TO-LEFT EMBEDDING',
      'U+202C POP DIRECTIONAL FORMATTING',
      'U+200E LEFT-TO-RIGHT MARK',
      'U+200F RIGHT-TO-LEFT MARK',
      'U+061C ARABIC LETTER MARK',
    ]);
  });

  it('shows zero-width and other invisible characters', () => {
    const p = shown('pay\u200Bpal\u200C\u200D \u2060\uFEFFhello\u00AD \u{E0041}');
    expect(p.textContent).toBe('pay⟨U+200B⟩pal⟨U+200C⟩⟨U+200D⟩ ⟨U+2060⟩⟨U+FEFF⟩hello⟨U+00AD⟩ ⟨U+E0041⟩');
    expect(markers(p).map(([, title]) => title)).toEqual([
      'U+200B ZERO WIDTH SPACE',
      'U+200C ZERO WIDTH NON-JOINER',
      'U+200D ZERO WIDTH JOINER',
      'U+2060 WORD JOINER',
      'U+FEFF ZERO WIDTH NO-BREAK SPACE',
      'U+00AD SOFT HYPHEN',
      'U+E0041 TAG',
    ]);
  });

  it('shows control characters and separators, but keeps line breaks and tabs', () => {
    const p = shown('\x1b[31mred\x1b[0m\x08\x7f\u0085\u009b\u2028\u2029 line\nnext\r\nthird\tcolumn');
    expect(markers(p).map(([text]) => text)).toEqual([
      '⟨U+001B⟩',
      '⟨U+001B⟩',
      '⟨U+0008⟩',
      '⟨U+007F⟩',
      '⟨U+0085⟩',
      '⟨U+009B⟩',
      '⟨U+2028⟩',
      '⟨U+2029⟩',
    ]);
    expect(describeHidden('\x1b')).toBe('U+001B ESCAPE');
    expect(describeHidden('\x01')).toBe('U+0001 CONTROL CHARACTER');
    expect(describeHidden('\u0600')).toBe('U+0600 INVISIBLE FORMAT CHARACTER');
    expect(p.textContent).toContain(' line\nnext\r\nthird\tcolumn');
  });

  it('leaves right-to-left scripts, accents, emoji and markup-like text as they are, as text', () => {
    for (const text of [
      'مرحبا، أريد استرداد المبلغ من فضلك',
      'שלום, אני רוצה החזר כספי',
      '返金をお願いします。',
      'Crème brûlée, naïve façade, Ærøskøbing',
      '👍 ✓ “quoted” ‹x›',
      '<img src=x onerror=alert(1)>',
    ]) {
      const p = shown(text);
      expect(p.childNodes.length).toBe(1);
      expect(p.firstChild?.nodeType).toBe(Node.TEXT_NODE);
      expect(p.textContent).toBe(text);
      expect(p.querySelector('*')).toBeNull();
    }
    expect(shown('').childNodes.length).toBe(0);
  });
});

describe('visible text in attributes and fields', () => {
  it('writes hidden characters as markers in plain strings', () => {
    expect(visibleText('a\u202Eb\u200Bc')).toBe('a⟨U+202E⟩b⟨U+200B⟩c');
    expect(visibleText('שלום')).toBe('שלום');
  });

  it('shows a field value with markers, isolated, and names it without hidden characters', () => {
    const value = fieldValue('customer.email', 'a\u202E•••@example.com', { 'customer.email': 'mask_email' });
    expect(value.dir).toBe('auto');
    expect(value.textContent).toBe('a⟨U+202E⟩•••@example.com');
    expect(value.getAttribute('aria-label')).toBe('a⟨U+202E⟩•••@example.com (E-mail address masked for your role)');
  });
});
