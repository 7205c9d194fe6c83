import { LabError } from '../errors';

export type TransactionErrorReason =
  /** Another producer with the same transactional id started (PRODUCER_FENCED): this one is a zombie. */
  | 'producerFenced'
  /** The broker no longer knows this producer's epoch (INVALID_PRODUCER_EPOCH). */
  | 'invalidProducerEpoch'
  /** The transaction stayed open longer than transaction.timeout.ms and the broker aborted it. */
  | 'transactionTimeout'
  /** The cluster cannot run transactions (no transaction coordinator, an old broker, no ACL). */
  | 'transactionsUnavailable'
  /** The transaction failed but may be aborted and retried (a rebalance, a broker that went away). */
  | 'abortable'
  /** Anything else the client called fatal. */
  | 'fatal';

/**
 * A transaction of an exactly-once session failed. `fatal`: the producer cannot go on and the
 * session stops; otherwise the transaction was aborted and its messages are redelivered.
 */
export class TransactionError extends LabError {
  constructor(
    readonly reason: TransactionErrorReason,
    readonly fatal: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** librdkafka error codes the classification reads (its own negative ones and the broker's). */
export const TXN_CODES = {
  TIMED_OUT: -185,
  FENCED: -144,
  STATE: -172,
  UNSUPPORTED_FEATURE: -165,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_VERSION: 35,
  INVALID_PRODUCER_EPOCH: 47,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  PRODUCER_FENCED: 90,
} as const;

export interface ClientErrorLike {
  readonly code?: number;
  readonly message?: string;
  readonly isFatal?: boolean;
  readonly isTxnRequiresAbort?: boolean;
}

export interface TransactionFacts {
  readonly transactionalId: string;
  /** What was being done: `initTransactions`, `commitTransaction`, … */
  readonly operation: string;
  /** How long the failed transaction had been open, when one was. */
  readonly openForMs?: number;
  readonly transactionTimeoutMs: number;
}

/**
 * What a client error in a transactional call means, and what to change: by its code and the
 * client's own flags, never by its text. A transaction older than the transaction timeout that
 * fails with a fencing code was aborted by the broker's timeout, not by another instance.
 */
export function classifyTransactionError(error: unknown, facts: TransactionFacts): TransactionError {
  if (error instanceof TransactionError) return error;
  const e = (error && typeof error === 'object' ? error : {}) as ClientErrorLike;
  const code = e.code;
  const detail = e.message ?? String(error);
  const id = facts.transactionalId;
  const timedOut = facts.openForMs !== undefined && facts.openForMs >= facts.transactionTimeoutMs;
  const fencingCode =
    code === TXN_CODES.PRODUCER_FENCED ||
    code === TXN_CODES.FENCED ||
    code === TXN_CODES.TRANSACTION_COORDINATOR_FENCED;
  if ((fencingCode || code === TXN_CODES.INVALID_PRODUCER_EPOCH) && timedOut)
    return new TransactionError(
      'transactionTimeout',
      true,
      `The transaction of ${id} was open for ${Math.round((facts.openForMs ?? 0) / 1000)} s, longer than transaction.timeout.ms (${facts.transactionTimeoutMs} ms), and the broker aborted it (${detail}). Its messages were not committed and are redelivered when the session starts again. Commit more often (a smaller transaction batch), decide faster while stepping, or raise transactionTimeoutMs (at most the broker's transaction.max.timeout.ms).`,
      { cause: error },
    );
  if (fencingCode)
    return new TransactionError(
      'producerFenced',
      true,
      `Another producer started with the transactional id ${id} (${detail}), so this session was fenced: it is the older instance, and its open transaction was aborted. Stop the other instance, or give each running session its own transactionalIdPrefix.`,
      { cause: error },
    );
  if (code === TXN_CODES.INVALID_PRODUCER_EPOCH)
    return new TransactionError(
      'invalidProducerEpoch',
      true,
      `The broker refused ${facts.operation} of ${id} with INVALID_PRODUCER_EPOCH (${detail}): its producer epoch is no longer current (a newer instance with the same transactional id, or a transaction the broker aborted). Nothing of the open transaction was committed; restart the session, and make sure only one instance uses the transactional id.`,
      { cause: error },
    );
  if (
    facts.operation === 'initTransactions' &&
    (code === TXN_CODES.TIMED_OUT ||
      code === TXN_CODES.COORDINATOR_NOT_AVAILABLE ||
      code === TXN_CODES.NOT_COORDINATOR ||
      code === TXN_CODES.UNSUPPORTED_FEATURE ||
      code === TXN_CODES.UNSUPPORTED_VERSION ||
      code === TXN_CODES.CLUSTER_AUTHORIZATION_FAILED ||
      code === TXN_CODES.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
  ) {
    const acl =
      code === TXN_CODES.CLUSTER_AUTHORIZATION_FAILED || code === TXN_CODES.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return new TransactionError(
      'transactionsUnavailable',
      true,
      acl
        ? `The cluster refused transactions for ${id} (${detail}). Grant the principal WRITE and DESCRIBE on the transactional id ${id}* (and IDEMPOTENT_WRITE on the cluster), or run the session at-least-once.`
        : `The cluster did not start transactions for ${id} (${detail}): it has no transaction coordinator. Check that the broker's transaction.state.log.replication.factor and transaction.state.log.min.isr are at most the number of brokers (1 on a single-broker cluster) and that the brokers are Kafka 2.5 or newer, or run the session at-least-once.`,
      { cause: error },
    );
  }
  if (e.isFatal)
    return new TransactionError(
      'fatal',
      true,
      `The transactional producer ${id} failed in ${facts.operation} and cannot go on (${detail}). Nothing of the open transaction was committed; restart the session.`,
      { cause: error },
    );
  return new TransactionError(
    'abortable',
    false,
    `${facts.operation} of ${id} failed (${detail}); the transaction is aborted and its messages are processed again.`,
    { cause: error },
  );
}
