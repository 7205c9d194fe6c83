import type { KafkaConsumer, TopicPartitionOffsetAndMetadata } from '@confluentinc/kafka-javascript';
import { type Logger } from '../logging';
import { bounded } from './adminErrors';
import { type ClassifyContext, type RawClientError } from './clientErrors';
import { type ClusterConnection, toLibrdkafkaConfig } from './connection';
import { committedOrNull } from './groupInfo';
import { loadNativeClient } from './nativeClient';
import type { TopicPartitionRef } from './offsetReset';

type ConsumerWithCommitCb = KafkaConsumer & {
  commitCb(toppars: TopicPartitionOffsetAndMetadata[], cb: (err: RawClientError | null) => void): void;
};

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * A plain consumer with `group.id` set to the group, which never subscribes and so never joins it:
 * it reads committed offsets (OffsetFetch) and commits explicit ones. Not the admin API: in this
 * librdkafka an admin ListConsumerGroupOffsets that gets NOT_COORDINATOR segfaults
 * (confluent-kafka-javascript#374), and one that loses its connection aborts (librdkafka#4605).
 */
export class GroupConsumer {
  private lastError: RawClientError | undefined;

  private constructor(
    private readonly consumer: ConsumerWithCommitCb,
    private readonly groupId: string,
    private readonly timeoutMs: number,
    private readonly context: ClassifyContext,
  ) {}

  static async open(
    connection: ClusterConnection,
    groupId: string,
    timeoutMs: number,
    context: ClassifyContext,
    logger: Logger,
  ): Promise<GroupConsumer> {
    const native = loadNativeClient();
    const consumer = new native.KafkaConsumer(
      {
        ...toLibrdkafkaConfig(connection),
        'group.id': groupId,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'socket.connection.setup.timeout.ms': Math.max(1000, timeoutMs),
        'reconnect.backoff.max.ms': 1000,
        'log.connection.close': false,
      } as never,
      {},
    ) as ConsumerWithCommitCb;
    const reader = new GroupConsumer(consumer, groupId, timeoutMs, context);
    consumer.on('event.error', (error: RawClientError) => {
      reader.lastError = error;
      logger.debug(`group client error (${groupId}): ${error.message ?? ''}`);
    });
    try {
      await bounded<void>(
        timeoutMs + 1000,
        { operation: `connect for consumer group "${groupId}"`, groupId },
        context,
        (done) => consumer.connect({ timeout: timeoutMs }, (err) => done(err)),
        () => reader.lastError,
      );
    } catch (error) {
      await reader.close();
      throw error;
    }
    return reader;
  }

  /** Committed offset per partition key; null where the group has none. */
  async committed(partitions: readonly TopicPartitionRef[]): Promise<Map<string, number | null>> {
    if (partitions.length === 0) return new Map();
    const offsets = await bounded<TopicPartitionOffsetAndMetadata[]>(
      this.timeoutMs + 1000,
      { operation: `read the committed offsets of group "${this.groupId}"`, groupId: this.groupId },
      this.context,
      (done) =>
        this.consumer.committed(
          partitions.map((p) => ({ topic: p.topic, partition: p.partition })),
          this.timeoutMs,
          (err, tps) => done(err, tps),
        ),
      () => this.lastError,
    );
    return new Map(offsets.map((o) => [partitionKey(o.topic, o.partition), committedOrNull(o.offset)]));
  }

  /** Commits explicit offsets for the group; the broker accepts this only while the group has no members. */
  async commit(offsets: ReadonlyArray<TopicPartitionRef & { offset: number }>): Promise<void> {
    if (offsets.length === 0) return;
    await bounded<void>(
      this.timeoutMs + 1000,
      { operation: `commit offsets for group "${this.groupId}"`, groupId: this.groupId },
      this.context,
      (done) =>
        this.consumer.commitCb(
          offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
          (err) => done(err),
        ),
      () => this.lastError,
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.timeoutMs);
      try {
        this.consumer.disconnect(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
