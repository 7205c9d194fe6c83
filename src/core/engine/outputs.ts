import { NonRetriableError } from '../errors';
import type { Headers } from '../kafka/record';

/** Kafka's own limit on a topic name's length. */
const MAX_TOPIC_NAME = 249;
/** Bounds on what one handler call may emit: its outputs are held in memory until they are sent. */
export const MAX_OUTPUTS_PER_MESSAGE = 10_000;
export const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Bytes of an output's key, value or header: text is written as UTF-8; anything else (a value) as JSON. */
export type OutputPayload = Buffer | Uint8Array | string | null | undefined;

/**
 * A record a handler produces, through `context.send(record)` or by returning an array of them.
 * Exactly-once: it commits in the same transaction as the input's offset; at-least-once: it is
 * acknowledged by the broker before the input's offset is committed.
 */
export interface OutputRecord {
  readonly topic: string;
  /** Undefined: the producer's partitioner picks (by key). */
  readonly partition?: number;
  readonly key?: OutputPayload;
  /** A Buffer or text as it is; another value (an object, a number) as its JSON text. */
  readonly value?: unknown;
  readonly headers?:
    Readonly<Record<string, OutputPayload>> | ReadonlyArray<{ readonly key: string; readonly value: OutputPayload }>;
}

/** An output ready for the producer: bytes only. */
export interface EncodedOutput {
  readonly topic: string;
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Headers;
  readonly size: number;
}

/** A handler emitted an output the engine cannot produce (no topic, a bad partition, too large). Not retried. */
export class OutputRecordError extends NonRetriableError {}

function bytes(what: string, payload: unknown, jsonOk: boolean): Buffer | null {
  if (payload === null || payload === undefined) return null;
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (!jsonOk) throw new OutputRecordError(`${what} must be a string, a Buffer or null (got ${typeof payload})`);
  let json: string | undefined;
  try {
    json = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch (error) {
    throw new OutputRecordError(`${what} cannot be written as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new OutputRecordError(`${what} cannot be written as JSON (a ${typeof payload})`);
  return Buffer.from(json, 'utf8');
}

/**
 * Checks and encodes a handler's output record (untrusted: the handler may be mid-edit). Throws an
 * OutputRecordError naming the output and what is wrong with it.
 */
export function encodeOutput(record: unknown, index: number): EncodedOutput {
  const where = `output ${index + 1}`;
  if (!record || typeof record !== 'object' || Array.isArray(record))
    throw new OutputRecordError(`${where} is not an object with a topic and a value`);
  const r = record as OutputRecord;
  if (typeof r.topic !== 'string' || r.topic.length === 0 || r.topic.length > MAX_TOPIC_NAME)
    throw new OutputRecordError(`${where} needs a topic (a name of 1 to ${MAX_TOPIC_NAME} characters)`);
  if (r.partition !== undefined && r.partition !== null && (!Number.isInteger(r.partition) || r.partition < 0))
    throw new OutputRecordError(`${where}: partition must be a non-negative integer (got ${String(r.partition)})`);
  const key = bytes(`${where}: the key`, r.key, false);
  const value = bytes(`${where}: the value`, r.value, true);
  const headers: Headers = [];
  let size = (key?.length ?? 0) + (value?.length ?? 0);
  const raw = r.headers;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object') throw new OutputRecordError(`${where}: headers must be an object or a list`);
    const list = Array.isArray(raw)
      ? (raw as ReadonlyArray<{ key: unknown; value: unknown }>)
      : Object.entries(raw).map(([key, value]) => ({ key, value: value as unknown }));
    for (const h of list) {
      if (!h || typeof h.key !== 'string' || h.key.length === 0)
        throw new OutputRecordError(`${where}: every header needs a name`);
      const value = bytes(`${where}: header ${JSON.stringify(h.key.slice(0, 80))}`, h.value, false) ?? Buffer.alloc(0);
      size += h.key.length + value.length;
      headers.push({ [h.key]: value });
    }
  }
  if (size > MAX_OUTPUT_BYTES)
    throw new OutputRecordError(`${where} is ${size} bytes, over the ${MAX_OUTPUT_BYTES}-byte limit of one output`);
  return {
    topic: r.topic,
    ...(r.partition !== undefined && r.partition !== null ? { partition: r.partition } : {}),
    key,
    value,
    headers,
    size,
  };
}

/** The outputs a handler returned: an array of output records (anything else returned is not an output). */
export function returnedOutputs(returned: unknown): readonly unknown[] | undefined {
  return Array.isArray(returned) ? returned : undefined;
}

/** Adds outputs to an attempt's list, bounded. */
export function appendOutputs(list: EncodedOutput[], records: readonly unknown[]): void {
  if (list.length + records.length > MAX_OUTPUTS_PER_MESSAGE)
    throw new OutputRecordError(`a handler call may produce at most ${MAX_OUTPUTS_PER_MESSAGE} outputs`);
  for (const record of records) list.push(encodeOutput(record, list.length));
}
