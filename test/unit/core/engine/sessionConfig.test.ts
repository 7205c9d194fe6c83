import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../../src/core/engine/session';
import { MAX_MEMBERS } from '../../../../src/core/engine/limits';
import type { SessionConfig } from '../../../../src/core/engine/types';

// Constructing a session validates its settings without touching the network.
const base: SessionConfig = { connection: { bootstrapServers: '127.0.0.1:1' }, groupId: 'g', topics: ['t'] };

describe('session settings', () => {
  it('refuses malformed settings with a message naming the setting', () => {
    assert.throws(() => new ConsumerSession({ ...base, members: 0 }), /members must be between 1 and 64/);
    assert.throws(() => new ConsumerSession({ ...base, members: 1.5 }), /members must be between 1 and 64/);
    assert.throws(
      () => new ConsumerSession({ ...base, members: MAX_MEMBERS + 1 }),
      /members must be between 1 and 64 \(got 65\)/,
    );
    assert.doesNotThrow(() => new ConsumerSession({ ...base, members: MAX_MEMBERS }));
    assert.throws(() => new ConsumerSession({ ...base, groupId: ' ' }), /needs a group.id/);
    assert.throws(() => new ConsumerSession({ ...base, topics: [] }), /at least one topic/);
    assert.throws(
      () => new ConsumerSession({ ...base, commitPolicy: { kind: 'batch', maxMessages: 0, maxIntervalMs: 10 } }),
      /maxMessages must be a positive integer/,
    );
    assert.throws(
      () => new ConsumerSession({ ...base, retryPolicy: { baseMs: 10, capMs: 5, jitter: 0, maxAttempts: 3 } }),
      /baseMs <= capMs/,
    );
  });

  it('starts in running mode with a handler, in stepping mode without one', () => {
    assert.equal(new ConsumerSession(base).mode, 'stepping');
    assert.equal(new ConsumerSession({ ...base, handler: () => undefined }).mode, 'running');
  });

  it('refuses running mode without a handler', () => {
    const session = new ConsumerSession(base);
    assert.throws(() => session.setMode('running'), /needs a message handler/);
  });

  it('takes policy changes live and validates them', () => {
    const session = new ConsumerSession(base);
    session.setCommitPolicy({ kind: 'perMessage' });
    assert.deepEqual(session.snapshot().commitPolicy, { kind: 'perMessage' });
    assert.throws(
      () => session.setCommitPolicy({ kind: 'batch', maxMessages: 10, maxIntervalMs: 0 }),
      /maxIntervalMs must be positive/,
    );
    assert.throws(() => session.setRetryPolicy({ baseMs: 1, capMs: 2, jitter: 3, maxAttempts: 1 }), /jitter/);
  });
});
