import type { OutputFrame, OutputSchemaFrame } from '../../core/handler/protocol';
import type { OutputRecord } from './handlerApi';

/** The largest output the runtime sends; the engine checks the same bound again. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

class OutputRecordError extends TypeError {
  override readonly name = 'OutputRecordError';
  readonly retriable = false;
}

function base64(what: string, payload: unknown, jsonOk: boolean): string | null {
  if (payload === null || payload === undefined) return null;
  if (Buffer.isBuffer(payload)) return payload.toString('base64');
  if (payload instanceof Uint8Array)
    return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8').toString('base64');
  if (!jsonOk) throw new OutputRecordError(`${what} must be a string, a Buffer or null (got ${typeof payload})`);
  const json = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (json === undefined) throw new OutputRecordError(`${what} cannot be written as JSON (a ${typeof payload})`);
  return Buffer.from(json, 'utf8').toString('base64');
}

/** A key or value for the registry: its JSON text, BigInts as their exact digits (the encoder takes digit strings for longs). */
function jsonBase64(what: string, payload: unknown): string | null {
  if (payload === undefined) return null;
  if (Buffer.isBuffer(payload) || payload instanceof Uint8Array)
    throw new OutputRecordError(`${what} is bytes, but a schema asks the registry to encode it: give the value itself`);
  let json: string | undefined;
  try {
    json = JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch (error) {
    throw new OutputRecordError(`${what} cannot be written as JSON: ${(error as Error).message}`);
  }
  if (json === undefined) throw new OutputRecordError(`${what} cannot be written as JSON (a ${typeof payload})`);
  return Buffer.from(json, 'utf8').toString('base64');
}

function schemaOf(what: string, schema: unknown): OutputSchemaFrame | undefined {
  if (schema === undefined || schema === null) return undefined;
  if (typeof schema !== 'object' || Array.isArray(schema))
    throw new OutputRecordError(`${what} must be an object such as { format: 'avro' }`);
  // The engine checks every field again; here only its shape travels.
  return schema as OutputSchemaFrame;
}

/** An output record as the protocol carries it; a malformed one fails the handler's call at once, where it was made. */
export function toOutputFrame(record: OutputRecord, index: number): OutputFrame {
  const where = `output ${index + 1}`;
  if (!record || typeof record !== 'object')
    throw new OutputRecordError(`${where} is not an object with a topic and a value`);
  if (typeof record.topic !== 'string' || record.topic.length === 0)
    throw new OutputRecordError(`${where} needs a topic`);
  if (record.partition !== undefined && (!Number.isInteger(record.partition) || record.partition < 0))
    throw new OutputRecordError(`${where}: partition must be a non-negative integer`);
  const keySchema = schemaOf(`${where}: keySchema`, record.keySchema);
  const valueSchema = schemaOf(`${where}: valueSchema`, record.valueSchema);
  const key = keySchema ? jsonBase64(`${where}: the key`, record.key) : base64(`${where}: the key`, record.key, false);
  const value = valueSchema
    ? jsonBase64(`${where}: the value`, record.value)
    : base64(`${where}: the value`, record.value, true);
  const headers = record.headers
    ? Object.entries(record.headers).map(([name, v]) => ({
        key: name,
        value: base64(`${where}: header ${JSON.stringify(name)}`, v, false) ?? '',
      }))
    : undefined;
  const size = ((key?.length ?? 0) + (value?.length ?? 0)) * 0.75;
  if (size > MAX_OUTPUT_BYTES)
    throw new OutputRecordError(`${where} is over the ${MAX_OUTPUT_BYTES}-byte limit of one output`);
  return {
    topic: record.topic,
    ...(record.partition !== undefined ? { partition: record.partition } : {}),
    key,
    value,
    ...(headers?.length ? { headers } : {}),
    ...(keySchema ? { keySchema } : {}),
    ...(valueSchema ? { valueSchema } : {}),
  };
}
