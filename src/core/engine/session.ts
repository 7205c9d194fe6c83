import { EventEmitter } from 'node:events';
import { type DeadLetterSink, type DeadLetterWriterOptions, DeadLetterWriter, defaultDeadLetterTopic } from '../dlq/deadLetterWriter';
import { type Logger, silentLogger } from '../logging';
import { type RetryPolicy, defaultRetryPolicy, validateRetryPolicy } from './backoff';
import { type CommitPolicy, defaultBatchPolicy, validateCommitPolicy } from './commitPolicy';
import type { ConsumerFactory } from './consumerPort';
import type { HoldMessage } from './hold';
import { MAX_MEMBERS, validateMemberCount } from './limits';
import { Member, type MemberHost } from './member';
import { rdkafkaConsumerFactory } from './rdkafkaConsumer';
import { StepCursor } from './stepCursor';
import type {
  ConsumedMessage,
  Decision,
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
}

/**
 * A consumer session: one or more members of one consumer group, in one of three modes.
 * Running hands each message to the handler; stepping offers one message at a time for a decision;
 * paused fetches nothing. Modes switch at any moment without losing, reordering or repeating a
 * message, because every member keeps its fetched messages in per-partition queues and only the
 * offset watermark (everything before it done) is ever committed.
 */
export class ConsumerSession extends EventEmitter<SessionEvents> {
  private readonly members: Member[] = [];
  private readonly deadLetters: DeadLetterSink;
  private readonly consumers: ConsumerFactory;
  private readonly logger: Logger;
  private modeValue: SessionMode;
  private handlerValue: MessageHandler | undefined;
  private retry: RetryPolicy;
  private commitPolicy: CommitPolicy;
  private stateValue: SessionState = 'starting';
  /** Stepping: the message currently waiting for a decision, and the member that holds it. */
  private readonly cursor: StepCursor;
  private lagTimer: NodeJS.Timeout | undefined;
  private nextMemberIndex: number;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: SessionConfig,
    options: SessionOptions = {},
  ) {
    super();
    this.logger = (options.logger ?? silentLogger).child(`session ${config.groupId}`);
    this.retry = config.retryPolicy ?? defaultRetryPolicy;
    validateRetryPolicy(this.retry);
    this.commitPolicy = config.commitPolicy ?? defaultBatchPolicy;
    validateCommitPolicy(this.commitPolicy);
    this.modeValue = config.mode ?? (config.handler ? 'running' : 'stepping');
    this.handlerValue = config.handler;
    const memberCount = config.members ?? 1;
    validateMemberCount(memberCount);
    if (typeof config.groupId !== 'string' || config.groupId.trim() === '') throw new RangeError('a session needs a group.id');
    if (!(config.topics instanceof RegExp) && config.topics.length === 0) throw new RangeError('a session needs at least one topic or a topic pattern');
    const dlqOptions: DeadLetterWriterOptions = { connection: config.connection, writeTimeoutMs: config.deadLetter?.writeTimeoutMs, logger: this.logger.child('dlq') };
    this.deadLetters = options.deadLetters ? options.deadLetters(dlqOptions) : new DeadLetterWriter(dlqOptions);
    this.consumers = options.consumers ?? rdkafkaConsumerFactory;
    this.cursor = new StepCursor(
      () => this.members,
      () => this.modeValue === 'stepping' && this.stateValue !== 'stopping' && this.stateValue !== 'stopped',
      (message) => this.emit('awaiting', message),
    );
    // No listener for 'error' must not crash the host: errors are also logged.
    this.on('error', () => undefined);
    const host = this.hostFor();
    for (let i = 1; i <= memberCount; i++) this.members.push(new Member(host, i));
    this.nextMemberIndex = memberCount + 1;
  }

  private hostFor(): MemberHost {
    return {
      config: { ...this.config, commitPolicy: this.commitPolicy },
      logger: this.logger,
      deadLetters: this.deadLetters,
      consumers: this.consumers,
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

  async start(): Promise<void> {
    if (this.stateValue !== 'starting') throw new Error(`session already ${this.stateValue}`);
    try {
      // Members join one after another, so the group sees them as distinct joins.
      for (const member of this.members) {
        await member.start();
        if (this.stopping) throw new Error('the session was stopped while it started');
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.setState(this.modeValue);
    if (this.modeValue === 'paused') for (const m of this.members) m.setFetching(false);
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
    if (previous === 'paused' && mode !== 'paused') for (const m of this.members) m.setFetching(true);
    if (mode === 'paused') for (const m of this.members) m.setFetching(false);
    if (this.stateValue !== 'starting' && this.stateValue !== 'stopping' && this.stateValue !== 'stopped') this.setState(mode);
    for (const m of this.members) m.dispatch();
    if (mode === 'stepping') this.cursor.advance();
  }

  setHandler(handler: MessageHandler | undefined): void {
    this.handlerValue = handler;
    if (this.modeValue === 'running') for (const m of this.members) m.dispatch();
  }

  setCommitPolicy(policy: CommitPolicy): void {
    validateCommitPolicy(policy);
    this.commitPolicy = policy;
    for (const m of this.members) m.setCommitPolicy(policy);
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
    const member = this.memberOf(messageId);
    this.cursor.releaseIf((m) => m.id === messageId);
    try {
      await member.decide(messageId, decision);
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
    const member = this.members.find((m) => m.ownsPartition(topic, partition));
    if (!member) throw new Error(`${topic}[${partition}] is not assigned to any member of this session; it can only be sought while assigned`);
    this.cursor.releaseIf((m) => m.topic === topic && m.partition === partition);
    const offset = await member.seek(topic, partition, target);
    this.cursor.advance();
    return offset;
  }

  /** Retries blocked dead-letter writes now (e.g. after the DLQ topic was created); returns how many. */
  retryDeadLetters(): number {
    return this.members.reduce((sum, m) => sum + m.retryBlockedDeadLetters(), 0);
  }

  /** Synchronously commits every member's done watermark now. */
  commitNow(): void {
    for (const m of this.members) m.commit('commitNow', true);
  }

  snapshot(): SessionSnapshot {
    return {
      groupId: this.config.groupId,
      state: this.stateValue,
      mode: this.modeValue,
      commitPolicy: this.commitPolicy,
      members: this.members.map((m) => m.snapshot()),
      awaiting: this.cursor.current ? [this.cursor.current.message.id] : [],
    };
  }

  lag(): PartitionLag[] {
    return this.members.flatMap((m) => m.lag());
  }

  /** The members' ids, in the order they joined. */
  get memberIds(): string[] {
    return this.members.map((m) => m.id);
  }

  /** Adds one member to the group (a rebalance follows). Resolves once it has subscribed. */
  async addMember(): Promise<string> {
    if (this.stateValue === 'starting' || this.stateValue === 'stopping' || this.stateValue === 'stopped') throw new Error(`cannot add a member while the session is ${this.stateValue}`);
    if (this.members.length >= MAX_MEMBERS) throw new RangeError(`a session has at most ${MAX_MEMBERS} members`);
    const member = new Member(this.hostFor(), this.nextMemberIndex++);
    this.members.push(member);
    try {
      await member.start();
      if (this.stopping) throw new Error('the session was stopped while the member joined');
    } catch (error) {
      this.members.splice(this.members.indexOf(member), 1);
      await member.stop().catch(() => undefined);
      throw error;
    }
    if (this.modeValue === 'paused') member.setFetching(false);
    return member.id;
  }

  /**
   * Removes a member (the newest by default) gracefully: it commits what is done and leaves the
   * group, and its partitions move to the others. A session keeps at least one member.
   */
  async removeMember(memberId?: string): Promise<string> {
    if (this.members.length <= 1) throw new Error('a session keeps at least one member; stop the session instead');
    const member = memberId === undefined ? this.members[this.members.length - 1] : this.members.find((m) => m.id === memberId);
    if (!member) throw new Error(`no member ${memberId ?? ''} in this session`);
    this.members.splice(this.members.indexOf(member), 1);
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
    await Promise.all(this.members.map((m) => m.stop().catch((error: unknown) => this.logger.warn(`stopping ${m.id}: ${String(error)}`))));
    await this.deadLetters.close();
    this.setState('stopped');
  }

  private memberOf(messageId: string): Member {
    const memberId = messageId.split('/', 1)[0];
    const member = this.members.find((m) => m.id === memberId);
    if (!member) throw new Error(`message ${messageId} does not belong to this session`);
    return member;
  }

  private setState(state: SessionState): void {
    this.stateValue = state;
    this.emit('state', state);
  }
}
