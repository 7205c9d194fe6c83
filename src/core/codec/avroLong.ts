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

/** Decodes the zig-zag varint in `bytes[start, end)`, exactly. */
function zigZagAt(bytes: Uint8Array, start: number, end: number): ExactLong {
  // Number arithmetic is exact while the running sum stays below 2^53 (every term is an exact integer).
  let z = 0;
  let scale = 1;
  for (let i = start; i < end; i++) {
    z += (bytes[i] & 0x7f) * scale;
    scale *= TWO_POW_7;
  }
  if (z <= Number.MAX_SAFE_INTEGER) return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  let big = 0n;
  let shift = 0n;
  for (let i = start; i < end; i++) {
    big |= BigInt(bytes[i] & 0x7f) << shift;
    shift += 7n;
  }
  big &= 0xffffffffffffffffn;
  const n = (big >> 1n) ^ -(big & 1n);
  return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** Decodes a zig-zag varint (as avsc hands it over with `noUnpack`: the raw bytes). */
export function readZigZag(bytes: Buffer): ExactLong {
  return zigZagAt(bytes, 0, bytes.length);
}

interface LongTap {
  buf: Buffer;
  pos: number;
}

/**
 * The read path, straight from avsc's tap: up to four bytes (|n| < 2^27, most longs) in int32
 * arithmetic like avsc's own long, anything longer exactly. It spares the Buffer slice avsc's
 * abstract long makes per value (which cost 40% of the decode time in the codec bench).
 */
function readExactLong(this: void, tap: LongTap): ExactLong {
  const buf = tap.buf;
  const start = tap.pos;
  let pos = start;
  let b = buf[pos++];
  let n = b & 0x7f;
  if (b & 0x80) {
    b = buf[pos++];
    n |= (b & 0x7f) << 7;
    if (b & 0x80) {
      b = buf[pos++];
      n |= (b & 0x7f) << 14;
      if (b & 0x80) {
        b = buf[pos++];
        n |= (b & 0x7f) << 21;
        if (b & 0x80) {
          // Longer: go on in float arithmetic as avsc does, which is exact while the sum stays
          // below 2^53; past that, read the bytes again as a BigInt. Past the buffer, avsc's
          // convention holds: pos beyond the end marks the body as truncated.
          let f = n;
          let scale = 268_435_456; // 2^28
          do {
            b = buf[pos++];
            f += (b & 0x7f) * scale;
            scale *= TWO_POW_7;
          } while (b & 0x80 && pos - start < 10);
          tap.pos = pos;
          if (pos > buf.length) return 0;
          return f <= Number.MAX_SAFE_INTEGER ? (f % 2 === 0 ? f / 2 : -(f + 1) / 2) : zigZagAt(buf, start, pos);
        }
      }
    }
  }
  tap.pos = pos;
  return (n >>> 1) ^ -(n & 1);
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
  return typeof value === 'number'
    ? Number.isSafeInteger(value)
    : typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
}

/** avsc's abstract long built by `LongType.__with`: BigInt semantics for writing, checks and JSON. */
const WITH_LONG: avro.Type = avro.types.LongType.__with(
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

/**
 * The one exact long type, given to avsc through the `registry` option (and the type hook) so every
 * `long` uses it: the `__with` type with the allocation-free read path above. avsc freezes the
 * `__with` type, so the read path sits on an object that inherits everything else from it.
 */
export const EXACT_LONG: avro.Type = Object.freeze(
  Object.create(WITH_LONG, { _read: { value: readExactLong } }),
) as avro.Type;
