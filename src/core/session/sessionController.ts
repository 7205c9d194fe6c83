import { EventEmitter } from 'node:events';
import type { PayloadDecoder } from '../codec/payloadDecoder';
import { PayloadEncoder } from '../codec/payloadEncoder';
import { RegistryOutputEncoder } from './registryOutputEncoder';
import { defaultDeadLetterTopic } from '../dlq/deadLetterWriter';
import type { CommitPolicy } from '../engine/commitPolicy';
import { DEFAULT_DEAD_LETTER_REASON } from '../engine/failurePath';
import { ConsumerSession, type SessionOptions } from '../engine/session';
import type {
  DeliveryGuarantee,
  GroupProtocol,
  MessageHandler,
  PartitionLag,
  SeekTarget,
  SessionMode,
  SessionSnapshot,
} from '../engine/types';
import type { GroupType } from '../kafka/groupInfo';
import { DeadLetterError } from '../errors';
import type { ClusterConnection } from '../kafka/connection';
import { type Logger, silentLogger } from '../logging';
import type { MessageView, TimestampType } from './messageView';
import { builtInHandlers, createHandler, type HandlerFactory, type SessionHandler } from './handlerFactory';
import { copyToOutputs } from './copyHandler';
import type { OutputRecord } from '../engine/outputs';
import { describeRunUntil, type RunUntilCondition } from './runUntil';
import { withRunUntil } from './runUntilHandler';
import { stepThroughHandler } from './handlerStep';
import { type ReplayOutcome, replayIntoHandler } from './handlerReplay';
import { REBALANCE_SETTLE_MS, SessionLog } from './sessionLog';
import { SessionDecoding } from './sessionDecoding';
import {
  COMMIT_LOG_LIMIT,
  HISTORY_LIMIT,
  type HistoryEntry,
  type PanelAction,
  type PanelNotice,
  type PanelSessionState,
  type PanelState,
} from './panelState';
import type { TimelineEntry } from './sessionLog';

export type { TimelineEntry } from './sessionLog';

/** What the developer chose when starting a session (all plain data: it is also what the start flow builds). */
export interface SessionSpec {
  readonly clusterId: string;
  readonly clusterName: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group without committed offsets starts. */
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly mode: 'stepping' | 'running';
  /** The built-in handler: nothing, one log line per message, or a copy of each to the output topics. */
  readonly handler: 'noop' | 'log' | 'copy';
  /** The topics the handler writes to (the copying handler's targets); the start flow checks they exist. */
  readonly outputTopics?: readonly string[];
  readonly commitPolicy: CommitPolicy;
  /** Default at-least-once; exactly-once commits outputs and offsets in one transaction per batch. */
  readonly delivery?: DeliveryGuarantee;
  readonly transactionalIdPrefix?: string;
  readonly transactionTimeoutMs?: number;
  /** The dead-letter topic; `{topic}` stands for the source topic. Default `{topic}.dead-letter`. */
  readonly dlqTopic?: string;
  readonly members: number;
  /** The consumer group protocol: classic (default) or consumer (KIP-848, Kafka 4.0+). */
  readonly groupProtocol?: GroupProtocol;
  /** Messages in flight at once per member, and within one partition (the guide's thread pool). */
  readonly concurrency?: number;
  readonly partitionConcurrency?: number;
  /** Extra librdkafka consumer properties (e.g. max.poll.interval.ms); commits stay manual whatever they say. */
  readonly consumerConfig?: Readonly<Record<string, string | number | boolean>>;
}

export interface SessionControllerEvents {
  /** Something the views show changed (coalesced by the views). */
  changed: [];
  /** A problem the developer should hear about: a DLQ write failure, a lost partition, a client error. */
  problem: [SessionProblem];
}

export interface SessionProblem {
  readonly kind: 'deadLetterFailed' | 'partitionsLost' | 'clientError' | 'decodeFailed';
  readonly message: string;
  /** The message a DLQ write failed for (its dead-letter decision can be retried). */
  readonly messageId?: string;
}

export function dlqTopicFor(template: string | undefined, topic: string): string {
  return template ? template.split('{topic}').join(topic) : defaultDeadLetterTopic(topic);
}

/**
 * One consumer session as the UI sees it: the engine session, the decoded current message, the
 * history of decisions, the last commits, the rebalance timeline and "run until". It never commits
 * anything on its own: commits come from the engine, after a decision or a handled message.
 */
export class SessionController extends EventEmitter<SessionControllerEvents> {
  readonly session: ConsumerSession;
  private readonly logger: Logger;
  private readonly decoding: SessionDecoding;
  private readonly log = new SessionLog();
  private noticeValue: PanelNotice | undefined;
  private runUntilValue: { condition: RunUntilCondition; scanned: number } | undefined;
  private failure: string | undefined;
  private resumeMode: 'stepping' | 'running';
  private lagRows: PartitionLag[] = [];
  private settleTimer: NodeJS.Timeout | undefined;
  /** Stepping with a handler: its last failure on a waiting message, which a dead-letter decision records. */
  private readonly handlerErrors = new Map<string, unknown>();
  /** The handler the factory made for this session: it runs in running mode, and is closed on stop. */
  private made: SessionHandler | undefined;
  private readonly stopped = new AbortController();
  private reportedGroupTypeValue: GroupType | undefined;

  constructor(
    readonly id: string,
    readonly spec: SessionSpec,
    private readonly deps: {
      connection: ClusterConnection;
      decoder: PayloadDecoder;
      /** Encodes handler outputs that ask for a registry schema; without a registry such outputs fail their input. */
      encoder?: PayloadEncoder;
      logger?: Logger;
      clock?: () => number;
      /** Each topic's message.timestamp.type (the client does not report it per record); best effort. */
      timestampTypes?: (topics: readonly string[]) => Promise<ReadonlyMap<string, TimestampType>>;
      /** The developer's own handler (a handler process); without it, spec.handler's built-in one runs. */
      handler?: MessageHandler;
      /** Makes the session's handler when it starts (and it is closed when the session stops); built-in ones by default. */
      handlers?: HandlerFactory;
      /** The engine's consumers and DLQ writer (librdkafka by default; unit tests pass fakes). */
      engine?: Pick<SessionOptions, 'consumers' | 'deadLetters'>;
    },
  ) {
    super();
    this.logger = (deps.logger ?? silentLogger).child(`session ${spec.groupId}`);
    this.decoding = new SessionDecoding(deps.decoder, this.logger);
    this.resumeMode = spec.mode;
    this.session = new ConsumerSession(
      {
        connection: deps.connection,
        groupId: spec.groupId,
        topics: [...spec.topics],
        autoOffsetReset: spec.autoOffsetReset,
        commitPolicy: spec.commitPolicy,
        ...(spec.delivery ? { delivery: spec.delivery } : {}),
        ...(spec.transactionalIdPrefix ? { transactionalIdPrefix: spec.transactionalIdPrefix } : {}),
        ...(spec.transactionTimeoutMs ? { transactionTimeoutMs: spec.transactionTimeoutMs } : {}),
        members: spec.members,
        ...(spec.groupProtocol ? { groupProtocol: spec.groupProtocol } : {}),
        ...(spec.concurrency ? { concurrency: spec.concurrency } : {}),
        ...(spec.partitionConcurrency ? { partitionConcurrency: spec.partitionConcurrency } : {}),
        ...(spec.consumerConfig ? { consumerConfig: spec.consumerConfig } : {}),
        mode: spec.mode,
        handler: this.baseHandler(),
        deadLetter: { topicFor: (topic) => dlqTopicFor(spec.dlqTopic, topic) },
      },
      {
        ...deps.engine,
        logger: this.logger,
        outputSchemas: new RegistryOutputEncoder(deps.encoder ?? new PayloadEncoder()),
      },
    );
    this.wire();
  }

  private now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  get title(): string {
    return `${this.spec.groupId} · ${this.spec.topics.join(', ')}`;
  }

  async start(): Promise<void> {
    this.decoding.readTimestampTypes(this.deps.timestampTypes, this.spec.topics);
    try {
      // The handler exists before the group is joined: nothing is fetched for a handler still starting.
      if (!this.deps.handler)
        this.made = await createHandler(this.deps.handlers ?? builtInHandlers, {
          sessionId: this.id,
          spec: this.spec,
          logger: this.logger,
          signal: this.stopped.signal,
        });
      await this.session.start();
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      await this.closeHandler();
      this.changed();
      throw error;
    }
    this.changed();
  }

  /** Graceful: commits what was decided or handled, leaves the group. */
  async stop(): Promise<void> {
    this.runUntilValue = undefined;
    clearTimeout(this.settleTimer);
    this.stopped.abort();
    try {
      await this.session.stop();
    } finally {
      await this.closeHandler();
    }
    this.changed();
  }

  /** Closes the handler the factory made (once; a stop may follow a failed start). */
  private async closeHandler(): Promise<void> {
    const made = this.made;
    this.made = undefined;
    await made?.close().catch((error: unknown) => this.logger.warn(`closing the handler: ${String(error)}`));
  }

  // ---------------------------------------------------------------- state for the views

  get state(): PanelSessionState {
    if (this.failure) return 'error';
    const state = this.session.state;
    if ((state === 'stepping' || state === 'running') && this.rebalancing()) return 'rebalancing';
    return state;
  }

  get mode(): SessionMode {
    return this.session.mode;
  }

  /**
   * Rebalancing: a member is still joining, or a member's last event took partitions away (revoke,
   * lost) and nothing was assigned to it since — bounded, as a cooperative revoke may be the last word.
   */
  private rebalancing(): boolean {
    return this.session.snapshot().members.some((m) => m.state === 'joining') || this.log.unsettled(this.now());
  }

  /** The message waiting for a decision, decoded. */
  get current(): MessageView | undefined {
    const awaiting = this.session.awaiting;
    return this.decoding.viewOf(awaiting?.id);
  }

  get history(): readonly HistoryEntry[] {
    return this.log.history;
  }

  get timeline(): readonly TimelineEntry[] {
    return this.log.timeline;
  }

  get runUntil(): { readonly condition: RunUntilCondition; readonly scanned: number } | undefined {
    return this.runUntilValue;
  }

  get commitPolicy(): CommitPolicy {
    return this.session.snapshot().commitPolicy;
  }

  /** The group protocol this session's members speak. */
  get groupProtocol(): GroupProtocol {
    return this.session.groupProtocol;
  }

  /** The group's type as the broker last described it (the start flow asks), if known. */
  get reportedGroupType(): GroupType | undefined {
    return this.reportedGroupTypeValue;
  }

  /** Records what the broker says the group is (classic or consumer). */
  noteGroupType(type: GroupType): void {
    if (this.reportedGroupTypeValue === type) return;
    this.reportedGroupTypeValue = type;
    this.emit('changed');
  }

  snapshot(): SessionSnapshot {
    return this.session.snapshot();
  }

  /** Per assigned partition: position, committed, high watermark and lag (refreshed every 2 s by the engine). */
  lag(): PartitionLag[] {
    if (this.session.state === 'stopped') return [];
    // The engine refreshes these every 2 s; read live (native watermark calls) only before the first refresh.
    return this.lagRows.length ? this.lagRows : this.session.lag();
  }

  totalLag(): number | undefined {
    const rows = this.lag();
    const known = rows.filter((r) => r.lag !== undefined);
    return known.length ? known.reduce((sum, r) => sum + (r.lag ?? 0), 0) : undefined;
  }

  panelState(): PanelState {
    return {
      sessionId: this.id,
      title: this.title,
      state: this.state,
      ...(this.current ? { current: this.current } : {}),
      history: this.log.history.slice(-HISTORY_LIMIT),
      lastCommits: this.log.lastCommits(),
      ...(this.runUntilValue ? { runUntil: { ...this.runUntilValue } } : {}),
      ...(this.noticeValue ? { notice: this.noticeValue } : {}),
      ...(this.deps.handler ? { canReplay: true } : {}),
      delivery: this.session.delivery,
      commitLog: this.log.commitLog.slice(-COMMIT_LOG_LIMIT),
    };
  }

  // ---------------------------------------------------------------- the developer's decisions

  /** Decides the current message (or, with `messageId`, that one). The panel's buttons end here. */
  async decide(action: PanelAction, options: { messageId?: string; reason?: string } = {}): Promise<void> {
    const messageId = options.messageId ?? this.session.awaiting?.id;
    if (!messageId)
      throw new Error(
        'No message is waiting for a decision. Step the session (it must be in stepping mode), or wait for the next message.',
      );
    const view = this.decoding.viewOf(messageId);
    this.noticeValue = undefined;
    try {
      switch (action) {
        case 'next':
          if (this.deps.handler) await this.stepThrough(this.deps.handler, messageId);
          else await this.session.decide(messageId, { kind: 'ack', ...this.builtInOutputs(messageId) });
          break;
        case 'commit':
          await this.session.decide(messageId, { kind: 'commitNow', ...this.builtInOutputs(messageId) });
          break;
        case 'skip':
          await this.session.decide(messageId, { kind: 'skip' });
          if (view)
            this.noticeValue = {
              level: 'warning',
              text: `Offset ${view.offset} of ${view.topic} [${view.partition}] was skipped: it is not marked done, so the group's commits stop before it and it is delivered again after a restart.`,
            };
          break;
        case 'retry':
          await this.session.decide(messageId, { kind: 'retry' });
          break;
        case 'deadLetter': {
          const reason = options.reason?.trim() || DEFAULT_DEAD_LETTER_REASON;
          const error = this.handlerErrors.get(messageId);
          await this.session.decide(messageId, {
            kind: 'deadLetter',
            reason,
            ...(error !== undefined ? { error } : {}),
          });
          break;
        }
      }
    } finally {
      if (action !== 'next') this.handlerErrors.delete(messageId);
      // Also after a refusal (the message was revoked meanwhile): the views drop the stale message.
      this.changed();
    }
  }

  /** Stepping with the copying handler: the waiting message's copies go with its decision (into the open transaction, exactly-once). */
  private builtInOutputs(messageId: string): { outputs?: OutputRecord[] } {
    const message = this.session.awaiting;
    if (this.deps.handler || this.spec.handler !== 'copy' || message?.id !== messageId) return {};
    return { outputs: copyToOutputs(message, this.spec.outputTopics ?? []) };
  }

  /** Next with the developer's handler: a failure stays waiting, shown in the panel and the history. */
  private async stepThrough(handler: MessageHandler, messageId: string): Promise<void> {
    const message = this.session.awaiting;
    const outcome = await stepThroughHandler(this.session, handler, messageId, this.handlerErrors);
    if (!outcome || !message) return;
    this.noticeValue = {
      level: 'error',
      text: `The handler failed on ${message.topic} [${message.partition}] offset ${message.offset}: ${outcome.failed}`,
    };
    this.record({
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      decision: 'failed',
      detail: outcome.failed,
      at: this.now(),
    });
  }

  /**
   * Runs the handler again on the record at an offset (an earlier message, or any offset of an
   * assigned partition). Nothing is committed and no position moves; the outcome is shown.
   */
  async replay(topic: string, partition: number, offset: number): Promise<ReplayOutcome> {
    if (!this.deps.handler)
      throw new Error('Replay needs your own handler: start the session with Debug Handler or Run Handler.');
    const outcome = await replayIntoHandler(this.deps.handler, this.deps.connection, topic, partition, offset);
    const where = `${topic} [${partition}] offset ${offset}`;
    this.noticeValue =
      outcome.result.kind === 'returned'
        ? { level: 'info', text: `Replayed ${where}: the handler returned. Nothing was committed.` }
        : {
            level: 'error',
            text: `Replayed ${where}: the handler failed (nothing was committed): ${outcome.result.error}`,
          };
    this.changed();
    return outcome;
  }

  pause(): void {
    if (this.session.mode !== 'paused') this.resumeMode = this.session.mode === 'running' ? 'running' : 'stepping';
    this.session.setMode('paused');
    this.changed();
  }

  resume(): void {
    this.setMode(this.runUntilValue ? 'running' : this.resumeMode);
  }

  setMode(mode: SessionMode): void {
    if (mode !== 'running' && this.runUntilValue && mode !== 'paused') this.runUntilValue = undefined;
    this.session.setMode(mode);
    if (mode !== 'paused') this.resumeMode = mode;
    this.changed();
  }

  setCommitPolicy(policy: CommitPolicy): void {
    this.session.setCommitPolicy(policy);
    this.changed();
  }

  /** Tries blocked dead-letter writes again now; returns how many. */
  retryDeadLetters(): number {
    const count = this.session.retryDeadLetters();
    this.changed();
    return count;
  }

  commitNow(): void {
    this.session.commitNow();
    this.changed();
  }

  async seek(topic: string, partition: number, target: SeekTarget): Promise<number> {
    const offset = await this.session.seek(topic, partition, target);
    this.noticeValue = { level: 'info', text: `${topic} [${partition}] continues from offset ${offset}.` };
    this.changed();
    return offset;
  }

  async addMember(): Promise<string> {
    const id = await this.session.addMember();
    this.changed();
    return id;
  }

  async removeMember(memberId?: string): Promise<string> {
    const id = await this.session.removeMember(memberId);
    this.changed();
    return id;
  }

  /**
   * Runs the session (the running handler) until a message matches, then stops on that message in
   * stepping mode, unprocessed. A decode error or a key, header, offset or JSON-path condition is
   * checked before the handler runs; a handler error after it.
   */
  runUntilMatch(condition: RunUntilCondition): void {
    this.runUntilValue = { condition, scanned: 0 };
    this.noticeValue = { level: 'info', text: `Running until ${describeRunUntil(condition)}…` };
    this.session.setMode('running');
    this.changed();
  }

  cancelRunUntil(): void {
    if (!this.runUntilValue) return;
    this.runUntilValue = undefined;
    this.noticeValue = { level: 'info', text: 'Run-until cancelled; stepping.' };
    this.session.setMode('stepping');
    this.resumeMode = 'stepping';
    this.changed();
  }

  // ---------------------------------------------------------------- internals

  /** The running-mode handler: the developer's or the one the factory made, wrapped by run-until (any handler). */
  private baseHandler(): MessageHandler {
    const handle: MessageHandler = (message, context) => {
      const handler = this.deps.handler ?? this.made?.handle;
      if (!handler) throw new Error('the session has no handler yet (it is still starting)');
      return handler(message, context);
    };
    return withRunUntil(handle, {
      current: () => this.runUntilValue,
      decode: (message) => this.decoding.decode(message),
    });
  }

  private wire(): void {
    const s = this.session;
    s.on('awaiting', (message) => {
      this.decoding.show(
        message,
        () => this.changed(),
        (error: unknown) => {
          this.logger.error(`decoding ${message.topic}[${message.partition}]@${message.offset} failed`, error);
          this.emit('problem', {
            kind: 'decodeFailed',
            message: `Could not decode ${message.topic} [${message.partition}] offset ${message.offset}: ${String(error)}`,
          });
        },
      );
    });
    s.on('held', (message, why) => {
      if (this.runUntilValue) {
        const scanned = this.runUntilValue.scanned;
        this.runUntilValue = undefined;
        this.resumeMode = 'stepping';
        this.noticeValue = {
          level: 'info',
          text: `Stopped on ${message.topic} [${message.partition}] offset ${message.offset} after ${scanned} message(s): ${why.replace(/^run-until matched: /, '')}.`,
        };
      }
      this.changed();
    });
    s.on('decided', (event) => {
      // A dead-letter decision is recorded once its write is acknowledged (deadLettered), with the topic and reason.
      if (this.log.decided(event)) this.changed();
    });
    s.on('deadLettered', (event) => {
      this.log.deadLettered(event);
      this.changed();
    });
    s.on('committed', (event) => {
      if (event.error) {
        this.logger.warn(`commit failed (${event.reason}): ${event.error}`);
        return;
      }
      this.log.committed(event, this.session.delivery !== 'exactly-once');
      this.changed();
    });
    s.on('transaction', (event) => {
      this.log.transaction(event);
      this.changed();
    });
    s.on('rebalance', (event) => {
      this.log.rebalanced(event);
      if (event.kind !== 'assign') {
        clearTimeout(this.settleTimer);
        this.settleTimer = setTimeout(() => this.changed(), REBALANCE_SETTLE_MS + 100);
        this.settleTimer.unref();
      }
      if (event.kind === 'lost') {
        this.emit('problem', {
          kind: 'partitionsLost',
          message: `Member ${event.memberId} lost ${event.partitions.map((p) => `${p.topic} [${p.partition}]`).join(', ')}: nothing past its commits was committed; those messages will be delivered again.`,
        });
      }
      this.changed();
    });
    s.on('error', (event) => {
      const text = event.error.message;
      const kind = event.error instanceof DeadLetterError ? 'deadLetterFailed' : 'clientError';
      this.emit('problem', { kind, message: text });
      this.changed();
    });
    s.on('lag', (rows) => {
      this.lagRows = rows;
      this.changed();
    });
    s.on('state', () => this.changed());
  }

  private record(entry: HistoryEntry): void {
    this.log.record(entry);
    this.changed();
  }

  private changed(): void {
    this.emit('changed');
  }
}
