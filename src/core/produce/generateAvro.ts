import { RECENT_FROM_MS, RECENT_TO_MS, type SeededRandom } from './generateRandom';
import { GenerateError } from './generateErrors';

/**
 * Random valid Avro records, written in the form the codec reads back (readable logical types:
 * decimal strings within the precision and scale, ISO dates and times, uuid strings; longs as exact
 * decimal strings; bytes as base64; unions in Avro's JSON form {"branch": value}). Walking the schema
 * here rather than calling avsc's Type#random keeps the logical types valid and readable: avsc draws
 * a decimal as random bytes and a date as any int.
 */

type Schema = unknown;
type Named = Record<string, unknown>;

export interface GenerateBounds {
  /** Items in an array or entries in a map: 0 to this. */
  readonly maxItems: number;
  /** How deep a recursive record goes before it takes a non-recursive branch or empty collections. */
  readonly maxDepth: number;
}

export const DEFAULT_BOUNDS: GenerateBounds = { maxItems: 3, maxDepth: 4 };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class AvroGenerator {
  private readonly names = new Map<string, Named>();
  private readonly root: Schema;

  /** @param references the schema texts of its references, dependencies first. */
  constructor(
    schemaText: string,
    references: readonly string[] = [],
    private readonly bounds: GenerateBounds = DEFAULT_BOUNDS,
  ) {
    for (const text of references) this.index(parse(text), '');
    this.root = parse(schemaText);
    this.index(this.root, '');
  }

  generate(random: SeededRandom): unknown {
    return this.value(this.root, '', random, 0);
  }

  /** Records every named type (record, enum, fixed) by its full name. */
  private index(schema: Schema, namespace: string): void {
    if (Array.isArray(schema)) {
      for (const branch of schema) this.index(branch, namespace);
      return;
    }
    if (!isObject(schema)) return;
    const type = schema.type;
    if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
      const full = fullName(schema, namespace);
      this.names.set(full, schema);
      const ns = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
      if (Array.isArray(schema.fields))
        for (const field of schema.fields) if (isObject(field)) this.index(field.type, ns);
      return;
    }
    if (type === 'array') this.index(schema.items, namespace);
    else if (type === 'map') this.index(schema.values, namespace);
    else if (isObject(type) || Array.isArray(type)) this.index(type, namespace);
  }

  private lookup(name: string, namespace: string): { schema: Named; namespace: string } {
    const candidates = name.includes('.') ? [name] : [namespace ? `${namespace}.${name}` : name, name];
    for (const candidate of candidates) {
      const found = this.names.get(candidate);
      if (found) return { schema: found, namespace: namespaceOf(candidate) };
    }
    throw new GenerateError('unsupportedSchema', `The Avro schema names a type "${name}" it does not define.`);
  }

  private value(schema: Schema, namespace: string, random: SeededRandom, depth: number): unknown {
    if (typeof schema === 'string') {
      if (PRIMITIVES.has(schema)) return primitive(schema, random);
      const named = this.lookup(schema, namespace);
      return this.value(named.schema, named.namespace, random, depth);
    }
    if (Array.isArray(schema)) return this.union(schema, namespace, random, depth);
    if (!isObject(schema))
      throw new GenerateError(
        'unsupportedSchema',
        'The Avro schema has a type that is not a name, an object or a union.',
      );
    const type = schema.type;
    if (typeof schema.logicalType === 'string') {
      const logical = logicalValue(schema, this.names, namespace, random);
      if (logical !== undefined) return logical;
    }
    switch (type) {
      case 'record':
      case 'error': {
        const ns = namespaceOf(fullName(schema, namespace));
        const out: Record<string, unknown> = {};
        for (const field of (schema.fields as Named[] | undefined) ?? [])
          out[String(field.name)] = this.value(field.type, ns, random, depth + 1);
        return out;
      }
      case 'enum': {
        const symbols = (schema.symbols as string[] | undefined) ?? [];
        if (!symbols.length)
          throw new GenerateError('unsupportedSchema', `The Avro enum "${String(schema.name)}" has no symbols.`);
        return random.pick(symbols);
      }
      case 'fixed':
        return random.bytes(Number(schema.size)).toString('base64');
      case 'array': {
        const count = depth >= this.bounds.maxDepth ? 0 : random.int(0, this.bounds.maxItems);
        return Array.from({ length: count }, () => this.value(schema.items, namespace, random, depth + 1));
      }
      case 'map': {
        const count = depth >= this.bounds.maxDepth ? 0 : random.int(0, this.bounds.maxItems);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < count; i++)
          out[`${random.pick(KEYS)}-${i}`] = this.value(schema.values, namespace, random, depth + 1);
        return out;
      }
      default:
        return this.value(type, namespace, random, depth);
    }
  }

  private union(branches: readonly Schema[], namespace: string, random: SeededRandom, depth: number): unknown {
    if (!branches.length) throw new GenerateError('unsupportedSchema', 'The Avro schema has an empty union.');
    // Deep in a recursive record, prefer null (or any branch that does not recurse) to end the recursion.
    const pool = depth >= this.bounds.maxDepth && branches.some((b) => b === 'null') ? ['null'] : branches;
    const branch = random.pick(pool);
    const value = this.value(branch, namespace, random, depth);
    if (branch === 'null') return null;
    return { [this.branchName(branch, namespace)]: value };
  }

  private branchName(branch: Schema, namespace: string): string {
    if (typeof branch === 'string')
      return PRIMITIVES.has(branch) ? branch : fullNameOfRef(branch, namespace, this.names);
    if (isObject(branch)) {
      const type = branch.type;
      if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed')
        return fullName(branch, namespace);
      if (typeof type === 'string')
        return PRIMITIVES.has(type) || type === 'array' || type === 'map'
          ? type
          : fullNameOfRef(type, namespace, this.names);
    }
    throw new GenerateError('unsupportedSchema', 'The Avro schema has a union branch that is itself a union.');
  }
}

const KEYS = ['eu', 'us', 'apac', 'key', 'id'];

function parse(text: string): Schema {
  try {
    return JSON.parse(text) as Schema;
  } catch (error) {
    throw new GenerateError('unsupportedSchema', `The Avro schema is not valid JSON (${(error as Error).message}).`);
  }
}

function isObject(value: unknown): value is Named {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fullName(schema: Named, namespace: string): string {
  const name = String(schema.name);
  if (name.includes('.')) return name;
  const ns = typeof schema.namespace === 'string' ? schema.namespace : namespace;
  return ns ? `${ns}.${name}` : name;
}

function namespaceOf(full: string): string {
  return full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : '';
}

function fullNameOfRef(name: string, namespace: string, names: ReadonlyMap<string, Named>): string {
  if (name.includes('.')) return name;
  const qualified = namespace ? `${namespace}.${name}` : name;
  return names.has(qualified) ? qualified : name;
}

function primitive(type: string, random: SeededRandom): unknown {
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return random.bool();
    case 'int':
      return random.int(-(2 ** 31), 2 ** 31 - 1);
    case 'long':
      // Now and then the edges of int64, which a consumer in JavaScript gets wrong.
      return (
        random.next() < 0.2 ? random.pick([INT64_MIN, INT64_MAX, 2n ** 53n + 1n]) : random.bigint(INT64_MIN, INT64_MAX)
      ).toString();
    case 'float':
      return Math.fround(random.int(-1_000_000, 1_000_000) / 8);
    case 'double':
      return random.int(-1_000_000_000, 1_000_000_000) / 1024;
    case 'bytes':
      return random.bytes(random.int(0, 16)).toString('base64');
    default:
      return random.words();
  }
}

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

/** A random instant in the recent window, in microseconds. */
function recentMicros(random: SeededRandom): bigint {
  return BigInt(random.int(RECENT_FROM_MS, RECENT_TO_MS - 1)) * 1000n + BigInt(random.int(0, 999));
}

function isoOf(micros: bigint, digits: 3 | 6, zone: boolean): string {
  const ms = Number(micros / 1000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const fraction = digits === 3 ? pad(ms % 1000, 3) : pad(micros % 1_000_000n, 6);
  return `${base}.${fraction}${zone ? 'Z' : ''}`;
}

/** The readable value of a logical type, or undefined to use the base type (unknown or invalid logical type). */
function logicalValue(
  schema: Named,
  names: ReadonlyMap<string, Named>,
  namespace: string,
  random: SeededRandom,
): unknown {
  let base = schema.type;
  let fixedSize: number | undefined = base === 'fixed' ? Number(schema.size) : undefined;
  if (typeof base === 'string' && !PRIMITIVES.has(base) && base !== 'fixed') {
    const named = names.get(fullNameOfRef(base, namespace, names));
    if (named?.type === 'fixed') {
      base = 'fixed';
      fixedSize = Number(named.size);
    }
  }
  switch (schema.logicalType) {
    case 'decimal': {
      const precision = Number(schema.precision);
      const scale = schema.scale === undefined ? 0 : Number(schema.scale);
      if (!Number.isInteger(precision) || precision < 1 || !Number.isInteger(scale) || scale < 0 || scale > precision)
        return undefined;
      if (base !== 'bytes' && base !== 'fixed') return undefined;
      // A fixed holds at most floor(log10(2^(8*size-1) - 1)) digits.
      const fits = fixedSize !== undefined ? Math.floor((8 * fixedSize - 1) * Math.log10(2)) : precision;
      const digits = random.int(1, Math.max(1, Math.min(precision, fits)));
      const magnitude = random.bigint(0n, 10n ** BigInt(digits) - 1n);
      const unscaled = random.bool() ? -magnitude : magnitude;
      return decimalString(unscaled, scale);
    }
    case 'date':
      return base === 'int'
        ? new Date(random.int(RECENT_FROM_MS, RECENT_TO_MS - 1)).toISOString().slice(0, 10)
        : undefined;
    case 'time-millis':
    case 'time-micros': {
      if (schema.logicalType === 'time-millis' ? base !== 'int' : base !== 'long') return undefined;
      const ms = random.int(0, 86_399_999);
      const clock = new Date(ms).toISOString().slice(11, 19);
      return schema.logicalType === 'time-millis'
        ? `${clock}.${pad(ms % 1000, 3)}`
        : `${clock}.${pad(ms % 1000, 3)}${pad(random.int(0, 999), 3)}`;
    }
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'local-timestamp-millis':
    case 'local-timestamp-micros': {
      if (base !== 'long') return undefined;
      const name = schema.logicalType;
      return isoOf(recentMicros(random), name.endsWith('millis') ? 3 : 6, !name.startsWith('local-'));
    }
    case 'uuid':
      return base === 'string' || (base === 'fixed' && fixedSize === 16) ? random.uuid() : undefined;
    case 'duration':
      return base === 'fixed' && fixedSize === 12
        ? { months: random.int(0, 24), days: random.int(0, 31), milliseconds: random.int(0, 86_399_999) }
        : undefined;
    default:
      return undefined;
  }
}

function decimalString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}
