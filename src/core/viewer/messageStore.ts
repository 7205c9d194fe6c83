import type { PayloadFormat } from '../codec/decodeResult';
import type { Headers, KafkaRecord } from '../kafka/record';
import type { DecodeStatus } from './types';

/** The ring buffer's bounds (ViewerOptions.capacity). */
export const DEFAULT_CAPACITY = 100_000;
export const MAX_CAPACITY = 1_000_000;

/** Raw bytes live in slabs of this size; a message larger than a quarter of it gets a slab of its own. */
export const SLAB_BYTES = 4 * 1024 * 1024;
/** Emptied slabs kept for reuse, so a live tail through a full ring allocates nothing. */
const SPARE_SLABS = 4;

export const formatCodes: readonly PayloadFormat[] = [
  'null',
  'json',
  'text',
  'binary',
  'avro',
  'protobuf',
  'jsonSchema',
];
const formatCode = new Map(formatCodes.map((format, code) => [format, code]));
export const statusCodes: readonly DecodeStatus[] = ['ok', 'error', 'null'];
const statusCode = new Map(statusCodes.map((status, code) => [status, code]));

/** What ingest learned by decoding a message: kept in two bytes, the rest is decoded again on demand. */
export interface IngestMeta {
  readonly keyFormat: PayloadFormat;
  readonly valueFormat: PayloadFormat;
  readonly status: DecodeStatus;
}

interface Slab {
  readonly bytes: Buffer;
  /** Messages in the ring whose bytes are in this slab. */
  live: number;
  /** Bytes written so far (the write position). */
  used: number;
}

export function validateCapacity(capacity: number | undefined): number {
  const value = capacity ?? DEFAULT_CAPACITY;
  if (!Number.isInteger(value) || value < 1 || value > MAX_CAPACITY)
    throw new RangeError(
      `The viewer's buffer capacity must be a whole number from 1 to ${MAX_CAPACITY.toLocaleString('en-US')} (got ${value}).`,
    );
  return value;
}

/**
 * The viewer's ring buffer. Each message has a sequence number (its arrival order in this viewer);
 * seq lives in slot seq % capacity. What a filter, a sort or the histogram reads per message sits
 * in typed-array columns (partition, offset, timestamp, sizes, formats, status); the key, value
 * and header bytes are copied into large shared slabs, so a million messages are a few hundred
 * objects for the garbage collector instead of millions. Rows and details are decoded again from
 * these bytes when asked for. When the ring is full the oldest message is dropped (and counted),
 * and a slab whose messages are all dropped is reused.
 */
export class MessageStore {
  readonly capacity: number;
  readonly partition: Int32Array;
  readonly offset: Float64Array;
  /** ms since the epoch; NaN when the record has none. */
  readonly timestamp: Float64Array;
  private readonly slabId: Uint32Array;
  private readonly start: Uint32Array;
  /** -1 for a null key or value. */
  private readonly keyLength: Int32Array;
  private readonly valueLength: Int32Array;
  /** Length of the packed headers (0: none). */
  private readonly headersLength: Uint32Array;
  readonly keyFormat: Uint8Array;
  readonly valueFormat: Uint8Array;
  readonly status: Uint8Array;

  private readonly slabs = new Map<number, Slab>();
  private readonly spare: Buffer[] = [];
  private current: Slab | undefined;
  private currentId = -1;
  private nextSlabId = 0;

  /** The oldest sequence number still buffered, and the next one to be given out. */
  private first = 0;
  private next = 0;
  private droppedCount = 0;

  constructor(capacity: number = DEFAULT_CAPACITY) {
    this.capacity = validateCapacity(capacity);
    const n = this.capacity;
    this.partition = new Int32Array(n);
    this.offset = new Float64Array(n);
    this.timestamp = new Float64Array(n);
    this.slabId = new Uint32Array(n);
    this.start = new Uint32Array(n);
    this.keyLength = new Int32Array(n);
    this.valueLength = new Int32Array(n);
    this.headersLength = new Uint32Array(n);
    this.keyFormat = new Uint8Array(n);
    this.valueFormat = new Uint8Array(n);
    this.status = new Uint8Array(n);
  }

  get firstSeq(): number {
    return this.first;
  }

  get nextSeq(): number {
    return this.next;
  }

  get size(): number {
    return this.next - this.first;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Bytes held in slabs (in use or spare): the store's memory besides its fixed columns. */
  get slabBytes(): number {
    let total = 0;
    for (const slab of this.slabs.values()) total += slab.bytes.length;
    for (const spare of this.spare) total += spare.length;
    return total;
  }

  has(seq: number): boolean {
    return Number.isInteger(seq) && seq >= this.first && seq < this.next;
  }

  slotOf(seq: number): number {
    return seq % this.capacity;
  }

  /** Stores a record, dropping the oldest when full; returns its sequence number. */
  append(record: KafkaRecord, meta: IngestMeta): number {
    if (this.next - this.first === this.capacity) this.dropOldest();
    const key = record.key;
    const value = record.value;
    const headers = record.headers;
    const headerBytes = headers && headers.length > 0 ? packedHeadersLength(headers) : 0;
    const total = (key ? key.length : 0) + (value ? value.length : 0) + headerBytes;
    const id = this.reserve(total);
    const slab = this.slabs.get(id)!;
    const at = slab.used;
    let write = at;
    if (key) write += key.copy(slab.bytes, write);
    if (value) write += value.copy(slab.bytes, write);
    if (headerBytes > 0) write = packHeaders(headers!, slab.bytes, write);
    slab.used = write;
    slab.live++;

    const seq = this.next++;
    const slot = seq % this.capacity;
    this.partition[slot] = record.partition;
    this.offset[slot] = record.offset;
    this.timestamp[slot] = record.timestamp ?? NaN;
    this.slabId[slot] = id;
    this.start[slot] = at;
    this.keyLength[slot] = key ? key.length : -1;
    this.valueLength[slot] = value ? value.length : -1;
    this.headersLength[slot] = headerBytes;
    this.keyFormat[slot] = formatCode.get(meta.keyFormat) ?? 0;
    this.valueFormat[slot] = formatCode.get(meta.valueFormat) ?? 0;
    this.status[slot] = statusCode.get(meta.status) ?? 0;
    return seq;
  }

  /** Changes what ingest recorded (a message decoded again once its schema could be fetched). */
  update(seq: number, meta: IngestMeta): void {
    if (!this.has(seq)) return;
    const slot = seq % this.capacity;
    this.keyFormat[slot] = formatCode.get(meta.keyFormat) ?? 0;
    this.valueFormat[slot] = formatCode.get(meta.valueFormat) ?? 0;
    this.status[slot] = statusCode.get(meta.status) ?? 0;
  }

  /** Key + value + header bytes as stored. */
  sizeOf(slot: number): number {
    return Math.max(0, this.keyLength[slot]!) + Math.max(0, this.valueLength[slot]!) + this.headersLength[slot]!;
  }

  formatOf(slot: number): PayloadFormat {
    return formatCodes[this.valueFormat[slot]!]!;
  }

  keyFormatOf(slot: number): PayloadFormat {
    return formatCodes[this.keyFormat[slot]!]!;
  }

  statusOf(slot: number): DecodeStatus {
    return statusCodes[this.status[slot]!]!;
  }

  /** The slab and byte range of the key (a view, not a copy); undefined for a null key. */
  keyRange(slot: number): { bytes: Buffer; start: number; end: number } | undefined {
    const length = this.keyLength[slot]!;
    if (length < 0) return undefined;
    const start = this.start[slot]!;
    return { bytes: this.slabs.get(this.slabId[slot]!)!.bytes, start, end: start + length };
  }

  valueRange(slot: number): { bytes: Buffer; start: number; end: number } | undefined {
    const length = this.valueLength[slot]!;
    if (length < 0) return undefined;
    const start = this.start[slot]! + Math.max(0, this.keyLength[slot]!);
    return { bytes: this.slabs.get(this.slabId[slot]!)!.bytes, start, end: start + length };
  }

  /** The slab holding a slot's bytes, and where its packed headers start and end. */
  headersRange(slot: number): { bytes: Buffer; start: number; end: number } {
    const start = this.start[slot]! + Math.max(0, this.keyLength[slot]!) + Math.max(0, this.valueLength[slot]!);
    return { bytes: this.slabs.get(this.slabId[slot]!)!.bytes, start, end: start + this.headersLength[slot]! };
  }

  /** The key bytes as a Buffer view over the slab (valid while the message is buffered; copy to keep). */
  key(slot: number): Buffer | null {
    const r = this.keyRange(slot);
    return r ? r.bytes.subarray(r.start, r.end) : null;
  }

  value(slot: number): Buffer | null {
    const r = this.valueRange(slot);
    return r ? r.bytes.subarray(r.start, r.end) : null;
  }

  /** The headers, in order, with their values as Buffer views over the slab. */
  headers(slot: number): Headers {
    const r = this.headersRange(slot);
    return r.end > r.start ? unpackHeaders(r.bytes, r.start, r.end) : [];
  }

  /** Visits each header's name and value ranges without allocating; stops when `visit` returns true. */
  someHeader(
    slot: number,
    visit: (bytes: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number) => boolean,
  ): boolean {
    const r = this.headersRange(slot);
    const b = r.bytes;
    let at = r.start;
    while (at < r.end) {
      const nameLength = b.readUInt32LE(at);
      const nameStart = at + 4;
      const valueLength = b.readUInt32LE(nameStart + nameLength);
      const valueStart = nameStart + nameLength + 4;
      if (visit(b, nameStart, nameStart + nameLength, valueStart, valueStart + valueLength)) return true;
      at = valueStart + valueLength;
    }
    return false;
  }

  /** A copy of the stored record (for Start Session Here, Replay, Produce Copy: it outlives the ring). */
  record(seq: number, topic: string): KafkaRecord | undefined {
    if (!this.has(seq)) return undefined;
    const slot = seq % this.capacity;
    const key = this.key(slot);
    const value = this.value(slot);
    const headers = this.headers(slot).map((h) => {
      const name = Object.keys(h)[0]!;
      return { [name]: Buffer.from(h[name] as Buffer) };
    });
    const timestamp = this.timestamp[slot]!;
    return {
      topic,
      partition: this.partition[slot]!,
      offset: this.offset[slot]!,
      ...(Number.isNaN(timestamp) ? {} : { timestamp }),
      key: key ? Buffer.from(key) : null,
      value: value ? Buffer.from(value) : null,
      ...(headers.length > 0 ? { headers } : {}),
    };
  }

  /** Frees everything: the columns stay allocated (fixed size), the slabs go. */
  clear(): void {
    this.slabs.clear();
    this.spare.length = 0;
    this.current = undefined;
    this.currentId = -1;
    this.first = this.next;
  }

  private dropOldest(): void {
    const slot = this.first % this.capacity;
    const id = this.slabId[slot]!;
    const slab = this.slabs.get(id);
    if (slab && --slab.live === 0 && id !== this.currentId) {
      this.slabs.delete(id);
      if (slab.bytes.length === SLAB_BYTES && this.spare.length < SPARE_SLABS) this.spare.push(slab.bytes);
    }
    this.first++;
    this.droppedCount++;
  }

  /** A slab with room for `bytes`; returns its id. */
  private reserve(bytes: number): number {
    if (bytes > SLAB_BYTES / 4) {
      // A large message gets its own slab, so it never strands a mostly empty shared one.
      const id = this.nextSlabId++;
      this.slabs.set(id, { bytes: Buffer.allocUnsafeSlow(bytes), live: 0, used: 0 });
      return id;
    }
    const current = this.current;
    if (current && current.used + bytes <= current.bytes.length) return this.currentId;
    if (current && current.live === 0) this.slabs.delete(this.currentId);
    const id = this.nextSlabId++;
    const slab: Slab = { bytes: this.spare.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES), live: 0, used: 0 };
    this.slabs.set(id, slab);
    this.current = slab;
    this.currentId = id;
    return id;
  }
}

// Headers are packed as [u32 name length][name][u32 value length][value], repeated.

function packedHeadersLength(headers: Headers): number {
  let total = 0;
  for (const header of headers) {
    for (const name in header) {
      const value = header[name]!;
      total +=
        8 +
        Buffer.byteLength(name, 'utf8') +
        (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length);
    }
  }
  return total;
}

function packHeaders(headers: Headers, into: Buffer, at: number): number {
  for (const header of headers) {
    for (const name in header) {
      const value = header[name]!;
      const nameLength = into.write(name, at + 4, 'utf8');
      into.writeUInt32LE(nameLength, at);
      at += 4 + nameLength;
      const valueLength = typeof value === 'string' ? into.write(value, at + 4, 'utf8') : value.copy(into, at + 4);
      into.writeUInt32LE(valueLength, at);
      at += 4 + valueLength;
    }
  }
  return at;
}

export function unpackHeaders(bytes: Buffer, start: number, end: number): Headers {
  const out: Headers = [];
  let at = start;
  while (at < end) {
    const nameLength = bytes.readUInt32LE(at);
    const name = bytes.toString('utf8', at + 4, at + 4 + nameLength);
    at += 4 + nameLength;
    const valueLength = bytes.readUInt32LE(at);
    out.push({ [name]: bytes.subarray(at + 4, at + 4 + valueLength) });
    at += 4 + valueLength;
  }
  return out;
}
