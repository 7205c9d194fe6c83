import type { MessageView, PayloadView } from './messageView';

/**
 * "Run until": let the session run on its own and stop at the first message that matches. The
 * condition comes from the webview (untrusted), so `isRunUntilCondition` checks it before use; the
 * matcher is pure and cheap, because it runs on every message while the session runs.
 */
export type RunUntilCondition =
  /** The key, as text (or JSON, or hex for binary keys), equals `value`. */
  | { readonly kind: 'keyEquals'; readonly value: string }
  /** The value (or key) at a JSON path equals / contains `value`. */
  | {
      readonly kind: 'jsonPath';
      readonly path: string;
      readonly op: JsonPathOp;
      readonly value: string;
      readonly on?: 'key' | 'value';
    }
  /** A header with this name is present. */
  | { readonly kind: 'headerPresent'; readonly name: string }
  /** The offset is at or past `offset` (on this topic / partition when given). */
  | { readonly kind: 'offsetReached'; readonly topic?: string; readonly partition?: number; readonly offset: number }
  /** The key or value could not be decoded. */
  | { readonly kind: 'decodeError' }
  /** The handler failed on the message. */
  | { readonly kind: 'handlerError' };

export type RunUntilKind = RunUntilCondition['kind'];
export type JsonPathOp = 'equals' | 'contains';

/** Longest string a condition may carry (it arrives from the webview). */
export const MAX_CONDITION_TEXT = 4096;

/** What happened to the message, as far as the matcher cares. */
export interface RunUntilOutcome {
  /** The handler's error message, when the handler failed. */
  readonly handlerError?: string;
}

export function matchesRunUntil(
  condition: RunUntilCondition,
  message: MessageView,
  outcome: RunUntilOutcome = {},
): boolean {
  switch (condition.kind) {
    case 'keyEquals':
      return payloadEquals(message.key, condition.value);
    case 'jsonPath': {
      const parsed = parseJsonPath(condition.path);
      if (!parsed.ok) return false;
      const root = jsonRoot(condition.on === 'key' ? message.key : message.value);
      if (root === NOTHING) return false;
      const test = condition.op === 'equals' ? valueEquals : valueContains;
      return resolveJsonPath(root, parsed.segments).some((found) => test(found, condition.value));
    }
    case 'headerPresent':
      return message.headers.some((header) => header.key === condition.name);
    case 'offsetReached':
      return (
        (condition.topic === undefined || condition.topic === message.topic) &&
        (condition.partition === undefined || condition.partition === message.partition) &&
        message.offset >= condition.offset
      );
    case 'decodeError':
      return message.key.kind === 'error' || message.value.kind === 'error';
    case 'handlerError':
      return outcome.handlerError !== undefined;
  }
}

/** A short human description, e.g. `$.status equals "FAILED"` or `offset ≥ 42 on orders [3]`. */
export function describeRunUntil(condition: RunUntilCondition): string {
  switch (condition.kind) {
    case 'keyEquals':
      return `key equals ${quote(condition.value)}`;
    case 'jsonPath':
      return `${condition.on === 'key' ? 'key ' : ''}${condition.path} ${condition.op} ${quote(condition.value)}`;
    case 'headerPresent':
      return `header ${quote(condition.name)} present`;
    case 'offsetReached': {
      const where =
        condition.topic !== undefined
          ? ` on ${condition.topic}${condition.partition !== undefined ? ` [${condition.partition}]` : ''}`
          : condition.partition !== undefined
            ? ` on partition ${condition.partition}`
            : '';
      return `offset ≥ ${condition.offset}${where}`;
    }
    case 'decodeError':
      return 'a decode error';
    case 'handlerError':
      return 'a handler error';
  }
}

/** Checks a condition that arrived from outside (the webview): shape, kinds, lengths, path syntax. */
export function isRunUntilCondition(x: unknown): x is RunUntilCondition {
  if (!isRecord(x)) return false;
  switch (x.kind) {
    case 'keyEquals':
      return isText(x.value);
    case 'jsonPath':
      return (
        isText(x.path) &&
        parseJsonPath(x.path).ok &&
        (x.op === 'equals' || x.op === 'contains') &&
        isText(x.value) &&
        (x.on === undefined || x.on === 'key' || x.on === 'value')
      );
    case 'headerPresent':
      return isText(x.name) && x.name.length > 0;
    case 'offsetReached':
      return (
        isCount(x.offset) &&
        (x.topic === undefined || (isText(x.topic) && x.topic.length > 0)) &&
        (x.partition === undefined || isCount(x.partition))
      );
    case 'decodeError':
    case 'handlerError':
      return true;
    default:
      return false;
  }
}

// ---- JSON paths: `$`, `.name`, `['name']`, `["name"]`, `[0]`, `[-1]`, `[*]`, `.*` ----

export type JsonPathSegment =
  | { readonly kind: 'property'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

export type JsonPathParse =
  | { readonly ok: true; readonly segments: readonly JsonPathSegment[] }
  | { readonly ok: false; readonly error: string; readonly at: number };

const NAME_CHAR = /[^.[\]\s'"]/;

/** Parses `$.a.b[0].c` (the `$` is optional: `a.b` means `$.a.b`). */
export function parseJsonPath(path: string): JsonPathParse {
  const segments: JsonPathSegment[] = [];
  let i = 0;
  const fail = (error: string): JsonPathParse => ({ ok: false, error, at: i });
  const text = path.trim();
  if (text.length === 0) return fail('the path is empty');
  if (text.length > MAX_CONDITION_TEXT) return fail('the path is too long');
  if (text[0] === '$') i = 1;
  else if (NAME_CHAR.test(text[0])) {
    const start = i;
    while (i < text.length && NAME_CHAR.test(text[i])) i++;
    segments.push(propertyOrWildcard(text.slice(start, i)));
  }
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      const start = i;
      while (i < text.length && NAME_CHAR.test(text[i])) i++;
      if (i === start) return fail(`a name is expected after "." at ${start}`);
      segments.push(propertyOrWildcard(text.slice(start, i)));
    } else if (c === '[') {
      i++;
      const q = text[i];
      if (q === "'" || q === '"') {
        i++;
        let name = '';
        while (i < text.length && text[i] !== q) {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          name += text[i++];
        }
        if (i >= text.length) return fail('an unterminated quoted name');
        i++;
        segments.push({ kind: 'property', name });
      } else if (q === '*') {
        i++;
        segments.push({ kind: 'wildcard' });
      } else {
        const match = /^-?\d{1,9}/.exec(text.slice(i));
        if (!match) return fail(`an index, '*' or a quoted name is expected at ${i}`);
        i += match[0].length;
        segments.push({ kind: 'index', index: Number(match[0]) });
      }
      if (text[i] !== ']') return fail(`"]" is expected at ${i}`);
      i++;
    } else {
      return fail(`unexpected ${JSON.stringify(c)} at ${i}`);
    }
  }
  return { ok: true, segments };
}

/** Every value the path reaches (more than one through wildcards). Only own properties are followed. */
export function resolveJsonPath(root: unknown, segments: readonly JsonPathSegment[]): unknown[] {
  let current: unknown[] = [root];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const node of current) {
      if (segment.kind === 'wildcard') {
        if (Array.isArray(node)) next.push(...node);
        else if (isRecord(node)) next.push(...Object.keys(node).map((k) => node[k]));
      } else if (Array.isArray(node)) {
        const index =
          segment.kind === 'index' ? segment.index : /^\d{1,9}$/.test(segment.name) ? Number(segment.name) : undefined;
        if (index === undefined) continue;
        const at = index < 0 ? node.length + index : index;
        if (at >= 0 && at < node.length) next.push(node[at]);
      } else if (
        isRecord(node) &&
        segment.kind === 'property' &&
        Object.prototype.hasOwnProperty.call(node, segment.name)
      ) {
        next.push(node[segment.name]);
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/**
 * `equals`: the same JSON value when `expected` parses as JSON (so `42`, `true`, `{"a":1}` work
 * whatever the key order), or the same text (so `42` also matches the string "42", as 64-bit
 * integers are shown).
 */
export function valueEquals(actual: unknown, expected: string): boolean {
  if (typeof actual === 'string') return actual === expected || jsonEqualsText(actual, expected);
  if (typeof actual === 'number' || typeof actual === 'boolean' || actual === null) {
    return String(actual) === expected || jsonEqualsText(actual, expected);
  }
  return jsonEqualsText(actual, expected);
}

/** `contains`: substring of a string (or number's text), an element of an array, or a key of an object. */
export function valueContains(actual: unknown, expected: string): boolean {
  if (typeof actual === 'string') return actual.includes(expected);
  if (typeof actual === 'number' || typeof actual === 'boolean') return String(actual).includes(expected);
  if (Array.isArray(actual)) return actual.some((item) => valueEquals(item, expected));
  if (isRecord(actual)) return Object.prototype.hasOwnProperty.call(actual, expected);
  return false;
}

export function jsonDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonDeepEqual(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonDeepEqual(a[k], b[k]))
    );
  }
  return false;
}

const NOTHING = Symbol('nothing');

function jsonRoot(payload: PayloadView): unknown {
  if (payload.kind === 'json') return payload.json;
  if (payload.kind === 'text') return payload.text;
  return NOTHING;
}

function payloadEquals(payload: PayloadView, expected: string): boolean {
  switch (payload.kind) {
    case 'null':
      return false;
    case 'text':
      return payload.text === expected;
    case 'json':
      return valueEquals(payload.json, expected);
    case 'binary':
    case 'error':
      return (
        payload.text === expected || (!payload.truncated && payload.hex === expected.replace(/\s+/g, '').toLowerCase())
      );
  }
}

function jsonEqualsText(actual: unknown, expected: string): boolean {
  const parsed = parseJson(expected);
  return parsed !== NOTHING && jsonDeepEqual(actual, parsed);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOTHING;
  }
}

function propertyOrWildcard(name: string): JsonPathSegment {
  return name === '*' ? { kind: 'wildcard' } : { kind: 'property', name };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isText(x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_CONDITION_TEXT;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
