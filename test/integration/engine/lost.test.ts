import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { CommitEvent, RebalanceEvent } from '../../../src/core/engine/types';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

describe('lost partitions against the real broker', () => {
  const topic = uniqueName('it-lost');
  after(async () => {
    await deleteTopicsQuietly(topic);
  });

  it('a member that exceeds max.poll.interval.ms loses its partitions, commits nothing for them, and the message is redelivered', async () => {
    await createTopic(topic, 1);
    await produceSequence(topic, 3, { keys: 1 });
    const groupId = uniqueName('it-lost-group');
    const handled: number[] = [];
    const rebalances: RebalanceEvent[] = [];
    const commits: CommitEvent[] = [];
    let stalled = false;
    const session = new ConsumerSession({
      connection: { bootstrapServers: services.kafka.plaintext },
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'batch', maxMessages: 1000, maxIntervalMs: 60_000 },
      consumerConfig: { 'session.timeout.ms': 6000, 'max.poll.interval.ms': 6000, 'heartbeat.interval.ms': 1000 },
      handler: (m) => {
        if (m.offset === 1 && !stalled) {
          stalled = true;
          // A handler that blocks the event loop: the member stops polling past max.poll.interval.ms.
          const until = Date.now() + 9000;
          while (Date.now() < until) {
            /* busy */
          }
        }
        handled.push(m.offset);
      },
    });
    session.on('rebalance', (e) => rebalances.push(e));
    session.on('committed', (e) => commits.push(e));
    await session.start();
    try {
      await waitFor('the partition to be lost and assigned again', 40_000, () =>
        rebalances.some((e) => e.kind === 'lost') &&
        rebalances.filter((e) => e.kind === 'assign' && e.partitions.length > 0).length >= 2
          ? true
          : undefined,
      );
      await waitFor('offset 1 handled again after the loss', 20_000, () =>
        handled.filter((o) => o === 1).length >= 2 ? true : undefined,
      );
    } finally {
      await session.stop();
    }
    const lostAt = rebalances.find((e) => e.kind === 'lost')?.at ?? 0;
    const reassignedAt = rebalances.filter((e) => e.kind === 'assign' && e.partitions.length > 0)[1]?.at ?? Infinity;
    const committedWhileLost = commits.filter((c) => !c.error && c.at >= lostAt && c.at < reassignedAt);
    assert.deepEqual(committedWhileLost, [], 'something was committed for a lost partition');
    assert.equal((await committedOffsets(groupId, topic)).get(0), 3);
  });
});
