import { type RetryPolicy, defaultRetryPolicy, validateRetryPolicy } from './backoff';
import { type CommitPolicy, defaultBatchPolicy, validateCommitPolicy } from './commitPolicy';
import { resolveGroupProtocol } from './groupProtocol';
import { validateMemberCount } from './limits';
import type { DeliveryGuarantee, GroupProtocol, SessionConfig, SessionMode } from './types';

/** Exactly-once commits a transaction every 500 messages or 100 ms, whichever comes first. */
export const defaultTransactionPolicy = {
  kind: 'batch',
  maxMessages: 500,
  maxIntervalMs: 100,
} as const satisfies CommitPolicy;

/** librdkafka's default transaction.timeout.ms. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

/** The transactional id prefix of a group's exactly-once session, unless one is configured. */
export const defaultTransactionalIdPrefix = (groupId: string): string => `kafka-lab-${groupId}`;

/** A session's settings with the engine's defaults filled in. */
export interface ResolvedSessionSettings {
  readonly retryPolicy: RetryPolicy;
  readonly commitPolicy: CommitPolicy;
  readonly members: number;
  readonly mode: SessionMode;
  readonly groupProtocol: GroupProtocol;
  readonly delivery: DeliveryGuarantee;
  /** Exactly-once only. */
  readonly transactionalIdPrefix: string;
  readonly transactionTimeoutMs: number;
}

/** Validates a session's settings (throwing a RangeError that names the setting) and fills in the defaults. */
export function resolveSessionSettings(config: SessionConfig): ResolvedSessionSettings {
  const retryPolicy = config.retryPolicy ?? defaultRetryPolicy;
  validateRetryPolicy(retryPolicy);
  const delivery = config.delivery ?? 'at-least-once';
  if (delivery !== 'at-least-once' && delivery !== 'exactly-once')
    throw new RangeError(`delivery must be "at-least-once" or "exactly-once" (got ${JSON.stringify(delivery)})`);
  const exactlyOnce = delivery === 'exactly-once';
  const commitPolicy = config.commitPolicy ?? (exactlyOnce ? defaultTransactionPolicy : defaultBatchPolicy);
  validateCommitPolicy(commitPolicy);
  const members = config.members ?? 1;
  validateMemberCount(members);
  if (typeof config.groupId !== 'string' || config.groupId.trim() === '')
    throw new RangeError('a session needs a group.id');
  if (!(config.topics instanceof RegExp) && config.topics.length === 0)
    throw new RangeError('a session needs at least one topic or a topic pattern');
  const groupProtocol = resolveGroupProtocol(config);
  const transactionalIdPrefix = config.transactionalIdPrefix ?? defaultTransactionalIdPrefix(config.groupId);
  const transactionTimeoutMs = config.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  if (exactlyOnce) {
    if ((config.partitionConcurrency ?? 1) !== 1)
      throw new RangeError(
        'exactly-once needs partitionConcurrency 1: a transaction commits a contiguous run of each partition, so a message may not finish before the one ahead of it',
      );
    if (config.isolationLevel === 'read_uncommitted')
      throw new RangeError('exactly-once reads its input read_committed: aborted records must not be processed');
    if (
      typeof transactionalIdPrefix !== 'string' ||
      transactionalIdPrefix.trim() === '' ||
      transactionalIdPrefix.length > 200
    )
      throw new RangeError(
        `transactionalIdPrefix must be a name of 1 to 200 characters (got ${JSON.stringify(transactionalIdPrefix)})`,
      );
    if (!Number.isInteger(transactionTimeoutMs) || transactionTimeoutMs < 1000 || transactionTimeoutMs > 900_000)
      throw new RangeError(`transactionTimeoutMs must be an integer from 1000 to 900000 (got ${transactionTimeoutMs})`);
  }
  return {
    retryPolicy,
    commitPolicy,
    members,
    mode: config.mode ?? (config.handler ? 'running' : 'stepping'),
    groupProtocol,
    delivery,
    transactionalIdPrefix,
    transactionTimeoutMs,
  };
}
