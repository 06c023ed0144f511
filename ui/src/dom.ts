// The one way the window makes an element: a tag, the few properties the screens set, its
// children. Its text goes in through `showText`, so it is always text, never markup, and any
// invisible character in it is shown as a marker instead of acting on what stands around it.
import { showText } from './format';

/** What `el` sets on the element it makes; everything else is set by the caller. */
export type Props = {
  /** The element's text (server, configuration or label text alike), shown with `showText`. */
  text?: string;
  className?: string;
  /** `data-testid`, for the end-to-end tests. */
  testId?: string;
  id?: string;
};

/** A `tag` element with `props`, then `children` after its text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.append(showText(props.text));
  if (props.testId) node.dataset.testid = props.testId;
  if (props.id) node.id = props.id;
  node.append(...children);
  return node;
}

/** A `type="button"` button (not a form's submit) with `props`. */
export function button(props: Props): HTMLButtonElement {
  const b = el('button', props);
  b.type = 'button';
  return b;
}

/** An `<option>` of a select: `text` shown, `value` sent. */
export function option(text: string, value: string): HTMLOptionElement {
  const o = el('option', { text });
  o.value = value;
  return o;
}
