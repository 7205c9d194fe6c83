import { strict as assert } from 'node:assert';
import { allowedControls, HISTORY_LIMIT, type PanelState } from '../../../src/core/session/panelState';
import {
  CancelRunUntilNotification,
  DecideRequest,
  isPanelState,
  MAX_MESSAGE_ID,
  PauseNotification,
  ResumeNotification,
  RunUntilNotification,
} from '../../../src/webviews/sessionPanel/protocol';
import { isWireMessage, stateNotification } from '../../../src/webviews/shared/protocol';
import { RpcEndpoint } from '../../../src/webviews/shared/rpc';

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

/** A host-side endpoint with the session panel's methods; records what reached the handlers. */
function host() {
  const received: Array<[string, unknown]> = [];
  const rpc = new RpcEndpoint({ post: () => undefined });
  rpc.onRequest(DecideRequest, (p) => {
    received.push(['decide', p]);
    return { outcome: 'decided' as const };
  });
  rpc.onNotification(PauseNotification, () => void received.push(['pause', undefined]));
  rpc.onNotification(ResumeNotification, () => void received.push(['resume', undefined]));
  rpc.onNotification(RunUntilNotification, (p) => void received.push(['runUntil', p]));
  rpc.onNotification(CancelRunUntilNotification, () => void received.push(['cancelRunUntil', undefined]));
  return { rpc, received };
}

const notify = (method: string, params?: unknown) =>
  params === undefined ? { kind: 'notify', method } : { kind: 'notify', method, params };
let ids = 0;
const decide = (params?: unknown) =>
  params === undefined
    ? { kind: 'request', id: ++ids, method: 'session/decide' }
    : { kind: 'request', id: ++ids, method: 'session/decide', params };

describe('session panel protocol', () => {
  it('accepts every well-formed webview message and hands the handlers exactly its params', async () => {
    const { rpc, received } = host();
    const good: unknown[] = [
      notify('session/pause'),
      notify('session/resume'),
      notify('session/cancelRunUntil'),
      ...['next', 'commit', 'skip', 'retry', 'deadLetter'].map((action) =>
        decide({ messageId: 'm/orders/0/1', action }),
      ),
      notify('session/runUntil', { condition: { kind: 'jsonPath', path: '$.status', op: 'equals', value: 'FAILED' } }),
      notify('session/runUntil', { condition: { kind: 'decodeError' } }),
      // unknown extra fields are ignored, not trusted
      notify('session/pause', { extra: '<script>' }),
    ];
    for (const message of good) assert.equal(await rpc.receive(message), 'handled', JSON.stringify(message));
    assert.equal(rpc.rejected, 0);
    assert.deepEqual(
      received.map(([method]) => method),
      [
        'pause',
        'resume',
        'cancelRunUntil',
        'decide',
        'decide',
        'decide',
        'decide',
        'decide',
        'runUntil',
        'runUntil',
        'pause',
      ],
    );
    assert.deepEqual(received[3], ['decide', { messageId: 'm/orders/0/1', action: 'next' }]);
  });

  it('refuses anything else: wrong shapes, unknown methods and actions, bad ids, bad conditions', async () => {
    const { rpc, received } = host();
    const bad: unknown[] = [
      null,
      undefined,
      0,
      'ready',
      [],
      [notify('session/pause')],
      {},
      { type: 'pause' }, // the old, unversioned shape
      notify('session/PAUSE'),
      notify('eval', { code: 'process.exit()' }),
      decide({ messageId: 'm', action: 'ack' }),
      decide({ messageId: 'm', action: 'commitNow' }),
      decide({ messageId: 'm', action: ['next'] }),
      decide({ messageId: '', action: 'next' }),
      decide({ messageId: 7, action: 'next' }),
      decide({ messageId: 'x'.repeat(MAX_MESSAGE_ID + 1), action: 'next' }),
      decide({ action: 'next' }),
      decide(),
      notify('session/decide', { messageId: 'm', action: 'next' }), // a request, not a notification
      notify('session/runUntil'),
      notify('session/runUntil', { condition: { kind: 'jsonPath', path: '$[', op: 'equals', value: 'x' } }),
      notify('session/runUntil', { condition: { kind: 'offsetReached', offset: -5 } }),
      notify('session/runUntil', { condition: 'decodeError' }),
      notify('session/pause', 'x'),
      notify('toString'),
      notify('__proto__'),
      notify('constructor'),
      notify('hasOwnProperty'),
    ];
    for (const message of bad)
      assert.equal(await rpc.receive(message), 'rejected', JSON.stringify(message) ?? String(message));
    assert.equal(rpc.rejected, bad.length);
    assert.deepEqual(received, []);
  });

  it('answers a decision with what became of it; the webview checks the answer', () => {
    for (const outcome of ['decided', 'notOnScreen', 'alreadyDecided', 'cancelled'])
      assert.ok(DecideRequest.validateResult({ outcome }), outcome);
    for (const bad of [undefined, null, {}, { outcome: 'maybe' }, { outcome: ['decided'] }, 'decided'])
      assert.ok(!DecideRequest.validateResult(bad), JSON.stringify(bad));
  });

  it('the webview checks the states it receives', () => {
    const state = stateNotification(isPanelState);
    assert.ok(state.validateParams({ seq: 1, state: base }));
    assert.ok(!state.validateParams({ state: base }));
    assert.ok(!state.validateParams({ seq: 1.5, state: base }));
    assert.ok(!state.validateParams({ seq: 1, state: { ...base, history: 'x' } }));
    assert.ok(!state.validateParams({ seq: 1, state: null }));
    assert.ok(isWireMessage({ kind: 'notify', method: 'state', params: { seq: 1, state: base } }));
  });

  it('allows decisions only for a waiting message in stepping mode, and not during a run-until', () => {
    assert.deepEqual(allowedControls(withMessage), {
      decide: true,
      pause: true,
      resume: false,
      runUntil: true,
      cancelRunUntil: false,
    });
    assert.equal(allowedControls(base).decide, false, 'no message');
    assert.equal(allowedControls({ ...withMessage, state: 'running' }).decide, false);
    assert.equal(
      allowedControls({ ...withMessage, state: 'rebalancing' }).decide,
      true,
      'a rebalance elsewhere does not take the waiting message away',
    );
    assert.deepEqual(allowedControls({ ...withMessage, state: 'paused' }), {
      decide: false,
      pause: false,
      resume: true,
      runUntil: true,
      cancelRunUntil: false,
    });
    assert.deepEqual(
      allowedControls({ ...withMessage, runUntil: { condition: { kind: 'decodeError' }, scanned: 3 } }),
      { decide: false, pause: true, resume: false, runUntil: false, cancelRunUntil: true },
    );
    for (const state of ['starting', 'stopping', 'stopped', 'error'] as const) {
      assert.deepEqual(
        allowedControls({ ...withMessage, state }),
        { decide: false, pause: false, resume: false, runUntil: false, cancelRunUntil: false },
        state,
      );
    }
    assert.equal(HISTORY_LIMIT, 50);
  });
});
