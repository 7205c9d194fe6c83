import { strict as assert } from 'node:assert';
import { compileAvro } from '../../../../src/core/codec/avroSchema';
import type { CompiledSchema } from '../../../../src/core/codec/compiledSchema';
import type { DecodeResult, SchemaDecoded } from '../../../../src/core/codec/decodeResult';
import { toDisplayJson } from '../../../../src/core/codec/displayValue';

// Unions with more than one branch written from a JS number or BigInt: `long` (our exact long) with
// int- or long-based logical types, or a plain number type with a long-based one. avsc picked their
// branch by asking each branch whether it takes the value, which failed with "ambiguous conversion"
// or "Cannot mix BigInt and other types". The bytes expected here are built by hand from the spec:
// the branch index as a zig-zag varint, then the branch's body.

function compile(union: unknown): CompiledSchema {
  const schema = { type: 'record', name: 'R', namespace: 'lab.unions', fields: [{ name: 'f', type: union }] };
  const result = compileAvro({ id: 9, format: 'avro' }, JSON.stringify(schema), []);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.schema;
}

function decoded(result: DecodeResult): SchemaDecoded {
  assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
  return result as SchemaDecoded;
}

/** An independent zig-zag varint writer, in BigInt arithmetic only. */
function varint(n: bigint): Buffer {
  let z = n >= 0n ? n * 2n : -n * 2n - 1n;
  const out: number[] = [];
  do {
    const low = Number(z % 128n);
    z /= 128n;
    out.push(z > 0n ? low | 0x80 : low);
  } while (z > 0n);
  return Buffer.from(out);
}

const body = (branch: number, value: bigint): Buffer => Buffer.concat([varint(BigInt(branch)), varint(value)]);

const label = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function roundTrip(schema: CompiledSchema, value: unknown, expected: Buffer, shown: unknown): void {
  const encoded = schema.encode({ f: value });
  assert.ok(encoded.ok, `${label(value)}: ${encoded.ok ? '' : encoded.error.message}`);
  assert.deepEqual([...encoded.body], [...expected], `the bytes of ${label(value)}`);
  assert.deepEqual(toDisplayJson(decoded(schema.decode(encoded.body, 0, false)).value), { f: shown });
}

const DAY = { type: 'int', logicalType: 'date' };
const TIME_MILLIS = { type: 'int', logicalType: 'time-millis' };
const TS_MILLIS = { type: 'long', logicalType: 'timestamp-millis' };
const TS_MICROS = { type: 'long', logicalType: 'timestamp-micros' };
const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;
const DAYS_2024_01_02 = 19724n;
const MS_2024_01_02 = 1704153600000n;

describe('Avro unions of a long with int- or long-based logical types encode and read back exactly', () => {
  it('["null", "long", date]: a long (to ±2^63), a readable date, each branch by name or bare', () => {
    const schema = compile(['null', 'long', DAY]);
    roundTrip(schema, null, Buffer.from([0]), null);
    roundTrip(schema, 5, body(1, 5n), { long: 5 });
    roundTrip(schema, MAX.toString(), body(1, MAX), { long: MAX.toString() });
    roundTrip(schema, { long: MIN.toString() }, body(1, MIN), { long: MIN.toString() });
    roundTrip(schema, MAX, body(1, MAX), { long: MAX.toString() });
    roundTrip(schema, '2024-01-02', body(2, DAYS_2024_01_02), { int: '2024-01-02' });
    roundTrip(schema, { int: '2024-01-02' }, body(2, DAYS_2024_01_02), { int: '2024-01-02' });
    // The date's base form, by its branch name: a day count.
    roundTrip(schema, { int: 19724 }, body(2, DAYS_2024_01_02), { int: '2024-01-02' });
  });

  it('["long", time-millis] and ["int", timestamp-millis]', () => {
    const time = compile(['long', TIME_MILLIS]);
    roundTrip(time, '-9223372036854775808', body(0, MIN), { long: MIN.toString() });
    roundTrip(time, { int: '23:59:59.999' }, body(1, 86399999n), { int: '23:59:59.999' });
    const ts = compile(['int', TS_MILLIS]);
    roundTrip(ts, 7, body(0, 7n), { int: 7 });
    roundTrip(ts, '2024-01-02T00:00:00.000Z', body(1, MS_2024_01_02), { long: '2024-01-02T00:00:00.000Z' });
    roundTrip(ts, { long: MAX.toString() }, body(1, MAX), { long: '+292278994-08-17T07:12:55.807Z' });
  });

  it('["null", "double", timestamp-micros, "string"]: each value to its own branch', () => {
    const schema = compile(['null', 'double', TS_MICROS, 'string']);
    const encoded = schema.encode({ f: 1.5 });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    assert.deepEqual([...encoded.body.subarray(0, 1)], [2], 'branch 1 (double)');
    assert.equal(encoded.body.readDoubleLE(1), 1.5);
    roundTrip(schema, { long: '1969-12-31T23:59:59.999999Z' }, body(2, -1n), {
      long: '1969-12-31T23:59:59.999999Z',
    });
    roundTrip(schema, { string: 'x' }, Buffer.from([6, 2, 0x78]), { string: 'x' });
  });

  it('a value no branch takes is a field error, not an exception', () => {
    const schema = compile(['null', 'long', DAY]);
    for (const bad of ['yesterday', 1.5, { long: '9223372036854775808' }, true]) {
      const encoded = schema.encode({ f: bad });
      assert.ok(!encoded.ok, JSON.stringify(bad));
      assert.equal(encoded.error.fieldErrors[0]?.path.startsWith('$.f'), true, JSON.stringify(bad));
    }
  });

  it('a union with a single number-like branch stays unwrapped: ["null", timestamp-millis] reads bare', () => {
    const schema = compile(['null', TS_MILLIS]);
    roundTrip(schema, '2024-01-02T00:00:00.000Z', body(1, MS_2024_01_02), '2024-01-02T00:00:00.000Z');
    roundTrip(schema, null, Buffer.from([0]), null);
    const withString = compile(['null', 'string', 'long']);
    roundTrip(
      withString,
      MAX.toString(),
      Buffer.concat([Buffer.from([2, 0x26]), Buffer.from(MAX.toString())]),
      MAX.toString(),
    );
  });
});
