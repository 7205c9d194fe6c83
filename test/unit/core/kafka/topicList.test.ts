import { strict as assert } from 'node:assert';
import { globMatcher, isInternalTopic, summarizeTopics } from '../../../../src/core/kafka/topicList';

const partition = (id: number, replicas: number[]) => ({ id, leader: replicas[0] ?? -1, replicas, isrs: replicas });

describe('topic list', () => {
  it('matches globs case-insensitively: * any run, ? one character, plain text as a substring', () => {
    const names = ['orders', 'orders.dlq', 'Orders-v2', 'payments', 'order', 'a.b', 'axb'];
    const pick = (glob: string | undefined) => names.filter(globMatcher(glob));
    assert.deepEqual(pick(undefined), names);
    assert.deepEqual(pick('  '), names);
    assert.deepEqual(pick('orders*'), ['orders', 'orders.dlq', 'Orders-v2']);
    assert.deepEqual(pick('order?'), ['orders']);
    assert.deepEqual(pick('*.dlq'), ['orders.dlq']);
    assert.deepEqual(pick('ORD'), ['orders', 'orders.dlq', 'Orders-v2', 'order']);
    assert.deepEqual(pick('a.b*'), ['a.b'], 'regex metacharacters are literal');
    assert.deepEqual(pick('(*'), []);
  });

  it('treats names starting with _ as internal', () => {
    assert.equal(isInternalTopic('__consumer_offsets'), true);
    assert.equal(isInternalTopic('_schemas'), true);
    assert.equal(isInternalTopic('orders_'), false);
  });

  it('summarizes metadata sorted by name, with partition count and replication factor, internal topics hidden by default', () => {
    const metadata = {
      topics: [
        { name: 'zeta', partitions: [partition(0, [1, 2, 3]), partition(1, [2, 3, 1])] },
        { name: '__consumer_offsets', partitions: [partition(0, [1])] },
        { name: 'alpha', partitions: [partition(0, [1])] },
        { name: 'empty', partitions: [] },
      ],
    };
    assert.deepEqual(summarizeTopics(metadata), [
      { name: 'alpha', partitions: 1, replicationFactor: 1, internal: false },
      { name: 'empty', partitions: 0, replicationFactor: 0, internal: false },
      { name: 'zeta', partitions: 2, replicationFactor: 3, internal: false },
    ]);
    assert.deepEqual(
      summarizeTopics(metadata, { includeInternal: true, glob: '*a' }).map((t) => [t.name, t.internal]),
      [
        ['alpha', false],
        ['zeta', false],
      ],
    );
    assert.deepEqual(
      summarizeTopics(metadata, { includeInternal: true, glob: '__*' }).map((t) => [t.name, t.internal]),
      [['__consumer_offsets', true]],
    );
  });
});
