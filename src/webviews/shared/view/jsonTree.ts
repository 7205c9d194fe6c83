import { children, type LeafKind, nodeView } from '../valueModel';
import { dataText, h } from './dom';

/**
 * A collapsible JSON tree built from <details>/<summary> (keyboard-operable without script). Children
 * are rendered only when a node is first opened, in pages of PAGE entries, and without recursion: a
 * work list fills the open nodes, and at most EAGER_NODES are built before the rest waits for a
 * click. A huge or deep value costs nothing until it is looked at. Keys and values are data: text only.
 */

const PAGE = 200;
/** Nodes up to this depth start open (unless they are large), deeper ones closed. */
const OPEN_DEPTH = 3;
const OPEN_MAX_ENTRIES = 50;
/** At most this many nodes are built per render or per click; deeper open nodes then start closed. */
const EAGER_NODES = 2_000;

/** Which nodes the developer opened or closed, by path; kept across messages of the same shape. */
export type Expansion = Map<string, boolean>;

export interface JsonTreeOptions {
  /** Special values shown as one leaf (their readable form), checked before the generic rules. */
  readonly kinds?: readonly LeafKind[];
}

interface Work {
  readonly container: HTMLElement;
  readonly value: object;
  readonly path: string;
  readonly depth: number;
  readonly from: number;
}

export function jsonTree(value: unknown, expansion: Expansion, label: string, options: JsonTreeOptions = {}): HTMLElement {
  const root = h('div', { className: 'json-tree', role: 'tree', attrs: { 'aria-label': label } });
  const kinds = options.kinds ?? [];
  const work: Work[] = [];
  root.appendChild(node(undefined, value, '$', 0, expansion, kinds, work));
  fill(work, expansion, kinds);
  return root;
}

/** Renders the queued pages, and the open nodes inside them, until the budget is spent. */
function fill(work: Work[], expansion: Expansion, kinds: readonly LeafKind[]): void {
  let budget = EAGER_NODES;
  while (work.length) {
    const item = work.pop()!;
    const page = children(item.value, item.path, item.from, PAGE);
    for (const child of page) {
      // Over budget, nodes still render (closed): their children wait for a click.
      item.container.appendChild(node(child.key, child.value, child.path, item.depth + 1, expansion, kinds, budget > 0 ? work : undefined));
      budget--;
    }
    const total = nodeSize(item.value);
    const to = item.from + page.length;
    if (to < total) {
      const more = h('button', { className: 'jt-more link-button', attrs: { type: 'button' } }, `Show ${Math.min(PAGE, total - to)} more of ${total - to}`);
      more.addEventListener('click', () => {
        more.remove();
        const next: Work[] = [{ ...item, from: to }];
        fill(next, expansion, kinds);
      });
      item.container.appendChild(more);
    }
  }
}

/** One node; an open branch queues its first page on `work` (no `work`: it starts closed). */
function node(key: string | number | undefined, value: unknown, path: string, depth: number, expansion: Expansion, kinds: readonly LeafKind[], work: Work[] | undefined): HTMLElement {
  const view = nodeView(value, kinds);
  if (view.kind === 'leaf') {
    const leaf = h('div', { className: 'jt-leaf', role: 'treeitem' }, keyLabel(key), dataText(view.text, `data jt-value jt-${view.type.replace(/[^\w-]/g, '')}`));
    if (view.title !== undefined) leaf.title = view.title;
    return leaf;
  }
  const branch = value as object;
  const details = h('details', { className: 'jt-node', role: 'treeitem' });
  const defaultOpen = depth < OPEN_DEPTH && view.size <= OPEN_MAX_ENTRIES;
  const open = (expansion.get(path) ?? defaultOpen) && work !== undefined;
  const summary = h('summary', {}, keyLabel(key), h('span', { className: 'jt-meta' }, view.type === 'array' ? `[${view.size}]` : `{${view.size}}`));
  const container = h('div', { className: 'jt-children', role: 'group' });
  details.append(summary, container);
  let rendered = false;
  const first: Work = { container, value: branch, path, depth, from: 0 };
  if (open) {
    details.open = true;
    rendered = true;
    work.push(first);
  }
  details.addEventListener('toggle', () => {
    if (details.open && !rendered) {
      rendered = true;
      fill([first], expansion, kinds);
    }
    if (details.open === defaultOpen) expansion.delete(path);
    else expansion.set(path, details.open);
  });
  return details;
}

function nodeSize(value: object): number {
  return Array.isArray(value) ? value.length : Object.keys(value).length;
}

function keyLabel(key: string | number | undefined): HTMLElement | null {
  if (key === undefined) return null;
  return typeof key === 'number' ? h('span', { className: 'jt-index' }, String(key)) : dataText(key, 'data jt-key');
}
