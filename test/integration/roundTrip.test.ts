import { strict as assert } from 'node:assert';
import { type KafkaJS, type Metadata, Producer } from '@confluentinc/kafka-javascript';
import { probeCluster } from '../../src/core/kafka/clusterProbe';
import { createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../support/kafka';
import { services, uniqueName, waitFor } from '../support/services';

interface Received {
  partition: number;
  offset: number;
  key: string;
  value: string;
  header: string;
}

describe('round trip through the real broker', () => {
  const topic = uniqueName('it-roundtrip');
  const groupId = uniqueName('it-group');
  const partitions = 3;
  const count = 60;

  before(async () => {
    await createTopic(topic, partitions);
  });

  after(async () => {
    await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    await deleteTopicsQuietly(topic);
  });

  it('sees a single-node KRaft cluster through a real metadata request', async () => {
    const result = await probeCluster({ bootstrapServers: services.kafka.plaintext }, { timeoutMs: 10_000 });
    assert.equal(result.brokers.length, 1);
    assert.equal(`${result.brokers[0].host}:${result.brokers[0].port}`, services.kafka.plaintext);
  });

  it('refuses to auto-create topics (the broker is configured like production)', async () => {
    const missing = uniqueName('it-missing');
    // A client that asks for auto-creation: only the broker's auto.create.topics.enable=false stops it.
    const producer = new Producer({ 'bootstrap.servers': services.kafka.plaintext, 'allow.auto.create.topics': true });
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: 10_000 }, (error) => (error ? reject(error) : resolve())),
    );
    try {
      const metadata = await new Promise<Metadata>((resolve, reject) =>
        producer.getMetadata({ topic: missing, timeout: 10_000 }, (error, data) =>
          error ? reject(error) : resolve(data),
        ),
      );
      const entry = metadata.topics.find((t) => t.name === missing);
      assert.ok(!entry || entry.partitions.length === 0, 'the broker returned partitions for a topic nobody created');
      const topics = await withAdmin((admin) => admin.listTopics());
      assert.ok(!topics.includes(missing), 'the broker auto-created a topic');
    } finally {
      await new Promise((resolve) => producer.disconnect(5000, resolve));
    }
  });

  it('delivers every produced message, in offset order per partition, with keys and headers, and commits nothing by itself', async () => {
    const producer = kafkaClient().producer({
      'linger.ms': 5,
      'enable.idempotence': true,
      acks: -1,
    } as KafkaJS.ProducerConstructorConfig);
    await producer.connect();
    const sent = Array.from({ length: count }, (_, i) => ({
      key: `key-${i % 12}`,
      value: JSON.stringify({ seq: i }),
      headers: { seq: String(i) },
    }));
    try {
      await producer.send({ topic, messages: sent });
    } finally {
      await producer.disconnect();
    }

    const consumer = kafkaClient().consumer({
      kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
    });
    const received: Received[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: Number(message.offset),
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            header: String(message.headers?.seq ?? ''),
          });
        },
      });
      await waitFor(`${count} messages on ${topic}`, 30_000, () => (received.length >= count ? true : undefined));

      // Every message arrived exactly once, with its key, value and header intact.
      assert.equal(received.length, count);
      const bySeq = new Map(received.map((r) => [JSON.parse(r.value).seq as number, r]));
      assert.equal(bySeq.size, count);
      for (let i = 0; i < count; i++) {
        const got = bySeq.get(i);
        assert.ok(got, `message ${i} missing`);
        assert.equal(got.key, sent[i].key);
        assert.equal(got.header, String(i));
      }
      // Offsets are contiguous and ordered within each partition; one key always maps to one partition.
      for (let p = 0; p < partitions; p++) {
        const offsets = received.filter((r) => r.partition === p).map((r) => r.offset);
        assert.deepEqual(
          offsets,
          offsets.map((_, i) => i),
          `partition ${p} offsets ${offsets.join(',')}`,
        );
      }
      const keyPartition = new Map<string, number>();
      for (const r of received) {
        assert.equal(keyPartition.get(r.key) ?? r.partition, r.partition, `key ${r.key} spans partitions`);
        keyPartition.set(r.key, r.partition);
      }

      // Consuming alone moved no committed offset: with auto-commit off nothing is committed.
      const before = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
      for (const p of before.flatMap((t) => t.partitions)) {
        assert.ok(Number(p.offset) < 0, `partition ${p.partition} was committed (${p.offset}) without a decision`);
      }

      // An explicit commit stores last offset + 1 for each partition.
      const ends = new Map<number, number>();
      for (const r of received) ends.set(r.partition, Math.max(ends.get(r.partition) ?? -1, r.offset));
      await consumer.commitOffsets(
        [...ends].map(([partition, last]) => ({ topic, partition, offset: String(last + 1) })),
      );
      // The coordinator may answer a fetch before it has applied the commit: ask until it shows (bounded).
      const after = await waitFor('the explicit commit stored', 15_000, async () => {
        const offsets = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
        return offsets.length === 1 && offsets[0]!.partitions.every((p) => Number(p.offset) >= 0) ? offsets : undefined;
      });
      assert.equal(after.length, 1);
      assert.equal(after[0].partitions.length, partitions);
      for (const p of after[0].partitions) {
        assert.equal(Number(p.offset), (ends.get(p.partition) ?? -1) + 1, `partition ${p.partition}`);
      }
    } finally {
      await consumer.disconnect();
    }
  });
});
