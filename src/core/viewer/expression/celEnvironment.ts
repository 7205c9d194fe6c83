/**
 * The CEL environment of the viewer's expression filter: the variables of a message, exact longs
 * compared with ints, RE2 regular expressions, and the range guard of the evaluation budget.
 * Nothing in it reaches a JavaScript global: expressions see only the declared variables and the
 * functions registered here and by CEL's standard library.
 */
import { RE2JS } from '@bufbuild/re2';
import { Environment } from '@marcbachmann/cel-js';
import { guardRange } from './evaluationBudget';
import { RANGE_GUARD, SAFE_MATCHES } from './rangeRewrite';

/** Structural limits on an expression, applied when it is parsed. */
export const EXPRESSION_LIMITS = {
  maxSourceLength: 4096,
  maxAstNodes: 2000,
  maxDepth: 64,
  maxListElements: 1000,
  maxMapEntries: 1000,
  maxCallArguments: 16,
} as const;

/** A decimal integer as the codec writes a long beyond ±2^53 (at most 20 digits and a sign). */
const DECIMAL_LONG = /^-?(0|[1-9][0-9]{0,19})$/;

function longOf(text: string): bigint | undefined {
  return DECIMAL_LONG.test(text) ? BigInt(text) : undefined;
}

function orderingLong(text: string): bigint {
  const n = longOf(text);
  if (n === undefined)
    throw new Error(
      `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}" is not a decimal integer, so it cannot be ordered against an int`,
    );
  return n;
}

const RE2_CACHE_SIZE = 64;
const re2Cache = new Map<string, RE2JS>();

/** Compiles an RE2 pattern (cached); throws an Error saying why it is not one. */
export function compileRe2(pattern: string): RE2JS {
  let re = re2Cache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      throw new Error(`invalid regular expression ${JSON.stringify(pattern.slice(0, 80))}: ${(e as Error).message}`);
    }
    if (re2Cache.size >= RE2_CACHE_SIZE) re2Cache.delete(re2Cache.keys().next().value as string);
    re2Cache.set(pattern, re);
  }
  return re;
}

/** CEL's `matches`: a search (not a full match), in RE2 syntax, in time linear in the text. */
function re2Matches(text: string, pattern: string): boolean {
  return compileRe2(pattern).test(text);
}

type Compare = (a: bigint, b: bigint) => boolean;
const ORDERINGS: ReadonlyArray<readonly [string, Compare]> = [
  ['<', (a, b) => a < b],
  ['<=', (a, b) => a <= b],
  ['>', (a, b) => a > b],
  ['>=', (a, b) => a >= b],
];

export function createViewerEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: false,
    limits: {
      maxAstNodes: EXPRESSION_LIMITS.maxAstNodes,
      maxDepth: EXPRESSION_LIMITS.maxDepth,
      maxListElements: EXPRESSION_LIMITS.maxListElements,
      maxMapEntries: EXPRESSION_LIMITS.maxMapEntries,
      maxCallArguments: EXPRESSION_LIMITS.maxCallArguments,
    },
  })
    .registerVariable('key', 'dyn')
    .registerVariable('value', 'dyn')
    .registerVariable('headers', 'map<string, string>')
    .registerVariable('partition', 'int')
    .registerVariable('offset', 'int')
    .registerVariable('timestamp', 'google.protobuf.Timestamp')
    .registerVariable('size', 'int')
    .registerFunction(`${RANGE_GUARD}(dyn): dyn`, guardRange)
    .registerFunction(`string.${SAFE_MATCHES}(string): bool`, re2Matches);

  // A long past 2^53 arrives as an exact decimal string: it compares with an int literal exactly.
  // Equality with a string that is not a decimal integer stays false, as CEL's equality across types.
  // (The == overload serves both operand orders, and != too.)
  env.registerOperator('string == int', (a: string, b: bigint) => longOf(a) === b);
  for (const [op, compare] of ORDERINGS) {
    env.registerOperator(`string ${op} int`, (a: string, b: bigint) => compare(orderingLong(a), b));
    env.registerOperator(`int ${op} string`, (a: bigint, b: string) => compare(a, orderingLong(b)));
  }
  return env;
}
