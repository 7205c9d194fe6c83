import type { Commits } from './commits';
import type { Dispatcher } from './dispatcher';
import { DEFAULT_DEAD_LETTER_REASON, type FailurePath } from './failurePath';
import type { Entry, PartitionQueues, PartitionState } from './partitionQueues';
import type { ConsumedMessage, Decision, SessionEvents } from './types';

/** A message a member could show next for a decision, not yet taken off its queue. */
export interface StepCandidate {
  readonly seq: number;
  readonly id: string;
  take(): ConsumedMessage;
}

/** The message's decision was refused: it is no longer waiting for one (decided, revoked or sought away). */
export class NotAwaitingDecision extends Error {
  override readonly name = 'NotAwaitingDecision';
  constructor(readonly messageId: string) {
    super(`message ${messageId} is not waiting for a decision (it was decided, revoked or sought away)`);
  }
}

/**
 * A member's side of stepping: which of its partition heads came first, taking it for a decision,
 * putting it back, and carrying out the decision. The session picks across members (stepCursor.ts).
 */
export class MemberStepping {
  constructor(
    private readonly queues: PartitionQueues,
    private readonly dispatcher: Dispatcher,
    private readonly commits: Commits,
    private readonly failures: FailurePath,
    private readonly emit: <K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]) => void,
    /** Completes a message with the handler's outputs (sent, or in the transaction) once they are taken. */
    private readonly completeWithOutputs: (
      entry: Entry,
      how: 'ack' | 'commitNow',
      outputs: readonly unknown[],
    ) => Promise<void>,
  ) {}

  /** The earliest-fetched message at the head of a partition; `preferId` first when it heads one. */
  peek(preferId?: string): StepCandidate | undefined {
    let best: PartitionState | undefined;
    let bestHead: Entry | undefined;
    for (const ps of this.queues.values()) {
      if (!this.dispatcher.canStart(ps)) continue;
      const head = ps.queue.peek() as Entry;
      if (preferId !== undefined && head.message.id === preferId) {
        best = ps;
        bestHead = head;
        break;
      }
      if (!bestHead || head.seq < bestHead.seq) {
        best = ps;
        bestHead = head;
      }
    }
    if (!best || !bestHead) return undefined;
    const entry = bestHead;
    return {
      seq: entry.seq,
      id: entry.message.id,
      take: () => {
        this.queues.transition(entry, 'awaiting');
        this.dispatcher.dispatch();
        return entry.message;
      },
    };
  }

  /** Puts a message waiting for a decision back at the head of its partition (the mode changed). */
  returnToQueue(messageId: string): void {
    const entry = this.queues.findActive(messageId);
    if (!entry || entry.state !== 'awaiting') return;
    this.queues.transition(entry, 'queued');
    this.dispatcher.dispatch();
  }

  /** A decision on a message waiting for one (stepping), or on a message blocked in the DLQ path. */
  async decide(messageId: string, decision: Decision): Promise<void> {
    const entry = this.queues.findActive(messageId);
    if (!entry || (entry.state !== 'awaiting' && entry.state !== 'dlqBlocked'))
      throw new NotAwaitingDecision(messageId);
    switch (decision.kind) {
      case 'ack':
      case 'commitNow':
        this.failures.unblock(entry);
        if (decision.outputs?.length) await this.completeWithOutputs(entry, decision.kind, decision.outputs);
        else this.commits.complete(entry, decision.kind);
        break;
      case 'skip':
        // Not done: the watermark stays before it, so it is redelivered after a restart.
        this.failures.unblock(entry);
        this.queues.transition(entry, 'finished');
        this.emit('decided', {
          message: entry.message,
          decision: 'skip',
          detail: 'not marked done: commits stop before it and it is redelivered after a restart',
          at: Date.now(),
        });
        this.dispatcher.dispatch();
        break;
      case 'retry':
        this.failures.retryDecided(entry);
        break;
      case 'deadLetter':
        await this.failures.deadLetterDecided(entry, decision.reason ?? DEFAULT_DEAD_LETTER_REASON, decision.error);
        break;
    }
  }
}
