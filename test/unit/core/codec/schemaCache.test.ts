import { strict as assert } from 'node:assert';
import { DecodeError } from '../../../../src/core/codec/codecErrors';
import { RegistryError } from '../../../../src/core/registry/registryErrors';
import type { DecodeResult } from '../../../../src/core/codec/decodeResult';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../../src/core/codec/schemaCache';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../../src/core/registry/registryClient';
import { RegistryHttpDouble } from './support/registryHttpDouble';

const recordSchema = JSON.stringify({
  type: 'record',
  name: 'R',
  namespace: 'lab',
  fields: [{ name: 'a', type: 'string' }],
});
const target = { topic: 'orders', role: 'value' } as const;

function setup(options: { failureTtlMs?: number } = {}) {
  const http = new RegistryHttpDouble();
  let now = 1_000_000;
  const client = new SchemaRegistryClient(
    { id: 'c', url: 'http://registry.test/base', requestTimeoutMs: 100 },
    { http },
  );
  const schemas = new SchemaCache(client, { failureTtlMs: options.failureTtlMs ?? 1000, clock: () => now });
  const decoder = new PayloadDecoder({ schemas });
  return { http, schemas, decoder, advance: (ms: number) => (now += ms) };
}

const record = (id: number): Buffer => encodeFrame(id, Buffer.from([4, 0x68, 0x69]));

function reasonOf(result: DecodeResult): string {
  return result.ok ? `ok:${result.format}` : result.error.reason;
}

describe('schema cache', () => {
  it('fetches each schema id once, even under many concurrent misses', async () => {
    const { http, decoder } = setup();
    const { id } = http.add('orders-value', { schemaType: 'AVRO', schema: recordSchema });
    http.delayMs = 20;
    const results = await Promise.all(Array.from({ length: 50 }, () => decoder.decode(record(id), target)));
    assert.ok(results.every((r) => r.ok && r.format === 'avro'));
    assert.equal(http.count('GET', `/schemas/ids/${id}`) - http.count('GET', `/schemas/ids/${id}/versions`), 1);
    assert.equal(http.count('GET', `/schemas/ids/${id}/versions`), 1);
  });

  it('decodes cached schemas synchronously, with no request', async () => {
    const { http, decoder } = setup();
    const { id } = http.add('orders-value', { schemaType: 'AVRO', schema: recordSchema });
    assert.equal(decoder.decodeIfReady(record(id), target), undefined, 'not cached yet: the caller must await decode');
    await decoder.decode(record(id), target);
    const before = http.requests.length;
    for (let i = 0; i < 100; i++) {
      const result = decoder.decodeIfReady(record(id), target);
      assert.ok(result?.ok);
    }
    assert.equal(http.requests.length, before);
  });

  it('resolves a reference shared by two schemas once', async () => {
    const { http, decoder } = setup();
    http.add('address', {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: 'Address',
        namespace: 'lab',
        fields: [{ name: 'city', type: 'string' }],
      }),
    });
    const refs = [{ name: 'lab.Address', subject: 'address', version: 1 }];
    const a = http.add('a-value', {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: 'A',
        namespace: 'lab',
        fields: [{ name: 'at', type: 'lab.Address' }],
      }),
      references: refs,
    });
    const b = http.add('b-value', {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: 'B',
        namespace: 'lab',
        fields: [{ name: 'from', type: 'lab.Address' }],
      }),
      references: refs,
    });
    const body = Buffer.from([4, 0x6f, 0x73]);
    const [ra, rb] = await Promise.all([
      decoder.decode(encodeFrame(a.id, body), target),
      decoder.decode(encodeFrame(b.id, body), target),
    ]);
    assert.equal(reasonOf(ra), 'ok:avro');
    assert.equal(reasonOf(rb), 'ok:avro');
    assert.equal(http.count('GET', '/subjects/address/versions/1'), 1);
  });

  it('an unknown schema id is a DecodeError, remembered for the failure TTL', async () => {
    const { http, decoder, advance } = setup();
    const first = await decoder.decode(record(999), target);
    assert.ok(!first.ok && first.error instanceof DecodeError && first.error.reason === 'unknownSchemaId');
    assert.match(first.error.message, /not in the schema registry/);
    assert.equal(first.schemaId, 999);
    const again = decoder.decodeIfReady(record(999), target);
    assert.equal(again && reasonOf(again), 'unknownSchemaId', 'answered from the negative cache, synchronously');
    assert.equal(http.count('GET', '/schemas/ids/999') - http.count('GET', '/schemas/ids/999/versions'), 1);
    advance(1001);
    await decoder.decode(record(999), target);
    assert.equal(http.count('GET', '/schemas/ids/999') - http.count('GET', '/schemas/ids/999/versions'), 2);
  });

  it('an outage fails fast for every uncached id, keeps cached ids decoding, and recovers after the TTL', async () => {
    const { http, decoder, advance } = setup();
    const a = http.add('a-value', { schemaType: 'AVRO', schema: recordSchema });
    const b = http.add('b-value', {
      schemaType: 'AVRO',
      schema: JSON.stringify({ type: 'record', name: 'S', fields: [{ name: 'b', type: 'string' }] }),
    });
    assert.ok((await decoder.decode(record(a.id), target)).ok);

    http.failure = { kind: 'unreachable', detail: 'ECONNREFUSED' };
    const down = await decoder.decode(record(b.id), target);
    assert.ok(!down.ok && down.error instanceof RegistryError && down.error.reason === 'unreachable');
    assert.equal(down.raw.length, 8, 'the raw bytes stay available');
    const requestsWhileDown = http.requests.length;
    // Other uncached ids fail at once without a request (registry-wide failure), cached ones decode.
    assert.equal(reasonOf(await decoder.decode(record(12345), target)), 'unreachable');
    assert.equal(reasonOf(decoder.decodeIfReady(record(a.id), target) as DecodeResult), 'ok:avro');
    assert.equal(http.requests.length, requestsWhileDown);

    http.failure = undefined;
    assert.equal(reasonOf(await decoder.decode(record(b.id), target)), 'unreachable', 'still within the TTL');
    advance(1001);
    assert.equal(reasonOf(await decoder.decode(record(b.id), target)), 'ok:avro');
  });

  it('a hung registry costs one bounded wait per TTL, not one per record', async () => {
    const { http, decoder } = setup({ failureTtlMs: 10_000 });
    http.hang = true;
    const started = Date.now();
    const results = [];
    for (let id = 1; id <= 20; id++) results.push(await decoder.decode(record(id), target));
    const elapsed = Date.now() - started;
    assert.ok(results.every((r) => reasonOf(r) === 'timeout'));
    assert.ok(elapsed < 400, `took ${elapsed} ms for 20 records with a 100 ms timeout`);
  });

  it('401 and 403 are remembered registry-wide too', async () => {
    const { http, decoder } = setup();
    http.failure = { status: 403, body: { error_code: 40301, message: 'forbidden' } };
    assert.equal(reasonOf(await decoder.decode(record(1), target)), 'forbidden');
    const count = http.requests.length;
    assert.equal(reasonOf(await decoder.decode(record(2), target)), 'forbidden');
    assert.equal(http.requests.length, count);
  });

  it('a registry layer that throws (a bug) still ends in a typed result, not an exception', async () => {
    const broken = {
      getSchemaById: () => Promise.reject(new Error('boom')),
      getSubjectVersionsForId: () => Promise.reject(new Error('boom')),
      getSchemaByVersion: () => Promise.reject(new Error('boom')),
    };
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(broken) });
    const result = await decoder.decode(record(1), target);
    assert.equal(reasonOf(result), 'decoderFailure');
    assert.ok(!result.ok && /boom/.test(result.error.message) && result.raw.length === 8);
  });

  it('an unknown schema type is unsupportedSchemaType', async () => {
    const { http, decoder } = setup();
    http.add('x-value', { schemaType: 'XML' as never, schema: '<x/>' });
    const result = await decoder.decode(record(1), target);
    assert.equal(reasonOf(result), 'unsupportedSchemaType');
  });
});
