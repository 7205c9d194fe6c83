/** Exponential backoff with a cap and jitter, for retriable handler failures. */
export interface RetryPolicy {
  /** Delay before the first retry. */
  readonly baseMs: number;
  /** No delay exceeds this. */
  readonly capMs: number;
  /** 0..1: the share of each delay that is randomized ("equal jitter" at 0.5, "full jitter" at 1). */
  readonly jitter: number;
  /** Handler attempts in total, the first included; past this the message goes to the DLQ. */
  readonly maxAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseMs: 500, capMs: 30_000, jitter: 0.5, maxAttempts: 4 };

export function validateRetryPolicy(policy: RetryPolicy): void {
  if (!(policy.baseMs >= 0) || !(policy.capMs >= policy.baseMs))
    throw new RangeError(`retry delays must satisfy 0 <= baseMs <= capMs (got ${policy.baseMs}, ${policy.capMs})`);
  if (!(policy.jitter >= 0 && policy.jitter <= 1))
    throw new RangeError(`retry jitter must be between 0 and 1 (got ${policy.jitter})`);
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1)
    throw new RangeError(`maxAttempts must be a positive integer (got ${policy.maxAttempts})`);
}

/**
 * The delay before retry number `retry` (1 = the first retry, after the first failed attempt):
 * min(cap, base * 2^(retry-1)), of which a `jitter` share is drawn at random.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, retry - 1);
  const ceiling = Math.min(policy.capMs, exponential);
  const fixed = ceiling * (1 - policy.jitter);
  return Math.round(fixed + ceiling * policy.jitter * random());
}

/** Whether a message that failed on attempt `attempt` (1-based) may be tried again. */
export function mayRetry(policy: RetryPolicy, attempt: number): boolean {
  return attempt < policy.maxAttempts;
}
