import { strict as assert } from 'node:assert';
import { findJsonSyntaxError, positionIn } from '../../../../src/core/produce/jsonPosition';
import { ProduceCode, toProduceError } from '../../../../src/core/produce/produceErrors';
import { parseProducerSettings, producerConfig } from '../../../../src/core/produce/producerSettings';
import { checkPartition, parseHeaders, parseTimestamp } from '../../../../src/core/produce/recordFields';
import {
  detectFormat,
  isFault,
  readEntries,
  type SourceEntry,
  type SourceFault,
} from '../../../../src/core/produce/recordSource';

async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function entries(
  text: string,
  format: 'ndjson' | 'jsonArray',
  size = 3,
): Promise<Array<SourceEntry | SourceFault>> {
  const out: Array<SourceEntry | SourceFault> = [];
  for await (const e of readEntries(chunked(text, size), format)) out.push(e);
  return out;
}

describe('produce: reading import files', () => {
  it('splits NDJSON by line across chunk boundaries (multi-byte characters split too), skipping blank lines', async () => {
    const got = await entries('{"a":"é✓"}\r\n\n  \n{"b":2}\n{"c":3}', 'ndjson', 2);
    assert.deepEqual(
      got.map((e) => (isFault(e) ? e : [e.index, e.line, e.text])),
      [
        [0, 1, '{"a":"é✓"}'],
        [1, 4, '{"b":2}'],
        [2, 5, '{"c":3}'],
      ],
    );
  });

  it('splits a JSON array by its top-level elements, with strings holding brackets, commas and escapes', async () => {
    const text = '\uFEFF[\n {"v": "a,]}[{\\"x"},\n  [1, [2]],\n "s" ]';
    const got = await entries(text, 'jsonArray', 4);
    assert.deepEqual(
      got.map((e) => (isFault(e) ? e : [e.index, e.line, e.column, e.text.trim()])),
      [
        [0, 2, 2, '{"v": "a,]}[{\\"x"}'],
        [1, 3, 3, '[1, [2]]'],
        [2, 4, 2, '"s"'],
      ],
    );
    assert.deepEqual(await entries('[]', 'jsonArray'), []);
  });

  it('reports a broken array where it breaks', async () => {
    assert.deepEqual(await entries('{"a":1}', 'jsonArray'), [
      { line: 1, column: 1, message: 'The file does not start with "[": a .json import is an array of records.' },
    ]);
    const trailing = await entries('[1] x', 'jsonArray');
    assert.deepEqual(trailing.at(-1), {
      line: 1,
      column: 5,
      message: 'Unexpected text after the closing "]" of the array.',
    });
    const doubleComma = await entries('[1,,2]', 'jsonArray');
    assert.deepEqual(doubleComma.at(-1), { line: 1, column: 4, message: 'A record was expected after ","' });
  });

  it('detects the format by name, else by the first character', () => {
    assert.equal(detectFormat('x.ndjson', '['), 'ndjson');
    assert.equal(detectFormat('x.json', '  ['), 'jsonArray');
    assert.equal(detectFormat(undefined, '{"a":1}\n'), 'ndjson');
  });

  it('finds where JSON stops being valid, iteratively (a 100,000-deep line does not overflow)', () => {
    assert.equal(findJsonSyntaxError('{"a": [1, 2]}'), undefined);
    assert.deepEqual(findJsonSyntaxError('{"a" 1}'), {
      index: 5,
      message: 'Unexpected "1": ":" was expected after the property name',
    });
    assert.deepEqual(findJsonSyntaxError('[1 2]'), { index: 3, message: 'Unexpected "2": "," or "]" was expected' });
    assert.equal(findJsonSyntaxError('"a\\qb"')?.message, 'Invalid escape in a string');
    assert.equal(findJsonSyntaxError('{"a": tru}')?.index, 6);
    const deep = '['.repeat(100_000) + ']'.repeat(99_999);
    assert.deepEqual(findJsonSyntaxError(deep), {
      index: deep.length,
      message: 'Unexpected end: "]" or "," was expected',
    });
    assert.deepEqual(positionIn('ab\ncd', 4, 10, 3), { line: 11, column: 2 });
  });
});

describe('produce: record fields', () => {
  it('takes epoch milliseconds or an ISO date-time with a zone; refuses the rest', () => {
    assert.deepEqual(parseTimestamp(0), { ok: true, value: 0 });
    assert.deepEqual(parseTimestamp('1700000000000'), { ok: true, value: 1_700_000_000_000 });
    assert.deepEqual(parseTimestamp('2026-12-01T10:00:00.123+01:00'), {
      ok: true,
      value: Date.parse('2026-12-01T09:00:00.123Z'),
    });
    for (const bad of ['2026-12-01T10:00:00', '2026-02-30T00:00:00Z', 'yesterday', -1, 1.5, '1969-12-31T23:59:59Z'])
      assert.equal(parseTimestamp(bad).ok, false, String(bad));
  });

  it('headers as an object or a list, base64 values as bytes; a nameless header is refused', () => {
    const list = parseHeaders([
      { key: 'a', value: '1' },
      { key: 'a', value: { base64: 'AP8=' } },
    ]);
    assert.ok(list.ok);
    assert.deepEqual(list.value, [
      { key: 'a', value: '1' },
      { key: 'a', value: Buffer.from([0, 255]) },
    ]);
    assert.deepEqual(parseHeaders({ x: 'y' }), { ok: true, value: [{ key: 'x', value: 'y' }] });
    assert.equal(parseHeaders([{ key: '', value: 'v' }]).ok, false);
    assert.equal(parseHeaders({ x: 5 }).ok, false);
    assert.equal(checkPartition(-1).ok, false);
    assert.deepEqual(checkPartition(undefined), { ok: true, value: undefined });
  });
});

describe('produce: settings and errors', () => {
  it('defaults to the guide: acks=all, idempotence, lz4; idempotence goes off with acks 1; bad values fall back, named', () => {
    const { settings, problems } = parseProducerSettings(undefined);
    assert.deepEqual(problems, []);
    assert.deepEqual(producerConfig(settings), {
      acks: -1,
      'enable.idempotence': true,
      retries: 10,
      'compression.codec': 'lz4',
      'linger.ms': 5,
      'message.timeout.ms': 30_000,
      'message.max.bytes': 1_000_000_000,
    });
    const custom = parseProducerSettings({ acks: '1', compression: 'brotli', lingerMs: 20 });
    assert.equal(custom.settings.idempotence, false);
    assert.equal(custom.settings.compression, 'lz4');
    assert.equal(custom.settings.lingerMs, 20);
    assert.deepEqual(custom.problems, ['compression: "brotli" is not valid, using "lz4"']);
  });

  it('classifies librdkafka codes: authorisation, size, unknown topic, timeout, unreachable', () => {
    const reasons = [
      ProduceCode.TOPIC_AUTHORIZATION_FAILED,
      ProduceCode.CLUSTER_AUTHORIZATION_FAILED,
      ProduceCode.MSG_SIZE_TOO_LARGE,
      ProduceCode.UNKNOWN_TOPIC_OR_PART,
      ProduceCode.MSG_TIMED_OUT,
      ProduceCode.ALL_BROKERS_DOWN,
      -1,
    ].map((code) => toProduceError({ code, message: 'Broker: x' }, 't').reason);
    assert.deepEqual(reasons, [
      'notAuthorized',
      'notAuthorized',
      'messageTooLarge',
      'topicNotFound',
      'timeout',
      'brokerUnreachable',
      'rejected',
    ]);
    assert.match(toProduceError({ code: 29 }, 't').message, /WRITE ACL/);
  });
});
