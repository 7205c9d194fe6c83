import { strict as assert } from 'node:assert';
import { FrameError, FrameReader, encodeFrame } from '../../../../src/core/handler/protocol';

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
});
