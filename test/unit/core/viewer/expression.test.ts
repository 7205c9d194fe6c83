import { strict as assert } from 'node:assert';
import {
  compileExpression,
  ExpressionError,
  type CompiledExpression,
  type ExpressionActivation,
} from '../../../../src/core/viewer/expression';

const order = (over: Partial<ExpressionActivation> = {}): ExpressionActivation => ({
  key: 'eu-1042',
  value: {
    orderId: 'o-1',
    amount: 150.25,
    quantity: 3,
    customer: { id: 'c-7', tier: 'gold' },
    items: [
      { sku: 'A', qty: 1 },
      { sku: 'X', qty: 2 },
    ],
    // Longs beyond ±2^53 come from the codec as exact decimal strings.
    sequence: '9223372036854775807',
    balance: '-9223372036854775808',
    createdAt: '2026-11-02T10:00:00.000Z',
  },
  headers: { 'trace-id': 't-123', source: 'checkout' },
  partition: 2,
  offset: 41,
  timestamp: Date.parse('2026-11-05T08:30:00Z'),
  size: 412,
  ...over,
});

function matches(source: string, activation: ExpressionActivation = order()): boolean {
  return compileExpression(source).matches(activation);
}

/** The expression compiles and its evaluation fails on the message: no match, one error counted, none thrown. */
function failsAtRunTime(source: string, activation: ExpressionActivation = order()): CompiledExpression {
  const compiled = compileExpression(source);
  assert.equal(compiled.matches(activation), false, source);
  assert.equal(compiled.errorCount, 1, `${source}: one run-time error counted`);
  assert.equal(compiled.timedOutCount, 0);
  assert.equal(compiled.lastError?.kind, 'error');
  assert.ok((compiled.lastError?.message.length ?? 0) > 0);
  return compiled;
}

function compileFails(source: string): ExpressionError {
  try {
    compileExpression(source);
  } catch (e) {
    assert.ok(e instanceof ExpressionError, `${source}: ${String(e)}`);
    return e;
  }
  assert.fail(`${source} compiled, but should have been refused`);
}

describe('viewer expression filter (CEL)', () => {
  describe('what Kafka developers write', () => {
    it('field equality and numeric comparison over the decoded value', () => {
      assert.equal(matches('value.orderId == "o-1"'), true);
      assert.equal(matches('value.orderId == "o-2"'), false);
      assert.equal(matches('value.amount > 100'), true, 'a double against an int literal');
      assert.equal(matches('value.amount > 200'), false);
      assert.equal(matches('value.quantity == 3'), true);
      assert.equal(matches('value.amount >= 150.25 && value.amount < 150.26'), true);
      assert.equal(matches('value.customer.tier in ["gold", "platinum"]'), true);
    });

    it('has() on present and absent fields', () => {
      assert.equal(matches('has(value.customer)'), true);
      assert.equal(matches('has(value.customer.tier)'), true);
      assert.equal(matches('has(value.coupon)'), false);
      assert.equal(matches('!has(value.coupon) && has(value.customer.id)'), true);
    });

    it('key functions: startsWith, endsWith, contains, size', () => {
      assert.equal(matches('key.startsWith("eu-")'), true);
      assert.equal(matches('key.startsWith("us-")'), false);
      assert.equal(matches('key.endsWith("42")'), true);
      assert.equal(matches('key.contains("10")'), true);
      assert.equal(matches('size(key) == 7'), true);
    });

    it('headers as a map of strings', () => {
      assert.equal(matches('headers["trace-id"] == "t-123"'), true);
      assert.equal(matches('headers["trace-id"] == "t-999"'), false);
      assert.equal(matches('"source" in headers && headers.source == "checkout"'), true);
      assert.equal(matches('!("retry" in headers)'), true);
    });

    it('the record metadata: partition, offset, size', () => {
      assert.equal(matches('partition == 2 && offset == 41'), true);
      assert.equal(matches('partition in [0, 1]'), false);
      assert.equal(matches('offset >= 40 && offset < 50 && size > 400'), true);
    });

    it('timestamp is a CEL timestamp', () => {
      assert.equal(matches('timestamp > timestamp("2026-11-01T00:00:00Z")'), true);
      assert.equal(matches('timestamp < timestamp("2026-11-01T00:00:00Z")'), false);
      assert.equal(matches('timestamp - duration("24h") > timestamp("2026-11-04T00:00:00Z")'), true);
      assert.equal(matches('timestamp.getFullYear() == 2026 && timestamp.getHours() == 8'), true);
      assert.equal(matches('timestamp(value.createdAt) < timestamp'), true, 'a readable timestamp in the value');
    });

    it('a message without a timestamp does not match a timestamp condition, and says why', () => {
      const compiled = failsAtRunTime('timestamp > timestamp("2026-11-01T00:00:00Z")', order({ timestamp: undefined }));
      assert.match(compiled.lastError!.message, /no timestamp/);
      assert.equal(matches('partition == 2', order({ timestamp: undefined })), true, 'other conditions still work');
    });

    it('list macros over the value: exists, all, exists_one, filter, map', () => {
      assert.equal(matches('value.items.exists(i, i.sku == "X")'), true);
      assert.equal(matches('value.items.exists(i, i.sku == "Z")'), false);
      assert.equal(matches('value.items.all(i, i.qty > 0)'), true);
      assert.equal(matches('value.items.exists_one(i, i.qty == 2)'), true);
      assert.equal(matches('value.items.filter(i, i.qty >= 1).size() == 2'), true);
      assert.equal(matches('value.items.map(i, i.sku) == ["A", "X"]'), true);
      assert.equal(matches('value.customer.exists(k, k == "tier")'), true, 'a map iterates its keys');
      assert.equal(matches('headers.all(k, headers[k] != "")'), true);
    });

    it('contains and matches on strings; matches is a search in RE2 syntax', () => {
      assert.equal(matches('value.orderId.contains("-")'), true);
      assert.equal(matches('key.matches("^eu-[0-9]+$")'), true);
      assert.equal(matches('key.matches("[0-9]{4}")'), true, 'a search, not a full match');
      assert.equal(matches('key.matches("^us-")'), false);
      assert.equal(matches('headers["trace-id"].matches("(?i)^T-")'), true);
    });

    it('exact longs: a decimal-string long compares with int literals exactly', () => {
      assert.equal(matches('value.sequence == 9223372036854775807'), true);
      assert.equal(matches('value.sequence == 9223372036854775806'), false, 'one apart at 2^63-1, no rounding');
      assert.equal(matches('value.sequence != 9223372036854775806'), true);
      assert.equal(matches('value.sequence > 9223372036854775806'), true);
      assert.equal(matches('9223372036854775806 < value.sequence'), true);
      assert.equal(matches('value.balance == -9223372036854775808'), true);
      assert.equal(matches('value.balance < 0'), true);
      assert.equal(matches('int(value.sequence) - 1 == 9223372036854775806'), true, 'int() gives CEL int arithmetic');
      assert.equal(matches('value.sequence == "9223372036854775807"'), true, 'and it is still the string');
      assert.equal(matches('value.orderId == 1'), false, 'a string that is not a number is not equal to an int');
    });

    it('a numeric header compares with an int the same way', () => {
      const retried = order({ headers: { attempt: '3' } });
      assert.equal(matches('headers.attempt >= 3', retried), true);
      assert.equal(matches('headers.attempt == 3', retried), true);
      assert.equal(matches('headers.attempt == "3"', retried), true);
    });

    it('ordering a non-numeric string against an int is an error on that message, not a match', () => {
      const compiled = failsAtRunTime('value.orderId > 1');
      assert.match(compiled.lastError!.message, /not a decimal integer/);
    });

    it('works on keys and values that are not objects', () => {
      assert.equal(matches('key == null', order({ key: null })), true);
      assert.equal(matches('value == "plain text"', order({ value: 'plain text' })), true);
      assert.equal(matches('value[1] == 20', order({ value: [10, 20] })), true);
    });
  });

  describe('compile errors: what is wrong, where, and an example', () => {
    it('a syntax error gives its line and column', () => {
      const e = compileFails('value.orderId == ');
      assert.equal(e.reason, 'syntax');
      assert.deepEqual(e.position, { offset: 17, line: 1, column: 18 });
      assert.match(e.message, /line 1, column 18/);
      assert.match(e.message, /for example value\.orderId == "o-1"/);
    });

    it('positions count lines in a multi-line expression', () => {
      const e = compileFails('value.orderId == "o-1" &&\n  value.amount >* 3');
      assert.equal(e.reason, 'syntax');
      assert.equal(e.position?.line, 2);
      assert.equal(e.position?.column, 17);
    });

    it('an unterminated string and an unbalanced parenthesis', () => {
      assert.equal(compileFails('key == "eu').reason, 'syntax');
      const e = compileFails('(partition == 1');
      assert.equal(e.reason, 'syntax');
      assert.ok(e.position !== undefined);
    });

    it('an unknown variable or function is refused at compile time, with its position', () => {
      const e = compileFails('partition == 1 && topic == "orders"');
      assert.equal(e.reason, 'type');
      assert.equal(e.position?.column, 19);
      assert.match(e.message, /topic/);
      assert.match(e.message, /key, value, headers, partition, offset, timestamp and size/);
      assert.equal(compileFails('lower(key) == "x"').reason, 'type');
    });

    it('a type error known at compile time', () => {
      assert.equal(compileFails('partition == "two" + 1').reason, 'type');
      assert.equal(compileFails('headers["a"] + 1 == 2').reason, 'type', 'headers are strings');
      assert.equal(compileFails('size(partition) == 1').reason, 'type');
    });

    it('a literal pattern that is not RE2 is refused at compile time, where it stands', () => {
      const e = compileFails('partition == 1 && key.matches("(a)\\\\1")');
      assert.equal(e.reason, 'syntax');
      assert.equal(e.position?.column, 31);
      assert.match(e.message, /invalid regular expression/);
      assert.match(e.message, /RE2 syntax/);
      assert.equal(compileFails('key.matches("(unclosed")').reason, 'syntax');
    });

    it('an expression that is not a condition', () => {
      const e = compileFails('partition + 1');
      assert.equal(e.reason, 'notBoolean');
      assert.match(e.message, /gives a int, not true or false/);
    });

    it('empty and over-long expressions', () => {
      assert.equal(compileFails('').reason, 'empty');
      assert.equal(compileFails('   \n ').reason, 'empty');
      assert.equal(compileFails(`key == "${'x'.repeat(5000)}"`).reason, 'tooLong');
    });

    it('structural limits: nesting depth and literal sizes', () => {
      assert.ok(compileFails(`${'('.repeat(200)}true${')'.repeat(200)}`) instanceof ExpressionError);
      const list = Array.from({ length: 1200 }, (_, i) => i).join(',');
      assert.ok(compileFails(`partition in [${list}]`) instanceof ExpressionError);
    });
  });

  describe('run-time errors: the message does not match, the error is counted, nothing is thrown', () => {
    it('a missing field', () => {
      const compiled = failsAtRunTime('value.coupon == "FREE"');
      assert.match(compiled.lastError!.message, /coupon/);
      assert.equal(compiled.lastError!.partition, 2);
      assert.equal(compiled.lastError!.offset, 41);
    });

    it('a type mismatch', () => {
      failsAtRunTime('value.customer + 1 == 2');
      failsAtRunTime('value.orderId.startsWith(1)'.replace('(1)', '(value.quantity)'));
    });

    it('a field of a null value (a tombstone)', () => {
      failsAtRunTime('value.orderId == "o-1"', order({ value: null }));
    });

    it('an invalid regular expression from the payload', () => {
      const compiled = failsAtRunTime('key.matches(value.pattern)', order({ value: { pattern: '(unclosed' } }));
      assert.match(compiled.lastError!.message, /invalid regular expression/);
    });

    it('counts across messages, and resets', () => {
      const compiled = compileExpression('value.amount > 100');
      const results = [
        compiled.matches(order()),
        compiled.matches(order({ value: { amount: 5 } })),
        compiled.matches(order({ value: {} })),
        compiled.matches(order({ value: { amount: 'lots' } })),
      ];
      assert.deepEqual(results, [true, false, false, false]);
      assert.deepEqual(
        { ...compiled.stats, lastError: undefined },
        { evaluated: 4, matched: 1, errorCount: 2, timedOutCount: 0, lastError: undefined },
      );
      compiled.resetStats();
      assert.equal(compiled.stats.evaluated, 0);
      assert.equal(compiled.errorCount, 0);
      assert.equal(compiled.lastError, undefined);
    });

    it('an error absorbed by || is CEL semantics: the other side decides', () => {
      assert.equal(matches('value.coupon == "x" || partition == 2'), true);
      assert.equal(matches('has(value.coupon) && value.coupon == "x"'), false);
    });
  });
});
