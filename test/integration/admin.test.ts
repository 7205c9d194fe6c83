import { strict as assert } from 'node:assert';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { KafkaAdmin } from '../../src/core/kafka/admin';
import { KafkaClientError } from '../../src/core/errors';
import type { ResetTarget } from '../../src/core/kafka/offsetReset';
import { deleteTopicsQuietly, kafkaClient } from '../support/kafka';
import { services, uniqueName, waitFor } from '../support/services';

const PARTITIONS = 3;
const PER_PARTITION = 10;
/**
 * Message i of every partition has timestamp BASE + i s. BASE lies in the past, so the topic keeps
 * its messages forever: under a time-based retention the broker's periodic check deletes them,
 * moving the low watermark (and every reset clamped to it) at a moment the test cannot choose.
 */
const BASE = Date.UTC(2024, 0, 1);

async function rejection(promise: Promise<unknown>): Promise<KafkaClientError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KafkaClientError, `not a KafkaClientError: ${String(error)}`);
  return error;
}

describe('KafkaAdmin against the local broker', function () {
  this.timeout(30_000);
  const admin = new KafkaAdmin({ bootstrapServers: services.kafka.plaintext }, { timeoutMs: 10_000 });
  const topic = uniqueName('it-admin');
  const group = uniqueName('it-admin-group');
  const extraTopics: string[] = [];

  before(async () => {
    await admin.createTopic({
      name: topic,
      partitions: PARTITIONS,
      replicationFactor: 1,
      configs: { 'retention.ms': '-1' },
    });
    await waitFor('the new topic in metadata', 10_000, async () =>
      (await admin.listTopics({ glob: topic })).length ? true : undefined,
    );
    const producer = kafkaClient().producer({ acks: -1 } as KafkaJS.ProducerConstructorConfig);
    await producer.connect();
    try {
      const messages = [];
      for (let partition = 0; partition < PARTITIONS; partition++) {
        for (let i = 0; i < PER_PARTITION; i++)
          messages.push({ partition, value: `p${partition}-m${i}`, timestamp: String(BASE + i * 1000) });
      }
      await producer.send({ topic, messages });
    } finally {
      await producer.disconnect();
    }
  });

  after(async () => {
    await admin.deleteGroup(group).catch(() => undefined);
    admin.close();
    await deleteTopicsQuietly(topic, ...extraTopics);
  });

  const committedOf = async (): Promise<number[]> =>
    (await admin.groupOffsets(group, [topic])).map((r) => r.committed ?? -1);

  async function resetTo(
    target: ResetTarget,
    scope: Parameters<KafkaAdmin['planReset']>[1] = { kind: 'topic', topic },
  ): Promise<void> {
    const plan = await admin.planReset(group, scope, target);
    await admin.applyReset(plan);
  }

  it('lists topics sorted, filtered by glob, with internal topics hidden unless asked for', async () => {
    const all = await admin.listTopics();
    assert.deepEqual(
      all.map((t) => t.name),
      [...all.map((t) => t.name)].sort(),
    );
    assert.ok(!all.some((t) => t.internal), 'an internal topic is listed by default');
    const mine = await admin.listTopics({ glob: `${topic.slice(0, 9)}*${topic.slice(-8)}` });
    assert.deepEqual(mine, [{ name: topic, partitions: PARTITIONS, replicationFactor: 1, internal: false }]);
    const internal = await admin.listTopics({ includeInternal: true, glob: '__consumer_offsets' });
    assert.equal(internal[0]?.internal, true);
  });

  it('describes partitions with leader, replicas, ISR and watermarks', async () => {
    const partitions = await admin.describePartitions(topic);
    assert.equal(partitions.length, PARTITIONS);
    for (const [i, p] of partitions.entries()) {
      assert.equal(p.partition, i);
      assert.equal(typeof p.leader, 'number');
      assert.deepEqual(p.replicas, [p.leader]);
      assert.deepEqual(p.isr, [p.leader]);
      assert.equal(p.underReplicated, false);
      assert.deepEqual([p.low, p.high, p.messages], [0, PER_PARTITION, PER_PARTITION]);
    }
    assert.equal((await rejection(admin.describePartitions(uniqueName('it-missing')))).reason, 'topicNotFound');
  });

  it('creates a topic, refuses a duplicate, adds partitions and deletes it', async () => {
    const name = uniqueName('it-admin-create');
    extraTopics.push(name);
    await admin.createTopic({ name, partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } });
    assert.equal(
      (await rejection(admin.createTopic({ name, partitions: 1, replicationFactor: 1 }))).reason,
      'topicAlreadyExists',
    );
    assert.equal(
      (await rejection(admin.createTopic({ name: uniqueName('it-admin-rf'), partitions: 1, replicationFactor: 3 })))
        .reason,
      'invalidRequest',
    );
    await admin.addPartitions(name, 3);
    const grown = await waitFor('three partitions', 10_000, async () => {
      const partitions = await admin.describePartitions(name);
      return partitions.length === 3 ? partitions : undefined;
    });
    assert.deepEqual(
      grown.map((p) => [p.partition, p.high]),
      [
        [0, 0],
        [1, 0],
        [2, 0],
      ],
    );
    await admin.deleteTopic(name);
    await waitFor('the topic to disappear', 10_000, async () =>
      (await admin.listTopics({ glob: name })).length === 0 ? true : undefined,
    );
    assert.equal((await rejection(admin.deleteTopic(name))).reason, 'topicNotFound');
  });

  it('resets to an explicit offset, and reports committed, end and lag ("none" where nothing was committed)', async () => {
    await resetTo(
      { offset: 3 },
      {
        kind: 'partitions',
        partitions: [
          { topic, partition: 0 },
          { topic, partition: 1 },
        ],
      },
    );
    const rows = await admin.groupOffsets(group, [topic]);
    assert.deepEqual(
      rows.map((r) => [r.partition, r.committed, r.end, r.lag]),
      [
        [0, 3, 10, 7],
        [1, 3, 10, 7],
        [2, null, 10, null],
      ],
    );
    const discovered = await admin.groupOffsets(group);
    assert.deepEqual(
      discovered.map((r) => [r.topic, r.partition]),
      [
        [topic, 0],
        [topic, 1],
      ],
    );
  });

  it('lists and describes the (empty) group', async () => {
    const groups = await admin.listGroups();
    assert.ok(
      groups.some((g) => g.groupId === group),
      'the group is not listed',
    );
    const detail = await admin.describeGroup(group);
    assert.equal(detail.state, 'Empty');
    assert.deepEqual(detail.members, []);
  });

  it('previews a reset with current, next and delta, and changes nothing until applied', async () => {
    assert.equal(
      (await rejection(admin.planReset(group, { kind: 'topic', topic }, { shiftBy: -1 }))).reason,
      'invalidRequest',
      'shift without a committed offset on p2',
    );
    const groupPlan = await admin.planReset(group, { kind: 'group' }, { shiftBy: 2 });
    assert.deepEqual(
      groupPlan.rows.map((r) => [r.partition, r.current, r.next, r.delta]),
      [
        [0, 3, 5, 2],
        [1, 3, 5, 2],
      ],
    );
    assert.deepEqual(await committedOf(), [3, 3, -1]);
  }).timeout(30_000);

  it('resets to earliest, latest, a timestamp and explicit offsets, clamped to the watermarks', async () => {
    await resetTo('latest');
    assert.deepEqual(await committedOf(), [10, 10, 10]);
    await resetTo('earliest');
    assert.deepEqual(await committedOf(), [0, 0, 0]);
    await resetTo({ timestamp: BASE + 5000 });
    assert.deepEqual(await committedOf(), [5, 5, 5]);
    await resetTo({ timestamp: BASE + 60_000 });
    assert.deepEqual(await committedOf(), [10, 10, 10], 'a timestamp after every message means the end');
    await resetTo({ offset: 999 });
    assert.deepEqual(await committedOf(), [10, 10, 10]);
    await resetTo({ offset: 4 }, { kind: 'partitions', partitions: [{ topic, partition: 2 }] });
    assert.deepEqual(await committedOf(), [10, 10, 4]);
  });

  it('shifts by ±N, clamped to [low, high]', async () => {
    await resetTo({ offset: 5 });
    await resetTo({ shiftBy: -2 });
    assert.deepEqual(await committedOf(), [3, 3, 3]);
    await resetTo({ shiftBy: 4 }, { kind: 'group' });
    assert.deepEqual(await committedOf(), [7, 7, 7]);
    const plan = await admin.planReset(group, { kind: 'topic', topic }, { shiftBy: 100 });
    assert.deepEqual(
      plan.rows.map((r) => [r.next, r.delta]),
      [
        [10, 3],
        [10, 3],
        [10, 3],
      ],
    );
    await admin.applyReset(plan);
    await resetTo({ shiftBy: -100 });
    assert.deepEqual(await committedOf(), [0, 0, 0]);
  });

  it('refuses to reset a group with active members, naming what to do', async () => {
    const activeGroup = uniqueName('it-admin-active');
    const consumer = kafkaClient().consumer({
      kafkaJS: { groupId: activeGroup, fromBeginning: true, autoCommit: false },
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({ eachMessage: async () => undefined });
      const detail = await waitFor('the consumer to join', 20_000, async () => {
        const d = await admin.describeGroup(activeGroup).catch(() => undefined);
        return d && d.state === 'Stable' && d.members.length === 1 ? d : undefined;
      });
      assert.equal(detail.protocolType, 'consumer');
      assert.ok(detail.assignor, 'no assignor');
      assert.deepEqual(
        detail.members[0]?.assignments.map((a) => a.partition),
        [0, 1, 2],
      );
      const plan = await admin.planReset(activeGroup, { kind: 'topic', topic }, 'earliest');
      const error = await rejection(admin.applyReset(plan));
      assert.equal(error.reason, 'groupHasActiveMembers');
      assert.match(error.message, /stop every consumer of the group/);
      assert.equal((await rejection(admin.deleteGroup(activeGroup))).reason, 'groupHasActiveMembers');
    } finally {
      await consumer.disconnect();
      await admin.deleteGroup(activeGroup).catch(() => undefined);
    }
  });

  it('deletes a group', async () => {
    const doomed = uniqueName('it-admin-doomed');
    await admin.applyReset(await admin.planReset(doomed, { kind: 'topic', topic }, 'earliest'));
    await admin.deleteGroup(doomed);
    assert.ok(!(await admin.listGroups()).some((g) => g.groupId === doomed));
    assert.equal((await rejection(admin.describeGroup(doomed))).reason, 'groupNotFound');
    assert.equal((await rejection(admin.deleteGroup(doomed))).reason, 'groupNotFound');
  });

  it('works over SASL/SCRAM', async () => {
    const sasl = new KafkaAdmin(
      {
        bootstrapServers: services.kafka.saslPlaintext,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: services.users.scram,
      },
      { timeoutMs: 10_000 },
    );
    try {
      assert.deepEqual(
        (await sasl.listTopics({ glob: topic })).map((t) => t.name),
        [topic],
      );
      assert.equal((await sasl.describePartitions(topic)).length, PARTITIONS);
      assert.deepEqual(
        (await sasl.groupOffsets(group, [topic])).map((r) => r.committed),
        [0, 0, 0],
      );
    } finally {
      sasl.close();
    }
  });

  it('reports a wrong SCRAM password at once, typed, without the password', async () => {
    const wrong = `${services.users.scram.password}-wrong`;
    const bad = new KafkaAdmin(
      {
        bootstrapServers: services.kafka.saslPlaintext,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { ...services.users.scram, password: wrong },
      },
      { timeoutMs: 3_000 },
    );
    const started = Date.now();
    try {
      const error = await rejection(bad.listTopics());
      assert.equal(error.reason, 'authenticationFailed', error.message);
      assert.ok(!error.message.includes(wrong), 'the message contains the password');
    } finally {
      bad.close();
    }
    assert.ok(Date.now() - started < 2_500, `took ${Date.now() - started} ms, including close()`);
  });

  it('fails within its bound, typed, when no broker answers', async () => {
    const dead = new KafkaAdmin({ bootstrapServers: '127.0.0.1:1' }, { timeoutMs: 2_000 });
    const started = Date.now();
    try {
      const error = await rejection(dead.listTopics());
      assert.ok(['brokerUnreachable', 'timeout'].includes(error.reason), error.reason);
    } finally {
      dead.close();
    }
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms, including close()`);
  });
});
