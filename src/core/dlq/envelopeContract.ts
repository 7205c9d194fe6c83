/**
 * The dead-letter contract as data, with no Node types: the envelope's field names and the
 * `kafka-lab.dlq.*` headers. The extension's writer (envelope.ts) and the consumer projects the
 * generator writes (core/generator) both take them from here, so the two cannot drift apart.
 */

export const DLQ_HEADER_PREFIX = 'kafka-lab.dlq.';

export const DLQ_HEADERS = {
  originalTopic: `${DLQ_HEADER_PREFIX}original-topic`,
  originalPartition: `${DLQ_HEADER_PREFIX}original-partition`,
  originalOffset: `${DLQ_HEADER_PREFIX}original-offset`,
  errorType: `${DLQ_HEADER_PREFIX}error-type`,
  errorMessage: `${DLQ_HEADER_PREFIX}error-message`,
  failedAt: `${DLQ_HEADER_PREFIX}failed-at`,
  retryCount: `${DLQ_HEADER_PREFIX}retry-count`,
  errorStack: `${DLQ_HEADER_PREFIX}error-stack`,
} as const;

/** Header values are bounded (the full error message is in the envelope). */
export const DLQ_HEADER_LIMITS = { errorMessage: 1024, errorStack: 8192 } as const;

/** The envelope's fields, in the order the writer emits them; `original_timestamp` only when known. */
export const DLQ_ENVELOPE_FIELDS = [
  'original_topic',
  'original_partition',
  'original_offset',
  'original_timestamp',
  'error_type',
  'error_message',
  'failed_at',
  'retry_count',
  'payload',
  'payload_encoding',
] as const;

export type DlqEnvelopeField = (typeof DLQ_ENVELOPE_FIELDS)[number];
