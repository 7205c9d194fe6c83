// The generated projects, quickly, first in `npm run test:generator` (which then runs the 10,000-record
// scenarios; it left `npm test` to keep that under 15 minutes): both compile (tsc strict) or import,
// pass their own unit and integration tests against the real broker, and decode Avro through the
// real registry to the extension's readable values.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PayloadEncoder } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { defaultGeneratorInput, type GeneratorInput } from '../../../src/core/generator/generatorInput';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { CommittedReader } from '../../support/committedReader';
import { createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { ConsumerProcess, pythonFor, removeProjects, repoRoot, run, writeProject } from './generatedProject';

const ORDER_SCHEMA = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'lab.generated',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'placedOn', type: { type: 'int', logicalType: 'date' } },
    { name: 'placedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
const ORDERS = [
  {
    id: '9223372036854775807',
    amount: '3978711.44',
    placedOn: '1969-07-20',
    placedAt: '2026-11-30T12:34:56.789Z',
    note: null,
  },
  {
    id: '-4503599627370497',
    amount: '-0.01',
    placedOn: '2024-02-29',
    placedAt: '1969-12-31T23:59:59.999Z',
    note: 'gift',
  },
];

function avroInput(language: GeneratorInput['language'], topic: string, groupId: string): GeneratorInput {
  return defaultGeneratorInput({
    language,
    groupId,
    topics: [topic],
    valueFormat: 'avro',
    schema: { subject: `${topic}-value`, version: 1, id: 1, schema: JSON.stringify(ORDER_SCHEMA) },
    commitPolicy: { kind: 'perMessage' },
    connection: { bootstrapServers: services.kafka.plaintext, schemaRegistryUrl: services.registry.url },
  });
}

function jsonInput(language: GeneratorInput['language']): GeneratorInput {
  return defaultGeneratorInput({
    language,
    groupId: uniqueName('gen-smoke'),
    topics: ['orders'],
    connection: { bootstrapServers: services.kafka.plaintext },
  });
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
  try {
    return [...(await reader.read(topic, [0])).values()].reduce((n, o) => n + Math.max(0, o), 0);
  } finally {
    await reader.close();
  }
}

describe('generated consumer projects: compile, their own tests, Avro through the registry', function () {
  this.timeout(15 * 60_000);
  const client = new SchemaRegistryClient({ id: 'it-generator', url: services.registry.url });
  const topic = uniqueName('it-gen-avro');
  const subject = `${topic}-value`;
  const groups: string[] = [];
  const processes: ConsumerProcess[] = [];
  const brokerEnv = { ...process.env, KAFKA_BOOTSTRAP_SERVERS: services.kafka.plaintext };

  before(async () => {
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const encoder = new PayloadEncoder({ registry: client, schemas: new SchemaCache(client) });
    const producer = kafkaClient().producer();
    await producer.connect();
    try {
      const messages = [];
      for (const [i, order] of ORDERS.entries()) {
        const encoded = await encoder.encode({
          format: 'avro',
          topic,
          role: 'value',
          input: { value: order },
          ...(i === 0 ? { register: { schema: JSON.stringify(ORDER_SCHEMA) } } : {}),
        });
        assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
        messages.push({ key: `k${i}`, value: encoded.bytes as Buffer });
      }
      // Not in the wire format: dead-lettered as a decode error.
      messages.push({ key: 'poison', value: Buffer.from('plain text') });
      await producer.send({ topic, messages });
    } finally {
      await producer.disconnect();
    }
  });

  after(async () => {
    for (const p of processes) await p.kill();
    await deleteTopicsQuietly(topic, `${topic}.dead-letter`);
    for (const g of groups) await withAdmin((admin) => admin.deleteGroups([g])).catch(() => undefined);
    await client.deleteSubject(subject).catch(() => undefined);
    await client.deleteSubject(subject, { permanent: true }).catch(() => undefined);
    client.close();
    removeProjects();
  });

  // The extension's own node_modules: the generated package.json pins exactly these versions
  // (test/unit/core/generator/generateProject.test.ts), so the compile is the generated project's.
  const linkDependencies = (dir: string): void =>
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');

  it('TypeScript (JSON): compiles strict, passes its unit tests and its own integration test on the broker', async () => {
    const dir = writeProject(jsonInput('typescript'), 'gen-smoke-ts');
    linkDependencies(dir);
    await run(tsc, ['-p', '.'], { cwd: dir, timeoutMs: 180_000, what: 'tsc (strict)' });
    const unit = await run(
      process.execPath,
      ['--test', 'dist/test/handler.test.js', 'dist/test/watermark.test.js', 'dist/test/deadLetter.test.js'],
      {
        cwd: dir,
        timeoutMs: 120_000,
        what: 'the unit tests',
      },
    );
    assert.match(unit.output, /# pass 9\n# fail 0/);
    const integration = await run(process.execPath, ['--test', 'dist/test/integration.test.js'], {
      cwd: dir,
      env: brokerEnv,
      timeoutMs: 180_000,
      what: "the project's integration test",
    });
    assert.match(integration.output, /# pass 1\n# fail 0/);
    assert.match(integration.output, /# skipped 0/);
  });

  it('TypeScript (Avro): the types from the subject compile strict; longs, decimals, dates and timestamps decode exactly; the poison is dead-lettered', async () => {
    const groupId = uniqueName('gen-avro-ts');
    groups.push(groupId);
    const dir = writeProject(avroInput('typescript', topic, groupId), 'gen-smoke-avro-ts');
    linkDependencies(dir);
    const seen = path.join(dir, 'seen.ndjson');
    fs.writeFileSync(
      path.join(dir, 'src', 'handler.ts'),
      `import { appendFileSync } from 'node:fs';
import type { HandlerContext, HandlerMessage, HandlerResult } from './contract';
import type { OrderPlaced } from './types';

export async function handle(message: HandlerMessage<OrderPlaced | null>, _context: HandlerContext): Promise<HandlerResult> {
  if (message.value === null) return { decision: 'skip' };
  const order: OrderPlaced = message.value;
  appendFileSync(process.env.SEEN_FILE as string, JSON.stringify({ order, format: message.format.value }) + '\\n');
  return undefined;
}
`,
    );
    await run(tsc, ['-p', '.'], { cwd: dir, timeoutMs: 180_000, what: 'tsc (strict) with the Avro types' });
    const consumer = new ConsumerProcess(process.execPath, ['dist/src/consumer.js'], dir, {
      ...process.env,
      SEEN_FILE: seen,
    });
    processes.push(consumer);
    await waitFor('the Avro topic committed to its end', 90_000, async () => {
      if (!consumer.running) throw new Error(`the consumer exited:\n${consumer.log}`);
      return (await committedTotal(groupId, topic)) === ORDERS.length + 1 ? true : undefined;
    });
    consumer.signal('SIGTERM');
    assert.equal((await consumer.waitForExit(60_000)).code, 0);
    const lines = fs
      .readFileSync(seen, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { order: unknown; format: { format: string; schemaId?: number } });
    const id = await client.getSchemaByVersion(subject, 'latest');
    assert.ok(id.ok);
    assert.deepEqual(
      lines.map((l) => l.order),
      [
        {
          id: '9223372036854775807',
          amount: '3978711.44',
          placedOn: '1969-07-20',
          placedAt: '2026-11-30T12:34:56.789Z',
          note: null,
        },
        {
          id: -4503599627370497,
          amount: '-0.01',
          placedOn: '2024-02-29',
          placedAt: '1969-12-31T23:59:59.999Z',
          note: 'gift',
        },
      ],
    );
    assert.deepEqual(lines[0]?.format, { format: 'avro', schemaId: id.value.id });
    const dlq = await withAdmin((admin) => admin.fetchTopicOffsets(`${topic}.dead-letter`));
    assert.ok(Number(dlq[0]?.high) >= 1, 'the record not in the wire format is dead-lettered');
  });

  it('Python (JSON): imports, passes its pytest unit tests and its own integration test on the broker', async () => {
    const dir = writeProject(jsonInput('python'), 'gen-smoke-py');
    const python = await pythonFor(dir);
    await run(python, ['-m', 'compileall', '-q', 'src', 'tests'], { cwd: dir, timeoutMs: 60_000, what: 'compileall' });
    const result = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: dir,
      env: brokerEnv,
      timeoutMs: 240_000,
      what: 'pytest with the broker',
    });
    assert.match(result.output, /\b10 passed\b/);
    assert.doesNotMatch(result.output, /skipped|failed/);
  });

  it('Python (Avro): AvroDeserializer through the registry gives int, Decimal, date and datetime; the poison is dead-lettered', async () => {
    const groupId = uniqueName('gen-avro-py');
    groups.push(groupId);
    const dir = writeProject(avroInput('python', topic, groupId), 'gen-smoke-avro-py');
    const python = await pythonFor(dir);
    const seen = path.join(dir, 'seen.txt');
    fs.writeFileSync(
      path.join(dir, 'src', 'handler.py'),
      `import os

from model import OrderPlaced


def handle(message, context):
    order: OrderPlaced = message.value
    with open(os.environ["SEEN_FILE"], "a") as f:
        f.write(repr(sorted(order.items())) + " " + message.format["value"]["format"] + "\\n")
`,
    );
    const consumer = new ConsumerProcess(python, ['src/consumer.py'], dir, {
      ...process.env,
      SEEN_FILE: seen,
      PYTHONUNBUFFERED: '1',
    });
    processes.push(consumer);
    await waitFor('the Avro topic committed to its end by the Python consumer', 120_000, async () => {
      if (!consumer.running) throw new Error(`the consumer exited:\n${consumer.log}`);
      return (await committedTotal(groupId, topic)) === ORDERS.length + 1 ? true : undefined;
    });
    consumer.signal('SIGTERM');
    assert.equal((await consumer.waitForExit(60_000)).code, 0, consumer.log);
    assert.deepEqual(fs.readFileSync(seen, 'utf8').trim().split('\n'), [
      "[('amount', Decimal('3978711.44')), ('id', 9223372036854775807), ('note', None), ('placedAt', datetime.datetime(2026, 11, 30, 12, 34, 56, 789000, tzinfo=datetime.timezone.utc)), ('placedOn', datetime.date(1969, 7, 20))] avro",
      "[('amount', Decimal('-0.01')), ('id', -4503599627370497), ('note', 'gift'), ('placedAt', datetime.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=datetime.timezone.utc)), ('placedOn', datetime.date(2024, 2, 29))] avro",
    ]);
  });
});
