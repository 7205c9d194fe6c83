// Helpers of the DLQ integration tests.
import { RdkafkaRedriveProducer } from '../../../src/core/dlq/redriveProducer';
import { createTopic } from '../../support/kafka';
import { services, waitFor } from '../../support/services';

/**
 * Creates a topic and waits (bounded) until a producer's metadata shows it: on a loaded shared
 * broker a topic can be created and still unknown to the next client for a moment.
 */
export async function createVisibleTopic(topic: string, partitions: number): Promise<void> {
  await createTopic(topic, partitions);
  const producer = new RdkafkaRedriveProducer({ connection: { bootstrapServers: services.kafka.plaintext } });
  try {
    await waitFor(`topic ${topic} in the metadata`, 30_000, async () =>
      (await producer.missingTopics([topic])).length === 0 ? true : undefined,
    );
  } finally {
    await producer.close();
  }
}
