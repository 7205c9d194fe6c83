/**
 * When done offsets are committed. Per message: synchronously, each time the watermark moves.
 * Batch: whichever comes first of N completed messages or T milliseconds since the last commit
 * (the reference guide's 500 messages / 5 s), asynchronously; revoke and close always commit
 * synchronously.
 */
export type CommitPolicy =
  | { readonly kind: 'perMessage' }
  | { readonly kind: 'batch'; readonly maxMessages: number; readonly maxIntervalMs: number };

export const defaultBatchPolicy = {
  kind: 'batch',
  maxMessages: 500,
  maxIntervalMs: 5_000,
} as const satisfies CommitPolicy;

export function validateCommitPolicy(policy: CommitPolicy): void {
  if (policy.kind === 'batch') {
    if (!Number.isInteger(policy.maxMessages) || policy.maxMessages < 1)
      throw new RangeError(`batch commit maxMessages must be a positive integer (got ${policy.maxMessages})`);
    if (!(policy.maxIntervalMs > 0))
      throw new RangeError(`batch commit maxIntervalMs must be positive (got ${policy.maxIntervalMs})`);
  } else if (policy.kind !== 'perMessage') {
    throw new RangeError(`unknown commit policy ${(policy as { kind: string }).kind}`);
  }
}

/** Counts completions and tells when a commit is due. */
export class CommitScheduler {
  private completedSinceCommit = 0;
  private lastCommitAt: number;

  constructor(
    private policy: CommitPolicy,
    private readonly now: () => number = Date.now,
  ) {
    validateCommitPolicy(policy);
    this.lastCommitAt = now();
  }

  get current(): CommitPolicy {
    return this.policy;
  }

  setPolicy(policy: CommitPolicy): void {
    validateCommitPolicy(policy);
    this.policy = policy;
  }

  /**
   * Records completed messages; returns whether the count makes a commit due now. The time trigger
   * is not read here (no clock read per message): the caller's timer (msUntilDue) and isDue() see it.
   */
  onCompleted(count = 1): boolean {
    this.completedSinceCommit += count;
    const policy = this.policy;
    return policy.kind === 'perMessage' || this.completedSinceCommit >= policy.maxMessages;
  }

  isDue(): boolean {
    if (this.completedSinceCommit === 0) return false;
    if (this.policy.kind === 'perMessage') return true;
    return (
      this.completedSinceCommit >= this.policy.maxMessages ||
      this.now() - this.lastCommitAt >= this.policy.maxIntervalMs
    );
  }

  /** Milliseconds until the time trigger fires, for a timer; undefined when nothing waits. */
  msUntilDue(): number | undefined {
    if (this.policy.kind === 'perMessage' || this.completedSinceCommit === 0) return undefined;
    return Math.max(0, this.policy.maxIntervalMs - (this.now() - this.lastCommitAt));
  }

  committed(): void {
    this.completedSinceCommit = 0;
    this.lastCommitAt = this.now();
  }

  pendingCount(): number {
    return this.completedSinceCommit;
  }
}
