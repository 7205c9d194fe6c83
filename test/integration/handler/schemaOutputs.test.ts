// Schema-encoded outputs: handler processes (Node and Python) send records whose key and value the
// extension host encodes through the real Schema Registry (Avro; Protobuf and JSON Schema from an
// in-process handler) before they join the transaction; a read_committed reader decodes them
// through the registry and finds the values exact (a long past 2^53, a decimal, a timestamp). An output that does not fit its schema fails its input, which
// goes to the dead-letter topic with an error naming the field, and nothing of it is produced.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { PayloadEncoder } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { DeliveryGuarantee } from '../../../src/core/engine/types';
import { messageDecoder, processHandler } from '../../../src/core/handler/processHandler';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { RegistryOutputEncoder } from '../../../src/core/session/registryOutputEncoder';
import { SessionController } from '../../../src/core/session/sessionController';
import { committedOffsets, createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { readTopic } from '../../support/topicReader';
import { startHandler, type RunningHandler } from './support/handlerProcess';
import { startPythonHandler } from './support/pythonProcess';

const connection = { bootstrapServers: services.kafka.plaintext };
const decodeInput = messageDecoder(new PayloadDecoder());

// The value goes by TopicName (`<topic>-value`), the key by a subject given outright.
const nodeHandler = `
export async function handle(message, context) {
  const o = message.value;
  context.send({
    topic: o.out,
    key: 'order-' + o.id,
    keySchema: { format: 'avro', subject: o.out + '-key' },
    value: { id: BigInt(o.id), amount: o.amount, at: o.at, note: 'offset ' + message.offset },
    valueSchema: { format: 'avro', strategy: 'TopicName', version: 'latest' },
    headers: { source: String(message.offset) },
  });
}
`;

// Python objects: an int past 2^53, a Decimal, an aware datetime; the value by TopicRecordName.
const pythonHandler = `
import datetime
from decimal import Decimal

def handle(message, context):
    o = message.value
    context.send({
        "topic": o["out"],
        "key": "order-" + str(o["id"]),
        "key_schema": {"format": "avro", "subject": o["out"] + "-key"},
        "value": {
            "id": int(o["id"]),
            "amount": Decimal(o["amount"]),
            "at": datetime.datetime.fromisoformat(o["at"].replace("Z", "+00:00")),
            "note": "offset " + str(message.offset),
        },
        "value_schema": {"format": "avro", "strategy": "TopicRecordName", "record_name": o["record"]},
        "headers": {"source": str(message.offset)},
    })
`;

describe('handler outputs encoded through the Schema Registry (Avro, Protobuf, JSON Schema), read back exactly', function () {
  this.timeout(120_000);
  const topics: string[] = [];
  const groups: string[] = [];
  const subjects: string[] = [];
  const running: RunningHandler[] = [];
  const sessions: ConsumerSession[] = [];
  const client = new SchemaRegistryClient({ id: 'it-schema-outputs', url: services.registry.url });
  const schemas = new SchemaCache(client, { failureTtlMs: 200 });
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-schema-outputs-'));
    fs.writeFileSync(path.join(dir, 'transform.ts'), nodeHandler);
    fs.writeFileSync(path.join(dir, 'transform.py'), pythonHandler);
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
    await Promise.all(running.splice(0).map((r) => r.close()));
  });
  after(async () => {
    await deleteTopicsQuietly(...topics);
    await withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
    for (const subject of subjects) {
      await client.deleteSubject(subject).catch(() => undefined);
      await client.deleteSubject(subject, { permanent: true }).catch(() => undefined);
    }
    client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function register(subject: string, schema: unknown): Promise<number> {
    const result = await client.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(schema) });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    subjects.push(subject);
    return result.value.id;
  }

  const cases: Array<{ runtime: 'node' | 'python'; delivery: DeliveryGuarantee }> = [
    { runtime: 'node', delivery: 'exactly-once' },
    { runtime: 'python', delivery: 'exactly-once' },
    { runtime: 'node', delivery: 'at-least-once' },
  ];
  for (const { runtime, delivery } of cases) {
    it(`${runtime}, ${delivery}: a long past 2^53, a decimal and a timestamp arrive exact; an output that does not fit dead-letters its input, naming the field`, async () => {
      const input = uniqueName('it-sout-in');
      const output = uniqueName('it-sout-out');
      const dlq = `${input}.dead-letter`;
      topics.push(input, output, dlq);
      await Promise.all([createTopic(input, 1), createTopic(output, 1), createTopic(dlq, 1)]);
      const groupId = uniqueName('it-sout-group');
      groups.push(groupId);
      const record = `lab.outputs.Order_${output.replace(/[^A-Za-z0-9]/g, '_')}`;
      const avro = {
        type: 'record',
        name: record.split('.').pop(),
        namespace: 'lab.outputs',
        fields: [
          { name: 'id', type: 'long' },
          { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 4 } },
          { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
          { name: 'note', type: 'string' },
        ],
      };
      const valueSubject = runtime === 'python' ? `${output}-${record}` : `${output}-value`;
      const valueSchemaId = await register(valueSubject, avro);
      const keySchemaId = await register(`${output}-key`, 'string');

      const inputs = [
        { id: '9223372036854775807', amount: '12345678901234.5678', at: '2026-11-01T10:20:30.123Z' },
        { id: '9007199254740993', amount: '-0.0001', at: '1969-12-31T23:59:59.999Z' },
        // Five decimal places: more than the scale (4) holds, so the encoder refuses it (never rounds).
        { id: '3', amount: '1.23456', at: '2026-11-01T00:00:00.000Z' },
        { id: '4', amount: '0', at: '2026-11-01T00:00:00.000Z' },
      ];
      const producer = kafkaClient().producer();
      await producer.connect();
      await producer.send({
        topic: input,
        // The id as a JSON string: the handler makes a BigInt / int of it.
        messages: inputs.map((v, i) => ({ key: `k${i}`, value: JSON.stringify({ ...v, out: output, record }) })),
      });
      await producer.disconnect();

      const handler =
        runtime === 'node'
          ? await startHandler(path.join(dir, 'transform.ts'))
          : await startPythonHandler(path.join(dir, 'transform.py'));
      running.push(handler);
      const session = new ConsumerSession(
        {
          connection,
          groupId,
          topics: [input],
          delivery,
          ...(delivery === 'exactly-once' ? { transactionalIdPrefix: uniqueName('it-sout-txn') } : {}),
          commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 100 },
          handler: processHandler({ channel: handler.channel, decode: decodeInput, timeoutMs: () => 20_000 }),
        },
        { outputSchemas: new RegistryOutputEncoder(new PayloadEncoder({ registry: client, schemas })) },
      );
      sessions.push(session);
      const deadLettered: Array<{ offset: number; error: string }> = [];
      session.on('deadLettered', (e) =>
        deadLettered.push({ offset: e.message.offset, error: e.envelope.error_message }),
      );
      await session.start();
      await waitFor('all four inputs committed', 60_000, async () =>
        (await committedOffsets(groupId, input)).get(0) === 4 ? true : undefined,
      );
      await session.stop();

      assert.deepEqual(
        deadLettered.map((d) => d.offset),
        [2],
        'the input whose output did not fit was dead-lettered',
      );
      assert.match(deadLettered[0].error, /output 1: the value could not be encoded as Avro/);
      assert.match(deadLettered[0].error, /\$\.amount/, 'the error names the field');

      // Nothing of the failed input was produced, even uncommitted.
      const all = await readTopic(output, 'read_uncommitted');
      assert.ok(!all.some((r) => r.headers.source === '2'), 'no record of the failed input on the topic');
      const records = await readTopic(output, 'read_committed');
      assert.deepEqual(
        records.map((r) => r.headers.source),
        ['0', '1', '3'],
        'each good input once',
      );
      const decoder = new PayloadDecoder({ schemas });
      const decoded: unknown[] = [];
      for (const r of records) {
        const value = await decoder.decode(r.value, { topic: output, role: 'value' });
        assert.ok(value.ok && 'schema' in value, value.ok ? `not schema-framed: ${value.format}` : value.error.message);
        assert.equal(value.schema.id, valueSchemaId, "the value is framed with the subject's schema id");
        const key = await decoder.decode(r.keyBytes, { topic: output, role: 'key' });
        assert.ok(key.ok && 'schema' in key, key.ok ? `not schema-framed: ${key.format}` : key.error.message);
        assert.equal(key.schema.id, keySchemaId);
        decoded.push({ key: toDisplayJson(key.value), value: toDisplayJson(value.value) });
      }
      assert.deepEqual(decoded, [
        {
          key: 'order-9223372036854775807',
          value: {
            id: '9223372036854775807',
            amount: '12345678901234.5678',
            at: '2026-11-01T10:20:30.123Z',
            note: 'offset 0',
          },
        },
        {
          key: 'order-9007199254740993',
          value: { id: '9007199254740993', amount: '-0.0001', at: '1969-12-31T23:59:59.999Z', note: 'offset 1' },
        },
        { key: 'order-4', value: { id: 4, amount: '0.0000', at: '2026-11-01T00:00:00.000Z', note: 'offset 3' } },
      ]);
    });
  }

  it('stepping, exactly-once, through the session controller: Next joins the encoded output to the transaction; an output that does not fit leaves the message waiting with the field named, and Dead-letter records it', async () => {
    const input = uniqueName('it-sout-step-in');
    const output = uniqueName('it-sout-step-out');
    const dlq = `${input}.dead-letter`;
    topics.push(input, output, dlq);
    await Promise.all([createTopic(input, 1), createTopic(output, 1), createTopic(dlq, 1)]);
    const groupId = uniqueName('it-sout-step-group');
    groups.push(groupId);
    const record = `lab.outputs.Step_${output.replace(/[^A-Za-z0-9]/g, '_')}`;
    await register(`${output}-value`, {
      type: 'record',
      name: record.split('.').pop(),
      namespace: 'lab.outputs',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 4 } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'note', type: 'string' },
      ],
    });
    await register(`${output}-key`, 'string');
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [
        { id: '9223372036854775806', amount: '0.5', at: '2026-11-01T10:20:30.123Z' },
        { id: '2', amount: '1.23456', at: '2026-11-01T10:20:30.123Z' },
        { id: '3', amount: '3', at: '2026-11-01T10:20:30.000Z' },
      ].map((v, i) => ({ key: `k${i}`, value: JSON.stringify({ ...v, out: output, record }) })),
    });
    await producer.disconnect();
    const handler = await startHandler(path.join(dir, 'transform.ts'));
    running.push(handler);
    const controller = new SessionController(
      'schema-outputs-step',
      {
        clusterId: 'local',
        clusterName: 'local',
        groupId,
        topics: [input],
        autoOffsetReset: 'earliest',
        mode: 'stepping',
        handler: 'noop',
        commitPolicy: { kind: 'perMessage' },
        delivery: 'exactly-once',
        transactionalIdPrefix: uniqueName('it-sout-step-txn'),
        members: 1,
      },
      {
        connection,
        decoder: new PayloadDecoder(),
        // What the composition root passes: the cluster's registry encoder.
        encoder: new PayloadEncoder({ registry: client, schemas }),
        handler: processHandler({ channel: handler.channel, decode: decodeInput, timeoutMs: () => undefined }),
      },
    );
    try {
      await controller.start();
      const shown = (offset: number) =>
        waitFor(`offset ${offset} waiting`, 20_000, () => (controller.current?.offset === offset ? true : undefined));
      const committedTo = (offset: number) =>
        waitFor(`offset ${offset} committed`, 20_000, async () =>
          (await committedOffsets(groupId, input)).get(0) === offset ? true : undefined,
        );
      await shown(0);
      await controller.decide('next');
      await committedTo(1);
      await shown(1);
      await controller.decide('next');
      assert.equal(controller.current?.offset, 1, 'the message whose output does not fit keeps waiting');
      const notice = controller.panelState().notice;
      assert.equal(notice?.level, 'error');
      assert.match(notice?.text ?? '', /OutputEncodeError: output 1: the value could not be encoded as Avro/);
      assert.match(notice?.text ?? '', /\$\.amount: expected decimal\(20, 4\)/);
      assert.equal(controller.panelState().history.at(-1)?.decision, 'failed');
      await controller.decide('deadLetter');
      await committedTo(2);
      await shown(2);
      await controller.decide('next');
      await committedTo(3);
    } finally {
      await controller.stop();
    }
    const dead = await readTopic(dlq, 'read_committed');
    assert.equal(dead.length, 1);
    const envelope = JSON.parse(dead[0].value?.toString() ?? '{}') as DeadLetterEnvelope;
    assert.deepEqual([envelope.original_offset, envelope.error_type], [1, 'OutputEncodeError']);
    assert.match(envelope.error_message, /\$\.amount/);
    const records = await readTopic(output, 'read_committed');
    assert.deepEqual(
      records.map((r) => r.headers.source),
      ['0', '2'],
    );
    const decoder = new PayloadDecoder({ schemas });
    const values = [];
    for (const r of records) {
      const decoded = await decoder.decode(r.value, { topic: output, role: 'value' });
      assert.ok(decoded.ok && 'schema' in decoded, decoded.ok ? decoded.format : decoded.error.message);
      values.push(toDisplayJson(decoded.value));
    }
    assert.deepEqual(values, [
      { id: '9223372036854775806', amount: '0.5000', at: '2026-11-01T10:20:30.123Z', note: 'offset 0' },
      { id: 3, amount: '3.0000', at: '2026-11-01T10:20:30.000Z', note: 'offset 2' },
    ]);
  });

  it('an in-process handler, exactly-once: a Protobuf value by RecordName (int64 past 2^53, a Timestamp) and a JSON Schema key by TopicName', async () => {
    const input = uniqueName('it-sout-pb-in');
    const output = uniqueName('it-sout-pb-out');
    const dlq = `${input}.dead-letter`;
    topics.push(input, output, dlq);
    await Promise.all([createTopic(input, 1), createTopic(output, 1), createTopic(dlq, 1)]);
    const groupId = uniqueName('it-sout-pb-group');
    groups.push(groupId);
    const pkg = `lab.pb_${output.replace(/[^A-Za-z0-9]/g, '_')}`;
    const result = await client.register(`${pkg}.Order`, {
      schemaType: 'PROTOBUF',
      schema: `syntax = "proto3";\npackage ${pkg};\nimport "google/protobuf/timestamp.proto";\nmessage Order { int64 id = 1; google.protobuf.Timestamp at = 2; string note = 3; }\n`,
    });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    subjects.push(`${pkg}.Order`);
    await client
      .register(`${output}-key`, {
        schemaType: 'JSON',
        schema: JSON.stringify({
          type: 'object',
          title: 'OrderKey',
          properties: { order: { type: 'string' } },
          required: ['order'],
        }),
      })
      .then((r) => assert.ok(r.ok, r.ok ? '' : r.error.message));
    subjects.push(`${output}-key`);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: ['9223372036854775807', 'not an int64', '-9007199254740993'].map((id, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ id }),
      })),
    });
    await producer.disconnect();
    const session = new ConsumerSession(
      {
        connection,
        groupId,
        topics: [input],
        delivery: 'exactly-once',
        transactionalIdPrefix: uniqueName('it-sout-pb-txn'),
        commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 100 },
        // The engine's own handler interface: a JavaScript value (a BigInt) goes to the encoder as it is.
        handler: (m, context) => {
          const { id } = JSON.parse(m.value?.toString() ?? '{}') as { id: string };
          context.send?.({
            topic: output,
            key: { order: m.key?.toString() },
            keySchema: { format: 'jsonSchema' },
            value: {
              id: /^-?\d+$/.test(id) ? BigInt(id) : id,
              at: '2026-11-01T10:20:30.123456789Z',
              note: `offset ${m.offset}`,
            },
            valueSchema: { format: 'protobuf', strategy: 'RecordName', recordName: `${pkg}.Order` },
          });
        },
      },
      { outputSchemas: new RegistryOutputEncoder(new PayloadEncoder({ registry: client, schemas })) },
    );
    sessions.push(session);
    const deadLettered: string[] = [];
    session.on('deadLettered', (e) => deadLettered.push(`${e.message.offset}: ${e.envelope.error_message}`));
    await session.start();
    await waitFor('all three inputs committed', 60_000, async () =>
      (await committedOffsets(groupId, input)).get(0) === 3 ? true : undefined,
    );
    await session.stop();
    assert.equal(deadLettered.length, 1, deadLettered.join('\n'));
    assert.match(deadLettered[0], /^1: output 1: the value could not be encoded as Protobuf: .*\$\.id/);
    const records = await readTopic(output, 'read_committed');
    const decoder = new PayloadDecoder({ schemas });
    const decoded: unknown[] = [];
    for (const r of records) {
      const key = await decoder.decode(r.keyBytes, { topic: output, role: 'key' });
      const value = await decoder.decode(r.value, { topic: output, role: 'value' });
      assert.ok(key.ok && 'schema' in key && key.format === 'jsonSchema', key.ok ? key.format : key.error.message);
      assert.ok(
        value.ok && 'schema' in value && value.format === 'protobuf',
        value.ok ? value.format : value.error.message,
      );
      decoded.push({ key: toDisplayJson(key.value), value: toDisplayJson(value.value) });
    }
    assert.deepEqual(decoded, [
      {
        key: { order: 'k0' },
        value: { id: '9223372036854775807', at: '2026-11-01T10:20:30.123456789Z', note: 'offset 0' },
      },
      {
        key: { order: 'k2' },
        value: { id: '-9007199254740993', at: '2026-11-01T10:20:30.123456789Z', note: 'offset 2' },
      },
    ]);
  });
});
