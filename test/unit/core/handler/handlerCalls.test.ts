import { strict as assert } from 'node:assert';
import { HandlerCalls } from '../../../../src/core/handler/handlerCalls';
import { HandlerProcessError } from '../../../../src/core/handler/handlerErrors';
import type { EngineFrame, MessageFrame } from '../../../../src/core/handler/protocol';

const frame = (offset: number): Omit<MessageFrame, 'id'> => ({
  topic: 'orders',
  partition: 0,
  offset,
  key: { raw: null, decoded: null, format: 'null' },
  value: { raw: null, decoded: null, format: 'null' },
  headers: [],
  attempt: 1,
});

type Outcome = { at: number; how: 'ok' | 'timeout' | 'other'; message?: string };

describe('handler calls: time limits', () => {
  it('fails each call at its own limit with one timer, and cancels it in the process', async () => {
    const sent: EngineFrame[] = [];
    const calls = new HandlerCalls((f) => sent.push(f));
    const started = performance.now();
    const outcomes = new Map<number, Outcome>();
    const track = (offset: number, timeoutMs: number | undefined) =>
      calls.add(frame(offset), { timeoutMs }).then(
        () => outcomes.set(offset, { at: performance.now() - started, how: 'ok' }),
        (e: unknown) =>
          outcomes.set(offset, {
            at: performance.now() - started,
            how: e instanceof HandlerProcessError && e.reason === 'timeout' ? 'timeout' : 'other',
            message: (e as Error).message,
          }),
      );
    // A later call with a shorter limit must not wait for the earlier, longer one.
    const all = [track(1, 400), track(2, 60), track(3, undefined), track(4, 150), track(5, 60)];
    await new Promise((r) => setImmediate(r));
    const handle = sent.find((f) => f.type === 'handle');
    assert.ok(handle && handle.type === 'handle');
    const ids = handle.messages.map((m) => m.id);
    assert.equal(ids.length, 5, 'one handle frame for the calls of one turn');
    calls.returned([ids[4]]); // offset 5 returns before its limit
    calls.returned([ids[2]]); // no limit: returns whenever it does
    await Promise.all(all);

    assert.equal(outcomes.get(5)?.how, 'ok');
    assert.equal(outcomes.get(3)?.how, 'ok');
    for (const [offset, limit] of [
      [2, 60],
      [4, 150],
      [1, 400],
    ] as const) {
      const o = outcomes.get(offset);
      assert.equal(o?.how, 'timeout', `offset ${offset}`);
      assert.ok(o.at >= limit - 1, `offset ${offset} failed after ${o.at} ms, before its ${limit} ms limit`);
      assert.match(o.message ?? '', new RegExp(`longer than ${limit} ms on orders\\[0\\]@${offset}`));
    }
    // In the order of their limits, not of their calls.
    assert.ok((outcomes.get(2)?.at ?? 0) < (outcomes.get(4)?.at ?? 0));
    assert.ok((outcomes.get(4)?.at ?? 0) < (outcomes.get(1)?.at ?? 0));
    await new Promise((r) => setImmediate(r));
    const cancelled = sent.flatMap((f) => (f.type === 'cancel' ? f.ids : []));
    assert.deepEqual(
      new Set(cancelled),
      new Set([ids[0], ids[1], ids[3]]),
      'timed-out calls are cancelled in the process',
    );
  });

  it('leaves no timer behind when every call has returned or failed', async () => {
    const timers = () =>
      (process as unknown as { getActiveResourcesInfo(): string[] })
        .getActiveResourcesInfo()
        .filter((r) => r === 'Timeout').length;
    // Mocha sets its own timer for this test once the test has returned its promise.
    await new Promise((r) => setImmediate(r));
    const calls = new HandlerCalls(() => undefined);
    const before = timers();
    const pending = [1, 2, 3].map((offset) => calls.add(frame(offset), { timeoutMs: 60_000 + offset }));
    assert.equal(timers(), before + 1, 'one timer for all the calls in flight');
    calls.failAll(new HandlerProcessError('closed', 'closed'));
    for (const call of pending)
      await assert.rejects(call, (e: unknown) => e instanceof HandlerProcessError && e.reason === 'closed');
    assert.equal(timers(), before, 'the deadline timer is gone with the calls');
  });
});
