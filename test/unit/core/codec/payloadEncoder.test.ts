import { strict as assert } from 'node:assert';
import { EncodeError } from '../../../../src/core/codec/codecErrors';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import { PayloadEncoder, type EncodeResult } from '../../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../../src/core/codec/schemaCache';
import { subjectName } from '../../../../src/core/codec/subjectNaming';
import { parseFrame } from '../../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../../src/core/registry/registryClient';
import { RegistryHttpDouble } from './support/registryHttpDouble';

const v1 = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'lab',
  fields: [{ name: 'id', type: 'string' }],
});
const v2 = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'lab',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'n', type: 'int', default: 0 },
  ],
});

function setup() {
  const http = new RegistryHttpDouble();
  const client = new SchemaRegistryClient({ id: 'c', url: 'http://registry.test/base' }, { http });
  const schemas = new SchemaCache(client);
  return { http, encoder: new PayloadEncoder({ registry: client, schemas }), decoder: new PayloadDecoder({ schemas }) };
}

function bytesOf(result: EncodeResult): Buffer {
  assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
  assert.ok(result.bytes);
  return result.bytes;
}

function errorOf(result: EncodeResult): EncodeError {
  assert.ok(!result.ok, 'expected a failure');
  assert.ok(result.error instanceof EncodeError, `${result.error.constructor.name}: ${result.error.message}`);
  return result.error;
}

describe('payload encoder', () => {
  it('subject naming strategies: TopicName, RecordName, TopicRecordName', () => {
    assert.deepEqual(subjectName('TopicName', 'orders', 'key', undefined), { ok: true, subject: 'orders-key' });
    assert.deepEqual(subjectName('RecordName', 'orders', 'value', 'lab.Order'), { ok: true, subject: 'lab.Order' });
    assert.deepEqual(subjectName('TopicRecordName', 'orders', 'value', 'lab.Order'), {
      ok: true,
      subject: 'orders-lab.Order',
    });
    const missing = subjectName('RecordName', 'orders', 'value', undefined);
    assert.ok(!missing.ok && missing.error.reason === 'subjectUndetermined');
  });

  for (const [strategy, subject] of [
    ['TopicName', 'orders-value'],
    ['RecordName', 'lab.Order'],
    ['TopicRecordName', 'orders-lab.Order'],
  ] as const) {
    it(`registers under the ${strategy} subject (${subject}) and encodes in the wire format`, async () => {
      const { http, encoder, decoder } = setup();
      const result = await encoder.encode({
        format: 'avro',
        topic: 'orders',
        role: 'value',
        strategy,
        input: { json: '{"id":"o-1"}' },
        register: { schema: v1 },
      });
      const bytes = bytesOf(result);
      assert.ok(result.ok && result.subject === subject && result.registered);
      assert.equal(http.count('POST', `/subjects/${encodeURIComponent(subject)}/versions`), 1);
      const frame = parseFrame(bytes);
      assert.ok(frame.ok && frame.frame.schemaId === result.schema?.id);
      const decoded = await decoder.decode(bytes, { topic: 'orders', role: 'value' });
      assert.ok(decoded.ok && decoded.format === 'avro');
      assert.deepEqual({ ...(decoded.value as object) }, { id: 'o-1' });
    });
  }

  it('encodes with the latest version or a chosen one', async () => {
    const { http, encoder } = setup();
    const first = http.add('orders-value', { schemaType: 'AVRO', schema: v1 });
    const second = http.add('orders-value', { schemaType: 'AVRO', schema: v2 });
    const latest = await encoder.encode({
      format: 'avro',
      topic: 'orders',
      role: 'value',
      input: { value: { id: 'a' } },
    });
    assert.equal(latest.ok && latest.schema?.id, second.id);
    const chosen = await encoder.encode({
      format: 'avro',
      topic: 'orders',
      role: 'value',
      version: 1,
      input: { value: { id: 'a' } },
    });
    assert.equal(chosen.ok && chosen.schema?.id, first.id);
    assert.equal(bytesOf(chosen).length, 5 + 2);
  });

  it('checks compatibility before registering; an incompatible schema is not registered and nothing is produced', async () => {
    const { http, encoder } = setup();
    http.add('orders-value', { schemaType: 'AVRO', schema: v1 });
    http.compatible = false;
    const error = errorOf(
      await encoder.encode({
        format: 'avro',
        topic: 'orders',
        role: 'value',
        input: { json: '{"id":"x","n":1}' },
        register: { schema: v2 },
      }),
    );
    assert.equal(error.reason, 'incompatibleSchema');
    assert.match(error.message, /not compatible.*reader type: STRING/);
    assert.equal(http.count('POST', '/compatibility/subjects/orders-value/versions/latest'), 1);
    assert.equal(http.count('POST', '/subjects/orders-value/versions'), 0);
  });

  it('goes on to register when the registry cannot check a schema with references (Apicurio answers 422)', async () => {
    const { http, encoder } = setup();
    http.add('address', {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: 'Address',
        namespace: 'lab',
        fields: [{ name: 'city', type: 'string' }],
      }),
    });
    http.add('people-value', { schemaType: 'AVRO', schema: v1 });
    http.compatibilityFailsWithReferences = true;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Person',
      namespace: 'lab',
      fields: [{ name: 'home', type: 'lab.Address' }],
    });
    const result = await encoder.encode({
      format: 'avro',
      topic: 'people',
      role: 'value',
      input: { json: '{"home":{"city":"Rome"}}' },
      register: { schema, references: [{ name: 'lab.Address', subject: 'address', version: 1 }] },
    });
    bytesOf(result);
    assert.equal(http.count('POST', '/subjects/people-value/versions'), 1);
  });

  it('a value that does not match is refused with field errors before anything is registered', async () => {
    const { http, encoder } = setup();
    const error = errorOf(
      await encoder.encode({
        format: 'avro',
        topic: 'orders',
        role: 'value',
        input: { json: '{"id": 5}' },
        register: { schema: v1 },
      }),
    );
    assert.equal(error.reason, 'schemaMismatch');
    assert.deepEqual(error.fieldErrors, [{ path: '$.id', expected: 'string', actual: '5' }]);
    assert.equal(http.requests.filter((r) => r.method === 'POST').length, 0);
  });

  it('invalid JSON input, a broken schema, a missing subject and a format mismatch are typed errors', async () => {
    const { http, encoder } = setup();
    assert.equal(
      errorOf(await encoder.encode({ format: 'avro', topic: 't', role: 'value', input: { json: '{"id": ' } })).reason,
      'invalidInput',
    );
    assert.equal(
      errorOf(
        await encoder.encode({
          format: 'avro',
          topic: 't',
          role: 'value',
          input: { json: '{}' },
          register: { schema: '{"type":"record"}' },
        }),
      ).reason,
      'invalidSchema',
    );
    assert.equal(
      errorOf(
        await encoder.encode({
          format: 'avro',
          topic: 't',
          role: 'value',
          strategy: 'RecordName',
          input: { json: '{}' },
        }),
      ).reason,
      'subjectUndetermined',
    );
    const missing = await encoder.encode({ format: 'avro', topic: 'nothing', role: 'value', input: { json: '{}' } });
    assert.ok(!missing.ok && missing.error.reason === 'subjectNotFound');
    http.add('p-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message M { string a = 1; }' });
    assert.equal(
      errorOf(await encoder.encode({ format: 'avro', topic: 'p', role: 'value', input: { json: '{}' } })).reason,
      'wrongSchemaFormat',
    );
  });

  it('Protobuf: the chosen message type and its indexes; JSON Schema: validated JSON', async () => {
    const { encoder, decoder } = setup();
    const proto = await encoder.encode({
      format: 'protobuf',
      topic: 'p',
      role: 'key',
      messageType: 'B',
      input: { json: '{"b": 7}' },
      register: {
        schema: 'syntax = "proto3";\npackage lab;\nmessage A { string a = 1; }\nmessage B { int32 b = 1; }\n',
      },
    });
    const bytes = bytesOf(proto);
    assert.deepEqual([...bytes.subarray(5)], [2, 2, 8, 7], 'indexes [1] then field 1 = 7');
    assert.ok(proto.ok && proto.subject === 'p-key');
    const decoded = await decoder.decode(bytes, { topic: 'p', role: 'key' });
    assert.ok(decoded.ok && decoded.format === 'protobuf' && decoded.messageType === 'lab.B');
    const json = await encoder.encode({
      format: 'jsonSchema',
      topic: 'j',
      role: 'value',
      input: { value: { a: 1 } },
      register: { schema: '{"type":"object","properties":{"a":{"type":"integer"}}}' },
    });
    assert.equal(bytesOf(json).subarray(5).toString(), '{"a":1}');
  });

  it('plain formats: JSON as typed, text, hex, base64, null', async () => {
    const { encoder } = setup();
    assert.equal(
      bytesOf(await encoder.encode({ format: 'json', input: { json: '{ "a" : 1 }' } })).toString(),
      '{ "a" : 1 }',
    );
    assert.equal(errorOf(await encoder.encode({ format: 'json', input: { json: '{ "a" : ' } })).reason, 'invalidInput');
    assert.equal(bytesOf(await encoder.encode({ format: 'text', text: 'héllo' })).toString(), 'héllo');
    assert.deepEqual(
      [...bytesOf(await encoder.encode({ format: 'bytes', encoding: 'hex', text: '0x00 ff 10' }))],
      [0, 255, 16],
    );
    assert.deepEqual(
      [...bytesOf(await encoder.encode({ format: 'bytes', encoding: 'base64', text: 'AP8Q' }))],
      [0, 255, 16],
    );
    assert.deepEqual(
      [...bytesOf(await encoder.encode({ format: 'bytes', encoding: 'base64', text: '_-8' }))],
      [255, 239],
    );
    assert.equal(
      errorOf(await encoder.encode({ format: 'bytes', encoding: 'hex', text: 'abc' })).reason,
      'invalidInput',
    );
    assert.equal(
      errorOf(await encoder.encode({ format: 'bytes', encoding: 'base64', text: 'a*b=' })).reason,
      'invalidInput',
    );
    assert.deepEqual(await encoder.encode({ format: 'null' }), { ok: true, bytes: null });
  });

  it('schema formats without a registry are a noRegistry error', async () => {
    const result = await new PayloadEncoder().encode({
      format: 'protobuf',
      topic: 't',
      role: 'value',
      input: { json: '{}' },
    });
    assert.equal(errorOf(result).reason, 'noRegistry');
    assert.deepEqual(await new PayloadEncoder().encode({ format: 'text', text: 'fine' }), {
      ok: true,
      bytes: Buffer.from('fine'),
    });
  });
});
