import { strict as assert } from 'node:assert';
import { compileAvro } from '../../../../src/core/codec/avroSchema';
import { decodeJson } from '../../../../src/core/codec/plainFormats';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';
import { compileExpression, type ExpressionActivation } from '../../../../src/core/viewer/expression';
import { activationValue } from '../../../../src/core/viewer/payloadView';
import type { DecodeResult } from '../../../../src/core/codec/decodeResult';

/** An activation whose value is what the viewer gives an expression for these decoded bytes. */
function activation(decoded: DecodeResult): ExpressionActivation {
  return {
    key: null,
    value: activationValue(decoded),
    headers: {},
    partition: 0,
    offset: 0,
    timestamp: undefined,
    size: 0,
  };
}

const filter = (source: string, message: ExpressionActivation): boolean => {
  const compiled = compileExpression(source);
  const result = compiled.matches(message);
  assert.equal(compiled.errorCount, 0, `${source}: ${compiled.lastError?.message ?? ''}`);
  return result;
};

describe('viewer expression filter over values decoded by the codec', () => {
  it('JSON: integers past 2^53 stay exact and compare with int literals', () => {
    const decoded = decodeJson(
      Buffer.from('{"orderId":"o-1","seq":9223372036854775807,"near":9007199254740993,"amount":12.5}'),
    );
    assert.ok(decoded.ok);
    const message = activation(decoded);
    assert.equal(filter('value.seq == 9223372036854775807', message), true);
    assert.equal(filter('value.seq > 9223372036854775806', message), true);
    assert.equal(filter('value.near == 9007199254740993', message), true);
    assert.equal(filter('value.near == 9007199254740992', message), false, '2^53 + 1 is not rounded to 2^53');
    assert.equal(filter('value.amount > 12 && value.orderId == "o-1"', message), true);
  });

  it('Avro: an exact long, a decimal, a date and a timestamp as the viewer shows them', () => {
    const schema = {
      type: 'record',
      name: 'Payment',
      namespace: 'lab.viewer',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ],
    };
    const compiled = compileAvro({ id: 9, format: 'avro' }, JSON.stringify(schema), []);
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.error.message);
    const encoded = compiled.schema.encode({
      id: '-9223372036854775808',
      amount: '3978711.44',
      day: '2026-11-05',
      at: '2026-11-05T08:30:00.000Z',
    });
    assert.ok(encoded.ok, encoded.ok ? '' : encoded.error.message);
    const message = activation(compiled.schema.decode(encodeFrame(9, encoded.body), 5, true));

    assert.equal(filter('value.id == -9223372036854775808', message), true);
    assert.equal(filter('value.id < -9223372036854775807', message), true);
    // A decimal is its exact text: compared as text, or as a double when rounding does not matter.
    assert.equal(filter('value.amount == "3978711.44"', message), true);
    assert.equal(filter('double(value.amount) > 3978711.0', message), true);
    assert.equal(filter('value.day == "2026-11-05" && value.day.startsWith("2026-11")', message), true);
    assert.equal(filter('timestamp(value.at) > timestamp("2026-11-05T08:00:00Z")', message), true);
  });
});
