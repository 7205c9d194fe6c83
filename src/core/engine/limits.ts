/** The engine's limits and defaults, in one place (the session, the member, the commands and the views use these). */

/** Members one session may run in one group. */
export const MAX_MEMBERS = 64;

/** Messages fetched but not yet dispatched, per member, before its partitions are paused. */
export const DEFAULT_MAX_BUFFERED = 5_000;

/** Longest wait for in-flight work when partitions are revoked or the session stops. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Handled messages per member whose outputs may still be on their way (at-least-once: not yet
 * acknowledged; exactly-once: waiting for the next transaction) while the worker goes on; past it
 * the worker waits. Bounds the memory the outputs hold.
 */
export const MAX_SENDING = 5_000;

/** After a failed dead-letter write, how often it is tried again while the partition is paused. */
export const DEFAULT_DLQ_RETRY_INTERVAL_MS = 5_000;

/** Messages asked of librdkafka per consume call. */
export const CONSUME_BATCH = 1_000;

/** A consume call waits this long for its first message only (then returns what is there). */
export const CONSUME_TIMEOUT_MS = 100;

/** Bounds on the consumer's calls to the broker. */
export const CONNECT_TIMEOUT_MS = 15_000;
export const DISCONNECT_TIMEOUT_MS = 15_000;
export const BROKER_CALL_TIMEOUT_MS = 10_000;
export const COMMITTED_TIMEOUT_MS = 5_000;

export function validateMemberCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_MEMBERS)
    throw new RangeError(`members must be between 1 and ${MAX_MEMBERS} (got ${count})`);
}
