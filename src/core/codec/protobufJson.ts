import * as protobuf from 'protobufjs';
import { renderActual, renderPath, type FieldError } from './codecErrors';
import { fromWellKnownJson } from './protobufWellKnown';
import { ReadableValue } from './readableValue';
import { parseBase64 } from './textEncodings';

/**
 * Checks a JSON-shaped value against a Protobuf message type before protobufjs's lenient
 * `fromObject` sees it (which coerces silently), and returns it normalized for `fromObject`:
 * camelCase or json_name keys renamed to field names, bytes decoded. The accepted shapes follow
 * the proto3 JSON mapping: 64-bit integers as numbers or decimal strings, enums by name or
 * number, bytes as base64. Well-known types are accepted in their canonical JSON form (Timestamp
 * and Duration strings, bare wrapper values, JSON for Struct/Value/ListValue, FieldMask strings) and
 * as plain messages.
 */
export function checkMessage(
  type: protobuf.Type,
  value: unknown,
  path: (string | number)[],
  errors: FieldError[],
): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    errors.push({
      path: renderPath(path),
      expected: `message ${stripDot(type.fullName)}`,
      actual: renderActual(value),
    });
    return undefined;
  }
  const fields = fieldIndex(type);
  const out: Record<string, unknown> = {};
  const oneofSet = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    const field = fields.get(key);
    const here = [...path, key];
    if (!field) {
      errors.push({
        path: renderPath(here),
        expected: `no such field in ${stripDot(type.fullName)}`,
        actual: renderActual(item),
      });
      continue;
    }
    if (item === null || item === undefined) continue;
    if (field.partOf) {
      const other = oneofSet.get(field.partOf.name);
      if (other !== undefined) {
        errors.push({
          path: renderPath(here),
          expected: `only one of oneof ${field.partOf.name} (${other} is set too)`,
          actual: renderActual(item),
        });
        continue;
      }
      oneofSet.set(field.partOf.name, field.name);
    }
    out[field.name] = checkField(field, item, here, errors);
  }
  for (const field of type.fieldsArray) {
    if (
      field.required &&
      out[field.name] === undefined &&
      !errors.some((e) => e.path === renderPath([...path, field.name]))
    ) {
      errors.push({
        path: renderPath([...path, field.name]),
        expected: `${describe(field)} (required)`,
        actual: 'undefined',
      });
    }
  }
  return out;
}

const fieldIndexes = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldIndex(type: protobuf.Type): Map<string, protobuf.Field> {
  let index = fieldIndexes.get(type);
  if (!index) {
    index = new Map();
    for (const field of type.fieldsArray) {
      const jsonName = (field.options as Record<string, unknown> | undefined)?.json_name;
      for (const name of [
        field.name,
        protobuf.util.camelCase(field.name),
        typeof jsonName === 'string' ? jsonName : undefined,
      ]) {
        if (name && !index.has(name)) index.set(name, field);
      }
    }
    fieldIndexes.set(type, index);
  }
  return index;
}

function stripDot(name: string): string {
  return name.startsWith('.') ? name.slice(1) : name;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function describe(field: protobuf.Field): string {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum)
    return `enum ${stripDot(resolved.fullName)} (one of ${Object.keys(resolved.values).join(', ')})`;
  if (resolved instanceof protobuf.Type) return `message ${stripDot(resolved.fullName)}`;
  return scalarLabel(field.type);
}

function scalarLabel(type: string): string {
  switch (type) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return `${type} (integer or decimal string)`;
    case 'bytes':
      return 'bytes as base64';
    default:
      return type;
  }
}

function checkField(field: protobuf.Field, value: unknown, path: (string | number)[], errors: FieldError[]): unknown {
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(value)) {
      errors.push({
        path: renderPath(path),
        expected: `map<${field.keyType}, ${field.type}>`,
        actual: renderActual(value),
      });
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const keyOk = checkScalar(field.keyType, key, true);
      if (!keyOk.ok)
        errors.push({
          path: renderPath([...path, key]),
          expected: `a ${field.keyType} map key`,
          actual: renderActual(key),
        });
      out[key] = checkSingle(field, item, [...path, key], errors);
    }
    return out;
  }
  if (field.repeated) {
    if (!Array.isArray(value)) {
      errors.push({ path: renderPath(path), expected: `array of ${describe(field)}`, actual: renderActual(value) });
      return undefined;
    }
    return value.map((item, i) => checkSingle(field, item, [...path, i], errors));
  }
  return checkSingle(field, value, path, errors);
}

function checkSingle(field: protobuf.Field, value: unknown, path: (string | number)[], errors: FieldError[]): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (resolved.fullName === '.google.protobuf.Any' && isPlainObject(value) && typeof value['@type'] === 'string')
      return anyFromJson(resolved, value, path, errors);
    // A well-known type in its canonical JSON form ("1.5s", a bare wrapper value) becomes its message form here.
    const wellKnown = fromWellKnownJson(resolved.fullName, value instanceof ReadableValue ? value.base : value);
    if (wellKnown?.ok) return wellKnown.value;
    if (wellKnown) {
      errors.push({ path: renderPath(path), expected: wellKnown.expected, actual: renderActual(value) });
      return undefined;
    }
    return checkMessage(resolved, value instanceof ReadableValue ? value.base : value, path, errors);
  }
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(resolved.values, value)) return value;
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      Object.prototype.hasOwnProperty.call(resolved.valuesById, value)
    )
      return value;
    errors.push({ path: renderPath(path), expected: describe(field), actual: renderActual(value) });
    return undefined;
  }
  const checked = checkScalar(field.type, value, false);
  if (!checked.ok) {
    errors.push({ path: renderPath(path), expected: scalarLabel(field.type), actual: renderActual(value) });
    return undefined;
  }
  return checked.value;
}

/** An Any in its JSON form, `{"@type": url, ...fields}` (or `"value"` for a well-known type), packed as type_url and bytes. */
function anyFromJson(
  any: protobuf.Type,
  value: Record<string, unknown>,
  path: (string | number)[],
  errors: FieldError[],
): unknown {
  const url = value['@type'] as string;
  const inner = any.root.lookup(url.slice(url.lastIndexOf('/') + 1));
  if (!(inner instanceof protobuf.Type)) {
    errors.push({
      path: renderPath([...path, '@type']),
      expected: 'a message type this schema knows (with its imports)',
      actual: renderActual(url),
    });
    return undefined;
  }
  const fields = { ...value };
  delete fields['@type'];
  const wellKnown =
    'value' in fields && Object.keys(fields).length === 1 ? fromWellKnownJson(inner.fullName, fields.value) : undefined;
  let normalized: unknown;
  if (wellKnown?.ok) normalized = wellKnown.value;
  else if (wellKnown) {
    errors.push({
      path: renderPath([...path, 'value']),
      expected: wellKnown.expected,
      actual: renderActual(fields.value),
    });
    return undefined;
  } else normalized = checkMessage(inner, fields, path, errors);
  if (normalized === undefined) return undefined;
  return { type_url: url, value: inner.encode(inner.fromObject(normalized as Record<string, unknown>)).finish() };
}

const RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

function checkScalar(type: string, value: unknown, isMapKey: boolean): { ok: true; value: unknown } | { ok: false } {
  const range = RANGES[type];
  if (range) {
    let big: bigint | undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
    else if (typeof value === 'bigint') big = value;
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) big = BigInt(value);
    if (big === undefined || big < range[0] || big > range[1]) return { ok: false };
    // 64-bit values go to fromObject as strings so that none loses precision.
    return { ok: true, value: range[1] > 2n ** 32n ? big.toString() : Number(big) };
  }
  switch (type) {
    case 'bool':
      if (typeof value === 'boolean') return { ok: true, value };
      if (isMapKey && (value === 'true' || value === 'false')) return { ok: true, value };
      return { ok: false };
    case 'string':
      return typeof value === 'string' ? { ok: true, value } : { ok: false };
    case 'double':
    case 'float':
      if (typeof value === 'number') return { ok: true, value };
      if (typeof value === 'bigint') return { ok: true, value: Number(value) };
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return { ok: true, value: Number(value) };
      return { ok: false };
    case 'bytes': {
      const bytes = typeof value === 'string' ? parseBase64(value) : undefined;
      return bytes ? { ok: true, value: bytes } : { ok: false };
    }
    default:
      return { ok: false };
  }
}
