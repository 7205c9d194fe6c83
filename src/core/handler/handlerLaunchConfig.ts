import { type CommitPolicy, defaultBatchPolicy } from '../engine/commitPolicy';
import { MAX_MEMBERS } from '../engine/limits';
import { defaultTransactionPolicy } from '../engine/sessionConfig';
import type { DeliveryGuarantee } from '../engine/types';

/**
 * A `kafka-lab` launch configuration, as launch.json holds it (after VS Code substituted
 * ${workspaceFolder} and the like). Everything in it is untrusted: `parseHandlerLaunch` checks every
 * field and says which one is wrong and how to write it.
 */
export interface HandlerLaunch {
  readonly name: string;
  /** Absolute path of the handler module (.ts, .js, .mjs, .cjs). */
  readonly handler: string;
  readonly exportName: string;
  /** `python` for a .py handler (run by the Python runtime under debugpy), else `node`. */
  readonly language: 'node' | 'python';
  /** Python only: the interpreter the configuration names (else the workspace's .venv, else python3). */
  readonly python?: string;
  /** Python only: exception class names that are not retriable (they go straight to the dead-letter topic). */
  readonly nonRetriable: readonly string[];
  /** A saved cluster, by name or id. */
  readonly cluster: string;
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly mode: 'stepping' | 'running';
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly commitPolicy: CommitPolicy;
  /** at-least-once (default), or exactly-once: outputs and offsets in one transaction per batch. */
  readonly delivery: DeliveryGuarantee;
  /** Exactly-once: member n uses `<prefix>-<n>` (default derived from the group). */
  readonly transactionalIdPrefix?: string;
  readonly transactionTimeoutMs?: number;
  /** The topics the handler writes to, as the start flow asked them (informational; each output names its topic). */
  readonly outputTopics?: readonly string[];
  readonly dlqTopic?: string;
  readonly members: number;
  readonly concurrency: number;
  readonly partitionConcurrency: number;
  /** The time limit per message without a debugger; none applies while one is attached. */
  readonly handlerTimeoutMs: number;
  readonly runtimeExecutable?: string;
  readonly runtimeArgs: readonly string[];
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly envFile?: string;
  readonly cwd?: string;
  /** Extra librdkafka consumer properties (the engine keeps commits manual whatever they say). */
  readonly consumerConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Ctrl+F5 / Run Handler: no debugger attached. */
  readonly noDebug: boolean;
}

export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
const HANDLER_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'];
const PYTHON_EXTENSIONS = ['.py'];
/** The reference guide's non-retriable failures: bad JSON, a missing field, a bad value (subclasses count). */
export const DEFAULT_PYTHON_NON_RETRIABLE: readonly string[] = ['JSONDecodeError', 'KeyError', 'ValueError'];

export class HandlerLaunchError extends Error {
  override readonly name = 'HandlerLaunchError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`launch configuration: "${field}" ${message}`);
  }
}

export function parseHandlerLaunch(raw: Record<string, unknown>): HandlerLaunch {
  const str = (field: string, required: boolean): string | undefined => {
    const value = raw[field];
    if (value === undefined || value === null || value === '') {
      if (required) throw new HandlerLaunchError(field, 'is missing');
      return undefined;
    }
    if (typeof value !== 'string') throw new HandlerLaunchError(field, `must be a string (got ${typeof value})`);
    return value;
  };
  const int = (field: string, fallback: number, min: number, max: number): number => {
    const value = raw[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new HandlerLaunchError(field, `must be a whole number from ${min} to ${max}`);
    return value;
  };
  const strings = (field: string, value: unknown): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw new HandlerLaunchError(field, 'must be an array of strings');
    return value as string[];
  };
  const oneOf = <T extends string>(field: string, allowed: readonly T[], fallback: T): T => {
    const value = raw[field];
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T))
      throw new HandlerLaunchError(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return value as T;
  };

  const handler = str('handler', true) as string;
  if (!/^([a-zA-Z]:)?[\\/]/.test(handler))
    throw new HandlerLaunchError(
      'handler',
      `must be an absolute path; write "\${workspaceFolder}/${handler.replace(/^\.?[\\/]/, '')}"`,
    );
  const language = oneOf(
    'language',
    ['node', 'typescript', 'javascript', 'python'] as const,
    PYTHON_EXTENSIONS.some((ext) => handler.endsWith(ext)) ? 'python' : 'node',
  );
  const python = language === 'python';
  const extensions = python ? PYTHON_EXTENSIONS : HANDLER_EXTENSIONS;
  if (!extensions.some((ext) => handler.endsWith(ext)))
    throw new HandlerLaunchError(
      'handler',
      python
        ? 'must be a .py file for "language": "python"'
        : `must be a ${[...HANDLER_EXTENSIONS, '.py'].join(', ')} file`,
    );
  const nonRetriable =
    raw.nonRetriable === undefined ? DEFAULT_PYTHON_NON_RETRIABLE : strings('nonRetriable', raw.nonRetriable);
  if (nonRetriable.some((n) => !/^[A-Za-z_][\w.]*$/.test(n)))
    throw new HandlerLaunchError(
      'nonRetriable',
      'must be exception class names, e.g. ["KeyError", "json.JSONDecodeError"]',
    );
  const topicsValue = raw.topics === undefined && typeof raw.topic === 'string' ? [raw.topic] : raw.topics;
  const topics = strings('topics', topicsValue);
  if (topics.length === 0) throw new HandlerLaunchError('topics', 'must name at least one topic, e.g. ["orders"]');
  const env = raw.env ?? {};
  if (typeof env !== 'object' || Array.isArray(env) || Object.values(env as object).some((v) => typeof v !== 'string'))
    throw new HandlerLaunchError('env', 'must be an object of string values');
  const delivery = oneOf('delivery', ['at-least-once', 'exactly-once'] as const, 'at-least-once');
  if (delivery === 'exactly-once' && raw.partitionConcurrency !== undefined && raw.partitionConcurrency !== 1)
    throw new HandlerLaunchError(
      'partitionConcurrency',
      'must be 1 with "delivery": "exactly-once" (a transaction commits a contiguous run of each partition)',
    );
  return {
    name: str('name', false) ?? 'Kafka handler',
    handler,
    exportName: str('export', false) ?? 'handle',
    language: python ? 'python' : 'node',
    ...(python && str('python', false) ? { python: str('python', false) } : {}),
    nonRetriable: [...nonRetriable],
    cluster: str('cluster', true) as string,
    topics,
    groupId: str('groupId', true) as string,
    mode: oneOf('mode', ['stepping', 'running'] as const, 'stepping'),
    autoOffsetReset: oneOf('autoOffsetReset', ['earliest', 'latest'] as const, 'earliest'),
    commitPolicy: commitPolicyOf(raw.commitPolicy, delivery),
    delivery,
    ...(str('transactionalIdPrefix', false) ? { transactionalIdPrefix: str('transactionalIdPrefix', false) } : {}),
    ...(raw.transactionTimeoutMs !== undefined
      ? { transactionTimeoutMs: int('transactionTimeoutMs', 60_000, 1000, 900_000) }
      : {}),
    ...outputTopicsOf(strings('outputTopics', raw.outputTopics)),
    ...(str('dlqTopic', false) ? { dlqTopic: str('dlqTopic', false) } : {}),
    members: int('members', 1, 1, MAX_MEMBERS),
    concurrency: int('concurrency', 1, 1, 1024),
    partitionConcurrency: int('partitionConcurrency', 1, 1, 1024),
    handlerTimeoutMs: int('handlerTimeoutMs', DEFAULT_HANDLER_TIMEOUT_MS, 1, 24 * 3600 * 1000),
    ...(str('runtimeExecutable', false) ? { runtimeExecutable: str('runtimeExecutable', false) } : {}),
    runtimeArgs: strings('runtimeArgs', raw.runtimeArgs),
    args: strings('args', raw.args),
    env: env as Record<string, string>,
    ...(str('envFile', false) ? { envFile: str('envFile', false) } : {}),
    ...(str('cwd', false) ? { cwd: str('cwd', false) } : {}),
    ...consumerConfigOf(raw.consumerConfig),
    noDebug: raw.noDebug === true,
  };
}

function outputTopicsOf(topics: readonly string[]): { outputTopics?: string[] } {
  if (topics.length === 0) return {};
  const bad = topics.find((t) => !/^[A-Za-z0-9._-]{1,249}$/.test(t) || t === '.' || t === '..');
  if (bad !== undefined)
    throw new HandlerLaunchError(
      'outputTopics',
      `must be topic names (letters, digits, ".", "_", "-"; at most 249): ${JSON.stringify(bad)} is not one`,
    );
  return { outputTopics: [...new Set(topics)] };
}

function consumerConfigOf(value: unknown): { consumerConfig?: Record<string, string | number | boolean> } {
  if (value === undefined) return {};
  if (
    !value ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.values(value).some((v) => !['string', 'number', 'boolean'].includes(typeof v))
  ) {
    throw new HandlerLaunchError(
      'consumerConfig',
      'must be an object of librdkafka properties with string, number or boolean values, e.g. { "max.poll.interval.ms": 300000 }',
    );
  }
  return { consumerConfig: value as Record<string, string | number | boolean> };
}

function commitPolicyOf(value: unknown, delivery: DeliveryGuarantee): CommitPolicy {
  // Exactly-once: a transaction every 500 messages or 100 ms unless the configuration says otherwise.
  if (value === undefined) return delivery === 'exactly-once' ? defaultTransactionPolicy : defaultBatchPolicy;
  if (value === 'perMessage') return { kind: 'perMessage' };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { maxMessages, maxIntervalMs } = value as { maxMessages?: unknown; maxIntervalMs?: unknown };
    if (
      typeof maxMessages === 'number' &&
      Number.isInteger(maxMessages) &&
      maxMessages >= 1 &&
      typeof maxIntervalMs === 'number' &&
      maxIntervalMs > 0
    ) {
      return { kind: 'batch', maxMessages, maxIntervalMs };
    }
  }
  throw new HandlerLaunchError('commitPolicy', 'must be "perMessage" or { "maxMessages": N, "maxIntervalMs": T }');
}

/** Parses a .env file (KEY=value lines, # comments, optional quotes). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)?\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    let value = (match[2] ?? '').trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
      value = value.slice(1, -1);
    if (match[2]?.startsWith('"')) value = value.replace(/\\n/g, '\n');
    out[match[1]] = value;
  }
  return out;
}
