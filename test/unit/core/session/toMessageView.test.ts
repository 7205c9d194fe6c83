import { strict as assert } from 'node:assert';
import { DecodeError } from '../../../../src/core/codec/codecErrors';
import type { DecodeResult } from '../../../../src/core/codec/decodeResult';
import { binary, decodeJson, failure } from '../../../../src/core/codec/plainFormats';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import {
  MAX_TEXT_CHARS,
  toHeaderViews,
  toMessageView,
  toPayloadView,
} from '../../../../src/core/session/toMessageView';

function consumed(overrides: Partial<ConsumedMessage> = {}): ConsumedMessage {
  return {
    id: 'm-1/orders/0/7',
    memberId: 'm-1',
    topic: 'orders',
    partition: 0,
    offset: 7,
    timestamp: 1_700_000_000_123,
    key: Buffer.from('k'),
    value: Buffer.from('{}'),
    headers: [],
    size: 3,
    attempts: 1,
    ...overrides,
  };
}

describe('toMessageView', () => {
  it('maps schema-decoded values to JSON-safe trees with their schema identity', () => {
    const value: DecodeResult = {
      ok: true,
      format: 'avro',
      value: { id: 5n, blob: Buffer.from([1, 2]), when: new Date(0) },
      schema: { id: 12, format: 'avro', subject: 'orders-value', version: 3 },
      raw: Buffer.from([0, 0, 0, 0, 12]),
    };
    const key: DecodeResult = { ok: true, format: 'text', text: 'customer-1', raw: Buffer.from('customer-1') };
    const view = toMessageView(consumed({ headers: [{ 'trace-id': 'abc' }] }), { key, value });
    assert.deepEqual(view, {
      id: 'm-1/orders/0/7',
      memberId: 'm-1',
      topic: 'orders',
      partition: 0,
      offset: 7,
      timestamp: 1_700_000_000_123,
      timestampType: 'CreateTime',
      key: { kind: 'text', text: 'customer-1' },
      value: {
        kind: 'json',
        json: { id: '5', blob: 'AQI=', when: '1970-01-01T00:00:00.000Z' },
        // the BigInt is shown as an exact decimal string, marked as a number
        notes: [{ at: ['id'], kind: 'number' }],
        format: 'avro',
        schema: { id: 12, format: 'avro', subject: 'orders-value', version: 3 },
      },
      headers: [{ key: 'trace-id', text: 'abc', hex: '616263', size: 3 }],
      size: 3,
      attempts: 1,
      schema: { id: 12, format: 'avro', subject: 'orders-value', version: 3 },
    });
    // it is plain data: it survives a JSON round trip unchanged (postMessage to the webview)
    assert.deepEqual(JSON.parse(JSON.stringify(view)), view);
  });

  it('no timestamp is NotAvailable; a given timestamp type is kept', () => {
    const pair = {
      key: { ok: true, format: 'null', raw: null } as const,
      value: { ok: true, format: 'null', raw: null } as const,
    };
    assert.equal(toMessageView(consumed({ timestamp: undefined }), pair).timestampType, 'NotAvailable');
    assert.equal(toMessageView(consumed({ timestamp: -1 }), pair).timestamp, null);
    assert.equal(toMessageView(consumed(), pair, { timestampType: 'LogAppendTime' }).timestampType, 'LogAppendTime');
    assert.deepEqual(toMessageView(consumed(), pair).value, { kind: 'null' });
  });

  it('plain JSON, binary and decode failures', () => {
    assert.deepEqual(toPayloadView(decodeJson(Buffer.from('{"a":[1,"x"]}'))), {
      kind: 'json',
      json: { a: [1, 'x'] },
      rawText: { text: '{"a":[1,"x"]}' },
      format: 'json',
    });
    // integers beyond 2^53 stay exact, and the raw view is the text as it came
    const exact = toPayloadView(decodeJson(Buffer.from('{ "id": 9007199254740993, "f": 1.5 }')));
    assert.deepEqual(exact, {
      kind: 'json',
      json: { id: '9007199254740993', f: 1.5 },
      notes: [{ at: ['id'], kind: 'number' }],
      rawText: { text: '{ "id": 9007199254740993, "f": 1.5 }' },
      format: 'json',
    });
    assert.deepEqual(toPayloadView(binary(Buffer.from([0x00, 0xff, 0x41]))), {
      kind: 'binary',
      hex: '00ff41',
      text: '\u0000\ufffdA',
      size: 3,
      truncated: false,
    });
    const big = toPayloadView(binary(Buffer.alloc(5000, 0x41)));
    assert.ok(big.kind === 'binary' && big.truncated && big.size === 5000 && big.hex.length === 2048);

    const bad = toPayloadView(
      failure(Buffer.from('{"unterminated'), new DecodeError('invalidJson', 'not JSON: do this'), 'json'),
    );
    assert.deepEqual(bad, {
      kind: 'error',
      message: 'not JSON: do this',
      reason: 'invalidJson',
      hex: Buffer.from('{"unterminated').toString('hex'),
      text: '{"unterminated',
      size: 14,
      truncated: false,
    });
    const framed = toPayloadView(
      failure(
        Buffer.from([0, 0, 0, 0, 99, 0xfe]),
        new DecodeError('unknownSchemaId', 'schema 99 unknown'),
        'wireFormat',
        99,
      ),
    );
    assert.ok(framed.kind === 'error' && framed.schemaId === 99 && framed.hex === '0000000063fe');
  });

  it('cuts very long text and says how long it was', () => {
    const text = 'x'.repeat(MAX_TEXT_CHARS + 10);
    const view = toPayloadView({ ok: true, format: 'text', text, raw: Buffer.from(text) });
    assert.ok(
      view.kind === 'text' && view.text.length === MAX_TEXT_CHARS && view.truncatedFrom === MAX_TEXT_CHARS + 10,
    );
  });

  it('headers: every key of every record, text and hex, binary values too', () => {
    assert.deepEqual(toHeaderViews([{ a: 'x', b: Buffer.from([0xff]) }, { a: 'y' }]), [
      { key: 'a', text: 'x', hex: '78', size: 1 },
      { key: 'b', text: '\ufffd', hex: 'ff', size: 1 },
      { key: 'a', text: 'y', hex: '79', size: 1 },
    ]);
    assert.deepEqual(toHeaderViews(undefined), []);
    const long = toHeaderViews([{ big: Buffer.alloc(1000, 1) }])[0];
    assert.equal(long.size, 1000);
    assert.equal(long.hex.length, 512);
  });
});
