import { type RetryPolicy, defaultRetryPolicy, validateRetryPolicy } from './backoff';
import { type CommitPolicy, defaultBatchPolicy, validateCommitPolicy } from './commitPolicy';
import { resolveGroupProtocol } from './groupProtocol';
import { validateMemberCount } from './limits';
import type { GroupProtocol, SessionConfig, SessionMode } from './types';

/** A session's settings with the engine's defaults filled in. */
export interface ResolvedSessionSettings {
  readonly retryPolicy: RetryPolicy;
  readonly commitPolicy: CommitPolicy;
  readonly members: number;
  readonly mode: SessionMode;
  readonly groupProtocol: GroupProtocol;
}

/** Validates a session's settings (throwing a RangeError that names the setting) and fills in the defaults. */
export function resolveSessionSettings(config: SessionConfig): ResolvedSessionSettings {
  const retryPolicy = config.retryPolicy ?? defaultRetryPolicy;
  validateRetryPolicy(retryPolicy);
  const commitPolicy = config.commitPolicy ?? defaultBatchPolicy;
  validateCommitPolicy(commitPolicy);
  const members = config.members ?? 1;
  validateMemberCount(members);
  if (typeof config.groupId !== 'string' || config.groupId.trim() === '')
    throw new RangeError('a session needs a group.id');
  if (!(config.topics instanceof RegExp) && config.topics.length === 0)
    throw new RangeError('a session needs at least one topic or a topic pattern');
  const groupProtocol = resolveGroupProtocol(config);
  return {
    retryPolicy,
    commitPolicy,
    members,
    mode: config.mode ?? (config.handler ? 'running' : 'stepping'),
    groupProtocol,
  };
}
