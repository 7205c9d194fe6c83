import { strict as assert } from 'node:assert';
import { MAX_GENERATE_COUNT, MAX_GENERATE_RATE } from '../../../src/core/produce/generateLimits';
import {
  CancelGeneratedNotification,
  GenerateRequest,
  isGenerateCount,
  isGenerateRate,
  isProducerPanelState,
  isSeed,
  ProduceGeneratedNotification,
  type ProducerDraft,
  type ProducerPanelState,
} from '../../../src/webviews/producerPanel/protocol';
import { RpcEndpoint } from '../../../src/webviews/shared/rpc';

// What the producer form's webview may ask of the host for Generate and Produce N, and what the
// host may post back: everything the webview sends is checked before the host acts on it.

const draft: ProducerDraft = {
  key: { form: 'text', text: 'k' },
  value: { form: 'json', text: '' },
  headers: [],
};
const state: ProducerPanelState = { clusterName: 'c', topic: 't', hasRegistry: true, settings: 'acks=all' };

function host() {
  const received: Array<[string, unknown]> = [];
  const rpc = new RpcEndpoint({ post: () => undefined });
  rpc.onRequest(GenerateRequest, (p) => {
    received.push(['generate', p]);
    return { ok: false as const, message: 'no', reason: 'noSchema' };
  });
  rpc.onNotification(ProduceGeneratedNotification, (p) => void received.push(['produceGenerated', p]));
  rpc.onNotification(CancelGeneratedNotification, () => void received.push(['cancel', undefined]));
  return { rpc, received };
}

const notify = (method: string, params?: unknown) =>
  params === undefined ? { kind: 'notify', method } : { kind: 'notify', method, params };

describe('the producer form protocol: Generate and Produce N', () => {
  it('bounds the seed, the count and the rate', () => {
    for (const ok of [undefined, 0, 42, Number.MAX_SAFE_INTEGER]) assert.ok(isSeed(ok), String(ok));
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, '7', NaN, null]) assert.ok(!isSeed(bad), String(bad));
    for (const ok of [1, 10, MAX_GENERATE_COUNT]) assert.ok(isGenerateCount(ok), String(ok));
    for (const bad of [0, -3, 2.5, MAX_GENERATE_COUNT + 1, '10', undefined]) assert.ok(!isGenerateCount(bad));
    for (const ok of [undefined, 0.5, 20, MAX_GENERATE_RATE]) assert.ok(isGenerateRate(ok), String(ok));
    for (const bad of [0, -1, Infinity, NaN, MAX_GENERATE_RATE + 1, '20']) assert.ok(!isGenerateRate(bad));
  });

  it('passes well-formed requests to the host and drops malformed ones', async () => {
    const { rpc, received } = host();
    await rpc.receive(notify('producer/produceGenerated', { draft, count: 5, seed: 1, ratePerSecond: 10 }));
    await rpc.receive(notify('producer/produceGenerated', { draft, count: 0 }));
    await rpc.receive(notify('producer/produceGenerated', { draft, count: MAX_GENERATE_COUNT + 1 }));
    await rpc.receive(notify('producer/produceGenerated', { draft, count: 5, seed: -1 }));
    await rpc.receive(notify('producer/produceGenerated', { draft: { ...draft, headers: 'x' }, count: 5 }));
    await rpc.receive(notify('producer/produceGenerated', { count: 5 }));
    await rpc.receive(notify('producer/cancelGenerated'));
    await rpc.receive({ kind: 'request', id: 1, method: 'producer/generate', params: { draft, seed: 3 } });
    await rpc.receive({ kind: 'request', id: 2, method: 'producer/generate', params: { draft, seed: 'x' } });
    assert.deepEqual(received, [
      ['produceGenerated', { draft, count: 5, seed: 1, ratePerSecond: 10 }],
      ['cancel', undefined],
      ['generate', { draft, seed: 3 }],
    ]);
  });

  it('accepts a state with a Produce N in progress or finished, and refuses a malformed one', () => {
    const generation = {
      run: 1,
      phase: 'complete',
      requested: 40,
      generated: 40,
      sent: 40,
      failed: 0,
      seed: 7,
      subject: 't-value',
      version: 1,
      message: 'Sent all 40 generated records (seed 7).',
      partitions: [{ partition: 0, count: 40, firstOffset: 0, lastOffset: 39 }],
    };
    assert.ok(isProducerPanelState(state));
    assert.ok(isProducerPanelState({ ...state, generation }));
    assert.ok(
      isProducerPanelState({
        ...state,
        generation: { run: 2, phase: 'loading', requested: 1, generated: 0, sent: 0, failed: 0 },
      }),
    );
    assert.ok(!isProducerPanelState({ ...state, generation: { ...generation, phase: 'exploded' } }));
    assert.ok(!isProducerPanelState({ ...state, generation: { ...generation, sent: -1 } }));
    assert.ok(!isProducerPanelState({ ...state, generation: { ...generation, partitions: [{ partition: 0 }] } }));
  });
});
