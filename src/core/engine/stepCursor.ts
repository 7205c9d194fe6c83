import type { Member } from './member';
import type { ConsumedMessage } from './types';

/**
 * The session's stepping cursor: the one message waiting for a decision, across all members. The
 * next one is the earliest fetched at the head of any member's partition, except that a held
 * message (run-until) goes first while it still heads its partition.
 */
export class StepCursor {
  private currentValue: { readonly message: ConsumedMessage; readonly member: Member } | undefined;
  /** A held message (run-until): offered next for a decision, ahead of older ones. */
  private preferred: string | undefined;
  private advancing = false;
  private readonly waiters = new Set<(message: ConsumedMessage) => void>();

  constructor(
    private readonly members: () => readonly Member[],
    /** Whether the session steps now (stepping mode, not stopping). */
    private readonly stepping: () => boolean,
    private readonly awaiting: (message: ConsumedMessage) => void,
  ) {}

  get current(): { readonly message: ConsumedMessage; readonly member: Member } | undefined {
    return this.currentValue;
  }

  /** Offers the next message for a decision when none is waiting. */
  advance(): void {
    // Taking a message re-enters here (its member dispatches again): that call must not take a second one.
    if (this.currentValue || this.advancing || !this.stepping()) return;
    this.advancing = true;
    try {
      this.advanceOnce();
    } finally {
      this.advancing = false;
    }
  }

  private advanceOnce(): void {
    let best: { seq: number; take: () => ConsumedMessage; member: Member } | undefined;
    for (const member of this.members()) {
      const candidate = member.peekStepCandidate(this.preferred);
      if (!candidate) continue;
      if (candidate.id === this.preferred) {
        best = { seq: candidate.seq, take: candidate.take, member };
        break;
      }
      if (!best || candidate.seq < best.seq) best = { seq: candidate.seq, take: candidate.take, member };
    }
    if (!best) return;
    // A held message that is no longer at the head anywhere (revoked, sought away) is not waited for.
    this.preferred = undefined;
    const message = best.take();
    this.currentValue = { message, member: best.member };
    this.awaiting(message);
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter(message);
  }

  /** Resolves with the current message, or the next one offered, within `timeoutMs`. */
  next(timeoutMs: number, describeState: () => string): Promise<ConsumedMessage> {
    if (this.currentValue) return Promise.resolve(this.currentValue.message);
    return new Promise((resolve, reject) => {
      const waiter = (message: ConsumedMessage) => {
        clearTimeout(timer);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `no message arrived for a decision within ${timeoutMs} ms (${describeState()}); the topics may be at their end`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** A message to offer first (a handler held it). */
  prefer(messageId: string): void {
    this.preferred = messageId;
  }

  /** Forgets the current message (decided, returned to its queue, or gone) and returns it. */
  release(): { readonly message: ConsumedMessage; readonly member: Member } | undefined {
    const current = this.currentValue;
    this.currentValue = undefined;
    return current;
  }

  /** Forgets the current message when it matches. */
  releaseIf(test: (message: ConsumedMessage, member: Member) => boolean): boolean {
    if (!this.currentValue || !test(this.currentValue.message, this.currentValue.member)) return false;
    this.currentValue = undefined;
    return true;
  }
}
