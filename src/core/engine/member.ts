import type { KafkaConsumer, LibrdKafkaError, Message, TopicPartitionOffsetAndMetadata } from '@confluentinc/kafka-javascript';
import { DeadLetterError } from '../errors';
import type { DeadLetterWriter } from '../dlq/deadLetterWriter';
import type { FailedMessage } from '../dlq/envelope';
import { toLibrdkafkaConfig } from '../kafka/connection';
import { loadNativeClient } from '../kafka/nativeClient';
import type { Logger } from '../logging';
import { type RetryPolicy, backoffDelay, mayRetry } from './backoff';
import { CommitScheduler, type CommitPolicy } from './commitPolicy';
import { Deque } from './deque';
import { classifyFailure, type FailureKind } from './failure';
import { HoldMessage } from './hold';
import { OffsetTracker, partitionKey } from './offsetTracker';
import type {
  CommitEvent,
  ConsumedMessage,
  Decision,
  HandlerContext,
  MemberSnapshot,
  MessageHandler,
  PartitionLag,
  RebalanceEvent,
  SeekTarget,
  SessionConfig,
  SessionEvents,
  SessionMode,
  TopicPartitionOffset,
} from './types';

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
const OFFSET_BEGINNING = -2;
const OFFSET_END = -1;

/** What a member needs from its session: shared settings, the event sink, and the stepping cursor. */
export interface MemberHost {
  readonly config: SessionConfig;
  readonly logger: Logger;
  readonly deadLetters: DeadLetterWriter;
  mode(): SessionMode;
  handler(): MessageHandler | undefined;
  retryPolicy(): RetryPolicy;
  dlqTopicFor(topic: string): string;
  emit<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void;
  /** Stepping: a member has a message that could become the current one. */
  stepCandidateAvailable(): void;
  /** Stepping: the message waiting for a decision was taken away (revoke, seek, stop). */
  awaitingWithdrawn(message: ConsumedMessage): void;
  /** Running: a handler held this message (HoldMessage); it is back at the head of its partition. */
  held(message: ConsumedMessage, hold: HoldMessage): void;
}

type EntryState = 'queued' | 'running' | 'awaiting' | 'retryWait' | 'deadLettering' | 'dlqBlocked' | 'finished';

interface Entry {
  message: ConsumedMessage & { attempts: number };
  readonly partition: PartitionState;
  state: EntryState;
  /** Fetch order across the member, so stepping shows messages in the order they arrived. */
  readonly seq: number;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
  lastError?: unknown;
  /** The error a dead-letter write records (kept for a retry of a blocked write). */
  dlqError?: unknown;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly queue: Deque<Entry>;
  /** Entries taken off the queue and not finished: running, awaiting, in backoff or in the DLQ path. */
  readonly active: Set<Entry>;
  readonly pauseReasons: Set<'backpressure' | 'retry' | 'deadLetter' | 'mode'>;
  paused: boolean;
  revoked: boolean;
  blockedReason?: string;
  /** Next offset to fetch, as far as this member knows (for lag). */
  nextOffset?: number;
  /**
   * The first offset fetched since the assignment (or seek): what the group had committed then, or
   * where auto.offset.reset started it. Lag counts from it until this member commits.
   */
  startOffset?: number;
}

/** Methods the binding has at run time but its type declarations omit. */
type Consumer = KafkaConsumer & {
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
  rebalanceProtocol(): string;
  incrementalAssign(assignments: Array<{ topic: string; partition: number }>): void;
  incrementalUnassign(assignments: Array<{ topic: string; partition: number }>): void;
  assignmentLost(): boolean;
};

let entrySeq = 0;

/**
 * What a handler gets with a message. The abort signal is made on first read: most handlers never
 * read it, and an AbortController per message cost more than the rest of the dispatch (profile of
 * bench/engine.bench.ts). Read while its attempt runs, it is the signal abandon() aborts; read
 * after the attempt is over, it comes already aborted. A class, not an object literal with a
 * getter: such a literal gets a map of its own each time, which floods the old space.
 */
class AttemptContext implements HandlerContext {
  readonly attempt: number;
  readonly #entry: Entry;
  #signal: AbortSignal | undefined;

  constructor(entry: Entry) {
    this.#entry = entry;
    this.attempt = entry.message.attempts;
  }

  get signal(): AbortSignal {
    if (!this.#signal) {
      const entry = this.#entry;
      if (entry.state === 'running' && entry.message.attempts === this.attempt) this.#signal = (entry.controller = new AbortController()).signal;
      else this.#signal = AbortSignal.abort();
    }
    return this.#signal;
  }
}

/**
 * One consumer-group member: a librdkafka consumer, its partitions' queues, the commit watermark,
 * and the decisions taken on its messages. The session owns several and drives their mode.
 */
export class Member {
  readonly id: string;
  private consumer: Consumer | undefined;
  private readonly tracker = new OffsetTracker();
  private readonly scheduler: CommitScheduler;
  private readonly partitions = new Map<string, PartitionState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private rebalanceChain: Promise<void> = Promise.resolve();
  private state: MemberSnapshot['state'] = 'joining';
  private inFlight = 0;
  private buffered = 0;
  private dispatching = false;
  private dispatchAgain = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly concurrency: number;
  private readonly partitionConcurrency: number;
  private readonly maxBuffered: number;
  private readonly drainTimeoutMs: number;
  private readonly unknownErrors: FailureKind;
  private protocol: RebalanceEvent['protocol'] = 'NONE';
  private closing = false;

  constructor(
    private readonly host: MemberHost,
    index: number,
  ) {
    this.id = `member-${index}`;
    this.log = host.logger.child(this.id);
    const config = host.config;
    this.scheduler = new CommitScheduler(config.commitPolicy ?? { kind: 'batch', maxMessages: 500, maxIntervalMs: 5000 });
    this.concurrency = Math.max(1, config.concurrency ?? 1);
    this.partitionConcurrency = Math.max(1, config.partitionConcurrency ?? 1);
    this.maxBuffered = Math.max(1, config.maxBufferedMessages ?? 5000);
    this.drainTimeoutMs = config.drainTimeoutMs ?? 10_000;
    this.unknownErrors = config.unknownErrors ?? 'retriable';
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const kafka = loadNativeClient();
    const config = this.host.config;
    const consumer = new kafka.KafkaConsumer(
      {
        // Prefetch bounded to 16 MiB per member (librdkafka's default is 64 MiB), refilled without
        // the default 1 s queue backoff, which otherwise stalls a consumer whose queue filled up.
        'queued.max.messages.kbytes': 16384,
        'fetch.queue.backoff.ms': 10,
        ...(config.consumerConfig ?? {}),
        ...toLibrdkafkaConfig({ ...config.connection, clientId: config.connection.clientId ?? `kafka-consumer-lab-${this.id}` }),
        'group.id': config.groupId,
        // Commits are decisions: never automatic, and only explicit offsets are committed.
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'partition.assignment.strategy': config.assignmentStrategy ?? 'cooperative-sticky',
        'isolation.level': config.isolationLevel ?? 'read_committed',
        'enable.partition.eof': false,
        rebalance_cb: (err: LibrdKafkaError, assignment: Array<{ topic: string; partition: number }>) => {
          this.rebalanceChain = this.rebalanceChain.then(() => this.onRebalance(err, assignment)).catch((error: unknown) => this.reportError(error));
        },
        offset_commit_cb: (err: LibrdKafkaError | undefined, offsets: TopicPartitionOffset[]) => this.onAsyncCommit(err, offsets),
      } as never,
      { 'auto.offset.reset': config.autoOffsetReset ?? 'earliest' },
    ) as Consumer;
    consumer.on('event.error', (error) => {
      if (!this.closing) this.reportError(new Error(`consumer ${this.id}: ${error.message}`));
    });
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(`consumer ${this.id} could not connect: ${err.message}`)) : resolve())),
    );
    if (this.closing) {
      // Stopped while connecting: never join the group.
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      throw new Error(`consumer ${this.id} was stopped while it connected`);
    }
    this.consumer = consumer;
    consumer.setDefaultConsumeTimeout(100);
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    const topics = config.topics instanceof RegExp ? [config.topics.source.startsWith('^') ? config.topics.source : `^${config.topics.source}`] : [...config.topics];
    consumer.subscribe(topics);
    this.running = true;
    this.loop = this.pollLoop();
  }

  /** Graceful stop: finish or abandon in-flight work, commit what is done, leave the group. */
  async stop(): Promise<void> {
    this.closing = true;
    if (!this.consumer) return;
    this.running = false;
    await this.loop;
    await this.rebalanceChain;
    await this.drain([...this.partitions.values()]);
    this.commit('close', true);
    clearTimeout(this.commitTimer);
    for (const ps of this.partitions.values()) this.abandon(ps);
    const consumer = this.consumer;
    // The consumer stays reachable while it closes: leaving the group revokes the partitions, and
    // librdkafka waits for the revoke to be acknowledged (unassign) before the close completes.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn('the consumer did not close within 15 s; abandoning it');
        resolve();
      }, 15_000);
      consumer.disconnect(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.consumer = undefined;
    this.state = 'stopped';
  }

  // ------------------------------------------------------------------ fetching

  private async pollLoop(): Promise<void> {
    let pending = this.running && this.consumer ? this.consumeBatch() : undefined;
    while (pending) {
      const messages = await pending;
      // The next consume starts before this batch is handled, so the client's thread takes it off
      // librdkafka's queue meanwhile. Still one consume at a time; a consume in flight could
      // already meet any pause, seek or rebalance, and stop() still accepts only the last batch.
      pending = this.running && this.consumer ? this.consumeBatch() : undefined;
      if (messages.length) this.accept(messages);
      if (this.scheduler.isDue()) this.commit('policy', this.scheduler.current.kind === 'perMessage');
      this.armCommitTimer();
    }
  }

  private consumeBatch(): Promise<Message[]> {
    return new Promise<Message[]>((resolve) => {
      this.consumer?.consume(1000, (err, batch) => {
        if (err && this.running) this.reportError(new Error(`consume failed on ${this.id}: ${err.message}`));
        resolve(batch ?? []);
      });
    });
  }

  private accept(messages: Message[]): void {
    let ps: PartitionState | undefined;
    for (const m of messages) {
      // A batch comes in runs of one partition: its state is looked up again only when that changes.
      if (ps === undefined || ps.partition !== m.partition || ps.topic !== m.topic) ps = this.partitions.get(partitionKey(m.topic, m.partition));
      // A message of a partition no longer ours (revoked while the fetch was in flight) is dropped:
      // its next owner fetches it from the committed offset.
      if (!ps || ps.revoked) continue;
      ps.nextOffset = m.offset + 1;
      ps.startOffset ??= m.offset;
      const message = {
        id: `${this.id}/${m.topic}/${m.partition}/${m.offset}`,
        memberId: this.id,
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        timestamp: m.timestamp,
        key: (m.key as Buffer | null | undefined) ?? null,
        value: m.value,
        headers: m.headers,
        size: m.size,
        attempts: 0,
      };
      this.tracker.track(m.topic, m.partition, m.offset);
      ps.queue.push({ message, partition: ps, state: 'queued', seq: entrySeq++ });
      this.buffered++;
      this.host.emit('fetched', message);
    }
    this.dispatch();
    // Backpressure is judged after dispatching, not per message: a handler that keeps up empties
    // the queues within the batch, and each pause makes librdkafka drop the partition's prefetch.
    const limit = this.maxBuffered / Math.max(1, this.partitions.size);
    for (const ps of this.partitions.values()) if (ps.queue.length >= limit) this.addPause(ps, 'backpressure');
  }

  // ------------------------------------------------------------------ dispatching

  /** Re-evaluates what can run now; safe to call from anywhere, never recursive. */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        const mode = this.host.mode();
        if (mode === 'running') this.dispatchRunning();
        else if (mode === 'stepping') this.host.stepCandidateAvailable();
        for (const ps of this.partitions.values()) {
          if (ps.queue.length < Math.max(1, this.maxBuffered / (2 * Math.max(1, this.partitions.size)))) this.removePause(ps, 'backpressure');
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private canStart(ps: PartitionState): boolean {
    return !ps.revoked && ps.queue.length > 0 && ps.active.size < this.partitionConcurrency && ps.blockedReason === undefined;
  }

  private dispatchRunning(): void {
    const handler = this.host.handler();
    if (!handler) return;
    let progressed = true;
    while (progressed && this.inFlight < this.concurrency) {
      progressed = false;
      for (const ps of this.partitions.values()) {
        // A handler may hold a message (and so switch the session to stepping) synchronously.
        while (this.inFlight < this.concurrency && this.canStart(ps) && this.host.mode() === 'running') {
          const entry = ps.queue.shift() as Entry;
          this.buffered--;
          this.runHandler(entry, handler);
          progressed = true;
        }
      }
    }
  }

  private runHandler(entry: Entry, handler: MessageHandler): void {
    entry.state = 'running';
    entry.partition.active.add(entry);
    this.inFlight++;
    entry.message.attempts++;
    let result: void | Promise<void>;
    try {
      result = handler(entry.message, new AttemptContext(entry));
    } catch (error) {
      this.onHandlerDone(entry, error, true);
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => this.onHandlerDone(entry, undefined, false),
        (error: unknown) => this.onHandlerDone(entry, error ?? new Error('handler rejected without a reason'), true),
      );
    } else {
      this.onHandlerDone(entry, undefined, false);
    }
  }

  private onHandlerDone(entry: Entry, error: unknown, failed: boolean): void {
    if (entry.state !== 'running') return; // abandoned (revoke, seek, stop) meanwhile
    this.inFlight--;
    entry.controller = undefined;
    if (!failed) {
      this.finish(entry, 'handled');
      return;
    }
    if (error instanceof HoldMessage) {
      if (!error.afterHandler) entry.message.attempts--;
      else if (error.cause !== undefined) entry.lastError = error.cause;
      entry.state = 'queued';
      entry.partition.active.delete(entry);
      entry.partition.queue.unshift(entry);
      this.buffered++;
      this.host.held(entry.message, error);
      this.dispatch();
      return;
    }
    entry.lastError = error;
    const kind = classifyFailure(error, this.unknownErrors);
    const policy = this.host.retryPolicy();
    this.host.emit('decided', { message: entry.message, decision: 'failed', detail: `${kind}: ${error instanceof Error ? error.message : String(error)}`, at: Date.now() });
    if (kind === 'retriable' && mayRetry(policy, entry.message.attempts)) {
      this.scheduleRetry(entry, backoffDelay(policy, entry.message.attempts));
    } else {
      void this.deadLetter(entry, error);
    }
  }

  // ------------------------------------------------------------------ stepping

  /** The next message this member can show for a decision, without taking it; `preferId` first when it heads a partition. */
  peekStepCandidate(preferId?: string): { seq: number; id: string; take: () => ConsumedMessage } | undefined {
    let best: PartitionState | undefined;
    for (const ps of this.partitions.values()) {
      if (!this.canStart(ps)) continue;
      const head = ps.queue.peek() as Entry;
      if (preferId !== undefined && head.message.id === preferId) {
        best = ps;
        break;
      }
      if (!best || head.seq < (best.queue.peek() as Entry).seq) best = ps;
    }
    if (!best) return undefined;
    const ps = best;
    return {
      seq: (ps.queue.peek() as Entry).seq,
      id: (ps.queue.peek() as Entry).message.id,
      take: () => {
        const entry = ps.queue.shift() as Entry;
        this.buffered--;
        entry.state = 'awaiting';
        ps.active.add(entry);
        this.inFlight++;
        this.dispatch();
        return entry.message;
      },
    };
  }

  /** Puts a message waiting for a decision back at the head of its partition (the mode changed). */
  returnToQueue(messageId: string): void {
    const entry = this.findActive(messageId);
    if (!entry || entry.state !== 'awaiting') return;
    entry.state = 'queued';
    entry.partition.active.delete(entry);
    this.inFlight--;
    entry.partition.queue.unshift(entry);
    this.buffered++;
    this.dispatch();
  }

  private findActive(messageId: string): Entry | undefined {
    for (const ps of this.partitions.values()) {
      for (const entry of ps.active) if (entry.message.id === messageId) return entry;
    }
    return undefined;
  }

  /** A decision on a message waiting for one (stepping), or on a message blocked in the DLQ path. */
  async decide(messageId: string, decision: Decision): Promise<void> {
    const entry = this.findActive(messageId);
    if (!entry || (entry.state !== 'awaiting' && entry.state !== 'dlqBlocked')) {
      throw new Error(`message ${messageId} is not waiting for a decision (it was decided, revoked or sought away)`);
    }
    if (entry.state === 'dlqBlocked') {
      clearTimeout(entry.timer);
      entry.partition.blockedReason = undefined;
      this.removePause(entry.partition, 'deadLetter');
    }
    this.inFlight--;
    switch (decision.kind) {
      case 'ack':
        this.finish(entry, 'ack');
        break;
      case 'commitNow':
        this.finish(entry, 'commitNow');
        this.commit('commitNow', true);
        break;
      case 'skip':
        // Not done: the watermark stays before it, so it is redelivered after a restart.
        entry.state = 'finished';
        entry.partition.active.delete(entry);
        this.host.emit('decided', { message: entry.message, decision: 'skip', detail: 'not marked done: commits stop before it and it is redelivered after a restart', at: Date.now() });
        this.dispatch();
        break;
      case 'retry':
        this.host.emit('decided', { message: entry.message, decision: 'retry', at: Date.now() });
        this.inFlight++;
        entry.partition.active.add(entry);
        this.scheduleRetry(entry, backoffDelay(this.host.retryPolicy(), Math.max(1, entry.message.attempts)));
        break;
      case 'deadLetter':
        this.inFlight++;
        await this.deadLetter(entry, entry.lastError ?? new ManualDeadLetter(decision.reason ?? 'sent to the dead-letter topic by the developer'));
        break;
    }
  }

  // ------------------------------------------------------------------ retry and dead letters

  /** Tries every blocked dead-letter write again now, instead of at its next scheduled retry. */
  retryBlockedDeadLetters(): number {
    let count = 0;
    for (const ps of this.partitions.values()) {
      for (const entry of ps.active) {
        if (entry.state !== 'dlqBlocked') continue;
        clearTimeout(entry.timer);
        count++;
        void this.deadLetter(entry, entry.dlqError);
      }
    }
    return count;
  }

  private scheduleRetry(entry: Entry, delayMs: number): void {
    entry.state = 'retryWait';
    const ps = entry.partition;
    // The partition is paused so the buffer stays small, while the poll loop keeps running:
    // max.poll.interval.ms is never exceeded, however long the backoff.
    this.addPause(ps, 'retry');
    entry.timer = setTimeout(() => {
      if (entry.state !== 'retryWait') return;
      entry.state = 'queued';
      ps.active.delete(entry);
      this.inFlight--;
      ps.queue.unshift(entry);
      this.buffered++;
      if (![...ps.active].some((e) => e.state === 'retryWait')) this.removePause(ps, 'retry');
      this.dispatch();
    }, delayMs);
  }

  private async deadLetter(entry: Entry, error: unknown): Promise<void> {
    entry.state = 'deadLettering';
    entry.dlqError = error;
    const ps = entry.partition;
    const topic = this.host.dlqTopicFor(entry.message.topic);
    const failed: FailedMessage = entry.message;
    try {
      const result = await this.host.deadLetters.write(topic, failed, error, entry.message.attempts);
      if (entry.state !== 'deadLettering') return; // revoked or sought away meanwhile: not committed
      this.host.emit('deadLettered', { message: entry.message, dlqTopic: topic, envelope: result.envelope, at: Date.now() });
      if (ps.blockedReason) ps.blockedReason = undefined;
      this.removePause(ps, 'deadLetter');
      this.inFlight--;
      // Only now, with the DLQ write acknowledged, may the source offset be committed.
      this.finish(entry, 'deadLetter');
    } catch (writeError) {
      if (entry.state !== 'deadLettering') return;
      const reason = writeError instanceof Error ? writeError.message : String(writeError);
      entry.state = 'dlqBlocked';
      ps.blockedReason = reason;
      this.addPause(ps, 'deadLetter');
      this.reportError(writeError instanceof DeadLetterError ? writeError : new DeadLetterError('dlqWriteFailed', reason, { cause: writeError }));
      const retryMs = this.host.config.deadLetter?.retryIntervalMs ?? 5_000;
      entry.timer = setTimeout(() => {
        if (entry.state === 'dlqBlocked' && this.running) void this.deadLetter(entry, error);
      }, retryMs);
    }
  }

  private finish(entry: Entry, how: 'handled' | 'ack' | 'commitNow' | 'deadLetter'): void {
    entry.state = 'finished';
    const ps = entry.partition;
    ps.active.delete(entry);
    if (!ps.revoked && this.partitions.get(ps.key) === ps) {
      this.tracker.complete(ps.topic, ps.partition, entry.message.offset);
      if (how !== 'handled') this.host.emit('decided', { message: entry.message, decision: how, at: Date.now() });
      if (this.scheduler.onCompleted() && how !== 'commitNow') this.commit('policy', this.scheduler.current.kind === 'perMessage');
    }
    this.dispatch();
  }

  // ------------------------------------------------------------------ commits

  /** Commits every partition's watermark that moved. Sync commits block until the broker answers. */
  commit(reason: CommitEvent['reason'], sync: boolean, only?: Set<string>): TopicPartitionOffset[] {
    const consumer = this.consumer;
    if (!consumer) return [];
    const offsets = this.tracker.uncommitted((tp) => {
      const ps = this.partitions.get(partitionKey(tp.topic, tp.partition));
      return !!ps && !ps.revoked && (!only || only.has(ps.key));
    });
    if (offsets.length === 0) {
      if (!only) this.scheduler.committed();
      return [];
    }
    const at = Date.now();
    try {
      if (sync) consumer.commitSync(offsets as TopicPartitionOffsetAndMetadata[]);
      else consumer.commit(offsets as TopicPartitionOffsetAndMetadata[]);
      for (const o of offsets) this.tracker.markCommitted(o.topic, o.partition, o.offset);
      if (!only) this.scheduler.committed();
      if (sync) this.host.emit('committed', { memberId: this.id, offsets, sync, reason, at });
      else this.pendingAsync.push({ offsets, reason, at });
      return offsets;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.host.emit('committed', { memberId: this.id, offsets, sync, reason, error: message, at });
      this.reportError(new Error(`commit of ${describe(offsets)} failed on ${this.id}: ${message}. Nothing is lost: the messages after the last successful commit are redelivered after a restart or rebalance.`));
      return [];
    }
  }

  private readonly pendingAsync: Array<{ offsets: TopicPartitionOffset[]; reason: CommitEvent['reason']; at: number }> = [];

  private onAsyncCommit(err: LibrdKafkaError | undefined, offsets: TopicPartitionOffset[]): void {
    const sent = this.pendingAsync.shift();
    const committed = offsets?.length ? offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })) : (sent?.offsets ?? []);
    if (err && err.code !== -191 /* ERR__NO_OFFSET: nothing to commit */) {
      // The broker did not take it: forget the optimistic mark so the next commit sends it again.
      for (const o of committed) this.tracker.resetCommitted(o.topic, o.partition);
      this.host.emit('committed', { memberId: this.id, offsets: committed, sync: false, reason: sent?.reason ?? 'policy', error: err.message, at: Date.now() });
      return;
    }
    this.host.emit('committed', { memberId: this.id, offsets: committed, sync: false, reason: sent?.reason ?? 'policy', at: sent?.at ?? Date.now() });
  }

  private armCommitTimer(): void {
    const wait = this.scheduler.msUntilDue();
    if (wait === undefined || this.commitTimer) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      if (this.running && this.scheduler.isDue()) this.commit('policy', false);
    }, wait);
  }

  setCommitPolicy(policy: CommitPolicy): void {
    this.scheduler.setPolicy(policy);
  }

  // ------------------------------------------------------------------ rebalances

  private async onRebalance(err: LibrdKafkaError, assignment: Array<{ topic: string; partition: number }>): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.protocol = (consumer.rebalanceProtocol() as RebalanceEvent['protocol']) || 'NONE';
    const cooperative = this.protocol === 'COOPERATIVE';
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    if (err.code === ERR_ASSIGN_PARTITIONS) {
      for (const tp of tps) {
        const key = partitionKey(tp.topic, tp.partition);
        this.partitions.set(key, { ...tp, key, queue: new Deque(), active: new Set(), pauseReasons: new Set(), paused: false, revoked: false });
      }
      if (cooperative) consumer.incrementalAssign(tps);
      else consumer.assign(tps);
      this.state = this.partitions.size > 0 ? 'active' : 'idle';
      this.host.emit('rebalance', { memberId: this.id, kind: 'assign', partitions: tps, protocol: this.protocol, at: Date.now() });
      this.seedCommitted(tps);
      this.dispatch();
    } else if (err.code === ERR_REVOKE_PARTITIONS) {
      const lost = consumer.assignmentLost();
      const states = tps.map((tp) => this.partitions.get(partitionKey(tp.topic, tp.partition))).filter((ps): ps is PartitionState => !!ps);
      this.host.emit('rebalance', { memberId: this.id, kind: lost ? 'lost' : 'revoke', partitions: tps, protocol: this.protocol, at: Date.now() });
      for (const ps of states) {
        this.buffered -= ps.queue.length;
        for (const entry of ps.queue.clear()) entry.state = 'finished';
      }
      if (!lost) {
        // Give in-flight handlers a bounded chance to finish, then commit what is done.
        if (!this.closing) await this.drain(states);
        this.commit('revoke', true, new Set(states.map((ps) => ps.key)));
      }
      for (const ps of states) {
        this.abandon(ps);
        ps.revoked = true;
        this.partitions.delete(ps.key);
        this.tracker.drop(ps.topic, ps.partition);
      }
      try {
        if (cooperative) consumer.incrementalUnassign(tps);
        else consumer.unassign();
      } catch (error) {
        if (!this.closing) this.reportError(error);
      }
      this.state = this.partitions.size > 0 ? 'active' : this.closing ? this.state : 'idle';
      this.dispatch();
    } else {
      this.reportError(new Error(`rebalance failed on ${this.id}: ${err.message}`));
    }
  }

  private seedCommitted(tps: Array<{ topic: string; partition: number }>): void {
    if (!tps.length) return;
    this.consumer?.committed(tps, 5000, (err, offsets) => {
      if (err || !offsets) return;
      for (const o of offsets) {
        if (o.offset !== undefined && o.offset >= 0 && this.partitions.has(partitionKey(o.topic, o.partition))) this.tracker.markCommitted(o.topic, o.partition, o.offset);
      }
    });
  }

  /** Waits (bounded) for work in flight on these partitions; awaiting decisions are not waited for. */
  private async drain(states: PartitionState[]): Promise<void> {
    const deadline = Date.now() + this.drainTimeoutMs;
    const busy = () => states.some((ps) => [...ps.active].some((e) => e.state === 'running' || e.state === 'deadLettering'));
    while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Gives up on a partition's unfinished work: aborted, never committed. */
  private abandon(ps: PartitionState): void {
    for (const entry of ps.active) {
      if (entry.state === 'awaiting') this.host.awaitingWithdrawn(entry.message);
      if (entry.state !== 'finished') this.inFlight--;
      entry.state = 'finished';
      clearTimeout(entry.timer);
      entry.controller?.abort();
    }
    ps.active.clear();
  }

  // ------------------------------------------------------------------ pause, resume, seek

  private addPause(ps: PartitionState, reason: 'backpressure' | 'retry' | 'deadLetter' | 'mode'): void {
    ps.pauseReasons.add(reason);
    if (!ps.paused && this.consumer && !ps.revoked) {
      try {
        this.consumer.pause([{ topic: ps.topic, partition: ps.partition }]);
        ps.paused = true;
      } catch (error) {
        this.log.debug(`pause ${ps.topic}[${ps.partition}] failed: ${String(error)}`);
      }
    }
  }

  private removePause(ps: PartitionState, reason: 'backpressure' | 'retry' | 'deadLetter' | 'mode'): void {
    if (!ps.pauseReasons.delete(reason) || ps.pauseReasons.size > 0) return;
    if (ps.paused && this.consumer && !ps.revoked) {
      try {
        this.consumer.resume([{ topic: ps.topic, partition: ps.partition }]);
      } catch (error) {
        this.log.debug(`resume ${ps.topic}[${ps.partition}] failed: ${String(error)}`);
      }
    }
    ps.paused = false;
  }

  /** Paused mode: stop fetching everywhere (the poll loop keeps the membership alive). */
  setFetching(enabled: boolean): void {
    for (const ps of this.partitions.values()) {
      if (enabled) this.removePause(ps, 'mode');
      else this.addPause(ps, 'mode');
    }
    if (enabled) this.dispatch();
  }

  ownsPartition(topic: string, partition: number): boolean {
    return this.partitions.has(partitionKey(topic, partition));
  }

  /** Moves a partition's fetch position; nothing fetched before the seek is processed or committed. */
  async seek(topic: string, partition: number, target: SeekTarget): Promise<number> {
    const consumer = this.consumer;
    const ps = this.partitions.get(partitionKey(topic, partition));
    if (!consumer || !ps) throw new Error(`${topic}[${partition}] is not assigned to ${this.id}`);
    let offset: number;
    if (target.kind === 'offset') offset = target.offset;
    else if (target.kind === 'beginning') offset = OFFSET_BEGINNING;
    else if (target.kind === 'end') offset = OFFSET_END;
    else {
      offset = await new Promise<number>((resolve, reject) =>
        consumer.offsetsForTimes([{ topic, partition, offset: target.timestamp }], 10_000, (err, result) => (err ? reject(err) : resolve(result[0]?.offset ?? OFFSET_END))),
      );
    }
    this.buffered -= ps.queue.length;
    for (const entry of ps.queue.clear()) entry.state = 'finished';
    this.abandon(ps);
    ps.blockedReason = undefined;
    ps.pauseReasons.delete('retry');
    ps.pauseReasons.delete('deadLetter');
    this.tracker.resetPartition(topic, partition);
    await new Promise<void>((resolve, reject) => consumer.seek({ topic, partition, offset }, 10_000, (err) => (err ? reject(new Error(`seek ${topic}[${partition}] to ${offset} failed: ${err.message}`)) : resolve())));
    if (ps.pauseReasons.size === 0 && ps.paused) this.removePause(ps, 'backpressure');
    ps.nextOffset = offset >= 0 ? offset : undefined;
    ps.startOffset = ps.nextOffset;
    this.dispatch();
    return offset;
  }

  // ------------------------------------------------------------------ introspection

  snapshot(): MemberSnapshot {
    const tracked = new Map(this.tracker.snapshot().map((s) => [partitionKey(s.topic, s.partition), s]));
    return {
      id: this.id,
      state: this.state,
      partitions: [...this.partitions.values()].map((ps) => {
        const t = tracked.get(ps.key);
        const position = t?.position;
        return {
          topic: ps.topic,
          partition: ps.partition,
          position: ps.nextOffset,
          committed: t?.committed,
          doneUncommitted: position !== undefined && (t?.committed === undefined || position > t.committed) ? position : undefined,
          inFlight: ps.active.size,
          buffered: ps.queue.length,
          paused: ps.paused,
          ...(ps.blockedReason ? { blockedReason: ps.blockedReason } : {}),
        };
      }),
    };
  }

  lag(): PartitionLag[] {
    const consumer = this.consumer;
    return [...this.partitions.values()].map((ps) => {
      let high: number | undefined;
      try {
        high = consumer?.getWatermarkOffsets(ps.topic, ps.partition).highOffset;
      } catch {
        high = undefined;
      }
      if (high !== undefined && high < 0) high = undefined;
      const committed = this.tracker.committed(ps.topic, ps.partition);
      const base = committed ?? ps.startOffset;
      return {
        memberId: this.id,
        topic: ps.topic,
        partition: ps.partition,
        position: ps.nextOffset,
        committed,
        highWatermark: high,
        // Group lag: the end minus what the group has committed (or had, when this member started).
        lag: high === undefined || base === undefined ? undefined : Math.max(0, high - base),
      };
    });
  }


  private reportError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.log.warn(err.message);
    this.host.emit('error', { memberId: this.id, error: err, at: Date.now() });
  }
}

/** The reason a developer gave when dead-lettering a message by hand. */
export class ManualDeadLetter extends Error {
  override readonly name = 'ManualDeadLetter';
}

function describe(offsets: readonly TopicPartitionOffset[]): string {
  return offsets.map((o) => `${o.topic}[${o.partition}]@${o.offset}`).join(', ');
}
