import type { Headers, KafkaRecord } from '../kafka/record';
import { DLQ_HEADER_PREFIX, payloadOf } from './envelope';
import { ORIGINAL_TOPIC_HEADER, SPRING_DLT_HEADER_PREFIX, envelopeOf } from './detect';

/**
 * What a re-driven record carries to say where it came from, so that the consumer and the viewer
 * can tell a re-drive from a first delivery: the dead-letter record's topic, partition and offset,
 * and when it was re-driven.
 */
export const REDRIVE_HEADERS = {
  /** `topic/partition/offset` of the dead-letter record (a topic name never holds a `/`). */
  redrivenFrom: 'kafka-lab.redriven-from',
  /** ISO-8601 UTC. */
  redrivenAt: 'kafka-lab.redriven-at',
} as const;
// Two headers, not one per coordinate: each header costs the native client about as much as the payload.

/** Where a re-driven record came from, read back from its headers; undefined when it does not say. */
export function redrivenFrom(
  headers: Headers | undefined,
): { topic: string; partition: number; offset: number; at?: string } | undefined {
  let from: string | undefined;
  let at: string | undefined;
  for (const h of headers ?? []) {
    for (const [name, value] of Object.entries(h)) {
      if (name === REDRIVE_HEADERS.redrivenFrom) from = value.toString();
      else if (name === REDRIVE_HEADERS.redrivenAt) at = value.toString();
    }
  }
  const match = from ? /^([a-zA-Z0-9._-]{1,249})\/(\d{1,10})\/(\d{1,19})$/.exec(from) : null;
  if (!match) return undefined;
  return { topic: match[1], partition: Number(match[2]), offset: Number(match[3]), ...(at ? { at } : {}) };
}

/** A header that only describes the dead-lettering (or an earlier re-drive), so it is not re-driven. */
export function isDeadLetterHeader(name: string): boolean {
  return (
    name.startsWith(DLQ_HEADER_PREFIX) ||
    name.startsWith(SPRING_DLT_HEADER_PREFIX) ||
    name === REDRIVE_HEADERS.redrivenFrom ||
    name === REDRIVE_HEADERS.redrivenAt ||
    name === ORIGINAL_TOPIC_HEADER
  );
}

export function provenanceHeaders(dlq: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>, redrivenAt: Date): Headers {
  return [redrivenFromHeader(dlq), redrivenAtHeader(redrivenAt)];
}

/** The kafka-lab.redriven-from header of a record re-driven from this dead-letter record. */
export function redrivenFromHeader(dlq: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>): Headers[number] {
  return { [REDRIVE_HEADERS.redrivenFrom]: `${dlq.topic}/${dlq.partition}/${dlq.offset}` };
}

/** The kafka-lab.redriven-at header (ISO-8601 UTC, milliseconds). */
export function redrivenAtHeader(redrivenAt: Date): Headers[number] {
  return { [REDRIVE_HEADERS.redrivenAt]: redrivenAt.toISOString() };
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
