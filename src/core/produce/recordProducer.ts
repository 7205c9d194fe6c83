import type { Metadata, Producer } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, principalOf, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import { describeTopicAccess, principalText, writeDeniedMessage } from '../kafka/topicAccess';
import { type Logger, silentLogger } from '../logging';
import { ProduceCode, ProduceError, toProduceError } from './produceErrors';
import { DEFAULT_PRODUCER_SETTINGS, producerConfig, type ProducerSettings } from './producerSettings';

/** One record to write, already encoded. */
export interface OutgoingRecord {
  readonly topic: string;
  /** Undefined: the client's partitioner picks (by key hash; sticky when the key is null). */
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: ReadonlyArray<{ readonly key: string; readonly value: Buffer | string }>;
  /** Milliseconds since the epoch; undefined: the producer's current time. */
  readonly timestamp?: number;
}

/** Where the broker put a record. */
export interface Delivered {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | undefined;
}

export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
}

export interface RecordProducerOptions {
  readonly connection: ClusterConnection;
  readonly settings?: ProducerSettings;
  readonly logger?: Logger;
  /** Bound of connecting and of reading metadata; default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Records handed to the client and not yet acknowledged, at most; default 50,000. */
  readonly maxInFlight?: number;
}

type DeliveryCallback = (error: ProduceError | undefined, delivered: Delivered | undefined) => void;

/**
 * The produce service over the native producer of @confluentinc/kafka-javascript (librdkafka): a
 * record is done only when the broker acknowledged it (acks=all and idempotence by default) or its
 * delivery failed, and each gets exactly one callback. `enqueue` waits (bounded) while the client's
 * queue is full, so a caller streaming a million records keeps memory bounded.
 */
export class RecordProducer {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly callbacks = new Map<number, DeliveryCallback>();
  private nextId = 1;
  private readonly topics = new Map<string, TopicInfo>();
  private readonly settings: ProducerSettings;
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlight: number;
  private spaceWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: RecordProducerOptions) {
    this.settings = options.settings ?? DEFAULT_PRODUCER_SETTINGS;
    this.logger = options.logger ?? silentLogger;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxInFlight = options.maxInFlight ?? 50_000;
  }

  /** The SASL user, for error messages (never a secret). */
  private get principal(): string | undefined {
    return principalOf(this.options.connection);
  }

  /** Records handed to the client and not yet acknowledged or failed. */
  get inFlight(): number {
    return this.callbacks.size;
  }

  /** The topic's partition count, from metadata (cached); ProduceError `topicNotFound` when it has none. */
  async topic(name: string): Promise<TopicInfo> {
    const known = this.topics.get(name);
    if (known) return known;
    const producer = await this.connect();
    const metadata = await new Promise<Metadata>((resolve, reject) =>
      producer.getMetadata({ topic: name, allTopics: false, timeout: this.requestTimeoutMs }, (err, data) =>
        err ? reject(err) : resolve(data),
      ),
    ).catch((error: { code?: number; message?: string }) => {
      throw toProduceError(error, name, this.principal);
    });
    const entry = metadata.topics.find((t) => t.name === name);
    if (!entry || entry.partitions.length === 0) {
      // Metadata leaves out a topic the principal may not DESCRIBE, as if it did not exist.
      const access = await describeTopicAccess(this.options.connection, name, this.requestTimeoutMs);
      if (access.kind === 'notAuthorized')
        throw new ProduceError('notAuthorized', writeDeniedMessage(access.code, name, this.principal), access.code);
      // When DescribeTopics could not answer, say what is certain: the topic is not visible.
      const unsure =
        access.kind === 'unknown'
          ? ` (or ${principalText(this.principal)} may not DESCRIBE it: checking which failed, ${access.detail})`
          : '';
      throw new ProduceError(
        'topicNotFound',
        `Topic "${name}" does not exist${unsure}, and the broker does not create topics when they are written to. Create it, or pick another topic.`,
        ProduceCode.UNKNOWN_TOPIC_OR_PART,
      );
    }
    const info = { name, partitions: entry.partitions.length };
    this.topics.set(name, info);
    return info;
  }

  /** Forgets what metadata said about a topic (after creating it, say). */
  forgetTopic(name: string): void {
    this.topics.delete(name);
  }

  /** Writes one record and resolves once the broker acknowledged it; rejects with a ProduceError. */
  async send(record: OutgoingRecord): Promise<Delivered> {
    await this.check(record);
    return new Promise<Delivered>((resolve, reject) => {
      this.enqueue(record, (error, delivered) => (error || !delivered ? reject(error) : resolve(delivered))).catch(
        reject,
      );
    });
  }

  /**
   * Hands a record to the client; resolves once it is queued (after waiting for room while the
   * queue is full), and `done` is called exactly once with its outcome. Rejects (and never calls
   * `done`) when the record cannot even be queued.
   */
  async enqueue(record: OutgoingRecord, done: DeliveryCallback): Promise<void> {
    const producer = this.producer ?? (await this.connect());
    const deadline = Date.now() + this.settings.deliveryTimeoutMs;
    for (;;) {
      if (this.closed) throw new ProduceError('cancelled', 'The producer was closed; the record was not sent.');
      if (this.callbacks.size >= this.maxInFlight) {
        await this.waitForSpace(deadline, record.topic);
        continue;
      }
      const id = this.nextId++;
      this.callbacks.set(id, done);
      try {
        producer.produce(
          record.topic,
          record.partition ?? null,
          record.value,
          record.key ?? undefined,
          record.timestamp ?? null,
          id,
          record.headers?.map((h) => ({ [h.key]: h.value })) as never,
        );
        return;
      } catch (error) {
        this.callbacks.delete(id);
        const code = (error as { code?: number }).code;
        if (code === ProduceCode.QUEUE_FULL) {
          await this.waitForSpace(deadline, record.topic);
          continue;
        }
        throw toProduceError(error as { code?: number; message?: string }, record.topic, this.principal);
      }
    }
  }

  /** Waits (bounded) until every queued record is acknowledged or failed. */
  async flush(timeoutMs = this.settings.deliveryTimeoutMs + 5_000): Promise<void> {
    const producer = this.producer;
    if (!producer) return;
    const deadline = Date.now() + timeoutMs;
    while (this.callbacks.size > 0) {
      if (Date.now() > deadline)
        throw new ProduceError(
          'timeout',
          `${this.callbacks.size} records were still waiting for their acknowledgement after ${timeoutMs} ms. Check the broker.`,
        );
      await new Promise<void>((resolve) => {
        try {
          producer.flush(Math.min(500, timeoutMs), () => resolve());
        } catch {
          resolve();
        }
      });
      if (this.callbacks.size > 0) await this.waitForSpace(deadline, '', 50);
    }
  }

  /** Flushes (bounded) and disconnects; records still unacknowledged then fail with `cancelled`. */
  async close(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    if (producer) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs + 1_000);
        try {
          producer.flush(timeoutMs, () =>
            producer.disconnect(timeoutMs, () => {
              clearTimeout(timer);
              resolve();
            }),
          );
        } catch {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    const left = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const done of left)
      done(
        new ProduceError(
          'cancelled',
          'The producer closed before the record was acknowledged; it may or may not have been written.',
        ),
        undefined,
      );
    this.wakeWaiters();
  }

  private async check(record: OutgoingRecord): Promise<void> {
    const info = await this.topic(record.topic);
    if (record.partition !== undefined && (record.partition < 0 || record.partition >= info.partitions)) {
      throw new ProduceError(
        'partitionNotFound',
        `Topic "${record.topic}" has partitions 0 to ${info.partitions - 1}; there is no partition ${record.partition}. Choose automatic, or one of those.`,
      );
    }
  }

  private waitForSpace(deadline: number, topic: string, pollMs = 20): Promise<void> {
    if (Date.now() > deadline)
      return Promise.reject(
        new ProduceError(
          'timeout',
          `The client's queue stayed full until the delivery timeout${topic ? ` writing to "${topic}"` : ''}. The broker is not acknowledging; check it.`,
        ),
      );
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.spaceWaiters = this.spaceWaiters.filter((w) => w !== wake);
        resolve();
      }, pollMs);
      this.spaceWaiters.push(wake);
    });
  }

  private wakeWaiters(): void {
    if (this.spaceWaiters.length === 0) return;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.connecting) return this.connecting;
    if (this.closed) return Promise.reject(new ProduceError('cancelled', 'The producer was closed.'));
    const kafka = loadNativeClient();
    const producer = new kafka.Producer({
      ...toLibrdkafkaConfig({
        ...this.options.connection,
        clientId: this.options.connection.clientId ?? 'kafka-consumer-lab-producer',
      }),
      ...producerConfig(this.settings),
      'allow.auto.create.topics': false,
      dr_cb: true,
    } as never);
    producer.on('delivery-report', (err, report) => {
      const id = report?.opaque as number | undefined;
      const done = id === undefined ? undefined : this.callbacks.get(id);
      if (!done || id === undefined) return;
      this.callbacks.delete(id);
      if (this.callbacks.size < this.maxInFlight) this.wakeWaiters();
      if (err) done(toProduceError(err, report.topic, this.principal), undefined);
      else
        done(undefined, {
          topic: report.topic,
          partition: report.partition,
          offset: report.offset,
          timestamp: typeof report.timestamp === 'number' && report.timestamp > 0 ? report.timestamp : undefined,
        });
    });
    producer.on('event.error', (err) => this.logger.warn(`producer: ${err.message}`));
    this.connecting = new Promise<Producer>((resolve, reject) => {
      producer.connect({ timeout: this.requestTimeoutMs }, (err) => {
        if (err) {
          this.connecting = undefined;
          reject(
            new ProduceError(
              'brokerUnreachable',
              `The producer could not connect to ${this.options.connection.bootstrapServers}: ${err.message}. Test the cluster connection.`,
              (err as { code?: number }).code,
              { cause: err },
            ),
          );
          return;
        }
        producer.setPollInBackground(true);
        this.producer = producer;
        resolve(producer);
      });
    });
    return this.connecting;
  }
}
