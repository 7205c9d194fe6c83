import { strict as assert } from 'node:assert';
import { DeadLetterWriter } from '../../../src/core/dlq/deadLetterWriter';
import { readDeadLetters } from '../../../src/core/dlq/deadLetterReader';
import { redrivenFrom } from '../../../src/core/dlq/provenance';
import { RdkafkaRedriveProducer } from '../../../src/core/dlq/redriveProducer';
import { planRedrive, runRedrive } from '../../../src/core/dlq/redriveRun';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { deleteTopicsQuietly } from '../../support/kafka';
import { createVisibleTopic } from './support';
import { services, uniqueName } from '../../support/services';
import { allRows, openViewer, produceFast, waitForRead } from '../viewer/support';

const connection = { bootstrapServers: services.kafka.plaintext };

class PoisonOrder extends Error {}
class PriceMissing extends Error {}

describe('the message viewer on a dead-letter topic (real broker)', function () {
  this.timeout(120_000);
  const topics: string[] = [];
  after(async () => {
    await deleteTopicsQuietly(...topics);
  });

  it('shows the DLQ columns, counts by error type, filters by error type, and re-drives what the filter matches', async () => {
    const source = uniqueName('it-dlqv-src');
    const dlq = uniqueName('it-dlqv-dlq');
    topics.push(source, dlq);
    await createVisibleTopic(source, 2);
    await createVisibleTopic(dlq, 1);
    const writer = new DeadLetterWriter({ connection });
    try {
      for (let i = 0; i < 12; i++) {
        const failed: KafkaRecord = {
          topic: source,
          partition: i % 2,
          offset: 500 + i,
          key: Buffer.from(`order-${i}`),
          value: Buffer.from(JSON.stringify({ orderId: i })),
        };
        await writer.write(dlq, failed, i < 4 ? new PriceMissing(`order ${i}: no price`) : new PoisonOrder('bad'), 2);
      }
    } finally {
      await writer.close();
    }
    await produceFast(dlq, 3, (i) => ({ partition: 0, value: `an ordinary record ${i}` }));

    const viewer = openViewer({ topic: dlq, start: { kind: 'beginning' }, follow: false });
    try {
      await viewer.start();
      await waitForRead(viewer, 15);
      assert.deepEqual(viewer.deadLetterCounts(), {
        deadLetters: 12,
        byErrorType: [
          { errorType: 'PoisonOrder', count: 8 },
          { errorType: 'PriceMissing', count: 4 },
        ],
      });
      const rows = allRows(viewer);
      assert.equal(rows.length, 15);
      assert.deepEqual(rows[1].dlq, {
        source: 'envelope',
        originalTopic: source,
        originalPartition: 1,
        originalOffset: '501',
        errorType: 'PriceMissing',
        errorMessage: 'order 1: no price',
        failedAt: rows[1].dlq?.failedAt,
        retryCount: 2,
      });
      assert.ok(rows[1].dlq?.failedAt && !Number.isNaN(Date.parse(rows[1].dlq.failedAt)));
      assert.equal(rows[14].dlq, undefined, 'an ordinary record has no DLQ columns');

      const counts = await viewer.setFilter({ errorTypes: ['PriceMissing'] });
      assert.equal(counts.matched, 4);
      // The error type combines with the viewer's own filters.
      assert.equal((await viewer.setFilter({ errorTypes: ['PriceMissing'], text: 'order 3' })).matched, 1);
      await viewer.setFilter({ errorTypes: ['PriceMissing'] });
      const records = viewer.matchingSeqs().map((seq) => viewer.record(seq)!);
      assert.equal(records.length, 4);

      const producer = new RdkafkaRedriveProducer({ connection });
      let summary;
      try {
        summary = await runRedrive(planRedrive(records, { kind: 'original' }), producer);
      } finally {
        await producer.close();
      }
      assert.equal(summary.outcome, 'completed');
      assert.equal(summary.sent.length, 4);
      const back = await readDeadLetters({ connection, topic: source });
      assert.equal(back.total, 4, 'exactly the filtered dead letters went back');
      assert.deepEqual(back.records.map((r) => r.key?.toString()).sort(), ['order-0', 'order-1', 'order-2', 'order-3']);
      for (const r of back.records) assert.equal(redrivenFrom(r.headers)?.topic, dlq);
    } finally {
      await viewer.stop();
    }
  });
});
