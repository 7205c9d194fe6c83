import type { Headers, KafkaRecord } from '../kafka/record';
import { DLQ_HEADERS, DLQ_HEADER_LIMITS, DLQ_HEADER_PREFIX } from './envelopeContract';

/**
 * The dead-letter envelope: the reference guide's fields (original topic/partition/offset, error
 * type and message, failed_at, payload) plus the retry count and the payload's encoding. The key
 * stays the original key; the original headers are kept and error headers added.
 */
export interface DeadLetterEnvelope {
  readonly original_topic: string;
  readonly original_partition: number;
  readonly original_offset: number;
  readonly original_timestamp?: number;
  readonly error_type: string;
  readonly error_message: string;
  /** ISO-8601 UTC. */
  readonly failed_at: string;
  /** Handler attempts made before dead-lettering (0 when dead-lettered by hand without running it). */
  readonly retry_count: number;
  /** The original value: UTF-8 text when the bytes are valid UTF-8, base64 otherwise; null for a tombstone. */
  readonly payload: string | null;
  readonly payload_encoding: 'utf8' | 'base64' | 'null';
}

export type { HeaderValue, Headers } from '../kafka/record';

/** What a dead-letter write takes: the failed record itself, as the cluster held it. */
export type FailedMessage = KafkaRecord;

export { DLQ_HEADERS, DLQ_HEADER_PREFIX } from './envelopeContract';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isValidUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function errorTypeOf(error: unknown): string {
  // An error that stands for another one (a handler's, thrown in its own process) names that one's class.
  const remote = (error as { errorType?: unknown } | null)?.errorType;
  if (error instanceof Error && typeof remote === 'string' && remote) return remote;
  if (error instanceof Error)
    return error.constructor?.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name;
  return typeof error;
}

export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function buildEnvelope(
  message: FailedMessage,
  error: unknown,
  retryCount: number,
  now: Date = new Date(),
): DeadLetterEnvelope {
  const value = message.value;
  const encoding: DeadLetterEnvelope['payload_encoding'] =
    value === null ? 'null' : isValidUtf8(value) ? 'utf8' : 'base64';
  return {
    original_topic: message.topic,
    original_partition: message.partition,
    original_offset: message.offset,
    ...(message.timestamp !== undefined ? { original_timestamp: message.timestamp } : {}),
    error_type: errorTypeOf(error),
    error_message: errorMessageOf(error),
    failed_at: now.toISOString(),
    retry_count: retryCount,
    payload: value === null ? null : encoding === 'utf8' ? value.toString('utf8') : value.toString('base64'),
    payload_encoding: encoding,
  };
}

/** The original headers, minus earlier DLQ headers, plus this failure's (with the error's stack, bounded). */
export function deadLetterHeaders(message: FailedMessage, envelope: DeadLetterEnvelope, error?: unknown): Headers {
  const stack =
    error instanceof Error && typeof error.stack === 'string'
      ? error.stack.slice(0, DLQ_HEADER_LIMITS.errorStack)
      : undefined;
  const kept = (message.headers ?? []).filter((h) => !Object.keys(h).some((k) => k.startsWith(DLQ_HEADER_PREFIX)));
  return [
    ...kept,
    { [DLQ_HEADERS.originalTopic]: envelope.original_topic },
    { [DLQ_HEADERS.originalPartition]: String(envelope.original_partition) },
    { [DLQ_HEADERS.originalOffset]: String(envelope.original_offset) },
    { [DLQ_HEADERS.errorType]: envelope.error_type },
    // Header values are bounded: the full message is in the envelope.
    { [DLQ_HEADERS.errorMessage]: envelope.error_message.slice(0, DLQ_HEADER_LIMITS.errorMessage) },
    { [DLQ_HEADERS.failedAt]: envelope.failed_at },
    { [DLQ_HEADERS.retryCount]: String(envelope.retry_count) },
    ...(stack ? [{ [DLQ_HEADERS.errorStack]: stack }] : []),
  ];
}

/** The original value bytes back from an envelope, for re-driving. */
export function payloadOf(envelope: DeadLetterEnvelope): Buffer | null {
  if (envelope.payload_encoding === 'null' || envelope.payload === null) return null;
  return envelope.payload_encoding === 'base64'
    ? Buffer.from(envelope.payload, 'base64')
    : Buffer.from(envelope.payload, 'utf8');
}

/** The original headers of a dead-lettered message (its DLQ headers removed). */
export function originalHeaders(headers: Headers | undefined): Headers {
  return (headers ?? []).filter((h) => !Object.keys(h).some((k) => k.startsWith(DLQ_HEADER_PREFIX)));
}

export function parseEnvelope(value: Buffer | null): DeadLetterEnvelope {
  if (!value) throw new Error('the DLQ message has no value, so it is not a dead-letter envelope');
  const parsed = JSON.parse(value.toString('utf8')) as Partial<DeadLetterEnvelope>;
  if (
    typeof parsed.original_topic !== 'string' ||
    typeof parsed.original_partition !== 'number' ||
    typeof parsed.original_offset !== 'number' ||
    !parsed.payload_encoding
  ) {
    throw new Error(
      'the DLQ message is not a Kafka Consumer Lab dead-letter envelope (original_topic/partition/offset or payload_encoding missing)',
    );
  }
  return parsed as DeadLetterEnvelope;
}
