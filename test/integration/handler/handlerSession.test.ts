import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { DLQ_HEADERS, type DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { CommitEvent } from '../../../src/core/engine/types';
import { messageDecoder, processHandler } from '../../../src/core/handler/processHandler';
import { committedOffsets, createTopic, deleteTopicsQuietly, kafkaClient, readAll } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { fixtures, startHandler, type RunningHandler } from './support/handlerProcess';

const connection = { bootstrapServers: services.kafka.plaintext };
const codec = new PayloadDecoder();
const decode = messageDecoder(codec);

async function produce(topic: string, values: unknown[]): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: values.map((v, i) => ({ key: `k${i}`, value: JSON.stringify(v), headers: { origin: 'it' } })),
  });
  await producer.disconnect();
}

describe('a developer handler in its own process, in a real consumer group', function () {
  this.timeout(90_000);
  const topics: string[] = [];
  const handlers: RunningHandler[] = [];
  const sessions: ConsumerSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
    await Promise.all(handlers.splice(0).map((h) => h.close()));
  });
  after(() => deleteTopicsQuietly(...topics));

  async function newTopic(): Promise<string> {
    const topic = uniqueName('it-handler');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    return topic;
  }

  it('running mode: ok commits, a thrown error and a deadLetter decision go to the DLQ with the handler’s class, a retriable failure is retried', async () => {
    const topic = await newTopic();
    const groupId = uniqueName('it-handler-group');
    await produce(topic, [
      { orderId: 'a' },
      { orderId: 'b', action: 'fail' },
      { orderId: 'c', action: 'transient' },
      { orderId: 'd', action: 'deadLetter' },
      { orderId: 'e' },
    ]);
    const handler = await startHandler(path.join(fixtures, 'handleOrder.ts'));
    handlers.push(handler);
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'perMessage' },
      retryPolicy: { baseMs: 50, capMs: 100, jitter: 0, maxAttempts: 3 },
      handler: processHandler({ channel: handler.channel, decode, timeoutMs: () => 10_000 }),
    });
    sessions.push(session);
    const order: string[] = [];
    session.on('deadLettered', (e) => order.push(`dlq:${e.message.offset}`));
    session.on('committed', (e: CommitEvent) => order.push(...e.offsets.map((o) => `commit:${o.offset}`)));
    await session.start();
    await waitFor('all five messages committed', 60_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 5 ? true : undefined,
    );

    const seen = handler.logs.map(
      (l) => JSON.parse(l) as { seen: number; orderId: string; attempt: number; key: string; header: string },
    );
    assert.deepEqual(
      seen.map((s) => `${s.orderId}#${s.attempt}`),
      ['a#1', 'b#1', 'c#1', 'c#2', 'd#1', 'e#1'],
    );
    assert.deepEqual(seen[0], { seen: 0, orderId: 'a', attempt: 1, key: 'k0', header: 'it' });
    // The source offset is committed past a dead-lettered message only after its DLQ write.
    assert.ok(order.indexOf('dlq:1') >= 0 && order.indexOf('dlq:1') < order.indexOf('commit:2'), order.join(' '));

    const dlq = await readAll(`${topic}.dead-letter`, 2);
    const envelopes = dlq.map((r) => JSON.parse(r.value?.toString() ?? '') as DeadLetterEnvelope);
    assert.deepEqual(
      envelopes.map((e) => [e.original_offset, e.error_type, e.error_message]),
      [
        [1, 'OrderRejected', 'order b has no customer'],
        [3, 'HandlerDeadLetter', 'order d is a duplicate'],
      ],
    );
    const stack = dlq[0].headers?.[DLQ_HEADERS.errorStack]?.toString() ?? '';
    assert.match(stack, /handleOrder\.ts:\d+/, 'the stack header points into the .ts source');
  });

  it('the handler process is killed mid-message: nothing past what was done is committed; a restarted process handles the message again', async () => {
    const topic = await newTopic();
    const groupId = uniqueName('it-handler-kill');
    await produce(topic, [{ n: 0 }, { n: 1 }, { n: 2, slow: true }, { n: 3 }]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-kill-'));
    const gate = path.join(dir, 'slow');
    fs.writeFileSync(gate, '');
    const module = path.join(dir, 'handler.js');
    fs.writeFileSync(
      module,
      `const fs = require('fs');
exports.handle = async (m, ctx) => {
  ctx.log(String(m.value.n));
  if (m.value.slow && fs.existsSync(${JSON.stringify(gate)})) await new Promise(() => {});
};`,
    );
    const handler = await startHandler(module);
    handlers.push(handler);
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'perMessage' },
      handler: processHandler({ channel: handler.channel, decode, timeoutMs: () => undefined }),
    });
    sessions.push(session);
    const held: string[] = [];
    session.on('held', (m, why) => held.push(`${m.offset}: ${why}`));
    await session.start();
    await waitFor('the slow message to reach the handler', 30_000, () =>
      handler.logs.includes('2') ? true : undefined,
    );
    handler.process.kill('SIGKILL');
    await waitFor('the session to stop on the message', 20_000, () =>
      session.mode === 'stepping' && session.awaiting ? true : undefined,
    );
    assert.equal(session.awaiting?.offset, 2);
    assert.match(held.join('\n'), /^2: .*went away/);
    assert.equal(
      (await committedOffsets(groupId, topic)).get(0),
      2,
      'committed up to the last message done, not past the one in flight',
    );

    fs.rmSync(gate);
    handler.restart();
    await handler.channel.waitReady(20_000);
    session.setMode('running');
    await waitFor('the rest committed', 30_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 4 ? true : undefined,
    );
    assert.deepEqual(handler.logs, ['0', '1', '2', '2', '3'], 'offset 2 was handled again, nothing was skipped');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('a handler held longer than max.poll.interval.ms (as at a breakpoint) costs no rebalance and no lost partition; the commit goes through after', async function () {
    this.timeout(120_000);
    const topic = await newTopic();
    const groupId = uniqueName('it-handler-hold');
    await produce(topic, [{ n: 0 }, { n: 1 }]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-hold-'));
    const module = path.join(dir, 'handler.js');
    // A busy loop stops the handler process's event loop, as a debugger paused at a breakpoint does.
    fs.writeFileSync(
      module,
      'exports.handle = (m) => { if (m.value.n === 0) { const end = Date.now() + 10000; while (Date.now() < end) {} } };',
    );
    const handler = await startHandler(module);
    handlers.push(handler);
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'perMessage' },
      consumerConfig: { 'max.poll.interval.ms': 6000, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 1000 },
      handler: processHandler({ channel: handler.channel, decode, timeoutMs: () => undefined }),
    });
    sessions.push(session);
    const rebalances: string[] = [];
    session.on('rebalance', (e) => rebalances.push(e.kind));
    await session.start();
    const held = Date.now();
    await waitFor('both messages committed', 60_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 2 ? true : undefined,
    );
    assert.ok(Date.now() - held >= 9_000, 'the handler really held the message past max.poll.interval.ms');
    assert.deepEqual(
      rebalances,
      ['assign'],
      `no revoke or lost partition while the handler held the message (${rebalances.join(', ')})`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
