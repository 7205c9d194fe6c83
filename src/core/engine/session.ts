import { EventEmitter } from 'node:events';
import {
  type DeadLetterSink,
  type DeadLetterWriterOptions,
  DeadLetterWriter,
  defaultDeadLetterTopic,
} from '../dlq/deadLetterWriter';
import { type Logger, silentLogger } from '../logging';
import { type RetryPolicy, validateRetryPolicy } from './backoff';
import { type CommitPolicy, validateCommitPolicy } from './commitPolicy';
import type { ConsumerFactory } from './consumerPort';
import type { HoldMessage } from './hold';
import type { MemberHost } from './memberHost';
import {
  type OutputSender,
  type TransactionalProducerFactory,
  RdkafkaOutputSender,
  rdkafkaTransactionalProducerFactory,
} from './outputProducer';
import type { OutputSchemaEncoder } from './outputSchemas';
import { rdkafkaConsumerFactory } from './rdkafkaConsumer';
import { type ResolvedSessionSettings, resolveSessionSettings } from './sessionConfig';
import { SessionMembers } from './sessionMembers';
import { StepCursor } from './stepCursor';
import type {
  ConsumedMessage,
  Decision,
  GroupProtocol,
  MessageHandler,
  SeekTarget,
  SessionConfig,
  SessionEvents,
  SessionMode,
  SessionSnapshot,
  SessionState,
  PartitionLag,
} from './types';

/** What a session is built from besides its settings; tests pass fakes for the consumers and the DLQ. */
export interface SessionOptions {
  readonly logger?: Logger;
  /** Makes each member's consumer; librdkafka by default. */
  readonly consumers?: ConsumerFactory;
  /** Makes the session's dead-letter writer; a librdkafka producer by default. */
  readonly deadLetters?: (options: DeadLetterWriterOptions) => DeadLetterSink;
  /** Makes an exactly-once member's transactional producer; librdkafka by default. */
  readonly transactionalProducers?: TransactionalProducerFactory;
  /** Makes the at-least-once output producer; librdkafka by default. */
  readonly outputs?: () => OutputSender;
  /** Encodes outputs that ask for a registry schema (keySchema / valueSchema); without it they fail their input. */
  readonly outputSchemas?: OutputSchemaEncoder;
}

/**
 * A consumer session: one or more members of one consumer group, in one of three modes.
 * Running hands each message to the handler; stepping offers one message at a time for a decision;
 * paused fetches nothing. Modes switch at any moment without losing, reordering or repeating a
 * message, because every member keeps its fetched messages in per-partition queues and only the
 * offset watermark (everything before it done) is ever committed.
 */
export class ConsumerSession extends EventEmitter<SessionEvents> {
  private readonly group: SessionMembers;
  private readonly deadLetters: DeadLetterSink;
  private readonly consumers: ConsumerFactory;
  private readonly logger: Logger;
  private modeValue: SessionMode;
  /** The consumer group protocol every member of this session speaks. */
  readonly groupProtocol: GroupProtocol;
  private handlerValue: MessageHandler | undefined;
  private retry: RetryPolicy;
  private commitPolicy: CommitPolicy;
  private stateValue: SessionState = 'starting';
  /** Stepping: the message currently waiting for a decision, and the member that holds it. */
  private readonly cursor: StepCursor;
  private lagTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly settings: ResolvedSessionSettings;
  private outputSender: OutputSender | undefined;
  private readonly makeOutputs: () => OutputSender;
  private readonly transactionalProducers: TransactionalProducerFactory;
  private readonly outputSchemas: OutputSchemaEncoder | undefined;
  private failureValue: Error | undefined;

  constructor(
    readonly config: SessionConfig,
    options: SessionOptions = {},
  ) {
    super();
    this.logger = (options.logger ?? silentLogger).child(`session ${config.groupId}`);
    const settings = (this.settings = resolveSessionSettings(config));
    this.makeOutputs =
      options.outputs ?? (() => new RdkafkaOutputSender(config.connection, this.logger.child('outputs')));
    this.transactionalProducers = options.transactionalProducers ?? rdkafkaTransactionalProducerFactory;
    this.outputSchemas = options.outputSchemas;
    this.retry = settings.retryPolicy;
    this.commitPolicy = settings.commitPolicy;
    this.modeValue = settings.mode;
    this.groupProtocol = settings.groupProtocol;
    this.handlerValue = config.handler;
    const memberCount = settings.members;
    const dlqOptions: DeadLetterWriterOptions = {
      connection: config.connection,
      writeTimeoutMs: config.deadLetter?.writeTimeoutMs,
      logger: this.logger.child('dlq'),
    };
    this.deadLetters = options.deadLetters ? options.deadLetters(dlqOptions) : new DeadLetterWriter(dlqOptions);
    this.consumers = options.consumers ?? rdkafkaConsumerFactory;
    this.cursor = new StepCursor(
      () => this.group.list,
      () => this.modeValue === 'stepping' && this.stateValue !== 'stopping' && this.stateValue !== 'stopped',
      (message) => this.emit('awaiting', message),
    );
    // No listener for 'error' must not crash the host: errors are also logged.
    this.on('error', () => undefined);
    const host = this.hostFor();
    this.group = new SessionMembers(host);
    for (let i = 1; i <= memberCount; i++) this.group.create();
  }

  private hostFor(): MemberHost {
    return {
      config: { ...this.config, commitPolicy: this.commitPolicy },
      logger: this.logger,
      deadLetters: this.deadLetters,
      consumers: this.consumers,
      delivery: this.settings,
      transactionalProducers: this.transactionalProducers,
      outputs: () => (this.outputSender ??= this.makeOutputs()),
      ...(this.outputSchemas ? { outputSchemas: this.outputSchemas } : {}),
      fatal: (memberId, error) => this.onFatal(memberId, error),
      mode: () => this.modeValue,
      handler: () => this.handlerValue,
      retryPolicy: () => this.retry,
      dlqTopicFor: (topic) => (this.config.deadLetter?.topicFor ?? defaultDeadLetterTopic)(topic),
      emit: (event, ...args) => {
        this.emit(event, ...(args as never));
      },
      listens: (event) => this.listenerCount(event) > 0,
      stepCandidateAvailable: () => this.cursor.advance(),
      awaitingWithdrawn: (message) => {
        if (this.cursor.releaseIf((m) => m.id === message.id)) setImmediate(() => this.cursor.advance());
      },
      held: (message, hold) => this.onHeld(message, hold),
    };
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get mode(): SessionMode {
    return this.modeValue;
  }

  /** The delivery guarantee this session runs with. */
  get delivery(): ResolvedSessionSettings['delivery'] {
    return this.settings.delivery;
  }

  /** Why the session stopped by itself (a fenced producer, …), if it did. */
  get failure(): Error | undefined {
    return this.failureValue;
  }

  /** A member cannot go on: the session stops safely (nothing uncommitted is committed) and keeps the reason. */
  private onFatal(memberId: string, error: Error): void {
    this.failureValue ??= error;
    this.logger.error(`${memberId}: ${error.message} The session stops.`);
    void this.stop();
  }

  async start(): Promise<void> {
    if (this.stateValue !== 'starting') throw new Error(`session already ${this.stateValue}`);
    try {
      // Members join one after another, so the group sees them as distinct joins.
      for (const member of this.group.list) {
        await member.start();
        if (this.stopping) throw new Error('the session was stopped while it started');
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.setState(this.modeValue);
    if (this.modeValue === 'paused') for (const m of this.group.list) m.setFetching(false);
    this.lagTimer = setInterval(() => this.emit('lag', this.lag()), 2000);
    this.lagTimer.unref();
  }

  /** Switches mode. Messages in flight finish under the mode they started in; nothing is lost or repeated. */
  setMode(mode: SessionMode): void {
    if (mode === 'running' && !this.handlerValue) throw new Error('running mode needs a message handler');
    const previous = this.modeValue;
    this.modeValue = mode;
    const current = mode === 'running' ? this.cursor.release() : undefined;
    // The message shown for a decision was never decided: it goes back to the head of its
    // partition, and the handler takes it next. (Paused keeps it: it can still be decided.)
    if (current) current.member.returnToQueue(current.message.id);
    if (previous === 'paused' && mode !== 'paused') for (const m of this.group.list) m.setFetching(true);
    if (mode === 'paused') for (const m of this.group.list) m.setFetching(false);
    if (this.stateValue !== 'starting' && this.stateValue !== 'stopping' && this.stateValue !== 'stopped')
      this.setState(mode);
    for (const m of this.group.list) m.dispatch();
    if (mode === 'stepping') this.cursor.advance();
  }

  setHandler(handler: MessageHandler | undefined): void {
    this.handlerValue = handler;
    if (this.modeValue === 'running') for (const m of this.group.list) m.dispatch();
  }

  setCommitPolicy(policy: CommitPolicy): void {
    validateCommitPolicy(policy);
    this.commitPolicy = policy;
    for (const m of this.group.list) m.setCommitPolicy(policy);
  }

  setRetryPolicy(policy: RetryPolicy): void {
    validateRetryPolicy(policy);
    this.retry = policy;
  }

  /** Stepping: the message waiting for a decision, if any. */
  get awaiting(): ConsumedMessage | undefined {
    return this.cursor.current?.message;
  }

  /** Decides the fate of a message waiting for a decision (the stepping cursor, or one blocked in the DLQ path). */
  async decide(messageId: string, decision: Decision): Promise<void> {
    const member = this.group.ofMessage(messageId);
    this.cursor.releaseIf((m) => m.id === messageId);
    try {
      await member.decide(messageId, decision);
    } catch (error) {
      // Refused while the message still waits (an output that cannot be produced): it is offered
      // again at once, so that another decision can be made on it.
      this.cursor.prefer(messageId);
      member.returnToQueue(messageId);
      throw error;
    } finally {
      this.cursor.advance();
    }
  }

  /** Resolves with the next message waiting for a decision (stepping), within `timeoutMs`. */
  nextAwaiting(timeoutMs: number): Promise<ConsumedMessage> {
    return this.cursor.next(timeoutMs, () => `mode ${this.modeValue}`);
  }

  /** A handler held a message (run-until matched): stop on it, in stepping mode. */
  private onHeld(message: ConsumedMessage, hold: HoldMessage): void {
    this.logger.info(`holding ${message.topic}[${message.partition}]@${message.offset}: ${hold.message}`);
    this.cursor.prefer(message.id);
    this.emit('held', message, hold.message);
    if (this.modeValue === 'running') this.setMode('stepping');
    else this.cursor.advance();
  }

  async seek(topic: string, partition: number, target: SeekTarget): Promise<number> {
    const member = this.group.owner(topic, partition);
    if (!member)
      throw new Error(
        `${topic}[${partition}] is not assigned to any member of this session; it can only be sought while assigned`,
      );
    this.cursor.releaseIf((m) => m.topic === topic && m.partition === partition);
    const offset = await member.seek(topic, partition, target);
    this.cursor.advance();
    return offset;
  }

  /** Retries blocked dead-letter writes now (e.g. after the DLQ topic was created); returns how many. */
  retryDeadLetters(): number {
    return this.group.list.reduce((sum, m) => sum + m.retryBlockedDeadLetters(), 0);
  }

  /** Synchronously commits every member's done watermark now. */
  commitNow(): void {
    for (const m of this.group.list) m.commit('commitNow', true);
  }

  snapshot(): SessionSnapshot {
    return {
      groupId: this.config.groupId,
      state: this.stateValue,
      mode: this.modeValue,
      commitPolicy: this.commitPolicy,
      delivery: this.settings.delivery,
      members: this.group.list.map((m) => m.snapshot()),
      awaiting: this.cursor.current ? [this.cursor.current.message.id] : [],
    };
  }

  lag(): PartitionLag[] {
    return this.group.list.flatMap((m) => m.lag());
  }

  /** The members' ids, in the order they joined. */
  get memberIds(): string[] {
    return this.group.list.map((m) => m.id);
  }

  /** Adds one member to the group (a rebalance follows). Resolves once it has subscribed. */
  async addMember(): Promise<string> {
    if (this.stateValue === 'starting' || this.stateValue === 'stopping' || this.stateValue === 'stopped')
      throw new Error(`cannot add a member while the session is ${this.stateValue}`);
    const member = this.group.create();
    await this.group.join(member, () => this.stopping !== undefined);
    if (this.modeValue === 'paused') member.setFetching(false);
    return member.id;
  }

  /**
   * Removes a member (the newest by default) gracefully: it commits what is done and leaves the
   * group, and its partitions move to the others. A session keeps at least one member.
   */
  async removeMember(memberId?: string): Promise<string> {
    const member = this.group.take(memberId);
    this.cursor.releaseIf((_, m) => m === member);
    try {
      await member.stop();
    } finally {
      this.cursor.advance();
    }
    return member.id;
  }

  /** Graceful stop: every member commits what is done and leaves the group. Every caller waits for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopMembers();
    return this.stopping;
  }

  private async stopMembers(): Promise<void> {
    this.setState('stopping');
    clearInterval(this.lagTimer);
    this.cursor.release();
    await this.group.stopAll(this.logger);
    await this.deadLetters.close();
    await this.outputSender
      ?.close()
      .catch((error: unknown) => this.logger.warn(`closing the output producer: ${String(error)}`));
    this.setState('stopped');
  }

  private setState(state: SessionState): void {
    this.stateValue = state;
    this.emit('state', state);
  }
}
