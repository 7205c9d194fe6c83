import { dataText, h } from './dom';

/**
 * A collapsible JSON tree built from <details>/<summary> (keyboard-operable without script), with
 * children rendered only when a node is first opened and in pages of PAGE entries, so a huge or deep
 * value costs nothing until it is looked at. Keys and values are data: text only.
 */

const PAGE = 200;
/** Nodes up to this depth start open (unless they are large), deeper ones closed. */
const OPEN_DEPTH = 3;
const OPEN_MAX_ENTRIES = 50;

/** Which nodes the developer opened or closed, by path; kept across messages of the same shape. */
export type Expansion = Map<string, boolean>;

export function jsonTree(value: unknown, expansion: Expansion, label: string): HTMLElement {
  const root = h('div', { className: 'json-tree', role: 'tree', attrs: { 'aria-label': label } });
  root.appendChild(node(undefined, value, '$', 0, expansion));
  return root;
}

function node(key: string | number | undefined, value: unknown, path: string, depth: number, expansion: Expansion): HTMLElement {
  if (value === null || typeof value !== 'object') return leaf(key, value);
  const entries = Array.isArray(value) ? value.length : Object.keys(value).length;
  const details = h('details', { className: 'jt-node', role: 'treeitem' });
  const defaultOpen = depth < OPEN_DEPTH && entries <= OPEN_MAX_ENTRIES;
  const open = expansion.get(path) ?? defaultOpen;
  const summary = h('summary', {}, keyLabel(key), h('span', { className: 'jt-meta' }, Array.isArray(value) ? `[${entries}]` : `{${entries}}`));
  const children = h('div', { className: 'jt-children', role: 'group' });
  details.append(summary, children);
  let rendered = false;
  const renderChildren = () => {
    if (rendered) return;
    rendered = true;
    renderPage(children, value, path, depth, expansion, 0);
  };
  if (open) {
    details.open = true;
    renderChildren();
  }
  details.addEventListener('toggle', () => {
    if (details.open) renderChildren();
    if (details.open === defaultOpen) expansion.delete(path);
    else expansion.set(path, details.open);
  });
  return details;
}

function renderPage(container: HTMLElement, value: object, path: string, depth: number, expansion: Expansion, from: number): void {
  const isArray = Array.isArray(value);
  const keys = isArray ? undefined : Object.keys(value);
  const total = isArray ? value.length : keys!.length;
  const to = Math.min(total, from + PAGE);
  for (let i = from; i < to; i++) {
    if (isArray) {
      container.appendChild(node(i, value[i], `${path}[${i}]`, depth + 1, expansion));
    } else {
      const key = keys![i];
      container.appendChild(node(key, (value as Record<string, unknown>)[key], childPath(path, key), depth + 1, expansion));
    }
  }
  if (to < total) {
    const more = h('button', { className: 'jt-more link-button', attrs: { type: 'button' } }, `Show ${Math.min(PAGE, total - to)} more of ${total - to}`);
    more.addEventListener('click', () => {
      more.remove();
      renderPage(container, value, path, depth, expansion, to);
    });
    container.appendChild(more);
  }
}

function leaf(key: string | number | undefined, value: unknown): HTMLElement {
  const type = value === null ? 'null' : typeof value;
  const text = typeof value === 'string' ? value : value === null ? 'null' : String(value);
  return h('div', { className: 'jt-leaf', role: 'treeitem' }, keyLabel(key), dataText(text, `data jt-value jt-${type}`));
}

function keyLabel(key: string | number | undefined): HTMLElement | null {
  if (key === undefined) return null;
  return typeof key === 'number' ? h('span', { className: 'jt-index' }, String(key)) : dataText(key, 'data jt-key');
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
