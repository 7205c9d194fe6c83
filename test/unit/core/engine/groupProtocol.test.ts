import { strict as assert } from 'node:assert';
import { consumerSettings } from '../../../../src/core/engine/consumerPort';
import { resolveGroupProtocol } from '../../../../src/core/engine/groupProtocol';
import { memberConsumerConfig } from '../../../../src/core/engine/rdkafkaConsumer';
import { ConsumerSession } from '../../../../src/core/engine/session';
import { TOPIC, rig, waitFor } from './support/harness';

describe('the consumer group protocol of a session (KIP-848 or classic)', () => {
  const base = { connection: { bootstrapServers: '127.0.0.1:19092' }, groupId: 'orders-service', topics: ['orders'] };

  it('is classic by default, with the client-side assignor', () => {
    const config = memberConsumerConfig(consumerSettings(base, 'c'));
    assert.equal(config['group.protocol'], 'classic');
    assert.equal(config['partition.assignment.strategy'], 'cooperative-sticky');
  });

  it('under the consumer protocol sends group.protocol=consumer and none of the classic-only properties', () => {
    const config = memberConsumerConfig(
      consumerSettings(
        {
          ...base,
          groupProtocol: 'consumer',
          consumerConfig: { 'group.remote.assignor': 'uniform', 'fetch.wait.max.ms': 50 },
        },
        'c',
      ),
    );
    assert.equal(config['group.protocol'], 'consumer');
    for (const key of [
      'partition.assignment.strategy',
      'session.timeout.ms',
      'heartbeat.interval.ms',
      'group.protocol.type',
    ])
      assert.equal(key in config, false, `${key} is not sent`);
    assert.equal(config['group.remote.assignor'], 'uniform', "the broker's assignor passes through");
    assert.equal(config['enable.auto.commit'], false, 'commits stay decisions');
    assert.equal(config['fetch.wait.max.ms'], 50);
  });

  it('takes group.protocol from the consumer properties too, and refuses two different answers', () => {
    assert.equal(resolveGroupProtocol({ consumerConfig: { 'group.protocol': 'consumer' } }), 'consumer');
    assert.equal(
      resolveGroupProtocol({ groupProtocol: 'consumer', consumerConfig: { 'group.protocol': 'consumer' } }),
      'consumer',
    );
    assert.throws(
      () => resolveGroupProtocol({ groupProtocol: 'classic', consumerConfig: { 'group.protocol': 'consumer' } }),
      /group protocol is "classic" but its consumer property group.protocol says "consumer"/,
    );
    assert.throws(
      () => resolveGroupProtocol({ consumerConfig: { 'group.protocol': 'next' } }),
      /"classic" or "consumer"/,
    );
    assert.throws(() => resolveGroupProtocol({ groupProtocol: 'eager' as never }), /"classic" or "consumer"/);
  });

  it('refuses the classic-only settings under the consumer protocol, saying what the broker does instead', () => {
    assert.throws(
      () => resolveGroupProtocol({ groupProtocol: 'consumer', consumerConfig: { 'session.timeout.ms': 10000 } }),
      (e: unknown) =>
        e instanceof RangeError &&
        /session.timeout.ms/.test(e.message) &&
        /group.consumer.session.timeout.ms/.test(e.message),
    );
    assert.throws(
      () => resolveGroupProtocol({ groupProtocol: 'consumer', consumerConfig: { 'heartbeat.interval.ms': 500 } }),
      /group.consumer.heartbeat.interval.ms/,
    );
    assert.throws(
      () => resolveGroupProtocol({ groupProtocol: 'consumer', assignmentStrategy: 'range' }),
      /group.remote.assignor/,
    );
    // The classic protocol keeps taking them.
    assert.equal(
      resolveGroupProtocol({ consumerConfig: { 'session.timeout.ms': 10000 }, assignmentStrategy: 'range' }),
      'classic',
    );
  });

  it('a session refuses to be built with a classic-only setting under the consumer protocol', () => {
    assert.throws(
      () =>
        new ConsumerSession({
          ...base,
          groupProtocol: 'consumer',
          consumerConfig: { 'partition.assignment.strategy': 'range' },
        }),
      /partition.assignment.strategy is not supported with the consumer group protocol/,
    );
  });

  it('every rebalance event names the group protocol, and the consumer protocol moves partitions incrementally', async () => {
    const r = rig({ groupProtocol: 'consumer' });
    r.cluster.fill(TOPIC, 2, 2);
    assert.equal(r.session.groupProtocol, 'consumer');
    await r.session.start();
    const assign = await waitFor('the first assignment', () => r.events.rebalances.find((e) => e.kind === 'assign'));
    assert.equal(assign.groupProtocol, 'consumer');
    assert.equal(assign.protocol, 'COOPERATIVE');
    await r.session.stop();
    const classic = rig({ assignmentStrategy: 'range' });
    classic.cluster.fill(TOPIC, 1, 1);
    await classic.session.start();
    const eager = await waitFor('the classic assignment', () =>
      classic.events.rebalances.find((e) => e.kind === 'assign'),
    );
    assert.deepEqual([eager.groupProtocol, eager.protocol], ['classic', 'EAGER']);
    await classic.session.stop();
  });
});
