import { strict as assert } from 'node:assert';
import { backoffDelay, mayRetry, validateRetryPolicy } from '../../../../src/core/engine/backoff';
import { CommitScheduler } from '../../../../src/core/engine/commitPolicy';
import { Deque } from '../../../../src/core/engine/deque';
import { classifyFailure } from '../../../../src/core/engine/failure';
import {
  KafkaClientError,
  MessageDecodeError,
  MessageValidationError,
  NonRetriableError,
  RetriableError,
} from '../../../../src/core/errors';

describe('retry backoff', () => {
  const policy = { baseMs: 100, capMs: 1000, jitter: 0, maxAttempts: 4 };

  it('doubles from the base up to the cap without jitter', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 10].map((r) => backoffDelay(policy, r)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  it('randomizes only the jitter share of each delay', () => {
    const half = { ...policy, jitter: 0.5 };
    assert.equal(
      backoffDelay(half, 3, () => 0),
      200,
    );
    assert.equal(
      backoffDelay(half, 3, () => 0.999999),
      400,
    );
    const full = { ...policy, jitter: 1 };
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(full, 4);
      assert.ok(d >= 0 && d <= 800);
    }
  });

  it('allows maxAttempts attempts in total', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((a) => mayRetry(policy, a)),
      [true, true, true, false],
    );
  });

  it('rejects nonsense policies', () => {
    assert.throws(() => validateRetryPolicy({ ...policy, capMs: 50 }), RangeError);
    assert.throws(() => validateRetryPolicy({ ...policy, jitter: 2 }), RangeError);
    assert.throws(() => validateRetryPolicy({ ...policy, maxAttempts: 0 }), RangeError);
  });
});

describe('commit policies', () => {
  it('per message: due after every completion', () => {
    const s = new CommitScheduler({ kind: 'perMessage' });
    assert.equal(s.isDue(), false);
    assert.equal(s.onCompleted(), true);
    s.committed();
    assert.equal(s.isDue(), false);
    assert.equal(s.msUntilDue(), undefined);
  });

  it('batch: due at N messages or T ms, whichever comes first', () => {
    let now = 0;
    const s = new CommitScheduler({ kind: 'batch', maxMessages: 3, maxIntervalMs: 1000 }, () => now);
    assert.equal(s.onCompleted(), false);
    assert.equal(s.onCompleted(), false);
    assert.equal(s.onCompleted(), true, 'count trigger');
    s.committed();
    assert.equal(s.onCompleted(), false);
    assert.equal(s.msUntilDue(), 1000);
    now = 999;
    assert.equal(s.isDue(), false);
    now = 1000;
    assert.equal(s.isDue(), true, 'time trigger');
    s.committed();
    now = 5000;
    assert.equal(s.isDue(), false, 'nothing completed: no commit however long');
  });

  it('changes policy live and validates it', () => {
    const s = new CommitScheduler({ kind: 'batch', maxMessages: 100, maxIntervalMs: 1000 });
    s.onCompleted();
    s.setPolicy({ kind: 'perMessage' });
    assert.equal(s.isDue(), true);
    assert.throws(() => s.setPolicy({ kind: 'batch', maxMessages: 0, maxIntervalMs: 1 }), RangeError);
  });
});

describe('failure classification', () => {
  it('follows marks, error types and the default', () => {
    assert.equal(classifyFailure(new RetriableError('db down')), 'retriable');
    assert.equal(classifyFailure(new NonRetriableError('bad order')), 'nonRetriable');
    assert.equal(classifyFailure(new MessageDecodeError('not avro')), 'nonRetriable');
    assert.equal(classifyFailure(new MessageValidationError('no id')), 'nonRetriable');
    assert.equal(classifyFailure(new SyntaxError('Unexpected token')), 'nonRetriable');
    assert.equal(classifyFailure(new KafkaClientError('brokerUnreachable', 'x')), 'retriable');
    assert.equal(classifyFailure(new KafkaClientError('authenticationFailed', 'x')), 'nonRetriable');
    assert.equal(classifyFailure({ retriable: false, message: 'from a handler process' }), 'nonRetriable');
    assert.equal(classifyFailure(new Error('?')), 'retriable');
    assert.equal(classifyFailure(new Error('?'), 'nonRetriable'), 'nonRetriable');
  });
});

describe('deque', () => {
  it('keeps FIFO order through push, shift and unshift', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 10_000; i++) d.push(i);
    for (let i = 0; i < 9_000; i++) assert.equal(d.shift(), i);
    d.unshift(8999);
    assert.equal(d.length, 1001);
    assert.equal(d.peek(), 8999);
    assert.deepEqual([...d].slice(0, 3), [8999, 9000, 9001]);
    assert.deepEqual(d.clear().length, 1001);
    assert.equal(d.shift(), undefined);
    d.unshift(1);
    assert.equal(d.shift(), 1);
  });
});
