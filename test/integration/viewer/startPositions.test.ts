import { strict as assert } from 'node:assert';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { createTopic, deleteTopicsQuietly, withAdmin } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { allRows, openViewer, produceFast, waitForRead, waitForState } from './support';

// Recent times: the broker's retention (7 days by default) would remove older records mid-test.
const base = Date.now() - 3_600_000;

describe('viewer start positions on the real broker', function () {
  this.timeout(120_000);
  const topic = uniqueName('it-viewer-start');
  const viewers: MessageViewer[] = [];
  const open = (...args: Parameters<typeof openViewer>): MessageViewer => {
    const viewer = openViewer(...args);
    viewers.push(viewer);
    return viewer;
  };

  before(async () => {
    await createTopic(topic, 3);
    // 10 per partition; message i of partition p at offset i, written at base + i seconds.
    await produceFast(topic, 30, (n) => ({
      partition: n % 3,
      key: `k${n}`,
      value: JSON.stringify({ n, i: Math.floor(n / 3) }),
      timestamp: base + Math.floor(n / 3) * 1000,
    }));
  });
  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.stop()));
  });
  after(() => deleteTopicsQuietly(topic));

  const offsetsByPartition = (viewer: MessageViewer): Record<number, number[]> => {
    viewer.setSort('partitionOffset');
    const out: Record<number, number[]> = {};
    for (const row of allRows(viewer)) (out[row.partition] ??= []).push(row.offset);
    return out;
  };
  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

  it('from the beginning: every message, then caught up', async () => {
    const viewer = open({ topic, start: { kind: 'beginning' } });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    assert.equal(viewer.counts.read, 30);
    assert.deepEqual(offsetsByPartition(viewer), { 0: range(0, 10), 1: range(0, 10), 2: range(0, 10) });
  });

  it('from the end: nothing old, and new messages as they arrive (live tail)', async () => {
    const viewer = open({ topic, start: { kind: 'end' } });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    assert.equal(viewer.counts.read, 0);
    await produceFast(topic, 3, (n) => ({ partition: n, value: JSON.stringify({ live: n }) }));
    await waitForRead(viewer, 3);
    const rows = allRows(viewer);
    assert.deepEqual(rows.map((r) => [r.partition, r.offset, r.value]).sort(), [
      [0, 10, '{"live":0}'],
      [1, 10, '{"live":1}'],
      [2, 10, '{"live":2}'],
    ]);
  });

  it('from one offset for every partition, and from an offset per partition on a subset', async () => {
    const all = open({ topic, start: { kind: 'offset', offset: 7 }, follow: false });
    await all.start();
    await waitForState(all, 'caughtUp', (s) => s.kind === 'caughtUp');
    const byPartition = offsetsByPartition(all);
    for (const p of [0, 1, 2]) assert.deepEqual(byPartition[p]!.slice(0, 3), [7, 8, 9]);

    const some = open({
      topic,
      partitions: [0, 2],
      start: { kind: 'offset', perPartition: { 0: 8, 2: 5 } },
      follow: false,
    });
    await some.start();
    await waitForState(some, 'caughtUp', (s) => s.kind === 'caughtUp');
    const chosen = offsetsByPartition(some);
    assert.deepEqual(Object.keys(chosen), ['0', '2']);
    assert.deepEqual(chosen[0]!.slice(0, 2), [8, 9]);
    assert.deepEqual(chosen[2]!.slice(0, 5), [5, 6, 7, 8, 9]);
  });

  it('from a timestamp (offsetsForTimes), per partition', async () => {
    const viewer = open({ topic, start: { kind: 'timestamp', timestamp: base + 6_000 }, follow: false });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    const byPartition = offsetsByPartition(viewer);
    for (const p of [0, 1, 2]) assert.deepEqual(byPartition[p]!.slice(0, 4), [6, 7, 8, 9]);
    for (const row of allRows(viewer).filter((r) => r.offset < 10)) assert.ok(row.timestamp! >= base + 6_000);
  });

  it('the last N per partition, on one partition', async () => {
    const viewer = open({ topic, partitions: [1], start: { kind: 'lastN', count: 4 } });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    const byPartition = offsetsByPartition(viewer);
    assert.deepEqual(Object.keys(byPartition), ['1']);
    assert.equal(byPartition[1]!.length, 4);
    assert.deepEqual(byPartition[1], range(byPartition[1]![0]!, byPartition[1]![0]! + 4));
    const ends = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
    const high = Number(ends.find((e) => e.partition === 1)!.high);
    assert.deepEqual(byPartition[1], range(high - 4, high));
  });

  it('an offset past the end is a retrying offsetOutOfRange state that goes on once the offset is written', async () => {
    const other = uniqueName('it-viewer-ahead');
    await createTopic(other, 1);
    try {
      await produceFast(other, 2, () => ({ partition: 0, value: 'x' }));
      const viewer = open({ topic: other, start: { kind: 'offset', offset: 4 } });
      await viewer.start();
      const state = await waitForState(viewer, 'offsetOutOfRange', (s) => s.kind === 'error');
      assert.equal(state.kind === 'error' && state.reason, 'offsetOutOfRange');
      assert.ok(
        state.kind === 'error' && state.retrying && /offset 4 is not written yet/.test(state.message),
        JSON.stringify(state),
      );
      await produceFast(other, 4, (i) => ({ partition: 0, value: `late-${i}` }));
      await waitForRead(viewer, 2);
      assert.deepEqual(
        allRows(viewer).map((r) => [r.offset, r.value]),
        [
          [4, 'late-2'],
          [5, 'late-3'],
        ],
      );
    } finally {
      await deleteTopicsQuietly(other);
    }
  });

  it('refuses a bad start position at once', () => {
    assert.throws(() => openViewer({ topic, start: { kind: 'lastN', count: 0 } }), RangeError);
    assert.throws(() => openViewer({ topic, start: { kind: 'offset', offset: -3 } }), RangeError);
    assert.throws(() => openViewer({ topic, start: { kind: 'beginning' }, capacity: 2_000_000 }), /1,000,000/);
  });
});
