import { strict as assert } from 'node:assert';
import { DecodeError, WireFormatError } from '../../../../src/core/codec/codecErrors';
import type { BinaryDecoded, DecodeResult, PayloadRole, TextDecoded } from '../../../../src/core/codec/decodeResult';
import { FormatRules, globToRegExp, type CodecFormatConfig } from '../../../../src/core/codec/formatRules';
import { PayloadDecoder } from '../../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../../src/core/codec/schemaCache';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../../src/core/registry/registryClient';
import { RegistryHttpDouble } from './support/registryHttpDouble';

const avroSchema = JSON.stringify({
  type: 'record',
  name: 'R',
  namespace: 'lab',
  fields: [{ name: 'a', type: 'string' }],
});

function setup(formats: CodecFormatConfig = {}, previewBytes?: number) {
  const http = new RegistryHttpDouble();
  const client = new SchemaRegistryClient({ id: 'c', url: 'http://registry.test/base' }, { http });
  const schemas = new SchemaCache(client);
  const decoder = new PayloadDecoder({ schemas, formats, ...(previewBytes ? { previewBytes } : {}) });
  const avro = http.add('orders-value', { schemaType: 'AVRO', schema: avroSchema });
  const proto = http.add('proto-value', {
    schemaType: 'PROTOBUF',
    schema: 'syntax = "proto3";\npackage lab;\nmessage P { string a = 1; }\n',
  });
  return { http, decoder, avroId: avro.id, protoId: proto.id };
}

const at = (topic: string, role: PayloadRole = 'value') => ({ topic, role });
const hi = Buffer.from([4, 0x68, 0x69]); // Avro string "hi"

describe('payload decoder', () => {
  describe('auto-detection: wire format, then JSON, then text, then binary', () => {
    it('wire format first', async () => {
      const { decoder, avroId } = setup();
      const result = await decoder.decode(encodeFrame(avroId, hi), at('orders'));
      assert.ok(result.ok && result.format === 'avro');
      assert.deepEqual(result.schema, { id: avroId, format: 'avro', subject: 'orders-value', version: 1 });
    });

    it('then JSON objects and arrays', async () => {
      const { decoder } = setup();
      const result = await decoder.decode(Buffer.from(' {"a": [1, 2]}\n'), at('t'));
      assert.ok(result.ok && result.format === 'json');
      assert.deepEqual(result.value, { a: [1, 2] });
      assert.equal(((await decoder.decode(Buffer.from('[1]'), at('t'))) as { format: string }).format, 'json');
    });

    it('then printable UTF-8 text (including JSON-looking text that is not JSON, and bare scalars)', async () => {
      const { decoder } = setup();
      for (const text of ['order-42', '{not json', '12345678901234567890', 'true', 'Grüße, 世界\ttab\r\n', '']) {
        const result = (await decoder.decode(Buffer.from(text), at('t'))) as TextDecoded;
        assert.equal(result.format, 'text', text);
        assert.equal(result.text, text);
      }
    });

    it('then binary: invalid UTF-8, control bytes, and zero-led bytes too short for a header', async () => {
      const { decoder } = setup();
      for (const bytes of [
        [0xff, 0xfe, 0x41],
        [0x41, 0x00, 0x42],
        [0x00, 0x01],
        [0x01, 0x02, 0x03],
      ]) {
        const result = await decoder.decode(Buffer.from(bytes), at('t'));
        assert.equal((result as BinaryDecoded).format, 'binary', JSON.stringify(bytes));
      }
    });

    it('a zero byte followed by a negative id is not the wire format', async () => {
      const { decoder, http } = setup();
      const result = await decoder.decode(Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1]), at('t'));
      assert.equal((result as BinaryDecoded).format, 'binary');
      assert.equal(http.requests.length, 0);
    });

    it('null keys and values (tombstones) are "null", not errors', async () => {
      const { decoder } = setup();
      assert.deepEqual(await decoder.decode(null, at('t', 'key')), { ok: true, format: 'null', raw: null });
      assert.deepEqual(decoder.decodeIfReady(undefined, at('t')), { ok: true, format: 'null', raw: null });
    });
  });

  it('binary previews are truncated, with the full size stated', async () => {
    const { decoder } = setup({}, 16);
    const big = Buffer.alloc(5000, 0xab);
    const result = (await decoder.decode(big, at('t'))) as BinaryDecoded;
    assert.deepEqual(
      {
        size: result.preview.size,
        shown: result.preview.shownBytes,
        truncated: result.preview.truncated,
        hexLength: result.preview.hex.length,
      },
      { size: 5000, shown: 16, truncated: true, hexLength: 32 },
    );
    assert.equal(result.preview.base64, Buffer.alloc(16, 0xab).toString('base64'));
    assert.equal(result.raw, big);
    const small = (await decoder.decode(Buffer.from([0xff]), at('t'))) as BinaryDecoded;
    assert.deepEqual(small.preview, { size: 1, shownBytes: 1, truncated: false, hex: 'ff', base64: '/w==' });
  });

  describe('per-topic format rules, for keys and values separately', () => {
    const rules: CodecFormatConfig = {
      rules: [
        { topic: 'orders.*', key: { format: 'text' } },
        { topic: 'raw.avro', value: { format: 'avro', subject: 'orders-value' } },
        { topic: 'framed.avro', value: { format: 'avro' } },
        { topic: 'raw.proto', value: { format: 'protobuf', subject: 'proto-value', messageType: 'lab.P' } },
        { topic: 'strict.json', value: { format: 'json' } },
        { topic: 'bin.*', key: { format: 'binary' }, value: { format: 'binary' } },
        { topic: '*', key: { format: 'auto' } },
      ],
    };

    it('globs pick the first matching rule that sets the role', () => {
      const formats = new FormatRules(rules);
      assert.equal(formats.choiceFor('orders.eu', 'key').format, 'text');
      assert.equal(formats.choiceFor('orders.eu', 'value').format, 'auto');
      assert.equal(formats.choiceFor('bin.x', 'value').format, 'binary');
      assert.equal(formats.choiceFor('ordersX', 'key').format, 'auto');
      assert.ok(globToRegExp('a?c.*').test('abc.d'));
      assert.ok(!globToRegExp('a?c.*').test('abcxd'), 'dots are literal');
    });

    it('force text: invalid UTF-8 is an invalidUtf8 error, shown as binary', async () => {
      const { decoder } = setup(rules);
      const result = await decoder.decode(Buffer.from([0x61, 0xc3, 0x28]), at('orders.eu', 'key'));
      assert.ok(!result.ok);
      assert.ok(result.error instanceof DecodeError && result.error.reason === 'invalidUtf8');
      assert.equal(result.fallback.format, 'binary');
      assert.match(result.error.message, /not valid UTF-8/);
      const value = await decoder.decode(Buffer.from([0x61, 0xc3, 0x28]), at('orders.eu', 'value'));
      assert.equal((value as BinaryDecoded).format, 'binary', 'the value side stays auto');
    });

    it('force text keeps text even when it looks like JSON', async () => {
      const { decoder } = setup(rules);
      assert.equal(
        ((await decoder.decode(Buffer.from('{"a":1}'), at('orders.eu', 'key'))) as TextDecoded).format,
        'text',
      );
    });

    it('force JSON: any JSON value; invalid JSON is invalidJson, shown as text', async () => {
      const { decoder } = setup(rules);
      const scalar = await decoder.decode(Buffer.from('42'), at('strict.json'));
      assert.ok(scalar.ok && scalar.format === 'json' && scalar.value === 42);
      const bad = await decoder.decode(Buffer.from('{"a":'), at('strict.json'));
      assert.ok(!bad.ok && bad.error.reason === 'invalidJson' && bad.fallback.format === 'text');
    });

    it('force Avro with a subject decodes raw bodies (no header)', async () => {
      const { decoder } = setup(rules);
      const result = await decoder.decode(hi, at('raw.avro'));
      assert.ok(result.ok && result.format === 'avro');
      assert.deepEqual({ ...(result.value as object) }, { a: 'hi' });
      assert.ok(decoder.decodeIfReady(hi, at('raw.avro'))?.ok, 'cached after the first lookup');
    });

    it('force Protobuf with a subject and message type decodes raw bodies', async () => {
      const { decoder } = setup(rules);
      const result = await decoder.decode(Buffer.from([0x0a, 0x01, 0x7a]), at('raw.proto'));
      assert.ok(result.ok && result.format === 'protobuf');
      assert.deepEqual(result.value, { a: 'z' });
    });

    it('force Avro without a subject: the wrong magic byte is a WireFormatError; another schema format is formatMismatch', async () => {
      const { decoder, protoId } = setup(rules);
      const notFramed = await decoder.decode(Buffer.from('hello world'), at('framed.avro'));
      assert.ok(
        !notFramed.ok && notFramed.error instanceof WireFormatError && notFramed.error.reason === 'wrongMagicByte',
      );
      assert.match(notFramed.error.message, /magic byte/);
      assert.equal(notFramed.fallback.format, 'text');
      const protobuf = await decoder.decode(encodeFrame(protoId, Buffer.from([0])), at('framed.avro'));
      assert.ok(!protobuf.ok && protobuf.error.reason === 'formatMismatch');
      assert.match(protobuf.error.message, /says avro, but schema \d+ \(proto-value v1\) is protobuf/);
    });

    it('rules can change at run time', async () => {
      const { decoder } = setup();
      assert.equal(((await decoder.decode(Buffer.from('{}'), at('x'))) as { format: string }).format, 'json');
      decoder.setFormats({ rules: [{ topic: 'x', value: { format: 'text' } }] });
      assert.equal(((await decoder.decode(Buffer.from('{}'), at('x'))) as { format: string }).format, 'text');
    });
  });

  it('without a registry, wire-format records are a noRegistry error shown as binary', async () => {
    const decoder = new PayloadDecoder();
    const result: DecodeResult = await decoder.decode(encodeFrame(3, hi), at('t'));
    assert.ok(!result.ok && result.error.reason === 'noRegistry' && result.fallback.format === 'binary');
    assert.equal(result.schemaId, 3);
    assert.match(result.error.message, /no schema registry/);
  });
});
