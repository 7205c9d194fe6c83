import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WireFormatError, type DecodeError } from '../../../../src/core/codec/codecErrors';
import type { CompiledSchema, ResolvedReference } from '../../../../src/core/codec/compiledSchema';
import type { DecodeResult, SchemaDecoded } from '../../../../src/core/codec/decodeResult';
import { scanDeclarationOrder } from '../../../../src/core/codec/protoDeclarationOrder';
import { compileProtobuf } from '../../../../src/core/codec/protobufSchema';
import type { ReadableValue } from '../../../../src/core/codec/readableValue';
import { encodeFrame, encodeMessageIndexes } from '../../../../src/core/codec/wireFormat';

interface Fixture {
  common: string;
  order: string;
  messages: { indexes: number[]; type: string; hex: string; json: Record<string, unknown> }[];
}

// Descriptors and payloads written by Python's protobuf runtime (see the fixture's "source").
const fixture = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../../../test/fixtures/codec/protobufDescriptors.json'), 'utf8'),
) as Fixture;

const orderText = `syntax = "proto3";
package lab.fixture;
import "lab/fixture/common.proto";

/* message Commented { } must not count */
message Order {
  string order_id = 1;
  // the map's entry type comes before Line in protoc's descriptor
  map<string, int32> attributes = 2;
  message Line { string sku = 1; int32 qty = 2; }
  repeated Line lines = 3;
  lab.fixture.common.Money total = 4;
  Status status = 5;
}
enum Status { STATUS_UNKNOWN = 0; STATUS_PAID = 1; }
message Refund { string order_id = 1; lab.fixture.common.Money amount = 2; }
`;

const commonText = `syntax = "proto3";
package lab.fixture.common;
message Money { int64 cents = 1; string currency = 2; }
`;

function ref(schema: string): ResolvedReference {
  return {
    name: 'lab/fixture/common.proto',
    subject: 'lab/fixture/common.proto',
    version: 1,
    schemaType: 'PROTOBUF',
    schema,
    references: [],
  };
}

function compile(main: string, references: ResolvedReference[]): CompiledSchema {
  const result = compileProtobuf({ id: 77, format: 'protobuf' }, main, references);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.schema;
}

function framed(indexes: number[], body: Buffer | string): Buffer {
  return encodeFrame(
    77,
    Buffer.concat([encodeMessageIndexes(indexes), typeof body === 'string' ? Buffer.from(body, 'hex') : body]),
  );
}

function ok(result: DecodeResult): SchemaDecoded {
  assert.ok(result.ok, result.ok ? '' : `${result.error.reason}: ${result.error.message}`);
  return result as SchemaDecoded;
}

function failed(result: DecodeResult): DecodeError | WireFormatError {
  assert.ok(!result.ok, 'expected a failure');
  return result.error as DecodeError | WireFormatError;
}

const layouts: [string, () => CompiledSchema][] = [
  ['base64 descriptors (as Confluent serializers register)', () => compile(fixture.order, [ref(fixture.common)])],
  ['.proto text importing a descriptor', () => compile(orderText, [ref(fixture.common)])],
  ['.proto text importing .proto text', () => compile(orderText, [ref(commonText)])],
];

describe('Protobuf schemas', () => {
  for (const [name, make] of layouts) {
    describe(name, () => {
      it('decode what Python protobuf wrote, following the message-index path', () => {
        const schema = make();
        for (const message of fixture.messages) {
          const decoded = ok(schema.decode(framed(message.indexes, message.hex), 5, true));
          assert.equal(decoded.messageType, message.type);
          assert.equal(decoded.format, 'protobuf');
          assert.deepEqual(decoded.value, message.json, message.type);
        }
      });

      it('encode JSON to the same bytes Python wrote, with the message indexes', () => {
        const schema = make();
        const line = fixture.messages[1];
        const encoded = schema.encode(line.json, { messageType: 'lab.fixture.Order.Line' });
        assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
        assert.equal(encoded.body.toString('hex'), encodeMessageIndexes([0, 1]).toString('hex') + line.hex);
        const refund = schema.encode(fixture.messages[2].json, { messageType: 'Refund' });
        assert.ok(refund.ok);
        assert.equal(refund.body.toString('hex'), '0202' + fixture.messages[2].hex);
      });

      it('an index path that names no message is messageIndexOutOfRange', () => {
        const schema = make();
        for (const indexes of [[2], [0, 5], [1, 0]]) {
          const error = failed(schema.decode(framed(indexes, ''), 5, true));
          assert.equal(error.reason, 'messageIndexOutOfRange', JSON.stringify(indexes));
          assert.match(error.message, /another version of the schema/);
        }
      });
    });
  }

  it('the text layout leaves room for map entries, as descriptors do', () => {
    const order = scanDeclarationOrder(orderText);
    assert.deepEqual(order?.get('Order'), [
      { kind: 'mapEntry', field: 'attributes' },
      { kind: 'message', name: 'Line' },
    ]);
    assert.equal(order?.has('Commented'), false);
  });

  it('the first message is written as the single byte 0', () => {
    const schema = compile(orderText, [ref(commonText)]);
    const encoded = schema.encode({ order_id: 'x' });
    assert.ok(encoded.ok);
    assert.equal(encoded.body[0], 0);
    assert.equal(schema.recordName(), 'lab.fixture.Order');
    assert.equal(schema.recordName({ messageType: 'Refund' }), 'lab.fixture.Refund');
  });

  it('a truncated body is truncatedPayload, garbage is corruptPayload, a broken index list a WireFormatError', () => {
    const schema = compile(orderText, [ref(commonText)]);
    const order = fixture.messages[0].hex;
    assert.equal(
      failed(schema.decode(framed([0], order.slice(0, order.length - 6)), 5, true)).reason,
      'truncatedPayload',
    );
    assert.equal(failed(schema.decode(framed([0], '7f'), 5, true)).reason, 'corruptPayload');
    const brokenIndexes = encodeFrame(77, Buffer.from([0x04, 0x80]));
    const error = failed(schema.decode(brokenIndexes, 5, true));
    assert.ok(error instanceof WireFormatError);
    assert.equal(error.reason, 'truncatedIndexList');
  });

  it('decode a raw body (no header, no indexes) with a chosen message type', () => {
    const schema = compile(orderText, [ref(commonText)]);
    const decoded = ok(schema.decode(Buffer.from(fixture.messages[2].hex, 'hex'), 0, false, 'Refund'));
    assert.deepEqual(decoded.value, fixture.messages[2].json);
    assert.equal(failed(schema.decode(Buffer.alloc(0), 0, false, 'Nope')).reason, 'formatMismatch');
  });

  it('the plain value is an own, enumerable property (survives spread and structured clone)', () => {
    const schema = compile(orderText, [ref(commonText)]);
    const decoded = ok(schema.decode(framed([1], fixture.messages[2].hex), 5, true));
    assert.deepEqual({ ...decoded }.value, fixture.messages[2].json);
    assert.deepEqual(structuredClone({ ...decoded, raw: null }).value, fixture.messages[2].json);
  });

  it('well-known imports need no reference', () => {
    const schema = compile(
      'syntax = "proto3";\nimport "google/protobuf/timestamp.proto";\nmessage Event { google.protobuf.Timestamp at = 1; }\n',
      [],
    );
    const encoded = schema.encode({ at: { seconds: '1700000000', nanos: 5 } });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    // shown in the canonical JSON form, the message form kept as the base value
    const at = (ok(schema.decode(encodeFrame(77, encoded.body), 5, true)).value as { at: ReadableValue }).at;
    assert.deepEqual(
      [at.logicalType, at.readable, at.base],
      [
        'google.protobuf.Timestamp',
        { ok: true, value: '2023-11-14T22:13:20.000000005Z' },
        { seconds: '1700000000', nanos: 5 },
      ],
    );
  });

  it('a missing import is an unparsableSchema error naming the type', () => {
    const result = compileProtobuf({ id: 5, format: 'protobuf' }, orderText, []);
    assert.ok(!result.ok);
    assert.equal(result.error.reason, 'unparsableSchema');
    assert.match(result.error.message, /lab\.fixture\.common\.Money/);
  });

  it('encoding reports field errors (path, expected, actual) and produces nothing', () => {
    const schema = compile(orderText, [ref(commonText)]);
    const result = schema.encode({
      order_id: 12,
      attributes: { gift: 'yes' },
      lines: [{ sku: 'a', qty: 1.5 }, { skew: 'b' }],
      total: { cents: '99999999999999999999', currency: 'EUR' },
      status: 'STATUS_LOST',
      bogus: 1,
    });
    assert.ok(!result.ok);
    assert.equal(result.error.reason, 'schemaMismatch');
    const byPath = Object.fromEntries(result.error.fieldErrors.map((e) => [e.path, e]));
    assert.deepEqual(byPath['$.order_id'], { path: '$.order_id', expected: 'string', actual: '12' });
    assert.equal(byPath['$.attributes.gift'].expected, 'int32');
    assert.equal(byPath['$.lines[0].qty'].actual, '1.5');
    assert.match(byPath['$.lines[1].skew'].expected, /no such field/);
    assert.match(byPath['$.total.cents'].expected, /int64/);
    assert.match(byPath['$.status'].expected, /STATUS_UNKNOWN, STATUS_PAID/);
    assert.match(byPath['$.bogus'].expected, /no such field in lab.fixture.Order/);
  });

  it('accepts the proto3 JSON spellings: camelCase names, enum numbers, 64-bit strings, base64 bytes', () => {
    const schema = compile(
      'syntax = "proto3";\nmessage B { bytes blob = 1; int64 big_number = 2; E e = 3; oneof pick { string a = 4; int32 b = 5; } }\nenum E { E0 = 0; E1 = 1; }\n',
      [],
    );
    const encoded = schema.encode({ blob: 'AQID', bigNumber: '9223372036854775807', e: 1 });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const decoded = ok(schema.decode(encodeFrame(1, encoded.body), 5, true)).value as Record<string, unknown>;
    assert.deepEqual([decoded.blob, decoded.big_number, decoded.e], ['AQID', '9223372036854775807', 'E1']);
    const both = schema.encode({ a: 'x', b: 1 });
    assert.ok(!both.ok);
    assert.match(both.error.fieldErrors[0].expected, /only one of oneof pick/);
  });
});
