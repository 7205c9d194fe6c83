import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { ConsumedMessage, RebalanceEvent } from '../../../src/core/engine/types';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };
const seqOf = (m: ConsumedMessage): number => JSON.parse(m.value?.toString() ?? '{}').seq as number;

describe('consumer session against the real broker', () => {
  const topics: string[] = [];
  after(async () => {
    await deleteTopicsQuietly(...topics);
  });

  async function topicWith(partitions: number, count: number): Promise<string> {
    const topic = uniqueName('it-engine');
    topics.push(topic);
    await createTopic(topic, partitions);
    await produceSequence(topic, count);
    return topic;
  }

  it('running mode: every message reaches the handler once, in offset order per partition, and stop commits the ends', async () => {
    const topic = await topicWith(3, 300);
    const groupId = uniqueName('it-engine-group');
    const seen: ConsumedMessage[] = [];
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      handler: (m) => void seen.push(m),
      commitPolicy: { kind: 'batch', maxMessages: 50, maxIntervalMs: 1000 },
    });
    await session.start();
    try {
      await waitFor('300 handled messages', 30_000, () => (seen.length >= 300 ? true : undefined));
      // The lag snapshot: per partition, the high watermark against the committed offset.
      session.commitNow();
      const lag = await waitFor('high watermarks in the lag snapshot', 10_000, () => {
        const rows = session.lag();
        return rows.length === 3 && rows.every((r) => r.highWatermark !== undefined) ? rows : undefined;
      });
      assert.equal(
        lag.reduce((sum, r) => sum + (r.highWatermark ?? 0), 0),
        300,
      );
      assert.deepEqual(
        lag.map((r) => r.lag),
        [0, 0, 0],
      );
      const snapshot = session.snapshot();
      assert.equal(snapshot.members[0].state, 'active');
      assert.equal(
        snapshot.members[0].partitions.reduce((sum, p) => sum + (p.committed ?? 0), 0),
        300,
      );
    } finally {
      await session.stop();
    }
    assert.equal(seen.length, 300);
    assert.equal(new Set(seen.map(seqOf)).size, 300);
    const ends = new Map<number, number>();
    for (let p = 0; p < 3; p++) {
      const offsets = seen.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `partition ${p}`,
      );
      ends.set(p, offsets.length);
    }
    assert.deepEqual(await committedOffsets(groupId, topic), ends);
  });

  it('stepping mode: commits stop before a skipped message; switching to running loses and repeats nothing', async () => {
    const topic = await topicWith(1, 20);
    const groupId = uniqueName('it-engine-step');
    const handled: number[] = [];
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      mode: 'stepping',
      handler: (m) => void handled.push(m.offset),
      commitPolicy: { kind: 'perMessage' },
    });
    await session.start();
    try {
      const decided: number[] = [];
      for (let i = 0; i < 5; i++) {
        const m = await session.nextAwaiting(20_000);
        assert.equal(m.offset, i);
        decided.push(m.offset);
        await session.decide(m.id, i === 2 ? { kind: 'skip' } : { kind: 'ack' });
      }
      // 0,1 acked, 2 skipped, 3,4 acked: the watermark stops at 2.
      assert.equal((await committedOffsets(groupId, topic)).get(0), 2);
      session.setMode('running');
      await waitFor('the rest handled', 20_000, () => (handled.length >= 15 ? true : undefined));
      assert.deepEqual(
        handled,
        Array.from({ length: 15 }, (_, i) => i + 5),
      );
      session.commitNow();
      assert.equal((await committedOffsets(groupId, topic)).get(0), 2, 'a commit passed the skipped message');
    } finally {
      await session.stop();
    }
  });

  it('more members than partitions: the extra ones join and stay idle', async () => {
    const topic = await topicWith(2, 10);
    const groupId = uniqueName('it-engine-idle');
    const rebalances: RebalanceEvent[] = [];
    const session = new ConsumerSession({ connection, groupId, topics: [topic], members: 3, handler: () => undefined });
    session.on('rebalance', (e) => rebalances.push(e));
    await session.start();
    try {
      await waitFor('a stable assignment of both partitions', 30_000, () => {
        const snapshot = session.snapshot();
        const owned = snapshot.members.flatMap((m) => m.partitions.map((p) => p.partition));
        return owned.length === 2 && snapshot.members.filter((m) => m.state === 'idle').length === 1
          ? snapshot
          : undefined;
      });
    } finally {
      await session.stop();
    }
  });
});
