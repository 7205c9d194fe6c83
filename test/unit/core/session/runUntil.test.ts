import { strict as assert } from 'node:assert';
import type { MessageView, PayloadView } from '../../../../src/core/session/messageView';
import {
  describeRunUntil,
  isRunUntilCondition,
  jsonDeepEqual,
  matchesRunUntil,
  parseJsonPath,
  resolveJsonPath,
  valueContains,
  valueEquals,
  type RunUntilCondition,
} from '../../../../src/core/session/runUntil';

function message(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'm1/orders/2/41',
    memberId: 'm1',
    topic: 'orders',
    partition: 2,
    offset: 41,
    timestamp: 1_700_000_000_000,
    timestampType: 'CreateTime',
    key: { kind: 'text', text: 'customer-7' },
    value: {
      kind: 'json',
      format: 'avro',
      json: {
        order: {
          id: '9007199254740993',
          status: 'FAILED',
          lines: [
            { sku: 'A-1', qty: 2 },
            { sku: 'B-2', qty: 1 },
          ],
          tags: ['rush', 'gift'],
          'we.ird key': { 'x y': true },
        },
        total: 12.5,
        note: null,
      },
      schema: { id: 3, format: 'avro', subject: 'orders-value', version: 1 },
    },
    headers: [{ key: 'trace-id', text: 'abc', hex: '616263', size: 3 }],
    size: 120,
    attempts: 0,
    ...overrides,
  };
}

const json = (value: unknown): PayloadView => ({ kind: 'json', format: 'json', json: value });
const matches = (condition: RunUntilCondition, m = message(), outcome = {}) => matchesRunUntil(condition, m, outcome);

describe('run-until: JSON paths', () => {
  it('parses dotted names, quoted names, indexes, negative indexes and wildcards', () => {
    assert.deepEqual(parseJsonPath('$.a.b[0].c'), {
      ok: true,
      segments: [
        { kind: 'property', name: 'a' },
        { kind: 'property', name: 'b' },
        { kind: 'index', index: 0 },
        { kind: 'property', name: 'c' },
      ],
    });
    assert.deepEqual(parseJsonPath('$'), { ok: true, segments: [] });
    assert.deepEqual(parseJsonPath(' a.b '), {
      ok: true,
      segments: [
        { kind: 'property', name: 'a' },
        { kind: 'property', name: 'b' },
      ],
    });
    assert.deepEqual(parseJsonPath(`$['we.ird key']["x \\"y"][-1][*].*`), {
      ok: true,
      segments: [
        { kind: 'property', name: 'we.ird key' },
        { kind: 'property', name: 'x "y' },
        { kind: 'index', index: -1 },
        { kind: 'wildcard' },
        { kind: 'wildcard' },
      ],
    });
    assert.deepEqual(parseJsonPath('[2].a'), {
      ok: true,
      segments: [
        { kind: 'index', index: 2 },
        { kind: 'property', name: 'a' },
      ],
    });
  });

  it('rejects malformed paths with the position', () => {
    for (const bad of ['', '   ', '$.', '$..a', '$[', '$[x]', "$['open", '$.a[0', '$ a', '$.a]', '$$']) {
      const parsed = parseJsonPath(bad);
      assert.equal(parsed.ok, false, `${JSON.stringify(bad)} should not parse`);
      if (!parsed.ok) assert.equal(typeof parsed.at, 'number');
    }
    assert.equal(parseJsonPath(`$.${'a'.repeat(5000)}`).ok, false);
  });

  it('resolves own properties only, array indexes (negative from the end) and wildcards', () => {
    const root = { a: { b: [{ c: 1 }, { c: 2 }] }, list: [10, 20, 30] };
    const at = (path: string) => {
      const parsed = parseJsonPath(path);
      assert.ok(parsed.ok);
      return resolveJsonPath(root, parsed.segments);
    };
    assert.deepEqual(at('$.a.b[0].c'), [1]);
    assert.deepEqual(at('$.a.b[*].c'), [1, 2]);
    assert.deepEqual(at('$.a.b.1.c'), [2]);
    assert.deepEqual(at('$.list[-1]'), [30]);
    assert.deepEqual(at('$.list[3]'), []);
    assert.deepEqual(at('$.missing.deeper'), []);
    assert.deepEqual(at('$.a.*'), [root.a.b]);
    // nothing is found through the prototype chain
    assert.deepEqual(at('$.constructor'), []);
    assert.deepEqual(at('$.__proto__'), []);
    assert.deepEqual(at('$.list.length'), []);
    assert.deepEqual(at('$.a.toString'), []);
  });
});

describe('run-until: equals and contains', () => {
  it('equals compares JSON values when the text parses, and text forms otherwise', () => {
    assert.ok(valueEquals('FAILED', 'FAILED'));
    assert.ok(valueEquals('FAILED', '"FAILED"'));
    assert.ok(valueEquals(42, '42'));
    assert.ok(valueEquals(42, '42.0'));
    assert.ok(valueEquals('42', '42'), '64-bit integers arrive as strings and still match');
    assert.ok(valueEquals(true, 'true'));
    assert.ok(valueEquals(null, 'null'));
    assert.ok(valueEquals({ b: [1, 2], a: 'x' }, '{"a":"x","b":[1,2]}'), 'key order does not matter');
    assert.ok(valueEquals([1, { a: null }], '[1, {"a": null}]'));
    assert.ok(!valueEquals([1, 2], '[2, 1]'));
    assert.ok(!valueEquals({ a: 1 }, '{"a":1,"b":2}'));
    assert.ok(!valueEquals('failed', 'FAILED'));
    assert.ok(!valueEquals(42, 'forty-two'));
    assert.ok(!valueEquals(null, ''));
    assert.ok(!valueEquals({ a: 1 }, '[object Object]'));
  });

  it('contains: substring of strings and numbers, element of arrays, key of objects', () => {
    assert.ok(valueContains('payment FAILED: card', 'FAILED'));
    assert.ok(!valueContains('payment failed', 'FAILED'));
    assert.ok(valueContains(12345, '234'));
    assert.ok(valueContains(['rush', 'gift'], 'gift'));
    assert.ok(valueContains([1, 2, 3], '2'));
    assert.ok(valueContains([{ a: 1 }], '{"a":1}'));
    assert.ok(!valueContains(['rush'], 'ru'), 'an array contains elements, not substrings of them');
    assert.ok(valueContains({ trace: 1 }, 'trace'));
    assert.ok(!valueContains({}, 'constructor'));
    assert.ok(!valueContains(null, 'null'));
  });

  it('deep-equals JSON values structurally', () => {
    assert.ok(jsonDeepEqual({ a: [1, { b: 'c' }] }, { a: [1, { b: 'c' }] }));
    assert.ok(!jsonDeepEqual({ a: [] }, { a: {} }));
    assert.ok(!jsonDeepEqual([], {}));
    assert.ok(!jsonDeepEqual(1, '1'));
  });
});

describe('run-until: matchesRunUntil', () => {
  it('keyEquals matches text keys, JSON keys by value, binary keys by text or hex; never a null key', () => {
    assert.ok(matches({ kind: 'keyEquals', value: 'customer-7' }));
    assert.ok(!matches({ kind: 'keyEquals', value: 'customer-8' }));
    assert.ok(matches({ kind: 'keyEquals', value: '{"id":7}' }, message({ key: json({ id: 7 }) })));
    assert.ok(matches({ kind: 'keyEquals', value: '7' }, message({ key: json(7) })));
    assert.ok(matches({ kind: 'keyEquals', value: 'k1' }, message({ key: json('k1') })));
    const binaryKey: PayloadView = {
      kind: 'binary',
      hex: '00ff10',
      text: '\u0000\ufffd\u0010',
      size: 3,
      truncated: false,
    };
    assert.ok(matches({ kind: 'keyEquals', value: '00 FF 10' }, message({ key: binaryKey })));
    assert.ok(
      !matches({ kind: 'keyEquals', value: '00ff10' }, message({ key: { ...binaryKey, truncated: true } })),
      'a truncated hex never equals',
    );
    assert.ok(!matches({ kind: 'keyEquals', value: '' }, message({ key: { kind: 'null' } })));
    assert.ok(!matches({ kind: 'keyEquals', value: 'null' }, message({ key: { kind: 'null' } })));
  });

  it('jsonPath looks into the value (or the key), with equals and contains, through wildcards', () => {
    assert.ok(matches({ kind: 'jsonPath', path: '$.order.status', op: 'equals', value: 'FAILED' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.order.status', op: 'contains', value: 'FAIL' }));
    assert.ok(!matches({ kind: 'jsonPath', path: '$.order.status', op: 'equals', value: 'FAIL' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.order.id', op: 'equals', value: '9007199254740993' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.order.lines[1].qty', op: 'equals', value: '1' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.order.lines[*].sku', op: 'equals', value: 'B-2' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.order.tags', op: 'contains', value: 'gift' }));
    assert.ok(matches({ kind: 'jsonPath', path: `$.order['we.ird key']['x y']`, op: 'equals', value: 'true' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.total', op: 'equals', value: '12.5' }));
    assert.ok(matches({ kind: 'jsonPath', path: '$.note', op: 'equals', value: 'null' }));
    assert.ok(matches({ kind: 'jsonPath', path: 'order.status', op: 'equals', value: '"FAILED"' }));
    assert.ok(
      !matches({ kind: 'jsonPath', path: '$.order.missing', op: 'equals', value: 'null' }),
      'a missing field is not null',
    );
    assert.ok(!matches({ kind: 'jsonPath', path: '$.order.status', op: 'equals', value: 'FAILED', on: 'key' }));
    assert.ok(
      matches(
        { kind: 'jsonPath', path: '$.region', op: 'equals', value: 'eu', on: 'key' },
        message({ key: json({ region: 'eu' }) }),
      ),
    );
    // text values: `$` is the whole text
    assert.ok(
      matches(
        { kind: 'jsonPath', path: '$', op: 'contains', value: 'timeout' },
        message({ value: { kind: 'text', text: 'upstream timeout after 3s' } }),
      ),
    );
    // values that are not structured never match
    assert.ok(
      !matches({ kind: 'jsonPath', path: '$', op: 'contains', value: '' }, message({ value: { kind: 'null' } })),
    );
    assert.ok(
      !matches(
        { kind: 'jsonPath', path: '$', op: 'contains', value: '' },
        message({
          value: { kind: 'error', message: 'x', reason: 'invalidJson', hex: '', text: '', size: 0, truncated: false },
        }),
      ),
    );
    // an invalid path never matches (and is refused by the validator before it gets here)
    assert.ok(!matches({ kind: 'jsonPath', path: '$..', op: 'equals', value: 'x' }));
  });

  it('headerPresent, offsetReached, decodeError, handlerError', () => {
    assert.ok(matches({ kind: 'headerPresent', name: 'trace-id' }));
    assert.ok(!matches({ kind: 'headerPresent', name: 'Trace-Id' }), 'header names are compared exactly');
    assert.ok(matches({ kind: 'offsetReached', offset: 41 }));
    assert.ok(matches({ kind: 'offsetReached', offset: 10, topic: 'orders', partition: 2 }));
    assert.ok(!matches({ kind: 'offsetReached', offset: 42 }));
    assert.ok(!matches({ kind: 'offsetReached', offset: 0, topic: 'payments' }));
    assert.ok(!matches({ kind: 'offsetReached', offset: 0, partition: 1 }));
    assert.ok(!matches({ kind: 'decodeError' }));
    const broken: PayloadView = {
      kind: 'error',
      message: 'unknown schema id 99',
      reason: 'unknownSchemaId',
      hex: '0000000063',
      text: '',
      size: 5,
      truncated: false,
      schemaId: 99,
    };
    assert.ok(matches({ kind: 'decodeError' }, message({ value: broken })));
    assert.ok(matches({ kind: 'decodeError' }, message({ key: broken })));
    assert.ok(!matches({ kind: 'handlerError' }));
    assert.ok(matches({ kind: 'handlerError' }, message(), { handlerError: 'TypeError: x is undefined' }));
    assert.ok(
      matches({ kind: 'handlerError' }, message(), { handlerError: '' }),
      'an error without a message is still an error',
    );
  });

  it('describes conditions for people', () => {
    assert.equal(
      describeRunUntil({ kind: 'jsonPath', path: '$.order.status', op: 'equals', value: 'FAILED' }),
      '$.order.status equals "FAILED"',
    );
    assert.equal(
      describeRunUntil({ kind: 'jsonPath', path: '$.r', op: 'contains', value: 'eu', on: 'key' }),
      'key $.r contains "eu"',
    );
    assert.equal(describeRunUntil({ kind: 'keyEquals', value: 'k' }), 'key equals "k"');
    assert.equal(describeRunUntil({ kind: 'headerPresent', name: 'trace-id' }), 'header "trace-id" present');
    assert.equal(
      describeRunUntil({ kind: 'offsetReached', offset: 42, topic: 'orders', partition: 3 }),
      'offset ≥ 42 on orders [3]',
    );
    assert.equal(describeRunUntil({ kind: 'offsetReached', offset: 42, partition: 3 }), 'offset ≥ 42 on partition 3');
    assert.equal(describeRunUntil({ kind: 'offsetReached', offset: 42 }), 'offset ≥ 42');
    assert.equal(describeRunUntil({ kind: 'decodeError' }), 'a decode error');
    assert.equal(describeRunUntil({ kind: 'handlerError' }), 'a handler error');
    assert.equal(describeRunUntil({ kind: 'keyEquals', value: 'x'.repeat(100) }), `key equals "${'x'.repeat(60)}…"`);
  });
});

describe('run-until: validating conditions from the webview', () => {
  it('accepts every well-formed kind', () => {
    const good: unknown[] = [
      { kind: 'keyEquals', value: '' },
      { kind: 'jsonPath', path: '$.a[0]', op: 'equals', value: 'x' },
      { kind: 'jsonPath', path: 'a', op: 'contains', value: 'x', on: 'key' },
      { kind: 'headerPresent', name: 'h' },
      { kind: 'offsetReached', offset: 0 },
      { kind: 'offsetReached', offset: 5, topic: 't', partition: 0 },
      { kind: 'decodeError' },
      { kind: 'handlerError' },
    ];
    for (const condition of good) assert.ok(isRunUntilCondition(condition), JSON.stringify(condition));
  });

  it('refuses wrong shapes, types, kinds, lengths and path syntax', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'keyEquals',
      [],
      {},
      { kind: 'eval', value: 'x' },
      { kind: '__proto__' },
      { kind: 'keyEquals' },
      { kind: 'keyEquals', value: 7 },
      { kind: 'keyEquals', value: 'x'.repeat(5000) },
      { kind: 'jsonPath', path: '$..a', op: 'equals', value: 'x' },
      { kind: 'jsonPath', path: '$.a', op: 'matches', value: 'x' },
      { kind: 'jsonPath', path: '$.a', op: 'equals' },
      { kind: 'jsonPath', path: '$.a', op: 'equals', value: 'x', on: 'headers' },
      { kind: 'headerPresent', name: '' },
      { kind: 'headerPresent', name: ['a'] },
      { kind: 'offsetReached', offset: -1 },
      { kind: 'offsetReached', offset: 1.5 },
      { kind: 'offsetReached', offset: '5' },
      { kind: 'offsetReached', offset: Number.NaN },
      { kind: 'offsetReached', offset: 2 ** 60 },
      { kind: 'offsetReached', offset: 1, partition: -2 },
      { kind: 'offsetReached', offset: 1, topic: '' },
    ];
    for (const condition of bad)
      assert.ok(!isRunUntilCondition(condition), JSON.stringify(condition) ?? String(condition));
  });
});
