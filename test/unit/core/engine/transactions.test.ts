import { strict as assert } from 'node:assert';
import type { TopicPartitionOffset } from '../../../../src/core/kafka/record';
import type { TransactionalProducerPort } from '../../../../src/core/engine/outputProducer';
import type { EncodedOutput } from '../../../../src/core/engine/outputs';
import { ConsumerSession } from '../../../../src/core/engine/session';
import { TransactionError, classifyTransactionError } from '../../../../src/core/engine/transactionErrors';
import type { ConsumerFactory } from '../../../../src/core/engine/consumerPort';
import type { SessionConfig, TransactionEvent } from '../../../../src/core/engine/types';
import { NonRetriableError, RetriableError } from '../../../../src/core/errors';
import { FakeCluster, type FakeConsumer } from './support/fakeCluster';
import { FakeDeadLetters } from './support/fakeDeadLetters';
import { GROUP, TOPIC, waitFor } from './support/harness';

/** A transactional producer over the fake cluster: outputs and offsets apply together on commit, vanish on abort. */
class FakeTransactionalProducer implements TransactionalProducerPort {
  pending: EncodedOutput[] = [];
  pendingOffsets: { offsets: readonly TopicPartitionOffset[]; consumer: FakeConsumer } | undefined;
  readonly committed: EncodedOutput[] = [];
  readonly aborted: EncodedOutput[] = [];
  inTransaction = false;
  failCommitWith: unknown = undefined;
  failInitWith: unknown = undefined;
  readonly operations: string[] = [];

  constructor(readonly transactionalId: string) {}

  async init(): Promise<void> {
    this.operations.push('init');
    if (this.failInitWith) throw this.failInitWith;
  }
  async begin(): Promise<void> {
    assert.equal(this.inTransaction, false, 'begin while a transaction is open');
    this.inTransaction = true;
    this.operations.push('begin');
  }
  produce(output: EncodedOutput): void {
    assert.ok(this.inTransaction, 'produce outside a transaction');
    this.pending.push(output);
  }
  async sendOffsets(offsets: readonly TopicPartitionOffset[], consumer: unknown): Promise<void> {
    assert.ok(this.inTransaction, 'sendOffsets outside a transaction');
    this.pendingOffsets = { offsets, consumer: consumer as FakeConsumer };
  }
  async commit(): Promise<void> {
    this.operations.push('commit');
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (this.failCommitWith) throw this.failCommitWith;
    this.committed.push(...this.pending);
    if (this.pendingOffsets) this.pendingOffsets.consumer.commitSync(this.pendingOffsets.offsets);
    this.pending = [];
    this.pendingOffsets = undefined;
    this.inTransaction = false;
  }
  async abort(): Promise<void> {
    this.operations.push('abort');
    this.aborted.push(...this.pending);
    this.pending = [];
    this.pendingOffsets = undefined;
    this.inTransaction = false;
  }
  async topicExists(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {
    this.operations.push('close');
  }
}

const seqOf = (o: EncodedOutput): number => Number(o.value?.toString());

function eosRig(config: Partial<SessionConfig>, failCommitWith?: unknown, cluster = new FakeCluster()) {
  const producers: FakeTransactionalProducer[] = [];
  // The fake consumer is its own "native handle": the fake producer commits offsets through it.
  const consumers: ConsumerFactory = (settings, listeners) => {
    const consumer = cluster.factory(settings, listeners) as FakeConsumer & { nativeHandle?: () => unknown };
    consumer.nativeHandle = () => consumer;
    return consumer;
  };
  const session = new ConsumerSession(
    {
      connection: { bootstrapServers: 'fake:9092' },
      groupId: GROUP,
      topics: [TOPIC],
      delivery: 'exactly-once',
      retryPolicy: { baseMs: 5, capMs: 20, jitter: 0, maxAttempts: 3 },
      ...config,
    },
    {
      consumers,
      deadLetters: () => new FakeDeadLetters(),
      transactionalProducers: (settings) => {
        const p = new FakeTransactionalProducer(settings.transactionalId);
        p.failCommitWith = failCommitWith;
        producers.push(p);
        return p;
      },
    },
  );
  const transactions: TransactionEvent[] = [];
  session.on('transaction', (e) => transactions.push(e));
  return { cluster, session, producers, transactions };
}

describe('exactly-once transactions (fake cluster, fake transactional producer)', () => {
  it('outputs and offsets commit together in batches of N; each input yields its output once', async () => {
    const r = eosRig({
      commitPolicy: { kind: 'batch', maxMessages: 20, maxIntervalMs: 50 },
      handler: (m) => [{ topic: 'out', value: String(m.partition * 1000 + m.offset) }],
    });
    r.cluster.fill(TOPIC, 3, 50);
    await r.session.start();
    await waitFor('all committed', () => [0, 1, 2].every((p) => r.cluster.committed(GROUP, TOPIC, p) === 50), 5_000);
    await r.session.stop();
    const [producer] = r.producers;
    assert.equal(producer.transactionalId, `kafka-lab-${GROUP}-1`, 'the default prefix is derived from the group');
    assert.equal(producer.committed.length, 150);
    assert.equal(new Set(producer.committed.map(seqOf)).size, 150);
    assert.equal(producer.aborted.length, 0);
    const commits = r.transactions.filter((t) => t.kind === 'commit');
    assert.ok(commits.length >= 8, `${commits.length} transactions`);
    assert.ok(
      commits.every((t) => t.outputs <= 20),
      `no transaction holds more than the batch: ${commits.map((t) => t.outputs).join(',')}`,
    );
  });

  it('a handler failure aborts: the outputs before it are never committed, the messages come again, and the failed one is dead-lettered inside the next transaction', async () => {
    const calls = new Map<number, number>();
    const r = eosRig({
      commitPolicy: { kind: 'batch', maxMessages: 1000, maxIntervalMs: 60_000 },
      handler: (m) => {
        calls.set(m.offset, (calls.get(m.offset) ?? 0) + 1);
        if (m.offset === 5) throw new NonRetriableError('poison');
        return [{ topic: 'out', value: String(m.offset) }];
      },
    });
    r.cluster.fill(TOPIC, 1, 10);
    await r.session.start();
    await waitFor(
      'all handled again',
      () => (calls.get(9) ?? 0) >= 1 && r.transactions.some((t) => t.kind === 'abort'),
    );
    await r.session.stop();
    const [producer] = r.producers;
    assert.deepEqual(producer.aborted.map(seqOf), [0, 1, 2, 3, 4]);
    const out = producer.committed.filter((o) => o.topic === 'out').map(seqOf);
    assert.deepEqual(out, [0, 1, 2, 3, 4, 6, 7, 8, 9]);
    const dead = producer.committed.filter((o) => o.topic === `${TOPIC}.dead-letter`);
    assert.equal(dead.length, 1, 'the dead letter is an output of the transaction');
    assert.equal((JSON.parse(dead[0].value?.toString() ?? '{}') as { original_offset: number }).original_offset, 5);
    assert.deepEqual(
      [...calls],
      [
        [0, 2],
        [1, 2],
        [2, 2],
        [3, 2],
        [4, 2],
        [5, 1],
        [6, 1],
        [7, 1],
        [8, 1],
        [9, 1],
      ],
    );
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), 10);
  });

  it('a retriable failure with nothing in the transaction is retried in place, without an abort', async () => {
    const r = eosRig({
      commitPolicy: { kind: 'perMessage' },
      handler: (m, context) => {
        if (m.offset === 0 && context.attempt === 1) throw new RetriableError('later');
        context.send?.({ topic: 'out', value: String(m.offset) });
      },
    });
    r.cluster.fill(TOPIC, 1, 3);
    await r.session.start();
    await waitFor('all committed', () => r.cluster.committed(GROUP, TOPIC, 0) === 3, 3_000);
    await r.session.stop();
    assert.equal(r.transactions.filter((t) => t.kind === 'abort').length, 0);
    assert.deepEqual(r.producers[0].committed.map(seqOf), [0, 1, 2]);
  });

  it('a fenced producer stops the session with a TransactionError that says what to change', async () => {
    const r = eosRig(
      {
        commitPolicy: { kind: 'batch', maxMessages: 5, maxIntervalMs: 60_000 },
        handler: (m) => [{ topic: 'out', value: String(m.offset) }],
      },
      { code: 90, isFatal: true, message: 'Broker: Producer fenced' },
    );
    r.cluster.fill(TOPIC, 1, 20);
    r.session.on('error', () => undefined);
    await r.session.start();
    await waitFor('the session stopped', () => r.session.state === 'stopped', 3_000);
    const failure = r.session.failure;
    assert.ok(failure instanceof TransactionError);
    assert.equal(failure.reason, 'producerFenced');
    assert.equal(failure.fatal, true);
    assert.match(failure.message, /transactionalIdPrefix/);
    assert.equal(r.cluster.committed(GROUP, TOPIC, 0), undefined, 'nothing committed');
    assert.equal(r.producers[0].committed.length, 0);
  });

  it('a cluster without transactions fails the start with the broker settings to check', async () => {
    const r = eosRig({ handler: () => undefined });
    const cluster = r.cluster;
    cluster.fill(TOPIC, 1, 1);
    const session = new ConsumerSession(
      {
        connection: { bootstrapServers: 'fake:9092' },
        groupId: GROUP,
        topics: [TOPIC],
        delivery: 'exactly-once',
        handler: () => undefined,
      },
      {
        consumers: cluster.factory,
        deadLetters: () => new FakeDeadLetters(),
        transactionalProducers: (settings) => {
          const p = new FakeTransactionalProducer(settings.transactionalId);
          p.failInitWith = { code: -185, message: 'Local: Timed out' };
          return p;
        },
      },
    );
    await assert.rejects(
      session.start(),
      (error: unknown) =>
        error instanceof TransactionError &&
        error.reason === 'transactionsUnavailable' &&
        /transaction\.state\.log\.replication\.factor/.test(error.message),
    );
  });

  it('lost partitions abort the open transaction: none of their outputs or offsets commit', async () => {
    const handled: number[] = [];
    const r = eosRig({
      commitPolicy: { kind: 'batch', maxMessages: 1_000, maxIntervalMs: 60_000 },
      handler: (m) => {
        handled.push(m.offset);
        return [{ topic: 'out', value: String(m.partition * 1000 + m.offset) }];
      },
    });
    r.cluster.fill(TOPIC, 2, 5);
    await r.session.start();
    await waitFor('10 handled', () => handled.length === 10);
    await r.cluster.lose(r.cluster.consumers[0]);
    await waitFor('the abort', () => r.transactions.some((t) => t.kind === 'abort'));
    const abort = r.transactions.find((t) => t.kind === 'abort');
    assert.equal(abort?.detail, 'partitions lost');
    assert.equal(abort?.outputs, 10);
    await r.session.stop();
    const [producer] = r.producers;
    assert.equal(producer.aborted.length, 10, 'the outputs of the lost partitions were aborted');
    assert.equal(producer.committed.length, 0, 'and never committed');
    assert.deepEqual(r.cluster.commits, [], 'nor their offsets');
  });

  it('stepping: each decided message joins the open transaction with its outputs, and Commit commits it', async () => {
    const r = eosRig({ mode: 'stepping', commitPolicy: { kind: 'batch', maxMessages: 1_000, maxIntervalMs: 60_000 } });
    r.cluster.fill(TOPIC, 1, 4);
    await r.session.start();
    for (let i = 0; i < 3; i++) {
      const m = await r.session.nextAwaiting(2_000);
      await r.session.decide(m.id, { kind: 'ack', outputs: [{ topic: 'out', value: String(m.offset) }] });
    }
    const [producer] = r.producers;
    assert.equal(producer.pending.length, 3, 'three outputs in the open transaction');
    assert.equal(producer.committed.length, 0, 'nothing committed before Commit');
    assert.equal(r.session.snapshot().members[0].transaction?.messages, 3);
    const last = await r.session.nextAwaiting(2_000);
    await r.session.decide(last.id, { kind: 'commitNow', outputs: [{ topic: 'out', value: String(last.offset) }] });
    await waitFor('the transaction committed', () => r.cluster.committed(GROUP, TOPIC, 0) === 4);
    assert.deepEqual(producer.committed.map(seqOf), [0, 1, 2, 3]);
    await assert.rejects(
      (async () => {
        const none = await r.session.nextAwaiting(200).catch(() => undefined);
        if (!none) throw new Error('no more messages');
      })(),
      /no more messages/,
    );
    await r.session.stop();
  });

  it('classifies transaction errors by code and age, never by text', () => {
    const facts = { transactionalId: 'tx-1', operation: 'commitTransaction', transactionTimeoutMs: 60_000 };
    assert.equal(classifyTransactionError({ code: 90 }, facts).reason, 'producerFenced');
    assert.equal(classifyTransactionError({ code: -144 }, facts).reason, 'producerFenced');
    assert.equal(classifyTransactionError({ code: 47 }, facts).reason, 'invalidProducerEpoch');
    assert.equal(classifyTransactionError({ code: 47 }, { ...facts, openForMs: 61_000 }).reason, 'transactionTimeout');
    assert.equal(classifyTransactionError({ code: 90 }, { ...facts, openForMs: 75_000 }).reason, 'transactionTimeout');
    assert.equal(
      classifyTransactionError({ code: 53 }, { ...facts, operation: 'initTransactions' }).reason,
      'transactionsUnavailable',
    );
    const abortable = classifyTransactionError({ code: 27, isTxnRequiresAbort: true, message: 'rebalance' }, facts);
    assert.equal(abortable.reason, 'abortable');
    assert.equal(abortable.fatal, false);
    assert.equal(classifyTransactionError({ code: 1, isFatal: true }, facts).fatal, true);
  });

  it('refuses settings exactly-once cannot keep', () => {
    const base: SessionConfig = {
      connection: { bootstrapServers: '127.0.0.1:1' },
      groupId: 'g',
      topics: ['t'],
      delivery: 'exactly-once',
    };
    assert.throws(() => new ConsumerSession({ ...base, partitionConcurrency: 4 }), /partitionConcurrency 1/);
    assert.throws(() => new ConsumerSession({ ...base, isolationLevel: 'read_uncommitted' }), /read_committed/);
    assert.throws(() => new ConsumerSession({ ...base, transactionTimeoutMs: 10 }), /transactionTimeoutMs/);
    assert.throws(
      () => new ConsumerSession({ ...base, delivery: 'twice' as never }),
      /delivery must be "at-least-once" or "exactly-once"/,
    );
    const session = new ConsumerSession(base);
    assert.deepEqual(session.snapshot().commitPolicy, { kind: 'batch', maxMessages: 500, maxIntervalMs: 100 });
  });
});
