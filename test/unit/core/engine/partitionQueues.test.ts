import { strict as assert } from 'node:assert';
import type { FetchedRecord } from '../../../../src/core/engine/consumerPort';
import { PartitionQueues } from '../../../../src/core/engine/partitionQueues';

const record = (offset: number, partition = 0): FetchedRecord => ({
  topic: 't',
  partition,
  offset,
  key: null,
  value: Buffer.from(String(offset)),
  size: 1,
});

describe('partition queues: one transition function keeps states, queues and counters in step', () => {
  it('counts queued messages as buffered and running or DLQ-writing ones as in flight', () => {
    const q = new PartitionQueues('member-1');
    const ps = q.assign('t', 0);
    const [a, b, c] = [0, 1, 2].map((o) => q.enqueue(ps, record(o)));
    assert.equal(q.buffered, 3);
    q.transition(a, 'running');
    assert.deepEqual([q.buffered, q.inFlight, ps.active.length, ps.queue.length], [2, 1, 1, 2]);
    q.transition(a, 'retryWait');
    assert.deepEqual(
      [q.buffered, q.inFlight, ps.active.length],
      [2, 0, 1],
      'a backoff occupies the partition, not a worker',
    );
    q.transition(a, 'queued');
    assert.equal(ps.queue.peek(), a, 'back at the head, in its place');
    q.transition(a, 'deadLettering');
    assert.equal(q.inFlight, 1);
    q.transition(a, 'dlqBlocked');
    assert.equal(q.inFlight, 0);
    q.transition(a, 'finished');
    q.transition(b, 'awaiting');
    assert.deepEqual([q.buffered, q.inFlight, ps.active.length], [1, 0, 1]);
    q.transition(c, 'running');
    assert.deepEqual([q.buffered, q.inFlight, ps.active.length], [0, 1, 2]);
  });

  it('only the head of a queue may leave it, and a finished message stays finished', () => {
    const q = new PartitionQueues('member-1');
    const ps = q.assign('t', 0);
    const a = q.enqueue(ps, record(0));
    const b = q.enqueue(ps, record(1));
    assert.throws(() => q.transition(b, 'running'), /not at the head/);
    q.transition(a, 'finished');
    assert.throws(() => q.transition(a, 'queued'), /is finished/);
    assert.equal(q.buffered, 1);
  });

  it('abandoning a partition finishes its active messages, aborts their signals and returns the ones awaiting a decision', () => {
    const q = new PartitionQueues('member-1');
    const ps = q.assign('t', 0);
    const [a, b, c] = [0, 1, 2].map((o) => q.enqueue(ps, record(o)));
    q.transition(a, 'running');
    a.controller = new AbortController();
    q.transition(b, 'awaiting');
    const withdrawn = q.abandon(ps);
    assert.deepEqual(
      withdrawn.map((m) => m.offset),
      [1],
    );
    assert.equal(a.controller.signal.aborted, true);
    assert.deepEqual([a.state, b.state, c.state], ['finished', 'finished', 'queued']);
    q.clearQueue(ps);
    assert.deepEqual([q.buffered, q.inFlight, ps.active.length, ps.queue.length], [0, 0, 0, 0]);
  });

  it('a partition assigned again is a new state: the old one is no longer current', () => {
    const q = new PartitionQueues('member-1');
    const old = q.assign('t', 0);
    q.remove(old);
    const again = q.assign('t', 0);
    assert.equal(q.isCurrent(old), false);
    assert.equal(q.isCurrent(again), true);
    assert.equal(q.get('t', 0), again);
  });

  it('messages carry a session-unique id, their member and no attempts yet', () => {
    const q = new PartitionQueues('member-3');
    const entry = q.enqueue(q.assign('t', 2), record(41, 2));
    assert.equal(entry.message.id, 'member-3/t/2/41');
    assert.equal(entry.message.memberId, 'member-3');
    assert.equal(entry.message.attempts, 0);
    assert.equal(entry.message.key, null);
  });
});
