// A running session with a handler consumes a steady stream (idempotent producer, acks=all) from a
// three-partition topic (RF 3, min.insync.replicas 2) while the broker leading partition 0 is
// SIGKILLed and started again, then while a follower of partition 1 is down (its ISR shrinks):
// nothing acknowledged is lost, redeliveries stay within the in-flight window, no commit passes
// what was processed, and lag and the rebalance timeline keep working (a second member joins
// during the follower's outage and the timeline shows the move).
import { strict as assert } from 'node:assert';
import type { DeliveryReport, LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import { ConsumerSession } from '../../src/core/engine/session';
import type { EngineError } from '../../src/core/engine/types';
import { loadNativeClient } from '../../src/core/kafka/nativeClient';
import { SessionLog } from '../../src/core/session/sessionLog';
import { CommittedReader } from '../support/committedReader';
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
  sleep,
  waitForPartition,
  withTimeout,
} from './support/cluster';
import { Ledger } from './support/ledger';

describe('three brokers: a running session while the leader broker is SIGKILLed and restarted, then a follower is down', function () {
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

  it('loses nothing, redelivers only within the in-flight window, never commits past the processed watermark; lag and the timeline go on', async () => {
    const partitions = 3;
    const topic = uniqueName('itc-run');
    const groupId = uniqueName('itc-run-group');
    topics.push(topic);
    groups.push(groupId);
    await createReplicatedTopic(admin, topic, partitions);

    const ledger = new Ledger(topic);
    const log = new SessionLog();
    const errors: EngineError[] = [];
    const seqs = new Set<number>();
    const session = new ConsumerSession({
      connection: { ...connection, clientId: 'itc-running' },
      groupId,
      topics: [topic],
      autoOffsetReset: 'earliest',
      commitPolicy: { kind: 'batch', maxMessages: 20, maxIntervalMs: 300 },
      concurrency: 3,
      consumerConfig: { 'reconnect.backoff.max.ms': 1000, 'heartbeat.interval.ms': 1000 },
      handler: async (m) => {
        await sleep(5);
        ledger.record(m.partition, m.offset);
        seqs.add((JSON.parse(m.value?.toString() ?? '{}') as { seq?: number }).seq ?? -1);
      },
    });
    session.on('committed', ledger.onCommitted);
    session.on('rebalance', (e) => log.rebalanced(e));
    session.on('error', (e) => errors.push(e));
    const lagSeen: number[] = [];
    session.on('lag', (rows) => lagSeen.push(rows.length));

    // ---- a steady stream, 100 messages/s, idempotent and acks=all: acknowledged means it must be consumed
    const native = loadNativeClient();
    const acked = new Map<number, { partition: number; offset: number }>();
    const failed = new Map<number, string>();
    let sent = 0;
    const producer: Producer = new native.Producer({
      'bootstrap.servers': bootstrap,
      'client.id': 'itc-running-producer',
      'enable.idempotence': true,
      'linger.ms': 5,
      'message.timeout.ms': 120_000,
      'reconnect.backoff.max.ms': 1000,
      dr_cb: true,
    } as never);
    producer.on('delivery-report', (err: LibrdKafkaError | null, report: DeliveryReport) => {
      const seq = report.opaque as number;
      if (err) failed.set(seq, err.message);
      else acked.set(seq, { partition: report.partition, offset: report.offset });
    });
    producer.on('event.error', () => undefined); // a broker going away is expected
    await withTimeout(
      'the producer to connect',
      30_000,
      new Promise<void>((resolve, reject) =>
        producer.connect({ timeout: 20_000 }, (err) => (err ? reject(err) : resolve())),
      ),
    );
    producer.setPollInterval(50);
    const produceOne = (): void => {
      const seq = sent++;
      try {
        producer.produce(topic, seq % partitions, Buffer.from(JSON.stringify({ seq })), `key-${seq}`, Date.now(), seq);
      } catch (error) {
        failed.set(seq, String(error));
      }
    };
    const ticker = setInterval(produceOne, 10);
    const story: string[] = [];
    try {
      await session.start();
      await waitFor('150 processed messages', 60_000, () => (ledger.count >= 150 ? true : undefined));
      await waitFor('a first acknowledged commit', 30_000, () => (ledger.committedAck(0) > 0 ? true : undefined));

      // ---- SIGKILL the broker leading partition 0 (with a backlog in flight)
      for (let i = 0; i < 300; i++) produceOne();
      const before = await partitionDetail(admin, topic, 0);
      assert.ok(fullyReplicated(before), JSON.stringify(before));
      const leader = before.leader as number;
      const atKill = ledger.count;
      await killBroker(leader);
      const moved = await waitForPartition(
        admin,
        topic,
        0,
        `a leader other than the killed broker ${leader}`,
        60_000,
        (p) => p.leader !== null && p.leader !== leader && !p.isr.includes(leader),
      );
      story.push(
        `broker ${leader} killed at ${atKill} processed → partition 0 led by ${moved.leader}, ISR ${moved.isr.join(',')}`,
      );
      await waitFor('processing to go on while the old leader is down', 60_000, () =>
        ledger.count >= atKill + 400 ? true : undefined,
      );
      await restartBroker(leader);
      for (let p = 0; p < partitions; p++)
        await waitForPartition(admin, topic, p, 'all replicas back in sync', 90_000, fullyReplicated);
      story.push(`broker ${leader} back at ${ledger.count} processed`);

      // ---- a follower of partition 1 is down (its ISR shrinks, acks=all still meets min.insync.replicas);
      // meanwhile a second member joins: the rebalance timeline shows the move
      const p1 = await partitionDetail(admin, topic, 1);
      const follower =
        p1.replicas.find((r) => r !== p1.leader && r !== leader) ??
        (p1.replicas.find((r) => r !== p1.leader) as number);
      await killBroker(follower);
      const shrunk = await waitForPartition(
        admin,
        topic,
        1,
        `the ISR without the killed follower ${follower}`,
        60_000,
        (p) => !p.isr.includes(follower),
      );
      story.push(`follower ${follower} of partition 1 killed → leader ${shrunk.leader}, ISR ${shrunk.isr.join(',')}`);
      assert.equal(shrunk.leader, p1.leader, 'a follower going away does not move the leadership');
      const timelineBefore = log.timeline.length;
      const second = await session.addMember();
      await waitFor('the new member to be assigned a partition', 60_000, () =>
        log.timeline.some(
          (e, i) => i >= timelineBefore && e.memberId === second && e.kind === 'assign' && e.partitions.length > 0,
        )
          ? true
          : undefined,
      );
      const atJoin = ledger.count;
      await waitFor('processing with two members while the follower is down', 60_000, () =>
        ledger.count >= atJoin + 200 ? true : undefined,
      );
      await restartBroker(follower);
      for (let p = 0; p < partitions; p++)
        await waitForPartition(admin, topic, p, 'all replicas back in sync', 90_000, fullyReplicated);
      story.push(`follower ${follower} back at ${ledger.count} processed`);

      // ---- stop producing; everything acknowledged is processed and committed
      clearInterval(ticker);
      await withTimeout(
        'the producer to flush',
        60_000,
        new Promise<void>((resolve, reject) => producer.flush(55_000, (err) => (err ? reject(err) : resolve()))),
      );
      await waitFor('a delivery report for every message', 30_000, () =>
        acked.size + failed.size >= sent ? true : undefined,
      );
      const ends = new Map<number, number>();
      for (const { partition, offset } of acked.values())
        ends.set(partition, Math.max(ends.get(partition) ?? 0, offset + 1));
      await waitFor('every acknowledged message processed', 90_000, () =>
        [...ends].every(([p, end]) => ledger.contiguous(p) >= end) ? true : undefined,
      );
      await waitFor('commits up to the end of every partition', 60_000, () =>
        [...ends].every(([p, end]) => ledger.committedAck(p) === end) ? true : undefined,
      );
      // Lag: each partition's row (whichever member owns it) reads the new end and lag 0.
      await waitFor('lag 0 at the end of every partition', 30_000, () => {
        const rows = session.lag().filter((r) => r.topic === topic);
        return rows.length === partitions && rows.every((r) => r.highWatermark === ends.get(r.partition) && r.lag === 0)
          ? true
          : undefined;
      });
      assert.equal(session.state, 'running', 'the session was never restarted');
    } finally {
      clearInterval(ticker);
      await session.stop().catch(() => undefined);
      await withTimeout(
        'the producer to disconnect',
        20_000,
        new Promise<void>((resolve) => producer.disconnect(() => resolve())),
      ).catch(() => undefined);
    }

    const ends = new Map<number, number>();
    for (const { partition, offset } of acked.values())
      ends.set(partition, Math.max(ends.get(partition) ?? 0, offset + 1));
    const reader = await CommittedReader.open(bootstrap, groupId);
    let final: Map<number, number>;
    try {
      final = await reader.read(topic, [...Array(partitions).keys()]);
    } finally {
      await reader.close();
    }
    const summary = [
      `sent ${sent}, acknowledged ${acked.size}, failed ${failed.size}; processed ${ledger.count} (${ledger.duplicates.length} redelivered)`,
      ...story,
      `timeline: ${log.timeline.map((e) => `${e.memberId.slice(-6)}:${e.kind}[${e.partitions.map((p) => p.partition).join(',')}]`).join(' ')}`,
      `${errors.length} engine errors: ${[...new Set(errors.map((e) => e.error.message.replace(/\d+/g, 'N')))].slice(0, 4).join(' | ')}`,
    ].join('\n        ');
    console.log(`        ${summary}`);

    for (const [seq, { partition, offset }] of acked) {
      assert.ok(
        ledger.has(partition, offset),
        `seq ${seq} (${partition}@${offset}) was acknowledged but never processed\n${summary}`,
      );
      assert.ok(seqs.has(seq), `seq ${seq} was never processed\n${summary}`);
    }
    assert.equal(failed.size, 0, `the producer gave up on messages: ${[...failed.values()].slice(0, 3).join('; ')}`);
    assert.ok(acked.size > 1000, `a steady stream across the failover\n${summary}`);
    assert.deepEqual(ledger.violations, [], summary);
    assert.deepEqual(ledger.skips(), [], summary);
    assert.deepEqual(final, ends, `the group's committed offsets are the ends\n${summary}`);
    assert.ok(lagSeen.length > 0, 'lag was reported');
    assert.ok(!log.timeline.some((e) => e.kind === 'lost'), `no assignment was lost\n${summary}`);
  });
});
