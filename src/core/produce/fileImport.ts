import type { FieldError } from '../codec/codecErrors';
import { parseJsonExact, stringifyExact } from '../codec/losslessJson';
import type { PayloadEncoder } from '../codec/payloadEncoder';
import { parseBase64, parseHex } from '../codec/textEncodings';
import { ProduceError } from './produceErrors';
import type { SchemaChoice } from './payloadForms';
import { encodePayload, fieldErrorsOf } from './payloadInput';
import { checkPartition, parseHeaders, parseTimestamp } from './recordFields';
import {
  type FileFormat,
  isFault,
  locateEntryError,
  readEntries,
  type SourceEntry,
  type SourceFault,
} from './recordSource';
import type { OutgoingRecord, RecordProducer } from './recordProducer';

/**
 * How an import file's keys or values become bytes. `auto`: a string is written as its UTF-8 text,
 * null as null, anything else as its JSON text (exact: long integers keep every digit), unless the
 * record names `keyEncoding`/`valueEncoding` (`text`, `json`, `base64`, `hex`). `schema`: the JSON
 * value is encoded through the registry's schema (null stays null: a tombstone).
 */
export type ImportPayloadMode = { readonly kind: 'auto' } | { readonly kind: 'schema'; readonly schema: SchemaChoice };

export interface ImportOptions {
  readonly topic: string;
  readonly format: FileFormat;
  readonly key?: ImportPayloadMode;
  readonly value?: ImportPayloadMode;
  /** On a record that cannot be sent: skip it and go on, or stop there (the records before it went). */
  readonly onBadRecord: 'skip' | 'stop';
  /** Check and encode every record, send none. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  /** Called at most every `progressEveryRecords` records read, and once at the end. */
  readonly onProgress?: (progress: ImportProgress) => void;
  readonly progressEveryRecords?: number;
  /** How many failures the summary lists (it always counts all). Default 1,000. */
  readonly maxListedFailures?: number;
}

export interface ImportProgress {
  readonly read: number;
  readonly sent: number;
  readonly failed: number;
}

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

/** Inclusive ranges of record numbers (0-based), in order. */
export type IndexRanges = ReadonlyArray<readonly [number, number]>;

export interface ImportSummary {
  readonly outcome: 'complete' | 'completeWithErrors' | 'stopped' | 'cancelled' | 'fileError';
  readonly dryRun: boolean;
  /** Records found in the file (up to where reading stopped). */
  readonly read: number;
  /** Acknowledged by the broker (or, in a dry run, ready to send). */
  readonly sent: number;
  readonly sentRanges: IndexRanges;
  readonly failed: number;
  /** The first `maxListedFailures` failures, in file order. */
  readonly failures: readonly RecordFailure[];
  /** Records read but never handed to the producer (after a stop or cancel). */
  readonly notAttemptedRanges: IndexRanges;
  /** The file's own structure is broken here: nothing after it was read. */
  readonly fileFault?: SourceFault;
  /** Per partition written: how many records and the offsets they got. */
  readonly partitions: ReadonlyArray<{ partition: number; count: number; firstOffset: number; lastOffset: number }>;
}

const NOT_ATTEMPTED = 0;
const QUEUED = 1;
const SENT = 2;
const FAILED = 3;

/** Per-record state, one byte each, growing as the file is read. */
class StatusTable {
  private bytes = new Uint8Array(1024);
  length = 0;
  set(index: number, status: number): void {
    if (index >= this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size <= index) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes);
      this.bytes = next;
    }
    this.bytes[index] = status;
    if (index >= this.length) this.length = index + 1;
  }
  ranges(status: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let i = 0; i < this.length; i++) {
      if (this.bytes[i] === status) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        out.push([start, i - 1]);
        start = -1;
      }
    }
    if (start >= 0) out.push([start, this.length - 1]);
    return out;
  }
}

interface ParsedRecord {
  readonly record: OutgoingRecord;
}

/**
 * Produces every record of a streamed `.json` array or `.ndjson` file (or an editor's text), one
 * entry in memory at a time beyond what the producer holds in flight. Each record goes, or is
 * listed with its line, column and why not; the summary says exactly which went.
 */
export async function importRecords(
  chunks: AsyncIterable<Buffer | string>,
  options: ImportOptions,
  deps: { readonly producer: RecordProducer; readonly encoder: PayloadEncoder },
): Promise<ImportSummary> {
  const status = new StatusTable();
  const failures: RecordFailure[] = [];
  const maxListed = options.maxListedFailures ?? 1000;
  const every = options.progressEveryRecords ?? 1000;
  const offsets = new Map<number, { count: number; firstOffset: number; lastOffset: number }>();
  let failed = 0;
  let sent = 0;
  let read = 0;
  let stopped = false;
  let cancelled = false;
  let fileFault: SourceFault | undefined;
  const dryRun = options.dryRun ?? false;
  const keyMode = options.key ?? { kind: 'auto' };
  const valueMode = options.value ?? { kind: 'auto' };

  const fail = (failure: RecordFailure): void => {
    failed++;
    status.set(failure.index, FAILED);
    if (failures.length < maxListed) failures.push(failure);
    if (options.onBadRecord === 'stop') stopped = true;
  };
  const progress = (): void => options.onProgress?.({ read, sent, failed });

  // The topic is checked once, before anything is sent: a missing topic is one error, not a million.
  // A refused one is different: the file is still read, and each record is listed as not written,
  // with the broker's reason, so the summary accounts for every record.
  let partitions = Number.MAX_SAFE_INTEGER;
  let denied: ProduceError | undefined;
  try {
    partitions = (await deps.producer.topic(options.topic)).partitions;
  } catch (error) {
    if (!(error instanceof ProduceError) || error.reason !== 'notAuthorized') throw error;
    denied = error;
  }

  for await (const item of readEntries(chunks, options.format)) {
    if (isFault(item)) {
      fileFault = item;
      break;
    }
    read++;
    if (options.signal?.aborted) {
      cancelled = true;
      status.set(item.index, NOT_ATTEMPTED);
      break;
    }
    if (stopped) {
      status.set(item.index, NOT_ATTEMPTED);
      break;
    }
    const parsed = await parseRecord(item, options.topic, partitions, keyMode, valueMode, deps.encoder);
    if ('failure' in parsed) {
      fail(parsed.failure);
    } else if (denied) {
      const { index, line, column } = item;
      fail({ index, line, column, stage: 'deliver', reason: denied.reason, message: denied.message });
    } else if (dryRun) {
      status.set(item.index, SENT);
      sent++;
    } else {
      const index = item.index;
      const { line, column } = item;
      status.set(index, QUEUED);
      try {
        await deps.producer.enqueue(parsed.record, (error, delivered) => {
          if (error || !delivered) {
            fail({
              index,
              line,
              column,
              stage: 'deliver',
              reason: error?.reason ?? 'rejected',
              message: error?.message ?? 'The record was not acknowledged.',
            });
            return;
          }
          sent++;
          status.set(index, SENT);
          const p = offsets.get(delivered.partition);
          if (!p)
            offsets.set(delivered.partition, { count: 1, firstOffset: delivered.offset, lastOffset: delivered.offset });
          else {
            p.count++;
            if (delivered.offset < p.firstOffset) p.firstOffset = delivered.offset;
            if (delivered.offset > p.lastOffset) p.lastOffset = delivered.offset;
          }
        });
      } catch (error) {
        if (!(error instanceof ProduceError)) throw error;
        fail({ index, line, column, stage: 'deliver', reason: error.reason, message: error.message });
      }
    }
    if (read % every === 0) progress();
  }
  if (!dryRun) {
    try {
      await deps.producer.flush();
    } catch (error) {
      if (!(error instanceof ProduceError)) throw error;
      // Still unacknowledged after the bound: closing fails them, each with its own callback.
      await deps.producer.close();
    }
  }
  progress();
  const outcome: ImportSummary['outcome'] = fileFault
    ? 'fileError'
    : cancelled
      ? 'cancelled'
      : stopped
        ? 'stopped'
        : failed > 0
          ? 'completeWithErrors'
          : 'complete';
  failures.sort((a, b) => a.index - b.index);
  return {
    outcome,
    dryRun,
    read,
    sent,
    sentRanges: status.ranges(SENT),
    failed,
    failures,
    notAttemptedRanges: status.ranges(NOT_ATTEMPTED),
    ...(fileFault ? { fileFault } : {}),
    partitions: [...offsets.entries()].sort((a, b) => a[0] - b[0]).map(([partition, p]) => ({ partition, ...p })),
  };
}

const RECORD_SHAPE = 'A record is an object {"key", "value", "headers", "partition", "timestamp"} (all optional).';
const ENCODINGS = ['text', 'json', 'base64', 'hex'] as const;

async function parseRecord(
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

type Problem = Pick<RecordFailure, 'stage' | 'reason' | 'message' | 'fieldErrors'>;

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
