import { strict as assert } from 'node:assert';
import { NotAwaitingDecision } from '../../../../src/core/engine/stepping';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import { GROUP, TOPIC, lastCommitted, offsetsOf, rig, sleep, stepAck, waitFor } from './support/harness';

describe('engine stepping and mode switches (fake consumer)', () => {
  it('offers one message at a time, in fetch order across partitions, and an ack commits through it on stop', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 3, 4);
    await r.session.start();
    const first = await r.session.nextAwaiting(2_000);
    assert.equal(r.session.awaiting?.id, first.id);
    assert.deepEqual(r.session.snapshot().awaiting, [first.id]);
    await r.session.decide(first.id, { kind: 'ack' });
    const rest = await stepAck(r.session, 11);
    const all = [first, ...rest];
    // The fake fetches partition 0, then 1, then 2 (runs of one partition, like librdkafka).
    assert.deepEqual(
      all.map((m) => `${m.partition}:${m.offset}`),
      ['0:0', '0:1', '0:2', '0:3', '1:0', '1:1', '1:2', '1:3', '2:0', '2:1', '2:2', '2:3'],
    );
    assert.equal(r.events.awaiting.length, 12);
    await r.session.stop();
    for (let p = 0; p < 3; p++) assert.equal(r.cluster.committed(GROUP, TOPIC, p), 4);
  });

  it('across members, the earliest fetched message goes first, each partition in order from its one owner, none left waiting', async () => {
    const r = rig({ members: 2 });
    r.cluster.fill(TOPIC, 4, 3);
    await r.session.start();
    await waitFor('both members assigned', () => r.session.snapshot().members.every((m) => m.partitions.length === 2));
    const seen = await stepAck(r.session, 12);
    const owners = new Map<number, string>();
    for (const m of seen) {
      assert.equal(owners.get(m.partition) ?? m.memberId, m.memberId, `partition ${m.partition} stays with one member`);
      owners.set(m.partition, m.memberId);
    }
    assert.equal(new Set(owners.values()).size, 2);
    // member-1 fetched its partitions before member-2 was even assigned: those come first.
    assert.deepEqual(
      seen.slice(0, 6).map((m) => m.memberId),
      Array(6).fill('member-1'),
    );
    assert.deepEqual(
      seen.slice(6).map((m) => m.memberId),
      Array(6).fill('member-2'),
    );
    for (let p = 0; p < 4; p++) assert.deepEqual(offsetsOf(seen, p), [0, 1, 2]);
    await r.session.stop();
  });

  it('commit-now commits synchronously through the message at once', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 5);
    await r.session.start();
    await stepAck(r.session, 2);
    const third = await r.session.nextAwaiting(2_000);
    await r.session.decide(third.id, { kind: 'commitNow' });
    const event = r.events.committed.find((e) => e.reason === 'commitNow');
    assert.equal(event?.sync, true);
    assert.deepEqual(event?.offsets, [{ topic: TOPIC, partition: 0, offset: 3 }]);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 3);
    await r.session.stop();
  });

  it('a skipped message holds the watermark before it: later acks do not commit past it', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 4);
    await r.session.start();
    await stepAck(r.session, 1);
    const skipped = await r.session.nextAwaiting(2_000);
    await r.session.decide(skipped.id, { kind: 'skip' });
    await stepAck(r.session, 2);
    r.session.commitNow();
    await r.session.stop();
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 1, 'commits stop before the skipped offset 1');
    assert.equal(r.events.decided.find((d) => d.decision === 'skip')?.message.offset, 1);
  });

  it('a retry decision redelivers the same message with one more attempt, after the backoff', async () => {
    const r = rig({ retryPolicy: { baseMs: 30, capMs: 30, jitter: 0, maxAttempts: 3 } });
    r.cluster.fill(TOPIC, 1, 2);
    await r.session.start();
    const m = await r.session.nextAwaiting(2_000);
    const at = Date.now();
    await r.session.decide(m.id, { kind: 'retry' });
    const again = await r.session.nextAwaiting(2_000);
    assert.ok(Date.now() - at >= 25, 'waited out the backoff');
    assert.equal(again.id, m.id, 'the same message, ahead of offset 1');
    assert.equal(r.events.decided.filter((d) => d.decision === 'retry').length, 1);
    await r.session.stop();
  });

  it('refuses a decision on a message that is not waiting for one, by type', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 2);
    await r.session.start();
    const m = await r.session.nextAwaiting(2_000);
    await r.session.decide(m.id, { kind: 'ack' });
    await assert.rejects(
      r.session.decide(m.id, { kind: 'ack' }),
      (e: unknown) => e instanceof NotAwaitingDecision && e.messageId === m.id,
    );
    await assert.rejects(r.session.decide('member-9/x/0/0', { kind: 'ack' }), /does not belong to this session/);
    await r.session.stop();
  });

  it('nextAwaiting gives up within its bound, saying why', async () => {
    const r = rig();
    r.cluster.createTopic(TOPIC, 1);
    await r.session.start();
    await assert.rejects(
      r.session.nextAwaiting(30),
      /no message arrived for a decision within 30 ms \(mode stepping\)/,
    );
    await r.session.stop();
  });

  it('switching to running gives the undecided message to the handler next; nothing is lost, reordered or repeated', async () => {
    const handled: ConsumedMessage[] = [];
    const r = rig({ mode: 'stepping', handler: (m) => void handled.push(m) });
    r.cluster.fill(TOPIC, 2, 10);
    await r.session.start();
    const decided = await stepAck(r.session, 3);
    const undecided = await r.session.nextAwaiting(2_000);
    r.session.setMode('running');
    await waitFor('the rest handled', () => handled.length === 17);
    assert.equal(handled[0].id, undecided.id, 'the undecided message goes first');
    const all = [...decided, ...handled];
    assert.equal(new Set(all.map((m) => m.id)).size, 20);
    for (let p = 0; p < 2; p++)
      assert.deepEqual(
        offsetsOf(all, p),
        Array.from({ length: 10 }, (_, i) => i),
      );
    await r.session.stop();
  });

  it('paused fetches nothing and keeps the message waiting for a decision decidable; resuming steps on', async () => {
    const r = rig();
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    const m = await r.session.nextAwaiting(2_000);
    r.session.setMode('paused');
    assert.equal(r.session.state, 'paused');
    await waitFor('the partition paused', () => r.session.snapshot().members[0].partitions[0]?.paused);
    const before = r.cluster.fetched;
    r.cluster.produce(TOPIC, 0, 'late');
    await sleep(30);
    assert.equal(r.cluster.fetched, before, 'paused: nothing fetched');
    assert.equal(r.session.awaiting?.id, m.id);
    await r.session.decide(m.id, { kind: 'ack' });
    r.session.setMode('stepping');
    const rest = await stepAck(r.session, 3);
    assert.deepEqual(
      rest.map((x) => x.offset),
      [1, 2, 3],
    );
    r.session.commitNow();
    assert.equal(lastCommitted(r.events.committed, 0), 4);
    await r.session.stop();
  });

  it('a session started paused joins but fetches nothing until resumed', async () => {
    const handled: number[] = [];
    const r = rig({ mode: 'paused', handler: (m) => void handled.push(m.offset) });
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('assigned', () => r.events.rebalances.some((e) => e.kind === 'assign' && e.partitions.length === 1));
    await sleep(30);
    assert.deepEqual(handled, []);
    r.session.setMode('running');
    await waitFor('3 handled', () => handled.length === 3);
    await r.session.stop();
  });
});
