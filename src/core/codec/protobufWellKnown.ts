import { isoTimestamp, parseIsoTimestamp } from './calendar';
import { noReadable, readable, type Readable, type ReadableKind } from './readableValue';

/**
 * Protobuf well-known types in the canonical proto3 JSON mapping (what protoc's JsonFormat and
 * Python's json_format write): Timestamp and Duration as strings, wrappers as their values,
 * Struct/Value/ListValue as JSON, FieldMask as one comma-separated string of lowerCamelCase paths.
 * They come from protobufjs's toObject as plain objects (int64 as decimal strings, bytes as base64,
 * enums by name); each becomes a ReadableValue whose base value is that object.
 */

type Plain = Record<string, unknown>;

/** 0, 3, 6 or 9 fraction digits, as the canonical mapping writes them. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const nine = String(nanos).padStart(9, '0');
  if (nine.endsWith('000000')) return `.${nine.slice(0, 3)}`;
  if (nine.endsWith('000')) return `.${nine.slice(0, 6)}`;
  return `.${nine}`;
}

const MAX_TIMESTAMP_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z
const MIN_TIMESTAMP_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z

function timestamp(base: unknown): Readable {
  const { seconds = '0', nanos = 0 } = base as { seconds?: string | number; nanos?: number };
  const s = BigInt(seconds);
  if (s < MIN_TIMESTAMP_SECONDS || s > MAX_TIMESTAMP_SECONDS || nanos < 0 || nanos > 999_999_999) {
    return noReadable(
      `seconds ${s} and nanos ${nanos} are outside what a Timestamp may hold (0001-01-01 to 9999-12-31, nanos 0 to 999,999,999)`,
    );
  }
  return readable(`${isoTimestamp(s, 0, false)}${fraction(nanos)}Z`);
}

function duration(base: unknown): Readable {
  const { seconds = '0', nanos = 0 } = base as { seconds?: string | number; nanos?: number };
  const s = BigInt(seconds);
  if (
    (s > 0n && nanos < 0) ||
    (s < 0n && nanos > 0) ||
    Math.abs(nanos) > 999_999_999 ||
    s > 315_576_000_000n ||
    s < -315_576_000_000n
  ) {
    return noReadable(
      `seconds ${s} and nanos ${nanos} are not a valid Duration (signs must agree, at most ±10,000 years)`,
    );
  }
  const negative = s < 0n || nanos < 0;
  const abs = negative ? -s : s;
  return readable(`${negative ? '-' : ''}${abs}${fraction(Math.abs(nanos))}s`);
}

function camelPath(path: string): string {
  return path.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** google.protobuf.Value as JSON (iterative: a Struct from a payload can be deep). */
function valueJson(root: unknown): unknown {
  const out: { v?: unknown } = {};
  const stack: {
    value: unknown;
    into: Record<string | number, unknown>;
    key: string | number;
    kind: 'value' | 'struct' | 'list';
  }[] = [{ value: root, into: out as Plain, key: 'v', kind: 'value' }];
  while (stack.length) {
    const { value, into, key, kind } = stack.pop()!;
    const v = (value ?? {}) as Plain;
    if (kind === 'struct') {
      const fields = (v.fields ?? {}) as Plain;
      const obj: Plain = {};
      into[key] = obj;
      for (const name of Object.keys(fields)) {
        Object.defineProperty(obj, name, { value: null, writable: true, enumerable: true, configurable: true });
        stack.push({ value: fields[name], into: obj, key: name, kind: 'value' });
      }
    } else if (kind === 'list') {
      const values = (v.values ?? []) as unknown[];
      const arr = new Array<unknown>(values.length);
      into[key] = arr;
      values.forEach((item, i) => stack.push({ value: item, into: arr as unknown as Plain, key: i, kind: 'value' }));
    } else if (v.structValue !== undefined && v.structValue !== null)
      stack.push({ value: v.structValue, into, key, kind: 'struct' });
    else if (v.listValue !== undefined && v.listValue !== null)
      stack.push({ value: v.listValue, into, key, kind: 'list' });
    else if (v.stringValue !== undefined && v.stringValue !== null) into[key] = v.stringValue;
    else if (v.numberValue !== undefined && v.numberValue !== null) into[key] = v.numberValue;
    else if (v.boolValue !== undefined && v.boolValue !== null) into[key] = v.boolValue;
    else into[key] = null;
  }
  return out.v;
}

const wrapper = (base: unknown): Readable => readable((base as { value?: unknown }).value ?? null);

const FORMATS: Readonly<Record<string, (base: unknown) => Readable>> = {
  'google.protobuf.Timestamp': timestamp,
  'google.protobuf.Duration': duration,
  'google.protobuf.FieldMask': (base) =>
    readable(((base as { paths?: string[] }).paths ?? []).map(camelPath).join(',')),
  'google.protobuf.Struct': (base) => readable(valueJson({ structValue: base })),
  'google.protobuf.ListValue': (base) => readable(valueJson({ listValue: base })),
  'google.protobuf.Value': (base) => readable(valueJson(base)),
  'google.protobuf.Empty': () => readable({}),
  'google.protobuf.DoubleValue': wrapper,
  'google.protobuf.FloatValue': wrapper,
  'google.protobuf.Int64Value': wrapper,
  'google.protobuf.UInt64Value': wrapper,
  'google.protobuf.Int32Value': wrapper,
  'google.protobuf.UInt32Value': wrapper,
  'google.protobuf.BoolValue': wrapper,
  'google.protobuf.StringValue': wrapper,
  'google.protobuf.BytesValue': wrapper,
};

const KINDS = new Map<string, ReadableKind>(Object.entries(FORMATS).map(([name, format]) => [name, { name, format }]));

/** The readable kind of a well-known type by its full name (without a leading dot), if it is one. */
export function wellKnownKind(fullName: string): ReadableKind | undefined {
  return KINDS.get(fullName.startsWith('.') ? fullName.slice(1) : fullName);
}

// ------------------------------------------------------------------------- input (encoding)

export type WellKnownInput =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly expected: string };

const DURATION = /^(-)?(\d{1,12})(?:\.(\d{1,9}))?s$/;

function snakePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** A JSON value as a google.protobuf.Value message object (iterative). */
function toValueMessage(root: unknown): Plain {
  const out: { v?: Plain } = {};
  const stack: { value: unknown; into: Record<string | number, unknown>; key: string | number }[] = [
    { value: root, into: out as Plain, key: 'v' },
  ];
  while (stack.length) {
    const { value, into, key } = stack.pop()!;
    if (value === null || value === undefined) into[key] = { nullValue: 0 };
    else if (typeof value === 'number') into[key] = { numberValue: value };
    else if (typeof value === 'bigint') into[key] = { numberValue: Number(value) };
    else if (typeof value === 'string') into[key] = { stringValue: value };
    else if (typeof value === 'boolean') into[key] = { boolValue: value };
    else if (Array.isArray(value)) {
      const values = new Array<unknown>(value.length);
      into[key] = { listValue: { values } };
      value.forEach((item, i) => stack.push({ value: item, into: values as unknown as Plain, key: i }));
    } else {
      const fields: Plain = {};
      into[key] = { structValue: { fields } };
      for (const name of Object.keys(value)) stack.push({ value: (value as Plain)[name], into: fields, key: name });
    }
  }
  return out.v!;
}

/**
 * The message-shaped object for a well-known type given in its canonical JSON form ("1.5s", a
 * Timestamp string, a bare wrapper value, JSON for a Struct), `undefined` when `value` is not in
 * that form (then it is checked as a plain message), or the expected form when it is wrong.
 */
export function fromWellKnownJson(fullName: string, value: unknown): WellKnownInput | undefined {
  const name = fullName.startsWith('.') ? fullName.slice(1) : fullName;
  switch (name) {
    case 'google.protobuf.Timestamp': {
      if (typeof value !== 'string') return undefined;
      const nanos = parseIsoTimestamp(value, 9, true);
      if (nanos === undefined)
        return {
          ok: false,
          expected: 'Timestamp as RFC 3339, e.g. "2024-01-01T00:00:00Z" (a zone, at most 9 fraction digits)',
        };
      let seconds = nanos / 1_000_000_000n;
      let rest = nanos % 1_000_000_000n;
      if (rest < 0n) {
        seconds -= 1n;
        rest += 1_000_000_000n;
      }
      if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS)
        return { ok: false, expected: 'a Timestamp between 0001-01-01 and 9999-12-31' };
      return { ok: true, value: { seconds: seconds.toString(), nanos: Number(rest) } };
    }
    case 'google.protobuf.Duration': {
      if (typeof value !== 'string') return undefined;
      const m = DURATION.exec(value);
      if (!m) return { ok: false, expected: 'Duration as seconds with an "s", e.g. "1.5s" or "-0.000000001s"' };
      const sign = m[1] ? -1n : 1n;
      const nanos = Number(m[3]?.padEnd(9, '0') ?? '0');
      return { ok: true, value: { seconds: (sign * BigInt(m[2])).toString(), nanos: m[1] ? -nanos : nanos } };
    }
    case 'google.protobuf.FieldMask':
      if (typeof value !== 'string') return undefined;
      return { ok: true, value: { paths: value === '' ? [] : value.split(',').map(snakePath) } };
    case 'google.protobuf.Struct':
      if (!isPlainObject(value) || 'fields' in value) return undefined;
      return { ok: true, value: (toValueMessage(value) as { structValue: unknown }).structValue };
    case 'google.protobuf.ListValue':
      if (!Array.isArray(value)) return undefined;
      return { ok: true, value: (toValueMessage(value) as { listValue: unknown }).listValue };
    case 'google.protobuf.Value':
      return { ok: true, value: toValueMessage(value) };
    case 'google.protobuf.Empty':
      return undefined;
    default:
      if (!KINDS.has(name)) return undefined;
      // A wrapper: the bare value (an object with "value" is the message form).
      if (isPlainObject(value) && 'value' in value) return undefined;
      return { ok: true, value: { value } };
  }
}
