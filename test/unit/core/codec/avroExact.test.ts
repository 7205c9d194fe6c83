import { strict as assert } from 'node:assert';
import { compileAvro } from '../../../../src/core/codec/avroSchema';
import { readZigZag, writeZigZag } from '../../../../src/core/codec/avroLong';
import type { CompiledSchema } from '../../../../src/core/codec/compiledSchema';
import type { DecodeResult, SchemaDecoded } from '../../../../src/core/codec/decodeResult';
import { toDisplayJson } from '../../../../src/core/codec/displayValue';
import { EncodeError } from '../../../../src/core/codec/codecErrors';
import type { ReadableValue } from '../../../../src/core/codec/readableValue';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';

function compile(schema: unknown): CompiledSchema {
  const result = compileAvro({ id: 7, format: 'avro' }, JSON.stringify(schema), []);
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

const record = (fields: unknown[]): unknown => ({ type: 'record', name: 'R', namespace: 'lab.exact', fields });
const field = (name: string, type: unknown): unknown => ({ name, type });

const EDGE_LONGS = [
  0n,
  1n,
  -1n,
  2n ** 31n,
  -(2n ** 52n) - 1n,
  -(2n ** 53n) + 1n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 1n,
  2n ** 62n + 3n,
  -(2n ** 63n),
  2n ** 63n - 1n,
];

describe('Avro longs are exact over the whole int64 range', () => {
  it('the zig-zag reader and writer agree with an independent BigInt encoding at every edge', () => {
    for (const n of EDGE_LONGS) {
      const bytes = varint(n);
      const read = readZigZag(bytes);
      assert.equal(BigInt(read), n, `read ${bytes.toString('hex')}`);
      assert.equal(
        typeof read,
        Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === n ? 'number' : 'bigint',
        String(n),
      );
      assert.deepEqual(writeZigZag(read), bytes, `write ${n}`);
    }
  });

  it('decode every edge value exactly: a number when safe, a BigInt otherwise; never a flipped sign', () => {
    const schema = compile(
      record([field('l', 'long'), field('o', ['null', 'long']), field('m', { type: 'map', values: { type: 'long' } })]),
    );
    for (const n of EDGE_LONGS) {
      // l, then union branch 1, then a map with one block of one entry "k" → n, then the end block.
      const body = Buffer.concat([
        varint(n),
        Buffer.from([2]),
        varint(n),
        Buffer.from([2, 2, 0x6b]),
        varint(n),
        Buffer.from([0]),
      ]);
      const value = decoded(schema.decode(encodeFrame(7, body), 5, true)).value as {
        l: unknown;
        o: unknown;
        m: Record<string, unknown>;
      };
      for (const got of [value.l, value.o, value.m.k]) assert.equal(BigInt(got as number | bigint), n);
      assert.deepEqual(toDisplayJson(value), {
        l: Number.isSafeInteger(Number(n)) ? Number(n) : n.toString(),
        o: Number.isSafeInteger(Number(n)) ? Number(n) : n.toString(),
        m: { k: Number.isSafeInteger(Number(n)) ? Number(n) : n.toString() },
      });
    }
  });

  it('encode longs given as numbers, BigInts or decimal strings to the same bytes; out of range is a field error', () => {
    const schema = compile(record([field('l', 'long')]));
    for (const n of EDGE_LONGS) {
      for (const input of [n, n.toString(), ...(Number.isSafeInteger(Number(n)) ? [Number(n)] : [])]) {
        const encoded = schema.encode({ l: input });
        assert.ok(encoded.ok, `${typeof input} ${String(input)}: ${encoded.ok ? '' : encoded.error.message}`);
        assert.deepEqual(encoded.body, varint(n));
      }
    }
    for (const bad of [2n ** 63n, '-9223372036854775809', 2 ** 53, 1.5, '12a']) {
      const encoded = schema.encode({ l: bad });
      assert.ok(
        !encoded.ok && encoded.error instanceof EncodeError && encoded.error.reason === 'schemaMismatch',
        String(bad),
      );
      assert.equal(encoded.error.fieldErrors[0]?.path, '$.l');
    }
  });

  it('unions of a long with other numbers stay wrapped, as avsc wraps them with its own long', () => {
    const schema = compile(record([field('e', ['int', 'long', 'double'])]));
    const encoded = schema.encode({ e: { long: '9223372036854775807' } });
    assert.ok(encoded.ok);
    assert.deepEqual(toDisplayJson(decoded(schema.decode(encodeFrame(7, encoded.body), 5, true)).value), {
      e: { long: '9223372036854775807' },
    });
  });
});

const LOGICAL = record([
  field('price', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }),
  field('whole', { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 0 }),
  field('hundreds', { type: 'bytes', logicalType: 'decimal', precision: 4, scale: -2 }),
  field('fixedDecimal', { type: 'fixed', name: 'Amount', size: 8, logicalType: 'decimal', precision: 18, scale: 4 }),
  field('day', { type: 'int', logicalType: 'date' }),
  field('at', { type: 'int', logicalType: 'time-millis' }),
  field('atMicros', { type: 'long', logicalType: 'time-micros' }),
  field('ts', { type: 'long', logicalType: 'timestamp-millis' }),
  field('tsMicros', { type: 'long', logicalType: 'timestamp-micros' }),
  field('localTs', { type: 'long', logicalType: 'local-timestamp-micros' }),
  field('id', { type: 'string', logicalType: 'uuid' }),
  field('span', { type: 'fixed', name: 'Span', size: 12, logicalType: 'duration' }),
  field('custom', { type: 'string', logicalType: 'x-color' }),
]);

describe('Avro logical types are shown as what they mean, with the base value kept', () => {
  const schema = compile(LOGICAL);
  const readable = {
    price: '-3978711.44',
    whole: '0',
    hundreds: '-12300',
    fixedDecimal: '12345678901234.5678',
    day: '1969-07-20',
    at: '23:59:59.999',
    atMicros: '00:00:00.000001',
    ts: '1970-01-01T00:00:00.000Z',
    tsMicros: '1969-12-31T23:59:59.999999Z',
    localTs: '2262-04-11T23:47:16.854775',
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    span: { months: 1, days: 2, milliseconds: 3 },
    custom: 'teal',
  };

  it('encode the readable forms and decode them back to the same readable forms', () => {
    const encoded = schema.encode(readable);
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const value = decoded(schema.decode(encodeFrame(7, encoded.body), 5, true)).value as Record<string, ReadableValue>;
    assert.deepEqual(toDisplayJson(value), readable);
    // The base values, one step away: the bytes of the unscaled integer, the day count, the epoch units.
    assert.deepEqual(
      value.price.base,
      Buffer.from((2n ** 40n - 397871144n).toString(16).padStart(10, '0'), 'hex').subarray(1),
    );
    assert.equal(value.day.base, -165);
    assert.equal(value.ts.base, 0);
    assert.equal(value.tsMicros.base, -1);
    assert.equal(value.hundreds.logicalType, 'decimal');
    assert.equal(value.custom.logicalType, 'x-color');
    assert.equal(value.custom.readable.ok, false);
  });

  it('accept the base forms too, and show what they mean', () => {
    const base = {
      ...readable,
      price: 'AA==',
      day: 0,
      at: 0,
      ts: -1,
      tsMicros: '9223372036854775807',
      localTs: 0,
      span: Buffer.alloc(12).toString('base64'),
    };
    const encoded = schema.encode(base);
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const shown = toDisplayJson(decoded(schema.decode(encodeFrame(7, encoded.body), 5, true)).value) as Record<
      string,
      unknown
    >;
    assert.equal(shown.price, '0.00');
    assert.equal(shown.day, '1970-01-01');
    assert.equal(shown.at, '00:00:00.000');
    assert.equal(shown.ts, '1969-12-31T23:59:59.999Z');
    assert.equal(shown.tsMicros, '+294247-01-10T04:00:54.775807Z');
    assert.deepEqual(shown.span, { months: 0, days: 0, milliseconds: 0 });
  });

  it('values out of range are field errors, never rounded', () => {
    const cases: [string, unknown][] = [
      ['price', '12345678901.5'], // 13 digits for precision 12
      ['price', '1.005'], // a third decimal place at scale 2
      ['hundreds', '12345'], // not a multiple of 100
      ['day', '2023-02-29'],
      ['at', '24:00:00.000'],
      ['ts', '2024-01-01T00:00:00.000'], // no zone for a UTC timestamp
      ['localTs', '2024-01-01T00:00:00Z'], // a zone for a local one
      ['tsMicros', '2024-01-01T00:00:00.0000001Z'], // finer than microseconds
      ['span', { months: -1 }],
    ];
    for (const [name, input] of cases) {
      const encoded = schema.encode({ ...readable, [name]: input });
      assert.ok(!encoded.ok, `${name} ${JSON.stringify(input)} was accepted`);
      assert.deepEqual(
        encoded.error instanceof EncodeError && encoded.error.fieldErrors.map((e) => e.path),
        [`$.${name}`],
        name,
      );
    }
  });

  it('a time outside the day is shown as its base value with a note, not as an error', () => {
    const schema = compile(record([field('at', { type: 'int', logicalType: 'time-millis' })]));
    const value = decoded(schema.decode(encodeFrame(7, varint(86_400_000n)), 5, true)).value as { at: ReadableValue };
    assert.equal(value.at.readable.ok, false);
    assert.deepEqual(toDisplayJson(value), { at: 86_400_000 });
  });

  it('a named fixed referenced by name keeps its logical type', () => {
    const schema = compile(
      record([
        field('a', { type: 'fixed', name: 'Cents', size: 4, logicalType: 'decimal', precision: 9, scale: 2 }),
        field('b', 'lab.exact.Cents'),
      ]),
    );
    const encoded = schema.encode({ a: '-1.50', b: '1234567.89' });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    assert.deepEqual(toDisplayJson(decoded(schema.decode(encodeFrame(7, encoded.body), 5, true)).value), {
      a: '-1.50',
      b: '1234567.89',
    });
  });

  it('a known logical type with invalid parameters keeps its base type and its name', () => {
    const schema = compile(
      record([field('d', { type: 'bytes', logicalType: 'decimal' }), field('u', { type: 'int', logicalType: 'uuid' })]),
    );
    const value = decoded(schema.decode(encodeFrame(7, Buffer.from([2, 0x7f, 4])), 5, true)).value as Record<
      string,
      ReadableValue
    >;
    assert.equal(value.d.logicalType, 'decimal');
    assert.deepEqual(value.d.base, Buffer.from([0x7f]));
    assert.equal(value.u.logicalType, 'uuid');
    assert.equal(value.u.base, 2);
  });
});
