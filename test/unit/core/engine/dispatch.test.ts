import { strict as assert } from 'node:assert';
import { RetriableError } from '../../../../src/core/errors';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import { GROUP, TOPIC, lastCommitted, offsetsOf, rig, sleep, waitFor } from './support/harness';

describe('engine dispatch (running mode, fake consumer)', () => {
  it('hands every message to the handler once, in offset order per partition, and stop commits the ends', async () => {
    const seen: ConsumedMessage[] = [];
    const r = rig({ handler: (m) => void seen.push(m) });
    r.cluster.fill(TOPIC, 3, 40);
    await r.session.start();
    await waitFor('120 messages handled', () => seen.length === 120);
    await r.session.stop();
    assert.equal(new Set(seen.map((m) => m.id)).size, 120);
    for (let p = 0; p < 3; p++) {
      assert.deepEqual(
        offsetsOf(seen, p),
        Array.from({ length: 40 }, (_, i) => i),
        `partition ${p}`,
      );
      assert.equal(r.cluster.committed(GROUP, TOPIC, p), 40, `partition ${p} committed through its last message`);
    }
    assert.ok(
      seen.every(
        (m) => m.attempts === 1 && m.memberId === 'member-1' && m.value?.toString() === `${m.partition}:${m.offset}`,
      ),
    );
    assert.deepEqual(r.events.errors, []);
  });

  it('the default policy commits asynchronously once 500 are done, the close synchronously', async () => {
    let handled = 0;
    const r = rig({ handler: () => void handled++ });
    r.cluster.fill(TOPIC, 1, 1_200);
    await r.session.start();
    await waitFor('1200 handled', () => handled === 1_200);
    await waitFor('an async commit of the end', () =>
      r.events.committed.some((e) => !e.sync && e.offsets[0].offset === 1_200),
    );
    await r.session.stop();
    const async = r.events.committed.filter((e) => !e.sync).map((e) => e.offsets[0].offset);
    assert.equal(async[0], 500, 'the first commit goes when 500 are done');
    assert.ok(
      async.every((o, i) => i === 0 || o > async[i - 1]),
      `increasing: ${async.join(', ')}`,
    );
    assert.ok(
      async.every((o) => o % 500 === 0 || o === 1_200),
      `at a count trigger, or the end: ${async.join(', ')}`,
    );
    const close = r.events.committed.find((e) => e.reason === 'close');
    assert.equal(close, undefined, 'nothing left for the close to commit');
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1_200);
  });

  it('an async commit waits while the previous one is unanswered, then carries the newer watermark', async () => {
    let handled = 0;
    const r = rig({
      commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 60_000 },
      handler: () => void handled++,
    });
    r.cluster.holdAsyncAnswers = true;
    r.cluster.fill(TOPIC, 1, 45);
    await r.session.start();
    await waitFor('45 handled', () => handled === 45);
    await sleep(20);
    assert.deepEqual(
      r.cluster.commits.map((c) => c.offsets[0].offset),
      [10],
      'one commit in flight, none piled up behind it',
    );
    assert.equal(r.cluster.answerAsyncCommits(), 1);
    await waitFor('the next commit', () => r.cluster.commits.length === 2);
    assert.equal(r.cluster.commits[1].offsets[0].offset, 45, 'it carries everything done meanwhile');
    r.cluster.holdAsyncAnswers = false;
    r.cluster.answerAsyncCommits();
    await r.session.stop();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 45);
  });

  it('the time trigger commits what is done when the count is not reached, without a clock read per message', async () => {
    let handled = 0;
    const r = rig({
      commitPolicy: { kind: 'batch', maxMessages: 1_000, maxIntervalMs: 40 },
      handler: () => void handled++,
    });
    r.cluster.fill(TOPIC, 1, 5);
    await r.session.start();
    await waitFor('5 handled', () => handled === 5);
    const at = Date.now();
    await waitFor('the timed commit', () => r.events.committed.find((e) => !e.sync && e.reason === 'policy'), 2_000);
    assert.ok(Date.now() - at < 1_000, 'within the interval plus a poll');
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 5);
    await r.session.stop();
  });

  it('reports each partition’s position, committed offset, high watermark and the group’s lag', async () => {
    let handled = 0;
    // Offset 6 never finishes: the stop gives up on it after the (short) drain timeout.
    const r = rig({
      drainTimeoutMs: 20,
      commitPolicy: { kind: 'perMessage' },
      handler: (m) => {
        if (m.offset < 6) handled++;
        else return new Promise(() => undefined);
      },
    });
    r.cluster.fill(TOPIC, 1, 10);
    await r.session.start();
    await waitFor('6 handled', () => handled === 6);
    await waitFor('committed 6', () => r.cluster.committed(GROUP, TOPIC, 0) === 6);
    const [lag] = r.session.lag();
    assert.deepEqual(
      { position: lag.position, committed: lag.committed, highWatermark: lag.highWatermark, lag: lag.lag },
      { position: 10, committed: 6, highWatermark: 10, lag: 4 },
    );
    const [p] = r.session.snapshot().members[0].partitions;
    assert.deepEqual(
      { inFlight: p.inFlight, buffered: p.buffered, committed: p.committed },
      { inFlight: 1, buffered: 3, committed: 6 },
    );
    await r.session.stop();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 6, 'the unfinished offset 6 is not committed by the stop');
  });

  it('emits each fetched message once, in order, when someone listens', async () => {
    const fetched: number[] = [];
    const r = rig({ handler: () => undefined });
    r.session.on('fetched', (m) => fetched.push(m.offset));
    r.cluster.fill(TOPIC, 1, 7);
    await r.session.start();
    await waitFor('7 fetched', () => fetched.length === 7);
    await r.session.stop();
    assert.deepEqual(fetched, [0, 1, 2, 3, 4, 5, 6]);
  });

  it('per-message policy commits synchronously each time the watermark moves', async () => {
    const r = rig({ handler: () => undefined, commitPolicy: { kind: 'perMessage' } });
    r.cluster.fill(TOPIC, 1, 5);
    await r.session.start();
    await waitFor('five commits', () => r.events.committed.filter((e) => e.reason === 'policy').length === 5);
    await r.session.stop();
    const policy = r.events.committed.filter((e) => e.reason === 'policy');
    assert.ok(policy.every((e) => e.sync));
    assert.deepEqual(
      policy.map((e) => e.offsets[0].offset),
      [1, 2, 3, 4, 5],
    );
  });

  it('never runs more handlers at once than `concurrency`, nor more per partition than `partitionConcurrency`', async () => {
    let running = 0;
    let peak = 0;
    const perPartition = new Map<number, number>();
    let peakPartition = 0;
    let done = 0;
    const r = rig({
      concurrency: 3,
      partitionConcurrency: 2,
      handler: async (m) => {
        running++;
        perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) + 1);
        peak = Math.max(peak, running);
        peakPartition = Math.max(peakPartition, perPartition.get(m.partition) ?? 0);
        await sleep(1 + (m.offset % 3));
        perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) - 1);
        running--;
        done++;
      },
    });
    r.cluster.fill(TOPIC, 4, 15);
    await r.session.start();
    await waitFor('60 handled', () => done === 60, 5_000);
    await r.session.stop();
    assert.equal(peak, 3, 'the pool is used fully and never exceeded');
    assert.equal(peakPartition, 2);
  });

  it('retries do not let the pool grow past `concurrency` (a failure used to count twice)', async () => {
    let running = 0;
    let peak = 0;
    const failedOnce = new Set<string>();
    let done = 0;
    const r = rig({
      concurrency: 1,
      handler: async (m) => {
        running++;
        peak = Math.max(peak, running);
        try {
          await sleep(1);
          if (m.offset % 2 === 0 && !failedOnce.has(m.id)) {
            failedOnce.add(m.id);
            throw new RetriableError('try again');
          }
          done++;
        } finally {
          running--;
        }
      },
    });
    r.cluster.fill(TOPIC, 3, 6);
    await r.session.start();
    await waitFor('18 handled', () => done === 18, 5_000);
    await r.session.stop();
    assert.equal(failedOnce.size, 9);
    assert.equal(peak, 1);
  });

  it('a batch policy of 10 commits the watermark once the 10th message is done, long before its interval', async () => {
    const r = rig({
      handler: () => undefined,
      commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 60_000 },
    });
    r.cluster.fill(TOPIC, 1, 10);
    await r.session.start();
    await waitFor('the batch commit', () => lastCommitted(r.events.committed, 0) === 10);
    await r.session.stop();
  });

  it('pauses a partition whose buffer is full and resumes it once the handler catches up', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    const r = rig({
      maxBufferedMessages: 20,
      handler: async () => {
        await gate;
        handled++;
      },
    });
    r.cluster.fill(TOPIC, 1, 200);
    await r.session.start();
    await waitFor('the partition paused by backpressure', () => r.session.snapshot().members[0].partitions[0]?.paused);
    const buffered = r.session.snapshot().members[0].partitions[0].buffered;
    assert.ok(buffered >= 20 && buffered <= 1_000, `bounded buffer (${buffered})`);
    const fetchedWhilePaused = r.cluster.fetched;
    await sleep(30);
    assert.equal(r.cluster.fetched, fetchedWhilePaused, 'nothing is fetched while paused');
    release();
    await waitFor('all 200 handled', () => handled === 200, 5_000);
    assert.equal(r.session.snapshot().members[0].partitions[0].paused, false);
    await r.session.stop();
  });

  it('records delivered again after a resume are not handled twice, and nothing is skipped', async () => {
    const seen: ConsumedMessage[] = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const r = rig({
      maxBufferedMessages: 20,
      concurrency: 8,
      handler: async (m) => {
        await gate;
        seen.push(m);
      },
    });
    r.cluster.rewindOnResume = 15;
    r.cluster.fill(TOPIC, 1, 300);
    await r.session.start();
    for (let i = 0; i < 5; i++) {
      await waitFor(
        'the partition paused by backpressure',
        () => r.session.snapshot().members[0].partitions[0]?.paused || seen.length === 300,
      );
      release();
      gate = new Promise<void>((resolve) => (release = resolve));
      await sleep(5);
    }
    release();
    gate = Promise.resolve();
    await waitFor('all 300 handled', () => seen.length >= 300, 5_000);
    await sleep(20);
    await r.session.stop();
    assert.deepEqual(
      offsetsOf(seen, 0),
      Array.from({ length: 300 }, (_, i) => i),
      'each offset once, in order',
    );
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 300);
    assert.deepEqual(r.events.errors, []);
    assert.ok(r.cluster.fetched > 300, `the fake did deliver records again (${r.cluster.fetched} fetched)`);
  });

  it('onAbandon tells a handler its attempt was given up (a seek), once, without making a signal; a finished attempt is never told', async () => {
    const abandoned: number[] = [];
    let finish: () => void = () => undefined;
    const r = rig({
      handler: (m, context) => {
        context.onAbandon?.(() => abandoned.push(m.offset));
        if (m.offset === 0) return;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('offset 1 running', () => r.session.snapshot().members[0].partitions[0]?.inFlight === 1);
    await r.session.seek(TOPIC, 0, { kind: 'offset', offset: 2 });
    assert.deepEqual(abandoned, [1], 'offset 0 finished and is not told; offset 1 was abandoned by the seek');
    finish();
    await sleep(10);
    assert.deepEqual(abandoned, [1], 'told once');
    await r.session.stop();
  });

  it('a handler set later starts the queued messages; running mode without one is refused', async () => {
    const seen: number[] = [];
    const r = rig({ mode: 'paused' });
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    assert.throws(() => r.session.setMode('running'), /needs a message handler/);
    r.session.setHandler((m) => void seen.push(m.offset));
    r.session.setMode('running');
    await waitFor('3 handled', () => seen.length === 3);
    await r.session.stop();
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it('a handler rejecting with nothing still fails the attempt, with a reason', async () => {
    const r = rig({ unknownErrors: 'nonRetriable', handler: () => Promise.reject(undefined) });
    r.cluster.fill(TOPIC, 1, 1);
    await r.session.start();
    await waitFor('the DLQ write', () => r.dlq.written.length === 1);
    await r.session.stop();
    assert.match(r.dlq.written[0].envelope.error_message, /rejected without a reason/);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
  });
});
