import { strict as assert } from 'node:assert';
import {
  globMatcher,
  isInternalTopic,
  loadTopicPage,
  pageTopics,
  summarizeTopics,
  TOPIC_PAGE_SIZE,
  type TopicListOptions,
  type TopicSummary,
  topicItemView,
} from '../../../../src/core/kafka/topicList';

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

  const summaries = (count: number): TopicSummary[] =>
    Array.from({ length: count }, (_, i) => ({
      name: `t-${String(i).padStart(5, '0')}`,
      partitions: 1,
      replicationFactor: 1,
      internal: false,
    }));

  it('pages topics 500 at a time, with a "Load more" flag while more are left', () => {
    const topics = summaries(1234);
    const first = pageTopics(topics);
    assert.equal(TOPIC_PAGE_SIZE, 500);
    assert.deepEqual([first.shown, first.total, first.more, first.topics.length], [500, 1234, true, 500]);
    assert.equal(first.topics[0].name, 't-00000');
    assert.equal(first.topics[499].name, 't-00499');
    assert.equal(first.emptyLabel, undefined);
    const second = pageTopics(topics, { pages: 2 });
    assert.deepEqual([second.shown, second.more], [1000, true]);
    const all = pageTopics(topics, { pages: 3 });
    assert.deepEqual([all.shown, all.total, all.more], [1234, 1234, false]);
    assert.deepEqual(
      [
        pageTopics(topics, { pages: 9 }).shown,
        pageTopics(topics, { pages: 0 }).shown,
        pageTopics(topics, { pageSize: 10 }).shown,
      ],
      [1234, 500, 10],
    );
    const exact = pageTopics(summaries(500));
    assert.deepEqual([exact.shown, exact.more], [500, false]);
  });

  it('says why a page is empty: no topics, or none matching the filter', () => {
    assert.deepEqual(pageTopics([]), { topics: [], shown: 0, total: 0, more: false, emptyLabel: 'No topics' });
    assert.equal(pageTopics([], { glob: ' orders* ' }).emptyLabel, 'No topic matches "orders*"');
    assert.equal(pageTopics([], { glob: '  ' }).emptyLabel, 'No topics');
  });

  it('loads a page with one listTopics call, passing the filter and the internal-topics toggle', async () => {
    const calls: TopicListOptions[] = [];
    const admin = {
      listTopics: async (options: TopicListOptions = {}) => {
        calls.push(options);
        return summaries(700);
      },
    };
    const page = await loadTopicPage(admin, { glob: ' t-* ', includeInternal: true, pages: 1 });
    assert.deepEqual(calls, [{ includeInternal: true, glob: 't-*' }]);
    assert.deepEqual([page.shown, page.total, page.more], [500, 700, true]);
    await loadTopicPage(admin);
    assert.deepEqual(calls[1], { includeInternal: false });
  });

  it('describes a topic item: id under its cluster, partition count and replication factor, internal topics locked', () => {
    assert.deepEqual(topicItemView('c1', { name: 'orders', partitions: 3, replicationFactor: 2, internal: false }), {
      id: 'cluster:c1/topic:orders',
      label: 'orders',
      description: '3 partitions · RF 2',
      contextValue: 'kafkaLab.topic',
      icon: 'symbol-event',
    });
    const internal = topicItemView('c1', {
      name: '__consumer_offsets',
      partitions: 1,
      replicationFactor: 1,
      internal: true,
    });
    assert.deepEqual(
      [internal.description, internal.contextValue, internal.icon],
      ['1 partition · RF 1', 'kafkaLab.topic.internal', 'lock'],
    );
  });
});
