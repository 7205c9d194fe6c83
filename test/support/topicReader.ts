// Reads a whole topic to its end with the native client, by assignment (no group, no commit), in
// either isolation level: the independent check of what a transactional session left on a topic.
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { loadNativeClient } from '../../src/core/kafka/nativeClient';
import { services } from './services';
import { kafkaClient, withAdmin } from './kafka';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  /** The key's bytes (a schema-framed key is not text). */
  readonly keyBytes: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

const ERR_PARTITION_EOF = -191;

/**
 * Every record of `topic` from the beginning to the end of each partition. read_committed stops at
 * the last stable offset and skips aborted records; read_uncommitted shows them. Bounded by `timeoutMs`.
 */
export async function readTopic(
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted',
  timeoutMs = 60_000,
  /** Another broker than the shared one (a private broker of a test). */
  bootstrap = services.kafka.plaintext,
): Promise<ReadRecord[]> {
  const offsets = await withAdmin(
    (admin) => admin.fetchTopicOffsets(topic),
    bootstrap === services.kafka.plaintext ? undefined : kafkaClient({ brokers: bootstrap }),
  );
  const partitions = offsets.map((o) => o.partition);
  const nonEmpty = new Set(offsets.filter((o) => Number(o.high) > Number(o.low)).map((o) => o.partition));
  if (nonEmpty.size === 0) return [];
  const consumer: KafkaConsumer = new (loadNativeClient().KafkaConsumer)(
    {
      'bootstrap.servers': bootstrap,
      'group.id': `topic-reader-${process.pid}`,
      'client.id': 'topic-reader',
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'enable.partition.eof': true,
      'isolation.level': isolation,
    } as never,
    {},
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 15_000 }, (err) =>
      err ? reject(new Error(`topic reader: ${err.message}`)) : resolve(),
    ),
  );
  const out: ReadRecord[] = [];
  try {
    consumer.assign(partitions.filter((p) => nonEmpty.has(p)).map((partition) => ({ topic, partition, offset: -2 })));
    const atEnd = new Set<number>();
    consumer.on('partition.eof', (e: { partition: number }) => atEnd.add(e.partition));
    const deadline = Date.now() + timeoutMs;
    while (atEnd.size < nonEmpty.size) {
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms reading ${topic} (${isolation}): ${out.length} records, partitions at their end: ${[...atEnd].join(',')}`,
        );
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(1000, (err, messages) => {
          if (err && err.code !== ERR_PARTITION_EOF) reject(new Error(`topic reader: ${err.message}`));
          else resolve(messages ?? []);
        }),
      );
      for (const m of batch) {
        const headers: Record<string, string> = {};
        for (const h of (m.headers ?? []) as Array<Record<string, Buffer | string>>)
          for (const [k, v] of Object.entries(h)) headers[k] = v.toString();
        out.push({
          partition: m.partition,
          offset: m.offset,
          key: m.key === null || m.key === undefined ? null : m.key.toString(),
          keyBytes: m.key === null || m.key === undefined ? null : Buffer.from(m.key),
          value: m.value ?? null,
          headers,
        });
      }
    }
    return out;
  } finally {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
