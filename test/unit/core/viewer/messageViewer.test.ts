import { strict as assert } from 'node:assert';
import type { Message } from '@confluentinc/kafka-javascript';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import { silentLogger } from '../../../../src/core/logging';
import { BrowseError, type BrowsingConsumer, type PartitionEnd } from '../../../../src/core/viewer/browsingConsumer';
import { createMessageViewer } from '../../../../src/core/viewer/messageViewer';
import type { ViewerOptions } from '../../../../src/core/viewer/types';
import type { MessageViewer } from '../../../../src/core/viewer/viewerApi';
import type { TopicPartitionOffset } from '../../../../src/core/kafka/record';

/** A consumer port over an in-memory partition log: it serves what is assigned, and reports ends. */
class FakeConsumer implements BrowsingConsumer {
  readonly log = new Map<number, Message[]>();
  readonly assigned: TopicPartitionOffset[] = [];
  readonly positions = new Map<number, number>();
  paused = new Set<number>();
  consumeCalls = 0;
  connectError: BrowseError | undefined;
  disconnected = false;
  private onEndListener: (end: PartitionEnd) => void = () => undefined;

  constructor(
    readonly topic: string,
    partitions: number,
  ) {
    for (let p = 0; p < partitions; p++) this.log.set(p, []);
  }

  append(partition: number, value: string): void {
    const list = this.log.get(partition)!;
    list.push({
      topic: this.topic,
      partition,
      offset: list.length,
      value: Buffer.from(value),
      key: null,
      size: value.length,
      timestamp: 1_000 + list.length,
    } as Message);
  }

  connect(): Promise<void> {
    return this.connectError ? Promise.reject(this.connectError) : Promise.resolve();
  }
  partitions(topic: string): Promise<number[] | undefined> {
    return Promise.resolve(topic === this.topic ? [...this.log.keys()] : undefined);
  }
  watermarks(_topic: string, partition: number): Promise<{ low: number; high: number }> {
    return Promise.resolve({ low: 0, high: this.log.get(partition)!.length });
  }
  offsetsForTimes(): Promise<Map<number, number>> {
    return Promise.resolve(new Map());
  }
  assign(assignments: readonly TopicPartitionOffset[]): void {
    this.assigned.push(...assignments);
    for (const a of assignments)
      this.positions.set(
        a.partition,
        a.offset === -2 ? 0 : a.offset === -1 ? this.log.get(a.partition)!.length : a.offset,
      );
  }
  async consume(max: number): Promise<Message[]> {
    this.consumeCalls++;
    await new Promise((resolve) => setTimeout(resolve, 2));
    const out: Message[] = [];
    for (const [partition, position] of this.positions) {
      if (this.paused.has(partition)) continue;
      const list = this.log.get(partition)!;
      const batch = list.slice(position, position + max - out.length);
      out.push(...batch);
      this.positions.set(partition, position + batch.length);
      if (position + batch.length === list.length) this.onEndListener({ partition, offset: list.length });
    }
    return out;
  }
  pause(_topic: string, partitions: readonly number[]): void {
    for (const p of partitions) this.paused.add(p);
  }
  resume(_topic: string, partitions: readonly number[]): void {
    for (const p of partitions) this.paused.delete(p);
  }
  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
  onEnd(listener: (end: PartitionEnd) => void): void {
    this.onEndListener = listener;
  }
  onError(): void {}
}

function viewerOn(fake: FakeConsumer, options: Partial<ViewerOptions> = {}): MessageViewer {
  return createMessageViewer({
    connection: { bootstrapServers: '127.0.0.1:9' },
    decoder: new PayloadDecoder(),
    logger: silentLogger,
    options: { topic: fake.topic, start: { kind: 'beginning' }, ...options },
    consumerFactory: () => fake,
    timings: { retryBaseMs: 10, retryCapMs: 20, probeIntervalMs: 20, notifyIntervalMs: 10 },
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('message viewer over a fake consumer port', () => {
  it('reads what is assigned, is caught up at the ends, and follows new messages', async () => {
    const fake = new FakeConsumer('t', 2);
    for (let i = 0; i < 5; i++) fake.append(i % 2, JSON.stringify({ i }));
    const viewer = viewerOn(fake);
    const changes: string[] = [];
    viewer.onChange((c) => changes.push(c.state.kind));
    await viewer.start();
    await until('caught up', () => viewer.state.kind === 'caughtUp');
    assert.equal(viewer.counts.read, 5);
    assert.deepEqual(
      fake.assigned.map((a) => [a.partition, a.offset]),
      [
        [0, -2],
        [1, -2],
      ],
    );
    fake.append(1, '{"late":true}');
    await until('the new message', () => viewer.counts.read === 6);
    assert.ok(changes.includes('caughtUp'));
    await viewer.stop();
    assert.equal(fake.disconnected, true);
    assert.equal(viewer.counts.buffered, 0);
    assert.equal(viewer.state.kind, 'stopped');
  });

  it('pause stops fetching and keeps the buffer; resume goes on', async () => {
    const fake = new FakeConsumer('t', 1);
    fake.append(0, 'a');
    const viewer = viewerOn(fake);
    await viewer.start();
    await until('caught up', () => viewer.state.kind === 'caughtUp');
    viewer.pause();
    assert.equal(viewer.state.kind, 'paused');
    const calls = fake.consumeCalls;
    fake.append(0, 'b');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(fake.consumeCalls <= calls + 1, 'no fetching while paused');
    assert.equal(viewer.counts.read, 1);
    assert.equal(viewer.counts.buffered, 1);
    viewer.resume();
    await until('b after resume', () => viewer.counts.read === 2);
    await viewer.stop();
  });

  it('without follow, it stops reading once caught up', async () => {
    const fake = new FakeConsumer('t', 1);
    fake.append(0, 'a');
    const viewer = viewerOn(fake, { follow: false });
    await viewer.start();
    await until('disconnected', () => fake.disconnected);
    assert.equal(viewer.state.kind, 'caughtUp');
    await viewer.stop();
  });

  it('a failed connect is a retrying error state, cleared once it connects', async () => {
    const fake = new FakeConsumer('t', 1);
    fake.connectError = new BrowseError(-187, 'could not connect: all broker connections are down');
    const viewer = viewerOn(fake);
    await viewer.start();
    await until('error', () => viewer.state.kind === 'error');
    assert.ok(viewer.state.kind === 'error' && viewer.state.reason === 'brokerUnreachable' && viewer.state.retrying);
    fake.connectError = undefined;
    await until('caught up', () => viewer.state.kind === 'caughtUp');
    await viewer.stop();
  });

  it('a partition that does not exist is an error that names the partitions there are', async () => {
    const fake = new FakeConsumer('t', 2);
    const viewer = viewerOn(fake, { partitions: [5] });
    await viewer.start();
    await until('error', () => viewer.state.kind === 'error');
    assert.match(
      viewer.state.kind === 'error' ? viewer.state.message : '',
      /partitions 0 to 1; partition 5 does not exist/,
    );
    await viewer.stop();
  });

  it('holds reading while an export runs, so the ring drops nothing under it', async () => {
    const fake = new FakeConsumer('t', 1);
    for (let i = 0; i < 4; i++) fake.append(0, `m${i}`);
    const viewer = viewerOn(fake, { capacity: 4 });
    await viewer.start();
    await until('caught up', () => viewer.state.kind === 'caughtUp');
    const chunks: string[] = [];
    const exported = viewer.exportTo('ndjson', async (chunk) => {
      chunks.push(chunk);
      for (let i = 0; i < 4; i++) fake.append(0, `new${i}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    assert.equal(await exported, 4);
    const values = chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { value: { decoded: string } }).value.decoded);
    assert.deepEqual(values, ['m0', 'm1', 'm2', 'm3']);
    await until('the new ones after the export', () => viewer.counts.read === 8);
    assert.equal(viewer.counts.dropped, 4);
    await viewer.stop();
  });
});
