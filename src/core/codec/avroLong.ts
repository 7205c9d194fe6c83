import * as avro from 'avsc';

/**
 * An Avro `long` that is exact over the whole int64 range. avsc's default long reads varints
 * through float arithmetic past 2^28: past 2^53 the low bit (which carries the zig-zag sign) is
 * lost, so a large negative long silently comes out positive. This type reads the varint bytes
 * itself: a JS number when the value is a safe integer (the common case, no allocation beyond
 * avsc's slice), a BigInt otherwise. Writing accepts numbers (safe integers), BigInts and
 * decimal strings.
 */

export type ExactLong = number | bigint;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_POW_7 = 128;

/** Decodes a zig-zag varint (as avsc hands it over with `noUnpack`: the raw bytes). */
export function readZigZag(bytes: Buffer): ExactLong {
  const length = bytes.length;
  if (length <= 7) {
    // At most 49 bits: number arithmetic is exact.
    let z = 0;
    let scale = 1;
    for (let i = 0; i < length; i++) {
      z += (bytes[i] & 0x7f) * scale;
      scale *= TWO_POW_7;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  let z = 0n;
  let shift = 0n;
  for (let i = 0; i < length; i++) {
    z |= BigInt(bytes[i] & 0x7f) << shift;
    shift += 7n;
  }
  z &= 0xffffffffffffffffn;
  const n = (z >> 1n) ^ -(z & 1n);
  return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** Encodes an int64 as a zig-zag varint. */
export function writeZigZag(value: ExactLong): Buffer {
  if (typeof value === 'number' && value < 2 ** 52 && value > -(2 ** 52)) {
    // z = 2|n| (+1) stays below 2^53, where number arithmetic is exact.
    let z = value >= 0 ? value * 2 : -value * 2 - 1;
    const out: number[] = [];
    while (z >= TWO_POW_7) {
      out.push((z % TWO_POW_7) | 0x80);
      z = Math.floor(z / TWO_POW_7);
    }
    out.push(z);
    return Buffer.from(out);
  }
  const big = BigInt(value);
  let z = ((big << 1n) ^ (big >> 63n)) & 0xffffffffffffffffn;
  const out: number[] = [];
  while (z >= 128n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

/** A number, BigInt or decimal string as an exact int64, or undefined when it is none or out of range. */
export function toExactLong(value: unknown): ExactLong | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'string' && /^[+-]?\d{1,20}$/.test(value)) big = BigInt(value);
  else return undefined;
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return big >= -BigInt(Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function isExactLong(value: unknown): boolean {
  return typeof value === 'number' ? Number.isSafeInteger(value) : typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
}

/** The one exact long type, given to avsc through the `registry` option so every `long` uses it. */
export const EXACT_LONG: avro.Type = avro.types.LongType.__with(
  {
    fromBuffer: readZigZag,
    toBuffer: writeZigZag,
    fromJSON: (json: unknown): ExactLong => {
      const exact = toExactLong(json);
      if (exact === undefined) throw new Error(`not an int64: ${String(json)}`);
      return exact;
    },
    // JSON numbers cannot carry a long past 2^53 exactly: those become decimal strings.
    toJSON: (value: ExactLong): number | string => (typeof value === 'number' ? value : value.toString()),
    isValid: isExactLong,
    compare: (a: ExactLong, b: ExactLong): number => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
);
