import { strict as assert } from 'node:assert';
import { compileAvro } from '../../../../src/core/codec/avroSchema';
import { DecodeError } from '../../../../src/core/codec/codecErrors';
import { compileJsonSchema } from '../../../../src/core/codec/jsonSchema';
import { buildDisplay, DISPLAY_LIMITS, pathText } from '../../../../src/core/codec/displayModel';
import { parseJsonExact, stringifyExact } from '../../../../src/core/codec/losslessJson';
import { decodeJson, detectPlain } from '../../../../src/core/codec/plainFormats';
import { ReadableValue } from '../../../../src/core/codec/readableValue';
import { toPayloadView } from '../../../../src/core/session/toMessageView';
import { encodeFrame } from '../../../../src/core/codec/wireFormat';

function timed<T>(fn: () => T): { value: T; ms: number } {
  const started = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** JSON text nested `depth` arrays deep, with a big integer at the bottom (so the exact parser runs too). */
const deepArray = (depth: number): string => `${'['.repeat(depth)}12345678901234567890${']'.repeat(depth)}`;

describe('hostile values: the display model is bounded and never recursive', function () {
  this.timeout(20_000);

  it('a 100,000-deep array decodes (exact parse included) and is shown 64 levels deep, with the reason', () => {
    const decoded = decodeJson(Buffer.from(deepArray(100_000)));
    assert.ok(decoded.ok && decoded.format === 'json');
    const { value: view, ms } = timed(() => toPayloadView(decoded));
    assert.ok(view.kind === 'json' && view.cut === 'depth');
    let depth = 0;
    for (let node = view.json; Array.isArray(node) && node.length; node = node[0] as unknown) depth++;
    assert.equal(depth, DISPLAY_LIMITS.maxDepth);
    const cut = view.notes?.find((n) => n.kind === 'cut');
    assert.ok(
      cut && cut.kind === 'cut' && cut.at.length === DISPLAY_LIMITS.maxDepth && /depth limit of 64/.test(cut.detail),
    );
    // the view survives what the webview does with it: JSON text and structured clone
    assert.ok(JSON.stringify(view.json).length < 1_000);
    structuredClone(view);
    assert.ok(ms < 10_000, `took ${ms} ms`);
  });

  it('a value with a million keys is shown with the first 20,000 values and says how many there are', () => {
    const wide = `{${Array.from({ length: 1_000_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    const decoded = detectPlain(Buffer.from(wide));
    assert.ok(decoded.ok && decoded.format === 'json');
    const { value: model, ms } = timed(() => buildDisplay(decoded.value));
    assert.equal(Object.keys(model.json as object).length, DISPLAY_LIMITS.maxNodes - 1);
    assert.equal(model.cut, 'nodes');
    assert.match((model.notes[0] as { detail: string }).detail, /of 1,000,000 entries/);
    assert.ok(ms < 10_000, `took ${ms} ms`);
  });

  it('a 10 MB single-line string is cut at 64 KiB, and the raw text at the text limit', () => {
    const text = `{"blob":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    const decoded = decodeJson(Buffer.from(text));
    const { value: view, ms } = timed(() => toPayloadView(decoded));
    assert.ok(view.kind === 'json' && view.cut === 'string');
    assert.equal((view.json as { blob: string }).blob.length, DISPLAY_LIMITS.maxStringChars);
    assert.ok(view.rawText && view.rawText.truncatedFrom === text.length && view.rawText.text.length === 256 * 1024);
    assert.ok(ms < 10_000, `took ${ms} ms`);
  });

  it('a 10 MB key is cut like a 10 MB value', () => {
    const key = 'k'.repeat(10 * 1024 * 1024);
    const model = buildDisplay({ [key]: 1 });
    const [shown] = Object.keys(model.json as object);
    assert.ok(shown.length < DISPLAY_LIMITS.maxStringChars + 40 && shown.startsWith('kkk'), `${shown.length}`);
    assert.equal(model.cut, 'string');
  });

  it('all strings together stay within the total character budget', () => {
    const many = Array.from({ length: 100 }, () => 'y'.repeat(60_000));
    const model = buildDisplay(many);
    const total = (model.json as string[]).reduce((n, s) => n + s.length, 0);
    assert.equal(total, DISPLAY_LIMITS.maxTotalChars);
  });

  it('readable values carry their base value; "__proto__" keys are data; paths read as FieldError paths', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a b": [0]}') as Record<string, unknown>;
    value.price = new ReadableValue(
      { name: 'decimal', format: () => ({ ok: true, value: '2.56' }) },
      Buffer.from([0x01, 0x00]),
    );
    const model = buildDisplay(value);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(model.json as object), ['__proto__', 'a b', 'price']);
    assert.deepEqual(model.notes, [{ at: ['price'], kind: 'logical', logicalType: 'decimal', base: 'AQA=' }]);
    assert.equal(pathText(['a b', 0]), '$["a b"][0]');
  });
});

describe('hostile Avro bodies', () => {
  it('a recursive schema with a 100,000-deep body is a tooDeep error with the bytes kept, not a crash', () => {
    const compiled = compileAvro(
      { id: 3, format: 'avro' },
      JSON.stringify({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] }),
      [],
    );
    assert.ok(compiled.ok);
    const body = Buffer.concat([Buffer.alloc(100_000, 2), Buffer.from([0])]);
    const result = compiled.schema.decode(encodeFrame(3, body), 5, true);
    assert.ok(
      !result.ok && result.error instanceof DecodeError && result.error.reason === 'tooDeep',
      result.ok ? 'decoded' : result.error.message,
    );
    assert.equal(result.raw.length, body.length + 5);
  });
});

describe('hostile JSON Schema bodies', () => {
  it('a recursive schema and a 100,000-deep payload: shown, with a violation saying it could not be validated', () => {
    const compiled = compileJsonSchema(
      { id: 4, format: 'jsonSchema' },
      JSON.stringify({ $id: 'https://lab.test/list', type: 'array', items: { $ref: '#' } }),
      [],
    );
    assert.ok(compiled.ok);
    const result = compiled.schema.decode(
      encodeFrame(4, Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
      5,
      true,
    );
    assert.ok(result.ok && result.format === 'jsonSchema', result.ok ? '' : result.error.message);
    assert.deepEqual((result as { violations?: unknown }).violations, [
      { path: '$', expected: 'a value schema 4 can be checked against', actual: 'nested too deep to validate' },
    ]);
    assert.equal(toPayloadView(result).kind, 'json');
  });
});

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exact and everything else as JSON.parse reads it', () => {
    const text =
      '{"max":9223372036854775807,"min":-9223372036854775808,"safe":9007199254740991,"f":0.1,"e":1e400,"s":"12345678901234567890","n":null,"t":[true,false,{}],"u":"\\u00e9\\"q"}';
    const value = parseJsonExact(text) as Record<string, unknown>;
    assert.equal(value.max, 9223372036854775807n);
    assert.equal(value.min, -9223372036854775808n);
    assert.equal(value.safe, 9007199254740991);
    assert.deepEqual({ ...value, max: 0, min: 0 }, { ...(JSON.parse(text) as object), max: 0, min: 0 });
    assert.equal(stringifyExact(value), text.replace('1e400', 'null').replace('\\u00e9', 'é'));
  });

  it("invalid text is JSON.parse's SyntaxError", () => {
    assert.throws(() => parseJsonExact('{"a": 12345678901234567890'), SyntaxError);
  });
});
