import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../../src/core/errors';
import {
  clampOffset,
  describeTarget,
  type PartitionPosition,
  planRows,
  type ResetTarget,
  scopePartitions,
  targetOffset,
} from '../../../../src/core/kafka/offsetReset';

const at = (
  partition: number,
  current: number | null,
  low: number,
  high: number,
  timestampOffset?: number | null,
): PartitionPosition => ({
  topic: 't',
  partition,
  current,
  low,
  high,
  timestampOffset,
});

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof KafkaClientError && e.reason === 'invalidRequest' && pattern.test(e.message),
  );
}

describe('offset reset planning', () => {
  it('clamps to [low, high]', () => {
    assert.equal(clampOffset(-5, 10, 20), 10);
    assert.equal(clampOffset(15, 10, 20), 15);
    assert.equal(clampOffset(25, 10, 20), 20);
    assert.equal(clampOffset(3, 10, 10), 10, 'an empty partition has one valid offset');
  });

  it('resolves each target for a partition', () => {
    const p = at(0, 50, 10, 100, 42);
    assert.equal(targetOffset('earliest', p), 10);
    assert.equal(targetOffset('latest', p), 100);
    assert.equal(targetOffset({ timestamp: 1 }, p), 42);
    assert.equal(
      targetOffset({ timestamp: 1 }, at(0, 50, 10, 100, -1)),
      100,
      'no message at or after the time: the end',
    );
    assert.equal(targetOffset({ timestamp: 1 }, at(0, 50, 10, 100, null)), 100);
    assert.equal(targetOffset({ offset: 77 }, p), 77);
    assert.equal(targetOffset({ shiftBy: -20 }, p), 30);
    assert.equal(targetOffset({ shiftBy: 5 }, p), 55);
  });

  it('refuses to shift a partition without a committed offset', () => {
    invalid(() => targetOffset({ shiftBy: 1 }, at(3, null, 0, 10)), /t\[3\].*no committed offset/);
  });

  it('plans rows with current, next (clamped) and delta, sorted by topic and partition', () => {
    const positions = [at(2, 5, 0, 10), at(0, null, 4, 10), at(1, 9, 0, 10)];
    assert.deepEqual(
      planRows({ offset: 8 }, positions).map((r) => [r.partition, r.current, r.next, r.delta]),
      [
        [0, null, 8, null],
        [1, 9, 8, -1],
        [2, 5, 8, 3],
      ],
    );
    assert.deepEqual(
      planRows({ offset: 2 }, positions).map((r) => r.next),
      [4, 2, 2],
      'below low: low',
    );
    const shifted = planRows({ shiftBy: 3 }, [at(0, 9, 0, 10), at(1, 1, 0, 10)]);
    assert.deepEqual(
      shifted.map((r) => [r.next, r.delta]),
      [
        [10, 1],
        [4, 3],
      ],
    );
    assert.deepEqual(
      planRows({ shiftBy: -5 }, [at(0, 7, 4, 10)]).map((r) => [r.next, r.delta]),
      [[4, -3]],
      'shift below low: low',
    );
    assert.deepEqual(
      planRows('earliest', [at(0, 7, 4, 10)]).map((r) => [r.next, r.delta, r.low, r.high]),
      [[4, -3, 4, 10]],
    );
  });

  it('rejects targets that are not whole numbers, and negative offsets or timestamps', () => {
    const bad: ResetTarget[] = [
      { offset: -1 },
      { offset: 1.5 },
      { timestamp: -3 },
      { timestamp: Number.NaN },
      { shiftBy: 0.5 },
    ];
    for (const target of bad) invalid(() => planRows(target, [at(0, 1, 0, 10)]), /not valid/);
    assert.doesNotThrow(() => planRows({ shiftBy: -3 }, [at(0, 1, 0, 10)]));
  });

  it('describes targets for previews and logs', () => {
    assert.equal(describeTarget('earliest'), 'earliest');
    assert.equal(describeTarget({ shiftBy: 3 }), 'shift by +3');
    assert.equal(describeTarget({ shiftBy: -3 }), 'shift by -3');
    assert.equal(describeTarget({ offset: 7 }), 'offset 7');
    assert.equal(describeTarget({ timestamp: 0 }), 'timestamp 1970-01-01T00:00:00.000Z');
  });

  it('selects partitions by scope', () => {
    const known = [
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 1 },
    ];
    const count = (topic: string) => (topic === 'a' ? 3 : 2);
    assert.deepEqual(scopePartitions({ kind: 'group' }, known, count), known);
    assert.deepEqual(
      scopePartitions({ kind: 'topic', topic: 'a' }, known, count).map((p) => p.partition),
      [0, 1, 2],
    );
    assert.deepEqual(
      scopePartitions(
        {
          kind: 'partitions',
          partitions: [
            { topic: 'b', partition: 1 },
            { topic: 'b', partition: 1 },
            { topic: 'a', partition: 2 },
          ],
        },
        known,
        count,
      ),
      [
        { topic: 'b', partition: 1 },
        { topic: 'a', partition: 2 },
      ],
    );
    invalid(
      () => scopePartitions({ kind: 'partitions', partitions: [{ topic: 'b', partition: 2 }] }, known, count),
      /b\[2\] does not exist \(the topic has 2 partitions\)/,
    );
  });
});
