import { strict as assert } from 'node:assert';
import type { Producer } from '@confluentinc/kafka-javascript';
import { closeProducer } from '../../../../src/core/kafka/producerClose';

/** Records the calls a close makes; `pollInterval` is what the client's JS interval would be. */
class FakeProducer {
  readonly calls: string[] = [];
  pollInterval = 20;
  constructor(private readonly behaviour: { flushThrows?: boolean; neverDisconnects?: boolean } = {}) {}
  flush(timeout: number, cb: (err?: Error) => void): void {
    this.calls.push(`flush ${timeout}`);
    if (this.behaviour.flushThrows) throw new Error('Producer not connected');
    setImmediate(() => cb());
  }
  setPollInterval(ms: number): void {
    this.calls.push(`poll interval ${ms}`);
    this.pollInterval = ms;
  }
  disconnect(timeout: number, cb: () => void): void {
    // The native disconnect destroys the handle on a worker thread: no poll may run meanwhile.
    this.calls.push(`disconnect ${timeout} (poll interval ${this.pollInterval})`);
    if (!this.behaviour.neverDisconnects) setImmediate(cb);
  }
}

const asProducer = (fake: FakeProducer) => fake as unknown as Producer;

describe('closeProducer', () => {
  it('flushes, stops the poll interval, then disconnects', async () => {
    const fake = new FakeProducer();
    assert.equal(await closeProducer(asProducer(fake), 3000), true);
    assert.deepEqual(fake.calls, ['flush 3000', 'poll interval 0', 'disconnect 0 (poll interval 0)']);
  });

  it('still stops polling and disconnects when the flush throws', async () => {
    const fake = new FakeProducer({ flushThrows: true });
    await closeProducer(asProducer(fake), 1000);
    assert.deepEqual(fake.calls, ['flush 1000', 'poll interval 0', 'disconnect 0 (poll interval 0)']);
  });

  it('resolves after flush + destroy time when the disconnect never reports back', async () => {
    const fake = new FakeProducer({ neverDisconnects: true });
    const started = Date.now();
    assert.equal(await closeProducer(asProducer(fake), 20, 30), false, 'a close past its bound says so');
    assert.ok(Date.now() - started >= 45, 'resolved before the bound');
    assert.equal(fake.calls.at(-1), 'disconnect 0 (poll interval 0)');
  });
});
