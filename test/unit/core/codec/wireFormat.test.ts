import { strict as assert } from 'node:assert';
import {
  HEADER_SIZE,
  MAX_SCHEMA_ID,
  encodeFrame,
  encodeMessageIndexes,
  looksFramed,
  parseFrame,
  readMessageIndexes,
} from '../../../../src/core/codec/wireFormat';
import { WireFormatError } from '../../../../src/core/codec/codecErrors';

describe('Confluent wire format', () => {
  describe('parseFrame', () => {
    it('reads the schema id big-endian and returns the payload as a view', () => {
      const bytes = Buffer.from([0, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb]);
      const result = parseFrame(bytes);
      assert.ok(result.ok);
      assert.equal(result.frame.schemaId, 0x01020304);
      assert.deepEqual([...result.frame.payload], [0xaa, 0xbb]);
      // A view, not a copy: decoding a large payload must not duplicate it.
      assert.equal(result.frame.payload.buffer, bytes.buffer);
    });

    it('accepts a header with an empty payload (e.g. an Avro record with no fields)', () => {
      const result = parseFrame(Buffer.from([0, 0, 0, 0, 7]));
      assert.ok(result.ok);
      assert.equal(result.frame.schemaId, 7);
      assert.equal(result.frame.payload.length, 0);
    });

    it('accepts a plain Uint8Array that is a window on a larger buffer', () => {
      const backing = new Uint8Array([9, 9, 0, 0, 0, 1, 0, 42, 9]);
      const view = new Uint8Array(backing.buffer, 2, 6);
      const result = parseFrame(view);
      assert.ok(result.ok);
      assert.equal(result.frame.schemaId, 256);
      assert.deepEqual([...result.frame.payload], [42]);
    });

    for (const size of [0, 1, 4]) {
      it(`rejects ${size} bytes as too short, with a typed error`, () => {
        const result = parseFrame(Buffer.alloc(size));
        assert.ok(!result.ok);
        assert.ok(result.error instanceof WireFormatError);
        assert.equal(result.error.reason, 'tooShort');
        assert.match(result.error.message, new RegExp(`has ${size} byte`));
      });
    }

    it('rejects null and undefined (tombstones) as too short rather than throwing', () => {
      for (const value of [null, undefined]) {
        const result = parseFrame(value);
        assert.ok(!result.ok);
        assert.equal(result.error.reason, 'tooShort');
      }
    });

    it('rejects a wrong magic byte and names the byte it found', () => {
      const result = parseFrame(Buffer.from('{"a":1}'));
      assert.ok(!result.ok);
      assert.equal(result.error.reason, 'wrongMagicByte');
      assert.match(result.error.message, /0x7b/);
    });

    it('rejects a negative schema id (top bit set)', () => {
      const result = parseFrame(Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1]));
      assert.ok(!result.ok);
      assert.equal(result.error.reason, 'schemaIdOutOfRange');
    });
  });

  describe('encodeFrame', () => {
    it('round-trips through parseFrame for boundary ids', () => {
      for (const id of [0, 1, 255, 256, 65535, 1 << 24, MAX_SCHEMA_ID]) {
        const payload = Buffer.from([1, 2, 3]);
        const framed = encodeFrame(id, payload);
        assert.equal(framed.length, HEADER_SIZE + payload.length);
        const result = parseFrame(framed);
        assert.ok(result.ok, `id ${id}`);
        assert.equal(result.frame.schemaId, id);
        assert.deepEqual([...result.frame.payload], [1, 2, 3]);
      }
    });

    it('refuses ids a registry cannot issue', () => {
      for (const id of [-1, MAX_SCHEMA_ID + 1, 1.5, Number.NaN]) {
        assert.throws(() => encodeFrame(id, Buffer.alloc(0)), RangeError);
      }
    });
  });

  describe('looksFramed', () => {
    it('is true only for 5+ bytes starting with 0', () => {
      assert.equal(looksFramed(Buffer.from([0, 0, 0, 0, 1])), true);
      assert.equal(looksFramed(Buffer.from([0, 0, 0, 1])), false);
      assert.equal(looksFramed(Buffer.from([1, 0, 0, 0, 1])), false);
      assert.equal(looksFramed(null), false);
    });
  });

  describe('Protobuf message indexes', () => {
    it('reads the single 0 byte as [0] (first top-level message)', () => {
      const result = readMessageIndexes(Buffer.from([0, 0x08, 0x01]));
      assert.ok(result.ok);
      assert.deepEqual(result.value.indexes, [0]);
      assert.equal(result.value.messageOffset, 1);
    });

    it('writes [0] and [] as the single 0 byte', () => {
      assert.deepEqual([...encodeMessageIndexes([0])], [0]);
      assert.deepEqual([...encodeMessageIndexes([])], [0]);
    });

    it('round-trips nested paths with zigzag varints, including multi-byte values', () => {
      for (const path of [[1], [0, 2], [3, 0, 1], [64], [300, 5], [0x7ffffff]]) {
        const encoded = encodeMessageIndexes(path);
        const result = readMessageIndexes(Buffer.concat([encoded, Buffer.from([0x0a])]));
        assert.ok(result.ok, `path ${path.join('.')}`);
        assert.deepEqual(result.value.indexes, path);
        assert.equal(result.value.messageOffset, encoded.length);
      }
    });

    it('uses zigzag encoding as the Confluent serializers do ([1] is 0x02 0x02)', () => {
      assert.deepEqual([...encodeMessageIndexes([1])], [0x02, 0x02]);
      assert.deepEqual([...encodeMessageIndexes([2, 1])], [0x04, 0x04, 0x02]);
    });

    it('reports a truncated list as a typed error', () => {
      for (const bytes of [[], [0x04, 0x02], [0x80], [0x02, 0x80]]) {
        const result = readMessageIndexes(Buffer.from(bytes));
        assert.ok(!result.ok, JSON.stringify(bytes));
        assert.equal(result.error.reason, 'truncatedIndexList');
      }
    });

    it('reports a negative count or index as corrupt', () => {
      assert.equal(
        (readMessageIndexes(Buffer.from([0x01])) as { ok: false; error: WireFormatError }).error.reason,
        'truncatedIndexList',
      );
      assert.equal(
        (readMessageIndexes(Buffer.from([0x02, 0x01])) as { ok: false; error: WireFormatError }).error.reason,
        'truncatedIndexList',
      );
    });

    it('refuses an absurd count instead of allocating for it', () => {
      const result = readMessageIndexes(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]));
      assert.ok(!result.ok);
    });
  });
});
