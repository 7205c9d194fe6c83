// Handler outputs and exactly-once sessions against the real broker: outputs acknowledged before the
// input commits (at-least-once), outputs and offsets in one transaction (exactly-once), an abort
// that hides the records before a failure from read_committed readers, and producer fencing.
import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import { TransactionError } from '../../../src/core/engine/transactionErrors';
import type { CommitEvent, TransactionEvent } from '../../../src/core/engine/types';
import { NonRetriableError } from '../../../src/core/errors';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { readTopic, type ReadRecord } from '../../support/topicReader';

const connection = { bootstrapServers: services.kafka.plaintext };

const seqOf = (r: ReadRecord): number => (JSON.parse(r.value?.toString() ?? '{}') as { seq: number }).seq;

/** How often each seq occurs among the records. */
function counts(records: readonly ReadRecord[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of records) out.set(seqOf(r), (out.get(seqOf(r)) ?? 0) + 1);
  return out;
}

class PoisonOrder extends NonRetriableError {}

describe('handler outputs and exactly-once sessions against the real broker', () => {
  const topics: string[] = [];
  const groups: string[] = [];
  const sessions: ConsumerSession[] = [];

  after(async function () {
    this.timeout(60_000);
    await Promise.all(sessions.map((s) => s.stop().catch(() => undefined)));
    await deleteTopicsQuietly(...topics);
    await withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
  });

  async function newTopic(prefix: string, partitions: number): Promise<string> {
    const topic = uniqueName(prefix);
    topics.push(topic);
    await createTopic(topic, partitions);
    return topic;
  }

  function newGroup(): string {
    const group = uniqueName('it-eos-group');
    groups.push(group);
    return group;
  }

  function track(session: ConsumerSession): ConsumerSession {
    sessions.push(session);
    return session;
  }

  async function ends(topic: string): Promise<Map<number, number>> {
    const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  }

  it('at-least-once: outputs from context.send and from the return value are acknowledged before their input commits', async function () {
    this.timeout(90_000);
    const input = await newTopic('it-out-in', 3);
    const output = await newTopic('it-out-out', 2);
    const groupId = newGroup();
    const total = 600;
    await produceSequence(input, total);
    let acknowledgedBeforeCommit = true;
    const handled = new Set<string>();
    const session = track(
      new ConsumerSession({
        connection,
        groupId,
        topics: [input],
        commitPolicy: { kind: 'batch', maxMessages: 50, maxIntervalMs: 200 },
        handler: (m, context) => {
          const seq = (JSON.parse(m.value?.toString() ?? '{}') as { seq: number }).seq;
          context.send?.({
            topic: output,
            key: m.key,
            value: { seq, via: 'send' },
            headers: { from: `${m.partition}:${m.offset}` },
          });
          handled.add(`${m.partition}:${m.offset}`);
          return [{ topic: output, key: m.key, value: JSON.stringify({ seq, via: 'return' }) }];
        },
      }),
    );
    const commits: CommitEvent[] = [];
    session.on('committed', (e) => commits.push(e));
    await session.start();
    const expectedEnds = await ends(input);
    await waitFor('every input committed', 60_000, async () => {
      const committed = await committedOffsets(groupId, input);
      return [...expectedEnds].every(([p, end]) => committed.get(p) === end) ? true : undefined;
    });
    // What the group committed is covered by outputs the broker already holds.
    const committed = await committedOffsets(groupId, input);
    const outputs = await readTopic(output, 'read_committed');
    const covered = new Set(
      outputs
        .filter((r) => seqOf(r) >= 0)
        .map((r) => r.headers.from)
        .filter(Boolean),
    );
    for (const [p, offset] of committed)
      for (let o = 0; o < offset; o++) if (!covered.has(`${p}:${o}`)) acknowledgedBeforeCommit = false;
    await session.stop();
    assert.ok(acknowledgedBeforeCommit, 'every committed input has its outputs on the output topic');
    assert.equal(handled.size, total);
    assert.equal(outputs.length, 2 * total, 'two outputs per input (no redelivery in a clean run)');
    const byVia = new Map<string, number>();
    for (const r of outputs) {
      const v = JSON.parse(r.value?.toString() ?? '{}') as { via: string };
      byVia.set(v.via, (byVia.get(v.via) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(byVia), { send: total, return: total });
    const c = counts(outputs);
    for (let seq = 0; seq < total; seq++) assert.equal(c.get(seq), 2, `seq ${seq} has its two outputs`);
    assert.ok(commits.some((e) => !e.error && e.offsets.length > 0));
  });

  it('exactly-once: each input yields its output once in read_committed, and the offsets commit in the same transactions', async function () {
    this.timeout(90_000);
    const input = await newTopic('it-eos-in', 3);
    const output = await newTopic('it-eos-out', 3);
    const groupId = newGroup();
    const total = 3000;
    await produceSequence(input, total);
    const session = track(
      new ConsumerSession({
        connection,
        groupId,
        topics: [input],
        delivery: 'exactly-once',
        transactionalIdPrefix: uniqueName('it-eos-txn'),
        commitPolicy: { kind: 'batch', maxMessages: 500, maxIntervalMs: 100 },
        handler: (m) => [
          { topic: output, key: m.key, value: m.value, headers: { from: `${m.partition}:${m.offset}` } },
        ],
      }),
    );
    const transactions: TransactionEvent[] = [];
    session.on('transaction', (e) => transactions.push(e));
    await session.start();
    const snapshot = session.snapshot();
    assert.equal(snapshot.delivery, 'exactly-once');
    assert.match(snapshot.members[0].transaction?.transactionalId ?? '', /^it-eos-txn-.*-1$/);
    const expectedEnds = await ends(input);
    await waitFor('every input committed by a transaction', 60_000, async () => {
      const committed = await committedOffsets(groupId, input);
      return [...expectedEnds].every(([p, end]) => committed.get(p) === end) ? true : undefined;
    });
    await session.stop();
    const committedRead = await readTopic(output, 'read_committed');
    const c = counts(committedRead);
    assert.equal(c.size, total, 'every input has an output');
    assert.ok(
      [...c.values()].every((n) => n === 1),
      'no input has two outputs',
    );
    assert.equal(committedRead.length, total);
    const commitsSeen = transactions.filter((t) => t.kind === 'commit');
    assert.ok(commitsSeen.length >= Math.ceil(total / 500), `${commitsSeen.length} transactions committed`);
    assert.equal(
      commitsSeen.reduce((n, t) => n + t.outputs, 0),
      total,
      'the committed transactions hold every output once',
    );
    assert.equal(transactions.filter((t) => t.kind === 'abort').length, 0);
  });

  it('exactly-once: a handler failure aborts, the outputs before it vanish for read_committed readers, and the failed input is dead-lettered in the next transaction', async function () {
    this.timeout(90_000);
    const input = await newTopic('it-eos-fail-in', 1);
    const output = await newTopic('it-eos-fail-out', 1);
    const dlq = `${input}.dead-letter`;
    topics.push(dlq);
    await createTopic(dlq, 1);
    const groupId = newGroup();
    const total = 20;
    const poison = 10;
    await produceSequence(input, total);
    const calls = new Map<number, number>();
    const session = track(
      new ConsumerSession({
        connection,
        groupId,
        topics: [input],
        delivery: 'exactly-once',
        transactionalIdPrefix: uniqueName('it-eos-fail-txn'),
        // One transaction for everything, unless something aborts it.
        commitPolicy: { kind: 'batch', maxMessages: 10_000, maxIntervalMs: 60_000 },
        handler: (m) => {
          const seq = (JSON.parse(m.value?.toString() ?? '{}') as { seq: number }).seq;
          calls.set(seq, (calls.get(seq) ?? 0) + 1);
          if (seq === poison) throw new PoisonOrder(`order ${seq} has no customer`);
          return [{ topic: output, value: m.value }];
        },
      }),
    );
    const transactions: TransactionEvent[] = [];
    session.on('transaction', (e) => transactions.push(e));
    const deadLettered: number[] = [];
    session.on('deadLettered', (e) => deadLettered.push(e.message.offset));
    await session.start();
    await waitFor('the abort and every message handled again', 60_000, () =>
      transactions.some((t) => t.kind === 'abort') && deadLettered.length === 1 && (calls.get(total - 1) ?? 0) >= 1
        ? true
        : undefined,
    );
    // Before any commit: the aborted outputs are on the log, and read_committed shows none of them.
    const uncommitted = await readTopic(output, 'read_uncommitted');
    assert.ok(
      uncommitted.filter((r) => seqOf(r) < poison).length >= poison,
      'the outputs written before the failure reached the log',
    );
    await session.stop();
    const abort = transactions.find((t) => t.kind === 'abort');
    assert.ok(abort, 'the transaction aborted');
    assert.equal(abort.outputs, poison, `the aborted transaction held the ${poison} outputs before the failure`);
    const committed = await readTopic(output, 'read_committed');
    const c = counts(committed);
    for (let seq = 0; seq < total; seq++)
      assert.equal(
        c.get(seq) ?? 0,
        seq === poison ? 0 : 1,
        `seq ${seq} appears ${c.get(seq) ?? 0} times in read_committed`,
      );
    for (let seq = 0; seq < poison; seq++)
      assert.equal(calls.get(seq), 2, `seq ${seq} was handled again after the abort`);
    assert.equal(calls.get(poison), 1, 'the non-retriable failure was not handed to the handler again');
    const dead = await readTopic(dlq, 'read_committed');
    assert.equal(dead.length, 1, 'the dead letter committed once, in the transaction');
    const envelope = JSON.parse(dead[0].value?.toString() ?? '{}') as { original_offset: number; error_type: string };
    assert.equal(envelope.original_offset, poison);
    assert.equal(envelope.error_type, 'PoisonOrder');
    const offsets = await committedOffsets(groupId, input);
    assert.equal(offsets.get(0), total, 'the input committed to its end');
  });

  it('fencing: a second session with the same transactional id fences the first, which stops and says so', async function () {
    this.timeout(90_000);
    const input = await newTopic('it-eos-fence-in', 1);
    const output = await newTopic('it-eos-fence-out', 1);
    const prefix = uniqueName('it-eos-fence-txn');
    await produceSequence(input, 10);
    const make = (groupId: string): ConsumerSession =>
      track(
        new ConsumerSession({
          connection,
          groupId,
          topics: [input],
          delivery: 'exactly-once',
          transactionalIdPrefix: prefix,
          commitPolicy: { kind: 'batch', maxMessages: 5, maxIntervalMs: 100 },
          handler: (m) => [{ topic: output, value: m.value }],
        }),
      );
    // The same group: the newer one takes the partition over once the older one stopped.
    const groupId = newGroup();
    const older = make(groupId);
    await older.start();
    await waitFor('the first session committed a transaction', 30_000, () =>
      (older.snapshot().members[0].transaction?.commits ?? 0) > 0 ? true : undefined,
    );
    const newer = make(groupId);
    await newer.start();
    // The older one meets the fence on its next transaction.
    await produceSequence(input, 10, { start: 10 });
    await waitFor('the older session to stop', 60_000, () => (older.state === 'stopped' ? true : undefined));
    const failure = older.failure;
    assert.ok(
      failure instanceof TransactionError,
      `the older session stopped with a TransactionError (${String(failure)})`,
    );
    assert.ok(
      failure.reason === 'producerFenced' || failure.reason === 'invalidProducerEpoch',
      `fenced, not ${failure.reason}: ${failure.message}`,
    );
    assert.match(failure.message, new RegExp(`${prefix}-1`));
    assert.equal(newer.state, 'running', 'the newer session goes on');
    await waitFor('the newer session committed every input', 60_000, async () =>
      (await committedOffsets(groupId, input)).get(0) === 20 ? true : undefined,
    );
    await newer.stop();
    const c = counts(await readTopic(output, 'read_committed'));
    assert.equal(c.size, 20, 'every input has its output');
    assert.ok(
      [...c.values()].every((n) => n === 1),
      'no input was committed twice across the fenced and the new session',
    );
  });
});
