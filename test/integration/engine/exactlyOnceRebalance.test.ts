// Exactly-once while the group rebalances: three sessions of one group join and leave while input
// flows in; every revoke commits (or aborts) the open transaction before the partitions move, so a
// read_committed reader of the output sees each input exactly once.
import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { AssignmentStrategy, RebalanceEvent, TransactionEvent } from '../../../src/core/engine/types';
import { createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { CommittedReader } from '../../support/committedReader';
import { readTopic } from '../../support/topicReader';

const connection = { bootstrapServers: services.kafka.plaintext };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const strategy of ['cooperative-sticky', 'range'] as AssignmentStrategy[]) {
  describe(`exactly-once with ${strategy}: three members join and leave under load`, () => {
    const input = uniqueName('it-eosreb-in');
    const output = uniqueName('it-eosreb-out');
    const groupId = uniqueName('it-eosreb-group');
    const partitions = 6;
    const total = 6000;
    const sessions: ConsumerSession[] = [];

    before(async () => {
      await createTopic(input, partitions);
      await createTopic(output, partitions);
    });
    after(async function () {
      this.timeout(60_000);
      await Promise.all(sessions.map((s) => s.stop().catch(() => undefined)));
      await deleteTopicsQuietly(input, output);
      await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    });

    it('0 lost, 0 duplicates in read_committed; revokes commit their transactions', async function () {
      this.timeout(180_000);
      const transactions: TransactionEvent[] = [];
      const rebalances: RebalanceEvent[] = [];
      const member = (name: string): ConsumerSession => {
        const session = new ConsumerSession({
          connection,
          groupId,
          topics: [input],
          assignmentStrategy: strategy,
          delivery: 'exactly-once',
          // Each session is its own instance: its own transactional ids.
          transactionalIdPrefix: `${groupId}-${name}`,
          // Transactions long enough that every rebalance and every leave meets an open one, which it must commit.
          commitPolicy: { kind: 'batch', maxMessages: 100_000, maxIntervalMs: 2_000 },
          consumerConfig: { 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 500 },
          handler: async (m) => {
            // A little work, so that rebalances meet transactions with messages in them.
            if (m.offset % 40 === 0) await sleep(2);
            return [{ topic: output, key: m.key, value: m.value }];
          },
        });
        session.on('transaction', (e) => transactions.push(e));
        session.on('rebalance', (e) => rebalances.push(e));
        sessions.push(session);
        return session;
      };
      const producing = (async () => {
        for (let batch = 0; batch < 30; batch++) {
          await produceSequence(input, total / 30, { start: batch * (total / 30), keys: 60 });
          await sleep(100);
        }
      })();
      const a = member('a');
      const b = member('b');
      const c = member('c');
      await a.start();
      await sleep(1000);
      await b.start();
      await sleep(1500);
      await c.start();
      await sleep(1500);
      await b.stop();
      await sleep(1000);
      await c.stop();
      await producing;
      const ends = new Map(
        (await withAdmin((admin) => admin.fetchTopicOffsets(input))).map((o) => [o.partition, Number(o.high)]),
      );
      const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
      try {
        await waitFor('every input committed', 90_000, async () => {
          const committed = await reader.read(input, [...ends.keys()]);
          return [...ends].every(([p, end]) => committed.get(p) === end) ? true : undefined;
        });
      } finally {
        await reader.close();
      }
      await a.stop();
      for (const s of [a, b, c]) assert.equal(s.failure, undefined, `a session failed: ${String(s.failure)}`);

      const counts = new Uint16Array(total);
      for (const r of await readTopic(output, 'read_committed', 90_000))
        counts[(JSON.parse(r.value?.toString() ?? '{}') as { seq: number }).seq]++;
      const lost = counts.filter((n) => n === 0).length;
      const duplicates = counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
      console.log(
        `    ${strategy}: ${rebalances.filter((e) => e.kind === 'revoke').length} revokes, ${transactions.filter((t) => t.kind === 'commit').length} transactions committed (${transactions.filter((t) => t.reason === 'revoke').length} on revoke), ${transactions.filter((t) => t.kind === 'abort').length} aborted; ${lost} lost, ${duplicates} duplicates`,
      );
      assert.equal(lost, 0, 'inputs without an output');
      assert.equal(duplicates, 0, 'inputs with two outputs');
      assert.ok(rebalances.filter((e) => e.kind === 'revoke').length >= 2, 'the group rebalanced');
      assert.ok(
        transactions.some((t) => t.kind === 'commit' && (t.reason === 'revoke' || t.reason === 'close')),
        'a revoke or a leave committed its transaction',
      );
    });
  });
}
