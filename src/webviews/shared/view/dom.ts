/**
 * The only way a panel puts data on screen: elements made with createElement and text set with
 * textContent / text nodes. Never innerHTML, outerHTML, insertAdjacentHTML or attribute names from
 * data; the only attribute set from data is a tree leaf's title (a property, so it stays text).
 */

type Child = Node | string | null | undefined | false;

export interface Props {
  className?: string;
  id?: string;
  title?: string;
  role?: string;
  hidden?: boolean;
  tabIndex?: number;
  /** aria-* and data-* attributes, and a few fixed ones (type, for, ...), set with setAttribute. */
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.id) element.id = props.id;
  if (props.title) element.title = props.title;
  if (props.role) element.setAttribute('role', props.role);
  if (props.hidden) element.hidden = true;
  if (props.tabIndex !== undefined) element.tabIndex = props.tabIndex;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(element: Element): void {
  element.replaceChildren();
}

/** Characters that are invisible or reorder text (controls, bidi overrides and isolates, zero-width). */
const SPECIAL =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
/** Beyond this many special characters in one string, the rest is left unmarked (still isolated). */
const MARK_LIMIT = 2000;

/**
 * Data text: a bidi-isolated span holding `text` as text nodes, with each invisible or reordering
 * character wrapped in its own isolated, visibly marked span (U+202E and friends cannot flip what
 * follows, and a reader sees they are there). textContent stays exactly `text`.
 */
export function dataText(text: string, className = 'data'): HTMLSpanElement {
  const span = h('span', { className });
  let last = 0;
  let marked = 0;
  SPECIAL.lastIndex = 0;
  for (let match = SPECIAL.exec(text); match && marked < MARK_LIMIT; match = SPECIAL.exec(text)) {
    if (match.index > last) span.appendChild(document.createTextNode(text.slice(last, match.index)));
    const code = match[0].charCodeAt(0);
    const mark = h('span', {
      className: 'cc',
      attrs: { 'data-cp': `U+${code.toString(16).toUpperCase().padStart(4, '0')}` },
    });
    mark.appendChild(document.createTextNode(match[0]));
    span.appendChild(mark);
    last = match.index + match[0].length;
    marked++;
  }
  if (last < text.length) span.appendChild(document.createTextNode(text.slice(last)));
  return span;
}

/** A block of preformatted data text that wraps anywhere and scrolls past a maximum height. */
export function dataBlock(text: string, label: string, className = ''): HTMLPreElement {
  const pre = h('pre', {
    className: `data-block scroll ${className}`.trim(),
    tabIndex: 0,
    attrs: { 'aria-label': label },
  });
  pre.appendChild(dataText(text));
  return pre;
}

export function button(
  label: string,
  options: { className?: string; title: string; shortcut?: string; onClick: () => void },
): HTMLButtonElement {
  const element = h('button', {
    className: options.className,
    title: options.shortcut ? `${options.title} (${options.shortcut})` : options.title,
    attrs: { type: 'button', ...(options.shortcut ? { 'aria-keyshortcuts': options.shortcut } : {}) },
  });
  setButtonLabel(element, label, options.shortcut);
  element.addEventListener('click', () => options.onClick());
  return element;
}

export function setButtonLabel(element: HTMLButtonElement, label: string, shortcut?: string): void {
  element.replaceChildren(h('span', { className: 'label' }, label));
  if (shortcut) element.appendChild(h('kbd', { attrs: { 'aria-hidden': 'true' } }, shortcut));
}
