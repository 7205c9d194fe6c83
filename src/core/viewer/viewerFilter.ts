import type { PayloadDecoder } from '../codec/payloadDecoder';
import { activationValue, decodedText, isTextFormat } from './payloadView';
import type { MessageStore } from './messageStore';
import { TextNeedle } from './textSearch';
import type { ViewerFilter } from './types';

/** What an expression sees of one message (the evaluator's ExpressionActivation). */
export interface ExpressionActivation {
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
  readonly size: number;
}

/** A compiled expression (core/viewer/expression.ts): bounded in time per message, never eval. */
export interface CompiledMatcher {
  matches(activation: ExpressionActivation): boolean;
}

/** Compiles an expression; throws the evaluator's ExpressionError (with a position) for a bad one. */
export type ExpressionCompiler = (source: string) => CompiledMatcher;

/** A filter given by the panel that cannot be applied (its text says what to change). */
export class ViewerFilterError extends Error {
  readonly reason = 'invalidFilter';
  constructor(message: string) {
    super(message);
    this.name = 'ViewerFilterError';
  }
}

/** The longest text, key or header value a filter takes (longer is never a useful search). */
const MAX_FILTER_TEXT = 10_000;

/** Tests one slot of the store. */
export type SlotPredicate = (slot: number) => boolean;

export interface FilterContext {
  readonly store: MessageStore;
  readonly topic: string;
  readonly decoder: PayloadDecoder;
  readonly compileExpression?: ExpressionCompiler;
}

function checkText(what: string, text: unknown): string {
  if (typeof text !== 'string') throw new ViewerFilterError(`The ${what} filter must be text.`);
  if (text.length > MAX_FILTER_TEXT)
    throw new ViewerFilterError(
      `The ${what} filter is ${text.length} characters long; the limit is ${MAX_FILTER_TEXT}.`,
    );
  return text;
}

function checkNumber(what: string, n: unknown): number | undefined {
  if (n === undefined) return undefined;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new ViewerFilterError(`The ${what} must be a number.`);
  return n;
}

/** True when the filter selects everything (nothing to test). */
export function isEmptyFilter(filter: ViewerFilter): boolean {
  return (
    !filter.text &&
    !filter.key &&
    !filter.header &&
    filter.partitions === undefined &&
    filter.offsets?.from === undefined &&
    filter.offsets?.to === undefined &&
    filter.time?.from === undefined &&
    filter.time?.to === undefined &&
    !filter.decodeErrorsOnly &&
    !filter.expression?.trim()
  );
}

/**
 * Compiles a ViewerFilter into one predicate over the store's slots: the cheap column tests
 * first (partition, offset, time, status), then the byte tests (key, header, text), then the
 * expression, which decodes the message again. Returns undefined for an empty filter.
 */
export function compileFilter(filter: ViewerFilter, context: FilterContext): SlotPredicate | undefined {
  if (isEmptyFilter(filter)) return undefined;
  const { store, topic, decoder } = context;
  const tests: SlotPredicate[] = [];

  if (filter.partitions !== undefined) {
    if (!Array.isArray(filter.partitions) || !filter.partitions.every((p) => Number.isInteger(p) && p >= 0))
      throw new ViewerFilterError('The partition filter must list partition numbers (0 or more).');
    const wanted = new Set(filter.partitions);
    const column = store.partition;
    tests.push((slot) => wanted.has(column[slot]!));
  }
  const offsetFrom = checkNumber('offset range start', filter.offsets?.from);
  const offsetTo = checkNumber('offset range end', filter.offsets?.to);
  if (offsetFrom !== undefined || offsetTo !== undefined) {
    const from = offsetFrom ?? -Infinity;
    const to = offsetTo ?? Infinity;
    if (from > to) throw new ViewerFilterError(`The offset range starts at ${from}, after its end ${to}.`);
    const column = store.offset;
    tests.push((slot) => column[slot]! >= from && column[slot]! <= to);
  }
  const timeFrom = checkNumber('time range start', filter.time?.from);
  const timeTo = checkNumber('time range end', filter.time?.to);
  if (timeFrom !== undefined || timeTo !== undefined) {
    const from = timeFrom ?? -Infinity;
    const to = timeTo ?? Infinity;
    if (from > to) throw new ViewerFilterError('The time range starts after its end.');
    const column = store.timestamp;
    // A message without a timestamp is outside every time range (NaN compares false).
    tests.push((slot) => column[slot]! >= from && column[slot]! <= to);
  }
  if (filter.decodeErrorsOnly) {
    const column = store.status;
    tests.push((slot) => column[slot] === 1 /* 'error' in statusCodes */);
  }

  const keyFilter = filter.key;
  if (keyFilter && (keyFilter.equals !== undefined || keyFilter.contains !== undefined)) {
    const equals = keyFilter.equals !== undefined ? checkText('key', keyFilter.equals) : undefined;
    const contains = keyFilter.contains !== undefined ? checkText('key', keyFilter.contains) : undefined;
    const equalsBytes = equals !== undefined ? Buffer.from(equals, 'utf8') : undefined;
    const containsBytes = contains !== undefined ? Buffer.from(contains, 'utf8') : undefined;
    tests.push((slot) => {
      const format = store.keyFormatOf(slot);
      if (format === 'null') return false;
      if (isTextFormat(format) || format === 'binary') {
        const key = store.key(slot)!;
        if (equalsBytes && !key.equals(equalsBytes)) return false;
        return !containsBytes || key.indexOf(containsBytes) >= 0;
      }
      // A schema-encoded key is compared as its decoded JSON text.
      const text = decodedText(decoder.decodeIfReady(store.key(slot), { topic, role: 'key' }) ?? failedDecode) ?? '';
      if (equals !== undefined && text !== equals && text !== JSON.stringify(equals)) return false;
      return contains === undefined || text.includes(contains);
    });
  }

  if (filter.header) {
    const name = checkText('header name', filter.header.name);
    if (!name) throw new ViewerFilterError('The header filter needs a header name.');
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes =
      filter.header.equals !== undefined
        ? Buffer.from(checkText('header value', filter.header.equals), 'utf8')
        : undefined;
    tests.push((slot) =>
      store.someHeader(
        slot,
        (bytes, ns, ne, vs, ve) =>
          ne - ns === nameBytes.length &&
          bytes.compare(nameBytes, 0, nameBytes.length, ns, ne) === 0 &&
          (!valueBytes ||
            (ve - vs === valueBytes.length && bytes.compare(valueBytes, 0, valueBytes.length, vs, ve) === 0)),
      ),
    );
  }

  if (filter.text) {
    const needle = new TextNeedle(checkText('text', filter.text));
    const inPayload = (slot: number, role: 'key' | 'value'): boolean => {
      const format = role === 'key' ? store.keyFormatOf(slot) : store.formatOf(slot);
      if (format === 'null') return false;
      const range = role === 'key' ? store.keyRange(slot) : store.valueRange(slot);
      if (!range) return false;
      // JSON and text are searched in their bytes; a failed decode's bytes too (they are shown as text).
      if (isTextFormat(format) || store.status[slot] === 1 || format === 'binary')
        return format === 'binary' ? false : needle.inBytes(range.bytes, range.start, range.end);
      const bytes = range.bytes.subarray(range.start, range.end);
      const text = decodedText(decoder.decodeIfReady(bytes, { topic, role }) ?? failedDecode);
      return text !== undefined && needle.inText(text);
    };
    tests.push(
      (slot) =>
        inPayload(slot, 'value') ||
        inPayload(slot, 'key') ||
        store.someHeader(
          slot,
          (bytes, ns, ne, vs, ve) => needle.inBytes(bytes, ns, ne) || needle.inBytes(bytes, vs, ve),
        ),
    );
  }

  if (filter.expression?.trim()) {
    if (!context.compileExpression)
      throw new ViewerFilterError('Expression filters are not available in this build. Use the other filters.');
    const compiled = context.compileExpression(filter.expression);
    tests.push((slot) => compiled.matches(activationOf(context, slot)));
  }

  if (tests.length === 1) return tests[0];
  return (slot) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(slot)) return false;
    return true;
  };
}

/** Stands for a payload whose schema is not cached: it matches no text (it is decoded when it arrives). */
const failedDecode = { ok: true, format: 'null', raw: null } as const;

/** The decoded message an expression sees, made from the stored bytes. */
export function activationOf(context: FilterContext, slot: number): ExpressionActivation {
  const { store, topic, decoder } = context;
  const key = decoder.decodeIfReady(store.key(slot), { topic, role: 'key' });
  const value = decoder.decodeIfReady(store.value(slot), { topic, role: 'value' });
  // No prototype: a header named "__proto__" (or "constructor") is a key like any other, and is kept.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  store.someHeader(slot, (bytes, ns, ne, vs, ve) => {
    headers[bytes.toString('utf8', ns, ne)] = bytes.toString('utf8', vs, ve);
    return false;
  });
  const timestamp = store.timestamp[slot]!;
  return {
    key: key ? activationValue(key) : null,
    value: value ? activationValue(value) : null,
    headers,
    partition: store.partition[slot]!,
    offset: store.offset[slot]!,
    timestamp: Number.isNaN(timestamp) ? undefined : timestamp,
    size: store.sizeOf(slot),
  };
}
