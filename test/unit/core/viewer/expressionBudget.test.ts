import { strict as assert } from 'node:assert';
import { compileExpression, type ExpressionActivation } from '../../../../src/core/viewer/expression';
import {
  BudgetExhausted,
  EvaluationBudget,
  guardRange,
  runWithBudget,
} from '../../../../src/core/viewer/expression/evaluationBudget';
import { parse } from '@marcbachmann/cel-js';
import {
  RANGE_GUARD,
  rewriteForBudget,
  RewriteRefused,
  SAFE_MATCHES,
  verifyRewrite,
} from '../../../../src/core/viewer/expression/rangeRewrite';

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; reads: number; advance(ms: number): void; onRead?: () => void } {
  const clock = {
    t: 0,
    reads: 0,
    onRead: undefined as (() => void) | undefined,
    now: () => {
      clock.reads++;
      clock.onRead?.();
      return clock.t;
    },
    advance: (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

const throwsExhausted = (fn: () => void): void => assert.throws(fn, (e: unknown) => e instanceof BudgetExhausted);

describe('viewer expression: the evaluation budget', () => {
  it('stops after maxSteps steps, and stays stopped until the next message', () => {
    const budget = new EvaluationBudget(3, 1000, () => 0);
    budget.begin();
    budget.step();
    budget.step();
    budget.step();
    throwsExhausted(() => budget.step());
    assert.equal(budget.exhausted, 'steps');
    throwsExhausted(() => budget.step());
    budget.begin();
    assert.equal(budget.exhausted, undefined);
    budget.step();
    assert.equal(budget.stepsTaken, 1);
  });

  it('starts the clock at the first step and reads it every 8 steps after', () => {
    const clock = fakeClock();
    const budget = new EvaluationBudget(1_000_000, 5, clock.now);
    budget.begin();
    assert.equal(clock.reads, 0, 'a message without comprehensions never reads the clock');
    budget.step();
    assert.equal(clock.reads, 1);
    for (let i = 0; i < 16; i++) budget.step();
    assert.equal(clock.reads, 3);
    clock.advance(6);
    for (let i = 0; i < 6; i++) budget.step(); // steps 18 to 23: no read
    assert.equal(clock.reads, 3);
    throwsExhausted(() => budget.step()); // step 24 reads the clock: past the deadline
    assert.equal(budget.exhausted, 'time');
  });

  it('a range is counted element by element; a map iterates its keys', () => {
    const budget = new EvaluationBudget(4, 1000, () => 0);
    runWithBudget(budget, () => {
      const list = guardRange([10, 20, 30]) as number[];
      assert.equal(list.length, 3, 'length is free');
      assert.deepEqual([list[0], list[1], list[2]], [10, 20, 30]);
      assert.equal(budget.stepsTaken, 4, 'one for the range, one per element');
      throwsExhausted(() => list[0]);
    });
    const keys = runWithBudget(new EvaluationBudget(100, 1000, () => 0), () => {
      const mapped = guardRange({ a: 1, b: 2 }) as string[];
      const fromMap = guardRange(new Map([['x', 1]])) as string[];
      return [mapped[0], mapped[1], fromMap[0]];
    });
    assert.deepEqual(keys, ['a', 'b', 'x']);
    assert.throws(() => guardRange([1]), /only inside a viewer filter evaluation/);
  });

  it('a message stopped by a pause of the host is tried again, and matches', () => {
    const clock = fakeClock();
    const compiled = compileExpression('value.items.exists(i, i == 20)', { maxMillis: 5, now: clock.now });
    const message: ExpressionActivation = {
      key: null,
      value: { items: Array.from({ length: 40 }, (_, i) => i) },
      headers: {},
      partition: 0,
      offset: 1,
      timestamp: undefined,
      size: 1,
    };
    // The first try sees 10 ms go by between two clock reads (a GC pause, say); the second does not.
    let pauses = 1;
    clock.onRead = () => {
      if (clock.reads === 2 && pauses-- > 0) clock.advance(10);
    };
    assert.equal(compiled.matches(message), true);
    assert.equal(compiled.timedOutCount, 0);
    // Slow on every try: timed out after three.
    clock.onRead = () => clock.advance(10);
    assert.equal(compiled.matches(message), false);
    assert.equal(compiled.timedOutCount, 1);
    assert.match(compiled.lastError!.message, /more than 5 ms/);
  });
});

describe('viewer expression: the rewrite that bounds comprehensions and moves matches to RE2', () => {
  const rewrite = (source: string): string => rewriteForBudget(source, parse(source).ast).source;

  it('wraps every comprehension range, nested ones and literal ones included', () => {
    assert.equal(rewrite('value.items.exists(i, i.sku == "X")'), `${RANGE_GUARD}(value.items).exists(i, i.sku == "X")`);
    assert.equal(
      rewrite('value.a.map(x, x.b).all(y, [1, 2].exists(z, z == y))'),
      `${RANGE_GUARD}(${RANGE_GUARD}(value.a).map(x, x.b)).all(y, ${RANGE_GUARD}([1, 2]).exists(z, z == y))`,
    );
    assert.equal(
      rewrite('(value.a).filter(x, true).size() > 0'),
      `(${RANGE_GUARD}(value.a)).filter(x, true).size() > 0`,
    );
    assert.equal(rewrite('value.m.map(k, k != "", k)'), `${RANGE_GUARD}(value.m).map(k, k != "", k)`);
    assert.equal(rewrite('value.exists_one(v, v == 1)'), `${RANGE_GUARD}(value).exists_one(v, v == 1)`);
  });

  it('moves matches to RE2, with blanks and parentheses around the receiver', () => {
    assert.equal(rewrite('key.matches("^a")'), `key.${SAFE_MATCHES}("^a")`);
    assert.equal(rewrite('(key) . matches ("^a")'), `(key) . ${SAFE_MATCHES} ("^a")`);
    assert.equal(rewrite('"matches".matches(key)'), `"matches".${SAFE_MATCHES}(key)`);
  });

  it('leaves expressions without loops or regexes as they are', () => {
    for (const source of ['value.orderId == "o-1"', 'has(value.x) && size(value.list) > 2', 'key.contains("exists(")'])
      assert.equal(rewrite(source), source);
  });

  it('refuses a matches call it cannot rewrite exactly', () => {
    assert.throws(() => rewrite('key. // a comment\n matches("a")'), RewriteRefused);
  });

  it('verification fails when a range is left unguarded or a native matches is left', () => {
    const source = 'value.items.exists(i, i == 1)';
    const expected = rewriteForBudget(source, parse(source).ast);
    assert.throws(() => verifyRewrite(parse(source).ast, expected), RewriteRefused);
    const regex = 'key.matches("a")';
    assert.throws(() => verifyRewrite(parse(regex).ast, rewriteForBudget(regex, parse(regex).ast)), RewriteRefused);
    assert.doesNotThrow(() => verifyRewrite(parse(expected.source).ast, expected));
  });
});
