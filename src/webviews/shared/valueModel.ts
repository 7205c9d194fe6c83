/**
 * How a decoded value is shown, independent of the DOM: what each node is (a leaf with its text, or
 * a branch with its size), its children in pages, its path, and its JSON text. Nothing here
 * recurses: a payload nested 100,000 deep costs a loop, never the stack. Shared by every panel's
 * tree and raw view; no vscode, no DOM, no Node, so it is unit-tested in plain Node.
 *
 * A `LeafKind` lets a panel show special values (a 64-bit integer, a decimal, a timestamp carried
 * with its readable form and its base value) as one leaf instead of a branch.
 */

/** A value shown as one leaf: its readable form, the kind (for styling), and an optional tooltip (the base value). */
export interface LeafView {
  readonly type: string;
  readonly text: string;
  readonly title?: string;
}

/** A special value the tree shows as a leaf (checked before the generic rules). */
export interface LeafKind {
  /** A view of `value` if it is of this kind, else undefined. */
  view(value: unknown): LeafView | undefined;
}

export type NodeView =
  | ({ readonly kind: 'leaf' } & LeafView)
  | { readonly kind: 'branch'; readonly type: 'object' | 'array'; readonly size: number };

export function nodeView(value: unknown, kinds: readonly LeafKind[] = []): NodeView {
  for (const kind of kinds) {
    const view = kind.view(value);
    if (view) return { kind: 'leaf', ...view };
  }
  if (value === null) return { kind: 'leaf', type: 'null', text: 'null' };
  if (Array.isArray(value)) return { kind: 'branch', type: 'array', size: value.length };
  switch (typeof value) {
    case 'object':
      return { kind: 'branch', type: 'object', size: Object.keys(value as object).length };
    case 'string':
      return { kind: 'leaf', type: 'string', text: value };
    case 'number':
    case 'boolean':
    case 'bigint':
      return { kind: 'leaf', type: typeof value, text: String(value) };
    default:
      return { kind: 'leaf', type: 'undefined', text: String(value) };
  }
}

export interface Child {
  readonly key: string | number;
  readonly value: unknown;
  readonly path: string;
}

/** Children `from` .. `from + count` of a branch (own keys only; `__proto__` is just a key). */
export function children(value: object, path: string, from: number, count: number): Child[] {
  const out: Child[] = [];
  if (Array.isArray(value)) {
    const to = Math.min(value.length, from + count);
    for (let i = from; i < to; i++) out.push({ key: i, value: value[i], path: `${path}[${i}]` });
    return out;
  }
  const keys = Object.keys(value);
  const to = Math.min(keys.length, from + count);
  for (let i = from; i < to; i++) {
    const key = keys[i]!;
    out.push({ key, value: Object.getOwnPropertyDescriptor(value, key)?.value, path: childPath(path, key) });
  }
  return out;
}

export function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

export interface JsonTextOptions {
  /** Stop after this many characters (default 2,000,000); `truncated` says so. */
  readonly maxChars?: number;
  readonly indent?: number;
  readonly kinds?: readonly LeafKind[];
}

/**
 * The value as indented JSON text, like `JSON.stringify(value, null, 2)` but with an explicit stack
 * (no recursion), a size limit, and special leaves written as their readable form.
 */
export function jsonText(value: unknown, options: JsonTextOptions = {}): { text: string; truncated: boolean } {
  const maxChars = options.maxChars ?? 2_000_000;
  const unit = ' '.repeat(options.indent ?? 2);
  const kinds = options.kinds ?? [];
  const parts: string[] = [];
  let size = 0;
  const write = (s: string): boolean => {
    parts.push(s);
    size += s.length;
    return size < maxChars;
  };
  type Frame = {
    readonly source: object;
    readonly keys: string[] | undefined;
    readonly length: number;
    index: number;
    readonly depth: number;
  };
  const stack: Frame[] = [];
  // Writes one value: a leaf in full, a branch's opening bracket (its entries follow from the stack).
  const open = (v: unknown, depth: number): boolean => {
    const view = nodeView(v, kinds);
    if (view.kind === 'leaf') return write(leafJson(v, view));
    if (view.size === 0) return write(view.type === 'array' ? '[]' : '{}');
    const keys = view.type === 'array' ? undefined : Object.keys(v as object);
    stack.push({ source: v as object, keys, length: keys ? keys.length : (v as unknown[]).length, index: 0, depth });
    return write(keys ? '{' : '[');
  };
  let ok = open(value, 0);
  while (ok && stack.length) {
    const frame = stack[stack.length - 1]!;
    if (frame.index >= frame.length) {
      stack.pop();
      ok = write(`\n${unit.repeat(frame.depth)}${frame.keys ? '}' : ']'}`);
      continue;
    }
    const i = frame.index++;
    const key = frame.keys?.[i];
    const child =
      key === undefined ? (frame.source as unknown[])[i] : Object.getOwnPropertyDescriptor(frame.source, key)?.value;
    ok = write(
      `${i > 0 ? ',' : ''}\n${unit.repeat(frame.depth + 1)}${key === undefined ? '' : `${JSON.stringify(key)}: `}`,
    );
    if (ok) ok = open(child, frame.depth + 1);
  }
  const text = parts.join('');
  return ok ? { text, truncated: false } : { text: text.slice(0, maxChars), truncated: true };
}

function leafJson(value: unknown, view: LeafView): string {
  switch (view.type) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
    case 'null':
      return view.text;
    case 'undefined':
      return 'null';
    default:
      // bigint and special kinds: their readable form, as a string (JSON has no other place for it)
      return JSON.stringify(view.text);
  }
}
