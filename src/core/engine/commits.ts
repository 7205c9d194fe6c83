import type { Logger } from '../logging';
import { CommitScheduler, type CommitPolicy } from './commitPolicy';
import type { CommitFailure, ConsumerPort } from './consumerPort';
import { BROKER_CALL_TIMEOUT_MS, COMMITTED_TIMEOUT_MS } from './limits';
import { OffsetTracker } from './offsetTracker';
import type { Entry, PartitionQueues, PartitionState } from './partitionQueues';
import type { CommitEvent, DecisionEvent, SessionEvents, TopicPartition, TopicPartitionOffset } from './types';

/** How a message became done: its handler returned, or a decision (or an acknowledged DLQ write) finished it. */
export type Completion = 'handled' | 'ack' | 'commitNow' | 'deadLetter';

export interface CommitsHost {
  readonly memberId: string;
  readonly log: Logger;
  consumer(): ConsumerPort | undefined;
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void;
  reportError(error: Error): void;
  dispatch(): void;
}

/**
 * The member's offset manager: marks messages done, keeps each partition's contiguous watermark,
 * and commits it when the policy says so (and on revoke and close). It never commits past a
 * message that is not done, and a commit always follows the processing it covers.
 */
export class Commits {
  readonly tracker = new OffsetTracker();
  private readonly scheduler: CommitScheduler;
  private readonly pendingAsync: Array<{ offsets: TopicPartitionOffset[]; reason: CommitEvent['reason']; at: number }> =
    [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Exactly-once: commits are transactions (outputs and offsets together). */
  private transactional: { commit(reason: CommitEvent['reason']): Promise<void> } | undefined;

  constructor(
    private readonly host: CommitsHost,
    private readonly queues: PartitionQueues,
    policy: CommitPolicy,
  ) {
    this.scheduler = new CommitScheduler(policy);
  }

  setPolicy(policy: CommitPolicy): void {
    this.scheduler.setPolicy(policy);
  }

  /** From now on a commit is the transaction's: its offsets go with its outputs (sendOffsetsToTransaction). */
  useTransactions(transactions: { commit(reason: CommitEvent['reason']): Promise<void> }): void {
    this.transactional = transactions;
  }

  /**
   * Commits now (revoke, close): synchronously, returning undefined once the broker answered; or,
   * exactly-once, the open transaction's commit, whose promise resolves once it committed (or
   * aborted). A transaction always covers every partition of the member: its outputs cannot be
   * split by partition.
   */
  commitBlocking(reason: CommitEvent['reason'], only?: ReadonlySet<string>): Promise<void> | undefined {
    if (this.transactional) {
      this.scheduler.committed();
      return this.transactional.commit(reason);
    }
    this.commit(reason, true, only);
    return undefined;
  }

  /** A fetched message enters the watermark (in fetch order). */
  track(ps: PartitionState, offset: number): void {
    this.tracker.track(ps.topic, ps.partition, offset);
  }

  /** The message is done: finished, marked in the watermark, and committed when the policy says so. */
  complete(entry: Entry, how: Completion): void {
    this.queues.transition(entry, 'finished');
    const ps = entry.partition;
    if (this.queues.isCurrent(ps)) {
      this.tracker.complete(ps.topic, ps.partition, entry.message.offset);
      if (how !== 'handled')
        this.host.emit('decided', { message: entry.message, decision: how, at: Date.now() } satisfies DecisionEvent);
      if (how === 'commitNow') {
        this.scheduler.onCompleted();
        this.commit('commitNow', true);
      } else if (this.scheduler.onCompleted()) {
        this.commit('policy', this.scheduler.current.kind === 'perMessage');
      }
    }
    this.host.dispatch();
  }

  /** After each fetch: a commit that came due (by count or time), and the timer for the next. */
  afterFetch(): void {
    if (this.scheduler.isDue()) this.commit('policy', this.scheduler.current.kind === 'perMessage');
    this.armTimer();
  }

  /**
   * Commits every partition's watermark that moved (of `only` these, when given). Sync commits
   * block until the broker answers. An async commit waits while the previous one is unanswered:
   * the next one then carries these offsets too (one commit per round trip, not one per batch of
   * messages: the commit call was the engine's costliest frame in the bench profile).
   */
  commit(reason: CommitEvent['reason'], sync: boolean, only?: ReadonlySet<string>): TopicPartitionOffset[] {
    const consumer = this.host.consumer();
    if (!consumer) return [];
    if (this.transactional) {
      // The transaction's commit runs on its own; the scheduler counts anew from here.
      this.scheduler.committed();
      void this.transactional.commit(reason);
      return [];
    }
    if (!sync && this.pendingAsync.length > 0 && Date.now() - this.pendingAsync[0].at < BROKER_CALL_TIMEOUT_MS)
      return [];
    // A synchronous commit while an asynchronous one is unanswered sends every position: the
    // pending one may still fail, and a revoke or close must leave the group's offsets right.
    const offsets = this.tracker.uncommitted(
      (tp) => {
        const ps = this.queues.get(tp.topic, tp.partition);
        return !!ps && !ps.revoked && (!only || only.has(ps.key));
      },
      sync && this.pendingAsync.length > 0,
    );
    if (offsets.length === 0) {
      if (!only) this.scheduler.committed();
      return [];
    }
    const at = Date.now();
    const memberId = this.host.memberId;
    try {
      if (sync) consumer.commitSync(offsets);
      else consumer.commitAsync(offsets);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.host.emit('committed', { memberId, offsets, sync, reason, error: message, at });
      this.host.reportError(
        new Error(
          `commit of ${describe(offsets)} failed on ${memberId}: ${message}. Nothing is lost: the messages after the last successful commit are redelivered after a restart or rebalance.`,
        ),
      );
      return [];
    }
    for (const o of offsets) this.tracker.markCommitted(o.topic, o.partition, o.offset);
    if (!only) this.scheduler.committed();
    if (sync) this.host.emit('committed', { memberId, offsets, sync, reason, at });
    else this.pendingAsync.push({ offsets, reason, at });
    return offsets;
  }

  /** The outcome of an asynchronous commit (they complete in the order they were sent). */
  asyncDone(failure: CommitFailure | undefined, offsets: readonly TopicPartitionOffset[]): void {
    const sent = this.pendingAsync.shift();
    const committed = offsets.length ? offsets : (sent?.offsets ?? []);
    const memberId = this.host.memberId;
    const reason = sent?.reason ?? 'policy';
    if (failure && !failure.nothingToCommit) {
      // The broker did not take it: forget the optimistic mark so the next commit sends it again.
      for (const o of committed) this.tracker.resetCommitted(o.topic, o.partition);
      this.host.emit('committed', {
        memberId,
        offsets: committed,
        sync: false,
        reason,
        error: failure.message,
        at: Date.now(),
      });
      return;
    }
    this.host.emit('committed', { memberId, offsets: committed, sync: false, reason, at: sent?.at ?? Date.now() });
    // A commit that came due while this one was in flight goes now.
    if (!this.stopped && this.pendingAsync.length === 0 && this.scheduler.isDue()) this.commit('policy', false);
  }

  /** Reads what the group had committed for newly assigned partitions (for lag and the views). */
  seedCommitted(tps: readonly TopicPartition[]): void {
    const consumer = this.host.consumer();
    if (!consumer || tps.length === 0) return;
    consumer.committed(tps, COMMITTED_TIMEOUT_MS).then(
      (offsets) => {
        for (const o of offsets)
          if (o.offset >= 0 && this.queues.get(o.topic, o.partition))
            this.tracker.markCommitted(o.topic, o.partition, o.offset);
      },
      (error: unknown) => this.host.log.debug(`committed offsets unknown: ${String(error)}`),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private armTimer(): void {
    const wait = this.scheduler.msUntilDue();
    if (wait === undefined || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped && this.scheduler.isDue()) this.commit('policy', false);
    }, wait);
  }
}

export function describe(offsets: readonly TopicPartitionOffset[]): string {
  return offsets.map((o) => `${o.topic}[${o.partition}]@${o.offset}`).join(', ');
}
