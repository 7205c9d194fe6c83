import type { Metadata, Producer } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, principalOf, toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import { closeProducer } from '../kafka/producerClose';
import { AuthorizationCode, describeTopicAccess, writeDeniedMessage } from '../kafka/topicAccess';
import { type Logger, silentLogger } from '../logging';
import type { OriginalMessage } from './provenance';
import { RedriveError } from './redriveErrors';
import type { RedriveProducerPort } from './redriveRun';

export interface RedriveProducerOptions {
  readonly connection: ClusterConnection;
  /** How long one write may wait for its acknowledgement (librdkafka's message.timeout.ms). Default 30 s. */
  readonly writeTimeoutMs?: number;
  readonly logger?: Logger;
}

type Delivery = (error: Error | undefined, ack?: { partition: number; offset: number }) => void;

/**
 * The reference guide's producer for re-driving: acks=all, idempotent (librdkafka's own retries
 * add no duplicates), lz4, a short linger. Each write resolves on the broker's acknowledgement.
 */
export class RdkafkaRedriveProducer implements RedriveProducerPort {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly deliveries = new Map<number, Delivery>();
  private nextId = 1;
  private readonly writeTimeoutMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: RedriveProducerOptions) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.logger = options.logger ?? silentLogger;
  }

  async send(topic: string, message: OriginalMessage): Promise<{ partition: number; offset: number }> {
    const producer = await this.connect();
    return new Promise((resolve, reject) =>
      this.produce(producer, topic, message, (error, ack) => (error || !ack ? reject(error) : resolve(ack))),
    );
  }

  sendWith(
    topic: string,
    message: OriginalMessage,
    done: (error: Error | undefined, ack?: { partition: number; offset: number }) => void,
  ): void {
    if (this.producer) this.produce(this.producer, topic, message, done);
    else
      void this.connect().then(
        (producer) => this.produce(producer, topic, message, done),
        (error: unknown) => done(error instanceof Error ? error : new Error(errorText(error))),
      );
  }

  /** One write; `done` runs once, from the delivery report (or a microtask when the client refuses it). */
  private produce(producer: Producer, topic: string, message: OriginalMessage, done: Delivery): void {
    const id = this.nextId++;
    this.deliveries.set(id, done);
    try {
      producer.produce(topic, null, message.value, message.key ?? undefined, Date.now(), id, message.headers as never);
    } catch (error) {
      this.deliveries.delete(id);
      const code = (error as { code?: number }).code;
      const refused = new Error(
        isAuthorizationCode(code)
          ? writeDeniedMessage(code, topic, principalOf(this.options.connection))
          : `the producer refused the write to ${topic}: ${errorText(error)}`,
      );
      queueMicrotask(() => done(refused));
    }
  }

  async missingTopics(topics: readonly string[]): Promise<string[]> {
    const producer = await this.connect();
    const missing: string[] = [];
    for (const topic of topics) {
      const metadata = await new Promise<Metadata>((resolve, reject) =>
        producer.getMetadata({ topic, allTopics: false, timeout: this.writeTimeoutMs }, (err, data) =>
          err ? reject(err) : resolve(data),
        ),
      ).catch((err: unknown) => {
        throw new RedriveError(
          'producerUnavailable',
          `Could not read the metadata of ${topic}: ${errorText(err)}. Nothing was re-driven; check the connection.`,
          { cause: err },
        );
      });
      const entry = metadata.topics.find((t) => t.name === topic);
      if (entry && entry.partitions.length > 0) continue;
      // Metadata leaves out a topic the principal may not DESCRIBE, as if it did not exist.
      const access = await describeTopicAccess(this.options.connection, topic, Math.min(this.writeTimeoutMs, 15_000));
      if (access.kind === 'notAuthorized')
        throw new RedriveError(
          'notAuthorized',
          `Nothing was re-driven (0 sent). ${writeDeniedMessage(access.code, topic, principalOf(this.options.connection))}`,
        );
      missing.push(topic);
    }
    return missing;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    if (!producer) return;
    await closeProducer(producer, this.writeTimeoutMs);
    for (const delivery of this.deliveries.values())
      delivery(new Error('the producer closed before the broker acknowledged the write'));
    this.deliveries.clear();
  }

  private connect(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.connecting) return this.connecting;
    const kafka = loadNativeClient();
    const producer = new kafka.Producer({
      ...toLibrdkafkaConfig({
        ...this.options.connection,
        clientId: this.options.connection.clientId ?? 'kafka-consumer-lab-redrive',
      }),
      acks: 'all',
      'enable.idempotence': true,
      'compression.type': 'lz4',
      'linger.ms': 5,
      'message.timeout.ms': this.writeTimeoutMs,
      dr_cb: true,
    } as never);
    producer.on('delivery-report', (err, report) => {
      const id = report?.opaque as number | undefined;
      const delivery = id === undefined ? undefined : this.deliveries.get(id);
      if (!delivery || id === undefined) return;
      this.deliveries.delete(id);
      if (err)
        delivery(
          new Error(
            isAuthorizationCode(err.code)
              ? writeDeniedMessage(err.code, report.topic, principalOf(this.options.connection))
              : `the broker did not acknowledge the write to ${report.topic}: ${err.message}`,
          ),
        );
      else delivery(undefined, { partition: report.partition, offset: report.offset });
    });
    producer.on('event.error', (err) => this.logger.warn(`re-drive producer: ${err.message}`));
    producer.setPollInterval(10);
    this.connecting = new Promise<Producer>((resolve, reject) => {
      producer.connect({ timeout: Math.min(this.writeTimeoutMs, 15_000) }, (err) => {
        if (err) {
          this.connecting = undefined;
          reject(
            new RedriveError(
              'producerUnavailable',
              `The re-drive producer could not connect: ${err.message}. Nothing was re-driven; check the cluster connection.`,
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
}

function isAuthorizationCode(code: number | undefined): code is number {
  return (
    code === AuthorizationCode.TOPIC_AUTHORIZATION_FAILED ||
    code === AuthorizationCode.CLUSTER_AUTHORIZATION_FAILED ||
    code === AuthorizationCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
