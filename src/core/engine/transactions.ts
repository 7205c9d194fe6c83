import type { Logger } from '../logging';
import type { Commits, Completion } from './commits';
import type { ConsumerPort } from './consumerPort';
import { BROKER_CALL_TIMEOUT_MS, MAX_SENDING } from './limits';
import type { TransactionalProducerPort } from './outputProducer';
import type { EncodedOutput } from './outputs';
import type { Entry, PartitionQueues, PartitionState } from './partitionQueues';
import { type TransactionError, classifyTransactionError } from './transactionErrors';
import type {
  SessionEvents,
  TopicPartitionOffset,
  TransactionAbortCause,
  TransactionEvent,
  TransactionSnapshot,
} from './types';

export interface TransactionsHost {
  readonly memberId: string;
  readonly log: Logger;
  consumer(): ConsumerPort | undefined;
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void;
  reportError(error: Error): void;
  dispatch(): void;
  /** The producer cannot go on (fenced, epoch gone, timed out): the session stops. */
  fatal(error: TransactionError): void;
  /** Moves a partition's fetch position back; what was fetched after it is dropped. */
  seekBack(ps: PartitionState, offset: number): Promise<void>;
  /** Applies the retry / dead-letter policy to a failed message now (nothing to abort). */
  applyFailurePolicy(entry: Entry, error: unknown): void;
}

type TxnState = 'starting' | 'open' | 'committing' | 'aborting' | 'failed' | 'closed';

interface Deferred {
  readonly entry: Entry;
  readonly how: Completion;
  readonly outputs: readonly EncodedOutput[];
  readonly resolve: (done: boolean) => void;
  readonly reject: (error: Error) => void;
}

/** Where a message stands across a seek-back: remembered by topic, partition and offset. */
const idOf = (topic: string, partition: number, offset: number): string => `${topic}\u0000${partition}\u0000${offset}`;

/**
 * One member's exactly-once transactions (consume-transform-produce). The handler's outputs go
 * into the open transaction, and a commit adds the members' done watermarks with the consumer's
 * group metadata (sendOffsetsToTransaction) and commits both at once; the commit policy decides
 * when (every N messages or T ms). A handler failure aborts: every partition goes back to what the
 * last transaction committed, the messages since are delivered again, and the failed one then meets
 * the retry / dead-letter policy (a dead letter is written inside the transaction). Operations on
 * the producer run one at a time; outputs that complete while a commit or an abort is under way
 * wait for the next transaction.
 */
export class Transactions {
  private state: TxnState = 'starting';
  private chain: Promise<void> = Promise.resolve();
  private openedAt = 0;
  /** Messages completed and outputs produced since the last commit took its offsets. */
  private messages = 0;
  private outputs = 0;
  private deferred: Deferred[] = [];
  /** Per partition key: the offset the last committed transaction stored (where an abort rewinds to). */
  private readonly committedAt = new Map<string, number>();
  /** Messages whose handler failed in an aborted transaction: the policy meets them when they come again. */
  private readonly failedBefore = new Map<string, { attempts: number; error: unknown }>();
  private readonly knownTopics = new Set<string>();
  /** A commit was asked for: outputs completing from now on wait for the next transaction. */
  private batchClosed = false;
  private commitsDone = 0;
  private abortsDone = 0;

  constructor(
    private readonly host: TransactionsHost,
    private readonly queues: PartitionQueues,
    private readonly commits: Commits,
    private readonly producer: TransactionalProducerPort,
    private readonly transactionTimeoutMs: number,
  ) {}

  get transactionalId(): string {
    return this.producer.transactionalId;
  }

  /** Registers the producer's transactional id (fencing any older instance) and opens the first transaction. */
  async start(): Promise<void> {
    try {
      await this.producer.init(BROKER_CALL_TIMEOUT_MS * 3);
    } catch (error) {
      this.state = 'failed';
      await this.producer.close().catch(() => undefined);
      throw this.classify(error, 'initTransactions');
    }
    await this.beginNext();
    if (this.state !== 'open') throw new Error(`the first transaction of ${this.transactionalId} did not begin`);
  }

  snapshot(): TransactionSnapshot {
    return {
      transactionalId: this.transactionalId,
      state: this.state,
      messages: this.messages,
      outputs: this.outputs,
      openSince: this.state === 'open' || this.state === 'committing' ? this.openedAt : undefined,
      commits: this.commitsDone,
      aborts: this.abortsDone,
    };
  }

  /** Whether every output's topic is known to exist (so completion can go on at once). */
  knowsTopics(outputs: readonly EncodedOutput[]): boolean {
    for (const o of outputs) if (!this.knownTopics.has(o.topic)) return false;
    return true;
  }

  /** The first topic that does not exist; a missing topic inside a transaction would only fail its commit. */
  async missingTopic(topics: readonly string[]): Promise<string | undefined> {
    for (const topic of topics) {
      if (this.knownTopics.has(topic)) continue;
      if (!(await this.producer.topicExists(topic, BROKER_CALL_TIMEOUT_MS))) return topic;
      this.knownTopics.add(topic);
    }
    return undefined;
  }

  /**
   * The message is done: its outputs join the open transaction and its offset the watermark the
   * next commit sends. Without outputs it is marked done at once. Returns (or resolves, when it
   * had to wait for the next transaction) whether it was marked done: not when it was abandoned
   * meanwhile or its outputs could not be produced (then everything since the last commit goes
   * again); rejects if the producer failed.
   */
  complete(entry: Entry, how: Completion, outputs: readonly EncodedOutput[] | undefined): boolean | Promise<boolean> {
    if (!outputs || outputs.length === 0) {
      this.messages++;
      this.commits.complete(entry, how);
      return true;
    }
    if (this.state === 'open' && !this.batchClosed) return this.produce(entry, how, outputs);
    if (this.state === 'failed' || this.state === 'closed')
      return Promise.reject(new Error(`the transactional producer ${this.transactionalId} is ${this.state}`));
    // While the commit is under way the worker goes on with the next message (a handled one waits
    // as `sending`), up to a bound: then it waits too.
    if (entry.state === 'running' && this.queues.sending < MAX_SENDING) {
      this.queues.transition(entry, 'sending');
      this.host.dispatch();
    }
    return new Promise<boolean>((resolve, reject) => this.deferred.push({ entry, how, outputs, resolve, reject }));
  }

  /** A message fetched again after an abort: it carries its attempts and error, for the policy. */
  fetched(entry: Entry): void {
    if (this.failedBefore.size === 0) return;
    const m = entry.message;
    const id = idOf(m.topic, m.partition, m.offset);
    const before = this.failedBefore.get(id);
    if (!before) return;
    this.failedBefore.delete(id);
    m.attempts = before.attempts;
    entry.lastError = before.error;
    entry.failedBefore = before.error;
  }

  /** The handler failed on a running message: abort (when the transaction holds anything) and rewind. */
  handlerFailed(entry: Entry, error: unknown): void {
    void this.enqueue(async () => {
      if (entry.state !== 'running') return;
      if (this.state !== 'open') return;
      if (this.messages === 0 && this.outputs === 0) {
        // Nothing to take back: the policy decides at once.
        this.host.applyFailurePolicy(entry, error);
        return;
      }
      const m = entry.message;
      this.failedBefore.set(idOf(m.topic, m.partition, m.offset), { attempts: m.attempts, error });
      await this.abortAndRewind('handler failure', new Set());
    });
  }

  /** Commits the open transaction with the done watermarks; resolves when it is committed (or aborted). */
  commit(reason: TransactionEvent['reason']): Promise<void> {
    // The batch ends here, not when the commit gets its turn: a synchronous handler would
    // otherwise keep adding to it until then.
    if (this.state === 'open' && (this.messages > 0 || this.outputs > 0)) this.batchClosed = true;
    return this.enqueue(() => this.commitNow(reason));
  }

  /** Partitions were lost: nothing of theirs may be committed, so the whole transaction aborts. */
  lost(states: readonly PartitionState[]): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'open') return;
      if (this.messages === 0 && this.outputs === 0) return;
      await this.abortAndRewind('partitions lost', new Set(states.map((ps) => ps.key)));
    });
  }

  /** New partitions: what an earlier owner committed is not ours to rewind to. */
  assigned(tps: ReadonlyArray<{ topic: string; partition: number }>): void {
    for (const tp of tps) this.committedAt.delete(`${tp.topic}\u0000${tp.partition}`);
  }

  /** A seek by hand: the partition rewinds to where it was sought, not to an older commit. */
  sought(ps: PartitionState): void {
    this.committedAt.delete(ps.key);
  }

  /** After the final commit: aborts whatever is still open and closes the producer. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state === 'open' && (this.messages > 0 || this.outputs > 0)) {
        await this.producer.abort(BROKER_CALL_TIMEOUT_MS).catch(() => undefined);
      }
      this.state = 'closed';
      this.rejectDeferred(new Error('the session stopped'));
      await this.producer.close();
    });
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.chain.then(operation).catch((error: unknown) => {
      this.host.reportError(error instanceof Error ? error : new Error(String(error)));
    });
    this.chain = next;
    return next;
  }

  private produce(entry: Entry, how: Completion, outputs: readonly EncodedOutput[]): boolean {
    try {
      for (const o of outputs) {
        this.producer.produce(o);
        this.outputs++;
      }
    } catch (error) {
      // Some of its outputs may be in the transaction: take all of it back and go again.
      this.outputs++;
      this.host.reportError(this.classify(error, 'produce'));
      void this.enqueue(() =>
        this.state === 'open' ? this.abortAndRewind('produce failed', new Set()) : Promise.resolve(),
      );
      return false;
    }
    this.messages++;
    this.commits.complete(entry, how);
    return true;
  }

  private async commitNow(reason: TransactionEvent['reason']): Promise<void> {
    if (this.state !== 'open') return;
    const consumer = this.host.consumer();
    const offsets: TopicPartitionOffset[] = this.commits.tracker.uncommitted((tp) => {
      const ps = this.queues.get(tp.topic, tp.partition);
      return !!ps && !ps.revoked;
    });
    const messages = this.messages;
    const outputs = this.outputs;
    if (offsets.length === 0 && outputs === 0) {
      this.reopenBatch();
      return;
    }
    this.state = 'committing';
    this.messages = 0;
    this.outputs = 0;
    const at = Date.now();
    try {
      if (offsets.length > 0) {
        if (!consumer?.nativeHandle) throw new Error('the consumer has no group metadata to send');
        await this.producer.sendOffsets(offsets, consumer.nativeHandle(), BROKER_CALL_TIMEOUT_MS);
      }
      await this.producer.commit(BROKER_CALL_TIMEOUT_MS * 3);
    } catch (error) {
      const failure = this.classify(
        error,
        offsets.length ? 'sendOffsetsToTransaction / commitTransaction' : 'commitTransaction',
      );
      this.host.emit('committed', {
        memberId: this.host.memberId,
        offsets,
        sync: true,
        reason: reason === 'abort' ? 'policy' : reason,
        error: failure.message,
        at,
      });
      if (failure.fatal) {
        this.fail(failure);
        return;
      }
      this.host.reportError(failure);
      this.state = 'open';
      await this.abortAndRewind('commit failed', new Set());
      return;
    }
    for (const o of offsets) {
      this.commits.tracker.markCommitted(o.topic, o.partition, o.offset);
      this.committedAt.set(`${o.topic}\u0000${o.partition}`, o.offset);
    }
    this.commitsDone++;
    const memberId = this.host.memberId;
    this.host.emit('committed', { memberId, offsets, sync: true, reason: reason === 'abort' ? 'policy' : reason, at });
    this.host.emit('transaction', {
      memberId,
      transactionalId: this.transactionalId,
      kind: 'commit',
      reason,
      messages,
      outputs,
      openForMs: at - this.openedAt,
      offsets,
      at: Date.now(),
    });
    await this.beginNext();
  }

  /**
   * Aborts the open transaction and moves every partition (but `skip`, being given up) back to
   * where the last committed transaction left it: everything after is delivered again.
   */
  private async abortAndRewind(why: TransactionAbortCause, skip: ReadonlySet<string>): Promise<void> {
    const messages = this.messages;
    const outputs = this.outputs;
    const openForMs = Date.now() - this.openedAt;
    this.state = 'aborting';
    this.messages = 0;
    this.outputs = 0;
    try {
      await this.producer.abort(BROKER_CALL_TIMEOUT_MS * 3);
    } catch (error) {
      const failure = this.classify(error, 'abortTransaction', openForMs);
      if (failure.fatal) {
        this.fail(failure);
        return;
      }
      this.host.reportError(failure);
    }
    this.abortsDone++;
    this.host.emit('transaction', {
      memberId: this.host.memberId,
      transactionalId: this.transactionalId,
      kind: 'abort',
      reason: 'abort',
      detail: why,
      messages,
      outputs,
      openForMs,
      at: Date.now(),
    });
    for (const ps of [...this.queues.values()]) {
      if (ps.revoked || skip.has(ps.key)) continue;
      const target = this.committedAt.get(ps.key) ?? ps.startOffset;
      if (target === undefined) continue;
      try {
        await this.host.seekBack(ps, target);
      } catch (error) {
        this.host.reportError(
          new Error(
            `${ps.topic}[${ps.partition}] could not be moved back to ${target} after the abort: ${(error as Error).message}. Stop the session: its messages since the last commit would otherwise be skipped.`,
          ),
        );
      }
    }
    await this.beginNext();
  }

  private async beginNext(): Promise<void> {
    try {
      await this.producer.begin();
    } catch (error) {
      this.fail(this.classify(error, 'beginTransaction'));
      return;
    }
    this.state = 'open';
    this.openedAt = Date.now();
    this.reopenBatch();
  }

  /** Outputs that waited for the next transaction go into it now. */
  private reopenBatch(): void {
    this.batchClosed = false;
    if (this.state !== 'open') return;
    const waiting = this.deferred;
    this.deferred = [];
    for (const d of waiting) {
      // Abandoned meanwhile (revoke, seek, abort): delivered again later.
      const state = d.entry.state;
      if (state !== 'running' && state !== 'sending' && state !== 'deadLettering') d.resolve(false);
      // The batch filled up (or the producer failed) while these went in: the rest wait again.
      else if (this.state !== 'open' || this.batchClosed) this.deferred.push(d);
      else d.resolve(this.produce(d.entry, d.how, d.outputs));
    }
  }

  private fail(error: TransactionError): void {
    this.state = 'failed';
    this.rejectDeferred(error);
    this.host.fatal(error);
  }

  private rejectDeferred(error: Error): void {
    const waiting = this.deferred;
    this.deferred = [];
    for (const d of waiting) d.reject(error);
  }

  private classify(error: unknown, operation: string, openForMs?: number): TransactionError {
    return classifyTransactionError(error, {
      transactionalId: this.transactionalId,
      operation,
      openForMs: openForMs ?? (this.openedAt ? Date.now() - this.openedAt : undefined),
      transactionTimeoutMs: this.transactionTimeoutMs,
    });
  }
}
