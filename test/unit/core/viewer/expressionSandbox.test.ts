import { strict as assert } from 'node:assert';
import {
  compileExpression,
  ExpressionError,
  type ExpressionActivation,
  type ExpressionOptions,
} from '../../../../src/core/viewer/expression';

const message = (value: unknown, over: Partial<ExpressionActivation> = {}): ExpressionActivation => ({
  key: 'k-1',
  value,
  headers: { 'trace-id': 't-1' },
  partition: 0,
  offset: 7,
  timestamp: Date.parse('2026-11-05T08:30:00Z'),
  size: 100,
  ...over,
});

const plain = message({ orderId: 'o-1', items: [{ sku: 'X' }], text: 'hello' });

function refusedAtCompile(source: string): ExpressionError {
  try {
    compileExpression(source);
  } catch (e) {
    assert.ok(e instanceof ExpressionError, `${source}: ${String(e)}`);
    return e;
  }
  assert.fail(`${source} compiled, but must be refused`);
}

/**
 * Refused when compiled (the type checker knows it cannot be), or compiles and on the message
 * neither matches nor throws: the evaluator reports a run-time error.
 */
function inert(source: string, activation: ExpressionActivation = plain): void {
  let compiled;
  try {
    compiled = compileExpression(source);
  } catch (e) {
    assert.ok(e instanceof ExpressionError && e.reason === 'type', `${source}: ${String(e)}`);
    return;
  }
  assert.equal(compiled.matches(activation), false, source);
  assert.equal(compiled.errorCount, 1, `${source}: counted as an error`);
}

/** A JSON array nested `depth` deep, built without recursion. */
function deepArray(depth: number): unknown {
  let node: unknown = 'bottom';
  for (let i = 0; i < depth; i++) node = [node];
  return node;
}

function deepObject(depth: number): unknown {
  let node: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) node = { a: node };
  return node;
}

const snapshotPrototypes = (): string[] =>
  [Object.prototype, Array.prototype, String.prototype, Function.prototype].flatMap((p) =>
    Object.getOwnPropertyNames(p),
  );

describe('viewer expression filter: the sandbox', () => {
  const before = snapshotPrototypes();
  const globalsBefore = Object.getOwnPropertyNames(globalThis).length;

  after(() => {
    assert.deepEqual(snapshotPrototypes(), before, 'no prototype gained or lost a property');
    assert.equal(Object.getOwnPropertyNames(globalThis).length, globalsBefore, 'no global was added');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('JavaScript globals and host objects are not variables', () => {
    for (const name of [
      'this',
      'process',
      'globalThis',
      'global',
      'window',
      'module',
      'exports',
      'constructor',
      'prototype',
      '__proto__',
      'Object',
      'Function',
      'Reflect',
      'Buffer',
    ]) {
      const e = refusedAtCompile(`${name} != null`);
      assert.ok(e.reason === 'type' || e.reason === 'syntax', `${name}: ${e.reason}`);
      assert.equal(e.position?.column, 1, name);
    }
  });

  it('JavaScript functions are not functions', () => {
    for (const source of [
      'require("fs") != null',
      'eval("1") == 1',
      'Function("return process")() != null',
      'setTimeout(1) == 1',
      'value.toString() == ""',
      'value.hasOwnProperty("orderId")',
      'key.constructor("x") == ""',
      'value.items.push(1) == 1',
      'key.charCodeAt(0) == 107',
      'import("fs") != null',
    ])
      refusedAtCompile(source);
  });

  it('calling the result of an expression is not CEL', () => {
    assert.equal(refusedAtCompile('key.constructor.constructor("return process")() != null').reason, 'syntax');
    assert.equal(refusedAtCompile('(value.orderId)() == 1').reason, 'syntax');
  });

  it('prototype members are not fields: constructor, __proto__, prototype on any value', () => {
    for (const source of [
      'value.constructor != null',
      'value.__proto__ != null',
      'value["__proto__"] != null',
      'value["constructor"] != null',
      'value.prototype != null',
      'value.items.constructor != null',
      'value.items["constructor"] != null',
      'value.toString != null',
      'value.hasOwnProperty != null',
      'headers.constructor != null',
      'headers["__proto__"] != null',
      'headers.__proto__ != null',
      '{"a": 1}.constructor != null',
      'headers.constructor == ""',
      'headers.__proto__ == ""',
      'value.text.length == 5',
      'key.constructor != null',
      'value.items.length == 1',
    ])
      inert(source);
  });

  it('has() does not see inherited members', () => {
    const compiled = compileExpression(
      'has(value.constructor) || has(value.__proto__) || has(value.toString) || has(headers.constructor)',
    );
    assert.equal(compiled.matches(plain), false);
    assert.equal(compiled.errorCount, 0);
  });

  it('"in" does not see inherited members', () => {
    const compiled = compileExpression('"constructor" in value || "__proto__" in value || "toString" in headers');
    assert.equal(compiled.matches(plain), false);
    assert.equal(compiled.errorCount, 0);
  });

  it('payload keys named __proto__, constructor or prototype are data, and reach nothing else', () => {
    const hostile = message(
      JSON.parse('{"__proto__": {"polluted": "yes"}, "prototype": {"x": 1}, "nested": {"__proto__": "p"}}'),
    );
    assert.equal(compileExpression('value.prototype.x == 1').matches(hostile), true, 'a key is a key');
    assert.equal(compileExpression('value["__proto__"].polluted == "yes"').matches(hostile), true);
    assert.equal(compileExpression('value.nested.__proto__ == "p"').matches(hostile), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    // An own "constructor" key: data at the top level; deeper down the object is inert, never an escape.
    const withConstructor = message(
      JSON.parse('{"constructor": {"name": "x"}, "id": 1, "inner": {"constructor": 1, "id": 2}}'),
    );
    assert.equal(compileExpression('value.id == 1 && value.constructor.name == "x"').matches(withConstructor), true);
    const compiled = compileExpression('value.inner.id == 2');
    assert.equal(compiled.matches(withConstructor), false);
    assert.equal(compiled.errorCount, 1);
  });

  it('headers with hostile names are data', () => {
    const headers = JSON.parse('{"__proto__": "proto-header", "constructor": "ctor-header"}') as Record<string, string>;
    const activation = message({}, { headers });
    assert.equal(compileExpression('headers["__proto__"] == "proto-header"').matches(activation), true);
    assert.equal(compileExpression('headers["constructor"] == "ctor-header"').matches(activation), true);
    assert.equal(compileExpression('headers.constructor == "ctor-header"').matches(activation), true);
  });

  it('a string from the payload is never evaluated', () => {
    const activation = message({ code: 'process.exit(1)', pattern: '"; process.exit(1); "' });
    assert.equal(compileExpression('value.code == "process.exit(1)"').matches(activation), true);
    assert.equal(compileExpression('value.code.matches(value.pattern)').matches(activation), false);
  });
});

describe('viewer expression filter: the bound on hostile input', function () {
  // Generous: the assertions are on outcomes (counted as timed out, then the next message works), never on speed.
  this.timeout(60_000);

  const bigList = message({ items: Array.from({ length: 1_000_000 }, (_, i) => i), text: 'ok' });

  function timesOut(source: string, activation: ExpressionActivation, options?: ExpressionOptions): string {
    const compiled = compileExpression(source, options);
    assert.equal(compiled.matches(activation), false, source);
    assert.equal(compiled.timedOutCount, 1, `${source}: counted as timed out`);
    assert.equal(compiled.errorCount, 0);
    assert.equal(compiled.lastError?.kind, 'timedOut');
    const why = compiled.lastError.message;
    // The bound is per message: on a small message the same expression runs to its answer.
    compiled.matches(plain);
    assert.equal(compiled.timedOutCount, 1, `${source}: the next message is not stopped`);
    assert.equal(compiled.stats.evaluated, 2);
    return why;
  }

  it('a million-element scan stops at the step bound', () => {
    const why = timesOut('value.items.exists(i, i == -1)', bigList, { maxSteps: 10_000, maxMillis: 60_000 });
    assert.match(why, /more than 10000 list or map elements/);
  });

  it('a million-element scan stops at the time bound', () => {
    const why = timesOut('value.items.exists(i, i == -1)', bigList, {
      maxSteps: Number.MAX_SAFE_INTEGER,
      maxMillis: 5,
    });
    assert.match(why, /more than 5 ms/);
  });

  it('the default bound stops a million-element scan too', () => {
    const compiled = compileExpression('value.items.all(i, i >= 0)');
    assert.equal(compiled.matches(bigList), false);
    assert.equal(compiled.timedOutCount, 1);
  });

  it('a quadratic nesting over the payload stops', () => {
    const list = message({ items: Array.from({ length: 100_000 }, (_, i) => i) });
    timesOut('value.items.exists(a, value.items.exists(b, a == b + 1000000))', list);
    timesOut('value.items.map(x, value.items).exists(l, l.exists(m, m == -1))', list);
    timesOut('value.items.filter(x, true).map(x, value.items).all(l, l.all(m, m >= 0))', list, {
      maxSteps: Number.MAX_SAFE_INTEGER,
      maxMillis: 5,
    });
  });

  it('nested comprehensions over literals alone stop (a hundred million steps)', () => {
    const hundred = `[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`;
    const source = `${hundred}.all(a, ${hundred}.all(b, ${hundred}.all(c, ${hundred}.all(d, a + b + c + d >= 0))))`;
    const compiled = compileExpression(source);
    assert.equal(compiled.matches(plain), false);
    assert.equal(compiled.timedOutCount, 1);
  });

  it('a stop absorbed by || or && still counts as timed out, never as a match', () => {
    timesOut('value.items.exists(i, i == -1) || true', bigList);
    timesOut('true && !value.items.all(i, i >= 0) || partition == 0', bigList);
  });

  it('a catastrophic-backtracking regex runs in linear time (RE2)', () => {
    const text = `${'a'.repeat(50_000)}!`;
    const activation = message({ text, pattern: '^(a+)+$' });
    for (const source of [
      'value.text.matches("^(a+)+$")',
      'value.text.matches(value.pattern)',
      'value.text.matches("(a|aa)*$b")',
    ]) {
      const compiled = compileExpression(source);
      assert.equal(compiled.matches(activation), false, source);
      assert.equal(compiled.errorCount + compiled.timedOutCount, 0, source);
    }
    assert.equal(compileExpression('value.text.matches("^a+!$")').matches(activation), true);
  });

  it('backreferences and lookarounds from the payload are refused (not RE2), as an error on the message', () => {
    for (const pattern of ['(a)\\1', '(?=a)a', '(?<=a)b']) {
      const compiled = compileExpression('key.matches(value.pattern)');
      assert.equal(compiled.matches(message({ pattern })), false, pattern);
      assert.equal(compiled.errorCount, 1, pattern);
      assert.match(compiled.lastError!.message, /invalid regular expression/, pattern);
    }
  });

  it('a 100,000-deep array: every operation ends in a boolean, a too-deep one is a counted error', () => {
    const deep = message(deepArray(100_000));
    // The evaluator types a dyn value by walking its first elements, recursively: past the stack it
    // fails on that message, and says so.
    for (const source of [
      'size(value) == 1',
      'value == value',
      'value == [[[1]]]',
      'value.exists(x, x == x)',
      '[value] == [value]',
    ]) {
      const compiled = compileExpression(source);
      assert.equal(compiled.matches(deep), false, source);
      assert.equal(compiled.errorCount + compiled.timedOutCount, 1, source);
      if (compiled.errorCount === 1) assert.match(compiled.lastError!.message, /nested too deeply/, source);
    }
    const shallow = deepArray(50);
    assert.equal(compileExpression('size(value) == 1 && value != [1]').matches(message(shallow)), true);
  });

  it('a 100,000-deep object: has() and field paths', () => {
    const deep = message(deepObject(100_000));
    assert.equal(compileExpression('has(value.a.a.a.a)').matches(deep), true);
    assert.equal(compileExpression('value.a.a.a.leaf == true').matches(deep), false);
    const compiled = compileExpression('value == value');
    assert.equal(typeof compiled.matches(deep), 'boolean');
  });

  it('300,000 keys: a field is a lookup, iteration is bounded', () => {
    const keys: Record<string, number> = {};
    for (let i = 0; i < 300_000; i++) keys[`k${i}`] = i;
    const wide = message(keys);
    assert.equal(compileExpression('value.k5 == 5 && value.k299999 == 299999').matches(wide), true);
    // Listing this many keys is one of V8's slow paths (hundreds of ms): the evaluation ends, counted as timed out.
    timesOut('value.exists(k, k == "nope")', wide);
  });

  it('a 10 MB string: contains, size and matches finish and answer', () => {
    const big = message({ text: `${'x'.repeat(10 * 1024 * 1024)}needle` });
    assert.equal(compileExpression('size(value.text) > 10000000').matches(big), true);
    const contains = compileExpression('value.text.contains("needle")', { maxSteps: 100_000, maxMillis: 60_000 });
    assert.equal(contains.matches(big), true);
    const regex = compileExpression('value.text.matches("ne+dle$")', { maxSteps: 100_000, maxMillis: 60_000 });
    assert.equal(regex.matches(big), true);
  });

  it('a 10 MB run of digits is not parsed as a long', () => {
    const digits = message({ n: '9'.repeat(10 * 1024 * 1024) });
    assert.equal(compileExpression('value.n == 9').matches(digits), false);
    const ordering = compileExpression('value.n > 9');
    assert.equal(ordering.matches(digits), false);
    assert.equal(ordering.errorCount, 1);
    const converted = compileExpression('int(value.n) > 9');
    assert.equal(converted.matches(digits), false);
    assert.equal(converted.errorCount, 1);
  });
});
