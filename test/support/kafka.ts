// Thin test helpers over the real client's KafkaJS-compatible API (admin, producer, consumer).
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { loadNativeClient } from '../../src/core/kafka/nativeClient';
import { services, uniqueName, waitFor } from './services';

type Sasl = { mechanism: 'plain' | 'scram-sha-512'; username: string; password: string };

export function kafkaClient(options: { brokers?: string; sasl?: Sasl } = {}): KafkaJS.Kafka {
  // Through the extension's loader: inside a VS Code whose Node has another ABI (test:extension:latest)
  // it picks the addon built for that Node, as the extension does.
  const { KafkaJS: client } = loadNativeClient();
  return new client.Kafka({
    kafkaJS: {
      brokers: [options.brokers ?? services.kafka.plaintext],
      clientId: 'kafka-lab-tests',
      logLevel: client.logLevel.NOTHING,
      ...(options.sasl ? { ssl: false, sasl: options.sasl } : {}),
    },
  });
}

export async function withAdmin<T>(fn: (admin: KafkaJS.Admin) => Promise<T>, kafka = kafkaClient()): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topic and waits (bounded) until the broker serves every partition: the controller
 * answers before the broker has applied the new topic, and a describe or a fetch in that moment
 * fails with "does not host this topic-partition".
 */
export async function createTopic(topic: string, numPartitions: number): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], timeout: 15_000 });
    await waitFor(`topic ${topic} served with ${numPartitions} partition(s)`, 15_000, async () => {
      const [metadata] = await admin.fetchTopicMetadata({ topics: [topic], timeout: 5_000 }).catch(() => []);
      const led = (metadata?.partitions ?? []).filter((p) => p.leader >= 0).length;
      return led >= numPartitions ? true : undefined;
    });
  });
}

export async function deleteTopicsQuietly(...topics: string[]): Promise<void> {
  try {
    await withAdmin((admin) => admin.deleteTopics({ topics, timeout: 15_000 }));
  } catch {
    // Cleanup must not hide the test's own result.
  }
}

/** Produces `count` messages (value = JSON {seq}) spread by key, and waits for every acknowledgement. */
export async function produceSequence(
  topic: string,
  count: number,
  options: { keys?: number; start?: number; value?: (seq: number) => string | Buffer } = {},
): Promise<void> {
  const producer = kafkaClient().producer({ 'linger.ms': 5, acks: -1 } as KafkaJS.ProducerConstructorConfig);
  await producer.connect();
  try {
    const start = options.start ?? 0;
    const keys = options.keys ?? 16;
    for (let from = 0; from < count; from += 1000) {
      const messages = [];
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        const seq = start + i;
        messages.push({
          key: `key-${seq % keys}`,
          value: options.value ? options.value(seq) : JSON.stringify({ seq }),
          headers: { seq: String(seq) },
        });
      }
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The group's committed offsets for a topic, by partition (-1 when none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const result = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return new Map((result[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

export interface Read {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Reads a whole topic (from the beginning) with a throwaway group that never commits. */
export async function readAll(topic: string, expected: number): Promise<Read[]> {
  const consumer = kafkaClient().consumer({
    kafkaJS: { groupId: uniqueName('it-reader'), fromBeginning: true, autoCommit: false },
  });
  const out: Read[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
        out.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value,
          headers,
        });
      },
    });
    await waitFor(`${expected} messages on ${topic}`, 30_000, () => (out.length >= expected ? true : undefined));
    return out;
  } finally {
    await consumer.disconnect();
  }
}

/** Makes `groupId` a real group with committed offsets: the engine, stepping, acks the first `count` messages of `topic`. */
export async function commitFirstMessages(groupId: string, topic: string, count: number): Promise<void> {
  const { ConsumerSession } = await import('../../src/core/engine/session');
  const session = new ConsumerSession({
    connection: { bootstrapServers: services.kafka.plaintext },
    groupId,
    topics: [topic],
    mode: 'stepping',
    commitPolicy: { kind: 'perMessage' },
  });
  await session.start();
  try {
    for (let i = 0; i < count; i++) {
      const m = await session.nextAwaiting(20_000);
      await session.decide(m.id, { kind: 'ack' });
    }
  } finally {
    await session.stop();
  }
}
