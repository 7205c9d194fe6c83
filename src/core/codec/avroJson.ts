import type * as avro from 'avsc';
import { renderActual, renderPath, type FieldError } from './codecErrors';
import { internals } from './avroInternals';
import type { ReadableLogicalType } from './avroLogical';
import { toExactLong } from './avroLong';
import { ReadableValue } from './readableValue';
import { parseBase64 } from './textEncodings';

// JSON input to avsc values, with field-level errors.

export function typeLabel(type: avro.Type): string {
  const t = internals(type);
  switch (t.typeName) {
    case 'record':
    case 'error':
      return `record ${t.name ?? ''}`.trim();
    case 'enum':
      return `one of ${(t.symbols ?? []).join(', ')}`;
    case 'fixed':
      return `${t.size} bytes as base64`;
    case 'bytes':
      return 'bytes as base64';
    case 'array':
      return `array of ${typeLabel(t.itemsType as avro.Type)}`;
    case 'map':
      return `map of ${typeLabel(t.valuesType as avro.Type)}`;
    case 'abstract:long':
      return 'long';
    default:
      if (t.typeName.startsWith('union')) return (t.types ?? []).map((branch) => branchLabel(branch)).join(' | ');
      if (t.typeName.startsWith('logical:'))
        return `${(type as ReadableLogicalType).spec.label} or ${typeLabel(t.underlyingType as avro.Type)}`;
      if (t.underlyingType) return typeLabel(t.underlyingType);
      return t.typeName;
  }
}

function branchLabel(type: avro.Type): string {
  const t = internals(type);
  if (t.typeName === 'abstract:long') return 'long';
  return t.name ?? t.typeName;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Converts a JSON-shaped value (bytes and fixed as base64, unions either bare or wrapped as
 * `{"branch": value}`, longs as numbers, BigInts or decimal strings, logical types in their
 * readable form or their base form) into what avsc writes, collecting every mismatch with its path.
 */
export function fromJson(type: avro.Type, value: unknown, path: (string | number)[], errors: FieldError[]): unknown {
  const t = internals(type);
  const mismatch = (expected = typeLabel(type)): undefined => {
    errors.push({ path: renderPath(path), expected, actual: renderActual(value) });
    return undefined;
  };
  switch (t.typeName) {
    case 'null':
      return value === null ? null : mismatch('null');
    case 'boolean':
      return typeof value === 'boolean' ? value : mismatch();
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX
        ? value
        : mismatch('int (32-bit integer)');
    case 'long':
    case 'abstract:long': {
      const exact = toExactLong(value);
      return exact !== undefined ? exact : mismatch('long (64-bit integer, as a number or a decimal string)');
    }
    case 'float':
    case 'double':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
      return mismatch(t.typeName);
    case 'string':
      return typeof value === 'string' ? value : mismatch();
    case 'bytes':
    case 'fixed': {
      const bytes = typeof value === 'string' ? parseBase64(value) : Buffer.isBuffer(value) ? value : undefined;
      if (!bytes || (t.typeName === 'fixed' && bytes.length !== t.size)) return mismatch();
      return bytes;
    }
    case 'enum':
      return typeof value === 'string' && (t.symbols ?? []).includes(value) ? value : mismatch();
    case 'array': {
      if (!Array.isArray(value)) return mismatch();
      return value.map((item, i) => fromJson(t.itemsType as avro.Type, item, [...path, i], errors));
    }
    case 'map': {
      if (!isPlainObject(value)) return mismatch();
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        out[key] = fromJson(t.valuesType as avro.Type, item, [...path, key], errors);
      return out;
    }
    case 'record':
    case 'error': {
      if (!isPlainObject(value)) return mismatch();
      const fields = t.fields ?? [];
      const known = new Set(fields.map((f) => f.name));
      for (const key of Object.keys(value)) {
        if (!known.has(key))
          errors.push({
            path: renderPath([...path, key]),
            expected: `no such field in ${typeLabel(type)}`,
            actual: renderActual(value[key]),
          });
      }
      const out: Record<string, unknown> = {};
      for (const field of fields) {
        if (value[field.name] === undefined) {
          if (Object.prototype.hasOwnProperty.call(field, 'defaultValue')) {
            out[field.name] = field.defaultValue();
          } else {
            errors.push({
              path: renderPath([...path, field.name]),
              expected: `${typeLabel(field.type)} (required, no default)`,
              actual: 'undefined',
            });
          }
          continue;
        }
        out[field.name] = fromJson(field.type, value[field.name], [...path, field.name], errors);
      }
      return out;
    }
    default:
      if (t.typeName.startsWith('union')) return unionFromJson(type, value, path, errors);
      if (t.typeName.startsWith('logical:')) return logicalFromJson(type as ReadableLogicalType, value, path, errors);
      if (t.underlyingType) return fromJson(t.underlyingType, value, path, errors);
      return mismatch();
  }
}

/** The readable form first (a decimal string, an ISO date), then the base form (bytes as base64, a day count). */
function logicalFromJson(
  type: ReadableLogicalType,
  value: unknown,
  path: (string | number)[],
  errors: FieldError[],
): unknown {
  if (value instanceof ReadableValue) value = value.base;
  const fromReadable = type.spec.fromReadable(value);
  if (fromReadable !== undefined) return fromReadable;
  if (!type.spec.claims?.(value)) {
    const scratch: FieldError[] = [];
    const base = fromJson(type.underlyingType, value, path, scratch);
    if (!scratch.length) return base;
  }
  errors.push({ path: renderPath(path), expected: typeLabel(type), actual: renderActual(value) });
  return undefined;
}

function unionFromJson(type: avro.Type, value: unknown, path: (string | number)[], errors: FieldError[]): unknown {
  const t = internals(type);
  const branches = t.types ?? [];
  const wrapped = t.typeName === 'union:wrapped';
  // Avro's JSON form: {"branchName": value} (always for ambiguous unions, which avsc wraps).
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const branch = branches.find((b) => internals(b).branchName === keys[0] || branchLabel(b) === keys[0]);
      if (branch) {
        const scratch: FieldError[] = [];
        const inner = fromJson(branch, value[keys[0]], [...path, keys[0]], scratch);
        if (!scratch.length) return wrapped ? { [internals(branch).branchName as string]: inner } : inner;
        if (wrapped || internals(branch).typeName !== 'map') {
          errors.push(...scratch);
          return undefined;
        }
      }
    }
  }
  for (const branch of branches) {
    const scratch: FieldError[] = [];
    const inner = fromJson(branch, value, path, scratch);
    if (!scratch.length)
      return wrapped ? (inner === null ? null : { [internals(branch).branchName as string]: inner }) : inner;
  }
  errors.push({ path: renderPath(path), expected: `one of ${typeLabel(type)}`, actual: renderActual(value) });
  return undefined;
}
