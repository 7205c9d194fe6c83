/**
 * The viewer's expression filter: a CEL expression over one decoded message, compiled once and
 * matched against every buffered message in the extension host.
 *
 * CEL is evaluated by @marcbachmann/cel-js (no eval, no new Function; expressions see only the
 * declared variables and CEL's functions). Every message's evaluation is bounded: each element a
 * comprehension reads is a step, and an evaluation stops after `maxSteps` steps or `maxMillis`
 * milliseconds; `matches` runs on RE2 (linear time). A message on which the expression fails (a
 * missing field, a type mismatch, the bound) does not match; the failure is counted and the last
 * one kept for the panel, never thrown at the viewer.
 */
import { EvaluationError, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import { LabError } from '../errors';
import { compileRe2, createViewerEnvironment, EXPRESSION_LIMITS } from './expression/celEnvironment';
import { BudgetExhausted, EvaluationBudget, runWithBudget } from './expression/evaluationBudget';
import {
  identifiers,
  literalPatterns,
  rewriteForBudget,
  RewriteRefused,
  verifyRewrite,
} from './expression/rangeRewrite';

export { EXPRESSION_LIMITS };

/**
 * What an expression sees of one message. Values are JSON-safe as the codec gives them: longs
 * beyond ±2^53 as exact decimal strings, logical types in their readable form.
 */
export interface ExpressionActivation {
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch; a CEL timestamp in the expression. */
  readonly timestamp: number | undefined;
  readonly size: number;
}

export type ExpressionErrorReason = 'empty' | 'tooLong' | 'syntax' | 'type' | 'notBoolean' | 'unsupported';

export interface SourcePosition {
  /** 0-based offset into the expression. */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
}

const EXAMPLE = 'value.orderId == "o-1" && headers["trace-id"] != ""';

/** An expression that cannot be compiled: where, what is wrong, and an example of what works. */
export class ExpressionError extends LabError {
  constructor(
    readonly reason: ExpressionErrorReason,
    message: string,
    readonly position?: SourcePosition,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface ExpressionOptions {
  /** Comprehension elements read per message before it stops (default 100,000). */
  readonly maxSteps?: number;
  /** Milliseconds per message before it stops (default 5). */
  readonly maxMillis?: number;
  /** The clock, in milliseconds (default performance.now); tests give a fake one. */
  readonly now?: () => number;
}

export const DEFAULT_EXPRESSION_BUDGET = { maxSteps: 100_000, maxMillis: 5 } as const;

/** Why the last failing message failed. */
export interface ExpressionFailure {
  readonly kind: 'error' | 'timedOut';
  /** What happened, in words for the panel. */
  readonly message: string;
  /** The message's partition and offset. */
  readonly partition: number;
  readonly offset: number;
}

export interface ExpressionStats {
  readonly evaluated: number;
  readonly matched: number;
  /** Messages on which the expression failed at run time (missing field, type mismatch). */
  readonly errorCount: number;
  /** Messages stopped by the evaluation bound. */
  readonly timedOutCount: number;
  readonly lastError: ExpressionFailure | undefined;
}

export interface CompiledExpression {
  readonly source: string;
  /** True when the expression evaluates to true on this message; false on false, on any failure, and past the bound. */
  matches(activation: ExpressionActivation): boolean;
  readonly stats: ExpressionStats;
  readonly errorCount: number;
  readonly timedOutCount: number;
  readonly lastError: ExpressionFailure | undefined;
  /** Zeroes the counts (before a new pass over the buffer). */
  resetStats(): void;
}

function positionAt(source: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}

/** The library's message without its code frame (which repeats the source). */
const firstLine = (message: string): string => message.split('\n', 1)[0]!.trim();

function errorOffset(error: unknown): number | undefined {
  const node = (error as { node?: { pos?: unknown; start?: unknown } } | null)?.node;
  const at = node?.pos ?? node?.start;
  return typeof at === 'number' ? at : undefined;
}

function compileError(source: string, error: unknown): ExpressionError {
  const offset = errorOffset(error);
  const position = offset === undefined ? undefined : positionAt(source, offset);
  const where = position ? ` at line ${position.line}, column ${position.column}` : '';
  const what = firstLine(error instanceof Error ? error.message : String(error));
  if (error instanceof ParseError)
    return new ExpressionError(
      'syntax',
      `The filter expression has a syntax error${where}: ${what}. Write a CEL condition, for example ${EXAMPLE}.`,
      position,
      { cause: error },
    );
  return new ExpressionError(
    'type',
    `The filter expression cannot be used${where}: ${what}. It can use key, value, headers, partition, offset, timestamp and size, for example ${EXAMPLE}.`,
    position,
    { cause: error },
  );
}

const environment = createViewerEnvironment();

/** Compiles a filter expression; throws ExpressionError (with its position) when it cannot be used. */
export function compileExpression(source: string, options: ExpressionOptions = {}): CompiledExpression {
  if (typeof source !== 'string' || source.trim() === '')
    throw new ExpressionError(
      'empty',
      `The filter expression is empty. Write a CEL condition, for example ${EXAMPLE}.`,
    );
  if (source.length > EXPRESSION_LIMITS.maxSourceLength)
    throw new ExpressionError(
      'tooLong',
      `The filter expression has ${source.length} characters; at most ${EXPRESSION_LIMITS.maxSourceLength} are allowed. Shorten it, for example by combining conditions with "in": partition in [0, 2].`,
    );

  let parsed;
  try {
    parsed = environment.parse(source);
  } catch (e) {
    throw compileError(source, e);
  }
  const checked = environment.check(source);
  if (!checked.valid) throw compileError(source, checked.error);
  if (checked.type !== 'bool' && checked.type !== 'dyn')
    throw new ExpressionError(
      'notBoolean',
      `The filter expression gives a ${checked.type}, not true or false. Compare it with something, for example ${EXAMPLE}.`,
      positionAt(source, 0),
    );

  for (const { pattern, offset } of literalPatterns(parsed.ast)) {
    try {
      compileRe2(pattern);
    } catch (e) {
      const position = positionAt(source, offset);
      throw new ExpressionError(
        'syntax',
        `The filter expression has an ${(e as Error).message} at line ${position.line}, column ${position.column}. matches() takes RE2 syntax (no backreferences or lookarounds), for example key.matches("^eu-[0-9]+$").`,
        position,
        { cause: e },
      );
    }
  }

  let run;
  try {
    const rewrite = rewriteForBudget(source, parsed.ast);
    run = environment.parse(rewrite.source);
    verifyRewrite(run.ast, rewrite);
    // Type-checked now, not on the first message (inside its time budget).
    const recheck = run.check();
    if (!recheck.valid) throw new RewriteRefused(firstLine(recheck.error?.message ?? 'type check failed'));
  } catch (e) {
    throw new ExpressionError(
      'unsupported',
      `The filter expression cannot be bounded for evaluation: ${firstLine((e as Error).message)}. Simplify it, for example ${EXAMPLE}.`,
      undefined,
      { cause: e },
    );
  }
  const budget = new EvaluationBudget(
    options.maxSteps ?? DEFAULT_EXPRESSION_BUDGET.maxSteps,
    options.maxMillis ?? DEFAULT_EXPRESSION_BUDGET.maxMillis,
    options.now,
  );
  return new CelFilter(source, run, budget, identifiers(parsed.ast).has('timestamp'));
}

type Evaluate = (context: MessageContext) => unknown;

/** Tries of a message after the first that ran past the time bound. */
const TIME_RETRIES = 2;

/**
 * The variables as the evaluator reads them, converted when read: ints as BigInt, the timestamp
 * as a Date. The evaluator reads only declared names (the type check refuses others), and none of
 * them is a member of Object.prototype; a missing timestamp reads as undefined (an unknown variable).
 */
class MessageContext {
  constructor(private readonly message: ExpressionActivation) {}
  get key(): unknown {
    return asMap(this.message.key);
  }
  get value(): unknown {
    return asMap(this.message.value);
  }
  get headers(): unknown {
    return asMap(this.message.headers);
  }
  get partition(): bigint {
    return BigInt(this.message.partition);
  }
  get offset(): bigint {
    return BigInt(this.message.offset);
  }
  get size(): bigint {
    return BigInt(this.message.size);
  }
  get timestamp(): Date | undefined {
    const ms = this.message.timestamp;
    return ms === undefined ? undefined : new Date(ms);
  }
}

/**
 * The evaluator tells a map by its `constructor`, so an object with its own "constructor" key (data
 * in a hostile payload) would not be a map. At the top level it is handed over as a Map of its
 * entries; deeper down such an object stays inert (the expression fails on that message).
 */
function asMap(x: unknown): unknown {
  if (x === null || typeof x !== 'object' || Array.isArray(x) || !Object.hasOwn(x, 'constructor')) return x;
  return new Map(Object.entries(x as Record<string, unknown>));
}

function describeFailure(error: unknown): string {
  if (error instanceof EvaluationError || error instanceof CelTypeError) return firstLine(error.message);
  if (error instanceof RangeError) return 'the message is nested too deeply for this expression';
  if (error instanceof Error) return firstLine(error.message);
  return 'the expression failed on this message';
}

class CelFilter implements CompiledExpression {
  private evaluated = 0;
  private matched = 0;
  private errors = 0;
  private timedOut = 0;
  private last: ExpressionFailure | undefined;

  constructor(
    readonly source: string,
    private readonly evaluate: Evaluate,
    private readonly budget: EvaluationBudget,
    private readonly usesTimestamp: boolean,
  ) {}

  matches(activation: ExpressionActivation): boolean {
    this.evaluated++;
    const context = new MessageContext(activation);
    let { result, failure } = this.run(context);
    // A pause of the host (garbage collection, the first run of cold code, another process on the
    // core) is not the message's fault: a message over the time bound is tried again before it
    // counts as timed out.
    for (let retry = 0; retry < TIME_RETRIES && this.budget.exhausted === 'time'; retry++)
      ({ result, failure } = this.run(context));
    // Checked even when a result came back: `exists(...) || true` can absorb the stop into a value.
    const exhausted = this.budget.exhausted;
    if (exhausted !== undefined || failure instanceof BudgetExhausted) {
      this.timedOut++;
      this.last = {
        kind: 'timedOut',
        message:
          exhausted === 'steps'
            ? `the expression read more than ${this.budget.maxSteps} list or map elements on this message`
            : `the expression took more than ${this.budget.maxMillis} ms on this message`,
        partition: activation.partition,
        offset: activation.offset,
      };
      return false;
    }
    if (failure !== undefined) {
      this.errors++;
      const missingTimestamp = this.usesTimestamp && activation.timestamp === undefined;
      this.last = {
        kind: 'error',
        message: missingTimestamp ? 'the message has no timestamp' : describeFailure(failure),
        partition: activation.partition,
        offset: activation.offset,
      };
      return false;
    }
    if (result === true) {
      this.matched++;
      return true;
    }
    if (result !== false) {
      this.errors++;
      this.last = {
        kind: 'error',
        message: 'the expression gave a value that is not true or false on this message',
        partition: activation.partition,
        offset: activation.offset,
      };
    }
    return false;
  }

  private run(context: MessageContext): { result?: unknown; failure?: unknown } {
    try {
      return { result: runWithBudget(this.budget, () => this.evaluate(context)) };
    } catch (failure) {
      return { failure: failure ?? new Error('the expression failed on this message') };
    }
  }

  get stats(): ExpressionStats {
    return {
      evaluated: this.evaluated,
      matched: this.matched,
      errorCount: this.errors,
      timedOutCount: this.timedOut,
      lastError: this.last,
    };
  }

  get errorCount(): number {
    return this.errors;
  }

  get timedOutCount(): number {
    return this.timedOut;
  }

  get lastError(): ExpressionFailure | undefined {
    return this.last;
  }

  resetStats(): void {
    this.evaluated = 0;
    this.matched = 0;
    this.errors = 0;
    this.timedOut = 0;
    this.last = undefined;
  }
}
