import { strict as assert } from 'node:assert';
import { DecodeError, EncodeError, WireFormatError } from '../../../src/core/codec/codecErrors';
import { RegistryError } from '../../../src/core/registry/registryErrors';
import type { DecodeResult, SchemaDecoded } from '../../../src/core/codec/decodeResult';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { PayloadEncoder, type EncodeRequest } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { encodeFrame, encodeMessageIndexes } from '../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { consume, produce, type TestRecord } from './support/records';

/**
 * Register (through our encoder), encode, produce to the real broker, consume, decode, for Avro
 * (with a reference), Protobuf (with an import) and JSON Schema (with a $ref), plus plain formats
 * and every bad input the decoder must name.
 */
describe('codec round trip through the real registry and broker', function () {
  this.timeout(60_000);
  const topic = uniqueName('it-codec');
  const suffix = topic.replace(/[^A-Za-z0-9]/g, '_');
  const client = new SchemaRegistryClient({ id: 'it', url: services.registry.url });
  const schemas = new SchemaCache(client, { failureTtlMs: 200 });
  const encoder = new PayloadEncoder({ registry: client, schemas });
  const decoder = new PayloadDecoder({ schemas });
  const subjects: string[] = [];
  const sent = new Map<string, unknown>();
  const received = new Map<string, TestRecord>();

  const avroAddress = {
    type: 'record',
    name: 'Address',
    namespace: 'lab.it',
    fields: [
      { name: 'city', type: 'string' },
      { name: 'zip', type: ['null', 'string'], default: null },
    ],
  };
  const avroPerson = {
    type: 'record',
    name: 'Person',
    namespace: 'lab.it',
    fields: [
      { name: 'nickname', type: ['null', 'string'], default: null },
      { name: 'name', type: 'string' },
      { name: 'born', type: 'long' },
      { name: 'home', type: 'lab.it.Address' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['HUMAN', 'ROBOT'] } },
    ],
  };
  const protoCommon =
    'syntax = "proto3";\npackage lab.it.common;\nmessage Money { int64 cents = 1; string currency = 2; }\n';
  const protoOrder =
    'syntax = "proto3";\npackage lab.it;\nimport "lab/it/common.proto";\n' +
    'message Order {\n  string id = 1;\n  lab.it.common.Money total = 2;\n  message Line { string sku = 1; uint32 qty = 2; }\n  repeated Line lines = 3;\n  map<string, string> labels = 4;\n}\n' +
    'message Refund { string order_id = 1; lab.it.common.Money amount = 2; }\n';
  const jsonAddress = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  };
  const jsonShipment = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `Shipment_${suffix}`,
    type: 'object',
    properties: { id: { type: 'string' }, weightKg: { type: 'number' }, to: { $ref: 'address.schema.json' } },
    required: ['id', 'to'],
    additionalProperties: false,
  };

  const person = {
    nickname: 'Ada',
    name: 'Ada Lovelace',
    born: -4_887_000_000_000,
    home: { city: 'London', zip: 'W1' },
    tags: ['math'],
    kind: 'HUMAN',
  };
  const order = {
    id: 'o-1',
    total: { cents: '9007199254740993', currency: 'EUR' },
    lines: [{ sku: 's-1', qty: 2 }],
    labels: { rush: 'yes' },
  };
  const refund = { order_id: 'o-1', amount: { cents: '150', currency: 'USD' } };
  const shipment = { id: 'sh-1', weightKg: 2.5, to: { city: 'Oslo' } };

  async function encode(label: string, request: EncodeRequest): Promise<Buffer> {
    const result = await encoder.encode(request);
    assert.ok(result.ok, `${label}: ${result.ok ? '' : result.error.message}`);
    assert.ok(result.bytes);
    if (result.subject && !subjects.includes(result.subject)) subjects.push(result.subject);
    return result.bytes;
  }

  async function register(subject: string, schemaType: 'AVRO' | 'PROTOBUF' | 'JSON', schema: string): Promise<void> {
    const result = await client.register(subject, { schemaType, schema });
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    subjects.push(subject);
  }

  before(async () => {
    await createTopic(topic, 1);
    await register(`${topic}-address`, 'AVRO', JSON.stringify(avroAddress));
    await register(`${topic}-common.proto`, 'PROTOBUF', protoCommon);
    await register(`${topic}-address.schema.json`, 'JSON', JSON.stringify(jsonAddress));

    const avroBytes = await encode('avro', {
      format: 'avro',
      topic,
      role: 'value',
      input: { json: JSON.stringify(person) },
      register: {
        schema: JSON.stringify(avroPerson),
        references: [{ name: 'lab.it.Address', subject: `${topic}-address`, version: 1 }],
      },
    });
    const protoRegister = {
      schema: protoOrder,
      references: [{ name: 'lab/it/common.proto', subject: `${topic}-common.proto`, version: 1 }],
    };
    const orderBytes = await encode('protobuf', {
      format: 'protobuf',
      topic,
      role: 'value',
      strategy: 'TopicRecordName',
      input: { value: order },
      register: protoRegister,
    });
    const refundBytes = await encode('protobuf refund', {
      format: 'protobuf',
      topic,
      role: 'value',
      strategy: 'TopicRecordName',
      messageType: 'Refund',
      input: { value: refund },
      register: protoRegister,
    });
    const shipmentBytes = await encode('json schema', {
      format: 'jsonSchema',
      topic,
      role: 'value',
      strategy: 'RecordName',
      input: { value: shipment },
      register: {
        schema: JSON.stringify(jsonShipment),
        references: [{ name: 'address.schema.json', subject: `${topic}-address.schema.json`, version: 1 }],
      },
    });
    const keyBytes = await encode('avro key', {
      format: 'avro',
      topic,
      role: 'key',
      input: { json: '"person-1"' },
      register: { schema: '"string"' },
    });
    sent.set('avro', person).set('protobuf', order).set('protobuf-refund', refund).set('json-schema', shipment);

    const avroId = avroBytes.readInt32BE(1);
    const protoId = orderBytes.readInt32BE(1);
    await produce(topic, [
      { label: 'avro', key: keyBytes, value: avroBytes },
      { label: 'protobuf', key: 'o-1', value: orderBytes },
      { label: 'protobuf-refund', key: 'o-1', value: refundBytes },
      { label: 'json-schema', key: 'sh-1', value: shipmentBytes },
      { label: 'plain-json', key: 'j', value: Buffer.from('{"plain":true,"n":[1,2]}') },
      { label: 'plain-text', key: 'hello', value: Buffer.from('just some text') },
      { label: 'binary', value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]) },
      { label: 'tombstone', key: 'gone', value: null },
      { label: 'wrong-magic', value: Buffer.from('not framed') },
      { label: 'unknown-id', value: encodeFrame(2_000_000_000, Buffer.from([2, 0x61])) },
      { label: 'truncated-avro', value: avroBytes.subarray(0, avroBytes.length - 3) },
      { label: 'corrupt-avro', value: encodeFrame(avroId, Buffer.from([0x0e, 0x01, 0x02])) },
      {
        label: 'pb-index',
        value: encodeFrame(protoId, Buffer.concat([encodeMessageIndexes([5]), Buffer.from([0x0a, 0x01, 0x61])])),
      },
      { label: 'bad-utf8-key', key: Buffer.from([0x6b, 0xc3, 0x28]), value: Buffer.from('v') },
    ]);
    for (const record of await consume(topic, 14)) received.set(record.label, record);
  });

  after(async () => {
    // Dependents first: a referenced subject cannot be deleted while others use it.
    for (const subject of [...subjects].reverse()) {
      await client.deleteSubject(subject);
      await client.deleteSubject(subject, { permanent: true });
    }
    client.close();
    await deleteTopicsQuietly(topic);
  });

  const value = (label: string): Buffer | null => {
    const record = received.get(label);
    assert.ok(record, `record ${label} was consumed`);
    return record.value;
  };
  const decodeValue = (label: string, using = decoder): Promise<DecodeResult> =>
    using.decode(value(label), { topic, role: 'value' });
  const decoded = (result: DecodeResult): SchemaDecoded => {
    assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
    return result as SchemaDecoded;
  };

  describe('round trips', () => {
    it('Avro with a schema reference, and an Avro key decoded independently of the JSON value', async () => {
      const result = decoded(await decodeValue('avro'));
      assert.equal(result.format, 'avro');
      assert.deepEqual(toDisplayJson(result.value), person);
      assert.equal(result.schema.subject, `${topic}-value`);
      assert.equal(result.schema.version, 1);
      const key = decoded(await decoder.decode(received.get('avro')?.key ?? null, { topic, role: 'key' }));
      assert.equal(key.format, 'avro');
      assert.equal(key.value, 'person-1');
      assert.equal(key.schema.subject, `${topic}-key`);
    });

    it('Protobuf with an import, first message and second message (message indexes)', async () => {
      const first = decoded(await decodeValue('protobuf'));
      assert.equal(first.messageType, 'lab.it.Order');
      assert.deepEqual(first.value, order);
      assert.equal(first.schema.subject, `${topic}-lab.it.Order`);
      const second = decoded(await decodeValue('protobuf-refund'));
      assert.equal(second.messageType, 'lab.it.Refund');
      assert.deepEqual(second.value, refund);
      assert.equal(second.schema.id, first.schema.id, 'one schema, two message types');
    });

    it('JSON Schema with a $ref reference, registered under the RecordName subject (its title)', async () => {
      const result = decoded(await decodeValue('json-schema'));
      assert.equal(result.format, 'jsonSchema');
      assert.deepEqual(result.value, shipment);
      assert.equal(result.violations, undefined);
      assert.equal(result.schema.subject, `Shipment_${suffix}`);
    });

    it('plain JSON, text, binary and a tombstone, keys as text', async () => {
      const json = await decodeValue('plain-json');
      assert.ok(json.ok && json.format === 'json');
      assert.deepEqual(json.value, { plain: true, n: [1, 2] });
      const text = await decodeValue('plain-text');
      assert.ok(text.ok && text.format === 'text' && text.text === 'just some text');
      const binary = await decodeValue('binary');
      assert.ok(binary.ok && binary.format === 'binary' && binary.preview.hex === 'deadbeef0001');
      assert.deepEqual(await decodeValue('tombstone'), { ok: true, format: 'null', raw: null });
      const key = await decoder.decode(received.get('plain-text')?.key ?? null, { topic, role: 'key' });
      assert.ok(key.ok && key.format === 'text' && key.text === 'hello');
    });
  });

  describe('bad inputs give typed errors that say what to do, with the raw bytes kept', () => {
    const forcedAvro = new PayloadDecoder({ schemas, formats: { rules: [{ topic, value: { format: 'avro' } }] } });
    const forcedTextKeys = new PayloadDecoder({
      schemas,
      formats: { rules: [{ topic: 'it-codec-*', key: { format: 'text' } }] },
    });

    function failure(result: DecodeResult, reason: string, type: new (...args: never[]) => Error, says: RegExp): void {
      assert.ok(!result.ok, `expected ${reason}`);
      assert.ok(result.error instanceof type, `${result.error.constructor.name} is not ${type.name}`);
      assert.equal(result.error.reason, reason);
      assert.match(result.error.message, says);
      assert.ok(Buffer.isBuffer(result.raw) && result.raw.length > 0);
      assert.ok(result.fallback.format === 'binary' || result.fallback.format === 'text');
    }

    it('wrong magic byte (a topic forced to Avro)', async () => {
      failure(
        await decodeValue('wrong-magic', forcedAvro),
        'wrongMagicByte',
        WireFormatError,
        /not the Schema Registry magic byte/,
      );
    });

    it('unknown schema id', async () => {
      const result = await decodeValue('unknown-id');
      failure(result, 'unknownSchemaId', DecodeError, /not in the schema registry.*registry URL/);
      assert.ok(!result.ok && result.schemaId === 2_000_000_000);
    });

    it('truncated Avro', async () => {
      failure(await decodeValue('truncated-avro'), 'truncatedPayload', DecodeError, /ends early/);
    });

    it('corrupt Avro', async () => {
      failure(await decodeValue('corrupt-avro'), 'corruptPayload', DecodeError, /invalid union index/);
    });

    it('Protobuf message index out of range', async () => {
      failure(
        await decodeValue('pb-index'),
        'messageIndexOutOfRange',
        DecodeError,
        /\[5\] names no message.*2 top-level messages: lab.it.Order, lab.it.Refund/,
      );
    });

    it('invalid UTF-8 in a key forced to text', async () => {
      const result = await forcedTextKeys.decode(received.get('bad-utf8-key')?.key ?? null, { topic, role: 'key' });
      failure(result, 'invalidUtf8', DecodeError, /not valid UTF-8/);
      assert.ok(!result.ok && result.fallback.format === 'binary' && result.fallback.preview.hex === '6bc328');
    });

    it('a value that does not match the schema: field errors and nothing registered or produced', async () => {
      const before = await client.listVersions(`${topic}-value`);
      const result = await encoder.encode({
        format: 'avro',
        topic,
        role: 'value',
        input: { json: '{"name": 1, "born": "soon", "home": {}, "tags": "x", "kind": "ALIEN"}' },
      });
      assert.ok(!result.ok && result.error instanceof EncodeError && result.error.reason === 'schemaMismatch');
      assert.deepEqual(result.error.fieldErrors.map((e) => e.path).sort(), [
        '$.born',
        '$.home.city',
        '$.kind',
        '$.name',
        '$.tags',
      ]);
      assert.deepEqual(await client.listVersions(`${topic}-value`), before);
    });

    it('an incompatible schema is refused by the compatibility check, before registering', async () => {
      const result = await encoder.encode({
        format: 'avro',
        topic,
        role: 'key',
        input: { json: '1' },
        register: { schema: '"int"' },
      });
      assert.ok(
        !result.ok && result.error instanceof EncodeError && result.error.reason === 'incompatibleSchema',
        result.ok ? '' : result.error.message,
      );
      assert.match(result.error.message, /not compatible.*not registered/);
      const versions = await client.listVersions(`${topic}-key`);
      assert.deepEqual(versions.ok && versions.value, [1]);
    });

    it('an incompatible schema with references is refused by the registry at registration (Apicurio cannot pre-check it)', async () => {
      const incompatible = {
        ...avroPerson,
        fields: avroPerson.fields.map((f) => (f.name === 'born' ? { name: 'born', type: 'string' } : f)),
      };
      const result = await encoder.encode({
        format: 'avro',
        topic,
        role: 'value',
        input: { value: { ...person, born: 'long ago' } },
        register: {
          schema: JSON.stringify(incompatible),
          references: [{ name: 'lab.it.Address', subject: `${topic}-address`, version: 1 }],
        },
      });
      assert.ok(
        !result.ok && result.error instanceof EncodeError && result.error.reason === 'incompatibleSchema',
        result.ok ? '' : result.error.message,
      );
      const versions = await client.listVersions(`${topic}-value`);
      assert.deepEqual(versions.ok && versions.value, [1]);
    });

    it('registry errors arrive typed too (the client against the real registry)', async () => {
      const missing = await client.getSchemaByVersion(`${topic}-nothing`, 'latest');
      assert.ok(!missing.ok && missing.error instanceof RegistryError && missing.error.reason === 'subjectNotFound');
      const version = await client.getSchemaByVersion(`${topic}-value`, 99);
      assert.ok(!version.ok && version.error.reason === 'versionNotFound');
    });
  });
});
