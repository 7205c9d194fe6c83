import type { HeaderValue, Headers, KafkaRecord } from '../kafka/record';
import type { DeadLetterInfo } from './deadLetterTypes';
import { DLQ_HEADERS, DLQ_HEADER_PREFIX, type DeadLetterEnvelope } from './envelope';

/**
 * Recognising a dead-lettered record, whoever wrote it: our envelope (by content), our
 * `kafka-lab.dlq.*` headers, Spring Kafka's `kafka_dlt-*` headers (DeadLetterPublishingRecoverer:
 * partition as a 4-byte and offsets as 8-byte big-endian integers) and the plain `x-original-topic`
 * header. Everything here reads hostile bytes: lengths are bounded, numbers are checked, and a
 * value that does not parse is simply not evidence.
 */

export const SPRING_DLT_HEADERS = {
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  exceptionFqcn: 'kafka_dlt-exception-fqcn',
  exceptionCauseFqcn: 'kafka_dlt-exception-cause-fqcn',
  exceptionMessage: 'kafka_dlt-exception-message',
} as const;
export const SPRING_DLT_HEADER_PREFIX = 'kafka_dlt-';
/** Spring's retry topics count attempts in this header (a 4-byte big-endian integer). */
export const SPRING_RETRY_ATTEMPTS_HEADER = 'retry_topic-attempts';
export const ORIGINAL_TOPIC_HEADER = 'x-original-topic';

export type { DeadLetterInfo, DeadLetterSource } from './deadLetterTypes';

/** The bounds on what detection keeps from a record (the full texts stay in the record). */
export const MAX_ERROR_TYPE = 512;
export const MAX_ERROR_MESSAGE = 4096;
/** An envelope larger than this is not parsed for columns (its headers still are). */
export const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024;

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** A name Kafka accepts as a topic: what a re-drive may write to. */
export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** The record's headers as a name → last value map (a repeated name: the last one wins, as Spring reads them). */
export function headerMap(headers: Headers | undefined): Map<string, HeaderValue> {
  const map = new Map<string, HeaderValue>();
  for (const header of headers ?? []) for (const [name, value] of Object.entries(header)) map.set(name, value);
  return map;
}

/** The envelope in the record's value, or undefined when the value is not one. Never throws. */
export function envelopeOf(record: KafkaRecord): DeadLetterEnvelope | undefined {
  const value = record.value;
  if (!value || value.length < 2 || value.length > MAX_ENVELOPE_BYTES) return undefined;
  let first = 0;
  while (first < value.length && (value[first] === 0x20 || value[first] === 0x0a || value[first] === 0x0d)) first++;
  if (value[first] !== 0x7b /* { */) return undefined;
  // A cheap look before a parse: every envelope names its original topic.
  if (value.indexOf('"original_topic"') < 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const e = parsed as Partial<Record<keyof DeadLetterEnvelope, unknown>>;
  if (
    typeof e.original_topic !== 'string' ||
    !isPartition(e.original_partition) ||
    !isOffset(e.original_offset) ||
    (e.payload_encoding !== 'utf8' && e.payload_encoding !== 'base64' && e.payload_encoding !== 'null') ||
    (e.payload !== null && typeof e.payload !== 'string')
  )
    return undefined;
  return parsed as DeadLetterEnvelope;
}

/** Whether the record is dead-lettered, and what it says; undefined for an ordinary record. */
export function detectDeadLetter(record: KafkaRecord): DeadLetterInfo | undefined {
  const headers = headerMap(record.headers);
  const envelope = envelopeOf(record);
  if (envelope) return fromEnvelope(envelope, headers);
  if ([...headers.keys()].some((k) => k.startsWith(DLQ_HEADER_PREFIX))) return fromLabHeaders(headers);
  if ([...headers.keys()].some((k) => k.startsWith(SPRING_DLT_HEADER_PREFIX))) return fromSpring(record, headers);
  const original = headers.get(ORIGINAL_TOPIC_HEADER);
  if (original !== undefined) {
    const topic = topicText(original);
    return { source: 'originalTopicHeader', ...(topic ? { originalTopic: topic } : {}) };
  }
  return undefined;
}

function fromEnvelope(e: DeadLetterEnvelope, headers: Map<string, HeaderValue>): DeadLetterInfo {
  const retry = typeof e.retry_count === 'number' && Number.isSafeInteger(e.retry_count) && e.retry_count >= 0;
  const failedAt = typeof e.failed_at === 'string' ? isoTime(e.failed_at) : undefined;
  const topic = topicText(e.original_topic);
  return compact({
    source: 'envelope',
    originalTopic: topic,
    originalPartition: e.original_partition,
    originalOffset: String(e.original_offset),
    errorType: bounded(
      typeof e.error_type === 'string' ? e.error_type : text(headers.get(DLQ_HEADERS.errorType)),
      MAX_ERROR_TYPE,
    ),
    errorMessage: bounded(typeof e.error_message === 'string' ? e.error_message : undefined, MAX_ERROR_MESSAGE),
    failedAt,
    retryCount: retry ? e.retry_count : undefined,
  });
}

function fromLabHeaders(h: Map<string, HeaderValue>): DeadLetterInfo {
  return compact({
    source: 'labHeaders',
    originalTopic: topicText(h.get(DLQ_HEADERS.originalTopic)),
    originalPartition: decimal(h.get(DLQ_HEADERS.originalPartition), 2 ** 31 - 1),
    originalOffset: offsetText(h.get(DLQ_HEADERS.originalOffset)),
    errorType: bounded(text(h.get(DLQ_HEADERS.errorType)), MAX_ERROR_TYPE),
    errorMessage: bounded(text(h.get(DLQ_HEADERS.errorMessage)), MAX_ERROR_MESSAGE),
    failedAt: isoTime(text(h.get(DLQ_HEADERS.failedAt))),
    retryCount: decimal(h.get(DLQ_HEADERS.retryCount), Number.MAX_SAFE_INTEGER),
  });
}

function fromSpring(record: KafkaRecord, h: Map<string, HeaderValue>): DeadLetterInfo {
  const cause = text(h.get(SPRING_DLT_HEADERS.exceptionCauseFqcn));
  const attempts = binaryOrDecimal(h.get(SPRING_RETRY_ATTEMPTS_HEADER), 4);
  return compact({
    source: 'spring',
    originalTopic: topicText(h.get(SPRING_DLT_HEADERS.originalTopic)),
    originalPartition: (() => {
      const p = binaryOrDecimal(h.get(SPRING_DLT_HEADERS.originalPartition), 4);
      return p !== undefined && p <= 2n ** 31n - 1n ? Number(p) : undefined;
    })(),
    originalOffset: binaryOrDecimal(h.get(SPRING_DLT_HEADERS.originalOffset), 8)?.toString(),
    // Spring wraps the listener's exception (ListenerExecutionFailedException): its cause is the one that failed.
    errorType: bounded(cause || text(h.get(SPRING_DLT_HEADERS.exceptionFqcn)), MAX_ERROR_TYPE),
    errorMessage: bounded(text(h.get(SPRING_DLT_HEADERS.exceptionMessage)), MAX_ERROR_MESSAGE),
    // Spring writes no failure time: the dead-letter record's own timestamp is when it was published.
    failedAt: record.timestamp !== undefined && record.timestamp > 0 ? isoOfMillis(record.timestamp) : undefined,
    retryCount: attempts !== undefined && attempts <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(attempts) : undefined,
  });
}

// ---- reading header values ----

function text(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

function topicText(value: HeaderValue | string | undefined): string | undefined {
  const t = typeof value === 'string' ? value : text(value);
  return t !== undefined && isValidTopicName(t) ? t : undefined;
}

function bounded(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** A non-negative decimal integer up to `max`, or undefined. */
function decimal(value: HeaderValue | undefined, max: number): number | undefined {
  const t = text(value)?.trim();
  if (!t || !/^\d{1,16}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= max ? n : undefined;
}

function offsetText(value: HeaderValue | undefined): string | undefined {
  const t = text(value)?.trim();
  if (!t || !/^\d{1,19}$/.test(t)) return undefined;
  return BigInt(t) <= 2n ** 63n - 1n ? BigInt(t).toString() : undefined;
}

/** Spring writes numbers as big-endian binary of `width` bytes; other writers as text. Non-negative only. */
function binaryOrDecimal(value: HeaderValue | undefined, width: 4 | 8): bigint | undefined {
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value) && value.length === width) {
    const n = width === 4 ? BigInt(value.readInt32BE(0)) : value.readBigInt64BE(0);
    return n >= 0n ? n : undefined;
  }
  const t = text(value)?.trim();
  return t && /^\d{1,19}$/.test(t) && BigInt(t) <= 2n ** 63n - 1n ? BigInt(t) : undefined;
}

function isoTime(value: string | undefined): string | undefined {
  if (!value || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : isoOfMillis(ms);
}

function isoOfMillis(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function isPartition(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 2 ** 31 - 1;
}

function isOffset(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function compact<T extends object>(x: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as never;
}
