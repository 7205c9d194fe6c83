import { strict as assert } from 'node:assert';
import * as avro from 'avsc';
import { compileAvro } from '../../../../src/core/codec/avroSchema';
import { DecodeError, EncodeError } from '../../../../src/core/codec/codecErrors';
import type { CompiledSchema, ResolvedReference } from '../../../../src/core/codec/compiledSchema';
import type { DecodeResult, SchemaDecoded } from '../../../../src/core/codec/decodeResult';
import { toDisplayJson } from '../../../../src/core/codec/displayValue';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';

const address = {
  type: 'record',
  name: 'Address',
  namespace: 'lab.test',
  fields: [
    { name: 'city', type: 'string' },
    { name: 'zip', type: ['null', 'string'], default: null },
  ],
};
const person = {
  type: 'record',
  name: 'Person',
  namespace: 'lab.test',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
    { name: 'home', type: 'lab.test.Address' },
    { name: 'work', type: ['null', 'lab.test.Address'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'scores', type: { type: 'map', values: 'long' }, default: {} },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['HUMAN', 'ROBOT'] } },
    { name: 'avatar', type: 'bytes', default: '' },
    { name: 'either', type: ['int', 'long'], default: 0 },
  ],
};
const addressRef: ResolvedReference = {
  name: 'lab.test.Address',
  subject: 'address-value',
  version: 1,
  schemaType: 'AVRO',
  schema: JSON.stringify(address),
  references: [],
};

function compile(schema: unknown = person, references: ResolvedReference[] = [addressRef]): CompiledSchema {
  const result = compileAvro(
    { id: 42, format: 'avro', subject: 'people-value', version: 3 },
    JSON.stringify(schema),
    references,
  );
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.schema;
}

function ok(result: DecodeResult): SchemaDecoded {
  assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
  assert.ok(result.format === 'avro');
  return result as SchemaDecoded;
}

function decodeError(result: DecodeResult): DecodeError {
  assert.ok(!result.ok, 'expected a failure');
  assert.ok(result.error instanceof DecodeError, result.error.constructor.name);
  return result.error;
}

const value = {
  name: 'Ada',
  age: 36,
  home: { city: 'London', zip: 'N1' },
  work: { city: 'Cambridge', zip: null },
  tags: ['math', 'engines'],
  scores: { chess: 1200 },
  kind: 'HUMAN',
  avatar: Buffer.from([1, 2, 3]).toString('base64'),
  either: { long: 5 },
};

describe('Avro schemas', () => {
  it('decode records with named types from references, after the 5-byte header', () => {
    const schema = compile();
    const encoded = schema.encode(value);
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const raw = encodeFrame(42, encoded.body);
    const decoded = ok(schema.decode(raw, 5, true));
    assert.deepEqual(decoded.schema, { id: 42, format: 'avro', subject: 'people-value', version: 3 });
    assert.equal(decoded.raw, raw, 'the raw bytes are the input, not a copy');
    assert.deepEqual(toDisplayJson(decoded.value), { ...value, either: { long: 5 } });
  });

  it('agree with avsc on the bytes (an independent reader of the same schema)', () => {
    const schema = compile();
    const encoded = schema.encode(value);
    assert.ok(encoded.ok);
    const registry = {};
    avro.Type.forSchema(address as avro.Schema, { registry });
    const plain = avro.Type.forSchema(person as avro.Schema, { registry });
    const read = plain.fromBuffer(encoded.body) as { name: string; home: { city: string } };
    assert.equal(read.name, 'Ada');
    assert.equal(read.home.city, 'London');
  });

  it('a truncated body is a truncatedPayload error, with the bytes kept', () => {
    const schema = compile();
    const encoded = schema.encode(value);
    assert.ok(encoded.ok);
    const raw = encodeFrame(42, encoded.body.subarray(0, encoded.body.length - 4));
    const result = schema.decode(raw, 5, true);
    assert.equal(decodeError(result).reason, 'truncatedPayload');
    assert.match(decodeError(result).message, /ends early.*truncated/);
    assert.ok(!result.ok && result.raw === raw && result.schemaId === 42 && result.fallback.format === 'binary');
  });

  it('left-over bytes are a trailingBytes error (usually the wrong schema)', () => {
    const schema = compile({ type: 'record', name: 'Small', fields: [{ name: 'a', type: 'int' }] }, []);
    const result = schema.decode(encodeFrame(42, Buffer.from([2, 2, 2])), 5, true);
    assert.equal(decodeError(result).reason, 'trailingBytes');
    assert.match(decodeError(result).message, /left 2 unread/);
  });

  it('a corrupt union index is a corruptPayload error', () => {
    const schema = compile({ type: 'record', name: 'U', fields: [{ name: 'u', type: ['null', 'string'] }] }, []);
    const result = schema.decode(encodeFrame(42, Buffer.from([0x0e])), 5, true);
    assert.equal(decodeError(result).reason, 'corruptPayload');
  });

  it('a corrupt array or map block count fails fast instead of looping millions of times', () => {
    for (const type of [
      { type: 'array', items: 'int' },
      { type: 'map', values: 'int' },
      { type: 'array', items: 'null' },
    ]) {
      const schema = compile({ type: 'record', name: 'C', fields: [{ name: 'c', type }] }, []);
      // zigzag varint for 60,000,000 items (f0 f3 9c 39) followed by almost nothing.
      const big = Buffer.from([0x80, 0x9c, 0x9c, 0x39, 2, 4]);
      const started = process.hrtime.bigint();
      const result = schema.decode(encodeFrame(42, big), 5, true);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(decodeError(result).reason, 'corruptPayload', JSON.stringify(type));
      assert.match(decodeError(result).message, /block count/);
      assert.ok(ms < 200, `took ${ms} ms`);
    }
  });

  it('decode a raw body (no header) at offset 0', () => {
    const schema = compile({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }, []);
    assert.deepEqual({ ...(ok(schema.decode(Buffer.from([4, 0x68, 0x69]), 0, false)).value as object) }, { a: 'hi' });
  });

  describe('encoding JSON input', () => {
    it('fills defaults and accepts unions bare or wrapped', () => {
      const schema = compile();
      const minimal = { name: 'Bo', age: 1, home: { city: 'Oslo' }, kind: 'ROBOT', either: { int: 3 } };
      const encoded = schema.encode(minimal);
      assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
      const decoded = toDisplayJson(ok(schema.decode(encodeFrame(42, encoded.body), 5, true)).value) as Record<
        string,
        unknown
      >;
      assert.deepEqual(decoded.home, { city: 'Oslo', zip: null });
      assert.deepEqual(decoded.tags, []);
      assert.equal(decoded.avatar, '');
      const wrapped = schema.encode({
        ...minimal,
        work: { 'lab.test.Address': { city: 'Rome', zip: { string: '00100' } } },
      });
      assert.ok(wrapped.ok, wrapped.ok ? '' : wrapped.error.message);
    });

    it('reports every mismatch with its path, expected type and actual value, and produces nothing', () => {
      const schema = compile();
      const result = schema.encode({
        name: 7,
        age: 2 ** 40,
        home: { city: null },
        kind: 'ALIEN',
        tags: ['ok', 3],
        avatar: '!!',
        extra: true,
        either: 'x',
      });
      assert.ok(!result.ok);
      assert.ok(result.error instanceof EncodeError);
      assert.equal(result.error.reason, 'schemaMismatch');
      const byPath = Object.fromEntries(result.error.fieldErrors.map((e) => [e.path, e]));
      assert.deepEqual(byPath['$.name'], { path: '$.name', expected: 'string', actual: '7' });
      assert.equal(byPath['$.age'].expected, 'int (32-bit integer)');
      assert.equal(byPath['$.home.city'].actual, 'null');
      assert.equal(byPath['$.kind'].expected, 'one of HUMAN, ROBOT');
      assert.equal(byPath['$.tags[1]'].actual, '3');
      assert.equal(byPath['$.avatar'].expected, 'bytes as base64');
      assert.match(byPath['$.extra'].expected, /no such field/);
      assert.match(byPath['$.either'].expected, /one of int \| long/);
      assert.match(result.error.message, /Nothing was produced/);
    });

    it('a missing field without a default is required', () => {
      const schema = compile();
      const result = schema.encode({ name: 'x', home: { city: 'c' }, kind: 'HUMAN' });
      assert.ok(!result.ok);
      assert.deepEqual(
        result.error.fieldErrors.map((e) => e.path),
        ['$.age'],
      );
      assert.match(result.error.fieldErrors[0].expected, /required/);
    });
  });

  it('an unparsable schema or a missing reference is an unparsableSchema error', () => {
    const broken = compileAvro(
      { id: 9, format: 'avro' },
      '{"type":"record","name":"X","fields":[{"name":"a","type":"lab.Missing"}]}',
      [],
    );
    assert.ok(!broken.ok);
    assert.equal(broken.error.reason, 'unparsableSchema');
    assert.match(broken.error.message, /undefined type name: lab.Missing/);
    const wrongRef = compileAvro({ id: 9, format: 'avro' }, '"int"', [{ ...addressRef, schemaType: 'JSON' }]);
    assert.ok(!wrongRef.ok && /not Avro/.test(wrongRef.error.message));
  });

  it('recordName is the full name of the record', () => {
    assert.equal(compile().recordName(), 'lab.test.Person');
    assert.equal(compile('string', []).recordName(), undefined);
  });
});
