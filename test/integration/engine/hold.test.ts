import { strict as assert } from 'node:assert';
import { HoldMessage } from '../../../src/core/engine/hold';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { ConsumedMessage, RebalanceEvent } from '../../../src/core/engine/types';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };

describe('holding a message and changing members live, against the real broker', () => {
  const topics: string[] = [];
  after(async () => {
    await deleteTopicsQuietly(...topics);
  });

  async function newTopic(partitions: number, count: number, options: { keys?: number } = {}): Promise<string> {
    const topic = uniqueName('it-hold');
    topics.push(topic);
    await createTopic(topic, partitions);
    if (count) await produceSequence(topic, count, options);
    return topic;
  }

  it('a handler that holds a message stops the session on exactly that message, unprocessed and uncommitted', async () => {
    const topic = await newTopic(1, 50);
    const groupId = uniqueName('it-hold-group');
    const handled: number[] = [];
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      mode: 'running',
      commitPolicy: { kind: 'perMessage' },
      handler: (m) => {
        if (m.offset === 20) throw new HoldMessage('offset 20 reached');
        handled.push(m.offset);
      },
    });
    const held: string[] = [];
    session.on('held', (m, why) => held.push(`${m.offset}: ${why}`));
    await session.start();
    try {
      const message = await session.nextAwaiting(20_000);
      assert.equal(message.offset, 20);
      assert.equal(message.attempts, 0, 'a hold before the handler is not an attempt');
      assert.equal(session.mode, 'stepping');
      assert.deepEqual(held, ['20: offset 20 reached']);
      assert.deepEqual(
        handled,
        Array.from({ length: 20 }, (_, i) => i),
      );
      await waitFor('commit through offset 19', 10_000, async () =>
        (await committedOffsets(groupId, topic)).get(0) === 20 ? true : undefined,
      );
      await session.decide(message.id, { kind: 'skip' });
      const next = await session.nextAwaiting(10_000);
      assert.equal(next.offset, 21);
    } finally {
      await session.stop();
    }
    assert.equal((await committedOffsets(groupId, topic)).get(0), 20, 'the skipped, held message was committed past');
  });

  it('a hold after a failing handler counts the attempt and keeps the error for the dead-letter decision', async () => {
    const topic = await newTopic(2, 20);
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-hold-group'),
      topics: [topic],
      mode: 'running',
      handler: (m) => {
        if (m.partition === 1 && m.offset === 3) {
          const failure = new Error('boom on p1@3');
          throw new HoldMessage(`handler error: ${failure.message}`, true, { cause: failure });
        }
      },
    });
    await session.start();
    try {
      const message = await session.nextAwaiting(20_000);
      assert.deepEqual([message.partition, message.offset, message.attempts], [1, 3, 1]);
      const dead = new Promise<string>((resolve) =>
        session.once('deadLettered', (e) => resolve(e.envelope.error_message)),
      );
      await createTopic(`${topic}.dead-letter`, 1);
      topics.push(`${topic}.dead-letter`);
      await session.decide(message.id, { kind: 'deadLetter' });
      assert.equal(await dead, 'boom on p1@3');
    } finally {
      await session.stop();
    }
  });

  it('adds and removes members live: the group rebalances and no message is lost or repeated', async () => {
    const topic = await newTopic(4, 0);
    const seen = new Map<string, ConsumedMessage>();
    const rebalances: RebalanceEvent[] = [];
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-hold-members'),
      topics: [topic],
      mode: 'running',
      assignmentStrategy: 'cooperative-sticky',
      handler: (m) => {
        assert.ok(!seen.has(`${m.partition}/${m.offset}`), `repeated ${m.partition}@${m.offset}`);
        seen.set(`${m.partition}/${m.offset}`, m);
      },
    });
    session.on('rebalance', (e) => rebalances.push(e));
    await session.start();
    try {
      const owners = () => new Map(session.snapshot().members.map((m) => [m.id, m.partitions.length]));
      await waitFor('4 partitions on member 1', 20_000, () =>
        owners().get(session.memberIds[0]) === 4 ? true : undefined,
      );
      const added = await session.addMember();
      await waitFor('2 + 2 assignment', 30_000, () => ([...owners().values()].join(',') === '2,2' ? true : undefined));
      await produceSequence(topic, 200);
      await waitFor('200 messages', 20_000, () => (seen.size >= 200 ? true : undefined));
      assert.equal(await session.removeMember(), added);
      assert.deepEqual(session.memberIds, [session.memberIds[0]]);
      await waitFor('all 4 partitions back on member 1', 30_000, () =>
        owners().get(session.memberIds[0]) === 4 ? true : undefined,
      );
      await produceSequence(topic, 200, { start: 200 });
      await waitFor('400 messages', 20_000, () => (seen.size >= 400 ? true : undefined));
      await assert.rejects(session.removeMember(), /at least one member/);
    } finally {
      await session.stop();
    }
    assert.equal(seen.size, 400);
    assert.ok(
      rebalances.some((e) => e.memberId === session.memberIds[0] && e.kind === 'revoke'),
      'member 1 gave partitions away',
    );
  });

  it('a session stopped while its members still connect never joins the group, and every stop waits for the same end', async () => {
    const { KafkaAdmin } = await import('../../../src/core/kafka/admin');
    const topic = await newTopic(2, 10);
    const groupId = uniqueName('it-hold-early-stop');
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      members: 2,
      mode: 'running',
      handler: () => undefined,
    });
    const started = session.start().then(
      () => 'started',
      (error: Error) => error.message,
    );
    const first = session.stop();
    const second = session.stop();
    assert.equal(first, second, 'a second stop is not the same stop');
    await first;
    assert.equal(session.state, 'stopped');
    assert.match(await started, /stopped while/);
    assert.equal(session.state, 'stopped', 'start brought a stopped session back');
    const admin = new KafkaAdmin(connection);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const members = await admin.describeGroup(groupId).then(
        (d) => d.members.length,
        () => 0,
      );
      assert.equal(members, 0, 'a member joined the group after the stop');
    } finally {
      admin.close();
    }
  });
});
