import { strict as assert } from 'node:assert';
import { committedOrNull, groupStateName, isGroupActive, lagOf } from '../../../../src/core/kafka/groupInfo';

describe('consumer group info', () => {
  it('names librdkafka group states', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 99, undefined].map(groupStateName), [
      'Unknown',
      'PreparingRebalance',
      'CompletingRebalance',
      'Stable',
      'Dead',
      'Empty',
      'Unknown',
      'Unknown',
    ]);
  });

  it('computes lag only where an offset was committed, never negative', () => {
    assert.equal(lagOf(null, 100), null);
    assert.equal(lagOf(40, 100), 60);
    assert.equal(lagOf(0, 0), 0);
    assert.equal(
      lagOf(120, 100),
      0,
      'a committed offset past the end (after truncation) is no lag, not a negative one',
    );
  });

  it('reads the client’s "no committed offset" markers as null', () => {
    assert.equal(committedOrNull(-1001), null);
    assert.equal(committedOrNull(-1), null);
    assert.equal(committedOrNull(undefined), null);
    assert.equal(committedOrNull(0), 0);
    assert.equal(committedOrNull(17), 17);
  });

  it('treats a group with members or in a rebalance as active', () => {
    assert.equal(isGroupActive({ state: 'Empty', members: [] }), false);
    assert.equal(isGroupActive({ state: 'Dead', members: [] }), false);
    assert.equal(isGroupActive({ state: 'Stable', members: [] }), true);
    assert.equal(isGroupActive({ state: 'PreparingRebalance', members: [] }), true);
    assert.equal(
      isGroupActive({ state: 'Empty', members: [{ memberId: 'm', clientId: 'c', host: 'h', assignments: [] }] }),
      true,
    );
  });
});
