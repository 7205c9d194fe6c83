// Reads a group's committed offsets without the admin API (see below), for the kill tests.
import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { loadNativeClient } from '../../src/core/kafka/nativeClient';

/**
 * Reads a group's committed offsets through a plain consumer that never subscribes, so it never
 * joins the group: the consumer's own OffsetFetch path. Not the admin API: in this librdkafka, an
 * admin ListConsumerGroupOffsets (KafkaJS fetchOffsets) that gets NOT_COORDINATOR dereferences a
 * missing consumer group and segfaults (confluent-kafka-javascript#374), and one that loses its
 * connection aborts the process (librdkafka#4605); both happen around a broker start.
 */
export class CommittedReader {
  private constructor(private readonly consumer: KafkaConsumer) {}

  static async open(bootstrapServers: string, groupId: string): Promise<CommittedReader> {
    const consumer = new (loadNativeClient().KafkaConsumer)(
      {
        'bootstrap.servers': bootstrapServers,
        'group.id': groupId,
        'client.id': 'committed-reader',
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
      } as never,
      {},
    );
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 15_000 }, (err) =>
        err ? reject(new Error(`committed-offset reader: ${err.message}`)) : resolve(),
      ),
    );
    return new CommittedReader(consumer);
  }

  /** Committed offset per partition; -1 where nothing was committed. */
  read(topic: string, partitions: readonly number[], timeoutMs = 10_000): Promise<Map<number, number>> {
    return new Promise((resolve, reject) =>
      this.consumer.committed(
        partitions.map((partition) => ({ topic, partition })),
        timeoutMs,
        (err, offsets) =>
          err
            ? reject(new Error(`reading committed offsets: ${err.message}`))
            : resolve(
                new Map(offsets.map((o) => [o.partition, o.offset !== undefined && o.offset >= 0 ? o.offset : -1])),
              ),
      ),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      this.consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
