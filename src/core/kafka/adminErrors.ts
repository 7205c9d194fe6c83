import { KafkaClientError } from '../errors';
import { type ClassifyContext, type RawClientError, RdKafkaCode, reasonOf, toKafkaClientError } from './clientErrors';

/** Kafka protocol error codes an admin operation can answer with (stable, from the Kafka protocol). */
export const KafkaErrorCode = {
  UNKNOWN_TOPIC_OR_PART: 3,
  INVALID_TOPIC: 17,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
} as const;

/** librdkafka's local "unknown topic or partition" (-188), besides the broker's (3). */
const LOCAL_UNKNOWN_TOPIC = -188;
const LOCAL_UNKNOWN_PARTITION = -190;

export interface AdminErrorSubject {
  /** What was attempted, e.g. `create topic "orders"`. */
  readonly operation: string;
  readonly topic?: string;
  readonly groupId?: string;
}

/** Maps an admin operation's error to a typed error that says what happened and what to do. */
export function toAdminError(
  error: RawClientError,
  subject: AdminErrorSubject,
  context: ClassifyContext,
): KafkaClientError {
  const detail = error.message ? ` (${error.message})` : '';
  const what = `Could not ${subject.operation}${detail}.`;
  switch (error.code) {
    case KafkaErrorCode.UNKNOWN_TOPIC_OR_PART:
    case LOCAL_UNKNOWN_TOPIC:
    case LOCAL_UNKNOWN_PARTITION:
      return new KafkaClientError(
        'topicNotFound',
        `${what} Topic "${subject.topic ?? '?'}" does not exist at ${context.bootstrapServers}; refresh the topic list.`,
        { cause: error },
      );
    case KafkaErrorCode.TOPIC_ALREADY_EXISTS:
      return new KafkaClientError(
        'topicAlreadyExists',
        `${what} A topic named "${subject.topic ?? '?'}" already exists; choose another name.`,
        { cause: error },
      );
    case KafkaErrorCode.GROUP_ID_NOT_FOUND:
      return new KafkaClientError(
        'groupNotFound',
        `${what} Consumer group "${subject.groupId ?? '?'}" does not exist; refresh the group list.`,
        { cause: error },
      );
    case KafkaErrorCode.NON_EMPTY_GROUP:
    case KafkaErrorCode.UNKNOWN_MEMBER_ID:
    case KafkaErrorCode.ILLEGAL_GENERATION:
    case KafkaErrorCode.REBALANCE_IN_PROGRESS:
      return activeGroupError(subject.groupId ?? '?', what, error);
    case KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED:
    case KafkaErrorCode.GROUP_AUTHORIZATION_FAILED:
    case KafkaErrorCode.CLUSTER_AUTHORIZATION_FAILED:
      return new KafkaClientError(
        'notAuthorized',
        `${what} User "${context.username ?? '(anonymous)'}" is not authorized for this at ${context.bootstrapServers}; ask the cluster administrator for the ACL.`,
        { cause: error },
      );
    case KafkaErrorCode.INVALID_TOPIC:
    case KafkaErrorCode.INVALID_PARTITIONS:
    case KafkaErrorCode.INVALID_REPLICATION_FACTOR:
    case KafkaErrorCode.INVALID_CONFIG:
    case KafkaErrorCode.INVALID_REQUEST:
      return new KafkaClientError(
        'invalidRequest',
        `${what} The broker rejected the request; check the values entered.`,
        { cause: error },
      );
  }
  if (reasonOf(error) !== 'unknown') return toKafkaClientError(error, context);
  return new KafkaClientError(
    'unknown',
    `${what} The Kafka client failed at ${context.bootstrapServers}; see the log for details.`,
    { cause: error },
  );
}

export function activeGroupError(groupId: string, what: string, cause?: unknown): KafkaClientError {
  return new KafkaClientError(
    'groupHasActiveMembers',
    `${what} Consumer group "${groupId}" has active members; stop every consumer of the group, then try again.`.trim(),
    { cause },
  );
}

export const timedOut = (what: string): RawClientError => ({
  code: RdKafkaCode.TIMED_OUT,
  message: `timed out: ${what}`,
});

/**
 * Runs a callback-style client call and settles within `timeoutMs`, whatever the client does.
 * A late callback is ignored. `preferred` supplies an earlier, more specific error event (an
 * authentication or transport failure) to report instead of a plain timeout.
 */
export function bounded<T>(
  timeoutMs: number,
  subject: AdminErrorSubject,
  context: ClassifyContext,
  start: (done: (error: RawClientError | null | undefined, value?: T) => void) => void,
  preferred?: () => RawClientError | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      const cause = preferred?.();
      reject(
        cause && reasonOf(cause) !== 'unknown'
          ? toKafkaClientError(cause, context)
          : toKafkaClientError(timedOut(subject.operation), { ...context, waitedMs: timeoutMs }),
      );
    }, timeoutMs);
    const done = (error: RawClientError | null | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        const earlier = preferred?.();
        const cause = reasonOf(error) === 'timeout' && earlier && reasonOf(earlier) !== 'unknown' ? earlier : error;
        reject(toAdminError(cause, subject, { ...context, waitedMs: timeoutMs }));
      } else resolve(value as T);
    };
    try {
      start(done);
    } catch (error) {
      done(
        error instanceof Error
          ? { message: error.message, code: (error as RawClientError).code }
          : { message: String(error) },
      );
    }
  });
}
