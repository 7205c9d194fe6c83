import { strict as assert } from 'node:assert';
import { compileAvro } from '../../../../src/core/codec/avroSchema';
import { toDisplayJson } from '../../../../src/core/codec/displayValue';
import { compileJsonSchema } from '../../../../src/core/codec/jsonSchema';
import { compileProtobuf } from '../../../../src/core/codec/protobufSchema';
import { GenerateError } from '../../../../src/core/produce/generateErrors';
import { produceGenerated } from '../../../../src/core/produce/generateProduce';
import { createGenerator, generateUnavailableReason } from '../../../../src/core/produce/generateRecords';
import type { ProduceService } from '../../../../src/core/produce/produceService';
import type { RecordProducer } from '../../../../src/core/produce/recordProducer';

const identity = { id: 1 } as never;

const avro = JSON.stringify({
  type: 'record',
  name: 'R',
  fields: [
    { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 4 } },
    { name: 'f', type: { type: 'fixed', name: 'F', size: 2, logicalType: 'decimal', precision: 10, scale: 0 } },
    { name: 'u', type: { type: 'fixed', name: 'U', size: 16, logicalType: 'uuid' } },
    { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } },
    { name: 'l', type: 'long' },
    { name: 'm', type: { type: 'map', values: { type: 'array', items: 'F' } } },
    { name: 'next', type: ['null', 'R'] },
    { name: 'odd', type: { type: 'int', logicalType: 'no-such-logical-type' } },
  ],
});

describe('generate: random valid records (codec round trip, no network)', function () {
  // Hundreds of records through each codec: seconds of CPU on a loaded 2-core machine.
  this.timeout(30_000);
  it('Avro: 500 records encode and decode back equal, within decimal precision and fixed size, recursion bounded', () => {
    const compiled = compileAvro(identity, avro, []);
    assert.ok(compiled.ok);
    const generator = createGenerator({ format: 'avro', schema: avro }, { seed: 1 });
    for (let i = 0; i < 500; i++) {
      const value = generator.next() as Record<string, unknown>;
      assert.match(String(value.d), /^-?0\.\d{4}$/);
      // fixed(2) holds at most 4 decimal digits of a signed 16-bit integer.
      assert.ok(Math.abs(Number(value.f)) <= 32767, String(value.f));
      const encoded = compiled.schema.encode(value);
      assert.ok(encoded.ok, encoded.ok ? '' : `${encoded.error.message} ${JSON.stringify(value)}`);
      const decoded = compiled.schema.decode(encoded.body, 0, false);
      assert.ok(decoded.ok);
      const back = toDisplayJson((decoded as { value: unknown }).value) as Record<string, unknown>;
      assert.equal(back.d, value.d);
      assert.equal(back.u, value.u);
      assert.equal(back.l, value.l);
      let depth = 0;
      for (let node = value.next as { R?: { next: unknown } } | null; node; node = node.R?.next as never) depth++;
      assert.ok(depth <= 5, `recursion depth ${depth}`);
    }
  });

  it('the same seed gives the same records; another seed others', () => {
    const a = createGenerator({ format: 'avro', schema: avro }, { seed: 77 });
    const b = createGenerator({ format: 'avro', schema: avro }, { seed: 77 });
    const c = createGenerator({ format: 'avro', schema: avro }, { seed: 78 });
    const first = [a.next(), a.next()];
    assert.deepEqual([b.next(), b.next()], first);
    assert.notDeepEqual([c.next(), c.next()], first);
    assert.equal(a.seed, 77);
    const unseeded = createGenerator({ format: 'avro', schema: avro });
    assert.ok(Number.isSafeInteger(unseeded.seed) && unseeded.seed > 0, 'a random seed is chosen and shown');
  });

  it('Protobuf: oneofs, maps, repeated, 64-bit, well-known types encode and decode back equal', () => {
    const proto = `syntax = "proto3";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
message M { oneof k { string a = 1; uint64 b = 2; } map<string, M> kids = 3; repeated sfixed64 xs = 4;
  google.protobuf.Timestamp at = 5; google.protobuf.UInt64Value w = 6; google.protobuf.Struct s = 7; }`;
    const compiled = compileProtobuf(identity, proto, []);
    assert.ok(compiled.ok);
    const generator = createGenerator({ format: 'protobuf', schema: proto }, { seed: 3 });
    for (let i = 0; i < 300; i++) {
      const value = generator.next() as Record<string, unknown>;
      assert.ok(!('a' in value && 'b' in value), 'one field of the oneof');
      const encoded = compiled.schema.encode(value);
      assert.ok(encoded.ok, encoded.ok ? '' : `${encoded.error.message} ${JSON.stringify(value)}`);
      const decoded = compiled.schema.decode(encoded.body, 0, true);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      const back = toDisplayJson((decoded as { value: unknown }).value) as Record<string, unknown>;
      if (value.b !== undefined) assert.equal(String(back.b), value.b);
      assert.deepEqual((back.xs as unknown[] | undefined)?.map(String) ?? [], value.xs);
      if (value.at !== undefined) assert.equal(Date.parse(String(back.at)), Date.parse(String(value.at)));
    }
  });

  it('JSON Schema: records validate, draft-7 exclusive bounds hold, bounded arrays', () => {
    const schema = JSON.stringify({
      type: 'object',
      properties: {
        p: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 100 },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        when: { type: 'string', format: 'date-time' },
      },
      required: ['p', 'tags', 'when'],
    });
    const compiled = compileJsonSchema(identity, schema, []);
    assert.ok(compiled.ok);
    const generator = createGenerator({ format: 'jsonSchema', schema }, { seed: 11 });
    for (let i = 0; i < 300; i++) {
      const value = generator.next() as { p: number; tags: string[] };
      assert.ok(value.p > 0 && value.p < 100, String(value.p));
      const encoded = compiled.schema.encode(value);
      assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    }
  });

  it('refuses what it cannot generate, with the reason', () => {
    assert.match(String(generateUnavailableReason({ form: 'json', text: '{}' })), /needs a schema/);
    assert.match(String(generateUnavailableReason({ form: 'text', text: '' })), /needs a schema/);
    assert.equal(
      generateUnavailableReason({
        form: 'schema',
        text: '',
        schema: { format: 'avro', strategy: 'TopicName', version: 'latest' },
      }),
      undefined,
    );
    assert.throws(
      () => createGenerator({ format: 'jsonSchema', schema: '{"jsonPath": "$.x"}' }),
      (e: unknown) => e instanceof GenerateError && e.reason === 'unsupportedSchema',
    );
    assert.throws(
      () => createGenerator({ format: 'avro', schema: '"Missing"' }),
      (e: unknown) => e instanceof GenerateError,
    );
  });
});

describe('generate: Produce N (pacing and counts, over fakes)', () => {
  const okService = {
    prepare: async () => ({ ok: true, prepared: { record: { topic: 't', key: null, value: Buffer.from('x') } } }),
  } as unknown as ProduceService;
  function fakeProducer(failAt?: number): RecordProducer & { queued: number } {
    let offset = 0;
    const fake = {
      queued: 0,
      enqueue: async (_r: unknown, done: (e: unknown, d: unknown) => void) => {
        const n = fake.queued++;
        if (n === failAt) done({ reason: 'authorization', message: 'denied' }, undefined);
        else done(undefined, { topic: 't', partition: 0, offset: offset++, timestamp: 0 });
      },
      flush: async () => undefined,
    };
    return fake as unknown as RecordProducer & { queued: number };
  }
  const generator = { seed: 9, next: () => ({}) };
  const request = {
    topic: 't',
    key: { form: 'null', text: '' },
    value: { form: 'schema', text: '' },
    headers: [],
  } as never;

  it('paces to the rate with the injected clock: 10 at 5/s wait until 1.8 s', async () => {
    let clock = 0;
    const waits: number[] = [];
    const producer = fakeProducer();
    const summary = await produceGenerated(
      { service: okService, producer },
      {
        request,
        generator,
        count: 10,
        ratePerSecond: 5,
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      },
    );
    assert.equal(summary.sent, 10);
    assert.equal(clock, 1800);
    assert.equal(waits.length, 9);
    assert.deepEqual(summary.partitions, [{ partition: 0, count: 10, firstOffset: 0, lastOffset: 9 }]);
  });

  it('reports its progress at least every 250 ms at a slow rate, not only every 1,000 records', async () => {
    const abort = new AbortController();
    let clock = 0;
    const reports: Array<{ at: number; sent: number }> = [];
    const summary = await produceGenerated(
      { service: okService, producer: fakeProducer() },
      {
        request,
        generator,
        count: 100_000,
        ratePerSecond: 20,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
        onProgress: (p) => {
          reports.push({ at: clock, sent: p.sent });
          if (p.sent >= 12) abort.abort();
        },
        signal: abort.signal,
      },
    );
    assert.equal(summary.outcome, 'cancelled');
    // 20 records a second: a report every 5 records (250 ms), long before the 1,000th.
    assert.ok(reports.length >= 2, `reports: ${JSON.stringify(reports)}`);
    assert.ok(reports[0].sent <= 6, `first report after ${reports[0].sent} records`);
    for (let i = 1; i < reports.length; i++) assert.ok(reports[i].at - reports[i - 1].at <= 300);
  });

  it('a delivery failure stops the run and is counted; nothing more is sent', async () => {
    const producer = fakeProducer(3);
    const summary = await produceGenerated({ service: okService, producer }, { request, generator, count: 100 });
    assert.equal(summary.outcome, 'stopped');
    assert.equal(summary.sent, 3);
    assert.equal(summary.failed, 1);
    assert.equal(summary.firstFailure?.index, 3);
    assert.equal(producer.queued, 4);
  });

  it('refuses counts outside 1..1,000,000 and bad rates', async () => {
    const producer = fakeProducer();
    for (const count of [0, 1_000_001, 1.5])
      await assert.rejects(
        produceGenerated({ service: okService, producer }, { request, generator, count }),
        GenerateError,
      );
    await assert.rejects(
      produceGenerated({ service: okService, producer }, { request, generator, count: 1, ratePerSecond: 0 }),
      GenerateError,
    );
    assert.equal(producer.queued, 0);
  });
});
