import { strict as assert } from 'node:assert';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { createTopic, deleteTopicsQuietly, kafkaClient } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { allRows, openViewer, waitForState } from './support';

// The viewer's isolation level against a topic that holds a committed and an aborted transaction:
// read_uncommitted (the default) shows both, read_committed only what committed. Either way the
// viewer ends its read caught up (at the last stable offset), never waiting on the aborted records.

describe('viewer isolation: read_committed and read_uncommitted on the real broker', function () {
  this.timeout(120_000);
  const topic = uniqueName('it-viewer-isolation');
  const viewers: MessageViewer[] = [];

  before(async () => {
    await createTopic(topic, 1);
    const producer = kafkaClient().producer({
      kafkaJS: { transactionalId: uniqueName('it-viewer-txn'), idempotent: true, maxInFlightRequests: 1 },
    } as KafkaJS.ProducerConstructorConfig);
    await producer.connect();
    try {
      const send = async (values: string[], outcome: 'commit' | 'abort') => {
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: values.map((value) => ({ key: value, value })) });
        await (outcome === 'commit' ? transaction.commit() : transaction.abort());
      };
      await send(['committed-1', 'committed-2'], 'commit');
      await send(['aborted-1', 'aborted-2', 'aborted-3'], 'abort');
      await send(['committed-3'], 'commit');
    } finally {
      await producer.disconnect();
    }
  });

  after(async () => {
    await Promise.all(viewers.map((v) => v.stop()));
    await deleteTopicsQuietly(topic);
  });

  async function keysSeen(isolation?: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
    const viewer = openViewer({
      topic,
      start: { kind: 'beginning' },
      follow: false,
      ...(isolation ? { isolation } : {}),
    });
    viewers.push(viewer);
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    return allRows(viewer).map((row) => row.key);
  }

  it('read_uncommitted (the default) shows the aborted records too; read_committed hides them', async () => {
    const everything = ['committed-1', 'committed-2', 'aborted-1', 'aborted-2', 'aborted-3', 'committed-3'];
    assert.deepEqual(await keysSeen(), everything);
    assert.deepEqual(await keysSeen('read_uncommitted'), everything);
    assert.deepEqual(await keysSeen('read_committed'), ['committed-1', 'committed-2', 'committed-3']);
  });
});
