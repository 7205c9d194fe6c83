import { NonRetriableError } from '../errors';
import type { Headers } from '../kafka/record';
import {
  type OutputSchema,
  type OutputSchemaEncoder,
  type PendingOutput,
  type SchemaPayload,
  OutputEncodeError,
  isSchemaPayload,
  parseOutputSchema,
} from './outputSchemas';

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
  /** A Buffer or text; with keySchema, any value the schema takes. */
  readonly key?: unknown;
  /** A Buffer or text as it is; another value (an object, a number) as its JSON text. */
  readonly value?: unknown;
  readonly headers?:
    Readonly<Record<string, OutputPayload>> | ReadonlyArray<{ readonly key: string; readonly value: OutputPayload }>;
  /** Encode the key through the registry with this schema (the key is then any value the schema takes). */
  readonly keySchema?: OutputSchema;
  /** Encode the value through the registry with this schema: longs as numbers, BigInts or decimal strings, decimals as strings, timestamps as ISO 8601. */
  readonly valueSchema?: OutputSchema;
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

/** An output as a handler call leaves it: bytes, or waiting for the registry to encode its key or value. */
export type OutputDraft = EncodedOutput | PendingOutput;

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

function payload(
  where: string,
  what: 'key' | 'value',
  raw: unknown,
  schema: unknown,
  jsonOk: boolean,
): Buffer | null | SchemaPayload {
  if (schema === undefined || schema === null) return bytes(`${where}: the ${what}`, raw, jsonOk);
  const parsed = parseOutputSchema(`${where}: ${what}Schema`, schema);
  if (Buffer.isBuffer(raw) || raw instanceof Uint8Array)
    throw new OutputEncodeError(
      `${where}: the ${what} is bytes, but ${what}Schema asks the registry to encode it; give the value itself (an object, a string, a number), or drop ${what}Schema`,
    );
  return { schema: parsed, value: raw };
}

/**
 * Checks and encodes a handler's output record (untrusted: the handler may be mid-edit). Throws an
 * OutputRecordError naming the output and what is wrong with it. A key or value with a schema is
 * checked here and left for the registry (a PendingOutput, see resolveOutputs).
 */
export function encodeOutput(record: unknown, index: number): OutputDraft {
  const where = `output ${index + 1}`;
  if (!record || typeof record !== 'object' || Array.isArray(record))
    throw new OutputRecordError(`${where} is not an object with a topic and a value`);
  const r = record as OutputRecord;
  if (typeof r.topic !== 'string' || r.topic.length === 0 || r.topic.length > MAX_TOPIC_NAME)
    throw new OutputRecordError(`${where} needs a topic (a name of 1 to ${MAX_TOPIC_NAME} characters)`);
  if (r.partition !== undefined && r.partition !== null && (!Number.isInteger(r.partition) || r.partition < 0))
    throw new OutputRecordError(`${where}: partition must be a non-negative integer (got ${String(r.partition)})`);
  const key = payload(where, 'key', r.key, r.keySchema, false);
  const value = payload(where, 'value', r.value, r.valueSchema, true);
  const headers: Headers = [];
  let headerBytes = 0;
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
      headerBytes += h.key.length + value.length;
      headers.push({ [h.key]: value });
    }
  }
  const partition = r.partition !== undefined && r.partition !== null ? { partition: r.partition } : {};
  if (isSchemaPayload(key) || isSchemaPayload(value))
    return { pending: true, index, topic: r.topic, ...partition, key, value, headers, headerBytes };
  return sized(where, { topic: r.topic, ...partition, key, value, headers }, headerBytes);
}

function sized(where: string, o: Omit<EncodedOutput, 'size'>, headerBytes: number): EncodedOutput {
  const size = (o.key?.length ?? 0) + (o.value?.length ?? 0) + headerBytes;
  if (size > MAX_OUTPUT_BYTES)
    throw new OutputRecordError(`${where} is ${size} bytes, over the ${MAX_OUTPUT_BYTES}-byte limit of one output`);
  return { ...o, size };
}

/** Whether any of a handler call's outputs waits for the registry. */
export function needsEncoding(drafts: readonly OutputDraft[] | undefined): boolean {
  if (!drafts) return false;
  for (const d of drafts) if ('pending' in d) return true;
  return false;
}

/**
 * Encodes the schema keys and values of a handler call's outputs through the registry, in order.
 * Throws the first failure (an OutputEncodeError naming the output and the field, or a
 * RetriableError when the registry cannot be reached): the input message failed, and nothing of
 * this call is produced.
 */
export async function resolveOutputs(
  drafts: readonly OutputDraft[],
  encoder: OutputSchemaEncoder | undefined,
): Promise<EncodedOutput[]> {
  const out: EncodedOutput[] = [];
  for (const d of drafts) {
    if (!('pending' in d)) {
      out.push(d);
      continue;
    }
    const where = `output ${d.index + 1}`;
    const encode = async (role: 'key' | 'value', p: Buffer | null | SchemaPayload): Promise<Buffer | null> => {
      if (!isSchemaPayload(p)) return p;
      if (!encoder)
        throw new OutputEncodeError(
          `${where}: the ${role} asks for ${p.schema.format} through the Schema Registry, and this session has no registry encoder; add the registry to the cluster connection`,
        );
      return encoder.encode({ topic: d.topic, role, schema: p.schema, value: p.value, where: `${where}: the ${role}` });
    };
    const key = await encode('key', d.key);
    const value = await encode('value', d.value);
    out.push(
      sized(
        where,
        {
          topic: d.topic,
          ...(d.partition !== undefined ? { partition: d.partition } : {}),
          key,
          value,
          headers: d.headers,
        },
        d.headerBytes,
      ),
    );
  }
  return out;
}

/** The outputs a handler returned: an array of output records (anything else returned is not an output). */
export function returnedOutputs(returned: unknown): readonly unknown[] | undefined {
  return Array.isArray(returned) ? returned : undefined;
}

/** Adds outputs to an attempt's list, bounded. */
export function appendOutputs(list: OutputDraft[], records: readonly unknown[]): void {
  if (list.length + records.length > MAX_OUTPUTS_PER_MESSAGE)
    throw new OutputRecordError(`a handler call may produce at most ${MAX_OUTPUTS_PER_MESSAGE} outputs`);
  for (const record of records) list.push(encodeOutput(record, list.length));
}
