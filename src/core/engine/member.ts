import type { Logger } from '../logging';
import { type CommitPolicy, defaultBatchPolicy } from './commitPolicy';
import { Commits } from './commits';
import { type ConsumerPort, type FetchedRecord, consumerSettings } from './consumerPort';
import { Dispatcher } from './dispatcher';
import { FailurePath } from './failurePath';
import { resolveGroupProtocol } from './groupProtocol';
import {
  CONNECT_TIMEOUT_MS,
  CONSUME_BATCH,
  DEFAULT_DLQ_RETRY_INTERVAL_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED,
  DISCONNECT_TIMEOUT_MS,
} from './limits';
import { type MemberHost, MemberStopped } from './memberHost';
import { memberLag, memberSnapshot } from './memberViews';
import { PartitionPauses } from './pauses';
import { PartitionQueues, type PartitionState } from './partitionQueues';
import { Rebalancer } from './rebalance';
import { seekPartition } from './seek';
import { MemberStepping, type StepCandidate } from './stepping';
import type { CommitEvent, Decision, MemberSnapshot, PartitionLag, SeekTarget, TopicPartitionOffset } from './types';

/**
 * One consumer-group member: its consumer's lifecycle and fetch loop, seeks and what the views
 * read. The work is done by its parts: the partition queues (message states and counters), the
 * dispatcher (running), stepping, the failure path (retry, DLQ), commits and rebalances.
 */
export class Member {
  readonly id: string;
  private consumer: ConsumerPort | undefined;
  private readonly log: Logger;
  private readonly queues: PartitionQueues;
  private readonly pauses: PartitionPauses;
  private readonly commits: Commits;
  private readonly failures: FailurePath;
  private readonly dispatcher: Dispatcher;
  private readonly stepping: MemberStepping;
  private readonly rebalancer: Rebalancer;
  private running = false;
  private closing = false;
  private loop: Promise<void> | undefined;
  private state: MemberSnapshot['state'] = 'joining';

  constructor(
    private readonly host: MemberHost,
    index: number,
  ) {
    this.id = `member-${index}`;
    const log = (this.log = host.logger.child(this.id));
    const config = host.config;
    const emit = host.emit;
    const consumer = () => this.consumer;
    const reportError = (error: unknown) => this.reportError(error);
    const dispatch = () => this.dispatcher.dispatch();
    this.queues = new PartitionQueues(this.id);
    this.pauses = new PartitionPauses(
      consumer,
      this.queues,
      Math.max(1, config.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED),
      log,
    );
    this.commits = new Commits(
      { memberId: this.id, log, consumer, emit, reportError, dispatch },
      this.queues,
      config.commitPolicy ?? defaultBatchPolicy,
    );
    const complete = this.commits.complete.bind(this.commits);
    this.failures = new FailurePath(
      {
        deadLetters: host.deadLetters,
        unknownErrors: config.unknownErrors ?? 'retriable',
        dlqRetryIntervalMs: config.deadLetter?.retryIntervalMs ?? DEFAULT_DLQ_RETRY_INTERVAL_MS,
        retryPolicy: () => host.retryPolicy(),
        dlqTopicFor: (topic) => host.dlqTopicFor(topic),
        running: () => this.running,
        emit,
        reportError,
        complete,
        dispatch,
      },
      this.queues,
      this.pauses,
    );
    this.dispatcher = new Dispatcher(
      {
        mode: () => host.mode(),
        handler: () => host.handler(),
        stepCandidateAvailable: () => host.stepCandidateAvailable(),
        handled: (entry) => complete(entry, 'handled'),
        failed: (entry, error) => this.failures.handlerFailed(entry, error),
        held: (entry, hold) => host.held(entry.message, hold),
      },
      this.queues,
      this.pauses,
      Math.max(1, config.concurrency ?? 1),
      Math.max(1, config.partitionConcurrency ?? 1),
    );
    this.stepping = new MemberStepping(this.queues, this.dispatcher, this.commits, this.failures, emit);
    this.rebalancer = new Rebalancer(
      {
        memberId: this.id,
        groupProtocol: resolveGroupProtocol(config),
        drainTimeoutMs: config.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
        consumer,
        closing: () => this.closing,
        setState: (state) => (this.state = state),
        state: () => this.state,
        emit,
        reportError,
        awaitingWithdrawn: (message) => host.awaitingWithdrawn(message),
        dispatch,
      },
      this.queues,
      this.commits,
    );
  }

  async start(): Promise<void> {
    const config = this.host.config;
    const consumer = this.host.consumers(consumerSettings(config, `kafka-consumer-lab-${this.id}`), {
      rebalance: (kind, partitions) => this.rebalancer.onRebalance(kind, partitions),
      rebalanceFailed: (error) => this.reportError(new Error(`${this.id}: ${error.message}`)),
      asyncCommitDone: (failure, offsets) => this.commits.asyncDone(failure, offsets),
      error: (error) => {
        if (!this.closing) this.reportError(new Error(`consumer ${this.id}: ${error.message}`));
      },
    });
    try {
      await consumer.connect(CONNECT_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`consumer ${this.id} ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (this.closing) {
      // Stopped while connecting: never join the group.
      await consumer.disconnect(DISCONNECT_TIMEOUT_MS);
      throw new MemberStopped(`consumer ${this.id} was stopped while it connected`);
    }
    this.consumer = consumer;
    const topics =
      config.topics instanceof RegExp
        ? [config.topics.source.startsWith('^') ? config.topics.source : `^${config.topics.source}`]
        : [...config.topics];
    consumer.subscribe(topics);
    this.running = true;
    this.loop = this.pollLoop(consumer);
  }

  /** Graceful stop: finish or abandon in-flight work, commit what is done, leave the group. */
  async stop(): Promise<void> {
    this.closing = true;
    const consumer = this.consumer;
    if (!consumer) return;
    this.running = false;
    await this.loop;
    await this.rebalancer.settled();
    const all = [...this.queues.values()];
    await this.rebalancer.drain(all);
    this.commits.commit('close', true);
    this.commits.stop();
    for (const ps of all) this.rebalancer.abandon(ps);
    // The consumer stays reachable while it closes: leaving the group revokes the partitions, and
    // librdkafka waits for the revoke to be acknowledged (unassign) before the close completes.
    if (!(await consumer.disconnect(DISCONNECT_TIMEOUT_MS)))
      this.log.warn(`the consumer did not close within ${DISCONNECT_TIMEOUT_MS / 1000} s; abandoning it`);
    this.consumer = undefined;
    this.state = 'stopped';
  }

  private async pollLoop(consumer: ConsumerPort): Promise<void> {
    let pending = this.running ? consumer.consume(CONSUME_BATCH) : undefined;
    while (pending) {
      const records = await pending;
      // The next consume starts before this batch is handled, so the client's thread takes it off
      // librdkafka's queue meanwhile. Still one consume at a time; a consume in flight could
      // already meet any pause, seek or rebalance, and stop() still accepts only the last batch.
      pending = this.running ? consumer.consume(CONSUME_BATCH) : undefined;
      if (records.length) this.accept(records);
      this.commits.afterFetch();
    }
  }

  private accept(records: readonly FetchedRecord[]): void {
    const queues = this.queues;
    const emit = this.host.listens('fetched') ? this.host.emit : undefined;
    let ps: PartitionState | undefined;
    for (const r of records) {
      // A batch comes in runs of one partition: its state is looked up again only when that changes.
      if (ps === undefined || ps.partition !== r.partition || ps.topic !== r.topic)
        ps = queues.get(r.topic, r.partition);
      // A record of a partition no longer ours (revoked while the fetch was in flight) is dropped:
      // its next owner fetches it from the committed offset.
      if (!ps || ps.revoked) continue;
      // A record before the fetch position was delivered again (librdkafka may refetch a paused
      // partition from an older position while a consume was in flight): this member already
      // holds it, so it is not queued twice. Nothing is lost: the original is in flight or done.
      if (ps.nextOffset !== undefined && r.offset < ps.nextOffset) continue;
      ps.nextOffset = r.offset + 1;
      ps.startOffset ??= r.offset;
      this.commits.track(ps, r.offset);
      const entry = queues.enqueue(ps, r);
      if (emit) emit('fetched', entry.message);
    }
    this.dispatcher.dispatch();
    this.pauses.applyBackpressure();
  }

  dispatch(): void {
    this.dispatcher.dispatch();
  }

  peekStepCandidate(preferId?: string): StepCandidate | undefined {
    return this.stepping.peek(preferId);
  }

  returnToQueue(messageId: string): void {
    this.stepping.returnToQueue(messageId);
  }

  decide(messageId: string, decision: Decision): Promise<void> {
    return this.stepping.decide(messageId, decision);
  }

  retryBlockedDeadLetters(): number {
    return this.failures.retryBlocked();
  }

  commit(reason: CommitEvent['reason'], sync: boolean): TopicPartitionOffset[] {
    return this.commits.commit(reason, sync);
  }

  setCommitPolicy(policy: CommitPolicy): void {
    this.commits.setPolicy(policy);
  }

  /** Paused mode: stop fetching everywhere (the poll loop keeps the membership alive). */
  setFetching(enabled: boolean): void {
    this.pauses.setFetching(enabled);
    if (enabled) this.dispatcher.dispatch();
  }

  ownsPartition(topic: string, partition: number): boolean {
    return this.queues.get(topic, partition) !== undefined;
  }

  /** Moves a partition's fetch position; nothing fetched before the seek is processed or committed. */
  async seek(topic: string, partition: number, target: SeekTarget): Promise<number> {
    const consumer = this.consumer;
    const ps = this.queues.get(topic, partition);
    if (!consumer || !ps) throw new Error(`${topic}[${partition}] is not assigned to ${this.id}`);
    const offset = await seekPartition(consumer, ps, target, {
      queues: this.queues,
      pauses: this.pauses,
      tracker: this.commits.tracker,
      abandon: (p) => this.rebalancer.abandon(p),
    });
    this.dispatcher.dispatch();
    return offset;
  }

  snapshot(): MemberSnapshot {
    return memberSnapshot(this.id, this.state, this.queues, this.commits.tracker);
  }

  lag(): PartitionLag[] {
    return memberLag(this.id, this.queues, this.commits.tracker, this.consumer);
  }

  private reportError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.log.warn(err.message);
    this.host.emit('error', { memberId: this.id, error: err, at: Date.now() });
  }
}
