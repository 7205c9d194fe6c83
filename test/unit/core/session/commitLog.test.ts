import { strict as assert } from 'node:assert';
import type { CommitEvent, TransactionEvent } from '../../../../src/core/engine/types';
import {
  MAX_LISTED_PARTITIONS,
  describeCommitLogEntry,
  formatOpenFor,
  groupOffsets,
} from '../../../../src/core/session/commitLogText';
import type { CommitLogEntry } from '../../../../src/core/session/panelState';
import { SessionLog } from '../../../../src/core/session/sessionLog';

const AT = Date.UTC(2026, 11, 1, 9, 30, 0);

function txnCommit(overrides: Partial<TransactionEvent> = {}): TransactionEvent {
  return {
    memberId: 'member-1',
    transactionalId: 'kafka-lab-orders-1',
    kind: 'commit',
    reason: 'commitNow',
    messages: 3,
    outputs: 2,
    openForMs: 1234,
    offsets: [
      { topic: 'orders', partition: 1, offset: 7 },
      { topic: 'orders', partition: 0, offset: 15 },
    ],
    at: AT,
    ...overrides,
  };
}

function commit(overrides: Partial<CommitEvent> = {}): CommitEvent {
  return {
    memberId: 'member-1',
    offsets: [{ topic: 'orders', partition: 0, offset: 4 }],
    sync: true,
    reason: 'policy',
    at: AT,
    ...overrides,
  };
}

describe('commit timeline: what each entry says', () => {
  it('a transaction commit: messages, outputs, how long it was open, what made it, partitions and next offsets', () => {
    const log = new SessionLog();
    log.transaction(txnCommit());
    const [entry] = log.commitLog;
    assert.equal(entry?.kind, 'transactionCommit');
    const text = describeCommitLogEntry(entry!);
    assert.equal(text.title, 'Transaction committed');
    assert.equal(text.summary, '3 messages, 2 outputs · open 1.2 s · by Commit');
    assert.deepEqual(text.offsets, [{ topic: 'orders', text: '[0] → 15, [1] → 7' }]);
    assert.equal(text.note, undefined);
  });

  it('singular counts, the policy and a revoke say so', () => {
    const one = describeCommitLogEntry({
      kind: 'transactionCommit',
      seq: 1,
      memberId: 'm',
      transactionalId: 't',
      reason: 'policy',
      messages: 1,
      outputs: 1,
      openForMs: 40,
      offsets: [],
      at: AT,
    });
    assert.equal(one.summary, '1 message, 1 output · open 40 ms · by the commit policy');
    const revoke = describeCommitLogEntry({
      kind: 'transactionCommit',
      seq: 2,
      memberId: 'm',
      transactionalId: 't',
      reason: 'revoke',
      messages: 12_345,
      outputs: 0,
      openForMs: 125_400,
      offsets: [],
      at: AT,
    });
    assert.equal(revoke.summary, '12,345 messages, 0 outputs · open 2 min 5 s · before a revoke');
  });

  it('each abort cause has its own explanation, and says what it took back', () => {
    const causes = ['handler failure', 'partitions lost', 'produce failed', 'commit failed'] as const;
    const notes = new Set<string>();
    for (const cause of causes) {
      const log = new SessionLog();
      log.transaction({ ...txnCommit(), kind: 'abort', reason: 'abort', detail: cause, offsets: undefined });
      const entry = log.commitLog[0]!;
      assert.equal(entry.kind, 'transactionAbort');
      const text = describeCommitLogEntry(entry);
      assert.equal(text.title, 'Transaction aborted');
      assert.equal(text.summary, `${cause} · 3 messages, 2 outputs taken back · open 1.2 s`);
      assert.deepEqual(text.offsets, []);
      assert.ok(text.note && text.note.length > 20, `a note for ${cause}`);
      notes.add(text.note);
    }
    assert.equal(notes.size, causes.length, 'one explanation per cause');
    assert.match(
      describeCommitLogEntry({ ...txnAbort(), cause: 'handler failure' }).note ?? '',
      /handler failed.*delivered again.*retry \/ dead-letter/,
    );
  });

  it('an abort without a known cause still says the messages come again', () => {
    const text = describeCommitLogEntry({ ...txnAbort(), cause: undefined });
    assert.equal(text.summary, 'aborted · 0 messages, 0 outputs taken back · open 500 ms');
    assert.match(text.note ?? '', /delivered again/);
  });

  it('a plain offset commit is its own kind of entry, and an exactly-once session logs none', () => {
    const log = new SessionLog();
    log.committed(commit({ offsets: [{ topic: 'a', partition: 2, offset: 9 }] }));
    log.committed(commit({ offsets: [] })); // nothing committed: no entry
    log.committed(commit({ offsets: [{ topic: 'b', partition: 0, offset: 1 }] }), false);
    assert.equal(log.commitLog.length, 1);
    const entry = log.commitLog[0]!;
    assert.equal(entry.kind, 'offsetCommit');
    const text = describeCommitLogEntry(entry);
    assert.equal(text.title, 'Offsets committed');
    assert.equal(text.summary, '1 partition · by the commit policy');
    assert.deepEqual(text.offsets, [{ topic: 'a', text: '[2] → 9' }]);
    // The last commit per partition still shows both, logged or not.
    assert.deepEqual(
      log.lastCommits().map((c) => `${c.topic}/${c.partition}/${c.offset}`),
      ['a/2/9', 'b/0/1'],
    );
  });

  it('entries are ordered by seq and bounded', () => {
    const log = new SessionLog();
    for (let i = 0; i < 250; i++) log.transaction(txnCommit({ messages: i }));
    assert.equal(log.commitLog.length, 200);
    assert.equal(log.commitLog[0]!.seq, 51);
    assert.equal(log.commitLog.at(-1)!.seq, 250);
    const last = log.commitLog.at(-1)!;
    assert.ok(last.kind === 'transactionCommit' && last.messages === 249);
  });

  it('offsets group by topic in first-seen order; many partitions are counted, not listed', () => {
    const many = Array.from({ length: MAX_LISTED_PARTITIONS + 3 }, (_, p) => ({
      topic: 'big',
      partition: p,
      offset: p * 10,
    }));
    const grouped = groupOffsets([
      { topic: 'z', partition: 0, offset: 1 },
      ...many,
      { topic: 'z', partition: 3, offset: 2 },
    ]);
    assert.deepEqual(
      grouped.map((g) => g.topic),
      ['z', 'big'],
    );
    assert.equal(grouped[0]!.text, '[0] → 1, [3] → 2');
    assert.match(grouped[1]!.text, /^\[0\] → 0, \[1\] → 10, .*\[11\] → 110 and 3 more partitions$/);
  });

  it('hostile topic names stay separate from the words (the panel renders them as data)', () => {
    const topic = '<img src=x onerror=alert(1)>';
    const text = describeCommitLogEntry({
      kind: 'offsetCommit',
      seq: 1,
      memberId: 'm',
      reason: 'close',
      offsets: [{ topic, partition: 0, offset: 1 }],
      at: AT,
    });
    assert.equal(text.offsets[0]!.topic, topic);
    assert.ok(!text.offsets[0]!.text.includes('<'));
    assert.ok(!text.summary.includes('<'));
    assert.equal(text.summary, '1 partition · as the session stopped');
  });

  it('a reason or cause from the wire never reaches Object.prototype', () => {
    const proto = describeCommitLogEntry({ ...txnAbort(), cause: '__proto__' as 'partitions lost' });
    assert.equal(proto.note, 'The messages since the last commit are delivered again.');
    assert.equal(proto.summary, '__proto__ · 0 messages, 0 outputs taken back · open 500 ms');
    const ctor = describeCommitLogEntry({
      kind: 'offsetCommit',
      seq: 1,
      memberId: 'm',
      reason: 'constructor' as 'policy',
      offsets: [],
      at: AT,
    });
    assert.equal(ctor.summary, '0 partitions · constructor');
  });

  it('formats how long a transaction was open', () => {
    assert.equal(formatOpenFor(0), '0 ms');
    assert.equal(formatOpenFor(999), '999 ms');
    assert.equal(formatOpenFor(1000), '1.0 s');
    assert.equal(formatOpenFor(59_999), '59.9 s');
    assert.equal(formatOpenFor(60_000), '1 min 0 s');
    assert.equal(formatOpenFor(-5), '—');
    assert.equal(formatOpenFor(Number.NaN), '—');
  });
});

function txnAbort(): Extract<CommitLogEntry, { kind: 'transactionAbort' }> {
  return {
    kind: 'transactionAbort',
    seq: 1,
    memberId: 'm',
    transactionalId: 't',
    cause: undefined,
    messages: 0,
    outputs: 0,
    openForMs: 500,
    at: AT,
  };
}
