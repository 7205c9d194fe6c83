import type { Metadata, Producer } from '@confluentinc/kafka-javascript';
import { DeadLetterError } from '../errors';
import type { ClusterConnection } from '../kafka/connection';
import { toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import { closeProducer } from '../kafka/producerClose';
import { type Logger, silentLogger } from '../logging';
import { type DeadLetterEnvelope, type FailedMessage, buildEnvelope, deadLetterHeaders } from './envelope';

/** librdkafka's RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: message.timeout.ms passed without an acknowledgement (the broker never refused it). */
const MESSAGE_TIMED_OUT = -192;

export const defaultDeadLetterTopic = (sourceTopic: string): string => `${sourceTopic}.dead-letter`;

export interface DeadLetterWriterOptions {
  readonly connection: ClusterConnection;
  readonly writeTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface DeadLetterWriteResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly envelope: DeadLetterEnvelope;
}

interface PendingDelivery {
  resolve(report: { partition: number; offset: number }): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The engine's port to a dead-letter topic: `write` resolves only once the broker acknowledged the
 * envelope (the engine commits the source offset after that, never before) and rejects with a
 * DeadLetterError otherwise; `close` ends the writes of a stopped session. Unit tests fake it.
 */
export interface DeadLetterSink {
  write(topic: string, message: FailedMessage, error: unknown, retryCount: number): Promise<DeadLetterWriteResult>;
  close(): Promise<void>;
}

/**
 * Writes dead-letter envelopes with acks=all and idempotence, and resolves only once the broker
 * acknowledged the write: the caller commits the source offset after that, never before.
 */
export class DeadLetterWriter implements DeadLetterSink {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly pending = new Map<number, PendingDelivery>();
  private nextId = 1;
  private readonly knownTopics = new Set<string>();
  private readonly writeTimeoutMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: DeadLetterWriterOptions) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.logger = options.logger ?? silentLogger;
  }

  async write(
    topic: string,
    message: FailedMessage,
    error: unknown,
    retryCount: number,
  ): Promise<DeadLetterWriteResult> {
    const producer = await this.connect();
    await this.ensureTopicExists(producer, topic);
    const envelope = buildEnvelope(message, error, retryCount);
    const id = this.nextId++;
    const delivered = new Promise<{ partition: number; offset: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new DeadLetterError(
            'dlqWriteFailed',
            `The dead-letter write to ${topic} was not acknowledged within ${this.writeTimeoutMs} ms. The source message stays uncommitted; check the broker and the topic.`,
          ),
        );
      }, this.writeTimeoutMs + 1000);
      this.pending.set(id, { resolve, reject, timer });
    });
    try {
      producer.produce(
        topic,
        null,
        Buffer.from(JSON.stringify(envelope)),
        message.key ?? undefined,
        Date.now(),
        id,
        deadLetterHeaders(message, envelope, error) as never,
      );
    } catch (produceError) {
      const entry = this.pending.get(id);
      if (entry) clearTimeout(entry.timer);
      this.pending.delete(id);
      throw new DeadLetterError(
        'dlqWriteFailed',
        `The dead-letter write to ${topic} failed: ${produceError instanceof Error ? produceError.message : String(produceError)}. The source message stays uncommitted.`,
        { cause: produceError },
      );
    }
    const report = await delivered;
    return { topic, partition: report.partition, offset: report.offset, envelope };
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    if (!producer) return;
    if (!(await closeProducer(producer, 3000, 2000)))
      this.logger.warn('the dead-letter producer did not close within 5 s');
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(
        new DeadLetterError(
          'dlqWriteFailed',
          'The session stopped before the dead-letter write was acknowledged. The source message stays uncommitted.',
        ),
      );
    }
    this.pending.clear();
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.connecting) return this.connecting;
    const kafka = loadNativeClient();
    const producer = new kafka.Producer({
      ...toLibrdkafkaConfig({
        ...this.options.connection,
        clientId: this.options.connection.clientId ?? 'kafka-consumer-lab-dlq',
      }),
      acks: 'all',
      'enable.idempotence': true,
      'allow.auto.create.topics': false,
      'message.timeout.ms': this.writeTimeoutMs,
      'linger.ms': 0,
      dr_cb: true,
    } as never);
    producer.on('delivery-report', (err, report) => {
      const id = report?.opaque as number | undefined;
      const entry = id === undefined ? undefined : this.pending.get(id);
      if (!entry || id === undefined) return;
      this.pending.delete(id);
      clearTimeout(entry.timer);
      if (err) {
        entry.reject(
          new DeadLetterError(
            'dlqWriteFailed',
            err.code === MESSAGE_TIMED_OUT
              ? `The dead-letter write to ${report.topic} was not acknowledged within ${this.writeTimeoutMs} ms: its partition has no leader, or fewer in-sync replicas than min.insync.replicas (acks=all). The source message stays uncommitted; check the brokers of the dead-letter topic.`
              : `The broker rejected the dead-letter write to ${report.topic}: ${err.message}. The source message stays uncommitted.`,
            { cause: err },
          ),
        );
      } else {
        entry.resolve({ partition: report.partition, offset: report.offset });
      }
    });
    producer.on('event.error', (err) => this.logger.warn(`dead-letter producer: ${err.message}`));
    producer.setPollInterval(20);
    this.connecting = new Promise<Producer>((resolve, reject) => {
      producer.connect({ timeout: this.writeTimeoutMs }, (err) => {
        if (err) {
          this.connecting = undefined;
          reject(
            new DeadLetterError(
              'dlqWriteFailed',
              `The dead-letter producer could not connect: ${err.message}. The source message stays uncommitted.`,
              { cause: err },
            ),
          );
          return;
        }
        this.producer = producer;
        resolve(producer);
      });
    });
    return this.connecting;
  }

  /** With auto-creation off, a missing DLQ topic would only fail after the write timeout; say so at once. */
  private async ensureTopicExists(producer: Producer, topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const metadata = await new Promise<Metadata>((resolve, reject) =>
      producer.getMetadata({ topic, allTopics: false, timeout: this.writeTimeoutMs }, (err, data) =>
        err ? reject(err) : resolve(data),
      ),
    ).catch((err: Error) => {
      throw new DeadLetterError(
        'dlqWriteFailed',
        `Could not read metadata for the dead-letter topic ${topic}: ${err.message}. The source message stays uncommitted.`,
        { cause: err },
      );
    });
    const entry = metadata.topics.find((t) => t.name === topic);
    if (!entry || entry.partitions.length === 0) {
      throw new DeadLetterError(
        'dlqTopicMissing',
        `The dead-letter topic ${topic} does not exist and the broker does not create topics automatically. Create it; the source message stays uncommitted and its partition is paused until the write succeeds.`,
      );
    }
    this.knownTopics.add(topic);
  }
}
