import { strict as assert } from 'node:assert';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { allRows, openViewer, produceFast, waitForRead, waitForState } from './support';

// Recent times, all in the past: the broker's retention (7 days by default) would remove older
// records mid-test, and it refuses records more than an hour ahead of its clock.
const base = Date.now() - 6 * 3_600_000;

describe('viewer filters, sort and histogram over the buffer (real broker)', function () {
  this.timeout(120_000);
  const topic = uniqueName('it-viewer-filter');
  let viewer: MessageViewer;
  const count = 300;

  before(async () => {
    await createTopic(topic, 3);
    await produceFast(topic, count, (i) => ({
      partition: i % 3,
      key: i % 10 === 0 ? `vip-${i}` : `customer-${i % 7}`,
      value:
        i === 150
          ? Buffer.from([0, 0, 0, 0, 9, 1, 2, 3]) // the registry wire format without a registry: a decode error
          : JSON.stringify({ i, kind: i % 2 === 0 ? 'Even' : 'odd', big: '9007199254740993', amount: i * 10 }),
      timestamp: base + i * 60_000,
      headers: i % 5 === 0 ? [{ source: 'batch' }, { trace: `t-${i}` }] : [{ source: 'web' }],
    }));
    viewer = openViewer({ topic, start: { kind: 'beginning' } });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    assert.equal(viewer.counts.read, count);
  });
  after(async () => {
    await viewer?.stop();
    await deleteTopicsQuietly(topic);
  });

  const values = (): number[] =>
    allRows(viewer)
      .filter((r) => r.status === 'ok')
      .map((r) => (JSON.parse(r.value) as { i: number }).i)
      .sort((a, b) => a - b);
  const expected = (pick: (i: number) => boolean): number[] =>
    Array.from({ length: count }, (_, i) => i).filter((i) => i !== 150 && pick(i));

  it('free text across value, key and headers, ignoring case', async () => {
    assert.equal((await viewer.setFilter({ text: 'even' })).matched, 149);
    assert.deepEqual(
      values(),
      expected((i) => i % 2 === 0),
    );
    assert.equal((await viewer.setFilter({ text: 'VIP-' })).matched, 30);
    assert.equal((await viewer.setFilter({ text: 't-15' })).matched, 3, 't-15, t-150, t-155');
  });

  it('key equals or contains', async () => {
    assert.equal(
      (await viewer.setFilter({ key: { equals: 'customer-3' } })).matched,
      expected((i) => i % 10 !== 0 && i % 7 === 3).length,
    );
    assert.equal((await viewer.setFilter({ key: { contains: 'vip' } })).matched, 30);
  });

  it('a header present, or equal to a value', async () => {
    assert.equal((await viewer.setFilter({ header: { name: 'trace' } })).matched, 60);
    assert.equal((await viewer.setFilter({ header: { name: 'source', equals: 'web' } })).matched, 240);
  });

  it('partition, offset range, time range and decode errors, combined', async () => {
    assert.equal((await viewer.setFilter({ partitions: [1] })).matched, 100);
    assert.equal((await viewer.setFilter({ partitions: [0, 2], offsets: { from: 10, to: 19 } })).matched, 20);
    const timed = await viewer.setFilter({ time: { from: base + 100 * 60_000, to: base + 199 * 60_000 } });
    assert.equal(timed.matched, 100);
    assert.deepEqual(
      values(),
      expected((i) => i >= 100 && i <= 199),
    );
    const errors = await viewer.setFilter({ decodeErrorsOnly: true });
    assert.equal(errors.matched, 1);
    const [row] = allRows(viewer);
    assert.equal(row!.status, 'error');
    assert.equal(row!.offset, 50);
    const detail = viewer.detail(row!.seq)!;
    assert.match(detail.value.error ?? '', /schema registry/);
    assert.equal(detail.value.hex, '0000000009010203');
    assert.equal(
      (await viewer.setFilter({ text: 'odd', partitions: [0], time: { from: base, to: base + 99 * 60_000 } })).matched,
      expected((i) => i % 2 === 1 && i % 3 === 0 && i <= 99).length,
    );
  });

  it('an expression (CEL) over the decoded message, and a bad one rejected with its position', async () => {
    const counts = await viewer.setFilter({ expression: 'value.amount >= 2000 && headers["source"] == "batch"' });
    assert.deepEqual(
      values(),
      expected((i) => i * 10 >= 2000 && i % 5 === 0),
    );
    assert.equal(counts.matched, values().length);
    await assert.rejects(
      viewer.setFilter({ expression: 'value.amount >= ' }),
      (e: Error & { position?: unknown }) => e.position !== undefined,
    );
    assert.equal(viewer.counts.matched, counts.matched, 'a rejected filter leaves the current one');
  });

  it('sorts by time and by partition and offset, paging the filtered view', async () => {
    await viewer.setFilter({});
    viewer.setSort('partitionOffset');
    const page = viewer.page({ start: 99, count: 3 });
    assert.equal(page.total, count);
    assert.deepEqual(
      page.rows.map((r) => [r.partition, r.offset]),
      [
        [0, 99],
        [1, 0],
        [1, 1],
      ],
    );
    viewer.setSort('time');
    const times = allRows(viewer).map((r) => r.timestamp!);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.equal(times[0], base);
    viewer.setSort('arrival');
    assert.throws(() => viewer.page({ start: -1, count: 10 }), RangeError);
  });

  it('the histogram counts messages over time, with the filter matches', async () => {
    await viewer.setFilter({ partitions: [2] });
    const buckets = viewer.histogram({ buckets: 30 });
    assert.equal(buckets.length, 30);
    assert.equal(
      buckets.reduce((n, b) => n + b.count, 0),
      count,
    );
    assert.equal(
      buckets.reduce((n, b) => n + b.matched, 0),
      100,
    );
    assert.equal(buckets[0]!.from, base);
    for (const b of buckets) assert.ok(b.matched <= b.count && b.to >= b.from);
    const window = viewer.histogram({ buckets: 10, from: base, to: base + 10 * 60_000 - 1 });
    assert.deepEqual(
      window.map((b) => b.count),
      Array(10).fill(1),
    );
  });

  it('new messages arriving while a filter is set are tested as they come', async () => {
    await viewer.setFilter({ text: 'late-arrival' });
    assert.equal(viewer.counts.matched, 0);
    await produceFast(topic, 6, (i) => ({
      partition: 0,
      value: i % 2 ? JSON.stringify({ note: 'late-arrival' }) : '{"note":"other"}',
    }));
    await waitForRead(viewer, count + 6);
    assert.equal(viewer.counts.matched, 3);
    assert.deepEqual(
      allRows(viewer).map((r) => r.value),
      Array(3).fill('{"note":"late-arrival"}'),
    );
  });
});
