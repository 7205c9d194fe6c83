// Exactly-once against private brokers (support/privateBroker.ts; the shared broker is never
// touched): a broker SIGKILLed and restarted under a running consume-transform-produce session
// (0 lost, 0 duplicates for a read_committed reader), a transaction held open past
// transaction.timeout.ms (the broker aborts it; the session stops saying so, committing nothing),
// and a cluster that cannot run transactions (the start fails saying which broker setting to fix).
//
// Slow (two private brokers start, one initTransactions times out: about 2 minutes on 2 cores), so
// not in the default integration layer (the file name does not end in .test.ts): `npm run test:eos`.
import { strict as assert } from 'node:assert';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { ConsumerSession } from '../../../src/core/engine/session';
import { TransactionError } from '../../../src/core/engine/transactionErrors';
import type { EngineError, TransactionEvent } from '../../../src/core/engine/types';
import { CommittedReader } from '../../support/committedReader';
import { kafkaClient } from '../../support/kafka';
import { uniqueName, waitFor } from '../../support/services';
import { readTopic } from '../../support/topicReader';
import { PrivateBroker, withTimeout } from './support/privateBroker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withBrokerAdmin<T>(bootstrap: string, fn: (admin: KafkaJS.Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient({ brokers: bootstrap }).admin();
  await withTimeout('the admin client to connect', 20_000, admin.connect());
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function createTopics(bootstrap: string, topics: readonly string[], partitions: number): Promise<void> {
  await withBrokerAdmin(bootstrap, (admin) =>
    withTimeout(
      `topics ${topics.join(', ')}`,
      30_000,
      admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        timeout: 15_000,
      }),
    ),
  );
}

/** Produces `count` records `{"seq": n}` (n from `from`), round robin over the partitions; acknowledged by all. */
async function produceSeqs(
  bootstrap: string,
  topic: string,
  partitions: number,
  from: number,
  count: number,
): Promise<void> {
  const producer = kafkaClient({ brokers: bootstrap }).producer();
  await withTimeout('the input producer to connect', 20_000, producer.connect());
  try {
    for (let start = from; start < from + count; start += 500) {
      const messages = [];
      for (let seq = start; seq < Math.min(from + count, start + 500); seq++)
        messages.push({ key: `k${seq}`, value: JSON.stringify({ seq }), partition: seq % partitions });
      await withTimeout('a produce batch', 30_000, producer.send({ topic, messages }));
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/**
 * The group's committed offsets, read without joining it (see CommittedReader). A young broker may
 * answer NOT_COORDINATOR while it loads the offsets topic: asked again, bounded.
 */
async function committed(bootstrap: string, groupId: string, topic: string, partitions: number): Promise<number[]> {
  const reader = await withTimeout('the committed-offset reader', 20_000, CommittedReader.open(bootstrap, groupId));
  try {
    let last: unknown;
    const offsets = await waitFor(`the committed offsets of ${groupId}`, 30_000, async () => {
      try {
        return await reader.read(topic, [...Array(partitions).keys()]);
      } catch (error) {
        last = error;
        return undefined;
      }
    }).catch((error: Error) => {
      throw new Error(`${error.message} (last: ${String(last)})`);
    });
    return [...Array(partitions).keys()].map((p) => offsets.get(p) ?? -1);
  } finally {
    await reader.close();
  }
}

/** Every seq in the output once? The counts a read_committed reader sees. */
function countSeqs(values: ReadonlyArray<Buffer | null>, total: number): { lost: number[]; duplicates: number } {
  const seen = new Map<number, number>();
  for (const v of values) {
    const seq = (JSON.parse(v?.toString() ?? '{}') as { seq?: number }).seq ?? -1;
    seen.set(seq, (seen.get(seq) ?? 0) + 1);
  }
  const lost: number[] = [];
  for (let s = 0; s < total; s++) if (!seen.has(s)) lost.push(s);
  let duplicates = 0;
  for (const n of seen.values()) duplicates += n - 1;
  return { lost, duplicates };
}

describe('exactly-once on a private broker: restarted mid-stream, and a transaction that times out', () => {
  // The broker aborts a timed-out transaction at its next check: every 500 ms here instead of 10 s.
  const broker = new PrivateBroker({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500 });
  const partitions = 3;
  let keepBrokerDir = false;
  const sessions: ConsumerSession[] = [];

  before(async function () {
    this.timeout(120_000);
    await broker.prepare();
    await broker.start(90_000);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') keepBrokerDir = true;
    await Promise.all(sessions.splice(0).map((s) => s.stop().catch(() => undefined)));
  });
  after(async () => {
    if (keepBrokerDir) console.log(`private broker kept in ${broker.dir}; its log ends with:\n${broker.tail()}`);
    await broker.destroy(keepBrokerDir);
  });

  it('a SIGKILL and restart of the broker mid-stream: every input once in read_committed, 0 lost, 0 duplicates', async function () {
    this.timeout(480_000);
    const input = uniqueName('it-eos-restart-in');
    const output = uniqueName('it-eos-restart-out');
    const groupId = uniqueName('it-eos-restart-group');
    await createTopics(broker.bootstrap, [input, output], partitions);
    const before = 3000;
    const after = 1500;
    const total = before + after;
    await produceSeqs(broker.bootstrap, input, partitions, 0, before);

    let handled = 0;
    const transactions: TransactionEvent[] = [];
    const errors: EngineError[] = [];
    const session = new ConsumerSession({
      connection: { bootstrapServers: broker.bootstrap, clientId: 'it-eos-restart' },
      groupId,
      topics: [input],
      autoOffsetReset: 'earliest',
      delivery: 'exactly-once',
      transactionalIdPrefix: uniqueName('it-eos-restart-txn'),
      commitPolicy: { kind: 'batch', maxMessages: 100, maxIntervalMs: 200 },
      consumerConfig: { 'reconnect.backoff.max.ms': 1000 },
      handler: async (m, context) => {
        // A few ms per message: the backlog takes seconds, so the broker dies mid-stream.
        await sleep(3);
        context.send?.({ topic: output, key: m.key, value: m.value });
        handled++;
      },
    });
    sessions.push(session);
    session.on('transaction', (e) => transactions.push(e));
    session.on('error', (e) => errors.push(e));
    await session.start();
    await waitFor('600 inputs handled and a transaction committed', 60_000, () =>
      handled >= 600 && transactions.some((t) => t.kind === 'commit') ? true : undefined,
    );
    assert.ok(handled < before, `the kill comes mid-stream (handled ${handled} of ${before})`);
    const handledAtKill = handled;
    await broker.kill('SIGKILL');
    // Down for a while: the open transaction cannot commit, the session keeps trying.
    await sleep(3000);
    await broker.start(90_000);
    const commitsAtRestart = transactions.filter((t) => t.kind === 'commit').length;
    await waitFor('a transaction committed on the restarted broker', 90_000, () =>
      transactions.filter((t) => t.kind === 'commit').length > commitsAtRestart ? true : undefined,
    );
    await produceSeqs(broker.bootstrap, input, partitions, before, after);
    const ends = await withBrokerAdmin(broker.bootstrap, (admin) => admin.fetchTopicOffsets(input));
    const expected = [...Array(partitions).keys()].map((p) => Number(ends.find((o) => o.partition === p)?.high));
    assert.equal(
      expected.reduce((a, b) => a + b, 0),
      total,
      'every input is on the topic',
    );
    await waitFor('the input offsets committed to the end of every partition', 120_000, async () => {
      if (session.state === 'stopped') throw new Error(`the session stopped: ${session.failure?.message}`);
      const offsets = await committed(broker.bootstrap, groupId, input, partitions).catch(() => undefined);
      return offsets && offsets.every((o, p) => o === expected[p]) ? true : undefined;
    });
    assert.equal(session.state, 'running', 'the session rode through the restart');
    await session.stop();

    const records = await readTopic(output, 'read_committed', 60_000, broker.bootstrap);
    const { lost, duplicates } = countSeqs(
      records.map((r) => r.value),
      total,
    );
    const uncommitted = await readTopic(output, 'read_uncommitted', 60_000, broker.bootstrap);
    const aborts = transactions.filter((t) => t.kind === 'abort');
    const summary = `handled ${handled} (${handledAtKill} at the kill), ${transactions.length - aborts.length} commits, ${aborts.length} aborts (${[...new Set(aborts.map((a) => a.detail))].join(', ')}), ${errors.length} engine errors; read_committed ${records.length} records, read_uncommitted ${uncommitted.length}`;
    console.log(`      broker restart, exactly-once: ${summary}`);
    assert.deepEqual(lost.slice(0, 10), [], `inputs lost (${lost.length}): ${summary}`);
    assert.equal(duplicates, 0, `duplicates in read_committed: ${summary}`);
    assert.equal(records.length, total, summary);
    assert.ok(handled >= total, 'every input was handled (some more than once, after the abort)');
  });

  it('a handler that holds the transaction open past transaction.timeout.ms: the broker aborts it, the session stops saying what to change, nothing is committed, and a new session delivers every input once', async function () {
    this.timeout(360_000);
    const input = uniqueName('it-eos-timeout-in');
    const output = uniqueName('it-eos-timeout-out');
    const groupId = uniqueName('it-eos-timeout-group');
    const transactionalIdPrefix = uniqueName('it-eos-timeout-txn');
    await createTopics(broker.bootstrap, [input, output], 1);
    const total = 20;
    await produceSeqs(broker.bootstrap, input, 1, 0, total);
    const transactionTimeoutMs = 2000;
    let released = false;
    let held = 0;
    const session = new ConsumerSession({
      connection: { bootstrapServers: broker.bootstrap, clientId: 'it-eos-timeout' },
      groupId,
      topics: [input],
      autoOffsetReset: 'earliest',
      delivery: 'exactly-once',
      transactionalIdPrefix,
      transactionTimeoutMs,
      // A batch of 10: the 5th message's handler holds the open transaction (4 outputs in it).
      commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 60_000 },
      handler: async (m, context) => {
        context.send?.({ topic: output, key: m.key, value: m.value });
        if (m.offset === 4 && !released) {
          held++;
          // Held until the broker has aborted the transaction (bounded by the waitFor below).
          await waitFor('the test to release the handler', 60_000, () => (released ? true : undefined));
        }
      },
    });
    sessions.push(session);
    const errors: EngineError[] = [];
    session.on('error', (e) => errors.push(e));
    await session.start();
    await waitFor('the handler holding message 4', 30_000, () => (held > 0 ? true : undefined));
    // The open transaction holds the first outputs, so the output's last stable offset stays 0;
    // once the broker aborts it (older than the timeout; its check runs every 500 ms) the abort
    // marker moves the last stable offset past them.
    const abortedAt = await withBrokerAdmin(broker.bootstrap, (admin) =>
      waitFor('the broker to abort the timed-out transaction', 60_000, async () => {
        const offsets = await admin
          .fetchTopicOffsets(output, { isolationLevel: 1 /* READ_COMMITTED */ })
          .catch(() => undefined);
        const lso = Number(offsets?.[0]?.high ?? 0);
        return lso > 0 ? lso : undefined;
      }),
    );
    assert.equal(session.state, 'running', 'the session does not know yet: the handler still holds message 4');
    assert.ok(abortedAt >= 5, `4 outputs and the abort marker (last stable offset ${abortedAt})`);
    released = true;
    await waitFor('the session to stop by itself', 60_000, () => (session.state === 'stopped' ? true : undefined));
    const failure = session.failure;
    assert.ok(failure instanceof TransactionError, `a typed TransactionError: ${String(failure)}`);
    console.log(`      the session says: ${failure.message}`);
    assert.equal(failure.reason, 'transactionTimeout', failure.message);
    assert.equal(failure.fatal, true);
    assert.match(failure.message, /longer than transaction\.timeout\.ms \(2000 ms\), and the broker aborted it/);
    assert.match(failure.message, /Commit more often .* or raise transactionTimeoutMs/);
    assert.deepEqual(await committed(broker.bootstrap, groupId, input, 1), [-1], 'no input offset was committed');
    assert.equal((await readTopic(output, 'read_committed', 30_000, broker.bootstrap)).length, 0);

    // Nothing was lost: a new session (a timeout it can meet) delivers every input once.
    const again = new ConsumerSession({
      connection: { bootstrapServers: broker.bootstrap, clientId: 'it-eos-timeout-again' },
      groupId,
      topics: [input],
      autoOffsetReset: 'earliest',
      delivery: 'exactly-once',
      transactionalIdPrefix,
      commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 100 },
      handler: (m, context) => context.send?.({ topic: output, key: m.key, value: m.value }),
    });
    sessions.push(again);
    await again.start();
    await waitFor('every input committed by the new session', 60_000, async () =>
      (await committed(broker.bootstrap, groupId, input, 1).catch(() => [-1]))[0] === total ? true : undefined,
    );
    await again.stop();
    const records = await readTopic(output, 'read_committed', 30_000, broker.bootstrap);
    const { lost, duplicates } = countSeqs(
      records.map((r) => r.value),
      total,
    );
    assert.deepEqual(lost, []);
    assert.equal(duplicates, 0);
  });
});

describe('exactly-once on a cluster that cannot run transactions', () => {
  // One broker, and a transaction state log that wants three replicas: no coordinator ever comes up.
  const broker = new PrivateBroker({
    'transaction.state.log.replication.factor': 3,
    'transaction.state.log.min.isr': 2,
  });
  let keepBrokerDir = false;

  before(async function () {
    this.timeout(120_000);
    await broker.prepare();
    await broker.start(90_000);
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') keepBrokerDir = true;
  });
  after(async () => {
    if (keepBrokerDir) console.log(`private broker kept in ${broker.dir}; its log ends with:\n${broker.tail()}`);
    await broker.destroy(keepBrokerDir);
  });

  it('the start fails with a typed error that says to fix transaction.state.log.replication.factor; the group is never joined', async function () {
    this.timeout(180_000);
    const input = uniqueName('it-eos-notxn-in');
    const groupId = uniqueName('it-eos-notxn-group');
    await createTopics(broker.bootstrap, [input], 1);
    await produceSeqs(broker.bootstrap, input, 1, 0, 5);
    let handled = 0;
    const session = new ConsumerSession({
      connection: { bootstrapServers: broker.bootstrap, clientId: 'it-eos-notxn' },
      groupId,
      topics: [input],
      autoOffsetReset: 'earliest',
      delivery: 'exactly-once',
      transactionalIdPrefix: uniqueName('it-eos-notxn-txn'),
      handler: () => {
        handled++;
      },
    });
    let failure: unknown;
    try {
      // initTransactions is bounded (3 × the broker call timeout); the test bound is above it.
      await withTimeout('the session start to fail', 90_000, session.start());
    } catch (error) {
      failure = error;
    } finally {
      await session.stop().catch(() => undefined);
    }
    assert.ok(failure instanceof TransactionError, `a typed TransactionError: ${String(failure)}`);
    console.log(`      the start says: ${failure.message}`);
    assert.equal(failure.reason, 'transactionsUnavailable', failure.message);
    assert.match(failure.message, /has no transaction coordinator/);
    assert.match(
      failure.message,
      /transaction\.state\.log\.replication\.factor and transaction\.state\.log\.min\.isr are at most the number of brokers/,
    );
    assert.match(failure.message, /or run the session at-least-once/);
    assert.equal(session.state, 'stopped');
    assert.equal(handled, 0, 'nothing was handled');
    assert.deepEqual(await committed(broker.bootstrap, groupId, input, 1), [-1], 'nothing was committed');
    const groups = await withBrokerAdmin(broker.bootstrap, (admin) => admin.listGroups());
    assert.ok(
      !groups.groups.some((g) => g.groupId === groupId),
      `the consumer never joined the group: ${JSON.stringify(groups.groups.map((g) => g.groupId))}`,
    );
  });
});
