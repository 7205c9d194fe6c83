import type { ValueNoteView } from '../../../core/session/messageView';
import type { LeafKind, LeafView } from '../valueModel';

/**
 * The host's notes on a structured value (ValueNoteView: readable forms with their base values,
 * exact numbers carried as strings, cuts) made into tree leaves. An annotated value is replaced by
 * a NotedValue: a class instance, so nothing in a payload's JSON can pose as one. One LeafKind
 * shows the readable forms, another the base values: the panel switches between them in one click.
 * No DOM here, no recursion: each note names its place by segments.
 */

class NotedValue {
  constructor(
    readonly readable: unknown,
    readonly base: unknown,
    readonly logicalType: string | undefined,
    readonly note: string | undefined,
    readonly isNumber: boolean,
  ) {}
}

export interface AnnotatedValue {
  readonly json: unknown;
  /** The tree's leaves as readable forms (the default), and as base values. */
  readonly readableKinds: readonly LeafKind[];
  readonly baseKinds: readonly LeafKind[];
  /** How many values have a readable form over a base value (the base-values switch is shown only then). */
  readonly logicalCount: number;
  /** What was left out, by path, for a line above the tree. */
  readonly cuts: readonly { readonly path: string; readonly detail: string }[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function pathText(at: readonly (string | number)[]): string {
  let path = '$';
  for (const key of at)
    path += typeof key === 'number' ? `[${key}]` : IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return path;
}

/** Compact JSON for a small value (a base value, a duration), never throwing. */
function compact(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function leafKind(show: 'readable' | 'base'): LeafKind {
  return {
    view(value: unknown): LeafView | undefined {
      if (!(value instanceof NotedValue)) return undefined;
      if (value.isNumber) return { type: 'number', text: compact(value.readable) };
      const shown = show === 'readable' ? value.readable : value.base;
      const other = show === 'readable' ? `base value: ${compact(value.base)}` : `readable: ${compact(value.readable)}`;
      return {
        type: show === 'readable' ? 'logical' : 'base',
        text: compact(shown),
        title: [value.logicalType, value.note ?? other].filter(Boolean).join(' · '),
      };
    },
  };
}

const READABLE = [leafKind('readable')];
const BASE = [leafKind('base')];

/** Replaces each annotated value in `json` (a fresh copy from the host; changed in place). */
export function annotate(json: unknown, notes: readonly ValueNoteView[] | undefined): AnnotatedValue {
  const root: { v: unknown } = { v: json };
  const cuts: { path: string; detail: string }[] = [];
  let logicalCount = 0;
  for (const note of notes ?? []) {
    if (note.kind === 'cut') {
      cuts.push({ path: pathText(note.at), detail: note.detail });
      continue;
    }
    let parent = root as unknown as Record<string | number, unknown>;
    let key: string | number = 'v';
    let found = true;
    for (const segment of note.at) {
      const next = parent[key];
      if (
        next === null ||
        typeof next !== 'object' ||
        next instanceof NotedValue ||
        !Object.prototype.hasOwnProperty.call(next, segment)
      ) {
        found = false;
        break;
      }
      parent = next as Record<string | number, unknown>;
      key = segment;
    }
    if (!found) continue;
    const value = parent[key];
    if (note.kind === 'number') parent[key] = new NotedValue(value, value, undefined, undefined, true);
    else {
      logicalCount++;
      parent[key] = new NotedValue(value, note.base, note.logicalType, note.note, false);
    }
  }
  return { json: root.v, readableKinds: READABLE, baseKinds: BASE, logicalCount, cuts };
}
