import type { Metadata, Producer } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import { closeProducer } from '../kafka/producerClose';
import type { TopicPartitionOffset } from '../kafka/record';
import { type Logger, silentLogger } from '../logging';
import { NonRetriableError, RetriableError } from '../errors';
import type { EncodedOutput } from './outputs';

/** A handler's output names a topic that does not exist (auto-creation is off): not retried. */
export class OutputTopicMissing extends NonRetriableError {}

/** Producing a handler's outputs failed (at-least-once): the input is retried, never committed first. */
export class OutputSendError extends RetriableError {}

/**
 * Where an at-least-once session's outputs go: `send` resolves once the broker acknowledged every
 * record (acks=all, idempotence), and only then is the input message marked done.
 */
export interface OutputSender {
  send(outputs: readonly EncodedOutput[]): Promise<void>;
  close(): Promise<void>;
}

/** The transactional producer of one member of an exactly-once session (fakes in unit tests). */
export interface TransactionalProducerPort {
  readonly transactionalId: string;
  init(timeoutMs: number): Promise<void>;
  begin(): Promise<void>;
  /** Hands a record to the open transaction; throws when the client refuses it. */
  produce(output: EncodedOutput): void;
  /** Adds the input offsets (the consumer's group metadata comes from its native handle). */
  sendOffsets(offsets: readonly TopicPartitionOffset[], consumer: unknown, timeoutMs: number): Promise<void>;
  commit(timeoutMs: number): Promise<void>;
  abort(timeoutMs: number): Promise<void>;
  /** Whether a topic exists (cached once it does): a missing one would only fail the commit later. */
  topicExists(topic: string, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface TransactionalProducerSettings {
  readonly connection: ClusterConnection;
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  readonly logger?: Logger;
}

export type TransactionalProducerFactory = (settings: TransactionalProducerSettings) => TransactionalProducerPort;

const headersOf = (o: EncodedOutput): unknown => (o.headers.length ? o.headers : undefined);

/** The transactional producer over librdkafka (the node-rdkafka-style API of @confluentinc/kafka-javascript). */
class RdkafkaTransactionalProducer implements TransactionalProducerPort {
  readonly transactionalId: string;
  private readonly producer: Producer;
  private readonly knownTopics = new Set<string>();
  private connected = false;
  private readonly log: Logger;

  constructor(settings: TransactionalProducerSettings) {
    const kafka = loadNativeClient();
    this.transactionalId = settings.transactionalId;
    const log = (this.log = settings.logger ?? silentLogger);
    this.producer = new kafka.Producer({
      ...toLibrdkafkaConfig({
        ...settings.connection,
        clientId: settings.connection.clientId ?? `kafka-consumer-lab-${settings.transactionalId}`,
      }),
      'transactional.id': settings.transactionalId,
      'transaction.timeout.ms': settings.transactionTimeoutMs,
      'enable.idempotence': true,
      acks: 'all',
      'allow.auto.create.topics': false,
      'linger.ms': 5,
      'compression.codec': 'lz4',
      // A transaction holds its records until it commits: room for large batches.
      'queue.buffering.max.messages': 1_000_000,
    } as never);
    this.producer.on('event.error', (err) =>
      log.warn(`transactional producer ${this.transactionalId}: ${err.message}`),
    );
    this.producer.setPollInterval(20);
  }

  private call(run: (cb: (err: unknown) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => run((err) => (err ? reject(err as Error) : resolve())));
  }

  async init(timeoutMs: number): Promise<void> {
    await this.call((cb) => this.producer.connect({ timeout: timeoutMs }, (err) => cb(err)));
    this.connected = true;
    await this.call((cb) => this.producer.initTransactions(timeoutMs, cb));
  }

  begin(): Promise<void> {
    return this.call((cb) => this.producer.beginTransaction(cb));
  }

  produce(o: EncodedOutput): void {
    this.producer.produce(
      o.topic,
      o.partition ?? null,
      o.value,
      o.key ?? undefined,
      Date.now(),
      undefined,
      headersOf(o) as never,
    );
  }

  sendOffsets(offsets: readonly TopicPartitionOffset[], consumer: unknown, timeoutMs: number): Promise<void> {
    const list = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }));
    return this.call((cb) => this.producer.sendOffsetsToTransaction(list, consumer as never, timeoutMs, cb));
  }

  commit(timeoutMs: number): Promise<void> {
    return this.call((cb) => this.producer.commitTransaction(timeoutMs, cb));
  }

  abort(timeoutMs: number): Promise<void> {
    return this.call((cb) => this.producer.abortTransaction(timeoutMs, cb));
  }

  async topicExists(topic: string, timeoutMs: number): Promise<boolean> {
    if (this.knownTopics.has(topic)) return true;
    const metadata = await new Promise<Metadata>((resolve, reject) =>
      this.producer.getMetadata({ topic, allTopics: false, timeout: timeoutMs }, (err, data) =>
        err ? reject(err) : resolve(data),
      ),
    );
    const found = metadata.topics.some((t) => t.name === topic && t.partitions.length > 0);
    if (found) this.knownTopics.add(topic);
    return found;
  }

  close(): Promise<void> {
    if (!this.connected) return Promise.resolve();
    this.connected = false;
    return closeProducer(this.producer, 3000, 2000).then((closed) => {
      if (!closed) this.log.warn(`the transactional producer ${this.transactionalId} did not close within 5 s`);
    });
  }
}

export const rdkafkaTransactionalProducerFactory: TransactionalProducerFactory = (settings) =>
  new RdkafkaTransactionalProducer(settings);

interface PendingDelivery {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * At-least-once outputs over an idempotent librdkafka producer (acks=all): each record's delivery
 * report settles its promise, so `send` resolves only once the broker has every output.
 */
export class RdkafkaOutputSender implements OutputSender {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly pending = new Map<number, PendingDelivery>();
  private readonly knownTopics = new Set<string>();
  private nextId = 1;
  private readonly deliveryTimeoutMs: number;
  private ready: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: ClusterConnection,
    private readonly logger: Logger = silentLogger,
    deliveryTimeoutMs = 30_000,
  ) {
    this.deliveryTimeoutMs = deliveryTimeoutMs;
  }

  async send(outputs: readonly EncodedOutput[]): Promise<void> {
    // Outputs are handed to the client in the order send was called (a partition's order), even
    // when an earlier call still waits for the connection or a topic's metadata.
    const ready = this.ready.then(async () => {
      const p = await this.connect();
      for (const o of outputs) await this.checkTopic(p, o.topic);
      return p;
    });
    this.ready = ready.then(
      () => undefined,
      () => undefined,
    );
    const producer = await ready;
    const deliveries: Promise<void>[] = [];
    for (const o of outputs) {
      const id = this.nextId++;
      deliveries.push(
        new Promise<void>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          try {
            producer.produce(
              o.topic,
              o.partition ?? null,
              o.value,
              o.key ?? undefined,
              Date.now(),
              id,
              headersOf(o) as never,
            );
          } catch (error) {
            this.pending.delete(id);
            reject(
              new OutputSendError(`an output to ${o.topic} was not queued: ${(error as Error).message}`, {
                cause: error,
              }),
            );
          }
        }),
      );
    }
    await Promise.all(deliveries);
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    if (producer && !(await closeProducer(producer, 5000, 3000)))
      this.logger.warn('the output producer did not close within 8 s');
    for (const p of this.pending.values())
      p.reject(
        new OutputSendError('the session stopped before the output was acknowledged; the input stays uncommitted'),
      );
    this.pending.clear();
  }

  private async checkTopic(producer: Producer, topic: string): Promise<void> {
    if (this.knownTopics.has(topic)) return;
    const metadata = await new Promise<Metadata>((resolve, reject) =>
      producer.getMetadata({ topic, allTopics: false, timeout: 10_000 }, (err, data) =>
        err ? reject(err) : resolve(data),
      ),
    ).catch((error: Error) => {
      throw new OutputSendError(`could not read metadata of the output topic ${topic}: ${error.message}`, {
        cause: error,
      });
    });
    if (!metadata.topics.some((t) => t.name === topic && t.partitions.length > 0))
      throw new OutputTopicMissing(
        `the output topic ${topic} does not exist and the broker does not create topics automatically; create it (the input message goes to the dead-letter topic meanwhile)`,
      );
    this.knownTopics.add(topic);
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.connecting) return this.connecting;
    const kafka = loadNativeClient();
    const producer = new kafka.Producer({
      ...toLibrdkafkaConfig({ ...this.connection, clientId: this.connection.clientId ?? 'kafka-consumer-lab-outputs' }),
      acks: 'all',
      'enable.idempotence': true,
      'allow.auto.create.topics': false,
      'message.timeout.ms': this.deliveryTimeoutMs,
      'linger.ms': 5,
      'compression.codec': 'lz4',
      dr_cb: true,
    } as never);
    producer.on('delivery-report', (err, report) => {
      const id = report?.opaque as number | undefined;
      const entry = id === undefined ? undefined : this.pending.get(id);
      if (!entry || id === undefined) return;
      this.pending.delete(id);
      if (err)
        entry.reject(
          new OutputSendError(`the broker did not take an output to ${report.topic}: ${err.message}`, { cause: err }),
        );
      else entry.resolve();
    });
    producer.on('event.error', (err) => this.logger.warn(`output producer: ${err.message}`));
    producer.setPollInterval(10);
    this.connecting = new Promise<Producer>((resolve, reject) =>
      producer.connect({ timeout: 10_000 }, (err) => {
        if (err) {
          this.connecting = undefined;
          reject(new OutputSendError(`the output producer could not connect: ${err.message}`, { cause: err }));
          return;
        }
        this.producer = producer;
        resolve(producer);
      }),
    );
    return this.connecting;
  }
}
