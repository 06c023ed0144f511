import { describe, expect, it } from 'vitest';

import { button, el } from './dom';

describe('el', () => {
  it('sets the text as text, never as markup', () => {
    const p = el('p', { text: '<img src=x onerror=alert(1)>' });
    expect(p.querySelector('img')).toBeNull();
    expect(p.textContent).toBe('<img src=x onerror=alert(1)>');
  });

  it('shows invisible characters in the text as markers', () => {
    const p = el('p', { text: 'Sam\u202E' });
    expect(p.textContent).toBe('Sam⟨U+202E⟩');
    expect(p.querySelector('.invisible-char')?.getAttribute('title')).toBe('U+202E RIGHT-TO-LEFT OVERRIDE');
  });

  it('sets the class, test id and id, and appends the children after the text', () => {
    const child = el('span', { text: 'child' });
    const section = el('section', { text: 'Title ', className: 'card', testId: 'screen', id: 'main' }, child);
    expect(section.tagName).toBe('SECTION');
    expect(section.className).toBe('card');
    expect(section.dataset.testid).toBe('screen');
    expect(section.id).toBe('main');
    expect(section.textContent).toBe('Title child');
    expect(section.lastChild).toBe(child);
  });

  it('sets nothing it was not given', () => {
    const div = el('div');
    expect(div.attributes.length).toBe(0);
    expect(div.childNodes.length).toBe(0);
  });
});

describe('button', () => {
  it('makes buttons that do not submit the form they are in', () => {
    const form = el('form', {}, button({ text: 'Back', testId: 'nav-back' }));
    const b = form.querySelector('button')!;
    expect(b.type).toBe('button');
    expect(b.dataset.testid).toBe('nav-back');
    let submitted = false;
    form.addEventListener('submit', () => (submitted = true));
    b.click();
    expect(submitted).toBe(false);
  });
});
