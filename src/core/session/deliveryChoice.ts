/**
 * The delivery-guarantee step of the start flows ("Start Consumer Session", "Debug Handler…"): the
 * two choices and their one-line explanations, the transactional id prefix's default and check,
 * and the output topics. Plain logic, no vscode: the prompts in src/commands and src/debug show it.
 */
import { defaultTransactionPolicy, defaultTransactionalIdPrefix } from '../engine/sessionConfig';
import type { DeliveryGuarantee } from '../engine/types';

export interface DeliveryOption {
  readonly delivery: DeliveryGuarantee;
  readonly label: string;
  /** One line: what the guarantee means. */
  readonly description: string;
  /** Why it may not work here (the cluster cannot run transactions), if known. */
  readonly detail?: string;
}

/** The choices, at-least-once first (the default); `transactionsProblem` annotates exactly-once. */
export function deliveryOptions(transactionsProblem?: string): DeliveryOption[] {
  return [
    {
      delivery: 'at-least-once',
      label: 'At-least-once',
      description:
        'outputs are acknowledged before the input offset commits; a crash in between repeats both (the default)',
    },
    {
      delivery: 'exactly-once',
      label: 'Exactly-once',
      description: `outputs and input offsets commit in one Kafka transaction every ${defaultTransactionPolicy.maxMessages} messages / ${defaultTransactionPolicy.maxIntervalMs} ms; the input is read read_committed`,
      ...(transactionsProblem ? { detail: `$(warning) ${transactionsProblem}` } : {}),
    },
  ];
}

export { defaultTransactionalIdPrefix };

/** The longest prefix the engine accepts (it adds `-<member>`). */
export const MAX_TRANSACTIONAL_ID_PREFIX = 200;

/** Undefined when the prefix will do; otherwise what is wrong with it. */
export function transactionalIdPrefixProblem(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'A transactional id prefix is needed (member n uses <prefix>-<n>).';
  if (v.length > MAX_TRANSACTIONAL_ID_PREFIX) return `At most ${MAX_TRANSACTIONAL_ID_PREFIX} characters.`;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(v)) return 'No spaces or control characters.';
  return undefined;
}

/** Kafka's rule for a topic name: 1–249 of letters, digits, '.', '_' and '-', and not '.' or '..'. */
export function topicNameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `"${name}" is not a topic name`;
  if (name.length > 249) return `a topic name has at most 249 characters (${name.slice(0, 20)}… has ${name.length})`;
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    return `"${name}" has characters a topic name cannot have (letters, digits, ".", "_", "-")`;
  return undefined;
}

/** Output topics typed by hand: separated by commas or spaces, each checked, duplicates dropped. */
export function parseTopicList(text: string): { topics: string[] } | { error: string } {
  const names = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  if (names.length === 0) return { error: 'Name at least one output topic.' };
  for (const name of names) {
    const problem = topicNameProblem(name);
    if (problem) return { error: `${problem}.` };
  }
  return { topics: names };
}

/**
 * Output topics that are also input topics: a session copying into its own input reads its
 * outputs again, without end. Undefined when none are.
 */
export function outputLoopProblem(outputs: readonly string[], inputs: readonly string[]): string | undefined {
  const loops = outputs.filter((t) => inputs.includes(t));
  if (loops.length === 0) return undefined;
  return `${loops.map((t) => `"${t}"`).join(', ')} ${loops.length === 1 ? 'is' : 'are'} also consumed by this session: copying into it would read every output again without end. Choose other output topics.`;
}

/** What the delivery step adds to a session or a launch configuration. */
export interface DeliveryAnswers {
  readonly delivery: DeliveryGuarantee;
  /** Exactly-once only. */
  readonly outputTopics?: readonly string[];
  /** Exactly-once only: written out even when it is the group's default, so that it can be seen. */
  readonly transactionalIdPrefix?: string;
}

/** The answers as a session spec or launch configuration carries them (an empty prefix: the group's default). */
export function deliveryAnswers(
  groupId: string,
  delivery: DeliveryGuarantee,
  outputTopics: readonly string[],
  prefix: string | undefined,
): DeliveryAnswers {
  if (delivery === 'at-least-once') return { delivery };
  return {
    delivery,
    ...(outputTopics.length > 0 ? { outputTopics: [...new Set(outputTopics)] } : {}),
    transactionalIdPrefix: prefix?.trim() || defaultTransactionalIdPrefix(groupId),
  };
}
