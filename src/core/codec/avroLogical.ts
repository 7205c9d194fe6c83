import * as avro from 'avsc';
import { internals } from './avroInternals';
import { toExactLong } from './avroLong';
import { isoDate, isoTime, isoTimestamp, parseIsoDate, parseIsoTime, parseIsoTimestamp } from './calendar';
import { noReadable, readable, ReadableValue, type Readable, type ReadableKind } from './readableValue';

/**
 * Avro logical types, read into ReadableValues (readable form on demand, base value kept) and
 * written from either form. A logical type this codec does not know, or a known one with invalid
 * parameters, keeps its base type and its name: the spec says to fall back to the base type, and
 * the developer should still see which logical type the schema meant.
 */

/** What one logical type on one base type does. */
export interface LogicalSpec extends ReadableKind {
  readonly name: string;
  /** How the schema reads in field errors, e.g. `decimal(12, 2) as a decimal string`. */
  readonly label: string;
  readonly format: (base: unknown) => Readable;
  /** The base value for an input in readable form, or undefined when `input` is not one. */
  readonly fromReadable: (input: unknown) => unknown;
  /** True when `input` is written in the readable form's syntax, so it must not be taken as a base form. */
  readonly claims?: (input: unknown) => boolean;
  /** The readable form is the base value itself (a uuid string): values are not wrapped at all. */
  readonly asIs?: boolean;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

// ------------------------------------------------------------------------------------- decimal

/** Two's-complement big-endian bytes to an integer. */
function unscaledOf(bytes: Buffer): bigint | number {
  if (bytes.length === 0) return 0;
  if (bytes.length <= 6) return bytes.readIntBE(0, bytes.length);
  let n = BigInt(`0x${bytes.toString('hex')}`);
  if (bytes[0] & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

function decimalText(unscaled: bigint | number, scale: number): string {
  const negative = unscaled < 0;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0 && digits !== '0') {
    digits += '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

/** The minimal two's-complement big-endian bytes of `n` (one byte at least), or exactly `size` bytes. */
function twosComplement(n: bigint, size?: number): Buffer | undefined {
  let bytes = 1;
  while (n < -(1n << BigInt(bytes * 8 - 1)) || n >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  if (size !== undefined) {
    if (bytes > size) return undefined;
    bytes = size;
  }
  const wrapped = n < 0n ? (1n << BigInt(bytes * 8)) + n : n;
  return Buffer.from(wrapped.toString(16).padStart(bytes * 2, '0'), 'hex');
}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,4}))?$/;

/** The unscaled integer of a decimal string at `scale`, or undefined when it needs more precision. */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return undefined;
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  // value = digits × 10^(exp - fraction length); unscaled = value × 10^scale
  const digits = BigInt(whole + fraction);
  const shift = Number(exponent) - fraction.length + scale;
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    if (digits % divisor !== 0n) return undefined; // more decimal places than the scale: refused, not rounded
    unscaled = digits / divisor;
  }
  return sign === '-' ? -unscaled : unscaled;
}

function decimalSpec(precision: number, scale: number, size: number | undefined): LogicalSpec {
  const limit = 10n ** BigInt(precision);
  return {
    name: 'decimal',
    label: `decimal(${precision}, ${scale}) as a decimal string${size !== undefined ? ` (fixed ${size} bytes)` : ''}`,
    format: (base) => readable(decimalText(unscaledOf(base as Buffer), scale)),
    fromReadable: (input) => {
      const text =
        typeof input === 'number' && Number.isFinite(input)
          ? String(input)
          : typeof input === 'bigint'
            ? input.toString()
            : input;
      if (typeof text !== 'string') return undefined;
      const unscaled = parseDecimal(text, scale);
      if (unscaled === undefined || unscaled >= limit || unscaled <= -limit) return undefined;
      return twosComplement(unscaled, size);
    },
    // "1234" is valid base64 too: a decimal-looking string out of range is an error, never bytes.
    claims: (input) =>
      typeof input === 'number' || typeof input === 'bigint' || (typeof input === 'string' && DECIMAL_TEXT.test(input)),
  };
}

// ---------------------------------------------------------------------------- dates and times

const dateSpec: LogicalSpec = {
  name: 'date',
  label: 'date as YYYY-MM-DD (or days since 1970-01-01)',
  format: (base) => readable(isoDate(base as number)),
  fromReadable: (input) => {
    if (typeof input !== 'string') return undefined;
    const days = parseIsoDate(input);
    return days !== undefined && days >= INT_MIN && days <= INT_MAX ? days : undefined;
  },
};

function timeSpec(name: string, digits: number, long: boolean): LogicalSpec {
  const perDay = 86_400 * 10 ** digits;
  return {
    name,
    label: `${name} as HH:MM:SS${digits === 3 ? '.sss' : '.ssssss'} (or ${digits === 3 ? 'milliseconds' : 'microseconds'} since midnight)`,
    format: (base) => {
      const units = Number(base);
      return units >= 0 && units < perDay
        ? readable(isoTime(units, digits))
        : noReadable(
            `${String(base)} is outside a day (0 to ${perDay - 1}), so it is shown as the ${long ? 'long' : 'int'} it is`,
          );
    },
    fromReadable: (input) => {
      if (typeof input !== 'string') return undefined;
      const units = parseIsoTime(input, digits);
      return units === undefined ? undefined : Number(units);
    },
  };
}

function timestampSpec(name: string, digits: number, utc: boolean): LogicalSpec {
  const unit = digits === 3 ? 'milliseconds' : digits === 6 ? 'microseconds' : 'nanoseconds';
  return {
    name,
    label: `${name} as ISO 8601${utc ? ' with a zone (Z or ±HH:MM)' : ' without a zone'} (or ${unit} since the epoch)`,
    format: (base) => readable(isoTimestamp(base as number | bigint, digits, utc)),
    fromReadable: (input) => {
      if (typeof input !== 'string') return undefined;
      const units = parseIsoTimestamp(input, digits, utc);
      return units === undefined ? undefined : toExactLong(units);
    },
  };
}

// ------------------------------------------------------------------------------ uuid, duration

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const uuidStringSpec: LogicalSpec = {
  name: 'uuid',
  label: 'uuid as a string',
  format: (base) => readable(base),
  fromReadable: (input) => (typeof input === 'string' ? input : undefined),
  asIs: true,
};

const uuidFixedSpec: LogicalSpec = {
  name: 'uuid',
  label: 'uuid as 8-4-4-4-12 hex (fixed 16 bytes)',
  format: (base) => {
    const hex = (base as Buffer).toString('hex');
    return readable(
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    );
  },
  fromReadable: (input) =>
    typeof input === 'string' && UUID.test(input) ? Buffer.from(input.replace(/-/g, ''), 'hex') : undefined,
};

const UINT32_MAX = 2 ** 32 - 1;

const durationSpec: LogicalSpec = {
  name: 'duration',
  label: 'duration as {"months", "days", "milliseconds"} (each 0 to 4294967295)',
  format: (base) => {
    const bytes = base as Buffer;
    return readable({
      months: bytes.readUInt32LE(0),
      days: bytes.readUInt32LE(4),
      milliseconds: bytes.readUInt32LE(8),
    });
  },
  fromReadable: (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input) || Buffer.isBuffer(input)) return undefined;
    const { months, days, milliseconds, ...rest } = input as Record<string, unknown>;
    const parts = [months ?? 0, days ?? 0, milliseconds ?? 0];
    if (
      Object.keys(rest).length ||
      !parts.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= UINT32_MAX)
    )
      return undefined;
    const out = Buffer.alloc(12);
    parts.forEach((p, i) => out.writeUInt32LE(p as number, i * 4));
    return out;
  },
};

/** A logical type kept at its base type, named. */
function baseSpec(name: string, why: string): LogicalSpec {
  return {
    name,
    label: `${name} (${why}; its base type)`,
    format: () => noReadable(`logical type "${name}" ${why}: shown as its base type`),
    fromReadable: () => undefined,
  };
}

// ------------------------------------------------------------------------------- spec lookup

function specFor(schema: Record<string, unknown>, base: avro.Type): LogicalSpec {
  const name = String(schema.logicalType);
  const baseName = internals(base).typeName;
  const isLong = baseName === 'long' || baseName === 'abstract:long';
  const size = internals(base).size;
  const unsupported = (): LogicalSpec => baseSpec(name, `is not defined on ${baseName}`);
  switch (name) {
    case 'decimal': {
      if (baseName !== 'bytes' && baseName !== 'fixed') return unsupported();
      const precision = schema.precision;
      const scale = schema.scale ?? 0;
      if (
        typeof precision !== 'number' ||
        !Number.isInteger(precision) ||
        precision < 1 ||
        typeof scale !== 'number' ||
        !Number.isInteger(scale)
      ) {
        return baseSpec(
          name,
          `has an invalid precision or scale (${JSON.stringify(precision)}, ${JSON.stringify(scale)})`,
        );
      }
      return decimalSpec(precision, scale, baseName === 'fixed' ? size : undefined);
    }
    case 'date':
      return baseName === 'int' ? dateSpec : unsupported();
    case 'time-millis':
      return baseName === 'int' ? timeSpec(name, 3, false) : unsupported();
    case 'time-micros':
      return isLong ? timeSpec(name, 6, true) : unsupported();
    case 'timestamp-millis':
    case 'timestamp-micros':
    case 'timestamp-nanos':
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
    case 'local-timestamp-nanos': {
      if (!isLong) return unsupported();
      const digits = name.endsWith('millis') ? 3 : name.endsWith('micros') ? 6 : 9;
      return timestampSpec(name, digits, !name.startsWith('local-'));
    }
    case 'uuid':
      if (baseName === 'string') return uuidStringSpec;
      return baseName === 'fixed' && size === 16 ? uuidFixedSpec : unsupported();
    case 'duration':
      return baseName === 'fixed' && size === 12 ? durationSpec : unsupported();
    default:
      return baseSpec(name, 'is not known to this codec');
  }
}

/** Schemas whose logical type is being built: the nested forSchema call must build the base type. */
const building = new WeakSet<object>();

/** An avsc logical type that reads ReadableValues and writes ReadableValues or base values. */
export class ReadableLogicalType extends avro.types.LogicalType {
  readonly spec: LogicalSpec;
  // The base type, held directly: read once per value, on the hot path.
  readonly #base: { _read(tap: unknown): unknown };

  constructor(schema: Record<string, unknown>, opts: avro.ForSchemaOptions) {
    building.add(schema);
    try {
      super(schema as avro.Schema, opts);
    } finally {
      building.delete(schema);
    }
    const spec = specFor(schema, this.underlyingType);
    this.spec = spec;
    this.#base = internals(this.underlyingType) as unknown as { _read(tap: unknown): unknown };
    // A reference to a named fixed by name means the same logical type.
    const name = internals(this.underlyingType).name;
    if (name && opts.registry) opts.registry[name] = this;
  }

  /** avsc's LogicalType reads through the underlyingType getter and _fromValue; this is the same in one step. */
  _read(tap: unknown): unknown {
    const base = this.#base._read(tap);
    return this.spec.asIs ? base : new ReadableValue(this.spec, base);
  }

  protected override _fromValue(value: unknown): unknown {
    return this.spec.asIs ? value : new ReadableValue(this.spec, value);
  }

  protected override _toValue(value: unknown): unknown {
    return value instanceof ReadableValue ? value.base : value;
  }

  protected override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    return internals(type).typeName === internals(this.underlyingType).typeName
      ? (value) => this._fromValue(value)
      : undefined;
  }
}

/** The typeHook part for logical types (avroTypes.ts combines the hooks). */
export function logicalTypeFor(schema: Record<string, unknown>, opts: avro.ForSchemaOptions): avro.Type | undefined {
  if (typeof schema.logicalType !== 'string' || building.has(schema)) return undefined;
  return new ReadableLogicalType(schema, opts);
}
