// Dead-letter writes on the three-broker cluster (RF 3, min.insync.replicas 2, acks=all):
// a write while the dead-letter partition's leader is SIGKILLed is retried and acknowledged by the
// new leader, and the source offset is committed only after that acknowledgement; with two brokers
// down (min.insync.replicas not met) the write fails visibly, the partition pauses behind the
// message and nothing past it is committed, until a broker returns and the write goes through.
import { strict as assert } from 'node:assert';
import type { DeadLetterEnvelope } from '../../src/core/dlq/envelope';
import { ConsumerSession } from '../../src/core/engine/session';
import type { ConsumedMessage, EngineError } from '../../src/core/engine/types';
import { DeadLetterError } from '../../src/core/errors';
import { fetchRecord } from '../../src/core/kafka/recordFetch';
import { CommittedReader } from '../support/committedReader';
import { kafkaClient } from '../support/kafka';
import { uniqueName, waitFor } from '../support/services';
import {
  bootstrap,
  brokerIds,
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

async function produceValues(topic: string, values: string[]): Promise<void> {
  const producer = kafkaClient({ brokers: bootstrap }).producer({ acks: -1 } as never);
  await withTimeout('the producer to connect', 30_000, producer.connect());
  try {
    await withTimeout(
      'the messages to be acknowledged',
      60_000,
      producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) }),
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** The original offsets recorded by the envelopes on the dead-letter topic (one partition). */
async function deadLetteredOffsets(dlqTopic: string): Promise<number[]> {
  const admin = clusterAdmin();
  try {
    const [p] = await admin.describePartitions(dlqTopic);
    const out: number[] = [];
    for (let offset = p.low; offset < p.high; offset++) {
      const record = await fetchRecord(connection, dlqTopic, 0, offset, 20_000);
      out.push((JSON.parse(record.value?.toString() ?? '{}') as DeadLetterEnvelope).original_offset);
    }
    return out;
  } finally {
    admin.close();
  }
}

describe('three brokers: dead-letter writes during a failover and without min.insync.replicas', function () {
  this.timeout(300_000);
  const admin = clusterAdmin();
  const topics: string[] = [];
  const groups: string[] = [];

  before(async () => {
    await ensureClusterUp();
  });
  afterEach(async () => {
    await ensureClusterUp();
  });
  after(async () => {
    await cleanUp(admin, topics, groups);
    admin.close();
  });

  async function setUp(values: string[]) {
    const topic = uniqueName('itc-dlq');
    const dlqTopic = `${topic}.dead-letter`;
    const groupId = uniqueName('itc-dlq-group');
    topics.push(topic, dlqTopic);
    groups.push(groupId);
    await createReplicatedTopic(admin, topic, 1);
    await createReplicatedTopic(admin, dlqTopic, 1);
    await produceValues(topic, values);
    const order: string[] = [];
    const errors: EngineError[] = [];
    const session = new ConsumerSession({
      connection: { ...connection, clientId: 'itc-dlq' },
      groupId,
      topics: [topic],
      mode: 'stepping',
      autoOffsetReset: 'earliest',
      commitPolicy: { kind: 'perMessage' },
      deadLetter: { writeTimeoutMs: 8000, retryIntervalMs: 500 },
      consumerConfig: { 'reconnect.backoff.max.ms': 1000 },
    });
    session.on('deadLettered', (e) => order.push(`dlq:${e.message.offset}`));
    session.on('committed', (e) => {
      if (!e.error) order.push(...e.offsets.filter((o) => o.topic === topic).map((o) => `commit:${o.offset}`));
    });
    session.on('error', (e) => errors.push(e));
    if (process.env.CLUSTER_TEST_TRACE) {
      session.on('error', (e) => console.log(`[${new Date().toISOString()}] engine error: ${e.error.message}`));
      session.on('deadLettered', (e) => console.log(`[${new Date().toISOString()}] dead-lettered ${e.message.offset}`));
    }
    const next = async (offset: number): Promise<ConsumedMessage> => {
      const m = await session.nextAwaiting(90_000);
      assert.equal(m.offset, offset, `stepped ${m.offset}, expected ${offset}: ${order.join(' ')}`);
      return m;
    };
    const committed = async (): Promise<number> => {
      const reader = await CommittedReader.open(bootstrap, groupId);
      try {
        return (await reader.read(topic, [0], 15_000)).get(0) ?? -1;
      } finally {
        await reader.close();
      }
    };
    return { topic, dlqTopic, groupId, session, order, errors, next, committed };
  }

  it('a dead-letter write while the DLQ leader is SIGKILLed is retried to the new leader, and the source commit follows only after its ack', async () => {
    const t = await setUp(['{"n":0}', '{"n":1', '{"n":2}', 'not json', '{"n":4}']);
    await t.session.start();
    try {
      await t.session.decide((await t.next(0)).id, { kind: 'ack' });
      // A first dead letter while all is well: the DLQ producer is connected and knows the leader.
      await t.session.decide((await t.next(1)).id, { kind: 'deadLetter', reason: 'invalid JSON' });
      await waitFor('the first dead letter and its commit', 60_000, () =>
        t.order.includes('commit:2') ? true : undefined,
      );
      await t.session.decide((await t.next(2)).id, { kind: 'ack' });
      const poison = await t.next(3);

      const dlqBefore = await partitionDetail(admin, t.dlqTopic, 0);
      const leader = dlqBefore.leader as number;
      await killBroker(leader);
      const decidedAt = Date.now();
      await t.session.decide(poison.id, { kind: 'deadLetter', reason: 'invalid JSON' });
      await waitFor('the dead letter of offset 3 to be acknowledged', 90_000, () =>
        t.order.includes('dlq:3') ? true : undefined,
      );
      const ackedAfterMs = Date.now() - decidedAt;
      await waitFor('the commit past offset 3', 60_000, () => (t.order.includes('commit:4') ? true : undefined));
      const moved = await waitForPartition(
        admin,
        t.dlqTopic,
        0,
        `a DLQ leader other than the killed broker ${leader}`,
        30_000,
        (p) => p.leader !== null && p.leader !== leader,
      );
      console.log(
        `        DLQ leader ${leader} killed → ${moved.leader}; write acknowledged ${ackedAfterMs} ms after the decision; ${t.errors.length} engine errors; ${t.order.join(' ')}`,
      );
      // The commit through the dead-lettered message came after the DLQ acknowledgement, never before.
      const dlqAt = t.order.indexOf('dlq:3');
      const firstCommitPast = t.order.findIndex((e) => /^commit:(\d+)$/.test(e) && Number(e.slice(7)) > 3);
      assert.ok(dlqAt >= 0 && firstCommitPast > dlqAt, t.order.join(' '));
      await t.session.decide((await t.next(4)).id, { kind: 'ack' });
      await waitFor('the commit of offset 5', 30_000, () => (t.order.includes('commit:5') ? true : undefined));
    } finally {
      await t.session.stop();
    }
    await ensureClusterUp();
    assert.equal(await t.committed(), 5);
    // Both dead letters are on the DLQ topic (idempotent producer: no duplicate from the retries).
    assert.deepEqual(await deadLetteredOffsets(t.dlqTopic), [1, 3]);
  });

  it('with two brokers down (min.insync.replicas not met) the dead-letter write fails visibly, the partition pauses and nothing is committed past it; a broker back and it goes through', async () => {
    const t = await setUp(['{"n":0}', 'not json', '{"n":2}', '{"n":3}']);
    const minIsr = (await admin.describeTopicConfigs(t.dlqTopic)).find((r) => r.name === 'min.insync.replicas');
    assert.equal(minIsr?.value, '2', `the DLQ topic's min.insync.replicas (${minIsr?.source})`);
    await t.session.start();
    try {
      await t.session.decide((await t.next(0)).id, { kind: 'ack' });
      await waitFor('the commit of offset 1', 30_000, () => (t.order.includes('commit:1') ? true : undefined));
      const poison = await t.next(1);

      // Keep the broker that leads the source partition; kill the other two.
      const survivor = (await partitionDetail(admin, t.topic, 0)).leader as number;
      const down = brokerIds.filter((b) => b !== survivor);
      for (const b of down) await killBroker(b);
      const dlq = await waitForPartition(
        admin,
        t.dlqTopic,
        0,
        `the DLQ partition led by the surviving broker ${survivor}`,
        60_000,
        (p) => p.leader === survivor && down.every((b) => !p.isr.includes(b)),
      ).catch(async () => partitionDetail(admin, t.dlqTopic, 0));

      const errorsBefore = t.errors.length;
      await t.session.decide(poison.id, { kind: 'deadLetter', reason: 'invalid JSON' });
      const failure = await waitFor('the dead-letter failure to be reported', 60_000, () =>
        t.errors.slice(errorsBefore).find((e) => e.error instanceof DeadLetterError),
      );
      const error = failure.error as DeadLetterError;
      assert.equal(error.reason, 'dlqWriteFailed');
      assert.match(error.message, new RegExp(`dead-letter write to ${t.dlqTopic}`));
      assert.match(error.message, /stays uncommitted/);
      assert.match(error.message, /min\.insync\.replicas/, 'the error names the likely cause');
      // The partition is paused behind the message: the next message is not offered.
      const partition = t.session.snapshot().members[0].partitions.find((p) => p.topic === t.topic);
      assert.ok(partition?.blockedReason, `the partition says why it is blocked: ${JSON.stringify(partition)}`);
      await assert.rejects(t.session.nextAwaiting(3000), 'no message after the blocked one is offered');
      // Nothing past the message was committed, neither sent by the engine nor stored by the broker.
      assert.ok(
        !t.order.some((e) => /^commit:(\d+)$/.test(e) && Number(e.slice(7)) > 1),
        `committed past the blocked message: ${t.order.join(' ')}`,
      );
      assert.equal(await t.committed(), 1, 'the group committed nothing past offset 1');
      assert.ok(!t.order.includes('dlq:1'));
      console.log(
        `        brokers ${down.join(' and ')} down, DLQ ISR ${dlq.isr.join(',')} (leader ${dlq.leader}): "${error.message}"`,
      );

      // One broker back: min.insync.replicas is met again; the retried write goes through, then the commit.
      await restartBroker(down[0]);
      await waitFor('the dead letter to go through once a broker is back', 90_000, () =>
        t.order.includes('dlq:1') ? true : undefined,
      );
      await waitFor('the commit past the dead letter', 60_000, () => (t.order.includes('commit:2') ? true : undefined));
      assert.ok(t.order.indexOf('dlq:1') < t.order.indexOf('commit:2'), t.order.join(' '));
      await t.session.decide((await t.next(2)).id, { kind: 'ack' });
      await waitFor('the commit of offset 3', 30_000, () => (t.order.includes('commit:3') ? true : undefined));
    } finally {
      await t.session.stop();
    }
    await ensureClusterUp();
    await waitForPartition(admin, t.dlqTopic, 0, 'all replicas back in sync', 90_000, fullyReplicated);
    assert.equal(await t.committed(), 3);
    assert.deepEqual(await deadLetteredOffsets(t.dlqTopic), [1]);
  });
});
