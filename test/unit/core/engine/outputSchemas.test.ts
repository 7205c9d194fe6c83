import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { EncodeError } from '../../../../src/core/codec/codecErrors';
import type { PayloadEncoder } from '../../../../src/core/codec/payloadEncoder';
import {
  MAX_OUTPUT_BYTES,
  type OutputDraft,
  OutputRecordError,
  appendOutputs,
  encodeOutput,
  needsEncoding,
  resolveOutputs,
} from '../../../../src/core/engine/outputs';
import {
  type OutputSchemaEncoder,
  OutputEncodeError,
  parseOutputSchema,
} from '../../../../src/core/engine/outputSchemas';
import { RetriableError } from '../../../../src/core/errors';
import { outputsFromFrames } from '../../../../src/core/handler/outputFrames';
import { RegistryError } from '../../../../src/core/registry/registryErrors';
import { RegistryOutputEncoder } from '../../../../src/core/session/registryOutputEncoder';
import { toOutputFrame } from '../../../../src/handlerRuntime/node/outputFrames';

const repoRoot = path.resolve(__dirname, '../../../../..');

/** A fake registry encoder: records what it was asked, answers with the bytes of a marker. */
function recordingEncoder(fail?: (value: unknown) => Error | undefined): {
  encoder: OutputSchemaEncoder;
  calls: Array<{ topic: string; role: string; format: string; value: unknown; where: string }>;
} {
  const calls: Array<{ topic: string; role: string; format: string; value: unknown; where: string }> = [];
  return {
    calls,
    encoder: {
      encode(request) {
        calls.push({
          topic: request.topic,
          role: request.role,
          format: request.schema.format,
          value: request.value,
          where: request.where,
        });
        const error = fail?.(request.value);
        if (error) return Promise.reject(error);
        return Promise.resolve(Buffer.from(`${request.role}:${calls.length}`));
      },
    },
  };
}

describe('schema-encoded outputs (keySchema / valueSchema)', () => {
  it('checks a schema choice, naming the field and what it accepts', () => {
    assert.deepEqual(parseOutputSchema('s', { format: 'avro' }), { format: 'avro' });
    assert.deepEqual(
      parseOutputSchema('s', {
        format: 'protobuf',
        strategy: 'TopicRecordName',
        recordName: 'lab.Order',
        version: 3,
        messageType: 'lab.Order',
      }),
      {
        format: 'protobuf',
        strategy: 'TopicRecordName',
        recordName: 'lab.Order',
        version: 3,
        messageType: 'lab.Order',
      },
    );
    const bad: Array<[unknown, RegExp]> = [
      [null, /s must be an object/],
      [{ format: 'json-schema' }, /s: format must be one of avro, protobuf, jsonSchema \(got "json-schema"\)/],
      [{ format: 'avro', strategy: 'Topic' }, /strategy must be one of TopicName, RecordName, TopicRecordName/],
      [{ format: 'avro', version: 0 }, /version must be a positive integer or 'latest'/],
      [{ format: 'avro', version: '2' }, /version must be a positive integer/],
      [{ format: 'avro', subject: '' }, /subject must be a non-empty string/],
      [{ format: 'avro', recordName: 7 }, /recordName must be a non-empty string/],
    ];
    for (const [raw, message] of bad)
      assert.throws(
        () => parseOutputSchema('s', raw),
        (e: unknown) => e instanceof OutputEncodeError && message.test((e as Error).message),
        String(message),
      );
  });

  it('leaves a schema key or value for the registry, and refuses bytes for it', () => {
    const draft = encodeOutput(
      { topic: 'out', key: 'k', value: { id: 1n }, valueSchema: { format: 'avro' }, headers: { h: 'v' } },
      2,
    );
    assert.ok('pending' in draft);
    assert.equal(draft.index, 2);
    assert.deepEqual(draft.key, Buffer.from('k'));
    assert.deepEqual(draft.value, { schema: { format: 'avro' }, value: { id: 1n } });
    assert.deepEqual(draft.headers, [{ h: Buffer.from('v') }]);
    // A schema key may be any value; without a schema it must still be text or bytes.
    assert.ok('pending' in encodeOutput({ topic: 'out', key: { id: 1 }, keySchema: { format: 'avro' } }, 0));
    assert.throws(() => encodeOutput({ topic: 'out', key: { id: 1 } }, 0), OutputRecordError);
    assert.throws(
      () => encodeOutput({ topic: 'out', value: Buffer.from('x'), valueSchema: { format: 'avro' } }, 0),
      /output 1: the value is bytes, but valueSchema asks the registry to encode it/,
    );
    assert.throws(
      () => encodeOutput({ topic: 'out', value: 1, valueSchema: { format: 'xml' } }, 0),
      /output 1: valueSchema: format must be one of/,
    );
    assert.equal(needsEncoding([encodeOutput({ topic: 'out', value: 'x' }, 0)]), false);
    assert.equal(needsEncoding([draft]), true);
    assert.equal(needsEncoding(undefined), false);
  });

  it('encodes in order through the registry port, plain outputs untouched', async () => {
    const drafts: OutputDraft[] = [];
    appendOutputs(drafts, [
      { topic: 'a', value: 'plain' },
      { topic: 'b', key: 'k1', keySchema: { format: 'avro' }, value: { n: 1 }, valueSchema: { format: 'jsonSchema' } },
      { topic: 'c', partition: 2, value: { n: 2 }, valueSchema: { format: 'protobuf' }, headers: { h: 'x' } },
    ]);
    const { encoder, calls } = recordingEncoder();
    const out = await resolveOutputs(drafts, encoder);
    assert.deepEqual(
      calls.map((c) => [c.topic, c.role, c.format, c.where]),
      [
        ['b', 'key', 'avro', 'output 2: the key'],
        ['b', 'value', 'jsonSchema', 'output 2: the value'],
        ['c', 'value', 'protobuf', 'output 3: the value'],
      ],
    );
    assert.equal(out[0], drafts[0], 'a plain output is passed on as it is');
    assert.deepEqual(
      out.map((o) => [o.topic, o.partition, o.key?.toString(), o.value?.toString(), o.size]),
      [
        ['a', undefined, undefined, 'plain', 5],
        ['b', undefined, 'key:1', 'value:2', 12],
        ['c', 2, undefined, 'value:3', 9],
      ],
    );
    assert.deepEqual(out[2].headers, [{ h: Buffer.from('x') }]);
  });

  it('a failure of any output fails the call: the error names the output, and a missing encoder says what to add', async () => {
    const drafts: OutputDraft[] = [];
    appendOutputs(drafts, [
      { topic: 'a', value: { ok: true }, valueSchema: { format: 'avro' } },
      { topic: 'a', value: { ok: false }, valueSchema: { format: 'avro' } },
    ]);
    const { encoder } = recordingEncoder((value) =>
      (value as { ok: boolean }).ok ? undefined : new OutputEncodeError('output 2: the value does not fit'),
    );
    await assert.rejects(resolveOutputs(drafts, encoder), /output 2: the value does not fit/);
    await assert.rejects(
      resolveOutputs(drafts, undefined),
      (e: unknown) =>
        e instanceof OutputEncodeError &&
        /output 1: the value asks for avro through the Schema Registry.*add the registry/.test(e.message),
    );
    const huge: OutputDraft[] = [];
    appendOutputs(huge, [{ topic: 'a', value: 1, valueSchema: { format: 'avro' } }]);
    await assert.rejects(
      resolveOutputs(huge, { encode: () => Promise.resolve(Buffer.alloc(MAX_OUTPUT_BYTES + 1)) }),
      /output 1 is 16777217 bytes, over the 16777216-byte limit/,
    );
  });

  it('the registry encoder: a value that does not fit is not retried; an unreachable registry is', async () => {
    const answers: unknown[] = [];
    const payloadEncoder = { encode: () => Promise.resolve(answers.shift()) };
    const encoder = new RegistryOutputEncoder(payloadEncoder as unknown as PayloadEncoder);
    const request = {
      topic: 'out',
      role: 'value' as const,
      schema: { format: 'avro' as const },
      value: { amount: 'x' },
      where: 'output 1: the value',
    };
    const framed = Buffer.from([0, 0, 0, 0, 7, 2]);
    answers.push({ ok: true, bytes: framed });
    assert.equal(await encoder.encode(request), framed);
    answers.push({
      ok: false,
      error: new EncodeError('schemaMismatch', 'The value does not match Avro schema 7: $.amount: expected decimal.', [
        { path: '$.amount', expected: 'decimal', actual: '"x"' },
      ]),
    });
    await assert.rejects(
      encoder.encode(request),
      (e: unknown) =>
        e instanceof OutputEncodeError &&
        e.message.startsWith('output 1: the value could not be encoded as Avro: The value does not match') &&
        /\$\.amount/.test(e.message) &&
        /retry \/ dead-letter policy applies/.test(e.message),
    );
    answers.push({ ok: false, error: new RegistryError('unreachable', 'The registry at http://r is unreachable.') });
    await assert.rejects(
      encoder.encode({ ...request, schema: { format: 'jsonSchema' } }),
      (e: unknown) =>
        e instanceof RetriableError &&
        /output 1: the value could not be encoded as JSON Schema: The registry .* is retried/.test(e.message),
    );
    answers.push({ ok: false, error: new RegistryError('subjectNotFound', 'Subject "out-value" not found.') });
    await assert.rejects(
      encoder.encode(request),
      (e: unknown) => e instanceof OutputEncodeError && /Subject "out-value" not found/.test(e.message),
    );
  });

  it('through the protocol: the Node runtime sends the value as exact JSON, the engine reads it back exactly', () => {
    const frame = toOutputFrame(
      {
        topic: 'out',
        key: 'k',
        keySchema: { format: 'avro', subject: 'keys' },
        value: { id: 9223372036854775807n, amount: '12.50', text: 'plain' },
        valueSchema: { format: 'avro', strategy: 'RecordName', recordName: 'lab.Order' },
      },
      0,
    );
    assert.equal(Buffer.from(frame.key ?? '', 'base64').toString(), '"k"', 'a schema key is JSON text, even a string');
    assert.equal(
      Buffer.from(frame.value ?? '', 'base64').toString(),
      '{"id":"9223372036854775807","amount":"12.50","text":"plain"}',
    );
    assert.deepEqual(frame.valueSchema, { format: 'avro', strategy: 'RecordName', recordName: 'lab.Order' });
    assert.throws(
      () => toOutputFrame({ topic: 'out', value: Buffer.from('x'), valueSchema: { format: 'avro' } }, 0),
      /the value is bytes, but a schema asks the registry to encode it/,
    );
    const [record] = outputsFromFrames([
      {
        ...frame,
        value: Buffer.from('{"id":9223372036854775807,"n":1.5}').toString('base64'),
      },
    ]) ?? [undefined];
    assert.deepEqual(record?.value, { id: 9223372036854775807n, n: 1.5 }, 'integers past 2^53 stay exact');
    assert.equal(record?.key, 'k');
    assert.deepEqual(record?.keySchema, { format: 'avro', subject: 'keys' });
    assert.throws(
      () =>
        outputsFromFrames([{ topic: 'out', key: null, value: Buffer.from('{').toString('base64'), valueSchema: {} }]),
      /output 1: the value is not JSON/,
    );
  });

  it('the Python runtime: value_schema / key_schema in its spelling, ints exact, Decimal and datetimes as text the encoder reads', () => {
    const script = `
import base64, datetime, json, sys
from decimal import Decimal
sys.path.insert(0, ${JSON.stringify(path.join(repoRoot, 'src/handlerRuntime/python'))})
from kafka_lab_api import output_frame
f = output_frame({"topic": "out", "key": 7, "key_schema": {"format": "avro", "subject": "keys"},
    "value": {"id": 2**63 - 1, "amount": Decimal("12.50"), "at": datetime.datetime(2026, 11, 1, 10, 20, 30, 123000, tzinfo=datetime.timezone.utc), "day": datetime.date(2026, 11, 1)},
    "value_schema": {"format": "avro", "strategy": "TopicRecordName", "record_name": "lab.Order", "version": None}}, 0)
print(json.dumps({"frame": f, "key": base64.b64decode(f["key"]).decode(), "value": base64.b64decode(f["value"]).decode()}))
for bad in ({"topic": "out", "value": b"x", "value_schema": {"format": "avro"}}, {"topic": "out", "value": 1, "value_schema": {"format": "avro", "recordName": "x"}}):
    try:
        output_frame(bad, 0)
        print("accepted")
    except ValueError as e:
        print(e)
`;
    const lines = execFileSync('python3', ['-c', script], { encoding: 'utf8', timeout: 30_000 }).trim().split('\n');
    const { frame, key, value } = JSON.parse(lines[0]) as {
      frame: Record<string, unknown>;
      key: string;
      value: string;
    };
    assert.equal(key, '7');
    assert.equal(
      value,
      '{"id": 9223372036854775807, "amount": "12.50", "at": "2026-11-01T10:20:30.123+00:00", "day": "2026-11-01"}',
    );
    assert.deepEqual(frame.keySchema, { format: 'avro', subject: 'keys' });
    assert.deepEqual(frame.valueSchema, { format: 'avro', strategy: 'TopicRecordName', recordName: 'lab.Order' });
    assert.match(lines[1], /output 1: the value is bytes, but a schema asks the registry to encode it/);
    assert.match(
      lines[2],
      /output 1: value_schema has unknown keys \['recordName'\]: use format, strategy, record_name/,
    );
  });
});
