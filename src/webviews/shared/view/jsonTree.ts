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
/** At most this many nodes are built per render or per click; a node whose first page does not fit starts closed. */
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

export function jsonTree(
  value: unknown,
  expansion: Expansion,
  label: string,
  options: JsonTreeOptions = {},
): HTMLElement {
  const root = h('div', { className: 'json-tree', role: 'tree', attrs: { 'aria-label': label } });
  const context: Context = { expansion, kinds: options.kinds ?? [], budget: EAGER_NODES, work: [] };
  root.appendChild(node(undefined, value, '$', 0, context));
  fill(context);
  return root;
}

/** One render (or one click): the nodes it may still build, and the open nodes whose page waits. */
interface Context {
  readonly expansion: Expansion;
  readonly kinds: readonly LeafKind[];
  budget: number;
  readonly work: Work[];
}

/** Renders the queued pages; each open node inside them queues its own page while the budget lasts. */
function fill(context: Context): void {
  while (context.work.length) {
    const item = context.work.pop()!;
    const page = children(item.value, item.path, item.from, PAGE);
    for (const child of page)
      item.container.appendChild(node(child.key, child.value, child.path, item.depth + 1, context));
    const total = nodeSize(item.value);
    const to = item.from + page.length;
    if (to < total) {
      const more = h(
        'button',
        { className: 'jt-more link-button', attrs: { type: 'button' } },
        `Show ${Math.min(PAGE, total - to)} more of ${total - to}`,
      );
      more.addEventListener('click', () => {
        more.remove();
        fill({ ...context, budget: EAGER_NODES, work: [{ ...item, from: to }] });
      });
      item.container.appendChild(more);
    }
  }
}

/** One node. A branch that should start open does so only if its first page fits the budget. */
function node(
  key: string | number | undefined,
  value: unknown,
  path: string,
  depth: number,
  context: Context,
): HTMLElement {
  const view = nodeView(value, context.kinds);
  if (view.kind === 'leaf') {
    const leaf = h(
      'div',
      { className: 'jt-leaf', role: 'treeitem' },
      keyLabel(key),
      dataText(view.text, `data jt-value jt-${view.type.replace(/[^\w-]/g, '')}`),
    );
    if (view.title !== undefined) leaf.title = view.title;
    return leaf;
  }
  const branch = value as object;
  const details = h('details', { className: 'jt-node', role: 'treeitem' });
  const defaultOpen = depth < OPEN_DEPTH && view.size <= OPEN_MAX_ENTRIES;
  const firstPage = Math.min(view.size, PAGE);
  const open = (context.expansion.get(path) ?? defaultOpen) && context.budget >= firstPage;
  const summary = h(
    'summary',
    {},
    keyLabel(key),
    h('span', { className: 'jt-meta' }, view.type === 'array' ? `[${view.size}]` : `{${view.size}}`),
  );
  const container = h('div', { className: 'jt-children', role: 'group' });
  details.append(summary, container);
  let rendered = false;
  const first: Work = { container, value: branch, path, depth, from: 0 };
  if (open) {
    details.open = true;
    rendered = true;
    context.budget -= firstPage;
    context.work.push(first);
  }
  details.addEventListener('toggle', () => {
    if (details.open && !rendered) {
      rendered = true;
      fill({ ...context, budget: EAGER_NODES - firstPage, work: [first] });
    }
    if (details.open === defaultOpen) context.expansion.delete(path);
    else context.expansion.set(path, details.open);
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
