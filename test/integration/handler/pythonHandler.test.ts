import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { DLQ_HEADERS, type DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { ConsumerSession } from '../../../src/core/engine/session';
import { messageDecoder, processHandler } from '../../../src/core/handler/processHandler';
import type { MessageFrame } from '../../../src/core/handler/protocol';
import { committedOffsets, createTopic, deleteTopicsQuietly, kafkaClient, readAll } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { fixtures, type RunningHandler } from './support/handlerProcess';
import { startPythonHandler } from './support/pythonProcess';

const pyHandler = path.join(fixtures, 'handle_order.py');

function frame(offset: number, value: unknown, extra: Partial<MessageFrame> = {}): Omit<MessageFrame, 'id'> {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    topic: 'orders',
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000,
    key: { raw: Buffer.from(`k${offset}`).toString('base64'), decoded: `k${offset}`, format: 'text' },
    value: { raw: bytes.toString('base64'), decoded: value, format: 'json' },
    headers: [{ key: 'origin', value: Buffer.from('test').toString('base64') }],
    attempt: 1,
    ...extra,
  };
}

describe('the Python handler process, for real (no broker)', function () {
  this.timeout(60_000);
  const running: RunningHandler[] = [];
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-pyhandler-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function start(module: string, options: Parameters<typeof startPythonHandler>[1] = {}) {
    const handler = await startPythonHandler(module, options);
    running.push(handler);
    return handler;
  }
  function write(name: string, source: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, source);
    return file;
  }

  it('runs handle(message, context): value, key, headers and attempt reach it; ok completes', async () => {
    const h = await start(pyHandler);
    const result = await h.channel.call(frame(7, { orderId: 'o-7', amount: 12.5 }));
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(JSON.parse(h.logs[0]), {
      seen: 7,
      orderId: 'o-7',
      attempt: 1,
      key: 'k7',
      header: 'test',
      types: { orderId: 'str', amount: 'float' },
    });
  });

  it('failure classes as in the guide: KeyError is not retriable, RuntimeError is; class name, message and traceback come back', async () => {
    const h = await start(pyHandler);
    const [keyError, runtime, rejected] = await Promise.all([
      h.channel.call(frame(1, { orderId: 'o-1', action: 'keyError' })),
      h.channel.call(frame(2, { orderId: 'o-2', action: 'runtime' })),
      h.channel.call(frame(3, { orderId: 'o-3', action: 'reject' })),
    ]);
    assert.ok(keyError.outcome === 'error' && runtime.outcome === 'error' && rejected.outcome === 'error');
    assert.equal(keyError.error.type, 'KeyError');
    assert.equal(keyError.error.message, "'customer'");
    assert.equal(keyError.error.retriable, false);
    assert.match(keyError.error.stack ?? '', /handle_order\.py", line \d+, in handle/);
    assert.doesNotMatch(keyError.error.stack ?? '', /kafka_lab_handler\.py/, 'the runtime’s own frames are left out');
    assert.equal(runtime.error.type, 'RuntimeError');
    assert.equal(runtime.error.message, 'the stock service is down for o-2');
    assert.equal(runtime.error.retriable, true);
    assert.equal(rejected.error.type, 'OrderRejected');
    assert.equal(rejected.error.retriable, false, 'the exception’s own retriable attribute decides');
  });

  it('json.JSONDecodeError is non-retriable by default (a ValueError); a configured list replaces the defaults', async () => {
    const module = write(
      'json_fail.py',
      'import json\n\ndef handle(message, context):\n    json.loads(message.value)\n',
    );
    const h = await start(module);
    const result = await h.channel.call(frame(1, '{not json'));
    assert.ok(result.outcome === 'error');
    assert.equal(result.error.type, 'JSONDecodeError');
    assert.equal(result.error.retriable, false);
    const configured = await start(module, { nonRetriable: ['KeyError'] });
    const again = await configured.channel.call(frame(1, '{not json'));
    assert.ok(again.outcome === 'error');
    assert.equal(again.error.retriable, true, 'JSONDecodeError is not in the configured list');
  });

  it('returned decisions come back as decisions; an unknown decision is an error', async () => {
    const h = await start(pyHandler);
    const retry = await h.channel.call(frame(1, { orderId: 'a', action: 'retry' }));
    const dlq = await h.channel.call(frame(2, { orderId: 'b', action: 'deadLetter' }));
    assert.deepEqual(retry, { id: retry.id, outcome: 'decision', decision: 'retry', reason: 'asked for a retry' });
    assert.deepEqual(dlq, {
      id: dlq.id,
      outcome: 'decision',
      decision: 'deadLetter',
      reason: 'order b is a duplicate',
    });
    const bad = await start(write('bad_decision.py', 'def handle(m, c):\n    return {"decision": "commit"}\n'));
    const result = await bad.channel.call(frame(1, {}));
    assert.ok(result.outcome === 'error');
    assert.equal(result.error.type, 'InvalidDecision');
  });

  it('typed values: exact longs become int, decimals Decimal, dates and timestamps date/datetime; raw is bytes', async () => {
    const module = write(
      'typed.py',
      [
        'def handle(message, context):',
        '    v = message.value',
        '    context.log(repr([type(v["id"]).__name__, v["id"] + 1, repr(v["price"]), repr(v["day"]), repr(v["at"]), repr(v["nanos"]), v["small"], message.raw.value[:1], message.time.isoformat()]))',
      ].join('\n'),
    );
    const h = await start(module);
    const value = {
      id: '9223372036854775807',
      price: '3978711.44',
      day: '1969-07-20',
      at: '1969-12-31T23:59:59.999999Z',
      nanos: '1970-01-01T00:00:00.000000001Z',
      small: 5,
    };
    const f = frame(1, value);
    const result = await h.channel.call({
      ...f,
      value: {
        ...f.value,
        types: [
          { at: ['id'], type: 'number' },
          { at: ['price'], type: 'decimal' },
          { at: ['day'], type: 'date' },
          { at: ['at'], type: 'timestamp-micros' },
          { at: ['nanos'], type: 'timestamp-nanos' },
        ],
      },
    });
    assert.equal(result.outcome, 'ok', JSON.stringify(result));
    assert.equal(
      h.logs[0],
      `['int', 9223372036854775808, "Decimal('3978711.44')", 'datetime.date(1969, 7, 20)', 'datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc)', "'1970-01-01T00:00:00.000000001Z'", 5, b'{', '2023-11-14T22:13:20+00:00']`,
    );
  });

  it('a hostile value 4,000 levels deep (past Python’s default recursion limit of 1,000) reaches the handler, and the process goes on', async () => {
    const module = write(
      'deep.py',
      'def handle(m, c):\n    depth, v = 0, m.value\n    while isinstance(v, list) and v:\n        depth, v = depth + 1, v[0]\n    c.log(str(depth))\n',
    );
    const h = await start(module);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 4_000; i++) deep = [deep];
    assert.equal((await h.channel.call(frame(1, deep))).outcome, 'ok');
    assert.equal((await h.channel.call(frame(2, [[1]]))).outcome, 'ok');
    assert.deepEqual(h.logs, ['4000', '2']);
  });

  it('async def handlers are awaited; a syntax error is loadFailed naming file and line; reload runs the saved code', async () => {
    const module = write('reloaded.py', 'async def handle(m, c):\n    c.log("v1")\n');
    const h = await start(module);
    assert.equal((await h.channel.call(frame(1, {}))).outcome, 'ok');
    fs.writeFileSync(module, 'def handle(m, c):\n    x = = 1\n');
    await assert.rejects(h.channel.reload(20_000), /reloaded\.py:2/);
    fs.writeFileSync(module, 'def handle(m, c):\n    c.log("v2")\n');
    await h.channel.reload(20_000);
    assert.equal((await h.channel.call(frame(2, {}))).outcome, 'ok');
    assert.deepEqual(h.logs, ['v1', 'v2']);
  });

  it('a call past its time limit is cancelled: context.cancelled is set in the handler, and the next call runs', async () => {
    const module = write(
      'cancel.py',
      'def handle(m, c):\n    if m.offset == 1:\n        c.log("started")\n        c.log("cancelled" if c.cancelled.wait(30) else "not cancelled")\n    else:\n        c.log("next")\n',
    );
    const h = await start(module);
    await assert.rejects(h.channel.call(frame(1, {}), { timeoutMs: 1_000 }), /longer than 1000 ms/);
    await waitFor('the handler to see the cancel', 20_000, () => (h.logs.includes('cancelled') ? true : undefined));
    assert.equal((await h.channel.call(frame(2, {}))).outcome, 'ok');
    assert.deepEqual(h.logs, ['started', 'cancelled', 'next']);
  });
});

const connection = { bootstrapServers: services.kafka.plaintext };
const decode = messageDecoder(new PayloadDecoder());

describe('a Python handler in a real consumer group', function () {
  this.timeout(90_000);
  const topics: string[] = [];
  const handlers: RunningHandler[] = [];
  const sessions: ConsumerSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
    await Promise.all(handlers.splice(0).map((h) => h.close()));
  });
  after(() => deleteTopicsQuietly(...topics));

  it('running mode: KeyError goes to the DLQ without retries (error_type KeyError, traceback header); RuntimeError is retried first', async () => {
    const topic = uniqueName('it-pyhandler');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ orderId: 'a' }, { orderId: 'b', action: 'keyError' }, { orderId: 'c', action: 'runtime' }]
        .map((v, i) => ({ key: `k${i}`, value: JSON.stringify(v), headers: { origin: 'it' } }))
        // A long past 2^53 in plain JSON: the codec keeps it exact, the protocol marks it, Python gets an int.
        .concat([{ key: 'k3', value: '{"orderId":"d","id":9223372036854775807}', headers: { origin: 'it' } }]),
    });
    await producer.disconnect();
    const groupId = uniqueName('it-pyhandler-group');
    const handler = await startPythonHandler(pyHandler);
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
    await session.start();
    await waitFor('all four messages committed', 60_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 4 ? true : undefined,
    );
    const seen = handler.logs.map(
      (l) => JSON.parse(l) as { orderId: string; attempt: number; idText?: string; types: Record<string, string> },
    );
    assert.equal(seen[5].idText, '9223372036854775807');
    assert.deepEqual(seen[5].types, { orderId: 'str', id: 'int' });
    assert.deepEqual(
      seen.map((s) => `${s.orderId}#${s.attempt}`),
      ['a#1', 'b#1', 'c#1', 'c#2', 'c#3', 'd#1'],
    );
    const dlq = await readAll(`${topic}.dead-letter`, 2);
    const envelopes = dlq.map((r) => JSON.parse(r.value?.toString() ?? '') as DeadLetterEnvelope);
    assert.deepEqual(
      envelopes.map((e) => [e.original_offset, e.error_type, e.error_message]),
      [
        [1, 'KeyError', "'customer'"],
        [2, 'RuntimeError', 'the stock service is down for c'],
      ],
    );
    const stack = dlq[0].headers?.[DLQ_HEADERS.errorStack]?.toString() ?? '';
    assert.match(stack, /handle_order\.py", line \d+, in handle/);
  });

  it('the Python process is killed mid-message: nothing past what was done is committed; a restarted process handles it again', async () => {
    const topic = uniqueName('it-pyhandler-kill');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ n: 0 }, { n: 1 }, { n: 2, slow: true }, { n: 3 }].map((v) => ({ value: JSON.stringify(v) })),
    });
    await producer.disconnect();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-pykill-'));
    const gate = path.join(dir, 'slow');
    fs.writeFileSync(gate, '');
    const module = path.join(dir, 'handler.py');
    fs.writeFileSync(
      module,
      `import os, time\n\ndef handle(m, ctx):\n    ctx.log(str(m.value["n"]))\n    while m.value.get("slow") and os.path.exists(${JSON.stringify(gate)}):\n        time.sleep(0.05)\n`,
    );
    const groupId = uniqueName('it-pyhandler-kill-group');
    const handler = await startPythonHandler(module);
    handlers.push(handler);
    const session = new ConsumerSession({
      connection,
      groupId,
      topics: [topic],
      commitPolicy: { kind: 'perMessage' },
      handler: processHandler({ channel: handler.channel, decode, timeoutMs: () => 60_000 }),
    });
    sessions.push(session);
    const held: string[] = [];
    session.on('held', (m, why) => held.push(`${m.offset}: ${why}`));
    await session.start();
    await waitFor('the slow message to start', 30_000, () => (handler.logs.includes('2') ? true : undefined));
    handler.process.kill('SIGKILL');
    await waitFor('the session to stop on the message', 20_000, () =>
      session.mode === 'stepping' && session.awaiting ? true : undefined,
    );
    assert.equal(session.awaiting?.offset, 2);
    assert.match(held.join('\n'), /^2: .*went away/);
    assert.equal((await committedOffsets(groupId, topic)).get(0), 2, 'nothing past what was done is committed');
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
});
