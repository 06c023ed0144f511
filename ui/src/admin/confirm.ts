// A confirmation asked in the page (not a native dialog): a question, a button that does it and
// one that does not. The layout editor asks before publishing or restoring, the agents screen
// before ordering a wipe.
import { button, el } from '../dom';

/** A question with a button that does it and one that does not. */
export function confirmation(question: string, yes: string, testId: string, act: () => Promise<void>, cancel: () => void): HTMLElement {
  const box = el('div', { className: 'confirm' });
  box.setAttribute('role', 'alertdialog');
  const text = el('p', { text: question, id: `${testId}-question` });
  box.setAttribute('aria-labelledby', text.id);
  const doIt = button({ text: yes, testId });
  const dont = button({ text: 'Cancel', className: 'secondary', testId: `${testId}-cancel` });
  doIt.addEventListener('click', () => {
    doIt.disabled = true;
    dont.disabled = true;
    void act();
  });
  dont.addEventListener('click', cancel);
  box.append(text, el('div', { className: 'toolbar' }, doIt, dont));
  return box;
}
