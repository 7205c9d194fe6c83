import { buildEnvelope, deadLetterHeaders, type DeadLetterEnvelope } from '../dlq/envelope';
import { DeadLetterError } from '../errors';
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
  MAX_SENDING,
} from './limits';
import { type MemberHost, MemberStopped } from './memberHost';
import { memberLag, memberSnapshot } from './memberViews';
import { PartitionPauses } from './pauses';
import { PartitionQueues, type PartitionState } from './partitionQueues';
import { OutputSendError, OutputTopicMissing } from './outputProducer';
import { type EncodedOutput, type OutputDraft, appendOutputs, needsEncoding, resolveOutputs } from './outputs';
import type { Entry } from './partitionQueues';
import { Rebalancer } from './rebalance';
import { seekPartition } from './seek';
import { MemberStepping, type StepCandidate } from './stepping';
import { Transactions } from './transactions';
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
  /** Exactly-once: this member's transactions (made when it starts). */
  private txn: Transactions | undefined;
  private readonly exactlyOnce: boolean;

  constructor(
    private readonly host: MemberHost,
    private readonly index: number,
  ) {
    this.id = `member-${index}`;
    this.exactlyOnce = host.delivery.delivery === 'exactly-once';
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
        ...(this.exactlyOnce
          ? {
              deadLetterInTransaction: (entry: Entry, topic: string, error: unknown) =>
                this.deadLetterInTransaction(entry, topic, error),
            }
          : {}),
      },
      this.queues,
      this.pauses,
    );
    this.dispatcher = new Dispatcher(
      {
        mode: () => host.mode(),
        handler: () => host.handler(),
        stepCandidateAvailable: () => host.stepCandidateAvailable(),
        handled: (entry) => this.handled(entry),
        failed: (entry, error, again) =>
          this.txn && !again ? this.txn.handlerFailed(entry, error) : this.failures.handlerFailed(entry, error),
        held: (entry, hold) => host.held(entry.message, hold),
      },
      this.queues,
      this.pauses,
      Math.max(1, config.concurrency ?? 1),
      Math.max(1, config.partitionConcurrency ?? 1),
    );
    this.stepping = new MemberStepping(this.queues, this.dispatcher, this.commits, this.failures, emit, (e, how, o) =>
      this.completeStepWithOutputs(e, how, o),
    );
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
        ...(this.exactlyOnce
          ? {
              lost: (states: readonly PartitionState[]) => this.txn?.lost(states) ?? Promise.resolve(),
              assigned: (tps: ReadonlyArray<{ topic: string; partition: number }>) => this.txn?.assigned(tps),
            }
          : {}),
      },
      this.queues,
      this.commits,
    );
  }

  async start(): Promise<void> {
    const config = this.host.config;
    if (this.exactlyOnce) await this.startTransactions();
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
      await this.txn?.close().catch(() => undefined);
      throw new Error(`consumer ${this.id} ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (this.closing) {
      // Stopped while connecting: never join the group.
      await consumer.disconnect(DISCONNECT_TIMEOUT_MS);
      await this.txn?.close().catch(() => undefined);
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
    if (!consumer) {
      await this.txn?.close().catch(() => undefined);
      return;
    }
    this.running = false;
    await this.loop;
    await this.rebalancer.settled();
    const all = [...this.queues.values()];
    await this.rebalancer.drain(all);
    const committing = this.commits.commitBlocking('close');
    if (committing) await committing;
    this.commits.stop();
    for (const ps of all) this.rebalancer.abandon(ps);
    // The consumer stays reachable while it closes: leaving the group revokes the partitions, and
    // librdkafka waits for the revoke to be acknowledged (unassign) before the close completes.
    if (!(await consumer.disconnect(DISCONNECT_TIMEOUT_MS)))
      this.log.warn(`the consumer did not close within ${DISCONNECT_TIMEOUT_MS / 1000} s; abandoning it`);
    await this.txn
      ?.close()
      .catch((error: unknown) => this.log.warn(`closing the transactional producer: ${String(error)}`));
    this.consumer = undefined;
    this.state = 'stopped';
  }

  /** Exactly-once: registers this member's transactional id (fencing an older instance) and opens a transaction. */
  private async startTransactions(): Promise<void> {
    const { transactionalIdPrefix, transactionTimeoutMs } = this.host.delivery;
    const producer = this.host.transactionalProducers({
      connection: this.host.config.connection,
      transactionalId: `${transactionalIdPrefix}-${this.index}`,
      transactionTimeoutMs,
      logger: this.log.child('txn'),
    });
    const txn = new Transactions(
      {
        memberId: this.id,
        log: this.log,
        consumer: () => this.consumer,
        emit: this.host.emit,
        reportError: (error) => this.reportError(error),
        dispatch: () => this.dispatcher.dispatch(),
        fatal: (error) => {
          // Nothing unfinished may complete any more: it is abandoned (uncommitted, delivered again later).
          this.running = false;
          for (const ps of this.queues.values()) {
            ps.revoking = true;
            this.queues.clearQueue(ps);
            this.rebalancer.abandon(ps);
          }
          this.reportError(error);
          this.host.fatal(this.id, error);
        },
        seekBack: (ps, offset) => this.seekBack(ps, offset),
        applyFailurePolicy: (entry, error) => this.failures.handlerFailed(entry, error),
      },
      this.queues,
      this.commits,
      producer,
      transactionTimeoutMs,
    );
    await txn.start();
    this.txn = txn;
    this.commits.useTransactions(txn);
  }

  /**
   * Stepping: the handler ran on the waiting message and produced outputs. A malformed one rejects
   * the decision (the message keeps waiting); otherwise they are sent (at-least-once, the message is
   * done once they are acknowledged) or join the transaction (exactly-once).
   */
  private async completeStepWithOutputs(
    entry: Entry,
    how: 'ack' | 'commitNow',
    records: readonly unknown[],
  ): Promise<void> {
    const drafts: OutputDraft[] = [];
    appendOutputs(drafts, records);
    // A schema key or value that does not fit rejects the decision too (the message keeps waiting).
    const outputs = await resolveOutputs(drafts, this.host.outputSchemas);
    const txn = this.txn;
    if (txn) {
      const missing = await txn.missingTopic(outputs.map((o) => o.topic));
      if (missing !== undefined)
        throw new OutputTopicMissing(
          `the output topic ${missing} does not exist and the broker does not create topics automatically; create it, then decide again`,
        );
      if (entry.state !== 'awaiting' && entry.state !== 'dlqBlocked') return;
      this.queues.transition(entry, 'sending');
      await txn.complete(entry, how, outputs);
      return;
    }
    this.queues.transition(entry, 'sending');
    try {
      await this.host.outputs().send(outputs);
    } catch (error) {
      if (entry.state === 'sending') this.failures.handlerFailed(entry, error);
      throw error;
    }
    if (entry.state === 'sending') this.commits.complete(entry, how);
  }

  /** The handler returned: its outputs are sent (at-least-once) or join the transaction, then the message is done. */
  private handled(entry: Entry): void {
    const drafts = entry.outputs;
    entry.outputs = undefined;
    if (drafts && needsEncoding(drafts)) {
      void this.encodeThenComplete(entry, drafts);
      return;
    }
    this.handledWith(entry, drafts as EncodedOutput[] | undefined);
  }

  /**
   * Schema outputs are encoded through the registry before they join the transaction (or are
   * sent): the message stays running meanwhile, so its partition's order holds. A failure is a
   * failure of the input message (abort, then the retry / dead-letter policy).
   */
  private async encodeThenComplete(entry: Entry, drafts: readonly OutputDraft[]): Promise<void> {
    let outputs: EncodedOutput[];
    try {
      outputs = await resolveOutputs(drafts, this.host.outputSchemas);
    } catch (error) {
      if (entry.state !== 'running') return; // abandoned meanwhile (revoke, seek, stop)
      if (this.txn) this.txn.handlerFailed(entry, error);
      else this.failures.handlerFailed(entry, error);
      return;
    }
    if (entry.state !== 'running') return;
    this.handledWith(entry, outputs);
  }

  private handledWith(entry: Entry, outputs: EncodedOutput[] | undefined): void {
    const txn = this.txn;
    if (txn) {
      if (outputs && !txn.knowsTopics(outputs)) void this.checkTopicsThenComplete(entry, outputs, txn);
      else this.completeInTransaction(entry, outputs, txn);
      return;
    }
    if (outputs && outputs.length > 0) {
      // The worker is free for the next message meanwhile (up to a bound); this one is done (and
      // may be committed) only once the broker has every output.
      if (this.queues.sending < MAX_SENDING) this.queues.transition(entry, 'sending');
      this.host
        .outputs()
        .send(outputs)
        .then(
          () => {
            if (entry.state === 'sending' || entry.state === 'running') this.commits.complete(entry, 'handled');
          },
          (error: unknown) => {
            if (entry.state === 'sending' || entry.state === 'running') this.failures.handlerFailed(entry, error);
          },
        );
      this.dispatcher.dispatch();
      return;
    }
    this.commits.complete(entry, 'handled');
  }

  private completeInTransaction(entry: Entry, outputs: EncodedOutput[] | undefined, txn: Transactions): void {
    const done = txn.complete(entry, 'handled', outputs);
    // A failed producer reported itself (and stops the session); the message stays uncommitted.
    if (typeof done !== 'boolean') done.catch(() => undefined);
  }

  private async checkTopicsThenComplete(entry: Entry, outputs: EncodedOutput[], txn: Transactions): Promise<void> {
    let missing: string | undefined;
    try {
      missing = await txn.missingTopic(outputs.map((o) => o.topic));
    } catch (error) {
      if (entry.state === 'running')
        txn.handlerFailed(
          entry,
          new OutputSendError(`could not read the output topics' metadata: ${(error as Error).message}`, {
            cause: error,
          }),
        );
      return;
    }
    if (entry.state !== 'running') return;
    if (missing !== undefined) {
      txn.handlerFailed(
        entry,
        new OutputTopicMissing(
          `the output topic ${missing} does not exist and the broker does not create topics automatically; create it (the input message goes to the dead-letter topic meanwhile)`,
        ),
      );
      return;
    }
    this.completeInTransaction(entry, outputs, txn);
  }

  /** Exactly-once: the dead letter is an output of the open transaction, committed with the input's offset. */
  private async deadLetterInTransaction(
    entry: Entry,
    topic: string,
    error: unknown,
  ): Promise<DeadLetterEnvelope | undefined> {
    const txn = this.txn;
    if (!txn) throw new DeadLetterError('dlqWriteFailed', 'the session has no transaction to write the dead letter in');
    let missing: string | undefined;
    try {
      missing = await txn.missingTopic([topic]);
    } catch (metadataError) {
      throw new DeadLetterError(
        'dlqWriteFailed',
        `Could not read metadata for the dead-letter topic ${topic}: ${(metadataError as Error).message}. The source message stays uncommitted.`,
        { cause: metadataError },
      );
    }
    if (missing !== undefined)
      throw new DeadLetterError(
        'dlqTopicMissing',
        `The dead-letter topic ${topic} does not exist and the broker does not create topics automatically. Create it; the source message stays uncommitted and its partition is paused until the write succeeds.`,
      );
    if (entry.state !== 'deadLettering') return undefined;
    const envelope = buildEnvelope(entry.message, error, entry.message.attempts);
    const value = Buffer.from(JSON.stringify(envelope));
    const record: EncodedOutput = {
      topic,
      key: entry.message.key,
      value,
      headers: deadLetterHeaders(entry.message, envelope, error),
      size: value.length,
    };
    const done = await txn.complete(entry, 'deadLetter', [record]);
    return done ? envelope : undefined;
  }

  /** Exactly-once, after an abort: the partition goes back to what the last transaction committed. */
  private async seekBack(ps: PartitionState, offset: number): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || ps.revoked) return;
    await seekPartition(
      consumer,
      ps,
      { kind: 'offset', offset },
      {
        queues: this.queues,
        pauses: this.pauses,
        tracker: this.commits.tracker,
        abandon: (p) => this.rebalancer.abandon(p),
      },
    );
    this.dispatcher.dispatch();
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
    const txn = this.txn;
    let ps: PartitionState | undefined;
    for (const r of records) {
      // A batch comes in runs of one partition: its state is looked up again only when that changes.
      if (ps === undefined || ps.partition !== r.partition || ps.topic !== r.topic)
        ps = queues.get(r.topic, r.partition);
      // A record of a partition no longer ours (revoked while the fetch was in flight) is dropped:
      // its next owner fetches it from the committed offset.
      if (!ps || ps.revoked || ps.revoking) continue;
      // A record before the fetch position was delivered again (librdkafka may refetch a paused
      // partition from an older position while a consume was in flight): this member already
      // holds it, so it is not queued twice. Nothing is lost: the original is in flight or done.
      if (ps.nextOffset !== undefined && r.offset < ps.nextOffset) continue;
      ps.nextOffset = r.offset + 1;
      ps.startOffset ??= r.offset;
      this.commits.track(ps, r.offset);
      const entry = queues.enqueue(ps, r);
      if (txn) txn.fetched(entry);
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
    this.txn?.sought(ps);
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
    const snapshot = memberSnapshot(this.id, this.state, this.queues, this.commits.tracker);
    return this.txn ? { ...snapshot, transaction: this.txn.snapshot() } : snapshot;
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
