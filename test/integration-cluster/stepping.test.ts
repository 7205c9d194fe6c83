// Stepping through a replicated partition (RF 3, min.insync.replicas 2) while its leader's broker
// is SIGKILLed and started again, and then while a follower is down (the ISR shrinks): every
// message is stepped, in order, nothing is lost; the explorer's admin layer shows the partition
// under-replicated and who leads it now; lag and the rebalance timeline go on.
import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../src/core/engine/session';
import type { EngineError } from '../../src/core/engine/types';
import { partitionItemView } from '../../src/core/kafka/partitionItem';
import { SessionLog } from '../../src/core/session/sessionLog';
import { CommittedReader } from '../support/committedReader';
import { kafkaClient } from '../support/kafka';
import { uniqueName, waitFor } from '../support/services';
import {
  bootstrap,
  cleanUp,
  clusterAdmin,
  connection,
  createReplicatedTopic,
  ensureClusterUp,
  fullyReplicated,
  killBroker,
  partitionDetail,
  restartBroker,
  waitForPartition,
  withTimeout,
} from './support/cluster';
import { Ledger } from './support/ledger';

async function produce(topic: string, from: number, count: number): Promise<void> {
  const producer = kafkaClient({ brokers: bootstrap }).producer({ acks: -1 } as never);
  await withTimeout('the producer to connect', 30_000, producer.connect());
  try {
    const messages = Array.from({ length: count }, (_, i) => ({
      key: `k-${from + i}`,
      value: JSON.stringify({ seq: from + i }),
    }));
    await withTimeout(`${count} messages acknowledged`, 60_000, producer.send({ topic, messages }));
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

describe('three brokers: stepping through leader and follower failures', function () {
  this.timeout(300_000);
  const admin = clusterAdmin();
  const topics: string[] = [];
  const groups: string[] = [];

  before(async () => {
    await ensureClusterUp();
  });
  afterEach(async () => {
    // A failed test must not leave a broker down for the next one.
    await ensureClusterUp();
  });
  after(async () => {
    await cleanUp(admin, topics, groups);
    admin.close();
  });

  it('steps every message exactly once, in order, across a leader SIGKILL and restart and a follower outage; the explorer shows the new leader and the shrunken ISR', async () => {
    const topic = uniqueName('itc-step');
    const groupId = uniqueName('itc-step-group');
    topics.push(topic);
    groups.push(groupId);
    await createReplicatedTopic(admin, topic, 1);
    await produce(topic, 0, 40);

    const ledger = new Ledger(topic);
    const log = new SessionLog();
    const errors: EngineError[] = [];
    const session = new ConsumerSession({
      connection: { ...connection, clientId: 'itc-stepping' },
      groupId,
      topics: [topic],
      mode: 'stepping',
      autoOffsetReset: 'earliest',
      commitPolicy: { kind: 'perMessage' },
      consumerConfig: { 'reconnect.backoff.max.ms': 1000 },
    });
    session.on('committed', ledger.onCommitted);
    session.on('committed', (e) => log.committed(e));
    session.on('rebalance', (e) => log.rebalanced(e));
    session.on('error', (e) => errors.push(e));
    const story: string[] = [];
    const step = async (n: number, what: string) => {
      for (let i = 0; i < n; i++) {
        const m = await session.nextAwaiting(90_000).catch((error: Error) => {
          throw new Error(`${what}: no message to step after ${ledger.count} (${error.message})`);
        });
        ledger.record(m.partition, m.offset);
        await session.decide(m.id, { kind: 'ack' });
      }
    };

    await session.start();
    try {
      await step(10, 'before the failover');
      const before = await partitionDetail(admin, topic, 0);
      assert.ok(fullyReplicated(before), `healthy at first: ${JSON.stringify(before)}`);
      const leader = before.leader as number;

      // ---- the leader's broker is SIGKILLed: stepping goes on against the new leader
      await killBroker(leader);
      const failedOver = await waitForPartition(
        admin,
        topic,
        0,
        `a new leader other than the killed broker ${leader}, ISR without it`,
        60_000,
        (p) => p.leader !== null && p.leader !== leader && !p.isr.includes(leader),
      );
      story.push(`leader ${leader} killed → leader ${failedOver.leader}, ISR ${failedOver.isr.join(',')}`);
      const item = partitionItemView('cluster', topic, failedOver);
      assert.ok(failedOver.underReplicated, 'the partition is under-replicated while a replica is down');
      assert.match(
        item.description,
        new RegExp(`leader ${failedOver.leader} · under-replicated \\(2 of 3 in sync\\)$`),
      );
      assert.ok(
        item.tooltip.includes(
          `In sync: ${failedOver.isr.join(', ')} — **not all replicas are in sync** (out of sync: ${leader})`,
        ),
      );
      assert.equal(item.warning, true);
      await step(10, 'with the old leader down');

      await restartBroker(leader);
      await waitForPartition(admin, topic, 0, 'all three replicas back in sync', 90_000, fullyReplicated);
      await step(10, 'after the old leader came back');

      // ---- a follower is down: the ISR shrinks, acks=all still has min.insync.replicas (2), stepping goes on
      const current = await partitionDetail(admin, topic, 0);
      // The follower that was not the leader killed before, when there is one: a second broker goes down.
      const followers = current.replicas.filter((r) => r !== current.leader);
      const follower = followers.find((r) => r !== leader) ?? followers[0];
      await killBroker(follower);
      const shrunk = await waitForPartition(
        admin,
        topic,
        0,
        `the ISR without the killed follower ${follower}`,
        60_000,
        (p) => !p.isr.includes(follower),
      );
      story.push(`follower ${follower} killed → leader ${shrunk.leader}, ISR ${shrunk.isr.join(',')}`);
      assert.equal(shrunk.leader, current.leader, 'a follower going away does not move the leadership');
      assert.equal(shrunk.isr.length, 2);
      await produce(topic, 40, 10);
      await step(20, 'with a follower down');
      await restartBroker(follower);
      await waitForPartition(admin, topic, 0, 'all three replicas back in sync', 90_000, fullyReplicated);

      // ---- everything stepped was committed; the lag is read again from the new leader
      await waitFor('the commit of offset 50', 30_000, () => (ledger.committedAck(0) === 50 ? true : undefined));
      const lag = await waitFor('lag 0 of 50 messages', 30_000, () => {
        const row = session.lag().find((l) => l.topic === topic && l.partition === 0);
        return row && row.highWatermark === 50 && row.lag === 0 ? row : undefined;
      });
      assert.equal(lag.committed, 50);
      assert.equal(session.state, 'stepping', 'the session was never restarted');
    } finally {
      await session.stop();
    }
    const reader = await CommittedReader.open(bootstrap, groupId);
    try {
      assert.deepEqual(await reader.read(topic, [0]), new Map([[0, 50]]), 'the group committed all 50');
    } finally {
      await reader.close();
    }

    const summary = `${story.join('; ')}; ${ledger.count} steps, duplicates [${ledger.duplicates.join(' ')}], ${errors.length} engine errors`;
    console.log(`      ${summary}`);
    assert.deepEqual(ledger.violations, [], summary);
    assert.deepEqual(ledger.skips(), [], summary);
    assert.equal(ledger.contiguous(0), 50, `every offset 0…49 was stepped: ${summary}`);
    // Stepping with a commit per message: at most the message on screen comes again.
    assert.ok(ledger.duplicates.length <= 2, `duplicates only within the in-flight window: ${summary}`);
    // The timeline: the one assignment at the start, nothing lost or revoked by the failovers, then the stop's revoke.
    const kinds = log.timeline.map((e) => e.kind);
    assert.equal(kinds[0], 'assign', kinds.join(','));
    assert.ok(!kinds.includes('lost'), `a broker failover is not a lost assignment: ${kinds.join(',')}`);
  });
});
