import { strict as assert } from 'node:assert';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { redrive } from '../../../src/core/dlq/redrive';
import { DLQ_HEADERS, type DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { CommitEvent, DeadLetteredEvent, EngineError } from '../../../src/core/engine/types';
import { DeadLetterError, RetriableError } from '../../../src/core/errors';
import {
  committedOffsets,
  createTopic,
  deleteTopicsQuietly,
  kafkaClient,
  produceSequence,
  readAll,
} from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };

async function produceRaw(topic: string, messages: KafkaJS.Message[]): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

describe('retries and the dead-letter queue against the real broker', () => {
  const topics: string[] = [];
  after(async () => {
    await deleteTopicsQuietly(...topics);
  });

  async function newTopic(partitions: number, withDlq = true): Promise<string> {
    const topic = uniqueName('it-dlq');
    topics.push(topic);
    await createTopic(topic, partitions);
    if (withDlq) {
      topics.push(`${topic}.dead-letter`);
      await createTopic(`${topic}.dead-letter`, 1);
    }
    return topic;
  }

  it('poison messages go to the DLQ with the envelope; the source commits only after the DLQ ack, and the partition keeps flowing', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('it-dlq-group');
    const poisonBytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    await produceRaw(topic, [
      { key: 'k0', value: '{"n":0}' },
      { key: 'k1', value: '{"n":1' }, // invalid JSON
      { key: 'k2', value: '{"n":2}' },
      { key: 'k3', value: poisonBytes, headers: { origin: 'test' } }, // undecodable bytes
      { key: 'k4', value: '{"n":4}' },
    ]);
    const handled: number[] = [];
    const order: string[] = [];
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'perMessage' },
      handler: (m) => {
        const value = JSON.parse(m.value?.toString('utf8') ?? '') as { n: number };
        handled.push(value.n);
      },
    });
    session.on('deadLettered', (e: DeadLetteredEvent) => order.push(`dlq:${e.message.offset}`));
    session.on('committed', (e: CommitEvent) => order.push(...e.offsets.map((o) => `commit:${o.offset}`)));
    await session.start();
    try {
      await waitFor('all five messages settled', 30_000, async () =>
        (await committedOffsets(groupId, topic)).get(0) === 5 ? true : undefined,
      );
    } finally {
      await session.stop();
    }
    assert.deepEqual(handled, [0, 2, 4]);
    // Commit through a poison message (offset+1) only after its DLQ write was acknowledged.
    assert.ok(order.indexOf('dlq:1') >= 0 && order.indexOf('dlq:1') < order.indexOf('commit:2'), order.join(' '));
    assert.ok(order.indexOf('dlq:3') >= 0 && order.indexOf('dlq:3') < order.indexOf('commit:4'), order.join(' '));

    const dlq = await readAll(`${topic}.dead-letter`, 2);
    assert.equal(dlq.length, 2);
    const [first, second] = dlq.map((r) => ({
      ...r,
      envelope: JSON.parse(r.value?.toString() ?? '') as DeadLetterEnvelope,
    }));
    assert.equal(first.key, 'k1');
    assert.equal(first.envelope.original_topic, topic);
    assert.equal(first.envelope.original_partition, 0);
    assert.equal(first.envelope.original_offset, 1);
    assert.equal(first.envelope.error_type, 'SyntaxError');
    assert.equal(first.envelope.payload, '{"n":1');
    assert.equal(first.envelope.payload_encoding, 'utf8');
    assert.equal(first.envelope.retry_count, 1);
    assert.ok(!Number.isNaN(Date.parse(first.envelope.failed_at)));
    assert.equal(first.headers[DLQ_HEADERS.errorType], 'SyntaxError');
    assert.equal(second.key, 'k3');
    assert.equal(second.envelope.payload_encoding, 'base64');
    assert.deepEqual(Buffer.from(second.envelope.payload ?? '', 'base64'), poisonBytes);
    assert.equal(second.headers.origin, 'test', 'original headers are kept');
    assert.equal(second.headers[DLQ_HEADERS.originalOffset], '3');

    // Re-drive: back to the source with key, headers and payload; never twice unless asked.
    const result = await redrive({ connection, dlqTopic: `${topic}.dead-letter` });
    assert.deepEqual(
      result.redriven.map((r) => r.dlqOffset),
      [0, 1],
    );
    const again = await redrive({ connection, dlqTopic: `${topic}.dead-letter` });
    assert.equal(again.redriven.length, 0, 're-drove a message twice without being asked');
    const source = await readAll(topic, 7);
    const redriven = source.filter((r) => r.offset >= 5).sort((a, b) => a.offset - b.offset);
    assert.deepEqual(
      redriven.map((r) => r.key),
      ['k1', 'k3'],
    );
    assert.equal(redriven[0].value?.toString(), '{"n":1');
    assert.deepEqual(redriven[1].value, poisonBytes);
    assert.equal(redriven[1].headers.origin, 'test');
    assert.equal(redriven[1].headers[DLQ_HEADERS.errorType], undefined, 'DLQ headers are not re-driven');
    const asked = await redrive({
      connection,
      dlqTopic: `${topic}.dead-letter`,
      selection: [{ partition: 0, offset: 1 }],
    });
    assert.deepEqual(
      asked.redriven.map((r) => r.dlqOffset),
      [1],
      'an explicit request re-drives again',
    );
  });

  it('retries with backoff keep order within the partition, then succeed', async () => {
    const topic = await newTopic(1);
    await produceSequence(topic, 6, { keys: 1 });
    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-retry'),
      topics: [topic],
      retryPolicy: { baseMs: 200, capMs: 1000, jitter: 0, maxAttempts: 4 },
      handler: (m) => {
        const n = (attempts.get(m.offset) ?? 0) + 1;
        attempts.set(m.offset, n);
        if (m.offset === 2 && n < 3) throw new RetriableError(`transient failure ${n}`);
        handled.push(m.offset);
      },
    });
    await session.start();
    try {
      await waitFor('six handled messages', 20_000, () => (handled.length >= 6 ? true : undefined));
    } finally {
      await session.stop();
    }
    assert.deepEqual(handled, [0, 1, 2, 3, 4, 5]);
    assert.equal(attempts.get(2), 3);
  });

  it('a backoff longer than max.poll.interval.ms keeps the member in the group (the partition is paused, polling goes on)', async () => {
    const topic = await newTopic(1);
    await produceSequence(topic, 3, { keys: 1 });
    const handled: Array<{ offset: number; attempt: number }> = [];
    const rebalances: string[] = [];
    let failedOnce = false;
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-longbackoff'),
      topics: [topic],
      consumerConfig: { 'session.timeout.ms': 6000, 'max.poll.interval.ms': 6000, 'heartbeat.interval.ms': 1000 },
      retryPolicy: { baseMs: 9000, capMs: 9000, jitter: 0, maxAttempts: 2 },
      handler: (m, ctx) => {
        if (m.offset === 0 && !failedOnce) {
          failedOnce = true;
          throw new RetriableError('wait for it');
        }
        handled.push({ offset: m.offset, attempt: ctx.attempt });
      },
    });
    session.on('rebalance', (e) => rebalances.push(e.kind));
    await session.start();
    try {
      await waitFor('three handled messages', 30_000, () => (handled.length >= 3 ? true : undefined));
    } finally {
      await session.stop();
    }
    assert.deepEqual(handled, [
      { offset: 0, attempt: 2 },
      { offset: 1, attempt: 1 },
      { offset: 2, attempt: 1 },
    ]);
    // Only the initial assignment (and the final revoke at stop): no revoke or loss during the 9 s backoff.
    assert.equal(rebalances.filter((k) => k === 'lost').length, 0, rebalances.join(','));
    assert.deepEqual(rebalances.slice(0, 1), ['assign']);
    assert.ok(rebalances.filter((k) => k === 'revoke').length <= 1, rebalances.join(','));
  });

  it('a DLQ write that fails (topic missing, auto-create off) commits nothing past the message, reports it, and resumes once the topic exists', async () => {
    const topic = await newTopic(1, false);
    const groupId = uniqueName('it-dlq-missing');
    await produceRaw(topic, [{ value: '{"n":0}' }, { value: 'not json' }, { value: '{"n":2}' }]);
    const errors: EngineError[] = [];
    const handled: number[] = [];
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'perMessage' },
      deadLetter: { retryIntervalMs: 500, writeTimeoutMs: 5000 },
      handler: (m) => void handled.push((JSON.parse(m.value?.toString() ?? '') as { n: number }).n),
    });
    session.on('error', (e) => errors.push(e));
    await session.start();
    try {
      await waitFor('the DLQ failure to be reported', 20_000, () =>
        errors.some((e) => e.error instanceof DeadLetterError) ? true : undefined,
      );
      const error = errors.find((e) => e.error instanceof DeadLetterError)?.error as DeadLetterError;
      assert.equal(error.reason, 'dlqTopicMissing');
      assert.match(error.message, new RegExp(`${topic}\\.dead-letter does not exist`));
      assert.match(error.message, /Create it/);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(
        (await committedOffsets(groupId, topic)).get(0),
        1,
        'committed past a message whose DLQ write failed',
      );
      assert.deepEqual(handled, [0], 'the partition must stay paused behind the blocked message');
      const snapshot = session.snapshot();
      assert.match(snapshot.members[0].partitions[0].blockedReason ?? '', /does not exist/);

      topics.push(`${topic}.dead-letter`);
      await createTopic(`${topic}.dead-letter`, 1);
      await waitFor('the partition to resume after the DLQ topic appeared', 30_000, async () =>
        (await committedOffsets(groupId, topic)).get(0) === 3 ? true : undefined,
      );
      assert.deepEqual(handled, [0, 2]);
    } finally {
      await session.stop();
    }
    const dlq = await readAll(`${topic}.dead-letter`, 1);
    assert.equal((JSON.parse(dlq[0].value?.toString() ?? '') as DeadLetterEnvelope).original_offset, 1);
  });
});
