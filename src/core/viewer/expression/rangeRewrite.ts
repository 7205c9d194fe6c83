/**
 * Rewrites a parsed expression so that the evaluator's bound holds: every comprehension's range
 * goes through `kafkaLabRange(...)` (which counts each element read against the message's budget)
 * and every `matches` call goes to `kafkaLabMatches` (RE2, linear time, instead of the evaluator's
 * backtracking RegExp). The rewrite only inserts text at and renames tokens by the parser's own
 * source offsets, then the result is parsed again and checked: an expression whose rewrite does not
 * come out as intended is refused, never run unbounded.
 */
import type { ASTNode } from '@marcbachmann/cel-js';

export const RANGE_GUARD = 'kafkaLabRange';
export const SAFE_MATCHES = 'kafkaLabMatches';

/** The macros that iterate: CEL's comprehensions. `has` and `cel.bind` do not loop. */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly start: number;
  readonly end: number;
}

const isNode = (x: unknown): x is Node =>
  typeof x === 'object' && x !== null && typeof (x as { op?: unknown }).op === 'string';

/** The child nodes of a node, whatever its operator (arrays of nodes, map entries, single nodes). */
function children(node: Node): Node[] {
  const out: Node[] = [];
  const visit = (x: unknown, depth: number): void => {
    if (isNode(x)) out.push(x);
    else if (Array.isArray(x) && depth < 3) for (const item of x) visit(item, depth + 1);
    else if (typeof x === 'object' && x !== null && depth < 3)
      for (const value of Object.values(x as Record<string, unknown>)) visit(value, depth + 1);
  };
  if (node.op === 'value' || node.op === 'id') return out;
  visit(node.args, 0);
  return out;
}

function walk(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    stack.push(...children(node));
  }
}

interface ReceiverCall {
  readonly name: string;
  readonly receiver: Node;
  readonly args: readonly Node[];
}

function receiverCall(node: Node): ReceiverCall | undefined {
  if (node.op !== 'rcall' || !Array.isArray(node.args)) return undefined;
  const [name, receiver, args] = node.args as [unknown, unknown, unknown];
  if (typeof name !== 'string' || !isNode(receiver) || !Array.isArray(args)) return undefined;
  return { name, receiver, args: args.filter(isNode) };
}

const isComprehension = (call: ReceiverCall): boolean =>
  COMPREHENSIONS.has(call.name) && (call.args.length === 2 || call.args.length === 3) && call.args[0]!.op === 'id';

interface Edit {
  readonly at: number;
  readonly remove: number;
  readonly insert: string;
}

export interface Rewrite {
  readonly source: string;
  readonly comprehensions: number;
  readonly matches: number;
}

export class RewriteRefused extends Error {}

/** The rewritten source for a parsed expression. */
export function rewriteForBudget(source: string, ast: ASTNode): Rewrite {
  const edits: Edit[] = [];
  let comprehensions = 0;
  let matches = 0;
  walk(ast as unknown as Node, (node) => {
    const call = receiverCall(node);
    if (call === undefined) return;
    if (isComprehension(call)) {
      comprehensions++;
      edits.push({ at: call.receiver.start, remove: 0, insert: `${RANGE_GUARD}(` });
      edits.push({ at: call.receiver.end, remove: 0, insert: ')' });
    } else if (call.name === 'matches') {
      matches++;
      const at = source.indexOf('matches', call.receiver.end);
      // Between the receiver and the name there may only be closing parentheses, the dot and blanks.
      if (at < 0 || at >= node.end || !/^[\s)]*\.\s*$/.test(source.slice(call.receiver.end, at)))
        throw new RewriteRefused('Write a matches call as text.matches("pattern"), without comments inside it.');
      edits.push({ at, remove: 'matches'.length, insert: SAFE_MATCHES });
    }
  });
  // Applied back to front so that each offset still points into the original text.
  edits.sort((a, b) => b.at - a.at);
  let out = source;
  for (const edit of edits) out = out.slice(0, edit.at) + edit.insert + out.slice(edit.at + edit.remove);
  return { source: out, comprehensions, matches };
}

/** The string literals given to matches(...), with their offsets: checked when the expression is compiled. */
export function literalPatterns(ast: ASTNode): Array<{ readonly pattern: string; readonly offset: number }> {
  const found: Array<{ pattern: string; offset: number }> = [];
  walk(ast as unknown as Node, (node) => {
    const call = receiverCall(node);
    const arg = call?.name === 'matches' && call.args.length === 1 ? call.args[0]! : undefined;
    if (arg?.op === 'value' && typeof arg.args === 'string') found.push({ pattern: arg.args, offset: arg.start });
  });
  return found;
}

/** The variable names an expression mentions. */
export function identifiers(ast: ASTNode): ReadonlySet<string> {
  const names = new Set<string>();
  walk(ast as unknown as Node, (node) => {
    if (node.op === 'id' && typeof node.args === 'string') names.add(node.args);
  });
  return names;
}

/** Proves a rewritten expression is bounded: every comprehension ranges over the guard, no native `matches` is left. */
export function verifyRewrite(ast: ASTNode, expected: Rewrite): void {
  let guarded = 0;
  let safeMatches = 0;
  walk(ast as unknown as Node, (node) => {
    const call = receiverCall(node);
    if (call === undefined) return;
    if (isComprehension(call)) {
      const guard = call.receiver;
      const guardArgs = guard.args as unknown[];
      if (guard.op !== 'call' || !Array.isArray(guardArgs) || guardArgs[0] !== RANGE_GUARD)
        throw new RewriteRefused(`A ${call.name}(...) range could not be bounded.`);
      guarded++;
    } else if (call.name === 'matches') {
      throw new RewriteRefused('A matches(...) call could not be moved to the RE2 engine.');
    } else if (call.name === SAFE_MATCHES) {
      safeMatches++;
    }
  });
  if (guarded !== expected.comprehensions || safeMatches < expected.matches)
    throw new RewriteRefused('The expression could not be bounded as written.');
}
