/**
 * Checks on what a user types to create or grow a topic. Each returns a message that says what is
 * wrong and what to type instead, or the parsed value; nothing here talks to a broker.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** Kafka's own limit on topic names (the partition directory name must fit in 255 bytes). */
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Undefined when Kafka accepts the name; otherwise why not. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Enter a topic name.';
  if (name !== name.trim()) return 'A topic name cannot start or end with spaces.';
  if (name === '.' || name === '..') return 'A topic name cannot be "." or "..".';
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    return `A topic name has at most ${MAX_TOPIC_NAME_LENGTH} characters (this one has ${name.length}).`;
  const bad = [...new Set(name.replace(/[A-Za-z0-9._-]/g, ''))];
  if (bad.length)
    return `A topic name may contain only letters, digits, ".", "_" and "-" (not ${bad.map((c) => JSON.stringify(c)).join(', ')}).`;
  return undefined;
}

/** A whole number in [min, max], written in decimal digits. */
export function parseWholeNumber(
  text: string,
  what: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): Parsed<number> {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed))
    return fail(`Enter the ${what} as a whole number${min > 0 ? ` of at least ${min}` : ''}.`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value > max) return fail(`The ${what} can be at most ${max}.`);
  if (value < min) return fail(`The ${what} must be at least ${min}.`);
  return ok(value);
}

/** Kafka limits a topic to this many partitions in practice; more is almost always a typo. */
export const MAX_PARTITIONS = 10_000;
export const MAX_REPLICATION_FACTOR = 32;

export function parsePartitionCount(text: string): Parsed<number> {
  return parseWholeNumber(text, 'number of partitions', 1, MAX_PARTITIONS);
}

export function parseReplicationFactor(text: string): Parsed<number> {
  return parseWholeNumber(text, 'replication factor', 1, MAX_REPLICATION_FACTOR);
}

/** The new total for "add partitions": Kafka can only raise the count. */
export function parseNewPartitionTotal(text: string, current: number): Parsed<number> {
  const parsed = parseWholeNumber(text, 'new total number of partitions', current + 1, MAX_PARTITIONS);
  if (!parsed.ok && /^\s*\d+\s*$/.test(text) && Number(text) <= current) {
    return fail(
      `The topic has ${current} partition${current === 1 ? '' : 's'}; enter a larger total (Kafka cannot remove partitions).`,
    );
  }
  return parsed;
}

/**
 * Topic configs typed as `key=value` pairs separated by spaces, new lines or semicolons, e.g.
 * `retention.ms=86400000 cleanup.policy=compact,delete`. A comma ends a value only at the end of a
 * pair, so list values such as `compact,delete` survive. Empty input means no configs.
 */
export function parseTopicConfigs(text: string): Parsed<Record<string, string>> {
  const configs: Record<string, string> = {};
  const pairs = text
    .split(/[\s;]+/)
    .map((p) => p.replace(/,+$/, ''))
    .filter(Boolean);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      return fail(`"${pair}" is not a key=value pair; write e.g. retention.ms=86400000, pairs separated by spaces.`);
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!/^[a-z0-9]+([.-][a-z0-9]+)*$/.test(key))
      return fail(`"${key}" is not a topic config name (lower-case words joined by dots, e.g. cleanup.policy).`);
    if (!value) return fail(`"${key}" has no value; write ${key}=<value>.`);
    if (key in configs) return fail(`"${key}" is given twice.`);
    configs[key] = value;
  }
  return ok(configs);
}
