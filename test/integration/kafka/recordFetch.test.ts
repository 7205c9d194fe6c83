import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../src/core/errors';
import { fetchRecord } from '../../../src/core/kafka/recordFetch';
import { createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };

describe('reading one record by offset (replay, browsing) against the real broker', function () {
  this.timeout(60_000);
  const topic = uniqueName('it-fetch');
  before(async () => {
    await createTopic(topic, 2);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({
        partition: 1,
        key: `k${i}`,
        value: `v${i}`,
        headers: { n: String(i) },
      })),
    });
    await producer.disconnect();
  });
  after(() => deleteTopicsQuietly(topic));

  it('returns the record at the offset, with its key, value and headers', async () => {
    const record = await fetchRecord(connection, topic, 1, 3);
    assert.equal(record.offset, 3);
    assert.equal(record.key?.toString(), 'k3');
    assert.equal(record.value?.toString(), 'v3');
    assert.deepEqual(
      record.headers?.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.toString()]))),
      [{ n: '3' }],
    );
  });

  it('never joins or creates a group, and commits nothing', async () => {
    const before = await withAdmin((admin) => admin.listGroups());
    await fetchRecord(connection, topic, 1, 0);
    await fetchRecord(connection, topic, 1, 4);
    const after = await withAdmin((admin) => admin.listGroups());
    const names = (list: typeof before) =>
      list.groups.map((g) => g.groupId).filter((g) => g.startsWith('kafka-lab-fetch-'));
    assert.deepEqual(names(after), names(before));
    assert.deepEqual(names(after), []);
  });

  it('an offset the partition does not hold is a typed error that says which offsets it holds', async () => {
    await assert.rejects(
      fetchRecord(connection, topic, 1, 5),
      (e: unknown) =>
        e instanceof KafkaClientError && e.reason === 'invalidRequest' && /offsets 0 to 4/.test(e.message),
    );
    await assert.rejects(
      fetchRecord(connection, topic, 0, 0),
      (e: unknown) => e instanceof KafkaClientError && /0 is not among them/.test(e.message),
    );
  });

  it('an unreachable broker fails within the bound', async () => {
    const started = Date.now();
    await assert.rejects(fetchRecord({ bootstrapServers: '127.0.0.1:1' }, topic, 1, 0, 3_000), KafkaClientError);
    assert.ok(Date.now() - started < 15_000);
  });
});
