import { strict as assert } from 'node:assert';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { ConsumedMessage, DeadLetteredEvent } from '../../../src/core/engine/types';
import { committedOffsets, createTopic, deleteTopicsQuietly, produceSequence } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const connection = { bootstrapServers: services.kafka.plaintext };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('modes, decisions, seeks and concurrency against the real broker', () => {
  const topics: string[] = [];
  after(async () => {
    await deleteTopicsQuietly(...topics);
  });

  async function newTopic(partitions: number, count: number, prefix = 'it-modes'): Promise<string> {
    const topic = uniqueName(prefix);
    topics.push(topic);
    await createTopic(topic, partitions);
    if (count) await produceSequence(topic, count);
    return topic;
  }

  it('switching modes at random moments neither loses, reorders nor repeats a message', async () => {
    const topic = await newTopic(3, 600);
    const delivered: ConsumedMessage[] = [];
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-modes-flip'),
      topics: [topic],
      mode: 'running',
      handler: async (m) => {
        delivered.push(m);
        if (m.offset % 7 === 0) await sleep(1);
      },
    });
    session.on('awaiting', (m) => {
      // Decide asynchronously, as a person would; if the mode changed to running meanwhile, the
      // undecided message went to the handler instead and this decision is refused.
      setTimeout(
        () =>
          void session.decide(m.id, { kind: 'ack' }).then(
            () => delivered.push(m),
            () => undefined,
          ),
        1,
      );
    });
    await session.start();
    try {
      const modes = ['stepping', 'paused', 'running', 'stepping', 'running', 'paused', 'stepping', 'running'] as const;
      for (let i = 0; delivered.length < 600 && i < 200; i++) {
        session.setMode(modes[i % modes.length]);
        await sleep(40 + (i % 5) * 20);
      }
      session.setMode('running');
      await waitFor('600 messages delivered', 30_000, () => (delivered.length >= 600 ? true : undefined));
      await sleep(300);
    } finally {
      await session.stop();
    }
    assert.equal(delivered.length, 600, 'a message was handled or decided twice');
    assert.equal(new Set(delivered.map((m) => m.id)).size, 600);
    for (let p = 0; p < 3; p++) {
      const offsets = delivered.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `partition ${p} order`,
      );
    }
  });

  it('stepping decisions: retry redelivers with one more attempt, dead-letter writes the reason, commit-now commits through the message', async () => {
    const topic = await newTopic(1, 5);
    topics.push(`${topic}.dead-letter`);
    await createTopic(`${topic}.dead-letter`, 1);
    const groupId = uniqueName('it-step-decisions');
    const deadLettered: DeadLetteredEvent[] = [];
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      mode: 'stepping',
      commitPolicy: { kind: 'batch', maxMessages: 1000, maxIntervalMs: 60_000 },
      retryPolicy: { baseMs: 50, capMs: 50, jitter: 0, maxAttempts: 3 },
    });
    session.on('deadLettered', (e) => deadLettered.push(e));
    await session.start();
    try {
      let m = await session.nextAwaiting(20_000);
      assert.equal(m.offset, 0);
      await session.decide(m.id, { kind: 'retry' });
      m = await session.nextAwaiting(5_000);
      assert.equal(m.offset, 0, 'retry must redeliver the same message before the next one');
      await session.decide(m.id, { kind: 'ack' });
      m = await session.nextAwaiting(5_000);
      assert.equal(m.offset, 1);
      await session.decide(m.id, { kind: 'deadLetter', reason: 'amount is negative' });
      assert.equal(deadLettered.length, 1);
      assert.equal(deadLettered[0].envelope.error_message, 'amount is negative');
      assert.equal(deadLettered[0].envelope.error_type, 'ManualDeadLetter');
      m = await session.nextAwaiting(5_000);
      assert.equal(m.offset, 2);
      // Batch policy would wait a minute: commit-now commits through this message at once.
      await session.decide(m.id, { kind: 'commitNow' });
      assert.equal((await committedOffsets(groupId, topic)).get(0), 3);
      await assert.rejects(session.decide(m.id, { kind: 'ack' }), /not waiting for a decision/);
    } finally {
      await session.stop();
    }
  });

  it('seeks a partition to an offset, a timestamp, the beginning and the end', async () => {
    const topic = await newTopic(1, 0);
    await produceSequence(topic, 10, { keys: 1 });
    const beforeSecond = Date.now() + 1;
    await sleep(20);
    await produceSequence(topic, 10, { start: 10, keys: 1 });
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-seek'),
      topics: [topic],
      mode: 'stepping',
    });
    await session.start();
    try {
      let m = await session.nextAwaiting(20_000);
      assert.equal(m.offset, 0);
      await session.seek(topic, 0, { kind: 'offset', offset: 7 });
      m = await session.nextAwaiting(10_000);
      assert.equal(m.offset, 7);
      await session.seek(topic, 0, { kind: 'timestamp', timestamp: beforeSecond });
      m = await session.nextAwaiting(10_000);
      assert.equal(m.offset, 10);
      await session.seek(topic, 0, { kind: 'beginning' });
      m = await session.nextAwaiting(10_000);
      assert.equal(m.offset, 0);
      await session.seek(topic, 0, { kind: 'end' });
      await assert.rejects(session.nextAwaiting(1500), /no message arrived/);
      await produceSequence(topic, 1, { start: 20, keys: 1 });
      m = await session.nextAwaiting(10_000);
      assert.equal(m.offset, 20);
      await assert.rejects(session.seek(topic, 5, { kind: 'beginning' }), /not assigned to any member/);
    } finally {
      await session.stop();
    }
  });

  it('subscribes by regular expression', async () => {
    const prefix = uniqueName('it-regex');
    const first = `${prefix}.a`;
    const second = `${prefix}.b`;
    topics.push(first, second);
    await createTopic(first, 1);
    await createTopic(second, 1);
    await produceSequence(first, 3);
    await produceSequence(second, 4);
    const seen = new Set<string>();
    const session = new ConsumerSession({
      connection,
      groupId: uniqueName('it-regex-group'),
      topics: new RegExp(`${prefix.replace(/[.-]/g, '\\$&')}\\..*`),
      handler: (m) => void seen.add(`${m.topic}/${m.offset}`),
    });
    await session.start();
    try {
      await waitFor('7 messages from both topics', 30_000, () => (seen.size >= 7 ? true : undefined));
    } finally {
      await session.stop();
    }
    assert.equal([...seen].filter((s) => s.startsWith(first)).length, 3);
    assert.equal([...seen].filter((s) => s.startsWith(second)).length, 4);
  });

  it('concurrent handlers completing out of order never let a commit pass an unfinished message', async () => {
    const topic = await newTopic(2, 400);
    const groupId = uniqueName('it-concurrency');
    const finished = new Map<number, Set<number>>([
      [0, new Set()],
      [1, new Set()],
    ]);
    const violations: string[] = [];
    let maxInFlight = 0;
    let inFlight = 0;
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      concurrency: 16,
      partitionConcurrency: 8,
      commitPolicy: { kind: 'perMessage' },
      handler: async (m) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(Math.floor(Math.random() * 15));
        inFlight--;
        finished.get(m.partition)?.add(m.offset);
      },
    });
    session.on('committed', (e) => {
      for (const o of e.offsets) {
        for (let i = 0; i < o.offset; i++)
          if (!finished.get(o.partition)?.has(i))
            violations.push(`commit ${o.partition}@${o.offset} passed unfinished ${i}`);
      }
    });
    await session.start();
    try {
      await waitFor('400 finished', 30_000, () =>
        finished.get(0)!.size + finished.get(1)!.size >= 400 ? true : undefined,
      );
    } finally {
      await session.stop();
    }
    assert.deepEqual(violations.slice(0, 5), []);
    assert.ok(maxInFlight > 2, `handlers did not run concurrently (max ${maxInFlight})`);
    const committed = await committedOffsets(groupId, topic);
    assert.equal((committed.get(0) ?? 0) + (committed.get(1) ?? 0), 400);
  });
});
