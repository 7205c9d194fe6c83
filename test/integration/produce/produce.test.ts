import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadEncoder } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { type ProduceOutcome, type ProduceRequest, ProduceService } from '../../../src/core/produce/produceService';
import type { PayloadInput } from '../../../src/core/produce/payloadForms';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createTopic, deleteTopicsQuietly, withAdmin } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { decodedValue, newProducer, readBack, registryKit } from './support';

/**
 * The producer form's service against the real broker and registry: every payload form, the
 * subject strategies, and each bad input named at its field, with nothing written.
 */
describe('produce: the form service on the real broker and registry', function () {
  this.timeout(90_000);
  const topic = uniqueName('it-produce');
  const small = uniqueName('it-produce-small');
  const kit = registryKit();
  const producer = newProducer();
  const service = new ProduceService({ encoder: kit.encoder, producer });
  const suffix = topic.replace(/[^A-Za-z0-9]/g, '_');
  const avroOrder = {
    type: 'record',
    name: `Order_${suffix}`,
    namespace: 'lab.produce',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'cents', type: 'long' },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    ],
  };
  const recordName = `lab.produce.Order_${suffix}`;
  const order = { id: 'o-1', cents: '9223372036854775807', amount: '3978711.44', day: '2028-04-20', status: 'PAID' };
  const text = (t: string): PayloadInput => ({ form: 'text', text: t });
  const request = (value: PayloadInput, extra: Partial<ProduceRequest> = {}): ProduceRequest => ({
    topic,
    key: text('k-1'),
    value,
    headers: [],
    ...extra,
  });
  const delivered = (outcome: ProduceOutcome) => {
    assert.ok(outcome.ok, outcome.ok ? '' : JSON.stringify(outcome.problems));
    return outcome;
  };

  before(async () => {
    await createTopic(topic, 3);
    await withAdmin((admin) =>
      admin.createTopics({
        topics: [
          {
            topic: small,
            numPartitions: 1,
            replicationFactor: 1,
            configEntries: [{ name: 'max.message.bytes', value: '2048' }],
          },
        ],
      }),
    );
    await kit.register(`${topic}-value`, 'AVRO', JSON.stringify(avroOrder));
    await kit.register(recordName, 'AVRO', JSON.stringify(avroOrder));
    await kit.register(`${topic}-${recordName}`, 'AVRO', JSON.stringify(avroOrder));
    await kit.register(
      `${topic}-proto-value`,
      'PROTOBUF',
      'syntax = "proto3";\npackage lab.produce;\nimport "google/protobuf/timestamp.proto";\nmessage Ping { int64 n = 1; google.protobuf.Timestamp at = 2; }\n',
    );
    await kit.register(
      `${topic}-json-value`,
      'JSON',
      JSON.stringify({
        type: 'object',
        properties: { id: { type: 'string' }, n: { type: 'integer' } },
        required: ['id'],
        additionalProperties: false,
      }),
    );
  });

  after(async () => {
    await producer.close();
    await deleteTopicsQuietly(topic, small);
    await kit.cleanup();
  });

  it('writes JSON, text, hex, base64 and null payloads, with headers, a partition and a timestamp, as typed', async () => {
    const json = '{"n": 12345678901234567890, "s": "é"}';
    const cases: Array<[PayloadInput, Buffer | null]> = [
      [{ form: 'json', text: json }, Buffer.from(json)],
      [text('plain ✓ text'), Buffer.from('plain ✓ text')],
      [{ form: 'hex', text: '00 ff 10' }, Buffer.from([0, 255, 16])],
      [{ form: 'base64', text: 'AP8Q' }, Buffer.from([0, 255, 16])],
      [{ form: 'null', text: '' }, null],
    ];
    for (const [value, bytes] of cases) {
      const outcome = delivered(
        await service.produce(
          request(value, {
            partition: 2,
            timestamp: '2026-01-02T03:04:05.678Z',
            headers: [{ key: 'origin', value: 'it ✓' }],
          }),
        ),
      );
      assert.equal(outcome.delivered.partition, 2);
      const back = await readBack(topic, 2, outcome.delivered.offset);
      assert.deepEqual(back.value, bytes, value.form);
      assert.equal(back.key?.toString(), 'k-1');
      assert.equal(back.timestamp, Date.parse('2026-01-02T03:04:05.678Z'));
      assert.deepEqual(
        back.headers?.map((h) => Object.entries(h).map(([k, v]) => [k, String(v)])),
        [[['origin', 'it ✓']]],
      );
    }
  });

  it('encodes through the registry with each subject strategy, and the decoder reads what was meant', async () => {
    const strategies = [
      { strategy: 'TopicName' as const, subject: `${topic}-value` },
      { strategy: 'RecordName' as const, subject: recordName },
      { strategy: 'TopicRecordName' as const, subject: `${topic}-${recordName}` },
    ];
    for (const { strategy, subject } of strategies) {
      const outcome = delivered(
        await service.produce(
          request({
            form: 'schema',
            text: JSON.stringify(order),
            schema: { format: 'avro', strategy, version: 'latest', recordName },
          }),
        ),
      );
      assert.equal(outcome.value?.subject, subject);
      const back = await readBack(topic, outcome.delivered.partition, outcome.delivered.offset);
      const value = decodedValue(await kit.decoder.decode(back.value, { topic, role: 'value' }));
      assert.deepEqual(toDisplayJson(value), order, strategy);
    }
  });

  it('encodes Protobuf (with a well-known type) and JSON Schema by a chosen subject and version', async () => {
    const proto = delivered(
      await service.produce(
        request({
          form: 'schema',
          text: '{"n": "-9223372036854775808", "at": "2024-02-29T12:00:00Z"}',
          schema: { format: 'protobuf', strategy: 'TopicName', subject: `${topic}-proto-value`, version: 1 },
        }),
      ),
    );
    const protoBack = await readBack(topic, proto.delivered.partition, proto.delivered.offset);
    const protoValue = decodedValue(await kit.decoder.decode(protoBack.value, { topic, role: 'value' }));
    assert.deepEqual(toDisplayJson(protoValue), { n: '-9223372036854775808', at: '2024-02-29T12:00:00Z' });

    const json = delivered(
      await service.produce(
        request({
          form: 'schema',
          text: '{"id": "j-1", "n": 7}',
          schema: { format: 'jsonSchema', strategy: 'TopicName', subject: `${topic}-json-value`, version: 'latest' },
        }),
      ),
    );
    const jsonBack = await readBack(topic, json.delivered.partition, json.delivered.offset);
    assert.deepEqual(decodedValue(await kit.decoder.decode(jsonBack.value, { topic, role: 'value' })), {
      id: 'j-1',
      n: 7,
    });
  });

  it('names each field that does not match the schema, and sends nothing', async () => {
    const before = await endOffsets(topic);
    const outcome = await service.produce(
      request({
        form: 'schema',
        text: JSON.stringify({ ...order, amount: '1.234', status: 'LOST', day: '2027-02-29' }),
        schema: { format: 'avro', strategy: 'TopicName', version: 'latest' },
      }),
    );
    assert.ok(!outcome.ok);
    const value = outcome.problems.find((p) => p.field === 'value');
    assert.equal(value?.reason, 'schemaMismatch');
    const paths = (value?.fieldErrors ?? []).map((e) => e.path).sort();
    assert.deepEqual(paths, ['$.amount', '$.day', '$.status']);
    assert.deepEqual(await endOffsets(topic), before);
  });

  it('reports every field problem at once: partition, timestamp, headers, key', async () => {
    const outcome = await service.produce({
      topic,
      partition: 7,
      key: { form: 'hex', text: 'xyz' },
      value: text('v'),
      headers: [{ key: '', value: 'x' }],
      timestamp: 'yesterday',
    });
    assert.ok(!outcome.ok);
    const fields = outcome.problems.map((p) => p.field).sort();
    assert.deepEqual(fields, ['headers', 'key', 'timestamp']);
    // the partition is checked against the topic once the record itself is valid
    const partition = await service.produce(request(text('v'), { partition: 7 }));
    assert.ok(!partition.ok);
    assert.deepEqual(
      partition.problems.map((p) => [p.field, p.reason]),
      [['partition', 'partitionNotFound']],
    );
  });

  it('an unknown subject is named at the value, with what to do', async () => {
    const outcome = await service.produce(
      request({
        form: 'schema',
        text: '{}',
        schema: { format: 'avro', strategy: 'TopicName', subject: `${topic}-nope`, version: 'latest' },
      }),
    );
    assert.ok(!outcome.ok);
    assert.deepEqual(
      outcome.problems.map((p) => [p.field, p.reason]),
      [['value', 'subjectNotFound']],
    );
    assert.match(outcome.problems[0].message, /Register a schema/);
  });

  it('an unreachable registry is named at the value (bounded), and nothing is sent', async () => {
    const dead = new SchemaRegistryClient({
      id: 'dead',
      url: 'http://127.0.0.1:9/apis/ccompat/v7',
      requestTimeoutMs: 2000,
    });
    const deadService = new ProduceService({
      encoder: new PayloadEncoder({ registry: dead, schemas: new SchemaCache(dead) }),
      producer,
    });
    const outcome = await deadService.produce(
      request({ form: 'schema', text: '{}', schema: { format: 'avro', strategy: 'TopicName', version: 'latest' } }),
    );
    dead.close();
    assert.ok(!outcome.ok);
    assert.equal(outcome.problems[0].field, 'value');
    assert.equal(outcome.problems[0].reason, 'unreachable');
  });

  it('a topic that does not exist is named at the topic (the form then offers to create it)', async () => {
    const outcome = await service.produce(request(text('v'), { topic: uniqueName('it-produce-missing') }));
    assert.ok(!outcome.ok);
    assert.deepEqual(
      outcome.problems.map((p) => [p.field, p.reason]),
      [['topic', 'topicNotFound']],
    );
  });

  it("a record over the topic's max.message.bytes is refused by the broker and named at the value", async () => {
    // Random bytes: lz4 cannot shrink them under the topic's 2,048-byte limit.
    const outcome = await service.produce({
      topic: small,
      key: text('k'),
      value: { form: 'hex', text: randomBytes(8192).toString('hex') },
      headers: [],
    });
    assert.ok(!outcome.ok);
    assert.deepEqual(
      outcome.problems.map((p) => [p.field, p.reason]),
      [['value', 'messageTooLarge']],
    );
    assert.match(outcome.problems[0].message, /max\.message\.bytes/);
    const ok = delivered(await service.produce({ topic: small, key: text('k'), value: text('fits'), headers: [] }));
    assert.equal(ok.delivered.offset, 0);
  });
});

async function endOffsets(topic: string): Promise<string[]> {
  return withAdmin(async (admin) =>
    (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.high}`).sort(),
  );
}
