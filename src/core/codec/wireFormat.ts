import { WireFormatError } from './codecErrors';

/**
 * The Confluent Schema Registry wire format: one magic byte (0), the schema id as a 4-byte
 * big-endian integer, then the serialized payload. Protobuf payloads also carry, before the
 * message bytes, the list of message indexes that locates the message type inside its schema.
 */
export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;
/** Confluent schema ids are positive signed 32-bit integers. */
export const MAX_SCHEMA_ID = 0x7fffffff;

export interface WireFrame {
  readonly schemaId: number;
  /** The bytes after the 5-byte header; a view on the input, not a copy. */
  readonly payload: Buffer;
}

export type FrameResult = { ok: true; frame: WireFrame } | { ok: false; error: WireFormatError };

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Cheap check used by auto-detection: could these bytes be a framed record at all? */
export function looksFramed(bytes: Uint8Array | null | undefined): boolean {
  return !!bytes && bytes.length >= HEADER_SIZE && bytes[0] === MAGIC_BYTE;
}

/** Splits a framed record into schema id and payload. Never throws: errors are returned as values. */
export function parseFrame(bytes: Uint8Array | null | undefined): FrameResult {
  if (!bytes || bytes.length < HEADER_SIZE) {
    const size = bytes ? bytes.length : 0;
    return {
      ok: false,
      error: new WireFormatError(
        'tooShort',
        `The record has ${size} byte${size === 1 ? '' : 's'}; a Schema Registry record needs at least ${HEADER_SIZE} (magic byte + 4-byte schema id). Decode it as text or binary instead.`,
      ),
    };
  }
  if (bytes[0] !== MAGIC_BYTE) {
    return {
      ok: false,
      error: new WireFormatError(
        'wrongMagicByte',
        `The first byte is 0x${bytes[0].toString(16).padStart(2, '0')}, not the Schema Registry magic byte 0x00: the record was not written by a Schema Registry serializer. Decode it as JSON, text or binary instead.`,
      ),
    };
  }
  const buffer = asBuffer(bytes);
  const schemaId = buffer.readInt32BE(1);
  if (schemaId < 0) {
    return {
      ok: false,
      error: new WireFormatError(
        'schemaIdOutOfRange',
        `The schema id field holds ${schemaId}, which no registry issues: the bytes are probably not a Schema Registry record.`,
      ),
    };
  }
  return { ok: true, frame: { schemaId, payload: buffer.subarray(HEADER_SIZE) } };
}

/** Prepends the 5-byte header to an already serialized payload. */
export function encodeFrame(schemaId: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > MAX_SCHEMA_ID) {
    throw new RangeError(`Schema id must be an integer between 0 and ${MAX_SCHEMA_ID}, got ${schemaId}.`);
  }
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  out.set(payload, HEADER_SIZE);
  return out;
}

// --- Protobuf message indexes ------------------------------------------------------------------
// After the header, a Protobuf record holds a zigzag-varint count followed by that many zigzag-varint
// indexes (the path to the message type through nested declarations). The common case, the first
// top-level message, is written as the single byte 0 (an empty list meaning [0]).

export interface MessageIndexes {
  readonly indexes: readonly number[];
  /** Offset into the payload where the Protobuf message bytes begin. */
  readonly messageOffset: number;
}

export type MessageIndexesResult = { ok: true; value: MessageIndexes } | { ok: false; error: WireFormatError };

/** A Protobuf schema cannot nest deeper than this in practice; a larger count means corrupt bytes. */
const MAX_INDEX_COUNT = 1024;

function readZigZagVarint(bytes: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let raw = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && shift <= 28; i++) {
    const byte = bytes[i];
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      const value = (raw >>> 1) ^ -(raw & 1);
      return { value, next: i + 1 };
    }
    shift += 7;
  }
  return undefined;
}

function writeZigZagVarint(value: number, out: number[]): void {
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  while (raw > 0x7f) {
    out.push((raw & 0x7f) | 0x80);
    raw >>>= 7;
  }
  out.push(raw);
}

export function readMessageIndexes(payload: Uint8Array): MessageIndexesResult {
  const truncated = (detail: string): MessageIndexesResult => ({
    ok: false,
    error: new WireFormatError(
      'truncatedIndexList',
      `The Protobuf message-index list is corrupt (${detail}): the record is truncated or was not written by a Protobuf Schema Registry serializer.`,
    ),
  });
  const count = readZigZagVarint(payload, 0);
  if (!count) return truncated('no complete count');
  if (count.value === 0) return { ok: true, value: { indexes: [0], messageOffset: count.next } };
  if (count.value < 0 || count.value > MAX_INDEX_COUNT) return truncated(`count ${count.value}`);
  const indexes: number[] = [];
  let offset = count.next;
  for (let i = 0; i < count.value; i++) {
    const index = readZigZagVarint(payload, offset);
    if (!index) return truncated(`index ${i + 1} of ${count.value} missing`);
    if (index.value < 0) return truncated(`negative index ${index.value}`);
    indexes.push(index.value);
    offset = index.next;
  }
  return { ok: true, value: { indexes, messageOffset: offset } };
}

export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.some((i) => !Number.isInteger(i) || i < 0)) {
    throw new RangeError(`Message indexes must be non-negative integers, got [${indexes.join(', ')}].`);
  }
  if (indexes.length === 0 || (indexes.length === 1 && indexes[0] === 0)) return Buffer.from([0]);
  const out: number[] = [];
  writeZigZagVarint(indexes.length, out);
  for (const index of indexes) writeZigZagVarint(index, out);
  return Buffer.from(out);
}
