import { strict as assert } from 'node:assert';
import { FrameError, FrameReader, type MessageFrame, encodeFrame } from '../../../../src/core/handler/protocol';

describe('handler protocol frames', () => {
  it('splits a stream into frames however the bytes are chunked', () => {
    const frames = [
      { type: 'hello' as const, protocol: 1, token: 't', runtime: 'node', pid: 1 },
      { type: 'log' as const, level: 'info' as const, message: 'héllo 👋 '.repeat(100) },
      { type: 'results' as const, results: [{ id: 'm1', outcome: 'ok' as const }] },
    ];
    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f)));
    for (const size of [1, 2, 3, 5, 7, 64, bytes.length]) {
      const reader = new FrameReader();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...reader.push(bytes.subarray(i, i + size)));
      assert.deepEqual(out, frames, `chunks of ${size}`);
    }
  });

  it('reads many frames from one chunk in linear time', () => {
    const one = encodeFrame({ type: 'results', results: [{ id: 'm', outcome: 'ok' }] });
    const chunk = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    const started = process.hrtime.bigint();
    const frames = new FrameReader().push(chunk);
    assert.equal(frames.length, 20_000);
    // Quadratic copying of the rest would take seconds here.
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2_000);
  });

  it('refuses a declared length over the limit before buffering it', () => {
    const reader = new FrameReader(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1025, 0);
    assert.throws(() => reader.push(head), FrameError);
    assert.deepEqual(reader.push(Buffer.from('more')), [], 'a failed reader reads nothing more');
  });

  it('refuses bytes that are not JSON, and JSON that is not a typed object', () => {
    const frame = (body: string) => {
      const b = Buffer.from(body);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(b.length, 0);
      return Buffer.concat([head, b]);
    };
    assert.throws(() => new FrameReader().push(frame('{nope')), /not JSON/);
    assert.throws(() => new FrameReader().push(frame('[1,2]')), /string "type"/);
    assert.throws(() => new FrameReader().push(frame('{"type":3}')), /string "type"/);
    assert.throws(() => new FrameReader().push(frame('null')), /string "type"/);
  });

  it('will not encode a frame over the limit', () => {
    assert.throws(() => encodeFrame({ type: 'log', level: 'info', message: 'x'.repeat(64 * 1024 * 1024) }), RangeError);
  });

  it('writes a handle frame as exactly the JSON that JSON.stringify gives', () => {
    const messages: MessageFrame[] = [
      {
        id: 'm1',
        topic: 'orders."quoted"\\ \u2028 ünï 👋',
        partition: 3,
        offset: 9_007_199_254_740_991,
        timestamp: 1_764_580_000_123,
        key: { raw: null, decoded: null, format: 'null' },
        value: {
          raw: Buffer.from('{"a":"\u0000</script>"}').toString('base64'),
          decoded: { a: '\u0000</script>', n: '12345678901234567890', nested: [1, null, { 'k"': true }] },
          format: 'avro',
          schemaId: 42,
          subject: 'orders-välue',
        },
        headers: [
          { key: 'trace\nid', value: Buffer.from([0, 255, 1]).toString('base64') },
          { key: '', value: '' },
        ],
        attempt: 2,
        replay: true,
      },
      {
        id: 'm2',
        topic: 't',
        partition: 0,
        offset: 0,
        key: { raw: 'AA==', decoded: null, format: 'binary' },
        value: { raw: 'AQID', decoded: null, format: 'protobuf', schemaId: 7, decodeError: 'unknown schema id 7 "x"' },
        headers: [],
        attempt: 1,
        replay: false,
      },
      // Not what the engine sends, but what a typed frame still allows: written as JSON.stringify would.
      {
        id: 'm3',
        topic: 't',
        partition: Number.NaN,
        offset: 1,
        key: { raw: '', decoded: undefined, format: 'text' },
        value: { raw: null, decoded: 'plain "text"', format: 'text' },
        headers: [],
        attempt: 1,
      },
    ];
    for (const batch of [messages, [], messages.slice(1)]) {
      const frame = { type: 'handle' as const, messages: batch };
      const bytes = encodeFrame(frame);
      const body = bytes.subarray(4).toString('utf8');
      assert.equal(bytes.readUInt32BE(0), Buffer.byteLength(body));
      assert.deepEqual(JSON.parse(body), JSON.parse(JSON.stringify(frame)));
      assert.equal(body.length, JSON.stringify(frame).length, 'the same text, not only the same value');
    }
  });
});
