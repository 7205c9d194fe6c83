/**
 * The bound on one message's evaluation. CEL has no loops of its own: all repeated work is a
 * comprehension (all, exists, exists_one, map, filter) over a range, and the range is handed out
 * through `guardRange`, whose elements count one step each when the evaluator reads them. The
 * budget stops an evaluation when it has taken too many steps or too long; everything else an
 * expression can do (string functions, equality, `in`, RE2 matching) is linear in the message.
 */

/** Thrown out of the evaluator when a message's budget is spent. One instance: cheap to throw. */
export class BudgetExhausted extends Error {
  constructor() {
    super('The expression ran past its evaluation budget on this message.');
    this.name = 'BudgetExhausted';
  }
}

const EXHAUSTED = new BudgetExhausted();

/** The clock is read every 2^CLOCK_SHIFT steps. */
const CLOCK_SHIFT = 3;

export type Exhaustion = 'steps' | 'time';

export class EvaluationBudget {
  private steps = 0;
  private deadline = 0;
  private spent: Exhaustion | undefined;

  constructor(
    readonly maxSteps: number,
    readonly maxMillis: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts a message's budget. The clock starts at the first step: work before it is linear in the message. */
  begin(): void {
    this.steps = 0;
    this.spent = undefined;
    this.deadline = Number.NaN;
  }

  /** Why the last evaluation was stopped, if it was. */
  get exhausted(): Exhaustion | undefined {
    return this.spent;
  }

  get stepsTaken(): number {
    return this.steps;
  }

  /** Counts `count` steps; throws `BudgetExhausted` once the budget is spent (and on every call after). */
  step(count = 1): void {
    if (this.spent !== undefined) throw EXHAUSTED;
    const before = this.steps;
    this.steps += count;
    if (this.steps > this.maxSteps) this.spend('steps');
    // A clock read costs 30-400 ns (it depends on the machine's clock source), so it is read on the
    // first step and then every CLOCK_EVERY steps: a step may carry linear work on a large string,
    // which bounds the overshoot to a few such steps.
    if (before === 0) this.deadline = this.now() + this.maxMillis;
    else if (before >>> CLOCK_SHIFT !== this.steps >>> CLOCK_SHIFT && this.now() > this.deadline) this.spend('time');
  }

  private spend(why: Exhaustion): never {
    this.spent = why;
    throw EXHAUSTED;
  }
}

/** The budget of the evaluation running now (evaluation is synchronous, so one at a time). */
let current: EvaluationBudget | undefined;

export function runWithBudget<T>(budget: EvaluationBudget, run: () => T): T {
  const previous = current;
  current = budget;
  budget.begin();
  try {
    return run();
  } finally {
    current = previous;
  }
}

function activeBudget(): EvaluationBudget {
  if (current === undefined) throw new Error('kafkaLabRange() runs only inside a viewer filter evaluation.');
  return current;
}

const isIndex = (property: string | symbol): boolean => {
  if (typeof property !== 'string') return false;
  const c = property.charCodeAt(0);
  return c >= 48 && c <= 57;
};

function countedList(items: readonly unknown[], budget: EvaluationBudget): readonly unknown[] {
  return new Proxy(items, {
    get(target, property) {
      if (isIndex(property)) budget.step();
      return Reflect.get(target, property);
    },
  });
}

/**
 * What a comprehension iterates instead of its range: the same list (or a map's keys, which is what
 * CEL iterates over a map), each element read costing a step. Anything else is returned as is, and
 * the evaluator reports that it cannot be a range.
 */
export function guardRange(range: unknown): unknown {
  const budget = activeBudget();
  budget.step();
  if (Array.isArray(range)) return countedList(range, budget);
  if (range instanceof Map) return countedKeys([...range.keys()], budget);
  if (range instanceof Set) return countedKeys([...range], budget);
  if (range !== null && typeof range === 'object') {
    const proto: unknown = Object.getPrototypeOf(range);
    if (proto === Object.prototype || proto === null) return countedKeys(Object.keys(range), budget);
  }
  return range;
}

function countedKeys(keys: readonly unknown[], budget: EvaluationBudget): readonly unknown[] {
  // Listing the keys of a huge map was work too: the clock is read again before iterating.
  budget.step();
  return countedList(keys, budget);
}
