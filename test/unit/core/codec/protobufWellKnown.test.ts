import { strict as assert } from 'node:assert';
import type { CompiledSchema } from '../../../../src/core/codec/compiledSchema';
import type { SchemaDecoded } from '../../../../src/core/codec/decodeResult';
import { buildDisplay } from '../../../../src/core/codec/displayModel';
import { toDisplayJson } from '../../../../src/core/codec/displayValue';
import { compileProtobuf } from '../../../../src/core/codec/protobufSchema';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';

const eventText = `syntax = "proto3";
package lab.wkt;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/any.proto";

enum Level { LEVEL_UNKNOWN = 0; LEVEL_HIGH = 1; }
message Event {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Int64Value big = 3;
  google.protobuf.StringValue note = 4;
  google.protobuf.BoolValue flag = 5;
  google.protobuf.Struct attrs = 6;
  google.protobuf.ListValue list = 7;
  google.protobuf.Value any_json = 8;
  google.protobuf.FieldMask mask = 9;
  google.protobuf.Any detail = 10;
  int64 min = 11;
  uint64 max = 12;
  double ratio = 13;
  Level level = 14;
  repeated google.protobuf.Timestamp history = 15;
}
message Detail { string code = 1; google.protobuf.Timestamp seen = 2; }
`;

function compile(): CompiledSchema {
  const result = compileProtobuf({ id: 9, format: 'protobuf' }, eventText, []);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.schema;
}

describe('Protobuf well-known types in the canonical proto3 JSON mapping', () => {
  const schema = compile();
  const canonical = {
    at: '1969-12-31T23:59:59.999999999Z',
    took: '-1.500s',
    big: '-9223372036854775808',
    note: 'Grüße 😀',
    flag: false,
    attrs: { a: 1, b: [true, null, 'x'], c: { d: -2.5 } },
    list: [1, 'two', { three: 3 }],
    any_json: 'just a string',
    mask: 'user.displayName,id',
    detail: { '@type': 'type.googleapis.com/lab.wkt.Detail', code: 'E1', seen: '2024-02-29T12:00:00Z' },
    min: '-9223372036854775808',
    max: '18446744073709551615',
    ratio: 'NaN',
    level: 'LEVEL_HIGH',
    history: ['1970-01-01T00:00:00Z', '2038-01-19T03:14:08.123Z'],
  };

  it('encodes the canonical JSON forms and decodes them back to the same forms', () => {
    const encoded = schema.encode(canonical);
    assert.ok(encoded.ok, encoded.ok ? '' : `${encoded.error.message} ${JSON.stringify(encoded.error.fieldErrors)}`);
    const result = schema.decode(encodeFrame(9, encoded.body), 5, true);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.deepEqual(toDisplayJson((result as SchemaDecoded).value), canonical);
  });

  it('keeps the message form one step away, and accepts it as input too', () => {
    const encoded = schema.encode({
      at: { seconds: '-1', nanos: 999_999_999 },
      took: { seconds: '-1', nanos: -500_000_000 },
      big: { value: '5' },
      mask: { paths: ['user.display_name'] },
    });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const value = (schema.decode(encodeFrame(9, encoded.body), 5, true) as SchemaDecoded).value;
    const model = buildDisplay(value);
    const json = model.json as Record<string, unknown>;
    assert.deepEqual(
      [json.at, json.took, json.big, json.mask],
      ['1969-12-31T23:59:59.999999999Z', '-1.500s', '5', 'user.displayName'],
    );
    const at = model.notes.find((n) => n.kind === 'logical' && n.at[0] === 'at');
    assert.deepEqual(at, {
      at: ['at'],
      kind: 'logical',
      logicalType: 'google.protobuf.Timestamp',
      base: { seconds: '-1', nanos: 999_999_999 },
    });
  });

  it('a canonical form that is wrong is a field error', () => {
    for (const [field, bad] of [
      ['at', '2024-01-01T00:00:00'],
      ['took', '1.5'],
      ['at', '10000-01-01T00:00:00Z'],
    ] as const) {
      const encoded = schema.encode({ [field]: bad });
      assert.ok(!encoded.ok, `${field} ${bad}`);
      assert.equal(encoded.error.reason, 'schemaMismatch');
    }
  });
});
