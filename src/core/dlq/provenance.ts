import type { Headers, KafkaRecord } from '../kafka/record';
import { DLQ_HEADER_PREFIX, payloadOf } from './envelope';
import { ORIGINAL_TOPIC_HEADER, SPRING_DLT_HEADER_PREFIX, envelopeOf } from './detect';

/**
 * What a re-driven record carries to say where it came from, so that the consumer and the viewer
 * can tell a re-drive from a first delivery: the dead-letter record's topic, partition and offset,
 * and when it was re-driven.
 */
export const REDRIVE_HEADER_PREFIX = 'kafka-lab.redrive.';
export const REDRIVE_HEADERS = {
  dlqTopic: `${REDRIVE_HEADER_PREFIX}dlq-topic`,
  dlqPartition: `${REDRIVE_HEADER_PREFIX}dlq-partition`,
  dlqOffset: `${REDRIVE_HEADER_PREFIX}dlq-offset`,
  redrivenAt: `${REDRIVE_HEADER_PREFIX}redriven-at`,
} as const;
/** One header with all three coordinates, `topic/partition/offset`, for a quick look in any tool. */
export const REDRIVEN_FROM_HEADER = 'kafka-lab.redriven-from';

/** A header that only describes the dead-lettering (or an earlier re-drive), so it is not re-driven. */
export function isDeadLetterHeader(name: string): boolean {
  return (
    name.startsWith(DLQ_HEADER_PREFIX) ||
    name.startsWith(SPRING_DLT_HEADER_PREFIX) ||
    name.startsWith(REDRIVE_HEADER_PREFIX) ||
    name === REDRIVEN_FROM_HEADER ||
    name === ORIGINAL_TOPIC_HEADER
  );
}

export function provenanceHeaders(dlq: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>, redrivenAt: Date): Headers {
  return [
    { [REDRIVE_HEADERS.dlqTopic]: dlq.topic },
    { [REDRIVE_HEADERS.dlqPartition]: String(dlq.partition) },
    { [REDRIVE_HEADERS.dlqOffset]: String(dlq.offset) },
    { [REDRIVE_HEADERS.redrivenAt]: redrivenAt.toISOString() },
    { [REDRIVEN_FROM_HEADER]: `${dlq.topic}/${dlq.partition}/${dlq.offset}` },
  ];
}

/** The original message inside a dead-letter record: the envelope's payload, or the value itself (Spring keeps it as is). */
export interface OriginalMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The record's headers without the dead-letter ones. */
  readonly headers: Headers;
}

export function originalMessageOf(record: KafkaRecord): OriginalMessage {
  const envelope = envelopeOf(record);
  return {
    key: record.key,
    value: envelope ? payloadOf(envelope) : record.value,
    headers: (record.headers ?? []).filter((h) => !Object.keys(h).some(isDeadLetterHeader)),
  };
}
