import { strict as assert } from 'node:assert';
import { allowedControls, HISTORY_LIMIT, isHostToWebview, isWebviewToHost, MAX_MESSAGE_ID, skipNotice, type PanelState } from '../../../src/webviews/sessionPanel/protocol';

const base: PanelState = { sessionId: 's', title: 'orders', state: 'stepping', history: [], lastCommits: [] };
const withMessage: PanelState = {
  ...base,
  current: {
    id: 'm/orders/0/1',
    memberId: 'm',
    topic: 'orders',
    partition: 0,
    offset: 1,
    timestamp: null,
    timestampType: 'NotAvailable',
    key: { kind: 'null' },
    value: { kind: 'null' },
    headers: [],
    size: 0,
    attempts: 0,
  },
};

describe('session panel protocol', () => {
  it('accepts every well-formed webview message', () => {
    const good: unknown[] = [
      { type: 'ready' },
      { type: 'pause' },
      { type: 'resume' },
      { type: 'cancelRunUntil' },
      ...['next', 'commit', 'skip', 'retry', 'deadLetter'].map((action) => ({ type: 'decide', messageId: 'm/orders/0/1', action })),
      { type: 'runUntil', condition: { kind: 'jsonPath', path: '$.status', op: 'equals', value: 'FAILED' } },
      { type: 'runUntil', condition: { kind: 'decodeError' } },
      // unknown extra fields are ignored, not trusted
      { type: 'pause', extra: '<script>' },
    ];
    for (const message of good) assert.ok(isWebviewToHost(message), JSON.stringify(message));
  });

  it('refuses anything else: wrong types, unknown actions, bad ids, bad conditions', () => {
    const bad: unknown[] = [
      null,
      undefined,
      0,
      'ready',
      [],
      [{ type: 'ready' }],
      {},
      { type: 'READY' },
      { type: 'eval', code: 'process.exit()' },
      { type: 'decide', messageId: 'm', action: 'ack' },
      { type: 'decide', messageId: 'm', action: 'commitNow' },
      { type: 'decide', messageId: 'm', action: ['next'] },
      { type: 'decide', messageId: '', action: 'next' },
      { type: 'decide', messageId: 7, action: 'next' },
      { type: 'decide', messageId: 'x'.repeat(MAX_MESSAGE_ID + 1), action: 'next' },
      { type: 'decide', action: 'next' },
      { type: 'runUntil' },
      { type: 'runUntil', condition: { kind: 'jsonPath', path: '$[', op: 'equals', value: 'x' } },
      { type: 'runUntil', condition: { kind: 'offsetReached', offset: -5 } },
      { type: 'runUntil', condition: 'decodeError' },
      { type: 'toString' },
      { type: '__proto__' },
      { type: 'constructor' },
    ];
    for (const message of bad) assert.ok(!isWebviewToHost(message), JSON.stringify(message) ?? String(message));
  });

  it('the webview checks what it receives', () => {
    assert.ok(isHostToWebview({ type: 'state', seq: 1, state: base }));
    assert.ok(!isHostToWebview({ type: 'state', state: base }));
    assert.ok(!isHostToWebview({ type: 'state', seq: 1, state: { ...base, history: 'x' } }));
    assert.ok(!isHostToWebview({ type: 'other', seq: 1, state: base }));
    assert.ok(!isHostToWebview(null));
  });

  it('allows decisions only for a waiting message in stepping mode, and not during a run-until', () => {
    assert.deepEqual(allowedControls(withMessage), { decide: true, pause: true, resume: false, runUntil: true, cancelRunUntil: false });
    assert.equal(allowedControls(base).decide, false, 'no message');
    assert.equal(allowedControls({ ...withMessage, state: 'running' }).decide, false);
    assert.equal(allowedControls({ ...withMessage, state: 'rebalancing' }).decide, true, 'a rebalance elsewhere does not take the waiting message away');
    assert.deepEqual(allowedControls({ ...withMessage, state: 'paused' }), { decide: false, pause: false, resume: true, runUntil: true, cancelRunUntil: false });
    assert.deepEqual(allowedControls({ ...withMessage, runUntil: { condition: { kind: 'decodeError' }, scanned: 3 } }), { decide: false, pause: true, resume: false, runUntil: false, cancelRunUntil: true });
    for (const state of ['starting', 'stopping', 'stopped', 'error'] as const) {
      assert.deepEqual(allowedControls({ ...withMessage, state }), { decide: false, pause: false, resume: false, runUntil: false, cancelRunUntil: false }, state);
    }
  });

  it('says what a skip means', () => {
    assert.deepEqual(skipNotice(41), { level: 'warning', text: 'offset 41 was skipped: it is not marked done and will be redelivered after a restart' });
    assert.equal(HISTORY_LIMIT, 50);
  });
});
