import { strict as assert } from 'node:assert';
import { DeadLetterError, NonRetriableError, RetriableError } from '../../../../src/core/errors';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import { GROUP, TOPIC, lastCommitted, rig, sleep, waitFor } from './support/harness';

describe('engine failure path: retry with backoff, dead letters (fake consumer, fake DLQ)', () => {
  it('a retriable failure is retried after an exponential backoff, in place, then succeeds', async () => {
    const calls: Array<{ offset: number; attempt: number; at: number }> = [];
    const r = rig({
      retryPolicy: { baseMs: 20, capMs: 1_000, jitter: 0, maxAttempts: 4 },
      handler: (m, ctx) => {
        calls.push({ offset: m.offset, attempt: ctx.attempt, at: Date.now() });
        if (m.offset === 1 && ctx.attempt < 3) throw new RetriableError('the database is down');
      },
    });
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('offset 2 handled', () => calls.some((c) => c.offset === 2), 3_000);
    await r.session.stop();
    assert.deepEqual(
      calls.map((c) => `${c.offset}#${c.attempt}`),
      ['0#1', '1#1', '1#2', '1#3', '2#1'],
      'order kept within the partition',
    );
    const tries = calls.filter((c) => c.offset === 1);
    assert.ok(tries[1].at - tries[0].at >= 18, `first backoff ~20 ms (${tries[1].at - tries[0].at})`);
    assert.ok(tries[2].at - tries[1].at >= 38, `second backoff ~40 ms (${tries[2].at - tries[1].at})`);
    assert.equal(r.events.decided.filter((d) => d.decision === 'failed').length, 2);
    assert.deepEqual(r.dlq.attempts, []);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 3);
  });

  it('while a message waits out its backoff, its partition is paused and the other partitions flow', async () => {
    const handled: ConsumedMessage[] = [];
    const r = rig({
      retryPolicy: { baseMs: 150, capMs: 150, jitter: 0, maxAttempts: 2 },
      handler: (m, ctx) => {
        if (m.partition === 0 && m.offset === 0 && ctx.attempt === 1) throw new RetriableError('later');
        handled.push(m);
      },
    });
    r.cluster.fill(TOPIC, 2, 5);
    await r.session.start();
    await waitFor('partition 1 done', () => handled.filter((m) => m.partition === 1).length === 5);
    const p0 = r.session.snapshot().members[0].partitions.find((p) => p.partition === 0);
    assert.equal(p0?.paused, true, 'partition 0 paused during the backoff');
    assert.equal(handled.filter((m) => m.partition === 0).length, 0, 'nothing of partition 0 overtook the retry');
    await waitFor('partition 0 done', () => handled.filter((m) => m.partition === 0).length === 5, 3_000);
    assert.equal(r.session.snapshot().members[0].partitions.find((p) => p.partition === 0)?.paused, false);
    await r.session.stop();
  });

  it('a non-retriable failure goes to the DLQ at once with the envelope, and only then is committed', async () => {
    const r = rig({
      commitPolicy: { kind: 'perMessage' },
      handler: (m) => {
        if (m.offset === 1) throw new NonRetriableError('bad order');
      },
    });
    r.dlq.mode = 'hold';
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('the DLQ write started', () => r.dlq.pending === 1);
    await sleep(20);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1, 'nothing past the message before the DLQ acknowledged it');
    assert.equal(r.dlq.attempts.length, 1);
    r.dlq.acknowledge();
    await waitFor('committed through the end', () => r.cluster.committed(GROUP, TOPIC, 0) === 3);
    await r.session.stop();
    const [write] = r.dlq.written;
    assert.equal(write.topic, `${TOPIC}.dead-letter`);
    assert.equal(write.envelope.original_offset, 1);
    assert.equal(write.envelope.error_type, 'NonRetriableError');
    assert.equal(write.envelope.error_message, 'bad order');
    assert.equal(write.envelope.retry_count, 1);
    assert.equal(write.envelope.payload, '0:1');
  });

  it('retries run out: the last failure goes to the DLQ with the attempt count', async () => {
    let calls = 0;
    const r = rig({
      retryPolicy: { baseMs: 1, capMs: 2, jitter: 0, maxAttempts: 3 },
      handler: () => {
        calls++;
        throw new RetriableError('still down');
      },
    });
    r.cluster.fill(TOPIC, 1, 1);
    await r.session.start();
    await waitFor('dead-lettered', () => r.dlq.written.length === 1);
    await r.session.stop();
    assert.equal(calls, 3);
    assert.equal(r.dlq.written[0].envelope.retry_count, 3);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
  });

  it('a failing DLQ write blocks the partition, commits nothing past the message, reports a DeadLetterError and retries', async () => {
    const r = rig({
      commitPolicy: { kind: 'perMessage' },
      deadLetter: { retryIntervalMs: 25 },
      handler: (m) => {
        if (m.offset === 1) throw new NonRetriableError('poison');
      },
    });
    r.dlq.mode = 'refuse';
    r.cluster.fill(TOPIC, 1, 4);
    await r.session.start();
    await waitFor('three refused writes', () => r.dlq.attempts.length >= 3, 3_000);
    const p = r.session.snapshot().members[0].partitions[0];
    assert.equal(p.paused, true);
    assert.match(p.blockedReason ?? '', /does not exist/);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
    assert.ok(
      r.events.errors.length >= 3 &&
        r.events.errors.every((e) => e.error instanceof DeadLetterError && e.error.reason === 'dlqTopicMissing'),
    );
    r.dlq.mode = 'ack';
    await waitFor('committed through the end', () => r.cluster.committed(GROUP, TOPIC, 0) === 4, 3_000);
    assert.equal(r.session.snapshot().members[0].partitions[0].blockedReason, undefined);
    assert.equal(r.dlq.written.length, 1);
    await r.session.stop();
  });

  it('retryDeadLetters tries a blocked write again at once, without waiting for its interval', async () => {
    const r = rig({
      deadLetter: { retryIntervalMs: 60_000 },
      handler: () => {
        throw new NonRetriableError('poison');
      },
    });
    r.dlq.mode = 'refuse';
    r.cluster.fill(TOPIC, 1, 1);
    await r.session.start();
    await waitFor('refused once', () => r.dlq.attempts.length === 1);
    r.dlq.mode = 'ack';
    assert.equal(r.session.retryDeadLetters(), 1);
    await waitFor('written', () => r.dlq.written.length === 1);
    await r.session.stop();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
  });

  it('a message blocked in the DLQ path can be decided by hand: skip unblocks the partition without marking it done', async () => {
    const handled: number[] = [];
    const r = rig({
      deadLetter: { retryIntervalMs: 60_000 },
      handler: (m) => {
        if (m.offset === 0) throw new NonRetriableError('poison');
        handled.push(m.offset);
      },
    });
    r.dlq.mode = 'refuse';
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('refused', () => r.dlq.attempts.length === 1);
    await r.session.decide(`member-1/${TOPIC}/0/0`, { kind: 'skip' });
    await waitFor('the rest handled', () => handled.length === 2);
    r.session.commitNow();
    await r.session.stop();
    assert.equal(lastCommitted(r.events.committed, 0), undefined, 'commits stop before the skipped offset 0');
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), undefined);
  });

  it('a dead-letter decision in stepping records the reason the developer gave', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 2);
    await r.session.start();
    const m = await r.session.nextAwaiting(2_000);
    await r.session.decide(m.id, { kind: 'deadLetter', reason: 'customer deleted' });
    assert.equal(r.dlq.written[0].envelope.error_type, 'ManualDeadLetter');
    assert.equal(r.dlq.written[0].envelope.error_message, 'customer deleted');
    assert.equal(r.dlq.written[0].envelope.retry_count, 0);
    r.session.commitNow();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
    await r.session.stop();
  });

  it('unknown errors follow `unknownErrors`: retried by default, dead-lettered at once when nonRetriable', async () => {
    let calls = 0;
    const r = rig({
      unknownErrors: 'nonRetriable',
      handler: () => {
        calls++;
        throw new Error('plain');
      },
    });
    r.cluster.fill(TOPIC, 1, 1);
    await r.session.start();
    await waitFor('dead-lettered', () => r.dlq.written.length === 1);
    await r.session.stop();
    assert.equal(calls, 1);
    assert.match(r.events.decided.find((d) => d.decision === 'failed')?.detail ?? '', /^nonRetriable: plain/);
  });
});
