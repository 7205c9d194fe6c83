import { strict as assert } from 'node:assert';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import { GROUP, TOPIC, offsetsOf, rig, sleep, waitFor } from './support/harness';

describe('engine rebalances, revoke draining, lost partitions and seeks (fake consumer)', () => {
  it('a revoke lets the running handler finish (bounded), commits what is done, and drops what is queued', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: ConsumedMessage[] = [];
    const r = rig({
      handler: async (m) => {
        if (m.offset === 2) await gate;
        handled.push(m);
      },
    });
    r.cluster.fill(TOPIC, 1, 6);
    await r.session.start();
    await waitFor('offset 2 running', () => handled.length === 2);
    const consumer = r.cluster.consumers[0];
    const revoked = consumer.revoke(consumer.assigned(), false);
    await sleep(20);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), undefined, 'the revoke waits for the running handler');
    release();
    await revoked;
    assert.equal(
      r.cluster.committed(GROUP, TOPIC, 0),
      3,
      'committed through the drained message, nothing queued after it',
    );
    assert.equal(r.events.committed.find((e) => e.reason === 'revoke')?.sync, true);
    assert.deepEqual(
      handled.map((m) => m.offset),
      [0, 1, 2],
    );
    assert.deepEqual(r.session.snapshot().members[0].partitions, []);
    assert.equal(r.session.snapshot().members[0].state, 'idle');
    await r.session.stop();
  });

  it('a handler that outlives the drain timeout is abandoned: its signal aborts and its offset is not committed', async () => {
    let signal: AbortSignal | undefined;
    const r = rig({
      drainTimeoutMs: 40,
      handler: async (m, ctx) => {
        if (m.offset !== 1) return;
        signal = ctx.signal;
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
    });
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('offset 1 running', () => signal);
    const consumer = r.cluster.consumers[0];
    await consumer.revoke(consumer.assigned(), false);
    assert.equal(signal?.aborted, true);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1, 'only offset 0 is done');
    await r.session.stop();
  });

  it('lost partitions commit nothing, not even what was done, and the session says so', async () => {
    const handled: number[] = [];
    const r = rig({
      commitPolicy: { kind: 'batch', maxMessages: 1_000, maxIntervalMs: 60_000 },
      handler: (m) => void handled.push(m.offset),
    });
    r.cluster.fill(TOPIC, 2, 5);
    await r.session.start();
    await waitFor('10 handled', () => handled.length === 10);
    const consumer = r.cluster.consumers[0];
    await r.cluster.lose(consumer);
    assert.ok(r.events.rebalances.some((e) => e.kind === 'lost' && e.partitions.length === 2));
    assert.deepEqual(r.cluster.commits, [], 'nothing committed for lost partitions');
    await r.session.stop();
    assert.deepEqual(r.cluster.commits, [], 'nor at close');
  });

  it('a second member joining takes partitions cooperatively; every message is handled once, in order per partition', async () => {
    const handled: ConsumedMessage[] = [];
    const r = rig({
      commitPolicy: { kind: 'perMessage' },
      handler: async (m) => {
        handled.push(m);
        await sleep(1);
      },
    });
    r.cluster.fill(TOPIC, 4, 30);
    await r.session.start();
    await waitFor('some handled', () => handled.length >= 10);
    const added = await r.session.addMember();
    assert.equal(added, 'member-2');
    await waitFor(
      '120 handled',
      () => new Set(handled.map((m) => m.id.split('/').slice(1).join('/'))).size === 120,
      5_000,
    );
    await r.session.stop();
    const protocols = new Set(r.events.rebalances.map((e) => e.protocol));
    assert.deepEqual([...protocols], ['COOPERATIVE']);
    assert.ok(
      r.events.rebalances.some((e) => e.memberId === 'member-1' && e.kind === 'revoke' && e.partitions.length === 2),
      'member-1 gave up two partitions only',
    );
    // Handled at most once each: a partition moves only after its done messages were committed on revoke.
    assert.equal(handled.length, 120);
    for (let p = 0; p < 4; p++) {
      assert.deepEqual(
        offsetsOf(handled, p),
        Array.from({ length: 30 }, (_, i) => i),
      );
      assert.equal(r.cluster.committed(GROUP, TOPIC, p), 30);
    }
  });

  it('eager assignment (range) revokes everything on a join and still loses nothing', async () => {
    const handled: ConsumedMessage[] = [];
    const r = rig({
      assignmentStrategy: 'range',
      commitPolicy: { kind: 'perMessage' },
      handler: (m) => void handled.push(m),
    });
    r.cluster.fill(TOPIC, 2, 20);
    await r.session.start();
    await r.session.addMember();
    await waitFor('40 handled', () => new Set(handled.map((m) => `${m.partition}/${m.offset}`)).size === 40, 5_000);
    await r.session.stop();
    assert.ok(r.events.rebalances.every((e) => e.protocol === 'EAGER'));
    assert.ok(
      r.events.rebalances.some((e) => e.memberId === 'member-1' && e.kind === 'revoke' && e.partitions.length === 2),
    );
    for (let p = 0; p < 2; p++) assert.equal(r.cluster.committed(GROUP, TOPIC, p), 20);
  });

  it('more members than partitions: the extra one joins and stays idle', async () => {
    const r = rig({ members: 3 });
    r.cluster.fill(TOPIC, 2, 1);
    await r.session.start();
    await waitFor(
      'members settled',
      () => r.session.snapshot().members.filter((m) => m.state === 'active').length === 2,
    );
    const states = r.session
      .snapshot()
      .members.map((m) => m.state)
      .sort();
    assert.deepEqual(states, ['active', 'active', 'idle']);
    await r.session.stop();
  });

  it('removing a member commits what it did and hands its partitions over; a session keeps one member', async () => {
    const handled: ConsumedMessage[] = [];
    const r = rig({ members: 2, handler: (m) => void handled.push(m) });
    r.cluster.fill(TOPIC, 2, 10);
    await r.session.start();
    await waitFor('20 handled', () => handled.length === 20);
    assert.equal(await r.session.removeMember(), 'member-2');
    await assert.rejects(r.session.removeMember(), /keeps at least one member/);
    r.cluster.produce(TOPIC, 0, 'a');
    r.cluster.produce(TOPIC, 1, 'b');
    await waitFor('the new messages reach member-1', () => handled.filter((m) => m.offset === 10).length === 2);
    assert.ok(handled.filter((m) => m.offset === 10).every((m) => m.memberId === 'member-1'));
    assert.equal(handled.length, 22, 'nothing repeated');
    await r.session.stop();
  });

  it('seek to an offset, a timestamp, the beginning and the end; nothing fetched before a seek is committed after it', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 10);
    await r.session.start();
    await r.session.nextAwaiting(2_000);
    assert.equal(await r.session.seek(TOPIC, 0, { kind: 'offset', offset: 6 }), 6);
    assert.equal((await r.session.nextAwaiting(2_000)).offset, 6);
    assert.equal(await r.session.seek(TOPIC, 0, { kind: 'timestamp', timestamp: 1_700_000_000_000 + 3 }), 3);
    assert.equal((await r.session.nextAwaiting(2_000)).offset, 3);
    await r.session.seek(TOPIC, 0, { kind: 'beginning' });
    const first = await r.session.nextAwaiting(2_000);
    assert.equal(first.offset, 0);
    await r.session.decide(first.id, { kind: 'ack' });
    await r.session.seek(TOPIC, 0, { kind: 'end' });
    r.session.commitNow();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), undefined, 'the ack before the seek is not committed after it');
    r.cluster.produce(TOPIC, 0, 'new');
    const next = await r.session.nextAwaiting(2_000);
    assert.equal(next.offset, 10);
    await r.session.decide(next.id, { kind: 'commitNow' });
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 11);
    await assert.rejects(r.session.seek(TOPIC, 7, { kind: 'beginning' }), /not assigned to any member/);
    await r.session.stop();
  });

  it('a seek away from a partition blocked by a failed DLQ write unblocks and resumes it', async () => {
    const handled: number[] = [];
    const r = rig({
      deadLetter: { retryIntervalMs: 60_000 },
      handler: (m) => {
        if (m.offset === 1) throw Object.assign(new Error('poison'), { retriable: false });
        handled.push(m.offset);
      },
    });
    r.dlq.mode = 'refuse';
    r.cluster.fill(TOPIC, 1, 5);
    await r.session.start();
    await waitFor('blocked', () => r.session.snapshot().members[0].partitions[0]?.blockedReason);
    assert.equal(r.session.snapshot().members[0].partitions[0].paused, true);
    await r.session.seek(TOPIC, 0, { kind: 'offset', offset: 3 });
    await waitFor('3 and 4 handled', () => handled.includes(4));
    const p = r.session.snapshot().members[0].partitions[0];
    assert.equal(p.paused, false);
    assert.equal(p.blockedReason, undefined);
    assert.deepEqual(handled, [0, 3, 4]);
    await r.session.stop();
  });

  it('a failing commit is reported, marks nothing committed, and the next commit sends it again', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 2);
    await r.session.start();
    const m = await r.session.nextAwaiting(2_000);
    r.cluster.failCommits = 1;
    await r.session.decide(m.id, { kind: 'commitNow' });
    assert.ok(r.events.committed.some((e) => e.error && e.reason === 'commitNow'));
    assert.match(r.events.errors.at(-1)?.error.message ?? '', /Nothing is lost/);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), undefined);
    r.session.commitNow();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1);
    await r.session.stop();
  });

  it('a refused async commit is sent again by the next one', async () => {
    const r = rig({ commitPolicy: { kind: 'batch', maxMessages: 2, maxIntervalMs: 60_000 }, handler: () => undefined });
    r.cluster.failAsyncCommits = 1;
    r.cluster.fill(TOPIC, 1, 2);
    await r.session.start();
    await waitFor('the refused commit', () => r.events.committed.some((e) => e.error));
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), undefined);
    await r.session.stop();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 2, 'the close commit resent it');
  });

  it('a revoke does not rely on an async commit still unanswered: it commits the position itself', async () => {
    let handled = 0;
    const r = rig({
      commitPolicy: { kind: 'batch', maxMessages: 5, maxIntervalMs: 60_000 },
      handler: () => void handled++,
    });
    r.cluster.holdAsyncAnswers = true;
    r.cluster.failAsyncCommits = 1;
    r.cluster.fill(TOPIC, 1, 5);
    await r.session.start();
    await waitFor('5 handled', () => handled === 5);
    await sleep(10);
    assert.equal(
      r.cluster.committed(GROUP, TOPIC, 0),
      undefined,
      'the async commit of 5 is unanswered (and will fail)',
    );
    const consumer = r.cluster.consumers[0];
    await consumer.revoke(consumer.assigned(), false);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 5, 'the revoke committed 5 synchronously');
    assert.equal(r.cluster.answerAsyncCommits(), 1);
    assert.ok(r.events.committed.some((e) => e.error && !e.sync));
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 5);
    await r.session.stop();
  });

  it('a session stopped while its member connects never joins the group', async () => {
    const r = rig();
    r.cluster.connectDelayMs = 30;
    r.cluster.fill(TOPIC, 1, 1);
    const started = r.session.start();
    const stopped = r.session.stop();
    await assert.rejects(started, /stopped while/);
    await stopped;
    assert.equal(r.session.state, 'stopped');
    assert.deepEqual(r.events.rebalances, []);
    assert.equal(r.dlq.closed, true);
  });
});
