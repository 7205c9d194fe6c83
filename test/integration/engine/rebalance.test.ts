import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { AssignmentStrategy, CommitEvent, RebalanceEvent } from '../../../src/core/engine/types';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Participant {
  name: string;
  session: ConsumerSession;
  owned: Set<string>;
  processed: Array<{ partition: number; offset: number; seq: number }>;
  rebalances: RebalanceEvent[];
  commits: CommitEvent[];
  violations: string[];
}

for (const strategy of ['cooperative-sticky', 'range'] as AssignmentStrategy[]) {
  describe(`rebalances with ${strategy}: three members join and leave while messages flow`, () => {
    const topic = uniqueName('it-rebalance');
    const groupId = uniqueName('it-rebalance-group');
    const partitions = 6;
    const total = 3000;

    before(async () => {
      await createTopic(topic, partitions);
    });
    after(async () => {
      await deleteTopicsQuietly(topic);
    });

    function participant(name: string): Participant {
      const p: Participant = {
        name,
        owned: new Set(),
        processed: [],
        rebalances: [],
        commits: [],
        violations: [],
      } as unknown as Participant;
      p.session = new ConsumerSession({
        connection,
        groupId,
        topics: [topic],
        assignmentStrategy: strategy,
        commitPolicy: { kind: 'batch', maxMessages: 100, maxIntervalMs: 500 },
        consumerConfig: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500 },
        handler: async (m) => {
          if (!p.owned.has(`${m.partition}`))
            p.violations.push(`${name} processed ${m.partition}@${m.offset} without owning it`);
          p.processed.push({
            partition: m.partition,
            offset: m.offset,
            seq: (JSON.parse(m.value?.toString() ?? '{}') as { seq: number }).seq,
          });
          // A little work, so that rebalances happen while messages are in flight.
          if (m.offset % 50 === 0) await sleep(5);
        },
      });
      p.session.on('rebalance', (e) => {
        p.rebalances.push(e);
        for (const tp of e.partitions) {
          if (e.kind === 'assign') p.owned.add(`${tp.partition}`);
          else p.owned.delete(`${tp.partition}`);
        }
      });
      p.session.on('committed', (e) => p.commits.push(e));
      return p;
    }

    it('loses nothing, commits on revoke, and each member processes only what it was assigned', async () => {
      const producing = (async () => {
        for (let batch = 0; batch < 30; batch++) {
          await produceSequence(topic, total / 30, { start: batch * (total / 30), keys: 60 });
          await sleep(100);
        }
      })();
      const a = participant('A');
      const b = participant('B');
      const c = participant('C');
      await a.session.start();
      await sleep(1000);
      await b.session.start();
      await sleep(1500);
      await c.session.start();
      await sleep(1500);
      await b.session.stop();
      await sleep(1000);
      await c.session.stop();
      await producing;
      const everyone = [a, b, c];
      try {
        await waitFor('every produced message processed', 60_000, () =>
          new Set(everyone.flatMap((p) => p.processed.map((x) => x.seq))).size >= total ? true : undefined,
        );
        await waitFor('A to commit the ends', 20_000, async () => {
          const committed = await committedOffsets(groupId, topic);
          const processedEnd = new Map<number, number>();
          for (const x of everyone.flatMap((p) => p.processed))
            processedEnd.set(x.partition, Math.max(processedEnd.get(x.partition) ?? -1, x.offset + 1));
          return [...processedEnd].every(([partition, end]) => committed.get(partition) === end) ? true : undefined;
        });
      } finally {
        await a.session.stop();
      }

      const seqs = everyone.flatMap((p) => p.processed.map((x) => x.seq));
      const unique = new Set(seqs);
      assert.equal(unique.size, total, 'messages were lost');
      // Revokes commit what is done before the partition moves, so the next owner starts right after it.
      assert.equal(seqs.length - unique.size, 0, `duplicates after rebalances: ${seqs.length - unique.size}`);
      assert.deepEqual(
        everyone.flatMap((p) => p.violations),
        [],
      );
      // Offsets stay in order within each owner's stretch of a partition.
      for (const p of everyone) {
        const last = new Map<number, number>();
        for (const x of p.processed) {
          assert.ok((last.get(x.partition) ?? -1) < x.offset, `${p.name} went backwards on partition ${x.partition}`);
          last.set(x.partition, x.offset);
        }
      }
      const revokes = everyone.flatMap((p) => p.rebalances.filter((e) => e.kind === 'revoke'));
      assert.ok(revokes.length >= 2, `revokes: ${revokes.length}`);
      assert.ok(
        everyone.some((p) => p.commits.some((e) => e.reason === 'revoke' && !e.error)),
        'no commit on revoke',
      );
      assert.ok(
        b.rebalances.some((e) => e.kind === 'assign' && e.partitions.length > 0),
        'B never got partitions',
      );
      assert.ok(
        c.rebalances.some((e) => e.kind === 'assign' && e.partitions.length > 0),
        'C never got partitions',
      );
      assert.equal(a.rebalances[0]?.protocol, strategy === 'cooperative-sticky' ? 'COOPERATIVE' : 'EAGER');
    });
  });
}
