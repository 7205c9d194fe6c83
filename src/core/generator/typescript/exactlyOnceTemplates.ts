import { ENV, SECRET_ENV, exactlyOnceReadme, kafkaLabLaunch, usesRegistry } from '../common';
import type { GeneratorInput } from '../generatorInput';

/** src/handler.ts of the exactly-once variant: it returns the output records. */
export function handlerEosTs(input: GeneratorInput, rootName: string): string {
  const isObject = input.valueFormat === 'json';
  return `import type { HandlerContext, HandlerMessage, HandlerResult } from './contract';
import type { ${rootName === 'Value' ? 'Value' : `${rootName} as Value`} } from './types';

/** Bad data: retrying cannot fix it, so the message goes straight to the dead-letter topic. */
export class InvalidMessage extends Error {
  override readonly name = 'InvalidMessage';
}

/**
 * Your processing, once per message: return the records to produce (to ${ENV.outputTopic} unless a
 * record names its topic). They commit in one Kafka transaction with the input's offset, so a
 * read_committed reader sees each exactly once. Only Kafka outputs are covered: a side effect here
 * (a database write, an HTTP call) can run again after a crash. Throw a RetriableError (from
 * ./contract) for a failure worth retrying; any other error dead-letters the message.
 */
export async function handle(message: HandlerMessage<Value | null>, context: HandlerContext): Promise<HandlerResult> {
  if (message.value === null) return { decision: 'skip', reason: 'a tombstone (no value)' };
${
  isObject
    ? `  if (typeof message.value !== 'object' || Array.isArray(message.value))
    throw new InvalidMessage('expected a JSON object, got ' + (Array.isArray(message.value) ? 'an array' : typeof message.value));
`
    : ''
}  context.log('handled', message.topic + '/' + message.partition + '@' + message.offset, 'attempt', context.attempt);
  return [{ key: message.key, value: message.value, headers: { 'source-offset': message.partition + ':' + message.offset } }];
}
`;
}

export function handlerEosTestTs(input: GeneratorInput, rootName: string): string {
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

const context: HandlerContext = { attempt: 1, replay: false, signal: new AbortController().signal, log: () => undefined };

test('a message becomes one output record, with its key and where it came from', async () => {
  const value = ${sample};
  assert.deepEqual(await handle(messageOf(value, 7), context), [
    { key: 'key-1', value, headers: { 'source-offset': '0:7' } },
  ]);
});

test('a tombstone is skipped: no output, not dead-lettered', async () => {
  assert.deepEqual(await handle(messageOf(null), context), { decision: 'skip', reason: 'a tombstone (no value)' });
});
${
  input.valueFormat === 'json'
    ? `
test('a value that is not an object is not retriable', async () => {
  await assert.rejects(() => handle(messageOf([1, 2]), context), InvalidMessage);
});
`
    : ''
}`;
}

/** test/integration.test.ts of the exactly-once variant: outputs read read_committed, each once. */
export function integrationEosTestTs(input: GeneratorInput): string {
  const plain = input.valueFormat === 'json' || input.valueFormat === 'text';
  const refused = plain ? (input.valueFormat === 'json' ? 1 : 0) : 40;
  return `import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { loadSettings } from '../src/config';
import { GroupConsumer } from '../src/consumer';

// Runs against the broker in ${ENV.bootstrapServers} (skipped when it is not set): a fresh topic, then
// checks that every offset is committed, each output is read once by a read_committed reader, and
// the refused records are in the dead-letter topic.
const brokers = process.env.${ENV.bootstrapServers};

test('consumes a fresh topic exactly-once to its end', { skip: !brokers && '${ENV.bootstrapServers} is not set', timeout: 150_000 }, async () => {
  const suffix = Date.now().toString(36) + '-' + randomBytes(3).toString('hex');
  const topic = 'it-' + suffix;
  const [dlqTopic, outputTopic, groupId] = [topic + '.dead-letter', topic + '.out', 'it-group-' + suffix];
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: (brokers as string).split(','), logLevel: KafkaJS.logLevel.NOTHING } });
  const admin = kafka.admin();
  await admin.connect();
  const reader = kafka.consumer({ kafkaJS: { groupId: groupId + '-reader', fromBeginning: true } });
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: dlqTopic }, { topic: outputTopic }] });
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 40 }, (_, i) => ({ key: 'k' + (i % 4), value: ${plain ? `i === 13 ? '[13]' : JSON.stringify({ id: i })` : `'not framed ' + i`} }));
    await producer.send({ topic, messages });
    await producer.disconnect();

    const env = { ...process.env, ${ENV.topics}: topic, ${ENV.dlqTopic}: dlqTopic, ${ENV.outputTopic}: outputTopic, ${ENV.groupId}: groupId, ${ENV.instanceId}: 'it', ${ENV.autoOffsetReset}: 'earliest' };
    const consumer = new GroupConsumer(loadSettings(env));
    const running = consumer.run();
    const deadline = Date.now() + 90_000;
    let committed = 0;
    while (committed < 40 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      committed = (offsets[0]?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    }
    consumer.stop();
    await running;
    assert.equal(committed, 40, 'every offset is committed');

    const seen = new Map<string, number>();
    await reader.connect();
    await reader.subscribe({ topic: outputTopic });
    await reader.run({ eachMessage: async ({ message }) => {
      const source = message.headers?.['source-offset']?.toString() ?? '';
      seen.set(source, (seen.get(source) ?? 0) + 1);
    } });
    const readDeadline = Date.now() + 60_000;
    while (seen.size < ${40 - refused} && Date.now() < readDeadline) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(seen.size, ${40 - refused}, 'one output per handled record');
    assert.deepEqual([...seen.values()].filter((n) => n !== 1), [], 'no output twice');
    const dlqEnd = await admin.fetchTopicOffsets(dlqTopic);
    assert.ok(dlqEnd.reduce((n, p) => n + Number(p.high), 0) >= ${refused}, 'the refused records are dead-lettered');
  } finally {
    await reader.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, dlqTopic, outputTopic] }).catch(() => undefined);
    await admin.deleteGroups([groupId, groupId + '-reader']).catch(() => undefined);
    await admin.disconnect();
  }
});
`;
}

export function readmeEosTs(input: GeneratorInput): string {
  return `# ${input.projectName}

Consumes \`${input.topics.join('`, `')}\` as group \`${input.groupId}\` **exactly-once** into \`${input.outputTopic ?? ''}\` with
[@confluentinc/kafka-javascript](https://www.npmjs.com/package/@confluentinc/kafka-javascript), generated by
Kafka Consumer Lab. Your code is \`src/handler.ts\`; everything else is the consumer around it.

## Run

\`\`\`bash
cp .env.example .env     # then fill in the secrets (${SECRET_ENV.join(', ')}) if the cluster needs them
npm install
npm test                 # the handler's and the dead-letter envelope's unit tests
npm run build && node --env-file=.env dist/src/consumer.js
\`\`\`

\`${ENV.bootstrapServers}=host:9092 npm run test:integration\` runs the consumer against a real broker on
fresh topics (it creates and deletes its topics and groups).

${exactlyOnceReadme(input)}
- ${valueDecodingText(input)}

## Debug the handler

With Kafka Consumer Lab installed, press **F5** on "${kafkaLabLaunch(input, '').name}": the extension
joins the group \`${input.groupId}-debug\` exactly-once (not the service's group) and runs \`handle\` under
the debugger, one message at a time.
`;
}

/** The README's line on how values are decoded (both variants). */
export function valueDecodingText(input: GeneratorInput): string {
  const from = input.schema
    ? ` \`src/types.ts\` was generated from subject \`${input.schema.subject}\` version ${input.schema.version}.`
    : '';
  if (input.valueFormat === 'protobuf')
    return `Values are decoded through the Schema Registry at \`${ENV.registryUrl}\` (magic byte, 4-byte schema id,
  message indexes; each schema fetched once, with a bounded request) with protobufjs, as the proto3 JSON
  mapping shows them: 64-bit integers as exact decimal text, enums by name, bytes as base64, Timestamps as
  ISO 8601 text with every digit, wrappers as their value.${from} A record whose message indexes name a
  nested message of a message with map fields may be read as the wrong type (the schema text does not
  say where protoc puts map entries): keep the value's messages top-level.`;
  if (usesRegistry(input))
    return `Values are decoded through the Schema Registry at \`${ENV.registryUrl}\` (magic byte, 4-byte schema id;
  each schema fetched once, with a bounded request; an unreachable registry is retried, an unknown
  id is dead-lettered).${from}
  Longs are numbers within ±2^53 and exact decimal text beyond; decimals, dates and timestamps are readable text.`;
  return `Values are decoded as ${input.valueFormat === 'json' ? 'JSON (a value that is not JSON is dead-lettered; numbers are JavaScript doubles)' : 'UTF-8 text'}.`;
}

/** src/outputs.ts of the exactly-once variant: the handler's output records as the producer takes them. */
export function outputsTs(): string {
  return `import type { LibrdKafkaError, MessageHeader, Producer } from '@confluentinc/kafka-javascript';
import type { OutputRecord } from './contract';

export interface EncodedOutput {
  readonly topic: string;
  readonly partition: number | null;
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers: MessageHeader[];
}

/** Text and bytes go as they are, other values as JSON; a value JSON cannot hold (a BigInt) is the handler's error. */
export function encodeOutput(output: OutputRecord, defaultTopic: string): EncodedOutput {
  const v = output.value;
  const value = v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  return {
    topic: output.topic ?? defaultTopic,
    partition: output.partition ?? null,
    key: output.key ?? null,
    value,
    headers: Object.entries(output.headers ?? {}).map(([k, h]) => ({ [k]: h })),
  };
}

/** librdkafka codes of a record the broker could never take (too large, no such topic or partition, invalid). */
const RECORD_FAULTS = new Set([10, -186, -188, -190]);

/** What a refused produce means: the producer is gone, the record is at fault, or the transaction must abort. */
export function refusal(error: unknown): 'fatal' | 'record' | 'transaction' {
  const e = error as Partial<LibrdKafkaError>;
  if (e.isFatal) return 'fatal';
  return RECORD_FAULTS.has(e.code as number) ? 'record' : 'transaction';
}

/** Fails at the start when a topic the transactions write to is missing: a transaction writing to it could never commit. */
export async function requireTopic(producer: Producer, topic: string, timeoutMs: number): Promise<void> {
  const found = await new Promise<boolean>((resolve, reject) =>
    producer.getMetadata({ topic, allTopics: false, timeout: timeoutMs }, (err, data) =>
      err ? reject(new Error('could not read the metadata of ' + topic + ': ' + err.message)) : resolve(data.topics.some((t) => t.name === topic && t.partitions.length > 0)),
    ),
  );
  if (!found) throw new Error('the topic ' + topic + ' does not exist: create it, then start the consumer again');
}
`;
}
