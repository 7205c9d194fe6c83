import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { toLibrdkafkaConfig } from '../../../src/core/kafka/connection';
import { loadNativeClient } from '../../../src/core/kafka/nativeClient';
import { loadGenerator } from '../../../src/core/produce/generateRecords';
import { produceGenerated } from '../../../src/core/produce/generateProduce';
import type { PayloadInput, SchemaChoice } from '../../../src/core/produce/payloadForms';
import { ProduceService, type ProduceRequest } from '../../../src/core/produce/produceService';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { connection, newProducer, registryKit } from './support';

/** Every record of partition 0 from offset 0, by assignment (no group joins, nothing is committed). */
async function readPartition(topic: string, expected: number, timeoutMs = 60_000): Promise<Buffer[]> {
  const kafka = loadNativeClient();
  const consumer: KafkaConsumer = new kafka.KafkaConsumer(
    {
      ...toLibrdkafkaConfig({ ...connection, clientId: 'it-generate-read' }),
      'group.id': `it-generate-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
    } as never,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 20_000 }, (e) => (e ? reject(e) : resolve())),
  );
  try {
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    const out: Buffer[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < expected) {
      if (Date.now() > deadline)
        throw new Error(`read ${out.length} of ${expected} records of ${topic} in ${timeoutMs} ms`);
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(500, (e, messages) => (e ? reject(e) : resolve(messages))),
      );
      for (const m of batch) out.push(m.value as Buffer);
    }
    return out;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('generate: random valid records from real registry schemas, produced and read back', function () {
  this.timeout(180_000);
  const base = uniqueName('it-generate');
  const suffix = base.replace(/[^A-Za-z0-9]/g, '_');
  const topics = { avro: `${base}-avro`, proto: `${base}-proto`, json: `${base}-json`, rate: `${base}-rate` };
  const kit = registryKit();
  const producer = newProducer();
  const service = new ProduceService({ encoder: kit.encoder, producer });

  const avroSchema = {
    type: 'record',
    name: `Order_${suffix}`,
    namespace: 'lab.generate',
    fields: [
      { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'cents', type: 'long' },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      {
        name: 'rate',
        type: { type: 'fixed', name: 'Rate', size: 8, logicalType: 'decimal', precision: 18, scale: 6 },
      },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'opens', type: { type: 'int', logicalType: 'time-millis' } },
      { name: 'closes', type: { type: 'long', logicalType: 'time-micros' } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'atMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'localAt', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
      { name: 'localAtMicros', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
      { name: 'wait', type: { type: 'fixed', name: 'Wait', size: 12, logicalType: 'duration' } },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
      { name: 'note', type: ['null', 'string', 'long'] },
      { name: 'when', type: ['null', 'string', { type: 'long', logicalType: 'timestamp-millis' }] },
      { name: 'tag', type: { type: 'fixed', name: 'Tag', size: 4 } },
      { name: 'counts', type: { type: 'map', values: 'int' } },
      {
        name: 'lines',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Line',
            fields: [
              { name: 'sku', type: 'string' },
              { name: 'qty', type: 'int' },
              { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 } },
            ],
          },
        },
      },
      {
        name: 'parent',
        type: [
          'null',
          {
            type: 'record',
            name: 'Node',
            fields: [
              { name: 'n', type: 'int' },
              { name: 'next', type: ['null', 'Node'] },
            ],
          },
        ],
      },
      { name: 'ok', type: 'boolean' },
      { name: 'score', type: 'double' },
      { name: 'raw', type: 'bytes' },
    ],
  };
  const protoSchema = `syntax = "proto3";
package lab.generate_${suffix};
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
enum Status { NEW = 0; PAID = 1; SHIPPED = 2; }
message Event {
  int64 id = 1; uint64 big = 2; sint64 delta = 3; fixed64 f64 = 4; sfixed64 sf64 = 5;
  int32 i32 = 6; uint32 u32 = 7; sint32 s32 = 8; fixed32 f32 = 9; sfixed32 sf32 = 10;
  double d = 11; float f = 12; bool b = 13; string s = 14; bytes raw = 15;
  Status status = 16;
  oneof target { string email = 17; int64 account = 18; Address address = 19; }
  repeated string tags = 20;
  map<string, int64> totals = 21;
  map<int32, Address> places = 22;
  google.protobuf.Timestamp at = 23;
  google.protobuf.Duration took = 24;
  google.protobuf.Int64Value maybeId = 25;
  google.protobuf.StringValue maybeName = 26;
  google.protobuf.BoolValue maybeFlag = 27;
  google.protobuf.Struct extra = 28;
  google.protobuf.Value anything = 29;
  Tree tree = 30;
  optional string nickname = 31;
}
message Address { string city = 1; string zip = 2; }
message Tree { int32 n = 1; repeated Tree children = 2; }
`;
  const jsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `Signup_${suffix}`,
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      at: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      email: { type: 'string', format: 'email' },
      code: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{2,6}$' },
      plan: { enum: ['free', 'pro', 'team'] },
      seats: { type: 'integer', minimum: 1, maximum: 500 },
      price: { type: 'number', minimum: 0, exclusiveMaximum: 1000 },
      tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 12 }, maxItems: 5 },
      address: {
        type: 'object',
        properties: { city: { type: 'string', minLength: 1 }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
        required: ['city', 'zip'],
        additionalProperties: false,
      },
    },
    required: ['id', 'at', 'day', 'email', 'code', 'plan', 'seats'],
    additionalProperties: false,
  };

  const subjects = {
    avro: `${topics.avro}-value`,
    proto: `${topics.proto}-value`,
    json: `${topics.json}-value`,
  };
  const schemaInput = (choice: Omit<SchemaChoice, 'strategy' | 'version'>): PayloadInput => ({
    form: 'schema',
    text: '',
    schema: { strategy: 'TopicName', version: 'latest', ...choice },
  });
  const request = (topic: string, value: PayloadInput): ProduceRequest => ({
    topic,
    partition: 0,
    key: { form: 'null', text: '' },
    value,
    headers: [],
  });

  before(async () => {
    await Promise.all(Object.values(topics).map((t) => createTopic(t, 1)));
    await kit.register(subjects.avro, 'AVRO', JSON.stringify(avroSchema));
    await kit.register(subjects.proto, 'PROTOBUF', protoSchema);
    await kit.register(subjects.json, 'JSON', JSON.stringify(jsonSchema));
  });

  after(async () => {
    await producer.close();
    await kit.cleanup();
    await deleteTopicsQuietly(...Object.values(topics));
  });

  async function produce200(topic: string, value: PayloadInput, seed: number): Promise<Buffer[]> {
    const generator = await loadGenerator(kit.client, topic, 'value', value, { seed });
    assert.equal(generator.seed, seed);
    const summary = await produceGenerated(
      { service, producer },
      { request: request(topic, value), generator, count: 200 },
    );
    assert.equal(summary.outcome, 'complete', JSON.stringify(summary.firstFailure));
    assert.equal(summary.sent, 200);
    assert.equal(summary.failed, 0);
    assert.deepEqual(summary.partitions, [{ partition: 0, count: 200, firstOffset: 0, lastOffset: 199 }]);
    return readPartition(topic, 200);
  }

  async function decodeAll(topic: string, bodies: Buffer[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const body of bodies) {
      const decoded = await kit.decoder.decode(body, { topic, role: 'value' });
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      out.push(toDisplayJson((decoded as { value: unknown }).value) as Record<string, unknown>);
    }
    return out;
  }

  it('Avro: 200 records decode, and every logical value is valid and in range', async () => {
    const values = await decodeAll(
      topics.avro,
      await produce200(topics.avro, schemaInput({ format: 'avro', subject: subjects.avro }), 42),
    );
    const statuses = new Set<unknown>();
    const noteKinds = new Set<string>();
    for (const v of values) {
      assert.match(String(v.id), UUID);
      const cents = BigInt(String(v.cents));
      assert.ok(cents >= -(2n ** 63n) && cents < 2n ** 63n);
      assert.match(String(v.amount), /^-?\d{1,7}\.\d{2}$/);
      assert.match(String(v.rate), /^-?\d{1,12}\.\d{6}$/);
      assert.match(String(v.day), ISO_DATE);
      const year = Number(String(v.day).slice(0, 4));
      assert.ok(year >= 2020 && year < 2030, String(v.day));
      assert.match(String(v.opens), /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}$/);
      assert.match(String(v.closes), /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}$/);
      assert.match(String(v.at), /^20[23]\d-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.match(String(v.atMicros), /^20[23]\d-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      assert.match(String(v.localAt), /^20[23]\d-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
      assert.match(String(v.localAtMicros), /^20[23]\d-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
      const wait = v.wait as { months: number; days: number; milliseconds: number };
      assert.ok(
        wait.months >= 0 && wait.days >= 0 && wait.milliseconds >= 0 && wait.milliseconds < 86_400_000,
        JSON.stringify(wait),
      );
      assert.ok(['NEW', 'PAID', 'SHIPPED'].includes(String(v.status)));
      statuses.add(v.status);
      noteKinds.add(v.note === null ? 'null' : /^-?\d+$/.test(String(v.note)) ? 'long' : typeof v.note);
      if (typeof v.when === 'string' && /^\d{4}-/.test(v.when)) assert.match(v.when, /^20[23]\d-\d{2}-\d{2}T[\d:.]+Z$/);
      assert.equal(Buffer.from(String(v.tag), 'base64').length, 4);
      for (const line of v.lines as { price: string; qty: number }[]) {
        assert.match(line.price, /^-?\d{1,4}\.\d{2}$/);
        assert.ok(Number.isInteger(line.qty));
      }
      assert.ok((v.lines as unknown[]).length <= 3);
    }
    assert.equal(statuses.size, 3, 'every enum symbol comes up in 200 records');
    assert.ok(noteKinds.has('null') && noteKinds.size >= 3, `union branches seen: ${[...noteKinds].join(', ')}`);
  });

  it('Protobuf: 200 messages decode, with 64-bit values exact and well-known types readable', async () => {
    const value = schemaInput({ format: 'protobuf', subject: subjects.proto });
    const values = await decodeAll(topics.proto, await produce200(topics.proto, value, 7));
    const targets = new Set<string>();
    for (const v of values) {
      for (const name of ['id', 'delta', 'sf64']) {
        const n = BigInt(String(v[name] ?? 0));
        assert.ok(n >= -(2n ** 63n) && n < 2n ** 63n, `${name} ${String(v[name])}`);
      }
      for (const name of ['big', 'f64']) {
        const n = BigInt(String(v[name] ?? 0));
        assert.ok(n >= 0n && n < 2n ** 64n, `${name} ${String(v[name])}`);
      }
      assert.ok(['NEW', 'PAID', 'SHIPPED'].includes(String(v.status ?? 'NEW')), String(v.status));
      if (v.at !== undefined) assert.match(String(v.at), /^20[23]\d-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      if (v.took !== undefined) assert.match(String(v.took), /^-?\d+(\.\d+)?s$/);
      for (const name of ['email', 'account', 'address']) if (v[name] !== undefined) targets.add(name);
      assert.ok(['email', 'account', 'address'].filter((n) => v[n] !== undefined).length <= 1, 'one field of a oneof');
    }
    assert.ok(targets.size >= 2, `oneof branches seen: ${[...targets].join(', ')}`);
    // Round trip: a decoded message encodes again, and that decodes to the same value (map entry
    // order on the wire is not defined, so the values are compared, not the bytes).
    const bodies = await readPartition(topics.proto, 200);
    for (const body of bodies) {
      const decoded = await kit.decoder.decode(body, { topic: topics.proto, role: 'value' });
      assert.ok(decoded.ok);
      const again = await kit.encoder.encode({
        format: 'protobuf',
        topic: topics.proto,
        role: 'value',
        subject: subjects.proto,
        input: { value: toDisplayJson((decoded as { value: unknown }).value) },
      });
      assert.ok(again.ok, again.ok ? '' : again.error.message);
      const back = await kit.decoder.decode(again.bytes, { topic: topics.proto, role: 'value' });
      assert.ok(back.ok);
      assert.deepEqual(
        toDisplayJson((back as { value: unknown }).value),
        toDisplayJson((decoded as { value: unknown }).value),
      );
    }
  });

  it('JSON Schema: 200 records validate against the schema when decoded', async () => {
    const value = schemaInput({ format: 'jsonSchema', subject: subjects.json });
    const values = await decodeAll(topics.json, await produce200(topics.json, value, 99));
    for (const v of values) {
      assert.match(String(v.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.ok(!Number.isNaN(Date.parse(String(v.at))), String(v.at));
      assert.match(String(v.day), ISO_DATE);
      assert.match(String(v.email), /^[^@\s]+@[^@\s]+$/);
      assert.match(String(v.code), /^[A-Z]{3}-[0-9]{2,6}$/);
      assert.ok(['free', 'pro', 'team'].includes(String(v.plan)));
      assert.ok(Number(v.seats) >= 1 && Number(v.seats) <= 500 && Number.isInteger(Number(v.seats)));
      // The codec's validator (the encoder runs it) accepts what was read back.
      const again = await kit.encoder.encode({
        format: 'jsonSchema',
        topic: topics.json,
        role: 'value',
        subject: subjects.json,
        input: { value: v },
      });
      assert.ok(again.ok, again.ok ? '' : again.error.message);
    }
  });

  it('Produce N at a rate: the broker holds exactly N, and the rate roughly holds', async () => {
    const value = schemaInput({ format: 'avro', subject: subjects.avro });
    const generator = await loadGenerator(kit.client, topics.rate, 'value', value, { seed: 5 });
    const summary = await produceGenerated(
      { service, producer },
      { request: request(topics.rate, value), generator, count: 60, ratePerSecond: 20 },
    );
    assert.equal(summary.outcome, 'complete');
    assert.equal(summary.sent, 60);
    // 60 at 20/s is at least ~3 s (59 gaps of 50 ms); allow 3x either way, never tighter.
    assert.ok(summary.elapsedMs >= 2950 / 3 && summary.elapsedMs <= 2950 * 3 + 10_000, `${summary.elapsedMs} ms`);
    assert.equal((await readPartition(topics.rate, 60)).length, 60);
  });

  it('Produce N cancelled: the summary counts exactly what reached the broker', async () => {
    const value = schemaInput({ format: 'avro', subject: subjects.avro });
    const generator = await loadGenerator(kit.client, topics.rate, 'value', value, { seed: 6 });
    const abort = new AbortController();
    const summary = await produceGenerated(
      { service, producer },
      {
        request: request(topics.rate, value),
        generator,
        count: 1000,
        ratePerSecond: 50,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.generated >= 20) abort.abort();
        },
      },
    );
    assert.equal(summary.outcome, 'cancelled');
    assert.ok(summary.sent >= 20 && summary.sent < 1000, String(summary.sent));
    const onBroker = await readPartition(topics.rate, 60 + summary.sent);
    assert.equal(onBroker.length, 60 + summary.sent);
  });
});
