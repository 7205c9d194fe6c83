import { strict as assert } from 'node:assert';
import { consumerSettings } from '../../../../src/core/engine/consumerPort';
import { memberConsumerConfig } from '../../../../src/core/engine/rdkafkaConsumer';

describe('a member’s librdkafka settings', () => {
  const base = { connection: { bootstrapServers: '127.0.0.1:19092' }, groupId: 'orders-service', topics: ['orders'] };

  it('never auto-commits and stores no offsets, whatever the extra properties say', () => {
    const config = memberConsumerConfig(
      consumerSettings(
        {
          ...base,
          consumerConfig: {
            'enable.auto.commit': true,
            'enable.auto.offset.store': true,
            'group.id': 'other',
            'fetch.wait.max.ms': 50,
          },
        },
        'client-1',
      ),
    );
    assert.equal(config['enable.auto.commit'], false);
    assert.equal(config['enable.auto.offset.store'], false);
    assert.equal(config['group.id'], 'orders-service', 'the session’s group, not an extra property');
    assert.equal(config['fetch.wait.max.ms'], 50, 'other extra properties pass through');
    assert.equal(config['enable.partition.eof'], false);
  });

  it('defaults to cooperative-sticky, read_committed and earliest, and takes the session’s choices', () => {
    const defaults = consumerSettings(base, 'client-1');
    assert.deepEqual(
      [defaults.assignmentStrategy, defaults.isolationLevel, defaults.autoOffsetReset, defaults.clientId],
      ['cooperative-sticky', 'read_committed', 'earliest', 'client-1'],
    );
    const chosen = memberConsumerConfig(
      consumerSettings(
        { ...base, assignmentStrategy: 'range', isolationLevel: 'read_uncommitted', autoOffsetReset: 'latest' },
        'client-1',
      ),
    );
    assert.equal(chosen['partition.assignment.strategy'], 'range');
    assert.equal(chosen['isolation.level'], 'read_uncommitted');
  });

  it('bounds the prefetch unless told otherwise, and keeps a client id the connection sets', () => {
    const config = memberConsumerConfig(consumerSettings(base, 'kafka-consumer-lab-member-1'));
    assert.equal(config['queued.max.messages.kbytes'], 16384);
    assert.equal(config['client.id'], 'kafka-consumer-lab-member-1');
    const own = memberConsumerConfig(
      consumerSettings(
        {
          ...base,
          connection: { ...base.connection, clientId: 'my-app' },
          consumerConfig: { 'queued.max.messages.kbytes': 1024 },
        },
        'x',
      ),
    );
    assert.equal(own['client.id'], 'my-app');
    assert.equal(own['queued.max.messages.kbytes'], 1024);
  });
});
