// One entry of an import file, checked and turned into the record to send: its shape, partition,
// timestamp and headers, and its key and value as bytes (by the import's payload mode, a record's
// own `keyEncoding` / `valueEncoding`, or a viewer export's envelope). A record that cannot be sent
// gets its stage, reason and message (and the schema's field errors), never a throw.
import type { FieldError } from '../codec/codecErrors';
import { parseJsonExact, stringifyExact } from '../codec/losslessJson';
import type { PayloadEncoder } from '../codec/payloadEncoder';
import { parseBase64, parseHex } from '../codec/textEncodings';
import type { SchemaChoice } from './payloadForms';
import { encodePayload, fieldErrorsOf } from './payloadInput';
import { checkPartition, parseHeaders, parseTimestamp } from './recordFields';
import { locateEntryError, type SourceEntry } from './recordSource';
import type { OutgoingRecord } from './recordProducer';

/**
 * How an import file's keys or values become bytes. `auto`: a string is written as its UTF-8 text,
 * null as null, anything else as its JSON text (exact: long integers keep every digit), unless the
 * record names `keyEncoding`/`valueEncoding` (`text`, `json`, `base64`, `hex`). `schema`: the JSON
 * value is encoded through the registry's schema (null stays null: a tombstone).
 */
export type ImportPayloadMode = { readonly kind: 'auto' } | { readonly kind: 'schema'; readonly schema: SchemaChoice };

export type FailureStage = 'parse' | 'record' | 'encode' | 'deliver';

export interface RecordFailure {
  /** 0-based number of the record in the file. */
  readonly index: number;
  readonly line: number;
  readonly column: number;
  readonly stage: FailureStage;
  /** Typed: `invalidJson`, `invalidRecord`, an EncodeError's, RegistryError's or ProduceError's reason. */
  readonly reason: string;
  readonly message: string;
  readonly fieldErrors?: readonly FieldError[];
}

export interface ParsedRecord {
  readonly record: OutgoingRecord;
}

const RECORD_SHAPE = 'A record is an object {"key", "value", "headers", "partition", "timestamp"} (all optional).';
const ENCODINGS = ['text', 'json', 'base64', 'hex'] as const;

export async function parseRecord(
  entry: SourceEntry,
  topicName: string,
  partitions: number,
  keyMode: ImportPayloadMode,
  valueMode: ImportPayloadMode,
  encoder: PayloadEncoder,
): Promise<ParsedRecord | { failure: RecordFailure }> {
  const at = { index: entry.index, line: entry.line, column: entry.column };
  let json: unknown;
  try {
    json = parseJsonExact(entry.text);
  } catch {
    const where = locateEntryError(entry);
    return {
      failure: {
        ...at,
        line: where.line,
        column: where.column,
        stage: 'parse',
        reason: 'invalidJson',
        message: where.message,
      },
    };
  }
  const invalid = (message: string): { failure: RecordFailure } => ({
    failure: { ...at, stage: 'record', reason: 'invalidRecord', message },
  });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return invalid(RECORD_SHAPE);
  const r = json as Record<string, unknown>;
  const partition = checkPartition(typeof r.partition === 'bigint' ? Number(r.partition) : r.partition);
  if (!partition.ok) return invalid(`partition: ${partition.message}`);
  if (partition.value !== undefined && partition.value >= partitions)
    return invalid(
      `partition: topic "${topicName}" has partitions 0 to ${partitions - 1}; there is no ${partition.value}.`,
    );
  let timestamp: number | undefined;
  if (r.timestamp !== undefined && r.timestamp !== null) {
    const t = parseTimestamp(typeof r.timestamp === 'bigint' ? Number(r.timestamp) : r.timestamp);
    if (!t.ok) return invalid(`timestamp: ${t.message}`);
    timestamp = t.value;
  }
  // A line of the viewer's export (docs/viewer-export.md): the bytes as they were on the topic.
  const exported = isViewerExportLine(r);
  const headers = parseHeaders(exported ? exportedHeaders(r.headers) : r.headers);
  if (!headers.ok) return invalid(`headers: ${headers.message}`);
  const key = exported
    ? await exportedPayloadBytes('key', r.key, keyMode, topicName, encoder)
    : await payloadBytes('key', r.key, r.keyEncoding, keyMode, topicName, encoder);
  if ('problem' in key) return { failure: { ...at, ...key.problem } };
  const value = exported
    ? await exportedPayloadBytes('value', r.value, valueMode, topicName, encoder)
    : await payloadBytes('value', r.value, r.valueEncoding, valueMode, topicName, encoder);
  if ('problem' in value) return { failure: { ...at, ...value.problem } };
  return {
    record: {
      topic: topicName,
      ...(partition.value !== undefined ? { partition: partition.value } : {}),
      key: key.bytes,
      value: value.bytes,
      ...(headers.value.length ? { headers: headers.value } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
    },
  };
}

export type Problem = Pick<RecordFailure, 'stage' | 'reason' | 'message' | 'fieldErrors'>;

/** A payload object of the viewer's export: `{format, decoded, base64, …}`, or null. */
const isExportedPayload = (p: unknown): boolean =>
  p === null ||
  (typeof p === 'object' && !Array.isArray(p) && 'format' in p && 'base64' in (p as Record<string, unknown>));

/** A line the viewer's export wrote (version 1): re-imported exactly, byte for byte. */
function isViewerExportLine(r: Record<string, unknown>): boolean {
  const v = typeof r.v === 'bigint' ? Number(r.v) : r.v;
  return v === 1 && isExportedPayload(r.key ?? null) && isExportedPayload(r.value ?? null);
}

/** The export's headers (`[{key, text, base64}]`) as the exact bytes. */
function exportedHeaders(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((h: unknown) => {
    const header = (h ?? {}) as { key?: unknown; base64?: unknown; text?: unknown };
    return {
      key: header.key,
      value: typeof header.base64 === 'string' ? { base64: header.base64 } : header.text,
    };
  });
}

/**
 * An exported key or value: its bytes as they were (the Schema Registry header included), or, when
 * the import encodes with a schema, its decoded value encoded again.
 */
async function exportedPayloadBytes(
  role: 'key' | 'value',
  input: unknown,
  mode: ImportPayloadMode,
  topic: string,
  encoder: PayloadEncoder,
): Promise<{ bytes: Buffer | null } | { problem: Problem }> {
  if (input === null || input === undefined) return { bytes: null };
  const payload = input as { base64?: unknown; decoded?: unknown };
  if (mode.kind === 'schema') return payloadBytes(role, payload.decoded, undefined, mode, topic, encoder);
  if (payload.base64 === null) return { bytes: null };
  const bytes = typeof payload.base64 === 'string' ? parseBase64(payload.base64) : undefined;
  return bytes
    ? { bytes }
    : { problem: { stage: 'record', reason: 'invalidRecord', message: `${role}: "base64" is not base64.` } };
}

async function payloadBytes(
  role: 'key' | 'value',
  input: unknown,
  encoding: unknown,
  mode: ImportPayloadMode,
  topic: string,
  encoder: PayloadEncoder,
): Promise<{ bytes: Buffer | null } | { problem: Problem }> {
  const problem = (message: string): { problem: Problem } => ({
    problem: { stage: 'record', reason: 'invalidRecord', message: `${role}: ${message}` },
  });
  if (input === undefined || input === null) return { bytes: null };
  if (mode.kind === 'schema') {
    const result = await encodePayload(
      encoder,
      topic,
      role,
      { form: 'schema', text: '', schema: mode.schema },
      { value: input },
    );
    if (!result.ok) {
      const fieldErrors = fieldErrorsOf(result.error);
      return {
        problem: {
          stage: 'encode',
          reason: result.error.reason,
          message: `${role}: ${result.error.message}`,
          ...(fieldErrors.length ? { fieldErrors } : {}),
        },
      };
    }
    return { bytes: result.bytes };
  }
  if (encoding !== undefined && !ENCODINGS.includes(encoding as (typeof ENCODINGS)[number]))
    return problem(`${role}Encoding must be one of ${ENCODINGS.join(', ')}.`);
  if (encoding === 'json' || (encoding === undefined && typeof input !== 'string')) {
    const text = stringifyExact(input);
    return text === undefined ? problem('the value cannot be written as JSON.') : { bytes: Buffer.from(text, 'utf8') };
  }
  if (typeof input !== 'string') return problem(`with ${String(encoding)} encoding, the ${role} must be a string.`);
  if (encoding === 'base64' || encoding === 'hex') {
    const bytes = encoding === 'hex' ? parseHex(input) : parseBase64(input);
    return bytes ? { bytes } : problem(`the text is not ${encoding}.`);
  }
  return { bytes: Buffer.from(input, 'utf8') };
}
