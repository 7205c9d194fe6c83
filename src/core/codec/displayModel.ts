import { ReadableValue } from './readableValue';

/**
 * The display model of a decoded value: plain JSON (it crosses to the webview and into exports)
 * plus notes by path — which values are readable forms of a logical type (with the base value),
 * which strings are exact big integers, and where the value was cut. Built breadth-first with an
 * explicit queue, never by recursion, within limits of depth, nodes and characters: a payload
 * 100,000 levels deep, a million keys wide or one 10 MB string comes out bounded, with the reason.
 */

export interface DisplayLimits {
  /** Containers deeper than this are summarized, not opened. */
  readonly maxDepth: number;
  /** Values (containers and leaves) shown in all; the rest of each container is summarized. */
  readonly maxNodes: number;
  /** One string (or one bytes value as base64) is cut at this many characters. */
  readonly maxStringChars: number;
  /** All strings together are cut at this many characters. */
  readonly maxTotalChars: number;
}

export const DISPLAY_LIMITS: DisplayLimits = Object.freeze({
  maxDepth: 64,
  maxNodes: 20_000,
  maxStringChars: 64 * 1024,
  maxTotalChars: 2 * 1024 * 1024,
});

/** For exports and handler input: generous, still finite (a hostile value cannot stall anything). */
export const EXPORT_LIMITS: DisplayLimits = Object.freeze({
  maxDepth: 10_000,
  maxNodes: 10_000_000,
  maxStringChars: Number.MAX_SAFE_INTEGER,
  maxTotalChars: Number.MAX_SAFE_INTEGER,
});

export type CutReason = 'depth' | 'nodes' | 'string';

/** Where in `json` a note applies: keys and indexes from the root (`[]` is the root itself). */
export type Segments = readonly (string | number)[];

export type DisplayNote =
  /** A logical or well-known type: `json` holds the readable form (or the base when there is none). */
  | {
      readonly at: Segments;
      readonly kind: 'logical';
      readonly logicalType: string;
      readonly base: unknown;
      readonly note?: string;
    }
  /** A string in `json` that is an exact number (a 64-bit integer, NaN, ±Infinity). */
  | { readonly at: Segments; readonly kind: 'number' }
  /** Something here was left out; `detail` says what. */
  | { readonly at: Segments; readonly kind: 'cut'; readonly reason: CutReason; readonly detail: string };

export interface DisplayModel {
  readonly json: unknown;
  readonly notes: readonly DisplayNote[];
  /** Set when anything was cut: the first reason, for a one-line summary. */
  readonly cut?: CutReason;
}

interface Pending {
  readonly value: unknown;
  readonly parent: Pending | undefined;
  readonly depth: number;
  readonly into: Record<string | number, unknown>;
  readonly key: string | number;
}

function segmentsOf(item: Pending): (string | number)[] {
  const out: (string | number)[] = [];
  for (let at: Pending | undefined = item; at?.parent; at = at.parent) out.push(at.key);
  return out.reverse();
}

/** `$`, `$.a[2]`: a path for people (and FieldError-style messages). */
export function pathText(at: Segments): string {
  let path = '$';
  for (const key of at) path = childPath(path, key);
  return path;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The same path syntax as FieldError paths and the panel's tree: `$`, `$.a`, `$["a b"]`, `$[3]`. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function isLong(value: object): boolean {
  const v = value as { low?: unknown; high?: unknown; unsigned?: unknown };
  return typeof v.low === 'number' && typeof v.high === 'number' && typeof v.unsigned === 'boolean';
}

export function buildDisplay(value: unknown, limits: DisplayLimits = DISPLAY_LIMITS): DisplayModel {
  const notes: DisplayNote[] = [];
  let cut: CutReason | undefined;
  let nodes = 1;
  let chars = 0;
  const cutAt = (item: Pending, reason: CutReason, detail: string): void => {
    cut = cut ?? reason;
    notes.push({ at: segmentsOf(item), kind: 'cut', reason, detail });
  };
  const text = (s: string, item: Pending): string => {
    const room = Math.max(0, Math.min(limits.maxStringChars, limits.maxTotalChars - chars));
    if (s.length <= room) {
      chars += s.length;
      return s;
    }
    chars += room;
    cutAt(item, 'string', `showing ${room.toLocaleString('en-US')} of ${s.length.toLocaleString('en-US')} characters`);
    return s.slice(0, room);
  };
  const root: Record<string, unknown> = {};
  const queue: (Pending | undefined)[] = [{ value, parent: undefined, depth: 0, into: root, key: 'v' }];
  for (let head = 0; head < queue.length; head++) {
    const item = queue[head]!;
    queue[head] = undefined; // let the source go as soon as it is shown
    const { depth, into, key } = item;
    let v = item.value;
    if (v instanceof ReadableValue) {
      const form = v.readable;
      const base = buildDisplay(v.base, { ...limits, maxDepth: 4, maxNodes: 64 }).json;
      notes.push({
        at: segmentsOf(item),
        kind: 'logical',
        logicalType: v.logicalType,
        base,
        ...(form.ok ? {} : { note: form.note }),
      });
      v = form.ok ? form.value : v.base;
    }
    switch (typeof v) {
      case 'string':
        into[key] = text(v, item);
        continue;
      case 'number':
        if (Number.isFinite(v)) into[key] = v;
        else {
          into[key] = String(v);
          notes.push({ at: segmentsOf(item), kind: 'number' });
        }
        continue;
      case 'bigint':
        into[key] = v.toString();
        notes.push({ at: segmentsOf(item), kind: 'number' });
        continue;
      case 'boolean':
        into[key] = v;
        continue;
      case 'object':
        break;
      default:
        into[key] = v === undefined ? null : String(v);
        continue;
    }
    if (v === null) {
      into[key] = null;
      continue;
    }
    if (v instanceof Uint8Array) {
      const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      const room = Math.floor(Math.max(0, Math.min(limits.maxStringChars, limits.maxTotalChars - chars)) / 4) * 3;
      if (bytes.length > room)
        cutAt(
          item,
          'string',
          `showing ${room.toLocaleString('en-US')} of ${bytes.length.toLocaleString('en-US')} bytes (base64)`,
        );
      const shown = (bytes.length > room ? bytes.subarray(0, room) : bytes).toString('base64');
      chars += shown.length;
      into[key] = shown;
      continue;
    }
    if (v instanceof Date) {
      into[key] = Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      continue;
    }
    if (isLong(v)) {
      into[key] = String(v);
      notes.push({ at: segmentsOf(item), kind: 'number' });
      continue;
    }
    const isArray = Array.isArray(v);
    const isMap = v instanceof Map;
    const keys: (string | number)[] | undefined = isArray ? undefined : isMap ? undefined : Object.keys(v);
    const size = isArray ? (v as unknown[]).length : isMap ? (v as Map<unknown, unknown>).size : keys!.length;
    if (depth >= limits.maxDepth && size > 0) {
      into[key] = isArray ? [] : {};
      cutAt(
        item,
        'depth',
        `${size.toLocaleString('en-US')} ${isArray ? 'item' : 'entr'}${size === 1 ? (isArray ? '' : 'y') : isArray ? 's' : 'ies'} below the depth limit of ${limits.maxDepth} not shown`,
      );
      continue;
    }
    const room = Math.max(0, Math.min(size, limits.maxNodes - nodes));
    nodes += room;
    if (isArray) {
      const source = v as unknown[];
      const out = new Array<unknown>(room);
      into[key] = out;
      for (let i = 0; i < room; i++)
        queue.push({
          value: source[i],
          parent: item,
          depth: depth + 1,
          into: out as unknown as Record<number, unknown>,
          key: i,
        });
    } else {
      const out: Record<string, unknown> = {};
      into[key] = out;
      const entries: [string, unknown][] = [];
      if (isMap) {
        for (const [k, item] of v as Map<unknown, unknown>) {
          if (entries.length >= room) break;
          entries.push([String(k), item]);
        }
      } else {
        for (let i = 0; i < room; i++) entries.push([keys![i] as string, (v as Record<string, unknown>)[keys![i]]]);
      }
      for (const [name, child] of entries) {
        if (typeof child === 'function' || child === undefined) continue;
        // A key is payload text too: a 10 MB key is cut like a 10 MB value.
        const k =
          name.length > limits.maxStringChars
            ? `${name.slice(0, limits.maxStringChars)}… (${name.length.toLocaleString('en-US')} characters)`
            : name;
        chars += k.length;
        // defineProperty: a "__proto__" key from a payload is data, not the prototype.
        Object.defineProperty(out, k, { value: null, writable: true, enumerable: true, configurable: true });
        const pending: Pending = { value: child, parent: item, depth: depth + 1, into: out, key: k };
        if (k !== name)
          cutAt(pending, 'string', `a key of ${name.length.toLocaleString('en-US')} characters, shown cut`);
        queue.push(pending);
      }
    }
    if (room < size)
      cutAt(
        item,
        'nodes',
        `showing ${room.toLocaleString('en-US')} of ${size.toLocaleString('en-US')} ${isArray ? 'items' : 'entries'} (the view holds at most ${limits.maxNodes.toLocaleString('en-US')} values)`,
      );
  }
  return { json: root.v, notes, ...(cut ? { cut } : {}) };
}
