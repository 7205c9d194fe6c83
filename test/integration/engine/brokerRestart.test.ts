// Broker restart in the middle of a run: a session consumes a steady stream from a private,
// single-node KRaft broker (its own ports and data dir, the jars of .lab/cache/kafka/libs) while a
// producer keeps producing; the broker is killed and started again, and the session must recover by
// itself with nothing lost and no commit past what was processed. The shared broker on 19092 is
// never touched: other tests use it at the same time.
import { strict as assert } from 'node:assert';
import type { DeliveryReport, LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { EngineError } from '../../../src/core/engine/types';
import { loadNativeClient } from '../../../src/core/kafka/nativeClient';
import { kafkaClient } from '../../support/kafka';
import { uniqueName, waitFor } from '../../support/services';
import { CommittedReader } from '../../support/committedReader';
import { PrivateBroker, withTimeout } from './support/privateBroker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Samples the group's committed offsets while the broker is up and checks each against the processed
 * watermark. Its reader is closed before every kill and opened again once the broker is back.
 */
class CommittedSampler {
  private reader: CommittedReader | undefined;
  private loop: Promise<void> | undefined;
  private active = false;
  samples = 0;
  failures = 0;
  readonly violations: string[] = [];

  constructor(
    private readonly bootstrap: string,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly partitions: readonly number[],
    private readonly watermarkPlusOne: (partition: number) => number,
  ) {}

  async start(phase: string): Promise<void> {
    this.reader = await withTimeout(
      'the committed-offset reader to connect',
      20_000,
      CommittedReader.open(this.bootstrap, this.groupId),
    );
    this.active = true;
    this.loop = (async () => {
      while (this.active) {
        await this.sample(phase).catch(() => this.failures++);
        await sleep(250);
      }
    })();
  }

  async stop(): Promise<void> {
    this.active = false;
    await this.loop;
    this.loop = undefined;
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }

  /** The committed offsets first, the processed sets after: whatever the broker holds must be covered. */
  async sample(when: string): Promise<Map<number, number>> {
    const reader = this.reader ?? (await CommittedReader.open(this.bootstrap, this.groupId));
    try {
      const committed = await withTimeout('an OffsetFetch', 12_000, reader.read(this.topic, this.partitions));
      this.samples++;
      for (const [p, offset] of committed) {
        const limit = this.watermarkPlusOne(p);
        if (offset > limit)
          this.violations.push(
            `${when}: partition ${p} committed ${offset}, but only offsets < ${limit} were all processed`,
          );
      }
      return committed;
    } finally {
      if (reader !== this.reader) await reader.close();
    }
  }
}

describe('broker restart in the middle of a run: the session recovers by itself', () => {
  const broker = new PrivateBroker();
  const partitions = 3;
  const burst = 800;
  const topic = uniqueName('it-restart');
  const groupId = uniqueName('it-restart-group');

  before(async function () {
    this.timeout(90_000);
    await broker.prepare();
    await broker.start(60_000);
    await withTimeout(
      'the topic on the private broker',
      30_000,
      (async () => {
        const setup = kafkaClient({ brokers: broker.bootstrap }).admin();
        await setup.connect();
        try {
          await setup.createTopics({
            topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
            timeout: 15_000,
          });
        } finally {
          await setup.disconnect();
        }
      })(),
    );
  });

  let keepBrokerDir = false;
  afterEach(function () {
    if (this.currentTest?.state === 'failed') keepBrokerDir = true;
  });
  after(async () => {
    if (keepBrokerDir) console.log(`private broker kept in ${broker.dir}; its log ends with:\n${broker.tail()}`);
    await broker.destroy(keepBrokerDir);
  });

  it('keeps consuming a steady stream across a SIGKILL and a SIGTERM restart of the broker, losing nothing and never committing past the processed watermark', async function () {
    this.timeout(110_000);
    const started = Date.now();
    const kafka = loadNativeClient();

    // ---- what the session processed, per partition
    const processed = new Map<number, number[]>();
    const seen = new Map<number, Set<number>>();
    const seqs = new Set<number>();
    let processedCount = 0;
    const contiguous = (p: number): number => {
      const s = seen.get(p);
      let c = 0;
      while (s?.has(c)) c++;
      return c;
    };
    const errors: EngineError[] = [];
    const commitFailures: string[] = [];

    const session = new ConsumerSession({
      connection: { bootstrapServers: broker.bootstrap, clientId: 'it-restart-consumer' },
      groupId,
      topics: [topic],
      autoOffsetReset: 'earliest',
      commitPolicy: { kind: 'batch', maxMessages: 20, maxIntervalMs: 300 },
      concurrency: 3,
      consumerConfig: { 'reconnect.backoff.max.ms': 1000, 'heartbeat.interval.ms': 1000 },
      handler: async (m) => {
        // ~10 ms of work per message (~270 messages/s over 3 partitions): the burst produced before
        // each kill takes seconds to work through, so processing and batch commits go on while the
        // broker is down.
        await sleep(10);
        const seq = (JSON.parse(m.value?.toString() ?? '{}') as { seq?: number }).seq ?? -1;
        (processed.get(m.partition) ?? processed.set(m.partition, []).get(m.partition))?.push(m.offset);
        (seen.get(m.partition) ?? seen.set(m.partition, new Set()).get(m.partition))?.add(m.offset);
        seqs.add(seq);
        processedCount++;
      },
    });
    session.on('error', (e) => errors.push(e));
    let fetchedCount = 0;
    session.on('fetched', () => fetchedCount++);
    const commitLog: string[] = [];
    session.on('committed', (e) => {
      if (e.error) commitFailures.push(`${e.reason}: ${e.error}`);
      if (process.env.RESTART_TEST_TRACE)
        commitLog.push(
          `[${Date.now() - started} ms] ${e.sync ? 'sync' : 'async'} ${e.reason} sent at ${e.at - started} ms: ${e.offsets.map((o) => `${o.partition}@${o.offset}`).join(' ')}${e.error ? ` ERROR ${e.error}` : ''}`,
        );
    });

    // ---- a steady stream: one message every 10 ms, idempotent, acks=all; acknowledged = produced
    const acked = new Map<number, { partition: number; offset: number }>();
    const failed = new Map<number, string>();
    let sent = 0;
    const producer: Producer = new kafka.Producer({
      'bootstrap.servers': broker.bootstrap,
      'client.id': 'it-restart-producer',
      'enable.idempotence': true,
      'linger.ms': 5,
      'message.timeout.ms': 60_000,
      'reconnect.backoff.max.ms': 1000,
      dr_cb: true,
    } as never);
    producer.on('delivery-report', (err: LibrdKafkaError | null, report: DeliveryReport) => {
      const seq = report.opaque as number;
      if (err) failed.set(seq, err.message);
      else acked.set(seq, { partition: report.partition, offset: report.offset });
    });
    producer.on('event.error', () => undefined); // the broker going away is expected
    await withTimeout(
      'the producer to connect',
      20_000,
      new Promise<void>((resolve, reject) =>
        producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())),
      ),
    );
    producer.setPollInterval(50);
    const produceOne = (): void => {
      const seq = sent;
      try {
        producer.produce(topic, seq % partitions, Buffer.from(JSON.stringify({ seq })), `key-${seq}`, Date.now(), seq);
        sent++;
      } catch (error) {
        failed.set(seq, String(error));
        sent++;
      }
    };
    // The steady stream (100 messages/s) goes on through both restarts.
    const ticker = setInterval(produceOne, 10);

    // ---- committed offsets sampled from the broker while it is up: each ≤ watermark + 1
    const sampler = new CommittedSampler(broker.bootstrap, groupId, topic, [...Array(partitions).keys()], contiguous);
    await sampler.start('before the restarts');
    let phase = 'before the restarts';
    const sample = (when: string) => sampler.sample(when);

    const timeline: string[] = [];
    const trace = (what: string) => {
      if (process.env.RESTART_TEST_TRACE)
        console.log(`[${Date.now() - started} ms] ${what} (sent ${sent}, processed ${processedCount})`);
    };
    try {
      await session.start();
      trace('session started');
      const committedSome = async (what: string, timeoutMs: number, atLeast: number) =>
        waitFor(what, timeoutMs, async () => {
          const c = await sample(phase).catch(() => undefined);
          return c && [...c.values()].reduce((a, b) => a + Math.max(0, b), 0) >= atLeast ? c : undefined;
        });
      await waitFor('150 processed messages', 30_000, () => (processedCount >= 150 ? true : undefined));
      await committedSome('a first commit', 15_000, 1);
      const backlogAtKill = () => fetchedCount - processedCount;
      timeline.push(`steady at ${Date.now() - started} ms: sent ${sent}, processed ${processedCount}`);

      for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
        // A burst just before the kill: the session has a backlog to work through (and commits to
        // send) while the broker is down.
        for (let i = 0; i < burst; i++) produceOne();
        await waitFor(`a backlog of fetched, unprocessed messages before the ${signal}`, 20_000, () =>
          backlogAtKill() >= 300 ? true : undefined,
        );
        const beforeKill = {
          processed: processedCount,
          sent,
          backlog: backlogAtKill(),
          commitFailures: commitFailures.length,
        };
        phase = `after the ${signal} restart`;
        // No OffsetFetch of the test's own reader is in flight when the broker goes away.
        await sampler.stop();
        trace(`killing the broker with ${signal}`);
        const killMs = await broker.kill(signal);
        trace('broker gone');
        const downAt = Date.now();
        // The broker stays down a while; the producer keeps producing into its queue, the session
        // keeps processing its backlog, and its asynchronous commits wait in librdkafka until the
        // coordinator is back (they are not failed, so "failed commits" stays 0).
        await sleep(2000);
        const startMs = await broker.start(60_000);
        trace('broker ready again');
        const down = Date.now() - downAt;
        await sampler.start(phase);
        // The session recovers by itself: new messages are processed and commits move again.
        const committedBefore = (await committedSome('an answer from the restarted broker', 20_000, 0)) ?? new Map();
        const sum = [...committedBefore.values()].reduce((a, b) => a + Math.max(0, b), 0);
        trace('the restarted broker answered OffsetFetch');
        const processedAtRestart = processedCount;
        await waitFor(`messages processed after the ${signal} restart`, 30_000, () =>
          processedCount >= processedAtRestart + 200 ? true : undefined,
        );
        trace('processing again');
        await committedSome(`commits after the ${signal} restart`, 20_000, sum + 100);
        trace('committing again');
        timeline.push(
          `${signal}: backlog ${beforeKill.backlog} at the kill; broker gone in ${killMs} ms, down ${down} ms (start ${startMs} ms); ${commitFailures.length - beforeKill.commitFailures} failed commits; sent ${beforeKill.sent}→${sent}, processed ${beforeKill.processed}→${processedCount}`,
        );
      }

      // ---- stop producing, everything acknowledged, everything processed and committed
      phase = 'draining';
      trace('draining');
      clearInterval(ticker);
      await withTimeout(
        'the producer to flush',
        30_000,
        new Promise<void>((resolve, reject) => producer.flush(25_000, (err) => (err ? reject(err) : resolve()))),
      );
      await waitFor('a delivery report for every message', 10_000, () =>
        acked.size + failed.size >= sent ? true : undefined,
      );
      const ends = new Map<number, number>();
      for (const { partition, offset } of acked.values())
        ends.set(partition, Math.max(ends.get(partition) ?? 0, offset + 1));
      await waitFor('every acknowledged message processed', 45_000, () =>
        [...ends].every(([p, end]) => contiguous(p) >= end) ? true : undefined,
      );
      await waitFor('the committed offsets to reach the ends', 20_000, async () => {
        const c = await sample(phase).catch(() => undefined);
        return c && [...ends].every(([p, end]) => c.get(p) === end) ? true : undefined;
      });
      assert.equal(session.state, 'running', 'the session was never restarted and is still running');
      await sampler.stop();
      await session.stop();
      const final = await sample('after the stop');

      const duplicates =
        [...processed.values()].reduce((n, list) => n + list.length, 0) -
        [...seen.values()].reduce((n, s) => n + s.size, 0);
      const summary = [
        `broker restart test: ${((Date.now() - started) / 1000).toFixed(1)} s; sent ${sent}, acknowledged ${acked.size}, failed ${failed.size}; processed ${processedCount} (${duplicates} duplicates)`,
        ...timeline.map((t) => `  ${t}`),
        `  ${sampler.samples} committed-offset samples (${sampler.failures} failed), ${errors.length} engine errors, ${commitFailures.length} failed commits`,
        ...[...new Set(errors.map((e) => e.error.message.replace(/\d+/g, 'N')))]
          .slice(0, 8)
          .map((m) => `    error: ${m}`),
      ].join('\n');
      console.log(summary);
      if (process.env.RESTART_TEST_TRACE) console.log(commitLog.join('\n'));

      // Every acknowledged message was processed, with its payload; nothing produced was lost.
      for (const [seq, { partition, offset }] of acked) {
        assert.ok(
          seen.get(partition)?.has(offset),
          `seq ${seq} (${partition}@${offset}) was acknowledged but never processed\n${summary}`,
        );
        assert.ok(seqs.has(seq), `seq ${seq} was never processed\n${summary}`);
      }
      assert.ok(acked.size > 1000, `a steady stream was produced across both restarts\n${summary}`);
      assert.ok(errors.length > 0, `the outages were reported as engine errors\n${summary}`);
      assert.equal(
        failed.size,
        0,
        `the producer gave up on messages (message.timeout.ms is far longer than the outages): ${[...failed.values()].slice(0, 3).join('; ')}\n${summary}`,
      );
      // Commits never passed the processed watermark, and the final commit is the end of each partition.
      assert.deepEqual(sampler.violations, [], `commits passed the processed watermark\n${summary}`);
      assert.deepEqual(final, ends, `the stop committed the end of every partition\n${summary}`);
      // Offset order per partition, allowing redelivery (after a rebalance) only from an earlier offset.
      for (const [p, list] of processed) {
        for (let i = 1; i < list.length; i++) {
          if (list[i] !== list[i - 1] + 1)
            assert.ok(
              list[i] < list[i - 1],
              `partition ${p}: offset ${list[i]} processed after ${list[i - 1]}, skipping ahead\n${summary}`,
            );
        }
      }
    } finally {
      clearInterval(ticker);
      await sampler.stop().catch(() => undefined);
      await session.stop().catch(() => undefined);
      await withTimeout(
        'the producer to disconnect',
        15_000,
        new Promise<void>((resolve) => producer.disconnect(() => resolve())),
      ).catch(() => undefined);
    }
  });
});
