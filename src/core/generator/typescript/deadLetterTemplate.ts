import { DLQ_ENVELOPE_FIELDS, DLQ_HEADERS, DLQ_HEADER_LIMITS, DLQ_HEADER_PREFIX } from '../../dlq/envelopeContract';

const q = (text: string): string => JSON.stringify(text);

/** src/deadLetter.ts: the envelope and headers of Kafka Consumer Lab, written with acks=all. */
export function deadLetterTs(): string {
  const fields = DLQ_ENVELOPE_FIELDS.map(
    (f) => `  readonly ${f}${f === 'original_timestamp' ? '?' : ''}: ${envelopeFieldType(f)};`,
  );
  return `import { type DeliveryReport, type LibrdKafkaError, type Message, type MessageHeader, Producer } from '@confluentinc/kafka-javascript';
import type { Settings } from './config';

/**
 * Kafka Consumer Lab's dead-letter envelope (its DLQ view and re-drive read it): the reference
 * guide's fields plus the retry count and the payload's encoding. Generated from the extension's
 * own constants; do not rename.
 */
export interface DeadLetterEnvelope {
${fields.join('\n')}
}

export const DLQ_HEADER_PREFIX = ${q(DLQ_HEADER_PREFIX)};
export const DLQ_HEADERS = {
${Object.entries(DLQ_HEADERS)
  .map(([k, v]) => `  ${k}: ${q(v)},`)
  .join('\n')}
} as const;
const MAX_ERROR_MESSAGE_HEADER = ${DLQ_HEADER_LIMITS.errorMessage};
const MAX_ERROR_STACK_HEADER = ${DLQ_HEADER_LIMITS.errorStack};
const WRITE_TIMEOUT_MS = 15_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) return error.constructor.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name;
  return typeof error;
}

export function buildEnvelope(message: Message, error: unknown, retryCount: number, now = new Date()): DeadLetterEnvelope {
  const value = message.value ?? null;
  const encoding = value === null ? 'null' : isUtf8(value) ? 'utf8' : 'base64';
  return {
    original_topic: message.topic,
    original_partition: message.partition,
    original_offset: message.offset,
    ...(message.timestamp !== undefined && message.timestamp >= 0 ? { original_timestamp: message.timestamp } : {}),
    error_type: errorTypeOf(error),
    error_message: error instanceof Error ? error.message : String(error),
    failed_at: now.toISOString(),
    retry_count: retryCount,
    payload: value === null ? null : value.toString(encoding === 'utf8' ? 'utf8' : 'base64'),
    payload_encoding: encoding,
  };
}

/** The original headers (earlier dead-letter headers dropped) and this failure's. */
export function deadLetterHeaders(message: Message, envelope: DeadLetterEnvelope, error: unknown): MessageHeader[] {
  const kept = (message.headers ?? []).filter((h) => !Object.keys(h).some((k) => k.startsWith(DLQ_HEADER_PREFIX)));
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack.slice(0, MAX_ERROR_STACK_HEADER) : undefined;
  return [
    ...kept,
    { [DLQ_HEADERS.originalTopic]: envelope.original_topic },
    { [DLQ_HEADERS.originalPartition]: String(envelope.original_partition) },
    { [DLQ_HEADERS.originalOffset]: String(envelope.original_offset) },
    { [DLQ_HEADERS.errorType]: envelope.error_type },
    { [DLQ_HEADERS.errorMessage]: envelope.error_message.slice(0, MAX_ERROR_MESSAGE_HEADER) },
    { [DLQ_HEADERS.failedAt]: envelope.failed_at },
    { [DLQ_HEADERS.retryCount]: String(envelope.retry_count) },
    ...(stack ? [{ [DLQ_HEADERS.errorStack]: stack }] : []),
  ];
}

class DeadLetterWriteError extends Error {
  readonly retriable = true;
}

/** Resolves a write only once the broker acknowledged it (acks=all, idempotent). */
export class DeadLetterProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private nextId = 1;

  constructor(private readonly settings: Settings) {
    this.producer = new Producer({
      ...settings.connection,
      'client.id': settings.groupId + '-dead-letters',
      acks: -1, // all in-sync replicas
      'enable.idempotence': true,
      'message.timeout.ms': WRITE_TIMEOUT_MS,
      'linger.ms': 5,
      dr_cb: true,
    });
    this.producer.on('delivery-report', (err: LibrdKafkaError, report: DeliveryReport) => {
      const entry = this.pending.get(report.opaque as number);
      if (!entry) return;
      this.pending.delete(report.opaque as number);
      if (err) entry.reject(new DeadLetterWriteError('the broker refused the dead-letter write: ' + err.message));
      else entry.resolve();
    });
    this.producer.on('event.error', (error) => console.error('dead-letter producer:', error.message));
  }

  async write(message: Message, error: unknown, retryCount: number): Promise<void> {
    await this.connect();
    const envelope = buildEnvelope(message, error, retryCount);
    const id = this.nextId++;
    const acknowledged = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DeadLetterWriteError('the dead-letter write to ' + this.settings.dlqTopic + ' was not acknowledged in time'));
      }, WRITE_TIMEOUT_MS + 5_000);
      this.pending.set(id, {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
    try {
      this.producer.produce(
        this.settings.dlqTopic,
        null,
        Buffer.from(JSON.stringify(envelope)),
        message.key ?? null,
        Date.now(),
        id,
        deadLetterHeaders(message, envelope, error),
      );
    } catch (produceError) {
      this.pending.get(id)?.reject(new DeadLetterWriteError('could not queue the dead-letter write: ' + (produceError as Error).message));
    }
    await acknowledged;
  }

  async close(): Promise<void> {
    // Never connected (no dead letter written): nothing to flush; flush would throw "not connected".
    if (!this.connected || !(await this.connected.then(() => true, () => false))) return;
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      this.producer.flush(5_000, () => {
        // Stop polling first: a poll while the disconnect destroys the handle can crash the process.
        this.producer.setPollInterval(0);
        this.producer.disconnect(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
  }

  private connect(): Promise<void> {
    this.connected ??= new Promise<void>((resolve, reject) =>
      this.producer.connect({ timeout: 30_000 }, (err) => {
        if (err) {
          this.connected = undefined;
          reject(new DeadLetterWriteError('the dead-letter producer could not connect: ' + err.message));
          return;
        }
        this.producer.setPollInterval(50);
        resolve();
      }),
    );
    return this.connected;
  }
}
`;
}

function envelopeFieldType(field: (typeof DLQ_ENVELOPE_FIELDS)[number]): string {
  switch (field) {
    case 'original_partition':
    case 'original_offset':
    case 'original_timestamp':
    case 'retry_count':
      return 'number';
    case 'payload':
      return 'string | null';
    case 'payload_encoding':
      return "'utf8' | 'base64' | 'null'";
    default:
      return 'string';
  }
}
