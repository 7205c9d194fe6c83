import { DLQ_HEADERS } from '../../dlq/envelopeContract';
import { ENV, usesRegistry } from '../common';
import type { GeneratorInput } from '../generatorInput';

// The generated TypeScript project's own tests: the handler's, the watermark's, the dead-letter envelope's, and one on a real broker.

export function handlerTestTs(input: GeneratorInput, rootName: string): string {
  const sample =
    input.valueFormat === 'json' ? '{ id: 1 }' : input.valueFormat === 'text' ? "'hello'" : `{} as ${rootName}`;
  return `import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HandlerContext, HandlerMessage } from '../src/contract';
import { handle${input.valueFormat === 'json' ? ', InvalidMessage' : ''} } from '../src/handler';
${usesRegistry(input) ? `import type { ${rootName} } from '../src/types';\n` : ''}
function messageOf<V>(value: V, offset = 0): HandlerMessage<V> {
  return {
    topic: ${JSON.stringify(input.topics[0])},
    partition: 0,
    offset,
    timestamp: Date.now(),
    key: 'key-1',
    value,
    headers: {},
    raw: { key: Buffer.from('key-1'), value: null, headers: [] },
    format: { key: { format: 'text' }, value: { format: ${JSON.stringify(input.valueFormat)} } },
  };
}

function contextOf(logs: unknown[][] = []): HandlerContext {
  return { attempt: 1, replay: false, signal: new AbortController().signal, log: (...args) => logs.push(args) };
}

test('a message is handled and logged', async () => {
  const logs: unknown[][] = [];
  assert.equal(await handle(messageOf(${sample}, 7), contextOf(logs)), undefined);
  assert.equal(logs.length, 1);
  assert.match(String(logs[0]?.[1]), /@7$/);
});

test('a tombstone is skipped, not dead-lettered', async () => {
  assert.deepEqual(await handle(messageOf(null), contextOf()), { decision: 'skip', reason: 'a tombstone (no value)' });
});
${
  input.valueFormat === 'json'
    ? `
test('a value that is not an object is not retriable', async () => {
  await assert.rejects(() => handle(messageOf([1, 2]), contextOf()), InvalidMessage);
});
`
    : ''
}`;
}

export function watermarkTestTs(): string {
  return `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Watermark } from '../src/watermark';

test('nothing is committable before the first message is done', () => {
  const w = new Watermark();
  w.track(10);
  w.track(11);
  assert.equal(w.committable(), undefined);
  w.finish(11);
  assert.equal(w.committable(), undefined);
  w.finish(10);
  assert.equal(w.committable(), 12);
});

test('the watermark never passes a message that has not finished', () => {
  const w = new Watermark();
  for (const offset of [0, 1, 2, 3, 5, 8]) w.track(offset);
  w.finish(0);
  w.finish(2);
  w.finish(3);
  w.finish(8);
  assert.equal(w.committable(), 1);
  w.finish(1);
  assert.equal(w.committable(), 5);
  w.finish(5);
  assert.equal(w.committable(), 9);
});

test('a long run keeps its place after compaction of its bookkeeping', () => {
  const w = new Watermark();
  for (let offset = 0; offset < 5000; offset++) w.track(offset);
  for (let offset = 4999; offset >= 1; offset--) w.finish(offset);
  assert.equal(w.committable(), undefined);
  w.finish(0);
  assert.equal(w.committable(), 5000);
});
`;
}

export function deadLetterTestTs(input: GeneratorInput): string {
  return `import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@confluentinc/kafka-javascript';
import { DLQ_HEADERS, buildEnvelope, deadLetterHeaders } from '../src/deadLetter';

const message = (value: Buffer | null): Message => ({
  topic: ${JSON.stringify(input.topics[0])},
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('k'),
  value,
  size: value?.length ?? 0,
  headers: [{ trace: Buffer.from('t-1') }, { ${JSON.stringify(DLQ_HEADERS.errorType)}: Buffer.from('an earlier failure') }],
});

test('the envelope records where the message came from, the error and the payload', () => {
  const error = new TypeError('bad field');
  const envelope = buildEnvelope(message(Buffer.from('{"a":1}')), error, 3, new Date('2026-01-02T03:04:05.000Z'));
  assert.deepEqual(envelope, {
    original_topic: ${JSON.stringify(input.topics[0])},
    original_partition: 2,
    original_offset: 41,
    original_timestamp: 1_700_000_000_000,
    error_type: 'TypeError',
    error_message: 'bad field',
    failed_at: '2026-01-02T03:04:05.000Z',
    retry_count: 3,
    payload: '{"a":1}',
    payload_encoding: 'utf8',
  });
});

test('bytes that are not UTF-8 are kept as base64, a tombstone as null', () => {
  assert.equal(buildEnvelope(message(Buffer.from([0xff, 0x00])), new Error('x'), 1).payload, '/wA=');
  assert.equal(buildEnvelope(message(Buffer.from([0xff, 0x00])), new Error('x'), 1).payload_encoding, 'base64');
  assert.equal(buildEnvelope(message(null), new Error('x'), 1).payload_encoding, 'null');
});

test('the headers keep the original ones, drop earlier dead-letter ones and add this failure', () => {
  const m = message(Buffer.from('x'));
  const error = new Error('boom');
  const headers = deadLetterHeaders(m, buildEnvelope(m, error, 1), error);
  const names = headers.flatMap((h) => Object.keys(h));
  assert.equal(names[0], 'trace');
  assert.equal(names.filter((n) => n === DLQ_HEADERS.errorType).length, 1);
  assert.ok(names.includes(DLQ_HEADERS.errorStack));
  assert.equal(headers.find((h) => DLQ_HEADERS.originalOffset in h)?.[DLQ_HEADERS.originalOffset], '41');
});
`;
}

export function integrationTestTs(input: GeneratorInput): string {
  const json = input.valueFormat === 'json' || input.valueFormat === 'text';
  return `import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { loadSettings } from '../src/config';
import { GroupConsumer } from '../src/consumer';

// Runs against the broker in ${ENV.bootstrapServers} (skipped when it is not set): a fresh topic,
// ${json ? 'good records and one that the handler refuses' : 'records that are not in the Schema Registry wire format'},
// then checks that every offset is committed and the refused ones are in the dead-letter topic.
const brokers = process.env.${ENV.bootstrapServers};

test('consumes a fresh topic to its end and dead-letters what it must', { skip: !brokers && '${ENV.bootstrapServers} is not set', timeout: 120_000 }, async () => {
  const suffix = Date.now().toString(36) + '-' + randomBytes(3).toString('hex');
  const topic = 'it-' + suffix;
  const dlqTopic = topic + '.dead-letter';
  const groupId = 'it-group-' + suffix;
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: (brokers as string).split(','), logLevel: KafkaJS.logLevel.NOTHING } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: dlqTopic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 40 }, (_, i) => ({
      key: 'k' + (i % 4),
      value: ${json ? `i === 13 ? '[13]' : JSON.stringify({ id: i })` : `'not framed ' + i`},
    }));
    await producer.send({ topic, messages });
    await producer.disconnect();
    const expectedDeadLetters = ${json ? (input.valueFormat === 'json' ? 1 : 0) : 40};

    const settings = loadSettings({ ...process.env, ${ENV.topics}: topic, ${ENV.dlqTopic}: dlqTopic, ${ENV.groupId}: groupId, ${ENV.autoOffsetReset}: 'earliest' });
    const consumer = new GroupConsumer(settings);
    const running = consumer.run();
    const deadline = Date.now() + 90_000;
    let committed = 0;
    while (committed < 40 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      committed = (offsets[0]?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    }
    await consumer.stop();
    await running;
    assert.equal(committed, 40, 'every offset is committed');
    const dlqEnd = await admin.fetchTopicOffsets(dlqTopic);
    assert.equal(dlqEnd.reduce((n, p) => n + Number(p.high), 0), expectedDeadLetters);
  } finally {
    await admin.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
});
`;
}
