// Thin test helpers over the real client's KafkaJS-compatible API (admin, producer, consumer).
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { services } from './services';

type Sasl = { mechanism: 'plain' | 'scram-sha-512'; username: string; password: string };

export function kafkaClient(options: { brokers?: string; sasl?: Sasl } = {}): KafkaJS.Kafka {
  return new KafkaJS.Kafka({
    kafkaJS: {
      brokers: [options.brokers ?? services.kafka.plaintext],
      clientId: 'kafka-lab-tests',
      logLevel: KafkaJS.logLevel.NOTHING,
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

export async function createTopic(topic: string, numPartitions: number): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], timeout: 15_000 });
  });
}

export async function deleteTopicsQuietly(...topics: string[]): Promise<void> {
  try {
    await withAdmin((admin) => admin.deleteTopics({ topics, timeout: 15_000 }));
  } catch {
    // Cleanup must not hide the test's own result.
  }
}
