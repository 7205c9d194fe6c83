import { strict as assert } from 'node:assert';
import { OffsetTracker, PartitionOffsets } from '../../../../src/core/engine/offsetTracker';
import { seededRandom as rng } from '../../../support/random';

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

describe('commit watermark', () => {
  it('never passes an unfinished or failed offset, over 500 random completion orders', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = rng(seed);
      const tracker = new PartitionOffsets();
      // Offsets with gaps, as compaction and transaction markers leave them.
      const offsets: number[] = [];
      let next = Math.floor(random() * 100);
      const count = 1 + Math.floor(random() * 200);
      for (let i = 0; i < count; i++) {
        offsets.push(next);
        next += 1 + (random() < 0.2 ? Math.floor(random() * 5) : 0);
      }
      for (const o of offsets) tracker.track(o);
      // Some messages fail and are never completed.
      const failed = new Set(offsets.filter(() => random() < 0.05));
      const done = new Set<number>();
      for (const o of shuffle(
        offsets.filter((x) => !failed.has(x)),
        random,
      )) {
        tracker.complete(o);
        done.add(o);
        const position = tracker.commitPosition();
        // The expected position: one past the longest done prefix of the tracked offsets.
        let expected: number | undefined;
        for (const t of offsets) {
          if (!done.has(t)) break;
          expected = t + 1;
        }
        assert.equal(position, expected, `seed ${seed}: after completing ${o}`);
        if (position !== undefined) {
          for (const t of offsets)
            if (t < position) assert.ok(done.has(t), `seed ${seed}: position ${position} passes unfinished ${t}`);
        }
      }
      const firstFailed = offsets.find((o) => failed.has(o));
      if (firstFailed !== undefined) {
        assert.ok(
          (tracker.commitPosition() ?? -Infinity) <= firstFailed,
          `seed ${seed}: committed past failed ${firstFailed}`,
        );
        assert.equal(tracker.firstUnfinished(), firstFailed);
      } else {
        assert.equal(tracker.commitPosition(), offsets[offsets.length - 1] + 1);
        assert.equal(tracker.pendingCount(), 0);
      }
    }
  });

  it('counts done-but-held-back offsets', () => {
    const tracker = new PartitionOffsets();
    for (const o of [10, 11, 12, 13]) tracker.track(o);
    tracker.complete(12);
    tracker.complete(13);
    assert.equal(tracker.commitPosition(), undefined);
    assert.equal(tracker.doneAheadCount(), 2);
    assert.equal(tracker.complete(11), false);
    assert.equal(tracker.complete(10), true);
    assert.equal(tracker.commitPosition(), 14);
    assert.equal(tracker.doneAheadCount(), 0);
  });

  it('refuses out-of-order tracking and unknown completions', () => {
    const tracker = new PartitionOffsets();
    tracker.track(5);
    assert.throws(() => tracker.track(5), RangeError);
    assert.throws(() => tracker.track(4), RangeError);
    assert.throws(() => tracker.complete(6), RangeError);
    tracker.complete(5);
    assert.equal(tracker.complete(5), false, 'completing twice is harmless');
    assert.throws(() => tracker.track(3), RangeError, 'behind the committed position');
  });

  it('stays fast and compact over a long stream', () => {
    const tracker = new PartitionOffsets();
    for (let o = 0; o < 200_000; o++) {
      tracker.track(o);
      if (o >= 8) tracker.complete(o - 8);
    }
    assert.equal(tracker.commitPosition(), 200_000 - 8);
    assert.equal(tracker.pendingCount(), 8);
  });

  it('tracks partitions separately and reports only positions that moved past the last commit', () => {
    const tracker = new OffsetTracker();
    tracker.track('t', 0, 0);
    tracker.track('t', 0, 1);
    tracker.track('t', 1, 7);
    tracker.complete('t', 0, 0);
    tracker.complete('t', 1, 7);
    assert.deepEqual(tracker.uncommitted(), [
      { topic: 't', partition: 0, offset: 1 },
      { topic: 't', partition: 1, offset: 8 },
    ]);
    tracker.markCommitted('t', 0, 1);
    tracker.markCommitted('t', 1, 8);
    assert.deepEqual(tracker.uncommitted(), []);
    tracker.complete('t', 0, 1);
    assert.deepEqual(tracker.uncommitted(), [{ topic: 't', partition: 0, offset: 2 }]);
    tracker.resetCommitted('t', 1);
    assert.deepEqual(
      tracker.uncommitted((tp) => tp.partition === 1),
      [{ topic: 't', partition: 1, offset: 8 }],
    );
    tracker.drop('t', 0);
    assert.equal(tracker.get('t', 0), undefined);
  });
});
