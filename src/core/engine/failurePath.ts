import type { DeadLetterSink } from '../dlq/deadLetterWriter';
import type { DeadLetterEnvelope } from '../dlq/envelope';
import { DeadLetterError } from '../errors';
import { type RetryPolicy, backoffDelay, mayRetry } from './backoff';
import type { Completion } from './commits';
import { classifyFailure, type FailureKind } from './failure';
import type { PartitionPauses } from './pauses';
import type { Entry, PartitionQueues } from './partitionQueues';
import type { SessionEvents } from './types';

export interface FailureHost {
  readonly deadLetters: DeadLetterSink;
  readonly unknownErrors: FailureKind;
  readonly dlqRetryIntervalMs: number;
  retryPolicy(): RetryPolicy;
  dlqTopicFor(topic: string): string;
  /** Whether the member still runs (a blocked DLQ write is retried only then). */
  running(): boolean;
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void;
  reportError(error: Error): void;
  complete(entry: Entry, how: Completion): void;
  dispatch(): void;
  /**
   * Exactly-once: writes the dead letter inside the open transaction and marks the message done
   * with it, in one step; resolves with the envelope, or undefined when the message was abandoned.
   */
  deadLetterInTransaction?(entry: Entry, topic: string, error: unknown): Promise<DeadLetterEnvelope | undefined>;
}

/** The reason recorded when a developer dead-letters a message by hand without giving one. */
export const DEFAULT_DEAD_LETTER_REASON = 'sent to the dead-letter topic by the developer';

/** The reason a developer gave when dead-lettering a message by hand. */
export class ManualDeadLetter extends Error {
  override readonly name = 'ManualDeadLetter';
}

/**
 * What happens to a message that failed: a retriable failure waits out its backoff with the
 * partition paused (the poll loop keeps the membership alive, however long the wait); anything
 * else, or the last attempt, goes to the dead-letter topic. The source offset is marked done only
 * once the DLQ write is acknowledged; a failed write blocks the partition and is tried again.
 */
export class FailurePath {
  constructor(
    private readonly host: FailureHost,
    private readonly queues: PartitionQueues,
    private readonly pauses: PartitionPauses,
  ) {}

  /** The handler failed on this (running) message. */
  handlerFailed(entry: Entry, error: unknown): void {
    entry.lastError = error;
    const kind = classifyFailure(error, this.host.unknownErrors);
    const policy = this.host.retryPolicy();
    this.host.emit('decided', {
      message: entry.message,
      decision: 'failed',
      detail: `${kind}: ${error instanceof Error ? error.message : String(error)}`,
      at: Date.now(),
    });
    if (kind === 'retriable' && mayRetry(policy, entry.message.attempts))
      this.retryLater(entry, backoffDelay(policy, entry.message.attempts));
    else void this.deadLetter(entry, error);
  }

  /** The developer asked for a retry: after the backoff of the attempts made so far. */
  retryDecided(entry: Entry): void {
    this.unblock(entry);
    this.host.emit('decided', { message: entry.message, decision: 'retry', at: Date.now() });
    this.retryLater(entry, backoffDelay(this.host.retryPolicy(), Math.max(1, entry.message.attempts)));
  }

  /** The developer sent it to the DLQ; the last handler error is what the envelope records, if there was one. */
  deadLetterDecided(entry: Entry, reason: string, error?: unknown): Promise<void> {
    this.unblock(entry);
    if (error !== undefined) entry.lastError = error;
    return this.deadLetter(entry, entry.lastError ?? new ManualDeadLetter(reason));
  }

  /** Tries every blocked dead-letter write again now, instead of at its next scheduled retry. */
  retryBlocked(): number {
    let count = 0;
    for (const ps of this.queues.values()) {
      for (const entry of [...ps.active]) {
        if (entry.state !== 'dlqBlocked') continue;
        count++;
        void this.deadLetter(entry, entry.dlqError);
      }
    }
    return count;
  }

  /** A blocked message was decided by hand: its partition is no longer blocked by it. */
  unblock(entry: Entry): void {
    if (entry.state !== 'dlqBlocked') return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.partition.blockedReason = undefined;
    this.pauses.remove(entry.partition, 'deadLetter');
  }

  private retryLater(entry: Entry, delayMs: number): void {
    this.queues.transition(entry, 'retryWait');
    const ps = entry.partition;
    // The partition is paused so the buffer stays small, while the poll loop keeps running:
    // max.poll.interval.ms is never exceeded, however long the backoff.
    this.pauses.add(ps, 'retry');
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (entry.state !== 'retryWait') return;
      this.queues.transition(entry, 'queued');
      if (![...ps.active].some((e) => e.state === 'retryWait')) this.pauses.remove(ps, 'retry');
      this.host.dispatch();
    }, delayMs);
  }

  private async deadLetter(entry: Entry, error: unknown): Promise<void> {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    this.queues.transition(entry, 'deadLettering');
    entry.dlqError = error;
    const ps = entry.partition;
    const topic = this.host.dlqTopicFor(entry.message.topic);
    try {
      const inTransaction = this.host.deadLetterInTransaction;
      if (inTransaction) {
        const envelope = await inTransaction(entry, topic, error);
        if (envelope === undefined) return; // abandoned: it comes again
        this.host.emit('deadLettered', { message: entry.message, dlqTopic: topic, envelope, at: Date.now() });
        ps.blockedReason = undefined;
        this.pauses.remove(ps, 'deadLetter');
        this.host.dispatch();
        return;
      }
      const result = await this.host.deadLetters.write(topic, entry.message, error, entry.message.attempts);
      if (entry.state !== 'deadLettering') return; // revoked or sought away meanwhile: not committed
      this.host.emit('deadLettered', {
        message: entry.message,
        dlqTopic: topic,
        envelope: result.envelope,
        at: Date.now(),
      });
      ps.blockedReason = undefined;
      this.pauses.remove(ps, 'deadLetter');
      // Only now, with the DLQ write acknowledged, may the source offset be marked done.
      this.host.complete(entry, 'deadLetter');
    } catch (writeError) {
      if (entry.state !== 'deadLettering') return;
      const reason = writeError instanceof Error ? writeError.message : String(writeError);
      this.queues.transition(entry, 'dlqBlocked');
      ps.blockedReason = reason;
      this.pauses.add(ps, 'deadLetter');
      this.host.reportError(
        writeError instanceof DeadLetterError
          ? writeError
          : new DeadLetterError('dlqWriteFailed', reason, { cause: writeError }),
      );
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (entry.state === 'dlqBlocked' && this.host.running()) void this.deadLetter(entry, error);
      }, this.host.dlqRetryIntervalMs);
    }
  }
}
