import { strict as assert } from 'node:assert';
import type { Message } from '@confluentinc/kafka-javascript';
import type { DecodeResult, DecodeTarget } from '../../../../src/core/codec/decodeResult';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import type { TopicPartitionOffset } from '../../../../src/core/kafka/record';
import { silentLogger } from '../../../../src/core/logging';
import type { BrowsingConsumer, PartitionEnd } from '../../../../src/core/viewer/browsingConsumer';
import { createMessageViewer } from '../../../../src/core/viewer/messageViewer';

// Ingest in slices: a batch that takes long to decode (1,000 large values on a loaded machine)
// no longer holds the extension host's event loop for its whole length. The first rows are told,
// and page requests are answered, while it goes on; an export that starts in the middle of a batch
// still sees a buffer that holds still; the order of the messages is kept.

/** Decoding costs about `costMs` per payload (spinning, like a big JSON parse). */
class SlowDecoder extends PayloadDecoder {
  constructor(private readonly costMs: number) {
    super();
  }
  override decodeIfReady(bytes: Uint8Array | null | undefined, target: DecodeTarget): DecodeResult | undefined {
    const until = performance.now() + this.costMs;
    while (performance.now() < until) {
      // busy, as a large decode is
    }
    return super.decodeIfReady(bytes, target);
  }
}

/** One partition holding `count` messages, served in batches of up to `max` per consume call. */
class OneBatchConsumer implements BrowsingConsumer {
  private position = 0;
  private ended = false;
  private onEndListener: (end: PartitionEnd) => void = () => undefined;
  readonly messages: Message[];

  constructor(
    readonly topic: string,
    count: number,
  ) {
    this.messages = Array.from(
      { length: count },
      (_, offset) =>
        ({
          topic,
          partition: 0,
          offset,
          value: Buffer.from(JSON.stringify({ offset })),
          key: null,
          size: 16,
          timestamp: 1_000 + offset,
        }) as Message,
    );
  }
  connect(): Promise<void> {
    return Promise.resolve();
  }
  partitions(): Promise<number[] | undefined> {
    return Promise.resolve([0]);
  }
  watermarks(): Promise<{ low: number; high: number }> {
    return Promise.resolve({ low: 0, high: this.messages.length });
  }
  offsetsForTimes(): Promise<Map<number, number>> {
    return Promise.resolve(new Map());
  }
  assign(_assignments: readonly TopicPartitionOffset[]): void {}
  async consume(max: number): Promise<Message[]> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    const batch = this.messages.slice(this.position, this.position + max);
    this.position += batch.length;
    if (this.position === this.messages.length && !this.ended) {
      this.ended = true;
      this.onEndListener({ partition: 0, offset: this.position });
    }
    return batch;
  }
  pause(): void {}
  resume(): void {}
  disconnect(): Promise<void> {
    return Promise.resolve();
  }
  onEnd(listener: (end: PartitionEnd) => void): void {
    this.onEndListener = listener;
  }
  onError(): void {}
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function viewerOver(consumer: OneBatchConsumer, costMs: number) {
  return createMessageViewer({
    connection: { bootstrapServers: '127.0.0.1:9' },
    decoder: new SlowDecoder(costMs),
    logger: silentLogger,
    options: { topic: consumer.topic, start: { kind: 'beginning' }, follow: false },
    consumerFactory: () => consumer,
    timings: { probeIntervalMs: 20, notifyIntervalMs: 50 },
  });
}

describe('message viewer: ingest in slices', () => {
  it('tells the first rows and answers pages while a slow batch is still being ingested, in order', async function () {
    this.timeout(30_000);
    const consumer = new OneBatchConsumer('t', 2_000);
    // 2,000 messages at 0.05 ms a decode: each batch of 1,000 takes 50 ms or more.
    const viewer = viewerOver(consumer, 0.05);
    const told: number[] = [];
    viewer.onChange(({ counts }) => told.push(counts.buffered));
    const answered: { readAt: number; rows: number }[] = [];
    let asking = true;
    const ask = (): void => {
      if (!asking) return;
      const page = viewer.page({ start: 0, count: 10 });
      if (page.rows.length > 0) answered.push({ readAt: viewer.counts.read, rows: page.rows.length });
      setImmediate(ask); // as a webview's requests arrive: one task each
    };
    setImmediate(ask);
    await viewer.start();
    await until('all read', () => viewer.counts.read === 2_000);
    asking = false;
    assert.ok(
      told.some((n) => n > 0 && n < 1_000),
      `rows were told before the first batch was ingested whole (told: ${told.slice(0, 5).join(', ')}…)`,
    );
    assert.ok(
      answered.some((a) => a.readAt < 1_000),
      'a page was answered, with rows, in the middle of the first batch',
    );
    const all = viewer.page({ start: 0, count: 1_000 }).rows.concat(viewer.page({ start: 1_000, count: 1_000 }).rows);
    assert.deepEqual(
      all.map((r) => r.offset),
      consumer.messages.map((m) => m.offset),
      'every message once, in the order read',
    );
    await viewer.stop();
  });

  it('an export that starts in the middle of a batch sees the buffer hold still until it ends', async function () {
    this.timeout(30_000);
    const consumer = new OneBatchConsumer('t', 1_000);
    const viewer = viewerOver(consumer, 0.1);
    let exportRun: Promise<number> | undefined;
    const readDuringExport: number[] = [];
    let readAtStart = -1;
    viewer.onChange(({ counts }) => {
      if (exportRun || counts.read === 0 || counts.read >= 1_000) return;
      readAtStart = counts.read;
      exportRun = viewer.exportTo('ndjson', async () => {
        readDuringExport.push(viewer.counts.read);
        await new Promise((resolve) => setTimeout(resolve, 60)); // a slow disk: ingest gets its turns meanwhile
        readDuringExport.push(viewer.counts.read);
      });
    });
    await viewer.start();
    await until('the export started', () => exportRun !== undefined);
    const written = await exportRun!;
    assert.equal(written, readAtStart, 'the export wrote what was buffered when it started');
    assert.ok(readDuringExport.length >= 2);
    assert.ok(
      readDuringExport.every((n) => n === readAtStart),
      `ingest waited while the export ran (read ${readDuringExport.join(', ')}; ${readAtStart} at its start)`,
    );
    await until('the rest after the export', () => viewer.counts.read === 1_000);
    await viewer.stop();
  });

  it('eases off while asked (a loading page gets half the time) and goes back to full speed when told', async function () {
    this.timeout(30_000);
    // How busy the event loop is while a viewer ingests 4,000 messages at 0.05 ms a decode (200 ms of work).
    const busyWhileIngesting = async (ease: (viewer: ReturnType<typeof viewerOver>) => void): Promise<number> => {
      const consumer = new OneBatchConsumer('t', 4_000);
      const viewer = viewerOver(consumer, 0.05);
      ease(viewer);
      await viewer.start();
      await until('the first rows', () => viewer.counts.read > 0);
      const before = performance.eventLoopUtilization();
      await until('all read', () => viewer.counts.read === 4_000);
      const utilization = performance.eventLoopUtilization(before).utilization;
      await viewer.stop();
      return utilization;
    };
    const full = await busyWhileIngesting(() => undefined);
    const eased = await busyWhileIngesting((viewer) => viewer.easeIngestUntil(new Promise(() => undefined), 10_000));
    assert.ok(full > 0.8, `at full speed ingest keeps the loop busy (utilization ${full.toFixed(2)})`);
    assert.ok(eased < 0.7, `eased, ingest leaves the loop idle about half the time (utilization ${eased.toFixed(2)})`);
    // Settling the promise ends it: the rest goes at full speed.
    let loaded: () => void = () => undefined;
    const consumer = new OneBatchConsumer('t', 4_000);
    const viewer = viewerOver(consumer, 0.05);
    viewer.easeIngestUntil(new Promise<void>((resolve) => (loaded = resolve)), 10_000);
    await viewer.start();
    await until('the first rows', () => viewer.counts.read > 0);
    loaded();
    await new Promise((resolve) => setImmediate(resolve));
    const before = performance.eventLoopUtilization();
    await until('all read', () => viewer.counts.read === 4_000);
    const after = performance.eventLoopUtilization(before).utilization;
    assert.ok(after > 0.8, `once the page loaded, full speed again (utilization ${after.toFixed(2)})`);
    await viewer.stop();
  });
});
